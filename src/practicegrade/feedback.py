"""Pure, deterministic feedback: blockers, suggestions with one next step, praise, observations.

Input is the evaluation (:mod:`practicegrade.rubric`), the report's measurements and
details, and the model; output is an ordered tuple of :class:`FeedbackItem`:

1. ``blocker``: one per failed gate, in model order.
2. ``suggestion``: for each competency not met, in the gap analysis' order, first its
   most limiting criterion (so the three that lead cover the three biggest gaps), then
   the other unmet criteria. Each carries exactly one ``next_step`` pointing at real
   code (the function to split, the lines to test, the lint message to fix, the test
   to repair); the role's next-step bank fills in where the details say nothing more.
   They are built in :mod:`practicegrade.nextsteps`.
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

from collections import Counter
from collections.abc import Iterable

from practicegrade import expr
from practicegrade.config import Config, Criterion
from practicegrade.metrics import METRICS
from practicegrade.model import (
    Category,
    Code,
    Comparison,
    ComplexityChange,
    CriterionResult,
    Evaluation,
    Evidence,
    FeedbackItem,
    Report,
    Text,
)
from practicegrade.nextsteps import FeedbackContext, suggestions
from practicegrade.prose import (
    Part,
    capitalized,
    compose,
    fmt,
    goal_text,
    metric_label,
    metric_subject,
    own,
    plural,
)
from practicegrade.rubric import assess, better_direction, value_of

__all__ = ["MAX_FINDINGS", "MAX_PRAISE_FILES", "Part", "build_feedback", "fmt"]

MAX_PRAISE_FILES = 3
MAX_FINDINGS = 10


# --------------------------------------------------------------------------- blockers

_GATE_PHRASE = {
    ">=": "up to at least ",
    ">": "above ",
    "<=": "down to at most ",
    "<": "below ",
    "==": "to exactly ",
}


def _blockers(ctx: FeedbackContext) -> list[FeedbackItem]:
    """One item per failed gate, in model order: nothing else matters until they pass.

    Gates that failed for one reason outside their value (an incomplete test run) make
    one item, where the first of them stands: the fix is one, not one per metric.
    """
    items: list[FeedbackItem] = []
    seen: set[str] = set()
    failed = [
        (comp, crit)
        for comp in ctx.evaluation.competencies
        for crit in comp.criteria
        if crit.gate_failed and crit.gate is not None
    ]
    for comp, crit in failed:
        why = crit.failed_because
        if why is None:
            text = _blocker_text(ctx, crit)
            items.append(FeedbackItem("blocker", comp.id, text, ctx.evidence(crit.metric)))
        elif why not in seen:
            seen.add(why)
            metrics = list(dict.fromkeys(c.metric for _, c in failed if c.failed_because == why))
            items.append(
                FeedbackItem("blocker", comp.id, _incomplete_text(metrics, why), Evidence())
            )
    return items


def _incomplete_text(metrics: list[str], why: str) -> Text:
    """The blocker for gates an incomplete test run failed: what to fix, then which gates."""
    names: list[Part] = []
    for i, metric in enumerate(metrics):
        names += [*([", "] if i else []), Code(metric)]
    return compose(
        "Let every collected test run to the end: ",
        Code(why),
        ". Until then the gates on ",
        *names,
        " fail, whatever their numbers.",
    )


def _blocker_text(ctx: FeedbackContext, crit: CriterionResult) -> Text:
    """Where to bring the metric; an unmeasured one must first become measurable."""
    assert crit.gate is not None
    if crit.value is None:
        reason = ctx.report.unmeasured.get(crit.metric, "it was not measured")
        return compose(
            "Add tests so that ",
            *metric_subject(crit.metric),
            f" can be measured: the agreed floor is {goal_text(crit.gate)}, and ",
            Code(reason),
            ".",
        )
    gate = expr.parse(crit.gate)
    phrase = "down to " if gate.op == "==" and gate.number == 0 else _GATE_PHRASE[gate.op]
    return compose(
        "Bring ",
        *metric_subject(crit.metric),
        f" {phrase}{fmt(crit.metric, gate.number)}: it is {fmt(crit.metric, crit.value)}, ",
        f"and the agreed floor is {goal_text(crit.gate)}.",
    )


# --------------------------------------------------------------------------- praise


def _about(ctx: FeedbackContext, category: Category, metric: str, text: Text) -> FeedbackItem:
    """An item on one metric: filed under the competency that grades it, with its numbers."""
    return FeedbackItem(category, _competency_of(ctx, metric), text, ctx.evidence(metric))


def _competency_of(ctx: FeedbackContext, metric: str) -> str | None:
    """The first competency with a criterion on ``metric``, if the model grades it at all."""
    return next(
        (c.id for c in ctx.config.competencies if any(k.metric == metric for k in c.criteria)), None
    )


def _most_common(values: Iterable[str]) -> tuple[str, int]:
    """The most frequent value (ties: alphabetical, so the text never depends on order)."""
    counts = Counter(values)
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _reached(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Targets met now that were not met at the base."""
    items = []
    for comp in ctx.evaluation.competencies:
        model = ctx.competency(comp.id)
        if model is None or len(model.criteria) != len(comp.criteria):
            continue
        for crit, spec in zip(comp.criteria, model.criteria, strict=True):
            base = value_of(ctx.base, crit.metric)
            if base is not None and _newly_met(crit, spec, base):
                text = _reached_text(crit, base)
                items.append(FeedbackItem("praise", comp.id, text, ctx.evidence(crit.metric)))
    return items


