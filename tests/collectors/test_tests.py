"""The tests collector: counts equal pytest's summary line, coverage equals ``coverage json``.

Every run here is real: the learner's pytest under coverage.py in a real interpreter, on
small fixture projects in ``tmp_path``. The reference numbers come from running pytest and
coverage.py's own CLI on the same project. The adversarial cases of the security guide
(§6, 19-22) are real too: a test that loops forever, one that leaves ``sleep 1000``
holding our pipe, one that calls ``os._exit(0)``, a 10 GiB allocation, a learner config
that tries to switch our timeout and coverage off, and a token in the parent's env.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import coverage as cov_module
import pytest
from tests.helpers.repos import SAMPLE_PROJECT, write_files

from practicegrade import proc
from practicegrade.collectors import Project, Settings
from practicegrade.collectors import tests as tests_collector
from practicegrade.collectors._pytest_coverage import (
    CoveragePlan,
    CoverageTotals,
    ProjectCoverage,
    count_pragma_no_cover,
    parse_coverage_json,
    plan_coverage,
    read_project_coverage,
)
from practicegrade.collectors._pytest_env import (
    Probe,
    cached_probe,
    interpreter_path,
    parse_probe,
    version_tuple,
)
from practicegrade.collectors._pytest_events import parse_events, pytest_category, summarize
from practicegrade.collectors.tests import _pytest_argv, _read_coverage, collect
from practicegrade.discover import discover
from practicegrade.model import CollectorResult, TestCase

PYTHON = sys.executable

# --------------------------------------------------------------------------- helpers


def _project(root: Path, python: str = PYTHON) -> Project:
    return discover(root, python=python)


def _run(
    project: Project,
    scratch: Path,
    timeout: float = 60.0,
    *,
    warm_export: bool = False,
    project_settings: bool = True,
) -> CollectorResult:
    scratch.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        scratch=scratch,
        test_timeout_s=timeout,
        warm_export=warm_export,
        coverage_project_settings=project_settings,
    )
    return collect(project, settings)


def _ref_env(root: Path, home: Path) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PYTHONPATH": str(root / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def pytest_summary(root: Path, home: Path, *args: str) -> dict[str, int]:
    """pytest's own final line, e.g. ``1 failed, 4 passed, 2 errors in 0.1s``, parsed.

    With no ``args`` it is ``python -m pytest`` in the project root, as a learner runs it.
    """
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", *args],
        check=False,
        cwd=root,
        env=_ref_env(root, home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = done.stdout.strip().splitlines()[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last.split(" in ")[0])}
    return {("error" if k == "errors" else k): v for k, v in counts.items()}


def coverage_json(
    root: Path, tmp: Path, source: str = "src/calc", tests: str | None = "tests"
) -> dict[str, Any]:
    """coverage.py's CLI with an empty rcfile: what the numbers are without anyone's config."""
    tmp.mkdir(exist_ok=True)
    empty = tmp / "empty.rc"
    empty.write_text("")
    env = {**_ref_env(root, tmp / "home"), "COVERAGE_FILE": str(tmp / ".coverage")}
    cov = [PYTHON, "-m", "coverage"]
    run = [*cov, "run", f"--rcfile={empty}", "--branch", f"--source={source}", "-m", "pytest"]
    run += [tests] if tests else []
    subprocess.run([*run, "-p", "no:cacheprovider"], cwd=root, env=env, check=False)
    out = tmp / "ref.json"
    subprocess.run(
        [*cov, "json", f"--rcfile={empty}", "-o", str(out)], cwd=root, env=env, check=True
    )
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def live_in_group(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are still alive (zombies are dead)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry))
    return alive


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def case(result: CollectorResult, name: str) -> TestCase:
    assert result.details is not None
    cases = [c for c in result.details.cases if c.nodeid.endswith(name)]  # type: ignore[union-attr]
    assert len(cases) == 1, cases
    return cases[0]


# --------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("when", "outcome", "xfail", "expected"),
    [
        ("call", "passed", None, "passed"),
        ("call", "failed", None, "failed"),
        ("call", "skipped", None, "skipped"),
        ("call", "skipped", "reason", "xfailed"),
        ("call", "passed", "", "xpassed"),
        ("setup", "failed", None, "error"),
        ("teardown", "failed", None, "error"),
        ("setup", "skipped", None, "skipped"),
        ("setup", "skipped", "[NOTRUN] slow", "xfailed"),
        ("setup", "passed", None, ""),
        ("teardown", "passed", None, ""),
    ],
)
def test_pytest_category_mirrors_pytest(
    when: str, outcome: str, xfail: str | None, expected: str
) -> None:
    assert pytest_category(when, outcome, xfail) == expected


def _report(nodeid: str, when: str, outcome: str, **extra: Any) -> dict[str, Any]:
    return {
        "e": "report",
        "nodeid": nodeid,
        "when": when,
        "outcome": outcome,
        "duration": 0.5,
        "xfail": None,
        "message": None,
        **extra,
    }


def test_summarize_counts_a_failing_call_and_its_teardown_error_like_pytest() -> None:
    events = [
        {"e": "session"},
        {"e": "start", "nodeid": "t.py::a"},
        _report("t.py::a", "setup", "passed"),
        _report("t.py::a", "call", "failed", message="AssertionError: no"),
        _report("t.py::a", "teardown", "failed", message="RuntimeError: td"),
        {"e": "finish", "exitstatus": 1, "duration": 2.0},
        {"e": "summary", "duration": 2.5},
    ]
    summary = summarize(events)
    assert summary.counts == {"failed": 1, "error": 1}
    assert summary.metric("tests.failed") == 1
    assert summary.metric("tests.errors") == 1
    assert summary.cases == (TestCase("t.py::a", "failed", 1.5, "AssertionError: no"),)
    assert summary.finished
    assert summary.duration_s == 2.5
    assert summary.unfinished == ()


def test_summarize_marks_the_test_that_never_finished_as_an_error() -> None:
    events = [
        {"e": "session"},
        {"e": "start", "nodeid": "t.py::ok"},
        _report("t.py::ok", "setup", "passed"),
        _report("t.py::ok", "call", "passed"),
        _report("t.py::ok", "teardown", "passed"),
        {"e": "start", "nodeid": "t.py::hang"},
        _report("t.py::hang", "setup", "passed"),
    ]
    summary = summarize(events, "timed out")
    assert summary.unfinished == ("t.py::hang",)
    assert summary.counts == {"passed": 1, "error": 1}
    assert summary.cases[1] == TestCase("t.py::hang", "error", 0.5, "timed out")
    assert not summary.finished
    assert summary.ran == 2


def test_summarize_collection_errors_and_module_skips() -> None:
    events: list[dict[str, Any]] = [
        {"e": "session"},
        {"e": "collect", "nodeid": "tests/test_x.py", "outcome": "failed", "message": "E nope"},
        {"e": "collect", "nodeid": "tests/test_y.py", "outcome": "skipped", "message": "win"},
        {"e": "finish", "exitstatus": 2, "duration": 0.1},
    ]
    summary = summarize(events)
    assert summary.collection_errors == (("tests/test_x.py", "E nope"),)
    assert summary.metric("tests.errors") == 1
    assert summary.metric("tests.skipped") == 1
    assert summary.ran == 0


def test_parse_events_skips_a_line_cut_by_a_kill() -> None:
    text = '{"e": "session"}\n{"e": "start", "nodeid": "a"}\n{"e": "rep'
    assert parse_events(text) == [{"e": "session"}, {"e": "start", "nodeid": "a"}]


def test_parse_coverage_json_keeps_only_arcs_from_lines_that_ran() -> None:
    data = {
        "files": {
            "src/m.py": {
                "missing_lines": [7, 4],
                "missing_branches": [[3, 4], [6, 7], [5, -1]],
                "summary": {
                    "num_statements": 8,
                    "covered_lines": 6,
                    "excluded_lines": 1,
                    "num_branches": 6,
                    "covered_branches": 3,
                },
            }
        },
        "totals": {
            "num_statements": 8,
            "covered_lines": 6,
            "num_branches": 6,
            "covered_branches": 3,
        },
    }
    totals, files = parse_coverage_json(data)
    assert totals == CoverageTotals(8, 6, 6, 3)
    assert totals.line_pct == 75.0
    assert totals.branch_pct == 50.0
    (f,) = files
    assert f.missing_lines == (4, 7)
    assert f.partial_branches == ((3, 4), (5, -1), (6, 7))
    assert f.excluded_lines == 1


def test_percentages_are_absent_not_zero_or_hundred_without_statements_or_branches() -> None:
    assert CoverageTotals(0, 0, 0, 0).line_pct is None
    assert CoverageTotals(3, 3, 0, 0).branch_pct is None


def test_count_pragma_no_cover_uses_coveragepys_default_pattern() -> None:
    text = "x = 1  # pragma: no cover\nif y:  # PRAGMA NO COVER\n#pragma:nocover\nz = 2\n"
    assert count_pragma_no_cover([text, "# pragma: no branch\n"]) == 3


def test_version_tuple_and_probe_parsing() -> None:
    assert version_tuple("7.10.1") == (7, 10, 1)
    assert version_tuple("8.0.0rc1") == (8, 0, 0)
    assert version_tuple(None) == ()
    out = 'noise from sitecustomize\n{"python": "3.12.1", "executable": "/x", "pytest": "8.3",'
    out += ' "coverage": null, "pytest_benchmark": null, "pytest_cov": "5.0"}\n'
    assert parse_probe(out) == Probe("3.12.1", "/x", pytest="8.3", pytest_cov="5.0")
    assert parse_probe("Traceback ...") is None


def _counting_venv(root: Path, answer: str | None = None) -> tuple[Path, Path]:
    """A virtualenv-shaped folder whose ``python`` logs each start, then runs ours
    (or prints ``answer`` instead of probing)."""
    log = root / "starts.log"
    site = root / "venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    python = root / "venv" / "bin" / "python"
    python.parent.mkdir()
    run = f"echo {answer!r}" if answer is not None else f'exec {sys.executable} "$@"'
    python.write_text(f"#!/bin/sh\necho start >> {log}\n{run}\n", encoding="utf-8")
    python.chmod(0o755)
    return python, log


def _starts(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def test_the_probe_is_remembered_until_the_virtualenv_changes(tmp_path: Path) -> None:
    python, log = _counting_venv(tmp_path)
    cache = tmp_path / "cache"
    first, _ = cached_probe(str(python), tmp_path, cache)
    assert first is not None and first.pytest and _starts(log) == 1
    again, _ = cached_probe(str(python), tmp_path, cache)
    assert again == first and _starts(log) == 1  # answered from the cache
    (python.parent.parent / "lib" / "python3.11" / "site-packages" / "new-1.0.dist-info").mkdir()
    os.utime(python.parent.parent / "lib" / "python3.11" / "site-packages", ns=(1, 1))
    cached_probe(str(python), tmp_path, cache)
    assert _starts(log) == 2  # a package came or went: asked again
    cached_probe(str(python), tmp_path, None)
    assert _starts(log) == 3  # no cache (CI): always asked


@pytest.mark.parametrize(
    "layout", ["no pyvenv.cfg", "system site-packages", "no lib/python*/site-packages"]
)
def test_a_probe_is_not_remembered_where_installs_may_go_unseen(
    layout: str, tmp_path: Path
) -> None:
    python, log = _counting_venv(tmp_path)
    venv = python.parent.parent
    if layout == "no pyvenv.cfg":
        (venv / "pyvenv.cfg").unlink()
    elif layout == "system site-packages":
        (venv / "pyvenv.cfg").write_text("include-system-site-packages = true\n")
    else:
        (venv / "lib").rename(venv / "Lib")  # Windows' layout
    for expected in (1, 2):
        found, _ = cached_probe(str(python), tmp_path, tmp_path / "cache")
        assert found is not None and _starts(log) == expected


def test_a_probe_that_blocks_the_tests_is_not_remembered(tmp_path: Path) -> None:
    answer = '{"python": "3.11.7", "executable": "/x", "pytest": "8.3", "coverage": null}'
    python, log = _counting_venv(tmp_path, answer=answer)
    for expected in (1, 2):
        found, _ = cached_probe(str(python), tmp_path, tmp_path / "cache")
        assert found is not None and found.coverage is None
        assert _starts(log) == expected  # `pip install coverage` is seen at once


def test_a_failed_probe_is_not_remembered(tmp_path: Path) -> None:
    python, log = _counting_venv(tmp_path, answer="no json here")
    for expected in (1, 2):
        found, why = cached_probe(str(python), tmp_path, tmp_path / "cache")
        assert found is None and "did not answer" in why
        assert _starts(log) == expected


def test_a_relative_interpreter_path_is_made_absolute_and_a_bare_name_is_kept() -> None:
    assert interpreter_path("python3") == "python3"
    assert interpreter_path("venv/bin/python") == os.path.abspath("venv/bin/python")
    assert interpreter_path("/usr/bin/python3") == "/usr/bin/python3"


def test_our_rcfile_turns_on_what_we_rely_on(tmp_path: Path) -> None:
    write_files(tmp_path, SAMPLE_PROJECT)
    write_files(tmp_path, {"src/calc/tests/test_inside.py": "def test_x(): pass\n"})
    project = _project(tmp_path)
    modern = plan_coverage(project, tmp_path / "data" / ".coverage", "7.10.0")
    old = plan_coverage(project, tmp_path / "data" / ".coverage", "7.9.2")
    assert isinstance(modern, CoveragePlan)
    assert old is not None
    text = modern.rcfile()
    for line in (
        "branch = True",
        "parallel = True",
        "sigterm = True",
        f"data_file = {tmp_path / 'data' / '.coverage'}",
    ):
        assert line in text.splitlines()
    assert modern.patch == ("_exit", "subprocess")
    assert old.patch == ()
    assert "patch" not in old.rcfile()
    assert modern.source == (str(tmp_path / "src" / "calc"),)
    assert modern.omit == (str(tmp_path / "src" / "calc" / "tests" / "test_inside.py"),)
    assert modern.describe(tmp_path)["omit"] == ["src/calc/tests/test_inside.py"]


def test_pytest_argv_disables_benchmarks_and_pytest_cov_and_never_uses_the_cache() -> None:
    project = Project(Path("/r"), ("src/calc",), (), ("tests",), ("calc",), ("src",), "py")
    argv = _pytest_argv(
        project, Probe("3.12", "py", "8", "7.10", "5.0", "6.0"), Path("/s/rc"), Path("/s")
    )
    assert argv[:6] == ["py", "-m", "coverage", "run", "--rcfile=/s/rc", "-m"]
    for option in (
        "--benchmark-disable",
        "--no-cov",
        "no:cacheprovider",
        "--benchmark-storage=file:///s/benchmarks",
    ):
        assert option in argv
    assert argv[-1] == "--no-cov"  # no path: pytest's own configuration decides what runs
    configured = replace(project, tests_configured=True)
    assert _pytest_argv(configured, Probe("3.12", "py"), None, Path("/s"))[-2:] == ["--", "tests"]
    fallback = _pytest_argv(configured, Probe("3.12", "py"), None, Path("/s"), ["test.py"])
    assert fallback[-2:] == ["--", "test.py"]
    bare = _pytest_argv(project, Probe("3.12", "py", "8", "7.10"), None, Path("/s"))
    assert bare[:3] == ["py", "-m", "pytest"]
    assert "--benchmark-disable" not in bare


# --------------------------------------------------------------------------- a real suite

RICH_TESTS = """
import pytest
from calc.ops import add, classify


