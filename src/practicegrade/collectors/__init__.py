"""Collectors: one module per measurement source, all behind one small interface.

A collector is a module-level function ``collect(project: Project, settings: Settings)
-> CollectorResult``. It never raises for problems in the learner's code (those become
:class:`~practicegrade.model.Finding` entries and ``unmeasured`` reasons); it raises
:class:`~practicegrade.errors.PracticegradeError` only for problems the user must fix
in their setup. Collectors run concurrently (threads; the heavy work is in
subprocesses), except benchmarks, which run alone afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # annotations only: the pylint driver imports this package at start-up
    from practicegrade.lintproc import WarmDriver
    from practicegrade.model import CollectorResult


@dataclass(frozen=True, slots=True)
class Project:
    """What to measure, as discovered (:mod:`practicegrade.discover`) or configured.

    Paths are relative to ``root``, POSIX style, sorted.
    """

    root: Path
    source_dirs: tuple[str, ...]
    """Folders (or ``.`` for a flat layout) whose code is graded for complexity and lint."""
    source_files: tuple[str, ...]
    """Every ``.py`` file under the source folders, minus tests and excludes."""
    test_paths: tuple[str, ...]
    """What pytest is pointed at (folders or files); empty means no tests were found."""
    packages: tuple[str, ...]
    """Top-level import names of the code (coverage ``source``)."""
    import_roots: tuple[str, ...]
    """Folders to put on ``sys.path`` so the code imports (``src`` for a src layout)."""
    python: str
    """Interpreter that runs the learner's tests and benchmarks."""
    generated: tuple[tuple[str, str], ...] = ()
    """Generated files under the source folders, left out of ``source_files``: ``(file,
    reason)`` (:mod:`practicegrade.generated`)."""
    tests_configured: bool = False
    """``tests:`` named the test paths; otherwise pytest decides what runs (its rootdir,
    ``testpaths``, ``python_files``, ``addopts``), exactly as ``python -m pytest`` would,
    and ``test_paths`` only says where tests were seen."""


@dataclass(frozen=True, slots=True)
class BenchmarkSpec:
    name: str
    call: str
    """``module:function`` timed with no arguments, or with the value ``setup`` returns."""
    setup: str | None = None
    sizes: tuple[int, ...] = ()
    """Input sizes ``setup`` receives, to fit how the time grows (empty: no argument)."""
    growth: str | None = None
    """The expected class, as :func:`practicegrade.growth.parse_class` names it."""
    size: int | None = None
    """One size to time at (the base comparison of a benchmark with ``sizes``)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Knobs a collector may read; everything else it needs is on the Project."""

    jobs: int = 2
    test_timeout_s: float = 600.0
    benchmarks: tuple[BenchmarkSpec, ...] = ()
    bench_budget_s: float = 10.0
    """Time for one benchmark's growth fit, and for one base comparison."""
    progress: Callable[[str, Literal["start", "done"]], None] | None = None
    """``progress("bench: <detail>", "start")`` names what a long collector is doing."""
    scratch: Path = Path(".")
    """A private temporary folder for this run (data files, plugin shims)."""
    cache_dir: Path | None = None
    blob_shas: Mapping[str, str] = field(default_factory=dict)
    """Source file -> git blob SHA, when known (the incremental cache keys on it)."""
    cores_free: threading.Event | None = None
    """Set by the orchestrator once the tests no longer need a core; until then the lint
    collector keeps to one process. ``None``: nobody else runs, use ``jobs`` at once."""
    pycache_prefix: Path | None = None
    """The project folder is a practicegrade worktree slot (:mod:`practicegrade.checkout`):
    the learner's interpreter keeps its bytecode under this prefix for the next grade
    (``None``: it writes no bytecode at all)."""
    warm_driver: WarmDriver | None = None
    """A pylint driver started ahead of time (:mod:`practicegrade.lintproc`); the first
    lint run takes it, later ones start their own."""
    coverage_project_settings: bool = True
    """Honour the project's coverage.py settings (``coverage: {project_settings: ...}``)."""
    warm_export: bool = False
    """Start coverage.py's exporter beside the tests, so the report follows them at once
    (pre-push grades, where time is the point); otherwise it starts when they end and
    does not hold its memory beside the tests and pylint."""


class Collector(Protocol):
    def __call__(self, project: Project, settings: Settings, /) -> CollectorResult: ...


ProgressCallback = Callable[[str, str], None]
"""``progress(collector_name, event)`` with event ``"start"`` or ``"done"``."""
