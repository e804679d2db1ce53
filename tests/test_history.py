"""History in git notes: line format, lock, read/write, sync between real clones, the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from practicegrade import gitrepo
from practicegrade.errors import GitError
from practicegrade.history import (
    NOTE_CAP_BYTES,
    NoteEntry,
    append_note,
    cap_note,
    history_cli,
    newest,
    note_line,
    notes_cli,
    notes_lock,
    parse_note,
    read_history,
    read_note,
    render_table,
    sparkline,
    sync_notes,
)
from tests.helpers.repos import commit_all, git, init_repo, write_files


def entry(ts: str, cov: float = 80.0, source: str = "local") -> NoteEntry:
    return NoteEntry(
        ts=ts,
        source=source,
        metrics={"coverage.line_pct": cov, "lint.score": 8.5},
        tree="t" * 40,
        key="k" * 16,
        pg="0.1.0",
    )


# --------------------------------------------------------------------------- format


def test_note_line_is_one_compact_json_object_that_sorts_by_time() -> None:
    line = note_line(entry("2026-11-01T12:00:00Z"))
    assert "\n" not in line
    assert " " not in line
    assert line.startswith('{"v":1,"ts":"2026-11-01T12:00:00Z"')
    assert json.loads(line)["metrics"] == {"coverage.line_pct": 80.0, "lint.score": 8.5}


def test_note_lines_never_carry_text_or_non_numbers() -> None:
    hostile = NoteEntry(
        ts="2026-11-01T12:00:00Z",
        source="ci",
        metrics={
            "ok.metric": 1.0,
            "bad key with spaces": 2.0,
            "nan.metric": float("nan"),
            "flag": True,
        },
    )  # type: ignore[dict-item]
    assert json.loads(note_line(hostile))["metrics"] == {"ok.metric": 1.0}


def test_parse_note_skips_garbage_and_newest_wins() -> None:
    text = "\n".join(
        [
            note_line(entry("2026-11-02T00:00:00Z", 90.0)),
            "not json",
            '{"v": 2, "ts": "2030-01-01T00:00:00Z", "metrics": {}}',
            '["a list"]',
            note_line(entry("2026-11-01T00:00:00Z", 70.0)),
            "",
        ]
    )
    entries = parse_note(text)
    assert [e.ts for e in entries] == ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]
    best = newest(entries)
    assert best is not None
    assert best.metrics["coverage.line_pct"] == 90.0
    assert parse_note(None) == []
    assert newest([]) is None


def test_cap_note_sorts_dedupes_and_drops_the_oldest() -> None:
    lines = [note_line(entry(f"2026-11-{d:02d}T00:00:00Z")) for d in range(1, 29)]
    assert cap_note(lines + lines[:3]).count("\n") == 28
    capped = cap_note(lines, cap=len(lines[0]) * 5 + 5)
    kept = capped.splitlines()
    assert kept == sorted(lines)[-5:]
    assert len(cap_note(lines * 1000).encode()) <= NOTE_CAP_BYTES


def test_sparkline_uses_blocks_and_marks_gaps() -> None:
    assert sparkline([1.0, 2.0, None, 8.0]) == "▁▂ █"
    assert sparkline([5.0, 5.0]) == "▄▄"


# --------------------------------------------------------------------------- lock


def test_lock_excludes_a_second_writer_until_released(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    with notes_lock(repo) as path:
        assert path.exists()
        with pytest.raises(GitError) as held, notes_lock(repo, timeout=0.2):
            pass
        assert "delete" in (held.value.hint or "")
    assert not path.exists()


def test_a_stale_lock_of_a_dead_process_is_broken(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock = gitrepo.git_path(repo, "practicegrade.lock")

    lock.write_text(f"{dead.pid} {socket.gethostname()} 0\n")
    with notes_lock(repo, timeout=1.0):
        assert lock.read_text().split()[0] == str(os.getpid())
    old = gitrepo.git_path(repo, "practicegrade.lock")
    old.write_text("1 some-other-host 0\n")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    with notes_lock(repo, timeout=1.0, stale_after=60):
        pass


# --------------------------------------------------------------------------- read / write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo", {"a.py": "x = 0\n"})
    for i in range(1, 5):
        write_files(root, {"a.py": f"x = {i}\n"})
        commit_all(root, f"step {i} | with a pipe")
    return root


def test_a_missing_note_is_not_an_error(repo: Path) -> None:
    assert read_note(repo, "HEAD") == []
    assert read_history(repo) == []


def test_append_keeps_every_grade_of_a_commit(repo: Path) -> None:
    append_note(repo, "HEAD", entry("2026-11-01T00:00:00Z", 70.0))
    append_note(repo, "HEAD", entry("2026-11-02T00:00:00Z", 75.0, source="hook"))
    entries = read_note(repo, "HEAD")
    assert [e.metrics["coverage.line_pct"] for e in entries] == [70.0, 75.0]
    assert git(repo, "notes", "--ref", "refs/notes/practicegrade", "show", "HEAD").count("\n") == 2


def test_history_lists_graded_commits_oldest_first_with_the_newest_grade(repo: Path) -> None:
    commits = git(repo, "rev-list", "--reverse", "HEAD").split()
    for i, commit in enumerate(commits[1:], start=1):
        append_note(repo, commit, entry(f"2026-11-0{i}T00:00:00Z", 60.0 + i))
    append_note(repo, commits[-1], entry("2026-11-09T00:00:00Z", 99.0, source="ci"))
    points = read_history(repo)
    assert [p.commit for p in points] == commits[1:]
    assert points[-1].metrics["coverage.line_pct"] == 99.0
    assert points[-1].source == "ci"
    assert points[0].subject == "step 1 | with a pipe"
    assert [p.commit for p in read_history(repo, limit=2)] == commits[-2:]
    table = render_table(points, ["coverage.line_pct", "lint.score"])
    assert "coverage.line_pct" in table
    assert "▁" in table
    assert "█" in table


def test_history_cli_table_json_and_svg(repo: Path, tmp_path: Path) -> None:
    for i, commit in enumerate(git(repo, "rev-list", "--reverse", "HEAD").split()):
        append_note(repo, commit, entry(f"2026-11-0{i + 1}T00:00:00Z", 50.0 + 10 * i))
    runner = CliRunner()
    svg = tmp_path / "trend.svg"
    shown = runner.invoke(
        history_cli, [str(repo), "--metric", "coverage.line_pct", "--svg", str(svg)]
    )
    assert shown.exit_code == 0, shown.output
    assert "50.0 → 90.0" in shown.output
    root = ET.fromstring(svg.read_text())
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 5
    as_json = runner.invoke(history_cli, [str(repo), "--json", "--limit", "3"])
    data = json.loads(as_json.output)
    assert [p["metrics"]["coverage.line_pct"] for p in data] == [70.0, 80.0, 90.0]


def test_history_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(history_cli, [str(tmp_path)])
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output


# --------------------------------------------------------------------------- sync


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    seed = init_repo(tmp_path / "seed", {"a.py": "x = 1\n"})
    for i in range(3):
        write_files(seed, {"a.py": f"x = {i + 2}\n"})
        commit_all(seed, f"c{i}")
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(bare)], check=True)
    one, two = tmp_path / "one", tmp_path / "two"
    for clone in (one, two):
        subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True)
    return bare, one, two


def test_pull_without_remote_notes_is_fine_and_push_then_pull_round_trips(
    clones: tuple[Path, Path, Path],
) -> None:
    _bare, one, two = clones
    assert sync_notes(one, "origin", push=False).fetched is False
    append_note(one, "HEAD", entry("2026-11-01T00:00:00Z", 71.0))
    result = sync_notes(one, "origin", push=True)
    assert result.pushed
    assert sync_notes(two, "origin", push=False).fetched
    assert [e.metrics["coverage.line_pct"] for e in read_note(two, "HEAD")] == [71.0]


def test_two_clones_noting_and_pushing_concurrently_lose_nothing(
    clones: tuple[Path, Path, Path],
) -> None:
    bare, one, two = clones
    commits = git(one, "rev-list", "HEAD").split()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(clone: Path, day: int) -> None:
        try:
            for round_ in range(3):
                for commit in commits[:2]:  # both clones note the same commits
                    append_note(
                        clone, commit, entry(f"2026-11-{day:02d}T00:0{round_}:00Z", float(day))
                    )
                if round_ == 0:
                    start.wait()
                sync_notes(clone, "origin", push=True, attempts=8)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(one, 1)),
        threading.Thread(target=work, args=(two, 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    on_remote = git(bare, "notes", "--ref", "refs/notes/practicegrade", "show", commits[0])
    stamps = sorted(json.loads(line)["ts"] for line in on_remote.splitlines())
    expected = sorted(f"2026-11-{d:02d}T00:0{r}:00Z" for d in (1, 2) for r in range(3))
    assert stamps == expected
    # Never force-pushed: what each clone last pushed is still in the remote's notes history.
    for clone in (one, two):
        local = git(clone, "rev-parse", "refs/notes/practicegrade").strip()
        git(bare, "merge-base", "--is-ancestor", local, "refs/notes/practicegrade")


def test_notes_cli_push_and_pull(clones: tuple[Path, Path, Path]) -> None:
    _bare, one, two = clones
    runner = CliRunner()
    empty = runner.invoke(notes_cli, ["push", "origin", "-C", str(one)])
    assert empty.exit_code == 0
    assert "no notes to push" in empty.output
    append_note(one, "HEAD", entry("2026-11-01T00:00:00Z"))
    pushed = runner.invoke(notes_cli, ["push", "origin", "-C", str(one)])
    assert pushed.exit_code == 0, pushed.output
    pulled = runner.invoke(notes_cli, ["pull", "-C", str(two)])
    assert pulled.exit_code == 0
    assert "merged notes from origin" in pulled.output
    assert len(read_note(two, "HEAD")) == 1
    bad = runner.invoke(notes_cli, ["pull", "nowhere", "-C", str(two)])
    assert bad.exit_code == 2
    assert "hint:" in bad.output


def test_a_ci_trend_keeps_only_what_ci_measured(repo: Path) -> None:
    commits = git(repo, "rev-list", "--reverse", "HEAD").split()
    append_note(repo, commits[1], entry("2026-11-01T00:00:00Z", 61.0, source="ci"))
    append_note(repo, commits[1], entry("2026-11-05T00:00:00Z", 100.0, source="hook"))
    append_note(repo, commits[2], entry("2026-11-06T00:00:00Z", 100.0, source="local"))
    everything = read_history(repo)
    assert [p.metrics["coverage.line_pct"] for p in everything] == [100.0, 100.0]
    ci = read_history(repo, sources=("ci",))
    assert [(p.commit, p.metrics["coverage.line_pct"]) for p in ci] == [(commits[1], 61.0)]
