"""The CLI boundary: our errors exit 2 with a hint, our crashes exit 3 with a crash log."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from practicegrade import proc
from practicegrade.cli import error_boundary, main
from practicegrade.errors import ConfigError
from practicegrade.lintproc import WarmDriver
from tests.helpers.repos import SAMPLE_PROJECT, commit_all, init_repo, write_files


def _command(exc: BaseException) -> click.Command:
    @click.command()
    @error_boundary
    def boom() -> None:
        raise exc

    return boom


def test_config_error_exits_2_with_hint() -> None:
    result = CliRunner().invoke(
        _command(ConfigError("practicegrade.yml:3: gates: bad", hint="use blocking"))
    )
    assert result.exit_code == 2
    assert "error: practicegrade.yml:3: gates: bad" in result.output
    assert "hint: use blocking" in result.output


def test_unexpected_exception_exits_3_and_writes_a_crash_log() -> None:
    result = CliRunner().invoke(_command(RuntimeError("kaboom")))
    assert result.exit_code == 3
    assert "internal error: RuntimeError: kaboom" in result.output
    log = Path(result.output.rsplit("crash log is at ", 1)[1].strip())
    try:
        text = log.read_text()
        assert "kaboom" in text and "Traceback" in text
    finally:
        log.unlink()


def test_grade_on_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize("args", [["--help"], ["grade", "--help"], ["--version"]])
def test_real_process_help(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "practicegrade", *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "practicegrade" in done.stdout or "Usage" in done.stdout


def test_help_does_not_import_the_heavy_tools() -> None:
    heavy = ("pylint", "radon", "coverage", "git", "jinja2", "yaml")
    code = f"import sys, practicegrade.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_grade_a_plain_folder_that_is_not_a_git_repo(tmp_path: Path) -> None:
    write_files(tmp_path, SAMPLE_PROJECT)
    result = CliRunner().invoke(main, ["grade", str(tmp_path), "--json", "--no-bench"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema"] == 1
    assert report["repo"]["commit"] is None
    assert report["metrics"]["tests.passed"] == 3
    assert (tmp_path / ".practicegrade" / "out" / "report.json").is_file()


def test_a_hook_grade_lints_with_a_warm_driver_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write_files(repo, SAMPLE_PROJECT)
    init_repo(repo)
    commit_all(repo, "sample")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    taken: list[bool] = []
    take = WarmDriver.take

    def spy(self: WarmDriver) -> proc.Started | None:
        started = take(self)
        taken.append(started is not None)
        return started

    monkeypatch.setattr(WarmDriver, "take", spy)
    reports = []
    # take() answers the first caller only: the lint run, then close() finds it gone.
    # A whole-grade cache hit runs no pylint: only close() takes it, to stop it.
    runs = [
        ("hook", "1", [True, False]),  # no cache: the warm driver lints
        ("hook", "", [True, False]),  # nothing cached yet: it lints, and fills the cache
        ("hook", "", [True]),  # cache hit: stopped unused
        ("local", "1", []),  # no warm driver: a cold one lints
    ]
    for source, no_cache, expected in runs:
        monkeypatch.setenv("PRACTICEGRADE_NO_CACHE", no_cache)
        taken.clear()
        args = ["grade", str(repo), "--rev", "HEAD", "--base", "none", "--no-bench"]
        result = CliRunner().invoke(main, [*args, "--no-tests", "--json", "--source", source])
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
        assert taken == expected, source
        assert not proc._LIVE_GROUPS
        assert not list(temp.glob("practicegrade-pylint-*"))
    lint = [{k: v for k, v in r["metrics"].items() if k.startswith("lint.")} for r in reports]
    assert lint[0] == lint[1] == lint[2] == lint[3] and "lint.score" in lint[0]


def test_grade_a_folder_without_python_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes\n")
    result = CliRunner().invoke(main, ["grade", str(tmp_path)])
    assert result.exit_code == 2
    assert "no Python code found" in result.output
    assert "hint:" in result.output


def test_grade_reports_a_syntax_error_and_still_measures_the_rest(tmp_path: Path) -> None:
    write_files(tmp_path, SAMPLE_PROJECT)
    (tmp_path / "src" / "calc" / "broken.py").write_text("def oops(:\n    pass\n")
    (tmp_path / "src" / "calc" / "legacy.py").write_bytes("NAME = 'caf\xe9'\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["grade", str(tmp_path), "--json", "--no-tests"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    kinds = {(f["kind"], f["file"]) for f in report["findings"]}
    assert ("syntax-error", "src/calc/broken.py") in kinds
    assert "complexity.cc_max" in report["metrics"]
    assert "lint.score" in report["metrics"]


@pytest.fixture(scope="module")
def graded_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("color") / "repo", SAMPLE_PROJECT)


@pytest.mark.parametrize(
    ("env", "styled"),
    [
        ({}, False),  # CliRunner's output is no terminal
        ({"FORCE_COLOR": "1"}, True),
        ({"NO_COLOR": "1"}, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins, as in CPython
        ({"NO_COLOR": "", "FORCE_COLOR": "1"}, True),  # an empty NO_COLOR is not set
    ],
)
def test_grade_honours_no_color_and_force_color(
    graded_repo: Path, env: dict[str, str], styled: bool
) -> None:
    clean = {"NO_COLOR": None, "FORCE_COLOR": None, **env}
    result = CliRunner().invoke(
        main, ["grade", str(graded_repo), "--no-tests", "--base", "none"], env=clean
    )
    assert result.exit_code in (0, 1), result.output
    assert ("\x1b[" in result.output) is styled


def test_our_folder_gets_its_own_gitignore_so_git_add_all_commits_no_artifact(
    tmp_path: Path,
) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    result = CliRunner().invoke(main, ["grade", str(root), "--no-tests", "--base", "none"])
    assert result.exit_code in (0, 1), result.output
    assert (root / ".practicegrade" / "out" / "report.json").is_file()
    assert (root / ".practicegrade" / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=all"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
    (root / ".practicegrade" / ".gitignore").write_text("!keep.md\n")  # the user's own
    CliRunner().invoke(main, ["grade", str(root), "--no-tests", "--base", "none"])
    assert (root / ".practicegrade" / ".gitignore").read_text() == "!keep.md\n"


def test_progress_line_names_the_benchmark_and_its_progress(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``"bench: <detail>"`` updates the running ``bench`` entry and keeps its clock."""
    import time  # noqa: PLC0415

    from practicegrade.cli import progress_line  # noqa: PLC0415

    with progress_line(True) as progress:
        assert progress is not None
        progress("lint", "start")
        progress("bench", "start")
        progress("bench: dedupe vs base, 3 runs a side, 6s left", "start")
        progress("lint", "done")
        time.sleep(0.7)
        progress("bench", "done")
    line = capsys.readouterr().err.split("\r")[-2]
    assert "bench: dedupe vs base, 3 runs a side, 6s left" in line
    assert "lint" not in line
    assert line.count("bench") == 1
