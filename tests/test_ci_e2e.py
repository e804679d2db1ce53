"""The shipped GitHub workflows, end to end, without GitHub.

A small runner executes the workflow files' own steps: each ``run:`` script with bash,
``${{ }}`` expressions resolved from a real event payload, ``$GITHUB_OUTPUT`` and
``$GITHUB_STEP_SUMMARY`` as files; ``uses:`` steps do what the actions do (checkout
clones the bare "origin", upload/download-artifact zip and unzip). Steps with
``id: install`` (pip from the registry) are skipped: this venv already has practicegrade.

The story: the default branch's record workflow grades main and pushes both notes refs
to origin; a pull request's stage 1 grades its head against the PR's base (reusing the
record), writes the summary and uploads the artifact; stage 2 downloads it and posts to
a local GitHub API; the comment that arrives is stage 1's comment.md under our marker.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from practicegrade.forges import make_marker
from tests.helpers.fakeforge import FakeForge, serve
from tests.helpers.repos import SAMPLE_PROJECT, git, init_repo, write_files

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "ci" / "github"
TOKEN = "ghs_e2eSECRETtoken000000000000001"
REPO = "mentee/practice"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _value(context: dict[str, Any], expr: str) -> Any:
    expr = expr.strip()
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    return _lookup(context, expr)


def evaluate(context: dict[str, Any], expr: str) -> Any:
    """The subset of the expression language our files use: paths, ``==``, ``!=``,
    ``&&`` and ``||`` between them."""
    if "||" in expr:
        return next((v for v in (evaluate(context, p) for p in expr.split("||")) if v), "")
    if "&&" in expr:
        return all(evaluate(context, p) for p in expr.split("&&"))
    for op in ("==", "!="):
        if op in expr:
            left, right = expr.split(op)
            same = str(_value(context, left)) == str(_value(context, right))
            return same if op == "==" else not same
    return _value(context, expr)


def substitute(context: dict[str, Any], text: Any) -> Any:
    if not isinstance(text, str):
        return text
    whole = _EXPR.fullmatch(text.strip())
    if whole:
        value = evaluate(context, whole.group(1))
        return "" if value is None else value
    return _EXPR.sub(lambda m: str(evaluate(context, m.group(1)) or ""), text)


@dataclass
class Runner:
    """One job of a workflow, run on this machine."""

    tmp: Path
    origin: Path
    api_url: str
    event_name: str
    event: dict[str, Any]
    artifacts: dict[str, bytes]
    log: list[str] = field(default_factory=list)
    failed: str | None = None

    def run_job(self, workflow: Path, job_name: str, *, sha: str | None = None) -> Path:
        data = yaml.safe_load(workflow.read_text())
        job = data["jobs"][job_name]
        work = self.tmp / f"{workflow.stem}-{job_name}"
        workspace, temp = work / "workspace", work / "runner-temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        event_path = work / "event.json"
        event_path.write_text(json.dumps(self.event))
        summary, output = work / "summary.md", work / "output"
        summary.touch()
        context: dict[str, Any] = {
            "github": {
                "token": TOKEN,
                "event": self.event,
                "event_name": self.event_name,
                "repository": REPO,
                "server_url": self.origin.parent.parent.as_uri(),
                "sha": sha,
            },
            "runner": {"temp": str(temp)},
            "steps": {},
        }
        env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ["HOME"],
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.api_url,
            "GITHUB_SERVER_URL": context["github"]["server_url"],
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
            **{k: v for k, v in os.environ.items() if k.startswith(("GIT_", "XDG_"))},
        }
        env.update({k: str(substitute(context, v)) for k, v in data.get("env", {}).items()})
        for step in job["steps"]:
            if "if" in step and not evaluate(context, step["if"]):
                continue
            if step.get("id") == "install":
                continue
            with_ = {k: substitute(context, v) for k, v in step.get("with", {}).items()}
            if "uses" in step:
                self._uses(step["uses"], with_, workspace)
                continue
            output.write_text("")
            step_env = {
                **env,
                **{k: str(substitute(context, v)) for k, v in step.get("env", {}).items()},
                "GITHUB_OUTPUT": str(output),
            }
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=workspace,
                env=step_env,
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            self.log.append(done.stdout + done.stderr)
            outputs = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
            if "id" in step:
                context["steps"][step["id"]] = {"outputs": outputs}
            if done.returncode != 0:  # the job fails here; later steps do not run
                self.failed = f"{step.get('name')}: {done.stdout}\n{done.stderr}"
                break
        return work

    def _uses(self, action: str, with_: dict[str, Any], workspace: Path) -> None:
        name = action.split("@", maxsplit=1)[0]
        if name == "actions/checkout":
            subprocess.run(["git", "clone", "-q", str(self.origin), str(workspace)], check=True)
            if with_.get("ref"):
                git(workspace, "checkout", "-q", "--detach", str(with_["ref"]))
        elif name == "actions/setup-python":
            pass
        elif name == "actions/upload-artifact":
            paths = [workspace / p for p in str(with_["path"]).split("\n") if p.strip()]
            files = [p for p in paths if p.is_file()]
            assert files, f"upload-artifact: nothing at {with_['path']}"
            common = Path(os.path.commonpath([p.parent for p in files]))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for file in files:
                    archive.write(file, file.relative_to(common).as_posix())
            self.artifacts[str(with_["name"])] = buffer.getvalue()
        elif name == "actions/download-artifact":
            target = Path(str(with_["path"]))
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(self.artifacts[str(with_["name"])])) as archive:
                archive.extractall(target)
        else:
            raise AssertionError(f"no stand-in for {action}")


OPS_CHANGE = (
    SAMPLE_PROJECT["src/calc/ops.py"]
    + """

