"""Formatting every renderer shares, so the terminal, the comment and the dashboard agree.

Numbers are formatted with fixed, metric-aware precision (never ``repr``), rows are
ordered by one canonical metric order, and "better" has one meaning per metric: two
artifacts rendered from the same report never disagree about a value or its direction.
Nothing here escapes learner text; that is :mod:`practicegrade.render.escape`'s job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from practicegrade.metrics import METRICS, metric_info
from practicegrade.model import (
    MINOR_RANK,
    CompetencyResult,
    CriterionResult,
    Evaluation,
    FeedbackItem,
    Report,
)

METRIC_ORDER: tuple[str, ...] = tuple(METRICS)
"""DESIGN.md's order (the catalogue's): tests, coverage, lint, complexity, size; then benchmarks."""

_RANK = {key: i for i, key in enumerate(METRIC_ORDER)}

KEY_METRICS: tuple[str, ...] = (
    "coverage.line_pct",
    "coverage.branch_pct",
    "coverage.patch_pct",
    "tests.failed",
    "lint.score",
    "complexity.cc_max",
    "complexity.mi_min",
)
"""The handful a mentor looks at first: the terminal summary and the trend charts."""

VERDICT_TITLE = {
    "pass": "All gates pass",
    "fail": "A gate failed",
    "warn": "A gate failed (advisory)",
}


def unchecked_gates(ev: Evaluation) -> list[str]:
    """Metrics with a gate that were not measured: a pass says nothing about them."""
    return [
        cr.metric
        for comp in ev.competencies
        for cr in comp.criteria
        if cr.gate is not None and cr.value is None and not cr.gate_failed
    ]


def verdict_title(ev: Evaluation) -> str:
    """ "All gates pass", or "All measured gates pass" when a gated metric was not measured
    (no tests found): a green tick must not claim a gate nothing checked."""
    if ev.verdict == "pass" and unchecked_gates(ev):
        return "All measured gates pass"
    return VERDICT_TITLE[ev.verdict]


def metric_sort_key(key: str) -> tuple[int, str]:
    """Canonical order first, then anything else (benchmarks) alphabetically."""
    return (_RANK.get(key, len(_RANK)), key)


def sorted_metrics(keys: Iterable[str]) -> list[str]:
    """``keys`` in the order every renderer shows them."""
    return sorted(set(keys), key=metric_sort_key)


def direction(key: str) -> int:
    """``+1`` if a higher value is better, ``-1`` if lower is better, ``0`` if neither."""
    info = metric_info(key)
    if info is None and key.startswith("bench.") and key.endswith(("_s", "_base")):
        return -1  # a harvested benchmark whose name the catalogue's pattern does not take
    better = info.better if info else None
    return 1 if better == "higher" else -1 if better == "lower" else 0


def _decimals(key: str, value: float) -> int:
    """Digits after the point: fixed per metric so that output is byte-stable."""
    if key.endswith("_pct"):
        return 1
    if key.endswith("_s"):
        return 3
    if key == "lint.score" or key.endswith(("_mean", "_min", "ratio_vs_base", "growth")):
        return 2
    return 0 if float(value).is_integer() else 2


def fmt_value(key: str, value: float | None) -> str:
    """A metric value for people: ``87.5``, ``9.12``, ``0.041``, ``12``; ``n/a`` if absent."""
    if value is None:
        return "n/a"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.{_decimals(key, value)}f}"


def fmt_delta(key: str, delta: float | None) -> str:
    """A signed change with the metric's precision; ``±0`` when it rounds to nothing."""
    if delta is None:
        return ""
    if not math.isfinite(delta):
        return str(delta)
    text = f"{delta:+.{_decimals(key, delta)}f}"
    return "±0" if float(text) == 0 else text


def change_word(key: str, delta: float | None) -> str:
    """``better``, ``worse`` or ``""`` for a delta, using the metric's direction."""
    if delta is None or not math.isfinite(delta) or fmt_delta(key, delta) == "±0":
        return ""
    sign = direction(key) * (1 if delta > 0 else -1)
    return {1: "better", -1: "worse"}.get(sign, "")


