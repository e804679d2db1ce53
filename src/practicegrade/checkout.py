"""Where a commit is checked out to be graded: a reusable worktree slot, else a temporary one.

Why reuse: grading a commit (``--rev``, a base, every pre-push) runs the learner's tests
in a checkout of it. A fresh checkout has no bytecode, so every grade compiled every
module again and pytest rewrote the asserts of every test module again: on a medium
package that is a tenth of the test run, paid on every push. A *slot* is a linked
worktree of the repository, kept between grades and moved to the next commit with
``git checkout``, which rewrites only the files that differ; its bytecode goes to a
private folder beside it (:attr:`Checkout.pycache`, used as ``PYTHONPYCACHEPREFIX``, which
pytest honours for its rewritten test modules too), never into a source tree: not the
slot's (a folder of bytecode would survive ``git clean`` and import as a namespace
package), not the user's.

Reused bytecode must never be stale. CPython and pytest accept a ``.pyc`` when the
source's size and modification time (whole seconds) match the ones it was compiled
from, so a file rewritten within the same second at the same size would pass. So a slot
keeps a manifest of every ``.py`` file's ``stat`` (change time in nanoseconds, which no
program can set back, inode, size) taken right after its checkout; when it moves, the
bytecode of every file whose ``stat`` differs from the manifest (rewritten by the
checkout, or by the code the last grade ran, even if restored since) is deleted.
Everything else a previous run left is removed by ``git checkout --force`` and
``git clean -ffdx``. A slot is rebuilt from scratch when reuse could differ from a fresh
checkout in ways these do not cover: ``.gitattributes`` changed (line endings, filters),
the repository has submodules, or index flags (``skip-worktree``, ``assume-unchanged``)
were set in it.

Slots live in the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``, then
``practicegrade/worktrees/<repository id>/slot-<n>``), not under the git dir: pytest
looks for its configuration and ``conftest.py`` in the parents of the folder it runs in,
and the parents of a folder inside ``.git`` include the user's own work tree, whose
(perhaps uncommitted) files must never join a grade of a commit.

Each slot is held with an exclusive ``flock`` for the whole grade: a grade that finds
every slot busy (a hook and a manual grade at once) falls back to a temporary worktree,
as does any failure to reuse a slot, ``PRACTICEGRADE_NO_CACHE=1``, and a CI grade
(``reuse=False``: a slot has run the learner's code before, and what a mentor sees must
not depend on anything that code could leave behind). Slots show in ``git worktree
list``; slots whose repository is gone are deleted the next time any slot is created.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from practicegrade import gitrepo
from practicegrade.errors import GitError
from practicegrade.paths import cache_home, private_folder

SLOTS = 2
"""One for the graded commit and one for its base, which a grade may hold at once."""
OWNER_FILE = "repository"
"""In each repository's slot folder: the common git dir the slots belong to."""
SKIPPED_FOLDERS = frozenset({".git", "__pycache__", "node_modules"})
"""Never walked for the manifest (no graded ``.py`` lives there)."""


@dataclass(frozen=True, slots=True)
class Checkout:
    """A checked-out commit."""

    root: Path
    pycache: Path | None = None
    """For a slot, the private ``PYTHONPYCACHEPREFIX`` its bytecode is kept in for the
    next grade; ``None`` for a temporary worktree (no bytecode written at all)."""


def common_dir(repo: Path) -> Path | None:
    """The repository's common git dir (shared by its worktrees), or ``None`` outside git."""
    try:
        out = gitrepo.git_out(repo, "rev-parse", "--git-common-dir").strip()
    except GitError:
        return None
    return (repo / out).resolve()  # ``out`` may be relative to ``repo``


def slots_folder(common: Path) -> Path | None:
    """The private slot folder of the repository whose common git dir is ``common``
    (created 0700, resolved), or ``None``.

    Resolved, so that the paths the learner's interpreter sees (and files its bytecode
    under) are the ones :func:`purge_bytecode` computes.
    """
    ident = hashlib.sha256(str(common).encode()).hexdigest()[:16]
    folder = private_folder(cache_home() / "worktrees" / ident)
    if folder is None:
        return None
    try:
        owner = folder / OWNER_FILE
        if not owner.is_file():
            owner.write_text(str(common), encoding="utf-8")
        return folder.resolve()
    except OSError:
        return None


