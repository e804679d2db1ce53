"""Reusable worktree slots: right content every time, bytecode kept only where still valid."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from practicegrade import checkout as co
from tests.helpers.repos import commit_all, extra_worktrees, git, init_repo, write_files

FILES = {
    "pkg/__init__.py": "",
    "pkg/value.py": "VALUE = 1\n",
    "pkg/other.py": "OTHER = 'o'\n",
    "pkg/sub/__init__.py": "SUB = True\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo", FILES)


def _python(folder: Path, code: str) -> str:
    """Run ``code`` in a real interpreter that writes bytecode, as a test run would."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _import_value(folder: Path) -> str:
    return _python(folder, "import pkg.value, pkg.other; print(pkg.value.VALUE)")


def _tracked_content(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts
    }


def test_a_slot_is_reused_and_holds_exactly_the_commit(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, first) as one:
        assert one.owned
        assert _tracked_content(one.root) == FILES
        assert _import_value(one.root) == "1"
        (one.root / "leftover.txt").write_text("a test wrote this\n")
        (one.root / "pkg" / "__pycache__" / "state.json").write_text("{}")
        (one.root / "stray.pyc").write_bytes(b"")
        (one.root / "pkg" / "other.py").write_text("OTHER = 'edited by a test'\n")
    write_files(repo, {"pkg/value.py": "VALUE = 2\n"})
    second = commit_all(repo, "two")
    with co.checkout(repo, second) as two:
        assert two.root == one.root
        assert _tracked_content(two.root) == {**FILES, "pkg/value.py": "VALUE = 2\n"}
        assert not (two.root / "pkg" / "__pycache__" / "state.json").exists()
        assert not (two.root / "stray.pyc").exists()
        kept = two.root / "pkg" / "__pycache__"
        assert any(kept.glob("__init__.*.pyc"))  # unchanged: its bytecode stays
        assert not any(kept.glob("other.*.pyc"))  # edited by the "test": purged
        assert _import_value(two.root) == "2"
    assert git(repo, "status", "--porcelain") == ""
    assert extra_worktrees(repo) == []


def test_bytecode_of_changed_files_goes_and_the_rest_stays(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, first) as one:
        _import_value(one.root)
        cache = one.root / "pkg" / "__pycache__"
        kept = next(cache.glob("other.*.pyc"))
        stamp = kept.stat().st_mtime_ns
    # Same size, so only the modification time could tell the old bytecode apart.
    write_files(repo, {"pkg/value.py": "VALUE = 9\n"})
    second = commit_all(repo, "same size")
    with co.checkout(repo, second) as two:
        assert list(cache.glob("value.*.pyc")) == []
        assert kept.stat().st_mtime_ns == stamp
        assert _import_value(two.root) == "9"


def test_a_test_that_edits_a_tracked_file_loses_its_bytecode(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, first) as one:
        (one.root / "pkg" / "value.py").write_text("VALUE = 5\n")  # same size
        assert _import_value(one.root) == "5"
    with co.checkout(repo, first) as again:
        assert _import_value(again.root) == "1"


def test_a_deleted_package_does_not_survive_as_a_bytecode_folder(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, first) as one:
        _python(one.root, "import pkg.sub")
        assert (one.root / "pkg" / "sub" / "__pycache__").is_dir()
    git(repo, "rm", "-rq", "pkg/sub")
    second = commit_all(repo, "drop sub")
    with co.checkout(repo, second) as two:
        assert not (two.root / "pkg" / "sub").exists()
        assert _python(two.root, "import importlib.util as u; print(u.find_spec('pkg.sub'))") == (
            "None"
        )


def test_busy_slots_fall_back_to_a_temporary_worktree(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    folder = co.slots_folder(repo)
    assert folder is not None
    held = []
    for number in range(co.SLOTS):
        fd = os.open(folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.append(fd)
    try:
        with co.checkout(repo, commit) as fallback:
            assert not fallback.owned
            assert not fallback.root.is_relative_to(folder)
            assert _tracked_content(fallback.root) == FILES
    finally:
        for fd in held:
            os.close(fd)
    assert extra_worktrees(repo) == []


def test_two_at_once_get_two_slots(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, commit) as head, co.checkout(repo, commit) as base:
        assert head.owned and base.owned
        assert head.root != base.root


def test_no_cache_means_no_slot(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRACTICEGRADE_NO_CACHE", "1")
    with co.checkout(repo, git(repo, "rev-parse", "HEAD").strip()) as plain:
        assert not plain.owned
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_a_broken_slot_is_rebuilt(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, commit) as one:
        slot = one.root
    (slot / ".git").write_text("gitdir: /nowhere\n")
    with co.checkout(repo, commit) as again:
        assert again.owned and again.root == slot
        assert _tracked_content(slot) == FILES
    # Its folder deleted by hand (a cleaned cache): rebuilt too.
    subprocess.run(["rm", "-rf", str(slot)], check=True)
    with co.checkout(repo, commit) as rebuilt:
        assert rebuilt.owned and _tracked_content(rebuilt.root) == FILES


def test_a_slot_pointed_at_another_repository_is_not_trusted(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", FILES)
    other = tmp_path / "other"  # a clone: it has the commit, so a checkout there would work
    subprocess.run(["git", "clone", "-q", str(repo), str(other)], check=True)
    other_head = git(other, "rev-parse", "HEAD").strip()
    commit = git(repo, "rev-parse", "HEAD").strip()
    with co.checkout(repo, commit) as one:
        slot = one.root
    (slot / ".git").write_text(f"gitdir: {other / '.git'}\n")  # what a hostile test could do
    with co.checkout(repo, commit) as again:
        assert again.owned and _tracked_content(again.root) == FILES
    assert git(other, "rev-parse", "HEAD").strip() == other_head
    assert git(other, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(other, "status", "--porcelain") == ""


def test_slots_of_a_deleted_repository_are_removed(tmp_path: Path) -> None:
    gone = init_repo(tmp_path / "gone", FILES)
    with co.checkout(gone, git(gone, "rev-parse", "HEAD").strip()) as old:
        orphan = old.root.parent
    subprocess.run(["rm", "-rf", str(gone)], check=True)
    kept = init_repo(tmp_path / "kept", FILES)
    with co.checkout(kept, git(kept, "rev-parse", "HEAD").strip()):
        pass
    assert not orphan.exists()


def test_purge_never_follows_a_symlinked_pycache(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "mod.cpython-311.pyc"
    victim.write_bytes(b"x")
    root = tmp_path / "slot"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__pycache__").symlink_to(outside)
    real = root / "__pycache__"
    real.mkdir()
    (real / "mod.cpython-311.pyc").write_bytes(b"x")
    (real / "mod.cpython-311-pytest-9.2.0.pyc").write_bytes(b"x")
    (real / "model.cpython-311.pyc").write_bytes(b"x")
    removed = co.purge_bytecode(root, ["pkg/mod.py", "mod.py", "../x.py", "README.md"])
    assert removed == 2
    assert victim.exists()
    assert sorted(p.name for p in real.iterdir()) == ["model.cpython-311.pyc"]


def test_glob_metacharacters_in_module_names_are_literal(tmp_path: Path) -> None:
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    (cache / "a[1].cpython-311.pyc").write_bytes(b"x")
    (cache / "a1.cpython-311.pyc").write_bytes(b"x")
    assert co.purge_bytecode(tmp_path, ["a[1].py"]) == 1
    assert [p.name for p in cache.iterdir()] == ["a1.cpython-311.pyc"]
