"""Pure, deterministic feedback: blockers, suggestions with one next step, praise, observations.

Input is the evaluation (:mod:`practicegrade.rubric`), the report's measurements and
details, and the model; output is an ordered tuple of :class:`FeedbackItem`:

1. ``blocker``: one per failed gate, in model order.
2. ``suggestion``: for each competency not met, in the gap analysis' order, first its
   most limiting criterion (so the three that lead cover the three biggest gaps), then
   the other unmet criteria. Each carries exactly one ``next_step`` pointing at real
   code (the function to split, the lines to test, the lint message to fix, the test
   to repair); the role's next-step bank fills in where the details say nothing more.
3. ``praise``: grounded in data only (targets reached, measured improvements, all tests
   passing, no complex function, covered changes, fixed messages, simplified functions).
4. ``observed``: neutral facts (the baseline, regressions, new lint messages, what could
   not be measured and why, findings, milestones at risk).

Wording is neutral, specific and recommendation first. Every string that comes from
the learner's repository or config (paths, names, test ids, tool messages, free-text
titles and steps) is a :class:`~practicegrade.model.Code` part, never formatted into our
``str`` parts; only numbers we format ourselves and our own words are plain text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from practicegrade import expr
from practicegrade.config import (
    METRICS,
    Competency,
    Config,
    bench_name,
    builtin_next_steps,
    metric_info,
    role_model,
)
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
from practicegrade.roles import role_names
from practicegrade.rubric import assess, better_direction, rank_gaps, value_of

Part = str | Code
MAX_PRAISE_FILES = 3
MAX_FINDINGS = 10
_SEVERITY = {"fatal": 0, "error": 1, "warning": 2, "refactor": 3, "convention": 4, "info": 5}
_LINT_CATEGORIES = {
    "lint.errors": ("fatal", "error"),
    "lint.warnings": ("warning",),
    "lint.refactors": ("refactor",),
    "lint.conventions": ("convention",),
}
_CATEGORY_WHY = {
    "fatal": "pylint could not analyse this code at all",
    "error": "pylint errors are usually real bugs",
    "warning": "warnings point at code that probably does not do what it seems to",
    "refactor": "refactor messages point at designs that will be hard to change",
    "convention": "conventions keep the code familiar to every Python reader",
    "info": "informational messages explain how pylint read the code",
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
}
_FALLBACK_STEP = {
    "tests": "Run pytest locally and fix the first problem it reports.",
    "coverage": "Write a test for the file with the most untested lines.",
    "lint": "Run pylint on one file and fix the messages it lists first.",
    "complexity": "Split the most complex function into two smaller helpers.",
    "size": "Move one self-contained part of the largest file into its own module.",
    "bench": "Profile the benchmark with python -m cProfile and speed up its slowest call.",
}


# --------------------------------------------------------------------------- text helpers


def _text(*parts: Part | None) -> Text:
    """A Text from parts: adjacent ``str`` parts joined, empty parts dropped."""
    out: list[Part] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + part
        else:
            out.append(part)
    return tuple(out)


def _decimals(metric: str, value: float) -> int:
    if metric.endswith("_pct"):
        return 1
    if metric.endswith("_s"):
        return 3
    if metric == "lint.score" or metric.endswith(("_mean", "_min", "ratio_vs_base")):
        return 2
    return 0 if float(value).is_integer() else 2


def fmt(metric: str, value: float) -> str:
    """A value with its unit, at the renderers' fixed precision: ``54.2%``, ``8.50/10``."""
    if not math.isfinite(value):
        return str(value)
    number = f"{value:.{_decimals(metric, value)}f}"
    info = metric_info(metric)
    unit = info.unit if info else ""
    return {"%": f"{number}%", "/10": f"{number}/10", "s": f"{number} s", "x": f"{number}x"}.get(
        unit, number
    )


def _label(metric: str) -> tuple[Part, ...]:
    """How our prose names a metric; unknown or benchmark keys stay code."""
    name = bench_name(metric)
    info = metric_info(metric)
    if name is not None and info is not None:
        return (f"the {info.label} of ", Code(name))
    if info is not None:
        return (info.label,)
    return (Code(metric),)


