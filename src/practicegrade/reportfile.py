"""Reading a ``report.json`` we did not just write: size cap, schema, typed rebuild.

A report read back (a CI artifact in ``practicegrade comment``, a CI record of the base
commit in ``grade``) crossed a trust boundary, so it is validated against the packaged
JSON Schema (draft 2020-12) before :func:`practicegrade.serialize.from_jsonable` rebuilds
the dataclasses; a report that fails is refused with the path of the first problem.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from practicegrade.errors import UsageError

if TYPE_CHECKING:
    from practicegrade.model import Report

MAX_REPORT_BYTES = 32 * 1024 * 1024
_HINT = "use the report.json that `practicegrade grade` wrote for this commit"


def parse_report(data: bytes, where: str, *, schema: bool = True) -> Report:
    """Validate ``data`` against the packaged schema and rebuild the :class:`Report`.

    Raises :class:`~practicegrade.errors.UsageError` naming ``where`` and the first
    problem: too large, not JSON, off-schema, or not rebuildable. ``schema=False`` skips
    the JSON Schema pass and relies on the typed rebuild alone, which is as strict about
    types (every value must fit its dataclass field; unknown keys are refused) and
    costs a tenth of the time: for CI's record, read on every pull request grade.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise UsageError(f"{where} is larger than {MAX_REPORT_BYTES} bytes", hint=_HINT)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{where} is not JSON: {exc}", hint=_HINT) from exc
    return report_from_value(value, where, schema=schema)


def report_from_value(value: Any, where: str, *, schema: bool = True) -> Report:
    """:func:`parse_report` for JSON already parsed."""
    from practicegrade.model import Report  # noqa: PLC0415
    from practicegrade.render.jsonreport import load_schema  # noqa: PLC0415
    from practicegrade.serialize import from_jsonable  # noqa: PLC0415

    if schema:
        import jsonschema  # noqa: PLC0415

        validator = jsonschema.Draft202012Validator(load_schema())
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
        if error is not None:
            path = "$" + "".join(f"[{p!r}]" for p in error.absolute_path)
            raise UsageError(
                f"{where} does not match the report schema at {path}: {error.message[:200]}",
                hint=_HINT,
            )
    try:
        return from_jsonable(Report, value)
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{where} is not a practicegrade report: {exc}", hint=_HINT) from exc
