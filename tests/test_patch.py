"""Patch coverage: the pure computation, and equality with diff-cover on real data."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from practicegrade import gitrepo
from practicegrade.grade import GradeRequest, grade
from practicegrade.patch import patch_coverage
from tests.helpers.repos import SAMPLE_PROJECT, commit_files, git, init_repo, write_files

DIFF_COVER = Path(sys.executable).with_name("diff-cover")


def test_only_changed_executable_lines_count() -> None:
    changed = {"a.py": [1, 2, 3, 10], "b.py": [5], "untested.txt": [1]}
    statements = {"a.py": [2, 3, 4, 10], "b.py": [7]}
    missing = {"a.py": [3, 4]}
    result = patch_coverage(changed, statements, missing)
    assert result.measured == 3  # a.py 2, 3, 10; b.py's change is not a statement
    assert result.covered == 2
    assert result.percent == pytest.approx(66.67)
    assert [(f.file, f.changed_lines, f.uncovered_lines) for f in result.files] == [
        ("a.py", 3, (3,))
    ]


def test_no_changed_statement_means_no_number() -> None:
    result = patch_coverage({"a.py": [1]}, {"a.py": [5]}, {})
    assert result.percent is None
    assert result.files == ()


OPS_HEAD = '''
    """Arithmetic helpers."""

    import math


    def add(a, b):
        """Add two numbers."""
        return a + b


    def classify(n):
        """Describe a number in words."""
        if n < 0:
            return "negative"
        if n == 0:
            return "zero"
        if n < 10:
            return "small"
        if n < 1000:
            return "medium"
        return "large"


    def hypot(a, b):
        """Length of the diagonal."""
        return math.sqrt(a * a + b * b)


    def unused(x):
        y = 1
        return x
'''

SHAPES = '''
    """Shapes, half tested."""


    def area(w, h):
        if w < 0 or h < 0:
            raise ValueError("negative")
        return w * h


    def perimeter(w, h):
        return 2 * (w + h)
'''

SHAPES_TEST = """
    from calc.shapes import area
    from calc.ops import classify


    def test_area():
        assert area(2, 3) == 6


    def test_medium():
        assert classify(500) == "medium"
"""


@pytest.fixture(scope="module")
def change(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A repo whose head commit edits, moves and adds code, some of it tested."""
    root = init_repo(tmp_path_factory.mktemp("patch") / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    head = commit_files(
        root,
        {
            "src/calc/ops.py": OPS_HEAD,
            "src/calc/shapes.py": SHAPES,
            "tests/test_shapes.py": SHAPES_TEST,
        },
        "hypot, shapes",
    )
    return root, base, head


def _coverage_files(root: Path, out: Path) -> tuple[Path, Path]:
    """Run the tests under coverage.py ourselves; write coverage.xml and .json outside the repo."""
    rc = out / "rc"
    rc.write_text("[run]\nbranch = true\nrelative_files = true\nsource = src\n")
    env = {**os.environ, "COVERAGE_FILE": str(out / ".coverage"), "PYTHONPATH": str(root / "src")}
    for args in (
        ["run", f"--rcfile={rc}", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        ["xml", f"--rcfile={rc}", "-o", str(out / "coverage.xml")],
        ["json", f"--rcfile={rc}", "-o", str(out / "coverage.json")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "coverage", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return out / "coverage.xml", out / "coverage.json"


def _diff_cover(root: Path, xml: Path, base: str, out: Path) -> dict[str, object]:
    report = out / "diff-cover.json"
    done = subprocess.run(
        [
            str(DIFF_COVER),
            str(xml),
            f"--compare-branch={base}",
            "--total-percent-float",
            "--format",
            f"json:{report}",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, object] = json.loads(report.read_text())
    return data


def test_equals_diff_cover_on_the_same_diff_and_coverage_data(
    change: tuple[Path, str, str], tmp_path: Path
) -> None:
    root, base, head = change
    xml, cov_json = _coverage_files(root, tmp_path)
    files = json.loads(cov_json.read_text())["files"]
    statements = {f: sorted({*i["executed_lines"], *i["missing_lines"]}) for f, i in files.items()}
    missing = {f: i["missing_lines"] for f, i in files.items()}
    ours = patch_coverage(gitrepo.changed_lines(root, base, head), statements, missing)

    theirs = _diff_cover(root, xml, base, tmp_path)
    assert ours.percent is not None
    assert 0 < ours.percent < 100  # the fixture has both covered and uncovered changes
    assert ours.percent == theirs["total_percent_covered"]
    assert ours.measured == theirs["total_num_lines"]
    src_stats = theirs["src_stats"]
    assert isinstance(src_stats, dict)
    assert {f.file: list(f.uncovered_lines) for f in ours.files} == {
        path: stats["violation_lines"]
        for path, stats in src_stats.items()
        if stats["violation_lines"] or path in {f.file for f in ours.files}
    }


def test_grade_reports_diff_covers_number(change: tuple[Path, str, str], tmp_path: Path) -> None:
    root, base, _head = change
    xml, _json = _coverage_files(root, tmp_path)
    theirs = _diff_cover(root, xml, base, tmp_path)
    outcome = grade(
        GradeRequest(
            path=root,
            now=dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc),
            base=base,
            run_bench=False,
            write_artifacts=False,
            write_note=False,
            use_cache=False,
        )
    )
    report = outcome.report
    assert report.metrics["coverage.patch_pct"] == theirs["total_percent_covered"]
    assert report.comparison is not None
    uncovered = {p.file: list(p.uncovered_lines) for p in report.comparison.patch}
    src_stats = theirs["src_stats"]
    assert isinstance(src_stats, dict)
    assert uncovered["src/calc/shapes.py"] == src_stats["src/calc/shapes.py"]["violation_lines"]
    assert uncovered["src/calc/ops.py"] == src_stats["src/calc/ops.py"]["violation_lines"]


def test_a_work_tree_edit_counts_against_head_and_untracked_files_are_added(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {"a.py": "x = 1\ny = 2\n"})
    head = git(root, "rev-parse", "HEAD").strip()
    write_files(
        root,
        {
            "a.py": "x = 1\nz = 3\ny = 2\n",
            "new.py": textwrap.dedent("""
        a = 1
        b = 2
    """).lstrip(),
        },
    )
    changed = gitrepo.changed_lines(root, head, None)
    assert changed == {"a.py": [2], "new.py": [1, 2]}
