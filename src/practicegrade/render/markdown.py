"""The sticky PR/MR comment: what a mentor reads first.

Layout, top to bottom (DESIGN.md, Feedback): the hidden marker (line 1, so the publisher
can find and update our comment); the verdict with the score in points (as in
``gradescope.json``) and any failed gate; what the change did (one or two lines); the
next steps (at most three, about the change when there is a base); what went well (at
most three lines); a compact table of only the metrics with a target or a real delta,
each with a sparkline of its recent history; then everything else collapsed (more
steps, the backlog of older hotspots, observations, other metrics, competencies and
milestones, per-file details, the comparison with the base); one footer line.

Every learner-controlled string goes through :func:`~practicegrade.render.escape.md_code`
or :func:`~practicegrade.render.escape.md_fence` and nothing else; our own words and
numbers are written directly. The body is deterministic (no clock; the commit comes
from the report) and always fits the size budget: whole sections are dropped, per-file
tables first, and the comment says so. Nothing links where a PR reader cannot follow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from practicegrade.model import (
    CompetencyResult,
    Evidence,
    FeedbackItem,
    LintMessage,
    Report,
    plain,
)
from practicegrade.render.common import (
    MetricTarget,
    change_word,
    failed_gates,
    feedback_by_category,
    fmt_delta,
    fmt_value,
    lead_steps,
    line_ranges,
    progress,
    short_sha,
    sorted_metrics,
    targets_by_metric,
    unchecked_gates,
    verdict_title,
)
from practicegrade.render.escape import md_code, md_fence, md_row, render_text_md, safe_token
from practicegrade.rubric import failed_on_base

if TYPE_CHECKING:
    from practicegrade.render.html import HistoryLike

MARKER_PREFIX = "<!-- practicegrade:"
MAX_CHARS = 60_000
MAX_BYTES = 250_000

_VERDICT_ICON = {"pass": "✅", "fail": "❌", "warn": "⚠️"}
_STATUS_ICON = {"met": "✅ met", "progressing": "🟡 progressing", "gap": "🔴 gap"}
_MILESTONE_ICON = {
    "met": "✅ met",
    "on-track": "🟢 on track",
    "at-risk": "🟡 at risk",
    "overdue": "🔴 overdue",
}
_CHANGE_ICON = {"better": " 🟢", "worse": " 🔴", "": ""}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_LINT_ORDER = {"fatal": 0, "error": 1, "warning": 2, "refactor": 3, "convention": 4, "info": 5}

# Row caps: every section is bounded on its own, whatever the repository's size.
_CAP_METRICS = 60
_CAP_LIST = 10
_CAP_CHANGE = 4
_CAP_PRAISE = 3
_SPARK = "▁▂▃▄▅▆▇█"
_SPARK_POINTS = 12
_CAP_SUGGESTIONS_MORE = 20
_CAP_COVERAGE_FILES = 200
_CAP_FUNCTIONS = 100
_CAP_LINT = 150
_CAP_FAILING = 10
_CAP_FAILURE_CHARS = 1500
_CAP_COMPARISON = 50


def marker(job_id: str | None = None) -> str:
    """The hidden first line the publisher matches on (rule 8)."""
    # No "--" inside an HTML comment: keep the marker a well-formed comment everywhere.
    token = re.sub(r"-{2,}", "-", safe_token(job_id or "", allowed="A-Za-z0-9_.-"))[:64]
    return f"<!-- practicegrade:v1 id={token} -->" if token else "<!-- practicegrade:v1 -->"


# --------------------------------------------------------------------------- small pieces


def _c(s: str, limit: int = 120) -> str:
    """A learner string as a code span (the only way one enters the comment); a table
    row escapes its ``|`` for the cell (:func:`_row`), nothing else needs it."""
    return md_code(s, limit=limit, table=False)


def _row(cells: Iterable[str]) -> str:
    return md_row(cells)


def _table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table; ``align`` has one of ``l``/``r`` per column."""
    sep = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return [_row(header), sep, *(_row(r) for r in rows)]


