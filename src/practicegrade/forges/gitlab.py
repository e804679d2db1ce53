"""GitLab merge request notes (gitlab.com or self-managed, API v4).

Endpoints: ``GET /user``; ``GET /projects/:id/merge_requests/:iid``;
``GET|POST /projects/:id/merge_requests/:iid/notes`` (``per_page=100``, ``Link`` pages);
``PUT /projects/:id/merge_requests/:iid/notes/:note_id``. The token is a project access
token (``api`` scope, Reporter) in ``PRACTICEGRADE_GITLAB_TOKEN``: ``CI_JOB_TOKEN``
cannot create notes.

Quick actions run in notes created *and edited* through the API: a line starting with
``/merge`` would merge the MR. Learner text never starts a line in our Markdown (it
sits inside code spans and fences), and :func:`defuse_quick_actions` makes that hold
for every line we send, fenced output included.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from practicegrade.forges import RemoteComment
from practicegrade.forges.http import Api, Hints

DEFAULT_API = "https://gitlab.com/api/v4"
HINTS = Hints(
    unauthorized="PRACTICEGRADE_GITLAB_TOKEN is missing, expired or revoked",
    forbidden=(
        "the token may not write notes: use a project access token with the `api` scope "
        "and at least the Reporter role, in a masked CI/CD variable "
        "PRACTICEGRADE_GITLAB_TOKEN (CI_JOB_TOKEN cannot post notes)"
    ),
    not_found=(
        "check the project (--repo or CI_PROJECT_ID) and the MR (--pr or CI_MERGE_REQUEST_IID)"
    ),
)
_SLASH_LINE = re.compile(r"^([ \t]*)/", re.MULTILINE)


def defuse_quick_actions(body: str) -> str:
    """Put a zero-width space before a ``/`` that starts a line: GitLab runs no quick
    action, and the reader sees the same text."""
    return _SLASH_LINE.sub("\\1\u200b/", body)


def _note(item: Any) -> RemoteComment:
    author = item.get("author") or {}
    return RemoteComment(
        id=int(item["id"]),
        author=str(author.get("username", "")),
        body=str(item.get("body") or ""),
        created_at=str(item.get("created_at", "")),
    )


class GitLab:
    """One merge request on GitLab."""

    name = "gitlab"

    def __init__(
        self,
        project: str,
        iid: int,
        *,
        token: str,
        api_url: str = DEFAULT_API,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.project = project
        self.iid = iid
        self.api = Api(
            api_url,
            token=token,
            auth_header=("PRIVATE-TOKEN", token),
            hints=HINTS,
            sleep=sleep,
            transport=transport,
        )
        self._me: str | None = None

    @property
    def _mr_path(self) -> str:
        return f"/projects/{quote(self.project, safe='')}/merge_requests/{self.iid}"

    def whoami(self) -> str:
        if self._me is None:
            self._me = str(self.api.request("GET", "/user").json()["username"])
        return self._me

    def head_sha(self) -> str | None:
        sha = self.api.request("GET", self._mr_path).json().get("sha")
        return str(sha) if sha else None

    def comments(self) -> Iterator[RemoteComment]:
        params: dict[str, str | int] = {"per_page": 100, "sort": "asc", "order_by": "created_at"}
        for item in self.api.pages(f"{self._mr_path}/notes", params):
            if not item.get("system"):
                yield _note(item)

    def create(self, body: str) -> None:
        self.api.request(
            "POST", f"{self._mr_path}/notes", json={"body": defuse_quick_actions(body)}, ok=(201,)
        )

    def update(self, comment: RemoteComment, body: str) -> None:
        self.api.request(
            "PUT",
            f"{self._mr_path}/notes/{comment.id}",
            json={"body": defuse_quick_actions(body)},
            ok=(200,),
        )

    def hide(self, comment: RemoteComment) -> bool:
        del comment
        return False  # notes cannot be collapsed; the newest is the one we keep current
