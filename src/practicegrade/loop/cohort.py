"""One table over several mentees: verdict, biggest gaps, milestones, trend, last activity, stalls.

It reads, it grades nothing. Each source is a repository folder, a clone URL (cloned
into a temporary folder with its notes) or a report artifact CI produced (``report.json``
or the folder holding it). For a repository the numbers are the newest graded commit's
note, evaluated under the repository's own competence model (:func:`row_from_history`,
pure); for a report they are the report's own evaluation (:func:`row_from_report`).
Rows with stalls come first (longest stall first), then failing verdicts, then by name.

Everything shown is learner-controlled (folder names, competency ids from their model)
and is escaped per format: ``md_code`` in Markdown, Jinja's autoescape in HTML,
``term_safe`` in the terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from practicegrade.config import Config
from practicegrade.history import HistoryPoint, sparkline
from practicegrade.loop.milestones import first_met
from practicegrade.loop.review import REAL_IMPROVEMENT, find_stalls, milestone_row
from practicegrade.model import Report
from practicegrade.render.escape import md_code, term_safe
from practicegrade.rubric import evaluate

TREND_POINTS = 8


@dataclass(frozen=True, slots=True)
class CohortRow:
    name: str
    """The repository's folder name (or the report's): learner text."""
    source: str
    """``repo``, ``url`` or ``report``."""
    verdict: str
    """``pass``/``warn``/``fail``, ``none`` with no graded commit, ``error`` when unreadable."""
    gaps: tuple[str, ...] = ()
    milestones_met: int = 0
    milestones_total: int = 0
    milestones_late: tuple[str, ...] = ()
    """Ids of the at-risk and overdue milestones."""
    trend: str = ""
    """``improving``, ``flat``, ``declining`` or empty (one grade or fewer)."""
    spark: str = ""
    """Overall progress across the recent grades, as a sparkline."""
    last_activity: str = ""
    """ISO date of the newest graded commit (or of the report)."""
    stalls: tuple[tuple[str, int], ...] = ()
    """(competency id, graded cycles) for each stalled competency."""
    graded: int = 0
    problem: str = ""

    @property
    def longest_stall(self) -> int:
        return max((n for _, n in self.stalls), default=0)


def _progress(config: Config, point: HistoryPoint) -> float:
    """Overall progress 0..1 of one grade: the weighted mean of 1 - competency distance."""
    ev = evaluate(config, point.metrics, today=dt.date(2000, 1, 1))
    total = sum(c.weight for c in ev.competencies) or 1.0
    return sum((1.0 - c.distance) * c.weight for c in ev.competencies) / total


def _trend(series: Sequence[float]) -> str:
    if len(series) < 2:
        return ""
    delta = series[-1] - series[0]
    if delta >= REAL_IMPROVEMENT:
        return "improving"
    if delta <= -REAL_IMPROVEMENT:
        return "declining"
    return "flat"


def row_from_history(
    name: str, source: str, config: Config, points: Sequence[HistoryPoint], today: dt.date
) -> CohortRow:
    """A repository's row from its graded history (oldest first) and its model."""
    if not points:
        return CohortRow(name, source, "none", problem="no graded commits")
    recent = list(points[-TREND_POINTS:])
    evals = [evaluate(config, p.metrics, today=today) for p in recent]
    now = evals[-1]
    met = first_met(config, points)
    rows = [milestone_row(config, m, recent, met, today) for m in config.milestones]
    series = [_progress(config, p) for p in recent]
    stalls = find_stalls(config, recent, evals)
    return CohortRow(
        name=name,
        source=source,
        verdict=now.verdict,
        gaps=now.gaps,
        milestones_met=sum(1 for r in rows if r.status == "met"),
        milestones_total=len(rows),
        milestones_late=tuple(r.id for r in rows if r.status in ("at-risk", "overdue")),
        trend=_trend(series),
        spark=sparkline(series),
        last_activity=points[-1].ts[:10],
        stalls=tuple((s.competency, s.cycles) for s in stalls),
        graded=len(points),
    )


