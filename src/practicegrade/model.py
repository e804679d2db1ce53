"""Typed data that flows between practicegrade's stages.

Everything here is a frozen dataclass: collectors produce them, the rubric and
feedback stages transform them, renderers read them. Nothing in this module does
I/O. ``report.json`` is :func:`practicegrade.serialize.to_jsonable` of a
:class:`Report`, and :func:`practicegrade.serialize.from_jsonable` reads it back.

Strings that come from the learner's repository (paths, function and test names,
tool messages) are plain ``str`` fields; in prose that mixes our words with theirs
they are wrapped in :class:`Code` so that every renderer escapes them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 1
NOT_RUN = "not run: "
"""How an ``unmeasured`` reason starts when the grade was asked not to measure the metric
(``--no-tests``, ``hook.tests: false``, ``--no-bench``); what follows says who asked."""

Category = Literal["change", "praise", "observed", "suggestion", "blocker"]
"""``change``: what the change did, one fact per item, said first when there is a base."""
CriterionStatus = Literal["met", "progressing", "gap"]
MilestoneStatus = Literal["met", "on-track", "at-risk", "overdue"]
TestOutcome = Literal["passed", "failed", "error", "skipped"]
Verdict = Literal["pass", "fail", "warn"]
"""``fail``: a gate failed and gates are blocking; ``warn``: a gate failed, advisory."""


# --------------------------------------------------------------------------- text


@dataclass(frozen=True, slots=True)
class Code:
    """A learner-controlled string inside our prose; always rendered escaped."""

    text: str


Text = tuple[str | Code, ...]
"""A sentence: trusted literal parts (``str``) and learner-controlled parts (``Code``)."""


def plain(text: Text) -> str:
    """The sentence as unescaped plain text (terminal output, logs)."""
    return "".join(part.text if isinstance(part, Code) else part for part in text)


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the tools hit that is not a metric: a syntax error, a timeout, ...

    ``kind`` is a stable slug (``syntax-error``, ``unreadable-file``,
    ``collection-error``, ``timeout``, ``no-tests``, ``tool-missing``, ...).
    """

    kind: str
    message: str
    file: str | None = None
    line: int | None = None
    collector: str | None = None


# --------------------------------------------------------------------------- complexity


@dataclass(frozen=True, slots=True)
class FunctionComplexity:
    """One block as ``radon cc`` reports it (function, method or class)."""

    file: str
    name: str
    """Qualified as radon prints it: ``func``, ``Class``, ``Class.method``."""
    kind: Literal["function", "method", "class"]
    line: int
    endline: int
    cc: int
    rank: str


@dataclass(frozen=True, slots=True)
class FileComplexity:
    """Per-file maintainability (``radon mi``) and raw size (``radon raw``)."""

    file: str
    mi: float
    mi_rank: str
    loc: int
    sloc: int
    lloc: int
    comments: int
    blank: int
    functions: int


@dataclass(frozen=True, slots=True)
class ComplexityDetails:
    functions: tuple[FunctionComplexity, ...] = ()
    files: tuple[FileComplexity, ...] = ()


# --------------------------------------------------------------------------- lint


@dataclass(frozen=True, slots=True)
class LintMessage:
    """One pylint message, as ``pylint --output-format=json2`` reports it."""

    path: str
    line: int
    column: int
    symbol: str
    msg_id: str
    category: Literal["fatal", "error", "warning", "refactor", "convention", "info"]
    message: str
    obj: str = ""
    end_line: int | None = None
    end_column: int | None = None
    fingerprint: str = ""
    """Stable across line shifts: see :mod:`practicegrade.compare`."""


@dataclass(frozen=True, slots=True)
class LintDetails:
    messages: tuple[LintMessage, ...] = ()
    statements: int = 0
    rcfile: str | None = None
    """The learner's pylint configuration that was honoured, if any."""


# --------------------------------------------------------------------------- tests