def _details(summary: str, body: list[str]) -> list[str]:
    """A collapsed block; ``summary`` is ours only (no learner text in HTML)."""
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _more(shown: int, total: int, what: str) -> list[str]:
    return ["", f"_… and {total - shown} more {what}._"] if total > shown else []


def _n(count: int, noun: str, plural: str | None = None) -> str:
    """``1 file``, ``2 files``: counts in prose read naturally."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _where(file: str | None, line: int | None) -> str:
    if not file:
        return ""
    return _c(f"{file}:{line}" if line else file)


def _evidence(ev: Evidence) -> str:
    """``metric`` value (delta) · ``file:line`` · ``function`` — the facts behind an item."""
    parts = []
    if ev.metric:
        value = f" {fmt_value(ev.metric, ev.value)}" if ev.value is not None else ""
        delta = f" ({fmt_delta(ev.metric, ev.delta)})" if ev.delta is not None else ""
        parts.append(f"{_c(ev.metric)}{value}{delta}")
    if ev.file:
        parts.append(_where(ev.file, ev.line))
    if ev.function:
        parts.append(_c(ev.function))
    return " · ".join(parts)


# --------------------------------------------------------------------------- head


def _verdict(report: Report) -> list[str]:
    ev = report.evaluation
    if ev is None:
        return [
            "### ℹ️ practicegrade: measured, not evaluated",
            "",
            "No competence model was evaluated for this run; the numbers are below.",
            "",
        ]
    lines = [
        f"### {_VERDICT_ICON[ev.verdict]} practicegrade: {verdict_title(ev).lower()}"
        + _score(report),
        "",
    ]
    unchecked = unchecked_gates(ev)
    if unchecked:
        names = ", ".join(_c(m) for m in unchecked[:5])
        more = f" and {len(unchecked) - 5} more" if len(unchecked) > 5 else ""
        lines += [f"**Not checked:** the gates on {names}{more}: not measured (see below).", ""]
    failed = failed_gates(ev)
    if failed:
        base = report.comparison.base_metrics if report.comparison else {}
        shown = [
            f"{_c(cr.metric)} is {fmt_value(cr.metric, cr.value)} (gate {_c(cr.gate or '')})"
            + (
                f", as on {_c(report.comparison.base_ref)}"
                if report.comparison and failed_on_base(cr, base)
                else ""
            )
            if cr.failed_because is None
            else f"{_c(cr.metric)} does not count: the test run was incomplete"
            for _, cr in failed[:5]
        ]
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        noun = "gate" if len(failed) == 1 else "gates"
        effect = (
            "Gates are advisory here: nothing is blocked."
            if ev.gates_mode == "advisory"
            else "Gates are blocking: the pre-push hook and CI fail until this is fixed."
        )
        lines += [
            f"**{len(failed)} {noun} below the agreed floor:** "
            + "; ".join(shown)
            + f"{more}. {effect}",
            "",
        ]
    return lines


def _celebrations(report: Report) -> list[str]:
    """Milestones met for the first time: celebrated right under the verdict."""
    items = feedback_by_category(report)["celebration"][:_CAP_LIST]
    return [*(line for i in items for line in _item(i, "-")), ""] if items else []


def _score(report: Report) -> str:
    """`` · 27.5 of 30 points``: the total ``gradescope.json`` gives, when a model was graded."""
    from practicegrade.render.gradescope import results  # noqa: PLC0415

    graded = results(report)
    tests = graded["tests"]
    if report.evaluation is None or not report.evaluation.competencies or not tests:
        return ""
    total = sum(float(t["max_score"]) for t in tests)
    return f" · {_points(float(graded['score']))} of {_points(total)} points"


def _points(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _change(report: Report) -> list[str]:
    """What the change did (or that this is the first grading): one short paragraph."""
    items = feedback_by_category(report).get("change", [])
    if not items:
        return []
    return ["<br>".join(render_text_md(i.text) for i in items[:_CAP_CHANGE]), ""]


# --------------------------------------------------------------------------- metrics


def _noisy(key: str) -> bool:
    """A timing without repeated samples, or an average or size that moves with any added
    code: never a "real delta" on its own (DESIGN.md, Feedback)."""
    return (
        key in _NOISY
        or key.startswith("size.")
        or (key.startswith("bench.") and key.endswith("_s"))
    )


_UNTIMED = frozenset({"tests.duration_s"})
_NOISY = frozenset(
    {"tests.duration_s", "complexity.cc_mean", "complexity.mi_mean", "complexity.mi_min"}
)


def _sparkline(key: str, value: float, history: Sequence[HistoryLike]) -> str:
    """The metric's recent values, oldest first, ending with this grade's; blank under 3."""
    values = [
        float(v)
        for p in history
        if isinstance(v := p.metrics.get(key), (int, float)) and math.isfinite(v)
    ][-(_SPARK_POINTS - 1) :]
    values.append(value)
    if len(values) < 3:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return _SPARK[3] * len(values)
    top = len(_SPARK) - 1
    return "".join(_SPARK[round((v - low) / (high - low) * top)] for v in values)


def _target_cell(t: MetricTarget | None) -> str:
    if t is None:
        return ""
    cells = [" ".join(_c(x, 40) for x in t.targets)]
    if t.gates:
        cells.append("gate " + " ".join(_c(x, 40) for x in t.gates))
    return " · ".join(c for c in cells if c)


def _metric_rows(
    report: Report, keys: Sequence[str], history: Sequence[HistoryLike], *, model: bool
) -> list[list[str]]:
    """Rows of a metric table; ``model`` adds the status, target and trend columns."""
    targets = targets_by_metric(report.evaluation)
    deltas = report.comparison.deltas if report.comparison else None
    rows = []
    for key in keys:
        row = [_c(key), fmt_value(key, report.metrics[key])]
        if model:
            t = targets.get(key)
            icon = "" if t is None else "❌" if t.gate_failed else _STATUS_ICON[t.status].split()[0]
            row = [icon, *row, _target_cell(t)]
        if deltas is not None:
            # One timing a side has no significance: its difference is not shown as news.
            d = None if key in _UNTIMED else deltas.get(key)
            shown = fmt_delta(key, d)
            row.append(
                "" if d is None or shown == "±0" else shown + _CHANGE_ICON[change_word(key, d)]
            )
        if model:
            row.append(_sparkline(key, report.metrics[key], history))
        rows.append(row)
    return rows


def _split_metrics(report: Report) -> tuple[list[str], list[str]]:
    """Metrics the model sets a target on, or that really moved, lead; the rest fold."""
    targets = targets_by_metric(report.evaluation)
    deltas = report.comparison.deltas if report.comparison else {}
    lead: list[str] = []
    rest: list[str] = []
    for key in sorted_metrics(report.metrics):
        moved = fmt_delta(key, deltas.get(key)) not in ("", "±0") and not _noisy(key)
        (lead if key in targets or moved else rest).append(key)
    return lead, rest


def _test_run(report: Report) -> list[str]:
    """How many tests pytest collected, deselected and ran, when it ran fewer than it
    collected: such a run fails the test gates, and the mentor sees the counts that say
    so. A run of everything collected is the normal case and no news (issue 13's noise
    floor)."""
    t = report.tests
    if t is None or t.collected is None or t.run is None:
        return []
    if t.run >= t.collected and not t.deselected:
        return []
    deselected = f", deselected {t.deselected}" if t.deselected else ""
    return ["", f"Test run: pytest collected {t.collected}{deselected}, ran {t.run}."]


def _tool_change(report: Report) -> list[str]:
    """Once, under the deltas: the tools measured the base with other versions, so part
    of those deltas may be the tools' (:mod:`practicegrade.toolchange`). Our own words;
    the versions are kept only when they look like versions."""
    from practicegrade.toolchange import comparison_sentence  # noqa: PLC0415

    said = comparison_sentence(report.comparison, report.tools)
    return ["", f"> **Tools changed.** {said}"] if said else []


def _metrics(report: Report, history: Sequence[HistoryLike]) -> list[str]:
    delta = ["Δ vs base"] if report.comparison is not None else []
    lead, rest = _split_metrics(report)
    lines: list[str] = []
    if lead:
        header = ["", "metric", "value", "target", *delta, "trend"]
        align = "llrl" + "r" * len(delta) + "l"
        rows = _metric_rows(report, lead[:_CAP_METRICS], history, model=True)
        lines += ["#### Metrics", "", *_table(header, align, rows)]
        lines += _more(min(len(lead), _CAP_METRICS), len(lead), "metrics")
    unmeasured = sorted_metrics(report.unmeasured)
    if unmeasured:
        # Keys that share a reason share one mention of it (`--no-tests` skips seven).
        groups: dict[str, list[str]] = {}
        for key in unmeasured[:_CAP_LIST]:
            groups.setdefault(report.unmeasured[key], []).append(key)
        shown = [
            f"{', '.join(_c(k) for k in keys)} ({md_code(why, 80, table=False)})"
            for why, keys in groups.items()
        ]
        more = f"; and {len(unmeasured) - _CAP_LIST} more" if len(unmeasured) > _CAP_LIST else ""
        lines += ["", "Not measured: " + "; ".join(shown) + more + "."]
    lines += _test_run(report)
    lines += _tool_change(report)
    lines.append("")
    if rest:
        rows = _metric_rows(report, rest[:_CAP_METRICS], history, model=False)
        body = _table(["metric", "value", *delta], "lr" + "r" * len(delta), rows)
        body += _more(min(len(rest), _CAP_METRICS), len(rest), "metrics")
        lines += _details(f"Other metrics: {len(rest)}", body)
    return lines


# --------------------------------------------------------------------------- model


def _bar(fraction: float, width: int = 10) -> str:
    filled = round(fraction * width)
    return "`" + "█" * filled + "░" * (width - filled) + "`"


def _competency_row(c: CompetencyResult) -> list[str]:
    met = sum(1 for cr in c.criteria if cr.status == "met")
    p = progress(c.distance)
    return [
        f"{_c(c.title, 60)} {_c(c.id, 40)}",
        _STATUS_ICON[c.status],
        f"{_bar(p)} {p * 100:.0f}%",
        f"{c.distance:.2f}",
        f"{met} of {len(c.criteria)}",
    ]


def _competencies(report: Report) -> list[str]:
    ev = report.evaluation
    if ev is None or not ev.competencies:
        return []
    comps = ev.competencies
    rows = [_competency_row(c) for c in comps[:30]]
    body = _table(["competency", "status", "progress", "distance", "criteria met"], "lllrr", rows)
    body += _more(min(len(comps), 30), len(comps), "competencies")
    if ev.gaps:
        body += ["", "**Biggest gaps:** " + ", ".join(_c(g, 40) for g in ev.gaps[:3]) + "."]
    met = sum(1 for c in comps if c.status == "met")
    return _details(f"Competencies: {met} of {len(comps)} at target", body)


def _days(days: int, status: str) -> str:
    if status == "met":
        return "done"
    if days < 0:
        return f"{-days} days overdue"
    return "due today" if days == 0 else f"{days} days"


def _due(due: str) -> str:
    """An ISO date as plain text; anything else (from a hand-edited model) as code."""
    return due if _ISO_DATE.fullmatch(due) else _c(due, 20)


def _milestones(report: Report) -> list[str]:
    ev = report.evaluation
    if ev is None or not ev.milestones:
        return []
    rows = [
        [
            _c(m.title, 60),
            _MILESTONE_ICON[m.status],
            _due(m.due),
            _days(m.days_left, m.status),
            ", ".join(_c(r, 40) for r in m.requires[:5]),
        ]
        for m in ev.milestones[:20]
    ]
    body = _table(["milestone", "status", "due", "time left", "requires"], "lllrl", rows)
    body += _more(min(len(ev.milestones), 20), len(ev.milestones), "milestones")
    late = sum(1 for m in ev.milestones if m.status in ("at-risk", "overdue"))
    note = f", {late} at risk or overdue" if late else ""
    return _details(f"Milestones: {len(ev.milestones)}{note}", body)


# --------------------------------------------------------------------------- feedback


def _item(item: FeedbackItem, bullet: str = "-", *, evidence: bool = True) -> list[str]:
    ev = _evidence(item.evidence) if evidence else ""
    tail = f" <sub>{ev}</sub>" if ev else ""
    return [f"{bullet} {render_text_md(item.text)}{tail}"]


def _example(item: FeedbackItem, indent: str) -> list[str]:
    """Our bad/good example, folded under its step."""
    if not item.example:
        return []
    fence = md_fence(item.example, limit=1200, info="python")
    return [
        "",
        f"{indent}<details><summary>Example</summary>",
        "",
        *(f"{indent}{line}" if line else "" for line in fence.splitlines()),
        "",
        f"{indent}</details>",
        "",
    ]


def _next_step(n: int, item: FeedbackItem) -> list[str]:
    """A suggestion led by its next step, then why, then the evidence (one line: ``<br>``
    breaks render the same on GitHub, whose comments keep newlines, and GitLab)."""
    parts = [f"**{render_text_md(item.next_step or item.text)}**"]
    if item.next_step:
        parts.append(render_text_md(item.text))
    ev = _evidence(item.evidence)
    if ev:
        parts.append(f"<sub>Evidence: {ev}</sub>")
    return [f"{n}. " + "<br>".join(parts), *_example(item, "   ")]


def _feedback_lead(report: Report) -> list[str]:
    """The (at most three) leading next steps and what went well: never dropped.

    Failed gates are said once, in the verdict; a step repeats none of them."""
    lead, _ = lead_steps(report)
    lines: list[str] = []
    if lead:
        title = "Next steps" if report.comparison is not None else "Where to start"
        lines += [f"#### {title}", ""]
        for n, item in enumerate(lead, 1):
            lines += _next_step(n, item)
        lines.append("")
    praise = feedback_by_category(report)["praise"][:_CAP_PRAISE]
    if praise:
        lines += ["#### What went well", ""]
        for item in praise:
            lines += _item(item, evidence=False)
        lines.append("")
    return lines


def _step_bullet(item: FeedbackItem) -> list[str]:
    ev = _evidence(item.evidence)
    tail = f" <sub>{ev}</sub>" if ev else ""
    if not item.next_step:
        return _item(item)
    return [f"- **{render_text_md(item.next_step)}** {render_text_md(item.text)}{tail}"]


def _feedback_rest(report: Report) -> list[str]:
    """More steps, the backlog and the observations, each collapsed."""
    groups = feedback_by_category(report)
    _, more = lead_steps(report)
    backlog = [i for i in groups["suggestion"] if i.backlog]
    lines: list[str] = []
    for items, summary in (
        (more, f"{_n(len(more), 'more next step')}"),
        (backlog, f"Backlog: {_n(len(backlog), 'step')} this change did not call for"),
    ):
        if not items:
            continue
        body: list[str] = []
        for item in items[:_CAP_SUGGESTIONS_MORE]:
            body += _step_bullet(item)
        body += _more(min(len(items), _CAP_SUGGESTIONS_MORE), len(items), "steps")
        lines += _details(summary, body)
    # The metrics section's own "Not measured:" line already says what was not measured.
    observed = [i for i in groups["observed"] if not plain(i.text).startswith("Not measured: ")]
    if observed:
        body = []
        for item in observed[:_CAP_LIST]:
            body += _item(item)
        body += _more(min(len(observed), _CAP_LIST), len(observed), "observations")
        lines += _details(f"Observed: {len(observed)}", body)
    return lines


# --------------------------------------------------------------------------- details


def coverage_left_out_line(report: Report) -> str | None:
    """One sentence on what the project's coverage settings leave out, if anything."""
    left = report.tests.coverage_left_out if report.tests else None
    if left is None or not (left.file_statements or left.excluded_lines):
        return None
    omitted = ", ".join(_c(f) for f in left.files[:5]) + (" …" if len(left.files) > 5 else "")
    parts = []
    if left.files:
        statements = _n(left.file_statements, "statement")
        parts.append(f"omit {_n(len(left.files), 'file')} ({statements}: {omitted})")
    if left.excluded_lines:
        parts.append(f"exclude {_n(left.excluded_lines, 'more line')}")
    return (
        f"The project's coverage settings ({_c(left.config)}) {' and '.join(parts)}: "
        f"{left.share_pct:.1f}% of the source's {left.source_statements} statements are not in "
        "the coverage numbers."
    )


