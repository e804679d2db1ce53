"""The installed pre-push hook under real ``git push``: a bare remote and a clone in tmp.

Tests that are about *which* commit gets graded against *which* base, and about failing
open, replace the grader with one that crashes (``PRACTICEGRADE_HOOK_FAULT=crash``): the
hook prints what it is about to grade, then meets a real crashed child process. The
tests at the end run the real grader.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from practicegrade import hook
from tests.helpers.repos import SAMPLE_PROJECT, commit_all, extra_worktrees, git, write_files

NO_TESTS_CONFIG = "version: 1\nhook: {tests: false}\n"
BAD_CODE = "def bad(x):\n    y = 1\n    return x\n"
GATE_CONFIG = """\
version: 1
hook: {tests: false}
competencies:
  clarity:
    criteria:
      - {metric: lint.score, target: ">= 9.9", gate: ">= 9.9"}
"""
CRASH = {hook.FAULT_ENV: "crash"}


@dataclass
class Pushed:
    returncode: int
    output: str


@dataclass
class Clone:
    remote: Path
    work: Path

    def push(
        self, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> Pushed:
        result = subprocess.run(
            ["git", "push", *args],
            cwd=cwd or self.work,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        return Pushed(result.returncode, result.stdout + result.stderr)

    def remote_oid(self, ref: str) -> str | None:
        out = subprocess.run(
            ["git", "-C", str(self.remote), "rev-parse", "--verify", "-q", ref],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return out or None

    def head(self, cwd: Path | None = None) -> str:
        return git(cwd or self.work, "rev-parse", "HEAD").strip()


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    """A bare remote holding the sample project's first commit, cloned, hook installed."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    write_files(seed, {**SAMPLE_PROJECT, "practicegrade.yml": NO_TESTS_CONFIG, "README.md": "hi\n"})
    commit_all(seed, "init")
    git(seed, "push", "-q", str(remote), "main")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    hook.install(work, sys.executable, echo=lambda _: None)
    return Clone(remote, work)


def _change(repo: Path, files: Mapping[str, str], message: str = "change") -> str:
    write_files(repo, files)
    return commit_all(repo, message)


def _grading_line(ref: str, oid: str, base: str | None) -> str:
    against = f"against {base[:10]}" if base else "(no base: all of it is new)"
    return f"practicegrade: grading {ref} at {oid[:10]} {against}"


# --------------------------------------------------------------------------- what gets graded


def test_push_without_python_changes_is_not_graded(clone: Clone) -> None:
    new = _change(clone.work, {"README.md": "more\n", "docs/guide.md": "# guide\n"})
    pushed = clone.push("origin", "main", env=CRASH)
    assert pushed.returncode == 0, pushed.output
    assert "practicegrade: main: not graded (no Python or config file changed)" in pushed.output
    assert "grading" not in pushed.output  # the crashing grader was never started
    assert clone.remote_oid("main") == new


def test_push_grades_the_pushed_commit_against_the_remote(clone: Clone) -> None:
    old = clone.head()
    new = _change(clone.work, {"src/calc/extra.py": '"""Extra."""\n'})
    # A dirty work tree does not matter: the pushed commit is what gets graded.
    (clone.work / "src" / "calc" / "ops.py").write_text("this is not python (\n")
    pushed = clone.push("origin", "main", env=CRASH)
    assert _grading_line("main", new, old) in pushed.output
    assert pushed.returncode == 0, pushed.output
    assert "warning: practicegrade could not grade this push; it goes ahead" in pushed.output
    assert "simulated crash" in pushed.output  # the child's own last words are shown
    assert clone.remote_oid("main") == new


def test_new_branch_is_graded_against_the_merge_base(clone: Clone) -> None:
    fork_point = clone.head()
    git(clone.work, "checkout", "-q", "-b", "feat")
    _change(clone.work, {"src/calc/a.py": "A = 1\n"})
    tip = _change(clone.work, {"src/calc/b.py": "B = 1\n"})
    pushed = clone.push("origin", "feat", env=CRASH)
    assert _grading_line("feat", tip, fork_point) in pushed.output
    assert clone.remote_oid("feat") == tip


def test_new_branch_without_new_commits_is_not_graded(clone: Clone) -> None:
    git(clone.work, "branch", "copy")
    pushed = clone.push("origin", "copy", env=CRASH)
    assert "practicegrade: copy: not graded (no new commits)" in pushed.output
    assert pushed.returncode == 0


