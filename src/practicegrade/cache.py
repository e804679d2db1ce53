"""A content-addressed result cache under the git dir.

Entries live at ``$(git rev-parse --git-path practicegrade/cache)/<namespace>/<k[:2]>/<k>``.
The git dir is private to the clone (never committed, never pushed), shared by its
linked worktrees (so grading a base commit in a temporary worktree fills the same
cache), and removed with the clone.

A key is the SHA-256 of everything the cached value depends on (:func:`make_key`), so a
hit is correct by construction and nothing ever needs invalidating: a changed input
is simply a different key. What goes into each key is documented where the key is
built (:mod:`practicegrade.grade`). Values are JSON; a corrupt or unreadable entry is a
miss, never an error. Writes are atomic (temp file + ``os.replace``), so concurrent
graders at worst compute the same value twice.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from practicegrade.collectors import Project, Settings
from practicegrade.model import CollectorResult

MAX_ENTRIES = 50_000
"""Past this many files the least recently used fifth is pruned."""


def make_key(*parts: object) -> str:
    """SHA-256 over a canonical JSON rendering of ``parts`` (dict order does not matter)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def blob_sha(data: bytes) -> str:
    """Git's SHA-1 blob id of ``data``: the same id ``git hash-object`` and ``ls-tree`` give.

    Computed in-process so hashing the work tree's files costs no git process.
    """
    header = f"blob {len(data)}\0".encode()
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