def _coverage_files(report: Report) -> list[str]:
    files = report.tests.coverage if report.tests else ()
    left = coverage_left_out_line(report)
    if not files:
        return _details("Coverage settings", [left]) if left else []
    worst = sorted(files, key=lambda f: (f.line_pct, f.file))
    rows = [
        [
            _c(f.file),
            str(f.statements),
            f"{f.line_pct:.1f}",
            "" if f.branch_pct is None else f"{f.branch_pct:.1f}",
            line_ranges(f.missing_lines, limit=12),
        ]
        for f in worst[:_CAP_COVERAGE_FILES]
    ]
    body = [left, ""] if left else []
    body += _table(["file", "statements", "line %", "branch %", "missing lines"], "lrrrl", rows)
    body += _more(min(len(files), _CAP_COVERAGE_FILES), len(files), "files")
    return _details(f"Coverage by file: {_n(len(files), 'file')}, least covered first", body)


def _complex_functions(report: Report) -> list[str]:
    funcs = [f for f in (report.complexity.functions if report.complexity else ()) if f.cc > 10]
    if not funcs:
        return []
    funcs.sort(key=lambda f: (-f.cc, f.file, f.line, f.name))
    rows = [
        [_c(f.name, 80), _where(f.file, f.line), str(f.cc), safe_token(f.rank, allowed="A-F")]
        for f in funcs[:_CAP_FUNCTIONS]
    ]
    body = _table(["function", "where", "complexity", "rank"], "llrl", rows)
    body += _more(min(len(funcs), _CAP_FUNCTIONS), len(funcs), "functions")
    return _details(f"Functions above complexity 10: {len(funcs)}", body)


