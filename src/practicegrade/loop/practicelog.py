"""The practice log: what was attempted, the outcome, the lesson, one entry per cycle.

It lives in the repository as ``practice-log.md`` so mentor and mentee read and diff it
in the pull request. Each entry is one front-matter block between two ``---`` lines::

    ---
    date: '2026-11-01T12:00:00Z'
    commit: 3f2a…
    metrics: {coverage.line_pct: 81.0, lint.score: 8.4}
    attempt: Split parse() into one function per field
    outcome: cc_max 14 -> 6, two new tests
    lesson: Small functions are easier to test.
    ---

Text outside the blocks is free Markdown (headings, notes), kept as it is. Entries are
written by :func:`format_entry` with ``yaml.safe_dump``, which indents multi-line text,
so a learner's own ``---`` line can never end a block early. Reading is bounded (file
size, entry count, field length), aliases are refused (no billion laughs), and a block
that is not valid YAML is reported with its line and skipped, never fatal: the file is
the learner's and an edit by hand must not lose the other entries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml

from practicegrade.configsource import parse_yaml
from practicegrade.errors import ConfigError
from practicegrade.model import Code, FeedbackItem, Text

LOG_FILE = "practice-log.md"
MAX_LOG_BYTES = 1024 * 1024
MAX_ENTRIES = 1000
MAX_FIELD_CHARS = 4000
FIELDS = ("attempt", "outcome", "lesson")
KEY_METRICS = (
    "coverage.line_pct",
    "lint.score",
    "complexity.cc_max",
    "tests.failed",
    "tests.passed",
)
HEADER = (
    "# Practice log\n\n"
    "One entry per practice cycle, written with `practicegrade log add`: what was attempted,\n"
    "the outcome, the lesson learned, and the numbers of the commit it belongs to.\n"
)
_DELIM = re.compile(r"^---[ \t]*$", re.MULTILINE)
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One practice-log entry. ``attempt``/``outcome``/``lesson`` are learner text."""

    date: str
    attempt: str
    outcome: str
    lesson: str
    commit: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    line: int = 0
    """Where its block starts in the file (1-based; 0 for an entry not yet written)."""


@dataclass(frozen=True, slots=True)
class ParsedLog:
    entries: tuple[LogEntry, ...]
    problems: tuple[str, ...] = ()
    """``file:line: what`` for each block that could not be read (skipped, not fatal)."""


def _text(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_FIELD_CHARS].strip()


def _metrics(value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, raw in list(value.items())[:50]:
        if (
            isinstance(key, str)
            and len(key) <= 120
            and isinstance(raw, (int, float))
            and not isinstance(raw, bool)
            and math.isfinite(raw)
        ):
            out[key] = float(raw)
    return out


def _entry(data: object, line: int) -> LogEntry | str:
    if not isinstance(data, Mapping):
        return "expected a mapping of date, attempt, outcome, lesson"
    commit = data.get("commit")
    return LogEntry(
        date=_text(data.get("date"))[:40],
        attempt=_text(data.get("attempt")),
        outcome=_text(data.get("outcome")),
        lesson=_text(data.get("lesson")),
        commit=commit if isinstance(commit, str) and _SHA.match(commit) else None,
        metrics=_metrics(data.get("metrics")),
        line=line,
    )


def parse_log(text: str, shown: str = LOG_FILE) -> ParsedLog:
    """Every entry of a practice log, in file order; unreadable blocks become problems."""
    if len(text) > MAX_LOG_BYTES:
        text = text[:MAX_LOG_BYTES]
    marks = list(_DELIM.finditer(text))
    entries: list[LogEntry] = []
    problems: list[str] = []
    pairs = list(zip(marks[0::2], marks[1::2], strict=False))[-MAX_ENTRIES:]
    for opening, closing in pairs:
        line = text.count("\n", 0, opening.start()) + 1
        block = text[opening.end() : closing.start()]
        try:
            data = parse_yaml(block, shown)
        except ConfigError as exc:
            problems.append(f"{shown}:{line}: entry skipped ({exc.message.split(': ', 1)[-1]})")
            continue
        entry = _entry(data, line)
        if isinstance(entry, str):
            problems.append(f"{shown}:{line}: entry skipped ({entry})")
        else:
            entries.append(entry)
    if len(marks) % 2:
        line = text.count("\n", 0, marks[-1].start()) + 1
        problems.append(f"{shown}:{line}: a `---` line without its closing `---` (ignored)")
    return ParsedLog(tuple(entries), tuple(problems))


def key_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """The few numbers an entry remembers (the rest are in the notes)."""
    return {k: round(float(metrics[k]), 3) for k in KEY_METRICS if k in metrics}


_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def normalise(text: str) -> str:
    """Every line break as ``\\n`` (YAML reads CR, NEL and the Unicode separators as breaks),
    cut to :data:`MAX_FIELD_CHARS`, trimmed: the text exactly as it will read back."""
    return text.replace("\r\n", "\n").translate(_BREAKS)[:MAX_FIELD_CHARS].strip()


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal ``|`` block: it reads like the learner wrote it."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def format_entry(entry: LogEntry) -> str:
    """One entry as its block (with a leading blank line), ready to append to the file."""
    data: dict[str, object] = {"date": entry.date}
    if entry.commit:
        data["commit"] = entry.commit
    if entry.metrics:
        data["metrics"] = dict(entry.metrics)
    for name in FIELDS:
        data[name] = normalise(getattr(entry, name))
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )
    return f"\n---\n{body}---\n"


