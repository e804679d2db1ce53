"""The only place that talks to git.

Plumbing commands through :func:`practicegrade.proc.run` (argv lists, timeouts, no
shell): they cost 1-3 ms each and leave no long-lived ``git cat-file`` processes
behind, which GitPython's ``Repo`` objects are known to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from practicegrade import proc
from practicegrade.errors import GitError

GIT_TIMEOUT_S = 60.0


def git_env() -> dict[str, str]:
    """Our environment minus the variables a git hook exports (``GIT_DIR``, ``GIT_INDEX_FILE``...).

    Inside a hook, git exports repository-local variables; running git elsewhere (a
    temporary worktree) with them set would act on the wrong repository.
    """
    local = {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
        "GIT_QUARANTINE_PATH",
    }
    return {k: v for k, v in os.environ.items() if k not in local}


def git(repo: Path, *args: str, timeout: float = GIT_TIMEOUT_S, stdin: bytes | None = None) -> proc.Completed:
    """Run ``git -C repo args...``; the caller decides what a non-zero exit means."""
    return proc.run(
        ["git", "-C", str(repo), *args], timeout=timeout, env=git_env(), stdin=stdin
    )


def git_out(repo: Path, *args: str, timeout: float = GIT_TIMEOUT_S) -> str:
    """Run git and return stdout; raise :class:`GitError` with git's message on failure."""
    done = git(repo, *args, timeout=timeout)
    if done.returncode != 0 or done.timed_out:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def toplevel(path: Path) -> Path | None:
    """The work-tree root containing ``path``, or ``None`` outside a git repository."""
    done = git(path, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        return None
    return Path(done.stdout.strip())


@dataclass(frozen=True, slots=True)
class HeadInfo:
    commit: str | None
    """``None`` in a repository with no commits yet."""
    tree: str | None
    branch: str | None
    dirty: bool


def head_info(root: Path) -> HeadInfo:
    """HEAD's commit, tree and branch, and whether the work tree differs from it."""
    done = git(root, "rev-parse", "--verify", "-q", "HEAD", "HEAD^{tree}")
    lines = done.stdout.split()
    commit, tree = (lines[0], lines[1]) if done.returncode == 0 and len(lines) == 2 else (None, None)
    branch_done = git(root, "symbolic-ref", "-q", "--short", "HEAD")
    branch = branch_done.stdout.strip() or None if branch_done.returncode == 0 else None
    status = git(root, "status", "--porcelain", "--untracked-files=normal")
    return HeadInfo(commit=commit, tree=tree, branch=branch, dirty=bool(status.stdout.strip()))
