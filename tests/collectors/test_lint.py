"""The lint collector reports what pylint's own CLI reports, and never runs learner config.

Every score and count is compared with a real ``pylint`` run (``--output-format=json2``
and the plain "Your code has been rated at" line) on the same files in the same
repository, with no configuration, with ``[tool.pylint]`` in ``pyproject.toml``, and
with a ``.pylintrc`` whose code-running options must be refused while its other
settings still apply.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pylint
import pytest
from pylint.config.config_file_parser import _RawConfParser
from pylint.lint.base_options import _make_linter_options
from tests.helpers.repos import write_files

from practicegrade.collectors import Project, Settings
from practicegrade.collectors._pylint_driver import (
    FileRecord,
    builtin_plugin_names,
    file_args,
    record_from_json,
    record_to_json,
    sanitize_options,
    to_toml,
)
from practicegrade.collectors.lint import (
    CATEGORIES,
    METRICS,
    LintRun,
    collect,
    fingerprint,
    parse_driver_output,
    score,
    split_lines,
    with_fingerprints,
)
from practicegrade.lintproc import WarmDriver
from practicegrade.model import CollectorResult, LintDetails, LintMessage
from practicegrade.serialize import from_jsonable, to_jsonable

PYLINT = str(Path(sys.executable).parent / "pylint")

CODE: dict[str, str | bytes] = {
    "src/shop/__init__.py": '"""A small shop."""\n',
    "src/shop/cart.py": '''
        """Shopping cart."""
        import os
        import json


        class Cart:
            """A cart."""

            def __init__(self):
                self.items = []

            def add(self, item, qty=1):
                """Add an item."""
                if qty <= 0:
                    return False
                else:
                    self.items.append((item, qty))
                    return True

            def Total(self, prices):
                total = 0
                for item, qty in self.items:
                    total += prices[item] * qty
                unused = 3
                return total + missing_name


        def grade(n):
            """Many branches."""
            if n > 90:
                return "A"
            elif n > 80:
                return "B"
            elif n > 70:
                return "C"
            elif n > 60:
                return "D"
            elif n > 50:
                return "E"
            elif n > 40:
                return "F"
            elif n > 30:
                return "G"
            elif n > 20:
                return "H"
            elif n > 10:
                return "I"
            elif n > 5:
                return "J"
            elif n > 2:
                return "K"
            elif n > 1:
                return "L"
            return "Z"
    ''',
    "src/shop/report_a.py": '''
        """Report A."""


        def summarize(values):
            """Summarize values."""
            total = 0
            for value in values:
                if value > 10:
                    total += value * 2
                elif value > 5:
                    total += value * 3
                else:
                    total -= value
            result = total * 2
            result += 1
            return result
    ''',
    "src/shop/report_b.py": '''
        """Report B."""


        def summarize_other(values):
            """Summarize values too."""
            total = 0
            for value in values:
                if value > 10:
                    total += value * 2
                elif value > 5:
                    total += value * 3
                else:
                    total -= value
            result = total * 2
            result += 1
            return result
    ''',
    "src/shop/broken.py": "def broken(:\n    pass\n",
    "src/shop/empty.py": "",
}
FILES = sorted(p for p in CODE if p.endswith(".py"))

PYPROJECT_CONFIG = """
    [project]
    name = "shop"
    version = "0.1.0"

    [tool.pylint."messages control"]
    disable = ["missing-function-docstring", "invalid-name"]

    [tool.pylint.design]
    max-returns = 20
"""

SAFE_RC = """\
[MAIN]
load-plugins=pylint.extensions.mccabe
max-complexity=3

[MESSAGES CONTROL]
disable=unused-import,
    no-else-return
"""
HOSTILE_RC = """\
[MAIN]
init-hook='open("PWNED", "w").write("init-hook ran")'
load-plugins=learnerplug,pylint.extensions.mccabe
eval=0
evaluation=10.0
output=clobbered.txt
max-complexity=3

[MESSAGES CONTROL]
disable=unused-import,
    no-else-return
