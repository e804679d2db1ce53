"""Tool versions in notes, and deltas a tool upgrade may have moved (issue 11).

Two real tool versions on one machine are impractical, so the base is a real grade whose
stored results say another pylint measured them: the whole-grade cache entry of the base
is read and written back through the same functions the grade uses (``grade._load`` and
``grade._store``), with only the recorded version changed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from practicegrade import cirecord, gitrepo
from practicegrade import grade as grade_mod
from practicegrade.cache import Cache
from practicegrade.config import Competency, Config, Criterion
from practicegrade.grade import GradeRequest, grade
from practicegrade.history import (
    HistoryPoint,
    NoteEntry,
    append_note,
    note_line,
    parse_note,
    read_note,
    render_table,
)
from practicegrade.loop.review import build_review
from practicegrade.loop.reviewrender import render_review_md, render_review_terminal
from practicegrade.model import (
    Comparison,
    ComplexityChange,
    LintMessage,
    Report,
)
from practicegrade.render.html import render_dashboard
from practicegrade.render.markdown import render_comment
from practicegrade.render.terminal import render_summary
from practicegrade.toolchange import (
    between,
    clean_versions,
    comparison_sentence,
    discount,
    sentence,
)
from tests.helpers.repos import SAMPLE_PROJECT, commit_all, git, init_repo, write_files

NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)

# --------------------------------------------------------------------------- pure


def test_any_release_difference_counts_and_unknown_is_no_change() -> None:
    drift = between(
        {"pylint": "4.1.5", "radon": "6.0.1", "coverage": "7.10.0", "python": "3.12.1"},
        {"pylint": "4.2.0", "radon": "6.0.1", "pytest": "9.0.1", "python": "3.12.7"},
    )
    assert [(c.tool, c.before, c.after) for c in drift.changes] == [("pylint", "4.1.5", "4.2.0")]
    assert drift.affects("lint.score") and drift.affects("lint.errors")
    assert not drift.affects("coverage.line_pct"), "coverage is unknown on one side"
    assert not drift.affects("tests.passed"), "a Python patch release does not count"
    assert between({"radon": "6.0.1"}, {"radon": "6.0.2"}).prefixes == ("complexity.", "size.")
    assert between({"python": "3.11.9"}, {"python": "3.12.0"}).prefixes == ("coverage.", "tests.")
    assert not between({}, {"pylint": "4.2.0"}), "an old note without versions claims nothing"
    assert not between({"pylint": "4.2.0"}, {"pylint": "4.2.0"})


def test_the_sentence_names_tools_versions_and_the_metrics_they_move() -> None:
    drift = between({"pylint": "4.1.5"}, {"pylint": "4.2.0"})
    assert sentence(drift) == (
        "pylint 4.1.5 → 4.2.0 since the base: part of the `lint.*` deltas may come from "
        "the tool upgrade."
    )
    both = between({"pylint": "4.2.0", "radon": "6.0.1"}, {"pylint": "4.1.5", "radon": "6.1.0"})
    said = sentence(both, ratchets=["lint.score"])
    assert said is not None
    assert said.startswith("pylint 4.2.0 → 4.1.5 and radon 6.0.1 → 6.1.0 since the base:")
    assert "`lint.*`, `complexity.*` and `size.*` deltas" in said
    assert "tool changes" in said, "a downgrade is not called an upgrade"
    assert "the ratchet on `lint.score` is not applied this time" in said
    assert sentence(between({}, {})) is None


def test_versions_that_do_not_look_like_versions_are_dropped() -> None:
    hostile = {
        "pylint": "4.1.4 <!-- x",
        "radon": "6.0.1|x",
        "coverage": "`7`",
        "pytest": "9.0.1",
        "evil": "1.0",
        "bandit": 1.8,
    }
    assert clean_versions(hostile) == {"pytest": "9.0.1"}
    assert clean_versions(["pylint"]) == {}


def _msg(path: str, line: int, symbol: str = "unused-variable") -> LintMessage:
    return LintMessage(path, line, 0, symbol, "W0612", "warning", "m")


def test_discount_keeps_what_the_tool_cannot_have_moved() -> None:
    comparison = Comparison(
        base_ref="main",
        base_commit="a" * 40,
        base_metrics={"lint.score": 9.0, "coverage.line_pct": 80.0},
        deltas={"lint.score": -1.0, "coverage.line_pct": 5.0},
        new_lint=(_msg("src/a.py", 3), _msg("src/a.py", 40)),
        fixed_lint=(_msg("src/b.py", 7),),
        complexity_changes=(
            ComplexityChange("src/a.py", "f", 3, 9),
            ComplexityChange("src/a.py", "g", None, 4),
        ),
        changed_lines={"src/a.py": (3, 4)},
    )
    lint = discount(comparison, between({"pylint": "4.1.5"}, {"pylint": "4.2.0"}))
    assert lint.deltas == {"coverage.line_pct": 5.0}
    assert lint.base_metrics == {"coverage.line_pct": 80.0}
    assert lint.new_lint == (_msg("src/a.py", 3),), (
        "a new message on an untouched line is the tool's"
    )
    assert lint.fixed_lint == ()
    assert lint.complexity_changes == comparison.complexity_changes
    radon = discount(comparison, between({"radon": "6.0.1"}, {"radon": "6.1.0"}))
    assert [c.name for c in radon.complexity_changes] == ["g"]
    assert radon.new_lint == comparison.new_lint
    assert discount(comparison, between({}, {})) is comparison


# --------------------------------------------------------------------------- notes


def test_a_note_line_records_the_tool_versions_and_old_lines_read_as_unknown() -> None:
    entry = NoteEntry(
        ts="2026-11-01T12:00:00Z",
        source="hook",
        metrics={"lint.score": 9.0},
        tools={"practicegrade": "0.1.0", "pylint": "4.1.5", "python": "3.11.9", "x": "1"},
    )
    line = note_line(entry)
    assert '"tools":{"pylint":"4.1.5","python":"3.11.9"}' in line
    (back,) = parse_note(line)
    assert back.tools == {"pylint": "4.1.5", "python": "3.11.9"}
    old = '{"v":1,"ts":"2026-10-01T12:00:00Z","source":"local","metrics":{"lint.score":8.0}}'
    forged = '{"v":1,"ts":"2026-10-02T12:00:00Z","source":"local","tools":"pylint","metrics":{}}'
    entries = parse_note(f"{old}\n{forged}\n")
    assert [e.tools for e in entries] == [{}, {}]


# --------------------------------------------------------------------------- grades

CONFIG = """
    version: 1
    competencies:
      clarity:
        title: Readable code
        criteria:
          - {metric: lint.score, target: ">= 9.9", ratchet: base, tolerance: 0.1}
          - {metric: complexity.cc_max, target: "<= 10"}
