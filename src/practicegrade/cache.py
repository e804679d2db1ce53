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
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard

from practicegrade.collectors import Project, Settings
from practicegrade.model import CollectorResult
from practicegrade.visibility import Parse, has_foreign_stores, interface_digests, parser

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


def config_digests(root: Path) -> dict[str, str]:
    """What of the root's configuration files decides the configuration pylint uses.

    Each file's blob SHA (:func:`file_digests`); for a symbolic link also where it
    leads: the driver honours the file pylint picks only if it resolves inside the
    repository, and names it by its resolved path (``rcfile``). A link out of the
    repository is marked ``outside`` without its target, which lies in the run-level
    key only (:func:`outside_config_inputs`), so per-module entries stay shareable
    between the work tree and the worktrees under other folders.
    """
    digests = file_digests(root, LEARNER_TOOL_CONFIGS)
    top: Path | None = None
    for name in list(digests):
        path = root / name
        if not path.is_symlink():
            continue
        top = top or root.resolve()
        try:
            target = path.resolve()
        except (OSError, RuntimeError):
            digests[name] += ":unresolved"
            continue
        inside = target.is_relative_to(top)
        digests[name] += f":{target.relative_to(top).as_posix() if inside else 'outside'}"
    return digests


PYLINT_RC_NAMES = ("pylintrc", "pylintrc.toml", ".pylintrc", ".pylintrc.toml")
"""The names pylint looks for in the folders above a package root
(``pylint.config.find_default_config_files``)."""


def _described(path: Path, top: Path) -> list[str]:
    """A configuration file pylint may find: its resolved path (relative to the repository
    when inside it, so that part is the same wherever the repository lies) and blob SHA."""
    try:
        resolved = path.resolve()
        data = resolved.read_bytes()
    except (OSError, RuntimeError):
        resolved, data = path, None
    where = resolved.relative_to(top).as_posix() if resolved.is_relative_to(top) else str(resolved)
    return [where, "unreadable" if data is None else blob_sha(data)]


def outside_config_inputs(root: Path) -> list[list[str]]:
    """Every file that decides the run's ``outside_config`` finding (a configuration file
    pylint would read from outside the repository, which the driver reports and ignores).

    pylint 4 (``find_default_config_files``, run in the repository with the driver's
    empty ``HOME`` and no ``PYLINTRC``) takes the first of: a root configuration file,
    which may be a link out of the repository; when the root holds an ``__init__.py``,
    a ``pylintrc`` in the folders above it while they are packages; the first
    ``pyproject.toml`` walking up from the root, stopping at a folder with a ``.git``
    or ``.hg`` *folder* (a linked worktree has a ``.git`` *file*, so from a worktree
    slot the walk goes on above it); ``/etc/pylintrc``. The finding names the file, so
    each found file's resolved path and blob SHA are listed (the path relative to the
    repository when inside it). Where the files lie changes with the repository's
    location, so these inputs belong in the run-level and whole-run keys only.
    """
    top = root.resolve()
    inputs: list[list[str]] = []
    for name in LEARNER_TOOL_CONFIGS:
        path = top / name
        if path.is_symlink() and path.is_file() and not path.resolve().is_relative_to(top):
            inputs.append(["root", name, *_described(path, top)])
    if (top / "__init__.py").is_file():
        folder = top
        while (folder / "__init__.py").is_file() and folder.parent != folder:
            folder = folder.parent
            inputs += [
                ["above-package", *_described(folder / rc, top)]
                for rc in PYLINT_RC_NAMES
                if (folder / rc).is_file()
            ]
    folder = top
    while True:
        if (folder / "pyproject.toml").is_file():
            inputs.append(["pyproject", *_described(folder / "pyproject.toml", top)])
            break
        if folder.parent == folder or (folder / ".git").is_dir() or (folder / ".hg").is_dir():
            break
        folder = folder.parent
    etc = Path("/etc/pylintrc")
    if etc.is_file():
        inputs.append(["etc", *_described(etc, top)])
    return inputs


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