def _newly_met(crit: CriterionResult, spec: Criterion, base: float) -> bool:
    """Met with a target now, and the same criterion was not met by the base's value."""
    if crit.status != "met" or crit.target is None:
        return False
    return assess(spec, base).status != "met"


def _reached_text(crit: CriterionResult, base: float) -> Text:
    return compose(
        "Reached the target for ",
        *metric_label(crit.metric),
        f" ({goal_text(crit.target)}): ",
        f"{fmt(crit.metric, base)} -> {fmt(crit.metric, crit.value or 0.0)}.",
    )


def _moves(ctx: FeedbackContext) -> list[tuple[str, float, float, bool]]:
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
    """Sort key: the model's metrics in model order, then the catalogue's, then the rest."""
    in_model = [k.metric for c in config.competencies for k in c.criteria]
    if metric in in_model:
        return (0, in_model.index(metric), metric)
    catalogue = list(METRICS)
    return (1, catalogue.index(metric) if metric in catalogue else len(catalogue), metric)


def _moved_text(metric: str, before: float, after: float) -> Text:
    verb = " rose from " if after > before else " fell from "
    return compose(
        *capitalized(metric_label(metric)), verb, f"{fmt(metric, before)} to {fmt(metric, after)}."
    )


def _improvements(ctx: FeedbackContext, skip: set[str]) -> list[FeedbackItem]:
    """Metrics that visibly improved (``skip``: those already praised for reaching target)."""
    return [
        _about(ctx, "praise", metric, _moved_text(metric, before, after))
        for metric, before, after, improved in _moves(ctx)
        if improved and metric not in skip
    ]


