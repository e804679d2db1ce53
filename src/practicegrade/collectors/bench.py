"""Benchmarks: the configured functions, timed uninstrumented in the learner's interpreter.

Runs alone after the other collectors (the orchestrator guarantees it), because a timing
taken while pylint saturates a core is noise. Each ``benchmarks:`` entry gets a fresh
subprocess (:mod:`._bench_runner`) that imports the function, calls ``setup`` once and
passes its value to the function, calibrates the loop count so one sample takes about
0.05-0.2 s, warms up, then takes ``n`` samples. The result is the median per-call time
and the interquartile range (security guide rule 39: median of N after warm-up; a
timeout is a result). An error in one benchmark (import, exception, timeout) becomes a
finding and an ``unmeasured`` reason; the others are still measured.

When the learner's environment has pytest-benchmark and their tests use its
``benchmark`` fixture, those benchmarks are harvested too (``pytest --benchmark-only``,
uninstrumented, JSON into our scratch folder) as ``source="pytest-benchmark"``.

:func:`calibrate` and :func:`sample` are public for the base-vs-head comparison: take one
loop count, then alternate ``sample`` calls on both sides (ABBA) so that machine drift
hits both equally.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from practicegrade import proc
from practicegrade.collectors import BenchmarkSpec, Project, Settings
from practicegrade.collectors._pytest_env import (
    Probe,
    absolute_roots,
    cached_probe,
    interpreter_path,
    learner_env,
    learner_limits,
    make_home,
)
from practicegrade.errors import ToolError
from practicegrade.growth import best_times, describe, fit
from practicegrade.model import BenchDetails, BenchResult, CollectorResult, Finding, GrowthFit

NAME = "bench"
DEFAULT_SAMPLES = 9
WARMUP = 1
MIN_SAMPLE_S = 0.05
TARGET_SAMPLE_S = 0.1
MAX_TIMEOUT_S = 120.0
MAX_KEPT_SAMPLES = 100
"""pytest-benchmark may take 100,000 rounds; the report keeps an evenly spaced subset."""
_RUNNER = Path(__file__).with_name("_bench_runner.py")
_BENCH_FIXTURE = re.compile(r"def\s+test\w*\s*\([^)]*\bbenchmark\b")


class BenchmarkError(Exception):
    """A benchmark could not be measured; ``kind`` is a Finding slug."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Timing:
    """One runner's answer: per-call seconds for each sample, and the interpreter's CPU."""

    loops: int
    samples: tuple[float, ...]
    python: str = ""
    cpu: str = ""
    size: int | None = None
    """The input size of ``samples`` (the largest measured, for a growth run)."""
    growth: tuple[tuple[int, tuple[float, ...], tuple[float, ...]], ...] = ()
    """A growth run's ``(size, wall seconds per call, CPU seconds per call)`` samples,
    smallest size first."""
    skipped: tuple[int, ...] = ()
    """Sizes a growth run left out: they would not have fitted its time budget."""


# --------------------------------------------------------------------------- pure


def metric_key(name: str) -> str:
    """``bench.<name>.median_s`` with the name reduced to ``[A-Za-z0-9_.-]``."""
    return f"bench.{sanitize(name)}.median_s"


def growth_key(name: str) -> str:
    """``bench.<name>.growth``: the fitted power of the time's growth with the input size."""
    return f"bench.{sanitize(name)}.growth"


def ratio_key(name: str) -> str:
    """``bench.<name>.ratio_vs_base``: the head's median over the base's, same name rule."""
    return f"bench.{sanitize(name)}.ratio_vs_base"


def sanitize(name: str) -> str:
    """A benchmark or test name as a metric-key segment (learner text: no spaces, no ``|``)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".") or "_"


def iqr(samples: Sequence[float]) -> float:
    """Interquartile range (``statistics.quantiles``, inclusive method); 0 for < 2 samples."""
    if len(samples) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return max(0.0, q3 - q1)


def to_result(name: str, timing: Timing) -> BenchResult:
    """A :class:`BenchResult` from the runner's samples."""
    return BenchResult(
        name=name,
        median_s=statistics.median(timing.samples),
        iqr_s=iqr(timing.samples),
        samples=timing.samples,
        loops=timing.loops,
    )


