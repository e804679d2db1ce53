"""``lint.sarif``: pylint's messages as SARIF 2.1.0, for code-scanning annotations.

Pure: a :class:`~practicegrade.model.Report` in, JSON text out, byte-identical for the
same report (results sorted, rules sorted, no timestamps, no absolute paths).

Mapping, following the SARIF 2.1.0 spec (OASIS, §3):

* one ``run``; ``tool.driver`` is pylint (its version from ``report.tools``), and
  ``conversion.tool`` names practicegrade, the converter that wrote the file (§3.22);
* one ``rule`` per pylint symbol (``ruleId`` = symbol, e.g. ``unused-import``), with its
  message id and a link to pylint's page for it;
* ``level``: fatal/error -> ``error``, warning -> ``warning``, refactor/convention/info
  -> ``note``;
* the location is the repository-relative path, percent-encoded as a URI reference
  against ``%SRCROOT%``; the region's columns are 1-based (pylint's are 0-based, so
  +1; ``endColumn`` is exclusive in both). pylint counts columns as the ``ast`` does,
  in UTF-8 bytes; on lines with non-ASCII text before the message the column is an
  approximation. Messages with no line (about the configuration) get no region;
* ``partialFingerprints`` carries our line-shift-stable fingerprint.

bandit's results, when the report has them, are a second ``run`` whose driver is bandit:
one rule per test id (help: why it matters and the safe alternative, from
:mod:`practicegrade.security_advice`), ``level`` from the severity (high -> ``error``,
medium -> ``warning``, low -> ``note``), and the tags code-scanning services read:
``security``, ``external/cwe/cwe-<id>``, and a ``security-severity`` score on the rule
(high 7.5, medium 5.0, low 2.0).

Every learner string (paths, messages, ``obj``) goes through
:func:`~practicegrade.render.escape.neutralise` (controls and bidi/zero-width characters
made visible, ``<!--`` defused), and lone surrogates become visible escapes so the
text is always valid UTF-8. JSON escaping does the rest.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from practicegrade.model import LintMessage, Report, SecurityIssue
from practicegrade.render.escape import neutralise
from practicegrade.security_advice import advice_for, bandit_doc_url

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
PYLINT_URI = "https://pylint.readthedocs.io/"
PRACTICEGRADE_URI = "https://pypi.org/project/practicegrade/"
FINGERPRINT_KEY = "practicegrade/v1"
SRCROOT = "%SRCROOT%"

LEVELS = {
    "fatal": "error",
    "error": "error",
    "warning": "warning",
    "refactor": "note",
    "convention": "note",
    "info": "note",
}

_SURROGATE = re.compile("[\ud800-\udfff]")
BANDIT_URI = "https://bandit.readthedocs.io/"
SECURITY_LEVELS = {"high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"high": "7.5", "medium": "5.0", "low": "2.0"}


def _text(s: str) -> str:
    """A learner string made safe to show (multi-line text keeps its newlines)."""
    cleaned = neutralise(s, keep_newlines=True)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", cleaned)


def _uri(path: str) -> str:
    """A relative URI reference for a repository path (``a b.py`` -> ``a%20b.py``)."""
    cleaned = _SURROGATE.sub("\ufffd", path.replace("\\", "/"))
    return quote(cleaned.lstrip("/"), safe="/-._~")


def _sort_key(m: LintMessage) -> tuple[str, int, int, str, str, str]:
    return (m.path, m.line, m.column, m.symbol, m.message, m.obj)


def _rule(symbol: str, messages: list[LintMessage]) -> dict[str, Any]:
    first = messages[0]
    return {
        "id": _text(symbol),
        "name": _text(symbol),
        "shortDescription": {"text": _text(f"{first.msg_id} {symbol}")},
        "helpUri": f"{PYLINT_URI}en/stable/user_guide/messages/{quote(first.category)}/"
        f"{quote(symbol)}.html",
        "defaultConfiguration": {"level": LEVELS.get(first.category, "note")},
        "properties": {"msgId": _text(first.msg_id), "category": first.category},
    }


def _region(m: LintMessage) -> dict[str, int] | None:
    if m.line < 1:
        return None
    region = {"startLine": m.line, "startColumn": max(m.column, 0) + 1}
    if m.end_line is not None and m.end_line >= m.line:
        region["endLine"] = m.end_line
        if m.end_column is not None and m.end_column >= 0:
            end = m.end_column + 1
            if m.end_line > m.line or end >= region["startColumn"]:
                region["endColumn"] = end
    return region


def _result(m: LintMessage, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(m.path), "uriBaseId": SRCROOT}}
    region = _region(m)
    if region is not None:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if m.obj:
        location["logicalLocations"] = [{"fullyQualifiedName": _text(m.obj)}]
    result: dict[str, Any] = {
        "ruleId": _text(m.symbol),
        "ruleIndex": rule_index,
        "level": LEVELS.get(m.category, "note"),
        "message": {"text": _text(m.message) or _text(m.symbol)},
        "locations": [location],
    }
    if m.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: m.fingerprint}
    return result


def _invocation(report: Report) -> dict[str, Any]:
    measured = report.lint is not None
    invocation: dict[str, Any] = {"executionSuccessful": measured}
    reason = report.unmeasured.get("lint.score")
    if not measured and reason:
        notification = {"level": "error", "message": {"text": _text(reason)}}
        invocation["toolExecutionNotifications"] = [notification]
    return invocation


def _security_tags(issue: SecurityIssue) -> list[str]:
    tags = ["security"]
    if issue.cwe:
        tags.append(f"external/cwe/cwe-{issue.cwe}")
    return tags


def _security_rule(issue: SecurityIssue) -> dict[str, Any]:
    advice = advice_for(issue.test_id)
    help_text = f"{advice.why[:1].upper()}{advice.why[1:]}. Instead: {advice.instead}."
    return {
        "id": _text(issue.test_id),
        "name": _text(issue.test_name),
        "shortDescription": {"text": _text(f"{issue.test_id} {issue.test_name}")},
        "help": {"text": help_text},
        "helpUri": bandit_doc_url(issue),
        "defaultConfiguration": {"level": SECURITY_LEVELS[issue.severity]},
        "properties": {
            "tags": _security_tags(issue),
            "security-severity": SECURITY_SEVERITY[issue.severity],
        },
    }


def _security_result(issue: SecurityIssue, rule_index: int) -> dict[str, Any]:
    region = {"startLine": max(issue.line, 1), "startColumn": max(issue.column, 0) + 1}
    physical = {
        "artifactLocation": {"uri": _uri(issue.file), "uriBaseId": SRCROOT},
        "region": region,
    }
    result: dict[str, Any] = {
        "ruleId": _text(issue.test_id),
        "ruleIndex": rule_index,
        "level": SECURITY_LEVELS[issue.severity],
        "message": {"text": _text(issue.message) or _text(issue.test_id)},
        "locations": [{"physicalLocation": physical}],
        "properties": {
            "tags": _security_tags(issue),
            "severity": issue.severity,
            "confidence": issue.confidence,
        },
    }
    if issue.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: issue.fingerprint}
    return result


def _security_run(report: Report) -> dict[str, Any] | None:
    """bandit's results as their own run, or ``None`` when bandit did not run."""
    if report.security is None:
        return None
    issues = sorted(report.security.issues, key=lambda i: (i.file, i.line, i.column, i.test_id))
    rules: dict[str, SecurityIssue] = {}
    for issue in issues:
        rules.setdefault(issue.test_id, issue)
    ids = sorted(rules)
    index = {t: i for i, t in enumerate(ids)}
    driver: dict[str, Any] = {"name": "bandit", "informationUri": BANDIT_URI}
    if report.tools.get("bandit"):
        driver["version"] = report.tools["bandit"]
    driver["rules"] = [_security_rule(rules[t]) for t in ids]
    return {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": "security.high" in report.metrics}],
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_security_result(i, index[i.test_id]) for i in issues],
    }


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF log as plain JSON values (what :func:`render_sarif` serializes)."""
    messages = sorted(report.lint.messages if report.lint else (), key=_sort_key)
    by_symbol: dict[str, list[LintMessage]] = {}
    for m in messages:
        by_symbol.setdefault(m.symbol, []).append(m)
    symbols = sorted(by_symbol)
    index = {s: i for i, s in enumerate(symbols)}
    driver: dict[str, Any] = {"name": "pylint", "informationUri": PYLINT_URI}
    if report.tools.get("pylint"):
        driver["version"] = report.tools["pylint"]
    driver["rules"] = [_rule(s, by_symbol[s]) for s in symbols]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "conversion": {
            "tool": {
                "driver": {
                    "name": "practicegrade",
                    "version": report.tool_version,
                    "informationUri": PRACTICEGRADE_URI,
                }
            }
        },
        "invocations": [_invocation(report)],
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The repository root."}}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(m, index[m.symbol]) for m in messages],
    }
    if report.repo.commit:
        # versionControlProvenance would need the repository URI, which we do not know.
        run["properties"] = {"commit": _text(report.repo.commit)}
    security = _security_run(report)
    runs = [run] if security is None else [run, security]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def render_sarif(report: Report) -> str:
    """``lint.sarif`` text: deterministic, indented, ending with a newline."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
