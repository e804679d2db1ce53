"""The loop's file and git edges: atomic writes, the repository root, a commit's numbers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from practicegrade.errors import UsageError
from practicegrade.ownfolder import ignore_own_folder

MAX_READ_BYTES = 4 * 1024 * 1024
MAX_ACKS_READ = 64 * 1024

if TYPE_CHECKING:
    from practicegrade.loop.acks import Ack
    from practicegrade.loop.practicelog import LogEntry


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (rule 41).

    A symlink planted at ``path`` is refused rather than followed.
    """
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link", hint="remove it, or write somewhere else")
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore_own_folder(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_bounded(path: Path, limit: int = MAX_READ_BYTES) -> str | None:
    """The file's text (UTF-8, undecodable bytes replaced), at most ``limit`` bytes; ``None``
    when it does not exist."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return data.decode("utf-8", errors="replace")


def repo_root(path: Path) -> Path:
    """The work-tree root of the repository containing ``path`` (usage error outside one)."""
    from practicegrade import gitrepo  # noqa: PLC0415

    top = gitrepo.toplevel(path)
    if top is None:
        raise UsageError(
            f"{path} is not inside a git repository", hint="run it in your practice repo"
        )
    return top


def commit_metrics(root: Path, commit: str) -> Mapping[str, float]:
    """The numbers of ``commit``'s newest grade in the notes (empty when it was not graded)."""
    from practicegrade.history import newest, read_note  # noqa: PLC0415

    best = newest(read_note(root, commit))
    return best.metrics if best is not None else {}


def read_acks(
    root: Path, repo: Path | None, base_commit: str | None
) -> tuple[tuple[Ack, ...], tuple[Ack, ...], tuple[str, ...]]:
    """The acknowledgements a grade applies, those it only shows as proposed, and problems.

    With a base commit, what applies is the file as it is at the base (merged by the
    mentor); the graded tree's own new entries are only proposed (see
    :mod:`practicegrade.loop.acks`). Without one, the graded tree's file applies.
    """
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.loop.acks import ACKS_FILE, parse_acks, proposed  # noqa: PLC0415

    head = parse_acks(read_bounded(root / ACKS_FILE, MAX_ACKS_READ))
    if repo is None or base_commit is None:
        return head.acks, (), head.problems
    shown = gitrepo.git(repo, "show", f"{base_commit}:{ACKS_FILE}")
    base = parse_acks(shown.stdout[:MAX_ACKS_READ] if shown.returncode == 0 else None)
    return base.acks, tuple(proposed(base.acks, head.acks)), base.problems


def log_news(root: Path, repo: Path | None, base_commit: str | None) -> list[LogEntry]:
    """Practice-log entries the graded tree has that the base commit's log does not."""
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.loop import practicelog as pl  # noqa: PLC0415

    if repo is None or base_commit is None:
        return []
    head = pl.parse_log(read_bounded(root / pl.LOG_FILE, pl.MAX_LOG_BYTES) or "").entries
    if not head:
        return []
    shown = gitrepo.git(repo, "show", f"{base_commit}:{pl.LOG_FILE}")
    base = pl.parse_log(shown.stdout if shown.returncode == 0 else "").entries
    return pl.new_entries(base, head)
