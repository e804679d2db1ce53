"""The bench collector: real timings in the learner's interpreter, errors as findings.

Timings are noisy, so the checks are broad: a 10 ms sleep measures between 10 ms and
50 ms, a pure-Python loop lands within a factor of 5 of ``timeit`` in this process. What
must hold exactly holds exactly: the median is the median of the samples, an exception,
an import error or a hang is a finding and ``unmeasured`` while the others are still
measured, and a pytest-benchmark run is harvested with pytest-benchmark's own numbers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

import pytest
from tests.helpers.repos import SAMPLE_PROJECT, write_files

from practicegrade.collectors import BenchmarkSpec, Settings
from practicegrade.collectors.bench import (
    BenchmarkError,
    calibrate,
    collect,
    iqr,
    metric_key,
    parse_pytest_benchmark,
    sample,
    sanitize,
    thin,
    uses_benchmark_fixture,
)
from practicegrade.discover import discover
from practicegrade.model import BenchDetails, BenchResult, CollectorResult

PYTHON = sys.executable

SLOW = """
import os
import time
from pathlib import Path


def nap():
    time.sleep(0.01)


def make_input():
    return list(range(2000))


def total(xs):
    return sum(x * x for x in xs)


def boom():
    raise ValueError("nope")


def record_group():
    Path("pgid").write_text(str(os.getpgrp()))


def forever(_):
    while True:
        pass
"""

BENCH_TESTS = """
from calc.ops import classify


def test_classify_speed(benchmark):
    assert benchmark(classify, 5) == "small"
