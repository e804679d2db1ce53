"""The PR comment end to end: real repositories graded against their base, compared with goldens.

Four changes a mentor meets every week: a test-only change, a refactor that moves code
to another module, a change that adds a complex function, and a first grading. Each is a
real temporary git repository graded by real radon, pylint, pytest and coverage.py; the
comment is compared with ``tests/golden/e2e-<name>.md`` after masking what differs from
run to run (commit ids, tool versions, the test run's duration).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from practicegrade.grade import GradeRequest, grade
from practicegrade.model import FeedbackItem, Report, plain
from practicegrade.render.markdown import render_comment
from tests.helpers.repos import SAMPLE_PROJECT, commit_all, git, init_repo, write_files
from tests.render.conftest import compare_golden as golden

NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)

MORE_TESTS = """
    from calc.ops import add, classify


    def test_add():
        assert add(2, 3) == 5
        assert add(-1, 1) == 0
        assert add(0, 0) == 0
        assert add(2.5, 0.5) == 3.0
        assert add(10, -20) == -10


    def test_classify_negative():
        assert classify(-1) == "negative"


    def test_classify_small():
        assert classify(3) == "small"
"""

OPS_WITHOUT_CLASSIFY = '''
    """Arithmetic helpers."""


    def add(a, b):
        """Add two numbers."""
        return a + b


    def unused(x):
        y = 1
        return x
'''

WORDS = '''
    """Numbers in words."""


    def classify(n):
        """Describe a number in words."""
        if n < 0:
            return "negative"
        if n == 0:
            return "zero"
        if n < 10:
            return "small"
        if n < 100:
            return "medium"
        return "large"
'''

MOVED_TESTS = """
    from calc.ops import add
    from calc.words import classify


    def test_add():
        assert add(2, 3) == 5


    def test_classify_negative():
        assert classify(-1) == "negative"


    def test_classify_small():
        assert classify(3) == "small"
"""

REPORT_PY = '''
    """Turn raw rows into a text report."""


    def summarise(rows, currency="EUR"):
        """One line per customer, totals last."""
        lines = []
        totals = {}
        for row in rows:
            name = row.get("name")
            if not name:
                continue
            amount = row.get("amount", 0)
            if amount < 0:
                kind = "refund"
            elif amount == 0:
                kind = "empty"
            elif amount > 1000:
                kind = "large"
            else:
                kind = "sale"
            if row.get("vip"):
                amount = amount * 0.9
                if kind == "large":
                    amount = amount - 50
            totals[name] = totals.get(name, 0) + amount
            lines.append(f"{name}: {kind} {amount:.2f} {currency}")
        for name, total in sorted(totals.items()):
            if total > 5000:
                lines.append(f"{name} total {total:.2f} {currency} (gold)")
            elif total > 1000:
                lines.append(f"{name} total {total:.2f} {currency} (silver)")
            else:
                lines.append(f"{name} total {total:.2f} {currency}")
        return lines
'''

REPORT_TEST = """
    from calc.report import summarise


    def test_one_sale():
        assert summarise([{"name": "ada", "amount": 10}]) == [
            "ada: sale 10.00 EUR",
            "ada total 10.00 EUR",
        ]
"""


def _grade(root: Path, base: str | None) -> Report:
    request = GradeRequest(
        path=root,
        now=NOW,
        base=base,
        run_bench=False,
        write_artifacts=False,
        write_note=False,
        use_cache=False,
    )
    return grade(request).report


def _masked(comment: str) -> str:
    """The comment without what differs between two runs of the same change."""
    comment = re.sub(r"`[0-9a-f]{12}`", "`<sha>`", comment)
    comment = re.sub(r"(?m)^<sub>practicegrade .*</sub>$", "<sub>(footer)</sub>", comment)
    # radon's maintainability index depends on the Python version's ast (Halstead
    # operands differ between 3.10 and 3.13), so CI's two Pythons disagree on it.
    comment = re.sub(
        r"(`complexity\.mi_(?:min|mean)` \| )[-0-9.]+ \| [^|\n]*\|", r"\1<mi> | <mi> |", comment
    )
    return re.sub(r"(`tests\.duration_s` \| )[0-9.]+", r"\1<s>", comment)


def _changed(tmp_path: Path, files: dict[str, str], message: str) -> Path:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    git(root, "checkout", "-q", "-b", "feature")
    write_files(root, files)
    commit_all(root, message)
    return root


def _texts(report: Report, category: str) -> list[str]:
    return [plain(i.text) for i in report.feedback if i.category == category]


def _lead(report: Report) -> list[FeedbackItem]:
    return [i for i in report.feedback if i.category == "suggestion" and not i.backlog][:3]


@pytest.mark.slow
def test_a_test_only_change(tmp_path: Path) -> None:
    root = _changed(tmp_path, {"tests/test_ops.py": MORE_TESTS}, "more add cases")
    report = _grade(root, "main")
    assert _texts(report, "change") == ["This change adds 4 assertions to test_add."]
    assert not _lead(report), "a change that only adds tests calls for no next step"
    praise = _texts(report, "praise")
    assert len(praise) <= 3
    assert not any("tests pass" in p for p in praise)
    golden("e2e-test-only.md", _masked(render_comment(report)))


@pytest.mark.slow
def test_a_refactor_that_moves_code(tmp_path: Path) -> None:
    files = {
        "src/calc/ops.py": OPS_WITHOUT_CLASSIFY,
        "src/calc/words.py": WORDS,
        "tests/test_ops.py": MOVED_TESTS,
    }
    report = _grade(_changed(tmp_path, files, "move classify to words"), "main")
    assert report.comparison is not None
    assert report.comparison.new_lint == () and report.comparison.fixed_lint == ()
    change = _texts(report, "change")
    assert change[0].startswith("This change moves classify to src/calc/words.py")
    # moved, not new: nothing about classify's complexity leads
    assert not any(i.evidence.function == "classify" for i in _lead(report))
    moved = [i for i in report.feedback if i.backlog and i.evidence.function == "classify"]
    assert moved and "untested before the move too" in plain(moved[0].text)
    golden("e2e-refactor-moves-code.md", _masked(render_comment(report)))


@pytest.mark.slow
def test_a_change_that_adds_a_complex_function(tmp_path: Path) -> None:
    files = {"src/calc/report.py": REPORT_PY, "tests/test_report.py": REPORT_TEST}
    report = _grade(_changed(tmp_path, files, "add summarise"), "main")
    lead = _lead(report)
    assert lead[0].evidence.function == "summarise"
    assert plain(lead[0].next_step or ()).startswith(
        "Extract the if/elif chain on lines 13-20 of src/calc/report.py from summarise into a "
        "helper such as kind_for_amount()"
    )
    assert lead[1].evidence.metric == "coverage.patch_pct"
    assert lead[1].evidence.function == "summarise"
    # the old, untouched `unused` is nobody's next step here
    assert not any(i.evidence.function == "unused" for i in lead)
    golden("e2e-adds-complex-function.md", _masked(render_comment(report)))


@pytest.mark.slow
def test_a_first_grading(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    report = _grade(root, "none")
    assert _texts(report, "change")[0].startswith("First grading")
    comment = render_comment(report)
    assert "#### Where to start" in comment
    golden("e2e-first-grading.md", _masked(comment))
