"""Suggestions: one per unmet criterion, each with exactly one next step on real code.

For each competency not met, in the gap analysis' order, its most limiting criterion
comes first (so the leading suggestions cover the biggest gaps), then the others. The
next step points at real code when the report's details allow (the function to split,
the lines to test, the lint message to fix, the test to repair); otherwise the role's
next-step bank, else a generic step for the metric's family, fills in.

:class:`FeedbackContext`, the report indexed for every item builder, lives here because
the steps read most of it; :mod:`practicegrade.feedback` builds the other categories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from practicegrade.changefeedback import cc_target
from practicegrade.codeshape import (
    environment_only,
    extraction,
    guards,
    under_environment_switch,
)
from practicegrade.config import Competency, Config
from practicegrade.lintexamples import CATEGORY_WHY
from practicegrade.metrics import bench_name
from practicegrade.model import (
    Code,
    CompetencyResult,
    CriterionResult,
    Evaluation,
    Evidence,
    FeedbackItem,
    FileCoverage,
    FunctionComplexity,
    LintMessage,
    Report,
    TestCase,
    Text,
)
from practicegrade.prose import (
    capitalized,
    code_at,
    compose,
    fmt,
    goal_text,
    helper_named,
    input_making,
    line_ranges,
    lines_phrase,
    metric_label,
    own,
    plural,
)
from practicegrade.rubric import rank_gaps, value_of

_SEVERITY = {"fatal": 0, "error": 1, "warning": 2, "refactor": 3, "convention": 4, "info": 5}
_LINT_CATEGORIES = {
    "lint.errors": ("fatal", "error"),
    "lint.warnings": ("warning",),
    "lint.refactors": ("refactor",),
    "lint.conventions": ("convention",),
}
_SYMBOL_WHY = {
    "undefined-variable": "this name raises NameError when the line runs",
    "no-member": "this attribute is likely an AttributeError waiting to happen",
    "import-error": "the module cannot be imported where the code is graded",
    "syntax-error": "the file cannot run until the syntax error is fixed",
    "unused-import": "unused imports hide which modules a file really needs",
    "unused-variable": "an unused variable is often a typo or a forgotten step",
    "unused-argument": "an unused argument misleads every caller",
    "broad-exception-caught": "a broad except also swallows the bugs you did not expect",
    "bare-except": "a bare except even swallows Ctrl-C and typos",
    "dangerous-default-value": "a mutable default value is shared between calls",
    "subprocess-run-check": "without check=True a failed command goes unnoticed",
    "unspecified-encoding": "without encoding= a file reads differently on another system",
    "redefined-outer-name": "a name that shadows an outer one makes the reader guess",
    "missing-function-docstring": "a one-line docstring says what the function is for",
    "missing-module-docstring": "a module docstring says what the file is for",
    "missing-class-docstring": "a class docstring says what the class represents",
    "invalid-name": "names that follow PEP 8 read the same in every Python codebase",
    "line-too-long": "long lines are hard to read side by side in a review",
    "too-many-branches": "every branch is one more path to understand and test",
    "too-many-statements": "a long function does several jobs at once",
    "too-many-locals": "many local variables are a sign of several jobs in one function",
    "too-many-arguments": "many arguments make every call hard to read",
    "no-else-return": "an early return without else reads flatter",
    "consider-using-f-string": "f-strings are the clearest way to build text",
}
_COVERAGE_WHY = "untested lines are where bugs stay hidden"
_COMPLEXITY_WHY = "each branch is one more path to understand and test"
_BANK_WORDS = {
    "tests.passed": ("first test", "test file", "test"),
    "tests.failed": ("fail", "pytest -x", "assertion"),
    "tests.errors": ("fail", "pytest -x"),
    "tests.skipped": ("test",),
    "tests.duration_s": ("slow", "durations"),
    "coverage": ("branch", "cover", "test"),
    "lint": ("pylint", "lint"),
    "complexity": ("split", "complex", "function"),
    "size": ("function", "split"),
    "bench": ("profil", "fast", "slow"),
    "security": ("shell", "secret", "json"),
}
_FALLBACK_STEP = {
    "tests": "Run pytest locally and fix the first problem it reports.",
    "coverage": "Write a test for the file with the most untested lines.",
    "lint": "Run pylint on one file and fix the messages it lists first.",
    "complexity": "Split the most complex function into two smaller helpers.",
    "size": "Move one self-contained part of the largest file into its own module.",
    "bench": "Profile the benchmark with python -m cProfile and speed up its slowest call.",
    "security": "Run bandit on the file it flags and apply the fix its documentation gives.",
}

# --------------------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class FeedbackContext:
    """Everything the item builders read, indexed once."""

    evaluation: Evaluation
    report: Report
    config: Config
    source: Callable[[str], str | None] | None = None
    """``path -> text`` of a head file, for advice that reads the code (split advice)."""

    @property
    def deltas(self) -> Mapping[str, float]:
        return self.report.comparison.deltas if self.report.comparison else {}

    @property
    def base(self) -> Mapping[str, float]:
        return self.report.comparison.base_metrics if self.report.comparison else {}

    def evidence(self, metric: str, **where: object) -> Evidence:
        value = value_of(self.report.metrics, metric)
        delta = value_of(self.deltas, metric)
        return Evidence(metric=metric, value=value, delta=delta, **where)  # type: ignore[arg-type]

    def competency(self, cid: str) -> Competency | None:
        return next((c for c in self.config.competencies if c.id == cid), None)

    def functions(self) -> list[FunctionComplexity]:
        """Functions and methods, most complex first (ties: file, line)."""
        found = self.report.complexity.functions if self.report.complexity else ()
        return sorted(
            (f for f in found if f.kind != "class"), key=lambda f: (-f.cc, f.file, f.line, f.name)
        )

    def coverage(self) -> tuple[FileCoverage, ...]:
        return self.report.tests.coverage if self.report.tests else ()

    def cases(self, *outcomes: str) -> list[TestCase]:
        found = self.report.tests.cases if self.report.tests else ()
        return [c for c in found if c.outcome in outcomes]

    def lint(self, categories: Iterable[str] | None = None) -> list[LintMessage]:
        found = self.report.lint.messages if self.report.lint else ()
        wanted = set(categories) if categories is not None else None
        return [m for m in found if wanted is None or m.category in wanted]


# --------------------------------------------------------------------------- next steps


@dataclass(frozen=True, slots=True)
class _Step:
    """A concrete next step, the reason it matters and where it points."""

    step: Text
    why: str
    file: str | None = None
    line: int | None = None
    function: str | None = None
    effort: int = 30
    """Roughly how many lines the learner has to write or read: ranks a first grading's steps."""