def _lint_key(m: LintMessage) -> tuple[int, str, str, str, int]:
    return (_LINT_ORDER.get(m.category, 9), m.msg_id, m.symbol, m.path, m.line)


def _lint_list(messages: Sequence[LintMessage], cap: int) -> list[str]:
    """Messages grouped by symbol (worst category first), one bullet each."""
    body: list[str] = []
    current: tuple[str, str] | None = None
    for m in sorted(messages, key=_lint_key)[:cap]:
        if (m.msg_id, m.symbol) != current:
            current = (m.msg_id, m.symbol)
            count = sum(1 for x in messages if (x.msg_id, x.symbol) == current)
            body += [
                *([""] if body else []),
                f"**{_c(m.msg_id, 20)} {_c(m.symbol, 60)}** ({m.category}, {count})",
                "",
            ]
        body.append(f"- {_where(m.path, m.line)} {md_code(m.message, 160, table=False)}")
    return [*body, *_more(min(len(messages), cap), len(messages), "messages")]


def _lint_messages(report: Report) -> list[str]:
    messages = report.lint.messages if report.lint else ()
    if not messages:
        return []
    return _details(
        f"Lint messages: {len(messages)}, grouped by message", _lint_list(messages, _CAP_LINT)
    )


def _failing_tests(report: Report) -> list[str]:
    cases = [
        c for c in (report.tests.cases if report.tests else ()) if c.outcome in ("failed", "error")
    ]
    if not cases:
        return []
    body: list[str] = []
    for case in cases[:_CAP_FAILING]:
        body += [*([""] if body else []), f"**{_c(case.nodeid, 160)}** ({case.outcome})"]
        if case.message:
            body += ["", md_fence(case.message, limit=_CAP_FAILURE_CHARS)]
    body += _more(min(len(cases), _CAP_FAILING), len(cases), "failing tests")
    return _details(f"Failing tests: {len(cases)}", body)


