"""``junit.xml``: parses as XML, counts match the report, names split as pytest splits them.

Names and messages are the learner's: every hostile string survives, either intact or
(for characters XML 1.0 cannot hold) as a visible escape, and the document still parses.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from practicegrade.model import Finding, RepoInfo, Report, TestCase, TestDetails
from practicegrade.render.junit import render_junit, split_nodeid, xml_safe
from tests.helpers.reports import HOSTILE_STRINGS, hostile, passing
from tests.helpers.repos import write_files


def _report(
    cases: tuple[TestCase, ...], findings: tuple[Finding, ...] = (), **metrics: float
) -> Report:
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-01T12:00:00+00:00",
        repo=RepoInfo(root="/repo"),
        metrics={k.replace("__", "."): v for k, v in metrics.items()},
        tests=TestDetails(cases=cases),
        findings=findings,
    )


CASES = (
    TestCase("tests/test_ops.py::test_add", "passed", 0.0012),
    TestCase(
        "tests/test_ops.py::TestX::test_fail", "failed", 0.5, "AssertionError: 1 == 2\n  more"
    ),
    TestCase("tests/test_ops.py::test_setup", "error", 0.01, "RuntimeError: setup boom"),
    TestCase("tests/test_ops.py::test_skip", "skipped", 0.0, "Skipped: later"),
    TestCase("tests/test_ops.py::test_xfail", "skipped", 0.0, "xfail: known"),
    TestCase("tests/sub/test_p.py::test_p[a::b-1]", "passed", 0.2),
)


def _suite(xml: str) -> ET.Element:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "practicegrade"
    return suite


def test_counts_and_elements_match_the_report() -> None:
    xml = render_junit(_report(CASES, tests__duration_s=1.25))
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    suite = _suite(xml)
    assert suite.attrib["tests"] == "6"
    assert suite.attrib["failures"] == "1"
    assert suite.attrib["errors"] == "1"
    assert suite.attrib["skipped"] == "2"
    assert suite.attrib["time"] == "1.250"
    assert suite.attrib["timestamp"] == "2026-11-01T12:00:00+00:00"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("tests.test_ops", "test_add"),
        ("tests.test_ops.TestX", "test_fail"),
        ("tests.test_ops", "test_setup"),
        ("tests.test_ops", "test_skip"),
        ("tests.test_ops", "test_xfail"),
        ("tests.sub.test_p", "test_p[a::b-1]"),
    ]
    assert cases[0].get("time") == "0.001"
    assert list(cases[0]) == []
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "AssertionError: 1 == 2"
    assert failure.text == "AssertionError: 1 == 2\n  more"
    error = cases[2].find("error")
    assert error is not None
    assert error.get("message") == "RuntimeError: setup boom"
    skipped = cases[4].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "xfail: known"
    assert cases[1].get("file") == "tests/test_ops.py"


def test_collection_errors_become_errored_cases_as_in_pytest() -> None:
    finding = Finding(
        "collection-error", "E   ModuleNotFoundError: x", "tests/test_b.py", None, "tests"
    )
    other = Finding("timeout", "slow", "tests/test_c.py", None, "tests")
    suite = _suite(render_junit(_report((), (finding, other))))
    assert suite.attrib["tests"] == "1"
    assert suite.attrib["errors"] == "1"
    (case,) = suite.findall("testcase")
    assert (case.get("classname"), case.get("name")) == ("", "tests.test_b")
    error = case.find("error")
    assert error is not None
    assert error.text == "collection failure: E   ModuleNotFoundError: x"


def test_no_tests_is_an_empty_suite() -> None:
    report = replace(passing(), tests=None, findings=(), metrics={})
    suite = _suite(render_junit(report))
    assert suite.attrib["tests"] == "0"
    assert suite.findall("testcase") == []


def test_xml_safe_replaces_only_what_xml_forbids() -> None:
    assert xml_safe("a\x00b\x1b[31m\ud800\ufffe\tok\n") == "a\\x00b\\x1b[31m\\ud800\\ufffe\tok\n"
    kept = "evil\u202etxt ]]> <b>&amp; \"q\" 'a' \U0001f600"
    assert xml_safe(kept) == kept


@pytest.mark.parametrize("text", [*HOSTILE_STRINGS, "]]>", "a]]>b<![CDATA[c", "\x0b\x0c\x7f\x85"])
def test_hostile_names_and_messages_survive(text: str) -> None:
    nodeid = f"tests/test_h.py::test_{text}"
    case = TestCase(nodeid, "failed", 0.1, f"{text}\nsecond {text}")
    suite = _suite(render_junit(_report((case,))))
    (element,) = suite.findall("testcase")
    classname, name = split_nodeid(nodeid)
    assert element.get("name") == xml_safe(name)
    assert element.get("classname") == xml_safe(classname)
    failure = element.find("failure")
    assert failure is not None
    safe = xml_safe(f"{text}\nsecond {text}")
    assert (failure.text or "") == safe.replace("\r\n", "\n").replace("\r", "\n")
    if xml_safe(text) == text and "\r" not in text:
        assert element.get("name") == name  # nothing to escape: intact


def test_the_hostile_report_fixture_renders_and_parses() -> None:
    report = hostile()
    suite = _suite(render_junit(report))
    assert report.tests is not None
    assert int(suite.attrib["tests"]) == len(report.tests.cases) + sum(
        1
        for f in report.findings
        if f.kind == "collection-error" and f.collector in (None, "tests")
    )


def test_classname_and_name_equal_pytests_own_junit_xml(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "tests/sub/test_names.py": """
            import pytest


            class TestThing:
                def test_method(self):
                    pass

                @pytest.mark.parametrize("x", ["a::b", "c/d.py", "e[f]", "g.h"])
                def test_param(self, x):
                    pass


            def test_plain():
                pass
        """,
        },
    )
    out = tmp_path / "pytest.xml"
    run = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests"]
    subprocess.run([*run, f"--junitxml={out}"], cwd=tmp_path, check=True, capture_output=True)
    listed = subprocess.run(
        [*run, "--collect-only"], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout
    nodeids = [line for line in listed.splitlines() if "::" in line]
    theirs = [(c.get("classname"), c.get("name")) for c in ET.parse(out).iter("testcase")]
    cases = tuple(TestCase(n, "passed", 0.0) for n in nodeids)
    ours = [
        (c.get("classname"), c.get("name"))
        for c in _suite(render_junit(_report(cases))).iter("testcase")
    ]
    assert len(theirs) == 6
    assert ours == theirs