NO_STEP = _Step((), "")
"""A concrete answer that there is nothing to do: no bank step fills in."""


def _coverage_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """Branch coverage: a branch to take the other way, else (like line coverage) lines to run."""
    branch = _branch_step(ctx.coverage()) if metric == "coverage.branch_pct" else None
    return branch or _function_lines_step(ctx) or _missing_lines_step(ctx.coverage())


_ONE_SESSION = 20
"""Untested lines one test can reasonably reach in one sitting."""


def _function_lines_step(ctx: FeedbackContext) -> _Step | None:
    """One function's untested lines: the most that fit one session, else the fewest."""
    functions = ctx.functions()
    groups: dict[tuple[str, int, str], list[int]] = {}
    for cov in ctx.coverage():
        for line in cov.missing_lines:
            inside = [f for f in functions if f.file == cov.file and f.line <= line <= f.endline]
            fn = min(inside, key=lambda f: (f.endline - f.line, -f.line), default=None)
            # A def that never ran in a module that did: no test here can call it.
            if fn is not None and not _never_defined(fn, cov):
                groups.setdefault((fn.file, fn.line, fn.name), []).append(line)
    if ctx.source is not None:  # lines only another interpreter or platform runs: no step
        for key in list(groups):
            text = ctx.source(key[0])
            if text is None:
                continue
            groups[key] = [n for n in groups[key] if not under_environment_switch(text, n)]
            if not groups[key] or environment_only(guards(text, groups[key])[0]):
                del groups[key]
    if not groups:
        return None
    fits = [k for k, v in groups.items() if len(v) <= _ONE_SESSION]
    pick = (
        max(fits, key=lambda k: (len(groups[k]), k[0], -k[1]))
        if fits
        else min(groups, key=lambda k: (len(groups[k]), k))
    )
    file, line, name = pick
    lines = groups[pick]
    text = ctx.source(file) if ctx.source else None
    conditions, count = guards(text, lines) if text is not None else ([], 0)
    where = input_making(conditions, count)
    step = compose(
        "Write a test that calls ",
        Code(name),
        " (",
        code_at(file, line),
        ")",
        *where,
        "," if where else "",
        f" so that its untested {lines_phrase(lines)} run{'s' if len(lines) == 1 else ''}.",
    )
    total = sum(len(f.missing_lines) for f in ctx.coverage())
    why = (
        f"{plural(len(lines), 'untested line')} of the project's {total} are in this one "
        f"function, so one test can reach them; {_COVERAGE_WHY}."
    )
    return _Step(step, why[:1].upper() + why[1:], file, min(lines), name, effort=len(lines))