"""

OPS_CHANGED = '''
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
        return "large"


    def unused(x):
        """Now documented, and the unused variable is gone."""
        return x


    def shout(text):
        tmp = text.upper()
        extra = 2
        return text + "!"
'''


@pytest.fixture(scope="module")
def change(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """main graded (its results in the whole-grade cache); ``feature`` adds lint messages."""
    root = init_repo(
        tmp_path_factory.mktemp("toolchange") / "repo",
        {**SAMPLE_PROJECT, "practicegrade.yml": CONFIG},
    )
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "-b", "feature")
    write_files(root, {"src/calc/ops.py": OPS_CHANGED})
    commit_all(root, "shout")
    return root, base


def _request(root: Path, **changes: object) -> GradeRequest:
    request = GradeRequest(
        path=root, now=NOW, run_tests=False, run_bench=False, write_artifacts=False
    )
    return replace(request, **changes)  # type: ignore[arg-type]


def _grade_with_base_measured_by(root: Path, base: str, pylint: str | None) -> Report:
    """Grade ``feature`` against ``main``, whose cached grade says ``pylint`` measured it."""
    cache = Cache(gitrepo.git_path(root, "practicegrade/cache"))
    assert cache.directory is not None
    if cache.directory.exists():
        for entry in (cache.directory / "grade").rglob("*.json"):
            entry.unlink()
    grade(_request(root, rev=base, base="none", write_note=False))
    keys = [p.stem for p in (cache.directory / "grade").rglob("*.json")]
    assert len(keys) == 1, "the base's grade is in the whole-grade cache"
    if pylint is not None:
        measured = grade_mod._load(cache, keys[0])
        assert measured is not None
        results = tuple(
            replace(r, tool_versions={**r.tool_versions, "pylint": pylint})
            if r.name == "lint"
            else r
            for r in measured.results
        )
        grade_mod._store(cache, keys[0], replace(measured, results=results))
    return grade(_request(root, base="main", write_note=False)).report


def test_the_same_pylint_keeps_the_ratchet_and_says_nothing(change: tuple[Path, str]) -> None:
    root, base = change
    report = _grade_with_base_measured_by(root, base, None)
    assert report.comparison is not None
    assert report.comparison.base_tools["pylint"] == report.tools["pylint"]
    assert report.metrics["lint.score"] < report.comparison.base_metrics["lint.score"] - 0.1
    assert report.evaluation is not None and report.evaluation.verdict == "fail"
    assert comparison_sentence(report.comparison, report.tools) is None
    assert "Tools changed" not in render_comment(report)
    moved = [i for i in report.feedback if i.evidence.metric == "lint.score" and i.evidence.delta]
    assert moved, "without a tool change the lint.score delta is the change's"


def test_another_pylint_on_the_base_is_said_once_and_neither_blamed_nor_gated(
    change: tuple[Path, str],
) -> None:
    root, base = change
    report = _grade_with_base_measured_by(root, base, "0.0.1")
    head = report.tools["pylint"]
    assert report.comparison is not None
    assert report.comparison.base_tools["pylint"] == "0.0.1"
    assert report.comparison.ratchets_not_applied == ("lint.score",)
    # The gate: the ratchet on lint.score is not applied; no written gate, so nothing fails.
    assert report.evaluation is not None and report.evaluation.verdict == "pass"
    (crit,) = [
        c
        for comp in report.evaluation.competencies
        for c in comp.criteria
        if c.metric == "lint.score"
    ]
    assert crit.gate is None and not crit.gate_failed
    # The comment: one plain sentence under the metrics table; the deltas stay shown.
    comment = render_comment(report)
    said = (
        f"pylint 0.0.1 → {head} since the base: part of the `lint.*` deltas may come from the "
        "tool upgrade; the ratchet on `lint.score` is not applied this time"
    )
    assert comment.count(said) == 1
    assert comment.count("Tools changed") == 1
    summary = render_summary(report, width=400)
    assert f"tools changed: pylint 0.0.1 → {head} since the base" in summary
    dashboard = render_dashboard(report)
    assert dashboard.count(f"<strong>Tools changed.</strong> pylint 0.0.1 → {head}") == 1
    # Feedback: no item rests on a lint delta; the new messages on changed lines stay.
    assert not [
        i
        for i in report.feedback
        if (i.evidence.metric or "").startswith("lint.") and i.evidence.delta
    ]
    assert not [i for i in report.feedback if i.category == "praise" and "lint" in str(i.text)]
    steps = [i for i in report.feedback if i.category == "suggestion" and not i.backlog]
    assert any(
        "unused-variable" in str(i.text) or "unused-variable" in str(i.next_step) for i in steps
    )


def test_a_base_note_carries_the_test_tools_into_the_comparison(tmp_path: Path) -> None:
    """The base's test metrics from its note come with the versions that measured them."""
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    noted = grade(_request(root, run_tests=True, base="none")).report
    (entry,) = read_note(root, base)
    assert entry.tools == {k: v for k, v in noted.tools.items() if k != "practicegrade"}
    assert {"pylint", "radon", "pytest", "coverage", "python"} <= set(entry.tools)
    git(root, "checkout", "-q", "-b", "feature")
    write_files(root, {"README.md": "calc\n"})
    commit_all(root, "docs")
    report = grade(_request(root, run_tests=True, base="main", write_note=False)).report
    assert report.comparison is not None
    assert report.comparison.base_tools["pytest"] == noted.tools["pytest"]