def parse_pytest_benchmark(data: Mapping[str, Any]) -> list[tuple[str, BenchResult]]:
    """``pytest --benchmark-json`` output to ``(fullname, result)``; names are the tests' names.

    ``median_s`` and ``iqr_s`` are pytest-benchmark's own statistics; ``samples`` are its
    per-round, per-iteration times (``data``, saved with ``--benchmark-save-data``),
    thinned to :data:`MAX_KEPT_SAMPLES`.
    """
    results: list[tuple[str, BenchResult]] = []
    for bench in data.get("benchmarks", ()):
        stats = bench.get("stats", {})
        samples = tuple(float(x) for x in stats.get("data", ()) or ())
        name = str(bench.get("name") or bench.get("fullname") or "benchmark")
        results.append(
            (
                str(bench.get("fullname") or name),
                BenchResult(
                    name=name,
                    median_s=float(stats["median"]),
                    iqr_s=float(stats.get("iqr", iqr(samples))),
                    samples=thin(samples),
                    loops=int(stats.get("iterations", 1)),
                    source="pytest-benchmark",
                ),
            )
        )
    return results


def thin(samples: Sequence[float], limit: int = MAX_KEPT_SAMPLES) -> tuple[float, ...]:
    """At most ``limit`` samples, evenly spaced in run order (keeps drift visible)."""
    if len(samples) <= limit:
        return tuple(samples)
    step = len(samples) / limit
    return tuple(samples[int(i * step)] for i in range(limit))


def uses_benchmark_fixture(texts: Sequence[str]) -> bool:
    """Whether any test function takes pytest-benchmark's ``benchmark`` fixture."""
    return any(_BENCH_FIXTURE.search(text) for text in texts)


# --------------------------------------------------------------------------- one runner


def _answer(done: proc.Completed, out: Path, timeout_s: float, label: str) -> Timing:
    """The runner's answer, or the :class:`BenchmarkError` that explains its absence."""
    if done.timed_out:
        raise BenchmarkError("timeout", f"{label} did not finish within {timeout_s:g} s")
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise BenchmarkError(
            "bench-crash", f"{label} ended without an answer (exit code {done.returncode}): {tail}"
        ) from None
    if not data.get("ok"):
        stage, error = data.get("stage"), str(data.get("error", "unknown error"))
        kind = "bench-import-error" if stage == "import" else "bench-exception"
        where = {"import": "importing", "setup": "running setup for"}.get(stage, "running")
        raise BenchmarkError(kind, f"{where} {label} raised {error}")
    samples = tuple(float(x) for x in data["samples"])
    growth = tuple(
        (int(size), tuple(float(x) for x in wall), tuple(float(x) for x in cpu))
        for size, _loops, wall, cpu in data.get("growth", ())
    )
    return Timing(
        int(data["loops"]),
        samples,
        str(data.get("python", "")),
        str(data.get("cpu", "")),
        size=int(data["size"]) if data.get("size") is not None else None,
        growth=growth,
        skipped=tuple(int(x) for x in data.get("skipped", ())),
    )


def _run_runner(
    python: str,
    import_roots: Sequence[str | Path],
    spec: BenchmarkSpec,
    request: Mapping[str, Any],
    *,
    cwd: str | Path | None,
    timeout_s: float,
) -> Timing:
    work = Path(tempfile.mkdtemp(prefix="practicegrade-bench-"))
    try:
        roots = [str(Path(r).resolve()) for r in import_roots]
        out = work / "answer.json"
        payload = {
            "roots": roots,
            "call": spec.call,
            "setup": spec.setup,
            "size": spec.size,
            **request,
        }
        try:
            done = proc.run(
                [python, "-c", _RUNNER.read_text(encoding="utf-8"), json.dumps(payload), str(out)],
                cwd=cwd,
                timeout=timeout_s,
                env=learner_env(python, roots, make_home(work)),
                limits=learner_limits(timeout_s),
            )
        except ToolError as exc:
            raise BenchmarkError("tool-missing", exc.message) from exc
        return _answer(done, out, timeout_s, f"benchmark {spec.name!r} ({spec.call})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(
    python: str,
    import_roots: Sequence[str | Path],
    spec: BenchmarkSpec,
    *,
    cwd: str | Path | None = None,
    n: int = DEFAULT_SAMPLES,
    timeout_s: float = MAX_TIMEOUT_S,
) -> Timing:
    """Calibrate, warm up and take ``n`` samples in one fresh process.

    A slow function gets fewer samples (never under 3) so the run fits half the timeout.
    Raises :class:`BenchmarkError` on an import error, an exception or a timeout.
    """
    if n < 1:
        raise ValueError("measure() needs n >= 1")
    request = {
        "loops": None,
        "n": n,
        "warmup": WARMUP,
        "min_s": MIN_SAMPLE_S,
        "target_s": TARGET_SAMPLE_S,
        "budget_s": timeout_s / 2,
    }
    return _run_runner(python, import_roots, spec, request, cwd=cwd, timeout_s=timeout_s)


GROWTH_SAMPLES = 3
"""Samples per size and pass of a growth run."""
GROWTH_ROUNDS = 5
"""Passes over all sizes: load on a shared machine comes in bursts, which hit one pass."""
GROWTH_MIN_SAMPLE_S = 0.005
GROWTH_TARGET_SAMPLE_S = 0.01


