"""Milestones met: when each was first met, the celebration, and the hotspots a note keeps.

A milestone is met when all its criteria are at target (:func:`practicegrade.rubric.
assess_milestone`); that does not depend on the date, so whether an earlier grade met
it can be worked out again from that grade's numbers. The first grade that meets one
records its id in its note line (``"met":[...]``, :mod:`practicegrade.history`), so the
date and the commit stay what they were even after the model changes; an older history
without that record falls back to re-evaluating its numbers.

The celebration is an ordinary ``praise`` feedback item placed first in the report's
feedback, whose text starts with :data:`CELEBRATION`: the PR comment, the dashboard and
the review show it before anything else (:func:`is_celebration`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from practicegrade.config import Config
from practicegrade.history import MAX_HOT, HistoryPoint
from practicegrade.model import Code, FeedbackItem, MilestoneResult, Report
from practicegrade.render.common import CELEBRATION, is_celebration
from practicegrade.rubric import evaluate

__all__ = ["CELEBRATION", "FirstMet", "celebrate", "first_met", "is_celebration", "met_in"]

_ANY_DAY = dt.date(2000, 1, 1)
"""Whether a milestone is met does not depend on the date; any day will do."""


@dataclass(frozen=True, slots=True)
class FirstMet:
    """Where a milestone was first met."""

    id: str
    ts: str
    """When that grade was made (ISO 8601 UTC)."""
    commit: str
    recorded: bool
    """Read from the note's ``met`` record (else worked out from the numbers)."""


def met_in(config: Config, metrics: Mapping[str, float]) -> frozenset[str]:
    """Ids of the milestones that ``metrics`` meet under ``config``."""
    if not config.milestones:
        return frozenset()
    evaluation = evaluate(config, metrics, today=_ANY_DAY)
    return frozenset(m.id for m in evaluation.milestones if m.status == "met")


def first_met(config: Config, points: Sequence[HistoryPoint]) -> dict[str, FirstMet]:
    """Each milestone's first meeting on this history (oldest first): recorded, else derived."""
    known = {m.id for m in config.milestones}
    found: dict[str, FirstMet] = {}
    for point in points:
        for mid in point.met:
            if mid in known and mid not in found:
                found[mid] = FirstMet(mid, point.ts, point.commit, recorded=True)
    missing = known - set(found)
    for point in points if missing else ():
        for mid in sorted(met_in(config, point.metrics) & missing):
            found[mid] = FirstMet(mid, point.ts, point.commit, recorded=False)
            missing.discard(mid)
    return found


def newly_met(
    report: Report, config: Config, earlier: Sequence[HistoryPoint], base: Collection[str] = ()
) -> tuple[MilestoneResult, ...]:
    """Milestones this grade meets that no earlier grade on the branch (nor the base) met."""
    if report.evaluation is None:
        return ()
    before = set(first_met(config, earlier)) | set(base)
    return tuple(
        m for m in report.evaluation.milestones if m.status == "met" and m.id not in before
    )


def celebration(milestone: MilestoneResult) -> FeedbackItem:
    """The praise item that leads the feedback when a milestone is first met."""
    due = (
        f" (due {milestone.due}, {milestone.days_left} days early)"
        if milestone.days_left > 0
        else ""
    )
    return FeedbackItem(
        "praise",
        None,
        (CELEBRATION, Code(milestone.title), f"{due}. Every criterion it needs is at target."),
    )


def celebrate(report: Report, newly: Sequence[MilestoneResult]) -> Report:
    """``report`` with one celebration per newly met milestone, first in its feedback."""
    if not newly:
        return report
    items = tuple(celebration(m) for m in newly)
    return dataclasses.replace(report, feedback=(*items, *report.feedback))


def hotspots(report: Report) -> tuple[str, ...]:
    """What keeps a note's bottleneck record: lint symbols, files, over-complex functions.

    Symbols are pylint's own names; files and functions are the learner's paths and names
    (rendered escaped wherever they are shown). The most frequent first, capped.
    """
    tokens: list[str] = []
    if report.lint is not None:
        symbols = Counter(m.symbol for m in report.lint.messages)
        tokens += [f"lint:{s}" for s, _ in symbols.most_common(8)]
        files = Counter(m.path for m in report.lint.messages)
        tokens += [f"file:{f}" for f, n in files.most_common(5) if n >= 3]
    if report.complexity is not None:
        worst = sorted(
            (f for f in report.complexity.functions if f.cc > 10 and f.kind != "class"),
            key=lambda f: (-f.cc, f.file, f.name),
        )
        tokens += [f"fn:{f.file}:{f.name}" for f in worst[:6]]
    return tuple(t for t in tokens if len(t) <= 200 and t.isprintable())[:MAX_HOT]
