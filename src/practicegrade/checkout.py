"""Where a commit is checked out to be graded: a reusable worktree slot, else a temporary one.

Why reuse: grading a commit (``--rev``, a base, every pre-push) runs the learner's tests
in a checkout of it. A fresh checkout has no ``__pycache__``, so every grade compiled
every module again and pytest rewrote the asserts of every test module again: on a
medium package that is a tenth of the test run, paid on every push. A *slot* is a
linked worktree of the repository, kept between grades and moved to the next commit with
``git checkout``, which rewrites only the files that differ. Unchanged files keep their
modification times, so the bytecode the last grade wrote beside them is still valid, and
the learner's interpreter may write bytecode there (:attr:`Checkout.owned`); the user's
own work tree never gets any.

Reused bytecode must never be stale. CPython and pytest accept a ``.pyc`` when the
source's size and modification time (whole seconds) match the ones it was compiled
from, so a file rewritten within the same second at the same size would pass. Before a
slot moves, the cached bytecode of every file that differs between its old commit and
the new one, or that the last grade's code modified, is deleted; everything else a
previous run left behind (untracked files, edits to tracked files) is removed by
``git checkout --force`` and ``git clean -ffdx`` (bytecode in ``__pycache__`` excepted).

Slots live in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``, then
``practicegrade/worktrees/<repository id>/slot-<n>``), not under the git dir: pytest
looks for its configuration and ``conftest.py`` in the parents of the folder it runs in,
and the parents of a folder inside ``.git`` include the user's own work tree, whose
(perhaps uncommitted) files must never join a grade of a commit.

Each slot is held with an exclusive ``flock`` for the whole grade: a grade that finds
every slot busy (a hook and a manual grade at once) falls back to a temporary worktree,
as does any failure to reuse a slot, and ``PRACTICEGRADE_NO_CACHE=1``. Slots show in
``git worktree list``; ``git worktree remove`` removes one, and slots whose repository
is gone are deleted the next time any slot is created.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from practicegrade import gitrepo
from practicegrade.errors import GitError

SLOTS = 2
"""One for the graded commit and one for its base, which a grade may hold at once."""
KEEP = "**/__pycache__/*.pyc"
"""What ``git clean`` leaves in a slot: bytecode in ``__pycache__`` folders, and nothing
else a previous run wrote (not even other files it put in a ``__pycache__``)."""
OWNER_FILE = "repository"
"""In each repository's slot folder: the common git dir the slots belong to."""


@dataclass(frozen=True, slots=True)
class Checkout:
    """A checked-out commit."""

    root: Path
    owned: bool
    """A practicegrade slot: bytecode written there is kept for the next grade."""


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/practicegrade`` (``~/.cache/practicegrade`` by default)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "practicegrade"


def common_dir(repo: Path) -> Path | None:
    """The repository's common git dir (shared by its worktrees), or ``None`` outside git."""
    try:
        out = gitrepo.git_out(repo, "rev-parse", "--git-common-dir").strip()
    except GitError:
        return None
    return (repo / out).resolve()  # ``out`` may be relative to ``repo``


def slots_folder(repo: Path) -> Path | None:
    """This repository's private slot folder (created 0700), or ``None`` if unusable."""
    common = common_dir(repo)
    if common is None:
        return None
    ident = hashlib.sha256(str(common).encode()).hexdigest()[:16]
    folder = cache_home() / "worktrees" / ident
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
        if folder.is_symlink() or info.st_uid != os.getuid():
            return None
        owner = folder / OWNER_FILE
        if not owner.is_file():
            owner.write_text(str(common), encoding="utf-8")
    except OSError:
        return None
    return folder


@contextmanager
def checkout(repo: Path, commit: str) -> Iterator[Checkout]:
    """``commit`` checked out in a free slot (reused), else in a temporary worktree."""
    folder = None if os.environ.get("PRACTICEGRADE_NO_CACHE") else slots_folder(repo)
    for number in range(SLOTS if folder is not None else 0):
        assert folder is not None
        lock = _try_lock(folder / f"slot-{number}.lock")
        if lock is None:
            continue
        try:
            slot = folder / f"slot-{number}"
            if _move(repo, slot, commit) or _create(repo, slot, commit):
                yield Checkout(root=slot, owned=True)
                return
        finally:
            os.close(lock)
        break  # a slot we hold but cannot use: the others would fail the same way
    with gitrepo.worktree(repo, commit) as temporary:
        yield Checkout(root=temporary, owned=False)