def test_first_push_of_a_whole_history_has_no_base(tmp_path: Path) -> None:
    remote = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    work = tmp_path / "w"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    first = _change(work, {"app.py": "X = 1\n"})
    hook.install(work, sys.executable, echo=lambda _: None)
    pushed = Clone(remote, work).push(str(remote), "main", env=CRASH)
    assert _grading_line("main", first, None) in pushed.output
    assert pushed.returncode == 0


def test_several_refs_a_delete_a_tag_and_notes_in_one_push(clone: Clone) -> None:
    git(clone.work, "branch", "old")
    clone.push("origin", "old", env=CRASH)
    base = clone.head()
    main_tip = _change(clone.work, {"src/calc/m.py": "M = 1\n"})
    git(clone.work, "checkout", "-q", "-b", "feat")
    feat_tip = _change(clone.work, {"src/calc/f.py": "F = 1\n"})
    git(clone.work, "tag", "-a", "-m", "v1", "v1")
    git(clone.work, "notes", "--ref", "practicegrade", "add", "-m", "{}", "HEAD")
    pushed = clone.push(
        "origin", "main", "feat", ":old", "v1", "refs/notes/practicegrade", env=CRASH
    )
    out = pushed.output
    assert pushed.returncode == 0, out
    assert _grading_line("main", main_tip, base) in out
    assert _grading_line("feat", feat_tip, base) in out
    assert "practicegrade: old: not graded (deleted)" in out
    assert "practicegrade: v1: not graded (a tag; hook.tags: true grades tags)" in out
    assert "practicegrade: refs/notes/practicegrade: not graded (not a branch)" in out
    assert clone.remote_oid("old") is None
    assert clone.remote_oid("feat") == feat_tip
    assert clone.remote_oid("refs/notes/practicegrade") is not None


def test_tags_are_graded_when_asked(clone: Clone) -> None:
    config = "version: 1\nhook: {tests: false, tags: true}\n"
    base = _change(clone.work, {"practicegrade.yml": config})
    clone.push("origin", "main", env={hook.SKIP_ENV: "1"})
    tip = _change(clone.work, {"src/calc/t.py": "T = 1\n"})
    git(clone.work, "tag", "-a", "-m", "release", "v2")
    pushed = clone.push("origin", "v2", env=CRASH)
    # An annotated tag: the tag object is pushed, the commit it points at is graded.
    assert _grading_line("v2", tip, base) in pushed.output
    # A tag on a commit the remote already has brings nothing new.
    git(clone.work, "tag", "v0", base)
    pushed = clone.push("origin", "v0", env=CRASH)
    assert "practicegrade: v0: not graded (no new commits)" in pushed.output


def test_detached_head_push(clone: Clone) -> None:
    base = clone.head()
    git(clone.work, "checkout", "-q", "--detach")
    tip = _change(clone.work, {"src/calc/d.py": "D = 1\n"})
    pushed = clone.push("origin", "HEAD:refs/heads/x", env=CRASH)
    assert _grading_line("x", tip, base) in pushed.output
    assert clone.remote_oid("x") == tip


def test_push_another_commit_than_head(clone: Clone) -> None:
    base = clone.head()
    middle = _change(clone.work, {"src/calc/one.py": "ONE = 1\n"})
    _change(clone.work, {"src/calc/two.py": "TWO = 2\n"})
    pushed = clone.push("origin", "HEAD~1:refs/heads/main", env=CRASH)
    assert _grading_line("main", middle, base) in pushed.output
    assert clone.remote_oid("main") == middle


def test_push_from_a_worktree(clone: Clone, tmp_path: Path) -> None:
    base = clone.head()
    tree = tmp_path / "wt"
    git(clone.work, "worktree", "add", "-q", "-b", "wt-branch", str(tree))
    tip = _change(tree, {"src/calc/w.py": "W = 1\n"})
    pushed = clone.push("origin", "wt-branch", env=CRASH, cwd=tree)
    assert _grading_line("wt-branch", tip, base) in pushed.output
    assert clone.remote_oid("wt-branch") == tip


