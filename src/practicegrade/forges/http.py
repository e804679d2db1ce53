"""The one HTTP seam for the forges: httpx with bounded retries and no token in any text.

Every forge call goes through :meth:`Api.request`. It retries what a later attempt can
fix (5xx, connection errors, rate limits) a bounded number of times, waiting what the
server asked for (``Retry-After``, or the rate-limit reset) or else an exponential
backoff; the sleep is injectable so tests run in milliseconds. Anything it gives up on
becomes a :class:`ForgeError` (exit 4) whose message says what happened and what to do.

The token lives in the request headers only. It is never put in a URL, and every
message we build from a response is passed through :meth:`Api.redact` first, so a
server that echoes the token back still cannot make us print it. ``Link`` pages are
followed only on the API's own origin: a forged ``next`` URL cannot carry the token
elsewhere.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from practicegrade.forges import ForgeError
from practicegrade.render.escape import term_safe

RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_ATTEMPTS = 4
"""One try and at most three retries."""
MAX_WAIT_S = 60.0
"""A server that asks us to wait longer than this gets a failure, not a stuck CI job."""
TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Hints:
    """What to tell the user for a refused request; each forge words its own."""

    unauthorized: str
    forbidden: str
    not_found: str


def _retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` (seconds or a date), or the
    rate-limit reset time (GitHub ``x-ratelimit-reset``, GitLab ``ratelimit-reset``)."""
    value = response.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - now)
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        reset = response.headers.get(name, "").strip()
        if reset.isdigit():
            return max(0.0, float(reset) - now)
    return None


def is_rate_limited(response: httpx.Response) -> bool:
    """429, or GitHub's 403 with no requests left or a secondary rate limit."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    remaining = response.headers.get(
        "x-ratelimit-remaining", response.headers.get("ratelimit-remaining")
    )
    if remaining is not None and remaining.strip() == "0":
        return True
    return "retry-after" in response.headers or "rate limit" in response.text[:2000].lower()


class Api:
    """A JSON API client for one forge: base URL, auth headers, retries, redaction."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        auth_header: tuple[str, str],
        hints: Hints,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        attempts: int = MAX_ATTEMPTS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._hints = hints
        self._sleep = sleep
        self._clock = clock
        self._attempts = max(1, attempts)
        self._origin = httpx.URL(self.base_url + "/")
        self._client = httpx.Client(
            headers={
                auth_header[0]: auth_header[1],
                "Accept": "application/json",
                "User-Agent": "practicegrade",
            },
            timeout=TIMEOUT_S,
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ text safety

    def redact(self, text: str) -> str:
        """``text`` without the token (and one line, printable): safe for any output."""
        if self._token:
            text = text.replace(self._token, "***")
        return term_safe(text, limit=300)

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (
            self._origin.scheme,
            self._origin.host,
            self._origin.port,
        )

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """Send one request, retrying 5xx, connection errors and rate limits (bounded).

        A status in ``ok`` is returned; any other raises :class:`ForgeError`, except
        that 401/403/404/422 are raised with ``status`` set so callers can react (the
        GitHub ``/user`` fallback, the short-form retry on 422).
        """
        url = httpx.URL(self.url(path))
        if not self._same_origin(url):
            raise ForgeError(
                f"refusing to send the token to {self.redact(str(url.host))}: not the API's host",
                hint="pass the forge's API address with --api-url",
            )
        last = ""
        for attempt in range(self._attempts):
            try:
                response = self._client.request(method, url, params=params, json=json)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {self.redact(str(exc))}"
                wait = None
            else:
                if response.status_code in ok:
                    return response
                retryable = response.status_code in RETRY_STATUSES or is_rate_limited(response)
                if not retryable:
                    raise self._refused(method, url, response)
                last = f"HTTP {response.status_code}" + self._reason(response)
                wait = _retry_after(response, self._clock())
                if wait is not None and wait > MAX_WAIT_S:
                    raise ForgeError(
                        f"{method} {self._show(url)}: rate limited for {wait:.0f} s more",
                        hint="the forge's API limit is used up; run the job again later",
                        status=response.status_code,
                    )
            if attempt + 1 < self._attempts:
                self._sleep(wait if wait is not None else float(2**attempt))
        raise ForgeError(
            f"{method} {self._show(url)} failed after {self._attempts} attempts ({last})",
            hint="the forge is unavailable or overloaded; re-run the job later",
        )

    def pages(self, path: str, params: Mapping[str, str | int]) -> Iterator[Any]:
        """Every item of a paginated list, following ``Link: <…>; rel="next"``."""
        url: str | None = path
        first = True
        while url is not None:
            response = self.request("GET", url, params=params if first else None)
            first = False
            items = response.json()
            if not isinstance(items, list):
                raise ForgeError(f"GET {self._show(httpx.URL(self.url(path)))}: not a list")
            yield from items
            nxt = response.links.get("next", {}).get("url")
            url = str(response.url.join(nxt)) if nxt else None

    # ------------------------------------------------------------------ messages

    def _show(self, url: httpx.URL) -> str:
        """The request's path for a message (no query, no host, redacted)."""
        return self.redact(url.path)

    def _reason(self, response: httpx.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        if not isinstance(message, str) and isinstance(data, dict):
            message = data.get("error") if isinstance(data.get("error"), str) else None
        return f": {self.redact(message)}" if isinstance(message, str) else ""

    def _refused(self, method: str, url: httpx.URL, response: httpx.Response) -> ForgeError:
        status = response.status_code
        hint = {
            401: self._hints.unauthorized,
            403: self._hints.forbidden,
            404: self._hints.not_found,
        }.get(status, "see the forge's message above")
        return ForgeError(
            f"{method} {self._show(url)} was refused: HTTP {status}{self._reason(response)}",
            hint=hint,
            status=status,
        )
