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

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from practicegrade import expr
from practicegrade import securityfeedback as security
from practicegrade.changefeedback import (
    RANK_REGRESSION,
    ChangeView,
    SourceReader,
    behaviour_steps,
    cc_target,
    change_praise,
    change_summary,
    complexity_steps,
    is_test_path,
    lint_steps,
    pragmas_on,
    untested_steps,
)
from practicegrade.config import Config, Criterion
from practicegrade.metrics import METRICS
from practicegrade.model import (
    Category,
    Code,
    CoverageLeftOut,
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
    plural,
)
from practicegrade.rubric import assess, better_direction, failed_on_base, value_of

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
    comparison = ctx.report.comparison
    before: tuple[Part, ...] = (
        (" It fails on ", Code(comparison.base_ref), " too: this change did not cause it.")
        if comparison is not None and failed_on_base(crit, comparison.base_metrics)
        else ()
    )
    return compose(
        "Bring ",
        *metric_subject(crit.metric),
        f" {phrase}{fmt(crit.metric, gate.number)}: it is {fmt(crit.metric, crit.value)}, ",
        f"and the agreed floor is {goal_text(crit.gate)}.",
        *before,
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


_NOISY = ("tests.duration_s", "complexity.cc_mean", "complexity.mi_mean", "size.")
"""Metrics that move without the learner doing anything they should hear about: a single
timing (no repeated samples, so no significance), and averages and sizes that move
whenever code is added, however good or bad."""


_MIN_MOVE = {"lint.score": 0.1, "complexity.cc_max": 3.0}
"""Smaller moves are not news: a score averaged over the whole code base, or one more
branch in a function that was already far above the target."""


def _is_noisy(metric: str) -> bool:
    return metric.startswith(_NOISY) or (metric.startswith("bench.") and metric.endswith("_s"))


def _moves(ctx: FeedbackContext) -> list[tuple[str, float, float, bool]]:
    """(metric, before, after, improved) for every graded metric that visibly moved.

    Only metrics the model sets a target or gate on, never a noisy one (:data:`_NOISY`):
    the model's own metrics, in model order.
    """
    graded = {k.metric for c in ctx.config.competencies for k in c.criteria}
    moves = []
    for metric in sorted(ctx.deltas, key=lambda m: _metric_rank(ctx.config, m)):
        if metric not in graded or _is_noisy(metric):
            continue
        after = value_of(ctx.report.metrics, metric)
        before = value_of(ctx.base, metric)
        direction = better_direction(ctx.config, metric)
        if after is None or before is None or direction is None:
            continue
        if fmt(metric, before) == fmt(metric, after) or abs(after - before) < _MIN_MOVE.get(
            metric, 0.0
        ):
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


def _strengths(ctx: FeedbackContext, limit: int) -> list[FeedbackItem]:
    """With nothing the change improved: strengths measured against the model's targets.

    Each is a met target stated with its number ("13 of 14 modules fully covered"), never
    a count that is true of every healthy project ("all 284 tests pass"). A metric this
    change made worse is not praised.
    """
    items: list[FeedbackItem] = []
    met = {
        crit.metric: crit
        for comp in ctx.evaluation.competencies
        for crit in comp.criteria
        if crit.status == "met" and crit.target is not None and crit.value is not None
    }

    def worse(metric: str) -> bool:
        delta = value_of(ctx.deltas, metric)
        direction = better_direction(ctx.config, metric)
        return delta is not None and delta != 0 and (delta > 0) != (direction == "higher")

    files = [f for f in ctx.coverage() if f.statements and not is_test_path(f.file)]
    if "coverage.line_pct" in met and files and not worse("coverage.line_pct"):
        full = sum(1 for f in files if not f.missing_lines)
        crit = met["coverage.line_pct"]
        covered = (
            f"{full} of {plural(len(files), 'module')} fully covered; line" if full else "Line"
        )
        text = compose(
            f"{covered} coverage {fmt(crit.metric, crit.value or 0.0)} "
            f"(target {goal_text(crit.target)})."
        )
        items.append(_about(ctx, "praise", "coverage.line_pct", text))
    functions = ctx.functions()
    if "complexity.cc_max" in met and functions and not worse("complexity.cc_max"):
        crit = met["complexity.cc_max"]
        text = compose(
            (
                "The one function"
                if len(functions) == 1
                else f"Every one of the {len(functions)} functions"
            )
            + " is within the complexity "
            f"target ({goal_text(crit.target)}; the highest is {functions[0].cc})."
        )
        items.append(_about(ctx, "praise", "complexity.cc_max", text))
    score = met["lint.score"].value if "lint.score" in met else None
    # 8.2 against a target of 8 is a pass, not a strength: praise takes a clear margin
    if score is not None and score >= LINT_STRENGTH and not worse("lint.score"):
        crit = met["lint.score"]
        text = compose(
            f"pylint scores the code {fmt(crit.metric, crit.value or 0.0)} "
            f"(target {goal_text(crit.target)})."
        )
        items.append(_about(ctx, "praise", "lint.score", text))
    return [replace(item, rank=60 + i) for i, item in enumerate(items[:limit])]


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
    "bench-growth": "A benchmark scales worse than expected: ",
    "bench-regression": "A benchmark is slower than on the base: ",
}