def _findings(report: Report) -> list[str]:
    found = report.findings
    if not found:
        return []
    body = [
        " ".join(
            x
            for x in (
                "-",
                _c(f.kind, 40),
                _where(f.file, f.line),
                md_code(f.message, 200, table=False),
            )
            if x
        )
        for f in found[: _CAP_LIST * 3]
    ]
    body += _more(min(len(found), _CAP_LIST * 3), len(found), "findings")
    return _details(f"Tool findings: {len(found)}", body)


# --------------------------------------------------------------------------- comparison


def _comparison_summary(report: Report) -> list[str]:
    c = report.comparison
    if c is None:
        return []
    parts = [
        f"{_n(len(c.files_changed), 'file')} changed",
        f"{_n(len(c.new_lint), 'new lint message')}",
        f"{len(c.fixed_lint)} fixed",
    ]
    if "coverage.patch_pct" in report.metrics:
        patch = fmt_value("coverage.patch_pct", report.metrics["coverage.patch_pct"])
        parts.append(f"patch coverage {patch}%")
    parts[0] = f"{parts[0]} since {_c(c.base_ref, 60)}"
    return _details("Compared with the base", [" · ".join(parts).capitalize() + "."])


def _new_fixed_lint(report: Report) -> list[str]:
    c = report.comparison
    if c is None:
        return []
    lines: list[str] = []
    if c.new_lint:
        lines += _details(
            f"New lint messages: {len(c.new_lint)}", _lint_list(c.new_lint, _CAP_COMPARISON)
        )
    if c.fixed_lint:
        lines += _details(
            f"Fixed lint messages: {len(c.fixed_lint)}", _lint_list(c.fixed_lint, _CAP_COMPARISON)
        )
    return lines


