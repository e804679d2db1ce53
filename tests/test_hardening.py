"""The hardening cases of issue 12, end to end: the real CLI on real temporary repositories.

A learner controls everything on their branch. Here each way found to fake a pass,
reach outside the repository or exhaust the grader is tried through ``practicegrade
grade`` itself (a subprocess, as a hook or CI job runs it), and the exit code, the
message and ``report.json`` must say what DESIGN.md promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.repos import SAMPLE_PROJECT, init_repo

PYTHON = sys.executable


def grade(repo: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m practicegrade grade REPO --no-bench ARGS`` as a user would run it."""
    return subprocess.run(
        [PYTHON, "-m", "practicegrade", "grade", str(repo), "--no-bench", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=_clean_env(),
    )


def _clean_env() -> dict[str, str]:
    """Our environment without pytest's variables or anything secret-looking (a CI
    runner's token would make every grade here warn)."""
    from practicegrade.exposure import secret_names  # noqa: PLC0415

    drop = set(secret_names(os.environ))
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in drop}


def report(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (repo / ".practicegrade" / "out" / "report.json").read_text(encoding="utf-8")
    )
    return data


def _failed_because(data: dict[str, Any]) -> dict[str, str | None]:
    return {
        c["metric"]: c["failed_because"]
        for comp in data["evaluation"]["competencies"]
        for c in comp["criteria"]
        if c["gate_failed"]
    }


# --------------------------------------------------------------------------- fake passes


@pytest.mark.parametrize("source", ["local", "hook", "ci"])
def test_collect_only_in_addopts_fails_the_test_gates_everywhere(
    tmp_path: Path, source: str
) -> None:
    repo = init_repo(
        tmp_path / "repo", {**SAMPLE_PROJECT, "pytest.ini": "[pytest]\naddopts = --co\n"}
    )
    done = grade(repo, "--source", source)
    assert done.returncode == 1, done.stdout + done.stderr
    data = report(repo)
    assert (data["tests"]["collected"], data["tests"]["deselected"], data["tests"]["run"]) == (
        3,
        0,
        0,
    )
    failed = _failed_because(data)
    assert set(failed) == {"tests.failed", "tests.errors"}  # the default model's test gates
    for why in failed.values():
        assert why is not None
        assert "--collect-only (addopts in pytest.ini)" in why
    assert "--collect-only (addopts in pytest.ini)" in done.stdout
    comment = (repo / ".practicegrade" / "out" / "comment.md").read_text(encoding="utf-8")
    assert "does not count: the test run was incomplete" in comment
    assert "Test run: pytest collected 3, ran 0." in comment


def test_the_same_project_without_the_setting_passes(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report(repo)["tests"]["run"] == 3
    comment = (repo / ".practicegrade" / "out" / "comment.md").read_text(encoding="utf-8")
    assert "Test run:" not in comment  # everything collected ran: no news


@pytest.mark.parametrize(
    "stopper",
    [
        "import os\nos._exit(0)\n",
        "import os, signal\n\ndef test_kill():\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    ],
    ids=["os-exit-at-import", "sigkill-in-a-test"],
)
def test_a_run_that_stops_early_fails_the_test_and_coverage_gates(
    tmp_path: Path, stopper: str
) -> None:
    config = """
        competencies:
          testing:
            criteria:
              - {metric: tests.failed, gate: "== 0"}
              - {metric: coverage.line_pct, gate: ">= 10"}
    """
    repo = init_repo(
        tmp_path / "repo",
        {
            **SAMPLE_PROJECT,
            "practicegrade.yml": config,
            "tests/test_zz.py": stopper,
        },
    )
    done = grade(repo)
    assert done.returncode == 1, done.stdout + done.stderr
    data = report(repo)
    assert [f["kind"] for f in data["findings"] if f["collector"] == "tests"] == ["incomplete"]
    failed = _failed_because(data)
    assert set(failed) == {"tests.failed", "coverage.line_pct"}
    assert all(why and "ended early" in why for why in failed.values())


def test_a_gate_on_a_misspelt_metric_is_a_config_error(tmp_path: Path) -> None:
    config = """
        competencies:
          testing:
            criteria:
              - {metric: coverage.lines_pct, gate: ">= 60"}
    """
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "practicegrade.yml": config})
    done = grade(repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "practicegrade.yml:4: competencies.testing.criteria[0].metric" in done.stderr
    assert "did you mean 'coverage.line_pct'?" in done.stderr


# --------------------------------------------------------------------------- outside the repo

SECRET = "https://mentee:ghp_Q8fakeTokenForTests0123456789abcdXY@github.com"


def test_a_committed_practicegrade_symlink_to_another_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "out").mkdir(parents=True)
    (elsewhere / "out" / "report.json").write_text("precious\n", encoding="utf-8")
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    (repo / ".practicegrade").symlink_to(elsewhere, target_is_directory=True)
    done = grade(repo, "--no-tests")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "leads outside the repository" in done.stderr
    assert (elsewhere / "out" / "report.json").read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in elsewhere.rglob("*")) == ["out", "report.json"]


def test_an_explicit_out_folder_is_the_users_choice(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo, "--no-tests", "--out", str(tmp_path / "mine"))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert (tmp_path / "mine" / "report.json").is_file()


@pytest.mark.parametrize("name", ["practicegrade.yml", "pyproject.toml"])
def test_a_config_symlinked_to_a_file_outside_is_refused_unread(tmp_path: Path, name: str) -> None:
    secret = tmp_path / "git-credentials"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    files = {k: v for k, v in SAMPLE_PROJECT.items() if k != "pyproject.toml"}
    repo = init_repo(tmp_path / "repo", files)
    (repo / name).symlink_to(secret)
    done = grade(repo, "--no-tests")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{name}: a symlink to a file outside the repository; refused" in done.stderr
    assert "ghp_" not in done.stdout + done.stderr
    assert "mentee" not in done.stdout + done.stderr