def line_ranges(lines: Sequence[int], *, limit: int = 40) -> str:
    """``1-3, 7, 9-12`` for sorted or unsorted line numbers, at most ``limit`` ranges."""
    nums = sorted(set(lines))
    ranges: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        ranges.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    if len(ranges) > limit:
        return ", ".join(ranges[:limit]) + f", … (+{len(ranges) - limit} more)"
    return ", ".join(ranges)


def short_sha(sha: str | None, length: int = 12) -> str:
    """A commit id cut short, hex only (it is ours, but a renderer never trusts input)."""
    return re.sub(r"[^0-9a-fA-F]", "", sha or "")[:length]


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """What the competence model asks of one metric, merged over all competencies."""

    targets: tuple[str, ...]
    gates: tuple[str, ...]
    gate_failed: bool
    status: str
    """Worst criterion status for this metric: ``gap`` < ``progressing`` < ``met``."""


_STATUS_RANK = {"gap": 0, "progressing": 1, "met": 2}


def targets_by_metric(evaluation: Evaluation | None) -> dict[str, MetricTarget]:
    """Metric key -> the targets and gates set on it, worst status, any gate failed."""
    found: dict[str, list[CriterionResult]] = {}
    for competency in evaluation.competencies if evaluation else ():
        for criterion in competency.criteria:
            found.setdefault(criterion.metric, []).append(criterion)
    return {
        metric: MetricTarget(
            targets=tuple(dict.fromkeys(c.target for c in crits if c.target)),
            gates=tuple(dict.fromkeys(c.gate for c in crits if c.gate)),
            gate_failed=any(c.gate_failed for c in crits),
            status=min((c.status for c in crits), key=lambda s: _STATUS_RANK.get(s, 0)),
        )
        for metric, crits in found.items()
    }


def failed_gates(evaluation: Evaluation | None) -> list[tuple[CompetencyResult, CriterionResult]]:
    """Every (competency, criterion) whose gate failed, in model order."""
    if evaluation is None:
        return []
    return [
        (comp, crit)
        for comp in evaluation.competencies
        for crit in comp.criteria
        if crit.gate_failed
    ]


CELEBRATION = "🎉 Milestone reached: "
"""How the praise item that celebrates a milestone met for the first time begins
(:mod:`practicegrade.loop.milestones`); renderers show those items before anything else."""


def is_celebration(item: FeedbackItem) -> bool:
    """Whether ``item`` celebrates a milestone met for the first time."""
    return item.category == "praise" and bool(item.text) and item.text[0] == CELEBRATION


def feedback_by_category(report: Report) -> dict[str, list[FeedbackItem]]:
    """Feedback grouped by category, each group in the order the feedback stage ranked it.

    Milestone celebrations (:func:`is_celebration`) form their own group, shown first."""
    groups: dict[str, list[FeedbackItem]] = {
        "celebration": [],
        "change": [],
        "blocker": [],
        "suggestion": [],
        "praise": [],
        "observed": [],
    }
    for item in report.feedback:
        group = "celebration" if is_celebration(item) else item.category
        groups.setdefault(group, []).append(item)
    return groups


LEAD_STEPS = 3
"""Next steps that lead a comment, a terminal summary or a Gradescope result."""


def lead_steps(report: Report) -> tuple[list[FeedbackItem], list[FeedbackItem]]:
    """(the steps that lead, the other non-backlog steps). Backlog steps (old hotspots) and
    polish (:data:`~practicegrade.model.MINOR_RANK`) never lead: a mentee with one
    missing docstring to add has no next step worth leading with."""
    steps = [i for i in feedback_by_category(report)["suggestion"] if not i.backlog]
    lead = [i for i in steps if i.rank < MINOR_RANK][:LEAD_STEPS]
    return lead, [i for i in steps if i not in lead]


def progress(distance: float) -> float:
    """Progress towards target, 0..1, from the rubric's normalised distance."""
    if not math.isfinite(distance):
        return 0.0
    return min(1.0, max(0.0, 1.0 - distance))