@contextmanager
def checkout(repo: Path, commit: str, *, reuse: bool = True) -> Iterator[Checkout]:
    """``commit`` checked out in a free slot (``reuse``), else in a temporary worktree."""
    wanted = reuse and not os.environ.get("PRACTICEGRADE_NO_CACHE")
    common = common_dir(repo) if wanted else None
    folder = slots_folder(common) if common is not None else None
    for number in range(SLOTS if folder is not None else 0):
        assert folder is not None and common is not None
        lock = _try_lock(folder / f"slot-{number}.lock")
        if lock is None:
            continue
        try:
            slot = folder / f"slot-{number}"
            pycache = folder / f"pycache-{number}"
            moved = _move(slot, common, pycache, commit)
            if moved or _create(repo, slot, pycache, commit):
                yield Checkout(root=slot, pycache=pycache)
                return
        finally:
            os.close(lock)
    with gitrepo.worktree(repo, commit) as temporary:
        yield Checkout(root=temporary)


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


def belongs_to(slot: Path, common: Path) -> bool:
    """Whether ``slot`` is a linked worktree that git itself registered in the repository
    whose common git dir is ``common``.

    The last grade ran the learner's code in the slot. Its ``.git`` file names the
    worktree's admin folder; that folder must be in ``common``'s ``worktrees/``, and its
    ``gitdir`` file must point back at this slot: a ``.git`` file rewritten to name
    another repository, or another worktree of this one (the user's), must not make us
    check out (``--force``) into that.
    """
    marker = slot / ".git"
    try:
        if slot.is_symlink() or marker.is_symlink() or not marker.is_file():
            return False
        text = marker.read_text(encoding="utf-8").strip()
        if not text.startswith("gitdir: "):
            return False
        admin = (slot / text[len("gitdir: ") :]).resolve()  # may be relative to the slot
        if admin.parent != common / "worktrees":
            return False
        back = (admin / "gitdir").read_text(encoding="utf-8").strip()
        return (admin / back).resolve() == marker.resolve()
    except (OSError, UnicodeDecodeError):
        return False


def _move(slot: Path, common: Path, pycache: Path, commit: str) -> bool:
    """Move an existing slot to ``commit`` and clean it; ``False`` if it cannot be reused
    (a slot whose HEAD is no commit fails the ``.gitattributes`` comparison too)."""
    if not belongs_to(slot, common) or (slot / ".gitmodules").exists():
        return False
    attributes = gitrepo.git(
        slot, "diff", "--quiet", "HEAD", commit, "--", ":(glob)**/.gitattributes"
    )
    if attributes.returncode != 0:
        return False
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
    if gitrepo.git(slot, "clean", "-ffdxq").returncode != 0 or _has_index_flags(slot):
        return False
    current = source_stats(slot)
    purge_bytecode(slot, pycache, changed_files(_read_manifest(slot), current))
    _write_manifest(slot, current)
    return True


def _has_index_flags(slot: Path) -> bool:
    """``skip-worktree`` (``S``) or ``assume-unchanged`` (lower case) set on any index entry:
    git would then leave those files as the last run left them."""
    listed = gitrepo.git(slot, "ls-files", "-v", "-z")
    if listed.returncode != 0:
        return True
    return any(e[:1] == "S" or e[:1].islower() for e in listed.stdout.split("\0") if e)


def _create(repo: Path, slot: Path, pycache: Path, commit: str) -> bool:
    """A new slot at ``commit`` (whatever was at its path, and its bytecode, removed first)."""
    _remove(repo, slot)
    _remove_tree(pycache)
    _remove_orphans(slot.parent.parent)
    done = gitrepo.git(
        repo,
        *_hooks_off(slot),
        "worktree",
        "add",
        "--detach",
        "--force",
        "--force",  # twice: also over a registration that is missing but locked
        "--quiet",
        str(slot),
        "--end-of-options",
        commit,
        timeout=gitrepo.CHECKOUT_TIMEOUT_S,
    )
    if done.returncode == 0 and not done.timed_out:
        _write_manifest(slot, source_stats(slot))
        return True
    _remove(repo, slot)
    return False


def _remove(repo: Path, slot: Path) -> None:
    """Unregister and delete a slot; a folder that will not go is moved out of the way."""
    if slot.is_symlink():
        slot.unlink()
    elif slot.exists():
        gitrepo.git(repo, "worktree", "remove", "--force", "--force", str(slot))
        _remove_tree(slot)
    gitrepo.git(repo, "worktree", "prune")


