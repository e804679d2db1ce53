"""The PR comment: golden files, GFM structure, hostile learner strings, the size budget."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practicegrade.model import MINOR_RANK, Code, CoverageLeftOut, Evidence, FeedbackItem, Report
from practicegrade.render.html import HistoryPoint
from practicegrade.render.markdown import MAX_BYTES, MAX_CHARS, marker, render_comment
from tests.helpers import reports

from .conftest import GoldenCheck
from .gfm import Doc, render

ALLOWED_TAGS = {
    "h3",
    "h4",
    "p",
    "sub",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "hr",
    "br",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "details",
    "summary",
}
ALLOWED_ATTRS = {("th", "align"), ("td", "align"), ("pre", "lang"), ("code", "class")}


def check_structure(md: str) -> Doc:
    """What must hold for any comment we render, whatever the report holds."""
    assert md.count("<!-- practicegrade:") == 1
    assert md.startswith("<!-- practicegrade:v1")
    doc = render(md)
    assert len(doc.comments) == 1, doc.comments
    assert doc.comments[0].startswith(" practicegrade:v1")
    assert doc.tags() <= ALLOWED_TAGS, doc.tags() - ALLOWED_TAGS
    for tag, attrs in doc.elements:
        for name, _ in attrs:
            assert (tag, name) in ALLOWED_ATTRS, (tag, name)
    assert doc.count("details") == doc.end_tags.count("details")
    for table in doc.tables:
        assert table.header, "every table has a header"
        assert {len(r) for r in table.rows} <= {len(table.header)}
    return doc


# --------------------------------------------------------------------------- golden


@pytest.mark.parametrize("name", ["passing", "failing_gate", "first_run", "with_base", "hostile"])
def test_comment_matches_golden(name: str, golden: GoldenCheck) -> None:
    md = render_comment(reports.ALL[name]())
    check_structure(md)
    golden(f"comment-{name}.md", md)


def test_huge_comment_matches_golden(golden: GoldenCheck) -> None:
    md = render_comment(reports.huge())
    check_structure(md)
    golden("comment-huge.md", md)


# --------------------------------------------------------------------------- contract


def test_first_line_is_the_marker() -> None:
    md = render_comment(reports.passing())
    assert md.splitlines()[0] == "<!-- practicegrade:v1 -->"


def test_job_id_is_in_the_marker_and_sanitised() -> None:
    assert marker("ci-42.linux_py3") == "<!-- practicegrade:v1 id=ci-42.linux_py3 -->"
    assert marker("x --> <b>y</b>") == "<!-- practicegrade:v1 id=x-byb -->"
    assert marker("") == marker(None) == "<!-- practicegrade:v1 -->"
    md = render_comment(reports.passing(), job_id="lint 1 -->")
    assert md.splitlines()[0] == "<!-- practicegrade:v1 id=lint1- -->"
    check_structure(md)


def test_body_is_deterministic_and_has_no_timestamp() -> None:
    a = reports.passing()
    b = dataclasses.replace(a, generated_at="2030-01-01T00:00:00Z")
    assert render_comment(a) == render_comment(b)
    assert "2026-11-01T12:00:00Z" not in render_comment(a)


def test_sections_follow_the_agreed_order() -> None:
    """Verdict, what changed, next steps, what went well, the compact table; the rest folded."""
    md = render_comment(reports.failing_gate())
    order = [
        "a gate failed",
        "This change adds",
        "#### Next steps",
        "#### What went well",
        "#### Metrics",
        "more next step",
        "<details><summary>Observed",
        "<details><summary>Competencies",
        "<details><summary>Milestones",
        "Compared with the base",
        "Changed lines without tests",
        "Complexity changes",
        "New lint messages",
        "Failing tests",
        "Tool findings",
        "Functions above complexity 10",
        "Lint messages",
        "Coverage by file",
        "<sub>practicegrade 0.1.0",
    ]
    positions = [md.index(s) for s in order]
    assert positions == sorted(positions)
    assert "#### Must fix" not in md  # failed gates are said once, in the verdict
    assert "report.html" not in md  # a PR reader cannot open it


def test_score_in_points_is_in_the_header() -> None:
    md = render_comment(reports.failing_gate())
    head = md.splitlines()[1]
    assert re.search(r" · \d+(\.\d)? of \d+(\.\d)? points$", head), head


def test_footer_is_one_line_with_each_version_once() -> None:
    md = render_comment(reports.with_base())
    tail = md.rstrip("\n").splitlines()
    assert tail[-2] == "---"
    assert tail[-1].count("practicegrade 0.1.0") == 1
    assert "pylint 4.1.4" in tail[-1]


def test_sparkline_shows_recent_history_of_leading_metrics() -> None:
    history = [
        HistoryPoint(
            commit=f"{i:040x}", ts="2026-10-01T00:00:00+00:00", metrics={"coverage.line_pct": v}
        )
        for i, v in enumerate((40.0, 50.0, 60.0))
    ]
    table = check_structure(render_comment(reports.passing(), history)).tables[0]
    rows = {r[1]: r for r in table.rows}
    assert rows["coverage.line_pct"][-1] == "▁▂▄█"  # 40, 50, 60, then 91.2 now
    assert rows["lint.score"][-1] == ""  # no history for it: no line drawn from one point


def test_verdicts() -> None:
    assert "### ✅ practicegrade: all gates pass" in render_comment(reports.passing())
    fail = render_comment(reports.failing_gate())
    assert "### ❌ practicegrade: a gate failed" in fail
    assert "Gates are blocking" in fail
    warn = render_comment(reports.first_run())
    assert "### ⚠️ practicegrade: a gate failed (advisory)" in warn
    assert "nothing is blocked" in warn
    unevaluated = dataclasses.replace(reports.passing(), evaluation=None, feedback=())
    md = render_comment(unevaluated)
    assert "measured, not evaluated" in md
    check_structure(md)


def test_metric_table_has_deltas_only_with_a_base() -> None:
    with_base = check_structure(render_comment(reports.passing())).tables[0]
    assert with_base.header == ["", "metric", "value", "target", "Δ vs base", "trend"]
    rows = {r[1]: r for r in with_base.rows}
    assert rows["coverage.line_pct"][2:5] == ["91.2", ">= 85 · gate >= 60", "+2.5 🟢"]
    # a timing has a target here, so it leads; without one, a moved timing is noise
    assert "bench.parse_log.median_s" in rows
    untargeted = dataclasses.replace(reports.passing(), evaluation=None)
    lead = check_structure(render_comment(untargeted)).tables[0]
    assert "bench.parse_log.median_s" not in {r[1] for r in lead.rows}
    without = check_structure(render_comment(reports.first_run())).tables[0]
    assert without.header == ["", "metric", "value", "target", "trend"]
    assert [r[1] for r in without.rows] == [
        "tests.failed",
        "coverage.line_pct",
        "lint.score",
        "complexity.cc_max",
    ]


def test_metrics_not_measured_for_one_reason_share_one_mention_of_it() -> None:
    unmeasured = {
        **dict.fromkeys(
            ("tests.passed", "tests.failed", "coverage.line_pct"), "not run: --no-tests"
        ),
        "coverage.patch_pct": "no base to compare with",
    }
    text = render_comment(dataclasses.replace(reports.passing(), unmeasured=unmeasured))
    line = next(x for x in text.splitlines() if x.startswith("Not measured: "))
    assert line.count("not run: --no-tests") == 1
    assert "`coverage.patch_pct` (`no base to compare with`)" in line
    assert line.count(";") == 1


def test_failed_gate_rows_are_marked() -> None:
    table = check_structure(render_comment(reports.failing_gate())).tables[0]
    rows = {r[1]: r for r in table.rows}
    assert rows["coverage.line_pct"][0] == "❌"
    assert rows["coverage.line_pct"][4] == "-14.5 🔴"
    assert rows["lint.score"][0] == "🟡"
    assert rows["tests.passed"] == ["", "tests.passed", "18", "", "-2 🔴", ""]
    assert "size.sloc" not in rows
    other = next(
        t
        for t in check_structure(render_comment(reports.failing_gate())).tables
        if t.header == ["metric", "value", "Δ vs base"]
    )
    assert ["size.sloc", "420", ""] in other.rows


def test_three_suggestions_lead_the_rest_are_collapsed() -> None:
    md = render_comment(reports.failing_gate())
    lead = md[md.index("#### Next steps") : md.index("#### What went well")]
    assert re.findall(r"^(\d)\. \*\*", lead, re.M) == ["1", "2", "3"]
    assert lead.index("Write one test for") < lead.index("Lines 41-77") < lead.index("Evidence:")
    collapsed = md[md.index("2 more next steps") : md.index("<details><summary>Observed")]
    assert "Add a one-line docstring" in collapsed
    assert "Cover the new branch" in collapsed


def test_backlog_steps_never_lead() -> None:
    rep = reports.failing_gate()
    steps = [i for i in rep.feedback if i.category == "suggestion"]
    others = [i for i in rep.feedback if i.category != "suggestion"]
    old = dataclasses.replace(steps[0], backlog=True)
    md = render_comment(dataclasses.replace(rep, feedback=(*others, old, *steps[1:])))
    lead = md[md.index("#### Next steps") : md.index("#### What went well")]
    assert "Write one test for" not in lead
    backlog = md[md.index("Backlog: 1 step") :]
    assert "Write one test for" in backlog


def test_an_example_folds_under_its_step() -> None:
    rep = reports.failing_gate()
    steps = [i for i in rep.feedback if i.category == "suggestion"]
    others = [i for i in rep.feedback if i.category != "suggestion"]
    first = dataclasses.replace(steps[0], example="# Instead of:\nx = 1\n")
    md = render_comment(dataclasses.replace(rep, feedback=(*others, first, *steps[1:])))
    lead = md[md.index("#### Next steps") : md.index("#### What went well")]
    assert "   <details><summary>Example</summary>" in lead
    assert "   ```python" in lead
    check_structure(md)


def test_failing_test_messages_are_fenced_inside_details() -> None:
    doc = check_structure(render_comment(reports.failing_gate()))
    pre = [t for t, stack in doc.texts if "pre" in stack]
    assert any("assert 5 == 7" in t for t in pre)
    assert all("details" in stack for t, stack in doc.texts if "assert 5 == 7" in t)


def test_per_file_tables_are_complete_and_worst_first() -> None:
    doc = check_structure(render_comment(reports.failing_gate()))
    coverage = next(t for t in doc.tables if t.header[0] == "file" and "missing lines" in t.header)
    assert [r[0] for r in coverage.rows] == ["src/inventory/store.py", "src/inventory/cli.py"]
    assert coverage.rows[0][4] == "41-77, 88-129, 140-142"
    patch = next(t for t in doc.tables if "uncovered lines" in t.header)
    assert patch.rows[0] == ["src/inventory/store.py", "24", "5", "140-142, 150-151"]


@pytest.mark.parametrize("files", [True, False])
def test_what_the_projects_coverage_settings_leave_out_is_said(files: bool) -> None:
    rep = reports.failing_gate()
    assert rep.tests is not None
    left = CoverageLeftOut(
        ".coveragerc", ("src/inventory/_version.py",), 4, excluded_lines=3, source_statements=140
    )
    tests = dataclasses.replace(
        rep.tests, coverage_left_out=left, coverage=rep.tests.coverage if files else ()
    )
    md = render_comment(dataclasses.replace(rep, tests=tests))
    check_structure(md)
    assert (
        "The project's coverage settings (`.coveragerc`) omit 1 file (4 statements: "
        "`src/inventory/_version.py`) and exclude 3 more lines: 5.0% of the source's 140 "
        "statements are not in the coverage numbers." in md
    )


def test_footer_has_tool_versions() -> None:
    last = render_comment(reports.passing()).rstrip("\n").splitlines()[-1]
    assert last.startswith("<sub>practicegrade 0.1.0 · commit `3f2a9c1e5b7d`")
    assert "pylint 4.1.4" in last
    assert "radon 6.0.1" in last


# --------------------------------------------------------------------------- hostile strings


@pytest.fixture(scope="module")
def hostile_md() -> str:
    return render_comment(reports.hostile())


def test_hostile_tables_keep_their_columns(hostile_md: str) -> None:
    doc = check_structure(hostile_md)
    assert len(doc.tables) >= 5
    files = set(reports.HOSTILE_STRINGS)
    coverage = next(t for t in doc.tables if "missing lines" in t.header)
    assert len(coverage.rows) == len(files)


def test_hostile_paths_show_literally_in_one_cell(hostile_md: str) -> None:
    doc = check_structure(hostile_md)
    coverage = next(t for t in doc.tables if "missing lines" in t.header)
    cells = {r[0] for r in coverage.rows}
    assert {"a|b.py", "a\\|b", "a\\\\|b"} <= cells
    assert "line1  line2 line3 nul" in cells
    assert "evil\\u202etxt.py" in cells
    assert not any("\u202e" in t for t, _ in doc.texts)


def test_no_links_mentions_or_references_outside_code(hostile_md: str) -> None:
    doc = check_structure(hostile_md)
    assert "a" not in doc.tags()
    for needle in ("@octocat", "#1", "org/repo#2", "deadbeef" * 5, "javascript:", "onerror"):
        hits = doc.texts_containing(needle)
        assert hits, needle
        for _, stack in hits:
            assert "code" in stack, (needle, stack)


def test_injected_html_is_text(hostile_md: str) -> None:
    doc = check_structure(hostile_md)
    assert not {"h1", "img", "script", "a"} & doc.tags()
    for needle in ("</details><h1>", "<img src=x", "<script>", "[x](javascript"):
        assert all("code" in stack for _, stack in doc.texts_containing(needle)), needle


def test_no_learner_text_starts_a_line_outside_a_fence(hostile_md: str) -> None:
    """GitLab runs quick actions (``/merge``, ``/label ~x``) written at the start of a line
    of a note, even one created through the API (security guide §6 case 9); it skips code
    blocks. So outside our fences every line starts with our own Markdown."""
    fence: str | None = None
    starts = []
    for line in hostile_md.splitlines():
        run = line[: len(line) - len(line.lstrip("`"))]
        if fence is None and len(run) >= 3:
            fence = run
            continue
        if fence is not None:
            if line.strip() == fence:
                fence = None
            continue
        starts.append(line.lstrip(" >"))
    assert "/merge" in hostile_md
    assert not [s for s in starts if s.startswith(("/", "::"))]


def test_the_terminal_summary_emits_no_workflow_command() -> None:
    """``::add-mask::x`` in a file name must never start a line of what the CI log shows
    (GitHub Actions would run it as a workflow command, §6 case 8)."""
    from practicegrade.render.terminal import render_summary  # noqa: PLC0415

    text = render_summary(reports.hostile(), color=False)
    assert "::add-mask::x" in text
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]


def test_unclosed_comment_hides_nothing_and_marker_stays_unique(hostile_md: str) -> None:
    assert hostile_md.count("<!-- practicegrade:") == 1
    assert hostile_md.count("<!--") == 1
    doc = check_structure(hostile_md)
    assert doc.texts_containing("practicegrade 0.1.0"), "the footer is still visible"


def test_marker_in_every_learner_field_still_counts_once() -> None:
    r = reports.hostile((reports.MARKER, "<!--", "<!-- practicegrade:v1 id=x -->"))
    md = render_comment(r)
    assert md.count("<!-- practicegrade:") == 1
    check_structure(md)


def test_trusted_feedback_text_is_kept_and_learner_parts_are_code() -> None:
    item = FeedbackItem(
        "suggestion",
        "testing",
        ("Cover ", Code("@octocat|x"), " **now**."),
        Evidence(file="a|b.py", line=3),
        ("Write ", Code("#1"), "."),
    )
    r = dataclasses.replace(reports.first_run(), feedback=(item,))
    doc = check_structure(render_comment(r))
    assert doc.texts_containing("now")[0][1][-1] == "strong"
    assert all("code" in stack for _, stack in doc.texts_containing("@octocat"))


# --------------------------------------------------------------------------- budget


def test_huge_repo_fits_and_says_it_was_shortened() -> None:
    r = reports.huge()
    md = render_comment(r)
    assert len(md) <= MAX_CHARS
    assert len(md.encode("utf-8")) <= MAX_BYTES
    assert md.splitlines()[0] == "<!-- practicegrade:v1 -->"
    assert "Shortened to fit the comment size limit" in md
    assert "coverage by file" in md.split("Left out:")[1]
    check_structure(md)


@pytest.mark.parametrize("limit", [300, 2_000, 8_000, 20_000, 40_000])
def test_any_limit_is_respected(limit: int) -> None:
    for r in (reports.huge(), reports.hostile(), reports.failing_gate()):
        md = render_comment(r, max_chars=limit, max_bytes=limit * 2)
        assert len(md) <= limit
        assert len(md.encode()) <= limit * 2
        check_structure(md)


def test_per_file_tables_are_dropped_first() -> None:
    r = reports.failing_gate()
    full = render_comment(r)
    md = render_comment(r, max_chars=len(full) - 1)
    assert "Left out: coverage by file." in md
    assert "Coverage by file" not in md
    assert "Lint messages" in md


def test_byte_budget_counts_utf8() -> None:
    r = reports.hostile(("€" * 120,))
    md = render_comment(r, max_bytes=4_000)
    assert len(md.encode()) <= 4_000
    check_structure(md)


# --------------------------------------------------------------------------- properties

_texts = st.text(max_size=40) | st.sampled_from(reports.HOSTILE_STRINGS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_texts, min_size=1, max_size=6).map(tuple))
def test_rendering_never_raises_and_structure_holds(strings: tuple[str, ...]) -> None:
    md = render_comment(reports.hostile(strings))
    assert len(md) <= MAX_CHARS
    check_structure(md)


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=100, max_value=60_000), st.integers(min_value=100, max_value=250_000))
def test_limits_hold_for_any_budget(max_chars: int, max_bytes: int) -> None:
    md = render_comment(reports.huge(), max_chars=max_chars, max_bytes=max_bytes)
    assert len(md) <= max_chars
    assert len(md.encode()) <= max_bytes
    assert md.count("<!-- practicegrade:") == 1


def _unused(_: Report) -> None:  # keeps the Report import honest for type checkers
    return None


def test_polish_never_leads_even_when_it_is_the_only_step() -> None:
    rep = reports.failing_gate()
    steps = [i for i in rep.feedback if i.category == "suggestion"]
    others = [i for i in rep.feedback if i.category != "suggestion"]
    docstring = dataclasses.replace(steps[3], rank=MINOR_RANK + 4)
    md = render_comment(dataclasses.replace(rep, feedback=(*others, docstring, steps[0])))
    lead = md[md.index("#### Next steps") : md.index("#### What went well")]
    assert re.findall(r"^(\d)\. \*\*", lead, re.M) == ["1"]
    assert "Write one test for" in lead and "docstring" not in lead
    assert "docstring" in md[md.index("1 more next step") :]
    alone = render_comment(dataclasses.replace(rep, feedback=(*others, docstring)))
    assert "#### Next steps" not in alone
    assert "Add a one-line docstring" in alone


def test_a_failed_gate_the_base_fails_too_says_so_in_the_verdict() -> None:
    rep = reports.failing_gate()
    assert rep.comparison is not None
    assert ", as on `main`" not in render_comment(rep)
    base = {**rep.comparison.base_metrics, "tests.failed": 2.0}
    same = dataclasses.replace(
        rep, comparison=dataclasses.replace(rep.comparison, base_metrics=base)
    )
    verdict = render_comment(same).split("\n\n")[1]
    assert "`tests.failed` is 2 (gate `== 0`), as on `main`" in verdict
    assert "`coverage.line_pct` is 48.5 (gate `>= 60`)" in verdict
    assert "`coverage.line_pct` is 48.5 (gate `>= 60`), as on" not in verdict


def test_a_pass_with_an_unmeasured_gate_claims_only_the_measured_ones() -> None:
    rep = reports.passing()
    assert rep.evaluation is not None
    comps = list(rep.evaluation.competencies)
    gated = next((i, j) for i, c in enumerate(comps) for j, k in enumerate(c.criteria) if k.gate)
    comp = comps[gated[0]]
    crits = list(comp.criteria)
    crits[gated[1]] = dataclasses.replace(crits[gated[1]], value=None, status="gap")
    comps[gated[0]] = dataclasses.replace(comp, criteria=tuple(crits))
    evaluation = dataclasses.replace(rep.evaluation, competencies=tuple(comps))
    md = render_comment(dataclasses.replace(rep, evaluation=evaluation))
    assert md.splitlines()[1].startswith("### ✅ practicegrade: all measured gates pass")
    assert f"**Not checked:** the gates on `{crits[gated[1]].metric}`: not measured" in md
    assert "all measured gates pass" not in render_comment(rep)
