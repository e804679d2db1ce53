"""Milestones met: recorded in the notes by the first grade that meets them, celebrated first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from practicegrade.config import Cadence, Competency, Config, Criterion, Milestone
from practicegrade.grade import GradeRequest, grade
from practicegrade.history import HistoryPoint, read_history
from practicegrade.loop.milestones import first_met, hotspots, met_in
from practicegrade.render.common import is_celebration
from tests.helpers import reports
from tests.helpers.repos import TANGLED, commit_files, git, init_repo

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)

CONFIG = """
version: 1
role: custom
competencies:
  clarity:
    title: Simple code
    criteria:
      - {metric: complexity.cc_max, target: "<= 3"}
milestones:
  - id: simple
    title: Simple functions everywhere
    due: 2027-06-01
    requires: [clarity]
"""


SIMPLE = '''
def classify(n):
    """Words for n."""
    return "negative" if n < 0 else "other"
'''


def model() -> Config:
    return Config(
        competencies=(
            Competency("clarity", "Simple", criteria=(Criterion("complexity.cc_max", "<= 3"),)),
        ),
        milestones=(Milestone("simple", "Simple", dt.date(2027, 6, 1), ("clarity",)),),
        cadence=Cadence(),
    )


def point(commit: str, cc: float, met: tuple[str, ...] = ()) -> HistoryPoint:
    return HistoryPoint(
        commit=commit * 40,
        committed_at="2026-11-01T00:00:00Z",
        subject="s",
        ts=f"2026-11-0{commit}T00:00:00Z" if commit.isdigit() else "2026-11-01T00:00:00Z",
        source="local",
        metrics={"complexity.cc_max": cc},
        met=met,
    )


def test_met_in_and_first_met_prefer_the_recorded_meeting() -> None:
    config = model()
    assert met_in(config, {"complexity.cc_max": 2}) == {"simple"}
    assert met_in(config, {"complexity.cc_max": 5}) == frozenset()
    derived = first_met(config, [point("1", 5), point("2", 2), point("3", 1)])
    assert (derived["simple"].commit[:1], derived["simple"].recorded) == ("2", False)
    # The record wins even when today's model would put it elsewhere (the model changed).
    recorded = first_met(config, [point("1", 5), point("2", 9, met=("simple",)), point("3", 1)])
    assert (recorded["simple"].commit[:1], recorded["simple"].recorded) == ("2", True)


def grade_at(repo: Path, day: int) -> dict[str, object]:
    outcome = grade(
        GradeRequest(
            path=repo,
            now=NOW + dt.timedelta(days=day),
            base="none",
            run_tests=False,
            run_bench=False,
            use_cache=False,
        )
    )
    return {"report": outcome.report, "out": repo / ".practicegrade" / "out"}


def test_the_first_grade_that_meets_a_milestone_records_and_celebrates_it(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "m",
        {"practicegrade.yml": CONFIG, "src/pkg/__init__.py": "", "src/pkg/words.py": TANGLED},
    )
    first = grade_at(repo, 0)
    assert not any(is_celebration(i) for i in first["report"].feedback)  # type: ignore[attr-defined]

    met_commit = commit_files(repo, {"src/pkg/words.py": SIMPLE}, "simplify")
    second = grade_at(repo, 1)
    lead = second["report"].feedback[0]  # type: ignore[attr-defined]
    assert is_celebration(lead)
    comment = (second["out"] / "comment.md").read_text()  # type: ignore[operator]
    first_item = next(line for line in comment.splitlines() if line.startswith("- "))
    assert first_item.startswith("- 🎉 Milestone reached: `Simple functions everywhere`")
    assert comment.index(first_item) < comment.index("#### Metrics")
    assert "🎉 Milestone reached" in (second["out"] / "report.html").read_text()  # type: ignore[operator]
    note = git(repo, "notes", "--ref", "practicegrade", "show", met_commit)
    assert json.loads(note.splitlines()[-1])["met"] == ["simple"]

    commit_files(repo, {"src/pkg/more.py": "X = 1\n"}, "more")
    third = grade_at(repo, 2)
    assert not any(is_celebration(i) for i in third["report"].feedback)  # type: ignore[attr-defined]
    history = read_history(repo)
    assert [p.met for p in history] == [(), ("simple",), ()]
    assert first_met(model(), history)["simple"].commit == met_commit


def test_hotspots_keep_symbols_and_over_complex_functions_only() -> None:
    report = reports.ALL["hostile"]()
    tokens = hotspots(report)
    assert all(t.startswith(("lint:", "file:", "fn:")) and t.isprintable() for t in tokens)
    assert len(tokens) <= 24
