"""How feedback is worded: our prose in ``str`` parts, the learner's strings as code.

Feedback text is a tuple of parts (:data:`~practicegrade.model.Text`): renderers escape
a :class:`~practicegrade.model.Code` part and show a ``str`` part as written, so every
string that comes from the learner's repository or config must stay ``Code``. Numbers
are formatted here, at the renderers' fixed precision, so feedback and tables agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from practicegrade import expr
from practicegrade.config import builtin_next_steps, role_model
from practicegrade.metrics import bench_name, metric_info
from practicegrade.model import Code, Text
from practicegrade.roles import role_names

Part = str | Code


def compose(*parts: Part | None) -> Text:
    """A Text from parts: adjacent ``str`` parts joined, empty parts dropped."""
    out: list[Part] = []
    for part in parts:
        if part is None or part == "":
            continue
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + part
        else:
            out.append(part)
    return tuple(out)


def _decimals(metric: str, value: float) -> int:
    if metric.endswith("_pct"):
        return 1
    if metric.endswith("_s"):
        return 3
    if metric == "lint.score" or metric.endswith(("_mean", "_min", "ratio_vs_base", "growth")):
        return 2
    return 0 if float(value).is_integer() else 2


def fmt(metric: str, value: float) -> str:
    """A value with its unit, at the renderers' fixed precision: ``54.2%``, ``8.50/10``."""
    if not math.isfinite(value):
        return str(value)
    number = f"{value:.{_decimals(metric, value)}f}"
    info = metric_info(metric)
    unit = info.unit if info else ""
    return {"%": f"{number}%", "/10": f"{number}/10", "s": f"{number} s", "x": f"{number}x"}.get(
        unit, number
    )


def metric_label(metric: str) -> tuple[Part, ...]:
    """How our prose names a metric; unknown or benchmark keys stay code."""
    name = bench_name(metric)
    info = metric_info(metric)
    if name is not None and info is not None:
        return (f"the {info.label} of ", Code(name))
    if info is not None:
        return (info.label,)
    return (Code(metric),)


def metric_subject(metric: str) -> tuple[Part, ...]:
    """The metric as the object of a sentence: counts read "the number of ..."."""
    info = metric_info(metric)
    label = metric_label(metric)
    if info is not None and info.unit == "count" and isinstance(label[0], str):
        return ("the number of ", *label)
    if isinstance(label[0], str) and not label[0].startswith("the "):
        return ("the ", *label)
    return label


def capitalized(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Sentence case for a label that starts with our words."""
    if parts and isinstance(parts[0], str):
        return (parts[0][:1].upper() + parts[0][1:], *parts[1:])
    return parts


def goal_text(text: str | None) -> str:
    """An expression re-rendered from its parsed parts (never the raw config string)."""
    if text is None:
        return ""
    try:
        return expr.format_threshold(expr.parse(text))
    except expr.ExprError:
        return "(invalid)"


def code_at(file: str, line: int | None) -> Code:
    return Code(f"{file}:{line}" if line else file)


def line_ranges(lines: Sequence[int], limit: int = 5) -> str:
    """``12-18, 30`` (our formatting of numbers), at most ``limit`` ranges."""
    nums = sorted(set(lines))
    spans: list[tuple[int, int]] = []
    for n in nums:
        if spans and n == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans[:limit])
    rest = sum(b - a + 1 for a, b in spans[limit:])
    return shown + (f" and {rest} more line{'s' if rest != 1 else ''}" if rest else "")


def lines_phrase(lines: Sequence[int]) -> str:
    """``line 12`` or ``lines 12-18, 30``."""
    return ("line " if len(set(lines)) == 1 else "lines ") + line_ranges(lines)


def input_making(conditions: Sequence[str], total: int) -> tuple[Part, ...]:
    """`` with input that makes `negate` true`` or `` with inputs that make each of `a < 0`,
    `not name` true (and 2 more)``: the guards a test must satisfy; each guards other lines,
    so several are several cases, never one input that makes them all true."""
    if not conditions:
        return ()
    parts: list[Part] = [
        " with input that makes " if len(conditions) == 1 else " with inputs that make each of "
    ]
    for i, cond in enumerate(conditions):
        parts += [", " if i else "", Code(cond[:60])]
    parts.append(" true")
    if total > len(conditions):
        parts.append(f" (and {total - len(conditions)} more)")
    return tuple(parts)


def helper_named(name: str | None, lines: int) -> tuple[Part, ...]:
    """`` into a helper such as `cost_for_kind()` (8 lines)``, or, with no name the code
    vouches for, `` into a helper named for what it does (8 lines)``."""
    size = f" ({plural(lines, 'line')})"
    if name is None:
        return (f" into a helper named for what it does{size}",)
    return (" into a helper such as ", Code(f"{name}()"), size)


def plural(count: int, noun: str) -> str:
    suffix = "es" if noun.endswith(("ch", "sh", "s", "x")) else "s"
    return f"{count} {noun}{'' if count == 1 else suffix}"


@cache
def _trusted() -> frozenset[str]:
    """Built-in wording (role titles and next steps): safe to show as prose."""
    titles = {c.title for name in role_names() for c in role_model(name).competencies}
    return builtin_next_steps() | frozenset(titles)


def own(text: str) -> Part:
    """Config text as prose when it is built-in wording, else as code."""
    return text if text in _trusted() else Code(text)
