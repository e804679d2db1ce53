"""The pylint driver's process: its command line, limits and environment, started cold
or ahead of time (warm).

pylint takes about a quarter of a second to import itself, astroid and its checkers
before it reads a single file, and on a pre-push grade that quarter second sits on the
critical path: the grader first checks out the pushed commit, finds the files and works
out which of them need linting, and only then starts the driver. A :class:`WarmDriver`
is started first (``grade --source hook``, where a push of new code almost always needs
pylint) with ``--wait``: it imports pylint while the grader prepares, then reads its
command line from stdin (:func:`._pylint_driver.wait_for_job`) and runs exactly what a
cold driver would. A grade that needs no pylint closes it unused.

This module imports only the standard library and :mod:`practicegrade.proc`, so the
CLI can start the warm driver before it imports the rest of the grader.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from practicegrade import proc
from practicegrade.errors import ToolError

DRIVER = "practicegrade.collectors._pylint_driver"
WAIT_FLAG = "--wait"
"""The driver's start-up flag: load pylint, then read the job from stdin."""
LINT_TIMEOUT_S = 900.0
"""pylint costs about 1 s per KLOC per core: this covers repositories far beyond practice size."""
LINT_LIMITS = proc.Limits(address_space_bytes=4 << 30, file_size_bytes=256 << 20, core_bytes=0)


def command(args: Sequence[str]) -> list[str]:
    """Our own interpreter, isolated (``-I``: the repository is not on ``sys.path``)."""
    return [sys.executable, "-I", "-m", DRIVER, *args]


def driver_env(home: Path) -> dict[str, str]:
    """An allow-listed environment with a private ``HOME`` (pylint writes crash reports
    and, if asked, statistics there)."""
    home.mkdir(parents=True, exist_ok=True)
    return proc.clean_env({"PYLINTHOME": str(home / "pylint")}, home=str(home))


def job_bytes(cwd: Path, args: Sequence[str]) -> bytes:
    """What a ``--wait`` driver reads: run with ``args`` in ``cwd`` (JSON, like
    :func:`._pylint_driver.wait_for_job` parses it)."""
    import json  # noqa: PLC0415 - keep this module's import light

    return json.dumps({"cwd": str(cwd), "argv": list(args)}).encode()


class WarmDriver:
    """A driver started ahead of its job; one grade's runs may take it once.

    Thread-safe: collectors run in threads, and only one of them gets the process
    (:meth:`take`); every other run starts a cold driver as usual.
    """

    def __init__(self, started: proc.Started, folder: Path) -> None:
        self._started: proc.Started | None = started
        self._folder = folder
        self._lock = threading.Lock()

    @classmethod
    def start(cls) -> WarmDriver | None:
        """Start one (``None`` if it cannot start: the grade then starts cold drivers)."""
        folder = Path(tempfile.mkdtemp(prefix="practicegrade-pylint-"))
        try:
            started = proc.start(
                command([WAIT_FLAG]),
                cwd=folder,
                env=driver_env(folder / "home"),
                limits=LINT_LIMITS,
            )
        except ToolError:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return cls(started, folder)

    def take(self) -> proc.Started | None:
        """The started driver, to the first caller only."""
        with self._lock:
            started, self._started = self._started, None
            return started

    def close(self) -> None:
        """Stop the driver if nobody took it, and remove its private folder."""
        started = self.take()
        if started is not None:
            started.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)


def run(
    args: Sequence[str], cwd: Path, home: Path, warm: WarmDriver | None = None
) -> proc.Completed:
    """Run the driver with ``args`` in ``cwd``: the warm one if there is one left, else a
    new process with ``home`` as its private ``HOME``. Same result either way."""
    started = warm.take() if warm is not None else None
    if started is not None and not started.running:  # died while waiting (OOM killer...)
        started.cancel()
        started = None
    if started is not None:
        return started.finish(job_bytes(cwd, args), timeout=LINT_TIMEOUT_S)
    return proc.run(
        command(args), cwd=cwd, timeout=LINT_TIMEOUT_S, env=driver_env(home), limits=LINT_LIMITS
    )
