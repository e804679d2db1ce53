"""``practicegrade comment`` against local GitHub, GitLab and Gitea APIs on 127.0.0.1.

The servers (tests/helpers/fakeforge.py) implement the endpoints as documented:
``per_page``/``page`` with ``Link`` headers, 201 on create, 422 for a body over the
limit, ``Retry-After`` on rate limits. Nothing is mocked between our code and them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from practicegrade.cli import error_boundary
from practicegrade.comment import SHORT_CHARS, run_comment
from practicegrade.forges import Outcome, make_marker, parse_marker
from practicegrade.forges.gitlab import defuse_quick_actions
from practicegrade.render.jsonreport import render_json
from practicegrade.render.markdown import render_comment
from tests.helpers import reports
from tests.helpers.fakeforge import FakeForge, Fault, serve

TOKEN = "ghs_SECRETtoken1234567890abcdef"
OTHER = "ghp_OTHERtoken0987654321"
REPO = "mentee/practice"
BOT = "practicegrade-bot"
HEAD = reports.HEAD
NEWER = "b" * 40


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "artifact" / "report.json"
    path.parent.mkdir()
    path.write_text(render_json(reports.passing()), encoding="utf-8")
    return path


@pytest.fixture
def github() -> Iterator[FakeForge]:
    with serve(FakeForge("github", users={TOKEN: BOT, OTHER: "mallory"}, head_sha=HEAD)) as f:
        yield f


def gh_env(forge: FakeForge, tmp_path: Path, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": 7, "pull_request": {"number": 7, "head": {"sha": HEAD}}})
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": forge.base_url + "/api/v3",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        **extra,
    }


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def post(env: dict[str, str], report: Path, sleeps: Sleeps | None = None, **kw: object) -> Outcome:
    options: dict[str, object] = {"forge": None, "pr": None, "repo": None, "api_url": None}
    options["job"] = None
    options.update(kw)
    return run_comment(
        env, report_path=report, sleep=sleeps if sleeps is not None else Sleeps(), **options
    )  # type: ignore[arg-type]


def post_cli(
    env: dict[str, str], report: Path, capsys: pytest.CaptureFixture[str], **kw: object
) -> tuple[int, str]:
    """Through the CLI's error boundary, as the command prints; returns (exit, output)."""
    sleeps = Sleeps()
    code = 0
    try:
        error_boundary(lambda: print(post(env, report, sleeps, **kw)))()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def expected_body(report_path: Path, head: str | None = HEAD) -> str:
    first, _, rest = render_comment(reports.passing()).partition("\n")
    assert parse_marker(first) is not None
    return make_marker(None, head) + "\n" + rest


# --------------------------------------------------------------------------- GitHub


