"""How code scales: fit the common complexity classes to timings at several input sizes.

Pure functions, no timing here (the bench collector measures). Each class ``f`` is fitted
as ``time = c * f(n)`` in log space, where timing noise is multiplicative: ``log c`` is
the mean of ``log(time / f(n))`` and the residuals say how well the *shape* fits,
whatever the constant. A class's relative error is ``exp(rms) - 1`` of its residuals;
the simplest class within the noise of the smallest error wins (:data:`NOISE_SHARE`),
and its error is the goodness reported. Separately, the free power
``k`` of ``time = c * n^k`` (the log-log slope) is the ``bench.<name>.growth`` metric: a
number that moves smoothly when a change makes code scale better or worse.

"Worse than expected" needs more than a better-fitting worse class, because neighbours
(``n`` and ``n log n``) are close over a small range of sizes: the fitted power must
also exceed the expected class's own power by :data:`MARGIN`. That way a quadratic
``dedupe`` where ``n`` was expected is always reported, and noise between ``n`` and
``n log n`` never is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from practicegrade.model import GrowthFit

CLASSES: Mapping[str, Callable[[float], float]] = {
    "1": lambda n: 1.0,
    "log n": math.log,
    "n": lambda n: n,
    "n log n": lambda n: n * math.log(n),
    "n^2": lambda n: n * n,
    "n^3": lambda n: n * n * n,
}
"""From slowest-growing to fastest; the order is the ranking."""
POWER = {"1": 0.0, "log n": 0.0, "n": 1.0, "n log n": 1.0, "n^2": 2.0, "n^3": 3.0}
MARGIN = 0.35
"""How far above the expected class's power the fitted power must be to call it worse."""
TOLERANCE = 0.03
NOISE_SHARE = 0.5
"""The simplest class whose relative error is within ``max(TOLERANCE, NOISE_SHARE *
best error)`` of the best one is chosen: the best class's own error is the noise level
of the timings, and a class that fits within half of it more is not distinguishable.
So noise never turns ``n`` into ``n log n``; on noisy timings the simpler class wins,
which can only make a "worse than expected" finding rarer, never a false one."""
MIN_SIZE = 2
_SPELLINGS = {
    "1": "1",
    "logn": "log n",
    "n": "n",
    "nlogn": "n log n",
    "n^2": "n^2",
    "n²": "n^2",
    "n^3": "n^3",
    "n³": "n^3",
}


def parse_class(text: str) -> str | None:
    """``"O(n log n)"`` -> ``"n log n"``; ``None`` when it names no class we fit.

    Accepts ``O(...)`` or the bare class, any spacing, ``**`` or ``^`` or a superscript
    for powers, and ``*`` or ``log(n)`` in products.
    """
    match = re.fullmatch(r"\s*O\s*\((.*)\)\s*", text, flags=re.IGNORECASE)
    inner = (match.group(1) if match else text).lower().replace("**", "^")
    return _SPELLINGS.get(re.sub(r"[\s*·()]", "", inner))


def class_names() -> tuple[str, ...]:
    return tuple(CLASSES)


def _rms_log_residual(
    sizes: Sequence[int], times: Sequence[float], f: Callable[[float], float]
) -> float:
    logs = [math.log(t) - math.log(f(n)) for n, t in zip(sizes, times, strict=True)]
    mean = sum(logs) / len(logs)
    return math.sqrt(sum((x - mean) ** 2 for x in logs) / len(logs))


def exponent(sizes: Sequence[int], times: Sequence[float]) -> float:
    """The least-squares slope of ``log time`` on ``log n``."""
    xs = [math.log(n) for n in sizes]
    ys = [math.log(t) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


CPU_BOUND = 0.25
"""A size is CPU-bound when its least disturbed sample spent at least this share of its
wall time on the CPU. Low on purpose: on a machine shared 3 ways CPU-bound code gets a
third of the wall time, while code that sleeps or waits on I/O gets a few percent."""


def best_times(
    wall: Sequence[Sequence[float]], cpu: Sequence[Sequence[float]]
) -> tuple[list[float], Literal["cpu", "wall"]]:
    """Each size's best time, and which clock it is on.

    CPU time when every size is CPU-bound (:data:`CPU_BOUND`): then the process's CPU
    time is the work done, which other processes on a shared machine cannot stretch as
    they stretch the wall time. Wall time otherwise (code that sleeps or waits on I/O).
    Best = the smallest sample: noise only ever adds time.
    """
    shares = [
        max((c / w for w, c in zip(ws, cs, strict=True) if w > 0), default=0.0)
        for ws, cs in zip(wall, cpu, strict=True)
    ]
    if shares and all(share >= CPU_BOUND for share in shares) and all(min(c) > 0 for c in cpu):
        return [min(c) for c in cpu], "cpu"
    return [min(w) for w in wall], "wall"


def fit(
    sizes: Sequence[int],
    times: Sequence[float],
    expected: str | None = None,
    *,
    clock: Literal["cpu", "wall"] = "wall",
) -> GrowthFit:
    """Fit every class to ``times`` (seconds per call at each of ``sizes``).

    Needs at least two distinct sizes of at least :data:`MIN_SIZE` and positive times;
    raises ``ValueError`` otherwise.
    """
    pairs = sorted(zip(sizes, times, strict=True))
    if len({n for n, _ in pairs}) < 2 or any(n < MIN_SIZE for n, _ in pairs):
        raise ValueError("a growth fit needs at least two distinct sizes of 2 or more")
    if any(not t > 0 or not math.isfinite(t) for _, t in pairs):
        raise ValueError("a growth fit needs positive, finite times")
    ns = [n for n, _ in pairs]
    ts = [t for _, t in pairs]
    errors = {name: math.expm1(_rms_log_residual(ns, ts, f)) for name, f in CLASSES.items()}
    least = min(errors.values())
    slack = max(TOLERANCE, NOISE_SHARE * least)
    best = next(name for name in CLASSES if errors[name] <= least + slack)
    power = exponent(ns, ts)
    worse = False
    if expected is not None:
        order = list(CLASSES)
        worse = order.index(best) > order.index(expected) and power > POWER[expected] + MARGIN
    return GrowthFit(
        sizes=tuple(ns),
        times_s=tuple(ts),
        best=best,
        exponent=round(power, 4),
        error=round(errors[best], 6),
        fits={k: round(v, 6) for k, v in errors.items()},
        expected=expected,
        worse=worse,
        clock=clock,
    )


def describe(name: str, growth: GrowthFit) -> str:
    """``dedupe grows like n^2, expected n: 10x the input took 96x the time`` (plain text;
    the caller marks ``name`` as learner text where it renders it)."""
    size_x = growth.sizes[-1] / growth.sizes[0]
    time_x = growth.times_s[-1] / growth.times_s[0]
    expected = f", expected {growth.expected}" if growth.expected else ""
    return (
        f"{name} grows like {growth.best}{expected}: {_times(size_x)} the input took "
        f"{_times(time_x)} the time"
    )


def _times(x: float) -> str:
    return f"{x:.0f}x" if x >= 10 else f"{x:.1f}x"
