"""Tests collected and not run: the counts say so, and the run is never a clean one.

Each case is a real pytest run on a real fixture project whose own configuration (an
``addopts`` line, a conftest hook, an early exit) stops collected tests from running.
The counts are checked against pytest's own ``--collect-only`` listing of the same
project, and the finding must name the setting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.helpers.repos import SAMPLE_PROJECT, write_files

from practicegrade.collectors import Settings
from practicegrade.collectors.tests import NOT_RUN_KIND, collect
from practicegrade.discover import discover
from practicegrade.model import CollectorResult, TestDetails

PYTHON = sys.executable


def _collect(root: Path, timeout: float = 60.0) -> CollectorResult:
    scratch = root.parent / f"{root.name}-scratch"
    scratch.mkdir(exist_ok=True)
    return collect(discover(root, python=PYTHON), Settings(scratch=scratch, test_timeout_s=timeout))


def _details(result: CollectorResult) -> TestDetails:
    assert isinstance(result.details, TestDetails)
    return result.details


def _pytest_collected(root: Path) -> int:
    """How many tests pytest itself collects here, without the project's addopts."""
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--co",
            "-q",
            "-c",
            "/dev/null",
            "--rootdir",
            str(root),
            "tests",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "src")},
    )
    return sum(1 for line in done.stdout.splitlines() if "::" in line)


@pytest.mark.parametrize(
    ("addopts", "named"),
    [
        ("--co", "--collect-only"),
        ("--collect-only", "--collect-only"),
        ("--setup-only", "--setup-only"),
        ("--setup-plan", "--setup-plan"),
        ("--deselect tests/test_ops.py::test_add", "--deselect tests/test_ops.py::test_add"),
        ("-k nothing_matches_this", "-k nothing_matches_this"),
        ("-m nomarker", "-m nomarker"),
    ],
)
def test_an_addopts_that_stops_tests_running_is_named_and_counted(
    tmp_path: Path, addopts: str, named: str
) -> None:
    root = tmp_path / "repo"
    write_files(root, {**SAMPLE_PROJECT, "pytest.ini": f"[pytest]\naddopts = {addopts}\n"})
    result = _collect(root)
    details = _details(result)
    assert details.collected == _pytest_collected(root) == 3
    assert details.run is not None and details.run < 3
    (finding,) = [f for f in result.findings if f.kind == NOT_RUN_KIND]
    assert named in finding.message
    assert "addopts in pytest.ini" in finding.message
    assert f"pytest ran {details.run} of 3 collected tests" in finding.message
    if addopts.startswith(("-k", "-m", "--deselect")):
        assert details.deselected == (1 if "deselect" in addopts else 3)


def test_a_conftest_that_drops_collected_tests_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(
        root,
        {
            **SAMPLE_PROJECT,
            "conftest.py": """
                def pytest_collection_modifyitems(items):
                    items.clear()
            """,
        },
    )
    result = _collect(root)
    details = _details(result)
    assert (details.collected, details.deselected, details.run) == (3, 0, 0)
    (finding,) = [f for f in result.findings if f.kind == NOT_RUN_KIND]
    assert "3 removed from the run by a conftest.py or plugin hook" in finding.message
    assert "tests.failed" in result.metrics  # measured: the gate, not the number, fails


def test_a_conftest_that_turns_on_collect_only_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(
        root,
        {
            **SAMPLE_PROJECT,
            "conftest.py": """
                def pytest_configure(config):
                    config.option.collectonly = True
            """,
        },
    )
    result = _collect(root)
    (finding,) = [f for f in result.findings if f.kind == NOT_RUN_KIND]
    assert "--collect-only (a conftest.py or plugin)" in finding.message


def test_a_full_run_counts_everything_and_has_no_finding(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, {**SAMPLE_PROJECT, "pytest.ini": "[pytest]\naddopts = -q -ra\n"})
    result = _collect(root)
    details = _details(result)
    assert (details.collected, details.deselected, details.run) == (3, 0, 3)
    assert result.findings == ()


def test_os_exit_at_import_is_incomplete_and_collection_never_finished(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(
        root,
        {**SAMPLE_PROJECT, "tests/test_zz_exit.py": "import os\nos._exit(0)\n"},
    )
    result = _collect(root)
    assert [f.kind for f in result.findings] == ["incomplete"]
    details = _details(result)
    assert details.collected is None
    assert details.run == 0