def _branch_step(files: Sequence[FileCoverage]) -> _Step | None:
    """The file with the most half-taken branches, and its first such condition."""
    with_arcs = sorted(
        (f for f in files if f.partial_branches),
        key=lambda f: (-len(f.partial_branches), f.file),
    )
    if not with_arcs:
        return None
    top = with_arcs[0]
    src, dst = sorted(top.partial_branches)[0]
    goes = f"line {dst}" if dst > 0 else "the end of the function"
    step = compose(
        f"Write a test where the condition on line {src} of ",
        Code(top.file),
        f" goes the other way (it never jumps to {goes}).",
    )
    why = (
        f"{plural(len(top.partial_branches), 'branch')} in this file never ran both ways; "
        "the untaken side is often the error case."
    )
    return _Step(step, why, top.file, src)


def _missing_lines_step(files: Sequence[FileCoverage]) -> _Step | None:
    """The file with the most untested lines, and which lines they are."""
    with_missing = sorted(
        (f for f in files if f.missing_lines), key=lambda f: (-len(f.missing_lines), f.file)
    )
    if not with_missing:
        return None
    top = with_missing[0]
    step = compose(
        "Write a test that runs ", Code(top.file), f" lines {line_ranges(top.missing_lines)}."
    )
    why = (
        f"It is the file with the most untested lines ({len(top.missing_lines)}, "
        f"{top.line_pct:.1f}% covered); {_COVERAGE_WHY}."
    )
    return _Step(step, why, top.file, min(top.missing_lines))


def _patch_step(ctx: FeedbackContext) -> _Step | None:
    """The changed file with the most untested changed lines: the part a reviewer must trust."""
    patch = ctx.report.comparison.patch if ctx.report.comparison else ()
    files = sorted(
        (p for p in patch if p.uncovered_lines), key=lambda p: (-len(p.uncovered_lines), p.file)
    )
    if not files:
        return None
    top = files[0]
    step = compose(
        f"Cover the changed lines {line_ranges(top.uncovered_lines)} of ",
        Code(top.file),
        " with a test.",
    )
    why = "new code without a test is the part of this change a reviewer has to trust blindly."
    return _Step(step, why.capitalize(), top.file, min(top.uncovered_lines))


def _failing_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """Failing (or erroring) tests: the first one to repair."""
    failed = metric == "tests.failed"
    cases = ctx.cases("failed" if failed else "error")
    if not cases:
        return None
    verb, tail = ("Make ", " pass first.") if failed else ("Fix the error in ", " first.")
    what = ("fails" if len(cases) == 1 else "fail") if failed else "stop with an error"
    why = (
        f"{plural(len(cases), 'test')} {what}; "
        "a red suite hides every new failure behind the old ones."
    )
    comparison = ctx.report.comparison
    old = set(comparison.base_failing) if comparison is not None else set()
    new = [c for c in cases if c.nodeid not in old]
    first = (new or cases)[0]
    if comparison is not None and new:  # the one this change broke comes first, and says so
        why = (
            f"It passed on the base and {'fails' if failed else 'stops with an error'} here; "
            "a red suite hides every new failure behind the old ones."
        )
    return _Step(compose(verb, Code(first.nodeid), tail), why, file=first.nodeid.split("::")[0])