def _subject(metric: str) -> tuple[Part, ...]:
    """The metric as the object of a sentence: counts read "the number of ..."."""
    info = metric_info(metric)
    label = _label(metric)
    if info is not None and info.unit == "count" and isinstance(label[0], str):
        return ("the number of ", *label)
    if isinstance(label[0], str) and not label[0].startswith("the "):
        return ("the ", *label)
    return label


def _cap(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Sentence case for a label that starts with our words."""
    if parts and isinstance(parts[0], str):
        return (parts[0][:1].upper() + parts[0][1:], *parts[1:])
    return parts


def _goal(text: str | None) -> str:
    """An expression re-rendered from its parsed parts (never the raw config string)."""
    if text is None:
        return ""
    try:
        return expr.format_threshold(expr.parse(text))
    except expr.ExprError:
        return "(invalid)"


def _where(file: str, line: int | None) -> Code:
    return Code(f"{file}:{line}" if line else file)


def _ranges(lines: Sequence[int], limit: int = 5) -> str:
    """``12-18, 30`` (our formatting of numbers), at most ``limit`` ranges."""
    nums = sorted(set(lines))
    spans: list[tuple[int, int]] = []
    for n in nums:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans[:limit])
    rest = sum(b - a + 1 for a, b in spans[limit:])
    return shown + (f" and {rest} more line{'s' if rest != 1 else ''}" if rest else "")


def _plural(count: int, noun: str) -> str:
    suffix = "es" if noun.endswith(("ch", "sh", "s", "x")) else "s"
    return f"{count} {noun}{'' if count == 1 else suffix}"


@cache
def _trusted() -> frozenset[str]:
    """Built-in wording (role titles and next steps): safe to show as prose."""
    titles = {c.title for name in role_names() for c in role_model(name).competencies}
    return builtin_next_steps() | frozenset(titles)


def _own(text: str) -> Part:
    """Config text as prose when it is built-in wording, else as code."""
    return text if text in _trusted() else Code(text)


# --------------------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Everything the item builders read, indexed once."""

    evaluation: Evaluation
    report: Report
    config: Config

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


# --------------------------------------------------------------------------- blockers

_GATE_PHRASE = {
    ">=": "up to at least ",
    ">": "above ",
    "<=": "down to at most ",
    "<": "below ",
    "==": "to exactly ",
}


def _blockers(ctx: _Ctx) -> list[FeedbackItem]:
    items = []
    for comp in ctx.evaluation.competencies:
        for crit in comp.criteria:
            if not crit.gate_failed or crit.gate is None:
                continue
            if crit.value is None:
                reason = ctx.report.unmeasured.get(crit.metric, "it was not measured")
                text = _text(
                    "Add tests so that ",
                    *_subject(crit.metric),
                    f" can be measured: the agreed floor is {_goal(crit.gate)}, and ",
                    Code(reason),
                    ".",
                )
                items.append(FeedbackItem("blocker", comp.id, text, ctx.evidence(crit.metric)))
                continue
            gate = expr.parse(crit.gate)
            phrase = "down to " if gate.op == "==" and gate.number == 0 else _GATE_PHRASE[gate.op]
            text = _text(
                "Bring ",
                *_subject(crit.metric),
                f" {phrase}{fmt(crit.metric, gate.number)}: it is {fmt(crit.metric, crit.value)}, ",
                f"and the agreed floor is {_goal(crit.gate)}.",
            )
            items.append(FeedbackItem("blocker", comp.id, text, ctx.evidence(crit.metric)))
    return items


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True, slots=True)
class _Step:
    """A concrete next step, the reason it matters and where it points."""

    step: Text
    why: str
    file: str | None = None
    line: int | None = None
    function: str | None = None