def test_remote_moved_since_last_fetch(clone: Clone, tmp_path: Path) -> None:
    """The remote oid is unknown here: compare with what we last saw of the remote."""
    seen = clone.head()
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(clone.remote), str(other))
    theirs = _change(other, {"NOTES.md": "theirs\n"})
    git(other, "push", "-q", "--no-verify", "origin", "main")
    mine = _change(clone.work, {"src/calc/mine.py": "MINE = 1\n"})
    pushed = clone.push("--force", "origin", "main", env=CRASH)
    assert theirs[:10] not in pushed.output
    assert _grading_line("main", mine, seen) in pushed.output
    assert clone.remote_oid("main") == mine


# --------------------------------------------------------------------------- bypass and recursion


def test_skip_variable_and_no_verify_bypass(clone: Clone) -> None:
    _change(clone.work, {"src/calc/s.py": "S = 1\n"})
    pushed = clone.push("origin", "main", env={hook.SKIP_ENV: "1", **CRASH})
    assert pushed.returncode == 0
    assert "practicegrade: skipped (PRACTICEGRADE_SKIP is set)" in pushed.output
    _change(clone.work, {"src/calc/t.py": "T = 1\n"})
    pushed = clone.push("--no-verify", "origin", "main", env=CRASH)
    assert pushed.returncode == 0
    assert "practicegrade" not in pushed.output


def test_push_from_inside_the_hook_does_not_recurse(clone: Clone) -> None:
    _change(clone.work, {"src/calc/r.py": "R = 1\n"})
    pushed = clone.push("origin", "main", env={hook.IN_HOOK_ENV: "1", **CRASH})
    assert pushed.returncode == 0
    assert "practicegrade" not in pushed.output


# --------------------------------------------------------------------------- the shim's fallbacks


def _set_install_python(clone: Clone, python: str) -> None:
    path = clone.work / ".git" / "hooks" / "pre-push"
    text = path.read_text()
    start = text.index("INSTALL_PYTHON=")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"INSTALL_PYTHON='{python}'" + text[end:])


def test_missing_interpreter_lets_the_push_through_with_a_hint(clone: Clone) -> None:
    _set_install_python(clone, "/nonexistent/python3")
    new = _change(clone.work, {"src/calc/n.py": "N = 1\n"})
    pushed = clone.push("origin", "main", env={"PATH": "/usr/bin:/bin"})
    assert pushed.returncode == 0, pushed.output
    assert "practicegrade: warning: not found" in pushed.output
    assert "hint: activate the environment that has practicegrade" in pushed.output
    assert clone.remote_oid("main") == new


