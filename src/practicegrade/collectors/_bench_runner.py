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


def _measure(req: dict[str, Any]) -> dict[str, Any]:
    for root in reversed(req["roots"]):
        sys.path.insert(0, root)
    try:
        func = _resolve(req["call"])
        setup = _resolve(req["setup"]) if req.get("setup") else None
    except BaseException as exc:
        raise _Failed("import", exc) from exc
    args: tuple[Any, ...] = ()
    if setup is not None:
        try:
            args = (setup(),)
        except BaseException as exc:
            raise _Failed("setup", exc) from exc
    run = _timer(func, args)
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
