"""The self-contained HTML dashboard (``report.html``): what a mentor opens to dig in.

One file, no network: inline CSS, inline SVG charts drawn here in Python, no fonts,
scripts or images fetched from anywhere, and a Content-Security-Policy that forbids
them anyway. The page shows the verdict, metrics with deltas, competencies as progress
bars, the milestone timeline, feedback, trend charts from the history in git notes, and
per-file coverage and complexity.

Jinja2 autoescaping escapes every string; learner strings are additionally passed
through :func:`~practicegrade.render.escape.neutralise` (controls to spaces, bidi and
zero-width characters made visible) before they reach the template. The SVG is built
from numbers and escaped labels only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any, Protocol

import jinja2
from markupsafe import Markup

from practicegrade.model import Code as CodePart
from practicegrade.model import (
    CompetencyResult,
    FeedbackItem,
    LintMessage,
    Report,
    Text,
)
from practicegrade.render.common import (
    KEY_METRICS,
    change_word,
    failed_gates,
    feedback_by_category,
    fmt_delta,
    fmt_value,
    line_ranges,
    progress,
    short_sha,
    sorted_metrics,
    targets_by_metric,
    verdict_title,
)
from practicegrade.render.escape import neutralise, visible

_ROW_CAP = 2000
_MESSAGE_CAP = 4000


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One graded commit from the history (git notes): the trend charts' data."""

    commit: str
    ts: str
    """ISO 8601 timestamp of the grading."""
    metrics: Mapping[str, float]


class HistoryLike(Protocol):
    """What a chart needs from a history entry; :class:`practicegrade.history.HistoryPoint`
    (which also carries the subject and source) fits as well as :class:`HistoryPoint`."""

    @property
    def commit(self) -> str: ...

    @property
    def ts(self) -> str: ...

    @property
    def metrics(self) -> Mapping[str, float]: ...


# --------------------------------------------------------------------------- text helpers


def _t(s: str | None, limit: int = 200) -> str:
    """A learner string made visible-safe (autoescape does the HTML part)."""
    return visible(s or "", limit)


def _block(s: str | None) -> str:
    """Multi-line learner output for a ``<pre>``: newlines kept, length capped."""
    s = s or ""
    text = neutralise(s[: _MESSAGE_CAP + 16], keep_newlines=True)
    if len(s) > _MESSAGE_CAP + 16 or len(text) > _MESSAGE_CAP:
        text = text[:_MESSAGE_CAP] + f"\n… ({max(1, len(s) - _MESSAGE_CAP)} more characters)"
    return text


def _breakable(key: str) -> Markup:
    """A metric key that may wrap after its dots (``coverage.<wbr>line_pct``), escaped."""
    return Markup(".<wbr>".join(escape(part) for part in _t(key, 80).split(".")))  # noqa: S704


def _text_html(text: Text) -> Markup:
    """A feedback sentence: our words as text, learner parts as ``<code>``; all escaped."""
    out = []
    for part in text:
        if isinstance(part, CodePart):
            out.append(f"<code>{escape(_t(part.text, 160))}</code>")
        else:
            out.append(escape(part))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


# --------------------------------------------------------------------------- charts

_THRESHOLD = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def _target_value(expr: str | None) -> float | None:
    """The number in a target like ``>= 85`` (for the dashed line on a chart)."""
    match = _THRESHOLD.match(expr or "")
    return float(match.group(2)) if match else None


@dataclass(frozen=True, slots=True)
class ChartPoint:
    commit: str
    ts: str
    value: float


def _series(report: Report, history: Sequence[HistoryLike], key: str) -> list[ChartPoint]:
    """The metric over the history (oldest first, as given), ending with this report."""
    points = [
        ChartPoint(h.commit, h.ts, float(h.metrics[key]))
        for h in history
        if key in h.metrics and math.isfinite(h.metrics[key])
    ]
    current = report.metrics.get(key)
    if current is not None and math.isfinite(current):
        same = points and points[-1].commit == report.repo.commit
        if not same:
            points.append(ChartPoint(report.repo.commit or "", report.generated_at, float(current)))
    return points[-60:]


