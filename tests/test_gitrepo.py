"""The git seam: parsers on recorded output, and real temporary repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from practicegrade import gitrepo
from practicegrade.cache import blob_sha
from practicegrade.errors import GitError
from tests.helpers.repos import commit_files, git, init_repo, write_files

DIFF_U0 = """\
diff --git a/a.py b/a.py
index 1111111..2222222 100644
--- a/a.py
+++ b/a.py
@@ -1,0 +2,2 @@ def f():
+    x = 1
+    y = 2
@@ -10 +12 @@ def g():
-    return 1
+    return 2
@@ -20,3 +21,0 @@ def h():
-    a
-    b
-    c
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1,2 +0,0 @@
-x
-y
diff --git "a/caf\\303\\251 x.py" "b/caf\\303\\251 x.py"
--- "a/caf\\303\\251 x.py"
+++ "b/caf\\303\\251 x.py"
@@ -0,0 +1 @@
+print("hi")
"""


def test_parse_unified_zero_counts_added_lines_on_the_new_side() -> None:
    assert gitrepo.parse_unified_zero(DIFF_U0) == {
        "a.py": [2, 3, 12],
        "café x.py": [1],
    }


def test_parse_raw_diff_reads_renames_and_plain_changes() -> None:
    raw = (
        ":100644 100644 aaa bbb M\0src/a.py\0"
        ":100644 100644 ccc ddd R087\0src/old.py\0src/new.py\0"
        ":000000 100644 000 eee A\0src/added.py\0"
    )
    changes = gitrepo.parse_raw_diff(raw)
    assert [(c.status, c.path, c.old_path) for c in changes] == [
        ("M", "src/a.py", None),
        ("A", "src/added.py", None),
        ("R", "src/new.py", "src/old.py"),
    ]


def test_parse_notes_log_keeps_subjects_and_multi_line_notes() -> None:
    out = (
        "\x1eabc\x001700000000\x00fix: a | b\x00line1\nline2\n\n"
        "\x1edef\x001700000100\x00second\x00\n"
    )
    entries = gitrepo.parse_notes_log(out)
    assert [(e.commit, e.committed, e.subject) for e in entries] == [
        ("abc", 1700000000, "fix: a | b"),
        ("def", 1700000100, "second"),
    ]
    assert entries[0].note.splitlines()[:2] == ["line1", "line2"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo", {"src/a.py": "x = 1\n", "README.md": "hi\n"})


def test_head_info_and_a_repo_without_commits(repo: Path, tmp_path: Path) -> None:
    info = gitrepo.head_info(repo)
    assert info.commit == git(repo, "rev-parse", "HEAD").strip()
    assert info.tree == git(repo, "rev-parse", "HEAD^{tree}").strip()
    assert info.branch == "main"
    assert not info.dirty
    empty = init_repo(tmp_path / "empty")
    assert gitrepo.head_info(empty).commit is None
    assert not gitrepo.has_commits(empty)


def test_resolve_commit_errors_say_how_to_fix(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(GitError) as unknown:
        gitrepo.resolve_commit(repo, "no-such-branch")
    assert "unknown revision" in unknown.value.message
    assert unknown.value.hint
    empty = init_repo(tmp_path / "empty")
    with pytest.raises(GitError) as nothing:
        gitrepo.resolve_commit(empty, "HEAD")
    assert "no commits" in nothing.value.message
    assert "commit" in (nothing.value.hint or "")


def test_a_shallow_clone_without_the_base_says_unshallow(repo: Path, tmp_path: Path) -> None:
    for i in range(3):
        commit_files(repo, {"src/a.py": f"x = {i}\n"}, f"c{i}")
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True
    )
    assert gitrepo.is_shallow(shallow)
    with pytest.raises(GitError) as missing:
        gitrepo.resolve_commit(shallow, "HEAD~2")
    assert "git fetch --unshallow" in (missing.value.hint or "")
    assert "fetch-depth: 0" in (missing.value.hint or "")


def test_auto_base_prefers_the_upstream_then_the_default_branch(repo: Path, tmp_path: Path) -> None:
    main_tip = git(repo, "rev-parse", "HEAD").strip()
    head = commit_files(repo, {"src/b.py": "y = 2\n"}, "feature work", branch="feature")
    choice = gitrepo.auto_base(repo, head)
    assert choice is not None
    assert choice == gitrepo.BaseChoice(ref="main", commit=main_tip)
    # An upstream wins over the default branch.
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "feature")
    newer = commit_files(repo, {"src/b.py": "y = 3\n"}, "more")
    choice = gitrepo.auto_base(repo, newer)
    assert choice is not None
    assert choice.ref == "origin/feature"
    assert choice.commit == head


def test_worktree_is_removed_and_the_users_state_untouched(repo: Path) -> None:
    write_files(repo, {"src/a.py": "x = 'dirty'\n", "staged.py": "s = 1\n"})
    git(repo, "add", "staged.py")
    before = (
        git(repo, "status", "--porcelain"),
        git(repo, "stash", "list"),
        (repo / "src/a.py").read_text(),
    )
    commit = git(repo, "rev-parse", "HEAD").strip()
    with gitrepo.worktree(repo, commit) as folder:
        assert (folder / "src/a.py").read_text() == "x = 1\n"
        assert len(git(repo, "worktree", "list").splitlines()) == 2
    assert not folder.exists()
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    after = (
        git(repo, "status", "--porcelain"),
        git(repo, "stash", "list"),
        (repo / "src/a.py").read_text(),
    )
    assert after == before


def test_worktree_is_removed_when_the_body_fails(repo: Path) -> None:
    commit = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(RuntimeError), gitrepo.worktree(repo, commit) as folder:
        raise RuntimeError("boom")
    assert not folder.exists()
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_changed_files_list_and_cat_blobs_in_one_process(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "mv", "src/a.py", "src/renamed.py")
    head = commit_files(repo, {"src/new.py": "n = 1\n"}, "rename and add")
    changes = gitrepo.changed_files(repo, base, head)
    assert [(c.status, c.path, c.old_path) for c in changes] == [
        ("A", "src/new.py", None),
        ("R", "src/renamed.py", "src/a.py"),
    ]
    tree = gitrepo.list_tree(repo, head)
    assert tree["src/new.py"] == blob_sha(b"n = 1\n")
    blobs = gitrepo.cat_blobs(repo, [tree["src/new.py"], tree["README.md"], "0" * 40])
    assert blobs == {tree["src/new.py"]: b"n = 1\n", tree["README.md"]: b"hi\n"}


def test_git_path_points_into_the_common_git_dir(repo: Path) -> None:
    assert gitrepo.git_path(repo, "practicegrade.lock") == (repo / ".git" / "practicegrade.lock")