def test_fails():
    assert classify(50) == "large"


@pytest.mark.skip(reason="later")
def test_skipped():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert add(1, 1) == 3


@pytest.mark.xfail(reason="maybe")
def test_xpass():
    assert add(1, 1) == 2


@pytest.fixture
def broken():
    raise RuntimeError("setup boom")


def test_setup_error(broken):
    pass


@pytest.fixture
def bad_teardown():
    yield
    raise RuntimeError("teardown boom")


def test_teardown_error(bad_teardown):
    assert classify(0) == "zero"


def test_fail_and_teardown_error(bad_teardown):
    raise ValueError("x" * 5000)
"""

ENV_TESTS = """
import os


def test_no_token_in_env():
    assert "GITHUB_TOKEN" not in os.environ
    assert "MY_API_KEY" not in os.environ
    assert "SSH_AUTH_SOCK" not in os.environ


def test_home_is_empty():
    assert os.listdir(os.environ["HOME"]) == []
"""

EXTRA_SOURCE = """
def debug_only():  # pragma: no cover
    return "never measured"


def helper(x):
    if x:  # pragma: no cover
        return 1
    return 0
"""

# The learner's config tries to switch measurement off and our timeout plugin off.
HOSTILE_CONFIG = {
    ".coveragerc": "[run]\nomit = *\nbranch = False\ndata_file = .coverage-learner\n"
    "[report]\nexclude_lines =\n    .*\n",
    "setup.cfg": "[coverage:run]\nomit = *\n",
    "pytest.ini": "[pytest]\naddopts = -p no:timeout\n",
}


Rich = tuple[Path, CollectorResult, set[str], set[str]]


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Rich:
    root = tmp_path_factory.mktemp("rich")
    files = {
        **SAMPLE_PROJECT,
        "pyproject.toml": str(SAMPLE_PROJECT["pyproject.toml"])
        + '\n[tool.coverage.run]\nomit = ["*"]\n[tool.coverage.report]\nfail_under = 100\n',
        "tests/test_more.py": RICH_TESTS,
        "tests/test_env.py": ENV_TESTS,
        "src/calc/extra.py": EXTRA_SOURCE,
        **HOSTILE_CONFIG,
    }
    write_files(root, files)
    before = files_under(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GITHUB_TOKEN", "ghp_secret")
        mp.setenv("MY_API_KEY", "secret")
        mp.setenv("SSH_AUTH_SOCK", "/tmp/agent")
        mp.setenv("PYTEST_ADDOPTS", "-x --co")  # would collect only: counts would not match
        mp.setenv("COVERAGE_RCFILE", str(root / ".coveragerc"))
        # `coverage: {project_settings: false}`: the mentor asked to ignore the hostile
        # coverage settings (honoured, they are a visible omission: see below).
        result = _run(_project(root), tmp_path_factory.mktemp("scratch"), project_settings=False)
    return root, result, before, files_under(root)


def test_coverage_settings_that_leave_out_everything_are_shown_never_a_silent_100(
    rich: Rich, tmp_path: Path
) -> None:
    root, _, _, _ = rich
    result = _run(_project(root), tmp_path / "scratch")
    assert "coverage.line_pct" not in result.metrics
    reason = result.unmeasured["coverage.line_pct"]
    assert "(.coveragerc) leave out every statement" in reason
    assert "project_settings: false" in reason
    left = result.details.coverage_left_out  # type: ignore[union-attr]
    assert left is not None
    assert left.config == ".coveragerc"
    assert set(left.files) == {"src/calc/__init__.py", "src/calc/ops.py", "src/calc/extra.py"}
    assert left.share_pct == 100.0
    ref = coverage_json(root, tmp_path / "ref")  # coverage.py's own count, default settings
    assert left.file_statements == ref["totals"]["num_statements"]


def test_counts_equal_pytests_own_summary_line(rich: Rich, tmp_path: Path) -> None:
    root, result, _, _ = rich
    summary = pytest_summary(root, tmp_path / "home")
    assert summary == pytest_summary(root, tmp_path / "home", "tests")
    assert summary == {
        "failed": 2,
        "passed": 6,
        "skipped": 1,
        "xfailed": 1,
        "xpassed": 1,
        "error": 3,
    }
    m = result.metrics
    assert m["tests.passed"] == summary["passed"] + summary["xpassed"]
    assert m["tests.failed"] == summary["failed"]
    assert m["tests.errors"] == summary["error"]
    assert m["tests.skipped"] == summary["skipped"] + summary["xfailed"]
    assert m["tests.duration_s"] > 0
    assert result.unmeasured == {}


def test_coverage_equals_coverage_json_and_ignores_the_learners_config(
    rich: Rich, tmp_path: Path
) -> None:
    root, result, _, _ = rich
    ref = coverage_json(root, tmp_path)
    totals = ref["totals"]
    assert totals["num_statements"] > 0
    line, branch = result.metrics["coverage.line_pct"], result.metrics["coverage.branch_pct"]
    assert line == totals["covered_lines"] / totals["num_statements"] * 100
    assert branch == totals["covered_branches"] / totals["num_branches"] * 100
    assert round(line, 6) == round(totals["percent_statements_covered"], 6)
    assert round(branch, 6) == round(totals["percent_branches_covered"], 6)
    assert result.details is not None
    per_file = {f.file: f for f in result.details.coverage}  # type: ignore[union-attr]
    assert set(per_file) == set(ref["files"])
    for name, info in ref["files"].items():
        mine, summary = per_file[name], info["summary"]
        assert mine.statements == summary["num_statements"]
        assert mine.covered_lines == summary["covered_lines"]
        assert mine.branches == summary["num_branches"]
        assert mine.covered_branches == summary["covered_branches"]
        assert mine.excluded_lines == summary["excluded_lines"]
        assert list(mine.missing_lines) == info["missing_lines"]
        ran = set(info["executed_lines"])
        assert [list(a) for a in mine.partial_branches] == sorted(
            a for a in info["missing_branches"] if a[0] in ran
        )
    ops = per_file["src/calc/ops.py"]
    assert ops.partial_branches  # classify() has untaken branches from lines that ran
    assert per_file["src/calc/extra.py"].excluded_lines > 0


def test_reports_settings_pragmas_versions_and_short_messages(
    rich: Rich,
) -> None:
    _, result, _, _ = rich
    details = result.details
    assert details is not None
    settings = details.coverage_settings  # type: ignore[union-attr]
    assert settings["branch"] is True
    assert settings["source"] == ["src/calc"]
    assert settings["patch"] == ["_exit", "subprocess"]
    assert details.pragma_no_cover == 2  # type: ignore[union-attr]
    assert result.tool_versions == {
        "python": ".".join(map(str, sys.version_info[:3])),
        "pytest": pytest.__version__,
        "coverage": cov_module.__version__,
    }
    fails = case(result, "test_fails").message
    assert fails == "AssertionError: assert 'medium' == 'large'\n  \n  - large\n  + medium"
    assert case(result, "test_setup_error").outcome == "error"
    assert case(result, "test_setup_error").message == "RuntimeError: setup boom"
    assert case(result, "test_teardown_error").outcome == "error"
    assert case(result, "test_xfail").outcome == "skipped"
    assert case(result, "test_xfail").message == "xfail: known bug"
    assert case(result, "test_xpass").outcome == "passed"
    assert case(result, "test_skipped").message == "Skipped: later"
    long = case(result, "test_fail_and_teardown_error")
    assert long.outcome == "failed"
    assert long.message is not None
    assert len(long.message) <= 1000
    assert long.message.startswith("ValueError: xxx")
    assert "Traceback" not in "".join(c.message or "" for c in details.cases)  # type: ignore[union-attr]


def test_learner_env_has_no_token_and_an_empty_home(
    rich: Rich,
) -> None:
    _, result, _, _ = rich
    assert case(result, "test_no_token_in_env").outcome == "passed"
    assert case(result, "test_home_is_empty").outcome == "passed"


def test_leaves_nothing_in_the_learners_repo(
    rich: Rich,
) -> None:
    _, _, before, after = rich
    assert after == before


# --------------------------------------------------------------------------- no measurement


def test_no_test_paths_means_absent_metrics_with_a_reason(tmp_path: Path) -> None:
    write_files(tmp_path, {"calc.py": "def f():\n    return 1\n"})
    project = _project(tmp_path)
    assert project.test_paths == ()
    result = _run(project, tmp_path / "scratch")
    assert result.metrics == {}
    assert set(result.unmeasured) == {
        "tests.passed",
        "tests.failed",
        "tests.errors",
        "tests.skipped",
        "tests.duration_s",
        "coverage.line_pct",
        "coverage.branch_pct",
    }
    assert [f.kind for f in result.findings] == ["no-tests"]


def test_pytest_collecting_nothing_is_unmeasured_not_zero(tmp_path: Path) -> None:
    write_files(tmp_path, {**SAMPLE_PROJECT, "tests/test_ops.py": "from calc.ops import add\n"})
    result = _run(_project(tmp_path), tmp_path / "scratch")
    assert result.metrics == {}
    (finding,) = result.findings
    assert finding.kind == "tests-not-found"  # a set-up notice, not "write a test"
    assert "collected no tests" in result.unmeasured["coverage.line_pct"]
    assert "tests/" in finding.message
    assert "`tests:` in practicegrade.yml" in finding.message


def test_a_test_module_that_fails_to_import_is_a_collection_error(tmp_path: Path) -> None:
    write_files(
        tmp_path, {**SAMPLE_PROJECT, "tests/test_broken.py": "import not_a_module_anywhere\n"}
    )
    result = _run(_project(tmp_path), tmp_path / "scratch")
    summary = pytest_summary(tmp_path, tmp_path / "home", "tests")
    assert summary == {"error": 1}
    assert result.metrics["tests.errors"] == 1
    assert result.metrics["tests.passed"] == 0
    finding, stopped = result.findings
    assert finding.kind == "collection-error"
    assert stopped.kind == "not-run"  # the three good tests were collected, never run
    assert stopped.message == (
        "pytest ran 0 of 3 collected tests: "
        "pytest stopped at 1 collection error before running them"
    )
    assert finding.file == "tests/test_broken.py"
    assert "No module named 'not_a_module_anywhere'" in finding.message
    assert "coverage.line_pct" not in result.metrics
    assert "no test ran" in result.unmeasured["coverage.line_pct"]


def test_a_broken_conftest_is_a_collection_error(tmp_path: Path) -> None:
    write_files(tmp_path, {**SAMPLE_PROJECT, "tests/conftest.py": "import nope_nope\n"})
    result = _run(_project(tmp_path), tmp_path / "scratch")
    (finding,) = result.findings
    assert finding.kind == "collection-error"
    assert "nope_nope" in finding.message
    assert result.metrics["tests.errors"] == 1
    assert "coverage.line_pct" in result.unmeasured


def test_an_interpreter_without_pytest_or_coverage_gets_an_install_hint(tmp_path: Path) -> None:
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    write_files(tmp_path / "repo", SAMPLE_PROJECT)
    result = _run(_project(tmp_path / "repo", python), tmp_path / "scratch")
    assert result.metrics == {}
    (finding,) = result.findings
    assert finding.kind == "tool-missing"
    assert f"{python} -m pip install pytest coverage" in finding.message
    assert result.unmeasured["coverage.line_pct"] == finding.message
    assert result.tool_versions == {"python": ".".join(map(str, sys.version_info[:3]))}


def test_a_single_module_project_is_measured_too(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "mymod.py": "def f(x):\n    if x:\n        return 1\n    return 2\n",
            "test_mymod.py": "from mymod import f\n\n\ndef test_f():\n    assert f(1) == 1\n",
        },
    )
    result = _run(_project(tmp_path), tmp_path / "scratch")
    ref = coverage_json(tmp_path, tmp_path / "ref", source="mymod", tests="test_mymod.py")
    totals = ref["totals"]
    assert (
        result.metrics["coverage.line_pct"]
        == totals["covered_lines"] / totals["num_statements"] * 100
    )
    assert (
        result.metrics["coverage.branch_pct"]
        == totals["covered_branches"] / totals["num_branches"] * 100
    )
    assert result.metrics["tests.passed"] == 1
    assert result.details is not None
    assert [f.file for f in result.details.coverage] == ["mymod.py"]  # type: ignore[union-attr]


def test_an_interpreter_that_does_not_run_is_a_tool_missing_finding(tmp_path: Path) -> None:
    write_files(tmp_path / "repo", SAMPLE_PROJECT)
    missing = str(tmp_path / "nowhere" / "python")
    result = _run(_project(tmp_path / "repo", missing), tmp_path / "scratch")
    (finding,) = result.findings
    assert finding.kind == "tool-missing"
    assert missing in finding.message
    assert "check the interpreter" in finding.message
    assert result.metrics == {}


# --------------------------------------------------------------------------- subprocesses


def test_code_run_in_a_python_subprocess_is_measured(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            **SAMPLE_PROJECT,
            "tests/test_ops.py": """
        import subprocess, sys


        def test_in_a_child():
            code = "from calc.ops import classify; assert classify(500) == 'large'"
            subprocess.run([sys.executable, "-c", code], check=True)
    """,
        },
    )
    result = _run(_project(tmp_path), tmp_path / "scratch")
    assert result.metrics["tests.passed"] == 1
    assert result.details is not None
    (ops,) = [f for f in result.details.coverage if f.file == "src/calc/ops.py"]  # type: ignore[union-attr]
    large = SAMPLE_PROJECT["src/calc/ops.py"]
    assert isinstance(large, str)
    line = next(i for i, text in enumerate(large.lstrip("\n").splitlines(), 1) if '"large"' in text)
    assert line not in ops.missing_lines
    assert ops.covered_lines > 0


# --------------------------------------------------------------------------- adversarial

PGID_WRITER = """
import os
from pathlib import Path