def _regressions(ctx: FeedbackContext, said: set[str]) -> list[FeedbackItem]:
    """Graded metrics that moved the wrong way, unless a next step already says so."""
    return [
        replace(_about(ctx, "observed", metric, _moved_text(metric, old, new)), rank=10)
        for metric, old, new, improved in _moves(ctx)
        if not improved and metric not in said
    ]


def _pragmas(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Lines hidden from coverage: worth seeing, as they raise the number without a test."""
    count = ctx.report.tests.pragma_no_cover if ctx.report.tests else 0
    if not count:
        return []
    comments = "comment excludes" if count == 1 else "comments exclude"
    text = compose(f"{count} ", Code("pragma: no cover"), f" {comments} code from coverage.")
    comparison = ctx.report.comparison
    if comparison is not None:  # on a pull request, only the pragmas it writes are news
        added = pragmas_on(ctx.source, comparison.changed_lines)
        if not added:
            return []
        lines = "1 line" if added == 1 else f"{added} lines"
        text = compose(
            f"{lines} this change adds or edits {'carries' if added == 1 else 'carry'} ",
            Code("pragma: no cover"),
            f" ({count} in the project): the code under {'it' if added == 1 else 'them'} "
            "counts as covered without a test.",
        )
    return [FeedbackItem("observed", _competency_of(ctx, "coverage.line_pct"), text, rank=70)]


LINT_STRENGTH = 9.0
"""A pylint score praised as a strength: at most one message in ten statements' worth."""

LEFT_OUT_OBSERVED_PCT = 25.0
"""A project coverage setting that leaves out more of the source than this is an item."""


def _left_out(ctx: FeedbackContext) -> CoverageLeftOut | None:
    return ctx.report.tests.coverage_left_out if ctx.report.tests else None


def _leaves_out_all(left: CoverageLeftOut) -> bool:
    """Nothing of the source is left to measure: coverage said "no data"."""
    return bool(left.source_statements) and (
        left.file_statements + left.excluded_lines >= left.source_statements
    )


def _coverage_left_out(ctx: FeedbackContext) -> list[FeedbackItem]:
    """The project's coverage settings leave out much of the source: the number is not
    the whole story, and the mentor should see it (never a silent 100%)."""
    left = _left_out(ctx)
    if left is None or left.share_pct <= LEFT_OUT_OBSERVED_PCT:
        return []
    how = (
        f"({plural(len(left.files), 'file')} omitted, {plural(left.excluded_lines, 'line')} "
        "excluded)"
    )
    if _leaves_out_all(left):
        text = compose(
            "The project's coverage settings (",
            Code(left.config),
            f") leave out every statement of the source {how}, so coverage is not measured; ",
            Code("coverage: {project_settings: false}"),
            " in ",
            Code("practicegrade.yml"),
            " measures it without them.",
        )
    else:
        text = compose(
            "The project's coverage settings (",
            Code(left.config),
            f") leave out {left.share_pct:.0f}% of the source's statements {how}; "
            "the coverage numbers do not count them.",
        )
    evidence = Evidence(metric="coverage.line_pct", file=left.config)
    return [
        FeedbackItem("observed", _competency_of(ctx, "coverage.line_pct"), text, evidence, rank=60)
    ]


def _times(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio < 1.095 else f"{ratio:.1f}x"


def bench_verdicts(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Each benchmark timed against the base, as a verdict: slower or faster with the 95%
    confidence interval when the comparison is significant, else "no significant change";
    never two raw timings."""
    comparison = ctx.report.comparison
    results = ctx.report.bench.results if ctx.report.bench else ()
    if comparison is None:
        return []
    items: list[FeedbackItem] = []
    unchanged: list[str] = []
    for r in results:
        if r.ratio_vs_base is None or r.change is None:
            continue
        metric = f"bench.{r.name}.ratio_vs_base"
        if r.change == "inconclusive":
            unchanged.append(r.name)
            continue
        slower = r.change == "regression"
        ratio = r.ratio_vs_base if slower else 1 / r.ratio_vs_base
        low, high = r.ratio_ci or (r.ratio_vs_base, r.ratio_vs_base)
        if not slower:
            low, high = 1 / high, 1 / low
        text = compose(
            Code(r.name),
            f" is {_times(ratio)} {'slower' if slower else 'faster'} than ",
            Code(comparison.base_ref),
            f" (95% CI {_times(low)[:-1]}-{_times(high)[:-1]})."
            if math.isfinite(low) and math.isfinite(high)
            else ".",
        )
        category: Category = "observed" if slower else "praise"
        items.append(replace(_about(ctx, category, metric, text), rank=5 if slower else 25))
    if unchanged:
        names: list[Part] = []
        for i, name in enumerate(unchanged[:5]):
            names += [", " if i else "", Code(name)]
        text = compose(
            "No significant change in timing against ", Code(comparison.base_ref), ": ", *names, "."
        )
        items.append(FeedbackItem("observed", None, text, rank=50))
    return items


def _observed(ctx: FeedbackContext, said: set[str]) -> list[FeedbackItem]:
    """Neutral facts, in a fixed order: what moved, what could not be measured, what is due."""
    return [
        *_regressions(ctx, said),
        *(i for i in bench_verdicts(ctx) if i.category == "observed"),
        *_unmeasured(ctx),
        *_findings(ctx),
        *_milestones(ctx),
        *_pragmas(ctx),
        *_coverage_left_out(ctx),
    ]


def _unmeasured(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Metrics the model asks for that were not measured, one item per reason."""
    by_reason: dict[str | None, list[tuple[str, str]]] = {}
    left = _left_out(ctx)
    # Coverage left out entirely is said once, with the way out, by _coverage_left_out.
    no_coverage = left is not None and _leaves_out_all(left)
    seen: set[str] = set()
    for comp in ctx.evaluation.competencies:
        for crit in comp.criteria:
            if no_coverage and crit.metric.startswith("coverage."):
                continue
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
    # A slower benchmark is said as a verdict (:func:`bench_verdicts`), not twice.
    covered = ("no-tests", "bench-regression")
    shown = [f for f in ctx.report.findings if f.kind not in covered and f.message not in said][
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

CATEGORY_ORDER: tuple[Category, ...] = ("change", "blocker", "suggestion", "praise", "observed")
MAX_PRAISE = 3
MAX_STRENGTHS = 2

RANKS = """Ranks (:attr:`FeedbackItem.rank`, lowest first within a category):

change      10 source, 20 tests; 30+ other facts about the change (log entries, ...)
blocker     50 (model order)
suggestion  with a base: 10 a function the change made too complex, 20 its untested
            lines, 30-35 its new pylint messages (errors first), 40 a graded metric it
            made worse; 90 backlog (old hotspots, ``backlog=True``, shown collapsed).
            Without a base: 0-9 a failed gate's step, 10-49 the rest by effort.
            bandit's new findings: 15 high, 25 medium, 36 low severity (32 without a base).
praise      0-9 a milestone met for the first time, 10-49 what the change improved
            (25 security findings it fixed), 50 targets it reached, 60+ strengths against
            target; at most three are kept.
observed    10 regressions, 20 not measured, 30 findings, 40 milestones, 70 pragmas and
            ``# nosec``.
"""


def _ranked(items: Iterable[FeedbackItem]) -> tuple[FeedbackItem, ...]:
    """Sorted by category, then rank (stable); the same sentence twice is said once."""
    seen: set[tuple[str, Text, Text | None]] = set()
    unique = []
    for item in items:
        key = (item.category, item.text, item.next_step)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    ranked = sorted(unique, key=lambda i: (order.get(i.category, len(order)), i.rank))
    praise = [i for i in ranked if i.category == "praise"][MAX_PRAISE:]
    return tuple(i for i in ranked if not any(i is p for p in praise))


def _first_grading(ctx: FeedbackContext) -> list[FeedbackItem]:
    """No base: what is graded, and that the steps below are where to start."""
    text = compose(
        "First grading: no base to compare with, so these numbers are the baseline and "
        "the next steps are the starting point, smallest first."
    )
    return [FeedbackItem("change", None, text, rank=10)]


def _change_feedback(
    ctx: FeedbackContext, criterion_steps: list[FeedbackItem]
) -> tuple[list[FeedbackItem], list[FeedbackItem], list[FeedbackItem]]:
    """(what the change did, its next steps then the backlog, its praise)."""
    comparison = ctx.report.comparison
    assert comparison is not None
    criteria = [(k.metric, k.target) for c in ctx.config.competencies for k in c.criteria]
    view = ChangeView(
        comparison=comparison,
        functions=tuple(ctx.functions()),
        source=ctx.source,
        cc_target=cc_target(criteria),
        metric_owner=lambda metric: _competency_of(ctx, metric),
        graded=ctx.report.repo.source,
        generated=frozenset(ctx.report.repo.generated),
        coverage={f.file: f for f in ctx.coverage()},
    )
    split = complexity_steps(view, _competency_of(ctx, "complexity.cc_max"))
    split_at = {(i.evidence.file or "", i.evidence.function or "") for i in split}
    coverage_owner = _competency_of(ctx, "coverage.patch_pct") or _competency_of(
        ctx, "coverage.line_pct"
    )
    steps = [
        *split,
        *behaviour_steps(view, coverage_owner),
        *untested_steps(view, coverage_owner),
        *lint_steps(view, _competency_of(ctx, "lint.score"), split_at, ctx.lint()),
    ]
    pointed = {(i.evidence.file, i.evidence.function) for i in steps}
    for item in criterion_steps:
        if (
            item.evidence.file is not None
            and (item.evidence.file, item.evidence.function) in pointed
        ):
            continue  # the change's own step already points there
        delta = value_of(ctx.deltas, item.evidence.metric or "")
        direction = better_direction(ctx.config, item.evidence.metric or "")
        metric = item.evidence.metric or ""
        made_worse = (
            delta is not None
            and abs(delta) >= max(_MIN_MOVE.get(metric, 0.0), 1e-9)
            and direction is not None
            and (delta > 0) != (direction == "higher")
        )
        # a test that passed on the base and fails now is this change's, wherever it lives
        about_change = (
            item.evidence.file is None
            or metric in _TEST_OUTCOMES
            or _points_at_change(view, item.evidence)
        )
        if made_worse and about_change and not _is_noisy(item.evidence.metric or ""):
            steps.append(replace(item, rank=RANK_REGRESSION))
        elif metric not in _NOT_BACKLOG and sum(1 for i in steps if i.backlog) < MAX_BACKLOG:
            steps.append(replace(item, rank=90, backlog=True))
    praise = change_praise(view, ctx.report.metrics, ctx.base)
    return change_summary(view), steps, praise


_NOT_BACKLOG = frozenset({"lint.score", "lint.errors", "lint.warnings"})
"""Old pylint messages are no backlog of a pull request: on code nobody touched they are
as often deliberate (a parameter order kept for the API, a lazy cache pylint misreads, a
click command's injected arguments) as they are debt; a first grading lists them."""

MAX_BACKLOG = 2
"""Old hotspots a pull request's comment lists (collapsed): the worst two are a plan for
later; a longer list buries the change's own steps under work it never asked for."""

_TEST_OUTCOMES = frozenset({"tests.failed", "tests.errors"})


def _points_at_change(view: ChangeView, evidence: Evidence) -> bool:
    """Whether a step's evidence is a line the change wrote, or a function it touched."""
    if evidence.file is None:
        return False
    if evidence.line is not None and evidence.line in view.changed(evidence.file):
        return True
    fn = view.head_function(evidence.file, evidence.function) if evidence.function else None
    return fn is not None and view.touched(fn) > 0


def build_feedback(
    evaluation: Evaluation,
    report: Report,
    config: Config,
    source: SourceReader | None = None,
) -> tuple[FeedbackItem, ...]:
    """Every feedback item, ranked (:data:`RANKS`): what the change did, blockers, next
    steps, praise, observations. ``source`` reads a head file for advice that quotes code."""
    ctx = FeedbackContext(evaluation, report, config, source)
    criterion_steps = suggestions(ctx)
    reached = [replace(i, rank=50) for i in _reached(ctx) if not _is_noisy(i.evidence.metric or "")]
    if report.comparison is None:
        change, steps, praise = _first_grading(ctx), criterion_steps, reached
    else:
        change, steps, praise = _change_feedback(ctx, criterion_steps)
        if report.comparison.changed_lines:  # a target reached, unless already praised
            praised = {i.evidence.metric for i in praise}
            praise = [*praise, *(i for i in reached if i.evidence.metric not in praised)]
    praise = [*praise, *(i for i in bench_verdicts(ctx) if i.category == "praise")]
    if not praise and report.comparison is None:  # a first grading: strengths, measured
        # against the targets. On a pull request a project-wide strength the change did not
        # move is no praise of the change: nothing is better than boilerplate.
        praise = _strengths(ctx, MAX_STRENGTHS)
    steps = [*steps, *security.suggestions(ctx, steps)]
    praise = [*security.praise(ctx), *praise]
    said = {i.evidence.metric for i in steps if i.evidence.metric and not i.backlog}
    observed = [*_observed(ctx, said), *security.observed(ctx)]
    return _ranked((*change, *_blockers(ctx), *steps, *praise, *observed))