def _nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` intervals."""
    raw = span / ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if raw <= m * magnitude * (1 + 1e-9))


def _axis(key: str, values: Sequence[float]) -> tuple[float, float, list[tuple[float, str]]]:
    """Domain and labelled round ticks: charts read like a person drew them."""
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return lo, hi, [(lo, f"{lo:.3g}"), (hi, f"{hi:.3g}")]
    step = _nice_step(span)
    nice_lo, nice_hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if not (math.isfinite(nice_lo) and math.isfinite(nice_hi)):
        return lo, hi, [(lo, f"{lo:.3g}"), (hi, f"{hi:.3g}")]
    if min(values) >= 0:
        nice_lo = max(nice_lo, 0.0)
    if key.endswith("_pct") and max(values) <= 100:
        nice_hi = min(nice_hi, 100.0)
    exponent = math.floor(math.log10(step) + 1e-9)
    decimals = max(0, -exponent) + (1 if round(step / 10.0**exponent, 6) == 2.5 else 0)
    steps = (nice_hi - nice_lo) / step
    if not math.isfinite(steps):  # near float's limit the span itself overflows
        return lo, hi, [(lo, f"{lo:.3g}"), (hi, f"{hi:.3g}")]
    count = round(steps)
    ticks = [nice_lo + i * step for i in range(count + 1)]
    return nice_lo, nice_hi, [(t, f"{t:.{decimals}f}") for t in ticks]


def line_chart(key: str, points: Sequence[ChartPoint], target: float | None) -> Markup:
    """An inline SVG line chart of ``points`` with an optional dashed target line."""
    w, h, left, right, top, bottom = 360, 160, 48, 14, 14, 26
    values = [p.value for p in points] + ([target] if target is not None else [])
    lo, hi, ticks = _axis(key, values)
    n = len(points)

    def x(i: int) -> float:
        return left + (w - left - right) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{escape(_t(key, 60))} over {n} graded commits">'
    ]
    for v, label in ticks:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y(v) + 3.5:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    if target is not None:
        parts.append(
            f'<line class="target" x1="{left}" x2="{w - right}" y1="{y(target):.1f}" '
            f'y2="{y(target):.1f}"><title>target {escape(fmt_value(key, target))}</title></line>'
        )
    coords = [(x(i), y(p.value)) for i, p in enumerate(points)]
    line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
    base = h - bottom
    if n > 1:
        area = f"{coords[0][0]:.1f},{base} {line} {coords[-1][0]:.1f},{base}"
        parts.append(f'<polygon class="area" points="{area}"/>')
        parts.append(f'<polyline class="line" points="{line}"/>')
    for i, ((cx, cy), p) in enumerate(zip(coords, points, strict=False)):
        cls = "dot last" if i == n - 1 else "dot"
        label = f"{short_sha(p.commit, 8)} {_t(p.ts, 25)}: {fmt_value(key, p.value)}"
        parts.append(
            f'<circle class="{cls}" cx="{cx:.1f}" cy="{cy:.1f}" r="{4 if i == n - 1 else 2.5}">'
            f"<title>{escape(label)}</title></circle>"
        )
    first, last = short_sha(points[0].commit, 7), short_sha(points[-1].commit, 7)
    parts.append(f'<text class="tick" x="{left}" y="{h - 8}">{escape(first)}</text>')
    if n > 1:
        end = f'x="{w - right}" y="{h - 8}" text-anchor="end"'
        parts.append(f'<text class="tick" {end}>{escape(last)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and escaped labels only


def _charts(report: Report, history: Sequence[HistoryLike]) -> list[dict[str, Any]]:
    targets = targets_by_metric(report.evaluation)
    charts = []
    keys = [k for k in KEY_METRICS if k in report.metrics or any(k in h.metrics for h in history)]
    for key in keys:
        points = _series(report, history, key)
        if len(points) < 2:
            continue
        t = targets.get(key)
        target = _target_value(t.targets[0]) if t and t.targets else None
        first, last = points[0].value, points[-1].value
        charts.append(
            {
                "key": key,
                "svg": line_chart(key, points, target),
                "value": fmt_value(key, last),
                "change": fmt_delta(key, last - first),
                "trend": change_word(key, last - first),
                "n": len(points),
            }
        )
    return charts


# --------------------------------------------------------------------------- view model


def _metric_rows(report: Report) -> list[dict[str, Any]]:
    targets = targets_by_metric(report.evaluation)
    deltas = report.comparison.deltas if report.comparison else {}
    rows = []
    for key in sorted_metrics(report.metrics):
        t = targets.get(key)
        d = deltas.get(key)
        rows.append(
            {
                "key": _t(key, 80),
                "label": _breakable(key),
                "value": fmt_value(key, report.metrics[key]),
                "delta": fmt_delta(key, d) if d is not None else "",
                "trend": change_word(key, d),
                "target": ", ".join(_t(x, 30) for x in t.targets) if t else "",
                "gate": ", ".join(_t(x, 30) for x in t.gates) if t else "",
                "status": ("gate" if t.gate_failed else t.status) if t else "",
                "key_metric": key in KEY_METRICS,
            }
        )
    return rows


def _competency(c: CompetencyResult, values: Mapping[str, float]) -> dict[str, Any]:
    return {
        "id": _t(c.id, 60),
        "title": _t(c.title, 120),
        "why": _t(c.why, 300),
        "status": c.status,
        # "100% to target" beside "progressing" would contradict itself: not met is < 100.
        "progress": round(progress(c.distance) * 100)
        if c.status == "met"
        else min(99, round(progress(c.distance) * 100)),
        "measured": any(cr.value is not None for cr in c.criteria),
        "distance": f"{c.distance:.2f}" if math.isfinite(c.distance) else "n/a",
        "criteria": [
            {
                "metric": _t(cr.metric, 80),
                "value": fmt_value(cr.metric, cr.value),
                "target": _t(cr.target, 30),
                "gate": _t(cr.gate, 30),
                "status": "gate"
                if cr.gate_failed
                else "not measured"
                if cr.value is None
                else cr.status,
            }
            for cr in c.criteria[:50]
        ],
    }


def _feedback_item(item: FeedbackItem) -> dict[str, Any]:
    ev = item.evidence
    evidence = []
    if ev.metric:
        value = fmt_value(ev.metric, ev.value) if ev.value is not None else ""
        delta = f" ({fmt_delta(ev.metric, ev.delta)})" if ev.delta is not None else ""
        evidence.append((_t(ev.metric, 80), f"{value}{delta}".strip()))
    if ev.file:
        evidence.append((_t(f"{ev.file}:{ev.line}" if ev.line else ev.file, 160), ""))
    if ev.function:
        evidence.append((_t(ev.function, 80), ""))
    return {
        "text": _text_html(item.text),
        "next_step": _text_html(item.next_step) if item.next_step else None,
        "competency": _t(item.competency, 60) if item.competency else "",
        "evidence": evidence,
        "example": _t(item.example, 2000) if item.example else "",
    }


def _feedback(report: Report) -> dict[str, list[dict[str, Any]]]:
    """Items by category; backlog steps (old hotspots) apart, so they never lead."""
    groups = feedback_by_category(report)
    suggestions = groups.get("suggestion", [])
    groups = {
        **groups,
        "suggestion": [i for i in suggestions if not i.backlog],
        "backlog": [i for i in suggestions if i.backlog],
    }
    return {cat: [_feedback_item(i) for i in items[:200]] for cat, items in groups.items()}


def _coverage_rows(report: Report) -> list[dict[str, Any]]:
    files = report.tests.coverage if report.tests else ()
    rows = []
    for f in sorted(files, key=lambda f: (f.line_pct, f.file))[:_ROW_CAP]:
        rows.append(
            {
                "file": _t(f.file, 160),
                "statements": f.statements,
                "missing": len(f.missing_lines),
                "line_pct": f"{f.line_pct:.1f}",
                "bar": max(0.0, min(100.0, f.line_pct)),
                "branch_pct": "" if f.branch_pct is None else f"{f.branch_pct:.1f}",
                "lines": line_ranges(f.missing_lines, limit=20),
            }
        )
    return rows


def _complexity_rows(report: Report) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cx = report.complexity
    if cx is None:
        return [], []
    funcs = sorted(cx.functions, key=lambda f: (-f.cc, f.file, f.line))[:_ROW_CAP]
    fn_rows = [
        {
            "name": _t(f.name, 100),
            "where": _t(f"{f.file}:{f.line}", 160),
            "cc": f.cc,
            "rank": _t(f.rank, 2),
            "high": f.cc > 10,
        }
        for f in funcs
    ]
    file_rows = [
        {
            "file": _t(f.file, 160),
            "mi": f"{f.mi:.2f}",
            "rank": _t(f.mi_rank, 2),
            "sloc": f.sloc,
            "functions": f.functions,
        }
        for f in sorted(cx.files, key=lambda f: (f.mi, f.file))[:_ROW_CAP]
    ]
    return fn_rows, file_rows


def _lint_rows(messages: Sequence[LintMessage]) -> list[dict[str, Any]]:
    order = {"fatal": 0, "error": 1, "warning": 2, "refactor": 3, "convention": 4, "info": 5}
    ranked = sorted(messages, key=lambda m: (order.get(m.category, 9), m.path, m.line, m.msg_id))
    return [
        {
            "where": _t(f"{m.path}:{m.line}", 160),
            "id": _t(m.msg_id, 12),
            "symbol": _t(m.symbol, 60),
            "category": m.category,
            "message": _t(m.message, 300),
        }
        for m in ranked[:_ROW_CAP]
    ]


def _tests(report: Report) -> dict[str, Any]:
    cases = report.tests.cases if report.tests else ()
    failing = [c for c in cases if c.outcome in ("failed", "error")]
    return {
        "total": len(cases),
        "failing": [
            {"id": _t(c.nodeid, 200), "outcome": c.outcome, "message": _block(c.message)}
            for c in failing[:50]
        ],
        "more_failing": max(0, len(failing) - 50),
    }


def _comparison(report: Report) -> dict[str, Any] | None:
    c = report.comparison
    if c is None:
        return None
    changes = sorted(
        c.complexity_changes, key=lambda x: (-((x.after or 0) - (x.before or 0)), x.file, x.name)
    )
    from practicegrade.toolchange import comparison_sentence  # noqa: PLC0415

    said = comparison_sentence(c, report.tools)
    return {
        "tools_changed": said.replace("`", "") if said else "",
        "base_ref": _t(c.base_ref, 80),
        "base_commit": short_sha(c.base_commit),
        "files_changed": len(c.files_changed),
        "new_lint": _lint_rows(c.new_lint),
        "fixed_lint": _lint_rows(c.fixed_lint),
        "complexity": [
            {
                "name": _t(x.name, 100),
                "file": _t(x.file, 160),
                "before": "new" if x.before is None else str(x.before),
                "after": "removed" if x.after is None else str(x.after),
                "worse": (x.after or 0) > (x.before or 0),
            }
            for x in changes[:_ROW_CAP]
        ],
        "patch": [
            {
                "file": _t(p.file, 160),
                "changed": p.changed_lines,
                "uncovered": len(p.uncovered_lines),
                "lines": line_ranges(p.uncovered_lines, limit=20),
            }
            for p in sorted(c.patch, key=lambda p: (-len(p.uncovered_lines), p.file))[:_ROW_CAP]
            if p.uncovered_lines
        ],
    }


