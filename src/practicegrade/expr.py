"""Criterion expressions (``">= 85"``, ``"== 0"``): parsing, the boundary rule, distance.

An expression is one comparison operator and one number, written as a string in
``practicegrade.yml`` (quoted: a bare ``>`` starts a YAML block scalar).

Boundary rule (like coverage.py's ``should_fail_under``, one digit finer): the measured
value is rounded, half away from zero (schoolbook rounding, ``ROUND_HALF_UP``), to
**one more decimal than the threshold is written with**, then compared exactly (in
decimal, from the float's shortest repr, so binary noise never tips a result). So
``">= 85"`` compares ``round(value, 1)``: 84.95 meets it, 84.94 does not;
``">= 9.0"`` compares two decimals, as pylint prints its score (8.995 meets it);
``"<= 0.050"`` compares four. A value that displays as the threshold with one more
digit meets it, and none that displays below it does: what the mentee sees on screen
is what was graded, and a mentor never argues about the fourth decimal.

Distance (0 = at target, 1 = far), for an unmet target with threshold ``t``:
the shortfall ``g`` on the wrong side (``t - v`` for ``>=``/``>``, ``v - t`` for
``<=``/``<``, ``|v - t|`` for ``==``) relative to the threshold, ``min(1, g / |t|)``;
a zero threshold has no scale, so ``g / (g + 1)`` (one failing test is 0.5, three
are 0.75). An unmet target is never closer than :data:`MIN_UNMET_DISTANCE`, so it
never looks met. Improving the value never increases the distance.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Literal

Op = Literal[">=", "<=", ">", "<", "=="]
Direction = Literal["higher", "lower", "exact"]
"""Which way the value should move to meet an expression."""

OPERATORS: tuple[Op, ...] = (">=", "<=", ">", "<", "==")
MIN_UNMET_DISTANCE = 0.01
_EXPR = re.compile(r"^\s*(>=|<=|==|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$")
_MAX_DECIMALS = 12
_CTX = Context(prec=400, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)


@dataclass(frozen=True, slots=True)
class Expr:
    """A parsed criterion expression."""

    op: Op
    threshold: Decimal
    text: str
    """As written in the config, stripped."""

    @property
    def decimals(self) -> int:
        """Decimals the threshold was written with (``"85"`` 0, ``"0.050"`` 3)."""
        exponent = self.threshold.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0

    @property
    def direction(self) -> Direction:
        if self.op in (">=", ">"):
            return "higher"
        if self.op in ("<=", "<"):
            return "lower"
        return "exact"

    @property
    def number(self) -> float:
        return float(self.threshold)


class ExprError(ValueError):
    """The text is not an expression; the message says what was expected."""


def parse(text: str) -> Expr:
    """Parse ``">= 85"``; raise :class:`ExprError` for anything else."""
    match = _EXPR.match(text)
    if match is None:
        shown = json.dumps(text, ensure_ascii=False)
        raise ExprError(
            f'expected an expression like ">= 85" (operators >=, <=, >, <, ==), got {shown}'
        )
    op = match.group(1)
    number = match.group(2)
    if number.endswith("."):
        number += "0"
    threshold = Decimal(number)
    expr = Expr(op=op, threshold=threshold, text=text.strip())  # type: ignore[arg-type]
    if expr.decimals > _MAX_DECIMALS:
        raise ExprError(
            f"expected at most {_MAX_DECIMALS} decimals in the threshold, got {text.strip()}"
        )
    return expr


def rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places, exactly (via its shortest repr)."""
    exact = Decimal(repr(float(value)))
    try:
        return exact.quantize(Decimal(1).scaleb(-decimals), context=_CTX)
    except InvalidOperation:  # pragma: no cover - guarded by _CTX's precision
        return exact


def satisfied(expr: Expr, value: float) -> bool:
    """Whether ``value`` meets ``expr`` under the boundary rule (module docstring).

    Non-finite values never satisfy anything: a NaN is a broken measurement.
    """
    if not math.isfinite(value):
        return False
    v = rounded(value, expr.decimals + 1)
    t = expr.threshold
    return {
        ">=": v >= t,
        "<=": v <= t,
        ">": v > t,
        "<": v < t,
        "==": v == t,
    }[expr.op]


def shortfall(expr: Expr, value: float) -> float:
    """How far ``value`` is on the wrong side of the threshold (0 or more)."""
    t = expr.number
    if expr.direction == "higher":
        return max(0.0, t - value)
    if expr.direction == "lower":
        return max(0.0, value - t)
    return abs(value - t)


def distance(expr: Expr, value: float) -> float:
    """Normalised distance to ``expr``: 0 when met, else in [0.01, 1] (module docstring)."""
    if satisfied(expr, value):
        return 0.0
    if not math.isfinite(value):
        return 1.0
    gap = shortfall(expr, value)
    scale = abs(expr.number)
    raw = min(1.0, gap / scale) if scale > 0 else gap / (gap + 1.0)
    if not math.isfinite(raw):
        return 1.0
    return min(1.0, max(MIN_UNMET_DISTANCE, raw))


def format_threshold(expr: Expr) -> str:
    """The expression normalised for display: ``">= 85"``."""
    return f"{expr.op} {expr.threshold}"
