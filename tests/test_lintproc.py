"""The pylint driver's process, started cold or ahead of its job (warm)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from practicegrade import lintproc, proc
from practicegrade.lintproc import WarmDriver
from tests.helpers.repos import write_files


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().split(")")[-1].split()[0] == "Z"


def _lint_args(root: Path, scratch: Path, files: list[str]) -> list[str]:
    files_from = scratch / "files.json"
    files_from.write_text(json.dumps(files), encoding="utf-8")
    out = scratch / "out.json"
    return ["--out", str(out), "--scratch", str(scratch), "--files-from", str(files_from)]


def test_a_warm_driver_runs_its_job_in_the_jobs_folder_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, {"pkg/__init__.py": "", "pkg/mod.py": "import os\n"})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    warm = WarmDriver.start()
    assert warm is not None
    try:
        done = lintproc.run(_lint_args(root, scratch, ["pkg/mod.py"]), root, tmp_path / "h", warm)
        assert done.returncode == 0, done.stderr
        assert warm.take() is None  # taken once; the next run starts a cold driver
    finally:
        warm.close()
    document = json.loads((scratch / "out.json").read_text(encoding="utf-8"))
    symbols = {m["symbol"] for m in document["messages"]}
    assert "unused-import" in symbols  # the job's cwd, not the warm driver's own folder
    assert [m["path"] for m in document["messages"]] == ["pkg/mod.py"] * len(symbols)


def test_a_warm_driver_that_died_waiting_is_replaced_by_a_cold_one(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, {"mod.py": "import os\n"})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    warm = WarmDriver.start()
    assert warm is not None and warm._started is not None
    os.kill(warm._started.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while warm._started.running:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        done = lintproc.run(_lint_args(root, scratch, ["mod.py"]), root, tmp_path / "h", warm)
    finally:
        warm.close()
    assert done.returncode == 0, done.stderr
    assert json.loads((scratch / "out.json").read_text(encoding="utf-8"))["messages"]


def test_a_cold_run_without_a_warm_driver(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_files(root, {"mod.py": "import os\n"})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = lintproc.run(_lint_args(root, scratch, ["mod.py"]), root, tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "home").is_dir()
    assert json.loads((scratch / "out.json").read_text(encoding="utf-8"))["messages"]


def test_an_unused_warm_driver_is_stopped_and_its_folder_removed() -> None:
    warm = WarmDriver.start()
    assert warm is not None
    started = warm._started  # nobody takes it: close() must stop it
    assert started is not None
    folder = warm._folder
    assert folder.is_dir()
    begun = time.monotonic()
    warm.close()
    assert time.monotonic() - begun < 5
    assert _gone(started.pid)
    assert started.pid not in proc._LIVE_GROUPS
    assert not folder.exists()


def test_a_driver_told_nothing_exits_cleanly() -> None:
    started = proc.start(lintproc.command([lintproc.WAIT_FLAG]))
    done = started.finish(b"", timeout=60)
    assert (done.returncode, done.timed_out) == (0, False), done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_is_our_isolated_interpreter() -> None:
    assert lintproc.command(["--x"]) == [sys.executable, "-I", "-m", lintproc.DRIVER, "--x"]