def _coverage_step(ctx: _Ctx, metric: str) -> _Step | None:
    files = ctx.coverage()
    if metric == "coverage.branch_pct":
        with_arcs = sorted(
            (f for f in files if f.partial_branches),
            key=lambda f: (-len(f.partial_branches), f.file),
        )
        if with_arcs:
            top = with_arcs[0]
            src, dst = sorted(top.partial_branches)[0]
            goes = f"line {dst}" if dst > 0 else "the end of the function"
            step = _text(
                f"Write a test where the condition on line {src} of ",
                Code(top.file),
                f" goes the other way (it never jumps to {goes}).",
            )
            why = (
                f"{_plural(len(top.partial_branches), 'branch')} in this file never ran both ways; "
                "the untaken side is often the error case."
            )
            return _Step(step, why, top.file, src)
    with_missing = sorted(
        (f for f in files if f.missing_lines), key=lambda f: (-len(f.missing_lines), f.file)
    )
    if not with_missing:
        return None
    top = with_missing[0]
    step = _text("Write a test that runs ", Code(top.file), f" lines {_ranges(top.missing_lines)}.")
    why = (
        f"It is the file with the most untested lines ({len(top.missing_lines)}, "
        f"{top.line_pct:.1f}% covered); {_COVERAGE_WHY}."
    )
    return _Step(step, why, top.file, min(top.missing_lines))


def _patch_step(ctx: _Ctx) -> _Step | None:
    patch = ctx.report.comparison.patch if ctx.report.comparison else ()
    files = sorted(
        (p for p in patch if p.uncovered_lines), key=lambda p: (-len(p.uncovered_lines), p.file)
    )
    if not files:
        return None
    top = files[0]
    step = _text(
        f"Cover the changed lines {_ranges(top.uncovered_lines)} of ",
        Code(top.file),
        " with a test.",
    )
    why = "new code without a test is the part of this change a reviewer has to trust blindly."
    return _Step(step, why.capitalize(), top.file, min(top.uncovered_lines))


def _failing_step(ctx: _Ctx, metric: str) -> _Step | None:
    """Failing (or erroring) tests: the first one to repair."""
    failed = metric == "tests.failed"
    cases = ctx.cases("failed" if failed else "error")
    if not cases:
        return None
    verb, tail = ("Make ", " pass first.") if failed else ("Fix the error in ", " first.")
    what = "fail" if failed else "stop with an error"
    why = (
        f"{_plural(len(cases), 'test')} {what}; "
        "a red suite hides every new failure behind the old ones."
    )
    first = cases[0]
    return _Step(_text(verb, Code(first.nodeid), tail), why, file=first.nodeid.split("::")[0])


def _skipped_step(ctx: _Ctx, metric: str) -> _Step | None:
    cases = ctx.cases("skipped")
    if not cases:
        return None
    step = _text("Un-skip ", Code(cases[0].nodeid), ", or delete it if it no longer applies.")
    return _Step(step, "A skipped test checks nothing, yet it looks like coverage.")


def _slow_step(ctx: _Ctx, metric: str) -> _Step | None:
    ran = ctx.cases("passed", "failed", "error")
    if not ran:
        return None
    slowest = min(ran, key=lambda c: (-c.duration_s, c.nodeid))
    step = _text(
        "Speed up ", Code(slowest.nodeid), f" (the slowest test, {slowest.duration_s:.2f} s)."
    )
    return _Step(step, "A fast suite gets run before every commit; a slow one gets skipped.")


def _more_tests_step(ctx: _Ctx, metric: str) -> _Step | None:
    """Too few tests: cover the least tested lines, or write a first test."""
    if value_of(ctx.report.metrics, "tests.passed"):
        found = _coverage_step(ctx, "coverage.line_pct")
        if found is not None:
            return found
    return _first_test_step(ctx)


def _first_test_step(ctx: _Ctx) -> _Step | None:
    """A first test for a real function: the simplest public one (biggest file on ties)."""
    files = ctx.report.complexity.files if ctx.report.complexity else ()
    sizes = {f.file: f.sloc for f in files}
    public = [f for f in ctx.functions() if not f.name.rsplit(".", 1)[-1].startswith("_")]
    if not public:
        return None
    pick = min(
        public, key=lambda f: (f.cc, f.kind != "function", -sizes.get(f.file, 0), f.file, f.line)
    )
    step = _text(
        "Write a test for ",
        Code(pick.name),
        " in ",
        _where(pick.file, pick.line),
        ": call it with a typical input and assert on the result.",
    )
    why = "Tests let you change code without fear; start with one small, simple function."
    return _Step(step, why, pick.file, pick.line, pick.name)