"""

SPECS = (
    BenchmarkSpec("nap", "calc.slow:nap"),
    BenchmarkSpec("sum squares", "calc.slow:total", "calc.slow:make_input"),
    BenchmarkSpec("boom", "calc.slow:boom"),
    BenchmarkSpec("missing", "calc.nowhere:func"),
)


def _total_in_process() -> float:
    """The same work as ``calc.slow:total``, timed here with ``timeit``."""
    xs = list(range(2000))
    number = 200
    best = min(timeit.repeat(lambda: sum(x * x for x in xs), number=number, repeat=5))
    return best / number


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench")
    write_files(
        root, {**SAMPLE_PROJECT, "src/calc/slow.py": SLOW, "tests/test_speed.py": BENCH_TESTS}
    )
    return root


@pytest.fixture(scope="module")
def result(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> CollectorResult:
    project = discover(project_root, python=PYTHON)
    settings = Settings(
        scratch=tmp_path_factory.mktemp("scratch"), test_timeout_s=30, benchmarks=SPECS
    )
    return collect(project, settings)


def _results(result: CollectorResult) -> dict[str, BenchResult]:
    assert isinstance(result.details, BenchDetails)
    return {r.name: r for r in result.details.results}


# --------------------------------------------------------------------------- pure


def test_sanitize_and_metric_key_keep_names_safe() -> None:
    assert sanitize("test_parse[small input|x]") == "test_parse_small_input_x_"
    assert metric_key("sum squares") == "bench.sum_squares.median_s"
    assert sanitize("") == "_"
    assert sanitize("a.b-c_D9") == "a.b-c_D9"


def test_iqr_matches_the_statistics_module() -> None:
    samples = [5.0, 1.0, 3.0, 2.0, 4.0, 100.0, 2.5]
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    assert iqr(samples) == q3 - q1
    assert iqr([1.0]) == 0.0


def test_thin_keeps_run_order_and_the_limit() -> None:
    assert thin([1.0, 2.0], 5) == (1.0, 2.0)
    kept = thin([float(i) for i in range(1000)], 100)
    assert len(kept) == 100
    assert kept[0] == 0.0
    assert list(kept) == sorted(kept)


def test_uses_benchmark_fixture_finds_the_fixture_argument() -> None:
    assert uses_benchmark_fixture(["def test_x(tmp_path,\n    benchmark):\n    pass\n"])
    assert not uses_benchmark_fixture(["def test_benchmark_like(benchmarks_dir): pass\n"])


# --------------------------------------------------------------------------- configured


def test_a_sleeping_function_measures_its_sleep(result: CollectorResult) -> None:
    nap = _results(result)["nap"]
    assert 0.01 <= nap.median_s < 0.05
    assert result.metrics["bench.nap.median_s"] == nap.median_s
    assert nap.median_s == statistics.median(nap.samples)
    assert nap.iqr_s >= 0
    assert 7 <= len(nap.samples) <= 11
    assert nap.loops >= 1
    assert 0.05 <= nap.loops * nap.median_s < 0.5  # calibrated to ~0.1 s per sample
    assert nap.source == "config"


def test_setup_value_is_passed_and_the_timing_is_sane(result: CollectorResult) -> None:
    total = _results(result)["sum squares"]
    reference = _total_in_process()
    assert reference / 5 < total.median_s < reference * 5
    assert total.iqr_s >= 0
    assert result.metrics["bench.sum_squares.median_s"] == total.median_s
    assert total.loops > 1


def test_an_exception_or_import_error_is_a_finding_and_unmeasured(result: CollectorResult) -> None:
    kinds = {f.kind: f.message for f in result.findings}
    assert "ValueError: nope" in kinds["bench-exception"]
    assert "No module named 'calc.nowhere'" in kinds["bench-import-error"]
    assert result.unmeasured["bench.boom.median_s"] == kinds["bench-exception"]
    assert result.unmeasured["bench.missing.median_s"] == kinds["bench-import-error"]
    assert "bench.boom.median_s" not in result.metrics
    assert result.tool_versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert result.tool_versions["cpu"]


# --------------------------------------------------------------------------- pytest-benchmark


def test_pytest_benchmark_results_are_harvested(result: CollectorResult) -> None:
    harvested = _results(result)["test_classify_speed"]
    assert harvested.source == "pytest-benchmark"
    assert result.metrics["bench.test_classify_speed.median_s"] == harvested.median_s
    assert 0 < harvested.median_s < 0.001
    assert harvested.iqr_s >= 0
    assert 0 < len(harvested.samples) <= 100
    assert harvested.loops >= 1
    assert result.tool_versions["pytest-benchmark"]


def test_harvest_reads_pytest_benchmarks_own_statistics(project_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "pb.json"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHONPATH": str(project_root / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    subprocess.run(
        [
            PYTHON,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--benchmark-only",
            f"--benchmark-json={out}",
            "--benchmark-save-data",
            "--benchmark-max-time=0.2",
            f"--benchmark-storage=file://{tmp_path / 'storage'}",
            "tests",
        ],
        cwd=project_root,
        env=env,
        check=True,
        capture_output=True,
    )
    raw = json.loads(out.read_text())
    ((fullname, parsed),) = parse_pytest_benchmark(raw)
    stats = raw["benchmarks"][0]["stats"]
    assert fullname == "tests/test_speed.py::test_classify_speed"
    assert parsed.name == "test_classify_speed"
    assert parsed.median_s == stats["median"]
    assert parsed.iqr_s == stats["iqr"]
    assert parsed.loops == stats["iterations"]
    assert statistics.median(stats["data"]) == stats["median"]  # data are per-call times


# --------------------------------------------------------------------------- public A/B helpers


def test_calibrate_then_sample_for_comparisons(project_root: Path) -> None:
    spec = BenchmarkSpec("nap", "calc.slow:nap")
    roots = [project_root / "src"]
    loops = calibrate(PYTHON, roots, spec, cwd=project_root, timeout_s=30)
    assert 3 <= loops <= 20
    times = sample(PYTHON, roots, spec, loops, 4, cwd=project_root, timeout_s=30)
    assert len(times) == 4
    assert all(0.01 <= t < 0.05 for t in times)


def test_sample_raises_a_benchmark_error_for_a_broken_function(project_root: Path) -> None:
    spec = BenchmarkSpec("boom", "calc.slow:boom")
    with pytest.raises(BenchmarkError) as caught:
        sample(PYTHON, [project_root / "src"], spec, 1, 3, cwd=project_root, timeout_s=30)
    assert caught.value.kind == "bench-exception"


# --------------------------------------------------------------------------- hangs


def _live_in_group(pgid: int) -> list[int]:
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry))
    return alive


def test_a_hanging_benchmark_is_a_timeout_and_its_processes_are_gone(tmp_path: Path) -> None:
    write_files(tmp_path, {**SAMPLE_PROJECT, "src/calc/slow.py": SLOW})
    project = discover(tmp_path, python=PYTHON)
    specs = (BenchmarkSpec("hang", "calc.slow:forever", "calc.slow:record_group"),)
    started = time.monotonic()
    result = collect(
        project, Settings(scratch=tmp_path / "scratch", test_timeout_s=3, benchmarks=specs)
    )
    assert time.monotonic() - started < 20
    ((kind, message),) = [(f.kind, f.message) for f in result.findings]
    assert kind == "timeout"
    assert "hang" in message
    assert result.metrics == {}
    assert result.unmeasured == {"bench.hang.median_s": message}
    assert _live_in_group(int((tmp_path / "pgid").read_text())) == []


def test_nothing_configured_and_no_benchmark_tests_measures_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, SAMPLE_PROJECT)
    result = collect(discover(tmp_path, python=PYTHON), Settings(scratch=tmp_path / "s"))
    assert result.metrics == {}
    assert result.unmeasured == {}
    assert result.findings == ()


GROWING = """
def dedupe(items):
    out = []
    for item in items:
        for kept in out:
            if kept == item:
                break
        else:
            out.append(item)
    return out