def shout(text):
    loud = text.upper()
    return text.upper() + "!"
"""
)


@pytest.mark.slow
def test_record_then_stage1_then_stage2_posts_stage1s_comment(tmp_path: Path) -> None:
    origin = tmp_path / "server" / "mentee" / "practice.git"
    origin.parent.mkdir(parents=True)
    seed = init_repo(tmp_path / "seed", SAMPLE_PROJECT)
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(origin)], check=True)
    main_sha = git(seed, "rev-parse", "HEAD").strip()
    artifacts: dict[str, bytes] = {}

    # The default branch's job records main.
    push_event = {"ref": "refs/heads/main", "after": main_sha}
    recorder = Runner(tmp_path, origin, "", "push", push_event, artifacts)
    recorder.run_job(GITHUB / "practicegrade-record.yml", "grade", sha=main_sha)
    recorder.run_job(GITHUB / "practicegrade-record.yml", "record", sha=main_sha)
    assert recorder.failed is None, recorder.failed
    refs = git(origin, "for-each-ref", "--format=%(refname)", "refs/notes/")
    assert set(refs.split()) == {"refs/notes/practicegrade", "refs/notes/practicegrade-ci"}
    record = json.loads(git(origin, "notes", "--ref", "practicegrade-ci", "show", main_sha))

    # The learner opens a pull request from branch `feature`.
    git(seed, "checkout", "-q", "-b", "feature")
    write_files(seed, {"src/calc/ops.py": OPS_CHANGE})
    git(seed, "commit", "-q", "-am", "shout")
    head_sha = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "push", "-q", str(origin), "feature")
    pr_event = {
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {
                "sha": head_sha,
                "ref": "feature",
                "repo": {"full_name": REPO, "owner": {"login": "mentee"}},
            },
            "base": {"sha": main_sha, "ref": "main", "repo": {"full_name": REPO}},
        },
        "repository": {"full_name": REPO},
    }
    stage1 = Runner(tmp_path, origin, "", "pull_request", pr_event, artifacts)
    work1 = stage1.run_job(GITHUB / "practicegrade-grade.yml", "grade")
    out = work1 / "workspace" / ".practicegrade" / "out"
    verdict = json.loads((out / "report.json").read_text())["evaluation"]["verdict"]
    gate = "Fail when a gate failed" if verdict == "fail" else None
    assert (stage1.failed or "").split(":")[0] == (gate or ""), stage1.failed
    comment_md = (out / "comment.md").read_text()
    assert (work1 / "summary.md").read_text() == comment_md
    report = json.loads((out / "report.json").read_text())
    assert report["repo"]["commit"] == head_sha
    assert report["comparison"]["base_commit"] == main_sha
    # The base was not graded again: its numbers are the record's, timing included.
    assert (
        report["comparison"]["base_metrics"]["tests.duration_s"]
        == (record["report"]["metrics"]["tests.duration_s"])
    )
    annotations = [ln for ln in "".join(stage1.log).splitlines() if ln.startswith("::warning ")]
    assert annotations and all("file=src/calc/ops.py" in ln for ln in annotations)
    assert sorted(zipfile.ZipFile(io.BytesIO(artifacts["practicegrade"])).namelist()) == [
        "lint.sarif",
        "pr_number",
        "report.json",
    ]

    # Stage 2, on the workflow_run of stage 1, against a local GitHub API.
    run_event = {
        "action": "completed",
        "workflow_run": {
            "id": 4242,
            "event": "pull_request",
            "conclusion": "failure",
            "head_sha": head_sha,
            "head_branch": "feature",
            "head_repository": {"full_name": REPO, "owner": {"login": "mentee"}},
            "pull_requests": [],
        },
    }
    forge = FakeForge("github", users={TOKEN: "<actions>"}, head_sha=head_sha, number=7)
    forge.pulls = [
        {"number": 7, "owner": "mentee", "branch": "feature", "sha": head_sha, "state": "open"}
    ]
    with serve(forge):
        for _ in range(2):
            stage2 = Runner(
                tmp_path / f"s2-{len(forge.requests)}",
                origin,
                forge.base_url + "/api/v3",
                "workflow_run",
                run_event,
                artifacts,
            )
            stage2.tmp.mkdir()
            stage2.run_job(GITHUB / "practicegrade-comment.yml", "comment")
            assert stage2.failed is None, stage2.failed
    assert len(forge.comments) == 1
    first, _, rest = comment_md.partition("\n")
    assert first == "<!-- practicegrade:v1 -->"
    assert forge.comments[0]["body"] == make_marker(None, head_sha) + "\n" + rest
    assert forge.comments[0]["login"] == "github-actions[bot]"
    assert len(forge.writes()) == 1  # the second run found it unchanged
    assert all(TOKEN not in entry for entry in stage1.log + stage2.log + recorder.log)
    shutil.rmtree(tmp_path / "server", ignore_errors=True)