def append_text(existing: str | None, entry: LogEntry) -> str:
    """The log file's new text: the old text untouched, then the new entry."""
    head = existing if existing is not None else HEADER
    if head and not head.endswith("\n"):
        head += "\n"
    return head + format_entry(entry)


def missing_fields(values: Mapping[str, str | None]) -> list[str]:
    """Which of attempt/outcome/lesson are still empty."""
    return [name for name in FIELDS if not (values.get(name) or "").strip()]


TEMPLATE_INTRO = (
    "# Fill in what is missing below, save and close the editor.\n"
    "# Lines starting with '#' are ignored. Leave a section empty to cancel.\n"
)


def editor_template(values: Mapping[str, str | None]) -> str:
    """The text an editor opens with: one ``## field`` section each, filled where known."""
    parts = [TEMPLATE_INTRO]
    prompts = {
        "attempt": "What did you attempt this cycle?",
        "outcome": "What happened (numbers welcome)?",
        "lesson": "What did you learn?",
    }
    for name in FIELDS:
        parts.append(f"\n## {name}\n# {prompts[name]}\n{values.get(name) or ''}\n")
    return "".join(parts)


def parse_template(text: str) -> dict[str, str]:
    """The sections an edited template holds (comments dropped, text trimmed)."""
    out: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith("## ") and raw[3:].strip() in FIELDS:
            if current:
                out[current] = "\n".join(lines).strip()
            current, lines = raw[3:].strip(), []
        elif not raw.startswith("#") and current:
            lines.append(raw)
    if current:
        out[current] = "\n".join(lines).strip()
    return {k: v[:MAX_FIELD_CHARS] for k, v in out.items()}


def since(entries: Sequence[LogEntry], date: str | None) -> list[LogEntry]:
    """Entries dated on or after ``date`` (ISO text compares in time order)."""
    return [e for e in entries if date is None or e.date >= date]


def _fmt(key: str, value: float | None) -> str:
    from practicegrade.history import fmt_value  # noqa: PLC0415

    return fmt_value(key, value)


def render_terminal(entries: Sequence[LogEntry], now: Mapping[str, float], width: int = 88) -> str:
    """``log show``: each entry, newest last, with its numbers then and now."""
    from practicegrade.render.escape import term_safe  # noqa: PLC0415

    if not entries:
        return f"No entries in {LOG_FILE} yet: `practicegrade log add` writes the first one."
    out: list[str] = []
    for entry in entries:
        commit = (entry.commit or "")[:8] or "no commit"
        out.append(f"{term_safe(entry.date, 20)}  {commit}")
        for name in FIELDS:
            text = getattr(entry, name)
            if text:
                out.append(f"  {name:8} {term_safe(text, width - 11)}")
        keys = [k for k in KEY_METRICS if k in entry.metrics or k in now]
        moves = [
            f"{k} {_fmt(k, entry.metrics.get(k))} → {_fmt(k, now.get(k))}"
            for k in keys
            if k in entry.metrics
        ]
        if moves:
            out.append("  then→now " + " · ".join(moves))
        out.append("")
    return "\n".join(out).rstrip("\n")


def entries_json(entries: Sequence[LogEntry], now: Mapping[str, float]) -> str:
    """``log show --json``: the entries (file order) and the numbers now."""
    import json  # noqa: PLC0415

    data = {
        "entries": [
            {
                "date": e.date,
                "commit": e.commit,
                "attempt": e.attempt,
                "outcome": e.outcome,
                "lesson": e.lesson,
                "metrics": dict(e.metrics),
                "line": e.line,
            }
            for e in entries
        ],
        "now": dict(now),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def new_entries(at_base: Sequence[LogEntry], at_head: Sequence[LogEntry]) -> list[LogEntry]:
    """Entries the change adds (by content: an entry moved or re-indented is not new)."""
    seen = {(e.date, e.attempt, e.outcome, e.lesson) for e in at_base}
    return [e for e in at_head if (e.date, e.attempt, e.outcome, e.lesson) not in seen]


def news_item(added: Sequence[LogEntry]) -> FeedbackItem | None:
    """The comment's one line about the practice log: ``log: 2 new entries``, the latest named."""
    if not added:
        return None
    noun = "entry" if len(added) == 1 else "entries"
    latest = added[-1]
    text: Text = (f"log: {len(added)} new {noun} in {LOG_FILE}; latest: ", Code(latest.attempt))
    return FeedbackItem("observed", None, text)
