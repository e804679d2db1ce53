"""Gitea and Forgejo (Codeberg): pull request comments, which are issue comments.

Endpoints (API v1): ``GET /user``; ``GET /repos/{o}/{r}/pulls/{n}``;
``GET|POST /repos/{o}/{r}/issues/{n}/comments`` (``Link`` pages are followed when the
server sends them); ``PATCH /repos/{o}/{r}/issues/comments/{id}``. The token
(``GITEA_TOKEN``) needs write access to issues/pull requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from practicegrade.forges import RemoteComment
from practicegrade.forges.http import Api, Hints

DEFAULT_API = "https://codeberg.org/api/v1"
HINTS = Hints(
    unauthorized="GITEA_TOKEN is missing, expired or not a token for this server",
    forbidden=(
        "the token may not write comments here: give it the write:issue scope. A pull "
        "request from a fork must not get a writing token; post from a trusted workflow"
    ),
    not_found="check --repo, --pr and --api-url (https://HOST/api/v1)",
)


def _comment(item: Any) -> RemoteComment:
    user = item.get("user") or {}
    return RemoteComment(
        id=int(item["id"]),
        author=str(user.get("login", "")),
        body=str(item.get("body") or ""),
        created_at=str(item.get("created_at", "")),
    )


class Gitea:
    """One pull request on Gitea or Forgejo."""

    name = "gitea"

    def __init__(
        self,
        repo: str,
        number: int,
        *,
        token: str,
        api_url: str = DEFAULT_API,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.repo = repo
        self.number = number
        self.api = Api(
            api_url,
            token=token,
            auth_header=("Authorization", f"token {token}"),
            hints=HINTS,
            sleep=sleep,
            transport=transport,
        )
        self._me: str | None = None

    @property
    def _repo_path(self) -> str:
        owner, _, name = self.repo.partition("/")
        return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def whoami(self) -> str:
        if self._me is None:
            self._me = str(self.api.request("GET", "/user").json()["login"])
        return self._me

    def head_sha(self) -> str | None:
        data = self.api.request("GET", f"{self._repo_path}/pulls/{self.number}").json()
        sha = (data.get("head") or {}).get("sha")
        return str(sha) if sha else None

    def comments(self) -> Iterator[RemoteComment]:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        for item in self.api.pages(path, {}):
            yield _comment(item)

    def create(self, body: str) -> None:
        path = f"{self._repo_path}/issues/{self.number}/comments"
        self.api.request("POST", path, json={"body": body}, ok=(201,))

    def update(self, comment: RemoteComment, body: str) -> None:
        path = f"{self._repo_path}/issues/comments/{comment.id}"
        self.api.request("PATCH", path, json={"body": body}, ok=(200,))

    def hide(self, comment: RemoteComment) -> bool:
        del comment
        return False
