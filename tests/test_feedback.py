"""Feedback: categories, order, evidence, next steps on real code, and no learner text as prose."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicegrade.config import (
    Competency,
    Config,
    Criterion,
    Milestone,
    default_config,
    role_model,
)
from practicegrade.feedback import MAX_BACKLOG, build_feedback, fmt
from practicegrade.model import (
    MINOR_RANK,
    BehaviourChange,
    Code,
    Comparison,
    ComplexityChange,
    ComplexityDetails,
    CoverageLeftOut,
    FeedbackItem,
    FileComplexity,
    FileCoverage,
    Finding,
    FunctionComplexity,
    LintDetails,
    LintMessage,
    PatchFile,
    RepoInfo,
    Report,
    TestCase,
    TestChange,
    TestDetails,
    Text,
    plain,
)
from practicegrade.rubric import evaluate

TODAY = dt.date(2026, 11, 1)
ORDER = ("change", "blocker", "suggestion", "praise", "observed")


def report(metrics: Mapping[str, float], **kw: object) -> Report:
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00+00:00",
        repo=RepoInfo(root="/repo"),
        metrics=dict(metrics),
        **kw,  # type: ignore[arg-type]
    )


def feedback(
    config: Config, rep: Report, source: dict[str, str] | None = None
) -> tuple[FeedbackItem, ...]:
    base = rep.comparison.base_metrics if rep.comparison else None
    evaluation = evaluate(config, rep.metrics, today=TODAY, base_metrics=base)
    return build_feedback(evaluation, rep, config, source.get if source is not None else None)


def of(items: tuple[FeedbackItem, ...], category: str) -> list[FeedbackItem]:
    return [i for i in items if i.category == category]


def codes(text: Text | None) -> list[str]:
    return [p.text for p in text or () if isinstance(p, Code)]


def assert_ordered(items: tuple[FeedbackItem, ...]) -> None:
    ranks = [ORDER.index(i.category) for i in items]
    assert ranks == sorted(ranks)


def fn(file: str, name: str, line: int, cc: int) -> FunctionComplexity:
    return FunctionComplexity(file, name, "function", line, line + 10, cc, "A")


def lint(path: str, line: int, symbol: str, category: str, message: str) -> LintMessage:
    return LintMessage(path, line, 0, symbol, "X0000", category, message)  # type: ignore[arg-type]


def cov(
    file: str, missing: tuple[int, ...], arcs: tuple[tuple[int, int], ...] = ()
) -> FileCoverage:
    statements = 50
    pct = 100.0 * (statements - len(missing)) / statements
    return FileCoverage(
        file,
        statements,
        statements - len(missing),
        missing,
        0,
        10,
        10 - len(arcs),
        arcs,
        pct,
        100.0 * (10 - len(arcs)) / 10,
    )


# --------------------------------------------------------------------------- fixtures

GOOD = {
    "tests.passed": 12.0,
    "tests.failed": 0.0,
    "tests.errors": 0.0,
    "tests.duration_s": 1.2,
    "coverage.line_pct": 91.0,
    "coverage.branch_pct": 85.0,
    "lint.score": 9.6,
    "lint.errors": 0.0,
    "lint.warnings": 1.0,
    "complexity.cc_max": 7.0,
    "complexity.cc_mean": 2.5,
    "complexity.mi_min": 55.0,
    "security.high": 0.0,
    "security.medium": 0.0,
}

FUNCTIONS = (
    fn("src/app/parser.py", "parse", 10, 14),
    fn("src/app/parser.py", "Parser.feed", 80, 6),
    fn("src/app/util.py", "slug", 3, 2),
    fn("src/app/util.py", "_private", 20, 1),
)
MESSAGES = (
    lint(
        "src/app/util.py", 1, "missing-module-docstring", "convention", "Missing module docstring"
    ),
    lint("src/app/parser.py", 3, "unused-import", "warning", "Unused import os"),
    lint("src/app/util.py", 2, "unused-import", "warning", "Unused import re"),
    lint("src/app/util.py", 9, "undefined-variable", "error", "Undefined variable 'x'"),
    lint(
        "src/app/parser.py", 1, "missing-module-docstring", "convention", "Missing module docstring"
    ),
    lint("src/app/parser.py", 40, "line-too-long", "convention", "Line too long (120/100)"),
)
CASES = (
    TestCase("tests/test_parser.py::test_empty", "failed", 0.01, "assert [] is None"),
    TestCase("tests/test_parser.py::test_big", "failed", 0.40, "boom"),
    TestCase("tests/test_parser.py::test_ok", "passed", 0.02),
)
COVERAGE = (
    cov("src/app/parser.py", (12, 13, 14, 15, 30, 41, 42), ((12, 15), (30, -1))),
    cov("src/app/util.py", (4,)),
)


def failing_report() -> Report:
    metrics = {
        **GOOD,
        "tests.failed": 2.0,
        "coverage.line_pct": 54.2,
        "coverage.branch_pct": 60.0,
        "lint.score": 6.5,
        "lint.errors": 1.0,
        "lint.warnings": 2.0,
        "complexity.cc_max": 14.0,
    }
    return report(
        metrics,
        complexity=ComplexityDetails(
            functions=FUNCTIONS,
            files=(
                FileComplexity("src/app/parser.py", 35.0, "A", 90, 80, 60, 2, 8, 3),
                FileComplexity("src/app/util.py", 80.0, "A", 30, 25, 20, 1, 4, 2),
            ),
        ),
        lint=LintDetails(messages=MESSAGES, statements=100),
        tests=TestDetails(cases=CASES, coverage=COVERAGE),
    )


def passing_report() -> Report:
    return report(
        GOOD,
        complexity=ComplexityDetails(functions=(fn("src/app/util.py", "slug", 3, 7),)),
        lint=LintDetails(messages=()),
        tests=TestDetails(cases=(TestCase("tests/test_util.py::test_slug", "passed", 0.01),)),
    )


# --------------------------------------------------------------------------- passing


def test_passing_report_is_praise_and_observations_only() -> None:
    items = feedback(default_config(), passing_report())
    assert_ordered(items)
    assert not of(items, "blocker")
    assert not of(items, "suggestion")
    change = [plain(i.text) for i in of(items, "change")]
    assert change[0].startswith("First grading: no base to compare with")
    praise = [plain(i.text) for i in of(items, "praise")]
    # strengths against the target, never boilerplate true of every healthy project
    assert praise == [
        "The one function is within the complexity target (<= 10; the highest is 7).",
        "pylint scores the code 9.60/10 (target >= 8.0).",
    ]
    assert not any("tests pass" in p for p in praise)
    observed = [plain(i.text) for i in of(items, "observed")]
    assert not any(o.startswith("No base") for o in observed), "the change line says it once"


def test_strengths_count_fully_covered_modules() -> None:
    rep = dataclasses.replace(
        passing_report(),
        tests=TestDetails(coverage=(cov("a.py", ()), cov("b.py", ()), cov("c.py", (3,)))),
    )
    praise = [plain(i.text) for i in of(feedback(default_config(), rep), "praise")]
    assert praise[0] == "2 of 3 modules fully covered; line coverage 91.0% (target >= 80)."
    assert len(praise) <= 3
    with_tests = (cov("a.py", ()), cov("c.py", (3,)), cov("tests/test_a.py", ()))
    praise = [
        plain(i.text)
        for i in of(
            feedback(
                default_config(), dataclasses.replace(rep, tests=TestDetails(coverage=with_tests))
            ),
            "praise",
        )
    ]
    assert praise[0].startswith("1 of 2 modules fully covered"), "test modules are not counted"
    none_full = dataclasses.replace(rep, tests=TestDetails(coverage=(cov("c.py", (3,)),)))
    praise = [plain(i.text) for i in of(feedback(default_config(), none_full), "praise")]
    assert praise[0] == "Line coverage 91.0% (target >= 80).", "never '0 of 1 module'"


def test_next_steps_point_at_real_code() -> None:
    config = role_model("backend-developer")
    items = feedback(config, failing_report())
    by_metric = {i.evidence.metric: i for i in of(items, "suggestion")}

    split = by_metric["complexity.cc_max"]
    assert plain(split.next_step or ()) == (
        "Split parse (cc 14, src/app/parser.py:10) into two helpers whose names say what each "
        "half does."
    )
    assert codes(split.next_step) == ["parse", "src/app/parser.py:10"]
    assert (split.evidence.file, split.evidence.line, split.evidence.function) == (
        "src/app/parser.py",
        10,
        "parse",
    )
    assert split.evidence.value == 14.0

    lines = by_metric["coverage.line_pct"]
    assert plain(lines.next_step or ()) == (
        "Write a test that calls parse (src/app/parser.py:10) so that its untested lines 12-15 run."
    )
    assert lines.evidence.function == "parse"
    assert (lines.evidence.file, lines.evidence.line) == ("src/app/parser.py", 12)

    branches = by_metric["coverage.branch_pct"]
    assert "condition on line 12 of src/app/parser.py" in plain(branches.next_step or ())
    assert "2 branches" in plain(branches.text)

    failing = by_metric["tests.failed"]
    assert plain(failing.next_step or ()) == "Make tests/test_parser.py::test_empty pass first."
    assert failing.evidence.file == "tests/test_parser.py"

    errors = by_metric["lint.errors"]
    assert plain(errors.next_step or ()) == (
        "Fix the 1 undefined-variable message first, starting at src/app/util.py:9."
    )
    assert "NameError" in plain(errors.text)


def test_lint_messages_grouped_by_symbol_most_severe_then_most_frequent() -> None:
    config = Config(
        competencies=(
            Competency("style", "Style", criteria=(Criterion("lint.conventions", "== 0"),)),
            Competency("warn", "Warn", criteria=(Criterion("lint.warnings", "== 0"),)),
        )
    )
    rep = dataclasses.replace(
        failing_report(), metrics={"lint.conventions": 3.0, "lint.warnings": 2.0}
    )
    by_metric = {i.evidence.metric: i for i in of(feedback(config, rep), "suggestion")}
    conventions = by_metric["lint.conventions"]
    assert plain(conventions.next_step or ()) == (
        "Fix the 2 missing-module-docstring messages first, starting at src/app/parser.py:1."
    )
    warnings = by_metric["lint.warnings"]
    assert codes(warnings.next_step) == ["unused-import", "src/app/parser.py:3"]


def test_bank_steps_fill_in_without_details_and_custom_ones_stay_code() -> None:
    builtin = role_model("junior-python")
    rep = report(
        {
            "tests.passed": 10.0,
            "tests.failed": 0.0,
            "tests.errors": 0.0,
            "coverage.line_pct": 30.0,
            "lint.score": 9.0,
            "lint.errors": 0.0,
            "complexity.cc_max": 30.0,
            "complexity.cc_over_10": 2.0,
        }
    )
    items = of(feedback(builtin, rep), "suggestion")
    coverage = next(i for i in items if i.evidence.metric == "coverage.line_pct")
    assert coverage.next_step is not None
    assert all(isinstance(p, str) for p in coverage.next_step), "built-in wording is prose"
    assert coverage.next_step[0] in builtin.competencies[0].next_steps

    custom = Config(
        competencies=(
            Competency(
                "testing",
                "Tests",
                criteria=(Criterion("coverage.line_pct", ">= 80"),),
                next_steps=("Cover the <b>parser</b> edge cases.",),
            ),
        )
    )
    item = of(feedback(custom, rep), "suggestion")[0]
    assert item.next_step == (Code("Cover the <b>parser</b> edge cases."),)


def test_no_tests_at_all_leads_with_a_first_test() -> None:
    rep = dataclasses.replace(
        failing_report(),
        metrics={"lint.score": 9.5, "complexity.cc_max": 14.0},
        tests=None,
        unmeasured={"tests.passed": "no tests found (no tests/ folder or test_*.py files)"},
        findings=(Finding("no-tests", "no tests found (no tests/ folder or test_*.py files)"),),
    )
    items = feedback(default_config(), rep)
    suggestion = of(items, "suggestion")[0]
    assert suggestion.competency == "testing"
    assert plain(suggestion.text).startswith("No tests were found")
    assert plain(suggestion.next_step or ()) == (
        "Write a test for slug in src/app/util.py:3: call it with a typical input and assert on "
        "the result."
    )
    assert codes(suggestion.next_step) == ["slug", "src/app/util.py:3"]
    assert suggestion.evidence.function == "slug"
    observed = [plain(i.text) for i in of(items, "observed")]
    assert observed == [
        "Not measured: passing tests (no tests found (no tests/ folder or test_*.py files)).",
        "Not measured: failing tests, test errors, line coverage.",
    ]
    assert not of(items, "blocker"), "an unmeasured metric never fails a gate"


# --------------------------------------------------------------------------- with a base


def with_base_report() -> Report:
    base = {
        **GOOD,
        "coverage.line_pct": 54.0,
        "lint.score": 9.8,
        "complexity.cc_max": 14.0,
        "tests.passed": 9.0,
    }
    head = {
        **GOOD,
        "coverage.line_pct": 81.0,
        "lint.score": 9.4,
        "complexity.cc_max": 12.0,
        "tests.passed": 12.0,
        "complexity.mi_min": 40.0,
        "complexity.cc_mean": 2.0,
        "tests.duration_s": 0.2,
    }
    comparison = Comparison(
        base_ref="main",
        base_commit="a" * 40,
        base_metrics=base,
        deltas={k: head[k] - base[k] for k in head if k in base},
        new_lint=(
            lint("src/app/new.py", 4, "unused-variable", "warning", "Unused variable 'y'"),
            lint("src/app/old.py", 40, "line-too-long", "convention", "Line too long"),
        ),
        fixed_lint=(
            lint("src/app/util.py", 2, "unused-import", "warning", "Unused import re"),
            lint("src/app/util.py", 3, "unused-import", "warning", "Unused import os"),
            lint("src/app/util.py", 1, "invalid-name", "convention", "Bad name"),
        ),
        complexity_changes=(
            ComplexityChange("src/app/parser.py", "parse", 14, 6),
            ComplexityChange("src/app/new.py", "build", None, 12),
            ComplexityChange("src/app/util.py", "slug", 3, 4),
        ),
        files_changed=("src/app/parser.py", "src/app/new.py"),
        patch=(
            PatchFile("src/app/parser.py", 5, ()),
            PatchFile("src/app/new.py", 10, (4, 5, 6, 9)),
        ),
        changed_lines={
            "src/app/parser.py": (10, 11, 12, 13, 14),
            "src/app/new.py": tuple(range(1, 11)),
        },
    )
    return report(
        head,
        complexity=ComplexityDetails(
            functions=(
                fn("src/app/new.py", "build", 1, 12),
                fn("src/app/parser.py", "parse", 10, 6),
                fn("src/app/util.py", "slug", 3, 4),
                fn("src/app/old.py", "legacy", 30, 25),
            )
        ),
        comparison=comparison,
    )


BASE_CONFIG = Config(
    competencies=(
        Competency(
            "testing",
            "Automated testing",
            criteria=(
                Criterion("coverage.line_pct", ">= 80", ">= 50"),
                Criterion("tests.passed", ">= 1"),
            ),
        ),
        Competency(
            "clarity",
            "Readable, simple code",
            criteria=(
                Criterion("lint.score", ">= 9.0"),
                Criterion("complexity.cc_max", "<= 10"),
                Criterion("complexity.cc_mean", "<= 3"),
            ),
        ),
    )
)


def test_with_base_the_change_is_said_first() -> None:
    items = feedback(BASE_CONFIG, with_base_report())
    assert_ordered(items)
    change = [plain(i.text) for i in of(items, "change")]
    assert change == [
        "This change adds build to src/app/new.py and edits parse (15 changed lines of code)."
    ]


def test_with_base_next_steps_lead_with_what_the_change_did() -> None:
    items = feedback(BASE_CONFIG, with_base_report())
    steps = [i for i in of(items, "suggestion") if not i.backlog]
    # 1. the function it added above the target, 2. its untested lines, 3. its new message
    assert [i.evidence.metric for i in steps[:3]] == [
        "complexity.cc_max",
        "coverage.patch_pct",
        "lint.warnings",
    ]
    assert plain(steps[0].next_step or ()).startswith("Split build (src/app/new.py:1)")
    assert "cyclomatic complexity 12 (new; target <= 10)" in plain(steps[0].text)
    assert plain(steps[1].next_step or ()) == (
        "Write a test that calls build so that its lines 4-6, 9 run."
    )
    assert plain(steps[2].next_step or ()) == (
        "Fix unused-variable at src/app/new.py:4: Unused variable 'y'."
    )
    assert steps[2].example is not None and "# write:" in steps[2].example
    # the message on a line the change did not touch is nobody's next step
    lead = [i for i in of(items, "suggestion") if not i.backlog]
    assert not any("old.py" in plain(i.next_step or ()) for i in lead)
    assert plain(steps[2].text).startswith("New unused-variable (warning) on changed lines: ")


def test_untouched_hotspots_wait_in_the_backlog() -> None:
    rep = with_base_report()
    rep = dataclasses.replace(rep, metrics={**rep.metrics, "complexity.cc_max": 25.0})
    items = feedback(BASE_CONFIG, rep)
    legacy = [i for i in of(items, "suggestion") if i.evidence.function == "legacy"]
    assert legacy and all(i.backlog for i in legacy)
    lead = [i for i in of(items, "suggestion") if not i.backlog][:3]
    assert all(i.evidence.function != "legacy" for i in lead)


PARSER = "\n" * 9 + "def parse(text):\n    return text.split()\n"


def test_with_base_praise_is_grounded_in_what_the_change_did() -> None:
    items = feedback(BASE_CONFIG, with_base_report(), {"src/app/parser.py": PARSER})
    praise = [plain(i.text) for i in of(items, "praise")]
    assert praise[0] == "Simplifies parse: cyclomatic complexity 14 -> 6."
    assert "Reached the target for line coverage (>= 80): 54.0% -> 81.0%." in praise
    assert len(praise) <= 3
    # the fixed messages are in a file the change never touched: not its credit
    assert not any("Fixes" in p and "pylint" in p for p in praise)
    # averages and timings are noise, whichever way they moved
    assert not any("mean" in p.lower() or "time" in p.lower() for p in praise)
    assert not any("tests pass" in p for p in praise)


def test_with_base_observations_skip_noise_and_say_nothing_twice() -> None:
    items = feedback(BASE_CONFIG, with_base_report())
    observed = [plain(i.text) for i in of(items, "observed")]
    assert "Pylint score fell from 9.80/10 to 9.40/10." in observed
    assert not any("maintainability" in o for o in observed), "not graded: not an item"
    assert not any("duration" in o.lower() or "took" in o for o in observed)
    texts = [plain(i.text) for i in items]
    assert len(texts) == len(set(texts))
    regression = next(i for i in of(items, "observed") if i.evidence.metric == "lint.score")
    assert regression.evidence.delta is not None
    assert round(regression.evidence.delta, 2) == -0.4


def test_a_test_only_change_says_what_tests_it_adds() -> None:
    rep = with_base_report()
    assert rep.comparison is not None
    only_tests = dataclasses.replace(
        rep.comparison,
        complexity_changes=(),
        patch=(),
        changed_lines={"tests/test_parse.py": (5, 6, 7, 8)},
        files_changed=("tests/test_parse.py",),
        test_changes=(TestChange("tests/test_parse.py", "test_parse", 3, False, 4),),
    )
    items = feedback(BASE_CONFIG, dataclasses.replace(rep, comparison=only_tests))
    assert [plain(i.text) for i in of(items, "change")] == [
        "This change adds 4 assertions to test_parse."
    ]


def test_patch_coverage_suggestion_points_at_changed_lines() -> None:
    config = Config(
        competencies=(
            Competency(
                "change", "Tested changes", criteria=(Criterion("coverage.patch_pct", ">= 90"),)
            ),
        )
    )
    rep = with_base_report()
    rep = dataclasses.replace(rep, metrics={**rep.metrics, "coverage.patch_pct": 87.9})
    steps = of(feedback(config, rep), "suggestion")
    untested = [i for i in steps if i.evidence.metric == "coverage.patch_pct"]
    assert len(untested) == 1, "the criterion's step and the change's step are one item"
    assert plain(untested[0].next_step or ()) == (
        "Write a test that calls build so that its lines 4-6, 9 run."
    )
    assert (untested[0].evidence.file, untested[0].evidence.line) == ("src/app/new.py", 4)


def test_milestones_at_risk_and_overdue_are_observed() -> None:
    config = Config(
        competencies=(Competency("testing", "T", criteria=(Criterion("tests.failed", "== 0"),)),),
        milestones=(
            Milestone("soon", "Green suite", TODAY + dt.timedelta(days=3), requires=("testing",)),
            Milestone("late", "Old goal", TODAY - dt.timedelta(days=2), requires=("testing",)),
        ),
    )
    observed = [
        plain(i.text) for i in of(feedback(config, report({"tests.failed": 1.0})), "observed")
    ]
    assert "Milestone Green suite is due in 3 days and is not met yet." in observed
    assert "Milestone Old goal was due 2 days ago and is not met yet." in observed


# --------------------------------------------------------------------------- determinism


def test_feedback_is_deterministic_and_independent_of_input_order() -> None:
    config = role_model("backend-developer")
    rep = failing_report()
    first = feedback(config, rep)
    assert first == feedback(config, rep)
    shuffled = list(MESSAGES)
    random.Random(7).shuffle(shuffled)
    functions = list(FUNCTIONS)
    random.Random(3).shuffle(functions)
    assert rep.complexity is not None
    other = dataclasses.replace(
        rep,
        lint=LintDetails(messages=tuple(shuffled), statements=100),
        complexity=dataclasses.replace(rep.complexity, functions=tuple(functions)),
        tests=TestDetails(cases=CASES, coverage=tuple(reversed(COVERAGE))),
    )
    assert feedback(config, other) == first


def test_fmt_matches_the_renderers_precision() -> None:
    assert fmt("coverage.line_pct", 54.25) == "54.2%"
    assert fmt("lint.score", 9.0) == "9.00/10"
    assert fmt("tests.duration_s", 0.5) == "0.500 s"
    assert fmt("complexity.cc_max", 14.0) == "14"
    assert fmt("bench.parse.ratio_vs_base", 1.234) == "1.23x"


# --------------------------------------------------------------------------- learner text

MARK = "§§"
weird = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=12).map(
    lambda s: MARK + s
)


@st.composite
def weird_reports(draw: st.DrawFn) -> tuple[Config, Report]:
    files = draw(st.lists(weird, min_size=1, max_size=3))
    names = draw(st.lists(weird, min_size=1, max_size=3))
    file = files[0]
    functions = tuple(
        fn(files[i % len(files)], name, 10 + i, draw(st.integers(1, 30)))
        for i, name in enumerate(names)
    )
    messages = tuple(
        lint(
            files[i % len(files)],
            i + 1,
            draw(weird),
            draw(st.sampled_from(["error", "warning", "refactor", "convention", "fatal"])),
            draw(weird),
        )
        for i in range(draw(st.integers(0, 4)))
    )
    cases = tuple(
        TestCase(
            draw(weird),
            draw(st.sampled_from(["passed", "failed", "error", "skipped"])),
            draw(st.floats(0, 5)),
            draw(st.one_of(st.none(), weird)),
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    coverage = (cov(file, (1, 2, 5), ((3, 4),)),)
    metrics = {
        "tests.passed": float(draw(st.integers(0, 5))),
        "tests.failed": float(draw(st.integers(0, 3))),
        "tests.errors": float(draw(st.integers(0, 2))),
        "tests.skipped": float(draw(st.integers(0, 2))),
        "tests.duration_s": draw(st.floats(0, 500)),
        "coverage.line_pct": draw(st.floats(0, 100)),
        "coverage.branch_pct": draw(st.floats(0, 100)),
        "coverage.patch_pct": draw(st.floats(0, 100)),
        "lint.score": draw(st.floats(0, 10)),
        "lint.errors": float(draw(st.integers(0, 5))),
        "lint.warnings": float(draw(st.integers(0, 5))),
        "complexity.cc_max": float(draw(st.integers(1, 40))),
        "complexity.mi_min": draw(st.floats(0, 100)),
    }
    dropped = draw(st.lists(st.sampled_from(sorted(metrics)), unique=True, max_size=3))
    for key in dropped:
        del metrics[key]
    base = {k: v * draw(st.floats(0.5, 1.5)) for k, v in metrics.items()}
    bench = draw(weird)
    comparison = (
        Comparison(
            base_ref=draw(weird),
            base_commit="b" * 40,
            base_metrics=base,
            deltas={k: metrics[k] - base[k] for k in metrics},
            new_lint=messages[:2],
            fixed_lint=messages[2:],
            complexity_changes=tuple(
                ComplexityChange(
                    f.file, f.name, draw(st.one_of(st.none(), st.integers(1, 30))), f.cc
                )
                for f in functions
            ),
            patch=(PatchFile(file, 5, (1, 2)), PatchFile(files[-1], 3, ())),
        )
        if draw(st.booleans())
        else None
    )
    rep = report(
        {**metrics, f"bench.{bench}.median_s": 0.5},
        unmeasured={key: draw(weird) for key in dropped},
        complexity=ComplexityDetails(
            functions=functions, files=(FileComplexity(file, 12.0, "B", 10, 9, 8, 0, 1, 1),)
        ),
        lint=LintDetails(messages=messages),
        tests=TestDetails(cases=cases, coverage=coverage, pragma_no_cover=draw(st.integers(0, 2))),
        findings=(Finding(draw(weird), draw(weird), file, 3), Finding("no-tests", draw(weird))),
        comparison=comparison,
    )
    role = draw(st.sampled_from(["default", "backend-developer", "junior-python", "devops-sre"]))
    config = role_model(role)
    custom = Competency(
        "custom",
        draw(weird),
        criteria=(
            Criterion("coverage.patch_pct", ">= 95"),
            Criterion(f"bench.{bench}.median_s", "<= 0.1"),
        ),
        next_steps=(draw(weird),),
    )
    milestone = Milestone(
        "m",
        draw(weird),
        TODAY + dt.timedelta(days=draw(st.integers(-5, 5))),
        requires=(config.competencies[0].id,),
    )
    config = dataclasses.replace(
        config, competencies=(*config.competencies, custom), milestones=(milestone,)
    )
    return config, rep


@settings(max_examples=150, deadline=None)
@given(weird_reports())
def test_learner_strings_are_never_plain_prose(case: tuple[Config, Report]) -> None:
    config, rep = case
    items = feedback(config, rep)
    assert_ordered(items)
    assert items, "there is always something to say"
    for item in items:
        for text in (item.text, item.next_step or ()):
            for part in text:
                if isinstance(part, str):
                    assert MARK not in part, (item.category, text)
                else:
                    assert isinstance(part, Code)
        assert (item.next_step is not None) is (item.category == "suggestion")
    assert feedback(config, rep) == items


# --------------------------------------------------------------------------- coverage settings


@pytest.mark.parametrize(
    ("left_out", "items"),
    [
        (30, ["The project's coverage settings (.coveragerc) leave out 30% of the source's"]),
        (25, []),  # a quarter or less: in the comment's details, not an item
    ],
)
def test_project_coverage_settings_that_leave_out_over_a_quarter_are_observed(
    left_out: int, items: list[str]
) -> None:
    left = CoverageLeftOut(
        ".coveragerc",
        files=("src/app/_version.py",),
        file_statements=left_out - 2,
        excluded_lines=2,
        source_statements=100,
    )
    rep = report({"coverage.line_pct": 100.0}, tests=TestDetails(coverage_left_out=left))
    found = [
        plain(i.text)
        for i in of(feedback(default_config(), rep), "observed")
        if "coverage settings" in plain(i.text)
    ]
    assert [t[: len(items[0])] for t in found] == items
    if found:
        assert "1 file omitted, 2 lines excluded" in found[0]


def test_coverage_settings_that_leave_out_everything_are_one_item_with_the_way_out() -> None:
    """coverage.py found no data because the settings omit every file: one observed item
    that says why and how to measure anyway, not also a "Not measured" line per metric."""
    left = CoverageLeftOut(
        "setup.cfg", files=("pkg/a.py", "pkg/b.py"), file_statements=40, source_statements=40
    )
    reason = "the project's coverage settings (setup.cfg) leave out every statement of the source"
    rep = report(
        {},
        tests=TestDetails(coverage_left_out=left),
        unmeasured={"coverage.line_pct": reason, "coverage.branch_pct": reason},
    )
    said = [plain(i.text) for i in feedback(default_config(), rep)]
    about_coverage = [t for t in said if "coverage" in t]
    assert len(about_coverage) == 1, said
    assert "leave out every statement" in about_coverage[0]
    assert "project_settings: false" in about_coverage[0]
    assert not any(t.startswith("Not measured") and "coverage" in t for t in said)


# --------------------------------------------------------------------------- what a mentor keeps


def _with_change(**changes: object) -> Report:
    rep = with_base_report()
    assert rep.comparison is not None
    return dataclasses.replace(rep, comparison=dataclasses.replace(rep.comparison, **changes))


def test_one_more_branch_in_an_old_complex_function_is_backlog_not_a_lead() -> None:
    rep = _with_change(
        complexity_changes=(
            ComplexityChange("src/app/old.py", "legacy", 36, 37),
            ComplexityChange("src/app/parser.py", "parse", 9, 14),
        ),
        changed_lines={"src/app/old.py": (31,), "src/app/parser.py": (11, 12)},
        patch=(),
        new_lint=(),
    )
    steps = [i for i in feedback(BASE_CONFIG, rep) if i.category == "suggestion"]
    lead = [i.evidence.function for i in steps if not i.backlog]
    assert lead == ["parse"], "9 -> 14 crosses the target; 36 -> 37 does not lead"


def test_untested_module_level_lines_are_no_step() -> None:
    rep = _with_change(patch=(PatchFile("src/app/new.py", 3, (40, 41)),), new_lint=())
    steps = of(feedback(BASE_CONFIG, rep), "suggestion")
    assert not any(i.evidence.metric == "coverage.patch_pct" for i in steps)


def test_too_many_statements_on_a_changed_function_is_its_split_step() -> None:
    message = LintMessage(
        "src/app/parser.py",
        10,
        0,
        "too-many-statements",
        "R0915",
        "refactor",
        "Too many statements (60/50)",
        "parse",
    )
    rep = _with_change(new_lint=(message,), complexity_changes=(), patch=())
    step = next(i for i in of(feedback(BASE_CONFIG, rep), "suggestion") if not i.backlog)
    assert plain(step.next_step or ()).startswith("Split parse (src/app/parser.py:10)")


def test_an_unused_argument_of_a_method_is_a_question_not_an_order() -> None:
    message = LintMessage(
        "src/app/new.py",
        4,
        0,
        "unused-argument",
        "W0613",
        "warning",
        "Unused argument 'path'",
        "Finder.search",
    )
    rep = _with_change(new_lint=(message,), complexity_changes=(), patch=())
    rep = dataclasses.replace(
        rep,
        complexity=ComplexityDetails(
            functions=(
                FunctionComplexity("src/app/new.py", "Finder.search", "method", 3, 8, 2, "A"),
            )
        ),
    )
    step = next(i for i in of(feedback(BASE_CONFIG, rep), "suggestion") if not i.backlog)
    assert plain(step.next_step or ()).startswith(
        "Check whether Finder.search (src/app/new.py:4) needs its unused argument path:"
    )


def test_lines_only_another_interpreter_runs_are_no_step() -> None:
    source = (
        "import sys\n\n\ndef f(x):\n"
        "    if sys.version_info >= (3, 12):\n        return x\n    return -x\n"
    )
    rep = _with_change(
        patch=(PatchFile("src/app/v.py", 2, (6,)),),
        changed_lines={"src/app/v.py": (5, 6)},
        new_lint=(),
        complexity_changes=(),
    )
    rep = dataclasses.replace(
        rep, complexity=ComplexityDetails(functions=(fn("src/app/v.py", "f", 4, 2),))
    )
    config = BASE_CONFIG
    evaluation = evaluate(
        config,
        rep.metrics,
        today=TODAY,
        base_metrics=rep.comparison.base_metrics if rep.comparison else None,
    )
    items = build_feedback(evaluation, rep, config, {"src/app/v.py": source}.get)
    assert not any(i.evidence.metric == "coverage.patch_pct" for i in of(items, "suggestion"))


def test_following_the_projects_house_style_is_no_step() -> None:
    def tab(line: int) -> LintMessage:
        return LintMessage(
            "src/app/new.py",
            line,
            0,
            "bad-indentation",
            "W0311",
            "warning",
            "Bad indentation. Found 1 spaces, expected 4",
            "build",
        )

    new = (tab(4),)
    rep = _with_change(new_lint=new, complexity_changes=(), patch=())
    everywhere = tuple(tab(100 + i) for i in range(30)) + new
    rep = dataclasses.replace(rep, lint=LintDetails(messages=everywhere))
    steps = of(feedback(BASE_CONFIG, rep), "suggestion")
    assert not any("bad-indentation" in plain(i.next_step or ()) for i in steps if not i.backlog)
    rep = dataclasses.replace(rep, lint=LintDetails(messages=new))
    steps = of(feedback(BASE_CONFIG, rep), "suggestion")
    assert any("bad-indentation" in plain(i.next_step or ()) for i in steps if not i.backlog)


def test_first_grading_skips_house_indentation_and_version_switched_code() -> None:
    source = "import sys\nPY2 = sys.version_info[0] == 2\nif PY2:\n    text_type = unicode\n"
    tabs = tuple(
        lint("src/app/util.py", 10 + i, "bad-indentation", "warning", "Bad indentation")
        for i in range(25)
    )
    switched = lint("src/app/compat.py", 4, "undefined-variable", "error", "Undefined 'unicode'")
    real = lint("src/app/util.py", 9, "unused-variable", "warning", "Unused variable 'x'")
    rep = dataclasses.replace(
        failing_report(),
        metrics={"lint.warnings": 27.0, "lint.errors": 1.0},
        lint=LintDetails(messages=(*tabs, switched, real)),
    )
    config = Config(
        competencies=(
            Competency(
                "clean",
                "Clean",
                criteria=(Criterion("lint.warnings", "<= 0"), Criterion("lint.errors", "== 0")),
            ),
        )
    )
    evaluation = evaluate(config, rep.metrics, today=TODAY)
    items = build_feedback(evaluation, rep, config, {"src/app/compat.py": source}.get)
    steps = [plain(i.next_step or ()) for i in of(items, "suggestion")]
    assert any("unused-variable" in s for s in steps)
    assert not any("bad-indentation" in s or "undefined-variable" in s for s in steps)


def test_a_function_defined_only_on_another_interpreter_is_no_test_step() -> None:
    # parse's def line (10) never ran although the module did: defined under a switch
    rep = dataclasses.replace(
        failing_report(),
        tests=TestDetails(coverage=(cov("src/app/parser.py", (10, 12, 13)),)),
    )
    items = feedback(role_model("backend-developer"), rep)
    steps = [i for i in of(items, "suggestion") if i.evidence.metric == "coverage.line_pct"]
    assert all(i.evidence.function != "parse" for i in steps)


def test_benchmarks_speak_as_a_verdict() -> None:
    from practicegrade.model import BenchDetails, BenchResult  # noqa: PLC0415

    results = (
        BenchResult(
            "parse_many",
            0.02,
            0.001,
            (0.02,),
            10,
            ratio_vs_base=1.9,
            ratio_ci=(1.8, 2.0),
            p_value=0.0001,
            change="regression",
        ),
        BenchResult(
            "load",
            0.01,
            0.001,
            (0.01,),
            10,
            ratio_vs_base=0.5,
            ratio_ci=(0.45, 0.55),
            p_value=0.0001,
            change="improvement",
        ),
        BenchResult(
            "dump",
            0.01,
            0.001,
            (0.01,),
            10,
            ratio_vs_base=1.02,
            ratio_ci=(0.97, 1.08),
            p_value=0.4,
            change="inconclusive",
        ),
    )
    rep = dataclasses.replace(with_base_report(), bench=BenchDetails(results=results))
    items = feedback(BASE_CONFIG, rep)
    observed = [plain(i.text) for i in of(items, "observed")]
    praise = [plain(i.text) for i in of(items, "praise")]
    assert "parse_many is 1.9x slower than main (95% CI 1.8-2.0)." in observed
    assert "No significant change in timing against main: dump." in observed
    assert "load is 2.0x faster than main (95% CI 1.8-2.2)." in praise
    assert not any(" s to " in t or "0.020" in t for t in observed + praise)


# --------------------------------------------------------------------------- behaviour


SIGNER = """class Signer:
    def unsign(self, value):
        try:
            ts = self.to_datetime(value)
        except (ValueError, OverflowError) as exc:
            raise BadSignature() from exc
        return ts