def record(name, value):
    Path(__file__).parent.parent.joinpath(name).write_text(str(value))
"""


def test_an_endless_loop_is_stopped_by_our_timeout_whatever_the_learner_configures(
    tmp_path: Path,
) -> None:
    write_files(
        tmp_path,
        {
            **SAMPLE_PROJECT,
            "pytest.ini": "[pytest]\naddopts = -p no:timeout\ntimeout = 0\n",
            "tests/rec.py": PGID_WRITER,
            "tests/test_zloop.py": """
            import os
            import pytest
            from rec import record


            def test_allocates_ten_gib():
                buffer = bytearray(10 * 1024 ** 3)
                assert buffer


            @pytest.mark.timeout(0)
            def test_forever():
                record("pgid", os.getpgrp())
                while True:
                    pass
        """,
        },
    )
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTEST_ADDOPTS", "-p no:timeout")
        result = _run(_project(tmp_path), tmp_path / "scratch", timeout=3)
    assert time.monotonic() - started < 20
    assert result.details is not None
    assert result.details.timed_out  # type: ignore[union-attr]
    (finding,) = [f for f in result.findings if f.kind == "timeout"]
    assert "tests/test_zloop.py::test_forever" in finding.message
    assert finding.file == "tests/test_zloop.py"
    forever = case(result, "test_forever")
    assert forever.outcome == "error"
    assert forever.message is not None
    assert "timed out" in forever.message
    memory = case(result, "test_allocates_ten_gib")
    assert memory.outcome == "failed"
    assert memory.message is not None
    assert "MemoryError" in memory.message
    assert result.metrics["tests.passed"] == 3  # partial results kept
    assert result.metrics["tests.errors"] == 1
    assert 0 < result.metrics["coverage.line_pct"] < 100  # partial coverage kept
    assert live_in_group(int((tmp_path / "pgid").read_text())) == []


def test_a_background_child_holding_our_pipe_is_killed(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            **SAMPLE_PROJECT,
            "tests/rec.py": PGID_WRITER,
            "tests/test_zbg.py": """
            import os, subprocess
            from rec import record


            def test_leaves_a_sleeper():
                child = subprocess.Popen(["sleep", "1000"])  # inherits our stdout
                record("pgid", os.getpgrp())
                record("sleeper", child.pid)
        """,
        },
    )
    started = time.monotonic()
    result = _run(_project(tmp_path), tmp_path / "scratch", timeout=5)
    assert time.monotonic() - started < 20
    assert result.metrics["tests.passed"] == 4
    assert result.findings == ()
    assert not alive(int((tmp_path / "sleeper").read_text()))
    assert live_in_group(int((tmp_path / "pgid").read_text())) == []


def test_a_child_that_moved_to_its_own_session_is_ended_and_not_waited_for(
    tmp_path: Path,
) -> None:
    """``start_new_session=True`` escapes the process group: it used to outlive the grade
    (parent PID 1) and hold our pipes for 11 s."""
    write_files(
        tmp_path,
        {
            **SAMPLE_PROJECT,
            "tests/rec.py": PGID_WRITER,
            "tests/test_zsession.py": """
            import subprocess
            from rec import record


            def test_leaves_a_daemon():
                child = subprocess.Popen(["sleep", "1000"], start_new_session=True)
                record("daemon", child.pid)
        """,
        },
    )
    _run(_project(tmp_path), tmp_path / "warm")  # interpreter probe and imports warmed
    started = time.monotonic()
    result = _run(_project(tmp_path), tmp_path / "scratch", timeout=30)
    elapsed = time.monotonic() - started
    assert result.metrics["tests.passed"] == 4
    assert elapsed < 8, elapsed
    daemon = int((tmp_path / "daemon").read_text())
    assert not Path(f"/proc/{daemon}").exists()  # killed and reaped, not left to PID 1


def test_os_exit_in_a_test_is_reported_as_incomplete(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            **SAMPLE_PROJECT,
            "tests/rec.py": PGID_WRITER,
            "tests/test_zexit.py": """
            import os
            from rec import record


            def test_exits():
                record("pgid", os.getpgrp())
                os._exit(0)


            def test_never_runs():
                pass
        """,
        },
    )
    result = _run(_project(tmp_path), tmp_path / "scratch", timeout=5)
    kinds = [f.kind for f in result.findings]
    assert kinds == ["incomplete"]
    assert "tests/test_zexit.py::test_exits" in result.findings[0].message
    assert case(result, "test_exits").outcome == "error"
    assert result.details is not None
    assert not any(c.nodeid.endswith("test_never_runs") for c in result.details.cases)  # type: ignore[union-attr]
    assert result.metrics["tests.errors"] == 1
    assert result.metrics["tests.passed"] == 3
    line = result.metrics.get("coverage.line_pct")
    assert line is None or 0 < line < 100
    assert live_in_group(int((tmp_path / "pgid").read_text())) == []


def test_no_data_to_combine_says_so_and_writes_no_report(tmp_path: Path) -> None:
    write_files(tmp_path / "repo", SAMPLE_PROJECT)
    project = _project(tmp_path / "repo")
    work = tmp_path / "work"
    (work / "coverage").mkdir(parents=True)
    rcfile = work / "coverage.rc"
    rcfile.write_text(f"[run]\nparallel = True\ndata_file = {work / 'coverage' / '.coverage'}\n")
    data, problem = _read_coverage(project, work, rcfile)
    assert data is None
    assert problem.startswith("coverage.py saved no data (")
    assert "No data to combine" in problem  # coverage.py's own words, as `coverage combine` says
    assert not (work / "coverage.json").exists()


def _exporters(work: Path) -> list[int]:
    """Live processes running our coverage exporter for ``work``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(work).encode() in cmdline and b"--wait" in cmdline:
            found.append(int(entry.name))
    return found


