"""report.json round trips exactly through the generic dataclass converter."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicegrade.model import (
    Code,
    CollectorResult,
    ComplexityDetails,
    Evaluation,
    Evidence,
    FeedbackItem,
    FunctionComplexity,
    LintDetails,
    LintMessage,
    RepoInfo,
    Report,
)
from practicegrade.serialize import dumps, from_jsonable, to_jsonable

texts = st.text(max_size=20)
metric_maps = st.dictionaries(
    st.text(min_size=1, max_size=12), st.floats(allow_nan=False, allow_infinity=False), max_size=5
)
functions = st.builds(
    FunctionComplexity,
    file=texts,
    name=texts,
    kind=st.sampled_from(["function", "method", "class"]),
    line=st.integers(1, 10_000),
    endline=st.integers(1, 10_000),
    cc=st.integers(1, 50),
    rank=st.sampled_from("ABCDEF"),
)
feedback = st.builds(
    FeedbackItem,
    category=st.sampled_from(["praise", "observed", "suggestion", "blocker"]),
    competency=st.none() | texts,
    text=st.lists(texts | st.builds(Code, texts), max_size=4).map(tuple),
    evidence=st.builds(
        Evidence, metric=st.none() | texts, value=st.none() | st.floats(allow_nan=False)
    ),
    next_step=st.none() | st.lists(texts | st.builds(Code, texts), max_size=3).map(tuple),
)
reports = st.builds(
    Report,
    tool_version=texts,
    generated_at=texts,
    repo=st.builds(RepoInfo, root=texts, commit=st.none() | texts),
    metrics=metric_maps,
    complexity=st.none()
    | st.builds(ComplexityDetails, functions=st.lists(functions, max_size=3).map(tuple)),
    feedback=st.lists(feedback, max_size=3).map(tuple),
    evaluation=st.none() | st.builds(Evaluation, verdict=st.sampled_from(["pass", "fail", "warn"])),
)


@given(reports)
def test_report_round_trips_through_json(report: Report) -> None:
    data = json.loads(dumps(report))
    assert from_jsonable(Report, data) == report


def test_code_parts_serialise_distinctly_from_plain_text() -> None:
    item = FeedbackItem("suggestion", "clarity", ("Split ", Code("parse"), " in two"))
    assert to_jsonable(item)["text"] == ["Split ", {"code": "parse"}, " in two"]


def test_union_details_pick_the_right_type() -> None:
    lint = LintDetails(
        messages=(LintMessage("a.py", 1, 0, "x", "C0001", "convention", "m"),), statements=3
    )
    result = CollectorResult(name="lint", details=lint)
    assert from_jsonable(CollectorResult, to_jsonable(result)) == result


def test_bad_data_names_the_path() -> None:
    with pytest.raises(ValueError, match=r"\$\.metrics\.x"):
        from_jsonable(
            Report,
            {
                "tool_version": "1",
                "generated_at": "t",
                "repo": {"root": "."},
                "metrics": {"x": "high"},
            },
        )
