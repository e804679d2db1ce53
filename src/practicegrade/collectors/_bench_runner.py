"""Times one learner function in a fresh, uninstrumented interpreter: the learner's.

:mod:`practicegrade.collectors.bench` passes this file's text to ``python -c`` with two
arguments, a JSON request and the path of the JSON answer. It runs in the learner's
interpreter, so it imports nothing from practicegrade and keeps to the standard library
of any Python 3.8+. The answer goes to a file, not stdout, because the timed function
may print anything.

Timing is ``timeit``'s: ``perf_counter`` around ``loops`` calls, the garbage collector
off while a sample runs, and the per-call time is the sample divided by ``loops``.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import json
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

MAX_LOOPS = 10**8


class _Failed(Exception):
    def __init__(self, stage: str, exc: BaseException) -> None:
        super().__init__(stage)
        self.stage = stage
        self.text = f"{type(exc).__name__}: {exc}"[:1000]


def _resolve(ref: str) -> Any:
    module_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def _timer(func: Callable[..., Any], args: tuple[Any, ...]) -> Callable[[int], float]:
    def run(loops: int) -> float:
        repeat = itertools.repeat(None, loops)
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in repeat:
                func(*args)
            return time.perf_counter() - start
        finally:
            if gc_was_on:
                gc.enable()

    return run


def _dual_timer(
    func: Callable[..., Any], args: tuple[Any, ...]
) -> Callable[[int], tuple[float, float]]:
    """Like :func:`_timer`, returning wall time and this process's CPU time: on a shared
    machine other processes stretch the wall time, never the CPU time of CPU-bound code."""

    def run(loops: int) -> tuple[float, float]:
        repeat = itertools.repeat(None, loops)
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            cpu = time.process_time()
            start = time.perf_counter()
            for _ in repeat:
                func(*args)
            return time.perf_counter() - start, time.process_time() - cpu
        finally:
            if gc_was_on:
                gc.enable()

    return run


def _calibrate(run: Callable[[int], float], min_s: float, target_s: float) -> int:
    """Loops per sample so that one sample takes between ``min_s`` and about ``target_s``."""
    loops = 1
    while True:
        took = run(loops)
        if took >= min_s or loops >= MAX_LOOPS:
            return loops
        grow = 10 * loops if took <= 0 else int(loops * target_s / took) + 1
        loops = min(MAX_LOOPS, max(2 * loops, grow))


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _arguments(setup: Callable[..., Any] | None, size: int | None) -> tuple[Any, ...]:
    """What the timed function is called with: ``setup()``, or ``setup(size)`` when the
    benchmark has input sizes."""
    if setup is None:
        return ()
    try:
        return (setup(size) if size is not None else setup(),)
    except BaseException as exc:
        raise _Failed("setup", exc) from exc


def _growth(
    func: Callable[..., Any], setup: Callable[..., Any] | None, req: dict[str, Any]
) -> dict[str, Any]:
    """Time the function at each size within ``budget_s``, in ``rounds`` passes.

    The first pass goes smallest size first, calibrating each size's loop count; a size
    whose predicted time (from the growth seen so far, assumed cubic after the first
    size) would not fit what is left of the budget is skipped with the rest, so a
    quadratic function given a huge size does not run for hours. Later passes take more
    samples of every size in turn, so a burst of load on a shared machine lands on one
    pass, not on one size. Each sample has its wall and its CPU time per call.
    """
    started = time.perf_counter()
    budget = float(req.get("budget_s") or 60.0)
    n = req["n"]
    rounds = int(req.get("rounds", 1))
    done: list[list[Any]] = []
    skipped: list[int] = []
    runs: list[tuple[Callable[[int], tuple[float, float]], int]] = []

    def take(run: Callable[[int], tuple[float, float]], loops: int, entry: list[Any]) -> None:
        for _ in range(n):
            wall, cpu = run(loops)
            entry[2].append(wall / loops)
            entry[3].append(cpu / loops)

    for size in sorted(req["sizes"]):
        if done:
            last_n, last_t = done[-1][0], min(done[-1][2])
            power = 3.0
            if len(done) > 1:
                first_n, first_t = done[-2][0], min(done[-2][2])
                power = max(0.0, _slope(first_n, first_t, last_n, last_t))
            predicted = last_t * (size / last_n) ** power * (n + 2) * rounds
            if time.perf_counter() - started + predicted > budget:
                skipped.append(size)
                continue
        run = _dual_timer(func, _arguments(setup, size))

        def wall(loops: int, run: Callable[[int], tuple[float, float]] = run) -> float:
            return run(loops)[0]

        try:
            loops = _calibrate(wall, req["min_s"], req["target_s"])
            run(loops)
            entry: list[Any] = [size, loops, [], []]
            take(run, loops, entry)
        except BaseException as exc:
            raise _Failed("call", exc) from exc
        done.append(entry)
        runs.append((run, loops))
    if not done:
        raise _Failed("call", RuntimeError("no size fitted the time budget"))
    for _ in range(rounds - 1):
        if time.perf_counter() - started > budget / 2:
            break
        try:
            for entry, (run, loops) in zip(done, runs):  # noqa: B905 - runs on Python 3.8
                take(run, loops, entry)
        except BaseException as exc:
            raise _Failed("call", exc) from exc
    return {
        "ok": True,
        "loops": done[-1][1],
        "samples": done[-1][2],
        "size": done[-1][0],
        "growth": done,
        "skipped": skipped,
    }


def _slope(n1: int, t1: float, n2: int, t2: float) -> float:
    import math  # noqa: PLC0415 - only growth runs need it

    if t1 <= 0 or t2 <= 0 or n1 == n2:
        return 3.0
    return math.log(t2 / t1) / math.log(n2 / n1)


def _measure(req: dict[str, Any]) -> dict[str, Any]:
    for root in reversed(req["roots"]):
        sys.path.insert(0, root)
    try:
        func = _resolve(req["call"])
        setup = _resolve(req["setup"]) if req.get("setup") else None
    except BaseException as exc:
        raise _Failed("import", exc) from exc
    if req.get("sizes"):
        return _growth(func, setup, req)
    run = _timer(func, _arguments(setup, req.get("size")))
    try:
        loops = req.get("loops") or _calibrate(run, req["min_s"], req["target_s"])
        first = 0.0
        for _ in range(req["warmup"]):
            first = run(loops)
        n = req["n"]
        if req.get("budget_s") and first > 0:
            n = max(min(n, 3), min(n, int(req["budget_s"] / first)))
        samples = [run(loops) / loops for _ in range(n)]
    except BaseException as exc:
        raise _Failed("call", exc) from exc
    return {"ok": True, "loops": loops, "samples": samples}


def main(argv: list[str]) -> None:
    req = json.loads(argv[1])
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu": _cpu(),
    }
    try:
        answer = _measure(req)
    except _Failed as failed:
        answer = {"ok": False, "stage": failed.stage, "error": failed.text}
    answer.update(info)
    with open(argv[2], "w", encoding="utf-8") as out:
        json.dump(answer, out)


if __name__ == "__main__":
    main(sys.argv)
