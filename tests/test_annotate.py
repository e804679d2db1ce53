"""``practicegrade annotate``: workflow-command annotations on changed lines only."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from practicegrade import cli
from practicegrade.annotate import MAX_ANNOTATIONS, build_annotations, command, escape_property
from practicegrade.grade import GradeRequest, grade
from tests.helpers import reports
from tests.helpers.repos import SAMPLE_PROJECT, commit_files, git, init_repo
from tests.test_grade import NOW

_PROPS = re.compile(r"^::warning (?P<props>[^:]*)::(?P<data>.*)$")


def _check_line(line: str) -> dict[str, str]:
    found = _PROPS.fullmatch(line)
    assert found is not None, line
    props = dict(p.split("=", 1) for p in found.group("props").split(","))
    assert set(props) <= {"file", "line", "endLine", "title"}
    return props


def test_a_file_name_cannot_inject_a_workflow_command() -> None:
    for name in ("::add-mask::x", "a\n::add-mask::secret", "b\r\n::stop-commands::t", "c,line=1"):
        text = command("warning", file=name, line=3, title=name, message=name)
        assert "\n" not in text and "\r" not in text
        props = _check_line(text)
        assert props["line"] == "3"
        assert ":" not in props["file"] and "," not in props["file"]
    assert escape_property("::add-mask::x") == "%3A%3Aadd-mask%3A%3Ax"
    assert escape_property("100%,a:b\n") == "100%25%2Ca%3Ab%0A"


def test_hostile_report_prints_only_our_commands() -> None:
    report = reports.hostile()
    files = {m.path for m in report.lint.messages} if report.lint else set()
    patch = report.comparison.patch if report.comparison else ()
    changed = {f: list(range(1, 500)) for f in files | {p.file for p in patch}}
    out = build_annotations(report, changed)
    assert out
    assert len(out) <= MAX_ANNOTATIONS
    for line in "\n".join(out).split("\n"):
        _check_line(line)


def test_only_changed_lines_are_annotated(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    git(root, "checkout", "-q", "-b", "feature")
    ops = (root / "src/calc/ops.py").read_text()
    commit_files(
        root,
        {"src/calc/ops.py": ops + "\n\ndef shout(text):\n    loud = 1\n    return text\n"},
        "shout",
    )
    out = tmp_path / "out"
    request = GradeRequest(
        path=root, now=NOW, base="main", run_bench=False, out_dir=out, origin="ci"
    )
    report = grade(request).report
    assert report.lint is not None
    unchanged = [m for m in report.lint.messages if m.obj == "unused"]
    assert unchanged  # an old message on a line the change did not touch ...
    result = CliRunner().invoke(
        cli.main, ["annotate", "--report", str(out / "report.json"), "-C", str(root)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    props = [_check_line(line) for line in lines]
    annotated = {(p["file"], int(p["line"])) for p in props}
    assert ("src/calc/ops.py", unchanged[0].line) not in annotated  # ... is not annotated
    shout = [m for m in report.lint.messages if m.obj == "shout"]
    assert shout and {("src/calc/ops.py", m.line) for m in shout} <= annotated
    assert any("not covered by tests" in line for line in lines)
