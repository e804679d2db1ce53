"""The HTML dashboard: self-contained, escaped, charts drawn from history, golden files."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practicegrade.history import HistoryPoint as NotesPoint
from practicegrade.model import CompetencyResult, CriterionResult
from practicegrade.render.html import ChartPoint, HistoryPoint, line_chart, render_dashboard
from tests.helpers import reports

from .conftest import GoldenCheck
from .gfm import Doc, analyse

OUR_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "section", "div", "span",
    "h1", "h2", "h3", "p", "ul", "ol", "li", "code", "pre", "strong", "table", "thead", "tbody",
    "tr", "th", "td", "details", "summary", "footer", "br", "wbr",
    "svg", "line", "text", "polyline", "polygon", "circle",
}  # fmt: skip


def check_page(page: str) -> Doc:
    """Self-contained and structurally ours, whatever the report holds."""
    assert page.startswith("<!doctype html>")
    doc = analyse(page)
    assert doc.tags() <= OUR_TAGS, doc.tags() - OUR_TAGS
    attrs = {name for _, attributes in doc.elements for name, _ in attributes}
    assert not attrs & {"src", "href", "srcset", "action", "formaction", "xlink:href", "onerror"}
    assert not any(name.startswith("on") for name in attrs)
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page.split("</head>", 1)[1].split("<main>", 1)[0])
    assert "Content-Security-Policy" in page
    assert doc.comments == []
    return doc


# --------------------------------------------------------------------------- golden


def test_dashboard_with_history_matches_golden(golden: GoldenCheck) -> None:
    r = reports.failing_gate()
    page = render_dashboard(r, reports.history(r))
    check_page(page)
    golden("dashboard-failing_gate.html", page)


def test_first_run_dashboard_matches_golden(golden: GoldenCheck) -> None:
    page = render_dashboard(reports.first_run())
    check_page(page)
    golden("dashboard-first_run.html", page)


# --------------------------------------------------------------------------- self-contained


@pytest.mark.parametrize("name", sorted(reports.ALL))
def test_no_network_no_scripts(name: str) -> None:
    r = reports.ALL[name]()
    page = render_dashboard(r, reports.history(r))
    check_page(page)
    if name != "hostile":
        assert "http://" not in page
        assert "https://" not in page
        assert "url(" not in page
        assert "@import" not in page


# --------------------------------------------------------------------------- content


def text_of(doc: Doc) -> str:
    return re.sub(r"\s+", " ", doc.text())


def test_verdict_metrics_competencies_milestones_feedback() -> None:
    r = reports.failing_gate()
    doc = check_page(render_dashboard(r))
    text = text_of(doc)
    assert "FAIL A gate failed" in text
    assert "2 gates below the agreed floor" in text
    assert "coverage.line_pct is 48.5, gate >= 60" in text
    assert "Automated testing" in text
    assert "29% to target" in text
    assert "2026-10-15 · 17 days overdue" in text
    assert "Core module fully tested" in text
    assert "Write one test for Store.restock that checks the new quantity." in text
    assert "More suggestions 2" in text
    assert "No function got more complex in src/inventory/cli.py" in text


def test_progress_bars_follow_the_distance() -> None:
    page = render_dashboard(reports.failing_gate())
    assert re.findall(r'<span style="width: (\d+)%"></span>', page)[:2] == ["29", "48"]


def test_per_file_tables() -> None:
    r = reports.failing_gate()
    doc = check_page(render_dashboard(r))
    coverage = next(t for t in doc.tables if "missing lines" in t.header)
    assert [row[0] for row in coverage.rows] == ["src/inventory/store.py", "src/inventory/cli.py"]
    assert coverage.rows[0][1:5] == ["160", "82", "48.8", "92.5"]
    functions = next(t for t in doc.tables if t.header == ["function", "where", "cc", "rank"])
    assert functions.rows[0] == ["Store.checkout", "src/inventory/store.py:88", "17", "C"]
    mi = next(t for t in doc.tables if "MI" in t.header)
    assert mi.rows[0][:2] == ["src/inventory/store.py", "38.12"]


def test_metric_table_has_deltas_with_a_base_only() -> None:
    with_base = check_page(render_dashboard(reports.passing()))
    table = next(t for t in with_base.tables if t.header[:3] == ["metric", "value", "Δ vs base"])
    rows = {row[0]: row for row in table.rows}
    assert rows["coverage.line_pct"][1:4] == ["91.2", "+2.5", ">= 85"]
    first = check_page(render_dashboard(reports.first_run()))
    assert not any("Δ vs base" in t.header for t in first.tables)


@pytest.fixture(scope="module")
def huge_doc() -> Doc:
    return check_page(render_dashboard(reports.huge()))


def test_failure_messages_are_preformatted_and_capped(huge_doc: Doc) -> None:
    doc = huge_doc
    pre = [t for t, stack in doc.texts if "pre" in stack]
    assert pre
    assert max(len(t) for t in pre) < 4200
    assert "more characters" in pre[0]


def test_huge_repo_tables_are_capped(huge_doc: Doc) -> None:
    doc = huge_doc
    assert max(len(t.rows) for t in doc.tables) <= 2000
    assert "Showing 2000 of 10000 files" in text_of(doc)


# --------------------------------------------------------------------------- charts


def polylines(page: str) -> list[list[tuple[float, float]]]:
    lines = re.findall(r'<polyline class="line" points="([^"]+)"/>', page)
    return [[tuple(map(float, p.split(","))) for p in line.split()] for line in lines]  # type: ignore[misc]


def test_one_chart_per_key_metric_with_history() -> None:
    r = reports.failing_gate()
    hist = reports.history(r)
    page = render_dashboard(r, hist)
    charts = re.findall(r'aria-label="([^"]+) over (\d+) graded commits"', page)
    assert [c[0] for c in charts] == [
        "coverage.line_pct", "coverage.branch_pct", "coverage.patch_pct", "tests.failed",
        "lint.score", "complexity.cc_max", "complexity.mi_min",
    ]  # fmt: skip
    assert {c[1] for c in charts} == {str(len(hist) + 1)}
    coverage = polylines(page)[0]
    assert len(coverage) == len(hist) + 1
    # y grows downwards: coverage climbed through the history, then fell to 48.5 now
    ys = [y for _, y in coverage]
    assert ys[0] > ys[-2]
    assert ys[-1] > ys[-2]


def test_no_charts_without_history() -> None:
    page = render_dashboard(reports.failing_gate())
    assert "<svg" not in page
    assert "Trends appear once two commits have been graded" in page


def test_history_order_is_kept_and_the_current_commit_not_doubled() -> None:
    r = reports.failing_gate()
    hist = list(reports.history(r, 4))
    current = HistoryPoint(r.repo.commit or "", "2026-11-02T08:30:00Z", dict(r.metrics))
    page = render_dashboard(r, [*hist, current])
    assert 'over 5 graded commits"' in page
    ys = [y for _, y in polylines(page)[0]]
    backwards = render_dashboard(r, [*reversed(hist), current])
    assert [y for _, y in polylines(backwards)[0]] == [*reversed(ys[:-1]), ys[-1]]


def test_history_from_the_notes_module_fits() -> None:
    r = reports.failing_gate()
    hist = [
        NotesPoint(h.commit, h.ts, "subject <b>", h.ts, "hook", h.metrics)
        for h in reports.history(r)
    ]
    assert render_dashboard(r, hist) == render_dashboard(r, reports.history(r))


def test_chart_has_target_line_and_round_ticks() -> None:
    r = reports.failing_gate()
    page = render_dashboard(r, reports.history(r))
    first_svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="target"' in first_svg
    assert "<title>target 85.0</title>" in first_svg
    ticks = re.findall(r'x="42" y="[\d.]+" text-anchor="end">([^<]+)</text>', first_svg)
    assert ticks == ["40", "60", "80", "100"]  # history 42.5 .. 75, target 85, now 48.5


def test_line_chart_is_pure_svg_with_escaped_labels() -> None:
    svg = str(
        line_chart(
            "bench.<b>x</b>", [ChartPoint("<i>", "<t>", 1.0), ChartPoint("c", "d", 2.0)], None
        )
    )
    doc = analyse(svg)
    assert doc.tags() == {"svg", "line", "text", "polygon", "polyline", "circle", "title"}
    assert "<b>" not in svg
    assert "<i>" not in svg


# --------------------------------------------------------------------------- hostile


def test_hostile_strings_are_text_only() -> None:
    r = reports.hostile()
    doc = check_page(render_dashboard(r, reports.history(r)))
    text = doc.text()
    for s in (
        "</details><h1>✅ all passed</h1>",
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
    ):
        assert s in text
    assert "\u202e" not in text
    assert "evil\\u202etxt.py" in text
    assert "\x1b" not in text


def test_no_evaluation_still_renders() -> None:
    r = dataclasses.replace(reports.passing(), evaluation=None, feedback=(), comparison=None)
    text = text_of(check_page(render_dashboard(r)))
    assert "Measured, not evaluated" in text
    assert "No competence model evaluated." in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=5).map(tuple),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6),
)
def test_never_raises_and_stays_ours(strings: tuple[str, ...], values: list[float]) -> None:
    r = reports.hostile(strings)
    hist = [
        HistoryPoint(s, f"2026-01-{i + 1:02d}", {"coverage.line_pct": v, "lint.score": -v})
        for i, (s, v) in enumerate(zip(strings * 6, values, strict=False))
    ]
    check_page(render_dashboard(r, hist))


def _fresh_environment(folder: str) -> object:
    from practicegrade.render import html  # noqa: PLC0415

    return html.jinja2.Environment(
        loader=html.jinja2.PackageLoader("practicegrade.render", "templates"),
        autoescape=True,
        undefined=html.jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=html._QuietBytecodeCache(folder),
    )


def test_the_compiled_template_cache_is_used_and_a_missing_folder_only_costs_time(
    tmp_path: Path,
) -> None:
    from practicegrade.render import html  # noqa: PLC0415

    report = reports.passing()
    expected = render_dashboard(report)
    context = html._context(report, ())
    gone = tmp_path / "gone"  # never created: loading and storing both fail
    page = _fresh_environment(str(gone)).get_template("dashboard.html.j2")  # type: ignore[attr-defined]
    assert page.render(**context) == expected
    assert not gone.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    _fresh_environment(str(kept)).get_template("dashboard.html.j2")  # type: ignore[attr-defined]
    (stored,) = kept.iterdir()
    again = _fresh_environment(str(kept)).get_template("dashboard.html.j2")  # type: ignore[attr-defined]
    assert again.render(**context) == expected
    stored.write_bytes(b"not jinja bytecode")  # a corrupt entry is recompiled
    third = _fresh_environment(str(kept)).get_template("dashboard.html.j2")  # type: ignore[attr-defined]
    assert third.render(**context) == expected


def test_unmeasured_competency_says_not_measured_and_progressing_is_never_100() -> None:
    rep = reports.failing_gate()
    assert rep.evaluation is not None
    unmeasured = CompetencyResult(
        "perf",
        "Fast code",
        "",
        "gap",
        (CriterionResult("bench.x.median_s", "<= 1", None, None, "gap", False, 1.0),),
        1.0,
    )
    almost = CompetencyResult(
        "near",
        "Nearly there",
        "",
        "progressing",
        (CriterionResult("lint.score", ">= 9", None, 8.99, "progressing", False, 0.001),),
        0.001,
    )
    ev = dataclasses.replace(rep.evaluation, competencies=(unmeasured, almost))
    page = render_dashboard(dataclasses.replace(rep, evaluation=ev), [])
    perf = page[page.index("Fast code") : page.index("Nearly there")]
    assert "not measured" in perf and "% to target" not in perf
    near = page[page.index("Nearly there") :]
    assert "<strong>99%</strong> to target" in near
    assert "100%</strong> to target" not in near


def test_backlog_steps_are_apart_from_the_next_steps() -> None:
    rep = reports.failing_gate()
    steps = [i for i in rep.feedback if i.category == "suggestion"]
    others = [i for i in rep.feedback if i.category != "suggestion"]
    old = dataclasses.replace(steps[0], backlog=True)
    page = render_dashboard(dataclasses.replace(rep, feedback=(*others, old, *steps[1:])), [])
    lead = page[page.index("<h2>Next steps</h2>") : page.index("Backlog: steps")]
    assert "Write one test for" not in lead
    assert "Write one test for" in page[page.index("Backlog: steps") :]
