"""``showcase``: a met milestone's write-up from real notes, commits and log entries."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from practicegrade.cli import main
from practicegrade.history import NoteEntry, append_note
from practicegrade.loop import practicelog as pl
from tests.helpers.repos import commit_all, commit_files, init_repo
from tests.render.gfm import render

HOSTILE = "</details><h1>✅</h1> | @octocat #1 <!-- x"
CONFIG = """
version: 1
role: custom
competencies:
  testing:
    title: Testing
    criteria:
      - {metric: coverage.line_pct, target: ">= 85"}
milestones:
  - {id: solid-tests, title: Solid tests, due: 2027-03-01, requires: [testing]}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "mentee", {"practicegrade.yml": CONFIG})
    for day, (cov, subject) in enumerate([(40.0, "start"), (70.0, HOSTILE), (90.0, "tests")], 1):
        commit = commit_files(root, {f"f{day}.py": "x = 1\n"}, subject)
        append_note(
            root,
            commit,
            NoteEntry(
                ts=f"2026-11-0{day}T12:00:00Z",
                source="local",
                metrics={"coverage.line_pct": cov},
                met=("solid-tests",) if cov >= 85 else (),
            ),
        )
        if day == 2:
            entry = pl.LogEntry("2026-11-02T13:00:00Z", HOSTILE, "better", "tests first")
            (root / pl.LOG_FILE).write_text(pl.append_text(None, entry))
    return root


def test_showcase_writes_markdown_and_a_chart_beside_it(repo: Path) -> None:
    result = CliRunner().invoke(main, ["showcase", "solid-tests", "-C", str(repo)])
    assert result.exit_code == 0, result.output
    md_path = repo / ".practicegrade" / "out" / "showcase-solid-tests.md"
    md = md_path.read_text()
    assert md.startswith("# Milestone reached: `Solid tests`")
    assert "| `coverage.line_pct` | `>= 85` | 40.0 | 90.0 |" in md
    assert "![Trend of the milestone's metrics](showcase-solid-tests.svg)" in md
    assert md.count("\n- `") == 2  # the two commits after the first graded one
    assert "tests first" in md
    svg = ET.parse(md_path.with_suffix(".svg")).getroot()
    circles = [e for e in svg.iter() if e.tag.endswith("circle")]
    assert svg.tag.endswith("svg") and len(circles) == 3  # one metric, three grades
    doc = render(md)
    assert doc.count("h1") == 1 and not {"details", "script"} & doc.tags()
    assert doc.comments == []


def test_an_unknown_or_unmet_milestone_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["showcase", "nope", "-C", str(repo)])
    assert result.exit_code == 2 and "milestones: solid-tests" in result.stderr
    config = CONFIG.replace(">= 85", ">= 95")
    (repo / "practicegrade.yml").write_text(config)
    result = CliRunner().invoke(main, ["showcase", "solid-tests", "-C", str(repo)])
    # The note recorded it as met: the record stands even though the model moved on.
    assert result.exit_code == 0
    other = init_repo(tmp_path / "other", {"practicegrade.yml": config})
    append_note(
        other,
        commit_all(other, "x"),
        NoteEntry(ts="2026-11-01T12:00:00Z", source="local", metrics={"coverage.line_pct": 90}),
    )
    result = CliRunner().invoke(main, ["showcase", "solid-tests", "-C", str(other)])
    assert result.exit_code == 2 and "not met on this branch yet" in result.stderr