@dataclass(frozen=True, slots=True)
class TestCase:
    nodeid: str
    outcome: TestOutcome
    duration_s: float
    message: str | None = None
    """Failure or skip reason, capped in length; never a full traceback."""
    __test__ = False  # not a pytest test class


@dataclass(frozen=True, slots=True)
class FileCoverage:
    file: str
    statements: int
    covered_lines: int
    missing_lines: tuple[int, ...]
    excluded_lines: int
    branches: int
    covered_branches: int
    partial_branches: tuple[tuple[int, int], ...]
    """``(from_line, to_line)`` arcs never taken from a partially covered branch."""
    line_pct: float
    branch_pct: float | None


@dataclass(frozen=True, slots=True)
class CoverageLeftOut:
    """What the project's own coverage settings leave out of the coverage numbers.

    Counted by coverage.py itself: ``statements`` under its default settings, minus what
    the project's ``omit`` (whole files) and ``exclude_lines``/``exclude_also`` (lines in
    measured files) take away. A mentor sees every exclusion, never a silent 100%.
    """

    config: str
    """The project's file coverage.py read its settings from (``.coveragerc``, ...)."""
    files: tuple[str, ...] = ()
    """Source files the project's ``omit``/``include`` leave out."""
    file_statements: int = 0
    """Statements in those files."""
    excluded_lines: int = 0
    """Statements the project's exclusion patterns leave out of the measured files."""
    source_statements: int = 0
    """Statements of the whole source under coverage.py's default settings."""

    @property
    def share_pct(self) -> float:
        """How much of the source the settings leave out, in percent."""
        left = self.file_statements + self.excluded_lines
        return left / self.source_statements * 100 if self.source_statements else 0.0


@dataclass(frozen=True, slots=True)
class TestDetails:
    cases: tuple[TestCase, ...] = ()
    coverage: tuple[FileCoverage, ...] = ()
    timed_out: bool = False
    interpreter: str = ""
    coverage_settings: Mapping[str, object] = field(default_factory=dict)
    """What coverage.py was told to measure (ours, plus the project's settings we honour)."""
    pragma_no_cover: int = 0
    collected: int | None = None
    """Tests pytest collected (``None``: the run ended before collection finished)."""
    deselected: int | None = None
    """Collected tests deselected (``-k``, ``-m``, ``--deselect``, a conftest hook)."""
    run: int | None = None
    """Tests that reached an outcome; fewer than ``collected`` fails the test gates."""
    coverage_left_out: CoverageLeftOut | None = None
    """What the project's coverage settings leave out; ``None`` when none were used."""
    __test__ = False


# --------------------------------------------------------------------------- benchmarks


@dataclass(frozen=True, slots=True)
class GrowthFit:
    """How a benchmark's time grows with its input (``sizes:``), and the class that fits."""

    sizes: tuple[int, ...]
    times_s: tuple[float, ...]
    """Per-call time at each size (the best of its samples)."""
    best: str
    """The best-fitting class: ``1``, ``log n``, ``n``, ``n log n``, ``n^2`` or ``n^3``."""
    exponent: float
    """The fitted power ``k`` of ``time ~ c * n^k`` (the ``bench.<name>.growth`` metric)."""
    error: float
    """The best class's goodness of fit: its root-mean-square relative error."""
    fits: Mapping[str, float] = field(default_factory=dict)
    """Every class's relative error, for the mentor to see how clear the choice was."""
    expected: str | None = None
    """The class the configuration expects (``growth: "O(n)"`` -> ``n``)."""
    worse: bool = False
    """The code grows clearly faster than expected."""
    clock: Literal["cpu", "wall"] = "wall"
    """``cpu``: the times are CPU time (CPU-bound code; immune to other processes)."""