def _remove_tree(path: Path) -> None:
    """``rm -rf``, including folders a test made read-only; else renamed aside, then tried."""
    if not path.exists() and not path.is_symlink():
        return

    def writable_and_retry(func: Callable[..., Any], name: str, _exc: object) -> None:
        with suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            if not os.path.islink(name) and os.path.isdir(name):
                os.chmod(name, stat.S_IRWXU)
            func(name)

    shutil.rmtree(path, onerror=writable_and_retry)
    if path.exists():
        with suppress(OSError):
            path.rename(path.with_name(f"trash-{uuid.uuid4().hex}"))


def _remove_orphans(worktrees: Path) -> None:
    """Delete the slot folders of repositories that no longer exist (a deleted clone).

    A slot someone holds (its lock is taken) is left alone: its repository may only be
    out of sight (an unmounted disk, another container sharing this cache folder).
    """
    try:
        folders = list(worktrees.iterdir())
    except OSError:
        return
    for folder in folders:
        try:
            owner = (folder / OWNER_FILE).read_text(encoding="utf-8")
        except OSError:
            continue
        if Path(owner).is_dir() or folder.is_symlink():
            continue
        locks = [_try_lock(folder / f"slot-{n}.lock") for n in range(SLOTS)]
        try:
            if all(fd is not None for fd in locks):
                _remove_tree(folder)
        finally:
            for fd in locks:
                if fd is not None:
                    os.close(fd)


# --------------------------------------------------------------------------- bytecode

Stat = tuple[int, int, int]
"""``(st_ctime_ns, st_ino, st_size)`` of a source file."""


def source_stats(root: Path) -> dict[str, Stat]:
    """Every ``.py`` file under ``root`` (relative POSIX path) and its :data:`Stat`."""
    found: dict[str, Stat] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_FOLDERS]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            found[rel] = (info.st_ctime_ns, info.st_ino, info.st_size)
    return found


def changed_files(before: Mapping[str, Stat] | None, after: Mapping[str, Stat]) -> list[str]:
    """Files whose ``stat`` is new or differs (all of them when there is no manifest)."""
    if before is None:
        return sorted(after)
    return sorted(rel for rel, info in after.items() if before.get(rel) != info)


def _manifest_path(slot: Path) -> Path:
    return slot.with_name(f"{slot.name}.stat.json")


def _read_manifest(slot: Path) -> dict[str, Stat] | None:
    try:
        data = json.loads(_manifest_path(slot).read_text(encoding="utf-8"))
        return {str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in dict(data).items()}
    except (OSError, ValueError, TypeError, IndexError, KeyError):
        return None


def _write_manifest(slot: Path, stats: Mapping[str, Stat]) -> None:
    path = _manifest_path(slot)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        tmp.write_text(json.dumps(stats), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        path.unlink(missing_ok=True)  # no manifest: every file's bytecode is purged next time


def bytecode_folder(pycache: Path, source_folder: Path) -> Path:
    """Where Python files the bytecode of ``source_folder``'s modules under the prefix.

    CPython (``importlib.util.cache_from_source``) and pytest both use the prefix plus
    the source folder's absolute path without its leading separator.
    """
    return pycache.joinpath(*source_folder.absolute().parts[1:])


def purge_bytecode(root: Path, pycache: Path, files: Iterable[str]) -> int:
    """Delete the bytecode of ``files`` (paths relative to ``root``) under ``pycache``.

    ``pkg/mod.py`` -> ``<pycache>/<root>/pkg/mod.*.pyc`` (CPython's and pytest's rewritten
    ones). Returns how many went.
    """
    removed = 0
    for name in files:
        path = PurePosixPath(name)
        if path.suffix != ".py" or ".." in path.parts:
            continue
        folder = bytecode_folder(pycache, root.joinpath(*path.parent.parts))
        if not folder.is_dir() or folder.is_symlink():
            continue
        for pyc in folder.glob(f"{glob_escape(path.stem)}.*.pyc"):
            with suppress(OSError):
                pyc.unlink()
                removed += 1
    return removed


def glob_escape(text: str) -> str:
    """``text`` with glob metacharacters made literal (a module may be named ``a[1].py``)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