def _skipped_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """The first skipped test, to run again or delete."""
    cases = ctx.cases("skipped")
    if not cases:
        return None
    step = compose("Un-skip ", Code(cases[0].nodeid), ", or delete it if it no longer applies.")
    return _Step(step, "A skipped test checks nothing, yet it looks like coverage.")


def _slow_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """The slowest test that ran (ties: node id, so the pick is stable)."""
    ran = ctx.cases("passed", "failed", "error")
    if not ran:
        return None
    slowest = min(ran, key=lambda c: (-c.duration_s, c.nodeid))
    step = compose(
        "Speed up ", Code(slowest.nodeid), f" (the slowest test, {slowest.duration_s:.2f} s)."
    )
    return _Step(step, "A fast suite gets run before every commit; a slow one gets skipped.")


def _more_tests_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """Too few tests: cover the least tested lines, or write a first test."""
    if value_of(ctx.report.metrics, "tests.passed"):
        found = _coverage_step(ctx, "coverage.line_pct")
        if found is not None:
            return found
    return _first_test_step(ctx)


def _first_test_step(ctx: FeedbackContext) -> _Step | None:
    """A first test for a real function: the simplest public one (biggest file on ties)."""
    files = ctx.report.complexity.files if ctx.report.complexity else ()
    sizes = {f.file: f.sloc for f in files}
    public = [f for f in ctx.functions() if not f.name.rsplit(".", 1)[-1].startswith("_")]
    if not public:
        return None
    pick = min(
        public, key=lambda f: (f.cc, f.kind != "function", -sizes.get(f.file, 0), f.file, f.line)
    )
    step = compose(
        "Write a test for ",
        Code(pick.name),
        " in ",
        code_at(pick.file, pick.line),
        ": call it with a typical input and assert on the result.",
    )
    why = "Tests let you change code without fear; start with one small, simple function."
    return _Step(step, why, pick.file, pick.line, pick.name)


def _lint_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """The metric's messages grouped by symbol: the most severe, then most frequent, first."""
    messages = [
        m
        for m in ctx.lint(_LINT_CATEGORIES.get(metric))
        if not _house_indentation(m, ctx) and not _switched(m, ctx)
    ]
    if not messages:
        return None
    counts = Counter(m.symbol for m in messages)
    severity = {m.symbol: _SEVERITY.get(m.category, 9) for m in messages}
    symbol = min(counts, key=lambda s: (severity[s], -counts[s], s))
    group = sorted((m for m in messages if m.symbol == symbol), key=lambda m: (m.path, m.line))
    first = group[0]
    why = _SYMBOL_WHY.get(symbol) or CATEGORY_WHY.get(first.category, "")
    noun = "message" if counts[symbol] == 1 else "messages"
    step = compose(
        f"Fix the {counts[symbol]} ",
        Code(symbol),
        f" {noun} first, starting at ",
        code_at(first.path, first.line),
        ".",
    )
    return _Step(
        step,
        why[:1].upper() + why[1:] + ".",
        first.path,
        first.line,
        first.obj or None,
        effort=2 * counts[symbol],
    )


_INDENTATION = frozenset({"bad-indentation", "mixed-indentation"})


def _house_indentation(message: LintMessage, ctx: FeedbackContext) -> bool:
    """Indentation messages by the dozen mean the project indents its own way (tabs):
    pylint's default is not the mentee's mistake."""
    if message.symbol not in _INDENTATION:
        return False
    return sum(1 for m in ctx.lint() if m.symbol in _INDENTATION) >= 20


def _switched(message: LintMessage, ctx: FeedbackContext) -> bool:
    """A message on a line only another interpreter or platform runs (``if PY2:``): this
    interpreter's pylint cannot judge it (``unicode`` is undefined on Python 3)."""
    if ctx.source is None:
        return False
    text = ctx.source(message.path)
    return text is not None and under_environment_switch(text, message.line)


def _complexity_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """Maintainability: the least maintainable file; otherwise the most complex function
    this interpreter defines."""
    if metric in {"complexity.mi_min", "complexity.mi_mean"}:
        return _maintainability_step(ctx)
    coverage = {f.file: f for f in ctx.coverage()}
    target = cc_target([(k.metric, k.target) for c in ctx.config.competencies for k in c.criteria])
    defined = [f for f in ctx.functions() if not _never_defined(f, coverage.get(f.file))]
    if not defined or defined[0].cc <= target:
        return NO_STEP  # the functions above the target exist only on another interpreter
    return _split_function_step(defined, ctx.source)


