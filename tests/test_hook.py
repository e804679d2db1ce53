"""The pre-push hook: pure parsing and decisions, install/uninstall on real repositories.

Real pushes through the installed hook live in ``test_hook_e2e.py``.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from practicegrade import hook
from practicegrade.cli import main
from practicegrade.errors import UsageError
from practicegrade.hook import PushedRef, classify_grade, parse_pre_push, skip_reason
from tests.helpers.repos import git, init_repo

REPO_ROOT = Path(__file__).resolve().parents[1]
A = "a" * 40
B = "b" * 40
Z40 = "0" * 40
Z64 = "0" * 64
C64 = "c" * 64


# --------------------------------------------------------------------------- parsing


def test_parse_new_branch() -> None:
    (ref,) = parse_pre_push(f"refs/heads/feat {A} refs/heads/feat {Z40}\n".encode())
    assert ref == PushedRef("refs/heads/feat", A, "refs/heads/feat", Z40)
    assert ref.is_new
    assert not ref.is_delete
    assert not ref.is_tag
    assert ref.name == "feat"


def test_parse_delete() -> None:
    (ref,) = parse_pre_push(f"(delete) {Z40} refs/heads/old {B}\n".encode())
    assert ref.is_delete
    assert not ref.is_new
    assert skip_reason(ref, tags=True) == "deleted"


def test_parse_tag() -> None:
    (ref,) = parse_pre_push(f"refs/tags/v1 {A} refs/tags/v1 {Z40}\n".encode())
    assert ref.is_tag
    assert ref.name == "v1"
    assert skip_reason(ref, tags=False) is not None
    assert skip_reason(ref, tags=True) is None


def test_parse_relative_local_side() -> None:
    (ref,) = parse_pre_push(f"HEAD~1 {A} refs/heads/x {B}\n".encode())
    assert ref == PushedRef("HEAD~1", A, "refs/heads/x", B)
    assert skip_reason(ref, tags=False) is None


def test_parse_local_ref_with_spaces() -> None:
    """`git push origin 'HEAD^{/fix the bug}:refs/heads/x'`: split from the right."""
    (ref,) = parse_pre_push(f"HEAD^{{/fix the  bug}} {A} refs/heads/x {B}\n".encode())
    assert ref.local_ref == "HEAD^{/fix the  bug}"
    assert (ref.local_oid, ref.remote_ref, ref.remote_oid) == (A, "refs/heads/x", B)


def test_parse_several_refs_keeps_order() -> None:
    data = (
        f"refs/heads/main {A} refs/heads/main {B}\n"
        f"refs/heads/feat {B} refs/heads/feat {Z40}\n"
        f"(delete) {Z40} refs/heads/gone {A}\n"
    ).encode()
    refs = parse_pre_push(data)
    assert [r.remote_ref for r in refs] == ["refs/heads/main", "refs/heads/feat", "refs/heads/gone"]
    assert [skip_reason(r, tags=False) for r in refs] == [None, None, "deleted"]


@pytest.mark.parametrize("data", [b"", b"\n", b"\r\n\n"])
def test_parse_empty_stdin(data: bytes) -> None:
    assert parse_pre_push(data) == ()


def test_parse_sha256_oids() -> None:
    refs = parse_pre_push(
        f"refs/heads/main {C64} refs/heads/main {Z64}\n"
        f"(delete) {Z64} refs/heads/x {C64}\r\n".encode()
    )
    assert refs[0].is_new
    assert not refs[0].is_delete
    assert refs[1].is_delete


def test_parse_without_trailing_newline_and_non_utf8_name() -> None:
    (ref,) = parse_pre_push(b"refs/heads/caf\xe9 " + A.encode() + b" refs/heads/x " + B.encode())
    assert ref.local_ref.startswith("refs/heads/caf")
    assert ref.local_oid == A


@pytest.mark.parametrize(
    "line",
    [
        f"refs/heads/x {A} refs/heads/x",
        f"refs/heads/x nothex refs/heads/x {B}",
        f"x {A[:39]} y {B}",
    ],
)
def test_parse_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(ValueError, match="unexpected pre-push input"):
        parse_pre_push(line.encode())


@pytest.mark.parametrize(
    ("oid", "zero"),
    [(Z40, True), (Z64, True), ("", False), ("0" * 39 + "1", False), (A, False)],
)
def test_is_zero_oid(oid: str, zero: bool) -> None:
    assert hook.is_zero_oid(oid) is zero


@pytest.mark.parametrize(
    ("remote_ref", "reason"),
    [
        ("refs/heads/main", None),
        ("refs/notes/practicegrade", "not a branch"),
        ("refs/for/main", "not a branch"),
        ("HEAD", "not a branch"),
    ],
)
def test_skip_reason_only_branches(remote_ref: str, reason: str | None) -> None:
    assert skip_reason(PushedRef("x", A, remote_ref, B), tags=True) == reason


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], False),
        (["README.md", "docs/index.md", "data.csv"], False),
        (["README.md", "src/pkg/mod.py"], True),
        (["stubs/mod.pyi"], True),
        (["practicegrade.yml"], True),
        (["sub/pyproject.toml"], True),
        ([".coveragerc"], True),
        (["notes.py.txt"], False),
    ],
)
def test_touches_grading(paths: list[str], expected: bool) -> None:
    assert hook.touches_grading(paths) is expected


def test_refs_from_pre_commit() -> None:
    env = {
        "PRE_COMMIT_FROM_REF": B,
        "PRE_COMMIT_TO_REF": A,
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
    }
    assert hook.refs_from_pre_commit(env) == (A, B, "refs/heads/main", "origin")
    # A push that starts at a root commit: pre-commit sets no from/to refs.
    root_push = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "o"}
    assert hook.refs_from_pre_commit(root_push) == ("refs/heads/main", None, "refs/heads/HEAD", "o")
    assert hook.refs_from_pre_commit({}) == ("HEAD", None, "refs/heads/HEAD", None)


# --------------------------------------------------------------------------- decisions

FAIL_REPORT = {
    "evaluation": {
        "verdict": "fail",
        "competencies": [
            {
                "criteria": [
                    {"metric": "lint.score", "value": 7.4567, "gate": ">= 9.9", "gate_failed": 1},
                    {"metric": "tests.failed", "value": 0.0, "gate": "== 0", "gate_failed": False},
                    {
                        "metric": "coverage.line_pct",
                        "value": None,
                        "gate": ">= 60",
                        "gate_failed": True,
                    },
                ]
            }
        ],
    }
}


@pytest.mark.parametrize(
    ("returncode", "timed_out", "report", "status"),
    [
        (0, False, {"evaluation": {"verdict": "pass"}}, "pass"),
        (0, False, {"evaluation": {"verdict": "warn"}}, "pass"),
        (0, False, None, "pass"),
        (1, False, FAIL_REPORT, "blocked"),
        (1, False, None, "error"),  # a Python that died before our boundary
        (1, False, {"evaluation": {"verdict": "pass"}}, "error"),
        (2, False, None, "error"),
        (3, False, None, "error"),
        (-9, False, None, "error"),
        (1, True, FAIL_REPORT, "error"),  # killed at the deadline: never a verdict
    ],
)
def test_classify_grade(
    returncode: int, timed_out: bool, report: dict[str, object] | None, status: str
) -> None:
    got, problem = classify_grade(returncode, timed_out, report, 120)
    assert got == status
    assert (problem is None) is (status != "error")


def test_classify_grade_timeout_names_the_limit() -> None:
    _, problem = classify_grade(-15, True, None, 42)
    assert problem is not None
    assert "hook.timeout_s (42 s)" in problem


def test_failed_gates_lists_each_failed_criterion() -> None:
    assert hook.failed_gates(FAIL_REPORT) == [
        "lint.score = 7.46 (gate >= 9.9)",
        "coverage.line_pct = not measured (gate >= 60)",
    ]
    assert hook.failed_gates(None) == []


# --------------------------------------------------------------------------- the shim


def test_render_hook_records_the_interpreter_and_marks_it_ours() -> None:
    template = hook.template_text()
    python = "/opt/my envs/it's/python3"
    text = hook.render_hook(template, python)
    assert hook.is_ours(text)
    assert "@HOOK_ID@" not in text
    assert "INSTALL_PYTHON='/opt/my envs/it'\"'\"'s/python3'\n" in text
    # The value survives the shell's quoting exactly.
    out = subprocess.run(
        [
            "sh",
            "-c",
            text.split("# start templated\n")[1].split("# end")[0] + 'printf %s "$INSTALL_PYTHON"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == python


def test_foreign_hooks_are_not_ours() -> None:
    assert not hook.is_ours("#!/bin/sh\nexec pre-commit hook-impl\n")
    assert not hook.is_ours("#!/bin/sh\n# practicegrade-hook-id: @HOOK_ID@\n")


@pytest.mark.parametrize("shell", ["sh", "dash", "bash"])
def test_shim_is_valid_posix_shell(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} not installed")
    script = tmp_path / "pre-push"
    script.write_text(hook.render_hook(hook.template_text(), sys.executable))
    subprocess.run([shell, "-n", str(script)], check=True)


def test_copy_in_script_is_the_rendered_template() -> None:
    """hooks/pre-push is the shim with no recorded interpreter: regenerate it if this fails."""
    copy_in = REPO_ROOT / "hooks" / "pre-push"
    assert copy_in.read_text() == hook.render_hook(hook.template_text(), "")
    assert os.access(copy_in, os.X_OK)


# --------------------------------------------------------------------------- install / uninstall


def _hooks(repo: Path) -> Path:
    return repo / ".git" / "hooks"


def test_install_writes_an_executable_shim(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    assert not _hooks(repo).exists()  # empty template dir: git made no hooks folder
    lines: list[str] = []
    path = hook.install(repo, sys.executable, echo=lines.append)
    assert path == _hooks(repo) / "pre-push"
    assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert path.read_text() == hook.render_hook(hook.template_text(), sys.executable)
    assert "installed" in lines[-1]
    assert sorted(p.name for p in _hooks(repo).iterdir()) == ["pre-push"]  # no temp file left


def test_install_twice_is_idempotent(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    hook.install(repo, sys.executable, echo=lambda _: None)
    before = (_hooks(repo) / "pre-push").stat().st_mtime_ns
    lines: list[str] = []
    hook.install(repo, sys.executable, echo=lines.append)
    assert "already installed" in lines[-1]
    assert (_hooks(repo) / "pre-push").stat().st_mtime_ns == before
    assert not (_hooks(repo) / "pre-push.legacy").exists()


def test_reinstall_with_another_interpreter_replaces_ours_only(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    hook.install(repo, "/old/python", echo=lambda _: None)
    hook.install(repo, sys.executable, echo=lambda _: None)
    assert f"INSTALL_PYTHON={sys.executable}" in (_hooks(repo) / "pre-push").read_text()
    assert not (_hooks(repo) / "pre-push.legacy").exists()


def test_foreign_hook_kept_as_legacy_and_restored(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    _hooks(repo).mkdir(parents=True)
    foreign = _hooks(repo) / "pre-push"
    foreign.write_bytes(b"#!/bin/sh\necho foreign\n")
    foreign.chmod(0o750)
    hook.install(repo, sys.executable, echo=lambda _: None)
    legacy = _hooks(repo) / "pre-push.legacy"
    assert legacy.read_bytes() == b"#!/bin/sh\necho foreign\n"
    assert hook.is_ours(foreign.read_text())
    hook.install(repo, sys.executable, echo=lambda _: None)  # again: legacy untouched
    assert legacy.read_bytes() == b"#!/bin/sh\necho foreign\n"

    assert hook.uninstall(repo, echo=lambda _: None) is True
    assert foreign.read_bytes() == b"#!/bin/sh\necho foreign\n"
    assert stat.S_IMODE(foreign.stat().st_mode) == 0o750
    assert not legacy.exists()


def test_foreign_symlinked_hook_is_moved_not_followed(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    _hooks(repo).mkdir(parents=True)
    target = repo / "tools-pre-push"
    target.write_text("#!/bin/sh\nexit 0\n")
    (_hooks(repo) / "pre-push").symlink_to(target)
    hook.install(repo, sys.executable, echo=lambda _: None)
    assert (_hooks(repo) / "pre-push.legacy").is_symlink()
    assert target.read_text() == "#!/bin/sh\nexit 0\n"
    hook.uninstall(repo, echo=lambda _: None)
    assert (_hooks(repo) / "pre-push").is_symlink()


def test_install_refuses_to_lose_a_hook(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    _hooks(repo).mkdir(parents=True)
    (_hooks(repo) / "pre-push").write_text("#!/bin/sh\necho new foreign\n")
    (_hooks(repo) / "pre-push.legacy").write_text("#!/bin/sh\necho old\n")
    with pytest.raises(UsageError, match="would be lost"):
        hook.install(repo, sys.executable, echo=lambda _: None)
    assert (_hooks(repo) / "pre-push").read_text() == "#!/bin/sh\necho new foreign\n"
    assert (_hooks(repo) / "pre-push.legacy").read_text() == "#!/bin/sh\necho old\n"


def test_uninstall_leaves_foreign_hooks_alone(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    lines: list[str] = []
    assert hook.uninstall(repo, echo=lines.append) is False
    assert "nothing to do" in lines[-1]
    _hooks(repo).mkdir(parents=True)
    (_hooks(repo) / "pre-push").write_text("#!/bin/sh\n")
    assert hook.uninstall(repo, echo=lines.append) is False
    assert "not practicegrade's" in lines[-1]
    assert (_hooks(repo) / "pre-push").read_text() == "#!/bin/sh\n"


def test_install_from_a_worktree_uses_the_common_hooks_folder(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.txt": "a"})
    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))
    path = hook.install(tmp_path / "wt", sys.executable, echo=lambda _: None)
    assert path == _hooks(repo) / "pre-push"


def test_install_from_a_subfolder(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "src" / "pkg").mkdir(parents=True)
    assert hook.install(repo / "src" / "pkg", sys.executable, echo=lambda _: None) == (
        _hooks(repo) / "pre-push"
    )


def test_install_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not inside a git work tree") as info:
        hook.install(tmp_path, sys.executable, echo=lambda _: None)
    assert info.value.hint
    assert "git init" in info.value.hint


def test_core_hooks_path_refused_with_both_ways_forward(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    git(repo, "config", "core.hooksPath", ".githooks")
    result = CliRunner().invoke(main, ["hook", "install", str(repo)])
    assert result.exit_code == 2
    assert "core.hooksPath is set to '.githooks'" in result.output
    assert "git config --unset-all core.hooksPath" in result.output
    assert "hooks/pre-push" in result.output  # the other way: call us from that folder
    assert not (_hooks(repo) / "pre-push").exists()
    assert not (repo / ".githooks").exists()


def test_cli_install_and_uninstall(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    runner = CliRunner()
    result = runner.invoke(main, ["hook", "install", str(repo)])
    assert result.exit_code == 0, result.output
    assert f"python: {sys.executable}" in result.output
    result = runner.invoke(main, ["hook", "uninstall", str(repo)])
    assert result.exit_code == 0, result.output
    assert not (_hooks(repo) / "pre-push").exists()


# --------------------------------------------------------------------------- run (no grading)


def test_run_with_empty_stdin_passes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    lines: list[str] = []
    assert hook.run_hook(b"", "origin", cwd=repo, env={}, echo=lines.append) is False
    assert lines == []


def test_run_skip_and_recursion_guard(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    data = f"refs/heads/main {head} refs/heads/main {Z40}\n".encode()
    lines: list[str] = []
    env = {hook.SKIP_ENV: "1", hook.FAULT_ENV: "crash"}
    assert hook.run_hook(data, "origin", cwd=repo, env=env, echo=lines.append) is False
    assert lines == ["practicegrade: skipped (PRACTICEGRADE_SKIP is set)"]
    lines.clear()
    env = {hook.IN_HOOK_ENV: "1", hook.FAULT_ENV: "crash"}
    assert hook.run_hook(data, "origin", cwd=repo, env=env, echo=lines.append) is False
    assert lines == []


def test_run_on_garbage_stdin_fails_open(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    lines: list[str] = []
    assert hook.run_hook(b"what is this\n", "origin", cwd=repo, env={}, echo=lines.append) is False
    assert "warning" in lines[0]
    assert "unexpected pre-push input" in "\n".join(lines)


def test_run_cli_with_a_terminal_less_empty_stdin(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    result = subprocess.run(
        [sys.executable, "-m", "practicegrade", "hook", "run", "--shim", "--", "origin", "url"],
        cwd=repo,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_peel_commits_in_one_call(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "tag", "-a", "-m", "annotated", "v1")
    tag = git(repo, "rev-parse", "v1").strip()
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    assert tag != head
    assert hook.peel_commits(repo, [head, tag, tree, A]) == {head: head, tag: head}
    assert hook.peel_commits(repo, []) == {}


def test_grader_runs_with_the_work_trees_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grader checks out the pushed commit elsewhere; the interpreter comes from here."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    repo = init_repo(tmp_path / "repo")
    plan = hook.GradePlan(PushedRef("x", A, "refs/heads/x", B), A, B)
    argv = hook._grader_argv(repo, plan, True, tmp_path / "out", {})
    assert argv[argv.index("--python") + 1] == sys.executable
    venv_python = repo / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    argv = hook._grader_argv(repo, plan, False, tmp_path / "out", {})
    assert argv[argv.index("--python") + 1] == str(venv_python)
    assert argv[argv.index("--rev") + 1] == A
    assert argv[argv.index("--base") + 1] == B
    assert "--no-tests" in argv
    assert "--no-bench" in argv, "benchmarks run in the hook only with hook: {bench: true}"
    argv = hook._grader_argv(repo, plan, True, tmp_path / "out", {}, bench=True)
    assert "--no-bench" not in argv