def _lint_step(ctx: _Ctx, metric: str) -> _Step | None:
    messages = ctx.lint(_LINT_CATEGORIES.get(metric))
    if not messages:
        return None
    counts = Counter(m.symbol for m in messages)
    severity = {m.symbol: _SEVERITY.get(m.category, 9) for m in messages}
    symbol = min(counts, key=lambda s: (severity[s], -counts[s], s))
    group = sorted((m for m in messages if m.symbol == symbol), key=lambda m: (m.path, m.line))
    first = group[0]
    why = _SYMBOL_WHY.get(symbol) or _CATEGORY_WHY.get(first.category, "")
    noun = "message" if counts[symbol] == 1 else "messages"
    step = _text(
        f"Fix the {counts[symbol]} ",
        Code(symbol),
        f" {noun} first, starting at ",
        _where(first.path, first.line),
        ".",
    )
    return _Step(step, why[:1].upper() + why[1:] + ".", first.path, first.line, first.obj or None)


def _complexity_step(ctx: _Ctx, metric: str) -> _Step | None:
    functions = ctx.functions()
    if metric in {"complexity.mi_min", "complexity.mi_mean"}:
        files = sorted(
            ctx.report.complexity.files if ctx.report.complexity else (),
            key=lambda f: (f.mi, f.file),
        )
        if not files:
            return None
        low = files[0]
        step = _text(
            "Split the largest function of ",
            Code(low.file),
            f" (maintainability index {low.mi:.1f}) into smaller helpers.",
        )
        return _Step(step, "Short, simple files are cheaper to read and change.", low.file)
    if not functions:
        return None
    top = functions[0]
    step = _text(
        "Split ",
        Code(top.name),
        f" (cc {top.cc}, ",
        _where(top.file, top.line),
        ") into two helpers",
        " whose names say what each half does.",
    )
    over = sum(1 for f in functions if f.cc > 10)
    why = (
        f"It is the most complex function ({_plural(over, 'function')} above cc 10); "
        f"{_COMPLEXITY_WHY}."
    )
    return _Step(step, why, top.file, top.line, top.name)


def _bench_step(ctx: _Ctx, metric: str) -> _Step | None:
    name = bench_name(metric)
    if name is None:
        return None
    del ctx
    step = _text("Profile ", Code(name), " with python -m cProfile and speed up its slowest call.")
    return _Step(step, "Measure first: the slow part is rarely where it seems.")


def _none(ctx: _Ctx, metric: str) -> _Step | None:
    del ctx, metric
    return None


_TEST_STEPS = {
    "tests.failed": _failing_step,
    "tests.errors": _failing_step,
    "tests.skipped": _skipped_step,
    "tests.duration_s": _slow_step,
    "tests.passed": _more_tests_step,
}


def _concrete(ctx: _Ctx, crit: CriterionResult) -> _Step | None:
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
                return (_own(step),)
    return (_FALLBACK_STEP.get(family, "Talk this metric through with your mentor."),)


def _suggestion(ctx: _Ctx, comp: CompetencyResult, crit: CriterionResult) -> FeedbackItem:
    assert crit.value is not None
    concrete = _concrete(ctx, crit)
    step = concrete.step if concrete else _bank_step(ctx.competency(comp.id), crit.metric)
    why = concrete.why if concrete else ""
    goal = _goal(crit.target or crit.gate)
    text = _text(
        *_cap(_label(crit.metric)),
        f": {fmt(crit.metric, crit.value)} (target {goal}).",
        f" {why}" if why else None,
    )
    where = {}
    if concrete:
        where = {"file": concrete.file, "line": concrete.line, "function": concrete.function}
    return FeedbackItem("suggestion", comp.id, text, ctx.evidence(crit.metric, **where), step)


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


def _no_tests_step(ctx: _Ctx) -> FeedbackItem | None:
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
    text = _text("No tests were found, so nothing about the code's behaviour is checked yet.")
    evidence = Evidence(
        metric="tests.passed",
        file=concrete.file if concrete else None,
        line=concrete.line if concrete else None,
        function=concrete.function if concrete else None,
    )
    return FeedbackItem("suggestion", comp.id if comp else None, text, evidence, step)


