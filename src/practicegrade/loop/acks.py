"""A mentor's acknowledgements and time-limited waivers, kept in a reviewed file.

``practicegrade-acks.yml`` at the repository root holds them::

    acks:
      - kind: waive                 # the gate on this metric does not fail until `until`
        target: coverage.line_pct
        until: 2027-01-15
        reason: The IO layer is being rewritten first; tests follow in January.
        by: Ada Mentor
        date: 2026-12-04
      - kind: ack                   # a finding the mentor has seen and accepts for now
        target: too-many-branches
        until: 2027-01-15
        reason: Parser rewrite planned.
        by: Ada Mentor
        date: 2026-12-04

Why a reviewed file rather than a notes ref: anyone who can push can write notes, and
notes never appear in a pull request. A file does: a waiver added in a change shows in
its diff. And a learner must not be able to waive their own gate in the change that fails
it, so when a grade has a base (CI on a pull request, the pre-push hook) the gates honour
the waivers **as they are at the base commit**, i.e. what the mentor has already merged;
waivers that exist only in the change are shown as proposed, not applied. A local grade
without a base honours the work tree's file (it blocks nothing that CI does not check).

Expired entries (``until`` before today) are shown as expired and applied nowhere. The
file is parsed like the config (aliases refused, bounded); an invalid entry is skipped
with a warning, so a typo can never waive more than was written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import yaml

from practicegrade.configsource import parse_yaml
from practicegrade.errors import ConfigError
from practicegrade.model import Code, FeedbackItem, Report

ACKS_FILE = "practicegrade-acks.yml"
MAX_ACKS_BYTES = 64 * 1024
MAX_ACKS = 200
_METRIC = re.compile(r"^[A-Za-z0-9_.\-]{1,120}$")
HEADER = (
    "# Mentor acknowledgements and waivers (practicegrade ack). Reviewed like code: a waiver\n"
    "# applies to CI and the pre-push hook once it is on the base branch, until its date.\n"
)

Kind = Literal["waive", "ack"]


@dataclass(frozen=True, slots=True)
class Ack:
    kind: Kind
    target: str
    """A metric key (waive) or a finding: a lint symbol, a file, a function (ack)."""
    until: dt.date
    reason: str
    by: str
    date: str = ""

    def active(self, today: dt.date) -> bool:
        return today <= self.until


@dataclass(frozen=True, slots=True)
class ParsedAcks:
    acks: tuple[Ack, ...]
    problems: tuple[str, ...] = ()


def check(raw: Mapping[str, object]) -> str | None:
    """What is wrong with one entry, or ``None``."""
    kind, target, until, reason = (raw.get(k) for k in ("kind", "target", "until", "reason"))
    problem = None
    if kind not in ("waive", "ack"):
        problem = "kind must be waive or ack"
    elif not isinstance(target, str) or not target.strip() or len(target) > 200:
        problem = "target must be text (a metric key, or a finding)"
    elif kind == "waive" and not _METRIC.match(target):
        problem = "a waiver's target must be a metric key such as coverage.line_pct"
    elif not isinstance(reason, str) or not reason.strip():
        problem = "a reason is required"
    else:
        try:
            dt.date.fromisoformat(str(until))
        except ValueError:
            problem = "until must be a date, YYYY-MM-DD"
    return problem


def _entry(raw: object, where: str) -> Ack | str:
    if not isinstance(raw, Mapping):
        return f"{where}: expected a mapping with kind, target, until, reason, by"
    problem = check(raw)
    if problem is not None:
        return f"{where}: {problem}"
    by = raw.get("by")
    return Ack(
        kind="waive" if raw["kind"] == "waive" else "ack",
        target=str(raw["target"]).strip(),
        until=dt.date.fromisoformat(str(raw["until"])),
        reason=str(raw["reason"]).strip()[:500],
        by=(by if isinstance(by, str) else "").strip()[:100] or "unknown",
        date=str(raw.get("date") or "")[:10],
    )


def parse_acks(text: str | None, shown: str = ACKS_FILE) -> ParsedAcks:
    """The entries of an acknowledgements file; invalid ones are problems, never applied."""
    if not text:
        return ParsedAcks(())
    try:
        data = parse_yaml(text[:MAX_ACKS_BYTES], shown)
    except ConfigError as exc:
        return ParsedAcks((), (f"{exc.message} (no acknowledgement applied)",))
    items = data.get("acks") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        return ParsedAcks((), (f"{shown}: expected `acks:` with a list of entries",))
    acks: list[Ack] = []
    problems: list[str] = []
    for i, raw in enumerate(items[:MAX_ACKS]):
        lines = getattr(items, "item_lines", None)
        where = f"{shown}:{lines[i]}" if lines else f"{shown}: entry {i + 1}"
        found = _entry(raw, where)
        if isinstance(found, str):
            problems.append(found)
        else:
            acks.append(found)
    return ParsedAcks(tuple(acks), tuple(problems))


def format_acks(acks: Sequence[Ack]) -> str:
    """The whole file for ``acks`` (the header, then one mapping per entry)."""
    data = {
        "acks": [
            {
                "kind": a.kind,
                "target": a.target,
                "until": a.until.isoformat(),
                "reason": a.reason,
                "by": a.by,
                **({"date": a.date} if a.date else {}),
            }
            for a in acks
        ]
    }
    return HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def waived_metrics(acks: Sequence[Ack], today: dt.date) -> frozenset[str]:
    """Metrics whose gate a waiver in force suspends today."""
    return frozenset(a.target for a in acks if a.kind == "waive" and a.active(today))


def proposed(at_base: Sequence[Ack], at_head: Sequence[Ack]) -> list[Ack]:
    """Entries of the change that are not on the base yet (shown, not applied)."""
    known = set(at_base)
    return [a for a in at_head if a not in known]


def ack_items(
    in_force: Sequence[Ack], today: dt.date, pending: Collection[Ack] = ()
) -> tuple[FeedbackItem, ...]:
    """Observed items for the comment: waivers and acknowledgements in force, then proposed."""
    items: list[FeedbackItem] = []
    for ack in in_force:
        if not ack.active(today):
            continue
        what = "Gate waived" if ack.kind == "waive" else "Acknowledged"
        items.append(
            FeedbackItem(
                "observed",
                None,
                (
                    f"{what} by the mentor until {ack.until.isoformat()}: ",
                    Code(ack.target),
                    " (",
                    Code(ack.reason),
                    ", ",
                    Code(ack.by),
                    ").",
                ),
            )
        )
    for ack in pending:
        items.append(
            FeedbackItem(
                "observed",
                None,
                (
                    f"Proposed in this change, applied once merged: {ack.kind} ",
                    Code(ack.target),
                    f" until {ack.until.isoformat()} (",
                    Code(ack.reason),
                    ").",
                ),
            )
        )
    return tuple(items)


def with_acks(
    report: Report, in_force: Sequence[Ack], today: dt.date, pending: Collection[Ack] = ()
) -> Report:
    """``report`` with the acknowledgement items appended to its feedback."""
    items = ack_items(in_force, today, pending)
    if not items:
        return report
    return dataclasses.replace(report, feedback=(*report.feedback, *items))
