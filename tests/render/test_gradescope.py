"""gradescope.json: Gradescope's results.json shape, scores from competency progress or tests."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicegrade.model import TestCase, TestDetails
from practicegrade.render.gradescope import POINTS_PER_COMPETENCY, render_gradescope
from tests.helpers import reports

from .conftest import GoldenCheck

TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "output_format",
             "tags", "visibility"}  # fmt: skip


def check_shape(data: dict[str, object]) -> None:
    """The fields Gradescope reads, with the types it expects."""
    assert isinstance(data["score"], float)
    assert data["output_format"] == "text"
    assert data["visibility"] == "visible"
    tests = data["tests"]
    assert isinstance(tests, list)
    for t in tests:
        assert set(t) <= TEST_KEYS
        assert isinstance(t["name"], str)
        assert t["name"]
        assert 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
    assert data["score"] == pytest.approx(sum(t["score"] for t in tests))


@pytest.mark.parametrize("name", ["passing", "failing_gate"])
def test_gradescope_matches_golden(name: str, golden: GoldenCheck) -> None:
    text = render_gradescope(reports.ALL[name]())
    check_shape(json.loads(text))
    golden(f"gradescope-{name}.json", text)


def test_one_test_per_competency_scored_by_progress() -> None:
    data = json.loads(render_gradescope(reports.failing_gate()))
    tests = {t["tags"][0]: t for t in data["tests"]}
    assert tests["testing"]["max_score"] == POINTS_PER_COMPETENCY
    assert tests["testing"]["score"] == pytest.approx(10 * (1 - 0.71))
    assert tests["testing"]["status"] == "failed"
    assert (
        "coverage.line_pct: 48.5 (target >= 85, gate >= 60) gap - GATE FAILED"
        in (tests["testing"]["output"])
    )
    assert tests["clarity"]["score"] == pytest.approx(4.8)
    assert data["score"] == pytest.approx(2.9 + 4.8)
    assert data["extra_data"]["practicegrade"]["verdict"] == "fail"
    assert "Next steps:\n1. Write one test for Store.restock" in data["output"]


def test_all_met_earns_full_marks() -> None:
    data = json.loads(render_gradescope(reports.passing()))
    assert data["score"] == 3 * POINTS_PER_COMPETENCY
    assert {t["status"] for t in data["tests"]} == {"passed"}


def test_weight_scales_the_points() -> None:
    r = reports.passing()
    assert r.evaluation is not None
    heavy = dataclasses.replace(r.evaluation.competencies[0], weight=2.0)
    ev = dataclasses.replace(r.evaluation, competencies=(heavy, *r.evaluation.competencies[1:]))
    data = json.loads(render_gradescope(dataclasses.replace(r, evaluation=ev)))
    assert [t["max_score"] for t in data["tests"]] == [20.0, 10.0, 10.0]


def test_without_a_model_each_test_case_is_a_point() -> None:
    cases = (
        TestCase("tests/test_a.py::test_ok", "passed", 0.1),
        TestCase("tests/test_a.py::test_bad", "failed", 0.1, "assert 1 == 2"),
        TestCase("tests/test_a.py::test_later", "skipped", 0.0, "todo"),
    )
    r = dataclasses.replace(reports.passing(), evaluation=None, tests=TestDetails(cases=cases))
    data = json.loads(render_gradescope(r))
    check_shape(data)
    assert data["score"] == 1.0
    assert [(t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        (1.0, 1.0, "passed"),
        (0.0, 1.0, "failed"),
        (0.0, 0.0, "passed"),
    ]
    assert data["tests"][1]["output"] == "assert 1 == 2"


def test_learner_strings_are_plain_visible_text() -> None:
    data = json.loads(render_gradescope(reports.hostile()))
    check_shape(data)
    blob = json.dumps(data, ensure_ascii=False)
    assert "\u202e" not in blob
    assert "\\u202e" in blob
    assert "\x1b" not in blob


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(max_size=30), min_size=1, max_size=4).map(tuple),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_always_valid_json(strings: tuple[str, ...], distance: float) -> None:
    r = reports.hostile(strings)
    assert r.evaluation is not None
    comps = tuple(dataclasses.replace(c, distance=distance) for c in r.evaluation.competencies)
    r = dataclasses.replace(r, evaluation=dataclasses.replace(r.evaluation, competencies=comps))
    data = json.loads(render_gradescope(r))
    check_shape(data)
