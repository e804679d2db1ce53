"""The content-addressed cache: the store, the import graph, and warm == cold on real runs."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from practicegrade import cache as cache_module
from practicegrade.cache import (
    Cache,
    blob_sha,
    cached_complexity,
    cached_lint,
    first_party_imports,
    has_init,
    imported_names,
    make_key,
    module_name,
    worth_incremental,
)
from practicegrade.collectors import Project, Settings, complexity, lint
from practicegrade.discover import discover
from practicegrade.model import CollectorResult
from tests.helpers.repos import write_files

# --------------------------------------------------------------------------- store


def test_store_round_trips_and_treats_corruption_as_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    key = make_key("x", {"b": 1, "a": 2})
    assert key == make_key("x", {"a": 2, "b": 1})
    assert cache.get("ns", key) is None
    cache.put("ns", key, {"v": [1, 2]})
    assert cache.get("ns", key) == {"v": [1, 2]}
    path = next((tmp_path / "c" / "ns").rglob("*.json"))
    path.write_text("{broken")
    assert cache.get("ns", key) is None
    assert Cache(None).get("ns", key) is None


def test_prune_keeps_the_newest_entries(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    for i in range(20):
        cache.put("ns", make_key(i), i)
    assert cache.prune(max_entries=10) == 12
    assert sum(1 for _ in (tmp_path / "c").rglob("*.json")) == 8


def test_blob_sha_is_gits(tmp_path: Path) -> None:
    data = b"print('hi')\n\x00binary"
    (tmp_path / "f").write_bytes(data)
    expected = subprocess.run(
        ["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert blob_sha(data) == expected


# --------------------------------------------------------------------------- imports


def _tree(root: Path, rels: list[str]) -> None:
    write_files(root, dict.fromkeys(rels, ""))


def test_module_names_are_pylints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is named from the first folder above it that is no package, as pylint does."""
    from pylint.lint.expand_modules import expand_modules  # noqa: PLC0415

    files = [
        "app/a.py",
        "src/pkg/__init__.py",
        "src/pkg/a.py",
        "src/pkg/sub/__init__.py",
        "src/pkg/sub/c.py",
        "pkg2/__init__.py",
        "pkg2/m.py",
        "top.py",
        "deep/nopkg/pkg3/__init__.py",
        "deep/nopkg/pkg3/x.py",
        "half/__init__.py",
        "half/inner/y.py",
    ]
    _tree(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    found, errors = expand_modules(files, [], [], [], [])
    assert not errors
    # expand_modules spells a package ``pkg.__init__``; astroid (and pylint's messages)
    # name it ``pkg``.
    pylints = {rel: found[rel]["name"].removesuffix(".__init__") for rel in files}
    ours = {rel: module_name(rel, partial(has_init, tmp_path)) for rel in files}
    assert ours == pylints
    assert ours["app/a.py"] == "a"
    assert ours["half/inner/y.py"] == "y"
    assert ours["src/pkg/sub/__init__.py"] == "pkg.sub"
    assert module_name("README.md", partial(has_init, tmp_path)) is None


def test_relative_imports_are_resolved() -> None:
    source = b"from . import a\nfrom .sub import b as bee\nfrom .. import top\nimport json\n"
    assert imported_names(source, "pkg.mod", is_package=False) == {
        "pkg",
        "pkg.a",
        "pkg.sub",
        "pkg.sub.b",
        "top",
        "json",
    }
    assert imported_names(b"def broken(:\n", "pkg.mod", False) == set()


def test_an_import_names_every_package_above_the_module() -> None:
    """``import a.b.c`` binds ``a``: astroid reads ``a/__init__.py`` for ``a.X``."""
    source = b"import a.b.c\nimport d.e as e\nfrom f import *\n"
    assert imported_names(source, "m", False) == {"a", "a.b", "a.b.c", "d", "d.e", "f"}


NESTED = b"""
import a
if TYPE_CHECKING:
    import b
else:
    import c
try:
    import d
except ImportError:
    import e
else:
    import f
finally:
    import g
with ctx():
    import h
for _ in ():
    import i
else:
    import j
while False:
    import k
match x:
    case 1:
        import l
class C:
    import m
    def meth(self):
        import n
        async def inner():
            import o
            async with ctx():
                import p
            async for _ in ():
                import q
"""
if sys.version_info >= (3, 11):  # except* is 3.11 syntax; 3.10 cannot parse it
    NESTED += b"try:\n    pass\nexcept* ValueError:\n    import r\n"


def test_imports_are_found_at_any_depth() -> None:
    """Only statements are visited; that must find every import ``ast.walk`` finds."""
    every = {
        alias.name
        for node in ast.walk(ast.parse(NESTED))
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert len(every) == (18 if sys.version_info >= (3, 11) else 17)
    assert imported_names(NESTED, "mod", False) == every


SRC_TREE = {
    "src/pkg/__init__.py": "from pkg import a\n",
    "src/pkg/a.py": "from pkg.b import thing\n",
    "src/pkg/b.py": "from .c import other\nimport requests\n",
    "src/pkg/c.py": "x = 1\n",
    "src/pkg/leaf.py": "import os\n",
    "src/pkg/user.py": "from pkg import a\n",
}


def _sources(root: Path, rels: list[str]) -> dict[str, bytes]:
    return {rel: (root / rel).read_bytes() for rel in rels}


def test_first_party_closure_is_transitive_and_names_packages_only_when_imported(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, SRC_TREE)
    deps = first_party_imports(tmp_path, _sources(tmp_path, list(SRC_TREE)), ("src",))
    closure = deps.closure
    assert closure["src/pkg/a.py"] == {"src/pkg/a.py", "src/pkg/b.py", "src/pkg/c.py"}
    assert closure["src/pkg/leaf.py"] == {"src/pkg/leaf.py"}
    assert closure["src/pkg/user.py"] == {
        "src/pkg/user.py",
        "src/pkg/__init__.py",
        "src/pkg/a.py",
        "src/pkg/b.py",
        "src/pkg/c.py",
    }
    assert deps.others == {}


def test_files_that_are_not_graded_are_followed_where_imports_reach_them(
    tmp_path: Path,
) -> None:
    write_files(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.gen import f\nimport tests.helpers\n",
            "pkg/gen.py": "from pkg import util\n",  # excluded: not graded
            "pkg/util.py": "import json\n",
            "pkg/lonely.py": "x = 1\n",  # reached by nothing: never read
            "tests/__init__.py": "",
            "tests/helpers.py": "from .data import ROWS\n",
            "tests/data.py": "ROWS = []\n",
            "main.py": "import venvmod\nimport hidden\nimport cached\n",
            "env/pyvenv.cfg": "home = /usr\n",
            "env/venvmod.py": "",
            ".hide/hidden.py": "",
            "__pycache__/cached.py": "",
            "venvmod.py": "import lib.inner\n",
            "lib/inner.py": "",
        },
    )
    graded = ["main.py", "pkg/__init__.py", "pkg/a.py", "pkg/util.py"]
    deps = first_party_imports(tmp_path, _sources(tmp_path, graded), (".",))
    others = {"pkg/gen.py", "tests/__init__.py", "tests/helpers.py", "tests/data.py"}
    assert deps.closure["pkg/a.py"] == {"pkg/a.py", "pkg/__init__.py", "pkg/util.py", *others}
    assert deps.closure["pkg/util.py"] == {"pkg/util.py"}
    # A virtualenv, hidden and bytecode folders hold no first-party code; ``lib`` (no
    # package) is a namespace folder found under the root like a package.
    assert deps.closure["main.py"] == {"main.py", "venvmod.py", "lib/inner.py"}
    assert set(deps.others) == {*others, "venvmod.py", "lib/inner.py"}
    assert deps.others["pkg/gen.py"] == b"from pkg import util\n"


def test_imports_resolve_under_pylints_roots(tmp_path: Path) -> None:
    """``app`` is no package: pylint puts it on ``sys.path``, so ``import b`` is ``app/b.py``."""
    write_files(
        tmp_path,
        {
            "app/a.py": "import b\n",
            "app/b.py": "from c import k\n",
            "app/c.py": "k = 1\n",
            "app/sub/__init__.py": "from . import d\n",
            "app/sub/d.py": "",
        },
    )
    graded = ["app/a.py", "app/b.py", "app/sub/__init__.py", "app/sub/d.py"]
    deps = first_party_imports(tmp_path, _sources(tmp_path, graded), (".",))
    assert deps.closure["app/a.py"] == {"app/a.py", "app/b.py", "app/c.py"}
    assert deps.closure["app/sub/__init__.py"] == {"app/sub/__init__.py", "app/sub/d.py"}
    assert set(deps.others) == {"app/c.py"}


def test_cached_modules_are_reused_whenever_there_are_any() -> None:
    assert worth_incremental(14, 0)
    assert worth_incremental(14, 13)
    assert not worth_incremental(14, 14)


# --------------------------------------------------------------------------- warm == cold

A_V1 = """
    \"\"\"Module a.\"\"\"


    def f(x):
        \"\"\"Return x.\"\"\"
        return x
"""
A_V2 = A_V1.replace("def f(x):", "def f(x, y=0):").replace("return x", "return x + y")
B = """
    \"\"\"Module b: its pylint message depends on a's signature.\"\"\"
    from pkg.a import f


    def g():
        \"\"\"Call f with two arguments.\"\"\"
        return f(1, 2)
"""
LEAF = """
    \"\"\"A module nothing imports.\"\"\"


    def h(values):
        \"\"\"Sum the values.\"\"\"
        unused = 3
        return sum(values)
"""
LEAF_V2 = LEAF.replace("unused = 3", "unused = 4")
DUP = """
    \"\"\"Copy {n}.\"\"\"


    def dup_{n}(items):
        \"\"\"Same body twice.\"\"\"
        total = 0
        for item in items:
            if item > 10:
                total += item * 2
            else:
                total -= item
        return total
"""
DUP_GONE = """
    \"\"\"No longer a copy.\"\"\"


    def dup_2(items):
        \"\"\"Something else.\"\"\"
        return len(items)
"""
X = """
    \"\"\"Module x imports y.\"\"\"
    from pkg import y


    def fx():
        \"\"\"Call into y.\"\"\"
        return y.fy()
"""
Y = """
    \"\"\"Module y.\"\"\"


    def fy():
        \"\"\"One.\"\"\"
        return 1
"""
Y_CYCLE = """
    \"\"\"Module y imports x back.\"\"\"
    from pkg import x


    def fy():
        \"\"\"One.\"\"\"
        return 1


    def fy2():
        \"\"\"Call into x.\"\"\"
        return x.fx()
"""
BASE = {
    "pyproject.toml": '[project]\nname = "pkg"\nversion = "0"\n',
    "src/pkg/__init__.py": '"""The package."""\n',
    "src/pkg/a.py": A_V1,
    "src/pkg/b.py": B,
    "src/pkg/leaf.py": LEAF,
    "src/pkg/dup1.py": DUP.format(n=1),
    "src/pkg/dup2.py": DUP.format(n=2),
    "src/pkg/x.py": X,
    "src/pkg/y.py": Y,
}


def _settings(tmp_path: Path) -> Settings:
    return Settings(jobs=2, scratch=Path(tempfile.mkdtemp(dir=tmp_path)))


def _same(a: CollectorResult, b: CollectorResult) -> None:
    assert replace(a, duration_s=0.0) == replace(b, duration_s=0.0)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The base project and a cache filled by one cold grade of it (copied by each test)."""
    base = tmp_path_factory.mktemp("seeded")
    write_files(base / "proj", BASE)
    project = discover(base / "proj")
    cold = cached_lint(project, _settings(base), Cache(base / "cache"))
    assert not cold.unmeasured
    return base / "proj", base / "cache"


@pytest.fixture
def warm(seeded: tuple[Path, Path], tmp_path: Path) -> tuple[Project, Cache]:
    shutil.copytree(seeded[0], tmp_path / "proj")
    shutil.copytree(seeded[1], tmp_path / "cache")
    return discover(tmp_path / "proj"), Cache(tmp_path / "cache")


@pytest.fixture
def project(warm: tuple[Project, Cache]) -> Project:
    return warm[0]


def _linted(settings: Settings) -> list[str]:
    """The files the driver linted: those it was given minus those it reused."""
    scratch = settings.scratch / "pylint-incremental"
    files = json.loads((scratch / "files.json").read_text())
    reuse_file = scratch / "reuse.json"
    reused = json.loads(reuse_file.read_text()) if reuse_file.exists() else {}
    exported = json.loads((scratch / "export.json").read_text())
    linted = [f for f in files if f not in reused]
    assert sorted(exported) == sorted(linted)  # it parsed and recorded exactly those
    document = json.loads((scratch / "result.json").read_text())
    assert {m["path"] for m in document["modules"] if m["statement"]} <= set(linted)
    return linted


def _change(
    warm: tuple[Project, Cache], tmp_path: Path, files: Mapping[str, str | bytes]
) -> tuple[CollectorResult, Settings]:
    """Change ``files``, grade warm and cold, check they are equal; the warm result."""
    write_files(warm[0].root, files)
    project = discover(warm[0].root)
    settings = _settings(tmp_path)
    result = cached_lint(project, settings, warm[1])
    _same(result, lint.collect(project, _settings(tmp_path)))
    assert not (settings.scratch / "pylint").exists()  # no fallback to an uncached run
    return result, settings


def _symbols(result: CollectorResult) -> set[tuple[str, str]]:
    return {(m.path, m.symbol) for m in result.details.messages}  # type: ignore[union-attr]


def test_the_seed_has_every_kind_of_message(warm: tuple[Project, Cache], tmp_path: Path) -> None:
    cold = lint.collect(warm[0], _settings(tmp_path))
    assert ("src/pkg/b.py", "too-many-function-args") in _symbols(cold)
    assert ("src/pkg/leaf.py", "unused-variable") in _symbols(cold)
    assert any(s == "duplicate-code" for _p, s in _symbols(cold))
    settings = _settings(tmp_path)
    _same(cached_lint(warm[0], settings, warm[1]), cold)
    assert not list(settings.scratch.iterdir())  # an unchanged tree runs no pylint at all


def test_warm_lint_equals_cold_when_an_imported_module_changes(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    result, settings = _change(warm, tmp_path, {"src/pkg/a.py": A_V2})
    assert ("src/pkg/b.py", "too-many-function-args") not in _symbols(result)
    assert any(s == "duplicate-code" for _p, s in _symbols(result))
    # Only a and b (which imports a) were linted again; the rest came from the cache.
    assert _linted(settings) == ["src/pkg/a.py", "src/pkg/b.py"]


def test_warm_lint_equals_cold_as_a_duplicate_goes_and_comes(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    result, settings = _change(warm, tmp_path, {"src/pkg/dup2.py": DUP_GONE})
    assert _linted(settings) == ["src/pkg/dup2.py"]
    assert not any(s == "duplicate-code" for _p, s in _symbols(result))
    # Two jobs: the driver's helpers hand their files back in -j1 order.
    copy = DUP.format(n=3).replace('"""Copy 3."""', "")
    result, settings = _change(warm, tmp_path, {"src/pkg/leaf.py": LEAF + copy})
    assert _linted(settings) == ["src/pkg/leaf.py"]
    duplicates = [m for m in result.details.messages if m.symbol == "duplicate-code"]  # type: ignore[union-attr]
    assert len(duplicates) == 1
    assert "==pkg.dup1:" in duplicates[0].message  # unchanged, so reused
    assert "==pkg.leaf:" in duplicates[0].message


def test_a_disable_pragma_in_the_changed_file_silences_its_duplicate(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    pragma = "# pylint: disable=duplicate-code\n" + textwrap.dedent(DUP.format(n=2)).lstrip()
    result, settings = _change(warm, tmp_path, {"src/pkg/dup2.py": pragma.encode()})
    assert _linted(settings) == ["src/pkg/dup2.py"]
    assert not any(s == "duplicate-code" for _p, s in _symbols(result))


def test_warm_lint_equals_cold_as_an_import_cycle_comes_and_goes(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    cycle = ("src/pkg/y.py", "cyclic-import")  # y is the last file: it owns the message
    result, settings = _change(warm, tmp_path, {"src/pkg/y.py": Y_CYCLE})
    assert _linted(settings) == ["src/pkg/x.py", "src/pkg/y.py"]
    assert cycle in _symbols(result)
    # The cycle now lives in cached modules only; an unrelated change keeps it, from
    # the cached import edges, on the (reused) last file.
    result, settings = _change(warm, tmp_path, {"src/pkg/leaf.py": LEAF_V2})
    assert _linted(settings) == ["src/pkg/leaf.py"]
    assert cycle in _symbols(result)
    _assembled_equals_full_run(warm, tmp_path)
    # x and y are back to the seed's text: their seed entries serve, nothing is linted
    # and pylint only runs its end-of-run checks over the cached parts.
    result, settings = _change(warm, tmp_path, {"src/pkg/y.py": Y})
    assert _linted(settings) == []
    assert not any(s == "cyclic-import" for _p, s in _symbols(result))


def _assembled_equals_full_run(warm: tuple[Project, Cache], tmp_path: Path) -> None:
    """The cached parts of the current tree put together are a full run's document."""
    project, cache = warm
    files = list(project.source_files)
    sources = cache_module.read_sources(project.root, files)
    keys = cache_module.lint_keys(project, _settings(tmp_path), sources)
    parts: dict[str, Any] = {rel: cache.get("pylint-module", keys.modules[rel]) for rel in files}
    cross: Any = cache.get("pylint-cross", keys.cross)
    run: Any = cache.get("pylint-run", keys.run)
    assembled = cache_module.assemble_document(files, parts, cross["messages"], run)
    full, _ = cache_module._run_driver(project, _settings(tmp_path), files, {})
    assert assembled == full


def test_learner_similarity_config_is_part_of_the_line_sets_key(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    project = warm[0]
    rc = {".pylintrc": "[SIMILARITIES]\nmin-similarity-lines=30\n"}
    result, settings = _change(warm, tmp_path, rc)
    assert len(_linted(settings)) == len(project.source_files)  # a new config: all again
    assert not any(s == "duplicate-code" for _p, s in _symbols(result))
    result, settings = _change(warm, tmp_path, {"src/pkg/leaf.py": LEAF_V2})
    assert _linted(settings) == ["src/pkg/leaf.py"]
    assert not any(s == "duplicate-code" for _p, s in _symbols(result))

    # Disabled in the configuration, the similarity checker keeps no lines at all; the
    # copies' line sets of that run must not stand in for those of the default config.
    rc = {".pylintrc": "[MESSAGES CONTROL]\ndisable=duplicate-code\n"}
    result, _ = _change(warm, tmp_path, rc)
    assert not any(s == "duplicate-code" for _p, s in _symbols(result))
    (project.root / ".pylintrc").unlink()
    result, settings = _change(warm, tmp_path, {"src/pkg/leaf.py": LEAF + "\n\nK = 1\n"})
    assert _linted(settings) == ["src/pkg/leaf.py"]  # the copies: the seed's entries
    assert any(s == "duplicate-code" for _p, s in _symbols(result))


def test_line_sets_are_keyed_on_the_file_and_config_not_on_imports(
    warm: tuple[Project, Cache], tmp_path: Path
) -> None:
    project = warm[0]
    sources = cache_module.read_sources(project.root, project.source_files)
    keys = cache_module.lint_keys(project, _settings(tmp_path), sources)
    changed = cache_module.lint_keys(
        project, _settings(tmp_path), {**sources, "src/pkg/a.py": A_V2.encode()}
    )
    assert changed.lines["src/pkg/b.py"] == keys.lines["src/pkg/b.py"]
    assert changed.modules["src/pkg/b.py"] != keys.modules["src/pkg/b.py"]
    assert changed.lines["src/pkg/a.py"] != keys.lines["src/pkg/a.py"]
    assert changed.cross != keys.cross
    write_files(project.root, {"setup.cfg": "[pylint.similarities]\nignore-comments=no\n"})
    configured = cache_module.lint_keys(project, _settings(tmp_path), sources)
    assert configured.lines["src/pkg/b.py"] != keys.lines["src/pkg/b.py"]


def test_warm_complexity_equals_cold(project: Project, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    _same(cached_complexity(project, cache), complexity.collect(project, Settings()))
    write_files(project.root, {"src/pkg/a.py": A_V2 + "\n\ndef k(n):\n    return 1 if n else 2\n"})
    hits = cache.hits
    warm = cached_complexity(project, cache)
    assert cache.hits - hits == len(project.source_files) - 1
    _same(warm, complexity.collect(project, Settings()))


# --------------------------------------------------------------------------- what imports reach


def _graded_twice(
    tmp_path: Path,
    files: Mapping[str, str],
    change: Mapping[str, str],
    *,
    relinted: list[str] | None = None,
    **where: Any,
) -> tuple[CollectorResult, CollectorResult]:
    """Grade ``files`` (filling a cache), apply ``change``, grade again from the cache:
    that grade must equal a cold one, and lint exactly ``relinted`` again when given.
    Returns the results before and after."""
    root = tmp_path / "proj"
    write_files(root, files)
    cache = Cache(tmp_path / "cache")
    before = cached_lint(discover(root, **where), _settings(tmp_path), cache)
    write_files(root, change)
    project = discover(root, **where)
    settings = _settings(tmp_path)
    after = cached_lint(project, settings, cache)
    _same(after, lint.collect(project, _settings(tmp_path)))
    assert not (settings.scratch / "pylint").exists()  # no fallback to an uncached run
    if relinted is not None:
        assert _linted(settings) == relinted
    return before, after


DOC = '"""Doc."""\n'
F_ONE = DOC + '\n\ndef f(x):\n    """One argument."""\n    return x\n'
F_TWO = DOC + '\n\ndef f(x, y):\n    """Two arguments."""\n    return x + y\n'
CALLS_F = '\n\ndef g():\n    """Call f with two."""\n    return {f}(1, 2)\n'


def test_a_package_named_by_an_import_of_its_submodule_is_a_dependency(tmp_path: Path) -> None:
    """``import pkg.b`` binds ``pkg``; ``pkg.VERSION`` is looked up in ``pkg/__init__.py``."""
    files = {
        "pkg/__init__.py": DOC + "VERSION = 1\n",
        "pkg/b.py": DOC + "B = 2\n",
        "main.py": DOC + "import pkg.b\n\nprint(pkg.VERSION, pkg.b.B)\n",
    }
    before, after = _graded_twice(
        tmp_path, files, {"pkg/__init__.py": DOC}, source=["pkg", "main.py"]
    )
    assert ("main.py", "no-member") not in _symbols(before)
    assert ("main.py", "no-member") in _symbols(after)


def test_a_folder_that_is_no_package_is_its_files_import_root(tmp_path: Path) -> None:
    """``source: [app]`` without ``app/__init__.py``: pylint puts ``app`` on its path, so
    ``import b`` in ``app/a.py`` is ``app/b.py``."""
    files = {"app/a.py": DOC + "import b\n\nN = 3\n" + CALLS_F.format(f="b.f"), "app/b.py": F_ONE}
    before, after = _graded_twice(tmp_path, files, {"app/b.py": F_TWO}, source=["app"])
    assert ("app/a.py", "too-many-function-args") in _symbols(before)
    assert ("app/a.py", "too-many-function-args") not in _symbols(after)


def test_an_excluded_module_a_graded_one_imports_is_in_its_key(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": DOC,
        "pkg/a.py": DOC + "from pkg.gen import f" + CALLS_F.format(f="f"),
        "pkg/gen.py": F_ONE,
    }
    before, after = _graded_twice(tmp_path, files, {"pkg/gen.py": F_TWO}, exclude=["pkg/gen.py"])
    assert ("pkg/a.py", "too-many-function-args") in _symbols(before)
    assert ("pkg/a.py", "too-many-function-args") not in _symbols(after)


def test_a_configuration_outside_the_repository_is_keyed_on_where_it_is(tmp_path: Path) -> None:
    """pylint looks for a ``pyproject.toml`` above the root up to a folder with a ``.git``
    *folder*; a worktree has a ``.git`` *file*, so the walk leaves it. The run-level
    finding depends on what it finds; the per-module entries do not, and are shared."""
    files = {"src/pkg/__init__.py": DOC, "src/pkg/a.py": DOC + "from pkg import b\n"}
    files["src/pkg/b.py"] = F_ONE
    files[".git"] = "gitdir: /nowhere\n"  # as in a linked worktree
    outer = tmp_path / "outer"
    write_files(outer, {"pyproject.toml": "[tool.pylint.format]\nmax-line-length = 120\n"})
    homes = [outer / "proj", tmp_path / "plain" / "proj", tmp_path / "clone" / "proj"]
    for home in homes:
        write_files(home, files)
    (homes[2] / ".git").unlink()
    (homes[2] / ".git").mkdir()  # a clone: the walk stops at its root
    (tmp_path / "clone" / "pyproject.toml").write_text(
        "[tool.pylint.format]\nmax-line-length = 90\n"
    )
    cache = Cache(tmp_path / "cache")
    keys = []
    for n, home in enumerate([*homes, homes[0]]):
        project = discover(home)
        settings = _settings(tmp_path)
        warm = cached_lint(project, settings, cache)
        cold = lint.collect(project, _settings(tmp_path))
        _same(warm, cold)
        outside = [f.message for f in cold.findings if "outside the repository" in f.message]
        assert bool(outside) == (home == homes[0])
        sources = cache_module.read_sources(home, project.source_files)
        keys.append(cache_module.lint_keys(project, settings, sources))
        if n == 1:
            assert _linted(settings) == []  # every module's entry is shared
        elif n > 1:
            assert not list(settings.scratch.iterdir())  # a whole-run hit: no pylint
    assert keys[0].run != keys[1].run == keys[2].run
    assert keys[0].whole != keys[1].whole == keys[2].whole
    assert keys[0].modules == keys[1].modules == keys[2].modules


def test_a_zero_score_reassembles_as_the_runs_own() -> None:
    """pylint's floor score is the integer 0; the assembled document says 0.0."""
    run = {"score": 0, "messages": [{"a": 1}, {"b": 2}]}
    assert cache_module.same_document(run, {"score": 0.0, "messages": [{"b": 2}, {"a": 1}]})
    assert not cache_module.same_document(run, {**run, "score": 0.1})


def test_a_linked_configuration_is_keyed_on_whether_it_stays_inside(tmp_path: Path) -> None:
    """The driver honours a root config only if it resolves inside the repository: the
    same text linked from outside is another configuration (none), whose place is in
    the run-level inputs only."""
    write_files(tmp_path, {"elsewhere/pylintrc": "[MAIN]\n", "repo/conf/pylintrc": "[MAIN]\n"})
    root = tmp_path / "repo"
    (root / ".pylintrc").symlink_to(tmp_path / "elsewhere" / "pylintrc")
    outside = cache_module.config_digests(root)[".pylintrc"]
    assert outside.endswith(":outside")
    inputs = cache_module.outside_config_inputs(root)
    assert [".pylintrc", str((tmp_path / "elsewhere" / "pylintrc").resolve())] in [
        i[1:3] for i in inputs if i[0] == "root"
    ]
    (root / ".pylintrc").unlink()
    (root / ".pylintrc").symlink_to(root / "conf" / "pylintrc")
    inside = cache_module.config_digests(root)[".pylintrc"]
    assert inside == outside.replace(":outside", ":conf/pylintrc")
    assert not [i for i in cache_module.outside_config_inputs(root) if i[0] == "root"]


# --------------------------------------------------------------------------- what importers see

THING = DOC + '\n\nclass Thing:\n    """A thing."""\n'
USES_A = DOC + "from pkg import a, other\n\nprint(a.public(1), other.Thing().extra)\n"
A_BASE = DOC + 'from pkg import other\n\n\ndef public(x):\n    """Used."""\n    return x\n'
IMPORTER = {"pkg/__init__.py": DOC, "pkg/other.py": THING, "pkg/a.py": A_BASE, "pkg/b.py": USES_A}


def _added_to_a(text: str) -> dict[str, str]:
    return {"pkg/a.py": A_BASE + "\n\n" + textwrap.dedent(text)}


def test_a_helper_no_other_file_names_relints_its_own_file_only(tmp_path: Path) -> None:
    files = {**IMPORTER, "pkg/b.py": DOC + "from pkg import a\n\nprint(a.public(1, 2))\n"}
    helper = _added_to_a('''
        def _helper(v):
            """Nobody else names me."""
            return v.missing_attribute
        ''')
    before, after = _graded_twice(tmp_path, files, helper, relinted=["pkg/a.py"])
    assert ("pkg/b.py", "too-many-function-args") in _symbols(before) & _symbols(after)


def test_a_definition_an_importer_names_relints_the_importer(tmp_path: Path) -> None:
    """b names ``extra`` (as ``Thing().extra``), so a new ``extra`` in a is visible to
    it: a name counts wherever it appears, whatever it is an attribute of."""
    named = _added_to_a('''
        def extra():
            """Named by b."""
        ''')
    _graded_twice(tmp_path, IMPORTER, named, relinted=["pkg/a.py", "pkg/b.py"])


def test_a_helper_that_patches_another_class_relints_its_importers(tmp_path: Path) -> None:
    """astroid applies ``other.Thing.extra = 1`` to ``Thing`` when it builds a, even
    inside a function nobody calls: b's ``no-member`` goes away."""
    patch = _added_to_a('''
        def _patch():
            """Nobody calls me."""
            other.Thing.extra = 1
        ''')
    # A store on another module's class is in every module's key (see below).
    before, after = _graded_twice(tmp_path, IMPORTER, patch, relinted=sorted(IMPORTER))
    assert ("pkg/b.py", "no-member") in _symbols(before)
    assert ("pkg/b.py", "no-member") not in _symbols(after)


def test_a_module_getattr_relints_its_importers(tmp_path: Path) -> None:
    files = {**IMPORTER, "pkg/b.py": DOC + "from pkg import a\n\nprint(a.nothing)\n"}
    hook = _added_to_a('''
        def __getattr__(name):
            """Any name."""
            return name
        ''')
    before, after = _graded_twice(tmp_path, files, hook, relinted=["pkg/a.py", "pkg/b.py"])
    assert ("pkg/b.py", "no-member") in _symbols(before)
    assert ("pkg/b.py", "no-member") not in _symbols(after)


def test_a_wildcard_import_sees_every_helper(tmp_path: Path) -> None:
    files = {**IMPORTER, "pkg/b.py": DOC + "from pkg.a import *  # noqa\n\nprint(public)\n"}
    helper = _added_to_a('''
        def helper():
            """Star-imported."""
        ''')
    _graded_twice(tmp_path, files, helper, relinted=["pkg/a.py", "pkg/b.py"])


BASE_CLASS = DOC + textwrap.dedent('''


    class Base:
        """Sets run as an attribute."""

        def __init__(self):
            self.run = 1
    ''')
SUBCLASS = DOC + textwrap.dedent('''
    from pkg.a import Base


    class Sub(Base):
        """Hides nothing: Base's attribute hides this method."""

        def run(self):
            """The method."""
    ''')
HIDDEN = '''

def _helper():
    """Nobody else names me."""
'''


def test_a_helper_that_moves_what_importers_see_relints_them(tmp_path: Path) -> None:
    """``method-hidden`` in b quotes the line of Base's attribute in a: a helper added
    above Base moves it, and b's message with it; one added below moves nothing."""
    files = {"pkg/__init__.py": DOC, "pkg/a.py": BASE_CLASS, "pkg/b.py": SUBCLASS}
    below = {"pkg/a.py": BASE_CLASS + HIDDEN}
    before, _ = _graded_twice(tmp_path / "below", files, below, relinted=["pkg/a.py"])
    hidden = [m.message for m in before.details.messages if m.symbol == "method-hidden"]  # type: ignore[union-attr]
    assert hidden == ["An attribute defined in pkg.a line 9 hides this method"]
    above = {"pkg/a.py": DOC + HIDDEN + BASE_CLASS.removeprefix(DOC)}
    _, after = _graded_twice(tmp_path / "above", files, above, relinted=["pkg/a.py", "pkg/b.py"])
    hidden = [m.message for m in after.details.messages if m.symbol == "method-hidden"]  # type: ignore[union-attr]
    assert hidden == ["An attribute defined in pkg.a line 13 hides this method"]


def test_a_no_member_hint_sees_every_name_of_the_module(tmp_path: Path) -> None:
    """pylint ends ``no-member`` with the closest name the owner has ("maybe 'helper'?"),
    named anywhere or not: a module with such a message is reused only when what it
    imports is unchanged to the byte."""
    files = {**IMPORTER, "pkg/b.py": DOC + "from pkg import a\n\nprint(a.public(1), a.helpr)\n"}
    helper = _added_to_a('''
        def helper():
            """A hint for b."""
        ''')
    before, after = _graded_twice(tmp_path, files, helper, relinted=["pkg/a.py", "pkg/b.py"])
    hints = [m.message for m in after.details.messages if m.symbol == "no-member"]  # type: ignore[union-attr]
    assert hints == ["Module 'pkg.a' has no 'helpr' member; maybe 'helper'?"]
    assert ("pkg/b.py", "no-member") in _symbols(before)


def test_a_parameter_with_a_default_is_not_the_instance(tmp_path: Path) -> None:
    """astroid infers ``cls`` from its default here, so the store patches ``Thing``."""
    patch = _added_to_a('''
        class _Patch:
            """Nobody names me."""

            def apply(self, cls=other.Thing):
                """Patch."""
                cls.extra = 1
        ''')
    before, after = _graded_twice(tmp_path, IMPORTER, patch, relinted=sorted(IMPORTER))
    assert ("pkg/b.py", "no-member") in _symbols(before)
    assert ("pkg/b.py", "no-member") not in _symbols(after)


def test_a_name_spelled_with_escapes_is_named(tmp_path: Path) -> None:
    files = {
        **IMPORTER,
        "pkg/b.py": DOC + 'from pkg import a\n\nprint(getattr(a, "h\\x65lper")(1, 2))\n',
    }
    files["pkg/a.py"] = A_BASE + '\n\ndef helper(x):\n    """One."""\n    return x\n'
    change = {"pkg/a.py": files["pkg/a.py"].replace("helper(x)", "helper(x, y)")}
    before, after = _graded_twice(tmp_path, files, change, relinted=["pkg/a.py", "pkg/b.py"])
    assert ("pkg/b.py", "too-many-function-args") in _symbols(before)
    assert ("pkg/b.py", "too-many-function-args") not in _symbols(after)


USES_THING = DOC + "from pkg import other\n\nprint(other.Thing().extra)\n"
SETS_EXTRA = DOC + textwrap.dedent('''
    from pkg import other


    def demo():
        """Sets an attribute on an instance of another module's class."""
        thing = other.Thing()
        thing.extra = 5
        return thing
    ''')
NOBODY_IMPORTS_IT = {"pkg/__init__.py": DOC, "pkg/other.py": THING, "pkg/b.py": USES_THING}
NOBODY_IMPORTS_IT["pkg/usage.py"] = SETS_EXTRA


def test_a_store_in_a_file_nobody_imports_is_there_when_its_entry_is_reused(
    tmp_path: Path,
) -> None:
    """A cold run builds every file before checking any, and astroid applies usage.py's
    ``thing.extra = 5`` to ``Thing``: b has no ``no-member``. Linting b again while
    usage.py's entry is reused must see it too (usage.py is built, not linted)."""
    touched = {"pkg/b.py": USES_THING + "# touched\n"}
    before, after = _graded_twice(tmp_path, NOBODY_IMPORTS_IT, touched, relinted=["pkg/b.py"])
    assert ("pkg/b.py", "no-member") not in _symbols(before) | _symbols(after)


def test_a_store_in_a_file_nobody_imports_is_in_every_key(tmp_path: Path) -> None:
    renamed = {"pkg/usage.py": SETS_EXTRA.replace("extra", "extro")}
    _, after = _graded_twice(
        tmp_path, NOBODY_IMPORTS_IT, renamed, relinted=sorted(NOBODY_IMPORTS_IT)
    )
    assert ("pkg/b.py", "no-member") in _symbols(after)


ONE_ARG = DOC + '\n\ndef public(x):\n    """One."""\n    return x\n'
TWO_ARGS = ONE_ARG.replace("public(x)", "public(x, y)")


def test_code_that_holds_a_package_depends_on_every_module_under_it(tmp_path: Path) -> None:
    """``import pkg.c`` binds ``pkg``, and astroid loads ``pkg.a`` on ``pkg.a`` though
    nothing imported it; in a namespace package too."""
    files = {
        "pkg/__init__.py": DOC,
        "pkg/a.py": ONE_ARG,
        "pkg/c.py": DOC,
        "pkg/b.py": DOC + "import pkg.c\n\nprint(pkg.c, pkg.a.public(1))\n",
    }
    before, after = _graded_twice(tmp_path / "pkg", files, {"pkg/a.py": TWO_ARGS})
    assert ("pkg/b.py", "no-value-for-parameter") in _symbols(after) - _symbols(before)
    spaced = {
        "app/__init__.py": DOC,
        "app/main.py": DOC + "import ns\n\nprint(ns.tool.public(1))\n",
        "ns/tool.py": ONE_ARG,
    }
    before, after = _graded_twice(
        tmp_path / "ns", spaced, {"ns/tool.py": TWO_ARGS}, source=["app", "ns"]
    )
    assert ("app/main.py", "no-value-for-parameter") in _symbols(after) - _symbols(before)


def test_a_folder_that_appears_changes_how_an_import_is_placed(tmp_path: Path) -> None:
    """isort calls ``learner_data`` first party once ``src/learner_data/`` exists, and
    astroid resolves ``learner_data/`` as a namespace package: both change b's messages."""
    files = {
        "pkg/__init__.py": DOC,
        "pkg/b.py": DOC + "import learner_data\nimport os\n\nprint(learner_data, os)\n",
    }
    for folder in ("src/learner_data", "learner_data"):
        root = tmp_path / folder.replace("/", "-")
        before, after = _graded_twice(root, files, {f"{folder}/notes.txt": "not code\n"})
        texts = [{m.message for m in r.details.messages} for r in (before, after)]  # type: ignore[union-attr]
        assert texts[0] != texts[1], folder
