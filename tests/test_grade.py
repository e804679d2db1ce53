"""The orchestrator on real repositories: --rev, bases, comparison, notes, cache, git hygiene."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from click.testing import CliRunner

from practicegrade import cli, gitrepo
from practicegrade.errors import GitError
from practicegrade.grade import GradeRequest, grade, running_in_ci
from practicegrade.history import read_note
from practicegrade.model import Report
from practicegrade.serialize import dumps, from_jsonable
from tests.helpers.repos import (
    SAMPLE_PROJECT,
    commit_all,
    commit_files,
    extra_worktrees,
    git,
    init_repo,
    write_files,
)

NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)

OPS_HEAD = '''
    """Arithmetic helpers."""


    def add(a, b):
        """Add two numbers."""
        return a + b


    def classify(n):
        """Describe a number in words."""
        if n < 0:
            return "negative"
        if n == 0:
            return "zero"
        if n < 10:
            return "small"
        if n < 100:
            return "medium"
        if n < 1000:
            return "big"
        if n < 10000:
            return "huge"
        return "large"


    def unused(x):
        """Now documented, and the unused variable is gone."""
        return x


    def shout(text):
        tmp = text.upper()
        return text + "!"
'''


def request(path: Path, **changes: object) -> GradeRequest:
    base = GradeRequest(path=path, now=NOW, run_bench=False, write_artifacts=False)
    return replace(base, **changes)  # type: ignore[arg-type]


def comparable(report: Report) -> Report:
    """A report without what may differ between two grades of the same tree."""
    return replace(report, generated_at="", timings={})


@pytest.fixture(scope="module")
def feature(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """main with the sample project; branch ``feature`` one commit ahead."""
    root = init_repo(tmp_path_factory.mktemp("grade") / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    head = commit_files(
        root, {"src/calc/ops.py": OPS_HEAD}, "classify more, shout", branch="feature"
    )
    return root, base, head


def test_comparison_with_the_automatic_merge_base(feature: tuple[Path, str, str]) -> None:
    root, base, head = feature
    outcome = grade(request(root, write_note=False))
    report = outcome.report
    assert report.repo.commit == head
    comparison = report.comparison
    assert comparison is not None
    assert (comparison.base_ref, comparison.base_commit) == ("main", base)
    assert comparison.files_changed == ("src/calc/ops.py",)
    assert set(comparison.base_metrics) <= set(comparison.deltas) | {"coverage.patch_pct"}
    assert set(comparison.deltas) == set(comparison.base_metrics) & set(report.metrics)
    for key, delta in comparison.deltas.items():
        assert delta == pytest.approx(report.metrics[key] - comparison.base_metrics[key], abs=1e-6)
    new = {(m.symbol, m.obj) for m in comparison.new_lint}
    fixed = {(m.symbol, m.obj) for m in comparison.fixed_lint}
    assert ("unused-variable", "shout") in new
    assert ("missing-function-docstring", "shout") in new
    assert ("unused-variable", "unused") in fixed
    assert ("missing-function-docstring", "unused") in fixed
    # Messages that only moved down the file are neither new nor fixed.
    assert not new & fixed
    changes = {c.name: (c.before, c.after) for c in comparison.complexity_changes}
    assert changes["classify"] == (5, 7)
    assert changes["shout"] == (None, 1)
    assert "coverage.patch_pct" in report.metrics
    assert [p.file for p in comparison.patch] == ["src/calc/ops.py"]


def test_base_none_and_explicit_base(feature: tuple[Path, str, str]) -> None:
    root, base, _head = feature
    none = grade(request(root, base="none", run_tests=False, write_note=False)).report
    assert none.comparison is None
    assert "coverage.patch_pct" in none.unmeasured
    explicit = grade(request(root, base="main", run_tests=False, write_note=False)).report
    assert explicit.comparison is not None
    assert explicit.comparison.base_commit == base


def test_unknown_base_is_a_git_error_with_a_hint(feature: tuple[Path, str, str]) -> None:
    root, _base, _head = feature
    with pytest.raises(GitError) as error:
        grade(request(root, base="no-such-ref"))
    assert error.value.exit_code == 2
    assert error.value.hint


def test_rev_grades_a_commit_without_touching_the_work_tree(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    first = git(root, "rev-parse", "HEAD").strip()
    commit_files(root, {"src/calc/ops.py": OPS_HEAD}, "second")
    write_files(root, {"src/calc/extra.py": "x = 1\n", "README.md": "dirty\n"})
    git(root, "add", "README.md")
    before = (
        git(root, "status", "--porcelain"),
        git(root, "stash", "list"),
        git(root, "diff", "--cached"),
    )
    report = grade(request(root, rev=first, run_tests=False)).report
    assert report.repo.commit == first
    assert report.repo.root == str(root)
    assert "shout" not in {f.name for f in report.complexity.functions}  # type: ignore[union-attr]
    after = (
        git(root, "status", "--porcelain"),
        git(root, "stash", "list"),
        git(root, "diff", "--cached"),
    )
    assert after == before
    assert extra_worktrees(root) == []
    assert [e.source for e in read_note(root, first)] == ["local"]


def test_rev_grades_keep_bytecode_beside_their_slot_never_in_a_source_tree(
    tmp_path: Path,
) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    first = git(root, "rev-parse", "HEAD").strip()
    cold = grade(request(root, base="none", use_cache=False)).report
    grade(request(root, rev=first, base="none", use_cache=False))
    (_main, slot) = [
        Path(line.split(" ", 1)[1])
        for line in git(root, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    kept = slot.parent / "pycache-0"
    assert any(kept.rglob("*-pytest-*.pyc"))  # pytest's rewritten test modules
    assert any(kept.rglob("ops.*.pyc"))
    warm = grade(request(root, rev=first, base="none", use_cache=False)).report
    timing = {"tests.duration_s"}
    assert {k: v for k, v in warm.metrics.items() if k not in timing} == {
        k: v for k, v in cold.metrics.items() if k not in timing
    }
    assert list(root.rglob("__pycache__")) == []
    assert list(slot.rglob("__pycache__")) == []


def test_a_ci_grade_uses_no_slot_and_no_cache(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    first = git(root, "rev-parse", "HEAD").strip()
    grade(request(root, rev=first, base="none", origin="ci"))
    assert len(git(root, "worktree", "list").splitlines()) == 1
    assert not gitrepo.git_path(root, "practicegrade/cache").exists()


def test_a_repo_without_commits_grades_its_work_tree(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    write_files(root, SAMPLE_PROJECT)
    report = grade(request(root)).report
    assert report.comparison is None
    assert report.repo.commit is None
    assert report.metrics["tests.passed"] == 3
    with pytest.raises(GitError) as error:
        grade(request(root, rev="HEAD"))
    assert "no commits" in error.value.message


def test_dirty_work_trees_are_not_noted_and_compare_with_head(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    head = git(root, "rev-parse", "HEAD").strip()
    clean = grade(request(root, run_tests=False)).report
    assert clean.comparison is None  # main at its own merge-base: nothing to compare
    assert len(read_note(root, head)) == 1
    write_files(root, {"src/calc/ops.py": OPS_HEAD})
    dirty = grade(request(root, run_tests=False, now=NOW + dt.timedelta(hours=1))).report
    assert dirty.repo.dirty
    assert dirty.comparison is not None
    assert dirty.comparison.base_commit == head
    assert dirty.comparison.files_changed == ("src/calc/ops.py",)
    assert len(read_note(root, head)) == 1


def test_a_graded_tree_regrades_from_the_cache_identically_and_fast(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    cold = grade(request(root, base="none")).report
    started = time.monotonic()
    warm = grade(request(root, base="none", now=NOW + dt.timedelta(minutes=5))).report
    elapsed = time.monotonic() - started
    assert comparable(warm) == comparable(cold)
    assert elapsed < 0.5
    head = git(root, "rev-parse", "HEAD").strip()
    assert [e.ts for e in read_note(root, head)] == ["2026-11-02T09:30:00Z", "2026-11-02T09:35:00Z"]
    uncached = grade(request(root, base="none", use_cache=False, write_note=False)).report
    assert (uncached.lint, uncached.complexity) == (cold.lint, cold.complexity)


def test_the_base_test_metrics_come_from_its_note(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    noted = grade(request(root, rev=base, base="none")).report
    shutil.rmtree(gitrepo.git_path(root, "practicegrade/cache"))
    commit_files(root, {"src/calc/ops.py": OPS_HEAD}, "change", branch="feature")
    report = grade(request(root)).report
    assert report.comparison is not None
    assert report.comparison.base_metrics["tests.duration_s"] == noted.metrics["tests.duration_s"]
    assert report.comparison.base_metrics["lint.score"] == noted.metrics["lint.score"]


def _forge_base_note(tmp_path: Path) -> tuple[Path, float]:
    """A repository whose base commit carries a note claiming 100% line coverage (the
    truth is lower), with the cache gone, on a feature branch one commit ahead."""
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    honest = grade(request(root, rev=base, base="none")).report.metrics["coverage.line_pct"]
    assert honest < 100
    note = git(root, "notes", "--ref", "practicegrade", "show", base)
    line = json.loads(note.splitlines()[-1])
    for value in line.values():
        if isinstance(value, dict) and "coverage.line_pct" in value:
            value["coverage.line_pct"] = 100.0
    git(root, "notes", "--ref", "practicegrade", "add", "-f", "-m", json.dumps(line), base)
    shutil.rmtree(gitrepo.git_path(root, "practicegrade/cache"))
    commit_files(root, {"src/calc/ops.py": OPS_HEAD}, "change", branch="feature")
    return root, honest


def test_a_local_grade_takes_the_base_tests_from_a_note_a_ci_grade_never_does(
    tmp_path: Path,
) -> None:
    root, honest = _forge_base_note(tmp_path)
    local = grade(request(root)).report
    assert local.comparison is not None
    assert local.comparison.base_metrics["coverage.line_pct"] == 100.0  # the note, as it says
    ci = grade(request(root, origin="ci")).report
    assert ci.comparison is not None
    assert ci.comparison.base_metrics["coverage.line_pct"] == honest


def test_the_cli_grades_as_ci_when_ci_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, honest = _forge_base_note(tmp_path)
    monkeypatch.setenv("CI", "true")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli.main, ["grade", str(root), "--no-bench", "--out", str(out), "--format", "report.json"]
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text())
    assert report["comparison"]["base_metrics"]["coverage.line_pct"] == honest


def _live_git_children() -> int:
    me = str(os.getpid())
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = stat[stat.rindex(")") + 2 :].split()[1]
        if ppid == me and comm.startswith("git"):
            count += 1
    return count


@pytest.mark.slow
def test_grading_many_commits_leaves_no_git_processes_or_descriptors(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    commits = []
    for i in range(100):
        write_files(root, {"README.md": f"revision {i}\n"})
        commits.append(commit_all(root, f"r{i}"))
    counts: list[int] = []
    fds: list[int] = []
    for commit in commits:
        grade(request(root, rev=commit, base="none", run_tests=False))
        counts.append(_live_git_children())
        fds.append(len(os.listdir("/proc/self/fd")))
    assert max(counts) == 0
    assert fds[-1] <= fds[0]
    assert extra_worktrees(root) == []
    assert len(git(root, "worktree", "list").splitlines()) == 2  # one reused slot
    assert len(read_note(root, commits[-1])) == 1


BENCH_CONFIG = """
    version: 1
    benchmarks:
      - name: work
        call: calc.work:run
