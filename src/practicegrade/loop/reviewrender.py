"""The progress review as Markdown (``review.md``), terminal text and JSON.

Pure. Every string that comes from the repository (competency and milestone titles, file
and function names, commit subjects, log entries, acknowledgement reasons) goes through
:func:`practicegrade.render.escape.md_code` in Markdown and ``term_safe`` in the terminal;
our own words and the numbers we format are the only plain text. Stalls come before
everything but the celebrations: they are what a check-in must not miss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from practicegrade.history import fmt_value
from practicegrade.loop.review import MetricRow, MilestoneRow, Review, Snapshot, describe_rate
from practicegrade.render.escape import md_code, term_safe

_STATUS_ICON = {"met": "🎉", "on-track": "🟢", "at-risk": "🟠", "overdue": "🔴"}
_LEVEL = {"met": "met", "progressing": "progressing", "gap": "gap", None: "–"}


def _sha(commit: str | None) -> str:
    return commit[:8] if commit else "–"


def _when(ts: str | None) -> str:
    return ts[:10] if ts else "–"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _level(status: str | None, progress: float | None) -> str:
    return "–" if status is None else f"{_LEVEL.get(status, status)} {_pct(progress)}"


def _entries(n: int) -> str:
    return f"{n} new {'entry' if n == 1 else 'entries'}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _section(title: str, body: Sequence[str]) -> list[str]:
    """A ``## title`` section and a blank line after it; nothing when ``body`` is empty."""
    return [f"## {title}", "", *body, ""] if body else []


def _table(
    title: str, header: Sequence[str], rule: str, rows: Iterable[Sequence[str]]
) -> list[str]:
    """A section holding one table; ``rule`` aligns its columns."""
    return _section(title, [_row(header), rule, *(_row(cells) for cells in rows)])


def _snap_md(s: Snapshot | None) -> str:
    return "–" if s is None else f"{md_code(_sha(s.commit))} ({_when(s.ts)})"


# --------------------------------------------------------------------------- Markdown


def _md_head(r: Review) -> list[str]:
    lines = [f"# Progress review, {r.today}", ""]
    if r.now is None:
        return [
            *lines,
            "No graded commits on this branch yet: grade a commit (`practicegrade grade`) "
            "or fetch the history (`practicegrade notes pull`).",
            "",
        ]
    base = f"baseline {_snap_md(r.baseline)}, the {r.baseline_source}"
    lines += [
        f"Review period since {r.since} · {r.graded} graded commits · {base} · "
        f"last review {_snap_md(r.last_review)} · now {_snap_md(r.now)}",
        "",
    ]
    met = [m for m in r.milestones if m.status == "met"]
    for m in met:
        lines.append(
            f"- 🎉 Milestone met: {md_code(m.title)}, first met on {_when(m.met_on)} "
            f"at {md_code(_sha(m.met_commit))}"
        )
    return [*lines, ""] if met else lines


def _md_stalls(r: Review) -> list[str]:
    return _section(
        "Stalled",
        [
            f"- **stalled**: {md_code(s.title)} ({md_code(s.competency)}) for {s.cycles} graded "
            f"cycles, {md_code(_sha(s.first.commit))} ({_when(s.first.ts)}) to "
            f"{md_code(_sha(s.last.commit))} ({_when(s.last.ts)}): progress {_pct(s.progress)}, "
            "no real improvement"
            for s in r.stalls
        ],
    )


def _md_milestones(r: Review) -> list[str]:
    if not r.milestones:
        return []
    rows = [
        [md_code(m.title), f"{_STATUS_ICON[m.status]} {m.status}", m.due, _detail(m)]
        for m in r.milestones
    ]
    return _table("Milestones", ["milestone", "status", "due", "detail"], "|---|---|---|---|", rows)


def _detail(m: MilestoneRow, code: Callable[[str], str] = md_code) -> str:
    if m.status == "met":
        return f"first met {_when(m.met_on)} at {code(_sha(m.met_commit))}"
    behind = [r for r in m.rates if r.reaches_on is None or r.reaches_on > m.due]
    shown = behind[:1] if m.status == "at-risk" else m.rates[:1]
    rates = "; ".join(describe_rate(r, code) for r in shown)
    if m.status == "overdue":
        return f"{m.reason}" + (f"; {rates}" if rates else "")
    return rates or "–"


def _md_competencies(r: Review) -> list[str]:
    if not r.competencies:
        return []
    rows = [
        [
            md_code(c.title),
            _level(c.then, c.progress_then),
            _level(c.last, c.progress_last),
            _level(c.now, c.progress_now),
        ]
        for c in r.competencies
    ]
    lines = _table(
        "Competencies: baseline, last review, now",
        ["competency", "baseline", "last review", "now"],
        "|---|---|---|---|",
        rows,
    )
    gaps = ", ".join(md_code(g) for g in r.baseline_gaps) or "none"
    now = ", ".join(md_code(g) for g in r.gaps_now) or "none"
    lines.append(f"Gap analysis at the baseline: {gaps}. Now: {now}.")
    if r.regressions:
        lines.append(
            "Further from target than at the last review: "
            + ", ".join(md_code(g) for g in r.regressions)
            + "."
        )
    return [*lines, ""]


def _metric_cells(m: MetricRow) -> list[str]:
    return [
        md_code(m.key),
        md_code(m.target or "–"),
        fmt_value(m.key, m.then),
        fmt_value(m.key, m.last),
        fmt_value(m.key, m.now),
    ]