def measure_growth(
    python: str,
    import_roots: Sequence[str | Path],
    spec: BenchmarkSpec,
    *,
    cwd: str | Path | None = None,
    budget_s: float = 10.0,
    n: int = GROWTH_SAMPLES,
    timeout_s: float = MAX_TIMEOUT_S,
) -> Timing:
    """Time ``spec`` at each of its ``sizes`` in one fresh process, within ``budget_s``.

    Samples are short (5-10 ms) and few, taken in :data:`GROWTH_ROUNDS` passes over the
    sizes: a fit needs the shape over sizes, which spans orders of magnitude, not the
    last percent at one size. Sizes that would not fit the budget are left out
    (:attr:`Timing.skipped`).
    """
    request = {
        "sizes": list(spec.sizes),
        "n": n,
        "rounds": GROWTH_ROUNDS,
        "min_s": GROWTH_MIN_SAMPLE_S,
        "target_s": GROWTH_TARGET_SAMPLE_S,
        "budget_s": budget_s,
    }
    limit = min(timeout_s, budget_s * 3 + 5)
    return _run_runner(python, import_roots, spec, request, cwd=cwd, timeout_s=limit)


def growth_of(name: str, timing: Timing, expected: str | None) -> GrowthFit | None:
    """The fitted growth of a growth run, or ``None`` with fewer than two sizes."""
    if len(timing.growth) < 2:
        return None
    sizes = [size for size, _, _ in timing.growth]
    times, clock = best_times(
        [wall for _, wall, _ in timing.growth], [cpu for _, _, cpu in timing.growth]
    )
    try:
        return fit(sizes, times, expected, clock=clock)
    except ValueError:
        return None


def calibrate(
    python: str,
    import_roots: Sequence[str | Path],
    spec: BenchmarkSpec,
    *,
    cwd: str | Path | None = None,
    timeout_s: float = MAX_TIMEOUT_S,
    min_s: float = MIN_SAMPLE_S,
    target_s: float = TARGET_SAMPLE_S,
) -> int:
    """The loop count that makes one sample last ``min_s`` to about ``target_s`` (by
    default 0.05-0.2 s; use it for both sides of an A/B)."""
    request = {
        "loops": None,
        "n": 0,
        "warmup": 0,
        "min_s": min_s,
        "target_s": target_s,
    }
    return _run_runner(python, import_roots, spec, request, cwd=cwd, timeout_s=timeout_s).loops


def sample(
    python: str,
    import_roots: Sequence[str | Path],
    spec: BenchmarkSpec,
    loops: int,
    n: int,
    *,
    cwd: str | Path | None = None,
    warmup: int = WARMUP,
    timeout_s: float = MAX_TIMEOUT_S,
) -> list[float]:
    """``n`` per-call timings (seconds) of ``spec`` at a fixed ``loops``, in a fresh process.

    For base-vs-head comparisons: :func:`calibrate` once, then alternate ``sample`` on the
    two checkouts (ABBA), so slow drift of the machine lands on both sides. ``cwd`` should
    be the project root (learner code may read files relative to it); ``import_roots``
    are folders put first on ``sys.path`` (absolute, or relative to our cwd). Raises
    :class:`BenchmarkError` on an import error, an exception or a timeout.
    """
    if n < 1:
        raise ValueError("sample() needs n >= 1")
    request = {
        "loops": max(1, loops),
        "n": n,
        "warmup": warmup,
        "min_s": MIN_SAMPLE_S,
        "target_s": TARGET_SAMPLE_S,
    }
    timing = _run_runner(python, import_roots, spec, request, cwd=cwd, timeout_s=timeout_s)
    return list(timing.samples)


# --------------------------------------------------------------------------- pytest-benchmark


