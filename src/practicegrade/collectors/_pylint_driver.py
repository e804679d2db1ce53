"""Runs pylint in its own process and writes what it found as JSON.

Started by :mod:`practicegrade.lintproc` as ``python -I -m
practicegrade.collectors._pylint_driver --out OUT --scratch DIR --jobs N --files-from FILE``
with the learner's repository as the working directory (``FILE`` holds the JSON list of
paths to lint); or ahead of time as ``... _pylint_driver --wait``, which loads pylint
(:func:`warm_up`), then reads those options and the folder from stdin
(:func:`wait_for_job`). ``-I`` keeps the repository
off ``sys.path``, so a learner's ``pylint/`` or ``json.py`` cannot shadow what we import.
The incremental cache (:func:`practicegrade.cache.cached_lint`) adds ``--export`` (write
each linted file's ``duplicate-code`` line sets and ``cyclic-import`` edges) and
``--reuse`` (such records of files *not* to lint this time).

Why a driver instead of the ``pylint`` command: pylint's in-process API gives the
per-module statement and message counts (``linter.stats.by_module``) that an incremental
cache needs, and lets us hand pylint a *sanitized* copy of the learner's configuration:

* the configuration file pylint itself would pick (``find_default_config_files``) is
  honoured only if it lies inside the repository;
* it is parsed with pylint's own parser, so every value reaches pylint byte-identical;
* options that make pylint run, import or write anything (:data:`UNSAFE_OPTIONS`) and
  options that are commands rather than settings (:data:`COMMAND_OPTIONS`) are dropped,
  abbreviations included (pylint's argparse accepts unambiguous prefixes);
  ``load-plugins`` keeps pylint's own ``pylint.extensions.*`` modules;
* the rest is written as a TOML rcfile that pylint reads back into the same option list.

Everything else is plain pylint, so the score equals what ``pylint FILES`` prints with
the same configuration. This module imports pylint only inside :func:`main`; the pure
helpers are importable (and tested) without starting a lint run.

Sharing the work (``--jobs 2``): pylint's own ``-j2`` starts two fresh workers that each
parse and infer the shared imports again, groups ``duplicate-code`` by whichever worker
answered first, and occupies both cores from the start, while the learner's tests want
one of them. Instead this driver is one ordinary pylint run (``-j1``: the same file
order, every AST built first) that lints the biggest files first and, once the file
``--go`` exists (the grader creates it when the tests have finished) and two or more
files are left, forks helpers (:class:`WorkShare`). A helper starts with everything
the driver has parsed and inferred so far, takes files from the same list (claimed with
``O_EXCL`` files, so each file is linted once), and hands back what each file added:
messages, statistics, ``duplicate-code`` line sets and ``cyclic-import`` edges. The
driver puts those back in ``-j1`` order before pylint's end-of-run checks run once over
all files, so the messages and the score are the ones ``pylint FILES`` gives.

Reusing earlier records (``--reuse``) is the same merge: a reused file keeps its place
in pylint's file list (so module names, ``sys.path`` and the ``-j1`` order are those of
a run over every file) but is neither parsed nor linted; its record is merged like a
helper's, and when it is the last file the end-of-run messages are put on it, as a run
over every file would. Only the reused files' own messages are missing from the result
(the cache holds them).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import glob
import importlib
import json
import os
import pickle
import re
import shutil
import sys
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pylint.message import Message

CATEGORIES = ("fatal", "error", "warning", "refactor", "convention", "info")

UNSAFE_OPTIONS: dict[str, str] = {
    "init-hook": "it runs Python code",
    "load-plugins": "it imports Python modules",
    "evaluation": "pylint evaluates it as Python code (the default formula applies)",
    "output-format": "it can import a reporter class by name",
    "output": "it writes to a file",
    "extension-pkg-allow-list": "it lets pylint import compiled modules",
    "extension-pkg-whitelist": "it lets pylint import compiled modules",
    "unsafe-load-any-extension": "it lets pylint import compiled modules",
    "spelling-store-unknown-words": "it writes to a file",
    "from-stdin": "pylint would read the file from standard input",
}
"""Options a learner's configuration may not set, with the reason we tell them."""

COMMAND_OPTIONS = frozenset(
    {
        "help",
        "long-help",
        "help-msg",
        "list-msgs",
        "list-msgs-enabled",
        "list-groups",
        "list-conf-levels",
        "list-extensions",
        "full-documentation",
        "generate-rcfile",
        "generate-toml-config",
        "version",
    }
)
"""Options that make pylint print something and exit instead of linting."""

CROSS_MODULE_SYMBOLS = frozenset({"duplicate-code"})
"""Messages about several files at once: pylint attributes them to whichever module it
happens to be on (and drops them from ``by_module`` with ``-j``), so they are counted
apart from any single module."""

_PLUGIN_RE = re.compile(r"^pylint\.extensions\.[a-z_][a-z0-9_]*$")


