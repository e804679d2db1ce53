"""A pinned release's sdist, downloaded from PyPI with pip once and then reused.

The benchmarks and the review harness grade real projects from their source
distributions. Each keeps its own download folder; this is the one way to fill it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stem(text: str) -> str:
    """``jaraco.functools-4.6.0`` and ``jaraco_functools-4.6.0`` alike (PEP 625 names)."""
    return re.sub(r"[-_.]+", "_", text).lower()


def _cached(name: str, version: str, into: Path) -> list[Path]:
    wanted = _stem(f"{name}-{version}")
    if not into.is_dir():
        return []
    return sorted(p for p in into.glob("*.tar.gz") if _stem(p.name[: -len(".tar.gz")]) == wanted)


def download_sdist(
    name: str, version: str, into: Path, say: Callable[[str], None] = _stderr
) -> Path:
    """``name==version``'s sdist in ``into``: the one already there, else pip fetches it."""
    found = _cached(name, version, into)
    if not found:
        say(f"downloading {name}=={version} (sdist)")
        argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        argv += ["--no-binary", ":all:", f"{name}=={version}", "-d", str(into)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
        found = _cached(name, version, into)
    if not found:
        raise SystemExit(f"no sdist for {name}=={version} in {into}")
    return found[0]