@dataclass(frozen=True, slots=True)
class BenchResult:
    name: str
    median_s: float
    iqr_s: float
    samples: tuple[float, ...]
    loops: int
    source: Literal["config", "pytest-benchmark"] = "config"
    ratio_vs_base: float | None = None
    ratio_ci: tuple[float, float] | None = None
    p_value: float | None = None
    change: Literal["regression", "improvement", "unchanged", "inconclusive"] | None = None
    """``unchanged``: the ratio is known to lie within the factor; ``inconclusive``: the
    time budget ended before the data could tell."""
    runs: int | None = None
    """Timed processes a side in the base comparison."""
    compare_s: float | None = None
    """How long the base comparison took (at most its budget, ``bench_budget_s``)."""
    growth: GrowthFit | None = None
    size: int | None = None
    """The input size ``median_s`` was timed at (the largest of ``sizes``)."""


@dataclass(frozen=True, slots=True)
class BenchDetails:
    results: tuple[BenchResult, ...] = ()


# --------------------------------------------------------------------------- security

Severity = Literal["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class SecurityIssue:
    """One bandit result, as ``bandit -f json`` reports it (levels in lower case)."""

    file: str
    line: int
    test_id: str
    """bandit's test id, e.g. ``B602``."""
    test_name: str
    """bandit's test name, e.g. ``subprocess_popen_with_shell_equals_true``."""
    severity: Severity
    confidence: Severity
    message: str
    """bandit's own text."""
    cwe: int | None = None
    column: int = 0
    fingerprint: str = ""
    """Stable across line shifts: path, test id, text and the flagged line's code."""


@dataclass(frozen=True, slots=True)
class SecurityDetails:
    issues: tuple[SecurityIssue, ...] = ()
    """The results the ``security.*`` metrics count (medium confidence or more)."""
    command: str = ""
    """The bandit command that reports the same results, for the learner to rerun."""
    config: str | None = None
    """The project's bandit configuration that was honoured, if any."""
    suppressed: int = 0
    """Results hidden by ``# nosec`` comments (bandit's own count)."""


Details = ComplexityDetails | LintDetails | TestDetails | BenchDetails | SecurityDetails


# --------------------------------------------------------------------------- collection


@dataclass(frozen=True, slots=True)
class CollectorResult:
    """What one collector measured. Metrics absent here are listed in ``unmeasured``."""

    name: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    unmeasured: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    tool_versions: Mapping[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    details: Details | None = None


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class CriterionResult:
    metric: str
    target: str | None
    """The expression as written, e.g. ``">= 85"``."""
    gate: str | None
    value: float | None
    """``None`` when the metric was not measured."""
    status: CriterionStatus
    gate_failed: bool
    distance: float
    """Normalised distance to target, 0 (met) .. 1 (far); 1 when unmeasured."""
    failed_because: str | None = None
    """Why the gate failed whatever the value: the run it depends on was incomplete
    (tests collected and not run, an early exit, a timeout)."""


@dataclass(frozen=True, slots=True)
class CompetencyResult:
    id: str
    title: str
    why: str
    status: CriterionStatus
    criteria: tuple[CriterionResult, ...]
    distance: float
    """Weighted mean of the criteria distances: the gap analysis ranks on this."""
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class MilestoneResult:
    id: str
    title: str
    due: str
    """ISO date."""
    status: MilestoneStatus
    requires: tuple[str, ...]
    days_left: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    verdict: Verdict
    competencies: tuple[CompetencyResult, ...] = ()
    milestones: tuple[MilestoneResult, ...] = ()
    gaps: tuple[str, ...] = ()
    """Competency ids that hold the mentee back most, worst first (at most three)."""
    gates_mode: Literal["blocking", "advisory"] = "blocking"


@dataclass(frozen=True, slots=True)
class Evidence:
    metric: str | None = None
    value: float | None = None
    delta: float | None = None
    file: str | None = None
    line: int | None = None
    function: str | None = None


MINOR_RANK = 80
"""A suggestion ranked here or later is polish (a docstring, a line's length): listed with
the other steps, never one of the (at most three) that lead."""


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    category: Category
    competency: str | None
    text: Text
    evidence: Evidence = Evidence()
    next_step: Text | None = None
    """Suggestions only: one concrete step sized for a learner."""
    rank: int = 50
    """Order within the category, lowest first (ties keep the order they were built in).

    The feedback stage sorts every item by (category, rank), so a builder slots an item in
    by its rank alone; the tiers are listed in :mod:`practicegrade.feedback`."""
    backlog: bool = False
    """A suggestion about code this change did not touch: shown collapsed, never leading."""
    example: str | None = None
    """Our own short bad/good example for the step (package data), shown folded under it."""


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class ComplexityChange:
    file: str
    name: str
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class PatchFile:
    file: str
    changed_lines: int
    uncovered_lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TestChange:
    """One test function the change added (``new``) or edited, read from the head's source."""

    file: str
    name: str
    line: int
    new: bool
    asserts_added: int
    renamed_from: str | None = None
    """The base test this one is, renamed or moved (matched by body): not a new test."""
    __test__ = False


@dataclass(frozen=True, slots=True)
class BehaviourChange:
    """A change of behaviour read off a function's base and head source, at its head line."""

    file: str
    function: str
    line: int
    kind: Literal["parameter", "keyword parameter", "except", "condition"]
    detail: str
    """The parameter's name, the exception types newly caught, the condition's source."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Head against base: what this change did."""

    base_ref: str
    base_commit: str
    base_metrics: Mapping[str, float]
    deltas: Mapping[str, float]
    new_lint: tuple[LintMessage, ...] = ()
    fixed_lint: tuple[LintMessage, ...] = ()
    complexity_changes: tuple[ComplexityChange, ...] = ()
    files_changed: tuple[str, ...] = ()
    patch: tuple[PatchFile, ...] = ()
    changed_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Lines the change added or modified, per head file (``git diff -U0``), tests included."""
    removed_files: tuple[str, ...] = ()
    test_changes: tuple[TestChange, ...] = ()
    """Test functions the change added or edited, with the assertions it added to them."""
    behaviour: tuple[BehaviourChange, ...] = ()
    """New parameters, exception types caught and conditions of functions both sides have."""
    removed_tests: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Base tests the head lost, not renamed (``file::name`` -> the names each one used)."""
    base_failing: tuple[str, ...] = ()
    """Tests that failed or errored on the base too (node ids): not this change's doing."""
    new_security: tuple[SecurityIssue, ...] = ()
    fixed_security: tuple[SecurityIssue, ...] = ()
    base_tools: Mapping[str, str] = field(default_factory=dict)
    """The versions of the tools that measured the base, as far as they are known (a base
    read from an old note may not say): :mod:`practicegrade.toolchange` compares them
    with the head's ``tools``."""
    ratchets_not_applied: tuple[str, ...] = ()
    """Metrics whose ``ratchet: base`` this grade did not apply: the tool behind them
    measured the base with another version, so the two numbers are not comparable."""


# --------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class RepoInfo:
    root: str
    commit: str | None = None
    tree: str | None = None
    branch: str | None = None
    dirty: bool = False
    source: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    generated: Mapping[str, str] = field(default_factory=dict)
    """Generated source files left out of the static metrics, each with the reason."""


@dataclass(frozen=True, slots=True)
class Report:
    """The source of truth; every artifact is rendered from it."""

    tool_version: str
    generated_at: str
    """ISO 8601 UTC timestamp, passed in (never read inside pure code)."""
    repo: RepoInfo
    metrics: Mapping[str, float]
    unmeasured: Mapping[str, str] = field(default_factory=dict)
    tools: Mapping[str, str] = field(default_factory=dict)
    config_file: str | None = None
    """``None`` means the embedded default model applied."""
    complexity: ComplexityDetails | None = None
    lint: LintDetails | None = None
    tests: TestDetails | None = None
    bench: BenchDetails | None = None
    security: SecurityDetails | None = None
    findings: tuple[Finding, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    comparison: Comparison | None = None
    evaluation: Evaluation | None = None
    feedback: tuple[FeedbackItem, ...] = ()
    schema: int = SCHEMA_VERSION