def _test_texts(project: Project) -> list[str]:
    texts = []
    for test_path in project.test_paths:
        path = project.root / test_path
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            try:
                texts.append(file.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
    return texts


def harvest_pytest_benchmark(
    project: Project, found: Probe, work: Path, timeout_s: float
) -> tuple[list[tuple[str, BenchResult]], list[Finding]]:
    """Run the learner's ``benchmark``-fixture tests uninstrumented and read their JSON."""
    out = work / "pytest-benchmark.json"
    argv = [
        project.python,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--color=no",
        "-q",
        "--benchmark-only",
        "--benchmark-enable",
        f"--benchmark-json={out}",
        "--benchmark-save-data",
        f"--benchmark-storage=file://{work / 'storage'}",
    ]
    if found.pytest_cov:
        argv.append("--no-cov")
    roots = absolute_roots(project)
    done = proc.run(
        [*argv, "--", *project.test_paths],
        cwd=project.root,
        timeout=timeout_s,
        env=learner_env(project.python, roots, make_home(work)),
        limits=learner_limits(timeout_s),
    )
    findings: list[Finding] = []
    if done.timed_out:
        findings.append(
            _finding("timeout", f"pytest-benchmark did not finish within {timeout_s:g} s")
        )
    try:
        results = parse_pytest_benchmark(json.loads(out.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        results = []
    if done.returncode != 0 and not done.timed_out:
        tail = [ln for ln in done.stdout.strip().splitlines() if ln.strip()][-1:] or ["no output"]
        findings.append(
            _finding(
                "bench-exception",
                f"pytest --benchmark-only exited with code {done.returncode}: {tail[0][:300]}",
            )
        )
    return results, findings


# --------------------------------------------------------------------------- collector


def _finding(kind: str, message: str) -> Finding:
    return Finding(kind=kind, message=message, collector=NAME)


def _timeout(settings: Settings) -> float:
    return min(settings.test_timeout_s, MAX_TIMEOUT_S)


def _unique(name: str, taken: set[str], fallback: str) -> str:
    """A harvested name that does not collide with one already reported."""
    for candidate in (name, fallback):
        if metric_key(candidate) not in taken:
            return candidate
    i = 2
    while metric_key(f"{name}.{i}") in taken:
        i += 1
    return f"{name}.{i}"


def _with_growth(
    spec: BenchmarkSpec,
    result: BenchResult,
    timing: Timing,
    metrics: dict[str, float],
    unmeasured: dict[str, str],
) -> tuple[BenchResult, list[Finding]]:
    """The result with its growth fit; the metric, or why it is missing; findings."""
    findings: list[Finding] = []
    key = growth_key(spec.name)
    growth = growth_of(spec.name, timing, spec.growth)
    if timing.skipped:
        left_out = ", ".join(str(n) for n in timing.skipped)
        findings.append(
            _finding(
                "bench-sizes-skipped",
                f"benchmark {spec.name!r}: sizes {left_out} were left out; at the growth "
                f"measured they would not fit the time budget (bench_budget_s)",
            )
        )
    if growth is None:
        unmeasured[key] = "fewer than two input sizes could be timed within the budget"
    else:
        metrics[key] = growth.exponent
        if growth.worse:
            findings.append(_finding("bench-growth", describe(spec.name, growth)))
    return replace(result, growth=growth, size=timing.size), findings


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Time every configured benchmark, then harvest pytest-benchmark results."""
    started = time.monotonic()
    settings.scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=settings.scratch))
    timeout_s = _timeout(settings)
    results: list[BenchResult] = []
    metrics: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    findings: list[Finding] = []
    versions: dict[str, str] = {}
    project = replace(project, python=interpreter_path(project.python))
    roots = absolute_roots(project)
    for spec in settings.benchmarks:
        key = metric_key(spec.name)
        if settings.progress is not None:
            sizes = f" at {len(spec.sizes)} input sizes" if spec.sizes else ""
            settings.progress(f"bench: timing {spec.name}{sizes}", "start")
        try:
            if spec.sizes:
                timing = measure_growth(
                    project.python,
                    roots,
                    spec,
                    cwd=project.root,
                    budget_s=settings.bench_budget_s,
                    timeout_s=timeout_s,
                )
            else:
                timing = measure(project.python, roots, spec, cwd=project.root, timeout_s=timeout_s)
        except BenchmarkError as exc:
            findings.append(_finding(exc.kind, exc.message))
            unmeasured[key] = exc.message
            if spec.sizes:
                unmeasured[growth_key(spec.name)] = exc.message
            continue
        result = to_result(spec.name, timing)
        if spec.sizes:
            result, more = _with_growth(spec, result, timing, metrics, unmeasured)
            findings += more
        results.append(result)
        metrics[key] = result.median_s
        versions.update({"python": timing.python, "cpu": timing.cpu})
    found, _ = cached_probe(project.python, work, settings.cache_dir)
    if found is not None and found.pytest_benchmark and found.pytest and project.test_paths:
        versions["python"] = found.python
        versions["pytest-benchmark"] = found.pytest_benchmark
        if uses_benchmark_fixture(_test_texts(project)):
            harvested, more = harvest_pytest_benchmark(project, found, work, timeout_s)
            findings += more
            for fullname, result in harvested:
                name = _unique(sanitize(result.name), set(metrics), sanitize(fullname))
                results.append(replace(result, name=name))
                metrics[metric_key(name)] = result.median_s
    return CollectorResult(
        name=NAME,
        metrics=metrics,
        unmeasured=unmeasured,
        findings=tuple(findings),
        tool_versions={k: v for k, v in versions.items() if v},
        duration_s=time.monotonic() - started,
        details=BenchDetails(results=tuple(results)),
    )
