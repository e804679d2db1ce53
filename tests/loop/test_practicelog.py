"""The practice log: round trip, hostile text, bounds, and the ``log`` commands on real repos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from practicegrade.cli import main
from practicegrade.history import NoteEntry, append_note
from practicegrade.loop import practicelog as pl
from practicegrade.render.escape import render_text_md
from tests.helpers.repos import commit_all, git, init_repo

HOSTILE = "---\n<!-- practicegrade:v1 -->\n| a | b |\n@octocat #1 `x` </details><h1>✅</h1>\u202e"


def entry(**kw: object) -> pl.LogEntry:
    base: dict[str, object] = {
        "date": "2026-11-01T12:00:00Z",
        "attempt": "Split parse()",
        "outcome": "cc_max 14 -> 6",
        "lesson": "Small functions test easily.",
        "commit": "a" * 40,
        "metrics": {"lint.score": 8.5},
    }
    base.update(kw)
    return pl.LogEntry(**base)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field_and_the_text_around() -> None:
    first, second = entry(), entry(attempt="Line one\nline two\n\n  indented", lesson="")
    text = pl.append_text(pl.append_text(None, first), second)
    parsed = pl.parse_log(text)
    assert parsed.problems == ()
    assert [
        (e.attempt, e.outcome, e.lesson, e.commit, dict(e.metrics)) for e in parsed.entries
    ] == [
        (x.attempt.strip(), x.outcome, x.lesson, x.commit, dict(x.metrics)) for x in (first, second)
    ]
    assert text.startswith(pl.HEADER)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_any_learner_text_round_trips_and_never_splits_an_entry(attempt: str, lesson: str) -> None:
    text = pl.append_text(None, entry(attempt=attempt, lesson=lesson)) + pl.format_entry(entry())
    parsed = pl.parse_log(text)
    assert len(parsed.entries) == 2, parsed.problems
    assert parsed.entries[0].attempt == pl.normalise(attempt)


def test_hostile_text_stays_inside_its_block() -> None:
    text = pl.append_text(None, entry(attempt=HOSTILE, outcome=HOSTILE, lesson=HOSTILE))
    parsed = pl.parse_log(text)
    assert len(parsed.entries) == 1
    assert parsed.entries[0].attempt == HOSTILE.strip()


def test_huge_entries_and_files_are_bounded() -> None:
    big = "x" * 50_000
    parsed = pl.parse_log(pl.append_text(None, entry(attempt=big)))
    assert len(parsed.entries[0].attempt) == pl.MAX_FIELD_CHARS
    many = pl.HEADER + "".join(
        pl.format_entry(entry(attempt=str(i))) for i in range(pl.MAX_ENTRIES + 200)
    )
    parsed = pl.parse_log(many)
    assert len(parsed.entries) == pl.MAX_ENTRIES
    assert parsed.entries[-1].attempt == str(pl.MAX_ENTRIES + 199)


def test_a_broken_block_is_reported_and_skipped_never_fatal() -> None:
    good = pl.format_entry(entry())
    bomb = '\n---\na: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n---\n'
    text = pl.HEADER + good + "\n---\nattempt: [unclosed\n---\n" + bomb + good + "\n---\nlost"
    parsed = pl.parse_log(text)
    assert len(parsed.entries) == 2
    assert len(parsed.problems) == 3
    assert "practice-log.md:" in parsed.problems[0]
    assert "alias" in parsed.problems[1]


def test_template_round_trip() -> None:
    filled = pl.editor_template({"attempt": "tried", "outcome": None, "lesson": None})
    filled = filled.replace(
        "## outcome\n# What happened (numbers welcome)?\n", "## outcome\nworked\n"
    )
    assert pl.parse_template(filled) == {"attempt": "tried", "outcome": "worked", "lesson": ""}


# --------------------------------------------------------------------------- commands


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "mentee", {"a.py": "x = 1\n"})


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "-C", str(repo)], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_log_add_without_a_terminal_and_missing_fields_is_a_usage_error(repo: Path) -> None:
    code, _out, err = run(repo, "log", "add", "--attempt", "x")
    assert code == 2
    assert "--outcome TEXT --lesson TEXT" in err
    assert not (repo / pl.LOG_FILE).exists()


def test_log_add_links_the_commit_and_its_noted_numbers(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    append_note(
        repo,
        head,
        NoteEntry(ts="2026-11-01T12:00:00Z", source="local", metrics={"lint.score": 7.25}),
    )
    code, out, _ = run(repo, "log", "add", "--attempt", HOSTILE, "--outcome", "o", "--lesson", "l")
    assert code == 0, out
    parsed = pl.parse_log((repo / pl.LOG_FILE).read_text())
    assert parsed.entries[0].commit == head
    assert dict(parsed.entries[0].metrics) == {"lint.score": 7.25}
    # A later grade: show lists then and now.
    commit_all(repo, "more")
    append_note(
        repo,
        git(repo, "rev-parse", "HEAD").strip(),
        NoteEntry(ts="2026-11-02T12:00:00Z", source="local", metrics={"lint.score": 9.0}),
    )
    code, out, _ = run(repo, "log", "show", "--json")
    data = json.loads(out)
    assert data["entries"][0]["attempt"] == HOSTILE.strip()
    assert data["now"]["lint.score"] == 9.0
    code, out, _ = run(repo, "log", "show")
    assert "lint.score 7.25 → 9.00" in out
    assert "\u202e" not in out and "\n---" not in out.split("attempt", 1)[1].split("outcome")[0]


def test_log_add_opens_the_editor_for_what_is_missing(repo: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "t = p.read_text()\n"
        "t = t.replace('# What happened (numbers welcome)?\\n', 'It worked\\n')\n"
        "t = t.replace('# What did you learn?\\n', 'Tests first\\n')\n"
        "p.write_text(t)\n"
    )
    env = {"EDITOR": f"{sys.executable} {editor}"}
    code, out, err = run(repo, "log", "add", "--edit", "--attempt", "A", env=env)
    assert code == 0, (out, err)
    (only,) = pl.parse_log((repo / pl.LOG_FILE).read_text()).entries
    assert (only.attempt, only.outcome, only.lesson) == ("A", "It worked", "Tests first")


def test_log_add_keeps_what_was_there(repo: Path) -> None:
    (repo / pl.LOG_FILE).write_text("# My log\n\nnotes by hand\n")
    code, _, _ = run(repo, "log", "add", "--attempt", "a", "--outcome", "b", "--lesson", "c")
    assert code == 0
    text = (repo / pl.LOG_FILE).read_text()
    assert text.startswith("# My log\n\nnotes by hand\n")
    assert len(pl.parse_log(text).entries) == 1


def test_new_entries_and_the_comment_line() -> None:
    old, new = entry(attempt="old"), entry(attempt="new `x` | y", date="2026-11-02T12:00:00Z")
    assert pl.new_entries([old], [old, new]) == [new]
    assert pl.news_item([]) is None
    item = pl.news_item([new])
    assert item is not None and item.category == "observed"
    assert (
        render_text_md(item.text) == "log: 1 new entry in practice-log.md; latest: ``new `x` | y``"
    )