def _suggestions(ctx: _Ctx) -> list[FeedbackItem]:
    primary: list[FeedbackItem] = []
    secondary: list[FeedbackItem] = []
    first_test = _no_tests_step(ctx)
    if first_test is not None:
        primary.append(first_test)
    for comp in _order(ctx.evaluation):
        for i, crit in enumerate(_unmet(comp)):
            (primary if i == 0 else secondary).append(_suggestion(ctx, comp, crit))
    seen: set[Text | None] = set()
    unique = []
    for item in (*primary, *secondary):
        if item.next_step not in seen:
            seen.add(item.next_step)
            unique.append(item)
    return unique


# --------------------------------------------------------------------------- praise


def _reached(ctx: _Ctx) -> list[FeedbackItem]:
    """Targets met now that were not met at the base."""
    items = []
    for comp in ctx.evaluation.competencies:
        model = ctx.competency(comp.id)
        if model is None or len(model.criteria) != len(comp.criteria):
            continue
        for crit, spec in zip(comp.criteria, model.criteria, strict=True):
            base = value_of(ctx.base, crit.metric)
            if crit.status != "met" or base is None or crit.target is None:
                continue
            if assess(spec, base).status == "met":
                continue
            text = _text(
                "Reached the target for ",
                *_label(crit.metric),
                f" ({_goal(crit.target)}): ",
                f"{fmt(crit.metric, base)} -> {fmt(crit.metric, crit.value or 0.0)}.",
            )
            items.append(FeedbackItem("praise", comp.id, text, ctx.evidence(crit.metric)))
    return items


def _moves(ctx: _Ctx) -> list[tuple[str, float, float, bool]]:
    """(metric, before, after, improved) for every metric that visibly moved since the base.

    The model's own metrics come first, in model order; then the rest in catalogue order.
    """
    moves = []
    for metric in sorted(ctx.deltas, key=lambda m: _metric_rank(ctx.config, m)):
        after = value_of(ctx.report.metrics, metric)
        before = value_of(ctx.base, metric)
        direction = better_direction(ctx.config, metric)
        if after is None or before is None or direction is None:
            continue
        if fmt(metric, before) == fmt(metric, after):
            continue
        moves.append((metric, before, after, (after > before) == (direction == "higher")))
    return moves


def _metric_rank(config: Config, metric: str) -> tuple[int, int, str]:
    in_model = [k.metric for c in config.competencies for k in c.criteria]
    if metric in in_model:
        return (0, in_model.index(metric), metric)
    catalogue = list(METRICS)
    return (1, catalogue.index(metric) if metric in catalogue else len(catalogue), metric)


def _moved_text(metric: str, before: float, after: float) -> Text:
    verb = " rose from " if after > before else " fell from "
    return _text(*_cap(_label(metric)), verb, f"{fmt(metric, before)} to {fmt(metric, after)}.")


def _improvements(ctx: _Ctx, skip: set[str]) -> list[FeedbackItem]:
    """Metrics that visibly improved (``skip``: those already praised for reaching target)."""
    return [
        FeedbackItem(
            "praise",
            _competency_of(ctx, metric),
            _moved_text(metric, before, after),
            ctx.evidence(metric),
        )
        for metric, before, after, improved in _moves(ctx)
        if improved and metric not in skip
    ]


def _competency_of(ctx: _Ctx, metric: str) -> str | None:
    return next(
        (c.id for c in ctx.config.competencies if any(k.metric == metric for k in c.criteria)), None
    )