def _complexity_changes(report: Report) -> list[str]:
    c = report.comparison
    if c is None or not c.complexity_changes:
        return []
    changes = sorted(
        c.complexity_changes, key=lambda x: (-((x.after or 0) - (x.before or 0)), x.file, x.name)
    )
    rows = [
        [
            _c(x.name, 80),
            _c(x.file),
            "new" if x.before is None else str(x.before),
            "removed" if x.after is None else str(x.after),
        ]
        for x in changes[:_CAP_COMPARISON]
    ]
    body = _table(["function", "file", "before", "after"], "llrr", rows)
    body += _more(min(len(changes), _CAP_COMPARISON), len(changes), "changes")
    return _details(f"Complexity changes: {len(changes)}", body)


def _patch(report: Report) -> list[str]:
    c = report.comparison
    uncovered = [p for p in c.patch if p.uncovered_lines] if c else []
    if not uncovered:
        return []
    uncovered.sort(key=lambda p: (-len(p.uncovered_lines), p.file))
    rows = [
        [
            _c(p.file),
            str(p.changed_lines),
            str(len(p.uncovered_lines)),
            line_ranges(p.uncovered_lines, limit=12),
        ]
        for p in uncovered[:_CAP_COMPARISON]
    ]
    body = _table(["file", "changed lines", "uncovered", "uncovered lines"], "lrrl", rows)
    body += _more(min(len(uncovered), _CAP_COMPARISON), len(uncovered), "files")
    return _details(f"Changed lines without tests: {_n(len(uncovered), 'file')}", body)


