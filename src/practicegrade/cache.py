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
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

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

LINT_FORMAT = 2
"""Version of the pylint entries' layout (2: modules carry their import edges, line
sets are stored apart); part of every key, so older entries are never misread."""


def package_dirs(root: Path, files: Sequence[str]) -> list[str]:
    """The folders above ``files`` (inside ``root``) that hold an ``__init__.py``.

    pylint names a module after the chain of package folders above it, and those names
    are in its messages, in the import graph (``cyclic-import``) and in
    ``duplicate-code``; a package gaining or losing its ``__init__.py`` renames modules
    whose own text and imports did not change.
    """
    folders = {str(parent) for rel in files for parent in PurePosixPath(rel).parents}
    folders.discard(".")
    return sorted(f for f in folders if (root / f / "__init__.py").is_file())


@dataclass(frozen=True, slots=True)
class LintKeys:
    """Every key of one incremental pylint grade."""

    whole: str
    modules: Mapping[str, str]
    lines: Mapping[str, str]
    cross: str
    run: str


def lint_keys(project: Project, settings: Settings, sources: Mapping[str, bytes]) -> LintKeys:
    """The keys of one project's pylint results, and why each input is in them.

    Common to all but the line sets: the learner's pylint configuration (blob SHAs of
    every root file pylint may read it from), the environment stamps of our interpreter
    (pylint runs there) and of the learner's (their packages are what imports resolve
    to), the pylint, astroid and practicegrade versions, :data:`LINT_FORMAT`, and the
    package folders (:func:`package_dirs`: they decide module names).

    * per module (messages, statements, import-graph edges): its path and the blob SHAs
      of itself and of every first-party module it imports, transitively
      (:func:`first_party_imports`): astroid infers into imported modules, so a change
      there can change a message here, and resolves imports through them, which is
      what the ``cyclic-import`` edges are made of;
    * per module's similarity line sets (``duplicate-code``): its blob SHA, the
      configuration files, our interpreter and the versions only. The similarity
      checker strips the file's own lines by the similarity options and the file's own
      ``# pylint: disable`` pragmas (astroid parses the file; it infers nothing), so
      imports and the learner's packages cannot change them; the module name is not
      stored, the run that reuses them supplies the current one;
    * cross-module (:data:`CROSS_SYMBOLS`): every file's path, module key and line-set
      key, in lint order: the end-of-run checks see exactly those inputs, and the last
      file owns their messages;
    * run-level (configuration findings, tool versions): the common part only;
    * whole run (the finished collector result, for the no-change fast path): every
      file, and whether pylint shares the work between processes (results are the same
      either way; the flag keeps the two schedules' entries apart).
    """
    from practicegrade import __version__  # noqa: PLC0415

    blobs = {rel: blob_sha(data) for rel, data in sources.items()}
    configs = file_digests(project.root, LEARNER_TOOL_CONFIGS)
    ours = environment_stamp(sys.executable)
    versions = (dist_version("pylint"), dist_version("astroid"), __version__, LINT_FORMAT)
    common = (
        configs,
        ours,
        environment_stamp(project.python),
        versions,
        package_dirs(project.root, project.source_files),
    )
    listing = [(rel, blobs.get(rel, "")) for rel in project.source_files]
    closure = first_party_imports(sources, project.import_roots)
    modules = {
        rel: make_key("pylint-module", rel, sorted((d, blobs.get(d, "")) for d in deps), common)
        for rel, deps in closure.items()
    }
    lines = {
        rel: make_key("pylint-lines", blobs.get(rel, ""), configs, ours, versions)
        for rel in project.source_files
    }
    cross = [(rel, modules.get(rel, ""), lines[rel]) for rel in project.source_files]
    return LintKeys(
        whole=make_key("pylint-all", listing, common, settings.jobs > 1),
        modules=modules,
        lines=lines,
        cross=make_key("pylint-cross", cross, common),
        run=make_key("pylint-run", common),
    )