"""
LEARNER_PLUGIN = (
    'open("PWNED_PLUGIN", "w").write("plugin imported")\n\n\ndef register(linter):\n    pass\n'
)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class PylintCli:
    counts: dict[str, int]
    score: float | None
    rated_line: str | None
    messages: list[dict[str, Any]]


def run_pylint_cli(root: Path, files: list[str], *extra: str) -> PylintCli:
    """Plain ``pylint`` in the repository, the way a learner runs it."""
    json2 = subprocess.run(
        [PYLINT, "--output-format=json2", *extra, *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(json2.stdout)
    text = subprocess.run(
        [PYLINT, "--persistent=n", *extra, *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    rated = re.search(r"Your code has been rated at (-?[0-9.]+)/10", text)
    return PylintCli(
        counts=data["statistics"]["messageTypeCount"],
        score=data["statistics"].get("score"),
        rated_line=rated.group(1) if rated else None,
        messages=data["messages"],
    )


def project_at(root: Path, files: list[str]) -> Project:
    return Project(
        root=root,
        source_dirs=("src",),
        source_files=tuple(files),
        test_paths=(),
        packages=("shop",),
        import_roots=("src",),
        python=sys.executable,
    )


def run_collector(root: Path, files: list[str], scratch: Path, jobs: int = 1) -> CollectorResult:
    scratch.mkdir(parents=True, exist_ok=True)
    return collect(project_at(root, files), Settings(jobs=jobs, scratch=scratch))


def details(result: CollectorResult) -> LintDetails:
    assert isinstance(result.details, LintDetails)
    return result.details


def message_keys(messages: list[LintMessage]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (m.path, m.line, m.column, m.symbol, m.msg_id, m.obj, m.message) for m in messages
    )


def cli_message_keys(messages: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (m["path"], m["line"], m["column"], m["symbol"], m["messageId"], m["obj"], m["message"])
        for m in messages
    )


def assert_equals_cli(result: CollectorResult, cli: PylintCli) -> None:
    m = result.metrics
    assert cli.score is not None
    assert m["lint.score"] == cli.score
    assert f"{m['lint.score']:.2f}" == cli.rated_line
    assert m["lint.errors"] == cli.counts["error"] + cli.counts["fatal"]
    assert m["lint.warnings"] == cli.counts["warning"]
    assert m["lint.refactors"] == cli.counts["refactor"]
    assert m["lint.conventions"] == cli.counts["convention"]
    ours = message_keys(list(details(result).messages))
    assert ours == cli_message_keys(cli.messages)


# --------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Case:
    root: Path
    result: CollectorResult
    cli: PylintCli


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("plain")
    write_files(root, CODE)
    result = run_collector(root, FILES, tmp_path_factory.mktemp("scratch"), jobs=1)
    return Case(root, result, run_pylint_cli(root, FILES))


@pytest.fixture(scope="module")
def plain_j2(tmp_path_factory: pytest.TempPathFactory, plain: Case) -> CollectorResult:
    return run_collector(plain.root, FILES, tmp_path_factory.mktemp("scratch"), jobs=2)


@pytest.fixture(scope="module")
def pyproject(tmp_path_factory: pytest.TempPathFactory) -> Case:
    root = tmp_path_factory.mktemp("pyproject")
    write_files(root, {**CODE, "pyproject.toml": PYPROJECT_CONFIG})
    result = run_collector(root, FILES, tmp_path_factory.mktemp("scratch"), jobs=2)
    return Case(root, result, run_pylint_cli(root, FILES))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A .pylintrc that tries to run code; the CLI sees the same file minus those lines."""
    root = tmp_path_factory.mktemp("hostile")
    write_files(root, {**CODE, ".pylintrc": HOSTILE_RC, "learnerplug.py": LEARNER_PLUGIN})
    (root / "src" / "learnerplug.py").write_text(LEARNER_PLUGIN)
    result = run_collector(root, FILES, tmp_path_factory.mktemp("scratch"), jobs=2)
    twin = tmp_path_factory.mktemp("safe-twin")
    write_files(twin, {**CODE, ".pylintrc": SAFE_RC})
    return Case(root, result, run_pylint_cli(twin, FILES))


# --------------------------------------------------------------------------- equality with pylint


def test_without_config_score_and_counts_equal_pylint_cli(plain: Case) -> None:
    assert_equals_cli(plain.result, plain.cli)
    assert details(plain.result).rcfile is None
    # the fixture has every category that the score weighs
    assert all(plain.cli.counts[c] > 0 for c in ("error", "warning", "refactor", "convention"))


def test_two_jobs_give_the_same_result_as_one(plain: Case, plain_j2: CollectorResult) -> None:
    assert plain_j2.metrics == plain.result.metrics
    assert details(plain_j2).messages == details(plain.result).messages


def test_a_warm_driver_gives_the_cold_result_which_is_pylint_clis(
    plain: Case, tmp_path: Path
) -> None:
    warm = WarmDriver.start()
    assert warm is not None
    try:
        settings = Settings(jobs=2, scratch=tmp_path, warm_driver=warm)
        result = collect(project_at(plain.root, FILES), settings)
        assert warm.take() is None  # this run took it
    finally:
        warm.close()
    assert_equals_cli(result, plain.cli)
    assert details(result).messages == details(plain.result).messages
    assert result.metrics == plain.result.metrics