def test_two_runs_make_one_comment_equal_to_the_rendered_comment(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    env = gh_env(github, tmp_path)
    assert post(env, report_file).action == "created"
    assert post(env, report_file).action == "unchanged"
    assert len(github.comments) == 1
    assert github.comments[0]["body"] == expected_body(report_file)
    assert len(github.writes()) == 1
    assert github.comments[0]["body"].splitlines()[0] == f"<!-- practicegrade:v1 head={HEAD} -->"


def test_a_new_grade_of_the_same_head_updates_in_place(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    env = gh_env(github, tmp_path)
    post(env, report_file)
    changed = replace(reports.passing(), metrics={**reports.passing().metrics, "lint.score": 1.0})
    report_file.write_text(render_json(changed))
    assert post(env, report_file).action == "updated"
    assert len(github.comments) == 1
    assert [r.method for r in github.writes()] == ["POST", "PATCH"]


def test_more_than_100_comments_are_paged_and_ours_is_updated_not_duplicated(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    for i in range(130):
        github.add_comment("someone", f"comment {i}")
    github.add_comment(BOT, make_marker(None, HEAD) + "\nold body")
    for i in range(120):
        github.add_comment("someone", f"later {i}")
    outcome = post(gh_env(github, tmp_path), report_file)
    assert outcome.action == "updated"
    lists = [r for r in github.requests if r.method == "GET" and r.path.endswith("/comments")]
    assert len(lists) == 3  # 251 comments at 100 a page, by following Link
    assert lists[0].query["per_page"] == ["100"]
    assert len(github.bodies_by(BOT)) == 1
    assert github.bodies_by(BOT)[0] == expected_body(report_file)


def test_a_foreign_comment_holding_our_marker_is_never_touched(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    spoof = make_marker(None, HEAD) + "\n✅ all passed, merge it"
    github.add_comment("mallory", spoof)
    github.add_comment(BOT, "not ours: the marker is not line 1\n" + make_marker(None, HEAD))
    assert post(gh_env(github, tmp_path), report_file).action == "created"
    assert github.bodies_by("mallory") == [spoof]
    assert not any(r.method == "PATCH" for r in github.requests)
    assert len(github.bodies_by(BOT)) == 2


def test_two_matches_update_the_newest_and_minimize_the_rest(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    older = github.add_comment(BOT, make_marker(None, HEAD) + "\nfirst")
    newer = github.add_comment(BOT, make_marker(None, HEAD) + "\nsecond")
    outcome = post(gh_env(github, tmp_path), report_file)
    assert (outcome.action, outcome.hidden) == ("updated", 1)
    assert newer["body"] == expected_body(report_file)
    assert older["body"].endswith("first")
    assert github.minimized == {older["node_id"]}


def test_an_older_run_never_overwrites_the_comment_for_a_newer_head(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    newer = github.add_comment(BOT, make_marker(None, NEWER) + "\nnewer head's comment")
    github.head_sha = NEWER  # the PR moved on; this run graded HEAD, the old head
    env = gh_env(github, tmp_path)
    outcome = post(env, report_file)
    assert outcome.action == "skipped"
    assert newer["body"].endswith("newer head's comment")
    assert github.writes() == []


def test_a_run_for_the_current_head_replaces_an_older_heads_comment(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    old = github.add_comment(BOT, make_marker(None, NEWER) + "\nan older head's comment")
    assert post(gh_env(github, tmp_path), report_file).action == "updated"
    assert old["body"] == expected_body(report_file)


def test_actions_token_cannot_read_user_so_we_are_github_actions_bot(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    github.users["ghs_actions"] = "<actions>"
    env = gh_env(github, tmp_path, GITHUB_TOKEN="ghs_actions")
    ours = github.add_comment("github-actions[bot]", make_marker(None, HEAD) + "\nold")
    assert post(env, report_file).action == "updated"
    assert ours["body"] == expected_body(report_file)


def test_422_body_too_long_retries_once_with_the_short_form(
    github: FakeForge, tmp_path: Path
) -> None:
    big = tmp_path / "big" / "report.json"
    big.parent.mkdir()
    big.write_text(render_json(reports.huge(n_files=200, message_chars=5_000)))
    github.faults.append(
        Fault(
            "POST",
            "/comments",
            422,
            body={"message": "Body is too long (maximum is 65536 characters)"},
        )
    )
    assert post(gh_env(github, tmp_path), big).action == "created"
    posts = [r for r in github.requests if r.method == "POST" and r.path.endswith("/comments")]
    assert len(posts) == 2
    assert len(posts[1].body["body"]) <= SHORT_CHARS < len(posts[0].body["body"])
    assert github.comments[0]["body"].startswith(make_marker(None, HEAD) + "\n")
    assert github.comments[0]["body"].count("<!-- practicegrade:") == 1


def test_a_second_422_is_a_forge_error(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.faults.append(
        Fault("POST", "/comments", 422, body={"message": "Validation Failed"}, times=2)
    )
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert code == 4
    assert "HTTP 422" in out


def test_502_is_retried_with_backoff(github: FakeForge, tmp_path: Path, report_file: Path) -> None:
    github.faults.append(Fault("POST", "/comments", 502, body={"message": "Bad Gateway"}, times=2))
    sleeps = Sleeps()
    assert post(gh_env(github, tmp_path), report_file, sleeps).action == "created"
    assert sleeps == [1.0, 2.0]


def test_rate_limits_wait_what_retry_after_says(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    github.faults += [
        Fault("GET", "/comments", 429, headers={"Retry-After": "7"}),
        Fault(
            "POST",
            "/comments",
            403,
            headers={"x-ratelimit-remaining": "0", "Retry-After": "3"},
            body={"message": "API rate limit exceeded"},
        ),
    ]
    sleeps = Sleeps()
    assert post(gh_env(github, tmp_path), report_file, sleeps).action == "created"
    assert sleeps == [7.0, 3.0]


def test_retries_are_bounded_and_the_token_never_printed(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.faults.append(
        Fault("GET", "/comments", 502, body={"message": f"upstream said {TOKEN}"}, times=99)
    )
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert code == 4
    assert "after 4 attempts" in out
    assert TOKEN not in out
    assert "***" in out
    assert len([r for r in github.requests if r.path.endswith("/comments")]) == 4


def test_a_long_rate_limit_fails_instead_of_hanging(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.faults.append(Fault("GET", "/comments", 429, headers={"Retry-After": "3600"}))
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert (code, "rate limited" in out) == (4, True)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "GITHUB_TOKEN is missing, expired"),
        (403, "workflow_run"),
        (404, "check --repo and --pr"),
    ],
)
def test_refusals_explain_what_to_do_and_never_show_the_token(
    github: FakeForge,
    tmp_path: Path,
    report_file: Path,
    capsys: pytest.CaptureFixture[str],
    status: int,
    words: str,
) -> None:
    github.faults.append(
        Fault("POST", "/comments", status, body={"message": f"token {TOKEN} refused"})
    )
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert code == 4
    assert words in out
    assert f"HTTP {status}" in out
    assert TOKEN not in out
    for request in github.requests:
        assert TOKEN not in request.path
        assert all(TOKEN not in v for vs in request.query.values() for v in vs)


def test_missing_token_is_a_usage_error(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = gh_env(github, tmp_path)
    del env["GITHUB_TOKEN"]
    code, out = post_cli(env, report_file, capsys, forge="github")
    assert code == 2
    assert "GITHUB_TOKEN is not set" in out


def test_a_next_link_to_another_host_never_gets_the_token(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.faults.append(
        Fault(
            "GET",
            "/comments",
            200,
            headers={"Link": '<http://evil.invalid/steal?page=2>; rel="next"'},
            body=[],
        )
    )
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert code == 4
    assert "refusing to send the token" in out


# --------------------------------------------------------------------------- artifacts


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize("claimed", ["1; rm -rf /", "7 ", "0x7", "-7", "8", "77"])
def test_an_artifact_pr_number_must_be_the_api_s_pr(
    github: FakeForge,
    tmp_path: Path,
    report_file: Path,
    capsys: pytest.CaptureFixture[str],
    claimed: str,
) -> None:
    (report_file.parent / "pr_number").write_text(claimed)
    code, out = post_cli(gh_env(github, tmp_path), report_file.parent, capsys)
    if claimed.strip() == "7":
        assert code == 0
        return
    assert code == 2
    assert "refusing the artifact" in out
    assert github.writes() == []


def test_a_zip_artifact_with_an_escaping_entry_is_refused(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = report_file.read_bytes()
    for bad in ("../report.json", "/etc/report.json", "a/../../x", "..\\x"):
        archive = _zip(tmp_path / "a.zip", {"report.json": data, bad: b"x"})
        code, out = post_cli(gh_env(github, tmp_path), archive, capsys)
        assert (code, "could escape" in out) == (2, True), bad
    good = _zip(tmp_path / "good.zip", {"report.json": data, "pr_number": b"7\n"})
    assert post(gh_env(github, tmp_path), good).action == "created"


def test_a_report_for_another_commit_or_off_schema_is_refused(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = replace(reports.passing(), repo=replace(reports.passing().repo, commit="c" * 40))
    report_file.write_text(render_json(other))
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert (code, "refusing the report" in out) == (2, True)
    data = json.loads(render_json(reports.passing()))
    data["metrics"]["lint.score"] = "10; rm"
    report_file.write_text(json.dumps(data))
    code, out = post_cli(gh_env(github, tmp_path), report_file, capsys)
    assert (code, "does not match the report schema" in out) == (2, True)
    assert github.writes() == []


def test_workflow_run_finds_the_pr_through_the_api(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    github.pulls = [
        {"number": 5, "owner": "fork-owner", "branch": "feature", "sha": "d" * 40, "state": "open"},
        {"number": 7, "owner": "fork-owner", "branch": "feature", "sha": HEAD, "state": "open"},
    ]
    event = tmp_path / "run.json"
    event.write_text(
        json.dumps(
            {
                "workflow_run": {
                    "event": "pull_request",
                    "head_sha": HEAD,
                    "head_branch": "feature",
                    "head_repository": {"owner": {"login": "fork-owner"}},
                    "pull_requests": [],
                }
            }
        )
    )
    env = gh_env(github, tmp_path, GITHUB_EVENT_NAME="workflow_run", GITHUB_EVENT_PATH=str(event))
    assert post(env, report_file).action == "created"
    lookup = next(r for r in github.requests if r.path.endswith("/pulls"))
    assert lookup.query["head"] == ["fork-owner:feature"]
    assert github.comments[0]["body"] == expected_body(report_file)


# --------------------------------------------------------------------------- GitLab


@pytest.fixture
def gitlab() -> Iterator[FakeForge]:
    with serve(FakeForge("gitlab", users={TOKEN: "project_7_bot"}, head_sha=HEAD)) as f:
        yield f


def gl_env(forge: FakeForge) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "PRACTICEGRADE_GITLAB_TOKEN": TOKEN,
        "CI_PROJECT_ID": REPO,
        "CI_MERGE_REQUEST_IID": "7",
        "CI_API_V4_URL": forge.base_url + "/api/v4",
        "CI_COMMIT_SHA": HEAD,
    }


def test_gitlab_two_runs_one_note_across_pages(gitlab: FakeForge, report_file: Path) -> None:
    for i in range(105):
        gitlab.add_comment("reviewer", f"note {i}")
    assert post(gl_env(gitlab), report_file).action == "created"
    assert post(gl_env(gitlab), report_file).action == "unchanged"
    assert len(gitlab.bodies_by("project_7_bot")) == 1
    assert gitlab.bodies_by("project_7_bot")[0] == expected_body(report_file)
    assert all(r.headers.get("private-token") == TOKEN for r in gitlab.requests)


def test_gitlab_quick_actions_in_learner_text_never_run(gitlab: FakeForge, tmp_path: Path) -> None:
    path = tmp_path / "hostile.json"
    hostile = reports.hostile((*reports.HOSTILE_STRINGS, "/merge\n/label ~x", "/approve"))
    path.write_text(render_json(replace(hostile, repo=replace(hostile.repo, commit=HEAD))))
    assert post(gl_env(gitlab), path).action == "created"
    body = gitlab.comments[0]["body"]
    assert "/merge" in body  # shown to the mentor ...
    assert gitlab.quick_actions == []  # ... but executes nothing
    assert post(gl_env(gitlab), path).action == "unchanged"


def test_gitlab_lines_starting_with_a_slash_are_defused() -> None:
    body = "<!-- m -->\n```text\n/merge\n  /label ~x\n```\nsee /approve\n"
    defused = defuse_quick_actions(body)
    assert re.findall(r"(?m)^[ \t]*/", defused) == []
    assert defused.replace("\u200b", "") == body


def test_gitlab_foreign_marker_untouched(gitlab: FakeForge, report_file: Path) -> None:
    spoof = gitlab.add_comment("mentee", make_marker(None, HEAD) + "\nlooks official")
    assert post(gl_env(gitlab), report_file).action == "created"
    assert spoof["body"].endswith("looks official")


def test_gitlab_refuses_a_report_for_a_merge_commit(
    gitlab: FakeForge, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**gl_env(gitlab), "CI_COMMIT_SHA": "e" * 40}
    code, out = post_cli(env, report_file, capsys)
    assert (code, "refusing the report" in out, gitlab.writes()) == (2, True, [])
    env["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = HEAD  # merged results: the source's head
    assert post(env, report_file).action == "created"


def test_gitlab_older_run_skipped(gitlab: FakeForge, report_file: Path) -> None:
    note = gitlab.add_comment("project_7_bot", make_marker(None, NEWER) + "\nnewer")
    gitlab.head_sha = NEWER
    assert post(gl_env(gitlab), report_file).action == "skipped"
    assert note["body"].endswith("newer")


# --------------------------------------------------------------------------- Gitea / Forgejo


@pytest.fixture
def gitea() -> Iterator[FakeForge]:
    with serve(FakeForge("gitea", users={TOKEN: "ci-bot", OTHER: "mallory"}, head_sha=HEAD)) as f:
        yield f


def gt_env(forge: FakeForge, tmp_path: Path) -> dict[str, str]:
    event = tmp_path / "gitea-event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": HEAD}}}))
    return {
        "GITEA_ACTIONS": "true",
        "GITEA_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": forge.base_url + "/api/v1",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
    }


def test_gitea_two_runs_one_comment(gitea: FakeForge, tmp_path: Path, report_file: Path) -> None:
    spoof = gitea.add_comment("mallory", make_marker(None, HEAD) + "\nspoof")
    assert post(gt_env(gitea, tmp_path), report_file).action == "created"
    assert post(gt_env(gitea, tmp_path), report_file).action == "unchanged"
    assert gitea.bodies_by("ci-bot") == [expected_body(report_file)]
    assert spoof["body"].endswith("spoof")
    assert all(r.headers["authorization"] == f"token {TOKEN}" for r in gitea.requests)


def test_gitea_older_run_skipped_and_502_retried(
    gitea: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    note = gitea.add_comment("ci-bot", make_marker(None, NEWER) + "\nnewer")
    gitea.head_sha = NEWER
    gitea.faults.append(Fault("GET", "/comments", 502))
    sleeps = Sleeps()
    assert post(gt_env(gitea, tmp_path), report_file, sleeps).action == "skipped"
    assert note["body"].endswith("newer")
    assert sleeps == [1.0]


def test_api_url_option_reaches_github_enterprise_paths(
    github: FakeForge, tmp_path: Path, report_file: Path
) -> None:
    env = gh_env(github, tmp_path)
    del env["GITHUB_API_URL"]
    env["GITHUB_ACTIONS"] = ""
    outcome = post(env, report_file, forge="github", api_url=github.base_url + "/api/v3")
    assert outcome.action == "created"
    assert all(r.path.startswith("/api/v3/") for r in github.requests)


def test_a_symlinked_report_in_an_artifact_folder_is_refused(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "report.json").symlink_to(report_file)
    code, out = post_cli(gh_env(github, tmp_path), folder, capsys)
    assert (code, "symbolic link" in out, github.requests) == (2, True, [])


def test_a_workflow_run_not_from_a_pull_request_posts_nothing(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = tmp_path / "push-run.json"
    event.write_text(json.dumps({"workflow_run": {"event": "push", "head_sha": HEAD}}))
    env = gh_env(github, tmp_path, GITHUB_EVENT_NAME="workflow_run", GITHUB_EVENT_PATH=str(event))
    code, out = post_cli(env, report_file, capsys)
    assert (code, "not triggered by a pull request" in out, github.requests) == (2, True, [])


def test_a_workflow_run_whose_head_moved_on_finds_no_pr(
    github: FakeForge, tmp_path: Path, report_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.pulls = [
        {"number": 7, "owner": "fork-owner", "branch": "feature", "sha": NEWER, "state": "open"}
    ]
    event = tmp_path / "run.json"
    run = {
        "event": "pull_request",
        "head_sha": HEAD,
        "head_branch": "feature",
        "head_repository": {"owner": {"login": "fork-owner"}},
    }
    event.write_text(json.dumps({"workflow_run": run}))
    env = gh_env(github, tmp_path, GITHUB_EVENT_NAME="workflow_run", GITHUB_EVENT_PATH=str(event))
    code, out = post_cli(env, report_file, capsys)
    assert (code, "no open pull request" in out, github.writes()) == (2, True, [])
