"""The short summary printed after ``practicegrade grade`` and by the pre-push hook.

A mentee reads it in a terminal in a few seconds: the verdict, the key metrics with
their change, the biggest gaps and up to three next steps. No Markdown. Learner strings
are shown as they are, except that escape sequences and control characters are removed
(:func:`~practicegrade.render.escape.term_safe`), so a file name cannot recolour the
screen, move the cursor or hide what the hook printed. Colour is optional and only ever
added by us, through ``click.style``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import TextIO

import click

from practicegrade.model import NOT_RUN, FeedbackItem, Report, plain
from practicegrade.render.common import (
    KEY_METRICS,
    change_word,
    failed_gates,
    feedback_by_category,
    fmt_delta,
    fmt_value,
    lead_steps,
    short_sha,
    sorted_metrics,
    targets_by_metric,
    verdict_title,
)
from practicegrade.render.escape import term_safe
from practicegrade.toolchange import comparison_sentence

_VERDICT = {"pass": ("PASS", "green"), "fail": ("FAIL", "red"), "warn": ("WARN", "yellow")}
_CHANGE = {"better": "green", "worse": "red", "": None}
_NAME_WIDTH = 26


def color_choice(env: Mapping[str, str]) -> bool | None:
    """``NO_COLOR`` (no-color.org) and ``FORCE_COLOR`` (force-color.org), as CPython reads
    them: a non-empty ``NO_COLOR`` turns colour off and wins over a non-empty
    ``FORCE_COLOR``, which turns it on even into a pipe; ``None``: neither is set, colour
    only on a terminal."""
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return None


def wants_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether to style what goes to ``stream`` (:func:`color_choice`, else a terminal)."""
    choice = color_choice(env)
    if choice is not None:
        return choice
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _style(text: str, color: bool, **kwargs: object) -> str:
    return click.style(text, **kwargs) if color else text  # type: ignore[arg-type]


def _header(report: Report, color: bool) -> list[str]:
    ev = report.evaluation
    if ev is None:
        head = _style("practicegrade: measured (no competence model evaluated)", color, bold=True)
    else:
        word, fg = _VERDICT[ev.verdict]
        head = f"{_style(word, color, fg=fg, bold=True)}  {verdict_title(ev)}"
        if ev.verdict == "warn":
            head += ": nothing is blocked"
        head = f"practicegrade {head}"
    where = []
    sha = short_sha(report.repo.commit)
    if sha:
        branch = f" on {term_safe(report.repo.branch, 40)}" if report.repo.branch else ""
        where.append(f"commit {sha}{branch}")
    if report.comparison is not None:
        c = report.comparison
        ref = "" if c.base_commit.startswith(c.base_ref) else f"{term_safe(c.base_ref, 40)} "
        where.append(f"vs {ref}{short_sha(c.base_commit)}")
    else:
        where.append("first run, no base")
    return [head, _style(" · ".join(where), color, dim=True)]


def _key_metrics(report: Report) -> list[str]:
    """Key metrics and every metric with a failed gate, in the canonical order."""
    targets = targets_by_metric(report.evaluation)
    keys = [
        k
        for k in sorted_metrics(report.metrics)
        if k in KEY_METRICS or (k in targets and targets[k].gate_failed)
    ]
    return keys[:12]


def _metric_line(report: Report, key: str, color: bool) -> str:
    targets = targets_by_metric(report.evaluation)
    value = fmt_value(key, report.metrics[key])
    delta = report.comparison.deltas.get(key) if report.comparison else None
    delta_text = f"{fmt_delta(key, delta):>8}" if delta is not None else " " * 8
    fg = _CHANGE[change_word(key, delta)]
    if fg is not None:
        delta_text = _style(delta_text, color, fg=fg)
    t = targets.get(key)
    aim = ""
    if t is not None:
        if t.gate_failed and t.gates:
            aim = _style(f"gate {term_safe(t.gates[0], 20)} not met", color, fg="red", bold=True)
        elif t.targets:
            aim = f"target {term_safe(t.targets[0], 20)}" + (" ✓" if t.status == "met" else "")
    name = term_safe(key, _NAME_WIDTH)
    return f"  {name:<{_NAME_WIDTH}} {value:>9} {delta_text}  {aim}".rstrip()