def _md_metrics(r: Review) -> list[str]:
    rows = [m for m in r.metrics if m.now is not None or m.then is not None]
    if not rows:
        return []
    header = ["metric", "target", "baseline", "last review", "now"]
    table = _table("Metrics", header, "|---|---|--:|--:|--:|", map(_metric_cells, rows))
    return [*table, f"> **Tools changed.** {r.tools_changed}", ""] if r.tools_changed else table


def _md_recurring(r: Review) -> list[str]:
    lines = [
        f"- {x.kind} {md_code(x.name)} in {x.cycles} of the last {x.window} graded cycles"
        for x in r.recurring
    ]
    lines += [
        f"- reopened: {md_code(o.title)} was met at {_snap_md(o.closed)}, "
        f"then fell back at {_snap_md(o.reopened)}"
        for o in r.reopened
    ]
    return _section("Recurring bottlenecks", lines)


def _md_plan(r: Review) -> list[str]:
    lines = []
    for n, f in enumerate(r.focus, 1):
        lines.append(
            f"{n}. **Focus on {md_code(f.title)}**: {md_code(f.why, limit=300)}<br>"
            f"Practice exercise: {md_code(f.exercise, limit=300)}"
        )
    if r.focus:
        lines.append("")
    for mv in r.moves:
        to = f"move it to {mv.suggested}" if mv.suggested else "agree a new date"
        lines.append(f"- Milestone {md_code(mv.title)} is due {mv.due}: {to} ({mv.why}).")
    return _section("The plan, adjusted", lines)


def _md_log(r: Review) -> list[str]:
    if not r.log:
        return _section("Practice log", [f"No entries since {r.since} ({r.log_total} in all)."])
    lines = [f"log: {_entries(len(r.log))} since {r.since} ({r.log_total} in all)", ""]
    lines += [
        f"- {_when(e.date)} {md_code(_sha(e.commit))}: attempted {md_code(e.attempt, 300)}; "
        f"outcome {md_code(e.outcome, 300)}; lesson {md_code(e.lesson, 300)}"
        for e in r.log
    ]
    return _section("Practice log", lines)


def _md_acks(r: Review) -> list[str]:
    return _section(
        "Acknowledgements in force",
        [
            f"- {a.kind} {md_code(a.target)} until {a.until} by {md_code(a.by)}: "
            f"{md_code(a.reason, 300)}"
            for a in r.acks
        ],
    )


def render_review_md(r: Review) -> str:
    """``review.md``: for the mentor to paste into the check-in or commit."""
    sections = [
        _md_head(r),
        _md_stalls(r),
        _md_milestones(r),
        _md_plan(r),
        _md_competencies(r),
        _md_metrics(r),
        _md_recurring(r),
        _md_log(r) if r.now is not None else [],
        _md_acks(r),
    ]
    body = "\n".join(line for section in sections for line in section)
    return body.rstrip("\n") + "\n\n<sub>practicegrade review</sub>\n"


# --------------------------------------------------------------------------- terminal


def render_review_terminal(r: Review) -> str:
    """The review for the terminal: the same order as ``review.md``, one line per fact."""
    t = term_safe
    out = [f"Progress review, {r.today} (since {r.since}, {r.graded} graded commits)"]
    if r.now is None:
        return out[0] + "\nNo graded commits on this branch yet."
    out.append(
        f"baseline {_sha(r.baseline.commit if r.baseline else None)} ({r.baseline_source}), "
        f"last review {_sha(r.last_review.commit if r.last_review else None)}, "
        f"now {_sha(r.now.commit)}"
    )
    if r.tools_changed:
        out.append(f"  tools changed: {r.tools_changed.replace('`', '')}")
    for m in r.milestones:
        detail = _detail(m, lambda x: t(x, 60))
        out.append(f"  milestone {t(m.title, 50)}: {m.status} (due {m.due}) {detail}")
    for s in r.stalls:
        out.append(
            f"  stalled: {t(s.title, 50)} for {s.cycles} graded cycles "
            f"({_sha(s.first.commit)} {_when(s.first.ts)} to {_sha(s.last.commit)} "
            f"{_when(s.last.ts)})"
        )
    for c in r.competencies:
        out.append(
            f"  {t(c.title, 40):40} {_level(c.then, c.progress_then):>16} → "
            f"{_level(c.last, c.progress_last):>16} → {_level(c.now, c.progress_now):>16}"
        )
    for x in r.recurring:
        out.append(f"  recurring {x.kind} {t(x.name, 80)}: {x.cycles}/{x.window} cycles")
    for o in r.reopened:
        out.append(
            f"  reopened {t(o.title, 50)}: met at {_sha(o.closed.commit)}, "
            f"fell back at {_sha(o.reopened.commit)}"
        )
    for n, f in enumerate(r.focus, 1):
        out.append(f"  focus {n}: {t(f.title, 50)} ({t(f.why, 200)})")
        out.append(f"           exercise: {t(f.exercise, 200)}")
    for mv in r.moves:
        to = mv.suggested or "a new date"
        out.append(f"  move milestone {t(mv.title, 50)} from {mv.due} to {to}")
    out.append(f"  log: {_entries(len(r.log))} since {r.since}")
    for a in r.acks:
        out.append(f"  {a.kind} {t(a.target, 60)} until {a.until}: {t(a.reason, 120)}")
    return "\n".join(out)


def render_review_json(r: Review) -> str:
    """The review as JSON (the dataclasses as objects)."""
    from practicegrade.serialize import dumps  # noqa: PLC0415

    return dumps(r)
