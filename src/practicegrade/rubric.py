"""Pure evaluation of metrics against the competence model: statuses, gates, gaps, milestones.

No I/O and no clock: ``today`` is passed in. The rules, as a mentor would read them:

Criterion (boundary rounding and distance: :mod:`practicegrade.expr`). Its goal is the
``target``, or the ``gate`` when it has no target.

- ``met``: the goal is satisfied (and no gate failed).
- ``gap``: the gate failed; or the metric was not measured; or the value is far from
  the goal (distance >= :data:`FAR`) and did not move towards it since the base.
- ``progressing``: anything else (the floor holds, the goal is not reached yet).

An **unmeasured** metric (absent, or not a finite number) is a ``gap`` at distance 1
but does **not** fail a gate: a tool we could not run (``--no-tests``, a crash, a
timeout) must never look like a failing mentee. The exception is an absence that *is*
the learner's work: with no tests at all, the test and coverage metrics are absent
(never a silent 0% or 100%), and the caller names them in ``absent_fails`` so that a
gate on them fails: deleting the tests must not be a way past the agreed bar.

A criterion whose run was incomplete (``failed_by``: tests collected and not run, an
early exit, our timeout) is a ``gap`` whose gate fails whatever its value, with the
reason: a partial run says nothing about the bar, and an option that stops the tests
from running must not be a way past it.

A criterion with ``ratchet: base`` (or ``best``) gets a moving gate: no worse than the
base's value (or the best value in the history), give or take its ``tolerance``; when it
also has a written ``gate`` the stricter of the two applies (:func:`ratcheted`). With no
reference (a first grading, a metric the base did not measure) only the written gate holds.
Nor when the base was measured by another version of the tool behind the metric
(``unratcheted``, :mod:`practicegrade.toolchange`): a gate must not fail because the CI
image upgraded pylint, so the ratchet is not applied and the written gate alone holds.

Competency: ``met`` when every criterion is met, ``gap`` when any is a gap, else
``progressing``; its distance is the weight-averaged criteria distance.

Gaps: the competencies not met, those with a failed gate first, then by distance times
competency weight (largest first), then model order; the first three are the ones that
hold the mentee back most. A competency that falls short only on metrics this grade was asked
not to measure (``skipped``: ``--no-tests``, the hook's ``hook.tests: false``) is not
among them: nothing says the mentee regressed there.

Verdict: any failed gate gives ``fail`` with ``gates: blocking``, ``warn`` with
``gates: advisory``; otherwise ``pass``.

Milestone: ``met`` when every required competency is met and every extra criterion is
met; otherwise ``overdue`` after its due date; ``at-risk`` when it is due within one
check-in period (``cadence.checkin_every_days``) or when its progress (the share of its
criteria at target) trails the time elapsed, taking the review period
(``cadence.review_every_days``) before the due date as the time to reach it;
else ``on-track``. A criterion on a skipped metric counts neither way: it is left out of
the progress, and a milestone that needs it is not ``met`` (at best ``on-track``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Literal

from practicegrade import expr
from practicegrade.config import (
    Cadence,
    Competency,
    Config,
    Criterion,
    Milestone,
    metric_direction,
    metric_info,
)
from practicegrade.model import (
    CompetencyResult,
    CriterionResult,
    CriterionStatus,
    Evaluation,
    MilestoneResult,
    MilestoneStatus,
    Verdict,
)

FAR = 0.5
"""Distance from which an unmet criterion counts as a gap (unless it is improving)."""
MAX_GAPS = 3
_IMPROVED_BY = 1e-9


@lru_cache(maxsize=512)
def _parse(text: str) -> expr.Expr:
    return expr.parse(text)


def value_of(metrics: Mapping[str, float], key: str) -> float | None:
    """The metric as a finite float, or ``None`` when it is absent or unusable."""
    raw = metrics.get(key)
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def assess(
    criterion: Criterion,
    value: float | None,
    base: float | None = None,
    *,
    absent_fails: bool = False,
    failed_by: str | None = None,
) -> CriterionResult:
    """One criterion against one measured ``value`` (``base``: the same metric at the base).

    ``absent_fails``: an unmeasured value fails the gate (the learner's own doing).
    ``failed_by``: the run behind the value was incomplete, the reason why (see module).
    """
    target = _parse(criterion.target) if criterion.target is not None else None
    gate = _parse(criterion.gate) if criterion.gate is not None else None
    goal = target or gate

    def result(status: CriterionStatus, gate_failed: bool, distance: float) -> CriterionResult:
        return CriterionResult(
            metric=criterion.metric,
            target=criterion.target,
            gate=criterion.gate,
            value=value,
            status=status,
            gate_failed=gate_failed,
            distance=distance,
            failed_because=failed_by if gate_failed and failed_by is not None else None,
        )

    if goal is None:  # a criterion built in code with neither; nothing to hold it to
        return result("met", False, 0.0)
    if failed_by is not None:
        return result("gap", gate is not None, 1.0)
    if value is None:
        return result("gap", absent_fails and gate is not None, 1.0)
    gate_failed = gate is not None and not expr.satisfied(gate, value)
    distance = expr.distance(goal, value)
    if gate_failed:
        return result("gap", True, distance)
    if distance == 0.0:
        return result("met", False, 0.0)
    improving = base is not None and distance < expr.distance(goal, base) - _IMPROVED_BY
    status: CriterionStatus = "gap" if distance >= FAR and not improving else "progressing"
    return result(status, False, distance)


def _weighted(pairs: Sequence[tuple[float, float]]) -> float:
    total = sum(weight for _, weight in pairs)
    if total <= 0:
        return 0.0
    return min(1.0, max(0.0, sum(d * w for d, w in pairs) / total))


def _direction(criterion: Criterion) -> Literal["higher", "lower"] | None:
    for text in (criterion.gate, criterion.target):
        direction = _parse(text).direction if text else "exact"
        if direction in ("higher", "lower"):
            return direction
    return metric_direction(criterion.metric)


def ratchet_reference(
    criterion: Criterion,
    base: Mapping[str, float],
    history: Sequence[Mapping[str, float]] = (),
) -> float | None:
    """The value a ratchet holds the metric to: the base's, or the best in the history."""
    if criterion.ratchet == "base":
        return value_of(base, criterion.metric)
    if criterion.ratchet != "best":
        return None
    values = [v for m in history if (v := value_of(m, criterion.metric)) is not None]
    if not values:
        return None
    return max(values) if _direction(criterion) == "higher" else min(values)


def ratcheted(
    criterion: Criterion,
    base: Mapping[str, float],
    history: Sequence[Mapping[str, float]] = (),
) -> Criterion:
    """``criterion`` with its ratchet turned into a gate: no worse than the reference, give
    or take the tolerance, or the written gate when that is stricter. No reference (a first
    grading, a metric the base did not measure): the written gate alone."""
    reference = ratchet_reference(criterion, base, history)
    direction = _direction(criterion)
    if reference is None or direction is None:
        return criterion
    # Rounded towards leniency, so the base's own value always passes its ratchet.
    if direction == "higher":
        floor, op = math.floor((reference - criterion.tolerance) * 1e4) / 1e4, ">="
    else:
        floor, op = math.ceil((reference + criterion.tolerance) * 1e4) / 1e4, "<="
    if criterion.gate is not None:
        written = float(_parse(criterion.gate).threshold)
        stricter = floor > written if direction == "higher" else floor < written
        if not stricter:
            return criterion
    return replace(criterion, gate=f"{op} {floor!r}")


def assess_competency(
    competency: Competency,
    metrics: Mapping[str, float],
    base_metrics: Mapping[str, float] | None = None,
    absent_fails: Collection[str] = (),
    failed_by: Mapping[str, str] | None = None,
    history: Sequence[Mapping[str, float]] = (),
    unratcheted: Collection[str] = (),
) -> CompetencyResult:
    """Every criterion of ``competency``, its status and weighted distance.

    ``history``: earlier grades' metrics, for ``ratchet: best``; ``unratcheted``: metrics
    whose base is not comparable (another tool version), so ``ratchet: base`` is not applied."""
    base = base_metrics or {}
    forced = failed_by or {}
    results = tuple(
        assess(
            ratcheted(c, {} if c.metric in unratcheted else base, history),
            value_of(metrics, c.metric),
            value_of(base, c.metric),
            absent_fails=c.metric in absent_fails,
            failed_by=forced.get(c.metric),
        )
        for c in competency.criteria
    )
    statuses = {r.status for r in results}
    status: CriterionStatus = (
        "gap" if "gap" in statuses else "progressing" if "progressing" in statuses else "met"
    )
    distance = _weighted(
        [(r.distance, c.weight) for r, c in zip(results, competency.criteria, strict=True)]
    )
    return CompetencyResult(
        id=competency.id,
        title=competency.title,
        why=competency.why,
        status=status,
        criteria=results,
        distance=distance,
        weight=competency.weight,
    )


def rank_gaps(
    results: Sequence[CompetencyResult],
    limit: int = MAX_GAPS,
    skipped: Collection[str] = (),
) -> tuple[str, ...]:
    """Ids of the competencies not met, the most limiting first (module docstring)."""
    order = {r.id: i for i, r in enumerate(results)}
    unmet = [
        r
        for r in results
        if r.status != "met"
        and any(c.status != "met" and c.metric not in skipped for c in r.criteria)
    ]
    unmet.sort(
        key=lambda r: (
            not any(c.gate_failed for c in r.criteria),
            -(r.distance * r.weight),
            order[r.id],
        )
    )
    return tuple(r.id for r in unmet[:limit])


def _verdict(results: Sequence[CompetencyResult], mode: Literal["blocking", "advisory"]) -> Verdict:
    if not any(c.gate_failed for r in results for c in r.criteria):
        return "pass"
    return "fail" if mode == "blocking" else "warn"


def assess_milestone(
    milestone: Milestone,
    competencies: Mapping[str, CompetencyResult],
    metrics: Mapping[str, float],
    cadence: Cadence,
    today: dt.date,
    skipped: Collection[str] = (),
    failed_by: Mapping[str, str] | None = None,
) -> MilestoneResult:
    """Where ``milestone`` stands on ``today`` (module docstring).

    A criterion on a metric this grade was asked not to measure (``skipped``) counts
    neither way: it is left out of the progress, and the milestone cannot be ``met``
    without it (it is at best ``on-track``).
    """
    checks: list[bool] = []
    unknown = False
    for cid in milestone.requires:
        found = competencies.get(cid)
        if found is None:
            checks.append(False)
            continue
        for c in found.criteria:
            if c.metric in skipped:
                unknown = True
            else:
                checks.append(c.status == "met")
    for criterion in milestone.criteria:
        if criterion.metric in skipped:
            unknown = True
        else:
            value = value_of(metrics, criterion.metric)
            forced = (failed_by or {}).get(criterion.metric)
            checks.append(assess(criterion, value, failed_by=forced).status == "met")
    days_left = (milestone.due - today).days
    progress = sum(checks) / len(checks) if checks else 1.0
    elapsed = min(1.0, max(0.0, 1.0 - days_left / max(1, cadence.review_every_days)))
    status: MilestoneStatus
    if all(checks) and not unknown:
        status = "met"
    elif days_left < 0:
        status = "overdue"
    elif not all(checks) and (days_left <= cadence.checkin_every_days or progress < elapsed):
        status = "at-risk"
    else:
        status = "on-track"
    return MilestoneResult(
        id=milestone.id,
        title=milestone.title,
        due=milestone.due.isoformat(),
        status=status,
        requires=milestone.requires,
        days_left=days_left,
    )


def _waive(result: CompetencyResult, waived: Collection[str]) -> CompetencyResult:
    """``result`` with no failed gate on a waived metric."""
    if not waived or not any(c.gate_failed and c.metric in waived for c in result.criteria):
        return result
    criteria = tuple(
        dataclasses.replace(c, gate_failed=False) if c.metric in waived else c
        for c in result.criteria
    )
    return dataclasses.replace(result, criteria=criteria)


def evaluate(
    config: Config,
    metrics: Mapping[str, float],
    *,
    today: dt.date,
    base_metrics: Mapping[str, float] | None = None,
    absent_fails: Collection[str] = (),
    skipped: Collection[str] = (),
    failed_by: Mapping[str, str] | None = None,
    waived: Collection[str] = (),
    history: Sequence[Mapping[str, float]] = (),
    unratcheted: Collection[str] = (),
) -> Evaluation:
    """Evaluate ``metrics`` against ``config``'s competence model (module docstring).

    ``skipped``: metrics this grade was asked not to measure (left out of the gaps).
    ``failed_by``: metric -> why its run was incomplete (its gates fail, see module).
    ``waived``: metrics whose gate a mentor's waiver in force suspends
    (:mod:`practicegrade.loop.acks`): their criteria keep their status, but no gate fails.
    ``unratcheted``: metrics whose ``ratchet: base`` is not applied (module docstring)."""
    results = tuple(
        _waive(
            assess_competency(
                c, metrics, base_metrics, absent_fails, failed_by, history, unratcheted
            ),
            waived,
        )
        for c in config.competencies
    )
    by_id = {r.id: r for r in results}
    milestones = tuple(
        assess_milestone(m, by_id, metrics, config.cadence, today, skipped, failed_by)
        for m in config.milestones
    )
    return Evaluation(
        verdict=_verdict(results, config.gates),
        competencies=results,
        milestones=milestones,
        gaps=rank_gaps(results, skipped=skipped),
        gates_mode=config.gates,
    )


def better_direction(config: Config, metric: str) -> Literal["higher", "lower"] | None:
    """Which way ``metric`` improves: from the model's own criteria, else the catalogue."""
    for comp in config.competencies:
        for crit in comp.criteria:
            if crit.metric != metric:
                continue
            for text in (crit.target, crit.gate):
                direction = _parse(text).direction if text else "exact"
                if direction != "exact":
                    return direction
    info = metric_info(metric)
    return info.better if info else None


def failed_on_base(crit: CriterionResult, base: Mapping[str, float]) -> bool:
    """Whether the base fails ``crit``'s gate too: the change did not cause the failure
    (a test that fails on ``main`` as well), which the reader of a pull request must know."""
    value = base.get(crit.metric)
    if crit.gate is None or value is None:
        return False
    try:
        return not expr.satisfied(expr.parse(crit.gate), value)
    except expr.ExprError:
        return False
