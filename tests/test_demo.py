"""``practicegrade demo`` runs the whole loop on a sample mentee it builds itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practicegrade.demo import CYCLES, MILESTONE, build_sample_repo, run_demo
from practicegrade.loop import practicelog as pl
from tests.helpers.repos import git


def test_sample_repo_has_main_and_one_commit_per_cycle(tmp_path: Path) -> None:
    root = tmp_path / "logtool"
    seen: list[int] = []
    commits = build_sample_repo(root, after=lambda i, commit, when: seen.append(i))
    assert git(root, "branch", "--show-current").strip() == "practice"
    assert git(root, "rev-list", "--count", "main..practice").strip() == str(len(CYCLES))
    assert seen == list(range(len(CYCLES) + 1)) and len(commits) == len(CYCLES) + 1
    dates = git(root, "log", "--format=%cs", "main~0", "practice").split()
    assert len(set(dates)) == len(CYCLES) + 1  # a week apart
    assert (root / "practicegrade.yml").is_file()


def test_demo_runs_the_whole_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    lines: list[str] = []
    code = run_demo(echo=lines.append)
    assert code == 0
    where = next(line for line in lines if line.startswith("\nWhere it all is ("))
    out = Path(where.removeprefix("\nWhere it all is (").rstrip("):/"))
    names = {p.name for p in out.iterdir()}
    assert {"report.json", "comment.md", "report.html", "review.md"} <= names
    assert {f"showcase-{MILESTONE}.md", f"showcase-{MILESTONE}.svg"} <= names
    report = json.loads((out / "report.json").read_text())
    assert report["comparison"]["base_ref"] == "main"
    # The milestone met in the last cycle leads the feedback and the comment.
    assert report["feedback"][0]["text"][0].startswith("🎉 Milestone reached")
    comment = (out / "comment.md").read_text()
    first_item = next(line for line in comment.splitlines() if line.startswith("- "))
    assert "Milestone reached" in first_item
    assert "Milestone reached" in (out / "report.html").read_text()
    # The three entries committed on the branch since main (the fourth is not committed yet).
    assert "- log: 3 new entries in practice-log.md; latest: `Renamed a one-letter" in comment
    # Every cycle was graded and noted; the met milestone is recorded on the last one.
    repo = out.parent.parent
    noted = git(repo, "notes", "--ref", "practicegrade", "list").splitlines()
    assert len(noted) == len(CYCLES) + 1
    head_note = git(repo, "notes", "--ref", "practicegrade", "show", "HEAD").splitlines()
    assert json.loads(head_note[-1])["met"] == [MILESTONE]
    # The review names the stall and the milestones; the log holds one entry per cycle.
    review = (out / "review.md").read_text()
    assert "**stalled**: `Readable code`" in review
    assert "🎉 Milestone met: `Parser tested and simple`" in review
    assert "🟠 at-risk" in review and "/week" in review
    assert "log: 4 new entries" in review
    entries = pl.parse_log((repo / pl.LOG_FILE).read_text()).entries
    assert len(entries) == len(CYCLES) and all(e.commit and e.metrics for e in entries)
    showcase = (out / f"showcase-{MILESTONE}.md").read_text()
    assert "## Before and after" in showcase and "## What was tried, and learned" in showcase
    assert "Trends appear once" not in (out / "report.html").read_text()
