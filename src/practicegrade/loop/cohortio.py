"""The cohort's edge: read each source (folder, clone URL, report artifact) into a row.

Sources are read in parallel threads (each is a few git calls and a YAML read), so 50
repositories take about as long as their slowest few. A source that cannot be read is a
row that says why, never a failed command: one broken clone must not hide the cohort.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from practicegrade.errors import PracticegradeError
from practicegrade.loop.cohort import CohortRow, error_row, row_from_history, row_from_report

MAX_REPORT_BYTES = 64 * 1024 * 1024
CLONE_TIMEOUT_S = 120.0
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[^/\s]+@[^/\s]+:)", re.IGNORECASE)


def kind_of(source: str) -> str:
    """``url``, ``report`` or ``repo``."""
    if _URL.match(source):
        return "url"
    path = Path(source)
    if path.suffix == ".json" or (path.is_dir() and (path / "report.json").is_file()):
        return "report"
    return "repo"


def name_of(source: str, kind: str) -> str:
    """The row's name: the repository's folder (for a URL, its last path segment)."""
    if kind == "url":
        tail = source.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return tail.removesuffix(".git") or source
    path = Path(source).resolve()
    folder = path.parent if kind == "report" and path.suffix == ".json" else path
    if folder.name == "out" and folder.parent.name == ".practicegrade":
        folder = folder.parent.parent
    return folder.name or str(folder)


def read_repo(root: Path, name: str, source: str, today: dt.date) -> CohortRow:
    """A working copy's row: its model and the notes of the commits reachable from HEAD."""
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.config import load_config  # noqa: PLC0415
    from practicegrade.history import read_history  # noqa: PLC0415

    top = gitrepo.toplevel(root)
    if top is None:
        return error_row(name, source, "not a git repository")
    config = load_config(top)
    return row_from_history(name, source, config, read_history(top, "HEAD"), today)


def read_url(url: str, name: str, scratch: Path, today: dt.date) -> CohortRow:
    """Clone ``url`` (with its notes) into ``scratch`` and read it."""
    from practicegrade import gitrepo  # noqa: PLC0415

    target = Path(tempfile.mkdtemp(prefix="clone-", dir=scratch)) / "repo"
    done = gitrepo.git(
        scratch, "clone", "-q", "--no-tags", "--", url, str(target), timeout=CLONE_TIMEOUT_S
    )
    if done.returncode != 0 or done.timed_out:
        return error_row(name, "url", f"cannot clone: {done.stderr.strip()[:200]}")
    gitrepo.git(
        target, "fetch", "-q", "origin", "+refs/notes/practicegrade:refs/notes/practicegrade"
    )
    return read_repo(target, name, "url", today)


def read_report(path: Path, name: str) -> CohortRow:
    """A report artifact's row (``report.json``, or the folder that holds one)."""
    from practicegrade.model import Report  # noqa: PLC0415
    from practicegrade.serialize import from_jsonable  # noqa: PLC0415

    file = path / "report.json" if path.is_dir() else path
    with file.open("rb") as handle:
        data = handle.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        return error_row(name, "report", "report.json is larger than 64 MB")
    try:
        report = from_jsonable(Report, json.loads(data))
    except (ValueError, TypeError, KeyError) as exc:
        return error_row(name, "report", f"not a practicegrade report: {str(exc)[:120]}")
    return row_from_report(name, report)


def read_source(source: str, scratch: Path, today: dt.date) -> CohortRow:
    """One source's row; any expected problem becomes an error row."""
    kind = kind_of(source)
    name = name_of(source, kind)
    try:
        if kind == "url":
            return read_url(source, name, scratch, today)
        if kind == "report":
            return read_report(Path(source), name)
        return read_repo(Path(source), name, "repo", today)
    except PracticegradeError as exc:
        return error_row(name, kind, exc.message[:200])
    except OSError as exc:
        return error_row(name, kind, f"cannot read it: {exc.strerror or exc}")


def read_cohort(sources: Sequence[str], today: dt.date, jobs: int = 8) -> list[CohortRow]:
    """Every source's row, in the order given (sort them with ``cohort.sort_rows``)."""
    scratch = Path(tempfile.mkdtemp(prefix="practicegrade-cohort-"))
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(lambda s: read_source(s, scratch, today), sources))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