def test_pyproject_config_is_honoured_and_equals_pylint_cli(pyproject: Case, plain: Case) -> None:
    assert_equals_cli(pyproject.result, pyproject.cli)
    assert details(pyproject.result).rcfile == "pyproject.toml"
    symbols = {m.symbol for m in details(pyproject.result).messages}
    assert "invalid-name" not in symbols
    assert "too-many-return-statements" not in symbols
    assert pyproject.result.metrics["lint.score"] > plain.result.metrics["lint.score"]
    assert pyproject.result.findings == ()


def test_hostile_pylintrc_runs_nothing_but_its_settings_apply(hostile: Case) -> None:
    for marker in ("PWNED", "PWNED_PLUGIN", "clobbered.txt"):
        assert not (hostile.root / marker).exists(), marker
        assert not (hostile.root / "src" / marker).exists(), marker
    # equal to plain pylint on the same rcfile without the refused lines
    assert_equals_cli(hostile.result, hostile.cli)
    symbols = {m.symbol for m in details(hostile.result).messages}
    assert "unused-import" not in symbols  # disable= applied
    assert "too-complex" in symbols  # pylint's own mccabe extension loaded, max-complexity applied
    assert details(hostile.result).rcfile == ".pylintrc"
    refused = {f.message.split("`")[1]: f for f in hostile.result.findings}
    assert set(refused) == {"init-hook", "load-plugins", "eval", "evaluation", "output"}
    assert all(f.kind == "config-ignored" and f.file == ".pylintrc" for f in refused.values())
    assert refused["init-hook"].line == 2
    assert "learnerplug" in refused["load-plugins"].message


def test_file_named_like_an_option_is_linted_not_executed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    name = "--init-hook=open('PWNED','w').py"
    write_files(root, {name: '"""Doc."""\nimport os\n', "ok.py": '"""Doc."""\nX = 1\n'})
    result = run_collector(root, [name, "ok.py"], tmp_path / "scratch")
    assert not (root / "PWNED").exists()
    assert {m.path for m in details(result).messages} >= {name}
    cli = run_pylint_cli(root, [f"./{name}", "ok.py"])
    assert result.metrics["lint.score"] == cli.score


def test_unparseable_combination_is_a_tool_error_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    config = '[tool.pylint.main]\nenable = ["all"]\ndisable = ["all"]\n'
    write_files(root, {"pyproject.toml": config, "m.py": '"""Doc."""\n'})
    result = run_collector(root, ["m.py"], tmp_path / "scratch")
    assert result.metrics == {}
    assert set(result.unmeasured) == set(METRICS)
    assert [f.kind for f in result.findings] == ["tool-error"]
    assert "incompatible" in result.findings[0].message


def test_no_source_files_is_unmeasured_with_a_reason(tmp_path: Path) -> None:
    result = collect(project_at(tmp_path, []), Settings(scratch=tmp_path))
    assert result.metrics == {}
    assert set(result.unmeasured) == set(METRICS)
    assert "no Python source files" in result.unmeasured["lint.score"]


def test_only_empty_files_have_counts_but_no_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    write_files(root, {"a.py": "", "b.py": ""})
    monkeypatch.chdir(tmp_path)  # a relative scratch folder is relative to our cwd, not root
    result = run_collector(root, ["a.py", "b.py"], Path("scratch"))
    assert "lint.score" in result.unmeasured
    assert result.metrics["lint.errors"] == 0
    assert (tmp_path / "scratch" / "pylint" / "result.json").is_file()


def test_tool_versions_are_the_installed_ones(plain: Case) -> None:
    """The report names the pylint and astroid that measured it, whatever the registry served."""
    assert plain.result.tool_versions == {
        "pylint": importlib.metadata.version("pylint"),
        "astroid": importlib.metadata.version("astroid"),
    }


# --------------------------------------------------------------------------- score from parts


