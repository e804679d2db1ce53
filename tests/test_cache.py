"""The content-addressed cache: the store, the import graph, and warm == cold on real runs."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from practicegrade import cache as cache_module
from practicegrade.cache import (
    Cache,
    blob_sha,
    cached_complexity,
    cached_lint,
    first_party_imports,
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


def test_module_names_follow_the_import_roots() -> None:
    assert module_name("src/pkg/a.py", ("src",)) == "pkg.a"
    assert module_name("src/pkg/__init__.py", ("src",)) == "pkg"
    assert module_name("tool.py", (".",)) == "tool"
    assert module_name("other/x.py", ("src",)) is None


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


def test_first_party_closure_is_transitive_and_names_packages_only_when_imported() -> None:
    sources = {
        "src/pkg/__init__.py": b"from pkg import a\n",
        "src/pkg/a.py": b"from pkg.b import thing\n",
        "src/pkg/b.py": b"from .c import other\nimport requests\n",
        "src/pkg/c.py": b"x = 1\n",
        "src/pkg/leaf.py": b"import os\n",
        "src/pkg/user.py": b"from pkg import a\n",
    }
    closure = first_party_imports(sources, ("src",))
    assert closure["src/pkg/a.py"] == {"src/pkg/a.py", "src/pkg/b.py", "src/pkg/c.py"}
    assert closure["src/pkg/leaf.py"] == {"src/pkg/leaf.py"}
    assert closure["src/pkg/user.py"] == {
        "src/pkg/user.py",
        "src/pkg/__init__.py",
        "src/pkg/a.py",
        "src/pkg/b.py",
        "src/pkg/c.py",
    }


def test_incremental_lint_only_where_it_pays() -> None:
    assert worth_incremental(14, 0, cross_cached=False)
    assert not worth_incremental(14, 2, cross_cached=False)
    assert worth_incremental(100, 3, cross_cached=False)
    assert not worth_incremental(100, 40, cross_cached=False)
    assert worth_incremental(14, 2, cross_cached=True)


# --------------------------------------------------------------------------- warm == cold

A_V1 = '''
    """Module a."""


    def f(x):
        """Return x."""
        return x
'''
A_V2 = A_V1.replace("def f(x):", "def f(x, y=0):").replace("return x", "return x + y")
B = '''
    """Module b: its pylint message depends on a's signature."""
    from pkg.a import f


    def g():
        """Call f with two arguments."""
        return f(1, 2)
'''
LEAF = '''
    """A module nothing imports."""


    def h(values):
        """Sum the values."""
        unused = 3
        return sum(values)
'''
DUP = '''
    """Copy {n}."""


    def dup_{n}(items):
        """Same body twice."""
        total = 0
        for item in items:
            if item > 10:
                total += item * 2
            else:
                total -= item
        return total
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    # The fixture is small; take the incremental path anyway so that it is what is tested.
    monkeypatch.setattr(cache_module, "INCREMENTAL_MIN_FILES", 0)
    monkeypatch.setattr(cache_module, "INCREMENTAL_MAX_SHARE", 1.0)
    root = tmp_path / "proj"
    write_files(
        root,
        {
            "pyproject.toml": '[project]\nname = "pkg"\nversion = "0"\n',
            "src/pkg/__init__.py": '"""The package."""\n',
            "src/pkg/a.py": A_V1,
            "src/pkg/b.py": B,
            "src/pkg/leaf.py": LEAF,
            "src/pkg/dup1.py": DUP.format(n=1),
            "src/pkg/dup2.py": DUP.format(n=2),
        },
    )
    return discover(root)


def _settings(tmp_path: Path) -> Settings:
    return Settings(jobs=2, scratch=Path(tempfile.mkdtemp(dir=tmp_path)))


def _same(a: CollectorResult, b: CollectorResult) -> None:
    assert replace(a, duration_s=0.0) == replace(b, duration_s=0.0)


def test_warm_lint_equals_cold_when_an_imported_module_changes(
    project: Project, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    first = cached_lint(project, _settings(tmp_path), cache)
    _same(first, lint.collect(project, _settings(tmp_path)))
    symbols = {(m.path, m.symbol) for m in first.details.messages}  # type: ignore[union-attr]
    assert ("src/pkg/b.py", "too-many-function-args") in symbols
    assert ("src/pkg/leaf.py", "unused-variable") in symbols
    assert any(s == "duplicate-code" for _p, s in symbols)

    write_files(project.root, {"src/pkg/a.py": A_V2})
    settings = _settings(tmp_path)
    warm = cached_lint(project, settings, cache)
    cold = lint.collect(project, _settings(tmp_path))
    _same(warm, cold)
    symbols = {(m.path, m.symbol) for m in warm.details.messages}  # type: ignore[union-attr]
    assert ("src/pkg/b.py", "too-many-function-args") not in symbols
    assert any(s == "duplicate-code" for _p, s in symbols)
    # Only a and b (which imports a) were linted again; leaf and the copies came from the cache.
    relinted = json.loads((settings.scratch / "pylint-subset" / "files.json").read_text())
    assert relinted == ["src/pkg/a.py", "src/pkg/b.py"]
    assert (settings.scratch / "pylint-cross").is_dir()
    assert not (settings.scratch / "pylint").exists()  # no fallback to a full uncached run


def test_an_unchanged_tree_runs_no_pylint_at_all(project: Project, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    first = cached_lint(project, _settings(tmp_path), cache)
    settings = _settings(tmp_path)
    again = cached_lint(project, settings, cache)
    _same(first, again)
    assert not list(settings.scratch.iterdir())


def test_warm_lint_equals_cold_when_a_duplicate_appears(project: Project, tmp_path: Path) -> None:
    # Two jobs: the driver's helpers hand their files back in -j1 order, so three copies
    # are grouped as one process groups them (pylint's own -j2 grouped them by worker).
    cache = Cache(tmp_path / "cache")
    cached_lint(project, _settings(tmp_path), cache)
    write_files(
        project.root, {"src/pkg/leaf.py": LEAF + DUP.format(n=3).replace('"""Copy 3."""', "")}
    )
    warm = cached_lint(project, _settings(tmp_path), cache)
    _same(warm, lint.collect(project, _settings(tmp_path)))
    duplicates = [m for m in warm.details.messages if m.symbol == "duplicate-code"]  # type: ignore[union-attr]
    assert duplicates


def test_warm_complexity_equals_cold(project: Project, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    _same(cached_complexity(project, cache), complexity.collect(project, Settings()))
    write_files(project.root, {"src/pkg/a.py": A_V2 + "\n\ndef k(n):\n    return 1 if n else 2\n"})
    hits = cache.hits
    warm = cached_complexity(project, cache)
    assert cache.hits - hits == len(project.source_files) - 1
    _same(warm, complexity.collect(project, Settings()))