# --------------------------------------------------------------------------- footer


def _footer(report: Report, dropped: Sequence[str]) -> list[str]:
    """One line: what was graded, against what, by which tools (each version once)."""
    lines = []
    if dropped:
        lines += [
            f"> **Shortened to fit the comment size limit.** Left out: {', '.join(dropped)}.",
            "",
        ]
    sha = short_sha(report.repo.commit)
    bits = [f"practicegrade {safe_token(report.tool_version)[:30]}"]
    if sha:
        on = f" on {_c(report.repo.branch, 60)}" if report.repo.branch else ""
        bits.append(f"commit {_c(sha)}{on}")
    cmp_ = report.comparison
    if cmp_ is not None:
        bits.append(f"vs {_c(cmp_.base_ref, 60)} {_c(short_sha(cmp_.base_commit))}")
    else:
        bits.append("first grading")
    bits.append(_c(report.config_file, 60) if report.config_file else "built-in model")
    bits += [
        f"{safe_token(k)[:30]} {safe_token(v)[:30]}"
        for k, v in sorted(report.tools.items())
        if k != "practicegrade"
    ]
    return [*lines, "---", "<sub>" + " · ".join(bits) + "</sub>", ""]


# --------------------------------------------------------------------------- assembly


Build = Callable[[Report, "Sequence[HistoryLike]"], list[str]]


