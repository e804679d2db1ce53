"""The progress review: now against the baseline gap analysis, the milestones, stalls, the plan.

Pure: :func:`build_review` takes the competence model, the branch's graded history
(oldest first, from the git notes), the practice log and the acknowledgements, and
today's date; it reads nothing and writes nothing. The rules, as a mentor would read them:

- **Baseline**: the first graded commit (or the config's ``baseline:`` commit); its gap
  analysis is the rubric's, on its numbers, under today's model.
- **Then / at the last review / now**: each competency and each criterion's metric at the
  baseline, at the newest grade on or before the review period's start (``--since``,
  default one ``cadence.review_every_days`` ago) and at the newest grade.
- **Milestones**: ``met`` with the date and commit it was first met
  (:mod:`practicegrade.loop.milestones`); ``overdue`` past its due date; ``at-risk`` when
  a criterion's trend (a least-squares line through its recent values, per week) does
  not reach its target by the due date, the rate named; otherwise ``on-track``.
- **Stalls**: a competency not met whose distance to target has not really improved
  (by :data:`REAL_IMPROVEMENT`) over the last :data:`STALL_CYCLES` or more graded cycles;
  the review says "stalled" and which cycles it covers.
- **Recurring bottlenecks**: lint symbols, files and functions (each note's ``hot``
  tokens) present in at least :data:`RECURRING_MIN` of the last :data:`RECURRING_WINDOW`
  cycles; competencies that were met, then fell back (closed and reopened).
- **The plan adjusted**: two or three gaps to focus on, stalled and milestone-blocking
  ones first, each with why and one practice exercise; a due date that should move.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from practicegrade import expr
from practicegrade.config import Config, Criterion, Milestone
from practicegrade.history import HistoryPoint
from practicegrade.loop.milestones import FirstMet, first_met
from practicegrade.loop.practicelog import LogEntry
from practicegrade.model import CompetencyResult, Evaluation
from practicegrade.rubric import evaluate, value_of
from practicegrade.toolchange import between, only_for, sentence

STALL_CYCLES = 3
"""Graded cycles without real improvement that make a stall."""
REAL_IMPROVEMENT = 0.02
"""A drop in a competency's normalised distance smaller than this is noise, not progress."""
RECURRING_WINDOW = 6
RECURRING_MIN = 3
RECURRING_PER_KIND = 4
TREND_POINTS = 6
"""The rate of a criterion is fitted through at most this many recent grades."""
MAX_FOCUS = 3

Status = Literal["met", "on-track", "at-risk", "overdue"]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A graded commit the review refers to."""

    commit: str
    ts: str
    subject: str


@dataclass(frozen=True, slots=True)
class CompetencyRow:
    id: str
    title: str
    then: str | None
    """Status at the baseline (``met``/``progressing``/``gap``)."""
    last: str | None
    now: str | None
    progress_then: float | None
    """1 - distance: 1.0 is at target."""
    progress_last: float | None
    progress_now: float | None


@dataclass(frozen=True, slots=True)
class MetricRow:
    key: str
    target: str | None
    then: float | None
    last: float | None
    now: float | None


@dataclass(frozen=True, slots=True)
class Rate:
    """A criterion's trend: how fast it moves and whether it gets there in time."""

    metric: str
    target: str
    now: float
    per_week: float
    """Change per week, in the metric's unit (positive: the value rises)."""
    needed_per_week: float | None
    """What it would take to reach the target by the due date."""
    reaches_on: str | None
    """ISO date the target is reached at this rate; ``None``: never at this rate."""


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    id: str
    title: str
    due: str
    status: Status
    met_on: str | None = None
    """When it was first met (ISO timestamp) and where."""
    met_commit: str | None = None
    rates: tuple[Rate, ...] = ()
    """The criteria still short of target, each with its rate."""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Stall:
    competency: str
    title: str
    cycles: int
    first: Snapshot
    last: Snapshot
    progress: float
    """1 - distance over the whole stall (it did not really move)."""


