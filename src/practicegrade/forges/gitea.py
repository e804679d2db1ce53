"""Gitea and Forgejo (Codeberg): pull request comments, which are issue comments.

Endpoints (API v1): ``GET /user``; ``GET /repos/{o}/{r}/pulls/{n}``;
``GET|POST /repos/{o}/{r}/issues/{n}/comments`` (``Link`` pages are followed when the
server sends them); ``PATCH /repos/{o}/{r}/issues/comments/{id}``. The token
(``GITEA_TOKEN``) needs write access to issues/pull requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from practicegrade.forges import RemoteComment
from practicegrade.forges.common import ForgeClient, comment_from
from practicegrade.forges.http import Hints

DEFAULT_API = "https://codeberg.org/api/v1"
HINTS = Hints(
    unauthorized="GITEA_TOKEN is missing, expired or not a token for this server",
    forbidden=(
        "the token may not write comments here: give it the write:issue scope. A pull "
        "request from a fork must not get a writing token; post from a trusted workflow"
    ),
    not_found="check --repo, --pr and --api-url (https://HOST/api/v1)",
)


class Gitea(ForgeClient):
    """One pull request on Gitea or Forgejo."""

    name = "gitea"
    default_api = DEFAULT_API
    hints = HINTS

    @staticmethod
    def auth_header(token: str) -> tuple[str, str]:
        return ("Authorization", f"token {token}")

    @property
    def _repo_path(self) -> str:
        owner, _, name = self.repo.partition("/")
        return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def _login(self) -> str:
        return str(self.api.request("GET", "/user").json()["login"])

    def head_sha(self) -> str | None:
        data = self.api.request("GET", f"{self._repo_path}/pulls/{self.number}").json()
        sha = (data.get("head") or {}).get("sha")
        return str(sha) if sha else None

    def comments(self) -> Iterator[RemoteComment]:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        for item in self.api.pages(path, {}):
            yield comment_from(item, author_key="user", login_key="login")

    def create(self, body: str) -> None:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        self.api.request("POST", path, json={"body": body}, ok=(201,))

    def update(self, comment: RemoteComment, body: str) -> None:
        path = f"{self._repo_path}/issues/comments/{comment.id}"
        self.api.request("PATCH", path, json={"body": body}, ok=(200,))
