"""Growth classes: the fit is exact on exact data, and right on real, noisy timings.

The classification check times a deliberately quadratic and a linear function for real,
with the same runner code the bench collector sends to the learner's interpreter (here
imported into this process, so twenty runs take seconds, not minutes), twenty times
each: all forty must come out right.
"""

from __future__ import annotations

import math

import pytest

from practicegrade.collectors import _bench_runner
from practicegrade.growth import (
    MARGIN,
    best_times,
    class_names,
    describe,
    exponent,
    fit,
    parse_class,
)

QUADRATIC_SIZES = (50, 100, 200, 400)
LINEAR_SIZES = (1000, 2000, 4000, 8000)


def dedupe(items: list[int]) -> list[int]:
    """Quadratic on purpose: every item is looked for among the ones kept so far."""
    out: list[int] = []
    for item in items:
        for kept in out:
            if kept == item:
                break
        else:
            out.append(item)
    return out


def total(items: list[int]) -> int:
    """Linear: one pass."""
    result = 0
    for item in items:
        result += item
    return result


def make(size: int) -> list[int]:
    return list(range(size))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("O(1)", "1"),
        ("O(log n)", "log n"),
        ("O(n)", "n"),
        ("o(N)", "n"),
        ("O(n log n)", "n log n"),
        ("O(n*log(n))", "n log n"),
        ("O(n^2)", "n^2"),
        ("O(n**2)", "n^2"),
        ("O(n²)", "n^2"),
        ("n^3", "n^3"),
        ("O(2^n)", None),
        ("fast", None),
    ],
)
def test_parse_class(text: str, name: str | None) -> None:
    assert parse_class(text) == name


@pytest.mark.parametrize("name", class_names())
def test_exact_data_fits_its_own_class(name: str) -> None:
    sizes = [1000, 10_000, 100_000]
    f = {
        "1": lambda n: 1.0,
        "log n": math.log,
        "n": float,
        "n log n": lambda n: n * math.log(n),
        "n^2": lambda n: float(n * n),
        "n^3": lambda n: float(n**3),
    }[name]
    growth = fit(sizes, [3e-7 * f(n) for n in sizes])
    assert growth.best == name
    assert growth.error == pytest.approx(0.0, abs=1e-9)
    assert set(growth.fits) == set(class_names())


def test_exponent_is_the_log_log_slope() -> None:
    assert exponent([10, 100, 1000], [1.0, 100.0, 10_000.0]) == pytest.approx(2.0)
    assert exponent([10, 100], [2.0, 2.0]) == pytest.approx(0.0)


def test_worse_needs_a_worse_class_and_a_clearly_higher_power() -> None:
    sizes = [1000, 10_000, 100_000]
    quadratic = fit(sizes, [1e-4, 1e-2, 1.0], "n")
    assert quadratic.worse
    assert describe("dedupe", quadratic) == (
        "dedupe grows like n^2, expected n: 100x the input took 10000x the time"
    )
    # n log n where n was expected: a better fit, but too close to call a finding.
    nlogn = fit(sizes, [n * math.log(n) * 1e-8 for n in sizes], "n")
    assert nlogn.best == "n log n"
    assert nlogn.exponent < 1 + MARGIN
    assert not nlogn.worse
    # Better than expected is never a finding.
    assert not fit(sizes, [1e-4, 1e-3, 1e-2], "n^2").worse


def test_fit_refuses_what_it_cannot_fit() -> None:
    with pytest.raises(ValueError, match="two distinct sizes"):
        fit([100, 100], [1.0, 1.0])
    with pytest.raises(ValueError, match="positive"):
        fit([10, 100], [0.0, 1.0])


def _classify(func: object, sizes: tuple[int, ...]) -> tuple[str, float]:
    answer = _bench_runner._growth(
        func,  # type: ignore[arg-type]
        make,
        {
            "sizes": list(sizes),
            "n": 3,
            "rounds": 3,
            "min_s": 0.001,
            "target_s": 0.002,
            "budget_s": 5,
        },
    )
    sizes = [size for size, _loops, _wall, _cpu in answer["growth"]]
    times, clock = best_times(
        [wall for _, _, wall, _ in answer["growth"]], [cpu for _, _, _, cpu in answer["growth"]]
    )
    assert clock == "cpu"
    growth = fit(sizes, times, "n", clock=clock)
    return growth.best, growth.exponent


@pytest.mark.slow
def test_quadratic_and_linear_are_classified_right_20_of_20() -> None:
    quadratic = [_classify(dedupe, QUADRATIC_SIZES) for _ in range(20)]
    linear = [_classify(total, LINEAR_SIZES) for _ in range(20)]
    assert [best for best, _ in quadratic] == ["n^2"] * 20, quadratic
    assert [best for best, _ in linear] == ["n"] * 20, linear