def total(items):
    result = 0
    for item in items:
        result += item
    return result


def make(size):
    return list(range(size))


def never(size):
    return list(range(size))
"""


@pytest.mark.slow
def test_growth_is_fitted_and_a_worse_class_is_a_finding_with_numbers(tmp_path: Path) -> None:
    write_files(tmp_path, {**SAMPLE_PROJECT, "src/calc/grow.py": GROWING})
    specs = (
        BenchmarkSpec("dedupe", "calc.grow:dedupe", "calc.grow:make", (50, 100, 200, 400), "n"),
        BenchmarkSpec("total", "calc.grow:total", "calc.grow:make", (1000, 2000, 4000, 8000), "n"),
    )
    progress: list[tuple[str, str]] = []
    settings = Settings(
        scratch=tmp_path / "s",
        test_timeout_s=60,
        benchmarks=specs,
        bench_budget_s=5,
        progress=lambda name, event: progress.append((name, event)),
    )
    result = collect(discover(tmp_path, python=PYTHON), settings)
    by_name = _results(result)
    quadratic = by_name["dedupe"].growth
    linear = by_name["total"].growth
    assert quadratic is not None
    assert linear is not None
    assert (quadratic.best, quadratic.worse, quadratic.expected) == ("n^2", True, "n")
    # A list's sum is linear, but on a loaded machine its small timings can fit n log n as
    # well (CI saw it once on Python 3.10): either is "not worse than expected", the claim
    # under test. The classes themselves are held to 20 of 20 in tests/test_growth.py.
    assert linear.best in ("n", "n log n")
    assert linear.worse is False
    assert quadratic.sizes == (50, 100, 200, 400)
    assert result.metrics["bench.dedupe.growth"] == quadratic.exponent
    assert 1.6 < quadratic.exponent < 2.4
    assert 0.8 < result.metrics["bench.total.growth"] < 1.2
    # median_s is timed at the largest size, which the report names.
    assert by_name["dedupe"].size == 400
    assert result.metrics["bench.dedupe.median_s"] == by_name["dedupe"].median_s
    (finding,) = [f for f in result.findings if f.kind == "bench-growth"]
    assert finding.message.startswith("dedupe grows like n^2, expected n: 8.0x the input took ")
    assert finding.message.endswith("x the time")
    assert ("bench: timing dedupe at 4 input sizes", "start") in progress


@pytest.mark.slow
def test_sizes_that_cannot_fit_the_budget_are_left_out(tmp_path: Path) -> None:
    write_files(tmp_path, {**SAMPLE_PROJECT, "src/calc/grow.py": GROWING})
    spec = BenchmarkSpec("dedupe", "calc.grow:dedupe", "calc.grow:make", (100, 200, 10**7))
    settings = Settings(scratch=tmp_path / "s", benchmarks=(spec,), bench_budget_s=2)
    started = time.monotonic()
    result = collect(discover(tmp_path, python=PYTHON), settings)
    assert time.monotonic() - started < 10
    growth = _results(result)["dedupe"].growth
    assert growth is not None
    assert growth.sizes == (100, 200)
    (skipped,) = [f for f in result.findings if f.kind == "bench-sizes-skipped"]
    assert "10000000" in skipped.message
