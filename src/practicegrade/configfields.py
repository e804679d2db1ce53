"""Where a config value sits, and the checks every field of the model shares.

Every problem in a config file must name ``file:line: key``, what was expected and the
fix; :class:`At` carries that place down the tree, and the ``as_*`` checks turn a raw
value into a typed one or raise the error at its place. Sections of the model
(:mod:`practicegrade.config`) are built from these and nothing else.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from practicegrade import expr
from practicegrade.configsource import YList, YMap
from practicegrade.errors import ConfigError

_MISSING = object()


@dataclass(slots=True)
class Context:
    """The file being read (as shown to the user) and the warnings collected so far.

    Warnings are gathered, not raised: an unknown key should not stop a grade.
    """

    shown: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class At:
    """Where a value sits: the file, the dotted key path and the line."""

    ctx: Context
    path: str
    line: int | None

    def key(self, mapping: object, key: str) -> At:
        """The place of ``mapping[key]``: its own line when the file recorded one."""
        line = mapping.key_lines.get(key) if isinstance(mapping, YMap) else None
        path = f"{self.path}.{key}" if self.path else key
        return At(self.ctx, path, line or self.line)

    def item(self, seq: object, index: int) -> At:
        """The place of ``seq[index]``: its own line when the file recorded one."""
        line = None
        if isinstance(seq, YList) and index < len(seq.item_lines):
            line = seq.item_lines[index] or None
        return At(self.ctx, f"{self.path}[{index}]", line or self.line)

    def where(self) -> str:
        """``file:line: key.path``, the prefix of every message about this place."""
        line = f":{self.line}" if self.line else ""
        path = redact(self.path)
        path = path if len(path) <= 120 else path[:119] + "…"
        return f"{self.ctx.shown}{line}: {path or '(top level)'}"

    def fail(
        self, expected: str, got: object = _MISSING, *, hint: str | None = None
    ) -> ConfigError:
        """The error for a value that is not what was ``expected`` (raise it)."""
        tail = "" if got is _MISSING else f", got {show(got)}"
        if hint is None:
            hint = f"change {self.path or 'the file'} to {expected}"
        return ConfigError(f"{self.where()}: expected {expected}{tail}", hint=hint)

    def problem(self, message: str, *, hint: str | None = None) -> ConfigError:
        """The error for any other problem at this place (raise it)."""
        return ConfigError(f"{self.where()}: {message}", hint=hint)

    def warn(self, message: str) -> None:
        """Record a problem that does not stop loading (see :class:`Context`)."""
        self.ctx.warnings.append(f"{self.where()}: {message}")


_CREDENTIALS = (
    # scheme://user:password@host and scheme://token@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@"), r"\1***@"),
    # the usual token shapes: GitHub, GitLab, Slack, AWS, OpenAI-style keys
    (
        re.compile(
            r"\b(?:gh[pousr]_\w{6,}|github_pat_\w{6,}|glpat-[\w-]{6,}|xox[abprs]-[\w-]{6,}"
            r"|AKIA[0-9A-Z]{12,}|sk-[\w-]{12,})"
        ),
        "***",
    ),
    # anything else that looks like a key: a long run without spaces or punctuation
    (re.compile(r"[A-Za-z0-9+/_=-]{32,}"), "***"),
)
EXCERPT_CHARS = 40
"""How much of an offending value an error message may show."""


def redact(text: str) -> str:
    """``text`` with credentials and token-like runs replaced by ``***``.

    A config error echoes the offending value, and a learner can commit a symlink that
    makes "the config" a credentials file: what an error shows is only ever a short,
    redacted excerpt.
    """
    for pattern, replacement in _CREDENTIALS:
        text = pattern.sub(replacement, text)
    return text


def show(value: object) -> str:
    """A short, escaped, redacted rendering of a config value for an error message."""
    if isinstance(value, str):
        text = json.dumps(redact(value[: EXCERPT_CHARS * 8]), ensure_ascii=False)
        return text if len(text) <= EXCERPT_CHARS + 2 else text[:EXCERPT_CHARS] + '…"'
    if value is None or isinstance(value, bool):
        return {None: "nothing (null)", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)) and not value:
        return "an empty list"
    kinds = ((Mapping, "a mapping"), ((list, tuple), "a list"))
    return next(
        (name for kind, name in kinds if isinstance(value, kind)), f"a {type(value).__name__}"
    )


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """``; did you mean 'x'?`` for a close choice, else nothing: typos are the usual cause."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def as_mapping(value: object, at: At, what: str) -> Mapping[str, object]:
    """``value`` when it is a mapping; ``what`` says which mapping was expected."""
    if not isinstance(value, Mapping):
        raise at.fail(what, value)
    return value