def test_a_config_symlinked_to_dev_zero_is_refused_not_ignored(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    (repo / "practicegrade.yml").symlink_to("/dev/zero")
    done = grade(repo, "--no-tests", timeout=30)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "practicegrade.yml: a symlink to a file outside the repository" in done.stderr


def test_a_config_symlinked_inside_the_repository_is_read(tmp_path: Path) -> None:
    config = 'competencies:\n  testing:\n    criteria: [{metric: lint.score, gate: ">= 99"}]\n'
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "config/grading.yml": config})
    (repo / "practicegrade.yml").symlink_to("config/grading.yml")
    done = grade(repo, "--no-tests")
    assert done.returncode == 1, done.stdout + done.stderr  # the gate >= 99 was read
    assert report(repo)["config_file"] == "config/grading.yml"


def test_a_config_error_shows_only_a_short_redacted_excerpt(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yml"
    mine.write_text(SECRET + "\n", encoding="utf-8")
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo, "--no-tests", "--config", str(mine))
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'expected a mapping of settings (version: 1, ...), got "https://***@github.com"' in (
        done.stderr
    )
    assert "ghp_" not in done.stderr
    assert "mentee" not in done.stderr


# --------------------------------------------------------------------------- limits


def test_config_dev_zero_is_a_bounded_read_and_exit_2(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo, "--no-tests", "--config", "/dev/zero", timeout=30)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "/dev/zero: not a regular file" in done.stderr


def test_an_oversized_config_is_refused_by_what_was_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    big.write_text("# padding\n" * 40_000, encoding="utf-8")
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo, "--no-tests", "--config", str(big))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "too large for a config file (over 256 KiB)" in done.stderr


def test_400_nested_brackets_in_practicegrade_yml_is_exit_2_at_its_line(tmp_path: Path) -> None:
    text = "version: 1\nsource: " + "[" * 400 + "]" * 400 + "\n"
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "practicegrade.yml": text})
    done = grade(repo, "--no-tests")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "practicegrade.yml:2: invalid YAML: nested more than 64 levels deep" in done.stderr
    assert "RecursionError" not in done.stderr


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("x = " + "[" * 2000 + "]" * 2000, 5),
        ("x = " + "{a = " * 2000 + "1" + "}" * 2000, 5),
        ("[tool.other." + ".".join(["a"] * 2000) + "]\nk = 1", 5),
        ("[tool.practicegrade." + ".".join(["a"] * 2000) + "]\nk = 1", 5),
    ],
    ids=["arrays", "inline-tables", "tables", "our-tables"],
)
def test_2000_nested_tables_in_pyproject_is_exit_2_at_its_line(
    tmp_path: Path, body: str, line: int
) -> None:
    pyproject = '[project]\nname = "calc"\nversion = "0.1.0"\n\n' + body + "\n"
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "pyproject.toml": pyproject})
    done = grade(repo, "--no-tests")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"pyproject.toml:{line}: invalid TOML: nested more than 64 levels deep" in done.stderr


# --------------------------------------------------------------------------- secrets


def test_secret_names_are_found_by_name_and_never_by_value() -> None:
    from practicegrade.exposure import exposure_warning, secret_names  # noqa: PLC0415

    env = {
        "GITHUB_TOKEN": "ghs_x",
        "ACTIONS_RUNTIME_TOKEN": "y",
        "CI_JOB_TOKEN": "z",
        "AWS_SECRET_ACCESS_KEY": "k",
        "DB_PASSWORD": "p",
        "MY_SECRET": "s",
        "EMPTY_TOKEN": "",
        "GPG_KEY": "A035C8C19219BA821ECEA86B64E628F8D684696D",
        "PATH": "/usr/bin",
        "TOKENIZER": "bpe",
    }
    assert secret_names(env) == [
        "ACTIONS_RUNTIME_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "CI_JOB_TOKEN",
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "MY_SECRET",
    ]
    assert exposure_warning(env, runs_learner_code=False) is None
    warning = exposure_warning(env, runs_learner_code=True)
    assert warning is not None
    assert "ghs_x" not in warning
    assert warning.startswith("ACTIONS_RUNTIME_TOKEN, AWS_SECRET_ACCESS_KEY, CI_JOB_TOKEN,")


def test_a_grade_with_a_token_in_its_environment_warns_and_a_test_can_read_it(
    tmp_path: Path,
) -> None:
    """Why the warning exists: the test's own env is clean, yet /proc/<parent>/environ,
    the grader's, holds the token. The grade warns, names it, and never prints it."""
    spy = """
        import os
        from pathlib import Path


        def test_reads_the_graders_environment():
            own = os.environ.get("GITHUB_TOKEN")
            parent = Path(f"/proc/{os.getppid()}/environ").read_bytes()
            found = b"GITHUB_TOKEN=ghs_planted" in parent
            Path(__file__).with_name("seen.txt").write_text(f"{own} {found}")
    """
    repo = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "tests/test_spy.py": spy})
    env = _clean_env()
    done = subprocess.run(
        [PYTHON, "-m", "practicegrade", "grade", str(repo), "--no-bench"],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
        env={**env, "GITHUB_TOKEN": "ghs_planted"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: GITHUB_TOKEN is set in this grade's environment" in done.stderr
    assert "run it in a job without secrets" in done.stderr
    assert "ghs_planted" not in done.stdout + done.stderr
    assert (repo / "tests" / "seen.txt").read_text() == "None True"


def test_a_grade_without_secrets_does_not_warn(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    done = grade(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "environment" not in done.stderr