def _state_praise(ctx: _Ctx) -> list[FeedbackItem]:
    """Praise for how things stand: all tests pass, no complex function, targets met."""
    items = []
    metrics = ctx.report.metrics
    passed = value_of(metrics, "tests.passed")
    if passed and not value_of(metrics, "tests.failed") and not value_of(metrics, "tests.errors"):
        text = _text(f"All {int(passed)} tests pass." if passed != 1 else "The test passes.")
        items.append(
            FeedbackItem(
                "praise", _competency_of(ctx, "tests.failed"), text, ctx.evidence("tests.passed")
            )
        )
    functions = ctx.functions()
    if functions and functions[0].cc <= 10:
        text = _text(f"No function is above complexity 10 (the highest is {functions[0].cc}).")
        items.append(
            FeedbackItem(
                "praise",
                _competency_of(ctx, "complexity.cc_max"),
                text,
                ctx.evidence("complexity.cc_max"),
            )
        )
    for comp in ctx.evaluation.competencies:
        if comp.status == "met" and comp.criteria:
            text = _text("Every target of ", _own(comp.title), " is met.")
            items.append(FeedbackItem("praise", comp.id, text))
    return items


def _change_praise(ctx: _Ctx) -> list[FeedbackItem]:
    """Praise for what this change did: covered files, fixed messages, simpler functions."""
    comparison = ctx.report.comparison
    if comparison is None:
        return []
    items = []
    covered = sorted(
        (p for p in comparison.patch if p.changed_lines and not p.uncovered_lines),
        key=lambda p: (-p.changed_lines, p.file),
    )
    for p in covered[:MAX_PRAISE_FILES]:
        text = _text(
            "Every changed line of ",
            Code(p.file),
            f" is covered by tests ({_plural(p.changed_lines, 'line')}).",
        )
        items.append(
            FeedbackItem(
                "praise",
                _competency_of(ctx, "coverage.patch_pct"),
                text,
                Evidence(metric="coverage.patch_pct", file=p.file),
            )
        )
    if comparison.fixed_lint:
        symbol, _ = _most_common(m.symbol for m in comparison.fixed_lint)
        text = _text(
            f"Fixed {_plural(len(comparison.fixed_lint), 'pylint message')}, most often ",
            Code(symbol),
            ".",
        )
        items.append(
            FeedbackItem(
                "praise", _competency_of(ctx, "lint.score"), text, ctx.evidence("lint.score")
            )
        )
    simpler = sorted(
        (
            c
            for c in comparison.complexity_changes
            if c.before is not None and c.after is not None and c.after < c.before
        ),
        key=lambda c: (c.after - c.before, c.file, c.name),  # type: ignore[operator]
    )
    for change in simpler[:MAX_PRAISE_FILES]:
        text = _text(
            "Simplified ",
            Code(change.name),
            " in ",
            Code(change.file),
            f": cc {change.before} -> {change.after}.",
        )
        items.append(
            FeedbackItem(
                "praise",
                _competency_of(ctx, "complexity.cc_max"),
                text,
                Evidence(metric="complexity.cc_max", file=change.file, function=change.name),
            )
        )
    return items


def _most_common(values: Iterable[str]) -> tuple[str, int]:
    counts = Counter(values)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# --------------------------------------------------------------------------- observed

_FINDING_TEXT = {
    "syntax-error": "A file could not be parsed: ",
    "unreadable-file": "A file could not be read: ",
    "collection-error": "pytest could not collect tests: ",
    "timeout": "A tool ran out of time: ",
    "tool-missing": "A tool is missing: ",
}


def _regressions(ctx: _Ctx) -> list[FeedbackItem]:
    """The baseline note on a first run, else every metric that moved the wrong way."""
    if ctx.report.comparison is None:
        text = _text("No base to compare with: these numbers are the baseline for later changes.")
        return [FeedbackItem("observed", None, text)]
    return [
        FeedbackItem(
            "observed",
            _competency_of(ctx, metric),
            _moved_text(metric, old, new),
            ctx.evidence(metric),
        )
        for metric, old, new, improved in _moves(ctx)
        if not improved
    ]


