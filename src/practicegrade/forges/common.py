"""What the three forge classes share, and nothing of their protocols.

Each forge module keeps its own protocol: endpoint paths, the header that carries the
token, pagination parameters and the JSON keys that name a comment's author. What is
the same on every forge lives here: building the :class:`~.http.Api` client, asking
who "we" are once per run, reading a listed comment, and having no way to hide one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

from practicegrade.forges import RemoteComment
from practicegrade.forges.http import Api, Hints


def comment_from(item: Any, *, author_key: str, login_key: str, node_id: str = "") -> RemoteComment:
    """The comment a listed JSON item describes; the forge names where the author is."""
    author = item.get(author_key) or {}
    return RemoteComment(
        id=int(item["id"]),
        author=str(author.get(login_key, "")),
        body=str(item.get("body") or ""),
        created_at=str(item.get("created_at", "")),
        node_id=node_id,
    )


class ForgeClient:
    """One pull/merge request on a forge: the API client and the login asked for once.

    A subclass states its protocol: ``name``, ``default_api``, ``hints``,
    :meth:`auth_header` and :meth:`_login`, and the :class:`~practicegrade.forges.Forge`
    calls that use its endpoints. ``repo`` is ``OWNER/NAME`` (GitLab: the project's id
    or path) and ``number`` the pull request's number (GitLab: the merge request's iid).
    """

    name: str
    default_api: ClassVar[str]
    hints: ClassVar[Hints]

    def __init__(
        self,
        repo: str,
        number: int,
        *,
        token: str,
        api_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.repo = repo
        self.number = number
        self.api = Api(
            self.default_api if api_url is None else api_url,
            token=token,
            auth_header=self.auth_header(token),
            hints=self.hints,
            sleep=sleep,
            transport=transport,
        )
        self._me: str | None = None

    @staticmethod
    def auth_header(token: str) -> tuple[str, str]:
        """The request header that carries ``token``."""
        raise NotImplementedError

    def _login(self) -> str:
        """Who comments posted with this token are authored by, asked of the forge."""
        raise NotImplementedError

    def whoami(self) -> str:
        if self._me is None:
            self._me = self._login()
        return self._me

    def hide(self, comment: RemoteComment) -> bool:
        """Most forges cannot collapse a comment: a duplicate is left alone and ignored."""
        del comment
        return False
