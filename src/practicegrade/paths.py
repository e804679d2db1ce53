"""The user-level folder practicegrade keeps reusable things in (never inside a repository)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/practicegrade`` (``~/.cache/practicegrade`` by default).

    Holds what may be thrown away at any time: worktree slots and their bytecode
    (:mod:`practicegrade.checkout`) and compiled dashboard templates.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "practicegrade"


def private_folder(path: Path) -> Path | None:
    """``path`` created 0700 if needed; ``None`` if it cannot be, or is not ours alone."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return None
    if path.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path