NOT_CODE_FOLDERS = frozenset({"__pycache__", "site-packages", "node_modules"})
"""Folder names whose ``.py`` files are never first-party code; hidden folders (``.git``,
``.venv``) and virtualenvs (any folder with a ``pyvenv.cfg``) are passed over too."""


def has_init(root: Path, folder: str) -> bool:
    """Whether pylint counts ``folder`` as a package when it names a file (an ``__init__.py``).

    pylint's ``discover_package_path`` tests ``os.path.exists(folder/__init__.py)``.
    """
    return (root / folder / "__init__.py").exists()


def pylint_root(rel: str, is_package: Callable[[str], bool]) -> str:
    """The folder pylint puts on ``sys.path`` for ``rel`` and names it from (``.``: the root).

    pylint (``discover_package_path``) walks up from the file's folder while the folder
    is a package; the first one that is not is the file's root. The walk stops at the
    repository root here: when the root itself holds an ``__init__.py`` pylint goes on
    above it, but names the files from its working directory (the root, first on the
    path it names modules by), which gives the names this root gives.
    """
    folder = PurePosixPath(rel).parent
    while folder.parts and is_package(folder.as_posix()):
        folder = folder.parent
    return folder.as_posix()


def module_name(rel: str, is_package: Callable[[str], bool]) -> str | None:
    """The name pylint gives ``rel`` (``pkg/a.py`` -> ``pkg.a`` when ``pkg`` is a package).

    ``is_package(folder)`` says whether a folder holds an ``__init__.py``
    (:func:`has_init`); ``__init__`` names the package. The name is relative to the
    file's :func:`pylint_root`: ``app/b.py`` is ``b`` when ``app`` is no package, whatever
    folders the project imports from.
    """
    path = PurePosixPath(rel)
    if path.suffix != ".py":
        return None
    root = PurePosixPath(pylint_root(rel, is_package))
    names = [*path.parent.parts[len(root.parts) :], path.stem]
    if names[-1] == "__init__":
        names = names[:-1]
    return ".".join(names) if names else None


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
"""The fields that hold statements (``handlers``: ``except`` clauses, ``cases``: ``match``)."""