def _verdict(report: Report) -> dict[str, Any]:
    ev = report.evaluation
    if ev is None:
        return {
            "kind": "none",
            "title": "Measured, not evaluated",
            "failed": 0,
            "detail": [],
            "mode": "",
        }
    failed = failed_gates(ev)
    return {
        "kind": ev.verdict,
        "title": verdict_title(ev),
        "failed": len(failed),
        "detail": [
            {
                "metric": _t(cr.metric, 80),
                "value": fmt_value(cr.metric, cr.value),
                "gate": _t(cr.gate, 30),
            }
            for _, cr in failed[:10]
        ],
        "mode": ev.gates_mode,
    }


def _context(report: Report, history: Sequence[HistoryLike]) -> dict[str, Any]:
    ev = report.evaluation
    fn_rows, file_rows = _complexity_rows(report)
    titles = {c.id: c.title for c in ev.competencies} if ev else {}
    lint = report.lint.messages if report.lint else ()
    return {
        "r": report,
        "project": _t(report.repo.root.rstrip("/").rsplit("/", 1)[-1] or report.repo.root, 80),
        "branch": _t(report.repo.branch, 80) if report.repo.branch else "",
        "commit": short_sha(report.repo.commit),
        "generated_at": _t(report.generated_at, 40),
        "config": _t(report.config_file, 120) if report.config_file else "",
        "verdict": _verdict(report),
        "metrics": _metric_rows(report),
        "cards": [m for m in _metric_rows(report) if m["key_metric"]],
        "unmeasured": [(_t(k, 80), _t(v, 200)) for k, v in sorted(report.unmeasured.items())][:200],
        "competencies": [_competency(c, report.metrics) for c in (ev.competencies if ev else ())],
        "gaps": [(_t(g, 60), _t(titles.get(g, ""), 120)) for g in (ev.gaps if ev else ())[:3]],
        "milestones": [
            {
                "title": _t(m.title, 160),
                "due": _t(m.due, 20),
                "status": m.status,
                "days": m.days_left,
                "requires": [_t(x, 60) for x in m.requires[:10]],
            }
            for m in (ev.milestones if ev else ())[:100]
        ],
        "feedback": _feedback(report),
        "charts": _charts(report, history),
        "history_len": len(history),
        "coverage": _coverage_rows(report),
        "coverage_total": len(report.tests.coverage) if report.tests else 0,
        "functions": fn_rows,
        "files_mi": file_rows,
        "lint": _lint_rows(lint),
        "lint_total": len(lint),
        "tests": _tests(report),
        "findings": [
            {
                "kind": _t(f.kind, 40),
                "where": _t(f"{f.file}:{f.line}" if f.line else f.file, 160) if f.file else "",
                "message": _t(f.message, 400),
            }
            for f in report.findings[:500]
        ],
        "comparison": _comparison(report),
        "tools": [(_t(k, 40), _t(v, 40)) for k, v in sorted(report.tools.items())],
        "row_cap": _ROW_CAP,
    }


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled-template cache, where a full or vanished folder only costs time."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiling the dashboard template took a fifth of a grade that came from the cache;
    the compiled form is kept in the user's cache folder (0700) for the next run."""
    from practicegrade.paths import cache_home, private_folder  # noqa: PLC0415

    folder = private_folder(cache_home() / "templates")
    return _QuietBytecodeCache(str(folder)) if folder is not None else None


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("practicegrade.render", "templates"),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_dashboard(report: Report, history: Sequence[HistoryLike] = ()) -> str:
    """The dashboard page for ``report``, with trend charts drawn from ``history``.

    ``history`` is the graded commits before this one, oldest first (as
    :func:`practicegrade.history.read_history` returns them); this report's own values
    end each chart unless its commit is already the last entry.
    """
    template = _environment().get_template("dashboard.html.j2")
    return template.render(**_context(report, history))