def _run_driver(
    project: Project,
    settings: Settings,
    files: Sequence[str],
    reuse: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One pylint driver run over ``files``, reusing ``reuse``'s records instead of
    linting those; its JSON document and the records of the files it linted (raises
    ``RuntimeError``)."""
    from practicegrade.collectors import lint  # noqa: PLC0415

    scratch = Path(settings.scratch).resolve() / "pylint-incremental"  # the driver runs in root
    scratch.mkdir(parents=True, exist_ok=True)
    out, export, reuse_from = (scratch / n for n in ("result.json", "export.json", "reuse.json"))
    for stale in (out, export, reuse_from):
        stale.unlink(missing_ok=True)
    files_from = scratch / "files.json"
    files_from.write_text(json.dumps(list(files)), encoding="utf-8")
    if reuse:
        reuse_from.write_text(json.dumps(dict(reuse)), encoding="utf-8")
    jobs = max(1, min(settings.jobs, len(files) - len(reuse)))
    go = scratch / "go"
    argv = lint.driver_argv(
        out, scratch, files_from, jobs, go, reuse=reuse_from if reuse else None, export=export
    )
    done = lint.run_driver(argv, project, settings, scratch, go)
    if done.timed_out:
        raise RuntimeError("pylint timed out")
    try:
        document = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"pylint wrote no result: {exc}") from exc
    if not isinstance(document, dict) or "error" in document:
        raise RuntimeError(str(document.get("error") if isinstance(document, dict) else document))
    try:
        exported = json.loads(export.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        exported = {}
    return document, exported if isinstance(exported, dict) else {}


_RUN_FIELDS = ("versions", "rcfile", "outside_config", "config_error", "ignored")
_MODULE_FIELDS = ("module", "statement", "messages", "linted", "imports", "excluded")


def _category_counts(messages: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    from practicegrade.collectors import lint  # noqa: PLC0415

    counts = dict.fromkeys(lint.CATEGORIES, 0)
    for message in messages:
        if message.get("category") in counts:
            counts[str(message["category"])] += 1
    return counts


def split_document(
    document: Mapping[str, Any], linted: Sequence[str], files: Sequence[str]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], dict[str, Any]] | None:
    """A driver document as per-module entries of ``linted``, cross messages and run fields.

    ``files`` are all the files the run covered (``linted`` plus any reused): the
    end-of-run messages may belong to a reused file. A file pylint left out (an
    ``ignore`` pattern) gets an entry without a module. Returns ``None`` when the parts
    would not add up to the run's own totals (a pylint behaviour this split does not
    model): such a run is then cached only as a whole.
    """
    wanted, covered = set(linted), set(files)
    messages = list(document.get("messages", ()))
    cross = [m for m in messages if m.get("symbol") in CROSS_SYMBOLS]
    config_messages = [m for m in messages if m.get("path") not in covered]
    reported = {m.get("path"): m for m in document.get("modules", ()) if m.get("path") in wanted}
    per_module: dict[str, dict[str, Any]] = {}
    for rel in linted:
        module = reported.get(rel)
        per_module[rel] = {
            "module": module.get("module") if module else None,
            "statement": int(module.get("statement", 0)) if module else 0,
            "messages": [
                m for m in messages if m.get("path") == rel and m.get("symbol") not in CROSS_SYMBOLS
            ],
        }
    counted = [m for e in per_module.values() for m in e["messages"]]
    counted += [m for m in cross if m.get("path") in covered]
    totals = {k: int(v) for k, v in dict(document.get("counts", {})).items()}
    statements = sum(e["statement"] for e in per_module.values())
    if _category_counts(counted) != totals or statements != int(document.get("statements", -1)):
        return None
    if any(e["module"] is None and e["messages"] for e in per_module.values()):
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
    """The driver document a full run over ``files`` would have written, from its parts.

    Messages come in the run's order: configuration, then those pylint gives while
    parsing (of files it could not lint), then each file's, then the end-of-run ones;
    per-module counts are derived from them as the driver derives them
    (:func:`~practicegrade.collectors._pylint_driver.module_counts`).
    """
    from practicegrade.collectors import lint  # noqa: PLC0415
    from practicegrade.collectors._pylint_driver import module_counts  # noqa: PLC0415

    entries = [(rel, per_module[rel]) for rel in files if rel in per_module]
    unlinted = [e for _, e in entries if not e.get("linted", True)]
    linted = [e for _, e in entries if e.get("linted", True)]
    messages: list[Mapping[str, Any]] = list(run.get("config_messages", ()))
    for entry in [*unlinted, *linted]:
        messages.extend(entry["messages"])
    messages.extend(cross)
    wanted = set(files)
    counts = _category_counts(
        [m for _, e in entries for m in e["messages"]]
        + [m for m in cross if m.get("path") in wanted]
    )
    named = [(rel, e) for rel, e in entries if e.get("module") is not None]
    statements = {str(e["module"]): int(e["statement"]) for _, e in named}
    paths: dict[str, str | None] = {str(e["module"]): rel for rel, e in named}
    modules, cross_counts = module_counts(statements, paths, [dict(m) for m in messages], counts)
    total = sum(int(e["statement"]) for _, e in named)
    return {
        **{name: run.get(name) for name in _RUN_FIELDS},
        "ignored": list(run.get("ignored") or ()),
        "score": lint.score(total, counts) if total > 0 else None,
        "statements": total,
        "counts": counts,
        "modules": modules,
        "cross_module": cross_counts,
        "messages": messages,
    }


def same_document(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two driver documents say the same, messages compared in any order."""

    def canonical(doc: Mapping[str, Any]) -> str:
        messages = sorted(json.dumps(m, sort_keys=True) for m in doc.get("messages", ()))
        return json.dumps({**doc, "messages": messages}, sort_keys=True)

    return canonical(a) == canonical(b)


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


