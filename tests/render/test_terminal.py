"""The terminal summary: golden files, no escape injection, colour only when asked."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicegrade.render.terminal import render_summary
from tests.helpers import reports

from .conftest import GoldenCheck

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def assert_no_controls(text: str) -> None:
    for line in text.split("\n"):
        assert all(ord(c) >= 32 and not 0x7F <= ord(c) < 0xA0 for c in line), repr(line)


@pytest.mark.parametrize("name", ["passing", "failing_gate", "first_run", "with_base", "hostile"])
def test_summary_matches_golden(name: str, golden: GoldenCheck) -> None:
    text = render_summary(reports.ALL[name]())
    assert_no_controls(text)
    golden(f"summary-{name}.txt", text)


def test_verdict_first_then_key_metrics_with_deltas() -> None:
    text = render_summary(reports.failing_gate())
    lines = text.splitlines()
    assert lines[0] == "practicegrade FAIL  A gate failed"
    assert "vs main 9e8d7c6b5a4f" in lines[1]
    line = next(x for x in lines if x.strip().startswith("coverage.line_pct"))
    assert line.split() == ["coverage.line_pct", "48.5", "-14.5", "gate", ">=", "60", "not", "met"]


def test_at_most_three_next_steps_and_no_markdown() -> None:
    text = render_summary(reports.failing_gate())
    steps = text[text.index("Next steps:") :]
    assert re.findall(r"^  (\d)\. ", steps, re.M) == ["1", "2", "3"]
    assert "Cover the new branch" not in text  # the fifth suggestion
    assert "`" not in text
    assert "**" not in text
    assert "|" not in text


def test_first_run_has_no_deltas() -> None:
    text = render_summary(reports.first_run())
    assert "first run, no base" in text
    assert "WARN  A gate failed (advisory): nothing is blocked" in text
    assert not re.search(r"[+-]\d", text.split("\n\n")[1])


def test_what_was_not_run_is_grouped_by_who_asked() -> None:
    skipped = dict.fromkeys(
        (
            "tests.passed",
            "tests.failed",
            "tests.errors",
            "coverage.line_pct",
            "coverage.branch_pct",
        ),
        "not run: hook.tests: false",
    )
    unmeasured = {**skipped, "coverage.patch_pct": "no base to compare with"}
    text = render_summary(dataclasses.replace(reports.passing(), unmeasured=unmeasured), width=200)
    lines = [line.strip() for line in text.splitlines()]
    assert "not measured: coverage.patch_pct" in lines
    not_run = [line for line in lines if line.startswith("not run (hook.tests: false): ")]
    assert len(not_run) == 1 and "and 1 more" in not_run[0]
    assert lines.index(not_run[0]) < lines.index("not measured: coverage.patch_pct")


def test_no_evaluation() -> None:
    r = dataclasses.replace(reports.passing(), evaluation=None, feedback=())
    assert render_summary(r).startswith("practicegrade: measured (no competence model evaluated)")


def test_learner_escape_sequences_never_reach_the_terminal() -> None:
    nasty = "\x1b[2J\x1b[31mred\x1b]0;title\x07\x9b1m\r\x08"
    r = reports.hostile((nasty, "ok"))
    for color in (False, True):
        text = render_summary(r, color=color)
        assert_no_controls(ANSI.sub("", text))
        assert "\x07" not in text
        assert "\x1b[2J" not in text
        assert "\x1b]" not in text


def test_color_only_when_asked() -> None:
    r = reports.failing_gate()
    plain = render_summary(r)
    colored = render_summary(r, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m" in colored
    assert ANSI.sub("", colored) == plain


def test_width_wraps_long_steps() -> None:
    text = render_summary(reports.failing_gate(), width=50)
    body = text.split("Must fix:")[1]
    assert max(len(x) for x in body.splitlines()) <= 50


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5).map(tuple))
def test_never_raises_and_never_leaks_controls(strings: tuple[str, ...]) -> None:
    text = render_summary(reports.hostile(strings))
    assert_no_controls(text)
