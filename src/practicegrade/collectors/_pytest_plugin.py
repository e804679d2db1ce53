"""A tiny pytest plugin that streams one JSON line per test event to a file.

It runs *inside the learner's pytest*, in the learner's interpreter: the tests collector
copies this file into its scratch folder under a unique top-level name, puts that folder
on ``PYTHONPATH`` and loads it with ``-p``. So it must import nothing from practicegrade
and stay compatible with every Python and pytest version a learner may have.

Why a stream and not pytest's JUnit XML: the XML is written at the very end, so a run
killed by our timeout (or ended by ``os._exit``) leaves nothing. Every line here is
flushed as it happens; what ran before the kill survives, including which test started
last. Only a short failure message is kept, never a whole traceback.

Events (``"e"`` key): ``start`` (a test began), ``report`` (one setup/call/teardown
report), ``collect`` (a collection error or skip), ``session``, ``collected`` and ``finish``.

``collected`` says how many tests pytest collected, how many were deselected, how many
are left to run, and the options that decide whether collected tests run at all
(``--collect-only``, ``--setup-only``, ``--setup-plan``, ``-k``, ``-m``, ``--deselect``,
``--maxfail``), read from pytest's parsed configuration *after* every conftest and plugin
had its say, with the project's ``addopts`` and ini file so the grader can name where a
setting came from. A project may decide how tests are collected; it may not stop
collected tests from running, and these counts are how the grader tells.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, TextIO

import pytest

ENV_VAR = "PRACTICEGRADE_PYTEST_EVENTS"
MESSAGE_CAP = 1000

# Taken out of the environment at import: learner tests and the processes they start
# (xdist workers, a pytest run inside a test) must not write into our stream.
_PATH = os.environ.pop(ENV_VAR, None)
_OUT: TextIO | None = open(_PATH, "a", encoding="utf-8") if _PATH else None  # noqa: SIM115
_STARTED = [time.time()]
_COUNTS = {"collected": 0, "deselected": 0}


def _emit(event: dict[str, Any]) -> None:
    if _OUT is None:
        return
    try:
        _OUT.write(json.dumps(event) + "\n")
        _OUT.flush()
    except (OSError, ValueError, TypeError):
        pass


def _cap(text: object) -> str:
    text = str(text)
    return text if len(text) <= MESSAGE_CAP else text[: MESSAGE_CAP - 1] + "\u2026"


def _message(longrepr: Any) -> str | None:
    """The short reason: pytest's crash line, a skip reason, or the ``E`` lines."""
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return _cap(longrepr[2])
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return _cap(crash.message)
    try:
        text = str(longrepr)
    except Exception:
        return "unprintable failure"
    lines = text.splitlines()
    e_lines = [line[1:].strip() for line in lines if line.startswith("E ")]
    if e_lines:
        return _cap("\n".join(e_lines[-5:]))
    rest = [line.strip() for line in lines if line.strip()]
    return _cap(rest[-1]) if rest else None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: Any) -> None:
    _STARTED[0] = time.time()
    _emit({"e": "session"})


def pytest_itemcollected(item: Any) -> None:
    _COUNTS["collected"] += 1


def pytest_deselected(items: Any) -> None:
    _COUNTS["deselected"] += len(items) if hasattr(items, "__len__") else 0


def _option(config: Any, name: str) -> Any:
    try:
        value = config.getoption(name)
    except (ValueError, AttributeError):
        return None
    if isinstance(value, (list, tuple)):
        return [_cap(v) for v in value]
    if isinstance(value, (bool, int)) or value is None:
        return value
    return _cap(value)


def _ini(config: Any) -> tuple[list[str], str | None]:
    """The ini file's ``addopts`` and the ini file's name (older pytest: ``inifile``)."""
    try:
        addopts = [_cap(a) for a in config.getini("addopts")]
    except (ValueError, TypeError):
        addopts = []
    path = getattr(config, "inipath", None) or getattr(config, "inifile", None)
    name = None
    if path is not None:
        try:
            name = os.path.relpath(str(path), str(config.rootpath))
        except (ValueError, AttributeError):
            name = os.path.basename(str(path))
    return addopts, name


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: Any) -> None:
    config = session.config
    names = ("collectonly", "setuponly", "setupplan", "keyword", "markexpr", "deselect", "maxfail")
    addopts, inifile = _ini(config)
    _emit(
        {
            "e": "collected",
            "collected": _COUNTS["collected"],
            "deselected": _COUNTS["deselected"],
            "selected": len(getattr(session, "items", ()) or ()),
            "options": {name: _option(config, name) for name in names},
            "addopts": addopts[:50],
            "inifile": inifile,
        }
    )


def pytest_collectreport(report: Any) -> None:
    if report.failed or report.skipped:
        _emit(
            {
                "e": "collect",
                "nodeid": report.nodeid,
                "outcome": report.outcome,
                "message": _message(report.longrepr),
            }
        )


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _emit({"e": "start", "nodeid": nodeid})


def pytest_runtest_logreport(report: Any) -> None:
    wasxfail = getattr(report, "wasxfail", None)
    message = _message(report.longrepr) if (report.failed or report.skipped) else None
    _emit(
        {
            "e": "report",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": float(getattr(report, "duration", 0.0) or 0.0),
            "xfail": None if wasxfail is None else _cap(wasxfail),
            "message": message,
        }
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    _emit({"e": "finish", "exitstatus": int(exitstatus), "duration": time.time() - _STARTED[0]})


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    # pytest's "in N s" is measured up to its own summary line, after every plugin's
    # session-finish and summary work: measure to the same point.
    _emit({"e": "summary", "duration": time.time() - _STARTED[0]})