def _statements(tree: ast.AST) -> Iterator[ast.AST]:
    """Every statement of ``tree``, at any depth; expressions are not entered.

    An import is a statement, so this finds all of them while visiting a small part of
    the nodes :func:`ast.walk` visits (parsing and walking are most of what computing
    the import graph costs).
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if isinstance(block, list):
                stack.extend(block)


def imported_names(
    source: bytes, module: str, is_package: bool, parse: Parse | None = None
) -> set[str]:
    """Absolute module names a file imports (relative imports resolved); parsed, never run.

    ``import a.b.c`` binds ``a`` and astroid resolves ``a.X`` in ``a/__init__.py``, so
    it yields ``a``, ``a.b`` and ``a.b.c``. ``from a import b`` yields both ``a`` and
    ``a.b`` (``b`` may be a submodule); the caller keeps the names that are modules.
    Imports anywhere in the file count (inside functions and ``if TYPE_CHECKING:`` too:
    astroid follows them). A file that does not parse imports nothing.
    """
    return set(import_targets(source, module, is_package, parse))


def import_targets(
    source: bytes, module: str, is_package: bool, parse: Parse | None = None
) -> dict[str, bool]:
    """:func:`imported_names`, each with whether the import binds that module itself to a
    name (``import a.b`` binds ``a``; ``import a.b as x`` binds ``a.b``; ``from a import
    b`` binds ``a.b`` if it is a module). Through a bound package, code reaches every
    module under it: astroid loads ``pkg.sub`` on ``pkg.sub`` whether or not anything
    imported it."""
    tree = (parse or parser())(source)
    if tree is None:
        return {}
    package = module if is_package else module.rpartition(".")[0]
    names: dict[str, bool] = {}

    def add(name: str, binds: bool) -> None:
        names[name] = names.get(name, False) or binds

    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                bound = 1 if alias.asname is None else len(parts)  # the prefix the name holds
                for i in range(1, len(parts) + 1):
                    add(".".join(parts[:i]), i == bound)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                if node.level > 1:
                    anchor = anchor[: max(0, len(anchor) - (node.level - 1))]
                base = ".".join([*anchor, *([base] if base else [])])
            if base:
                add(base, False)
            for alias in node.names:
                if alias.name != "*":
                    add(f"{base}.{alias.name}" if base else alias.name, True)
    return names


class ProjectTree:
    """The files imports may resolve to: the graded sources, then the rest of the tree.

    Each path is looked at once per grade and only when an import names it, so a grade
    costs a few ``stat`` calls per imported name, never a walk of the tree. A file
    outside the graded sources is found only if it is a regular file inside the
    repository, not under a folder that cannot hold first-party code
    (:data:`NOT_CODE_FOLDERS`, hidden folders, virtualenvs).
    """

    def __init__(self, root: Path, sources: Mapping[str, bytes]) -> None:
        self.root = root
        self.sources = sources
        self._top: Path | None = None
        self._packages: dict[str, bool] = {}
        self._code_folders: dict[str, bool] = {}
        self._files: dict[str, bytes | None] = {}
        self._folders: dict[str, bool] = {}
        self._package_files: dict[str, list[str]] = {}

    def is_package(self, folder: str) -> bool:
        """:func:`has_init`, remembered; a graded ``__init__.py`` counts without a look."""
        if folder not in self._packages:
            graded = f"{folder}/__init__.py" in self.sources
            self._packages[folder] = graded or has_init(self.root, folder)
        return self._packages[folder]

    def _code_folder(self, folder: PurePosixPath) -> bool:
        if not folder.parts:
            return True
        key = folder.as_posix()
        if key not in self._code_folders:
            name = folder.name
            self._code_folders[key] = (
                self._code_folder(folder.parent)
                and not name.startswith(".")
                and name not in NOT_CODE_FOLDERS
                and not (self.root / key / "pyvenv.cfg").exists()
            )
        return self._code_folders[key]

    def package_files(self, folder: str) -> list[str]:
        """Every ``.py`` file under ``folder`` (a package, or a namespace package with no
        ``__init__.py``) that imports can reach, for code that holds the package itself;
        each folder is walked once per grade."""
        if folder not in self._package_files:
            found: list[str] = []
            if self.is_folder(folder) and self._code_folder(PurePosixPath(folder)):
                for here, dirs, files in os.walk(self.root / folder):
                    rel_here = PurePosixPath(Path(here).relative_to(self.root).as_posix())
                    dirs[:] = sorted(d for d in dirs if self._code_folder(rel_here / d))
                    found += [(rel_here / f).as_posix() for f in sorted(files) if f.endswith(".py")]
            self._package_files[folder] = [rel for rel in found if self.read(rel) is not None]
        return self._package_files[folder]

    def is_folder(self, rel: str) -> bool:
        """Whether ``rel`` is a folder in the repository (imports resolve to folders too:
        namespace packages, and isort calls a name first party if such a folder exists);
        remembered, as every file's imports ask again."""
        if rel not in self._folders:
            path = PurePosixPath(rel)
            self._folders[rel] = ".." not in path.parts and (self.root / rel).is_dir()
        return self._folders[rel]

    def read(self, rel: str) -> bytes | None:
        """The bytes of ``rel`` if it is a file imports can reach, else ``None``."""
        if rel in self.sources:
            return self.sources[rel]
        if rel not in self._files:
            self._files[rel] = self._read_other(rel)
        return self._files[rel]

    def _read_other(self, rel: str) -> bytes | None:
        path = PurePosixPath(rel)
        if ".." in path.parts or not self._code_folder(path.parent):
            return None
        full = self.root / rel
        try:
            if not full.is_file():
                return None
            if self._top is None:
                self._top = self.root.resolve()
            if not full.resolve().is_relative_to(self._top):
                return None
            return full.read_bytes()
        except OSError:
            return None


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What astroid may read while it lints each graded file (:func:`first_party_imports`)."""

    closure: Mapping[str, frozenset[str]]
    """Graded file -> every project file it depends on, transitively (itself included)."""
    others: Mapping[str, bytes]
    """Files reached from the graded ones that are not graded (excluded, tests, any other
    ``.py`` in the tree), with their bytes."""
    folders: Mapping[str, tuple[tuple[str, str, bool], ...]] = field(default_factory=dict)
    """Graded file -> (imported name, folder, whether it exists) for every import in its
    closure: a folder that appears or goes changes what an import resolves to (a
    namespace package) and how isort places it (first or third party)."""


def _candidates(name: str, roots: Sequence[str]) -> list[str]:
    """Where a module of that name lives under each root: ``a/b.py`` or ``a/b/__init__.py``."""
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return []
    out: list[str] = []
    for root in roots:
        base = PurePosixPath(root, *parts).as_posix()
        out += [f"{base}.py", f"{base}/__init__.py"]
    return out


def first_party_imports(
    root: Path,
    sources: Mapping[str, bytes],
    import_roots: Sequence[str] = (),
    parse: Parse | None = None,
) -> Dependencies:
    """For each graded file, the project files it depends on transitively (itself included).

    What astroid reads when it resolves an import: it looks the name up on ``sys.path``,
    which pylint starts with every graded file's :func:`pylint_root`; ``from a.b import
    c`` locates ``a/b.py`` by walking the package folders and parses ``a/b.py`` (and
    ``a/b/c.py`` when ``c`` is a submodule); it does not parse ``a/__init__.py`` unless
    the code imports ``a`` itself (``import a``, ``import a.b``, ``from a import x``),
    which adds it as a dependency like any other module. Python *runs* parent packages
    on import; pylint never runs code, so their text matters only when named.

    A name is looked for under every root (graded files' roots, then ``import_roots``),
    as ``root/a/b.py`` and ``root/a/b/__init__.py``: every file found is a dependency
    (more than astroid picks when two roots hold the name: a dependency too many costs
    a reuse, never a wrong result). A found file that is not graded is read and its own
    imports followed in turn; third-party code is covered by the environment stamp.

    A package bound to a name (``import pkg``, ``from . import subpkg``) makes every file
    under its folder a dependency, namespace packages included: astroid loads
    ``pkg.sub`` on ``pkg.sub`` whether or not anything imported it. And for every import,
    whether the folders it could name exist is recorded (:attr:`Dependencies.folders`).
    """
    tree = ProjectTree(root, sources)
    repo_name = root.resolve().name
    roots = list(dict.fromkeys(pylint_root(rel, tree.is_package) for rel in sources))
    roots += [PurePosixPath(r).as_posix() for r in import_roots if r not in roots]
    roots = list(dict.fromkeys(roots))
    resolved: dict[str, list[str]] = {}

    def resolve(name: str) -> list[str]:
        # The longest prefix that is a module: ``import a.b.c`` where ``c`` is a
        # function in ``a/b.py`` depends on ``a/b.py``.
        if name not in resolved:
            parts = name.split(".")
            found: list[str] = []
            for i in range(len(parts), 0, -1):
                found = [
                    c for c in _candidates(".".join(parts[:i]), roots) if tree.read(c) is not None
                ]
                if found:
                    break
            resolved[name] = found
        return resolved[name]

    direct: dict[str, set[str]] = {}
    places: dict[str, set[tuple[str, str, bool]]] = defaultdict(set)
    others: dict[str, bytes] = {}
    pending = list(sources)
    while pending:
        rel = pending.pop()
        data = tree.read(rel)
        if rel in direct or data is None:
            continue
        name = module_name(rel, tree.is_package) or ""
        targets = import_targets(data, name, rel.endswith("__init__.py"), parse)
        deps = {dep for imported in targets for dep in resolve(imported)}
        for imported, binds in targets.items():
            under = [PurePosixPath(r, *imported.split(".")).as_posix() for r in roots]
            if binds:
                deps.update(f for folder in under for f in tree.package_files(folder))
            top = imported.split(".")[0]
            places[rel].update(
                (imported, folder, tree.is_folder(folder)) for folder in [*under, f"src/{top}"]
            )
            # isort also calls the repository folder's own name first party.
            places[rel].add((imported, "..", top == repo_name))
        deps.discard(rel)
        direct[rel] = deps
        for dep in deps:
            if dep not in sources and dep not in direct:
                others[dep] = tree.read(dep) or b""
                pending.append(dep)
    closure: dict[str, frozenset[str]] = {}
    for rel in sources:
        seen = {rel}
        stack = [rel]
        while stack:
            for dep in direct.get(stack.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        closure[rel] = frozenset(seen)
    folders = {
        rel: tuple(sorted(set().union(*(places[d] for d in closure[rel])))) for rel in sources
    }
    return Dependencies(closure=closure, others=others, folders=folders)


# --------------------------------------------------------------------------- pylint

CROSS_SYMBOLS = frozenset({"duplicate-code", "cyclic-import"})
"""Messages pylint computes over all linted modules at the end of a run (``close()``) and
attributes to whichever module came last: they belong to the set of files, not to one."""

LINT_FORMAT = 4
"""Version of the pylint entries' layout and keying (2: modules carry their import
edges, line sets are stored apart; 3: imports resolve by pylint's module names and
reach files that are not graded; 4: a module is keyed on its imports' interface
digests, not their blobs); part of every key, so older entries are never misread."""


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
    strict: Mapping[str, str]
    """Per module, the key on its imports' whole text (:data:`WHOLE_MODULE_SYMBOLS`)."""
    build: frozenset[str] = frozenset()
    """Graded files with foreign attribute stores: built even when their entry is reused."""
    reusable: bool = True
    """``False`` when a file pylint is not given but reaches through imports stores
    attributes on other objects: pylint builds it when a check first imports it, so
    which files see its stores depends on the order files are checked in, and no
    module's entry can stand in for a check (only the whole run's)."""


