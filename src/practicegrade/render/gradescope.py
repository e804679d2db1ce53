"""``gradescope.json``: the report in Gradescope's autograder ``results.json`` format.

Copy it to ``/autograder/results/results.json`` in a Gradescope autograder (or feed it
to any grader that reads the same format, such as GitHub Classroom bridges). Shape
(Gradescope "Autograder Specifications"):

``score``
    The total: the sum of the test scores below.
``output`` / ``output_format``
    The verdict, failed gates and next steps as plain ``text`` (never Markdown or HTML,
    so learner strings cannot inject markup into the grader's page).
``tests``
    One entry per competency in the competence model: ``max_score`` is ``10 × weight``,
    ``score`` is ``max_score × progress`` where progress is ``1 − distance`` to target
    (so a competency at target earns full marks, and the score moves smoothly as the
    mentee improves), ``status`` is ``passed`` only when every criterion is at target,
    and ``output`` lists each criterion with its value, target and gate. A failed gate
    does not zero the score (the gate is the floor that fails CI), but its test fails
    and says so.

    Without a competence model evaluation, each test case the tests collector ran is one
    entry worth one point (skipped tests are worth zero), so the score is the number of
    passing tests.
``extra_data.practicegrade``
    The verdict, commit and report schema version, for tooling.
"""

from __future__ import annotations

import json
import math
from typing import Any

from practicegrade.model import CompetencyResult, Report, TestCase, plain
from practicegrade.render.common import (
    failed_gates,
    fmt_value,
    lead_steps,
    progress,
    short_sha,
    verdict_title,
)
from practicegrade.render.escape import visible

POINTS_PER_COMPETENCY = 10.0
_MAX_TESTS = 1000


def _points(x: float) -> float:
    return round(x, 2) if math.isfinite(x) else 0.0


def _competency_test(n: int, c: CompetencyResult) -> dict[str, Any]:
    weight = c.weight if math.isfinite(c.weight) and c.weight > 0 else 1.0
    max_score = _points(POINTS_PER_COMPETENCY * weight)
    lines = [visible(c.why, 300)] if c.why else []
    for cr in c.criteria[:50]:
        aim = ", ".join(
            f"{word} {visible(expr, 40)}"
            for word, expr in (("target", cr.target), ("gate", cr.gate))
            if expr
        )
        flag = " - GATE FAILED" if cr.gate_failed else ""
        lines.append(
            f"{visible(cr.metric, 80)}: {fmt_value(cr.metric, cr.value)} ({aim}) {cr.status}{flag}"
        )
    return {
        "name": f"{visible(c.title, 120)} ({visible(c.id, 60)})",
        "number": str(n),
        "score": _points(max_score * progress(c.distance)),
        "max_score": max_score,
        "status": "passed" if c.status == "met" else "failed",
        "output": "\n".join(lines),
        "output_format": "text",
        "tags": [visible(c.id, 60)],
        "visibility": "visible",
    }


def _case_test(n: int, case: TestCase) -> dict[str, Any]:
    worth = 0.0 if case.outcome == "skipped" else 1.0
    return {
        "name": visible(case.nodeid, 300),
        "number": str(n),
        "score": worth if case.outcome == "passed" else 0.0,
        "max_score": worth,
        "status": "failed" if case.outcome in ("failed", "error") else "passed",
        "output": visible(case.message or "", 2000),
        "output_format": "text",
        "visibility": "visible",
    }


def _output(report: Report) -> str:
    """The submission-level text: verdict, failed gates, then up to three next steps."""
    ev = report.evaluation
    lines = [f"practicegrade: {verdict_title(ev)}" if ev else "practicegrade: measured"]
    for _, cr in failed_gates(ev)[:10]:
        lines.append(
            f"- gate failed: {visible(cr.metric, 80)} is {fmt_value(cr.metric, cr.value)}"
            f" (gate {visible(cr.gate or '', 40)})"
        )
    steps, _ = lead_steps(report)
    if steps:
        lines.append("Next steps:")
        for n, item in enumerate(steps, 1):
            lines.append(f"{n}. {visible(plain(item.next_step or item.text), 400)}")
    return "\n".join(lines)


def results(report: Report) -> dict[str, Any]:
    """The ``results.json`` object for ``report`` (see the module docstring)."""
    ev = report.evaluation
    if ev is not None and ev.competencies:
        tests = [_competency_test(n, c) for n, c in enumerate(ev.competencies[:_MAX_TESTS], 1)]
    else:
        cases = report.tests.cases if report.tests else ()
        tests = [_case_test(n, c) for n, c in enumerate(cases[:_MAX_TESTS], 1)]
    return {
        "score": _points(sum(t["score"] for t in tests)),
        "output": _output(report),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "practicegrade": {
                "verdict": ev.verdict if ev else None,
                "commit": short_sha(report.repo.commit, 40) or None,
                "schema": report.schema,
                "tool_version": visible(report.tool_version, 40),
            }
        },
    }


def render_gradescope(report: Report) -> str:
    """``gradescope.json`` text: deterministic, valid JSON (never ``NaN``)."""
    return json.dumps(results(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