def _change_observed(ctx: _Ctx) -> list[FeedbackItem]:
    """New lint messages, and functions this change pushed above complexity 10."""
    comparison = ctx.report.comparison
    if comparison is None:
        return []
    items = []
    if comparison.new_lint:
        symbol, _ = _most_common(m.symbol for m in comparison.new_lint)
        count = _plural(len(comparison.new_lint), "pylint message")
        text = _text(f"This change adds {count}, most often ", Code(symbol), ".")
        items.append(
            FeedbackItem(
                "observed", _competency_of(ctx, "lint.score"), text, ctx.evidence("lint.score")
            )
        )
    worse = sorted(
        (c for c in comparison.complexity_changes if (c.after or 0) > max(10, c.before or 0)),
        key=lambda c: (-(c.after or 0), c.file, c.name),
    )
    for change in worse[:MAX_PRAISE_FILES]:
        was = f"was {change.before}" if change.before is not None else "new function"
        text = _text(
            "Complexity of ",
            Code(change.name),
            " in ",
            Code(change.file),
            f" is now {change.after} ({was}).",
        )
        evidence = Evidence(metric="complexity.cc_max", file=change.file, function=change.name)
        items.append(
            FeedbackItem("observed", _competency_of(ctx, "complexity.cc_max"), text, evidence)
        )
    return items


def _pragmas(ctx: _Ctx) -> list[FeedbackItem]:
    count = ctx.report.tests.pragma_no_cover if ctx.report.tests else 0
    if not count:
        return []
    verb = "is" if count == 1 else "are"
    text = _text(f"{_plural(count, 'line')} {verb} excluded from coverage with pragma: no cover.")
    return [FeedbackItem("observed", _competency_of(ctx, "coverage.line_pct"), text)]


def _observed(ctx: _Ctx) -> list[FeedbackItem]:
    return [
        *_regressions(ctx),
        *_change_observed(ctx),
        *_unmeasured(ctx),
        *_findings(ctx),
        *_milestones(ctx),
        *_pragmas(ctx),
    ]


def _unmeasured(ctx: _Ctx) -> list[FeedbackItem]:
    """Metrics the model asks for that were not measured, one item per reason."""
    by_reason: dict[str | None, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for comp in ctx.evaluation.competencies:
        for crit in comp.criteria:
            if crit.value is None and crit.metric not in seen:
                seen.add(crit.metric)
                reason = ctx.report.unmeasured.get(crit.metric)
                by_reason.setdefault(reason, []).append((crit.metric, comp.id))
    items = []
    for reason, found in by_reason.items():
        labels: list[Part] = []
        for i, (metric, _) in enumerate(found):
            labels += [", " if i else "", *_label(metric)]
        tail: tuple[Part, ...] = (" (", Code(reason), ").") if reason else (".",)
        text = _text("Not measured: ", *labels, *tail)
        items.append(FeedbackItem("observed", found[0][1], text, Evidence(metric=found[0][0])))
    return items


def _findings(ctx: _Ctx) -> list[FeedbackItem]:
    """What the tools hit; "no tests" is already the leading suggestion."""
    items = []
    shown = [f for f in ctx.report.findings if f.kind != "no-tests"][:MAX_FINDINGS]
    for finding in shown:
        lead = _FINDING_TEXT.get(finding.kind)
        head: tuple[Part, ...] = (lead,) if lead else ("Finding ", Code(finding.kind), ": ")
        text = _text(*head, Code(finding.message))
        items.append(
            FeedbackItem("observed", None, text, Evidence(file=finding.file, line=finding.line))
        )
    return items


def _milestones(ctx: _Ctx) -> list[FeedbackItem]:
    items = []
    for m in ctx.evaluation.milestones:
        if m.status == "overdue":
            tail = f" was due {_plural(-m.days_left, 'day')} ago and is not met yet."
        elif m.status == "at-risk":
            tail = f" is due in {_plural(m.days_left, 'day')} and is not met yet."
        else:
            continue
        items.append(FeedbackItem("observed", None, _text("Milestone ", Code(m.title), tail)))
    return items


# --------------------------------------------------------------------------- entry point


def build_feedback(
    evaluation: Evaluation, report: Report, config: Config
) -> tuple[FeedbackItem, ...]:
    """Every feedback item, ordered: blockers, suggestions, praise, observed (module docstring)."""
    ctx = _Ctx(evaluation, report, config)
    reached = _reached(ctx)
    skip = {item.evidence.metric for item in reached if item.evidence.metric}
    praise = [*reached, *_improvements(ctx, skip), *_state_praise(ctx), *_change_praise(ctx)]
    return (*_blockers(ctx), *_suggestions(ctx), *praise, *_observed(ctx))
