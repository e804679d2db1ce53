"""Acknowledgements and waivers: the file, expiry, the gate, and who can make them apply."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from practicegrade.cli import main
from practicegrade.config import Competency, Config, Criterion
from practicegrade.grade import GradeRequest, grade
from practicegrade.loop import acks as ak
from practicegrade.render.markdown import render_comment
from practicegrade.rubric import evaluate
from tests.helpers import reports
from tests.helpers.repos import TANGLED, commit_files, git, init_repo
from tests.render.gfm import render

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
TODAY = NOW.date()
WAIVER = ak.Ack("waive", "complexity.cc_max", dt.date(2026, 12, 31), "Rewrite planned", "Ada")

CONFIG = """
version: 1
role: custom
competencies:
  clarity:
    title: Simple code
    criteria:
      - {metric: complexity.cc_max, target: "<= 2", gate: "<= 3"}
"""


def test_round_trip_and_invalid_entries_never_apply() -> None:
    text = ak.format_acks([WAIVER, ak.Ack("ack", "too-many-branches", TODAY, "seen", "Ada")])
    parsed = ak.parse_acks(text)
    assert parsed.problems == ()
    assert parsed.acks[0] == WAIVER
    bad = (
        "acks:\n"
        "  - {kind: waive, target: 'x y', until: 2026-12-31, reason: r}\n"
        "  - {kind: waive, target: lint.score, until: someday, reason: r}\n"
        "  - {kind: waive, target: lint.score, until: 2026-12-31}\n"
        "  - {kind: sudo, target: lint.score, until: 2026-12-31, reason: r}\n"
        "  - {kind: waive, target: lint.score, until: 2026-12-31, reason: ok}\n"
    )
    parsed = ak.parse_acks(bad)
    assert [a.target for a in parsed.acks] == ["lint.score"]
    assert len(parsed.problems) == 4 and parsed.problems[0].startswith("practicegrade-acks.yml:2:")
    assert ak.parse_acks("acks: [*x]").acks == ()


def test_a_waiver_applies_until_its_date_and_not_a_day_longer() -> None:
    assert ak.waived_metrics([WAIVER], dt.date(2026, 12, 31)) == {"complexity.cc_max"}
    assert ak.waived_metrics([WAIVER], dt.date(2027, 1, 1)) == frozenset()
    config = Config(
        competencies=(
            Competency("c", "C", criteria=(Criterion("complexity.cc_max", "<= 2", "<= 3"),)),
        )
    )
    metrics = {"complexity.cc_max": 9.0}
    assert evaluate(config, metrics, today=TODAY).verdict == "fail"
    waived = evaluate(config, metrics, today=TODAY, waived={"complexity.cc_max"})
    assert waived.verdict == "pass"
    assert waived.competencies[0].criteria[0].status == "gap"  # still a gap, just not a gate


def _grade(repo: Path, now: dt.datetime = NOW, base: str = "none") -> tuple[int, str]:
    outcome = grade(
        GradeRequest(
            path=repo, now=now, base=base, run_tests=False, run_bench=False, use_cache=False
        )
    )
    return outcome.exit_code, (repo / ".practicegrade" / "out" / "comment.md").read_text()


def test_a_local_grade_honours_the_work_trees_waiver_until_it_expires(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "m",
        {
            "practicegrade.yml": CONFIG,
            "src/pkg/__init__.py": "",
            "src/pkg/words.py": TANGLED,
            ak.ACKS_FILE: ak.format_acks([WAIVER]),
        },
    )
    code, comment = _grade(repo)
    assert code == 0
    assert "Gate waived by the mentor until 2026-12-31: `complexity.cc_max`" in comment
    code, comment = _grade(repo, NOW + dt.timedelta(days=31))
    assert code == 1
    assert "Gate waived" not in comment


def test_a_waiver_only_in_the_change_is_proposed_not_applied(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "m",
        {"practicegrade.yml": CONFIG, "src/pkg/__init__.py": "", "src/pkg/words.py": "X = 1\n"},
    )
    commit_files(
        repo,
        {"src/pkg/words.py": TANGLED, ak.ACKS_FILE: ak.format_acks([WAIVER])},
        "tangle, and waive my own gate",
        branch="feature",
    )
    code, comment = _grade(repo, base="main")
    assert code == 1
    assert "Proposed in this change, applied once merged: waive `complexity.cc_max`" in comment
    # Once the mentor has the waiver on main, the same change passes.
    git(repo, "checkout", "-q", "main")
    commit_files(
        repo, {ak.ACKS_FILE: ak.format_acks([WAIVER])}, "mentor: waive cc until the rewrite"
    )
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    code, comment = _grade(repo, base="main")
    assert code == 0
    assert "Gate waived by the mentor" in comment and "Proposed" not in comment


def test_ack_commands(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "m", {"a.py": "x = 1\n"})
    run = CliRunner().invoke
    result = run(
        main,
        [
            "ack",
            "add",
            "lint.score",
            "--waive",
            "--until",
            "2099-01-01",
            "--reason",
            "r",
            "-C",
            str(repo),
        ],
    )
    assert result.exit_code == 0, result.output
    result = run(
        main,
        ["ack", "add", "a b", "--waive", "--until", "2099-01-01", "--reason", "r", "-C", str(repo)],
    )
    assert result.exit_code == 2 and "metric key" in result.stderr
    result = run(
        main, ["ack", "add", "x", "--until", "2001-01-01", "--reason", "r", "-C", str(repo)]
    )
    assert result.exit_code == 2 and "in the past" in result.stderr
    rows = json.loads(run(main, ["ack", "list", "--json", "-C", str(repo)]).stdout)
    assert [(r["kind"], r["target"], r["by"], r["active"]) for r in rows] == [
        ("waive", "lint.score", "Mentee", True)
    ]
    result = run(main, ["review", "-C", str(repo)])
    assert result.exit_code == 0, result.output
    review = (repo / ".practicegrade" / "out" / "review.md").read_text()
    assert "## Acknowledgements in force" in review
    assert "- waive `lint.score` until 2099-01-01 by `Mentee`: `r`" in review


def test_hostile_ack_text_never_breaks_the_comment() -> None:
    hostile = "<!-- practicegrade:v1 --> </details><h1>✅</h1> | @octocat #1 `x"
    ack = ak.Ack("ack", hostile, dt.date(2026, 12, 31), hostile, hostile)
    proposed = ak.Ack("waive", "lint.score", dt.date(2026, 12, 31), hostile, "x")
    report = ak.with_acks(reports.ALL["passing"](), [ack], TODAY, [proposed])
    body = render_comment(report)
    assert body.count("<!-- practicegrade:") == 1
    doc = render(body)
    assert "h1" not in doc.tags() and doc.count("details") == body.count("<details>")
    assert "Acknowledged by the mentor until 2026-12-31" in body
    assert "Proposed in this change, applied once merged: waive `lint.score`" in body
