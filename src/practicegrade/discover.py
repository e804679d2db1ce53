"""Find what to grade in a repository: source folders, test paths, packages, interpreter.

Layouts recognised, in order: the folders the config names; every package of a ``src/``
layout; the flat package named in ``pyproject.toml``; flat packages (top-level folders
with ``__init__.py``); single modules at the top level. Tests: the config's
``tests``, else ``tests/`` or ``test/``, else ``test_*.py`` / ``*_test.py`` files beside
the code.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from practicegrade.collectors import Project
from practicegrade.configsource import load_toml, read_text
from practicegrade.errors import ConfigError
from practicegrade.generated import generated_files

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".eggs",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".practicegrade",
        "docs",
        "doc",
        "examples",
    }
)
_TEST_DIRS = ("tests", "test", "testing")
_NOT_SOURCE_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "tasks.py"})
UNITTEST_MODULES = ("test.py", "tests.py")
"""Test modules by an older convention (``python test.py``) that pytest's default
``python_files`` does not match, though ``pytest test.py`` collects them."""


def is_test_file(rel: str) -> bool:
    """A test module by pytest's default naming, or anything inside a tests folder."""
    path = PurePosixPath(rel)
    name = path.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    if name in UNITTEST_MODULES:
        return True
    return any(part in _TEST_DIRS for part in path.parts[:-1])


def _skip_dir(name: str) -> bool:
    return name in _SKIP_DIRS or name.startswith(".") or name.endswith(".egg-info")


def walk_python_files(root: Path, top: str) -> list[str]:
    """All ``.py`` files under ``root/top`` (relative POSIX paths), skipping tool folders."""
    start = root / top
    if start.is_file():
        return [top] if top.endswith(".py") else []
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(d))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in filenames:
            if name.endswith(".py"):
                found.append(name if rel_dir == "." else f"{rel_dir}/{name}")
    return sorted(found)


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(f"/{rel}", pat) for pat in patterns)


def _pyproject_package(root: Path) -> str | None:
    name = pyproject_name(root)
    return re.sub(r"[-.]+", "_", name).lower() if name else None


def pyproject_name(root: Path) -> str | None:
    """The distribution name ``pyproject.toml`` declares (PEP 621, or Poetry's)."""
    path = root / "pyproject.toml"
    if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        return None  # absent, or not the repository's own (the config loader refuses it)
    try:
        data = load_toml(read_text(path, "pyproject.toml"), "pyproject.toml")
    except ConfigError as exc:
        if "levels deep" in exc.message:
            raise
        return None  # an unreadable pyproject.toml only means no name to go by
    name = data.get("project", {}).get("name")
    if not isinstance(name, str):
        name = data.get("tool", {}).get("poetry", {}).get("name")
    return name if isinstance(name, str) else None


def _namespace_package(root: Path) -> tuple[str, str] | None:
    """A package inside a namespace package (``jaraco.functools`` in ``jaraco/functools``,
    or under ``src/``), named by ``pyproject.toml``: ``(folder, import root)``."""
    name = pyproject_name(root)
    if not name or "." not in name:
        return None
    path = "/".join(re.sub(r"[-.]+", "_", part).lower() for part in name.split("."))
    for top in (".", "src"):
        folder = path if top == "." else f"src/{path}"
        if (root / folder / "__init__.py").is_file():
            return folder, top
    return None


def _packages_in(root: Path, folder: str) -> list[str]:
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(
        entry.name
        for entry in base.iterdir()
        if entry.is_dir()
        and not _skip_dir(entry.name)
        and (entry / "__init__.py").is_file()
        and entry.name not in _TEST_DIRS
    )


def detect_source_dirs(root: Path) -> tuple[list[str], str]:
    """Source folders and the import root they live under (``src`` or ``.``)."""
    in_src = _packages_in(root, "src")
    if in_src:
        # Everything under src/ is the project's code, whatever pyproject names: attrs
        # ships ``attr`` (the code) beside ``attrs`` (the name, a thin re-export).
        return [f"src/{p}" for p in in_src], "src"
    named = _pyproject_package(root)
    if named and (root / named).is_dir():
        return [named], "."
    flat = _packages_in(root, ".")
    if flat:
        return flat, "."
    namespaced = _namespace_package(root)
    if namespaced is not None:
        return [namespaced[0]], namespaced[1]
    modules = sorted(
        p.name
        for p in root.glob("*.py")
        if p.name not in _NOT_SOURCE_MODULES and not is_test_file(p.name)
    )
    return modules, "."


def detect_test_paths(root: Path, source_files: Iterable[str]) -> list[str]:
    """Test folders if the repo has them, else test modules found beside the code."""
    folders = [d for d in _TEST_DIRS if (root / d).is_dir() and walk_python_files(root, d)]
    if folders:
        return folders
    beside = [
        f
        for f in walk_python_files(root, ".")
        if is_test_file(f) and not f.endswith("conftest.py") and f not in UNITTEST_MODULES
    ]
    del source_files
    return beside or unittest_modules(root)


def unittest_modules(root: Path) -> list[str]:
    """Top-level ``test.py``/``tests.py``: where pytest on its own does not look for tests."""
    return [name for name in UNITTEST_MODULES if (root / name).is_file()]


def choose_python(root: Path, explicit: str | None = None) -> str:
    """The learner's interpreter: ``--python``, the active virtualenv, ``.venv``, or ours."""
    if explicit:
        return explicit
    candidates = []
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]) / "bin" / "python")
    candidates += [root / ".venv" / "bin" / "python", root / "venv" / "bin" / "python"]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return sys.executable


def discover(
    root: Path,
    *,
    source: Sequence[str] | None = None,
    tests: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    python: str | None = None,
) -> Project:
    """Describe the project at ``root``; explicit ``source``/``tests`` win over detection."""
    if source:
        source_dirs = [s.strip("/") or "." for s in source]
        import_root = (
            "src" if any(PurePosixPath(s).parts[:1] == ("src",) for s in source_dirs) else "."
        )
    else:
        source_dirs, import_root = detect_source_dirs(root)
    files = sorted(
        {
            f
            for d in source_dirs
            for f in walk_python_files(root, d)
            if not is_test_file(f) and not _excluded(f, exclude) and (d != "." or "/" not in f)
        }
    )
    generated = generated_files(root, files)
    files = [f for f in files if f not in generated]
    if source is None and source_dirs and all(d.endswith(".py") for d in source_dirs):
        packages = [d[:-3] for d in source_dirs]
    else:
        packages = sorted({_top_package(d, import_root) for d in source_dirs} - {""})
    test_paths = list(tests) if tests else detect_test_paths(root, files)
    return Project(
        root=root,
        source_dirs=tuple(source_dirs),
        source_files=tuple(files),
        test_paths=tuple(t for t in test_paths if (root / t).exists()),
        packages=tuple(packages),
        import_roots=(import_root,),
        python=choose_python(root, python),
        generated=tuple(sorted(generated.items())),
        tests_configured=bool(tests),
    )


def _top_package(source_dir: str, import_root: str) -> str:
    parts = PurePosixPath(source_dir).parts
    if import_root != "." and parts[:1] == (import_root,):
        parts = parts[1:]
    if not parts or parts == (".",):
        return ""
    top = parts[0]
    return top[:-3] if top.endswith(".py") else top