def _state_praise(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Praise for how things stand: all tests pass, no complex function, targets met."""
    items = []
    metrics = ctx.report.metrics
    passed = value_of(metrics, "tests.passed")
    if passed and not value_of(metrics, "tests.failed") and not value_of(metrics, "tests.errors"):
        text = compose(f"All {int(passed)} tests pass." if passed != 1 else "The test passes.")
        items.append(
            FeedbackItem(
                "praise", _competency_of(ctx, "tests.failed"), text, ctx.evidence("tests.passed")
            )
        )
    functions = ctx.functions()
    if functions and functions[0].cc <= 10:
        text = compose(f"No function is above complexity 10 (the highest is {functions[0].cc}).")
        items.append(_about(ctx, "praise", "complexity.cc_max", text))
    for comp in ctx.evaluation.competencies:
        if comp.status == "met" and comp.criteria:
            text = compose("Every target of ", own(comp.title), " is met.")
            items.append(FeedbackItem("praise", comp.id, text))
    return items


def _change_praise(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Praise for what this change did: covered files, fixed messages, simpler functions."""
    comparison = ctx.report.comparison
    if comparison is None:
        return []
    return [
        *_covered_praise(ctx, comparison),
        *_fixed_lint_praise(ctx, comparison),
        *_simplified_praise(ctx, comparison),
    ]


def _covered_praise(ctx: FeedbackContext, comparison: Comparison) -> list[FeedbackItem]:
    """Changed files whose every changed line is tested, the largest changes first."""
    covered = sorted(
        (p for p in comparison.patch if p.changed_lines and not p.uncovered_lines),
        key=lambda p: (-p.changed_lines, p.file),
    )
    competency = _competency_of(ctx, "coverage.patch_pct")
    return [
        FeedbackItem(
            "praise",
            competency,
            compose(
                "Every changed line of ",
                Code(p.file),
                f" is covered by tests ({plural(p.changed_lines, 'line')}).",
            ),
            Evidence(metric="coverage.patch_pct", file=p.file),
        )
        for p in covered[:MAX_PRAISE_FILES]
    ]


def _fixed_lint_praise(ctx: FeedbackContext, comparison: Comparison) -> list[FeedbackItem]:
    if not comparison.fixed_lint:
        return []
    symbol, _ = _most_common(m.symbol for m in comparison.fixed_lint)
    text = compose(
        f"Fixed {plural(len(comparison.fixed_lint), 'pylint message')}, most often ",
        Code(symbol),
        ".",
    )
    return [_about(ctx, "praise", "lint.score", text)]


def _simplified_praise(ctx: FeedbackContext, comparison: Comparison) -> list[FeedbackItem]:
    """Functions whose complexity this change lowered, the biggest drops first."""
    simpler = sorted(
        (
            c
            for c in comparison.complexity_changes
            if c.before is not None and c.after is not None and c.after < c.before
        ),
        key=lambda c: (c.after - c.before, c.file, c.name),  # type: ignore[operator]
    )
    return [
        _function_item(
            ctx,
            "praise",
            change,
            compose(
                "Simplified ",
                Code(change.name),
                " in ",
                Code(change.file),
                f": cc {change.before} -> {change.after}.",
            ),
        )
        for change in simpler[:MAX_PRAISE_FILES]
    ]


def _function_item(
    ctx: FeedbackContext, category: Category, change: ComplexityChange, text: Text
) -> FeedbackItem:
    """An item on one function's complexity, pointing at that function."""
    evidence = Evidence(metric="complexity.cc_max", file=change.file, function=change.name)
    return FeedbackItem(category, _competency_of(ctx, "complexity.cc_max"), text, evidence)


# --------------------------------------------------------------------------- observed

_FINDING_TEXT = {
    "syntax-error": "A file could not be parsed: ",
    "unreadable-file": "A file could not be read: ",
    "collection-error": "pytest could not collect tests: ",
    "timeout": "A tool ran out of time: ",
    "tool-missing": "A tool is missing: ",
    "tests-not-found": "No tests were found: ",
    "not-importable": "The tests could not import the project: ",
    "tests-fallback": "Where the tests were found: ",
}


def _regressions(ctx: FeedbackContext) -> list[FeedbackItem]:
    """The baseline note on a first run, else every metric that moved the wrong way."""
    if ctx.report.comparison is None:
        text = compose("No base to compare with: these numbers are the baseline for later changes.")
        return [FeedbackItem("observed", None, text)]
    return [
        _about(ctx, "observed", metric, _moved_text(metric, old, new))
        for metric, old, new, improved in _moves(ctx)
        if not improved
    ]


def _change_observed(ctx: FeedbackContext) -> list[FeedbackItem]:
    """New lint messages, and functions this change pushed above complexity 10."""
    comparison = ctx.report.comparison
    if comparison is None:
        return []
    return [*_new_lint_observed(ctx, comparison), *_more_complex_observed(ctx, comparison)]


def _new_lint_observed(ctx: FeedbackContext, comparison: Comparison) -> list[FeedbackItem]:
    if not comparison.new_lint:
        return []
    symbol, _ = _most_common(m.symbol for m in comparison.new_lint)
    count = plural(len(comparison.new_lint), "pylint message")
    text = compose(f"This change adds {count}, most often ", Code(symbol), ".")
    return [_about(ctx, "observed", "lint.score", text)]


def _more_complex_observed(ctx: FeedbackContext, comparison: Comparison) -> list[FeedbackItem]:
    """Functions now above complexity 10 that were not (or did not exist), worst first."""
    worse = sorted(
        (c for c in comparison.complexity_changes if (c.after or 0) > max(10, c.before or 0)),
        key=lambda c: (-(c.after or 0), c.file, c.name),
    )
    items = []
    for change in worse[:MAX_PRAISE_FILES]:
        was = f"was {change.before}" if change.before is not None else "new function"
        text = compose(
            "Complexity of ",
            Code(change.name),
            " in ",
            Code(change.file),
            f" is now {change.after} ({was}).",
        )
        items.append(_function_item(ctx, "observed", change, text))
    return items


def _pragmas(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Lines hidden from coverage: worth seeing, as they raise the number without a test."""
    count = ctx.report.tests.pragma_no_cover if ctx.report.tests else 0
    if not count:
        return []
    verb = "is" if count == 1 else "are"
    text = compose(f"{plural(count, 'line')} {verb} excluded from coverage with pragma: no cover.")
    return [FeedbackItem("observed", _competency_of(ctx, "coverage.line_pct"), text)]


LEFT_OUT_OBSERVED_PCT = 25.0
"""A project coverage setting that leaves out more of the source than this is an item."""


def _coverage_left_out(ctx: FeedbackContext) -> list[FeedbackItem]:
    """The project's coverage settings leave out much of the source: the number is not
    the whole story, and the mentor should see it (never a silent 100%)."""
    left = ctx.report.tests.coverage_left_out if ctx.report.tests else None
    if left is None or left.share_pct <= LEFT_OUT_OBSERVED_PCT:
        return []
    text = compose(
        "The project's coverage settings (",
        Code(left.config),
        f") leave out {left.share_pct:.0f}% of the source's statements "
        f"({plural(len(left.files), 'file')} omitted, {plural(left.excluded_lines, 'line')} "
        "excluded); the coverage numbers do not count them.",
    )
    evidence = Evidence(metric="coverage.line_pct", file=left.config)
    return [FeedbackItem("observed", _competency_of(ctx, "coverage.line_pct"), text, evidence)]


def _observed(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Neutral facts, in a fixed order: what moved, what could not be measured, what is due."""
    return [
        *_regressions(ctx),
        *_change_observed(ctx),
        *_unmeasured(ctx),
        *_findings(ctx),
        *_milestones(ctx),
        *_pragmas(ctx),
        *_coverage_left_out(ctx),
    ]


def _unmeasured(ctx: FeedbackContext) -> list[FeedbackItem]:
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
            labels += [", " if i else "", *metric_label(metric)]
        tail: tuple[Part, ...] = (" (", Code(reason), ").") if reason else (".",)
        text = compose("Not measured: ", *labels, *tail)
        items.append(FeedbackItem("observed", found[0][1], text, Evidence(metric=found[0][0])))
    return items


def _findings(ctx: FeedbackContext) -> list[FeedbackItem]:
    """What the tools hit; "no tests" is already the leading suggestion."""
    items = []
    said = set(ctx.report.unmeasured.values())  # already the reason of a "Not measured" item
    shown = [f for f in ctx.report.findings if f.kind != "no-tests" and f.message not in said][
        :MAX_FINDINGS
    ]
    for finding in shown:
        lead = _FINDING_TEXT.get(finding.kind)
        head: tuple[Part, ...] = (lead,) if lead else ("Finding ", Code(finding.kind), ": ")
        text = compose(*head, Code(finding.message))
        items.append(
            FeedbackItem("observed", None, text, Evidence(file=finding.file, line=finding.line))
        )
    return items


def _milestones(ctx: FeedbackContext) -> list[FeedbackItem]:
    items = []
    for m in ctx.evaluation.milestones:
        if m.status == "overdue":
            tail = f" was due {plural(-m.days_left, 'day')} ago and is not met yet."
        elif m.status == "at-risk":
            tail = f" is due in {plural(m.days_left, 'day')} and is not met yet."
        else:
            continue
        items.append(FeedbackItem("observed", None, compose("Milestone ", Code(m.title), tail)))
    return items


# --------------------------------------------------------------------------- entry point


def build_feedback(
    evaluation: Evaluation, report: Report, config: Config
) -> tuple[FeedbackItem, ...]:
    """Every feedback item, ordered: blockers, suggestions, praise, observed (module docstring)."""
    ctx = FeedbackContext(evaluation, report, config)
    reached = _reached(ctx)
    skip = {item.evidence.metric for item in reached if item.evidence.metric}
    praise = [*reached, *_improvements(ctx, skip), *_state_praise(ctx), *_change_praise(ctx)]
    return (*_blockers(ctx), *suggestions(ctx), *praise, *_observed(ctx))
