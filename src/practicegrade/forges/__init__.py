"""The sticky PR/MR comment, on any forge: one protocol, one upsert.

A forge module (:mod:`.github`, :mod:`.gitlab`, :mod:`.gitea`) only knows its endpoints;
:func:`upsert` owns the rules that keep one comment per pull request
(security-reliability.md rules 8-10):

* ours = written by the token's own user **and** starting with our marker line; a
  learner who pastes the marker into their own comment matches nothing, and a comment
  that merely *contains* the marker is not ours either;
* every page is read (a PR with hundreds of comments still has one of ours);
* several of ours: the newest is updated, the rest are hidden where the forge can;
* the marker carries the head commit the comment describes, so a late run for an older
  commit never replaces the comment for the PR's current head;
* an unchanged body is not sent again (no notification, no edit history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from practicegrade.errors import PracticegradeError

EXIT_FORGE = 4

MARKER_RE = re.compile(
    r"<!-- practicegrade:v1(?: id=(?P<id>[A-Za-z0-9_.-]{1,64}))?"
    r"(?: head=(?P<head>[0-9a-f]{7,64}))? -->",
    re.ASCII,
)
_SHA = re.compile(r"[0-9a-f]{7,64}", re.ASCII)


class ForgeError(PracticegradeError):
    """The forge refused or failed after retries (DESIGN.md: ``comment`` exits 4)."""

    exit_code = EXIT_FORGE

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None):
        super().__init__(message, hint=hint)
        self.status = status


@dataclass(frozen=True, slots=True)
class RemoteComment:
    """A comment as the forge lists it."""

    id: int
    author: str
    body: str
    created_at: str = ""
    node_id: str = ""
    """GitHub's GraphQL id (to minimize a duplicate); empty elsewhere."""


class Forge(Protocol):
    """The few calls the sticky comment needs from a forge."""

    name: str

    def whoami(self) -> str:
        """The login comments posted with this token are authored by."""

    def head_sha(self) -> str | None:
        """The pull/merge request's current head commit."""

    def comments(self) -> Iterable[RemoteComment]:
        """Every comment on the pull/merge request, all pages, oldest first."""

    def create(self, body: str) -> None: ...

    def update(self, comment: RemoteComment, body: str) -> None: ...

    def hide(self, comment: RemoteComment) -> bool:
        """Collapse a duplicate of ours (GitHub: minimize as outdated); ``False`` if the
        forge cannot, in which case the duplicate is left alone and ignored."""


@dataclass(frozen=True, slots=True)
class Marker:
    job: str | None
    head: str | None


def make_marker(job: str | None, head: str | None) -> str:
    """Line 1 of our comment: ``<!-- practicegrade:v1 id=<job> head=<sha> -->``."""
    parts = ["<!-- practicegrade:v1"]
    if job:
        parts.append(f"id={job}")
    if head:
        parts.append(f"head={head}")
    text = " ".join(parts) + " -->"
    if MARKER_RE.fullmatch(text) is None:
        raise ValueError(f"not a valid marker: {text!r}")
    return text


def parse_marker(body: str) -> Marker | None:
    """Our marker when it is the body's whole first line, else ``None``."""
    first = body.replace("\r\n", "\n").split("\n", 1)[0].strip()
    found = MARKER_RE.fullmatch(first)
    if found is None:
        return None
    return Marker(job=found.group("id"), head=found.group("head"))


def with_marker(rendered: str, job: str | None, head: str | None) -> str:
    """``comment.md`` with its first line replaced by the marker naming ``job`` and ``head``.

    ``rendered`` comes from :func:`practicegrade.render.markdown.render_comment`, whose
    first line is always our (head-less) marker and whose learner text can never hold one.
    """
    first, _, rest = rendered.partition("\n")
    if parse_marker(first) is None:
        raise ValueError("the rendered comment does not start with the practicegrade marker")
    body = make_marker(job, head) + "\n" + rest
    if body.count("<!-- practicegrade:") != 1:
        raise ValueError("the comment must hold exactly one practicegrade marker")
    return body


def is_sha(text: str | None) -> bool:
    return text is not None and _SHA.fullmatch(text) is not None


def _same(a: str, b: str) -> bool:
    """Bodies equal up to line endings and trailing blank space (forges normalise both)."""
    return a.replace("\r\n", "\n").rstrip() == b.replace("\r\n", "\n").rstrip()


Action = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(frozen=True, slots=True)
class Outcome:
    action: Action
    reason: str
    hidden: int = 0


def _ours(comments: Iterable[RemoteComment], me: str, job: str | None) -> list[RemoteComment]:
    found = []
    for comment in comments:
        if comment.author != me:
            continue
        marker = parse_marker(comment.body)
        if marker is not None and marker.job == job:
            found.append(comment)
    return found


def _newest_key(comment: RemoteComment) -> tuple[str, int]:
    return (comment.created_at, comment.id)


def upsert(forge: Forge, body: str, *, job: str | None, head: str | None) -> Outcome:
    """Create, update or leave our one comment; see the module docstring for the rules.

    ``head`` is the commit ``body`` describes (it is in the body's marker too). When the
    pull request has moved on to another head and our comment already describes some
    other commit, this run is the stale one: nothing is written.
    """
    me = forge.whoami()
    ours = sorted(_ours(forge.comments(), me, job), key=_newest_key)
    if not ours:
        forge.create(body)
        return Outcome("created", "no comment of ours yet")
    newest, duplicates = ours[-1], ours[:-1]
    hidden = sum(1 for d in duplicates if forge.hide(d))
    shown = parse_marker(newest.body)
    shown_head = shown.head if shown else None
    if head is not None and shown_head is not None and shown_head != head:
        current = forge.head_sha()
        if current != head:
            return Outcome(
                "skipped",
                f"this run graded {head[:12]}, but the pull request's head is "
                f"{(current or 'unknown')[:12]} and the comment already describes "
                f"{shown_head[:12]}: a newer run owns the comment",
                hidden,
            )
    if _same(newest.body, body):
        return Outcome("unchanged", "the comment already says this", hidden)
    forge.update(newest, body)
    return Outcome("updated", f"updated comment {newest.id}", hidden)
