"""The loop's file and git edges: atomic writes, the repository root, a commit's numbers."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from practicegrade.errors import UsageError

MAX_READ_BYTES = 4 * 1024 * 1024


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (rule 41).

    A symlink planted at ``path`` is refused rather than followed.
    """
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link", hint="remove it, or write somewhere else")
    path.parent.mkdir(parents=True, exist_ok=True)
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