def _driver_document(root: Path, scratch: Path, jobs: int) -> dict[str, Any]:
    """The driver's raw JSON for the plain fixture (the parts an incremental cache stores)."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "files.json").write_text(json.dumps(FILES))
    subprocess.run(
        [
            sys.executable,
            "-I",
            "-m",
            "practicegrade.collectors._pylint_driver",
            "--out",
            str(scratch / "out.json"),
            "--scratch",
            str(scratch),
            "--jobs",
            str(jobs),
            "--files-from",
            str(scratch / "files.json"),
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return dict(json.loads((scratch / "out.json").read_text()))


@pytest.mark.parametrize("jobs", [1, 2])
def test_score_is_recomputable_from_per_module_parts(
    plain: Case, tmp_path: Path, jobs: int
) -> None:
    run = parse_driver_output(_driver_document(plain.root, tmp_path, jobs), lambda _p: ())
    assert run.score == plain.cli.score
    total = {c: sum(getattr(m, c) for m in run.modules) + run.cross_module[c] for c in CATEGORIES}
    assert total == dict(run.counts) == plain.cli.counts
    assert sum(m.statement for m in run.modules) == run.statements
    assert score(run.statements, total) == plain.cli.score
    # the cross-module part is exactly the duplicate-code messages
    dup = sum(1 for m in run.messages if m.symbol == "duplicate-code")
    assert dup > 0
    assert run.cross_module == {**dict.fromkeys(CATEGORIES, 0), "refactor": dup}
    assert {m.path for m in run.modules} == set(FILES)
    # a LintRun survives the cache's JSON round trip
    assert from_jsonable(LintRun, json.loads(json.dumps(to_jsonable(run)))) == run


def test_score_formula_equals_pylints_evaluation_expression() -> None:
    (default,) = (
        opt["default"]
        for name, opt in _make_linter_options(cast(Any, None))
        if name == "evaluation"
    )
    for statement in (1, 3, 7, 40, 1000):
        for error in (0, 1, 3):
            for warning, refactor, convention in ((0, 0, 0), (2, 1, 5), (9, 4, 17), (200, 0, 0)):
                for fatal in (0, 1):
                    counts = {
                        "fatal": fatal,
                        "error": error,
                        "warning": warning,
                        "refactor": refactor,
                        "convention": convention,
                        "info": 3,
                    }
                    expected = eval(str(default), {}, {**counts, "statement": statement})
                    assert score(statement, counts) == expected
    with pytest.raises(ValueError, match="statements"):
        score(0, {})


# --------------------------------------------------------------------------- fingerprints


def test_fingerprints_survive_lines_inserted_above(tmp_path: Path) -> None:
    before = tmp_path / "before"
    write_files(before, CODE)
    first = details(run_collector(before, FILES, tmp_path / "s1")).messages
    after = tmp_path / "after"
    shifted = dict(CODE)
    header = '"""Shopping cart."""\n'
    original = (before / "src/shop/cart.py").read_text()
    cart = original.replace(header, header + "# a comment\n\n\ndef helper():\n    return 1\n", 1)
    assert cart != original
    shifted["src/shop/cart.py"] = cart.encode()
    write_files(after, shifted)
    second = details(run_collector(after, FILES, tmp_path / "s2")).messages
    old = {m.fingerprint: m for m in first if m.path == "src/shop/cart.py"}
    new = {m.fingerprint: m for m in second if m.path == "src/shop/cart.py"}
    assert len(old) == len([m for m in first if m.path == "src/shop/cart.py"])  # all distinct
    assert set(old) <= set(new)
    moved = [fp for fp in old if new[fp].line != old[fp].line]
    assert moved, "the insertion should have moved the old messages"


def test_identical_messages_get_distinct_fingerprints() -> None:
    msgs = [
        LintMessage(
            "a.py", line, 0, "unused-variable", "W0612", "warning", "Unused variable 'x'", "f"
        )
        for line in (3, 9)
    ]
    lines = ["", "", "    x = 1", "", "", "", "", "", "    x = 1"]
    out = with_fingerprints(msgs, lambda _p: lines)
    assert len({m.fingerprint for m in out}) == 2
    assert out[0].fingerprint == fingerprint(
        "a.py", "unused-variable", "f", "Unused variable 'x'", "x = 1"
    )


def test_fingerprint_ignores_numbers_in_message_but_not_the_symbol() -> None:
    a = fingerprint("m.py", "too-many-branches", "f", "Too many branches (13/12)", "def f(x):")
    b = fingerprint("m.py", "too-many-branches", "f", "Too many branches (14/12)", "def f(x):")
    c = fingerprint("m.py", "too-many-statements", "f", "Too many branches (13/12)", "def f(x):")
    assert a == b != c


def test_split_lines_numbers_like_python() -> None:
    assert split_lines("a\r\nb\rc\x0cd\ne") == ["a", "b", "c\x0cd", "e"]


# --------------------------------------------------------------------------- sanitizing


def _pylint_dir() -> Path:
    return Path(pylint.__file__).parent


def test_sanitized_config_reads_back_as_the_same_options(tmp_path: Path) -> None:
    rc = tmp_path / "pylintrc"
    rc.write_text(
        "[MAIN]\njobs=3\ninit-hook=import os\nload-plugins=x,pylint.extensions.docparams\n"
        '[BASIC]\ngood-names=i,j,"odd\\\\name"\nno-docstring-rgx=^_|#x\n'
        "[MESSAGES CONTROL]\ndisable=a,\n  b\n[OTHER]\ndisable=c\n"
    )
    _, options = _RawConfParser.parse_config_file(rc, verbose=False)
    kept, ignored = sanitize_options(options, builtin_plugin_names(_pylint_dir()))
    assert [k for k, _ in ignored] == ["init-hook", "load-plugins"]
    out = tmp_path / "clean.toml"
    out.write_text(to_toml(kept))
    _, again = _RawConfParser.parse_config_file(out, verbose=False)
    assert list(zip(again[::2], again[1::2], strict=True)) == [(f"--{k}", v) for k, v in kept]
    assert ("disable", "c") in kept  # a repeated key keeps both occurrences, in order
    assert ("load-plugins", "pylint.extensions.docparams") in kept


@pytest.mark.parametrize(
    "key",
    [
        "init-hook",
        "INIT_HOOK",
        "init-h",
        "evaluation",
        "eval",
        "output",
        "output-format",
        "load-plugins",
        "load",
        "extension-pkg-allow-list",
        "unsafe-load-any-extension",
        "generate-rcfile",
        "list-msgs",
        "from-stdin",
    ],
)
def test_code_running_options_and_abbreviations_are_refused(key: str) -> None:
    kept, ignored = sanitize_options([f"--{key}", "anything"], builtin_plugin_names(_pylint_dir()))
    assert kept == []
    assert [k for k, _ in ignored] == [key]


def test_ordinary_options_are_kept() -> None:
    options = ["--disable", "C0114", "--max-line-length", "120", "--ignore-patterns", "x.*"]
    kept, ignored = sanitize_options(options, ())
    assert kept == [("disable", "C0114"), ("max-line-length", "120"), ("ignore-patterns", "x.*")]
    assert ignored == []


def test_file_args_defuse_option_names_and_globs() -> None:
    assert file_args(["a.py", "-x.py", "src/[ab].py"]) == ["a.py", "./-x.py", "src/[[]ab].py"]


def test_outside_config_is_not_honoured(tmp_path: Path) -> None:
    """A pyproject.toml above the repository (pylint walks up to .git) is ignored."""
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pylint.main]\ninit-hook = \"open('PWNED','w')\"\n"
    )
    root = tmp_path / "repo"
    write_files(root, {"m.py": '"""Doc."""\nimport os\n'})
    result = run_collector(root, ["m.py"], tmp_path / "scratch")
    assert not (root / "PWNED").exists()
    assert not (tmp_path / "PWNED").exists()
    assert details(result).rcfile is None
    assert [f.kind for f in result.findings] == ["config-ignored"]
    shutil.rmtree(root)


def test_a_similarity_record_reads_back_as_the_line_set_pylint_built() -> None:
    """What the incremental cache stores of a file is what the similarity checker kept:
    the same stripped lines (comments, docstrings and a disabled block removed) and the
    same real lines, renamed to the module name of the run that reads it back."""
    from pylint.checkers.symilar import LineSet  # noqa: PLC0415

    source = [
        '"""Doc."""\n',
        "x = 1  # note\n",
        "# pylint: disable=duplicate-code\n",
        "y = 2\n",
    ]
    disabled = {4}
    lineset = LineSet(
        "pkg.mod",
        source,
        ignore_comments=True,
        ignore_docstrings=True,
        line_enabled_callback=lambda _msg, line: line not in disabled,
    )
    assert [s.text for s in lineset.stripped_lines] == ["x = 1"]
    record = FileRecord(
        messages=[], linesets=[lineset], imports={"pkg.mod": ["pkg.a"]}, excluded={}
    )
    data = json.loads(json.dumps(record_to_json(record)))
    back = record_from_json(data, "pkg.renamed")
    assert back.linesets[0].stripped_lines == lineset.stripped_lines
    assert back.linesets[0].real_lines == source
    assert back.linesets[0].name == "pkg.renamed"
    assert (back.imports, back.excluded, back.linted) == ({"pkg.mod": ["pkg.a"]}, {}, True)
    assert record_to_json(None)["linted"] is False
