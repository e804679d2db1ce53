"""The sticky PR/MR comment: what a mentor reads first.

Layout, top to bottom: the hidden marker (line 1, so the publisher can find and update
our comment), the verdict, the metric table with deltas against the base, competencies,
milestones, feedback (blockers, up to three next steps, the rest collapsed, praise,
observations), collapsed per-file details, the comparison with the base, and a footer
with tool versions.

Every learner-controlled string goes through :func:`~practicegrade.render.escape.md_code`
or :func:`~practicegrade.render.escape.md_fence` and nothing else; our own words and
numbers are written directly. The body is deterministic (no clock; the commit comes
from the report) and always fits the size budget: whole sections are dropped, per-file
tables first, and the comment says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from practicegrade.model import (
    CompetencyResult,
    Evidence,
    FeedbackItem,
    LintMessage,
    Report,
)
from practicegrade.render.common import (
    KEY_METRICS,
    VERDICT_TITLE,
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
)
from practicegrade.render.escape import md_code, md_fence, md_row, render_text_md, safe_token

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
_CAP_SUGGESTIONS_LEAD = 3
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
    return ["", f"_… and {total - shown} more {what}; see `report.html`._"] if total > shown else []


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
        f"### {_VERDICT_ICON[ev.verdict]} practicegrade: {VERDICT_TITLE[ev.verdict].lower()}",
        "",
    ]
    failed = failed_gates(ev)
    if failed:
        shown = [
            f"{_c(cr.metric)} is {fmt_value(cr.metric, cr.value)} (gate {_c(cr.gate or '')})"
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
    elif ev.verdict == "pass":
        lines += ["Every gate in the competence model holds.", ""]
    else:
        lines += ["The competence model's gates are not all met; see below.", ""]
    return lines


def _celebrations(report: Report) -> list[str]:
    """Milestones met for the first time: celebrated right under the verdict."""
    items = feedback_by_category(report)["celebration"][:_CAP_LIST]
    return [*(line for i in items for line in _item(i, "-")), ""] if items else []


def _context(report: Report) -> list[str]:
    """Which commit, compared with what, graded against which model."""
    bits = []
    sha = short_sha(report.repo.commit)
    if sha:
        on = f" on {_c(report.repo.branch, 60)}" if report.repo.branch else ""
        bits.append(f"Commit {_c(sha)}{on}")
    cmp_ = report.comparison
    if cmp_ is not None:
        bits.append(f"compared with {_c(cmp_.base_ref, 60)} ({_c(short_sha(cmp_.base_commit))})")
    else:
        bits.append("first run: no base to compare with")
    model = _c(report.config_file, 60) if report.config_file else "the built-in default model"
    bits.append(f"graded against {model}")
    return ["<sub>" + " · ".join(bits) + "</sub>", ""]


# --------------------------------------------------------------------------- metrics


def _metric_rows(report: Report, keys: Sequence[str], *, model: bool) -> list[list[str]]:
    """Rows of the metric table; ``model`` adds the status, target and gate columns."""
    targets = targets_by_metric(report.evaluation)
    deltas = report.comparison.deltas if report.comparison else None
    rows = []
    for key in keys:
        row = [_c(key), fmt_value(key, report.metrics[key])]
        if model:
            t = targets.get(key)
            icon = "" if t is None else "❌" if t.gate_failed else _STATUS_ICON[t.status].split()[0]
            row = [
                icon,
                *row,
                " ".join(_c(x, 40) for x in t.targets) if t else "",
                " ".join(_c(x, 40) for x in t.gates) if t else "",
            ]
        if deltas is not None:
            d = deltas.get(key)
            row.append("" if d is None else fmt_delta(key, d) + _CHANGE_ICON[change_word(key, d)])
        rows.append(row)
    return rows


def _split_metrics(report: Report) -> tuple[list[str], list[str]]:
    """Metrics the model sets a target on, key metrics and changed ones lead; the rest fold."""
    targets = targets_by_metric(report.evaluation)
    deltas = report.comparison.deltas if report.comparison else {}
    lead: list[str] = []
    rest: list[str] = []
    for key in sorted_metrics(report.metrics):
        changed = fmt_delta(key, deltas.get(key)) not in ("", "±0")
        (lead if key in targets or key in KEY_METRICS or changed else rest).append(key)
    return lead, rest


def _metrics(report: Report) -> list[str]:
    delta = ["Δ vs base"] if report.comparison is not None else []
    lead, rest = _split_metrics(report)
    header, align = ["", "metric", "value", "target", "gate", *delta], "llrll" + "r" * len(delta)
    rows = _metric_rows(report, lead[:_CAP_METRICS], model=True)
    lines = ["#### Metrics", "", *_table(header, align, rows)]
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
    lines.append("")
    if rest:
        rows = _metric_rows(report, rest[:_CAP_METRICS], model=False)
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
    lines = [
        "#### Competencies",
        "",
        *_table(["competency", "status", "progress", "distance", "criteria met"], "lllrr", rows),
    ]
    lines += _more(min(len(comps), 30), len(comps), "competencies")
    if ev.gaps:
        lines += ["", "**Biggest gaps:** " + ", ".join(_c(g, 40) for g in ev.gaps[:3]) + "."]
    return [*lines, ""]


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
    lines = [
        "#### Milestones",
        "",
        *_table(["milestone", "status", "due", "time left", "requires"], "lllrl", rows),
    ]
    return [*lines, *_more(min(len(ev.milestones), 20), len(ev.milestones), "milestones"), ""]


# --------------------------------------------------------------------------- feedback


def _item(item: FeedbackItem, bullet: str = "-") -> list[str]:
    ev = _evidence(item.evidence)
    tail = f" <sub>{ev}</sub>" if ev else ""
    return [f"{bullet} {render_text_md(item.text)}{tail}"]


def _next_step(n: int, item: FeedbackItem) -> list[str]:
    """A suggestion led by its next step, then why, then the evidence (one line: ``<br>``
    breaks render the same on GitHub, whose comments keep newlines, and GitLab)."""
    parts = [f"**{render_text_md(item.next_step or item.text)}**"]
    if item.next_step:
        parts.append(render_text_md(item.text))
    ev = _evidence(item.evidence)
    if ev:
        parts.append(f"<sub>Evidence: {ev}</sub>")
    return [f"{n}. " + "<br>".join(parts)]


def _feedback_lead(report: Report) -> list[str]:
    """Blockers and the (at most three) leading next steps: never dropped."""
    groups = feedback_by_category(report)
    lines: list[str] = []
    if groups["blocker"]:
        lines += ["#### Must fix", ""]
        for item in groups["blocker"][:_CAP_LIST]:
            lines += _item(item, "- ❌")
        lines += [
            *_more(min(len(groups["blocker"]), _CAP_LIST), len(groups["blocker"]), "blockers"),
            "",
        ]
    lead = groups["suggestion"][:_CAP_SUGGESTIONS_LEAD]
    if lead:
        lines += ["#### Next steps", ""]
        for n, item in enumerate(lead, 1):
            lines += _next_step(n, item)
        lines.append("")
    return lines


def _feedback_rest(report: Report) -> list[str]:
    """The other suggestions (collapsed), praise and observations."""
    groups = feedback_by_category(report)
    lines: list[str] = []
    rest = groups["suggestion"][_CAP_SUGGESTIONS_LEAD:]
    if rest:
        body: list[str] = []
        for item in rest[:_CAP_SUGGESTIONS_MORE]:
            body += (
                _item(item, "-")
                if not item.next_step
                else [
                    f"- **{render_text_md(item.next_step)}** {render_text_md(item.text)}"
                    + (
                        f" <sub>{_evidence(item.evidence)}</sub>"
                        if _evidence(item.evidence)
                        else ""
                    )
                ]
            )
        body += _more(min(len(rest), _CAP_SUGGESTIONS_MORE), len(rest), "suggestions")
        noun = "suggestion" if len(rest) == 1 else "suggestions"
        lines += _details(f"{len(rest)} more {noun}", body)
    for cat, title in (("praise", "What went well"), ("observed", "Observed")):
        if groups[cat]:
            lines += [f"**{title}**", ""]
            for item in groups[cat][:_CAP_LIST]:
                lines += _item(item)
            lines += [*_more(min(len(groups[cat]), _CAP_LIST), len(groups[cat]), "items"), ""]
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
    return [
        f"#### Compared with {_c(c.base_ref, 60)}",
        "",
        " · ".join(parts).capitalize() + ".",
        "",
    ]


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
    lines = []
    if dropped:
        lines += [
            f"> **Shortened to fit the comment size limit.** Left out: {', '.join(dropped)}. "
            "The full report is in `report.html` and `report.json`.",
            "",
        ]
    versions = [
        f"{safe_token(k)[:30]} {safe_token(v)[:30]}" for k, v in sorted(report.tools.items())
    ]
    sha = short_sha(report.repo.commit)
    bits = [
        f"practicegrade {safe_token(report.tool_version)[:30]}",
        *([f"commit {_c(sha)}"] if sha else []),
        *versions,
    ]
    return [*lines, "---", "<sub>" + " · ".join(bits) + "</sub>", ""]


# --------------------------------------------------------------------------- assembly


@dataclass(frozen=True, slots=True)
class _Section:
    name: str
    """Said in the truncation note when the section is dropped."""
    build: Callable[[Report], list[str]]
    drop_rank: int | None
    """Lower ranks are dropped first; ``None`` is never dropped (before the last resort)."""


_SECTIONS: tuple[_Section, ...] = (
    _Section("verdict", _verdict, None),
    _Section("milestones reached", _celebrations, None),
    _Section("context", _context, None),
    _Section("metrics", _metrics, None),
    _Section("competencies", _competencies, 11),
    _Section("milestones", _milestones, 10),
    _Section("feedback", _feedback_lead, None),
    _Section("other feedback", _feedback_rest, 9),
    _Section("coverage by file", _coverage_files, 0),
    _Section("lint messages", _lint_messages, 1),
    _Section("complex functions", _complex_functions, 3),
    _Section("failing tests", _failing_tests, 5),
    _Section("tool findings", _findings, 4),
    _Section("comparison", _comparison_summary, 8),
    _Section("new and fixed lint", _new_fixed_lint, 2),
    _Section("complexity changes", _complexity_changes, 6),
    _Section("uncovered changed lines", _patch, 7),
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
    """Last resort: marker, verdict and a pointer to the full report (always small)."""
    note = [
        "> **The full comment was too large to post.** See `report.html` and `report.json`.",
        "",
    ]
    return "\n".join([head, *_verdict(report), *note, "---", "<sub>practicegrade</sub>", ""])


def render_comment(
    report: Report,
    *,
    job_id: str | None = None,
    max_chars: int = MAX_CHARS,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The PR comment for ``report``; at most ``max_chars`` characters and ``max_bytes`` bytes."""
    head = marker(job_id)
    built = [(s, s.build(report)) for s in _SECTIONS]
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
