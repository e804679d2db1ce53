"""The CLI boundary: our errors exit 2 with a hint, our crashes exit 3 with a crash log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from practicegrade.cli import error_boundary, main
from practicegrade.errors import ConfigError


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
