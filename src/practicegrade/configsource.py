"""Reading a config file into plain data that remembers where each value was written.

The validator (:mod:`practicegrade.config`) names ``file:line: key`` in every error, so
the readers here return mappings and lists that carry line numbers: PyYAML's composer
gives them for YAML, and for ``[tool.practicegrade]`` (tomllib keeps none) they are
found again in the text. Both readers give the same containers, so validation does not
care which format the user chose.

Everything here reads text a learner wrote, so every reader is bounded: a file is read
through a cap on the bytes actually read (a size the file system reports means nothing
for ``/dev/zero`` or a ``/proc`` file), only regular files are read (a FIFO would block
us), a file found in the repository must resolve inside it (a committed symlink to
``~/.git-credentials`` is refused, never parsed and echoed), and nesting deeper than
:data:`MAX_NESTING` is an error at its line rather than a ``RecursionError``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from practicegrade.compat import tomllib
from practicegrade.errors import ConfigError

MAX_CONFIG_BYTES = 256 * 1024
"""A config is a page of settings; anything larger is a mistake, not a model."""
MAX_NESTING = 64
"""Containers inside containers; a competence model needs five."""


# --------------------------------------------------------------------------- YAML with lines


class YMap(dict[str, object]):
    """A mapping from the file that remembers the line of each key."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines = {}


class YList(list[object]):
    """A sequence from the file that remembers the line of each item."""

    line: int | None = None
    item_lines: list[int]

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines = []


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records lines, refuses aliases and duplicate keys, keeps dates raw.

    Aliases are refused because ``*ref`` chains can expand exponentially once walked
    (billion laughs); dates stay strings so ``due`` can insist on ISO ``YYYY-MM-DD``.
    """

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not supported here", event.start_mark
            )
        # The composer recurses once per level: 400 nested "[" (800 bytes) used to end
        # in a RecursionError. Stop at a depth no model needs, at the line it happens.
        if self._depth >= MAX_NESTING:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_NESTING} levels deep", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_ymap(self, node: yaml.MappingNode) -> YMap:
        self.flatten_mapping(node)
        result = YMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"keys must be text, found {type(key).__name__}",
                    key_node.start_mark,
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key[:40]!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_ylist(self, node: yaml.SequenceNode) -> YList:
        result = YList(node.start_mark.line + 1)
        for child in node.value:
            result.append(self.construct_object(child, deep=True))
            result.item_lines.append(child.start_mark.line + 1)
        return result

    def construct_raw_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_ymap)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_ylist)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_raw_timestamp)


_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", _LineLoader)


class _TrustedLineLoader(_FastLoader):  # type: ignore[misc,valid-type]
    """:class:`_LineLoader`'s data from libyaml's parser, for the roles we ship.

    libyaml parses in C (a third of the time a grade spent loading the five built-in
    roles); it does not call ``compose_node``, so aliases are not refused, which only
    matters for text a learner wrote: their files keep the pure-Python loader.
    """


_TrustedLineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_ymap)
_TrustedLineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_ylist)
_TrustedLineLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _LineLoader.construct_raw_timestamp
)


def parse_trusted_yaml(text: str, shown: str) -> object:
    """:func:`parse_yaml` for YAML practicegrade ships (the built-in roles), parsed in C."""
    try:
        return yaml.load(text, Loader=_TrustedLineLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError:
        return parse_yaml(text, shown)  # the same error, worded as for any file


def _yaml_hint(problem: str) -> str:
    """The fix for PyYAML's message: its wording names the symptom, rarely the cause."""
    if "block scalar" in problem or "'>'" in problem or "cannot start any token" in problem:
        return 'quote expressions: target: ">= 85" (a bare > or | starts a YAML block)'
    if "constructor" in problem or "tag" in problem:
        return "remove the !!tag: practicegrade.yml holds plain data only"
    if "alias" in problem:
        return "write the value out instead of using &anchor / *alias"
    if "levels deep" in problem:
        return "flatten that value: a practicegrade.yml needs a few levels of nesting"
    if "duplicate key" in problem:
        return "each key may appear once per mapping; merge the two entries"
    return "check the indentation and quoting around that line (YAML is strict about both)"


def parse_yaml(text: str, shown: str) -> object:
    """YAML ``text`` as line-aware data; bad YAML -> :class:`ConfigError` at ``shown:line``."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _yaml_hint(f"{exc.context} {exc.problem}")
        raise ConfigError(f"{shown}{line}: invalid YAML: {problem}", hint=hint) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: invalid YAML: {exc}", hint=_yaml_hint(str(exc))) from None


# --------------------------------------------------------------------------- TOML with lines

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _toml_key_parts(dotted: str) -> tuple[str, ...]:
    """``tool."practicegrade".hook`` -> its parts, quotes dropped, as tomllib names them."""
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


class _TomlLines:
    """Best-effort line numbers for ``[tool.practicegrade]`` keys (tomllib keeps none).

    The line is that of ``key =`` inside the most specific table header that encloses
    the key, else that header's own line: always a line the user can jump to.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, tuple[str, ...]]] = []
        for number, line in enumerate(self.lines, start=1):
            match = _TOML_HEADER.match(line)
            if match:
                self.headers.append((number, _toml_key_parts(match.group(1))))

    def line_of(self, keys: Sequence[str]) -> int | None:
        full = ("tool", "practicegrade", *keys)
        best: tuple[int, int] | None = None  # (prefix length, header index)
        for index, (_, parts) in enumerate(self.headers):
            if full[: len(parts)] == parts and (best is None or len(parts) > best[0]):
                best = (len(parts), index)
        if best is None:
            return None
        length, index = best
        start = self.headers[index][0]
        end = self.headers[index + 1][0] if index + 1 < len(self.headers) else len(self.lines) + 1
        if length < len(full):
            key = re.escape(full[length])
            pattern = re.compile(rf"^\s*[\"']?{key}[\"']?\s*(=|\.)")
            for number in range(start + 1, end):
                if pattern.match(self.lines[number - 1]):
                    return number
        return start


