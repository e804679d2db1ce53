"""Runs pylint in its own process and writes what it found as JSON.

Started by :mod:`practicegrade.collectors.lint` as ``python -I -m
practicegrade.collectors._pylint_driver --out OUT --scratch DIR --jobs N --files-from FILE``
with the learner's repository as the working directory (``FILE`` holds the JSON list of
paths to lint). ``-I`` keeps the repository
off ``sys.path``, so a learner's ``pylint/`` or ``json.py`` cannot shadow what we import.

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
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import re
import sys
import traceback
from collections.abc import Iterable, Sequence
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

    import tomllib  # noqa: PLC0415
    from pylint.config.config_file_parser import _RawConfParser  # noqa: PLC0415

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


def lint(files: Sequence[str], scratch: Path, jobs: int) -> dict[str, Any]:
    """Run pylint over ``files`` (relative to the cwd) and return the JSON document."""
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
    args = [f"--rcfile={rcfile}", "--persistent=n", f"--jobs={jobs}", *files]
    run = Run(args, reporter=reporter, exit=False)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: always writes ``--out`` (the result or ``{"error": ...}``)."""
    parser = argparse.ArgumentParser(prog="practicegrade-pylint-driver")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--scratch", required=True, type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--files-from", required=True, type=Path, help="a JSON list of paths")
    ns = parser.parse_args(argv)
    ns.scratch.mkdir(parents=True, exist_ok=True)
    code = 0
    try:
        files = json.loads(ns.files_from.read_text(encoding="utf-8"))
        document = lint(file_args(files), ns.scratch, max(1, ns.jobs))
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


if __name__ == "__main__":
    sys.exit(main())
