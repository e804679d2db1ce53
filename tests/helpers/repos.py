"""Real temporary git repositories and fixture projects for tests (no git mocks)."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """Run git in ``repo`` (hermetic env comes from the autouse fixture) and return stdout."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (relative path -> text, dedented; or raw bytes) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def init_repo(
    root: Path, files: Mapping[str, str | bytes] | None = None, *, message: str = "init"
) -> Path:
    """``git init`` (branch ``main``) at ``root``, write ``files`` and commit them if any."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    if files:
        commit_files(root, files, message)
    return root


def commit_all(repo: Path, message: str = "change") -> str:
    """Stage everything and commit; return the new commit SHA."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def commit_files(
    repo: Path,
    files: Mapping[str, str | bytes],
    message: str = "change",
    *,
    branch: str | None = None,
) -> str:
    """Write ``files`` and commit them, first checking out a new ``branch`` from HEAD if
    one is named; return the new commit SHA."""
    if branch is not None:
        git(repo, "checkout", "-q", "-b", branch)
    write_files(repo, files)
    return commit_all(repo, message)


SAMPLE_PROJECT: dict[str, str | bytes] = {
    "pyproject.toml": """
        [project]
        name = "calc"
        version = "0.1.0"
    """,
    "src/calc/__init__.py": '''
        """A tiny calculator package used as a grading fixture."""
    ''',
    "src/calc/ops.py": '''
        """Arithmetic helpers."""


        def add(a, b):
            """Add two numbers."""
            return a + b


        def classify(n):
            """Describe a number in words."""
            if n < 0:
                return "negative"
            if n == 0:
                return "zero"
            if n < 10:
                return "small"
            if n < 100:
                return "medium"
            return "large"


        def unused(x):
            y = 1
            return x
    ''',
    "tests/test_ops.py": """
        from calc.ops import add, classify


        def test_add():
            assert add(2, 3) == 5


        def test_classify_negative():
            assert classify(-1) == "negative"


        def test_classify_small():
            assert classify(3) == "small"
    """,
}
"""A src-layout package with tests, some untested branches and a few lint messages."""

TANGLED = '''
def classify(n):
    """Words for n."""
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    if n < 10:
        return "small"
    return "large"
'''
"""A module whose one function has cyclomatic complexity 4: above a ``<= 3`` bar."""


def extra_worktrees(repo: Path) -> list[Path]:
    """Linked worktrees of ``repo`` other than practicegrade's reusable slots.

    Slots (:mod:`practicegrade.checkout`) stay registered between grades by design; any
    other extra worktree is a temporary one somebody failed to remove.
    """
    from practicegrade.paths import cache_home  # noqa: PLC0415

    slots = (cache_home() / "worktrees").resolve()
    trees = [
        Path(line.split(" ", 1)[1]).resolve()
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    return [t for t in trees[1:] if not t.is_relative_to(slots)]
