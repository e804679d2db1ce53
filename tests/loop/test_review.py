"""The progress review on synthetic histories, its Markdown as GitHub renders it, the command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from practicegrade.cli import main
from practicegrade.config import Cadence, Competency, Config, Criterion, Milestone, load_config
from practicegrade.history import HistoryPoint, NoteEntry, append_note
from practicegrade.loop.practicelog import LogEntry
from practicegrade.loop.review import build_review, fit_rate, stall_length
from practicegrade.loop.reviewrender import render_review_md, render_review_terminal
from tests.helpers.repos import commit_all, git, init_repo
from tests.render.gfm import render

TODAY = dt.date(2026, 12, 1)
HOSTILE = "</details><h1>✅</h1> | @octocat #1 <!-- x"


def model(*, due: dt.date = dt.date(2027, 3, 1), title: str = "Automated testing") -> Config:
    return Config(
        competencies=(
            Competency(
                "testing",
                title,
                criteria=(Criterion("coverage.line_pct", target=">= 85", gate=">= 40"),),
                next_steps=("Write one test per untested branch of the parser.",),
            ),
            Competency("clarity", "Clarity", criteria=(Criterion("lint.score", target=">= 9"),)),
        ),
        milestones=(Milestone("solid", "Solid tests", due, ("testing",)),),
        cadence=Cadence(checkin_every_days=14, review_every_days=30),
    )


def history(
    coverage: list[float], lint: list[float] | None = None, hot: list[tuple[str, ...]] | None = None
) -> list[HistoryPoint]:
    """One graded commit a week, ending on TODAY."""
    n = len(coverage)
    points = []
    for i, cov in enumerate(coverage):
        day = TODAY - dt.timedelta(days=7 * (n - 1 - i))
        points.append(
            HistoryPoint(
                commit=f"{i:02d}" + "c" * 38,
                committed_at=f"{day.isoformat()}T12:00:00Z",
                subject=f"cycle {i}",
                ts=f"{day.isoformat()}T12:00:00Z",
                source="local",
                metrics={
                    "coverage.line_pct": cov,
                    "lint.score": (lint[i] if lint else 9.5),
                },
                hot=hot[i] if hot else (),
            )
        )
    return points


def test_fit_rate_and_stall_length() -> None:
    assert fit_rate([(0, 1.0), (7, 8.0), (14, 15.0)]) == 1.0
    assert fit_rate([(0, 1.0)]) is None
    assert stall_length([0.5, 0.4, 0.3, 0.2]) == 1
    assert stall_length([0.5, 0.3, 0.3, 0.295, 0.3]) == 4
    assert stall_length([]) == 0


def test_steady_improvement_is_on_track_with_its_rate_and_no_stall() -> None:
    review = build_review(model(), history([30, 37, 44, 51, 58]), today=TODAY)
    assert review.stalls == ()
    (solid,) = review.milestones
    assert solid.status == "on-track"
    assert round(solid.rates[0].per_week, 2) == 7.0
    assert review.baseline is not None and review.baseline.commit.startswith("00")
    assert review.baseline_gaps == ("testing",)
    row = next(c for c in review.competencies if c.id == "testing")
    assert (row.then, row.now) == ("gap", "progressing")
    assert row.progress_then is not None and row.progress_now is not None
    assert row.progress_now > row.progress_then
    assert review.regressions == ()


def test_a_stall_is_named_with_the_cycles_it_covers() -> None:
    points = history([50, 60, 60.3, 60.1, 60.2, 60.4])
    review = build_review(model(), points, today=TODAY)
    (stall,) = review.stalls
    assert (stall.competency, stall.cycles) == ("testing", 5)
    assert stall.first.commit == points[1].commit and stall.last.commit == points[-1].commit
    md = render_review_md(review)
    assert "**stalled**" in md and "for 5 graded cycles" in md
    assert md.index("## Stalled") < md.index("## Milestones")
    assert "stalled: Automated testing for 5 graded cycles" in render_review_terminal(review)
    assert review.focus[0].competency == "testing"
    assert "stalled for 5 graded cycles" in review.focus[0].why
    assert review.focus[0].exercise == "Write one test per untested branch of the parser."
    # The early jump (50 -> 60) does not make the stalled milestone look on track.
    assert review.milestones[0].status == "at-risk"


def test_a_regression_since_the_last_review() -> None:
    review = build_review(
        model(), history([60, 70, 80, 80, 62]), today=TODAY, since=TODAY - dt.timedelta(days=10)
    )
    assert review.last_review is not None and review.last_review.commit.startswith("02")
    assert review.regressions == ("testing",)
    assert "Further from target than at the last review" in render_review_md(review)


def test_a_gap_closed_and_reopened() -> None:
    review = build_review(model(), history([70, 88, 90, 75]), today=TODAY)
    (reopened,) = review.reopened
    assert reopened.competency == "testing"
    assert reopened.closed.commit.startswith("02") and reopened.reopened.commit.startswith("03")
    assert "reopened" in render_review_md(review)


def test_an_overdue_milestone_and_a_date_move() -> None:
    review = build_review(
        model(due=TODAY - dt.timedelta(days=5)), history([50, 55, 60]), today=TODAY
    )
    (solid,) = review.milestones
    assert solid.status == "overdue"
    (move,) = review.moves
    # 25 points short at +5/week: five weeks from today.
    assert move.suggested == (TODAY + dt.timedelta(days=35)).isoformat()


def test_an_at_risk_milestone_says_the_rate() -> None:
    review = build_review(
        model(due=TODAY + dt.timedelta(days=28)), history([50, 51, 52, 53]), today=TODAY
    )
    (solid,) = review.milestones
    assert solid.status == "at-risk"
    md = render_review_md(review)
    assert "`coverage.line_pct` moves +1.00/week" in md
    assert "needs +8.00/week to reach `>= 85` by the due date" in md
    assert review.moves[0].suggested == (TODAY + dt.timedelta(days=7 * 32)).isoformat()
    assert solid.reason.startswith("coverage.line_pct moves +1.00/week, reaching >= 85 on ")


def test_a_milestone_moving_away_says_so_in_the_markdown_and_the_json_alike() -> None:
    review = build_review(
        model(due=TODAY + dt.timedelta(days=28)), history([53, 52, 51, 50]), today=TODAY
    )
    (solid,) = review.milestones
    assert solid.status == "at-risk"
    assert solid.reason.startswith("coverage.line_pct moves -1.00/week, not towards the target; ")
    assert "`coverage.line_pct` moves -1.00/week, not towards the target; " in (
        render_review_md(review)
    )


def test_a_met_milestone_keeps_the_date_and_commit_it_was_first_met() -> None:
    points = history([70, 86, 90])
    review = build_review(model(), points, today=TODAY)
    (solid,) = review.milestones
    assert (solid.status, solid.met_commit) == ("met", points[1].commit)
    assert "🎉 Milestone met: `Solid tests`, first met on" in render_review_md(review)


def test_recurring_bottlenecks_come_from_the_notes_hotspots() -> None:
    hot = [
        ("lint:too-many-branches", "fn:src/a|b.py:parse"),
        ("lint:too-many-branches", "fn:src/a|b.py:parse"),
        ("lint:too-many-branches",),
        ("lint:unused-import", "fn:src/a|b.py:parse"),
    ]
    review = build_review(model(), history([50, 55, 60, 65], hot=hot), today=TODAY)
    assert [(r.kind, r.name, r.cycles) for r in review.recurring] == [
        ("lint", "too-many-branches", 3),
        ("function", "src/a|b.py:parse", 3),
    ]


def test_review_md_renders_as_github_would_with_hostile_text() -> None:
    config = model(title=HOSTILE)
    log = [LogEntry("2026-11-30T10:00:00Z", HOSTILE, HOSTILE, HOSTILE, commit="a" * 40)]
    hot = [("fn:" + HOSTILE,)] * 4
    md = render_review_md(
        build_review(config, history([50, 60, 60.1, 60.2], hot=hot), today=TODAY, log=log)
    )
    doc = render(md)
    assert not {"details", "script", "img"} & doc.tags()
    assert doc.count("h1") == 1  # ours
    assert doc.comments == []
    for table in doc.tables:
        assert all(len(row) == len(table.header) for row in table.rows)
    assert "log: 1 new entry since" in md
    assert HOSTILE.replace("<!--", "<\u200b!--") in doc.text()


def test_no_history_is_a_short_review_not_an_error() -> None:
    review = build_review(model(), [], today=TODAY)
    assert review.now is None
    assert "No graded commits" in render_review_md(review)


def test_the_review_command_reads_notes_and_writes_review_md(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "mentee", {"a.py": "x = 1\n"})
    config = (
        "version: 1\nrole: custom\ncompetencies:\n  testing:\n    title: Testing\n"
        '    criteria:\n      - {metric: coverage.line_pct, target: ">= 85"}\n'
    )
    (repo / "practicegrade.yml").write_text(config)
    commits = []
    for i, cov in enumerate([50.0, 50.0, 50.2, 50.1]):
        commit = commit_all(repo, f"cycle {i}")
        commits.append(commit)
        append_note(
            repo,
            commit,
            NoteEntry(
                ts=f"2026-11-0{i + 1}T12:00:00Z", source="local", metrics={"coverage.line_pct": cov}
            ),
        )
    result = CliRunner().invoke(main, ["review", "-C", str(repo)])
    assert result.exit_code == 0, result.output
    assert "stalled: Testing for 4 graded cycles" in result.stdout
    md = (repo / ".practicegrade" / "out" / "review.md").read_text()
    assert "## Stalled" in md
    result = CliRunner().invoke(
        main, ["review", "--json", "-C", str(repo), "--out", str(tmp_path / "r.md")]
    )
    data = json.loads(result.stdout)
    assert data["stalls"][0]["cycles"] == 4
    assert data["baseline"]["commit"] == commits[0]
    assert data["now"]["commit"] == git(repo, "rev-parse", "HEAD").strip()
    assert (tmp_path / "r.md").is_file()


def test_a_baseline_commit_in_the_config_is_the_baseline(tmp_path: Path) -> None:
    points = history([30, 40, 50, 60])
    review = build_review(dataclasses.replace(model(), baseline="02cc"), points, today=TODAY)
    assert review.baseline is not None and review.baseline.commit == points[2].commit
    assert review.baseline_source == "config"
    (tmp_path / "practicegrade.yml").write_text("version: 1\nbaseline: '3f2a9c1'\n")
    assert load_config(tmp_path).baseline == "3f2a9c1"