def test_an_exporter_that_died_waiting_is_replaced_by_a_cold_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The coverage report comes from the exporter started with the tests; if it died
    while the tests ran, a new one writes the same report."""
    write_files(tmp_path / "repo", SAMPLE_PROJECT)
    project = _project(tmp_path / "repo")
    warm = _run(project, tmp_path / "warm", warm_export=True)
    started: list[proc.Started] = []

    def dead(*_args: object) -> proc.Started:
        child = proc.start([sys.executable, "-c", "pass"], stdin=False)
        while child.running:
            time.sleep(0.01)
        started.append(child)
        return child

    monkeypatch.setattr(tests_collector, "_start_export", dead)
    _run(project, tmp_path / "plain")
    assert not started  # outside pre-push grades the exporter starts after the tests
    cold = _run(project, tmp_path / "cold", warm_export=True)
    assert started  # the dead one was handed over, and was not used
    assert cold.metrics["coverage.line_pct"] > 0
    assert {k: v for k, v in cold.metrics.items() if k.startswith("coverage.")} == {
        k: v for k, v in warm.metrics.items() if k.startswith("coverage.")
    }
    assert cold.details.coverage == warm.details.coverage  # type: ignore[union-attr]
    assert not proc._LIVE_GROUPS


def test_an_unused_exporter_is_stopped(tmp_path: Path) -> None:
    """No test ran, so no coverage is read: the waiting exporter goes, reading nothing."""
    write_files(tmp_path, {**SAMPLE_PROJECT, "tests/conftest.py": "import nope_nope\n"})
    result = _run(_project(tmp_path), tmp_path / "scratch", warm_export=True)
    assert "coverage.line_pct" in result.unmeasured
    (work,) = (tmp_path / "scratch").glob("tests-*")
    assert _exporters(work) == []
    assert not (work / "coverage.json").exists()
    assert not proc._LIVE_GROUPS


# ----------------------------------------------------------------- as the project runs them

DOCTEST_OPS = '''
"""Arithmetic helpers, with examples that pytest's doctest runner checks.