"""
WORK = """
    def run():
        total = 0
        for i in range({n}):
            total += i * i
        return total
"""


BUDGET_S = 10.0
SLACK_S = 2.0
"""A run started inside the budget may end a little after it (its process start-up)."""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("head_n", "expected"),
    [(20000, {"unchanged", "inconclusive"}), (40000, {"regression"})],
    ids=["a-a", "2x-slower"],
)
def test_benchmarks_are_compared_with_the_base_within_the_budget(
    tmp_path: Path, head_n: int, expected: set[str]
) -> None:
    """A/A is never a verdict and ends within the budget; a 2x slowdown is found in it."""
    root = init_repo(
        tmp_path / "repo",
        {
            **SAMPLE_PROJECT,
            "practicegrade.yml": BENCH_CONFIG + f"    bench_budget_s: {BUDGET_S}\n",
            "src/calc/work.py": WORK.format(n=20000),
        },
    )
    commit_files(
        root,
        {"src/calc/work.py": WORK.format(n=head_n), "README.md": "touched\n"},
        "maybe slower",
        branch="feature",
    )
    report = grade(request(root, run_bench=True, run_tests=False, write_note=False)).report
    assert report.bench is not None
    (result,) = report.bench.results
    assert result.change in expected, result
    assert result.compare_s is not None
    assert result.compare_s <= BUDGET_S + SLACK_S
    assert result.runs is not None
    assert result.ratio_vs_base == report.metrics["bench.work.ratio_vs_base"]
    assert result.ratio_ci is not None
    assert result.ratio_ci[0] <= result.ratio_vs_base <= result.ratio_ci[1]
    if "regression" in expected:
        assert result.ratio_vs_base > 1.5
        assert result.p_value is not None
        assert result.p_value < 0.002
        assert result.runs >= 7
        (finding,) = [f for f in report.findings if f.kind == "bench-regression"]
        assert finding.message.startswith("work takes ")
    else:
        assert not [f for f in report.findings if f.kind == "bench-regression"]
        assert 1 / 1.10 < result.ratio_vs_base < 1.10 or result.change == "inconclusive"


def test_report_json_of_a_compared_grade_round_trips(feature: tuple[Path, str, str]) -> None:
    root, _base, _head = feature
    report = grade(request(root, run_tests=False, write_note=False)).report
    assert from_jsonable(Report, json.loads(dumps(report))) == report


def test_a_config_file_outside_the_repo_is_honoured_for_rev(
    feature: tuple[Path, str, str], tmp_path: Path
) -> None:
    root, base, _head = feature
    config = tmp_path / "pg.yml"
    config.write_text(
        textwrap.dedent("""
        version: 1
        source: [src]
    """)
    )
    report = grade(
        request(root, rev=base, base="none", run_tests=False, write_note=False, config_file=config)
    ).report
    assert report.repo.source == ("src",)


@pytest.mark.parametrize(("origin", "exit_code"), [("local", 0), ("hook", 0), ("ci", 1)])
def test_no_tests_at_all_is_a_notice_locally_fails_a_test_gate_in_ci_never_shows_zero_percent(
    tmp_path: Path, origin: str, exit_code: int
) -> None:
    """No silent 0% appears. Locally it is a notice; in CI, deleting the tests is not a way
    past the bar (DESIGN.md: an unmeasured gate fails with ``--source ci``)."""
    files = {k: v for k, v in SAMPLE_PROJECT.items() if not k.startswith("tests/")}
    files["practicegrade.yml"] = """
        version: 1
        competencies:
          testing:
            title: Automated testing
            criteria:
              - {metric: tests.passed, target: ">= 3", gate: ">= 1"}
              - {metric: coverage.line_pct, target: ">= 80"}
    """
    root = init_repo(tmp_path / "repo", files)
    outcome = grade(request(root, base="none", use_cache=False, origin=origin))
    report = outcome.report
    assert "coverage.line_pct" not in report.metrics
    assert "tests.passed" not in report.metrics
    assert "no tests" in report.unmeasured["tests.passed"]
    assert outcome.exit_code == exit_code
    blockers = [f for f in report.feedback if f.category == "blocker"]
    assert [b.evidence.metric for b in blockers] == (["tests.passed"] if exit_code else [])


def test_a_project_its_tests_cannot_import_is_a_notice_not_a_test_to_write(
    tmp_path: Path,
) -> None:
    files = dict(SAMPLE_PROJECT)
    files["src/calc/__init__.py"] = "import importlib.metadata as md\n\nv = md.version('calc')\n"
    files["practicegrade.yml"] = """
        version: 1
        competencies:
          testing:
            title: Automated testing
            criteria:
              - {metric: tests.failed, target: "== 0", gate: "== 0"}
    """
    root = init_repo(tmp_path / "repo", files)
    outcome = grade(request(root, base="none", use_cache=False))
    assert outcome.exit_code == 0
    texts = [str(item.text) for item in outcome.report.feedback]
    assert not [f for f in outcome.report.feedback if f.category == "blocker"]
    assert not [t for t in texts if "No tests were found" in t]
    (notice,) = [t for t in texts if "pip install -e ." in t]
    assert "Not measured" in notice


def test_skipped_tests_never_fail_a_gate(tmp_path: Path) -> None:
    """``--no-tests`` is our choice, not the mentee's: the gate is not evaluated as failed."""
    files = dict(SAMPLE_PROJECT)
    files["practicegrade.yml"] = """
        version: 1
        competencies:
          testing:
            title: Automated testing
            criteria:
              - {metric: tests.passed, target: ">= 3", gate: ">= 1"}
    """
    root = init_repo(tmp_path / "repo", files)
    outcome = grade(request(root, base="none", run_tests=False, use_cache=False))
    assert outcome.exit_code == 0
    assert not [f for f in outcome.report.feedback if f.category == "blocker"]


