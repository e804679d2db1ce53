"""Golden-file comparison for rendered artifacts (see ``tests/golden/README.md``)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
GOLDEN = TESTS / "golden"
ACTUAL = TESTS / "actual"
UPDATE_ENV = "PRACTICEGRADE_UPDATE_GOLDEN"

GoldenCheck = Callable[[str, str], None]


def compare_golden(name: str, actual: str) -> None:
    """Assert ``actual`` equals ``tests/golden/<name>``; update it when asked to.

    On a mismatch the unified diff is printed (pytest shows it) and the actual output is
    saved to the git-ignored ``tests/actual/<name>`` so it can be opened or copied over.
    With ``PRACTICEGRADE_UPDATE_GOLDEN=1`` the golden file is (re)written instead.
    """
    expected_path = GOLDEN / name
    if os.environ.get(UPDATE_ENV) == "1":
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8", newline="")
        return
    if not expected_path.exists():
        _save_actual(name, actual)
        pytest.fail(f"no golden file {expected_path}; run with {UPDATE_ENV}=1 to create it")
    expected = expected_path.read_text(encoding="utf-8")
    if expected == actual:
        return
    saved = _save_actual(name, actual)
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden/{name}",
            tofile=f"actual/{name}",
            n=2,
        )
    )
    pytest.fail(
        f"{name} differs from its golden file (actual saved to {saved}; "
        f"{UPDATE_ENV}=1 updates it):\n{diff}",
        pytrace=False,
    )


def _save_actual(name: str, actual: str) -> Path:
    path = ACTUAL / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(actual, encoding="utf-8", newline="")
    return path


@pytest.fixture
def golden() -> GoldenCheck:
    """``golden(name, text)``: compare ``text`` with ``tests/golden/<name>``."""
    return compare_golden