>>> add(1, 2)
3
"""


def add(a, b):
    """Add two numbers.

    >>> add(2, 2)
    4
    """
    return a + b


def sign(n):
    """The sign of ``n``.

    >>> sign(-3)
    -1
    """
    if n < 0:
        return -1
    if n == 0:
        return 0
    return 1
'''


ADD_TEST = "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def _assert_counts_equal(result: CollectorResult, summary: dict[str, int]) -> None:
    m = result.metrics
    assert m["tests.passed"] == summary.get("passed", 0) + summary.get("xpassed", 0)
    assert m["tests.failed"] == summary.get("failed", 0)
    assert m["tests.errors"] == summary.get("error", 0)
    assert m["tests.skipped"] == summary.get("skipped", 0) + summary.get("xfailed", 0)


def _assert_coverage_equal(result: CollectorResult, ref: dict[str, Any]) -> None:
    totals = ref["totals"]
    assert result.metrics["coverage.line_pct"] == pytest.approx(
        totals["covered_lines"] / totals["num_statements"] * 100
    )
    assert result.metrics["coverage.branch_pct"] == pytest.approx(
        totals["covered_branches"] / totals["num_branches"] * 100
    )


def test_pytests_own_addopts_run_the_doctests_too(tmp_path: Path) -> None:
    """``--doctest-modules --doctest-glob=README.md`` in addopts: the doctests count, as in
    ``python -m pytest`` (only the detected tests/ folder ran before)."""
    files = {
        **SAMPLE_PROJECT,
        "pyproject.toml": str(SAMPLE_PROJECT["pyproject.toml"])
        + '\n[tool.pytest.ini_options]\naddopts = "--doctest-modules --doctest-glob=README.md"\n',
        "src/calc/ops.py": DOCTEST_OPS,
        "tests/test_ops.py": ADD_TEST,
        "README.md": "# calc\n\n```\n>>> 1 + 1\n2\n>>> 2 * 2\n5\n```\n",
    }
    write_files(tmp_path, files)
    result = _run(_project(tmp_path), tmp_path / "scratch")
    summary = pytest_summary(tmp_path, tmp_path / "home")
    assert summary == {"passed": 4, "failed": 1}  # 3 doctests + 1 test pass; README fails
    assert pytest_summary(tmp_path, tmp_path / "home", "tests") == {"passed": 1}
    _assert_counts_equal(result, summary)
    _assert_coverage_equal(result, coverage_json(tmp_path, tmp_path / "ref", tests=None))
    assert {c.nodeid for c in result.details.cases} >= {"README.md::README.md"}  # type: ignore[union-attr]


def test_testpaths_leave_the_benchmark_scripts_out(tmp_path: Path) -> None:
    """``testpaths`` decides: ``benchmarks/test_speed.py`` is not a test of this project."""
    files = {
        "pyproject.toml": '[project]\nname = "calc"\nversion = "0"\n'
        '[tool.pytest.ini_options]\ntestpaths = ["calc"]\n',
        "calc/__init__.py": "",
        "calc/ops.py": DOCTEST_OPS,
        "calc/test_ops.py": "from calc.ops import sign\n\n\ndef test_sign():\n"
        "    assert sign(0) == 0\n",
        "benchmarks/test_speed.py": "def test_slow_on_purpose():\n    assert False\n",
    }
    write_files(tmp_path, files)
    project = _project(tmp_path)
    assert "benchmarks/test_speed.py" in project.test_paths  # seen, yet not run
    result = _run(project, tmp_path / "scratch")
    summary = pytest_summary(tmp_path, tmp_path / "home")
    assert summary == {"passed": 1}
    _assert_counts_equal(result, summary)
    assert all(not c.nodeid.startswith("benchmarks/") for c in result.details.cases)  # type: ignore[union-attr]


def test_configured_tests_are_what_pytest_is_pointed_at(tmp_path: Path) -> None:
    files = {
        **SAMPLE_PROJECT,
        "pyproject.toml": str(SAMPLE_PROJECT["pyproject.toml"])
        + '\n[tool.pytest.ini_options]\naddopts = "--doctest-modules"\n',
        "src/calc/ops.py": DOCTEST_OPS,
        "tests/test_ops.py": ADD_TEST,
    }
    write_files(tmp_path, files)
    project = discover(tmp_path, python=PYTHON, tests=["tests"])
    result = _run(project, tmp_path / "scratch")
    summary = pytest_summary(tmp_path, tmp_path / "home", "tests")
    assert summary == {"passed": 1}
    _assert_counts_equal(result, summary)


UNITTEST_MODULE = """
import unittest