def test_history_says_when_a_tool_changed_between_grades() -> None:
    points = [
        HistoryPoint(
            "a" * 40,
            "2026-10-01T00:00:00Z",
            "one",
            "t1",
            "hook",
            {"lint.score": 9.0},
            tools={"pylint": "4.1.5"},
        ),
        HistoryPoint(
            "b" * 40,
            "2026-10-02T00:00:00Z",
            "two",
            "t2",
            "hook",
            {"lint.score": 8.0},
            tools={"pylint": "4.2.0"},
        ),
        HistoryPoint("c" * 40, "2026-10-03T00:00:00Z", "three", "t3", "hook", {"lint.score": 8.5}),
    ]
    table = render_table(points, ["lint.score"])
    assert (
        "pylint 4.1.5 → 4.2.0 at bbbbbbbb: part of the lint.* change may come from the tool upgrade"
        in table
    )
    same = [replace(p, tools={"pylint": "4.2.0"}) for p in points]
    assert "→ 4.2.0 at" not in render_table(same, ["lint.score"])


def test_ratchet_best_holds_only_to_grades_measured_by_the_same_tools(tmp_path: Path) -> None:
    config = CONFIG.replace("ratchet: base", "ratchet: best")
    root = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "practicegrade.yml": config})
    first = git(root, "rev-parse", "HEAD").strip()
    grade(_request(root, base="none"))
    write_files(root, {"src/calc/ops.py": OPS_CHANGED})
    commit_all(root, "shout")

    def verdict() -> str:
        report = grade(_request(root, base="none", write_note=False)).report
        assert report.evaluation is not None
        return report.evaluation.verdict

    assert verdict() == "fail", "the best earlier lint.score holds"
    (noted,) = read_note(root, first)
    later = replace(noted, ts="2026-11-02T09:31:00Z", tools={**noted.tools, "pylint": "0.0.1"})
    append_note(root, first, later)
    assert verdict() == "pass", "a grade by another pylint says nothing about this one's score"


