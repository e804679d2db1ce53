"""``practicegrade demo`` runs the whole loop on a sample repo it builds itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practicegrade.demo import build_sample_repo, run_demo
from tests.helpers.repos import git


def test_sample_repo_has_main_and_a_practice_branch(tmp_path: Path) -> None:
    root = tmp_path / "logtool"
    build_sample_repo(root)
    assert git(root, "branch", "--show-current").strip() == "practice"
    assert git(root, "rev-list", "--count", "main..practice").strip() == "1"
    assert (root / "practicegrade.yml").is_file()


def test_demo_grades_two_cycles_and_writes_every_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    lines: list[str] = []
    code = run_demo(echo=lines.append)
    assert code == 0
    out_line = next(line for line in lines if line.startswith("\nArtifacts in "))
    out = Path(out_line.removeprefix("\nArtifacts in ").rstrip(":/"))
    names = {p.name for p in out.iterdir()}
    assert {"report.json", "comment.md", "report.html", "lint.sarif", "junit.xml"} <= names
    report = json.loads((out / "report.json").read_text())
    assert report["comparison"]["base_ref"] == "main"
    assert report["metrics"]["complexity.cc_max"] > 10
    assert any(f["category"] == "suggestion" for f in report["feedback"])
    repo = out.parent.parent
    noted = git(repo, "notes", "--ref", "practicegrade", "list").splitlines()
    assert len(noted) == 2
    assert "Trends appear once" not in (out / "report.html").read_text()
