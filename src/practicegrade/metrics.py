"""The metric catalogue: every key a collector measures, what it means and its good direction.

The catalogue is what keeps config, rubric and feedback speaking of the same numbers:
a criterion naming a key outside it only warns (it would never be measured), the rubric
reads the good direction from it, and feedback its label and unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a metric key means: a label for prose, its unit and its good direction."""

    label: str
    unit: Literal["count", "%", "/10", "s", "cc", "mi", "x", "exponent"]
    better: Literal["higher", "lower"] | None


METRICS: Mapping[str, MetricInfo] = {
    "tests.passed": MetricInfo("passing tests", "count", "higher"),
    "tests.failed": MetricInfo("failing tests", "count", "lower"),
    "tests.errors": MetricInfo("test errors", "count", "lower"),
    "tests.skipped": MetricInfo("skipped tests", "count", "lower"),
    "tests.duration_s": MetricInfo("test run time", "s", "lower"),
    "coverage.line_pct": MetricInfo("line coverage", "%", "higher"),
    "coverage.branch_pct": MetricInfo("branch coverage", "%", "higher"),
    "coverage.patch_pct": MetricInfo("coverage of changed lines", "%", "higher"),
    "lint.score": MetricInfo("pylint score", "/10", "higher"),
    "lint.errors": MetricInfo("pylint errors", "count", "lower"),
    "lint.warnings": MetricInfo("pylint warnings", "count", "lower"),
    "lint.refactors": MetricInfo("pylint refactor messages", "count", "lower"),
    "lint.conventions": MetricInfo("pylint convention messages", "count", "lower"),
    "complexity.cc_mean": MetricInfo("mean cyclomatic complexity", "cc", "lower"),
    "complexity.cc_max": MetricInfo("highest cyclomatic complexity", "cc", "lower"),
    "complexity.cc_over_10": MetricInfo("functions above complexity 10", "count", "lower"),
    "complexity.mi_min": MetricInfo("lowest maintainability index", "mi", "higher"),
    "complexity.mi_mean": MetricInfo("mean maintainability index", "mi", "higher"),
    "size.sloc": MetricInfo("source lines of code", "count", None),
    "size.functions": MetricInfo("functions", "count", None),
    "security.high": MetricInfo("high-severity security findings", "count", "lower"),
    "security.medium": MetricInfo("medium-severity security findings", "count", "lower"),
    "security.low": MetricInfo("low-severity security findings", "count", "lower"),
}
_BENCH_METRIC = re.compile(
    r"^bench\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)\.(?P<kind>median_s|ratio_vs_base|growth)$"
)
_BENCH_INFO = {
    "median_s": MetricInfo("benchmark median time", "s", "lower"),
    "ratio_vs_base": MetricInfo("benchmark time relative to base", "x", "lower"),
    "growth": MetricInfo("benchmark growth exponent", "exponent", "lower"),
}


def metric_info(key: str) -> MetricInfo | None:
    """The catalogue entry for ``key`` (``bench.<name>.*`` included), else ``None``."""
    if key in METRICS:
        return METRICS[key]
    match = _BENCH_METRIC.match(key)
    return _BENCH_INFO[match.group("kind")] if match else None


def bench_name(key: str) -> str | None:
    """``parse`` for ``bench.parse.median_s``; ``None`` for other keys."""
    match = _BENCH_METRIC.match(key)
    return match.group("name") if match else None