def _gaps(report: Report) -> list[str]:
    ev = report.evaluation
    if ev is None or not ev.gaps:
        return []
    titles = {c.id: c.title for c in ev.competencies}
    names = [
        f"{term_safe(g, 30)} ({term_safe(titles[g], 40)})" if titles.get(g) else term_safe(g, 30)
        for g in ev.gaps[:3]
    ]
    return ["Biggest gaps: " + ", ".join(names)]


def _evidence(item: FeedbackItem) -> str:
    ev = item.evidence
    bits = []
    if ev.file:
        bits.append(term_safe(f"{ev.file}:{ev.line}" if ev.line else ev.file, 80))
    if ev.metric:
        bits.append(f"{term_safe(ev.metric, 40)} {fmt_value(ev.metric, ev.value)}")
    return " · ".join(bits)


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=max(width, 40),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _steps(report: Report, width: int, color: bool) -> list[str]:
    groups = feedback_by_category(report)
    lines: list[str] = []
    for item in groups["celebration"][:3]:
        lines += _wrap(term_safe(plain(item.text)), width, "", "   ")
    for item in groups.get("change", [])[:2]:
        lines += _wrap(term_safe(plain(item.text)), width, "", "  ")
    if groups["blocker"]:
        lines.append(_style("Must fix:", color, bold=True))
        for item in groups["blocker"][:3]:
            lines += _wrap(term_safe(plain(item.text)), width, "  ✗ ", "    ")
    steps, _ = lead_steps(report)
    if steps:
        lines.append(_style("Next steps:", color, bold=True))
        for n, item in enumerate(steps, 1):
            lines += _wrap(
                term_safe(plain(item.next_step or item.text)), width, f"  {n}. ", "     "
            )
            evidence = _evidence(item)
            if evidence:
                lines += [
                    _style(x, color, dim=True) for x in _wrap(evidence, width, "     ", "     ")
                ]
    return lines


def _failed_gate_note(report: Report) -> list[str]:
    failed = failed_gates(report.evaluation)
    if not failed:
        return []
    noun = "gate" if len(failed) == 1 else "gates"
    return [f"{len(failed)} {noun} below the agreed floor."]


def render_summary(report: Report, *, color: bool = False, width: int = 88) -> str:
    """The terminal summary of ``report``; plain text unless ``color`` asks for ANSI styles."""
    lines = _header(report, color)
    lines += _failed_gate_note(report)
    keys = _key_metrics(report)
    if keys:
        lines += ["", *(_metric_line(report, k, color) for k in keys)]
    said = comparison_sentence(report.comparison, report.tools)
    if said:
        lines += _wrap(f"tools changed: {said.replace('`', '')}", width, "  ", "    ")
    if report.unmeasured:
        # What the grade was asked not to measure, by who asked; then the rest.
        groups: dict[str, list[str]] = {}
        for key in sorted_metrics(report.unmeasured):
            why = report.unmeasured[key]
            label = f"not run ({why[len(NOT_RUN) :]})" if why.startswith(NOT_RUN) else ""
            groups.setdefault(label, []).append(key)
        for label in sorted(groups, key=lambda g: g == ""):
            missing = groups[label]
            shown = ", ".join(term_safe(k, 40) for k in missing[:4])
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            head = f"  {term_safe(label, 60) if label else 'not measured'}: "
            wrapped = _wrap(f"{shown}{more}", width, head, "    ")
            lines += [_style(x, color, dim=True) for x in wrapped]
    gaps = _gaps(report)
    steps = _steps(report, width, color)
    if gaps or steps:
        lines.append("")
    lines += gaps + steps
    return "\n".join(lines) + "\n"
