"""``practicegrade comment``: post or update the one sticky comment from ``report.json``.

The body is ``comment.md`` rendered here, by our code, from the report; a report (or a
CI artifact holding one) is untrusted data: it is size-capped, validated against the
packaged JSON Schema and rebuilt into typed dataclasses before anything reads it. The
pull request comes from the options or the forge's CI environment, and in a GitHub
``workflow_run`` (stage 2 of ci/github/) from the API, looked up by the run's head
repository, branch and commit, never from the artifact: an artifact's ``pr_number``
must be a plain integer equal to what the API said, and the report must be for the
run's head commit.

Exit codes (DESIGN.md): 0 posted, updated, unchanged or deliberately skipped (a newer
run owns the comment); 2 usage (bad options, environment or artifact); 4 the forge
refused or failed after retries.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import click

from practicegrade.errors import UsageError
from practicegrade.forges import Forge, ForgeError, Outcome, is_sha, upsert, with_marker
from practicegrade.reportfile import MAX_REPORT_BYTES, parse_report

if TYPE_CHECKING:
    from practicegrade.model import Report

DEFAULT_REPORT = Path(".practicegrade/out/report.json")
MAX_EVENT_BYTES = 8 * 1024 * 1024
SHORT_CHARS = 2_000
"""The short form sent once after a ``422`` (body too long)."""
TOKEN_VARIABLES = {
    "github": "GITHUB_TOKEN",
    "gitlab": "PRACTICEGRADE_GITLAB_TOKEN",
    "gitea": "GITEA_TOKEN",
}
ARTIFACT_FILES = ("report.json", "pr_number")
_JOB_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
_PR_NUMBER = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", re.ASCII)


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class Artifact:
    """What stage 1 handed over: the report and, optionally, the PR number it claims."""

    report: bytes
    pr_number: str | None
    where: str


def _zip_member_ok(info: zipfile.ZipInfo) -> bool:
    """A plain relative file name: no ``..``, no absolute path, no backslash, no link."""
    name = info.filename
    parts = PurePosixPath(name).parts
    mode = info.external_attr >> 16
    return not (
        "\\" in name
        or name.startswith("/")
        or ".." in parts
        or (len(name) > 1 and name[1] == ":")
        or stat.S_ISLNK(mode)
    )


def read_artifact(path: Path) -> Artifact:
    """``report.json`` and ``pr_number`` from an artifact folder or its zip.

    A zip is read in memory, never extracted, and refused whole if any entry could
    escape a folder (``../``, absolute, a symlink): such an artifact was not written by
    our stage 1. In a folder, a symlinked file is refused the same way.
    """
    hint = "pass the folder (or zip) that stage 1 uploaded; it holds report.json"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            bad = [i.filename for i in infos if not _zip_member_ok(i)]
            if bad:
                raise UsageError(
                    f"refusing the artifact {path}: entry {bad[0][:100]!r} could escape its folder",
                    hint="this artifact was not written by practicegrade's stage 1",
                )
            found: dict[str, bytes] = {}
            for info in infos:
                if info.filename in ARTIFACT_FILES:
                    if info.file_size > MAX_REPORT_BYTES:
                        raise UsageError(f"{info.filename} in {path} is too large", hint=hint)
                    found[info.filename] = archive.read(info)
        if "report.json" not in found:
            raise UsageError(f"no report.json in the artifact {path}", hint=hint)
        number = found.get("pr_number")
        return Artifact(
            found["report.json"], number.decode("utf-8", "replace") if number else None, str(path)
        )
    folder = path if path.is_dir() else path.parent
    report_path = path if path.is_file() else folder / "report.json"
    files = {"report.json": report_path, "pr_number": folder / "pr_number"}
    for name, file in files.items():
        if file.is_symlink():
            raise UsageError(f"refusing {file}: it is a symbolic link", hint=hint)
        if name == "report.json" and not file.is_file():
            raise UsageError(f"no report at {file}", hint="run `practicegrade grade` first")
    with report_path.open("rb") as handle:
        data = handle.read(MAX_REPORT_BYTES + 1)
    pr_file = files["pr_number"]
    number_text = pr_file.read_text("utf-8", "replace")[:100] if pr_file.is_file() else None
    return Artifact(data, number_text, str(report_path))


def check_pr_number(claimed: str | None, number: int) -> None:
    """An artifact's ``pr_number`` must be a plain integer and the API's PR number."""
    if claimed is None:
        return
    text = claimed.strip()
    if _PR_NUMBER.fullmatch(text) is None:
        raise UsageError(
            f"refusing the artifact: its pr_number {text[:40]!r} is not a number",
            hint="stage 1 writes the pull request's number only; this artifact was altered",
        )
    if int(text) != number:
        raise UsageError(
            f"refusing the artifact: it names PR #{int(text)}, but this run belongs to "
            f"PR #{number}",
            hint="the PR comes from the API, never from the artifact; this artifact was altered",
        )


# --------------------------------------------------------------------------- where to post


@dataclass(frozen=True, slots=True)
class Where:
    forge: str
    api_url: str
    repo: str
    number: int | None
    head_sha: str | None
    """The commit the CI run was for (the report must be for it); ``None`` if unknown."""
    run_head: tuple[str, str] | None = None
    """``(owner, branch)`` of a ``workflow_run``'s head: the PR is looked up by the API."""


