"""report.json and its published JSON Schema (draft 2020-12).

The schema is generated from the dataclasses in :mod:`practicegrade.model` by
:func:`report_schema` below and checked in as ``src/practicegrade/schema/report.schema.json``;
a change to the model makes :func:`test_published_schema_matches_the_model` fail until the
file is regenerated with ``PRACTICEGRADE_UPDATE_GOLDEN=1`` (see ``tests/golden/README.md``).
Real reports, from the fixtures and from a real ``grade`` run, must validate against it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import jsonschema  # type: ignore[import-untyped]
import pytest

from practicegrade import model, serialize
from practicegrade.grade import GradeRequest, grade
from practicegrade.render.jsonreport import load_schema, render_json
from tests.helpers import reports
from tests.helpers.repos import SAMPLE_PROJECT, init_repo

from .conftest import UPDATE_ENV, GoldenCheck

SCHEMA_PATH = Path(model.__file__).parent / "schema" / "report.schema.json"
SCHEMA_ID = "https://practicegrade.invalid/schema/report/1"  # an identifier, never fetched

TOP_LEVEL_DOCS = {
    "schema": "Version of this format; readers must check it.",
    "tool_version": "The practicegrade version that wrote the report.",
    "generated_at": "ISO 8601 UTC time of grading.",
    "repo": "The graded repository and commit.",
    "metrics": "Flat object: metric key (e.g. coverage.line_pct) -> number. A metric that "
    "could not be measured is absent here and listed under unmeasured.",
    "unmeasured": "Metric key -> the reason it could not be measured.",
    "tools": "Tool name -> the version that produced the numbers.",
    "config_file": "The competence model file used; null for the built-in default.",
    "comparison": "Head against base; null on a first run or without a base.",
    "evaluation": "The competence model's verdict, competencies and milestones.",
    "feedback": "Praise, observations, suggestions (with next steps) and blockers.",
}


# --------------------------------------------------------------------------- the generator


def _schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        options = [_schema_for(a, defs) for a in get_args(tp)]
        return {"anyOf": options}
    if origin is typing.Literal:
        return {"enum": list(get_args(tp))}
    if tp is type(None):
        return {"type": "null"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is object or tp is Any:
        return {}
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": _schema_for(args[0], defs)}
        return {
            "type": "array",
            "prefixItems": [_schema_for(a, defs) for a in args],
            "minItems": len(args),
            "items": False,
        }
    if origin in (Mapping, dict):
        _, value = get_args(tp)
        return {"type": "object", "additionalProperties": _schema_for(value, defs)}
    if tp is model.Code:  # serialize writes a learner string in prose as {"code": ...}
        defs["Code"] = {
            "type": "object",
            "description": "A learner-controlled string inside our prose; render it escaped.",
            "properties": {"code": {"type": "string"}},
            "required": ["code"],
            "additionalProperties": False,
        }
        return {"$ref": "#/$defs/Code"}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema mapping for {tp!r}")


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    schema: dict[str, Any] = {"type": "object"}
    doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    if doc and not doc.startswith(cls.__name__ + "("):
        schema["description"] = doc
    schema["properties"] = {f.name: _schema_for(hints[f.name], defs) for f in fields}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json``, derived from the model's type hints."""
    defs: dict[str, Any] = {}
    root = _object_schema(model.Report, defs)
    root["properties"]["schema"] = {"const": model.SCHEMA_VERSION}
    root["required"] = sorted({*root["required"], "schema"}, key=list(root["properties"]).index)
    for key, text in TOP_LEVEL_DOCS.items():
        root["properties"][key] = {"description": text, **root["properties"][key]}
    root["description"] = (
        "The graded result of one commit: measurements, the competence model's evaluation "
        "and feedback; every other artifact is rendered from it. "
        "Generated from practicegrade.model."
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "practicegrade report.json",
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- tests


def test_published_schema_matches_the_model() -> None:
    expected = schema_text()
    if os.environ.get(UPDATE_ENV) == "1":
        SCHEMA_PATH.write_text(expected, encoding="utf-8")
    actual = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert actual == expected, (
        f"{SCHEMA_PATH} is out of date with practicegrade.model; regenerate it with "
        f"{UPDATE_ENV}=1 .venv/bin/pytest tests/render/test_jsonreport.py and review the diff"
    )


def test_schema_is_valid_draft_2020_12_and_packaged() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == 1
    assert schema["properties"]["metrics"]["additionalProperties"] == {"type": "number"}
    assert schema["properties"]["unmeasured"]["additionalProperties"] == {"type": "string"}


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


@pytest.mark.parametrize("name", sorted(reports.ALL))
def test_fixture_reports_validate(name: str) -> None:
    data = json.loads(render_json(reports.ALL[name]()))
    errors = sorted(validator().iter_errors(data), key=str)
    assert not errors, errors[:3]


def test_huge_report_validates() -> None:
    validator().validate(json.loads(render_json(reports.huge(n_files=300, message_chars=100_000))))


def test_schema_rejects_what_readers_reject() -> None:
    good = json.loads(render_json(reports.passing()))
    v = validator()
    for broken in (
        {**good, "schema": 2},
        {**good, "metrics": {"coverage.line_pct": "87.5"}},
        {**good, "unexpected": 1},
        {k: v for k, v in good.items() if k != "repo"},
        {**good, "evaluation": {**good["evaluation"], "verdict": "maybe"}},
    ):
        assert not v.is_valid(broken)


def test_render_json_round_trips(golden: GoldenCheck) -> None:
    r = reports.failing_gate()
    text = render_json(r)
    assert text.endswith("}\n")
    assert serialize.from_jsonable(model.Report, json.loads(text)) == r
    assert json.loads(text)["schema"] == 1
    golden("report-failing_gate.json", text)


def test_metrics_is_flat_and_unmeasured_separate() -> None:
    data = json.loads(render_json(reports.first_run()))
    assert data["metrics"]["coverage.line_pct"] == 55.0
    assert "coverage.branch_pct" not in data["metrics"]
    assert data["unmeasured"]["coverage.branch_pct"] == "branch coverage not enabled"


@pytest.mark.slow
def test_a_real_grade_validates(tmp_path: Path) -> None:
    """Grade a real project (real radon, pylint, pytest, coverage) and validate report.json."""
    repo = init_repo(tmp_path / "proj", SAMPLE_PROJECT)
    now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
    outcome = grade(GradeRequest(path=repo, now=now, out_dir=tmp_path / "out", run_bench=False,
                                 use_cache=False, write_note=False))  # fmt: skip
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    validator().validate(data)
    assert data["metrics"] == dict(outcome.report.metrics)
    assert data["metrics"]["tests.passed"] >= 1
