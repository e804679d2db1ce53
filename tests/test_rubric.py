"""The rubric: boundary rounding, statuses, gates, gaps, milestones, and its properties."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from practicegrade import expr
from practicegrade.config import (
    Cadence,
    Competency,
    Config,
    Criterion,
    Milestone,
    default_config,
    role_model,
)
from practicegrade.model import Evaluation
from practicegrade.roles import role_names
from practicegrade.rubric import FAR, assess, better_direction, evaluate

TODAY = dt.date(2026, 11, 1)
STATUS_RANK = {"met": 0, "progressing": 1, "gap": 2}
VERDICT_RANK = {"pass": 0, "warn": 1, "fail": 2}


def model(*competencies: Competency, gates: str = "blocking", **kw: object) -> Config:
    return Config(competencies=competencies, gates=gates, **kw)  # type: ignore[arg-type]


def comp(cid: str, *criteria: Criterion, weight: float = 1.0) -> Competency:
    return Competency(id=cid, title=cid.title(), why="", criteria=criteria, weight=weight)


# --------------------------------------------------------------------------- boundary rule


@pytest.mark.parametrize(
    ("expression", "value", "met"),
    [
        (">= 85", 84.95, True),  # rounds to 85.0
        (">= 85", 84.94999, False),  # rounds to 84.9
        (">= 85", 84.9, False),
        (">= 85", 85.0, True),
        (">= 9.0", 8.995, True),  # two decimals, as pylint prints its score
        (">= 9.0", 8.994, False),
        ("<= 10", 10.04, True),
        ("<= 10", 10.05, False),
        ("== 0", 0.04, True),
        ("== 0", 0.05, False),
        ("== 0", -0.04, True),
        ("> 0", 0.04, False),
        ("> 0", 0.05, True),
        ("< 1", 0.95, False),
        ("< 1", 0.94, True),
        ("<= 0.050", 0.05004, True),
        ("<= 0.050", 0.05005, False),
        (">= 0.3", 0.1 + 0.2, True),  # no binary-float surprise
        (">= 85", math.nan, False),
        ("<= 10", math.inf, False),
    ],
)
def test_boundary_rounding(expression: str, value: float, met: bool) -> None:
    assert expr.satisfied(expr.parse(expression), value) is met


@given(
    threshold=st.integers(-10_000, 100_000),
    decimals=st.integers(0, 3),
    steps=st.integers(-50, 50),
)
def test_values_on_the_finer_grid_compare_exactly(
    threshold: int, decimals: int, steps: int
) -> None:
    t = Decimal(threshold).scaleb(-decimals)
    unit = Decimal(1).scaleb(-(decimals + 1))
    value = float(t + steps * unit)
    assert expr.satisfied(expr.parse(f">= {t}"), value) is (steps >= 0)
    assert expr.satisfied(expr.parse(f"<= {t}"), value) is (steps <= 0)
    assert expr.satisfied(expr.parse(f"== {t}"), value) is (steps == 0)
    assert expr.satisfied(expr.parse(f"> {t}"), value) is (steps > 0)


@given(threshold=st.integers(1, 100_000), decimals=st.integers(0, 3))
def test_half_a_finer_step_below_rounds_up(threshold: int, decimals: int) -> None:
    """One digit finer than the threshold, half up: t - half a step meets ``>= t``, less not."""
    t = Decimal(threshold).scaleb(-decimals)
    unit = Decimal(1).scaleb(-(decimals + 1))
    ge = expr.parse(f">= {t}")
    assert expr.satisfied(ge, float(t - unit / 2))
    assert not expr.satisfied(ge, float(t - unit / 2 - unit / 100))
    assert expr.satisfied(expr.parse(f"<= {t}"), float(t + unit / 2 - unit / 100))
    assert not expr.satisfied(expr.parse(f"<= {t}"), float(t + unit / 2))


@pytest.mark.parametrize("text", ["about 85", "85", ">=", "=> 85", "= 85", ">= 8 5", ">= 1e3", ""])
def test_bad_expressions(text: str) -> None:
    with pytest.raises(expr.ExprError, match=r'expected an expression like ">= 85"'):
        expr.parse(text)


def test_expression_forms() -> None:
    assert expr.parse(" >=85 ").text == ">=85"
    assert expr.format_threshold(expr.parse(">=85")) == ">= 85"
    assert expr.parse("<= .5").number == 0.5
    assert expr.parse("== -2").number == -2
    assert expr.parse(">= 0.050").decimals == 3


# --------------------------------------------------------------------------- distance


@pytest.mark.parametrize(
    ("expression", "value", "distance"),
    [
        (">= 80", 80.0, 0.0),
        (">= 80", 60.0, 0.25),
        (">= 80", 0.0, 1.0),
        (">= 80", -50.0, 1.0),
        ("<= 10", 15.0, 0.5),
        ("<= 10", 40.0, 1.0),
        ("== 0", 1.0, 0.5),  # a zero threshold has no scale: g / (g + 1)
        ("== 0", 3.0, 0.75),
        ("> 0", 0.0, expr.MIN_UNMET_DISTANCE),  # unmet is never "at" the target
    ],
)
def test_distance(expression: str, value: float, distance: float) -> None:
    assert expr.distance(expr.parse(expression), value) == pytest.approx(distance)


# --------------------------------------------------------------------------- criteria


def test_criterion_statuses() -> None:
    crit = Criterion("coverage.line_pct", target=">= 80", gate=">= 50")
    assert assess(crit, 85.0).status == "met"
    progressing = assess(crit, 70.0)
    assert progressing.status == "progressing"
    assert not progressing.gate_failed
    failed = assess(crit, 40.0)
    assert failed.status == "gap"
    assert failed.gate_failed
    no_gate = Criterion("coverage.line_pct", target=">= 80")
    assert assess(no_gate, 30.0).status == "gap"  # distance 0.625 >= FAR
    assert assess(no_gate, 30.0).distance >= FAR
    assert assess(no_gate, 30.0, base=10.0).status == "progressing"  # moving towards it
    assert assess(no_gate, 30.0, base=30.0).status == "gap"


def test_gate_only_criterion_uses_the_gate_as_goal() -> None:
    crit = Criterion("tests.failed", gate="== 0")
    assert assess(crit, 0.0).status == "met"
    result = assess(crit, 2.0)
    assert result.status == "gap"
    assert result.gate_failed
    assert result.target is None


def test_unmeasured_is_a_gap_but_not_a_failed_gate() -> None:
    config = model(comp("testing", Criterion("coverage.line_pct", ">= 80", ">= 60")))
    evaluation = evaluate(config, {}, today=TODAY)
    result = evaluation.competencies[0].criteria[0]
    assert result.value is None
    assert result.status == "gap"
    assert result.distance == 1.0
    assert not result.gate_failed
    assert evaluation.verdict == "pass"
    assert evaluation.gaps == ("testing",)
    assert evaluate(config, {"coverage.line_pct": math.nan}, today=TODAY).verdict == "pass"


# --------------------------------------------------------------------------- competencies, gates


def test_verdict_follows_gates_mode() -> None:
    testing = comp("testing", Criterion("tests.failed", "== 0", "== 0"))
    failing = {"tests.failed": 2.0}
    assert evaluate(model(testing), failing, today=TODAY).verdict == "fail"
    advisory = evaluate(model(testing, gates="advisory"), failing, today=TODAY)
    assert advisory.verdict == "warn"
    assert advisory.gates_mode == "advisory"
    assert evaluate(model(testing), {"tests.failed": 0.0}, today=TODAY).verdict == "pass"


def test_competency_status_and_weighted_distance() -> None:
    clarity = comp(
        "clarity",
        Criterion("lint.score", ">= 8.0", weight=3.0),
        Criterion("complexity.cc_max", "<= 10"),
    )
    result = evaluate(model(clarity), {"lint.score": 8.5, "complexity.cc_max": 15}, today=TODAY)
    competency = result.competencies[0]
    assert competency.status == "gap"  # cc 15 is at distance 0.5 = FAR
    assert competency.distance == pytest.approx((0 * 3 + 0.5 * 1) / 4)
    met = evaluate(model(clarity), {"lint.score": 9, "complexity.cc_max": 4}, today=TODAY)
    assert met.competencies[0].status == "met"
    assert met.competencies[0].distance == 0
    assert met.gaps == ()


def test_gaps_rank_failed_gates_first_then_weighted_distance() -> None:
    config = model(
        comp("a", Criterion("lint.score", ">= 9.0")),  # distance 0.33
        comp("b", Criterion("coverage.line_pct", ">= 80")),  # distance 0.75
        comp("c", Criterion("complexity.cc_max", "<= 10", "<= 30")),  # gate fails, 0.5+
        comp("d", Criterion("lint.errors", "== 0"), weight=5.0),  # 0.5 * 5
        comp("e", Criterion("tests.failed", "== 0")),  # met
    )
    metrics = {
        "lint.score": 6.0,
        "coverage.line_pct": 20.0,
        "complexity.cc_max": 31.0,
        "lint.errors": 1.0,
        "tests.failed": 0.0,
    }
    evaluation = evaluate(config, metrics, today=TODAY)
    assert evaluation.gaps == ("c", "d", "b")


def test_a_shortfall_only_on_skipped_metrics_is_no_gap() -> None:
    config = model(
        comp("testing", Criterion("tests.passed", ">= 3"), Criterion("coverage.line_pct", ">= 80")),
        comp("mixed", Criterion("coverage.branch_pct", ">= 80"), Criterion("lint.score", ">= 9")),
        comp("clarity", Criterion("complexity.cc_max", "<= 5")),
    )
    metrics = {"lint.score": 6.0, "complexity.cc_max": 9.0}
    skipped = {"tests.passed", "coverage.line_pct", "coverage.branch_pct"}
    evaluation = evaluate(config, metrics, today=TODAY, skipped=skipped)
    assert [c.status for c in evaluation.competencies] == ["gap", "gap", "gap"]
    assert set(evaluation.gaps) == {"mixed", "clarity"}  # testing: not measured, not missed
    assert "testing" in evaluate(config, metrics, today=TODAY).gaps


# --------------------------------------------------------------------------- milestones


def _milestone_eval(due: dt.date, metrics: Mapping[str, float], **cadence: int) -> Evaluation:
    config = model(
        comp("testing", Criterion("coverage.line_pct", ">= 80"), Criterion("tests.failed", "== 0")),
        milestones=(Milestone("m", "Tested", due, requires=("testing",)),),
        cadence=Cadence(**cadence),
    )
    return evaluate(config, metrics, today=TODAY)


@pytest.mark.parametrize(
    ("days", "metrics", "status"),
    [
        (40, {"coverage.line_pct": 90, "tests.failed": 0}, "met"),
        (-3, {"coverage.line_pct": 90, "tests.failed": 0}, "met"),
        (-3, {"coverage.line_pct": 50, "tests.failed": 0}, "overdue"),
        (10, {"coverage.line_pct": 79, "tests.failed": 0}, "at-risk"),  # within a check-in
        (0, {"coverage.line_pct": 79, "tests.failed": 0}, "at-risk"),
        (60, {"coverage.line_pct": 79, "tests.failed": 0}, "on-track"),  # half done, 1/3 gone
        (20, {"coverage.line_pct": 50, "tests.failed": 3}, "at-risk"),  # nothing done, 78% gone
        (120, {"coverage.line_pct": 50, "tests.failed": 3}, "on-track"),  # before the window
    ],
)
def test_milestone_status(days: int, metrics: Mapping[str, float], status: str) -> None:
    result = _milestone_eval(TODAY + dt.timedelta(days=days), metrics).milestones[0]
    assert result.status == status
    assert result.days_left == days
    assert result.due == (TODAY + dt.timedelta(days=days)).isoformat()
    assert result.requires == ("testing",)


def test_milestone_with_explicit_criteria() -> None:
    config = model(
        comp("testing", Criterion("tests.failed", "== 0")),
        milestones=(
            Milestone(
                "fast",
                "Fast",
                TODAY + dt.timedelta(days=5),
                criteria=(Criterion("tests.duration_s", "<= 10"),),
            ),
        ),
    )
    assert evaluate(config, {"tests.duration_s": 5}, today=TODAY).milestones[0].status == "met"
    assert evaluate(config, {"tests.duration_s": 50}, today=TODAY).milestones[0].status == "at-risk"


def test_a_milestone_on_skipped_metrics_is_neither_met_nor_missed() -> None:
    """A push with ``hook.tests: false``: the testing milestone is not at risk for want of
    numbers nobody measured, and not met either; measured shortfalls still count."""
    config = model(
        comp("testing", Criterion("coverage.line_pct", ">= 80"), Criterion("tests.failed", "== 0")),
        comp("clarity", Criterion("lint.score", ">= 8")),
        milestones=(
            Milestone("t", "Tested", TODAY + dt.timedelta(days=5), requires=("testing",)),
            Milestone("c", "Clear", TODAY + dt.timedelta(days=5), requires=("testing", "clarity")),
            Milestone("late", "Late", TODAY - dt.timedelta(days=1), requires=("testing",)),
        ),
    )
    skipped = {"coverage.line_pct", "tests.failed"}
    statuses = [
        [m.status for m in evaluate(config, lint, today=TODAY, skipped=skipped).milestones]
        for lint in ({"lint.score": 9.0}, {"lint.score": 5.0})
    ]
    assert statuses == [
        ["on-track", "on-track", "overdue"],
        ["on-track", "at-risk", "overdue"],
    ]
    # Without the skip, the same missing numbers are unmet criteria.
    unmet = evaluate(config, {"lint.score": 9.0}, today=TODAY).milestones
    assert [m.status for m in unmet] == ["at-risk", "at-risk", "overdue"]


def test_today_is_an_input() -> None:
    config = model(
        comp("testing", Criterion("tests.failed", "== 0")),
        milestones=(Milestone("m", "M", dt.date(2027, 1, 1), requires=("testing",)),),
    )
    later = evaluate(config, {"tests.failed": 1}, today=dt.date(2027, 1, 2))
    assert later.milestones[0].status == "overdue"
    assert later.milestones[0].days_left == -1


# --------------------------------------------------------------------------- properties

METRIC_POOL = {
    "coverage.line_pct": "higher",
    "coverage.branch_pct": "higher",
    "lint.score": "higher",
    "complexity.mi_min": "higher",
    "complexity.cc_max": "lower",
    "tests.duration_s": "lower",
    "lint.warnings": "lower",
    "tests.failed": "exact",
    "lint.errors": "exact",
}
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)


@st.composite
def thresholds(draw: st.DrawFn) -> Decimal:
    return Decimal(draw(st.integers(-1000, 100_000))).scaleb(-draw(st.integers(0, 3)))


@st.composite
def criteria_for(draw: st.DrawFn, metric: str) -> Criterion:
    kind = METRIC_POOL[metric]
    weight = draw(st.sampled_from([0.5, 1.0, 2.0]))
    if kind == "exact":
        gate = draw(st.sampled_from([None, "== 0"]))
        return Criterion(metric, "== 0", gate, weight)
    target = draw(thresholds())
    op = draw(st.sampled_from([">=", ">"] if kind == "higher" else ["<=", "<"]))
    gate = None
    if draw(st.booleans()):
        slack = Decimal(draw(st.integers(0, 5000))).scaleb(-1)
        gate_value = target - slack if kind == "higher" else target + slack
        gate = f"{'>=' if kind == 'higher' else '<='} {gate_value}"
    return Criterion(metric, f"{op} {target}", gate, weight)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    n = draw(st.integers(1, 4))
    comps = []
    for i in range(n):
        metrics = draw(
            st.lists(st.sampled_from(sorted(METRIC_POOL)), min_size=1, max_size=4, unique=True)
        )
        crits = tuple(draw(criteria_for(m)) for m in metrics)
        comps.append(comp(f"c{i}", *crits, weight=draw(st.sampled_from([0.5, 1.0, 3.0]))))
    gates = draw(st.sampled_from(["blocking", "advisory"]))
    return model(*comps, gates=gates)


builtin = st.sampled_from(role_names()).map(role_model)
any_config = st.one_of(configs(), builtin, st.just(default_config()))


def metric_values(config: Config) -> st.SearchStrategy[dict[str, float]]:
    keys = sorted({c.metric for k in config.competencies for c in k.criteria})
    return st.dictionaries(st.sampled_from(keys), finite, max_size=len(keys))


def improve(config: Config, metric: str, value: float, step: float) -> float:
    """``value`` moved by ``step`` in the metric's good direction (never past an ``==``)."""
    exact = [
        expr.parse(t).number
        for k in config.competencies
        for c in k.criteria
        if c.metric == metric
        for t in (c.target, c.gate)
        if t is not None and expr.parse(t).direction == "exact"
    ]
    if exact:
        goal = exact[0]
        return value - math.copysign(min(step, abs(value - goal)), value - goal)
    direction = better_direction(config, metric)
    return value + step if direction == "higher" else value - step


