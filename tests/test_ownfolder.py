"""``.practicegrade/`` ignores itself, whichever command writes there first (issue 11)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from practicegrade.cli import main
from practicegrade.history import NoteEntry, append_note
from practicegrade.ownfolder import IGNORE_TEXT, ignore_own_folder, own_folder_of
from tests.helpers.repos import SAMPLE_PROJECT, commit_all, git, init_repo

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


def _untracked(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def _ignores_itself(root: Path) -> bool:
    ignore = root / ".practicegrade" / ".gitignore"
    return ignore.is_file() and ignore.read_text(encoding="utf-8") == IGNORE_TEXT


@pytest.fixture
def noted(tmp_path: Path) -> Path:
    """A repository with a model, two graded commits and no ``.practicegrade`` yet."""
    root = init_repo(tmp_path / "mentee", {"practicegrade.yml": CONFIG, "a.py": "x = 1\n"})
    for day, cov in enumerate([60.0, 90.0], 1):
        (root / f"f{day}.py").write_text("y = 2\n")
        commit = commit_all(root, f"cycle {day}")
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
    assert not (root / ".practicegrade").exists()
    return root


def test_the_folder_is_found_from_any_path_in_it(tmp_path: Path) -> None:
    own = tmp_path / "repo" / ".practicegrade"
    assert own_folder_of(own / "out" / "report.json") == own
    assert own_folder_of(own) == own
    assert own_folder_of(tmp_path / "repo" / "out" / "report.json") is None


def test_the_users_file_stays_and_a_symlinked_folder_is_not_written_through(
    tmp_path: Path,
) -> None:
    own = tmp_path / "repo" / ".practicegrade"
    own.mkdir(parents=True)
    (own / ".gitignore").write_text("!keep.md\n")
    assert ignore_own_folder(own / "out" / "x.md") is None
    assert (own / ".gitignore").read_text() == "!keep.md\n"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = tmp_path / "other" / ".practicegrade"
    linked.parent.mkdir()
    os.symlink(elsewhere, linked)
    assert ignore_own_folder(linked / "out" / "x.md") is None
    assert not (elsewhere / ".gitignore").exists()
    assert ignore_own_folder(tmp_path / "plain" / "x.md") is None
    assert not (tmp_path / "plain").exists()


def test_grade_with_out_inside_the_folder(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    out = root / ".practicegrade" / "reports" / "today"
    args = ["grade", str(root), "--no-tests", "--base", "none", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert (out / "report.json").is_file()
    assert _ignores_itself(root)
    assert _untracked(root) == ""


def test_grade_with_out_elsewhere_leaves_the_repository_alone(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    out = tmp_path / "artifacts"
    args = ["grade", str(root), "--no-tests", "--base", "none", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert (out / "report.json").is_file()
    assert not (root / ".practicegrade").exists()
    assert not (tmp_path / ".gitignore").exists()


def test_review(noted: Path) -> None:
    result = CliRunner().invoke(main, ["review", "-C", str(noted)])
    assert result.exit_code == 0, result.output
    assert (noted / ".practicegrade" / "out" / "review.md").is_file()
    assert _ignores_itself(noted)
    assert _untracked(noted) == ""


def test_showcase(noted: Path) -> None:
    result = CliRunner().invoke(main, ["showcase", "solid-tests", "-C", str(noted)])
    assert result.exit_code == 0, result.output
    assert (noted / ".practicegrade" / "out" / "showcase-solid-tests.svg").is_file()
    assert _ignores_itself(noted)
    assert _untracked(noted) == ""


def test_history_chart(noted: Path) -> None:
    chart = noted / ".practicegrade" / "trend.svg"
    (noted / ".practicegrade").mkdir()  # `--svg` writes into an existing folder
    result = CliRunner().invoke(main, ["history", str(noted), "--svg", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.is_file()
    assert _ignores_itself(noted)
    assert _untracked(noted) == ""


def test_cohort_markdown(noted: Path) -> None:
    table = noted / ".practicegrade" / "cohort" / "table.md"
    result = CliRunner().invoke(main, ["cohort", str(noted), "--md", str(table)])
    assert result.exit_code == 0, result.output
    assert table.is_file()
    assert _ignores_itself(noted)
    assert _untracked(noted) == ""


def test_log_add_writes_the_practice_log_for_the_repository_and_nothing_of_ours(
    noted: Path,
) -> None:
    args = ["log", "add", "-C", str(noted), "--attempt", "a", "--outcome", "b", "--lesson", "c"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert _untracked(noted).strip() == "?? practice-log.md", "the log is meant to be committed"
    assert not (noted / ".practicegrade").exists()