@dataclass(frozen=True, slots=True)
class Recurring:
    kind: Literal["lint", "file", "function"]
    name: str
    """Learner text for files and functions: escape when rendering."""
    cycles: int
    window: int


@dataclass(frozen=True, slots=True)
class Reopened:
    competency: str
    title: str
    closed: Snapshot
    reopened: Snapshot


@dataclass(frozen=True, slots=True)
class Focus:
    competency: str
    title: str
    why: str
    exercise: str
    """Learner-visible text from the model (or ours): escape when rendering."""


@dataclass(frozen=True, slots=True)
class DateMove:
    milestone: str
    title: str
    due: str
    suggested: str | None
    """A new due date at the current rate; ``None``: no date works at this rate."""
    why: str


@dataclass(frozen=True, slots=True)
class ReviewLogEntry:
    date: str
    commit: str | None
    attempt: str
    outcome: str
    lesson: str


@dataclass(frozen=True, slots=True)
class AckLine:
    """An acknowledgement or waiver in force (see :mod:`practicegrade.loop.acks`)."""

    kind: str
    target: str
    until: str
    reason: str
    by: str


@dataclass(frozen=True, slots=True)
class Review:
    today: str
    since: str
    graded: int
    """Graded commits on the branch."""
    baseline: Snapshot | None
    baseline_source: Literal["first graded commit", "config"] | None
    baseline_gaps: tuple[str, ...]
    last_review: Snapshot | None
    now: Snapshot | None
    gaps_now: tuple[str, ...]
    competencies: tuple[CompetencyRow, ...]
    metrics: tuple[MetricRow, ...]
    milestones: tuple[MilestoneRow, ...]
    stalls: tuple[Stall, ...]
    recurring: tuple[Recurring, ...]
    reopened: tuple[Reopened, ...]
    focus: tuple[Focus, ...]
    moves: tuple[DateMove, ...]
    log: tuple[ReviewLogEntry, ...]
    log_total: int
    acks: tuple[AckLine, ...] = ()
    regressions: tuple[str, ...] = ()
    """Competency ids further from target now than at the last review."""
    tools_changed: str | None = None
    """When the baseline's grade was measured by other versions of the tools behind the
    metrics table than the newest one: the sentence that says part of the change may be
    theirs (:mod:`practicegrade.toolchange`)."""


# --------------------------------------------------------------------------- helpers


def _day(ts: str) -> dt.date:
    try:
        return dt.date.fromisoformat(ts[:10])
    except ValueError:
        return dt.date(1970, 1, 1)


def _snap(point: HistoryPoint | None) -> Snapshot | None:
    if point is None:
        return None
    return Snapshot(commit=point.commit, ts=point.ts, subject=point.subject)


@lru_cache(maxsize=4096)
def _parse(text: str) -> expr.Expr:
    return expr.parse(text)


def _evaluations(config: Config, points: Sequence[HistoryPoint]) -> list[Evaluation]:
    return [evaluate(config, p.metrics, today=_day(p.ts)) for p in points]


def _by_id(ev: Evaluation | None) -> dict[str, CompetencyResult]:
    return {c.id: c for c in ev.competencies} if ev else {}


def _criterion_keys(config: Config) -> list[tuple[str, str | None]]:
    seen: dict[str, str | None] = {}
    for comp in config.competencies:
        for crit in comp.criteria:
            seen.setdefault(crit.metric, crit.target or crit.gate)
    return list(seen.items())


def _at_or_before(points: Sequence[HistoryPoint], day: dt.date) -> int | None:
    found = None
    for i, p in enumerate(points):
        if _day(p.ts) <= day:
            found = i
    return found


# --------------------------------------------------------------------------- trends