def detect_forge(env: Mapping[str, str]) -> str:
    if env.get("GITLAB_CI"):
        return "gitlab"
    if env.get("GITEA_ACTIONS") or env.get("FORGEJO_ACTIONS") or env.get("GITEA_TOKEN"):
        return "gitea"
    if env.get("GITHUB_ACTIONS") or env.get("GITHUB_TOKEN"):
        return "github"
    raise UsageError(
        "cannot tell which forge to post to",
        hint="pass --forge github, gitlab or gitea (CI sets this up by itself)",
    )


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(MAX_EVENT_BYTES))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the CI event file {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def resolve_where(
    env: Mapping[str, str],
    *,
    forge: str | None,
    pr: int | None,
    repo: str | None,
    api_url: str | None,
) -> Where:
    """Forge, API, repository and PR from the options, else the CI environment."""
    from practicegrade.forges import gitea, github, gitlab  # noqa: PLC0415

    name = forge or detect_forge(env)
    if name == "gitlab":
        project = repo or env.get("CI_PROJECT_ID") or env.get("CI_PROJECT_PATH")
        iid = pr or _int(env.get("CI_MERGE_REQUEST_IID"))
        if not project or iid is None:
            raise UsageError(
                "no merge request to comment on",
                hint="run in a merge request pipeline, or pass --repo PROJECT --pr IID",
            )
        return Where(
            "gitlab",
            api_url or env.get("CI_API_V4_URL") or gitlab.DEFAULT_API,
            project,
            iid,
            # The MR's head: in a merged-results pipeline CI_COMMIT_SHA is the merge commit,
            # so the template grades --rev the source branch's commit.
            env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA") or None,
        )
    event = _event(env)
    event_name = env.get("GITHUB_EVENT_NAME", "")
    slug = repo or env.get("GITHUB_REPOSITORY", "")
    if _REPO.fullmatch(slug) is None:
        raise UsageError(f"not a repository name: {slug[:100]!r}", hint="pass --repo OWNER/NAME")
    default_api = github.DEFAULT_API if name == "github" else gitea.DEFAULT_API
    base = api_url or (env.get("GITEA_API_URL") if name == "gitea" else None)
    base = base or env.get("GITHUB_API_URL") or default_api
    head_sha: str | None = None
    run_head: tuple[str, str] | None = None
    number = pr
    if event_name == "workflow_run":
        run = _dig(event, "workflow_run") or {}
        if run.get("event") != "pull_request":
            raise UsageError(
                "this workflow_run was not triggered by a pull request",
                hint="guard the job with `if: github.event.workflow_run.event == 'pull_request'`",
            )
        owner = _dig(run, "head_repository", "owner", "login")
        branch = run.get("head_branch")
        head_sha = run.get("head_sha")
        if not (isinstance(owner, str) and isinstance(branch, str) and is_sha(head_sha)):
            raise UsageError("the workflow_run event lacks its head repository, branch or commit")
        run_head = (owner, branch)
    elif event_name.startswith("pull_request"):
        number = number or _int(_dig(event, "pull_request", "number"))
        sha = _dig(event, "pull_request", "head", "sha")
        head_sha = sha if is_sha(sha) else None
    if number is None and run_head is None:
        raise UsageError(
            "no pull request to comment on",
            hint="run on a pull_request or workflow_run event, or pass --pr N",
        )
    return Where(name, base, slug, number, head_sha, run_head)


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and _PR_NUMBER.fullmatch(value.strip()):
        return int(value)
    return None


# --------------------------------------------------------------------------- posting


def make_forge(where: Where, number: int, token: str, sleep: Callable[[float], None]) -> Forge:
    from practicegrade.forges.gitea import Gitea  # noqa: PLC0415
    from practicegrade.forges.github import GitHub  # noqa: PLC0415
    from practicegrade.forges.gitlab import GitLab  # noqa: PLC0415

    if where.forge == "gitlab":
        return GitLab(where.repo, number, token=token, api_url=where.api_url, sleep=sleep)
    if where.forge == "gitea":
        return Gitea(where.repo, number, token=token, api_url=where.api_url, sleep=sleep)
    return GitHub(where.repo, number, token=token, api_url=where.api_url, sleep=sleep)


def find_run_pr(where: Where, token: str, sleep: Callable[[float], None]) -> int:
    """The PR of a ``workflow_run``, from the API (see :func:`github.find_pull_request`)."""
    from practicegrade.forges.github import HINTS, GitHub, find_pull_request  # noqa: PLC0415
    from practicegrade.forges.http import Api  # noqa: PLC0415

    assert where.run_head is not None and where.head_sha is not None
    owner, branch = where.run_head
    with Api(
        where.api_url,
        token=token,
        auth_header=GitHub.auth_header(token),
        hints=HINTS,
        sleep=sleep,
    ) as api:
        number = find_pull_request(
            api, where.repo, head_owner=owner, head_branch=branch, head_sha=where.head_sha
        )
    if number is None:
        raise UsageError(
            f"no open pull request has head {where.head_sha[:12]} on {owner}:{branch[:80]}",
            hint="the pull request was closed or has new commits; nothing to comment on",
        )
    return number


def render_bodies(report: Report, job: str | None) -> tuple[str, str]:
    """The full comment and the short form, both starting with the marker line."""
    from practicegrade.render.markdown import render_comment  # noqa: PLC0415

    head = report.repo.commit if is_sha(report.repo.commit) else None
    full = with_marker(render_comment(report), job, head)
    short = with_marker(render_comment(report, max_chars=SHORT_CHARS), job, head)
    return full, short


def post(forge: Forge, full: str, short: str, *, job: str | None, head: str | None) -> Outcome:
    """Upsert ``full``; on ``422`` (too long for this forge) once more with ``short``."""
    try:
        return upsert(forge, full, job=job, head=head)
    except ForgeError as exc:
        if exc.status != 422 or full == short:
            raise
    return upsert(forge, short, job=job, head=head)


def run_comment(
    env: Mapping[str, str],
    *,
    forge: str | None,
    pr: int | None,
    repo: str | None,
    report_path: Path,
    api_url: str | None,
    job: str | None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """The whole command, minus printing: resolve, read, check, render, post."""
    if job is not None and _JOB_ID.fullmatch(job) is None:
        raise UsageError(f"--job-id {job[:70]!r} may only use letters, digits, '_', '.', '-'")
    where = resolve_where(env, forge=forge, pr=pr, repo=repo, api_url=api_url)
    variable = TOKEN_VARIABLES[where.forge]
    token = env.get(variable, "").strip()
    if not token:
        raise UsageError(
            f"{variable} is not set",
            hint=f"give the job a token in the environment variable {variable} "
            "(never on the command line)",
        )
    artifact = read_artifact(report_path)
    report = parse_report(artifact.report, artifact.where)
    number = where.number if where.run_head is None else find_run_pr(where, token, sleep)
    assert number is not None
    check_pr_number(artifact.pr_number, number)
    commit = report.repo.commit
    if where.head_sha is not None and commit != where.head_sha:
        raise UsageError(
            f"refusing the report: it is for commit {str(commit)[:12]}, but this run is for "
            f"{where.head_sha[:12]}",
            hint="grade the pull request's head commit (actions/checkout with "
            "ref: github.event.pull_request.head.sha)",
        )
    full, short = render_bodies(report, job)
    instance = make_forge(where, number, token, sleep)
    try:
        return post(instance, full, short, job=job, head=commit if is_sha(commit) else None)
    finally:
        close = getattr(getattr(instance, "api", None), "close", None)
        if callable(close):
            close()


@click.command("comment")
@click.option(
    "--forge",
    type=click.Choice(["github", "gitlab", "gitea"]),
    help="Where to post [from the CI environment].",
)
@click.option("--pr", type=click.IntRange(min=1), help="Pull/merge request number [from CI].")
@click.option("--repo", metavar="OWNER/NAME", help="Repository (GitLab: project id or path).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_REPORT,
    show_default=True,
    help="report.json, or a CI artifact folder or zip holding it.",
)
@click.option("--api-url", metavar="URL", help="API root (GitHub Enterprise: https://HOST/api/v3).")
@click.option("--job-id", "job", metavar="ID", help="Keep one comment per ID (several jobs).")
def comment_cli(
    forge: str | None,
    pr: int | None,
    repo: str | None,
    report_path: Path,
    api_url: str | None,
    job: str | None,
) -> None:
    """Post or update the one sticky PR/MR comment from report.json.

    The token comes only from the environment: GITHUB_TOKEN, PRACTICEGRADE_GITLAB_TOKEN
    or GITEA_TOKEN. Exit 0 posted, updated, unchanged or skipped; 2 usage; 4 the forge
    refused or failed after retries.
    """
    from practicegrade.cli import error_boundary  # noqa: PLC0415

    @error_boundary
    def run() -> None:
        outcome = run_comment(
            os.environ,
            forge=forge,
            pr=pr,
            repo=repo,
            report_path=report_path,
            api_url=api_url,
            job=job,
        )
        hidden = f"; {outcome.hidden} older duplicate(s) hidden" if outcome.hidden else ""
        click.echo(f"practicegrade comment: {outcome.action} ({outcome.reason}){hidden}")

    run()