def worth_incremental(files: int, missing: int) -> bool:
    """Whether to reuse cached modules rather than lint every file.

    A reused module costs reading its JSON; linting it costs parsing and inference
    (about 0.1-0.3 s per module on two cores). The end-of-run checks no longer need
    every file linted (the driver puts the reused modules' line sets and import edges
    back in their place), so any module with cached data is cheaper reused; with
    nothing cached (``missing == files``) it is one full run, whose parts fill the cache.
    """
    return missing < files


def _usable_module(entry: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(entry, dict) and all(field in entry for field in _MODULE_FIELDS)


def _usable_lines(entry: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(entry, dict) and isinstance(entry.get("linesets"), list)


def cached_lint(project: Project, settings: Settings, cache: Cache) -> CollectorResult:
    """pylint with per-module reuse: only modules whose key changed are linted again.

    1. every key hits (same files, same inputs): the stored result, no pylint at all;
    2. some modules have cached data: pylint runs on the others only; the cached
       modules' similarity line sets and import edges are handed to it, so its own
       end-of-run checks compute ``duplicate-code`` and ``cyclic-import`` over every
       file; the parts are assembled into the document a full run would have produced
       (with every module cached and the cross part too, no pylint runs at all);
    3. nothing cached: one full run, whose parts are stored for next time.

    The assembled result is exactly a full run's, because each part is keyed on all it
    depends on (:func:`lint_keys`) and the totals are re-derived from the parts the way
    pylint derives them (checked on every full run: :func:`split_document` checks the
    totals, and the parts must reassemble into the run's own document).
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
    modules: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, Any]] = {}
    for rel in files:
        entry = cache.get("pylint-module", keys.modules[rel])
        linesets = cache.get("pylint-lines", keys.lines[rel]) if _usable_module(entry) else None
        if _usable_module(entry) and _usable_lines(linesets):
            modules[rel], lines[rel] = entry, linesets
    cross = cache.get("pylint-cross", keys.cross)
    run = cache.get("pylint-run", keys.run)
    try:
        if len(modules) == len(files) and isinstance(cross, dict) and isinstance(run, dict):
            document = assemble_document(files, modules, cross["messages"], run)
        else:
            if not worth_incremental(len(files), len(files) - len(modules)):
                modules, lines = {}, {}
            document = _lint(project, settings, cache, keys, files, modules, lines)
    except (RuntimeError, KeyError, TypeError, ValueError):
        return lint.collect(project, settings)
    result = _lint_result(project, document, sources, started)
    if not result.unmeasured:
        cache.put("pylint", keys.whole, to_jsonable(result))
    return result


def _lint(
    project: Project,
    settings: Settings,
    cache: Cache,
    keys: LintKeys,
    files: Sequence[str],
    cached: Mapping[str, Mapping[str, Any]],
    lines: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Lint the files not in ``cached`` (all of them when it is empty), store the parts.

    Returns the run's own document after a full run, else the assembled one. When the
    parts of a run do not add up (:func:`split_document`), nothing is stored and a run
    that reused modules is repeated in full.
    """
    reuse = {
        rel: {
            "linted": entry["linted"],
            "imports": entry["imports"],
            "excluded": entry["excluded"],
            "linesets": lines[rel]["linesets"],
        }
        for rel, entry in cached.items()
    }
    document, exported = _run_driver(project, settings, files, reuse)
    linted = [rel for rel in files if rel not in reuse]
    parts = split_document(document, linted, files)
    if parts is None or not all(isinstance(exported.get(rel), dict) for rel in linted):
        if reuse:
            return _lint(project, settings, cache, keys, files, {}, {})
        return document
    fresh, cross, run = parts
    per_module = dict(cached)
    for rel in linted:
        record = exported[rel]
        per_module[rel] = {
            **fresh[rel],
            **{k: record[k] for k in ("linted", "imports", "excluded")},
        }
    assembled = assemble_document(files, per_module, cross, run)
    if not reuse and not same_document(assembled, document):
        return document  # a pylint behaviour the parts do not model: not cached in parts
    for rel in linted:
        cache.put("pylint-module", keys.modules[rel], per_module[rel])
        cache.put("pylint-lines", keys.lines[rel], {"linesets": exported[rel]["linesets"]})
    cache.put("pylint-cross", keys.cross, {"messages": cross})
    cache.put("pylint-run", keys.run, run)
    return assembled if reuse else document
