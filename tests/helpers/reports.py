"""Hand-built :class:`~practicegrade.model.Report` objects for renderer tests.

Each builder returns a fresh, fully deterministic report (no clock, no randomness), so
golden files stay byte-stable. They cover the situations a renderer must get right:
everything passing, a failed gate, a first run with no base to compare against, a
change with base deltas, a huge repository, and a learner who puts hostile strings in
every name and message they control.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from practicegrade.model import (
    BenchDetails,
    BenchResult,
    Code,
    Comparison,
    CompetencyResult,
    ComplexityChange,
    ComplexityDetails,
    CriterionResult,
    CriterionStatus,
    Evaluation,
    Evidence,
    FeedbackItem,
    FileComplexity,
    FileCoverage,
    Finding,
    FunctionComplexity,
    LintDetails,
    LintMessage,
    MilestoneResult,
    PatchFile,
    RepoInfo,
    Report,
    TestCase,
    TestDetails,
)
from practicegrade.render.html import HistoryPoint

FunctionKind = Literal["function", "method", "class"]
LintCategory = Literal["fatal", "error", "warning", "refactor", "convention", "info"]

HEAD = "3f2a9c1e5b7d4a6f8e0c2b4d6f8a0c2e4b6d8f0a"
BASE = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
TOOLS = {
    "coverage": "7.17.0",
    "pylint": "4.1.4",
    "pytest": "9.0.1",
    "python": "3.11.9",
    "radon": "6.0.1",
}

MARKER = "<!-- practicegrade:v1 -->"


# --------------------------------------------------------------------------- builders


def cov(
    file: str,
    statements: int,
    missing: tuple[int, ...],
    branches: int = 0,
    partial: tuple[tuple[int, int], ...] = (),
) -> FileCoverage:
    """A per-file coverage row whose percentages follow from its counts, as coverage.py's do."""
    covered = statements - len(missing)
    covered_branches = branches - len(partial)
    return FileCoverage(
        file=file,
        statements=statements,
        covered_lines=covered,
        missing_lines=missing,
        excluded_lines=0,
        branches=branches,
        covered_branches=covered_branches,
        partial_branches=partial,
        line_pct=round(100.0 * covered / statements, 2) if statements else 100.0,
        branch_pct=round(100.0 * covered_branches / branches, 2) if branches else None,
    )


def fn(
    file: str, name: str, line: int, cc: int, kind: FunctionKind = "function"
) -> FunctionComplexity:
    rank = "A" if cc <= 5 else "B" if cc <= 10 else "C" if cc <= 20 else "D" if cc <= 30 else "E"
    return FunctionComplexity(
        file=file,
        name=name,
        kind=kind,
        line=line,
        endline=line + cc * 3,
        cc=cc,
        rank=rank,
    )


def lint(
    path: str,
    line: int,
    symbol: str,
    msg_id: str,
    category: LintCategory,
    message: str,
    obj: str = "",
) -> LintMessage:
    return LintMessage(
        path=path,
        line=line,
        column=4,
        symbol=symbol,
        msg_id=msg_id,
        category=category,
        message=message,
        obj=obj,
        fingerprint=f"{path}:{symbol}:{obj}",
    )


def crit(
    metric: str,
    value: float | None,
    target: str | None,
    gate: str | None,
    status: CriterionStatus,
    *,
    gate_failed: bool = False,
    distance: float = 0.0,
) -> CriterionResult:
    return CriterionResult(
        metric=metric,
        target=target,
        gate=gate,
        value=value,
        status=status,
        gate_failed=gate_failed,
        distance=distance,
    )


def comp(
    cid: str,
    title: str,
    why: str,
    status: CriterionStatus,
    criteria: tuple[CriterionResult, ...],
    distance: float,
) -> CompetencyResult:
    return CompetencyResult(
        id=cid,
        title=title,
        why=why,
        status=status,
        criteria=criteria,
        distance=distance,
    )


REPO = RepoInfo(
    root="/home/mentee/logtool",
    commit=HEAD,
    tree="b" * 40,
    branch="feature/parser",
    source=("src",),
    tests=("tests",),
)