class Cache:
    """A directory of JSON entries keyed by :func:`make_key`; ``None`` directory = disabled."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0
        self.writes = 0

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def _path(self, namespace: str, key: str) -> Path:
        assert self.directory is not None
        return self.directory / namespace / key[:2] / f"{key}.json"

    def get(self, namespace: str, key: str) -> Any | None:
        """The stored value, or ``None`` on a miss (including unreadable entries)."""
        if self.directory is None:
            return None
        path = self._path(namespace, key)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` atomically; failures (read-only disk, full disk) are ignored."""
        if self.directory is None:
            return
        path = self._path(namespace, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(value, handle, separators=(",", ":"))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self.writes += 1

    def prune(self, max_entries: int = MAX_ENTRIES) -> int:
        """Drop the least recently modified entries beyond ``max_entries``; returns how many."""
        if self.directory is None or not self.directory.is_dir():
            return 0
        entries: list[tuple[float, Path]] = []
        for dirpath, _dirs, files in os.walk(self.directory):
            for name in files:
                path = Path(dirpath) / name
                try:
                    entries.append((path.stat().st_mtime, path))
                except OSError:
                    continue
        if len(entries) <= max_entries:
            return 0
        entries.sort()
        doomed = entries[: len(entries) - int(max_entries * 0.8)]
        for _mtime, path in doomed:
            path.unlink(missing_ok=True)
        return len(doomed)


# =========================================================================== incremental
#
# Static results reused per file. Every key below lists what the value depends on; a
# value is stored only from a real tool run and read back only under an equal key.


def dist_version(name: str) -> str:
    """An installed distribution's version (``-`` when it is not installed)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def environment_stamp(python: str) -> dict[str, object]:
    """What identifies an interpreter and its installed packages, cheaply.

    Running the interpreter to ask would cost a process per grade, so this uses file
    metadata: the interpreter's resolved path, and the modification time of every
    ``site-packages`` folder of its environment (``pip install``/``uninstall`` adds or
    removes entries there, which changes the folder's mtime). An edit *inside* an
    installed package is not seen; ``PRACTICEGRADE_NO_CACHE=1`` covers that case.
    """
    exe = Path(python)
    stamp: dict[str, object] = {"python": str(exe.resolve()) if exe.exists() else python}
    for site in sorted(exe.parent.parent.glob("lib/python*/site-packages")):
        try:
            stamp[str(site)] = site.stat().st_mtime_ns
        except OSError:
            continue
    if python == sys.executable:
        stamp["version"] = sys.version
    return stamp


LEARNER_TOOL_CONFIGS = (
    "pylintrc",
    ".pylintrc",
    "pylintrc.toml",
    ".pylintrc.toml",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
)
"""Root files pylint may read its configuration from (their content is part of lint keys)."""


def file_digests(root: Path, names: Sequence[str]) -> dict[str, str]:
    """Blob SHA of each of ``names`` that exists under ``root``."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = blob_sha((root / name).read_bytes())
        except OSError:
            continue
    return out


def read_sources(root: Path, files: Sequence[str]) -> dict[str, bytes]:
    """Each file's bytes; unreadable files are left out (the collectors report them)."""
    data: dict[str, bytes] = {}
    for rel in files:
        try:
            data[rel] = (root / rel).read_bytes()
        except OSError:
            continue
    return data


# --------------------------------------------------------------------------- radon


def cached_complexity(project: Project, cache: Cache) -> CollectorResult:
    """radon per file, reused by blob SHA: only changed files are parsed again.

    Key: ``(path, blob SHA, radon version, practicegrade version)``. The analysis is a pure
    function of the path and the bytes (:func:`~practicegrade.collectors.complexity.
    analyze_bytes`), so nothing else can change it.
    """
    from practicegrade import __version__  # noqa: PLC0415
    from practicegrade.collectors import complexity  # noqa: PLC0415
    from practicegrade.serialize import from_jsonable, to_jsonable  # noqa: PLC0415

    started = time.monotonic()
    versions = (dist_version("radon"), __version__)
    root = project.root.resolve()
    analyses = []
    for rel in project.source_files:
        full = project.root / rel
        try:
            inside = full.resolve().is_relative_to(root)
            data = full.read_bytes() if inside else None
        except OSError:
            data = None
        if data is None:
            analyses.append(complexity.read_and_analyze(project.root, rel))
            continue
        key = make_key("radon-file", rel, blob_sha(data), versions)
        stored = cache.get("radon", key)
        if stored is not None:
            try:
                analyses.append(from_jsonable(complexity.FileAnalysis, stored))
                continue
            except (ValueError, TypeError, KeyError):
                pass
        analysis = complexity.analyze_bytes(rel, data)
        cache.put("radon", key, to_jsonable(analysis))
        analyses.append(analysis)
    return complexity.aggregate(analyses, duration_s=time.monotonic() - started)


# --------------------------------------------------------------------------- imports


def module_name(rel: str, import_roots: Sequence[str]) -> str | None:
    """``src/pkg/a.py`` -> ``pkg.a`` (``__init__`` names the package), given the import roots."""
    path = PurePosixPath(rel)
    for root in sorted(import_roots, key=len, reverse=True):
        parts = path.parts
        if root not in ("", "."):
            root_parts = PurePosixPath(root).parts
            if parts[: len(root_parts)] != root_parts:
                continue
            parts = parts[len(root_parts) :]
        if not parts or not parts[-1].endswith(".py"):
            return None
        names = [*parts[:-1], parts[-1][:-3]]
        if names[-1] == "__init__":
            names = names[:-1]
        return ".".join(names) if names else None
    return None


def imported_names(source: bytes, module: str, is_package: bool) -> set[str]:
    """Absolute module names a file imports (relative imports resolved); parsed, never run.

    ``from a import b`` yields both ``a`` and ``a.b`` (``b`` may be a submodule); the
    caller keeps the names that are first-party modules. Imports anywhere in the file
    count (inside functions and ``if TYPE_CHECKING:`` too: astroid follows them). A file
    that does not parse imports nothing.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                if node.level > 1:
                    anchor = anchor[: max(0, len(anchor) - (node.level - 1))]
                base = ".".join([*anchor, *([base] if base else [])])
            if base:
                names.add(base)
            names.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return names


def first_party_imports(
    sources: Mapping[str, bytes], import_roots: Sequence[str]
) -> dict[str, set[str]]:
    """For each source file, the source files it depends on transitively (itself included).

    What astroid reads when it resolves an import: ``from a.b import c`` locates
    ``a/b.py`` by walking the package folders and parses ``a/b.py`` (and ``a/b/c.py`` when
    ``c`` is a submodule); it does not parse ``a/__init__.py`` unless the code imports
    ``a`` itself (``import a``, ``from a import x``), which adds it as a dependency like
    any other module. Python *runs* parent packages on import; pylint never runs code, so
    their text matters only when named. Only first-party files (the graded sources) are
    followed; third-party code is covered by the environment stamp.
    """
    by_module: dict[str, str] = {}
    names: dict[str, str] = {}
    for rel in sources:
        name = module_name(rel, import_roots)
        if name:
            by_module[name] = rel
            names[rel] = name
    direct: dict[str, set[str]] = {}
    for rel, data in sources.items():
        name = names.get(rel, "")
        deps: set[str] = set()
        for imported in imported_names(data, name, rel.endswith("__init__.py")):
            parts = imported.split(".")
            # The longest prefix that is a module: ``import a.b.c`` where ``c`` is a
            # function in ``a/b.py`` depends on ``a/b.py``.
            for i in range(len(parts), 0, -1):
                target = by_module.get(".".join(parts[:i]))
                if target is not None:
                    deps.add(target)
                    break
        direct[rel] = deps
    closure: dict[str, set[str]] = {}
    for rel in sources:
        seen = {rel}
        stack = [rel]
        while stack:
            for dep in direct.get(stack.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        closure[rel] = seen
    return closure


# --------------------------------------------------------------------------- pylint

CROSS_SYMBOLS = frozenset({"duplicate-code", "cyclic-import"})
"""Messages pylint computes over all linted modules at the end of a run (``close()``) and
attributes to whichever module came last: they belong to the set of files, not to one."""

_CROSS_DRIVER = """
import sys
from pylint.lint import pylinter
_initialize = pylinter.PyLinter.initialize
def initialize(self):
    _initialize(self)
    for message in self.msgs_store.messages:
        if message.symbol not in {cross!r}:
            self.disable(message.msgid)
pylinter.PyLinter.initialize = initialize
from practicegrade.collectors._pylint_driver import exit_now, main
exit_now(main(sys.argv[1:]))
"""
"""The lint collector's driver with every message but the cross-module ones switched off.

Switched off *after* the learner's configuration is read (``initialize`` is the first
thing ``check`` does, the driver's work-sharing ``check`` included), so a configuration
(or a ``# pylint: disable``) that turns ``duplicate-code`` off still wins, exactly as in
a full run; checkers with nothing enabled are skipped, which is what makes this run cheap."""


@dataclass(frozen=True, slots=True)
class LintKeys:
    """Every key of one incremental pylint grade."""

    whole: str
    modules: Mapping[str, str]
    cross: str
    run: str


def lint_keys(project: Project, settings: Settings, sources: Mapping[str, bytes]) -> LintKeys:
    """The keys of one project's pylint results, and why each input is in them.

    Common to all: the learner's pylint configuration (blob SHAs of every root file
    pylint may read it from), the environment stamps of our interpreter (pylint runs
    there) and of the learner's (their packages are what imports resolve to), the pylint,
    astroid and practicegrade versions.

    * per module: its path and the blob SHAs of itself and of every first-party module it
      imports, transitively (:func:`first_party_imports`): astroid infers into imported
      modules, so a change there can change a message here;
    * cross-module (:data:`CROSS_SYMBOLS`): every file's path and blob SHA, in lint order;
    * run-level (configuration findings, tool versions): the common part only;
    * whole run: every file, for the no-change fast path.
    """
    from practicegrade import __version__  # noqa: PLC0415

    blobs = {rel: blob_sha(data) for rel, data in sources.items()}
    common = (
        file_digests(project.root, LEARNER_TOOL_CONFIGS),
        environment_stamp(sys.executable),
        environment_stamp(project.python),
        dist_version("pylint"),
        dist_version("astroid"),
        __version__,
    )
    listing = [(rel, blobs.get(rel, "")) for rel in project.source_files]
    closure = first_party_imports(sources, project.import_roots)
    modules = {
        rel: make_key("pylint-module", rel, sorted((d, blobs.get(d, "")) for d in deps), common)
        for rel, deps in closure.items()
    }
    return LintKeys(
        whole=make_key("pylint-all", listing, common, settings.jobs > 1),
        modules=modules,
        cross=make_key("pylint-cross", listing, common),
        run=make_key("pylint-run", common),
    )


def _run_driver(
    project: Project, settings: Settings, files: Sequence[str], *, cross_only: bool, tag: str
) -> dict[str, Any]:
    """One pylint driver run over ``files``; its JSON document (raises ``RuntimeError``)."""
    from practicegrade.collectors import lint  # noqa: PLC0415

    scratch = Path(settings.scratch).resolve() / f"pylint-{tag}"  # the driver runs in root
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / "result.json"
    files_from = scratch / "files.json"
    files_from.write_text(json.dumps(list(files)), encoding="utf-8")
    # The cross-only run is mostly parsing, which the driver does before it could share
    # anything; a helper would only infer again what the driver already knows.
    jobs = 1 if cross_only else max(1, min(settings.jobs, len(files)))
    go = scratch / "go"
    argv = lint.driver_argv(out, scratch, files_from, jobs, go)
    if cross_only:
        argv = [
            argv[0],
            "-I",
            "-c",
            _CROSS_DRIVER.format(cross=set(CROSS_SYMBOLS)),
            *argv[argv.index(lint.DRIVER) + 1 :],
        ]
    done = lint.run_driver(argv, project, settings, scratch, go)
    if done.timed_out:
        raise RuntimeError("pylint timed out")
    try:
        document = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"pylint wrote no result: {exc}") from exc
    if not isinstance(document, dict) or "error" in document:
        raise RuntimeError(str(document.get("error") if isinstance(document, dict) else document))
    return document


_RUN_FIELDS = ("versions", "rcfile", "outside_config", "config_error", "ignored")


def _category_counts(messages: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    from practicegrade.collectors import lint  # noqa: PLC0415

    counts = dict.fromkeys(lint.CATEGORIES, 0)
    for message in messages:
        if message.get("category") in counts:
            counts[str(message["category"])] += 1
    return counts


def split_document(
    document: Mapping[str, Any], files: Sequence[str]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], dict[str, Any]] | None:
    """A full driver document as per-module entries, cross messages and run-level fields.

    Returns ``None`` when the parts would not add up to the run's own totals (a pylint
    behaviour this split does not model): such a run is then cached only as a whole.
    """
    wanted = set(files)
    messages = list(document.get("messages", ()))
    cross = [m for m in messages if m.get("symbol") in CROSS_SYMBOLS]
    config_messages = [m for m in messages if m.get("path") not in wanted]
    per_module: dict[str, dict[str, Any]] = {}
    for module in document.get("modules", ()):
        path = module.get("path")
        if path in wanted:
            per_module[path] = {
                "module": module.get("module"),
                "statement": int(module.get("statement", 0)),
                "messages": [
                    m
                    for m in messages
                    if m.get("path") == path and m.get("symbol") not in CROSS_SYMBOLS
                ],
            }
    counted = [m for e in per_module.values() for m in e["messages"]] + [
        m for m in cross if m.get("path") in wanted
    ]
    totals = {k: int(v) for k, v in dict(document.get("counts", {})).items()}
    statements = sum(e["statement"] for e in per_module.values())
    if _category_counts(counted) != totals or statements != int(document.get("statements", -1)):
        return None
    run = {name: document.get(name) for name in _RUN_FIELDS}
    run["config_messages"] = config_messages
    return per_module, cross, run


def assemble_document(
    files: Sequence[str],
    per_module: Mapping[str, Mapping[str, Any]],
    cross: Sequence[Mapping[str, Any]],
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """The driver document a full run over ``files`` would have written, from its parts."""
    from practicegrade.collectors import lint  # noqa: PLC0415

    modules = []
    messages: list[Mapping[str, Any]] = list(run.get("config_messages", ()))
    for rel in files:
        entry = per_module.get(rel)
        if entry is None:
            continue
        messages.extend(entry["messages"])
        modules.append(
            {
                "module": entry["module"],
                "path": rel,
                "statement": entry["statement"],
                **_category_counts(entry["messages"]),
            }
        )
    messages.extend(cross)
    wanted = set(files)
    counts = _category_counts(
        [m for e in per_module.values() for m in e["messages"]]
        + [m for m in cross if m.get("path") in wanted]
    )
    statements = sum(int(m["statement"]) for m in modules)
    score = lint.score(statements, counts) if statements > 0 else None
    cross_counts = {c: counts[c] - sum(int(m[c]) for m in modules) for c in lint.CATEGORIES}
    return {
        **{name: run.get(name) for name in _RUN_FIELDS},
        "ignored": list(run.get("ignored") or ()),
        "score": score,
        "statements": statements,
        "counts": counts,
        "modules": sorted(modules, key=lambda m: str(m["module"])),
        "cross_module": cross_counts,
        "messages": messages,
    }


def _lines_reader(sources: Mapping[str, bytes]) -> Any:
    from practicegrade.collectors import lint  # noqa: PLC0415

    cache: dict[str, list[str]] = {}

    def lines_of(path: str) -> Sequence[str]:
        if path not in sources:
            return ()
        if path not in cache:
            cache[path] = lint.split_lines(sources[path].decode("utf-8", "replace"))
        return cache[path]

    return lines_of


def _lint_result(
    project: Project, document: Mapping[str, Any], sources: Mapping[str, bytes], started: float
) -> CollectorResult:
    """The collector result of a (real or assembled) driver document, as lint.collect makes it."""
    from practicegrade.collectors import lint  # noqa: PLC0415

    run = lint.parse_driver_output(document, _lines_reader(sources))
    return lint.result_of_run(project.root, run, started)


INCREMENTAL_MIN_FILES = 30
"""Below this many files one full pylint run is cheaper than changed modules + cross part."""
INCREMENTAL_MAX_SHARE = 0.25
"""Above this share of changed modules a full run is cheaper."""


def worth_incremental(files: int, missing: int, *, cross_cached: bool) -> bool:
    """Whether linting only the changed modules (plus the cross part) beats a full run.

    Measured on two cores: the cross-module run (``duplicate-code`` needs every file
    parsed by astroid, ``cyclic-import`` resolves every import) costs about what a full
    ``-j2`` run costs on a small package (marshmallow, 14 modules: 4.1 s full, 5 s cross
    alone), and about 60% of it on a larger one (click, 17 big modules: 9.5 s vs 5.9 s).
    So the split pays only on larger trees with few changed modules, or when the cross
    part is cached; otherwise one full run, whose parts still fill the cache.
    """
    if missing == 0:
        return True
    if cross_cached:
        return missing <= files * INCREMENTAL_MAX_SHARE or missing < files
    return files >= INCREMENTAL_MIN_FILES and missing <= files * INCREMENTAL_MAX_SHARE


def cached_lint(project: Project, settings: Settings, cache: Cache) -> CollectorResult:
    """pylint with per-module reuse: only modules whose key changed are linted again.

    1. every key hits (same files, same inputs): the stored result, no pylint at all;
    2. some modules changed: pylint runs on those modules only, and, concurrently, a
       cross-module-only run over all files (unless that part is cached too); the parts
       are assembled into the document a full run would have produced;
    3. nothing usable: one full run, whose parts are stored for next time.

    The assembled result is exactly a full run's, because each part is keyed on all it
    depends on (:func:`lint_keys`) and the totals are re-derived from the parts the way
    pylint derives them (checked on every full run by :func:`split_document`).
    """
    from practicegrade.collectors import lint  # noqa: PLC0415
    from practicegrade.serialize import from_jsonable, to_jsonable  # noqa: PLC0415

    started = time.monotonic()
    files = list(project.source_files)
    if not files:
        return lint.collect(project, settings)
    sources = read_sources(project.root, files)
    if len(sources) != len(files):
        return lint.collect(project, settings)
    keys = lint_keys(project, settings, sources)
    stored = cache.get("pylint", keys.whole)
    if stored is not None:
        try:
            return from_jsonable(CollectorResult, stored)
        except (ValueError, TypeError, KeyError):
            pass
    per_module = {
        rel: entry
        for rel in files
        if isinstance(entry := cache.get("pylint-module", keys.modules[rel]), dict)
    }
    cross = cache.get("pylint-cross", keys.cross)
    run = cache.get("pylint-run", keys.run)
    missing = [rel for rel in files if rel not in per_module]
    try:
        if not worth_incremental(
            len(files), len(missing), cross_cached=isinstance(cross, dict)
        ) or (not isinstance(run, dict)):
            document = _run_driver(project, settings, files, cross_only=False, tag="full")
            parts = split_document(document, files)
            if parts is not None:
                _store_parts(cache, keys, parts)
        else:
            document = _incremental(
                project, settings, cache, keys, files, missing, per_module, cross, run
            )
    except RuntimeError:
        return lint.collect(project, settings)
    result = _lint_result(project, document, sources, started)
    if not result.unmeasured:
        cache.put("pylint", keys.whole, to_jsonable(result))
    return result


def _store_parts(
    cache: Cache,
    keys: LintKeys,
    parts: tuple[Mapping[str, Mapping[str, Any]], Sequence[Mapping[str, Any]], Mapping[str, Any]],
    only: Sequence[str] | None = None,
) -> None:
    per_module, cross, run = parts
    for rel, entry in per_module.items():
        if only is None or rel in only:
            cache.put("pylint-module", keys.modules[rel], dict(entry))
    if only is None:
        cache.put("pylint-cross", keys.cross, {"messages": list(cross)})
    cache.put("pylint-run", keys.run, dict(run))


def _incremental(
    project: Project,
    settings: Settings,
    cache: Cache,
    keys: LintKeys,
    files: Sequence[str],
    missing: Sequence[str],
    per_module: Mapping[str, Any],
    cross: Any,
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """Lint the changed modules and (if needed) the cross-module part, side by side."""
    jobs: dict[str, Any] = {}
    both = bool(missing) and not isinstance(cross, dict)
    # Two runs side by side share the cores instead of each starting -jN workers.
    half = replace(settings, jobs=max(1, settings.jobs // 2)) if both else settings
    with ThreadPoolExecutor(max_workers=2) as pool:
        if missing:
            jobs["subset"] = pool.submit(
                _run_driver, project, half, missing, cross_only=False, tag="subset"
            )
        if not isinstance(cross, dict):
            jobs["cross"] = pool.submit(
                _run_driver, project, half, files, cross_only=True, tag="cross"
            )
        done = {name: future.result() for name, future in jobs.items()}
    modules = dict(per_module)
    if "subset" in done:
        parts = split_document(done["subset"], missing)
        if parts is None:
            raise RuntimeError("pylint's parts do not add up; falling back to a full run")
        fresh, _cross_of_subset, fresh_run = parts
        if set(fresh) != set(missing):
            raise RuntimeError("pylint did not report every changed module")
        modules.update(fresh)
        for rel, entry in fresh.items():
            cache.put("pylint-module", keys.modules[rel], dict(entry))
        run = fresh_run
        cache.put("pylint-run", keys.run, dict(fresh_run))
    if "cross" in done:
        cross_messages = [
            m for m in done["cross"].get("messages", ()) if m.get("symbol") in CROSS_SYMBOLS
        ]
        cache.put("pylint-cross", keys.cross, {"messages": cross_messages})
    else:
        cross_messages = list(cross["messages"])
    return assemble_document(files, modules, cross_messages, run)
