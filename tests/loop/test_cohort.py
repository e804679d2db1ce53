"""``cohort`` over real temporary repositories, a file:// clone and a report artifact."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from practicegrade.cli import main
from practicegrade.history import NoteEntry, append_note
from practicegrade.loop import cohort
from practicegrade.loop.cohortio import kind_of, name_of, read_cohort
from practicegrade.render.jsonreport import render_json
from tests.helpers import reports
from tests.helpers.repos import commit_all, git, init_repo
from tests.render.gfm import render

TODAY = dt.date(2026, 12, 1)
CONFIG = """
version: 1
role: custom
competencies:
  testing:
    title: Testing
    criteria:
      - {metric: coverage.line_pct, target: ">= 85", gate: ">= 40"}
milestones:
  - {id: solid, title: Solid, due: 2027-06-01, requires: [testing]}
"""


def mentee(root: Path, coverage: list[float]) -> Path:
    repo = init_repo(root, {"practicegrade.yml": CONFIG})
    for i, cov in enumerate(coverage):
        commit = commit_all(repo, f"cycle {i}")
        append_note(
            repo,
            commit,
            NoteEntry(
                ts=f"2026-11-{i + 1:02d}T12:00:00Z",
                source="ci",
                metrics={"coverage.line_pct": cov},
            ),
        )
    return repo


def test_one_row_per_source_stalls_first(tmp_path: Path) -> None:
    stalled = mentee(tmp_path / "stalled-sam", [50, 60, 60.1, 60.2, 60.0])
    failing = mentee(tmp_path / "failing-fay", [50, 45, 30])
    passing = mentee(tmp_path / "passing-pat", [60, 75, 90])
    hostile = mentee(tmp_path / "a|b @octocat <!--", [70, 80])
    report_dir = tmp_path / "ci-artifacts" / "remote-rae"
    report_dir.mkdir(parents=True)
    (report_dir / "report.json").write_text(render_json(reports.ALL["failing_gate"]()))
    sources = [
        str(passing),
        f"file://{failing}",
        str(stalled),
        str(hostile),
        str(report_dir / "report.json"),
        str(tmp_path / "nowhere"),
    ]
    rows = cohort.sort_rows(read_cohort(sources, TODAY))
    by_name = {r.name: r for r in rows}
    assert [r.name for r in rows][:2] == ["stalled-sam", "failing-fay"]
    assert by_name["stalled-sam"].stalls == (("testing", 4),)
    assert by_name["failing-fay"].verdict == "fail" and by_name["failing-fay"].source == "url"
    assert by_name["failing-fay"].trend == "declining"
    assert (
        by_name["passing-pat"].milestones_met == 1 and by_name["passing-pat"].trend == "improving"
    )
    assert by_name["passing-pat"].last_activity == "2026-11-03"
    assert by_name["remote-rae"].source == "report" and by_name["remote-rae"].verdict == "fail"
    assert by_name["nowhere"].verdict == "error"
    md = cohort.render_markdown(rows)
    doc = render(md)
    (table,) = doc.tables
    assert len(table.rows) == len(sources)
    assert all(len(row) == len(table.header) for row in table.rows)
    assert doc.comments == [] and "a|b @octocat" in doc.text()
    page = cohort.render_html(rows, "2026-12-01T12:00:00Z")
    assert "<!--" not in page and "a|b @octocat &lt;!--" in page
    assert "stalled 4 cycles" in cohort.render_terminal(rows)


def test_the_command_prints_json_and_writes_md_and_html(tmp_path: Path) -> None:
    a = mentee(tmp_path / "ana", [50, 60])
    b = mentee(tmp_path / "ben", [50, 50, 50, 50])
    result = CliRunner().invoke(
        main,
        [
            "cohort",
            str(a),
            str(b),
            "--json",
            "--md",
            str(tmp_path / "c.md"),
            "--html",
            str(tmp_path / "c.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["name"] for r in data] == ["ben", "ana"]
    assert data[0]["stalls"] == [{"competency": "testing", "cycles": 4}]
    assert (tmp_path / "c.md").read_text().startswith("# Cohort")
    assert "<table>" in (tmp_path / "c.html").read_text()
    # Nothing was graded: no artifacts, no new notes.
    assert not (a / ".practicegrade").exists()
    assert len(git(b, "notes", "--ref", "practicegrade", "list").splitlines()) == 4


def test_sources_are_named_by_their_folder(tmp_path: Path) -> None:
    assert kind_of("https://example.invalid/org/mentee-a.git") == "url"
    assert name_of("https://example.invalid/org/mentee-a.git", "url") == "mentee-a"
    assert name_of("git@example.invalid:org/mentee-b.git", "url") == "mentee-b"
    out = tmp_path / "mentee-c" / ".practicegrade" / "out"
    out.mkdir(parents=True)
    (out / "report.json").write_text("{}")
    assert kind_of(str(out)) == "report" and name_of(str(out), "report") == "mentee-c"
    assert name_of(str(out / "report.json"), "report") == "mentee-c"