def test_a_ci_record_measured_by_another_coverage_is_said_and_not_credited(
    tmp_path: Path,
) -> None:
    """CI's record of the base (reused by the PR grade) is rewritten through
    :func:`cirecord.write`, as the default branch's job writes it, with another coverage."""
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    ci = _request(root, run_tests=True, origin="ci")
    grade(replace(ci, base="none", record_ci=True))
    record = json.loads(git(root, "notes", "--ref", cirecord.RECORD_REF, "show", base))
    tree, key = record["tree"], record["key"]
    recorded = cirecord.read(root, base, tree=tree, key=key)
    assert recorded is not None
    altered = replace(recorded, tools={**recorded.tools, "coverage": "0.0.1"})
    assert cirecord.write(root, base, altered, tree=tree, key=key) == []
    git(root, "checkout", "-q", "-b", "feature")
    write_files(
        root,
        {
            "tests/test_more.py": """
                from calc.ops import classify


                def test_classify_zero():
                    assert classify(0) == "zero"
            """
        },
    )
    commit_all(root, "test zero")
    report = grade(replace(ci, base="main", write_note=False)).report
    assert report.comparison is not None
    assert report.comparison.base_tools["coverage"] == "0.0.1"
    assert report.comparison.deltas["coverage.line_pct"] > 0, "the base came from the record"
    said = comparison_sentence(report.comparison, report.tools)
    assert said is not None
    assert said.startswith(f"coverage 0.0.1 → {report.tools['coverage']} since the base")
    assert "`coverage.*` deltas" in said
    assert said in render_comment(report)
    credited = [
        i
        for i in report.feedback
        if (i.evidence.metric or "").startswith("coverage.") and i.evidence.delta is not None
    ]
    assert credited == []


def test_the_review_says_when_the_baseline_was_measured_by_other_tools() -> None:
    config = Config(
        competencies=(
            Competency(
                "clarity",
                "Readable code",
                criteria=(Criterion("lint.score", ">= 9"), Criterion("complexity.cc_max", "<= 10")),
            ),
        )
    )

    def point(n: int, score: float, tools: dict[str, str]) -> HistoryPoint:
        return HistoryPoint(
            f"{n}" * 40,
            f"2026-11-0{n}T00:00:00Z",
            f"cycle {n}",
            f"2026-11-0{n}T00:00:00Z",
            "hook",
            {"lint.score": score, "complexity.cc_max": 4.0},
            tools=tools,
        )

    same = {"pylint": "4.2.0", "radon": "6.0.1", "coverage": "7.10.0"}
    upgraded = {**same, "pylint": "4.1.5", "coverage": "7.0.0"}
    today = dt.date(2026, 11, 20)
    review = build_review(config, [point(1, 7.0, upgraded), point(2, 8.5, same)], today=today)
    said = (
        "pylint 4.1.5 → 4.2.0 since the baseline: part of the `lint.*` changes may come from "
        "the tool upgrade."
    )
    assert review.tools_changed == said, "coverage is not in the metrics table: not said"
    assert render_review_md(review).count(f"> **Tools changed.** {said}") == 1
    assert f"tools changed: {said.replace('`', '')}" in render_review_terminal(review)
    unknown = build_review(config, [point(1, 7.0, {}), point(2, 8.5, same)], today=today)
    assert unknown.tools_changed is None
    assert "Tools changed" not in render_review_md(unknown)