_COMPLEXITY = ComplexityDetails(
    functions=(
        fn("src/logtool/parser.py", "parse", 12, 7),
        fn("src/logtool/parser.py", "Parser.feed", 40, 4, "method"),
        fn("src/logtool/report.py", "summarise", 5, 3),
        fn("src/logtool/cli.py", "main", 9, 2),
    ),
    files=(
        FileComplexity("src/logtool/cli.py", 78.4, "A", 40, 30, 22, 3, 7, 1),
        FileComplexity("src/logtool/parser.py", 61.25, "A", 120, 96, 70, 10, 14, 2),
        FileComplexity("src/logtool/report.py", 70.0, "A", 60, 48, 35, 5, 7, 1),
    ),
)


# --------------------------------------------------------------------------- passing


def passing() -> Report:
    """Everything at target; compared with ``main`` where coverage went up a little."""
    metrics = {
        "tests.passed": 24.0,
        "tests.failed": 0.0,
        "tests.errors": 0.0,
        "tests.skipped": 1.0,
        "tests.duration_s": 1.234,
        "coverage.line_pct": 91.25,
        "coverage.branch_pct": 84.0,
        "coverage.patch_pct": 100.0,
        "lint.score": 9.62,
        "lint.errors": 0.0,
        "lint.warnings": 1.0,
        "lint.refactors": 0.0,
        "lint.conventions": 2.0,
        "complexity.cc_mean": 4.0,
        "complexity.cc_max": 7.0,
        "complexity.cc_over_10": 0.0,
        "complexity.mi_min": 61.25,
        "complexity.mi_mean": 69.88,
        "size.sloc": 174.0,
        "size.functions": 4.0,
        "bench.parse_log.median_s": 0.0412,
    }
    base = {
        **metrics,
        "coverage.line_pct": 88.75,
        "lint.score": 9.4,
        "tests.passed": 22.0,
        "bench.parse_log.median_s": 0.0431,
    }
    deltas = {k: metrics[k] - base[k] for k in sorted(metrics) if metrics[k] != base[k]}
    evaluation = Evaluation(
        verdict="pass",
        competencies=(
            comp(
                "testing",
                "Automated testing",
                "Tests let you change code without fear.",
                "met",
                (
                    crit("coverage.line_pct", 91.25, ">= 85", ">= 60", "met"),
                    crit("tests.failed", 0.0, "== 0", "== 0", "met"),
                ),
                0.0,
            ),
            comp(
                "clarity",
                "Readable, simple code",
                "Code is read far more often than written.",
                "met",
                (
                    crit("lint.score", 9.62, ">= 9.0", ">= 6.0", "met"),
                    crit("complexity.cc_max", 7.0, "<= 10", None, "met"),
                ),
                0.0,
            ),
            comp(
                "performance",
                "Fast enough",
                "Slow code costs users time.",
                "met",
                (crit("bench.parse_log.median_s", 0.0412, "<= 0.050", None, "met"),),
                0.0,
            ),
        ),
        milestones=(
            MilestoneResult(
                "solid-tests", "Core module fully tested", "2027-01-15", "met", ("testing",), 75
            ),
            MilestoneResult(
                "clean-code", "Lint-clean codebase", "2027-03-01", "on-track", ("clarity",), 120
            ),
        ),
        gaps=(),
    )
    feedback = (
        FeedbackItem(
            "praise",
            "testing",
            ("Line coverage rose to 91.2% (+2.5), above the 85% target.",),
            Evidence(metric="coverage.line_pct", value=91.25, delta=2.5),
        ),
        FeedbackItem(
            "praise",
            "clarity",
            ("Pylint score is 9.62, above the 9.0 target.",),
            Evidence(metric="lint.score", value=9.62, delta=0.22),
        ),
        FeedbackItem(
            "observed",
            "performance",
            ("Benchmark ", Code("parse_log"), " runs in 41.2 ms (median)."),
            Evidence(metric="bench.parse_log.median_s", value=0.0412),
        ),
        FeedbackItem(
            "suggestion",
            "testing",
            (
                "Branch coverage is 84.0%; two branches in ",
                Code("src/logtool/parser.py"),
                " are never taken.",
            ),
            Evidence(
                metric="coverage.branch_pct", value=84.0, file="src/logtool/parser.py", line=31
            ),
            ("Add a test that feeds ", Code("Parser.feed"), " an empty line."),
        ),
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00Z",
        repo=REPO,
        metrics=metrics,
        unmeasured={},
        tools=TOOLS,
        config_file="practicegrade.yml",
        complexity=_COMPLEXITY,
        lint=LintDetails(
            messages=(
                lint(
                    "src/logtool/cli.py",
                    3,
                    "missing-module-docstring",
                    "C0114",
                    "convention",
                    "Missing module docstring",
                ),
                lint(
                    "src/logtool/parser.py",
                    55,
                    "unused-variable",
                    "W0612",
                    "warning",
                    "Unused variable 'rest'",
                    "Parser.feed",
                ),
                lint(
                    "src/logtool/report.py",
                    1,
                    "missing-module-docstring",
                    "C0114",
                    "convention",
                    "Missing module docstring",
                ),
            ),
            statements=104,
        ),
        tests=TestDetails(
            cases=(
                *tuple(
                    TestCase(f"tests/test_parser.py::test_case_{i:02d}", "passed", 0.05)
                    for i in range(24)
                ),
                TestCase(
                    "tests/test_parser.py::test_windows_paths", "skipped", 0.0, "needs Windows"
                ),
            ),
            coverage=(
                cov("src/logtool/cli.py", 22, (30, 31), 4, ((29, 30),)),
                cov("src/logtool/parser.py", 70, (41, 42, 43, 77), 12, ((31, 33), (40, 41))),
                cov("src/logtool/report.py", 35, ()),
            ),
            interpreter="3.11.9",
        ),
        bench=BenchDetails(
            results=(
                BenchResult(
                    "parse_log",
                    0.0412,
                    0.0011,
                    (0.041, 0.0412, 0.0415),
                    100,
                    ratio_vs_base=0.956,
                    change="inconclusive",
                ),
            )
        ),
        comparison=Comparison(
            base_ref="main",
            base_commit=BASE,
            base_metrics=base,
            deltas=deltas,
            fixed_lint=(
                lint(
                    "src/logtool/parser.py",
                    12,
                    "too-many-branches",
                    "R0912",
                    "refactor",
                    "Too many branches (13/12)",
                    "parse",
                ),
            ),
            files_changed=("src/logtool/parser.py", "tests/test_parser.py"),
            patch=(PatchFile("src/logtool/parser.py", 14, ()),),
        ),
        evaluation=evaluation,
        feedback=feedback,
    )


