"""CI's own record of the default branch: what CI measured, kept for the next PR's base.

The CI job on the default branch (ci/github/practicegrade-record.yml) grades each merged
commit with ``grade --source ci --record`` and keeps the whole report in one note on
:data:`RECORD_REF`, next to the mentee's history. A pull request whose base is such a
commit then compares with that report instead of grading the base again, so a PR grade
costs about what a grade without a base costs.

Trust model. The record is as trustworthy as write access to the repository: the
notes ref is pushed by the default branch's job, which runs reviewed code with
``contents: write`` in that job only; a pull request (fork or not) never gets a token
that can push it. A collaborator with push access could push a forged record, as they
could push to any unprotected ref; such a record can change the *comparison* (deltas,
``ratchet: base``), never the head's own measurements, and it is accepted only when it
was made for the same tree with the same tool versions, configuration and options
(:attr:`practicegrade.grade.Keys.note_key`) and rebuilds into the typed report (every
value of the right type, no unknown key). Where that is
not enough, pass ``--no-reuse-base`` (the action's ``reuse-base: false``) and the base
is graded again. The record is read before any learner code runs (the head's tests
run after it is loaded), so the code under review cannot rewrite it mid-grade.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from practicegrade.errors import PracticegradeError

if TYPE_CHECKING:
    from pathlib import Path

    from practicegrade.model import CollectorResult, Report

RECORD_REF = "refs/notes/practicegrade-ci"
RECORD_VERSION = 1
MAX_RECORD_BYTES = 8 * 1024 * 1024
COMPARISON_ONLY = ("coverage.patch_pct",)
"""Metrics that exist only against a base: never carried over from a record."""


def encode(report: Report, *, tree: str, key: str) -> str:
    """The note text: one compact JSON object holding the report and what it is valid for."""
    from practicegrade.serialize import to_jsonable  # noqa: PLC0415

    record = {"v": RECORD_VERSION, "tree": tree, "key": key, "report": to_jsonable(report)}
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"


def decode(text: str | None, *, tree: str, key: str) -> Report | None:
    """The recorded report when ``text`` is a record for ``tree`` and ``key``, else ``None``.

    Anything else (no note, another version, another tree or key, a report that fails
    the schema) is simply not a usable record: the base is graded as before.
    """
    from practicegrade.reportfile import report_from_value  # noqa: PLC0415

    if not text or len(text) > MAX_RECORD_BYTES:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("v") != RECORD_VERSION:
        return None
    if record.get("tree") != tree or record.get("key") != key:
        return None
    try:
        report = report_from_value(record.get("report"), RECORD_REF, schema=False)
    except PracticegradeError:
        return None
    return report if report.repo.tree in (None, tree) else None


def write(repo: Path, commit: str, report: Report, *, tree: str, key: str) -> list[str]:
    """Record ``report`` for ``commit``; a failure is a warning, never a failed grade."""
    from practicegrade import gitrepo  # noqa: PLC0415

    text = encode(report, tree=tree, key=key)
    if len(text) > MAX_RECORD_BYTES:
        return [f"the report is over {MAX_RECORD_BYTES} bytes: not recorded in {RECORD_REF}"]
    try:
        gitrepo.note_write(repo, commit, text, RECORD_REF)
    except PracticegradeError as exc:
        return [f"this grade was not recorded in {RECORD_REF}: {exc.message}"]
    return []


def read(repo: Path, commit: str, *, tree: str, key: str) -> Report | None:
    from practicegrade import gitrepo  # noqa: PLC0415

    return decode(gitrepo.note_show(repo, commit, RECORD_REF), tree=tree, key=key)


def _comparison_only(key: str) -> bool:
    return key in COMPARISON_ONLY or key.endswith(".ratio_vs_base")


def as_results(report: Report) -> tuple[CollectorResult, ...]:
    """The recorded report as collector results, as :func:`practicegrade.grade.grade_base`
    would have measured them: details for the comparison, metrics for the deltas."""
    from practicegrade.model import CollectorResult  # noqa: PLC0415

    metrics = {k: v for k, v in report.metrics.items() if not _comparison_only(k)}
    unmeasured = {k: v for k, v in report.unmeasured.items() if not _comparison_only(k)}
    tools = {k: v for k, v in report.tools.items() if k != "practicegrade"}
    return (
        CollectorResult(name="complexity", details=report.complexity),
        CollectorResult(name="lint", details=report.lint),
        CollectorResult(name="tests", details=report.tests),
        CollectorResult(
            name="recorded",
            metrics=metrics,
            unmeasured=unmeasured,
            tool_versions=tools,
            findings=report.findings,
        ),
    )