def _toml_tree(value: object, lines: _TomlLines, keys: tuple[str, ...]) -> object:
    """tomllib's plain values -> the same line-aware containers the YAML loader makes."""
    if isinstance(value, dict):
        ymap = YMap(lines.line_of(keys))
        for key, child in value.items():
            ymap[key] = _toml_tree(child, lines, (*keys, key))
            child_line = lines.line_of((*keys, key))
            if child_line is not None:
                ymap.key_lines[key] = child_line
        return ymap
    if isinstance(value, list):
        ylist = YList(lines.line_of(keys))
        for child in value:
            ylist.append(_toml_tree(child, lines, keys))
            ylist.item_lines.append(ylist.line or 0)
        return ylist
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _nesting_line(text: str, limit: int = MAX_NESTING) -> int | None:
    """The first line where brackets and braces nest deeper than ``limit`` (strings and
    comments skipped roughly: this only places an error that already happened)."""
    depth = 0
    quote = ""
    for number, line in enumerate(text.splitlines(), start=1):
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "\\" and quote == '"':
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch in "[{":
                depth += 1
                if depth > limit:
                    return number
            elif ch in "]}":
                depth = max(0, depth - 1)
            i += 1
        if quote == "'" or (quote == '"' and not line.endswith("\\")):
            quote = ""  # a basic string ends with its line; multi-line ones are rare here
    return None


def _table_depth(value: object) -> int:
    """How deeply ``value`` nests, counted without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _deep_key_line(text: str, limit: int = MAX_NESTING) -> int | None:
    """The first line whose table header or dotted key has more than ``limit`` parts."""
    for number, line in enumerate(text.splitlines(), start=1):
        head = line.split("=", 1)[0] if "=" in line else line
        if head.count(".") >= limit:
            return number
    return None


def load_toml(text: str, shown: str) -> dict[str, Any]:
    """``tomllib.loads`` for a learner's file: bad TOML and too-deep nesting ->
    :class:`ConfigError` at ``shown:line``. tomllib recurses once per level of inline
    arrays and tables, and so do readers of the result: 2,000 nested tables used to end
    in a ``RecursionError`` (exit 3)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{shown}: invalid TOML: {exc}", hint="fix the TOML syntax at that line"
        ) from None
    except RecursionError:
        # tomllib recurses on nested brackets; tomli (Python 3.10) on dotted keys too.
        line = _nesting_line(text) or _deep_key_line(text)
    else:
        if _table_depth(data) <= MAX_NESTING:
            return data
        line = _deep_key_line(text) or _nesting_line(text)
    where = f"{shown}:{line}" if line else shown
    raise ConfigError(
        f"{where}: invalid TOML: nested more than {MAX_NESTING} levels deep",
        hint="flatten that value: a configuration needs a few levels of nesting",
    )


def parse_pyproject(text: str, shown: str, *, required: bool) -> object | None:
    """The ``[tool.practicegrade]`` table as line-aware data.

    ``None`` when the table is absent and not ``required`` (a pyproject.toml found by
    auto-detection may well belong to other tools only).
    """
    data = load_toml(text, shown)
    tool = data.get("tool")
    table = tool.get("practicegrade") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(
                f"{shown}: no [tool.practicegrade] table",
                hint="add a [tool.practicegrade] table, or point --config at a practicegrade.yml",
            )
        return None
    return _toml_tree(table, _TomlLines(text), ())


# --------------------------------------------------------------------------- files


def inside(path: Path, root: Path, shown: str) -> Path:
    """``path`` resolved, which must stay inside ``root``: a file the repository
    provides is read only if it is the repository's own.

    A committed symlink to ``~/.git-credentials`` (or ``/dev/zero``) is refused with a
    configuration error, before anything is read or echoed.
    """
    try:
        real = path.resolve()
        top = root.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise ConfigError(
            f"{shown}: a symlink that cannot be resolved", hint=f"commit {shown} as a file"
        ) from None
    if not real.is_relative_to(top):
        raise ConfigError(
            f"{shown}: a symlink to a file outside the repository; refused",
            hint=f"commit {shown} itself, or pass a file of your own with --config",
        )
    return real


def read_text(path: Path, shown: str) -> str:
    """The file's text; each way of failing -> :class:`ConfigError` with its own fix.

    Bounded by what is read, not by the size the file reports; only a regular file is
    read (opened non-blocking, so a FIFO cannot hang us, and checked on the open file).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file", hint="check the --config path") from None
    except OSError as exc:
        raise ConfigError(
            f"{shown}: cannot read: {exc.strerror}", hint="check the file's permissions"
        ) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(
                f"{shown}: not a regular file", hint="point it at a practicegrade.yml file"
            )
        try:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(
                f"{shown}: cannot read: {exc.strerror}", hint="check the file's permissions"
            ) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{shown}: too large for a config file (over {MAX_CONFIG_BYTES // 1024} KiB)",
            hint=f"keep it under {MAX_CONFIG_BYTES // 1024} KiB",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8 text", hint="save the file as UTF-8") from None