"""


def _signer_change(**changes: object) -> Report:
    defaults: dict[str, object] = {
        "complexity_changes": (),
        "new_lint": (),
        "fixed_lint": (),
        "files_changed": ("src/app/signer.py",),
        "changed_lines": {"src/app/signer.py": (5,)},
        "patch": (PatchFile("src/app/signer.py", 1, ()),),
        "behaviour": (
            BehaviourChange("src/app/signer.py", "Signer.unsign", 5, "except", "OverflowError"),
        ),
    }
    rep = _with_change(**{**defaults, **changes})
    return dataclasses.replace(
        rep,
        complexity=ComplexityDetails(
            functions=(
                FunctionComplexity("src/app/signer.py", "Signer.unsign", "method", 2, 7, 3, "A"),
            )
        ),
    )


def test_a_new_exception_type_no_test_reaches_is_the_next_step() -> None:
    items = feedback(BASE_CONFIG, _signer_change(), {"src/app/signer.py": SIGNER})
    assert [plain(i.text) for i in of(items, "change")] == [
        "This change catches OverflowError in Signer.unsign (1 changed line of code)."
    ]
    lead = [i for i in of(items, "suggestion") if not i.backlog]
    assert plain(lead[0].next_step or ()) == (
        "Write a test that makes self.to_datetime raise OverflowError in Signer.unsign "
        "(the clause on line 5), and check what Signer.unsign does then."
    )
    assert (lead[0].evidence.file, lead[0].evidence.line) == ("src/app/signer.py", 5)
    # covered by the old tests, yet no praise for "every changed line tested"
    assert not any("Every changed line" in plain(i.text) for i in of(items, "praise"))


def test_a_changed_test_that_calls_the_function_reaches_the_new_behaviour() -> None:
    test = "def test_unsign_overflow():\n    assert Signer().unsign('x' * 99) is None\n"
    rep = _signer_change(
        test_changes=(TestChange("tests/test_signer.py", "test_unsign_overflow", 1, True, 1),)
    )
    source = {"src/app/signer.py": SIGNER, "tests/test_signer.py": test}
    items = feedback(BASE_CONFIG, rep, source)
    assert not any(i.evidence.line == 5 for i in of(items, "suggestion"))
    praise = [plain(i.text) for i in of(items, "praise")]
    assert praise[0] == (
        "Adds the test test_unsign_overflow, which calls Signer.unsign: the code this change "
        "edits comes with a test of its own."
    )


def test_a_new_condition_in_a_ternary_is_no_step_without_evidence() -> None:
    source = "def fmt(value):\n    return 2 if 1 < value < 2 else int(value)\n"
    rep = _signer_change(
        behaviour=(BehaviourChange("src/app/fmt.py", "fmt", 2, "condition", "1 < value < 2"),),
        changed_lines={"src/app/fmt.py": (2,)},
        patch=(PatchFile("src/app/fmt.py", 1, ()),),
    )
    measured = FileCoverage("src/app/fmt.py", 2, 2, (), 0, 0, 0, (), 100.0, None)
    rep = dataclasses.replace(
        rep,
        complexity=ComplexityDetails(functions=(fn("src/app/fmt.py", "fmt", 1, 2),)),
        tests=TestDetails(coverage=(measured,)),
    )
    items = feedback(BASE_CONFIG, rep, {"src/app/fmt.py": source})
    steps = [plain(i.next_step or ()) for i in of(items, "suggestion")]
    assert not any("1 < value < 2" in s for s in steps), "a ternary has no arc: no evidence"


def test_simplification_by_moving_branches_or_dropping_tests_is_no_praise() -> None:
    moved = "\n" * 9 + "def parse(text):\n    return build(text)\n"
    items = feedback(BASE_CONFIG, with_base_report(), {"src/app/parser.py": moved})
    assert not any("Simplifies" in plain(i.text) for i in of(items, "praise"))
    rep = _with_change(removed_tests={"tests/test_p.py::test_parse_rejects": ("parse",)})
    items = feedback(BASE_CONFIG, rep, {"src/app/parser.py": PARSER})
    assert not any("Simplifies" in plain(i.text) for i in of(items, "praise"))


def test_patch_coverage_praise_needs_tested_lines_inside_functions() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(8))
    source = {"src/app/parser.py": f"def parse(text):\n{body}    return text\n"}
    rep = _with_change(
        patch=(PatchFile("src/app/parser.py", 9, ()),),
        changed_lines={"src/app/parser.py": tuple(range(1, 11))},
        test_changes=(TestChange("tests/test_p.py", "test_parse", 1, True, 1),),
    )
    rep = dataclasses.replace(
        rep,
        complexity=ComplexityDetails(functions=(fn("src/app/parser.py", "parse", 1, 1),)),
        metrics={**rep.metrics, "coverage.patch_pct": 100.0},
    )
    praise = [plain(i.text) for i in of(feedback(BASE_CONFIG, rep, source), "praise")]
    assert (
        "Every changed line inside functions runs in the tests (9 lines), and the change "
        "brings tests of its own." in praise
    )
    with_test = {**source, "tests/test_p.py": "def test_parse():\n    assert parse('x')\n"}
    praise = [plain(i.text) for i in of(feedback(BASE_CONFIG, rep, with_test), "praise")]
    assert any(p.startswith("Adds the test test_parse, which calls parse") for p in praise)
    assert not any("Every changed line" in p for p in praise), "its tests are praised already"
    unmeasured = dataclasses.replace(rep, metrics={**GOOD})
    praise = [plain(i.text) for i in of(feedback(BASE_CONFIG, unmeasured, source), "praise")]
    assert not any("Every changed line" in p for p in praise), "no patch coverage: no claim"
    # a two-line edit is too small to praise, and so is a change without tests
    small = _with_change(
        patch=(PatchFile("src/app/parser.py", 2, ()),),
        changed_lines={"src/app/parser.py": (2, 3)},
        test_changes=(TestChange("tests/test_p.py", "test_parse", 1, True, 1),),
    )
    small = dataclasses.replace(small, complexity=rep.complexity)
    untested = dataclasses.replace(
        rep, comparison=dataclasses.replace(rep.comparison, test_changes=())
    )  # type: ignore[arg-type]
    for case in (small, untested):
        praise = [plain(i.text) for i in of(feedback(BASE_CONFIG, case, source), "praise")]
        assert not any("Every changed line" in p for p in praise)


def test_the_summary_counts_graded_code_lines_only() -> None:
    source = {
        "src/app/parser.py": (
            'def parse(text):\n    """Split.\n\n    Words.\n    """\n    return text.split()\n'
        ),
        "docs/conf.py": "project = 'x'\nrelease = '1'\n",
    }
    rep = _with_change(
        complexity_changes=(),
        patch=(),
        changed_lines={"src/app/parser.py": (2, 3, 4, 5, 6), "docs/conf.py": (1, 2)},
    )
    rep = dataclasses.replace(
        rep,
        repo=dataclasses.replace(rep.repo, source=("src/app",)),
        complexity=ComplexityDetails(functions=(fn("src/app/parser.py", "parse", 1, 1),)),
    )
    change = [plain(i.text) for i in of(feedback(BASE_CONFIG, rep, source), "change")]
    assert change == [
        "This change edits parse to say return text.split() (1 changed line of code)."
    ]


def test_polish_lint_is_listed_after_real_mistakes_and_never_leads() -> None:
    docstring = lint(
        "src/app/new.py", 2, "missing-function-docstring", "convention", "Missing docstring"
    )
    one_method = lint(
        "src/app/new.py", 5, "too-many-public-methods", "refactor", "Too many public methods"
    )
    unused = lint("src/app/new.py", 7, "unused-variable", "warning", "Unused variable 'y'")
    rep = _with_change(new_lint=(docstring, one_method, unused), complexity_changes=(), patch=())
    steps = [
        i
        for i in of(feedback(BASE_CONFIG, rep), "suggestion")
        if i.evidence.metric.startswith("lint.") and not i.backlog
    ]
    symbols = [codes(i.next_step)[0] for i in steps]
    assert symbols == ["unused-variable", "too-many-public-methods"], "at most two, polish last"
    assert steps[0].rank < MINOR_RANK <= steps[1].rank


def test_super_in_a_mixin_is_no_missing_member() -> None:
    source = (
        "class Handler:\n    pass\nclass Mixin:\n    def close(self):\n"
        "        super().close()\nclass Child(Handler):\n"
        "    def close(self):\n        super().close()\n"
    )

    def no_member(line: int, cls: str) -> LintMessage:
        return lint(
            "src/app/new.py", line, "no-member", "error", f"Super of '{cls}' has no 'close' member"
        )

    rep = _with_change(
        new_lint=(no_member(5, "Mixin"), no_member(8, "Child")), complexity_changes=(), patch=()
    )
    steps = of(feedback(BASE_CONFIG, rep, {"src/app/new.py": source}), "suggestion")
    lines = [i.evidence.line for i in steps if "no-member" in codes(i.next_step)]
    assert lines == [8]


def test_a_gate_the_base_fails_too_is_a_blocker_that_says_so() -> None:
    config = Config(
        competencies=(
            Competency("t", "Tests", criteria=(Criterion("tests.failed", "== 0", "== 0"),)),
        )
    )
    rep = _with_change()
    for base_failed, said in ((2.0, True), (0.0, False)):
        assert rep.comparison is not None
        base = {**rep.comparison.base_metrics, "tests.failed": base_failed}
        head = dataclasses.replace(
            rep,
            metrics={**rep.metrics, "tests.failed": 2.0},
            comparison=dataclasses.replace(rep.comparison, base_metrics=base),
        )
        (blocker,) = of(feedback(config, head), "blocker")
        assert (
            "It fails on main too: this change did not cause it." in plain(blocker.text)
        ) is said


def test_what_a_test_must_make_true_reads_as_input_that_makes_it_true() -> None:
    source = (
        "def f(x, negate):\n    if negate:\n        x = -x\n"
        "    if x < 0:\n        return 0\n    return x\n"
    )
    rep = _with_change(
        patch=(PatchFile("src/app/v.py", 4, (3,)),),
        changed_lines={"src/app/v.py": (2, 3)},
        new_lint=(),
        complexity_changes=(),
    )
    rep = dataclasses.replace(
        rep, complexity=ComplexityDetails(functions=(fn("src/app/v.py", "f", 1, 3),))
    )
    steps = of(feedback(BASE_CONFIG, rep, {"src/app/v.py": source}), "suggestion")
    patch = next(i for i in steps if i.evidence.metric == "coverage.patch_pct")
    assert "with input that makes negate true" in plain(patch.next_step or ())


def test_a_test_this_change_broke_is_a_next_step_wherever_it_lives() -> None:
    cases = (
        TestCase("tests/test_old.py::test_flaky", "failed", 0.1, "was red before"),
        TestCase("tests/test_speed.py::test_fast_enough", "failed", 0.1, "too slow"),
    )
    config = Config(
        competencies=(
            Competency("t", "Tests", criteria=(Criterion("tests.failed", "== 0", "== 0"),)),
        )
    )
    rep = _with_change(base_failing=("tests/test_old.py::test_flaky",))
    assert rep.comparison is not None
    for base_failed, backlog in ((1.0, False), (2.0, True)):
        head = dataclasses.replace(
            rep,
            metrics={**rep.metrics, "tests.failed": 2.0},
            tests=TestDetails(cases=cases),
            comparison=dataclasses.replace(
                rep.comparison,
                base_metrics={**rep.comparison.base_metrics, "tests.failed": base_failed},
                deltas={**rep.comparison.deltas, "tests.failed": 2.0 - base_failed},
            ),
        )
        (step,) = [
            i
            for i in of(feedback(config, head), "suggestion")
            if i.evidence.metric == "tests.failed"
        ]
        assert codes(step.next_step) == ["tests/test_speed.py::test_fast_enough"]
        assert "It passed on the base and fails here; a red suite" in plain(step.text)
        assert step.backlog is backlog


def _fmt_steps(
    rep: Report, source: str, cc: int, partial: tuple[tuple[int, int], ...]
) -> list[str]:
    """The lead steps for ``fmt`` in ``src/app/fmt.py`` (every line run, two branches of
    which ``partial`` were never taken)."""
    statements = source.count("\n") - 1
    covered = FileCoverage(
        "src/app/fmt.py", statements, statements, (), 0, 2, 2 - len(partial), partial, 100.0, 100.0
    )
    head = dataclasses.replace(
        rep,
        complexity=ComplexityDetails(functions=(fn("src/app/fmt.py", "fmt", 1, cc),)),
        tests=TestDetails(coverage=(covered,)),
    )
    items = feedback(BASE_CONFIG, head, {"src/app/fmt.py": source})
    return [plain(i.next_step or ()) for i in of(items, "suggestion") if not i.backlog]


def test_a_new_condition_the_tests_take_both_ways_is_no_step() -> None:
    source = "def fmt(value):\n    if 1 < value < 2:\n        return 2\n    return int(value)\n"
    rep = _signer_change(
        behaviour=(BehaviourChange("src/app/fmt.py", "fmt", 2, "condition", "1 < value < 2"),),
        changed_lines={"src/app/fmt.py": (2,)},
        patch=(PatchFile("src/app/fmt.py", 1, ()),),
    )

    def steps(partial: tuple[tuple[int, int], ...]) -> list[str]:
        return _fmt_steps(rep, source, 2, partial)

    assert not any("1 < value < 2" in s for s in steps(())), "both ways ran: a test reaches it"
    never_true = "calls fmt with input that makes 1 < value < 2 true (line 2)"
    assert any(never_true in s for s in steps(((2, 3),)))
    never_false = "calls fmt with input that makes 1 < value < 2 false (line 2)"
    assert any(never_false in s for s in steps(((2, 4),))), "the body ran; the way past it not"


def test_on_a_pull_request_only_the_pragmas_it_writes_are_observed() -> None:
    rep = dataclasses.replace(with_base_report(), tests=TestDetails(pragma_no_cover=3))
    lines = ["x = 1"] * 12
    clean = {"src/app/new.py": "\n".join(lines) + "\n"}
    lines[4] = "if DEBUG:  # pragma: no cover"
    marked = {"src/app/new.py": "\n".join(lines) + "\n"}

    def observed(source: dict[str, str]) -> list[str]:
        return [plain(i.text) for i in of(feedback(BASE_CONFIG, rep, source), "observed")]

    assert not any("pragma" in o for o in observed(clean)), "old pragmas are not this change's"
    assert (
        "1 line this change adds or edits carries pragma: no cover (3 in the project): the "
        "code under it counts as covered without a test."
    ) in observed(marked)


def test_a_pull_requests_backlog_holds_the_worst_two_old_hotspots() -> None:
    config = Config(
        competencies=(
            Competency(
                "all",
                "All",
                criteria=(
                    Criterion("complexity.cc_max", "<= 5"),
                    Criterion("lint.score", ">= 9.9"),
                    Criterion("coverage.line_pct", ">= 99"),
                    Criterion("complexity.mi_min", ">= 90"),
                ),
            ),
        )
    )
    rep = _with_change(complexity_changes=(), patch=(), new_lint=())
    first = feedback(config, dataclasses.replace(rep, comparison=None))
    assert len(of(first, "suggestion")) > MAX_BACKLOG, "a first grading lists them all"
    backlog = [i for i in feedback(config, rep) if i.backlog]
    assert len(backlog) == MAX_BACKLOG


@pytest.mark.parametrize(
    ("symbol", "obj", "step"),
    [
        ("fixme", "build", False),
        ("too-few-public-methods", "Mixin", False),
        ("unused-argument", "Finder.find_spec", False),
        ("unused-argument", "Box.__exit__", False),
        ("unused-argument", "Box.resize", True),
    ],
)
def test_messages_no_step_can_fix_are_no_step(symbol: str, obj: str, step: bool) -> None:
    category = "warning"
    message = LintMessage("src/app/new.py", 4, 0, symbol, "W0000", category, f"{symbol} here", obj)
    rep = _with_change(new_lint=(message,), complexity_changes=(), patch=())
    steps = [plain(i.next_step or ()) for i in of(feedback(BASE_CONFIG, rep), "suggestion")]
    assert any(symbol in s or "unused argument" in s for s in steps) is step


def test_a_new_parameter_whose_every_use_the_tests_run_both_ways_is_no_step() -> None:
    source = (
        "def fmt(value, strict=False):\n    if strict and value < 0:\n"
        "        raise ValueError(value)\n    return value\n"
    )
    rep = _signer_change(
        behaviour=(BehaviourChange("src/app/fmt.py", "fmt", 1, "keyword parameter", "strict"),),
        changed_lines={"src/app/fmt.py": (1, 2, 3)},
        patch=(PatchFile("src/app/fmt.py", 2, ()),),
    )

    def steps(partial: tuple[tuple[int, int], ...]) -> list[str]:
        return _fmt_steps(rep, source, 3, partial)

    assert not any("strict" in s for s in steps(())), "every use of strict ran both ways"
    assert any("with strict set" in s for s in steps(((2, 3),))), "strict never raised"


def test_fixed_failing_tests_are_praised_once() -> None:
    config = Config(
        competencies=(Competency("t", "Tests", criteria=(Criterion("tests.failed", "== 0"),)),)
    )
    rep = _with_change()
    assert rep.comparison is not None
    head = dataclasses.replace(
        rep,
        metrics={**rep.metrics, "tests.failed": 0.0},
        comparison=dataclasses.replace(
            rep.comparison,
            base_metrics={**rep.comparison.base_metrics, "tests.failed": 2.0},
            deltas={**rep.comparison.deltas, "tests.failed": -2.0},
        ),
    )
    praise = [plain(i.text) for i in of(feedback(config, head), "praise")]
    assert "Fixes the 2 failing tests: the suite is green." in praise
    assert not any(p.startswith("Reached the target for failing tests") for p in praise)


def test_a_one_line_change_outside_functions_is_quoted() -> None:
    rep = _with_change(
        changed_lines={"src/app/types.py": (3,)},
        files_changed=("src/app/types.py",),
        patch=(),
        new_lint=(),
        complexity_changes=(),
    )
    source = {"src/app/types.py": "import os\n\nfrom typing import Final\n"}
    change = [plain(i.text) for i in of(feedback(BASE_CONFIG, rep, source), "change")]
    assert change[0] == (
        "This change changes a line to from typing import Final in src/app/types.py "
        "(1 changed line of code)."
    )


def test_old_pylint_messages_are_no_backlog_of_a_pull_request() -> None:
    config = Config(
        competencies=(Competency("c", "Clean", criteria=(Criterion("lint.score", ">= 9.9"),)),)
    )
    old = lint("src/app/old.py", 40, "arguments-renamed", "warning", "Parameter renamed")
    rep = dataclasses.replace(
        _with_change(new_lint=(), complexity_changes=(), patch=()),
        lint=LintDetails(messages=(old,)),
    )
    first = of(feedback(config, dataclasses.replace(rep, comparison=None)), "suggestion")
    assert any("arguments-renamed" in plain(i.next_step or ()) for i in first)
    steps = of(feedback(config, rep), "suggestion")
    assert not any("arguments-renamed" in plain(i.next_step or ()) for i in steps)


def test_no_else_raise_on_a_try_is_no_step_on_an_if_it_is() -> None:
    source = (
        "def name(value):\n    try:\n        check(value)\n    except ValueError as exc:\n"
        "        raise Invalid(value) from exc\n    else:\n        return value\n"
    )

    def steps(line: int) -> list[str]:
        message = lint("src/app/new.py", line, "no-else-raise", "refactor", "Unnecessary else")
        rep = _with_change(new_lint=(message,), complexity_changes=(), patch=())
        items = feedback(BASE_CONFIG, rep, {"src/app/new.py": source})
        return [plain(i.next_step or ()) for i in of(items, "suggestion")]

    assert not any("no-else-raise" in s for s in steps(2)), "line 2 is the try"
    assert any("no-else-raise" in s for s in steps(4)), "any other line: the step stands"


def test_a_hotspot_this_interpreter_never_defines_is_no_step() -> None:
    config = Config(
        competencies=(
            Competency("c", "Simple", criteria=(Criterion("complexity.cc_max", "<= 10"),)),
        )
    )
    compat = FileCoverage("src/app/compat.py", 20, 5, (10, 11, 12), 0, 0, 0, (), 25.0, None)
    rep = dataclasses.replace(
        failing_report(),
        metrics={"complexity.cc_max": 17.0},
        complexity=ComplexityDetails(
            functions=(fn("src/app/compat.py", "print_", 10, 17), fn("src/app/a.py", "f", 1, 12))
        ),
        tests=TestDetails(coverage=(compat,)),
    )
    (step,) = of(feedback(config, rep), "suggestion")
    assert step.evidence.function == "f", "print_'s def never ran: another interpreter's code"
    alone = dataclasses.replace(
        rep,
        complexity=ComplexityDetails(
            functions=(fn("src/app/compat.py", "print_", 10, 17), fn("src/app/a.py", "f", 1, 7))
        ),
    )
    assert not of(feedback(config, alone), "suggestion"), "f (cc 7) is within the target"
    unimported = dataclasses.replace(compat, covered_lines=0, missing_lines=tuple(range(1, 21)))
    rep = dataclasses.replace(rep, tests=TestDetails(coverage=(unimported,)))
    (step,) = of(feedback(config, rep), "suggestion")
    assert step.evidence.function == "print_", "an untested module's hotspot stays"


def test_a_pylint_score_just_over_its_target_is_no_strength() -> None:
    for score, praised in ((8.2, False), (9.4, True)):
        rep = dataclasses.replace(passing_report(), metrics={**GOOD, "lint.score": score})
        praise = [plain(i.text) for i in of(feedback(default_config(), rep), "praise")]
        assert any(p.startswith("pylint scores the code") for p in praise) is praised


def test_untested_lines_only_another_interpreter_runs_are_left_out_of_a_step() -> None:
    source = (
        "PY2 = False\n\n\ndef ensure(s):\n    if PY2:\n        return s.encode()\n"
        "    if not s:\n        return ''\n    return s\n"
    )
    config = Config(
        competencies=(
            Competency("t", "Tests", criteria=(Criterion("coverage.line_pct", ">= 99"),)),
        )
    )
    covered = FileCoverage("src/app/compat.py", 8, 6, (6, 8), 0, 0, 0, (), 75.0, None)
    rep = dataclasses.replace(
        failing_report(),
        metrics={"coverage.line_pct": 75.0},
        complexity=ComplexityDetails(functions=(fn("src/app/compat.py", "ensure", 4, 3),)),
        tests=TestDetails(coverage=(covered,)),
    )
    steps = [
        plain(i.next_step or ())
        for i in of(feedback(config, rep, {"src/app/compat.py": source}), "suggestion")
    ]
    assert any(
        "with input that makes not s true, so that its untested line 8 runs" in s for s in steps
    )
    assert not any("PY2" in s for s in steps)
