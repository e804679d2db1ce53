"""Which deltas a tool upgrade may have moved: one grade's tool versions against another's.

A delta between two grades is the mentee's only when both were measured the same way.
CI images and laptops upgrade pylint, radon or coverage between a base and its pull
request, and a new pylint can add or drop messages on code nobody touched. Every grade
therefore records the versions of the tools behind its metrics (report.json's ``tools``,
a note line's ``tools``), and this module compares two such records:

* :func:`between` -> :class:`ToolDrift`: the tools whose versions differ and the metric
  prefixes they measure (:data:`TOOL_METRICS`). Release numbers are compared as
  major.minor.patch, and any difference counts; the test interpreter (``python``) by
  major.minor, since patch releases do not change what tests run or what coverage
  traces. A tool one side did not record is *unknown*, never a change: old notes
  carry no versions, and nothing can be said about them.
* :func:`sentence`: the one plain sentence the comparison says about it.
* :func:`discount`: the comparison as feedback may read it: no delta, no base value and
  no per-message or per-function change on an affected metric, so no praise and no next
  step rests on what the tool did. New pylint/bandit messages stay only on the lines the
  change touched: a new message on an untouched line is certainly the tool's.

Pure functions over typed data; versions are learner-writable (a note is anyone's) and
are kept only when they look like a version (:func:`clean_versions`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from practicegrade.model import Comparison

TOOL_METRICS: Mapping[str, tuple[str, ...]] = {
    "pylint": ("lint.",),
    "astroid": ("lint.",),
    "radon": ("complexity.", "size."),
    "coverage": ("coverage.",),
    "pytest": ("tests.",),
    "bandit": ("security.",),
    "python": ("tests.", "coverage."),
}
"""Each measuring tool and the metric prefixes its version can move."""

RECORDED_TOOLS = tuple(TOOL_METRICS)
"""The tools whose versions a note line records (in this order)."""

_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!\-]{0,39}$")
_RELEASE = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_PARTS = {"python": 2}
"""How many release numbers count per tool (default 3: major.minor.patch)."""


def clean_versions(raw: object) -> dict[str, str]:
    """The known tools' versions from ``raw`` (a report's ``tools``, a note's), each one
    that looks like a version; anything else is dropped, never an error."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, str] = {}
    for tool in RECORDED_TOOLS:
        value = raw.get(tool)
        if isinstance(value, str) and _VERSION.match(value):
            out[tool] = value
    return out


def _release(tool: str, version: str) -> tuple[int, ...] | str:
    """The numbers that count for ``tool``; the whole string when it has none."""
    found = _RELEASE.match(version)
    if found is None:
        return version
    numbers = [int(n) if n is not None else 0 for n in found.groups()]
    return tuple(numbers[: _PARTS.get(tool, 3)])


@dataclass(frozen=True, slots=True)
class ToolChange:
    tool: str
    before: str
    after: str

    @property
    def upgrade(self) -> bool:
        before, after = _release(self.tool, self.before), _release(self.tool, self.after)
        if isinstance(before, tuple) and isinstance(after, tuple):
            return after > before
        return False


