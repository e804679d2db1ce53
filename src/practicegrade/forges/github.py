"""GitHub and GitHub Enterprise: pull request conversation comments (issue comments).

Endpoints (REST v3): ``GET /user``; ``GET /repos/{o}/{r}/pulls/{n}``;
``GET|POST /repos/{o}/{r}/issues/{n}/comments`` (``per_page=100``, ``Link`` pages);
``PATCH /repos/{o}/{r}/issues/comments/{id}``; ``GET /repos/{o}/{r}/pulls?head=…``
to find the PR of a ``workflow_run``; and the GraphQL ``minimizeComment`` mutation for
duplicates. Enterprise: ``--api-url https://HOST/api/v3`` (GraphQL at ``/api/graphql``).

``GET /user`` is forbidden for the Actions ``GITHUB_TOKEN``; its comments are authored
by ``github-actions[bot]``, which is then who "we" are (as py-cov-action does).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from practicegrade.forges import ForgeError, RemoteComment
from practicegrade.forges.common import ForgeClient, comment_from
from practicegrade.forges.http import Api, Hints

DEFAULT_API = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"
HINTS = Hints(
    unauthorized="GITHUB_TOKEN is missing, expired or not a token for this GitHub",
    forbidden=(
        "the token may not write comments here. A pull request from a fork gets a "
        "read-only token: grade in a `pull_request` workflow and post from a second, "
        "`workflow_run` workflow with `pull-requests: write` (the two files in ci/github/)"
    ),
    not_found="check --repo and --pr (and --api-url for GitHub Enterprise)",
)
_MINIMIZE = (
    "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
    "{ minimizedComment { isMinimized } } }"
)


def graphql_url(api_url: str) -> str:
    """``https://api.github.com/graphql``; Enterprise ``…/api/v3`` -> ``…/api/graphql``."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def _repo_path(repo: str) -> str:
    owner, _, name = repo.partition("/")
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


class GitHub(ForgeClient):
    """One pull request on GitHub."""

    name = "github"
    default_api = DEFAULT_API
    hints = HINTS

    @staticmethod
    def auth_header(token: str) -> tuple[str, str]:
        return ("Authorization", f"Bearer {token}")

    @property
    def _repo_path(self) -> str:
        return _repo_path(self.repo)

    def _login(self) -> str:
        try:
            return str(self.api.request("GET", "/user").json()["login"])
        except ForgeError as exc:
            if exc.status != 403:
                raise
            return ACTIONS_BOT

    def head_sha(self) -> str | None:
        data = self.api.request("GET", f"{self._repo_path}/pulls/{self.number}").json()
        sha = (data.get("head") or {}).get("sha")
        return str(sha) if sha else None

    def comments(self) -> Iterator[RemoteComment]:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        for item in self.api.pages(path, {"per_page": 100}):
            node_id = str(item.get("node_id", ""))
            yield comment_from(item, author_key="user", login_key="login", node_id=node_id)

    def create(self, body: str) -> None:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        self.api.request("POST", path, json={"body": body}, ok=(201,))

    def update(self, comment: RemoteComment, body: str) -> None:
        path = f"{self._repo_path}/issues/comments/{comment.id}"
        self.api.request("PATCH", path, json={"body": body}, ok=(200,))

    def hide(self, comment: RemoteComment) -> bool:
        if not comment.node_id:
            return False
        try:
            self.api.request(
                "POST",
                graphql_url(self.api.base_url),
                json={"query": _MINIMIZE, "variables": {"id": comment.node_id}},
                ok=(200,),
            )
        except ForgeError:
            return False  # hiding a duplicate is a nicety; the newest is what matters
        return True


def find_pull_request(
    api: Api, repo: str, *, head_owner: str, head_branch: str, head_sha: str
) -> int | None:
    """The open pull request whose head is ``head_owner:head_branch`` at ``head_sha``.

    This is how a ``workflow_run`` finds its PR (``workflow_run.pull_requests`` is empty
    for forks): from what GitHub says about the run, never from the run's artifact.
    """
    path = f"{_repo_path(repo)}/pulls"
    params: dict[str, str | int] = {
        "head": f"{head_owner}:{head_branch}",
        "state": "open",
        "per_page": 100,
    }
    for item in api.pages(path, params):
        if (item.get("head") or {}).get("sha") == head_sha and isinstance(item.get("number"), int):
            return int(item["number"])
    return None