def _never_defined(fn: FunctionComplexity, found: FileCoverage | None) -> bool:
    """Whether the tests imported ``fn``'s module but never ran its ``def``: it is defined
    only on another interpreter (six's ``print_`` for Python 2.5), so splitting it is work
    no test can check."""
    return found is not None and found.covered_lines > 0 and fn.line in found.missing_lines


def _maintainability_step(ctx: FeedbackContext) -> _Step | None:
    files = sorted(
        ctx.report.complexity.files if ctx.report.complexity else (),
        key=lambda f: (f.mi, f.file),
    )
    if not files:
        return None
    low = files[0]
    step = compose(
        "Split the largest function of ",
        Code(low.file),
        f" (maintainability index {low.mi:.1f}) into smaller helpers.",
    )
    return _Step(step, "Short, simple files are cheaper to read and change.", low.file)


def _split_function_step(
    functions: Sequence[FunctionComplexity], source: Callable[[str], str | None] | None = None
) -> _Step | None:
    """The most complex function (``functions``: most complex first): its largest block that
    fits one session, to extract; else the function, to split in two."""
    if not functions:
        return None
    top = functions[0]
    over = sum(1 for f in functions if f.cc > 10)
    why = (
        f"It is the most complex function ({plural(over, 'function')} above cc 10); "
        f"{_COMPLEXITY_WHY}."
    )
    text = source(top.file) if source else None
    block = extraction(text, top.line, top.name) if text is not None else None
    if block is not None:
        step = compose(
            f"Extract the {block.kind} on lines {block.start}-{block.end} of ",
            Code(top.file),
            " from ",
            Code(top.name),
            f" (cc {top.cc})",
            *helper_named(block.name, block.lines),
            ", and give it a test of its own.",
        )
        return _Step(step, why, top.file, top.line, top.name, effort=block.lines)
    step = compose(
        "Split ",
        Code(top.name),
        f" (cc {top.cc}, ",
        code_at(top.file, top.line),
        ") into two helpers",
        " whose names say what each half does.",
    )
    return _Step(step, why, top.file, top.line, top.name, effort=top.endline - top.line + 1)


def _bench_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """Profile the benchmark: its timing says how slow, not where."""
    name = bench_name(metric)
    if name is None:
        return None
    del ctx
    step = compose(
        "Profile ", Code(name), " with python -m cProfile and speed up its slowest call."
    )
    return _Step(step, "Measure first: the slow part is rarely where it seems.")


def _security_step(ctx: FeedbackContext, metric: str) -> _Step | None:
    """The safe alternative for the most frequent bandit result of the metric's severity."""
    from practicegrade.securityfeedback import criterion_step  # noqa: PLC0415

    found = criterion_step(ctx, metric)
    if found is None:
        return None
    step, why, issue = found
    return _Step(step, why, issue.file, issue.line)


def _none(ctx: FeedbackContext, metric: str) -> _Step | None:
    """No concrete step for this metric: the bank step fills in."""
    del ctx, metric
    return None


_TEST_STEPS = {
    "tests.failed": _failing_step,
    "tests.errors": _failing_step,
    "tests.skipped": _skipped_step,
    "tests.duration_s": _slow_step,
    "tests.passed": _more_tests_step,
}


def _concrete(ctx: FeedbackContext, crit: CriterionResult) -> _Step | None:
    """The data-backed next step for one unmet criterion, if the details allow one."""
    family = crit.metric.split(".", 1)[0]
    if crit.metric == "coverage.patch_pct":
        return _patch_step(ctx)
    builders = {
        "coverage": lambda: _coverage_step(ctx, crit.metric),
        "tests": lambda: _TEST_STEPS.get(crit.metric, _none)(ctx, crit.metric),
        "lint": lambda: _lint_step(ctx, crit.metric),
        "complexity": lambda: _complexity_step(ctx, crit.metric),
        "bench": lambda: _bench_step(ctx, crit.metric),
        "security": lambda: _security_step(ctx, crit.metric),
    }
    build = builders.get(family)
    return build() if build else None