@dataclass(frozen=True, slots=True)
class ToolDrift:
    """The tools measured with other versions on the two sides, and what they measure."""

    changes: tuple[ToolChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Affected metric prefixes, in :data:`TOOL_METRICS` order, each once."""
        found = [p for c in self.changes for p in TOOL_METRICS[c.tool]]
        order = [p for prefixes in TOOL_METRICS.values() for p in prefixes]
        return tuple(sorted(set(found), key=order.index))

    def affects(self, metric: str) -> bool:
        return metric.startswith(self.prefixes) if self.changes else False

    def changed(self, tool: str) -> bool:
        return any(c.tool == tool for c in self.changes)


NO_DRIFT = ToolDrift()


def between(before: Mapping[str, str], after: Mapping[str, str]) -> ToolDrift:
    """What differs from ``before``'s tools to ``after``'s; unknown on either side is no change."""
    old, new = clean_versions(before), clean_versions(after)
    changes = tuple(
        ToolChange(tool, old[tool], new[tool])
        for tool in RECORDED_TOOLS
        if tool in old and tool in new and _release(tool, old[tool]) != _release(tool, new[tool])
    )
    return ToolDrift(changes)


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def sentence(
    drift: ToolDrift,
    *,
    since: str = "since the base",
    moved: str = "deltas",
    ratchets: Collection[str] = (),
) -> str | None:
    """The one sentence a comparison says about ``drift`` (``None`` without one), e.g.
    "pylint 4.1.5 → 4.2.0 since the base: part of the `lint.*` deltas may come from the
    tool upgrade." ``ratchets``: metrics whose ``ratchet:`` this grade did not apply."""
    if not drift:
        return None
    tools = _join([f"{c.tool} {c.before} → {c.after}" for c in drift.changes])
    prefixes = _join([f"`{p}*`" for p in drift.prefixes])
    what = "upgrade" if all(c.upgrade for c in drift.changes) else "change"
    plural = "s" if len(drift.changes) > 1 else ""
    text = f"{tools} {since}: part of the {prefixes} {moved} may come from the tool {what}{plural}"
    if ratchets:
        names = _join([f"`{m}`" for m in sorted(ratchets)])
        text += f"; the ratchet on {names} is not applied this time (any written gate is)"
    return text + "."


def only_for(drift: ToolDrift, metrics: Collection[str]) -> ToolDrift:
    """``drift`` narrowed to the tools behind ``metrics`` (what a table shows)."""
    return ToolDrift(
        tuple(c for c in drift.changes if any(m.startswith(TOOL_METRICS[c.tool]) for m in metrics))
    )


def comparison_drift(comparison: Comparison | None, head_tools: Mapping[str, str]) -> ToolDrift:
    """The drift from the base's tools to the head's (none without a comparison)."""
    if comparison is None:
        return NO_DRIFT
    return between(comparison.base_tools, head_tools)


def comparison_sentence(comparison: Comparison | None, head_tools: Mapping[str, str]) -> str | None:
    """:func:`sentence` for a report's comparison, with the ratchets it did not apply."""
    if comparison is None:
        return None
    return sentence(
        comparison_drift(comparison, head_tools), ratchets=comparison.ratchets_not_applied
    )


def discount(comparison: Comparison, drift: ToolDrift) -> Comparison:
    """``comparison`` without what ``drift`` may have moved, for feedback to read.

    Deltas and base values of affected metrics go. With pylint or astroid changed, new
    messages stay only on lines the change touched, and no message counts as fixed; the
    same for bandit's issues. With radon changed, a function's complexity change counts
    only when the function is new or gone (a before/after on the same function is partly
    radon's).
    """
    if not drift:
        return comparison

    def touched(file: str, line: int | None) -> bool:
        return line is not None and line in comparison.changed_lines.get(file, ())

    lint = drift.changed("pylint") or drift.changed("astroid")
    security = drift.changed("bandit")
    radon = drift.changed("radon")
    return replace(
        comparison,
        deltas={k: v for k, v in comparison.deltas.items() if not drift.affects(k)},
        base_metrics={k: v for k, v in comparison.base_metrics.items() if not drift.affects(k)},
        new_lint=tuple(m for m in comparison.new_lint if touched(m.path, m.line))
        if lint
        else comparison.new_lint,
        fixed_lint=() if lint else comparison.fixed_lint,
        new_security=tuple(i for i in comparison.new_security if touched(i.file, i.line))
        if security
        else comparison.new_security,
        fixed_security=() if security else comparison.fixed_security,
        complexity_changes=tuple(
            c for c in comparison.complexity_changes if c.before is None or c.after is None
        )
        if radon
        else comparison.complexity_changes,
    )