# --------------------------------------------------------------------------- failing gate


def failing_gate() -> Report:
    """Coverage below its gate and two failing tests: the hook and CI exit 1."""
    metrics = {
        "tests.passed": 18.0,
        "tests.failed": 2.0,
        "tests.errors": 0.0,
        "tests.skipped": 0.0,
        "tests.duration_s": 2.5,
        "coverage.line_pct": 48.5,
        "coverage.branch_pct": 37.5,
        "coverage.patch_pct": 25.0,
        "lint.score": 5.87,
        "lint.errors": 1.0,
        "lint.warnings": 6.0,
        "lint.refactors": 3.0,
        "lint.conventions": 11.0,
        "complexity.cc_mean": 6.5,
        "complexity.cc_max": 17.0,
        "complexity.cc_over_10": 2.0,
        "complexity.mi_min": 38.12,
        "complexity.mi_mean": 55.3,
        "size.sloc": 420.0,
        "size.functions": 14.0,
    }
    base = {
        **metrics,
        "coverage.line_pct": 63.0,
        "tests.failed": 0.0,
        "tests.passed": 20.0,
        "lint.score": 6.41,
        "complexity.cc_max": 12.0,
        "complexity.cc_over_10": 1.0,
        "coverage.patch_pct": 0.0,
    }
    deltas = {k: metrics[k] - base[k] for k in sorted(metrics) if metrics[k] != base[k]}
    deltas.pop("coverage.patch_pct", None)
    evaluation = Evaluation(
        verdict="fail",
        competencies=(
            comp(
                "testing",
                "Automated testing",
                "Tests let you change code without fear.",
                "gap",
                (
                    crit(
                        "coverage.line_pct",
                        48.5,
                        ">= 85",
                        ">= 60",
                        "gap",
                        gate_failed=True,
                        distance=0.43,
                    ),
                    crit(
                        "tests.failed", 2.0, "== 0", "== 0", "gap", gate_failed=True, distance=1.0
                    ),
                ),
                0.71,
            ),
            comp(
                "clarity",
                "Readable, simple code",
                "Code is read far more often than written.",
                "progressing",
                (
                    crit("lint.score", 5.87, ">= 9.0", ">= 5.0", "progressing", distance=0.35),
                    crit("complexity.cc_max", 17.0, "<= 10", None, "gap", distance=0.7),
                ),
                0.52,
            ),
        ),
        milestones=(
            MilestoneResult(
                "solid-tests",
                "Core module fully tested",
                "2026-10-15",
                "overdue",
                ("testing",),
                -17,
            ),
            MilestoneResult(
                "clean-code", "Lint-clean codebase", "2026-11-20", "at-risk", ("clarity",), 19
            ),
        ),
        gaps=("testing", "clarity"),
    )
    sug = [
        FeedbackItem(
            "suggestion",
            "testing",
            ("Lines 41-77 of ", Code("src/inventory/store.py"), " never run in a test."),
            Evidence(
                metric="coverage.line_pct",
                value=48.5,
                delta=-14.5,
                file="src/inventory/store.py",
                line=41,
            ),
            ("Write one test for ", Code("Store.restock"), " that checks the new quantity."),
        ),
        FeedbackItem(
            "suggestion",
            "clarity",
            (Code("Store.checkout"), " has cyclomatic complexity 17."),
            Evidence(
                metric="complexity.cc_max",
                value=17.0,
                delta=5.0,
                file="src/inventory/store.py",
                line=88,
                function="Store.checkout",
            ),
            ("Move the discount rules in ", Code("Store.checkout"), " into a helper function."),
        ),
        FeedbackItem(
            "suggestion",
            "clarity",
            ("1 new pylint error: ", Code("E1120 no-value-for-parameter"), "."),
            Evidence(
                metric="lint.errors", value=1.0, delta=1.0, file="src/inventory/cli.py", line=14
            ),
            ("Pass the missing ", Code("quantity"), " argument on line 14."),
        ),
        FeedbackItem(
            "suggestion",
            "clarity",
            ("11 convention messages, most of them missing docstrings.",),
            Evidence(metric="lint.conventions", value=11.0),
            (
                "Add a one-line docstring to each public function in ",
                Code("src/inventory/store.py"),
                ".",
            ),
        ),
        FeedbackItem(
            "suggestion",
            "testing",
            ("Only 25% of the lines you changed are tested.",),
            Evidence(metric="coverage.patch_pct", value=25.0),
            ("Cover the new branch in ", Code("Store.refund"), " before adding more code."),
        ),
    ]
    feedback = (
        FeedbackItem(
            "change",
            None,
            (
                "This change adds ",
                Code("Store.refund"),
                " and edits ",
                Code("Store.checkout"),
                " (+24 lines of source).",
            ),
            rank=10,
        ),
        FeedbackItem(
            "blocker",
            "testing",
            ("Line coverage is 48.5%, below the gate of 60%.",),
            Evidence(metric="coverage.line_pct", value=48.5, delta=-14.5),
        ),
        FeedbackItem(
            "blocker",
            "testing",
            ("2 tests fail; the gate requires none.",),
            Evidence(metric="tests.failed", value=2.0, delta=2.0),
        ),
        *sug,
        FeedbackItem(
            "praise",
            "clarity",
            ("No function got more complex in ", Code("src/inventory/cli.py"), "."),
            Evidence(file="src/inventory/cli.py"),
        ),
        FeedbackItem(
            "observed",
            None,
            ("Tests took 2.50 s.",),
            Evidence(metric="tests.duration_s", value=2.5),
        ),
    )
    failing = (
        TestCase(
            "tests/test_store.py::test_restock",
            "failed",
            0.012,
            "AssertionError: assert 5 == 7\n +  where 5 = <Store>.quantity('apple')",
        ),
        TestCase(
            "tests/test_store.py::TestCheckout::test_discount[10%]",
            "failed",
            0.02,
            "ZeroDivisionError: division by zero",
        ),
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-02T08:30:00Z",
        repo=RepoInfo(
            root="/ci/inventory", commit=HEAD, branch="week-6", source=("src",), tests=("tests",)
        ),
        metrics=metrics,
        unmeasured={"bench.checkout.median_s": "benchmark skipped (--no-bench)"},
        tools=TOOLS,
        config_file="practicegrade.yml",
        complexity=ComplexityDetails(
            functions=(
                fn("src/inventory/store.py", "Store.checkout", 88, 17, "method"),
                fn("src/inventory/store.py", "Store.refund", 140, 11, "method"),
                fn("src/inventory/store.py", "Store.restock", 41, 4, "method"),
                fn("src/inventory/cli.py", "main", 5, 6),
            ),
            files=(
                FileComplexity("src/inventory/cli.py", 71.0, "A", 50, 40, 30, 2, 8, 1),
                FileComplexity("src/inventory/store.py", 38.12, "A", 300, 240, 180, 12, 48, 9),
            ),
        ),
        lint=LintDetails(
            messages=(
                lint(
                    "src/inventory/cli.py",
                    14,
                    "no-value-for-parameter",
                    "E1120",
                    "error",
                    "No value for argument 'quantity' in method call",
                    "main",
                ),
                lint(
                    "src/inventory/store.py",
                    1,
                    "missing-module-docstring",
                    "C0114",
                    "convention",
                    "Missing module docstring",
                ),
                lint(
                    "src/inventory/store.py",
                    88,
                    "too-many-branches",
                    "R0912",
                    "refactor",
                    "Too many branches (15/12)",
                    "Store.checkout",
                ),
                lint(
                    "src/inventory/store.py",
                    90,
                    "unused-argument",
                    "W0613",
                    "warning",
                    "Unused argument 'coupon'",
                    "Store.checkout",
                ),
                lint(
                    "src/inventory/store.py",
                    12,
                    "missing-function-docstring",
                    "C0116",
                    "convention",
                    "Missing function or method docstring",
                    "Store.__init__",
                ),
            ),
            statements=240,
        ),
        tests=TestDetails(
            cases=tuple(
                TestCase(f"tests/test_store.py::test_ok_{i:02d}", "passed", 0.1) for i in range(18)
            )
            + failing,
            coverage=(
                cov("src/inventory/cli.py", 40, (20, 21, 22, 30), 6, ((19, 20),)),
                cov(
                    "src/inventory/store.py",
                    160,
                    tuple(range(41, 78)) + tuple(range(88, 130)) + (140, 141, 142),
                    40,
                    ((90, 92), (95, 99), (101, 104)),
                ),
            ),
            interpreter="3.11.9",
        ),
        comparison=Comparison(
            base_ref="main",
            base_commit=BASE,
            base_metrics=base,
            deltas=deltas,
            new_lint=(
                lint(
                    "src/inventory/cli.py",
                    14,
                    "no-value-for-parameter",
                    "E1120",
                    "error",
                    "No value for argument 'quantity' in method call",
                    "main",
                ),
                lint(
                    "src/inventory/store.py",
                    90,
                    "unused-argument",
                    "W0613",
                    "warning",
                    "Unused argument 'coupon'",
                    "Store.checkout",
                ),
            ),
            fixed_lint=(
                lint(
                    "src/inventory/store.py",
                    3,
                    "unused-import",
                    "W0611",
                    "warning",
                    "Unused import os",
                ),
            ),
            complexity_changes=(
                ComplexityChange("src/inventory/store.py", "Store.checkout", 12, 17),
                ComplexityChange("src/inventory/store.py", "Store.refund", None, 11),
                ComplexityChange("src/inventory/store.py", "Store.legacy_total", 9, None),
            ),
            files_changed=("src/inventory/cli.py", "src/inventory/store.py"),
            patch=(
                PatchFile("src/inventory/store.py", 24, (140, 141, 142, 150, 151)),
                PatchFile("src/inventory/cli.py", 4, (14,)),
            ),
        ),
        evaluation=evaluation,
        feedback=feedback,
        findings=(
            Finding(
                "collection-error",
                "ImportError while importing test module 'tests/test_cli.py'",
                file="tests/test_cli.py",
                collector="tests",
            ),
        ),
    )