# --------------------------------------------------------------------------- config


def _normalized(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def _forbidden(key: str) -> str | None:
    """Why ``key`` may not be honoured, or ``None``.

    A key is treated as the option it abbreviates: argparse resolves ``--eval`` to
    ``--evaluation`` when the prefix is unambiguous.
    """
    name = _normalized(key)
    if not name:
        return None
    reasons = {**UNSAFE_OPTIONS, **dict.fromkeys(COMMAND_OPTIONS, "it is a command, not a setting")}
    for option in sorted(reasons):
        if option.startswith(name):
            reason = reasons[option]
            return reason if option == name else f"it stands for `{option}`: {reason}"
    return None


def builtin_plugin_names(pylint_dir: Path) -> frozenset[str]:
    """pylint's own optional checkers (``pylint.extensions.<name>``), safe to load."""
    ext = pylint_dir / "extensions"
    names = {p.stem for p in ext.glob("*.py") if not p.stem.startswith("_")}
    names |= {p.name for p in ext.iterdir() if (p / "__init__.py").is_file()}
    return frozenset(f"pylint.extensions.{n}" for n in names)


def sanitize_options(
    options: Sequence[str], builtin_plugins: Iterable[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split pylint's parsed config (``["--key", value, ...]``) into kept and ignored.

    Returns ``(kept, ignored)``: ``kept`` are ``(key, value)`` pairs in their original
    order, ``ignored`` are ``(key, reason)`` pairs. ``load-plugins`` keeps the names of
    pylint's own extensions and loses any other module.
    """
    allowed = frozenset(builtin_plugins)
    kept: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    for flag, value in zip(options[::2], options[1::2], strict=False):
        key = flag[2:] if flag.startswith("--") else flag
        reason = _forbidden(key)
        if reason is not None and _normalized(key) == "load-plugins":
            plugins = [p.strip() for p in value.split(",") if p.strip()]
            safe = [p for p in plugins if p in allowed and _PLUGIN_RE.match(p)]
            dropped = [p for p in plugins if p not in safe]
            if dropped:
                names = ", ".join(dropped)
                ignored.append((key, f"plugins not loaded: {names} (only pylint.extensions.*)"))
            if safe:
                kept.append(("load-plugins", ",".join(safe)))
            continue
        if reason is not None:
            ignored.append((key, reason))
        else:
            kept.append((key, value))
    return kept, ignored


def _toml_string(text: str) -> str:
    """A TOML basic string holding ``text`` exactly."""
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def to_toml(options: Sequence[tuple[str, str]]) -> str:
    """A ``pylintrc.toml`` that pylint parses back into exactly ``options``, in order.

    pylint reads ``[tool.pylint.<section>]`` tables in order and turns every value into
    a string; a repeated key starts a new table (ini files may repeat a key in several
    sections, and pylint applies each occurrence).
    """
    lines: list[str] = []
    seen: set[str] = set()
    section = 0
    lines.append(f"[tool.pylint.s{section}]")
    for key, value in options:
        if key in seen:
            section += 1
            seen = set()
            lines.append(f"[tool.pylint.s{section}]")
        seen.add(key)
        lines.append(f"{_toml_string(key)} = {_toml_string(value)}")
    return "\n".join(lines) + "\n"


def find_learner_config(root: Path) -> tuple[Path | None, Path | None]:
    """The config pylint would pick in ``root``: ``(inside, outside)``.

    ``inside`` is honoured; ``outside`` (a parent ``pyproject.toml``, ``/etc/pylintrc``,
    a link out of the repository) is reported and ignored, so the grade depends on the
    repository alone.
    """
    from pylint.config import find_default_config_files  # noqa: PLC0415 - heavy import

    first = next(find_default_config_files(), None)
    if first is None:
        return None, None
    resolved = first.resolve()
    if resolved.is_relative_to(root.resolve()):
        return resolved, None
    return None, resolved


def write_sanitized_config(
    source: Path | None, target: Path, builtin_plugins: Iterable[str]
) -> tuple[list[tuple[str, str]], str | None]:
    """Write the sanitized rcfile; return ``(ignored, parse_error)``."""
    import configparser  # noqa: PLC0415

    from pylint.config.config_file_parser import _RawConfParser  # noqa: PLC0415

    from practicegrade.compat import tomllib  # noqa: PLC0415

    if source is None:
        target.write_text("", encoding="utf-8")
        return [], None
    try:
        _, options = _RawConfParser.parse_config_file(source, verbose=False)
    except (configparser.Error, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # pylint reports an unparsable config as a message and lints with defaults.
        target.write_text("", encoding="utf-8")
        return [], str(exc)
    kept, ignored = sanitize_options(options, builtin_plugins)
    target.write_text(to_toml(kept), encoding="utf-8")
    return ignored, None


# --------------------------------------------------------------------------- results


def _rel(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path


def message_to_json(msg: Message, root: Path, rename: dict[str, str]) -> dict[str, Any]:
    """One pylint message as the JSON the collector reads (paths relative to root)."""
    path = rename.get(msg.path, rename.get(msg.abspath, msg.path))
    if path == msg.path and os.path.isabs(path):
        path = _rel(path, root)
    path = Path(path).as_posix() if path else path
    return {
        "path": path[2:] if path.startswith("./") else path,
        "module": rename.get(msg.module, msg.module),
        "line": msg.line,
        "column": msg.column,
        "end_line": msg.end_line,
        "end_column": msg.end_column,
        "symbol": msg.symbol,
        "msg_id": msg.msg_id,
        "category": msg.category,
        "message": msg.msg,
        "obj": msg.obj,
    }


def module_counts(
    statements: dict[str, int],
    module_paths: dict[str, str | None],
    messages: Sequence[dict[str, Any]],
    totals: dict[str, int],
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per-file statements and message counts, plus what no single file owns.

    ``statements`` are pylint's ``by_module[name]["statement"]``. Message counts are
    recounted from the messages, leaving out :data:`CROSS_MODULE_SYMBOLS`: pylint's
    own ``by_module`` counts put ``duplicate-code`` on whichever module was current
    with ``-j1`` and drop it with ``-j2``, and keep messages about the configuration
    file that its global counts (hence the score) leave out. The second value is
    ``totals`` minus the sum over files, so ``sum(files) + cross == totals`` always:
    the score is recomputable from the parts.
    """
    counts: dict[str, dict[str, int]] = {}
    for m in messages:
        if m["symbol"] not in CROSS_MODULE_SYMBOLS:
            per = counts.setdefault(m["module"], dict.fromkeys(CATEGORIES, 0))
            per[m["category"]] += 1
    modules: list[dict[str, Any]] = []
    for name in sorted(n for n, path in module_paths.items() if path is not None):
        per = counts.get(name, dict.fromkeys(CATEGORIES, 0))
        statement = statements.get(name, 0)
        modules.append({"module": name, "path": module_paths[name], "statement": statement, **per})
    cross = {c: int(totals.get(c, 0)) - sum(int(m[c]) for m in modules) for c in CATEGORIES}
    return modules, cross


def _versions() -> dict[str, str]:
    out = {}
    for name in ("pylint", "astroid"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            out[name] = "unknown"
    return out


def _block_gi_imports() -> None:
    """astroid's ``gi`` brain ``__import__``s ``gi.repository.*`` modules it cannot find
    as source; with the learner's folders on ``sys.path`` that could run their code.
    Remove that one failed-import hook (it only matters for PyGObject projects)."""
    try:
        manager = importlib.import_module("astroid").MANAGER
        brain_gi = importlib.import_module("astroid.brain.brain_gi")
    except (ImportError, AttributeError):  # pragma: no cover - astroid moved things
        return
    hooks = getattr(manager, "_failed_import_hooks", None)
    hook = getattr(brain_gi, "_import_gi_module", None)
    if isinstance(hooks, list) and hook in hooks:
        hooks.remove(hook)


def file_args(paths: Iterable[str]) -> list[str]:
    """Paths as pylint must receive them to take each one literally.

    pylint pre-scans *every* argument for its early options, ignoring ``--``: a file
    named ``--init-hook=<code>.py`` would be run. ``./`` defuses that. pylint also
    expands each argument as a glob pattern, hence :func:`glob.escape`.
    """
    return [glob.escape(f"./{p}" if p.startswith("-") else p) for p in paths]


# --------------------------------------------------------------------------- sharing the work


@dataclass
class FileRecord:
    """What linting one file added to a linter's state, as the merge needs it."""

    messages: list[Any]
    linesets: list[Any]
    """The similarity checker's line sets of this file (``duplicate-code``)."""
    imports: dict[str, list[str]]
    """Import-graph edges this file added (``cyclic-import``), keys and edges in order."""
    excluded: dict[str, list[str]]
    """The same for the edges a ``disable`` pragma excludes from cycles."""
    linted: bool = True
    """Whether pylint linted the file (it does not when the file does not parse)."""


@dataclass
class HelperResult:
    """Everything a helper linted, pickled back to the driver."""

    records: dict[int, FileRecord]
    stats: Any
    statements: int
    msg_status: int


def lineset_to_json(lineset: Any) -> dict[str, Any]:
    """What the similarity checker keeps of one file, as JSON.

    ``lines`` are the file's decoded lines (the ``duplicate-code`` message quotes them),
    ``stripped`` the ``[text, line index]`` pairs it compares (comments, docstrings,
    imports, signatures and ``disable``d lines already removed). The name is left out:
    it is the module name of the run that reads it back.
    """
    return {
        "lines": list(lineset.real_lines),
        "stripped": [[spec.text, int(spec.line_number)] for spec in lineset.stripped_lines],
    }


def lineset_from_json(data: Mapping[str, Any], name: str) -> Any:
    """A similarity ``LineSet`` named ``name`` holding exactly what :func:`lineset_to_json`
    kept: built without re-stripping, since the options and pragmas that stripped it
    may no longer be at hand (the file is not parsed in this run)."""
    from pylint.checkers.symilar import LineNumber, LineSet, LineSpecifs  # noqa: PLC0415

    lineset = LineSet.__new__(LineSet)
    lineset.name = name
    lineset._real_lines = [str(line) for line in data["lines"]]
    lineset._stripped_lines = [
        LineSpecifs(line_number=LineNumber(int(number)), text=str(text))
        for text, number in data["stripped"]
    ]
    return lineset


def record_to_json(record: FileRecord | None) -> dict[str, Any]:
    """The cross-module part of one file's record (``None``: the file was not linted)."""
    if record is None:
        return {"linted": False, "linesets": [], "imports": {}, "excluded": {}}
    return {
        "linted": record.linted,
        "linesets": [lineset_to_json(s) for s in record.linesets],
        "imports": {k: list(v) for k, v in record.imports.items()},
        "excluded": {k: list(v) for k, v in record.excluded.items()},
    }


def record_from_json(data: Mapping[str, Any], name: str) -> FileRecord:
    """A record of a file linted in an earlier run, read back from :func:`record_to_json`."""

    def graph(part: Any) -> dict[str, list[str]]:
        return {str(k): [str(e) for e in v] for k, v in dict(part).items()}

    return FileRecord(
        messages=[],
        linesets=[lineset_from_json(s, name) for s in data["linesets"]],
        imports=graph(data["imports"]),
        excluded=graph(data["excluded"]),
        linted=bool(data["linted"]),
    )


def lint_order(sizes: Sequence[int | None]) -> list[int]:
    """Indices of the files to lint (``None`` = no AST), biggest first.

    Biggest first because one file is the unit of work: what is left when the helpers
    join, and at the end when each waits for the other, should be small files.
    """
    return sorted(
        (i for i, n in enumerate(sizes) if n is not None), key=lambda i: (-(sizes[i] or 0), i)
    )


def helpers_to_start(jobs: int, unclaimed: int) -> int:
    """How many helpers to fork when ``unclaimed`` files are left: none for one file."""
    return max(0, min(jobs - 1, unclaimed - 1))


class Edges(set[str]):
    """A set that also remembers the order its members arrived in.

    pylint looks for import cycles by walking each module's set of imports in the
    set's iteration order, which depends on the order of additions; replaying the
    additions in the same order gives the same walk, so the same ``cyclic-import``
    messages in the same order as one ``-j1`` process.
    """

    __slots__ = ("arrived",)

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__()
        self.arrived: list[str] = []
        for item in items:
            self.add(item)

    def add(self, item: str) -> None:
        if item not in self:
            self.arrived.append(item)
        super().add(item)


def recording_graph(graph: Mapping[str, Iterable[str]] | None) -> defaultdict[str, set[str]]:
    """``graph`` as a graph of :class:`Edges`, so each file's additions can be read back."""
    return defaultdict(Edges, {k: Edges(v) for k, v in (graph or {}).items()})


def arrivals(graph: Mapping[str, set[str]] | None) -> dict[str, int]:
    """How many edges each entry of a recording graph has received so far."""
    return {k: len(getattr(v, "arrived", v)) for k, v in (graph or {}).items()}


def added_since(
    before: Mapping[str, int], graph: Mapping[str, set[str]] | None
) -> dict[str, list[str]]:
    """The edges each entry received since ``before``, entries in the graph's order."""
    out: dict[str, list[str]] = {}
    for key, edges in (graph or {}).items():
        arrived = list(getattr(edges, "arrived", edges))
        if key not in before or len(arrived) > before[key]:
            out[key] = arrived[before.get(key, 0) :]
    return out


def merge_graph(parts: Iterable[Mapping[str, Sequence[str]]]) -> defaultdict[str, set[str]]:
    """One import graph from per-file additions given in ``-j1`` order, replayed in order."""
    graph: defaultdict[str, set[str]] = defaultdict(set)
    for part in parts:
        for key, edges in part.items():
            entry = graph[key]
            for edge in edges:
                entry.add(edge)
    return graph


class WorkShare:
    """Lints the files of one ``-j1`` pylint run, with helpers forked when cores free up.

    Built inside ``PyLinter.check`` once every AST exists (``items`` in pylint's file
    order) with the checkers open (``check`` is what ``_astroid_module_checker`` gave).

    ``reused`` are the records of files linted by an earlier run (their item has no
    AST: this run neither parses nor lints them): they take their place in the ``-j1``
    order when the line sets and import edges are put together, so pylint's end-of-run
    checks see every file, exactly as a run over all of them would.
    """

    def __init__(
        self,
        linter: Any,
        items: Sequence[tuple[Any, Any]],
        check: Any,
        progress: Any,
        *,
        claims: Path,
        go: Path | None,
        jobs: int,
        reused: Mapping[int, FileRecord] | None = None,
    ) -> None:
        self.linter = linter
        self.items = list(items)
        self.check = check
        self.progress = progress
        self.claims = claims
        self.go = go
        self.jobs = jobs
        self.order = lint_order([m.tolineno if m is not None else None for _, m in self.items])
        self.taken: set[int] = set()
        self.records: dict[int, FileRecord] = {}
        self.reused = dict(reused or {})
        self.merged: dict[int, FileRecord] = {}
        """Every file's record after :meth:`merge`, by index (reused ones left out)."""
        self.tag = "driver"
        self.current: int | None = None
        self.walker = check.keywords["walker"]
        by_name = {c.name: c for c in linter.get_checkers()}
        self.similar = by_name.get("similarities")
        self.imports = by_name.get("imports")
        if self.imports is not None:
            self.imports.import_graph = recording_graph(self.imports.import_graph)
            self.imports._excluded_edges = recording_graph(self.imports._excluded_edges)
        self.before = len(linter.reporter.messages)

    # ----------------------------------------------------------------- both sides

    def claim(self) -> int | None:
        """The next file nobody has taken, now ours; ``None`` when all are taken.

        A claim is a file ``claims/<index>`` created with ``O_EXCL`` (atomic, so two
        processes never both get it) holding ``"<tag> <pid>"``.
        """
        for index in self.order:
            if index in self.taken:
                continue
            self.taken.add(index)
            try:
                fd = os.open(self.claims / str(index), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                continue
            os.write(fd, f"{self.tag} {os.getpid()}".encode())
            os.close(fd)
            return index
        return None

    def lint_one(self, index: int) -> None:
        """Lint one file the way ``-j1`` does and record what it added."""
        fileitem, module = self.items[index]
        messages = self.linter.reporter.messages
        first = len(messages)
        sets = self.similar.linesets if self.similar is not None else []
        first_set = len(sets)
        graph = getattr(self.imports, "import_graph", None)
        excluded = getattr(self.imports, "_excluded_edges", None)
        graph_before, excluded_before = arrivals(graph), arrivals(excluded)
        self.linter._lint_files({fileitem: module}, self.check, self.progress)
        self.current = index
        self.records[index] = FileRecord(
            messages=list(self.linter.reporter.messages[first:]),
            linesets=list(sets[first_set:]),
            imports=added_since(graph_before, graph),
            excluded=added_since(excluded_before, excluded),
        )

    # ----------------------------------------------------------------- driver side

    def run(self) -> None:
        """Lint every file, fork helpers when the cores are free, merge their work."""
        helpers: dict[int, tuple[str, Path]] = {}
        while True:
            if not helpers and self.jobs > 1 and (self.go is None or self.go.exists()):
                unclaimed = len(self.order) - len(self.taken)
                for number in range(helpers_to_start(self.jobs, unclaimed)):
                    tag = f"helper-{number}"
                    out = self.claims / f"{tag}.pickle"
                    try:
                        helpers[self._fork(tag, out)] = (tag, out)
                    except OSError:  # no more processes allowed: lint on alone
                        break
                self.jobs = 1  # helpers start once, or never when it is too late
            index = self.claim()
            if index is None:
                break
            self.lint_one(index)
        results = []
        for pid, (tag, out) in helpers.items():
            os.waitpid(pid, 0)
            result = _read_result(out)
            if result is None:  # the helper died: lint what it had claimed here
                for index in self._claimed_by(tag):
                    self.lint_one(index)
            else:
                results.append(result)
        self.merge(results)

    def _claimed_by(self, tag: str) -> list[int]:
        found = []
        for index in self.order:
            try:
                owner = (self.claims / str(index)).read_text(encoding="utf-8")
            except OSError:
                continue
            if owner.split(" ")[0] == tag and index not in self.records:
                found.append(index)
        return found

    def merge(self, results: Sequence[HelperResult]) -> None:
        """Put every file's part back in ``-j1`` order, as if one process had linted all."""
        from pylint.utils import merge_stats  # noqa: PLC0415

        linter = self.linter
        records = dict(self.records)
        for result in results:
            records.update(result.records)
        self.merged = dict(records)
        records.update(self.reused)
        ordered = [records[i] for i in sorted(records)]
        before = list(linter.reporter.messages[: self.before])
        linter.reporter.messages = before + [m for r in ordered for m in r.messages]
        if self.similar is not None:
            self.similar.linesets = [s for r in ordered for s in r.linesets]
        if self.imports is not None:
            self.imports.import_graph = merge_graph(r.imports for r in ordered)
            self.imports._excluded_edges = merge_graph(r.excluded for r in ordered)
        if results:
            names = set(linter.stats.modules_names)
            for result in results:
                names |= result.stats.modules_names
            linter.stats = merge_stats([linter.stats, *(r.stats for r in results)])
            linter.stats.modules_names = names
            self.walker.nbstatements += sum(r.statements for r in results)
            for result in results:
                linter.msg_status |= result.msg_status
        self._end_on_last_file()

    def _end_on_last_file(self) -> None:
        """Leave the linter on the last file, where ``-j1`` ends: the end-of-run messages
        (``duplicate-code``, ``cyclic-import``) belong to it. That file may be a reused
        one: its path and module name are what a run over all files reports."""
        candidates = [*self.order, *(i for i, r in self.reused.items() if r.linted)]
        if not candidates:
            return
        last = max(candidates)
        if self.current == last:
            return
        fileitem, module = self.items[last]
        linter = self.linter
        kept = linter.stats.by_module.get(fileitem.name)
        linter.set_current_module(fileitem.name, fileitem.filepath)  # resets its counts
        if kept is not None:
            linter.stats.by_module[fileitem.name] = kept
        # astroid's ``Module.file`` is the absolute path of what it parsed.
        linter.current_file = (
            module.file if module is not None else os.path.abspath(fileitem.filepath)
        )
        self.current = last

    # ----------------------------------------------------------------- helper side

    def _fork(self, tag: str, out: Path) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            self._become_helper(tag)
            while (index := self.claim()) is not None:
                self.lint_one(index)
            _write_result(
                out,
                HelperResult(
                    records=self.records,
                    stats=self.linter.stats,
                    statements=int(self.walker.nbstatements),
                    msg_status=int(self.linter.msg_status),
                ),
            )
            code = 0
        except BaseException:  # the driver relints its files; say why on stderr
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)

    def _become_helper(self, tag: str) -> None:
        """Forget the driver's results (it keeps them); keep its ASTs and inference caches."""
        from pylint.utils import LinterStats  # noqa: PLC0415

        self.tag = tag
        self.records = {}
        self.linter.reporter.messages = []
        self.linter.stats = LinterStats()
        self.linter.msg_status = 0
        if self.similar is not None:
            self.similar.linesets = []
        if self.imports is not None:
            self.imports.import_graph = recording_graph(None)
            self.imports._excluded_edges = recording_graph(None)
        self.walker.nbstatements = 0


def _write_result(path: Path, result: HelperResult) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _read_result(path: Path) -> HelperResult | None:
    try:
        with path.open("rb") as handle:
            result = pickle.load(handle)  # noqa: S301 - written by our own fork
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return result if isinstance(result, HelperResult) else None


def _path_key(path: str) -> str:
    """One spelling per file, whichever way it was written (``./a.py``, ``a.py``)."""
    return os.path.normpath(os.path.abspath(path))


def _shared_run_class(
    claims: Path,
    go: Path | None,
    jobs: int,
    reuse: Mapping[str, Mapping[str, Any]] | None = None,
) -> Any:
    """pylint's ``Run`` with a linter whose ``check`` shares the work (:class:`WorkShare`).

    Everything up to the ASTs is pylint's own sequential ``check``, over every file (so
    the file order, the module names and the ``sys.path`` entries pylint derives from
    the files are those of a run over all of them); the files in ``reuse`` (path ->
    :func:`record_to_json` of an earlier run) are then neither parsed nor linted, their
    records stand in. ``None`` when this pylint lacks the internals that takes (then
    plain ``-j1`` runs).
    """
    from pylint.lint import PyLinter, Run  # noqa: PLC0415

    internals: Any = importlib.import_module("pylint.lint.pylinter")

    needed = ("_iterate_file_descrs", "_get_asts", "_lint_files", "_astroid_module_checker")
    helpers = ("discover_package_path", "augmented_sys_path", "ProgressReporter")
    if not all(hasattr(PyLinter, n) for n in needed) or not all(
        hasattr(internals, n) for n in helpers
    ):
        return None
    reused_by_key = {_path_key(p): data for p, data in (reuse or {}).items()}

    class SharedLinter(PyLinter):
        share: WorkShare | None = None

        def check(self, files_or_modules: Sequence[str]) -> None:
            if self.config.from_stdin:
                super().check(files_or_modules)
                return
            self.initialize()
            if self.config.recursive:
                files_or_modules = tuple(self._discover_files(files_or_modules))
            extra = list(
                dict.fromkeys(
                    internals.discover_package_path(f, self.config.source_roots)
                    for f in files_or_modules
                )
            )
            fileitems = list(
                self._iterate_file_descrs(files_or_modules, extra_packages_paths=extra)
            )
            reused = {
                index: record_from_json(data, item.name)
                for index, item in enumerate(fileitems)
                if (data := reused_by_key.get(_path_key(item.filepath))) is not None
            }
            build_only = {
                i
                for i, item in enumerate(fileitems)
                if i in reused and reused_by_key[_path_key(item.filepath)].get("build")
            }

            def in_order() -> Iterator[Any]:
                # A cold run builds every file before checking any; a reused file whose
                # build stores attributes on other modules' objects is built here, in
                # its place, so those stores are there as in a run over every file.
                for i, item in enumerate(fileitems):
                    if i in build_only:
                        _build_only(item)
                    elif i not in reused:
                        yield item

            progress = internals.ProgressReporter(self.verbose)
            with internals.augmented_sys_path(extra), self._astroid_module_checker() as check:
                asts = self._get_asts(in_order(), None, progress)
                items = [
                    (item, asts.get(item))
                    for i, item in enumerate(fileitems)
                    if i in reused or item in asts
                ]
                positions = {id(item): n for n, (item, _) in enumerate(items)}
                share = WorkShare(
                    self,
                    items,
                    check,
                    progress,
                    claims=claims,
                    go=go,
                    jobs=jobs,
                    reused={positions[id(fileitems[i])]: r for i, r in reused.items()},
                )
                self.share = share
                share.run()

    class SharedRun(Run):
        LinterClass = SharedLinter

    return SharedRun


def _build_only(item: Any) -> None:
    """Build a file's astroid module (and so apply its attribute stores), reporting nothing:
    its messages come from the earlier run's record."""
    manager = importlib.import_module("astroid").MANAGER
    with contextlib.suppress(Exception):  # a file astroid cannot build stores nothing
        manager.ast_from_file(item.filepath, item.name, source=True)


GC_THRESHOLDS = (100_000, 50, 1000)
"""Cycle-collector thresholds while pylint runs (Python's defaults: 700, 10, 10)."""


@contextlib.contextmanager
def young_collections_only() -> Iterator[None]:
    """Run pylint with the cycle collector looking at young objects only.

    pylint's heap is almost all long-lived (ASTs, astroid's inference caches) and grows
    the whole run; with the default thresholds Python walks all of it again each time it
    has grown by a quarter: 8 full collections, 1.3 s of a 4.4 s run on marshmallow (12
    and 2.8 s of 8.7 s on click). With :data:`GC_THRESHOLDS` a young collection comes
    every 100 000 new objects and a full one practically never: the run takes about a
    third less CPU and 2 MB more peak memory on both (switching the collector off
    entirely is no faster and keeps every cycle: 5 and 10 MB more). Results do not
    change: neither pylint nor astroid uses weak references or finalizers, so when a
    cycle is freed is invisible to them.

    On the way out everything still tracked is frozen (``gc.freeze``) before the old
    thresholds come back. Under these thresholds a whole run's objects pile up in the
    middle generation, and the first allocation after the defaults return would walk
    all of them (0.3 s on marshmallow, while the result waits to be written). The
    driver exits right after, so nothing is lost by never collecting them.
    """
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(*before)


def lint(
    files: Sequence[str],
    scratch: Path,
    jobs: int,
    go: Path | None = None,
    *,
    reuse: Mapping[str, Mapping[str, Any]] | None = None,
    export: Path | None = None,
) -> dict[str, Any]:
    """Run pylint over ``files`` (relative to the cwd) and return the JSON document.

    ``jobs`` > 1 lets :class:`WorkShare` fork up to ``jobs - 1`` helpers once ``go``
    exists (at once without ``go``). ``reuse`` maps some of ``files`` to their
    :func:`record_to_json` from an earlier run: those are not linted, but take part in
    ``duplicate-code`` and ``cyclic-import`` as if they were (the document then holds
    the other files' messages and the end-of-run ones). ``export`` receives, for every
    file not reused, its :func:`record_to_json`, for a later run to reuse.
    """
    import pylint  # noqa: PLC0415
    from pylint.lint import Run  # noqa: PLC0415
    from pylint.reporters import CollectingReporter  # noqa: PLC0415

    class Reporter(CollectingReporter):
        """Collects messages and remembers which file each module name came from."""

        def __init__(self) -> None:
            super().__init__()
            self.paths: dict[str, str | None] = {}

        def on_set_current_module(self, module: str, filepath: str | None) -> None:
            self.paths[module] = filepath

    root = Path.cwd()
    learner, outside = find_learner_config(root)
    rcfile = scratch / "pylintrc.toml"
    plugins = builtin_plugin_names(Path(pylint.__file__).parent)
    ignored, parse_error = write_sanitized_config(learner, rcfile, plugins)
    learner_rel = _rel(str(learner), root) if learner is not None else None
    rename = {str(rcfile): learner_rel} if learner_rel else {}

    _block_gi_imports()
    reporter = Reporter()
    runner: Any = Run
    shared = (jobs > 1 and hasattr(os, "fork")) or bool(reuse) or export is not None
    if shared:
        claims = scratch / "claims"
        shutil.rmtree(claims, ignore_errors=True)
        claims.mkdir(parents=True)
        runner = _shared_run_class(claims, go, jobs if hasattr(os, "fork") else 1, reuse)
        if runner is None and reuse:
            raise RuntimeError("this pylint lacks the internals reusing earlier results needs")
        runner = runner or Run
    args = [f"--rcfile={rcfile}", "--persistent=n", "--jobs=1", *file_args(files)]
    with young_collections_only():
        run = runner(args, reporter=reporter, exit=False)
    if export is not None:
        _write_export(export, files, reuse or {}, getattr(run.linter, "share", None))
    stats = run.linter.stats
    messages = [message_to_json(m, root, rename) for m in reporter.messages]
    module_paths = {
        rename.get(k, k): (_rel(v, root) if v else None) for k, v in reporter.paths.items()
    }
    statements = {rename.get(k, k): int(v["statement"]) for k, v in stats.by_module.items()}
    totals = {c: int(getattr(stats, c)) for c in CATEGORIES}
    modules, cross = module_counts(statements, module_paths, messages, totals)
    return {
        "versions": _versions(),
        "rcfile": learner_rel,
        "outside_config": str(outside) if outside else None,
        "config_error": parse_error,
        "ignored": [{"option": k, "reason": r} for k, r in ignored],
        "score": stats.global_note if stats.statement else None,
        "statements": stats.statement,
        "counts": totals,
        "modules": modules,
        "cross_module": cross,
        "messages": messages,
    }


def _write_export(
    path: Path, files: Sequence[str], reuse: Mapping[str, Any], share: WorkShare | None
) -> None:
    """Write each linted file's record (``{path: record_to_json}``); nothing without a share.

    A file pylint left out (an ``ignore`` pattern) or could not parse is recorded as not
    linted: an earlier run's record for every file is what lets a later one reuse it.
    """
    if share is None:
        return
    by_key = {_path_key(item.filepath): index for index, (item, _) in enumerate(share.items)}
    out = {}
    for rel in files:
        if rel in reuse:
            continue
        index = by_key.get(_path_key(rel))
        out[rel] = record_to_json(share.merged.get(index) if index is not None else None)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(out), encoding="utf-8")
    os.replace(tmp, path)


def warm_up() -> None:
    """Import what every run imports: pylint, astroid and its brain, checkers, reporters.

    The modules are the ones :meth:`PyLinter.load_default_plugins` imports (every module
    of ``pylint.checkers`` and ``pylint.reporters``), only imported: a run registers
    them on its own linter as usual. Nothing here reads the learner's files or config.
    """
    import pkgutil  # noqa: PLC0415

    import pylint.checkers  # noqa: PLC0415
    import pylint.reporters  # noqa: PLC0415
    from pylint.lint import Run  # noqa: PLC0415, F401

    for package in (pylint.checkers, pylint.reporters):
        for found in pkgutil.iter_modules(package.__path__):
            if not found.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{found.name}")


def wait_for_job(data: bytes) -> int:
    """Run the job in ``data`` (:func:`practicegrade.lintproc.job_bytes`): the options of
    :func:`main` and the folder to run them in. Nothing (the grader did not need us): 0."""
    if not data.strip():
        return 0
    job = json.loads(data)
    os.chdir(job["cwd"])
    return main(job["argv"])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: always writes ``--out`` (the result or ``{"error": ...}``)."""
    parser = argparse.ArgumentParser(prog="practicegrade-pylint-driver")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--scratch", required=True, type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--files-from", required=True, type=Path, help="a JSON list of paths")
    parser.add_argument("--go", type=Path, help="helpers start once this file exists")
    parser.add_argument(
        "--reuse", type=Path, help="JSON {path: record} of files an earlier run linted"
    )
    parser.add_argument("--export", type=Path, help="where to write each linted file's record")
    ns = parser.parse_args(argv)
    ns.scratch.mkdir(parents=True, exist_ok=True)
    code = 0
    try:
        files = json.loads(ns.files_from.read_text(encoding="utf-8"))
        reuse = json.loads(ns.reuse.read_text(encoding="utf-8")) if ns.reuse else None
        document = lint(files, ns.scratch, max(1, ns.jobs), ns.go, reuse=reuse, export=ns.export)
    except SystemExit as exc:  # pylint's Run exits on usage problems
        document = {"error": f"pylint exited early with status {exc.code}"}
        code = 2
    except Exception as exc:  # report any pylint crash; never hang or die silently
        tail = "".join(traceback.format_exception(exc)[-6:])
        document = {"error": f"pylint crashed: {type(exc).__name__}: {exc}", "traceback": tail}
        code = 2
    tmp = ns.out.with_name(ns.out.name + ".tmp")
    tmp.write_text(json.dumps(document), encoding="utf-8")
    os.replace(tmp, ns.out)
    return code


def exit_now(code: int) -> None:
    """End the process without tearing the interpreter down.

    Freeing astroid's caches object by object at exit costs about as long as linting a
    big module (1.5 s on a 5 KLOC package); the result is written and nothing else
    is left to flush.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    from practicegrade.lintproc import WAIT_FLAG

    if sys.argv[1:] == [WAIT_FLAG]:
        warm_up()
        exit_now(wait_for_job(sys.stdin.buffer.read()))
    exit_now(main())