from shapes import area


class AreaTest(unittest.TestCase):
    def test_square(self):
        self.assertEqual(area(2), 4)

    def test_zero(self):
        self.assertEqual(area(0), 0)


if __name__ == "__main__":
    unittest.main()
"""


def test_a_top_level_test_py_is_run_when_pytest_finds_nothing_and_says_so(tmp_path: Path) -> None:
    files = {
        "shapes.py": "def area(side):\n    if side <= 0:\n        return 0\n"
        "    return side * side\n",
        "test.py": UNITTEST_MODULE,
    }
    write_files(tmp_path, files)
    project = _project(tmp_path)
    assert project.source_files == ("shapes.py",)  # test.py is a test, not code to grade
    assert project.test_paths == ("test.py",)
    assert pytest_summary(tmp_path, tmp_path / "home") == {}  # pytest alone: nothing
    summary = pytest_summary(tmp_path, tmp_path / "home", "test.py")
    assert summary == {"passed": 2}
    result = _run(project, tmp_path / "scratch")
    _assert_counts_equal(result, summary)
    ref = coverage_json(tmp_path, tmp_path / "ref", source="shapes", tests="test.py")
    assert result.metrics["coverage.line_pct"] == pytest.approx(
        ref["totals"]["percent_statements_covered"]
    )
    (notice,) = result.findings
    assert notice.kind == "tests-fallback"
    assert "`pytest test.py`" in notice.message
    assert notice.file == "test.py"


PACKAGE_NOT_INSTALLED = {
    **SAMPLE_PROJECT,
    "src/calc/__init__.py": "from importlib.metadata import version\n\n"
    '__version__ = version("calc")\n',
}


@pytest.mark.parametrize("layout", ["test module", "conftest"])
def test_a_project_that_is_not_installed_is_a_notice_with_the_fix(
    tmp_path: Path, layout: str
) -> None:
    files = dict(PACKAGE_NOT_INSTALLED)
    if layout == "conftest":
        files["tests/conftest.py"] = "import calc\n"
    write_files(tmp_path, files)
    result = _run(_project(tmp_path), tmp_path / "scratch")
    (finding,) = result.findings
    assert finding.kind == "not-importable"
    assert f"{PYTHON} -m pip install -e ." in finding.message
    assert result.metrics == {}
    assert result.unmeasured["tests.failed"] == finding.message
    assert result.unmeasured["coverage.line_pct"] == finding.message


def test_a_missing_third_party_module_stays_a_collection_error(tmp_path: Path) -> None:
    files = {
        **SAMPLE_PROJECT,
        "tests/test_ops.py": "import calc\nimport not_installed_anywhere\n\n\ndef test_x():\n"
        "    pass\n",
    }
    write_files(tmp_path, files)
    result = _run(_project(tmp_path), tmp_path / "scratch")
    assert [f.kind for f in result.findings] == ["collection-error"]
    assert result.metrics["tests.errors"] == 1


# ------------------------------------------------------------ the project's coverage settings

VERSION_FILE = """
# file generated by setuptools-scm
# don't change, don't track in version control
__version__ = version = "1.2.3"
__version_tuple__ = version_tuple = (1, 2, 3)
"""

TYPED_OPS = """
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def total(values):
    if not values:
        raise NotImplementedError("empty")
    return sum(values)