def row_from_report(name: str, report: Report) -> CohortRow:
    """A row from one report artifact: its own evaluation; no trend (one grade)."""
    ev = report.evaluation
    if ev is None:
        return CohortRow(name, "report", "none", last_activity=report.generated_at[:10], graded=1)
    return CohortRow(
        name=name,
        source="report",
        verdict=ev.verdict,
        gaps=ev.gaps,
        milestones_met=sum(1 for m in ev.milestones if m.status == "met"),
        milestones_total=len(ev.milestones),
        milestones_late=tuple(m.id for m in ev.milestones if m.status in ("at-risk", "overdue")),
        last_activity=report.generated_at[:10],
        graded=1,
    )


def error_row(name: str, source: str, problem: str) -> CohortRow:
    return CohortRow(name, source, "error", problem=problem)


_VERDICT_RANK = {"fail": 0, "error": 1, "warn": 2, "none": 3, "pass": 4}


def sort_rows(rows: Sequence[CohortRow]) -> list[CohortRow]:
    """Stalls first (longest first), then failing, unreadable, warned, ungraded, passing."""
    return sorted(
        rows,
        key=lambda r: (not r.stalls, -r.longest_stall, _VERDICT_RANK.get(r.verdict, 5), r.name),
    )


# --------------------------------------------------------------------------- rendering

HEADER = ("mentee", "verdict", "stalls", "biggest gaps", "milestones", "trend", "last activity")


def _milestones(r: CohortRow) -> str:
    if not r.milestones_total:
        return "–"
    late = f", late: {', '.join(r.milestones_late)}" if r.milestones_late else ""
    return f"{r.milestones_met}/{r.milestones_total} met{late}"


def _stalls(r: CohortRow) -> str:
    return ", ".join(f"{cid} stalled {n} cycles" for cid, n in r.stalls)


def cells(r: CohortRow) -> list[str]:
    """A row's cells as plain (unescaped) text, in :data:`HEADER` order."""
    verdict = r.verdict if not r.problem or r.verdict != "error" else f"error: {r.problem}"
    return [
        r.name,
        verdict,
        _stalls(r) or "–",
        ", ".join(r.gaps) or "–",
        _milestones(r),
        f"{r.spark} {r.trend}".strip() or "–",
        r.last_activity or "–",
    ]


def render_terminal(rows: Sequence[CohortRow]) -> str:
    table = [list(HEADER), *([term_safe(c, 60) for c in cells(r)] for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(rows: Sequence[CohortRow]) -> str:
    out = [
        "# Cohort",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for r in rows:
        row = cells(r)
        shown = [
            md_code(row[0]),
            row[1].split(":")[0],
            *(md_code(c) if c != "–" else c for c in row[2:5]),
            row[5],
            row[6],
        ]
        out.append("| " + " | ".join(shown) + " |")
    return "\n".join(out) + "\n"


def render_html(rows: Sequence[CohortRow], generated: str) -> str:
    """A self-contained page (no network, no script), autoescaped by Jinja."""
    from practicegrade.render.html import _environment  # noqa: PLC0415

    return (
        _environment()
        .get_template("cohort.html.j2")
        .render(header=HEADER, rows=[(r, cells(r)) for r in rows], generated=generated)
    )


def to_json(rows: Sequence[CohortRow]) -> list[Mapping[str, object]]:
    return [
        {
            "name": r.name,
            "source": r.source,
            "verdict": r.verdict,
            "gaps": list(r.gaps),
            "milestones": {
                "met": r.milestones_met,
                "total": r.milestones_total,
                "late": list(r.milestones_late),
            },
            "trend": r.trend,
            "last_activity": r.last_activity,
            "stalls": [{"competency": c, "cycles": n} for c, n in r.stalls],
            "graded": r.graded,
            "problem": r.problem,
        }
        for r in rows
    ]
