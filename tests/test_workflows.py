"""The shipped CI files, read as YAML: the security rules hold by construction.

security-reliability.md §1: stage 1 runs learner code with a read-only token and no
credentials left in .git; stage 2 has no permissions but the two it needs, never checks
out or runs the pull request's code, downloads the artifact (download-artifact >= 4.1.7)
into the runner's temp folder; only the default branch's record job may write.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "ci" / "github"
STAGE1 = GITHUB / "practicegrade-grade.yml"
STAGE2 = GITHUB / "practicegrade-comment.yml"
RECORD = GITHUB / "practicegrade-record.yml"
ACTION = ROOT / "action.yml"
GITLAB = ROOT / "ci" / "gitlab" / "practicegrade.gitlab-ci.yml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job["steps"]]


def uses(step: dict[str, Any]) -> str:
    return str(step.get("uses", ""))


@pytest.mark.parametrize("path", [STAGE1, STAGE2, RECORD, ACTION], ids=lambda p: p.name)
def test_actions_are_pinned_by_sha_and_no_expression_is_inlined_in_a_script(path: Path) -> None:
    data = load(path)
    all_steps = data["runs"]["steps"] if path == ACTION else steps(data)
    for step in all_steps:
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], step.get("name")


def test_stage2_has_no_permissions_but_the_two_it_needs_and_never_checks_out() -> None:
    data = load(STAGE2)
    assert data["permissions"] == {}
    assert list(data["on"]) == ["workflow_run"]
    assert data["on"]["workflow_run"]["workflows"] == [load(STAGE1)["name"]]
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    all_steps = steps(data)
    assert not any("checkout" in uses(s) for s in all_steps)
    assert not any("cache" in uses(s) for s in all_steps)
    for step in all_steps:
        run = step.get("run", "")
        assert "-e ." not in run and "pip install ." not in run
        assert "cache" not in str(step.get("with", {}))
    (download,) = [s for s in all_steps if "download-artifact" in uses(s)]
    assert download["with"]["path"] == "${{ runner.temp }}/artifacts"
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    version = re.search(
        r"# v(\d+)\.(\d+)\.(\d+)", STAGE2.read_text().split("download-artifact@")[1]
    )
    assert version is not None
    assert tuple(map(int, version.groups())) >= (4, 1, 7)  # CVE-2024-42471 (zip slip)
    (post,) = [s for s in all_steps if "practicegrade comment" in s.get("run", "")]
    assert '--report "$ARTIFACT"' in post["run"]
    assert "--pr" not in post["run"]  # the PR comes from the API, never from the artifact


def test_stage1_runs_learner_code_read_only_without_credentials() -> None:
    data = load(STAGE1)
    assert list(data["on"]) == ["pull_request"]
    assert data["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in data["jobs"].values())
    checkout = next(s for s in steps(data) if "checkout" in uses(s))
    assert checkout["with"]["persist-credentials"] is False
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    grade = next(s for s in steps(data) if "practicegrade grade" in s.get("run", ""))
    assert '--base "$BASE_SHA" --source ci' in grade["run"]
    assert grade["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "GITHUB_STEP_SUMMARY" in grade["run"]
    upload = next(s for s in steps(data) if "upload-artifact" in uses(s))
    assert "include-hidden-files" not in upload["with"]  # .git/config, .coverage stay out
    assert ".practicegrade/out/report.json" in upload["with"]["path"]


def test_only_the_record_job_can_write_and_it_runs_no_project_code() -> None:
    data = load(RECORD)
    assert list(data["on"]) == ["push"]
    assert data["permissions"] == {"contents": "read"}
    grade, record = data["jobs"]["grade"], data["jobs"]["record"]
    assert "permissions" not in grade
    assert record["permissions"] == {"contents": "write"}
    assert record["needs"] == "grade"
    record_runs = " ".join(s.get("run", "") for s in record["steps"])
    assert not any("checkout" in uses(s) for s in record["steps"])
    assert "pip" not in record_runs and "practicegrade grade" not in record_runs
    pushes = [ln.strip() for ln in record_runs.splitlines() if "git push" in ln]
    assert pushes == ['git push --quiet "$REMOTE" "$ref:$ref" || ok=0']  # never forced
    grade_runs = " ".join(s.get("run", "") for s in grade["steps"])
    assert "practicegrade grade --base none --source ci --record" in grade_runs


def test_the_composite_action_has_the_documented_inputs() -> None:
    data = load(ACTION)
    assert data["runs"]["using"] == "composite"
    assert set(data["inputs"]) == {"python-version", "config", "base", "fail-on-gate", "comment"}


def test_gitlab_template_grades_mrs_without_the_token_and_publishes_junit() -> None:
    data = yaml.safe_load(GITLAB.read_text())
    grade, comment = data["practicegrade"], data["practicegrade-comment"]
    assert grade["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert grade["artifacts"]["reports"]["junit"] == ".practicegrade/out/junit.xml"
    assert "environment" not in grade  # the token is scoped to the comment's environment
    assert comment["environment"]["name"] == "practicegrade-comment"
    assert comment["variables"]["GIT_STRATEGY"] == "none"  # no project code in this job
    assert any("practicegrade comment --forge gitlab" in line for line in comment["script"])
    assert any("--source ci" in line and "--base" in line for line in grade["script"])


def test_zizmor_finds_nothing_offline() -> None:
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -e '.[dev]')")
    files = [str(ACTION), *map(str, sorted(GITHUB.glob("*.yml")))]
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", *files], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