def debug():  # pragma: no cover
    return "debug"
"""

PROJECT_COVERAGE = {
    **SAMPLE_PROJECT,
    "pyproject.toml": str(SAMPLE_PROJECT["pyproject.toml"]) + "\n[tool.coverage.run]\n"
    'source_pkgs = ["calc"]\nbranch = true\nomit = ["*/_version.py", "*/cli.py"]\n'
    'plugins = ["not_a_plugin_anyone_has"]\ndata_file = "learner.coverage"\n'
    "[tool.coverage.report]\n"
    'exclude_also = ["if TYPE_CHECKING:", "raise NotImplementedError"]\n',
    "src/calc/_version.py": VERSION_FILE,
    "src/calc/typed.py": TYPED_OPS,
    "src/calc/cli.py": "import sys\n\n\ndef main():\n    print(sys.argv)\n",
}


def raw_coverage_json(root: Path, tmp: Path) -> dict[str, Any]:
    """``coverage run -m pytest`` + ``coverage json``, with the project's own settings
    (minus the plugin it names, which does not exist: the raw tools would stop on it)."""
    tmp.mkdir(exist_ok=True)
    env = {**_ref_env(root, tmp / "home"), "COVERAGE_FILE": str(tmp / ".coverage")}
    text = (root / "pyproject.toml").read_text()
    rc = tmp / "pyproject.toml"
    rc.write_text(text.replace('plugins = ["not_a_plugin_anyone_has"]\n', ""))
    cov = [PYTHON, "-m", "coverage"]
    run = [*cov, "run", f"--rcfile={rc}", "--data-file", str(tmp / ".coverage"), "-m"]
    subprocess.run([*run, "pytest", "-p", "no:cacheprovider"], cwd=root, env=env, check=False)
    out = tmp / "raw.json"
    subprocess.run(
        [*cov, "json", f"--rcfile={rc}", "--data-file", str(tmp / ".coverage"), "-o", str(out)],
        cwd=root,
        env=env,
        check=True,
    )
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_coverage_honours_the_projects_settings_and_counts_what_they_leave_out(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    write_files(root, PROJECT_COVERAGE)
    result = _run(_project(root), tmp_path / "scratch")
    raw = raw_coverage_json(root, tmp_path / "raw")
    _assert_coverage_equal(result, raw)
    assert result.metrics["coverage.line_pct"] == pytest.approx(
        raw["totals"]["percent_statements_covered"]
    )
    per_file = {f.file: f for f in result.details.coverage}  # type: ignore[union-attr]
    assert set(per_file) == set(raw["files"])
    assert "src/calc/_version.py" not in per_file
    for name, info in raw["files"].items():
        assert per_file[name].statements == info["summary"]["num_statements"]
        assert per_file[name].excluded_lines == info["summary"]["excluded_lines"]
    # What the settings leave out, against coverage.py's own default view of the source.
    default = coverage_json(root, tmp_path / "default")
    left = result.details.coverage_left_out  # type: ignore[union-attr]
    assert left is not None
    assert left.config == "pyproject.toml"
    # _version.py is generated: not the learner's source, so not "left out" either.
    assert left.files == ("src/calc/cli.py",)
    assert left.file_statements == default["files"]["src/calc/cli.py"]["summary"]["num_statements"]
    assert left.excluded_lines == sum(
        info["summary"]["num_statements"] - raw["files"][name]["summary"]["num_statements"]
        for name, info in default["files"].items()
        if name in raw["files"]
    )
    assert left.excluded_lines >= 1  # the raise; the pragma is coverage.py's default too
    version = default["files"]["src/calc/_version.py"]["summary"]["num_statements"]
    assert left.source_statements == default["totals"]["num_statements"] - version
    settings = result.details.coverage_settings  # type: ignore[union-attr]
    assert settings["project_config"] == "pyproject.toml"
    assert "plugins" not in str(settings) and "learner.coverage" not in str(settings)
    assert not (root / "learner.coverage").exists()


def test_project_settings_false_ignores_them(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, PROJECT_COVERAGE)
    result = _run(_project(root), tmp_path / "scratch", project_settings=False)
    default = coverage_json(root, tmp_path / "default")
    _assert_coverage_equal(result, default)
    assert result.details.coverage_left_out is None  # type: ignore[union-attr]
    assert "src/calc/_version.py" in {f.file for f in result.details.coverage}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".coveragerc", "[run]\nomit = a.py, b/*\n    c.py\n", {"omit": ("a.py", "b/*", "c.py")}),
        (".coveragerc", "[coverage:run]\nsource = pkg\n", {"source": ("pkg",)}),
        ("setup.cfg", "[coverage:run]\nomit = x.py\n[metadata]\nname = x\n", {"omit": ("x.py",)}),
        ("tox.ini", "[coverage:run]\nsource_pkgs = a,b\n", {"source_pkgs": ("a", "b")}),
        ("pyproject.toml", '[tool.coverage.run]\nomit = ["v.py"]\n', {"omit": ("v.py",)}),
    ],
)
def test_project_coverage_settings_are_found_where_coveragepy_finds_them(
    tmp_path: Path, name: str, text: str, expected: dict[str, tuple[str, ...]]
) -> None:
    write_files(tmp_path, {name: text})
    found = read_project_coverage(tmp_path)
    assert found is not None
    assert found.config == name
    assert dict(found.run) == expected


def test_coveragerc_wins_and_files_without_coverage_settings_do_not_count(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, {"setup.cfg": "[metadata]\nname = x\n", "tox.ini": "[tox]\n"})
    assert read_project_coverage(tmp_path) is None
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.coverage.run]\nomit = ["p.py"]\n',
            ".coveragerc": "[report]\nexclude_lines =\n    a, b\n    c\n",
        },
    )
    found = read_project_coverage(tmp_path)
    assert found is not None
    assert found.config == ".coveragerc"
    assert dict(found.report) == {"exclude_lines": ("a, b", "c")}  # one regex a line


def test_a_project_that_names_what_to_measure_replaces_our_source(tmp_path: Path) -> None:
    project = Project(tmp_path, ("src/calc",), (), ("tests",), ("calc",), ("src",), "py")
    (tmp_path / "src" / "calc").mkdir(parents=True)
    settings = ProjectCoverage(
        ".coveragerc",
        run={"include": ("src/calc/*", "testing/*"), "omit": ("*/_version.py",)},
        report={"exclude_lines": ("pragma: no cover", "if __name__ == .__main__.:")},
    )
    rc = plan_coverage(project, tmp_path / "d", "7.10", settings).rcfile()  # type: ignore[union-attr]
    assert "source =" not in rc  # coverage.py ignores include when source is set
    assert "include =\n    src/calc/*\n    testing/*\n" in rc
    assert "omit =\n    */_version.py\n" in rc
    assert "[report]" in rc
    assert "exclude_lines =\n    pragma: no cover\n    if __name__ == .__main__.:\n" in rc
    ours = plan_coverage(project, tmp_path / "d", "7.10", None).rcfile()  # type: ignore[union-attr]
    assert f"source =\n    {tmp_path / 'src' / 'calc'}\n" in ours
    assert "include" not in ours and "exclude_lines" not in ours