def fit_rate(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``(day, value)`` samples, per day; ``None`` below two days."""
    if len(samples) < 2:
        return None
    xs = [x for x, _ in samples]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(y for _, y in samples) / len(samples)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var <= 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in samples) / var


def criterion_rate(
    crit: Criterion, points: Sequence[HistoryPoint], due: dt.date, today: dt.date
) -> Rate | None:
    """The trend of one unmet criterion towards its target (``None``: met or not measured)."""
    goal_text = crit.target or crit.gate
    if goal_text is None:
        return None
    goal = _parse(goal_text)
    recent = [(p, value_of(p.metrics, crit.metric)) for p in points[-TREND_POINTS:]]
    samples = [(float(_day(p.ts).toordinal()), v) for p, v in recent if v is not None]
    if not samples or expr.satisfied(goal, samples[-1][1]):
        return None
    now = samples[-1][1]
    slope = fit_rate(samples) or 0.0
    needed = expr.shortfall(goal, now)
    sign = -1.0 if goal.direction == "lower" else 1.0
    towards = slope * sign if goal.direction != "exact" else abs(slope)
    days_left = (due - today).days
    needed_per_week = needed / days_left * 7 * sign if days_left > 0 else None
    reaches = None
    if towards > 1e-12:
        reaches = (today + dt.timedelta(days=min(36500.0, needed / towards))).isoformat()
    return Rate(crit.metric, goal_text, now, slope * 7, needed_per_week, reaches)


def _milestone_criteria(config: Config, milestone: Milestone) -> list[tuple[str | None, Criterion]]:
    by_id = {c.id: c for c in config.competencies}
    crits = [
        (cid, c)
        for cid in milestone.requires
        for c in (by_id[cid].criteria if cid in by_id else ())
    ]
    return [*crits, *((None, c) for c in milestone.criteria)]


def milestone_row(
    config: Config,
    milestone: Milestone,
    points: Sequence[HistoryPoint],
    met: Mapping[str, FirstMet],
    today: dt.date,
    stalled: Mapping[str, int] | None = None,
) -> MilestoneRow:
    """Where one milestone stands (module docstring), with the rate of each short criterion.

    A criterion of a stalled competency is fitted over the stall only (``stalled``: id ->
    cycles): an early jump must not make a stalled milestone look on track."""
    stalled = stalled or {}
    mid, title, due = milestone.id, milestone.title, milestone.due.isoformat()
    first = met.get(milestone.id)
    if first is not None:
        return MilestoneRow(mid, title, due, "met", met_on=first.ts, met_commit=first.commit)
    rates = tuple(
        r
        for cid, c in _milestone_criteria(config, milestone)
        if (r := criterion_rate(c, _window(points, stalled.get(cid or "")), milestone.due, today))
        is not None
    )
    if milestone.due < today:
        days = (today - milestone.due).days
        return MilestoneRow(mid, title, due, "overdue", rates=rates, reason=f"{days} days past due")
    behind = [r for r in rates if r.reaches_on is None or r.reaches_on > due]
    if behind:
        reason = describe_rate(behind[0])
        return MilestoneRow(mid, title, due, "at-risk", rates=rates, reason=reason)
    return MilestoneRow(mid, title, due, "on-track", rates=rates)


def _window(points: Sequence[HistoryPoint], cycles: int | None) -> Sequence[HistoryPoint]:
    return points[-cycles:] if cycles else points


def _signed(value: float) -> str:
    return f"{value:+.2f}" if abs(value) < 100 else f"{value:+.0f}"


def describe_rate(rate: Rate, code: Callable[[str], str] = str) -> str:
    """A criterion's rate in words: how fast, where to, and what it would take.

    ``code`` wraps the metric and target: escaping for Markdown or the terminal, or
    nothing for the plain reason an at-risk milestone carries in the JSON.
    """
    moving = f"{code(rate.metric)} moves {_signed(rate.per_week)}/week"
    if rate.needed_per_week is None:
        return f"{moving}; the due date leaves no time to reach {code(rate.target)}"
    need = (
        f"needs {_signed(rate.needed_per_week)}/week to reach {code(rate.target)} by the due date"
    )
    if rate.reaches_on is None:
        return f"{moving}, not towards the target; {need}"
    return f"{moving}, reaching {code(rate.target)} on {rate.reaches_on}; {need}"


# --------------------------------------------------------------------------- stalls


def stall_length(distances: Sequence[float | None]) -> int:
    """How many newest cycles show no real improvement (1 when the last one improved)."""
    values = [d for d in distances if d is not None]
    if not values:
        return 0
    start = len(values) - 1
    best_after = values[-1]
    for j in range(len(values) - 2, -1, -1):
        if values[j] - best_after >= REAL_IMPROVEMENT:
            break
        start = j
        best_after = min(best_after, values[j])
    return len(values) - start


def find_stalls(
    config: Config, points: Sequence[HistoryPoint], evals: Sequence[Evaluation]
) -> list[Stall]:
    """Competencies not met now whose distance has not really moved in ``STALL_CYCLES``+."""
    stalls: list[Stall] = []
    if not evals:
        return stalls
    for comp in config.competencies:
        now = _by_id(evals[-1]).get(comp.id)
        if now is None or now.status == "met":
            continue
        series = [_by_id(e).get(comp.id) for e in evals]
        length = stall_length([r.distance if r else None for r in series])
        if length >= STALL_CYCLES:
            first = points[len(points) - length]
            stalls.append(
                Stall(
                    comp.id,
                    comp.title,
                    length,
                    Snapshot(first.commit, first.ts, first.subject),
                    Snapshot(points[-1].commit, points[-1].ts, points[-1].subject),
                    1.0 - now.distance,
                )
            )
    return sorted(stalls, key=lambda s: -s.cycles)


# --------------------------------------------------------------------------- bottlenecks


_KINDS: dict[str, Literal["lint", "file", "function"]] = {
    "lint": "lint",
    "file": "file",
    "fn": "function",
}


def find_recurring(points: Sequence[HistoryPoint]) -> list[Recurring]:
    """Hotspot tokens present in at least ``RECURRING_MIN`` of the recent cycles."""
    window = list(points[-RECURRING_WINDOW:])
    counts = Counter(t for p in window for t in set(p.hot))
    found = []
    for token, n in counts.items():
        prefix, _, name = token.partition(":")
        if n >= RECURRING_MIN and prefix in _KINDS and name:
            found.append(Recurring(_KINDS[prefix], name, n, len(window)))
    order = {"lint": 0, "function": 1, "file": 2}
    found.sort(key=lambda r: (order[r.kind], -r.cycles, r.name))
    per_kind: Counter[str] = Counter()
    kept = []
    for item in found:
        per_kind[item.kind] += 1
        if per_kind[item.kind] <= RECURRING_PER_KIND:
            kept.append(item)
    return kept


def find_reopened(
    config: Config, points: Sequence[HistoryPoint], evals: Sequence[Evaluation]
) -> list[Reopened]:
    """Competencies met at some grade and not met at a later one (the latest such fall)."""
    found = []
    for comp in config.competencies:
        closed: int | None = None
        hit: Reopened | None = None
        for i, ev in enumerate(evals):
            result = _by_id(ev).get(comp.id)
            if result is None:
                continue
            if result.status == "met":
                closed = i
            elif closed is not None:
                p, q = points[closed], points[i]
                hit = Reopened(
                    comp.id,
                    comp.title,
                    Snapshot(p.commit, p.ts, p.subject),
                    Snapshot(q.commit, q.ts, q.subject),
                )
                closed = None
        if hit is not None:
            found.append(hit)
    return found


# --------------------------------------------------------------------------- the plan


GENERIC_EXERCISES = {
    "coverage.": "Pick the least covered module; write one test per untested branch, "
    "smallest first, and watch coverage.line_pct after each.",
    "tests.": "Run the failing test alone (pytest -x path::name), read the first assertion, "
    "fix one cause, rerun; repeat until green.",
    "lint.": "Take the most frequent pylint message, fix every instance in one commit, "
    "and add a short note in the practice log about the pattern.",
    "complexity.": "Take the most complex function, list what it decides, and extract one "
    "helper per decision with a test each (a 30-minute kata).",
    "size.": "Delete or merge one piece of dead or duplicated code; keep the tests green.",
    "bench.": "Time the slow function with three input sizes, find the hot loop, and try "
    "one data-structure change.",
    "security.": "Fix the highest-severity bandit finding and write a test that would have "
    "caught it.",
}


def exercise_for(config: Config, competency: str, metric: str | None) -> str:
    """One practice exercise: the model's own first next step, else ours for the metric."""
    for comp in config.competencies:
        if comp.id == competency and comp.next_steps:
            return comp.next_steps[0]
    for prefix, text in GENERIC_EXERCISES.items():
        if metric and metric.startswith(prefix):
            return text
    return (
        "Agree one small, measurable step with your mentor and log it with practicegrade log add."
    )


def plan_focus(
    config: Config,
    now: Evaluation | None,
    stalls: Sequence[Stall],
    milestones: Sequence[MilestoneRow],
) -> list[Focus]:
    """The two or three gaps to work on next: blocking, stalled, milestone-critical first."""
    if now is None:
        return []
    comps = _by_id(now)
    stalled = {s.competency: s for s in stalls}
    needed: dict[str, str] = {}
    for row in milestones:
        if row.status in ("at-risk", "overdue"):
            for m in config.milestones:
                if m.id == row.id:
                    for cid in m.requires:
                        needed.setdefault(cid, f"milestone {row.title!r} is {row.status}")
    order = {cid: i for i, cid in enumerate(now.gaps)}
    candidates = [c for c in comps.values() if c.status != "met"]
    candidates.sort(
        key=lambda c: (
            not any(x.gate_failed for x in c.criteria),
            c.id not in stalled,
            c.id not in needed,
            order.get(c.id, 99),
            -c.distance,
        )
    )
    focus = []
    for comp in candidates[:MAX_FOCUS]:
        worst = max(comp.criteria, key=lambda x: x.distance)
        reasons = []
        if any(x.gate_failed for x in comp.criteria):
            reasons.append("a gate fails")
        if comp.id in stalled:
            reasons.append(f"stalled for {stalled[comp.id].cycles} graded cycles")
        if comp.id in needed:
            reasons.append(needed[comp.id])
        reasons.append(f"{worst.metric} is furthest from target ({worst.target or worst.gate})")
        focus.append(
            Focus(
                comp.id, comp.title, "; ".join(reasons), exercise_for(config, comp.id, worst.metric)
            )
        )
    return focus


def plan_moves(milestones: Sequence[MilestoneRow]) -> list[DateMove]:
    """A due date that should move: at risk or overdue, to when the current rate gets there."""
    moves = []
    for row in milestones:
        if row.status not in ("at-risk", "overdue"):
            continue
        dates = [r.reaches_on for r in row.rates if r.reaches_on is not None]
        suggested = max(dates) if row.rates and len(dates) == len(row.rates) else None
        if suggested is not None:
            why = f"at the current rate its last criterion reaches target on {suggested}"
        else:
            why = "no criterion-level trend gets there at the current rate: agree a new date"
            why += " after a focused cycle"
        moves.append(DateMove(row.id, row.title, row.due, suggested, why))
    return moves


# --------------------------------------------------------------------------- assembly


def _comp_rows(
    config: Config, then: Evaluation | None, last: Evaluation | None, now: Evaluation | None
) -> tuple[CompetencyRow, ...]:
    t, la, n = _measured(then), _measured(last), _measured(now)

    def prog(r: CompetencyResult | None) -> float | None:
        return None if r is None else round(1.0 - r.distance, 3)

    def status(r: CompetencyResult | None) -> str | None:
        return None if r is None else r.status

    return tuple(
        CompetencyRow(
            c.id,
            c.title,
            status(t.get(c.id)),
            status(la.get(c.id)),
            status(n.get(c.id)),
            prog(t.get(c.id)),
            prog(la.get(c.id)),
            prog(n.get(c.id)),
        )
        for c in config.competencies
    )


def _measured(ev: Evaluation | None) -> dict[str, CompetencyResult]:
    """The competencies with at least one measured criterion (the rest show as unknown)."""
    return {k: r for k, r in _by_id(ev).items() if any(c.value is not None for c in r.criteria)}


def _metric_rows(
    config: Config,
    then: HistoryPoint | None,
    last: HistoryPoint | None,
    now: HistoryPoint | None,
) -> tuple[MetricRow, ...]:
    def val(p: HistoryPoint | None, key: str) -> float | None:
        return value_of(p.metrics, key) if p is not None else None

    return tuple(
        MetricRow(key, target, val(then, key), val(last, key), val(now, key))
        for key, target in _criterion_keys(config)
    )


def _baseline_index(points: Sequence[HistoryPoint], baseline: str | None) -> tuple[int, bool]:
    if baseline:
        for i, p in enumerate(points):
            if p.commit.startswith(baseline.lower()):
                return i, True
    return 0, False


def build_review(
    config: Config,
    points: Sequence[HistoryPoint],
    *,
    today: dt.date,
    since: dt.date | None = None,
    log: Sequence[LogEntry] = (),
    acks: Sequence[AckLine] = (),
) -> Review:
    """The progress review of ``points`` (oldest first) on ``today`` (module docstring)."""
    start = since or today - dt.timedelta(days=config.cadence.review_every_days)
    evals = _evaluations(config, points)
    b, from_config = _baseline_index(points, config.baseline)
    li = _at_or_before(points, start)
    base_p = points[b] if points else None
    last_p = points[li] if li is not None else None
    now_p = points[-1] if points else None
    base_e = evals[b] if evals else None
    last_e = evals[li] if li is not None else None
    now_e = evals[-1] if evals else None
    stalls = find_stalls(config, points, evals)
    met = first_met(config, points)
    stalled = {s.competency: s.cycles for s in stalls}
    rows = tuple(milestone_row(config, m, points, met, today, stalled) for m in config.milestones)
    recent = [e for e in log if e.date[:10] >= start.isoformat()]
    regressions = tuple(
        r.id
        for r in _comp_rows(config, None, last_e, now_e)
        if r.progress_last is not None
        and r.progress_now is not None
        and r.progress_now < r.progress_last - REAL_IMPROVEMENT
    )
    return Review(
        today=today.isoformat(),
        since=start.isoformat(),
        graded=len(points),
        baseline=_snap(base_p),
        baseline_source=("config" if from_config else "first graded commit") if points else None,
        baseline_gaps=base_e.gaps if base_e else (),
        last_review=_snap(last_p),
        now=_snap(now_p),
        gaps_now=now_e.gaps if now_e else (),
        competencies=_comp_rows(config, base_e, last_e, now_e),
        metrics=_metric_rows(config, base_p, last_p, now_p),
        milestones=rows,
        stalls=tuple(stalls),
        recurring=tuple(find_recurring(points)),
        reopened=tuple(find_reopened(config, points, evals)),
        focus=tuple(plan_focus(config, now_e, stalls, rows)),
        moves=tuple(plan_moves(rows)),
        log=tuple(
            ReviewLogEntry(e.date, e.commit, e.attempt, e.outcome, e.lesson) for e in recent[-10:]
        ),
        log_total=len(log),
        acks=tuple(acks),
        regressions=regressions,
        tools_changed=_tools_changed(config, base_p, now_p),
    )


def _tools_changed(
    config: Config, then: HistoryPoint | None, now: HistoryPoint | None
) -> str | None:
    """The baseline-to-now tool sentence for the metrics table's metrics (none when either
    grade's note recorded no versions: unknown)."""
    if then is None or now is None:
        return None
    drift = only_for(between(then.tools, now.tools), [k for k, _ in _criterion_keys(config)])
    return sentence(drift, since="since the baseline", moved="changes")
