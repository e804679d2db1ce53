"""``report.json``: the source of truth every other artifact is rendered from.

It is :func:`practicegrade.serialize.dumps` of the :class:`~practicegrade.model.Report`
(so :func:`practicegrade.serialize.from_jsonable` reads it back exactly), versioned by
its top-level ``"schema": 1`` and described by the JSON Schema published in the package
as ``practicegrade/schema/report.schema.json`` (draft 2020-12). Top-level ``metrics`` is a
flat object of metric key to number; a metric that could not be measured is absent
from it and listed with its reason under ``unmeasured``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from practicegrade import serialize
from practicegrade.model import Report

SCHEMA_RESOURCE = "report.schema.json"


def render_json(report: Report) -> str:
    """The ``report.json`` text: deterministic, two-space indented, UTF-8, newline-terminated."""
    return serialize.dumps(report) + "\n"


def load_schema() -> dict[str, Any]:
    """The published JSON Schema for ``report.json``."""
    path = resources.files("practicegrade").joinpath("schema", SCHEMA_RESOURCE)
    text = path.read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