# --------------------------------------------------------------------------- first run


def first_run() -> Report:
    """No base to compare against, no config file (embedded default model), advisory gates."""
    metrics = {
        "tests.passed": 3.0,
        "tests.failed": 0.0,
        "tests.errors": 0.0,
        "tests.skipped": 0.0,
        "tests.duration_s": 0.41,
        "coverage.line_pct": 55.0,
        "lint.score": 7.5,
        "complexity.cc_max": 5.0,
        "complexity.cc_mean": 2.5,
    }
    evaluation = Evaluation(
        verdict="warn",
        gates_mode="advisory",
        competencies=(
            comp(
                "testing",
                "Automated testing",
                "Tests let you change code without fear.",
                "gap",
                (
                    crit(
                        "coverage.line_pct",
                        55.0,
                        ">= 85",
                        ">= 60",
                        "gap",
                        gate_failed=True,
                        distance=0.35,
                    ),
                    crit("tests.failed", 0.0, "== 0", "== 0", "met"),
                ),
                0.18,
            ),
            comp(
                "clarity",
                "Readable, simple code",
                "",
                "progressing",
                (
                    crit("lint.score", 7.5, ">= 9.0", ">= 6.0", "progressing", distance=0.17),
                    crit("complexity.cc_max", 5.0, "<= 10", None, "met"),
                ),
                0.08,
            ),
        ),
        gaps=("testing",),
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T09:00:00Z",
        repo=RepoInfo(
            root="/home/mentee/kata",
            commit="0123456789abcdef0123456789abcdef01234567",
            branch="main",
            source=("kata",),
            tests=("tests",),
        ),
        metrics=metrics,
        unmeasured={
            "coverage.branch_pct": "branch coverage not enabled",
            "coverage.patch_pct": "no base commit to compare with",
        },
        tools=TOOLS,
        config_file=None,
        tests=TestDetails(
            cases=tuple(
                TestCase(f"tests/test_kata.py::test_{n}", "passed", 0.01)
                for n in ("add", "sub", "mul")
            ),
            coverage=(cov("kata/calc.py", 20, (12, 13, 14, 15, 16, 17, 18, 19, 20)),),
        ),
        evaluation=evaluation,
        feedback=(
            FeedbackItem(
                "change",
                None,
                ("First grading: these numbers are the baseline.",),
                rank=10,
            ),
            FeedbackItem(
                "suggestion",
                "testing",
                ("Line coverage is 55.0%; the gate is 60%.",),
                Evidence(metric="coverage.line_pct", value=55.0, file="kata/calc.py", line=12),
                ("Write a test for ", Code("divide"), " in ", Code("kata/calc.py"), "."),
            ),
            FeedbackItem(
                "observed",
                "clarity",
                ("Pylint score is 7.50.",),
                Evidence(metric="lint.score", value=7.5),
            ),
        ),
    )