def warn_unknown_keys(raw: Mapping[str, object], at: At, allowed: Sequence[str]) -> None:
    """Warn about keys outside ``allowed``: a misspelt key would otherwise be silently lost."""
    for key in raw:
        if key not in allowed:
            at.key(raw, key).warn(f"unknown key (ignored){did_you_mean(key, allowed)}")


def as_text(value: object, at: At, *, example: str) -> str:
    """Non-blank text, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise at.fail(f"text, e.g. {example}", value)
    return value.strip()


def require_keys(
    data: Mapping[str, object], at: At, keys: Sequence[str], *, what: str, hint: str
) -> None:
    """Stop at the first of ``keys`` that ``data`` lacks: the ``what`` means nothing without it."""
    for key in keys:
        if key not in data:
            raise at.problem(f"{what} has no {key}", hint=hint)


def as_number(
    value: object, at: At, *, minimum: float, example: str, integer: bool = False
) -> float:
    """A finite number at least ``minimum`` (whole when ``integer``); ``true`` is no number."""
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < minimum:  # type: ignore[arg-type]
        kind = "a whole number" if integer else "a number"
        key = at.path.rsplit(".", 1)[-1]
        raise at.fail(f"{kind} >= {minimum:g}", value, hint=f"write e.g. {key}: {example}")
    return float(value)  # type: ignore[arg-type]


def as_bool(value: object, at: At) -> bool:
    """A YAML boolean; ``"yes"`` or ``1`` are refused rather than guessed."""
    if not isinstance(value, bool):
        raise at.fail("true or false", value)
    return value


def as_str_list(value: object, at: At, *, example: str) -> tuple[str, ...]:
    """A list of non-blank texts, each checked at its own line."""
    if not isinstance(value, list):
        raise at.fail(f"a list, e.g. {example}", value)
    return tuple(as_text(item, at.item(value, i), example=example) for i, item in enumerate(value))


def as_rel_paths(value: object, at: At, *, example: str, globs: bool = False) -> tuple[str, ...]:
    """Paths inside the repository: a config must not point the tools outside it."""
    items = as_str_list(value, at, example=example)
    for i, item in enumerate(items):
        posix = PurePosixPath(item.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts or re.match(r"^[A-Za-z]:", item):
            raise at.item(value, i).fail(
                "a path inside the repository (relative, no '..')",
                item,
                hint="paths are relative to the repository root, e.g. src",
            )
        if not globs and any(ch in item for ch in "*?["):
            raise at.item(value, i).fail(
                "a folder or file path, not a pattern", item, hint="patterns belong in exclude:"
            )
    return items


def as_expression(value: object, at: At) -> expr.Expr:
    """A threshold like ``">= 85"``, parsed by :mod:`practicegrade.expr`."""
    hint = 'write it as a quoted string: ">= 85", "<= 10" or "== 0"'
    if not isinstance(value, str):
        raise at.fail('an expression like ">= 85" (operators >=, <=, >, <, ==)', value, hint=hint)
    try:
        return expr.parse(value)
    except expr.ExprError as exc:
        raise ConfigError(f"{at.where()}: {exc}", hint=hint) from None


def as_date(value: object, at: At) -> dt.date:
    """An ISO ``YYYY-MM-DD`` date; other spellings are ambiguous between countries."""
    hint = "write the date as YYYY-MM-DD, e.g. due: 2027-01-15"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise at.fail("a real calendar date (YYYY-MM-DD)", value, hint=hint) from None
    raise at.fail("an ISO date YYYY-MM-DD", value, hint=hint)