@pytest.mark.parametrize(
    ("origin", "why"),
    [("local", "not run: --no-tests"), ("hook", "not run: hook.tests: false")],
)
def test_metrics_skipped_by_request_are_listed_with_why_and_are_no_gap(
    tmp_path: Path, origin: Literal["local", "hook"], why: str
) -> None:
    """A mentee who turns the hook's tests off has not regressed at testing."""
    files = dict(SAMPLE_PROJECT)
    files["practicegrade.yml"] = """
        version: 1
        competencies:
          testing:
            title: Automated testing
            criteria:
              - {metric: tests.passed, target: ">= 3"}
              - {metric: coverage.line_pct, target: ">= 80"}
          clarity:
            title: Readable code
            criteria:
              - {metric: complexity.cc_max, target: "<= 1"}
        benchmarks:
          - {name: parse, call: "calc.ops:add"}
    """
    root = init_repo(tmp_path / "repo", files)
    skipped = grade(request(root, base="none", run_tests=False, use_cache=False, origin=origin))
    report = skipped.report
    for key in ("tests.passed", "tests.failed", "coverage.line_pct", "coverage.branch_pct"):
        assert report.unmeasured[key].startswith(why), key
    assert report.unmeasured["bench.parse.median_s"].startswith("not run:")
    assert report.evaluation is not None
    assert report.evaluation.gaps == ("clarity",)  # testing was not measured, not missed
    measured = grade(request(root, base="none", use_cache=False, origin=origin)).report
    assert "tests.passed" in measured.metrics and "tests.passed" not in measured.unmeasured
    assert not [k for k in measured.unmeasured if k.startswith(("tests.", "coverage.line"))]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "false"}, False),
        ({"CI": "0"}, False),
        ({"GITHUB_ACTIONS": "true"}, True),
        ({"TF_BUILD": "True"}, True),
        ({"JENKINS_URL": "https://ci.example.invalid/"}, True),
        ({"GITLAB_CI": ""}, False),
    ],
)
def test_ci_is_recognised_by_its_services_variables(env: dict[str, str], expected: bool) -> None:
    assert running_in_ci(env) is expected
    assert GradeRequest(path=Path("."), now=NOW, origin="ci").trusts_local_state is False


def test_only_a_pre_push_grade_starts_the_coverage_exporter_beside_the_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Elsewhere it would hold its memory beside pylint and the tests for nothing."""
    from practicegrade.collectors import tests as tests_collector  # noqa: PLC0415

    started: list[Path] = []
    real = tests_collector._start_export

    def recording(project: object, work: Path, rcfile: Path) -> object:
        started.append(work)
        return real(project, work, rcfile)  # type: ignore[arg-type]

    monkeypatch.setattr(tests_collector, "_start_export", recording)
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    local = grade(request(root, base="none", use_cache=False, origin="local"))
    assert not started
    hook = grade(request(root, base="none", use_cache=False, origin="hook"))
    assert len(started) == 1
    assert hook.report.metrics["coverage.line_pct"] == local.report.metrics["coverage.line_pct"]