def _bank_step(comp: Competency | None, metric: str) -> Text:
    """A step from the competency's bank that fits the metric, else our generic one."""
    family = metric.split(".", 1)[0]
    words = _BANK_WORDS.get(metric) or _BANK_WORDS.get(family, ())
    bank = comp.next_steps if comp else ()
    for word in words:
        for step in bank:
            if word in step.lower():
                return (own(step),)
    return (_FALLBACK_STEP.get(family, "Talk this metric through with your mentor."),)


def _suggestion(
    ctx: FeedbackContext, comp: CompetencyResult, crit: CriterionResult
) -> FeedbackItem | None:
    """Where the criterion stands and why it matters; the next step says what to do
    (``None``: the data says there is nothing this code can do, :data:`NO_STEP`)."""
    assert crit.value is not None
    concrete = _concrete(ctx, crit)
    if concrete is NO_STEP:
        return None
    step = concrete.step if concrete else _bank_step(ctx.competency(comp.id), crit.metric)
    why = concrete.why if concrete else ""
    goal = goal_text(crit.target or crit.gate)
    text = compose(
        *capitalized(metric_label(crit.metric)),
        f": {fmt(crit.metric, crit.value)} (target {goal}).",
        f" {why}" if why else None,
    )
    where = {}
    if concrete:
        where = {"file": concrete.file, "line": concrete.line, "function": concrete.function}
    effort = concrete.effort if concrete else 60
    rank = (0 if crit.gate_failed else 10) + min(effort, 39)
    return FeedbackItem(
        "suggestion", comp.id, text, ctx.evidence(crit.metric, **where), step, rank=rank
    )


def _order(evaluation: Evaluation) -> list[CompetencyResult]:
    """Competencies not met: the gaps first, in the gap analysis' order, then the rest."""
    by_id = {c.id: c for c in evaluation.competencies}
    ranked = rank_gaps(evaluation.competencies, limit=len(evaluation.competencies))
    ids = [*evaluation.gaps, *(cid for cid in ranked if cid not in evaluation.gaps)]
    return [by_id[cid] for cid in ids if cid in by_id]


def _unmet(comp: CompetencyResult) -> list[CriterionResult]:
    """Measured criteria not at target, the most limiting first."""
    index = {id(c): i for i, c in enumerate(comp.criteria)}
    found = [c for c in comp.criteria if c.status != "met" and c.value is not None]
    return sorted(found, key=lambda c: (not c.gate_failed, -c.distance, index[id(c)]))


def _no_tests_step(ctx: FeedbackContext) -> FeedbackItem | None:
    """No tests at all: the first thing to change, whatever the model's weights say."""
    found = next((f for f in ctx.report.findings if f.kind == "no-tests"), None)
    if found is None:
        return None
    comp = next(
        (
            c
            for c in ctx.config.competencies
            if any(k.metric.startswith(("tests.", "coverage.")) for k in c.criteria)
        ),
        None,
    )
    concrete = _first_test_step(ctx)
    step = concrete.step if concrete else _bank_step(comp, "tests.passed")
    text = compose("No tests were found, so nothing about the code's behaviour is checked yet.")
    evidence = Evidence(
        metric="tests.passed",
        file=concrete.file if concrete else None,
        line=concrete.line if concrete else None,
        function=concrete.function if concrete else None,
    )
    return FeedbackItem("suggestion", comp.id if comp else None, text, evidence, step, rank=0)


def suggestions(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Every suggestion, ordered (module docstring); one item per distinct next step."""
    primary: list[FeedbackItem] = []
    secondary: list[FeedbackItem] = []
    first_test = _no_tests_step(ctx)
    if first_test is not None:
        primary.append(first_test)
    for comp in _order(ctx.evaluation):
        for i, crit in enumerate(_unmet(comp)):
            item = _suggestion(ctx, comp, crit)
            if item is not None:
                (primary if i == 0 else secondary).append(item)
    seen: set[Text | None] = set()
    unique = []
    for item in (*primary, *secondary):
        if item.next_step not in seen:
            seen.add(item.next_step)
            unique.append(item)
    return unique
