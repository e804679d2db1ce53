"""The hardening cases of issue 12, end to end: the real CLI on real temporary repositories.

A learner controls everything on their branch. Here each way found to fake a pass,
reach outside the repository or exhaust the grader is tried through ``practicegrade
grade`` itself (a subprocess, as a hook or CI job runs it), and the exit code, the
message and ``report.json`` must say what DESIGN.md promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.repos import SAMPLE_PROJECT, init_repo

PYTHON = sys.executable


def grade(repo: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m practicegrade grade REPO --no-bench ARGS`` as a user would run it."""
    return subprocess.run(
        [PYTHON, "-m", "practicegrade", "grade", str(repo), "--no-bench", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
    )


def report(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (repo / ".practicegrade" / "out" / "report.json").read_text(encoding="utf-8")
    )
    return data


def _failed_because(data: dict[str, Any]) -> dict[str, str | None]:
    return {
        c["metric"]: c["failed_because"]
        for comp in data["evaluation"]["competencies"]
        for c in comp["criteria"]
        if c["gate_failed"]
    }


# --------------------------------------------------------------------------- fake passes


@pytest.mark.parametrize("source", ["local", "hook", "ci"])
def test_collect_only_in_addopts_fails_the_test_gates_everywhere(
    tmp_path: Path, source: str
) -> None:
    repo = init_repo(
        tmp_path / "repo", {**SAMPLE_PROJECT, "pytest.ini": "[pytest]\naddopts = --co\n"}
    )
    done = grade(repo, "--source", source)
    assert done.returncode == 1, done.stdout + done.stderr
    data = report(repo)
    assert (data["tests"]["collected"], data["tests"]["deselected"], data["tests"]["run"]) == (
        3,
        0,
        0,
    )
    failed = _failed_because(data)
    assert set(failed) == {"tests.failed", "tests.errors"}  # the default model's test gates
    for why in failed.values():
        assert why is not None
        assert "--collect-only (addopts in pytest.ini)" in why
    assert "--collect-only (addopts in pytest.ini)" in done.stdout
    comment = (repo / ".practicegrade" / "out" / "comment.md").read_text(encoding="utf-8")
    assert "does not count: the test run was incomplete" in comment


def test_the_same_project_without_the_setting_passes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report(repo)["tests"]["run"] == 3


def test_os_exit_at_import_fails_the_test_and_coverage_gates(tmp_path: Path) -> None:
    config = """
        competencies:
          testing:
            criteria:
              - {metric: tests.failed, gate: "== 0"}
              - {metric: coverage.line_pct, gate: ">= 10"}
    """
    repo = init_repo(
        tmp_path / "repo",
        {
            **SAMPLE_PROJECT,
            "practicegrade.yml": config,
            "tests/test_zz.py": "import os\nos._exit(0)\n",
        },
    )
    done = grade(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = report(repo)
    assert [f["kind"] for f in data["findings"] if f["collector"] == "tests"] == ["incomplete"]
    failed = _failed_because(data)
    assert set(failed) == {"tests.failed", "coverage.line_pct"}
    assert all(why and "ended early" in why for why in failed.values())


def test_a_gate_on_a_misspelt_metric_is_a_config_error(tmp_path: Path) -> None:
    config = """
        competencies:
          testing:
            criteria:
              - {metric: coverage.lines_pct, gate: ">= 60"}
    """
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "practicegrade.yml": config})
    done = grade(repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "practicegrade.yml:4: competencies.testing.criteria[0].metric" in done.stderr
    assert "did you mean 'coverage.line_pct'?" in done.stderr