def lint_keys(project: Project, settings: Settings, sources: Mapping[str, bytes]) -> LintKeys:
    """The keys of one project's pylint results, and why each input is in them.

    Common to all but the line sets: the learner's pylint configuration (blob SHAs of
    every root file pylint may read it from, :func:`config_digests`), the environment
    stamps of our interpreter (pylint runs there) and of the learner's (their packages
    are what imports resolve to), the pylint, astroid and practicegrade versions,
    :data:`LINT_FORMAT`, and the package folders (:func:`package_dirs`: they decide
    module names).

    * per module (messages, statements, import-graph edges): its path and blob SHA, and
      the paths and interface digests of every project file it imports, transitively,
      graded or not (:func:`first_party_imports`): astroid infers into imported modules,
      so a change there can change a message here, and resolves imports through them,
      which is what the ``cyclic-import`` edges are made of. An interface digest
      (:func:`practicegrade.visibility.interface_digest`) leaves out the top-level
      definitions no other file names, which cannot change a message elsewhere. Also
      the blobs of every graded file that stores attributes on other objects
      (:func:`practicegrade.visibility.has_foreign_stores`): a cold run builds every
      file first, and astroid applies those stores to classes in any module, imported
      or not (such files are built, not linted, when their entry is reused);
    * per module's similarity line sets (``duplicate-code``): its blob SHA, the
      configuration files, our interpreter and the versions only. The similarity
      checker strips the file's own lines by the similarity options and the file's own
      ``# pylint: disable`` pragmas (astroid parses the file; it infers nothing), so
      imports and the learner's packages cannot change them; the module name is not
      stored, the run that reuses them supplies the current one;
    * cross-module (:data:`CROSS_SYMBOLS`): every file's path, module key and line-set
      key, in lint order: the end-of-run checks see exactly those inputs, and the last
      file owns their messages;
    * run-level (configuration findings, tool versions): the common part and the
      configuration files pylint would find outside the repository
      (:func:`outside_config_inputs`: the only input that depends on where the
      repository lies, so it is kept out of every other part);
    * whole run (the finished collector result, for the no-change fast path): every
      file, the files reached that are not graded, the outside configuration, and
      whether pylint shares the work between processes (results are the same either
      way; the flag keeps the two schedules' entries apart).
    """
    from practicegrade import __version__  # noqa: PLC0415

    blobs = {rel: blob_sha(data) for rel, data in sources.items()}
    configs = config_digests(project.root)
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
    parse = parser()  # each file is parsed once, for its imports and its interface
    dependencies = first_party_imports(project.root, sources, project.import_roots, parse)
    blobs.update((rel, blob_sha(data)) for rel, data in dependencies.others.items())
    others = sorted((rel, blobs[rel]) for rel in dependencies.others)
    interfaces = interface_digests({**dependencies.others, **sources}, parse)
    build = frozenset(rel for rel, data in sources.items() if has_foreign_stores(parse(data)))
    # Where a store lands depends on what the storing file infers: its own imports too.
    stores = sorted(
        (rel, sorted((d, blobs[d] if d == rel else interfaces.get(d, "")) for d in deps))
        for rel, deps in dependencies.closure.items()
        if rel in build
    )
    lazy = any(has_foreign_stores(parse(data)) for data in dependencies.others.values())
    modules = {
        rel: make_key(
            "pylint-module",
            rel,
            blobs.get(rel, ""),
            sorted((d, interfaces.get(d, "")) for d in deps if d != rel),
            dependencies.folders.get(rel, ()),
            stores,
            common,
        )
        for rel, deps in dependencies.closure.items()
    }
    strict = {
        rel: make_key(
            "pylint-strict",
            rel,
            sorted((d, blobs.get(d, "")) for d in deps),
            dependencies.folders.get(rel, ()),
            stores,
            common,
        )
        for rel, deps in dependencies.closure.items()
    }
    lines = {
        rel: make_key("pylint-lines", blobs.get(rel, ""), configs, ours, versions)
        for rel in project.source_files
    }
    cross = [(rel, modules.get(rel, ""), lines[rel]) for rel in project.source_files]
    outside = outside_config_inputs(project.root)
    return LintKeys(
        whole=make_key(
            "pylint-all",
            listing,
            others,
            sorted(dependencies.folders.items()),
            common,
            outside,
            settings.jobs > 1,
        ),
        modules=modules,
        lines=lines,
        cross=make_key("pylint-cross", cross, common),
        run=make_key("pylint-run", common, outside),
        strict=strict,
        build=build,
        reusable=not lazy,
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
    args = lint.driver_args(
        out, scratch, files_from, jobs, go, reuse=reuse_from if reuse else None, export=export
    )
    done = lint.run_driver(args, project, settings, scratch, go)
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
    """Whether two driver documents say the same, messages compared in any order.

    Values compare as Python values, not as JSON text: pylint's score is the integer
    ``0`` when the formula goes below zero, where the assembled document has ``0.0``.
    """

    def canonical(doc: Mapping[str, Any]) -> dict[str, Any]:
        messages = sorted(json.dumps(m, sort_keys=True) for m in doc.get("messages", ()))
        return {**doc, "messages": messages}

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


WHOLE_MODULE_SYMBOLS = frozenset({"no-member"})
"""Messages whose text may depend on every name of another module: ``no-member`` ends
with pylint's hint, the owner's name closest to the missing one ("...; maybe
'helper'?"), whether or not any file names it. A module with such a message is reused
only when the modules it imports are unchanged to the byte (its ``strict`` key)."""


def _sees_enough(entry: Mapping[str, Any], strict: str) -> bool:
    """Whether the interface key is enough to reuse ``entry`` (:data:`WHOLE_MODULE_SYMBOLS`)."""
    messages = entry.get("messages")
    if not isinstance(messages, list):
        return False
    needs_whole = any(
        isinstance(m, dict) and m.get("symbol") in WHOLE_MODULE_SYMBOLS for m in messages
    )
    return not needs_whole or entry.get("strict") == strict


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
    for rel in files if keys.reusable else ():
        entry = cache.get("pylint-module", keys.modules[rel])
        if not (_usable_module(entry) and _sees_enough(entry, keys.strict[rel])):
            continue
        linesets = cache.get("pylint-lines", keys.lines[rel])
        if _usable_lines(linesets):
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
            "build": rel in keys.build,
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
        cache.put(
            "pylint-module", keys.modules[rel], {**per_module[rel], "strict": keys.strict[rel]}
        )
        cache.put("pylint-lines", keys.lines[rel], {"linesets": exported[rel]["linesets"]})
    cache.put("pylint-cross", keys.cross, {"messages": cross})
    cache.put("pylint-run", keys.run, run)
    return assembled if reuse else document
