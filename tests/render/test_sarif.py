"""``lint.sarif`` is valid SARIF 2.1.0, deterministic, and carries hostile text safely.

No SARIF JSON schema is available offline, so :func:`assert_valid_sarif` checks by hand
the properties the 2.1.0 schema requires or constrains for what we emit.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from practicegrade.model import LintDetails, LintMessage, RepoInfo, Report
from practicegrade.render.sarif import FINGERPRINT_KEY, render_sarif

HOSTILE = "a | b `code` <!-- hidden --> @octocat #1\nsecond line\r\n\u202eevil\x00end"
LEVELS = {"none", "note", "warning", "error"}


def message(path: str = "src/app.py", line: int = 3, column: int = 4, **kw: Any) -> LintMessage:
    fields: dict[str, Any] = {
        "path": path,
        "line": line,
        "column": column,
        "symbol": "unused-variable",
        "msg_id": "W0612",
        "category": "warning",
        "message": "Unused variable 'x'",
        "obj": "main",
        "end_line": line,
        "end_column": column + 1,
        "fingerprint": "0123456789abcdef0123",
    }
    fields.update(kw)
    return LintMessage(**fields)


MESSAGES = (
    message(),
    message(
        line=1,
        column=0,
        symbol="missing-module-docstring",
        msg_id="C0114",
        category="convention",
        message="Missing module docstring",
        obj="",
        end_line=None,
        end_column=None,
        fingerprint="",
    ),
    message(
        path="src/odd dir/we|rd`#?.py",
        line=7,
        column=0,
        symbol="syntax-error",
        msg_id="E0001",
        category="error",
        message=HOSTILE,
        obj=HOSTILE,
    ),
    message(
        path="src/app.py",
        line=12,
        column=8,
        symbol="too-many-branches",
        msg_id="R0912",
        category="refactor",
        message="Too many branches (13/12)",
        obj="Cls.method",
        end_line=30,
        end_column=2,
    ),
    message(
        path=".pylintrc",
        line=0,
        column=0,
        symbol="unrecognized-option",
        msg_id="E0015",
        category="error",
        message="Unrecognized option found: x",
        obj="",
        end_line=None,
        end_column=None,
    ),
    message(
        path="src/fatal.py",
        line=1,
        column=0,
        symbol="astroid-error",
        msg_id="F0002",
        category="fatal",
        message="crash \ud800 surrogate",
        obj="",
    ),
)


def make_report(messages: tuple[LintMessage, ...] = MESSAGES, *, lint: bool = True) -> Report:
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00Z",
        repo=RepoInfo(root="/home/mentee/repo", commit="3f2a9c1e5b7d4a6f8e0c2b4d6f8a0c2e4b6d8f0a"),
        metrics={"lint.score": 7.5} if lint else {},
        unmeasured={} if lint else {"lint.score": "pylint did not finish within 900 s"},
        tools={"pylint": "4.1.4", "astroid": "4.3.4", "radon": "6.0.1"},
        lint=LintDetails(messages=messages, statements=40) if lint else None,
    )


def assert_valid_sarif(log: dict[str, Any]) -> None:
    """What the SARIF 2.1.0 schema requires of the objects we write."""
    assert log["version"] == "2.1.0"
    assert isinstance(log["$schema"], str)
    assert isinstance(log["runs"], list)
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str)
        assert driver["name"]
        rules = driver.get("rules", [])
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids)), "rule ids are unique"
        for rule in rules:
            assert isinstance(rule["id"], str)
            assert rule["defaultConfiguration"]["level"] in LEVELS
            assert urlsplit(rule["helpUri"]).scheme == "https"
        assert isinstance(run["conversion"]["tool"]["driver"]["name"], str)
        for invocation in run.get("invocations", []):
            assert isinstance(invocation["executionSuccessful"], bool)
            for note in invocation.get("toolExecutionNotifications", []):
                assert isinstance(note["message"]["text"], str)
        assert run["columnKind"] in {"utf16CodeUnits", "unicodeCodePoints"}
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str)
            assert result["message"]["text"]
            assert result["level"] in LEVELS
            assert 0 <= result["ruleIndex"] < len(rules)
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                artifact = physical["artifactLocation"]
                assert artifact["uriBaseId"] in run["originalUriBaseIds"]
                uri = artifact["uri"]
                # a relative URI reference: no scheme, no query/fragment, nothing to escape
                parts = urlsplit(uri)
                assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("",) * 4
                assert re.fullmatch(r"[A-Za-z0-9/%._~!$&'()*+,;=:@-]+", uri), uri
                region = physical.get("region")
                if region is not None:
                    assert region["startLine"] >= 1
                    assert region["startColumn"] >= 1
                    assert region.get("endLine", region["startLine"]) >= region["startLine"]
                    assert region.get("endColumn", 1) >= 1
            for value in result.get("partialFingerprints", {}).values():
                assert isinstance(value, str)


def parsed(report: Report) -> dict[str, Any]:
    text = render_sarif(report)
    text.encode("utf-8")  # always encodable: no lone surrogates survive
    log = json.loads(text)
    assert isinstance(log, dict)
    return log


def results_by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


# --------------------------------------------------------------------------- tests


def test_output_is_valid_sarif_with_one_result_per_message() -> None:
    log = parsed(make_report())
    assert_valid_sarif(log)
    run = log["runs"][0]
    assert len(run["results"]) == len(MESSAGES)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted({m.symbol for m in MESSAGES})


def test_tool_is_pylint_converted_by_practicegrade() -> None:
    run = parsed(make_report())["runs"][0]
    assert run["tool"]["driver"]["name"] == "pylint"
    assert run["tool"]["driver"]["version"] == "4.1.4"
    converter = run["conversion"]["tool"]["driver"]
    assert (converter["name"], converter["version"]) == ("practicegrade", "0.1.0")
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_levels_locations_and_one_based_columns() -> None:
    results = results_by_rule(parsed(make_report()))
    unused = results["unused-variable"]
    assert unused["level"] == "warning"
    assert unused["message"]["text"] == "Unused variable 'x'"
    physical = unused["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 6}
    assert unused["partialFingerprints"] == {FINGERPRINT_KEY: "0123456789abcdef0123"}
    assert unused["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "main"}]
    assert results["missing-module-docstring"]["level"] == "note"
    assert "partialFingerprints" not in results["missing-module-docstring"]
    assert results["too-many-branches"]["level"] == "note"
    assert results["too-many-branches"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 9,
        "endLine": 30,
        "endColumn": 3,
    }
    assert results["syntax-error"]["level"] == "error"
    assert results["astroid-error"]["level"] == "error"
    # a message about the configuration has a file but no line: no region
    config = results["unrecognized-option"]["locations"][0]["physicalLocation"]
    assert config == {"artifactLocation": {"uri": ".pylintrc", "uriBaseId": "%SRCROOT%"}}


def test_hostile_strings_stay_inert_text() -> None:
    text = render_sarif(make_report())
    assert "<!--" not in text
    assert "\u202e" not in text
    result = results_by_rule(json.loads(text))["syntax-error"]
    shown = result["message"]["text"]
    assert "a | b `code`" in shown
    assert "second line" in shown
    assert "\n" in shown
    assert "\r" not in shown
    assert "\x00" not in shown
    assert "\\u202eevil" in shown  # bidi override made visible
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("a | b")
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert "#" not in uri
    assert "?" not in uri
    assert " " not in uri
    assert "|" not in uri
    assert unquote(uri) == "src/odd dir/we|rd`#?.py"
    fatal = results_by_rule(json.loads(text))["astroid-error"]
    assert "\\ud800" in fatal["message"]["text"]


def test_output_is_deterministic_whatever_the_message_order() -> None:
    shuffled = list(MESSAGES)
    random.Random(7).shuffle(shuffled)
    assert tuple(shuffled) != MESSAGES
    first = render_sarif(make_report())
    assert render_sarif(make_report()) == first
    assert render_sarif(make_report(tuple(shuffled))) == first
    assert first.endswith("}\n")


def test_unmeasured_lint_is_an_unsuccessful_invocation_with_no_results() -> None:
    log = parsed(make_report(lint=False))
    assert_valid_sarif(log)
    run = log["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "did not finish" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_no_messages_is_a_clean_successful_run() -> None:
    log = parsed(make_report(()))
    assert_valid_sarif(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]