def test_missing_interpreter_falls_back_to_practicegrade_on_path(clone: Clone) -> None:
    _set_install_python(clone, "/nonexistent/python3")
    _change(clone.work, {"README.md": "path fallback\n"})
    bin_dir = str(Path(sys.executable).parent)
    pushed = clone.push("origin", "main", env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert pushed.returncode == 0
    assert "practicegrade: main: not graded (no Python or config file changed)" in pushed.output


def test_interpreter_without_practicegrade_fails_open(clone: Clone) -> None:
    """The venv was rebuilt without us: Python exits 1 on import, which must not block."""
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    probe = subprocess.run(
        [str(base_python), "-c", "import practicegrade"], capture_output=True, check=False
    )
    if not base_python.exists() or probe.returncode == 0:
        pytest.skip("no interpreter without practicegrade available")
    _set_install_python(clone, str(base_python))
    new = _change(clone.work, {"src/calc/i.py": "I = 1\n"})
    pushed = clone.push("origin", "main")
    assert pushed.returncode == 0, pushed.output
    assert "No module named practicegrade" in pushed.output
    assert "warning: the hook itself failed (status 1)" in pushed.output
    assert clone.remote_oid("main") == new


# --------------------------------------------------------------------------- a foreign hook


LEGACY = """#!/bin/sh
cat > "{record}"
printf '%s\\n' "$@" > "{record}.args"
echo "legacy hook ran"
exit {status}
"""


def _install_foreign(clone: Clone, record: Path, status: int) -> Path:
    hooks = clone.work / ".git" / "hooks"
    path = hooks / "pre-push"
    hook.uninstall(clone.work, echo=lambda _: None)
    path.write_text(LEGACY.format(record=record, status=status))
    path.chmod(0o755)
    hook.install(clone.work, sys.executable, echo=lambda _: None)
    return path


def test_foreign_hook_runs_first_with_the_same_stdin(clone: Clone, tmp_path: Path) -> None:
    record = tmp_path / "legacy-stdin"
    _install_foreign(clone, record, 0)
    old = clone.head()
    new = _change(clone.work, {"README.md": "x\n"})
    git(clone.work, "branch", "extra")
    pushed = clone.push("origin", "main", "extra", env=CRASH)
    assert pushed.returncode == 0, pushed.output
    assert pushed.output.index("legacy hook ran") < pushed.output.index("practicegrade: main")
    expected = (
        f"refs/heads/main {new} refs/heads/main {old}\n"
        f"refs/heads/extra {new} refs/heads/extra {'0' * 40}\n"
    )
    assert record.read_text() == expected
    assert (tmp_path / "legacy-stdin.args").read_text() == f"origin\n{clone.remote}\n"
    # ... and practicegrade saw both refs too.
    assert "practicegrade: main: not graded (no Python or config file changed)" in pushed.output
    assert "practicegrade: extra: not graded (no Python or config file changed)" in pushed.output


def test_foreign_hook_failure_blocks_and_uninstall_restores_it(
    clone: Clone, tmp_path: Path
) -> None:
    record = tmp_path / "legacy-stdin"
    foreign = _install_foreign(clone, record, 3)
    before = clone.remote_oid("main")
    _change(clone.work, {"src/calc/l.py": "L = 1\n"})
    pushed = clone.push("origin", "main", env=CRASH)
    assert pushed.returncode != 0
    assert "practicegrade: pre-push.legacy failed (status 3): push blocked." in pushed.output
    assert "grading" not in pushed.output
    assert clone.remote_oid("main") == before
    hook.uninstall(clone.work, echo=lambda _: None)
    assert foreign.read_text() == LEGACY.format(record=record, status=3)
    assert not (foreign.parent / "pre-push.legacy").exists()


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_manifest_is_valid() -> None:
    manifest = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "validate-manifest", str(manifest)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_runs_the_hook_at_pre_push(clone: Clone, tmp_path: Path) -> None:
    """pre-commit drives `hook run --pre-commit` with the manifest's settings.

    Offline, pre-commit cannot install practicegrade from its repository, so the consumer
    config is a `repo: local` copy of our manifest entry with `language: system`.
    """
    (entry,) = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml").read_text()
    )
    bin_dir = Path(sys.executable).parent
    local = {**entry, "language": "system", "entry": f"{bin_dir}/{entry['entry']}"}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    write_files(clone.work, {".pre-commit-config.yaml": yaml.safe_dump(config)})
    commit_all(clone.work, "pre-commit config")
    hook.uninstall(clone.work, echo=lambda _: None)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(
        [str(bin_dir / "pre-commit"), "install", "--hook-type", "pre-push"],
        cwd=clone.work,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    old = clone.remote_oid("main")
    new = _change(clone.work, {"src/calc/pc.py": "PC = 1\n"})
    pushed = clone.push("origin", "main", env={**env, **CRASH})
    assert pushed.returncode == 0, pushed.output
    assert _grading_line("main", new, old) in pushed.output
    assert "practicegrade could not grade this push; it goes ahead" in pushed.output
    _change(clone.work, {"README.md": "docs only\n"})
    pushed = clone.push("origin", "main", env={**env, **CRASH})
    assert pushed.returncode == 0, pushed.output
    assert "not graded (no Python or config file changed)" in pushed.output
    # Without the crash, a failing gate blocks through pre-commit too.
    blocked = _change(clone.work, {"practicegrade.yml": GATE_CONFIG, "src/calc/w.py": BAD_CODE})
    pushed = clone.push("origin", "main", env=env)
    assert pushed.returncode != 0, pushed.output
    assert "practicegrade: push blocked: a gate failed" in pushed.output
    assert clone.remote_oid("main") != blocked


# --------------------------------------------------------------------------- the real grader


def test_strict_mode_blocks_on_our_own_crash(clone: Clone) -> None:
    before = clone.remote_oid("main")
    _change(clone.work, {"practicegrade.yml": "version: 1\nhook: {tests: false, strict: true}\n"})
    pushed = clone.push("origin", "main", env=CRASH)
    assert pushed.returncode == 1
    assert "push blocked: practicegrade could not grade it (hook.strict is true)" in pushed.output
    assert clone.remote_oid("main") == before


def test_grader_timeout_fails_open(clone: Clone) -> None:
    new = _change(
        clone.work, {"practicegrade.yml": "version: 1\nhook: {tests: false, timeout_s: 5}\n"}
    )
    started = time.monotonic()
    pushed = clone.push("origin", "main", env={hook.FAULT_ENV: "hang"})
    assert time.monotonic() - started < 12  # within hook.timeout_s, plus git and load
    assert pushed.returncode == 0
    assert "grading did not finish within hook.timeout_s (5 s) and was stopped" in pushed.output
    assert clone.remote_oid("main") == new


def _note_lines(repo: Path, commit: str) -> list[dict[str, object]]:
    done = subprocess.run(
        ["git", "-C", str(repo), "notes", "--ref", "practicegrade", "show", commit],
        capture_output=True,
        text=True,
        check=False,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_good_push_passes_shows_the_summary_and_notes_the_grade(clone: Clone) -> None:
    base = clone.head()
    more = '"""More."""\n\n\ndef double(x):\n    """Twice."""\n    return 2 * x\n'
    new = _change(clone.work, {"src/calc/more.py": more})
    pushed = clone.push("origin", "main")
    assert pushed.returncode == 0, pushed.output
    assert _grading_line("main", new, base) in pushed.output
    assert "PASS" in pushed.output
    assert "lint.score" in pushed.output
    assert "warning" not in pushed.output
    assert clone.remote_oid("main") == new
    (note,) = _note_lines(clone.work, new)
    assert note["source"] == "hook"
    assert isinstance(note["metrics"], dict)
    assert "lint.score" in note["metrics"]
    assert "tests.passed" not in note["metrics"]  # hook: {tests: false}
    # The grade ran on the pushed commit: the work tree holds no artifacts of it.
    assert not (clone.work / ".practicegrade" / "out").exists()


def test_failing_gate_blocks_the_push_with_a_readable_message(clone: Clone) -> None:
    before = clone.remote_oid("main")
    new = _change(
        clone.work,
        {
            "practicegrade.yml": GATE_CONFIG,
            "src/calc/worse.py": BAD_CODE,
        },
    )
    pushed = clone.push("origin", "main")
    assert pushed.returncode == 1, pushed.output
    out = pushed.output
    assert "FAIL" in out
    assert "practicegrade: push blocked: a gate failed (the agreed floor was not reached)" in out
    assert re.search(r"main \([0-9a-f]{10}\): lint\.score = \d+(\.\d\d?)? \(gate >= 9\.9\)", out)
    assert "git push --no-verify" in out
    assert "PRACTICEGRADE_SKIP=1 git push" in out
    assert clone.remote_oid("main") == before
    # The bypass works, and the mentee's grade was noted either way.
    assert clone.push("origin", "main", env={hook.SKIP_ENV: "1"}).returncode == 0
    assert clone.remote_oid("main") == new
    assert [n["source"] for n in _note_lines(clone.work, new)] == ["hook"]


def test_advisory_gates_warn_but_let_the_push_through(clone: Clone) -> None:
    new = _change(
        clone.work,
        {
            "practicegrade.yml": GATE_CONFIG + "gates: advisory\n",
            "src/calc/worse.py": BAD_CODE,
        },
    )
    pushed = clone.push("origin", "main")
    assert pushed.returncode == 0, pushed.output
    assert "push blocked" not in pushed.output
    assert clone.remote_oid("main") == new


def _processes_under(folder: Path) -> list[int]:
    """Pids whose working directory is inside ``folder``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if cwd == folder or folder in cwd.parents:
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_a_stopped_grader_leaves_nothing_behind(clone: Clone) -> None:
    slow = "import time\n\n\ndef test_slow():\n    time.sleep(10)\n"
    config = "version: 1\nhook: {tests: true, timeout_s: 6}\n"
    _change(clone.work, {"tests/test_slow.py": slow, "practicegrade.yml": config})
    pushed = clone.push("origin", "main")
    assert "did not finish within hook.timeout_s (6 s)" in pushed.output
    trees = [
        Path(line.split(" ", 1)[1])
        for line in git(clone.work, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    leaked = extra_worktrees(clone.work)
    orphans = [pid for tree in trees[1:] for pid in _processes_under(tree)]
    try:
        assert leaked == []
        assert orphans == []
    finally:
        deadline = time.monotonic() + 15
        while any(_processes_under(t) for t in trees[1:]) and time.monotonic() < deadline:
            time.sleep(0.2)  # the orphaned test run ends on its own within 10 s
        for tree in leaked:
            git(clone.work, "worktree", "remove", "--force", str(tree))
            if tree.parent.name.startswith("practicegrade-"):
                shutil.rmtree(tree.parent, ignore_errors=True)


def test_push_from_a_submodule(tmp_path: Path) -> None:
    """A submodule's git dir lives in the superproject's .git/modules: hooks go there."""
    lib_remote = tmp_path / "lib.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(lib_remote))
    seed = tmp_path / "lib-seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    _change(seed, {"lib.py": "X = 1\n"})
    git(seed, "push", "-q", str(lib_remote), "main")
    sup = tmp_path / "super"
    git(tmp_path, "init", "-q", "-b", "main", str(sup))
    git(sup, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib_remote), "lib")
    sub = sup / "lib"
    installed = hook.install(sub, sys.executable, echo=lambda _: None)
    assert installed == sup / ".git" / "modules" / "lib" / "hooks" / "pre-push"
    git(sub, "checkout", "-q", "main")
    base = git(sub, "rev-parse", "HEAD").strip()
    tip = _change(sub, {"lib.py": "X = 2\n"})
    pushed = Clone(lib_remote, sub).push("origin", "main", env=CRASH)
    assert _grading_line("main", tip, base) in pushed.output
    assert pushed.returncode == 0, pushed.output


def test_an_invalid_config_pushed_blocks_the_push_and_says_where(clone: Clone) -> None:
    """A broken model pushed is the mentee's input, not our failure: it blocks with the
    exit-2 message (file, key, fix), before any grading (issue 12's leftover)."""
    before = clone.remote_oid("main")
    _change(
        clone.work,
        {"practicegrade.yml": "version: 1\nhook: {timeout_s: soon}\n", "src/calc/c.py": "C = 1\n"},
    )
    pushed = clone.push("origin", "main", env=CRASH)
    assert pushed.returncode == 1, pushed.output
    assert (
        "practicegrade: push blocked: the pushed configuration is invalid (exit 2)" in pushed.output
    )
    assert "practicegrade.yml" in pushed.output
    assert "timeout_s" in pushed.output
    assert "git push --no-verify" in pushed.output
    assert "practicegrade: grading" not in pushed.output, "nothing is graded with a broken model"
    assert clone.remote_oid("main") == before


def test_an_invalid_tool_table_in_pyproject_blocks_too(clone: Clone) -> None:
    before = clone.remote_oid("main")
    git(clone.work, "rm", "-q", "practicegrade.yml")
    pyproject = SAMPLE_PROJECT["pyproject.toml"]
    assert isinstance(pyproject, str)
    table = '\n[tool.practicegrade]\nversion = 1\ngates = "sometimes"\n'
    _change(clone.work, {"pyproject.toml": pyproject + table, "src/calc/c.py": "C = 1\n"})
    pushed = clone.push("origin", "main", env=CRASH)
    assert pushed.returncode == 1, pushed.output
    assert "the pushed configuration is invalid" in pushed.output
    assert "pyproject.toml" in pushed.output and "gates" in pushed.output
    assert clone.remote_oid("main") == before


def test_an_invalid_config_only_in_the_work_tree_warns_and_grades_the_pushed_commit(
    clone: Clone,
) -> None:
    """An uncommitted edit must not block a push of commits whose own model is fine."""
    new = _change(clone.work, {"src/calc/c.py": "C = 1\n"})
    (clone.work / "practicegrade.yml").write_text("version: 1\nhook: {timeout_s: soon}\n")
    pushed = clone.push("origin", "main", env=CRASH)
    assert "warning: the work tree's configuration is invalid" in pushed.output
    assert "timeout_s" in pushed.output
    assert f"practicegrade: grading main at {new[:10]}" in pushed.output
    assert "the pushed configuration is invalid" not in pushed.output
    assert pushed.returncode == 0, pushed.output  # the crashing grader fails open
    assert clone.remote_oid("main") == new


def test_collect_only_in_addopts_blocks_the_push(clone: Clone) -> None:
    """Tests collected and not run fail their gates in the hook too (issue 12): a pushed
    ``addopts = --co`` is never a pass, and the message names the setting."""
    before = clone.remote_oid("main")
    _change(
        clone.work,
        {"pytest.ini": "[pytest]\naddopts = --co\n", "practicegrade.yml": "version: 1\n"},
    )
    pushed = clone.push("origin", "main")
    assert pushed.returncode == 1, pushed.output
    assert "practicegrade: push blocked: a gate failed" in pushed.output
    assert "--collect-only (addopts in pytest.ini)" in pushed.output
    assert clone.remote_oid("main") == before