def _plain(build: Callable[[Report], list[str]]) -> Build:
    return lambda report, _history: build(report)


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    """Said in the truncation note when the section is dropped."""
    build: Build
    drop_rank: int | None
    """Lower ranks are dropped first; ``None`` is never dropped (before the last resort)."""


_SECTIONS: tuple[_Section, ...] = (
    _Section("verdict", _plain(_verdict), None),
    _Section("milestones reached", _plain(_celebrations), None),
    _Section("change", _plain(_change), None),
    _Section("feedback", _plain(_feedback_lead), None),
    _Section("metrics", _metrics, None),
    _Section("other feedback", _plain(_feedback_rest), 9),
    _Section("competencies", _plain(_competencies), 11),
    _Section("milestones", _plain(_milestones), 10),
    _Section("comparison", _plain(_comparison_summary), 8),
    _Section("uncovered changed lines", _plain(_patch), 7),
    _Section("complexity changes", _plain(_complexity_changes), 6),
    _Section("new and fixed lint", _plain(_new_fixed_lint), 2),
    _Section("failing tests", _plain(_failing_tests), 5),
    _Section("tool findings", _plain(_findings), 4),
    _Section("complex functions", _plain(_complex_functions), 3),
    _Section("lint messages", _plain(_lint_messages), 1),
    _Section("coverage by file", _plain(_coverage_files), 0),
)


def _fits(body: str, max_chars: int, max_bytes: int) -> bool:
    return len(body) <= max_chars and len(body.encode("utf-8")) <= max_bytes


def _assemble(
    head: str, built: Sequence[tuple[_Section, list[str]]], report: Report, dropped: Sequence[str]
) -> str:
    lines = [head]
    for _, section in built:
        lines += section
    lines += _footer(report, dropped)
    return "\n".join(lines).rstrip("\n") + "\n"


def _minimal(head: str, report: Report) -> str:
    """Last resort: marker, verdict and where the numbers are (always small)."""
    note = [
        "> **The full comment was too large to post.** The numbers are in the CI job's "
        "artifacts (`report.json`).",
        "",
    ]
    return "\n".join([head, *_verdict(report), *note, "---", "<sub>practicegrade</sub>", ""])


def render_comment(
    report: Report,
    history: Sequence[HistoryLike] = (),
    *,
    job_id: str | None = None,
    max_chars: int = MAX_CHARS,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The PR comment for ``report``; at most ``max_chars`` characters and ``max_bytes`` bytes.

    ``history`` (earlier grades, oldest first) draws each leading metric's sparkline."""
    head = marker(job_id)
    built = [(s, s.build(report, history)) for s in _SECTIONS]
    built = [(s, lines) for s, lines in built if lines]
    dropped: list[str] = []
    body = _assemble(head, built, report, dropped)
    for victim in sorted(
        (s for s, _ in built if s.drop_rank is not None), key=lambda s: s.drop_rank or 0
    ):
        if _fits(body, max_chars, max_bytes):
            break
        built = [(s, lines) for s, lines in built if s is not victim]
        dropped.append(victim.name)
        body = _assemble(head, built, report, dropped)
    if not _fits(body, max_chars, max_bytes):
        body = _minimal(head, report)
    if not _fits(body, max_chars, max_bytes):
        body = head + "\n"
    assert body.count(MARKER_PREFIX) == 1, "learner text must never carry our marker"
    return body
