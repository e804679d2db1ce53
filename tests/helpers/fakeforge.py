"""A local forge for the comment tests: GitHub (Enterprise paths), GitLab and Gitea APIs
on 127.0.0.1, implementing the endpoints practicegrade uses as their docs describe them.

State (comments, pull requests, users by token) lives in :class:`FakeForge`; the HTTP
server only parses requests and serialises answers. ``faults`` force a status for the
next matching requests (422, 502, 429 / 403 rate limits with ``Retry-After``).
Every request is recorded, headers included, so tests can check what was sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = {"github": "/api/v3", "gitlab": "/api/v4", "gitea": "/api/v1"}
MAX_BODY = {"github": 65_536, "gitlab": 1_000_000, "gitea": 65_536}
DEFAULT_PAGE = {"github": 30, "gitlab": 20}
QUICK_ACTION = re.compile(r"^/([a-z_]+)", re.MULTILINE)


@dataclass
class Fault:
    method: str
    path_contains: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int = 1


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeForge:
    kind: str
    users: dict[str, str]
    """token -> login; a login of ``None``-like ``"<actions>"`` answers 403 on /user."""
    repo: str = "mentee/practice"
    number: int = 7
    head_sha: str = "a" * 40
    pulls: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    minimized: set[str] = field(default_factory=set)
    quick_actions: list[str] = field(default_factory=list)
    base_url: str = ""
    _next_id: int = 1000
    _clock: int = 0

    # ------------------------------------------------------------------ helpers

    def add_comment(self, login: str, body: str) -> dict[str, Any]:
        self._next_id += 1
        self._clock += 1
        item = {
            "id": self._next_id,
            "login": login,
            "body": body,
            "created_at": f"2026-11-01T12:{self._clock // 60:02d}:{self._clock % 60:02d}Z",
            "node_id": f"IC_node{self._next_id}",
        }
        self.comments.append(item)
        if self.kind == "gitlab":
            self.quick_actions += QUICK_ACTION.findall(body)
        return item

    def bodies_by(self, login: str) -> list[str]:
        return [c["body"] for c in self.comments if c["login"] == login]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT")]

    def _json_comment(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.kind == "gitlab":
            return {
                "id": item["id"],
                "body": item["body"],
                "author": {"username": item["login"]},
                "system": False,
                "created_at": item["created_at"],
            }
        return {
            "id": item["id"],
            "node_id": item["node_id"],
            "body": item["body"],
            "user": {"login": item["login"]},
            "created_at": item["created_at"],
        }

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(raw_path)
        path, query = split.path, parse_qs(split.query)
        self.requests.append(Recorded(method, path, query, headers, body))
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and fault.path_contains in path:
                fault.times -= 1
                return fault.status, fault.headers, fault.body
        login = self._login(headers)
        if login is None:
            return 401, {}, {"message": "Bad credentials"}
        if self.kind == "github" and path == "/api/graphql":
            node = body["variables"]["id"]
            self.minimized.add(node)
            return (
                200,
                {},
                {"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}},
            )
        prefix = PREFIX[self.kind]
        if not path.startswith(prefix):
            return 404, {}, {"message": "Not Found"}
        path = path[len(prefix) :]
        if path == "/user":
            if login == "<actions>":
                return 403, {}, {"message": "Resource not accessible by integration"}
            return 200, {}, ({"username": login} if self.kind == "gitlab" else {"login": login})
        if self.kind == "gitlab":
            return self._gitlab(method, path, query, body, login)
        return self._github_like(method, path, query, body, login)

    def _login(self, headers: dict[str, str]) -> str | None:
        if self.kind == "gitlab":
            token = headers.get("private-token", "")
        else:
            auth = headers.get("authorization", "")
            scheme = "Bearer " if self.kind == "github" else "token "
            token = auth[len(scheme) :] if auth.startswith(scheme) else ""
        return self.users.get(token)

    def _author(self, login: str) -> str:
        return "github-actions[bot]" if login == "<actions>" else login

    def _page(
        self, path: str, query: dict[str, list[str]], items: list[Any]
    ) -> tuple[int, dict[str, str], Any]:
        per_page = min(int(query.get("per_page", [DEFAULT_PAGE[self.kind]])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            nxt = f"{self.base_url}{PREFIX[self.kind]}{path}?per_page={per_page}&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return 200, headers, chunk

    def _too_long(self, text: str) -> bool:
        return len(text) > MAX_BODY[self.kind]

    def _github_like(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, login: str
    ) -> tuple[int, dict[str, str], Any]:
        repo = f"/repos/{self.repo}"
        comments_path = f"{repo}/issues/{self.number}/comments"
        if method == "GET" and path == f"{repo}/pulls/{self.number}":
            return 200, {}, {"number": self.number, "head": {"sha": self.head_sha}}
        if method == "GET" and path == f"{repo}/pulls":
            head = query.get("head", [""])[0]
            state = query.get("state", ["open"])[0]
            found = [
                {"number": p["number"], "head": {"sha": p["sha"]}, "state": p["state"]}
                for p in self.pulls
                if f"{p['owner']}:{p['branch']}" == head and (state == "all" or p["state"] == state)
            ]
            return self._page(path, query, found)
        if method == "GET" and path == comments_path:
            items = [self._json_comment(c) for c in self.comments]
            if self.kind == "gitea":
                return 200, {}, items
            return self._page(path, query, items)
        if method == "POST" and path == comments_path:
            if self._too_long(body["body"]):
                return (
                    422,
                    {},
                    {
                        "message": "Validation Failed",
                        "errors": [{"message": "Body is too long (maximum is 65536 characters)"}],
                    },
                )
            return 201, {}, self._json_comment(self.add_comment(self._author(login), body["body"]))
        match = re.fullmatch(rf"{re.escape(repo)}/issues/comments/(\d+)", path)
        if method == "PATCH" and match:
            item = next((c for c in self.comments if c["id"] == int(match.group(1))), None)
            if item is None:
                return 404, {}, {"message": "Not Found"}
            if item["login"] != self._author(login):
                return 403, {}, {"message": "You cannot edit this comment"}
            if self._too_long(body["body"]):
                return 422, {}, {"message": "Body is too long (maximum is 65536 characters)"}
            item["body"] = body["body"]
            return 200, {}, self._json_comment(item)
        return 404, {}, {"message": "Not Found"}

    def _gitlab(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, login: str
    ) -> tuple[int, dict[str, str], Any]:
        mr = f"/projects/{self.repo.replace('/', '%2F')}/merge_requests/{self.number}"
        alt = f"/projects/{self.repo}/merge_requests/{self.number}"
        if path.startswith(alt):
            path = mr + path[len(alt) :]
        if method == "GET" and path == mr:
            return 200, {}, {"iid": self.number, "sha": self.head_sha}
        if method == "GET" and path == f"{mr}/notes":
            return self._page(path, query, [self._json_comment(c) for c in self.comments])
        if method == "POST" and path == f"{mr}/notes":
            return 201, {}, self._json_comment(self.add_comment(login, body["body"]))
        match = re.fullmatch(rf"{re.escape(mr)}/notes/(\d+)", path)
        if method == "PUT" and match:
            item = next((c for c in self.comments if c["id"] == int(match.group(1))), None)
            if item is None:
                return 404, {}, {"message": "404 Not found"}
            if item["login"] != login:
                return 403, {}, {"message": "403 Forbidden"}
            item["body"] = body["body"]
            self.quick_actions += QUICK_ACTION.findall(body["body"])
            return 200, {}, self._json_comment(item)
        return 404, {}, {"message": "404 Not found"}


def _handler(forge: FakeForge, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                status, extra, answer = forge.handle(self.command, self.path, headers, body)
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    return Handler


@contextmanager
def serve(forge: FakeForge) -> Iterator[FakeForge]:
    """Run ``forge`` on 127.0.0.1 (a free port) for the ``with`` block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(forge, threading.Lock()))
    forge.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