def ranks(evaluation: Evaluation) -> tuple[int, list[int]]:
    return (
        VERDICT_RANK[evaluation.verdict],
        [STATUS_RANK[c.status] for c in evaluation.competencies],
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), config=any_config, with_base=st.booleans())
def test_improving_one_metric_never_worsens_anything(
    data: st.DataObject, config: Config, with_base: bool
) -> None:
    metrics = data.draw(metric_values(config))
    assume(metrics)
    base = data.draw(metric_values(config)) if with_base else None
    metric = data.draw(st.sampled_from(sorted(metrics)))
    step = data.draw(st.floats(min_value=1e-6, max_value=1e6))
    better = dict(metrics)
    better[metric] = improve(config, metric, metrics[metric], step)
    before = evaluate(config, metrics, today=TODAY, base_metrics=base)
    after = evaluate(config, better, today=TODAY, base_metrics=base)
    verdict_before, statuses_before = ranks(before)
    verdict_after, statuses_after = ranks(after)
    assert verdict_after <= verdict_before
    assert all(a <= b for a, b in zip(statuses_after, statuses_before, strict=True))
    for comp_before, comp_after in zip(before.competencies, after.competencies, strict=True):
        assert comp_after.distance <= comp_before.distance + 1e-12


@settings(max_examples=300, deadline=None)
@given(
    config=any_config,
    metrics=st.dictionaries(
        st.sampled_from([*METRIC_POOL, "tests.passed", "tests.errors", "bench.x.median_s"]),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    days=st.integers(-1000, 1000),
)
@example(config=default_config(), metrics={"coverage.line_pct": 1.7976931348623157e308}, days=0)
@example(config=default_config(), metrics={"tests.failed": -5e-324}, days=0)
def test_evaluate_never_raises_and_distances_stay_in_range(
    config: Config, metrics: dict[str, float], days: int
) -> None:
    evaluation = evaluate(config, metrics, today=TODAY + dt.timedelta(days=days))
    assert evaluation.verdict in VERDICT_RANK
    assert len(evaluation.gaps) <= 3
    for competency in evaluation.competencies:
        assert 0.0 <= competency.distance <= 1.0
        assert competency.status in STATUS_RANK
        if competency.status == "met":
            assert competency.id not in evaluation.gaps
        for criterion in competency.criteria:
            assert 0.0 <= criterion.distance <= 1.0
            if criterion.status == "met":
                assert criterion.distance == 0.0
            elif not criterion.gate_failed:
                assert criterion.distance >= expr.MIN_UNMET_DISTANCE
            if criterion.value is None:
                assert criterion.distance == 1.0


def test_evaluation_is_deterministic() -> None:
    config = role_model("backend-developer")
    metrics = {"coverage.line_pct": 70.0, "tests.failed": 1.0, "lint.score": 7.5}
    first = evaluate(config, metrics, today=TODAY)
    assert first == evaluate(config, dict(reversed(list(metrics.items()))), today=TODAY)


# --------------------------------------------------------------------------- ratchets


def _ratchet_config(ratchet: str, tolerance: float, gate: str | None = None) -> Config:
    crit = Criterion("coverage.line_pct", ">= 90", gate, ratchet=ratchet, tolerance=tolerance)  # type: ignore[arg-type]
    return Config(competencies=(Competency("testing", "Tests", criteria=(crit,)),))


def _gate_failed(ev: Evaluation) -> bool:
    return ev.competencies[0].criteria[0].gate_failed


TODAY_R = dt.date(2026, 11, 1)


def test_ratchet_base_fails_a_drop_beyond_the_tolerance_only() -> None:
    config = _ratchet_config("base", 1.0)
    base = {"coverage.line_pct": 80.0}
    held = evaluate(config, {"coverage.line_pct": 79.2}, today=TODAY_R, base_metrics=base)
    dropped = evaluate(config, {"coverage.line_pct": 78.9}, today=TODAY_R, base_metrics=base)
    assert not _gate_failed(held)
    assert _gate_failed(dropped)
    assert dropped.competencies[0].criteria[0].gate == ">= 79.0"
    first = evaluate(config, {"coverage.line_pct": 10.0}, today=TODAY_R)
    assert not _gate_failed(first), "a first grading has nothing to ratchet against"


def test_ratchet_best_holds_to_the_best_grade_in_the_history() -> None:
    config = _ratchet_config("best", 0.5)
    history = [{"coverage.line_pct": 70.0}, {"coverage.line_pct": 84.0}, {}]
    ev = evaluate(config, {"coverage.line_pct": 83.0}, today=TODAY_R, history=history)
    assert _gate_failed(ev)
    assert ev.competencies[0].criteria[0].gate == ">= 83.5"


def test_the_stricter_of_a_written_gate_and_the_ratchet_applies() -> None:
    config = _ratchet_config("base", 1.0, gate=">= 60")
    low_base = evaluate(
        config, {"coverage.line_pct": 55.0}, today=TODAY_R, base_metrics={"coverage.line_pct": 40.0}
    )
    assert low_base.competencies[0].criteria[0].gate == ">= 60"
    assert _gate_failed(low_base)


@given(
    base=st.floats(0, 100, allow_nan=False),
    head=st.floats(0, 100, allow_nan=False),
    tolerance=st.floats(0, 10, allow_nan=False),
)
@settings(max_examples=200, deadline=None)
def test_ratchet_base_gate_is_exactly_no_worse_than_base_minus_tolerance(
    base: float, head: float, tolerance: float
) -> None:
    config = _ratchet_config("base", tolerance)
    ev = evaluate(
        config, {"coverage.line_pct": head}, today=TODAY_R, base_metrics={"coverage.line_pct": base}
    )
    floor = base - tolerance
    assume(abs(head - floor) > 1e-3)  # expressions compare at their written precision
    assert _gate_failed(ev) == (head < floor)
    same = evaluate(
        config, {"coverage.line_pct": base}, today=TODAY_R, base_metrics={"coverage.line_pct": base}
    )
    assert not _gate_failed(same), "the base's own value never fails its ratchet"
