"""``junit.xml``: the test results in the JUnit XML that CI test UIs read.

Pure: a :class:`~practicegrade.model.Report` in, XML text out. The layout follows
pytest's own ``--junitxml`` (``<testsuites>`` around one ``<testsuite>``, here named
``practicegrade``; ``classname``/``name`` split from the node id the way pytest's
``mangle_test_address`` does), so tools that read pytest's file read ours.

Every string in it is the learner's (node ids, failure messages), so all of it goes
through :func:`xml_safe` and the ElementTree serializer: characters XML 1.0 cannot hold
(NUL, escape sequences, lone surrogates, U+FFFE/U+FFFF) become visible ``\\xNN`` /
``\\uNNNN`` text, and ``&``, ``<``, ``>``, quotes and newlines in attributes are escaped
by the serializer. ``]]>`` needs nothing more, as no CDATA section is ever written.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from practicegrade.model import Finding, Report, TestCase

SUITE_NAME = "practicegrade"
MESSAGE_ATTR_CAP = 300

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by a visible escape."""
    return _INVALID_XML.sub(_visible, text)


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """``(classname, name)`` from a pytest node id, as pytest's JUnit XML writes them.

    ``tests/test_ops.py::TestX::test_y[a::b]`` -> ``("tests.test_ops.TestX", "test_y[a::b]")``:
    the parameter part is set aside first so a ``::`` inside it does not split.
    """
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= MESSAGE_ATTR_CAP else line[: MESSAGE_ATTR_CAP - 1] + "…"


def _testcase(parent: ET.Element, case: TestCase) -> None:
    classname, name = split_nodeid(case.nodeid)
    element = ET.SubElement(
        parent,
        "testcase",
        {
            "classname": xml_safe(classname),
            "name": xml_safe(name),
            "file": xml_safe(case.nodeid.split("::")[0]),
            "time": f"{max(case.duration_s, 0.0):.3f}",
        },
    )
    message = case.message or ""
    tag = {"failed": "failure", "error": "error", "skipped": "skipped"}.get(case.outcome)
    if tag is None:
        return
    child = ET.SubElement(element, tag, {"message": xml_safe(_first_line(message))})
    if tag != "skipped" and message:
        child.text = xml_safe(message)


def _collection_errors(findings: Iterable[Finding]) -> list[TestCase]:
    """Modules that failed to import: pytest lists them as errored test cases too."""
    return [
        TestCase(f.file or "collection", "error", 0.0, f"collection failure: {f.message}")
        for f in findings
        if f.kind == "collection-error" and f.collector in (None, "tests")
    ]


def render_junit(report: Report) -> str:
    """The JUnit XML document for ``report.tests`` (an empty suite when tests did not run)."""
    cases = [*(report.tests.cases if report.tests else ()), *_collection_errors(report.findings)]
    counts = {o: sum(1 for c in cases if c.outcome == o) for o in ("failed", "error", "skipped")}
    duration = report.metrics.get("tests.duration_s", sum(c.duration_s for c in cases))
    totals = {
        "tests": str(len(cases)),
        "failures": str(counts["failed"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"]),
        "time": f"{max(duration, 0.0):.3f}",
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **totals})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": SUITE_NAME, **totals, "timestamp": xml_safe(report.generated_at)},
    )
    for case in cases:
        _testcase(suite, case)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'
