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
from collections.abc import Iterator
from urllib.parse import quote

from practicegrade.forges import RemoteComment
from practicegrade.forges.common import ForgeClient, comment_from
from practicegrade.forges.http import Hints

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


class GitLab(ForgeClient):
    """One merge request on GitLab: ``repo`` is the project (id or path), ``number`` the
    merge request's iid. Notes cannot be collapsed; the newest is the one we keep current."""

    name = "gitlab"
    default_api = DEFAULT_API
    hints = HINTS

    @staticmethod
    def auth_header(token: str) -> tuple[str, str]:
        return ("PRIVATE-TOKEN", token)

    @property
    def _mr_path(self) -> str:
        return f"/projects/{quote(self.repo, safe='')}/merge_requests/{self.number}"

    def _login(self) -> str:
        return str(self.api.request("GET", "/user").json()["username"])

    def head_sha(self) -> str | None:
        sha = self.api.request("GET", self._mr_path).json().get("sha")
        return str(sha) if sha else None

    def comments(self) -> Iterator[RemoteComment]:
        params: dict[str, str | int] = {"per_page": 100, "sort": "asc", "order_by": "created_at"}
        for item in self.api.pages(f"{self._mr_path}/notes", params):
            if not item.get("system"):
                yield comment_from(item, author_key="author", login_key="username")

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