# --------------------------------------------------------------------------- with base


def with_base() -> Report:
    """A change measured against its merge base: deltas, new and fixed lint, patch coverage."""
    r = failing_gate()
    ev = r.evaluation
    assert ev is not None
    return Report(
        **{
            **{f: getattr(r, f) for f in r.__dataclass_fields__},
            "evaluation": Evaluation(
                verdict="warn",
                competencies=ev.competencies,
                milestones=ev.milestones,
                gaps=ev.gaps,
                gates_mode="advisory",
            ),
        }
    )


# --------------------------------------------------------------------------- huge


@cache
def huge(n_files: int = 10_000, message_chars: int = 5_000_000) -> Report:
    """Thousands of files and messages and a multi-megabyte failure message."""
    files = [f"src/pkg{i // 100:03d}/module_{i:05d}.py" for i in range(n_files)]
    coverage = tuple(
        cov(f, 50 + i % 50, tuple(range(10, 10 + i % 30, 2)), 10, ((5, 6),) if i % 3 else ())
        for i, f in enumerate(files)
    )
    messages = tuple(
        lint(
            f,
            1 + i % 200,
            "line-too-long",
            "C0301",
            "convention",
            f"Line too long ({101 + i % 50}/100)",
        )
        for i, f in enumerate(files)
    )
    functions = tuple(fn(f, f"func_{i}", 10, 11 + i % 20) for i, f in enumerate(files))
    big = "Traceback (most recent call last):\n" + (
        '  File "x.py", line 1, in f\n' * (message_chars // 30)
    )
    cases = tuple(
        TestCase(f"tests/test_{i:05d}.py::test_it", "failed", 0.5, big if i == 0 else "assert 0")
        for i in range(min(n_files, 2000))
    )
    metrics = {
        "tests.passed": 0.0,
        "tests.failed": float(len(cases)),
        "coverage.line_pct": 71.3,
        "lint.score": 8.1,
        "lint.conventions": float(n_files),
        "complexity.cc_max": 30.0,
        "complexity.cc_over_10": float(n_files),
    }
    crits = tuple(
        crit("coverage.line_pct", 71.3, ">= 85", ">= 60", "progressing", distance=0.2)
        for _ in range(3)
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00Z",
        repo=REPO,
        metrics=metrics,
        tools=TOOLS,
        config_file="practicegrade.yml",
        complexity=ComplexityDetails(functions=functions),
        lint=LintDetails(messages=messages, statements=50 * n_files),
        tests=TestDetails(cases=cases, coverage=coverage),
        comparison=Comparison(
            base_ref="main",
            base_commit=BASE,
            base_metrics=metrics,
            deltas={},
            new_lint=messages,
            files_changed=tuple(files),
            patch=tuple(PatchFile(f, 10, (1, 2, 3)) for f in files),
            complexity_changes=tuple(ComplexityChange(f, "func", 3, 12) for f in files),
        ),
        evaluation=Evaluation(
            verdict="fail",
            competencies=tuple(
                comp(f"c{i}", f"Competency {i}", "", "progressing", crits, 0.2) for i in range(200)
            ),
        ),
        feedback=tuple(
            FeedbackItem(
                "suggestion",
                "testing",
                ("Cover ", Code(f), "."),
                Evidence(file=f),
                ("Write a test for ", Code(f), "."),
            )
            for f in files[:500]
        ),
        findings=tuple(Finding("syntax-error", big[:1000], file=f) for f in files[:300]),
    )


# --------------------------------------------------------------------------- hostile

HOSTILE_STRINGS: tuple[str, ...] = (
    "a|b.py",
    "a\\|b",
    "a\\\\|b",
    "test_@octocat_@org/team",
    "see #1 and org/repo#2",
    "fix " + "deadbeef" * 5,
    "```",
    "`starts with a backtick",
    "ends with a space ",
    "<!--",
    MARKER,
    "</details><h1>✅ all passed</h1>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "line1\r\nline2\nline3\x00nul",
    "evil\u202etxt.py",
    "zero\u200bwidth",
    "\x1b[31mred\x1b[0m\x1b]0;title\x07",
    "/merge",
    "::add-mask::x",
    "",
    "   ",
    "* not a bullet",
    "# not a heading",
    "<script>alert(1)</script>",
)


def hostile(strings: tuple[str, ...] = HOSTILE_STRINGS) -> Report:
    """Every learner-controlled field filled with an attack string."""
    s = strings

    def pick(i: int) -> str:
        return s[i % len(s)]

    files = tuple(dict.fromkeys(s))
    metrics: dict[str, float] = {
        "coverage.line_pct": 50.0,
        "tests.failed": float(len(files)),
        "lint.score": 4.0,
    }
    for i, name in enumerate(files):
        metrics[f"bench.{name}.median_s"] = 0.001 * (i + 1)
    comps = tuple(
        comp(
            pick(i),
            pick(i + 1),
            pick(i + 2),
            "gap",
            (
                crit(
                    f"bench.{pick(i)}.median_s",
                    0.001,
                    pick(i + 3),
                    pick(i + 4),
                    "gap",
                    gate_failed=True,
                    distance=1.0,
                ),
            ),
            1.0,
        )
        for i in range(len(s))
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00Z",
        repo=RepoInfo(root=pick(0), commit=pick(5), branch=pick(10), source=files, tests=files),
        metrics=metrics,
        unmeasured={f"bench.{x}.ratio_vs_base": x for x in files},
        tools={"pylint": "4.1.4 <!-- x", "radon": "6.0.1|x"},
        config_file=pick(11),
        complexity=ComplexityDetails(
            functions=tuple(fn(f, pick(i + 1), i + 1, 11 + i) for i, f in enumerate(files)),
            files=tuple(FileComplexity(f, 10.0, "C", 1, 1, 1, 0, 0, 1) for f in files),
        ),
        lint=LintDetails(
            messages=tuple(
                lint(f, i + 1, pick(i + 1), pick(i + 2), "error", pick(i + 3), pick(i + 4))
                for i, f in enumerate(files)
            )
        ),
        tests=TestDetails(
            cases=tuple(
                TestCase(f, "failed", 0.0, pick(i + 1) + "\n" + pick(i + 2))
                for i, f in enumerate(files)
            ),
            coverage=tuple(cov(f, 10, (1, 2)) for f in files),
        ),
        findings=tuple(Finding(pick(i), pick(i + 1), file=f, line=i) for i, f in enumerate(files)),
        comparison=Comparison(
            base_ref=pick(3),
            base_commit=pick(4),
            base_metrics=metrics,
            deltas=dict.fromkeys(metrics, 1.0),
            new_lint=tuple(
                lint(f, 1, pick(i), "E0001", "error", pick(i + 5)) for i, f in enumerate(files)
            ),
            fixed_lint=tuple(
                lint(f, 2, pick(i), "W0001", "warning", pick(i + 6)) for i, f in enumerate(files)
            ),
            complexity_changes=tuple(
                ComplexityChange(f, pick(i + 7), 3, 12) for i, f in enumerate(files)
            ),
            files_changed=files,
            patch=tuple(PatchFile(f, 3, (1, 2)) for f in files),
        ),
        evaluation=Evaluation(
            verdict="fail",
            competencies=comps,
            milestones=tuple(
                MilestoneResult(pick(i), pick(i + 1), pick(i + 2), "at-risk", (pick(i + 3),), 3)
                for i in range(len(s))
            ),
            gaps=tuple(pick(i) for i in range(3)),
        ),
        feedback=tuple(
            FeedbackItem(
                cat,
                pick(i),
                ("Look at ", Code(pick(i)), " please."),
                Evidence(
                    metric=pick(i + 1),
                    value=1.0,
                    delta=-1.0,
                    file=pick(i + 2),
                    line=3,
                    function=pick(i + 3),
                ),
                ("Fix ", Code(pick(i + 4)), ".") if cat == "suggestion" else None,
            )
            for i in range(len(s))
            for cat in ("blocker", "suggestion", "praise", "observed")
        ),
    )


ALL = {
    "passing": passing,
    "failing_gate": failing_gate,
    "first_run": first_run,
    "with_base": with_base,
    "hostile": hostile,
}


# --------------------------------------------------------------------------- history


def history(report: Report, n: int = 8) -> tuple[HistoryPoint, ...]:
    """``n`` earlier graded commits leading up to ``report``: coverage climbing, lint improving."""
    points = []
    for i in range(n):
        metrics = dict(report.metrics)
        metrics["coverage.line_pct"] = round(40.0 + 5.0 * i + (2.5 if i % 3 == 0 else 0.0), 2)
        metrics["lint.score"] = round(5.0 + 0.4 * i, 2)
        metrics["complexity.cc_max"] = float(18 - i)
        metrics["tests.failed"] = float(max(0, 3 - i))
        points.append(
            HistoryPoint(
                commit=f"{i + 1:x}" * 40, ts=f"2026-10-{i + 1:02d}T10:00:00Z", metrics=metrics
            )
        )
    return tuple(points)
