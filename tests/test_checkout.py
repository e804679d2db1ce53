"""Reusable worktree slots: a fresh checkout's content every time, bytecode kept only when valid."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from practicegrade import checkout as co
from tests.helpers.repos import (
    commit_all,
    commit_files,
    extra_worktrees,
    git,
    init_repo,
    write_files,
)

FILES = {
    "pkg/__init__.py": "",
    "pkg/value.py": "VALUE = 1\n",
    "pkg/other.py": "OTHER = 'o'\n",
    "pkg/sub/__init__.py": "SUB = True\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo", FILES)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def _python(where: co.Checkout, code: str) -> str:
    """Run ``code`` in the checkout as the tests collector runs the learner's tests."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if where.pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(where.pycache)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=where.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _import_value(where: co.Checkout) -> str:
    return _python(where, "import pkg.value, pkg.other; print(pkg.value.VALUE)")


def _bytecode(where: co.Checkout, folder: str, stem: str) -> list[Path]:
    assert where.pycache is not None
    cache = co.bytecode_folder(where.pycache, where.root / folder)
    return sorted(cache.glob(f"{stem}.*.pyc"))


def _content(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".git"
    }


def test_a_slot_is_reused_and_holds_exactly_the_commit(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        assert one.pycache is not None
        assert _content(one.root) == FILES
        assert _import_value(one) == "1"
        assert _bytecode(one, "pkg", "value")  # kept under the prefix...
        assert not (one.root / "pkg" / "__pycache__").exists()  # ...never in the tree
        (one.root / "leftover.txt").write_text("a test wrote this\n")
        (one.root / "pkg" / "other.py").write_text("OTHER = 'edited by a test'\n")
    second = commit_files(repo, {"pkg/value.py": "VALUE = 2\n"}, "two")
    with co.checkout(repo, second) as two:
        assert two.root == one.root
        assert _content(two.root) == {**FILES, "pkg/value.py": "VALUE = 2\n"}
        assert _bytecode(two, "pkg", "__init__")  # untouched: its bytecode stays
        assert not _bytecode(two, "pkg", "other")  # edited by the "test": purged
        assert _import_value(two) == "2"
    assert git(repo, "status", "--porcelain") == ""
    assert extra_worktrees(repo) == []


def test_a_same_size_change_within_the_second_never_reuses_old_bytecode(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        _import_value(one)
    second = commit_files(
        repo, {"pkg/value.py": "VALUE = 9\n"}, "same size"
    )  # same size, same second
    with co.checkout(repo, second) as two:
        assert _import_value(two) == "9"


def test_a_file_a_test_edited_and_restored_loses_its_bytecode(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        value = one.root / "pkg" / "value.py"
        original = value.read_text()
        value.write_text("VALUE = 5\n")  # same size: only the change time tells
        assert _import_value(one) == "5"
        edited = value.stat()
        value.write_text(original)
        os.utime(value, ns=(edited.st_atime_ns, edited.st_mtime_ns))  # as the .pyc recorded
    with co.checkout(repo, head(repo)) as again:
        assert _import_value(again) == "1"


def test_folders_a_test_run_created_do_not_survive_as_namespace_packages(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        write_files(one.root, {"gen/helper.py": "X = 1\n"})
        _python(one, "import gen.helper")
    with co.checkout(repo, head(repo)) as again:
        assert not (again.root / "gen").exists()
        found = _python(again, "import importlib.util as u; print(u.find_spec('gen'))")
        assert found == "None"


def test_a_deleted_package_is_gone(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        _python(one, "import pkg.sub")
    git(repo, "rm", "-rq", "pkg/sub")
    second = commit_all(repo, "drop sub")
    with co.checkout(repo, second) as two:
        assert not (two.root / "pkg" / "sub").exists()
        found = _python(two, "import importlib.util as u; print(u.find_spec('pkg.sub'))")
        assert found == "None"


def test_a_gitattributes_change_rebuilds_the_slot(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        assert b"\r\n" not in (one.root / "pkg" / "value.py").read_bytes()
    second = commit_files(repo, {".gitattributes": "*.py text eol=crlf\n"}, "crlf")
    fresh = repo.parent / "fresh"
    git(repo, "worktree", "add", "-q", "--detach", str(fresh), second)
    with co.checkout(repo, second) as two:
        for name in FILES:
            assert (two.root / name).read_bytes() == (fresh / name).read_bytes()
        assert (two.root / "pkg" / "value.py").read_bytes() == b"VALUE = 1\r\n"


def test_index_flags_a_test_set_do_not_keep_its_edits(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        git(one.root, "update-index", "--skip-worktree", "pkg/value.py")
        (one.root / "pkg" / "value.py").write_text("VALUE = 999  # planted\n")
    with co.checkout(repo, head(repo)) as again:
        assert _content(again.root) == FILES
        assert git(again.root, "ls-files", "-v").split()[0] == "H"


def test_busy_slots_fall_back_to_a_temporary_worktree(repo: Path) -> None:
    common = co.common_dir(repo)
    assert common is not None
    folder = co.slots_folder(common)
    assert folder is not None
    held = []
    for number in range(co.SLOTS):
        fd = os.open(folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.append(fd)
    try:
        with co.checkout(repo, head(repo)) as fallback:
            assert fallback.pycache is None
            assert not fallback.root.is_relative_to(folder)
            assert _content(fallback.root) == FILES
    finally:
        for fd in held:
            os.close(fd)
    assert extra_worktrees(repo) == []


def test_two_at_once_get_two_slots(repo: Path) -> None:
    commit = head(repo)
    with co.checkout(repo, commit) as one, co.checkout(repo, commit) as two:
        assert one.pycache is not None and two.pycache is not None
        assert one.root != two.root and one.pycache != two.pycache


def test_no_reuse_and_no_cache_mean_no_slot(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with co.checkout(repo, head(repo), reuse=False) as plain:
        assert plain.pycache is None
    monkeypatch.setenv("PRACTICEGRADE_NO_CACHE", "1")
    with co.checkout(repo, head(repo)) as plain:
        assert plain.pycache is None
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_a_broken_slot_is_rebuilt(repo: Path) -> None:
    commit = head(repo)
    with co.checkout(repo, commit) as one:
        slot = one.root
    (slot / ".git").write_text("gitdir: /nowhere\n")
    with co.checkout(repo, commit) as again:
        assert again.root == slot and _content(slot) == FILES
    subprocess.run(["rm", "-rf", str(slot)], check=True)  # a cache folder cleaned by hand
    with co.checkout(repo, commit) as rebuilt:
        assert rebuilt.root == slot and _content(slot) == FILES


def test_a_missing_but_locked_registration_does_not_block_the_slot(repo: Path) -> None:
    commit = head(repo)
    with co.checkout(repo, commit) as one:
        slot = one.root
    git(repo, "worktree", "lock", str(slot))
    subprocess.run(["rm", "-rf", str(slot)], check=True)
    with co.checkout(repo, commit) as again:
        assert again.root == slot and _content(slot) == FILES


def test_a_slot_pointed_at_another_repository_is_not_trusted(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", FILES)
    other = tmp_path / "other"  # a clone: it has the commit, so a checkout there would work
    subprocess.run(["git", "clone", "-q", str(repo), str(other)], check=True)
    with co.checkout(repo, head(repo)) as one:
        slot = one.root
    (slot / ".git").write_text(f"gitdir: {other / '.git'}\n")  # what a hostile test could do
    with co.checkout(repo, head(repo)) as again:
        assert again.pycache is not None and _content(again.root) == FILES
    assert git(other, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(other, "status", "--porcelain") == ""


def test_a_slot_pointed_at_the_users_own_worktree_is_not_trusted(repo: Path) -> None:
    users = repo.parent / "users-worktree"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(users))
    write_files(users, {"pkg/value.py": "VALUE = 'work in progress'\n"})
    admin = Path(git(users, "rev-parse", "--absolute-git-dir").strip())
    with co.checkout(repo, head(repo)) as one:
        slot = one.root
    (slot / ".git").write_text(f"gitdir: {admin}\n")
    with co.checkout(repo, head(repo)) as again:
        assert _content(again.root) == FILES
    assert git(users, "symbolic-ref", "HEAD").strip() == "refs/heads/feature"
    assert (users / "pkg" / "value.py").read_text() == "VALUE = 'work in progress'\n"
    assert git(users, "status", "--porcelain").strip() == "M pkg/value.py"


def test_a_relative_gitdir_is_understood(repo: Path) -> None:
    with co.checkout(repo, head(repo)) as one:
        slot = one.root
    marker = slot / ".git"
    admin = Path(marker.read_text().split(": ", 1)[1].strip())
    marker.write_text(f"gitdir: {os.path.relpath(admin, slot)}\n")  # git >= 2.48 may write this
    common = co.common_dir(repo)
    assert common is not None
    assert co.belongs_to(slot, common)


def test_slots_of_a_deleted_repository_are_removed_unless_in_use(tmp_path: Path) -> None:
    gone = init_repo(tmp_path / "gone", FILES)
    busy = init_repo(tmp_path / "busy", FILES)
    with co.checkout(gone, head(gone)) as old:
        orphan = old.root.parent
    with co.checkout(busy, head(busy)) as in_use:
        subprocess.run(["rm", "-rf", str(gone), str(busy)], check=True)
        kept = init_repo(tmp_path / "kept", FILES)
        with co.checkout(kept, head(kept)):
            pass
        assert not orphan.exists()
        assert in_use.root.exists()  # its repository is out of sight, its grade still runs


def test_glob_metacharacters_in_module_names_are_literal(tmp_path: Path) -> None:
    prefix = tmp_path / "pycache"
    folder = co.bytecode_folder(prefix, tmp_path / "src")
    folder.mkdir(parents=True)
    (folder / "a[1].cpython-311.pyc").write_bytes(b"x")
    (folder / "a1.cpython-311.pyc").write_bytes(b"x")
    assert co.purge_bytecode(tmp_path / "src", prefix, ["a[1].py", "../a1.py", "README.md"]) == 1
    assert [p.name for p in folder.iterdir()] == ["a1.cpython-311.pyc"]


def test_the_manifest_sees_a_restored_file() -> None:
    before = {"a.py": (1, 10, 5), "b.py": (2, 11, 5)}
    after = {"a.py": (1, 10, 5), "b.py": (3, 11, 5), "c.py": (4, 12, 1)}
    assert co.changed_files(before, after) == ["b.py", "c.py"]
    assert co.changed_files(None, after) == ["a.py", "b.py", "c.py"]