def _try_lock(path: Path) -> int | None:
    """An exclusive, non-blocking ``flock`` on ``path`` (its descriptor), or ``None`` if taken."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _hooks_off(slot: Path) -> tuple[str, ...]:
    """``-c core.hooksPath=<empty folder>``: no ``post-checkout`` hook runs in a slot."""
    empty = slot.parent / "no-hooks"
    empty.mkdir(exist_ok=True)
    return ("-c", f"core.hooksPath={empty}")


def belongs_to(slot: Path, repo: Path) -> bool:
    """Whether ``slot`` is a linked worktree of ``repo``, judged by its ``.git`` file.

    The last grade ran the learner's code in the slot; a ``.git`` file rewritten to point
    at another repository must not make us check out (``--force``) into that one.
    """
    marker = slot / ".git"
    common = common_dir(repo)
    try:
        if slot.is_symlink() or marker.is_symlink() or not marker.is_file() or common is None:
            return False
        text = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return False
    if not text.startswith("gitdir: "):
        return False
    admin = Path(text[len("gitdir: ") :])
    return admin.parent.name == "worktrees" and admin.resolve().parent.parent == common


def _move(repo: Path, slot: Path, commit: str) -> bool:
    """Move an existing slot to ``commit`` and clean it; ``False`` if it cannot be reused."""
    if not belongs_to(slot, repo):
        return False
    old = gitrepo.git(slot, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if old.returncode != 0:
        return False
    touched = gitrepo.git(slot, "diff", "--name-only", "-z", "--no-renames", "HEAD")
    changed = gitrepo.git(
        repo, "diff", "--name-only", "-z", "--no-renames", old.stdout.strip(), commit
    )
    if touched.returncode != 0 or changed.returncode != 0:
        return False
    paths = _split_z(touched.stdout) + _split_z(changed.stdout)
    purge_bytecode(slot, paths)
    moved = gitrepo.git(
        slot,
        *_hooks_off(slot),
        "checkout",
        "--force",
        "--detach",
        "--quiet",
        commit,
        "--",
        timeout=gitrepo.CHECKOUT_TIMEOUT_S,
    )
    if moved.returncode != 0 or moved.timed_out:
        return False
    if gitrepo.git(slot, "clean", "-ffdxq", "-e", KEEP).returncode != 0:
        return False
    drop_emptied_folders(slot, paths)
    return True


def _create(repo: Path, slot: Path, commit: str) -> bool:
    """A new slot at ``commit`` (whatever was at its path is removed first)."""
    _remove(repo, slot)
    _remove_orphans(slot.parent.parent)
    done = gitrepo.git(
        repo,
        *_hooks_off(slot),
        "worktree",
        "add",
        "--detach",
        "--quiet",
        str(slot),
        "--end-of-options",
        commit,
        timeout=gitrepo.CHECKOUT_TIMEOUT_S,
    )
    if done.returncode == 0 and not done.timed_out:
        return True
    _remove(repo, slot)
    return False


def _remove(repo: Path, slot: Path) -> None:
    if slot.is_symlink():
        slot.unlink()
    elif slot.exists():
        gitrepo.git(repo, "worktree", "remove", "--force", "--force", str(slot))
        shutil.rmtree(slot, ignore_errors=True)
    gitrepo.git(repo, "worktree", "prune")


def _remove_orphans(worktrees: Path) -> None:
    """Delete the slot folders of repositories that no longer exist (a deleted clone)."""
    try:
        folders = list(worktrees.iterdir())
    except OSError:
        return
    for folder in folders:
        try:
            owner = (folder / OWNER_FILE).read_text(encoding="utf-8")
        except OSError:
            continue
        if not Path(owner).is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _split_z(out: str) -> list[str]:
    return [name for name in out.split("\0") if name]


def _inside(path: Path, root: Path) -> bool:
    """``path`` is a real folder (no symlink on the way) inside ``root``."""
    try:
        return not path.is_symlink() and path.is_dir() and path.resolve().is_relative_to(root)
    except OSError:
        return False


def purge_bytecode(root: Path, files: Iterable[str]) -> int:
    """Delete the cached bytecode of ``files`` (paths relative to ``root``); how many went.

    ``pkg/mod.py`` -> ``pkg/__pycache__/mod.*.pyc`` (CPython's and pytest's rewritten
    ones). Only real folders inside ``root`` are touched: a ``__pycache__`` that is a
    symlink (a learner can commit one) is left alone rather than followed.
    """
    inside = root.resolve()
    removed = 0
    for name in files:
        path = PurePosixPath(name)
        if path.suffix != ".py" or ".." in path.parts:
            continue
        cache = root.joinpath(*path.parent.parts, "__pycache__")
        if not _inside(cache, inside):
            continue
        for pyc in cache.glob(f"{glob_escape(path.stem)}.*.pyc"):
            try:
                if not pyc.is_symlink():
                    pyc.unlink()
                    removed += 1
            except OSError:
                continue
    return removed


def drop_emptied_folders(root: Path, files: Iterable[str]) -> None:
    """Remove folders that hold nothing but a ``__pycache__`` after a checkout.

    ``git clean`` keeps ``__pycache__`` (that is the point of a slot), so a package the
    new commit deleted would survive as a folder of bytecode, which Python imports as a
    namespace package: a fresh checkout has no such folder, and neither may a slot.
    """
    inside = root.resolve()
    folders = {PurePosixPath(name).parent for name in files if ".." not in name.split("/")}
    for deepest in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        rel = deepest
        while rel.parts:
            folder = root.joinpath(*rel.parts)
            if not _inside(folder, inside):
                break
            try:
                entries = os.listdir(folder)
            except OSError:
                break
            if entries not in ([], ["__pycache__"]):
                break
            if entries and _inside(folder / "__pycache__", inside):
                shutil.rmtree(folder / "__pycache__", ignore_errors=True)
            try:
                folder.rmdir()
            except OSError:
                break
            rel = rel.parent


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters made literal (a module may be named ``a[1].py``)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
