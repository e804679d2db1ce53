"""The subprocess seam: timeouts kill the whole group, output is capped, env is clean."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from practicegrade import proc
from practicegrade.errors import ToolError

PY = sys.executable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _dies(pid: int, within: float = 2.0) -> bool:
    """``pid`` is dead within ``within`` seconds. Its pipes close while the kernel is
    still tearing it down, so right after our reads end it can look alive for a moment
    on a loaded machine: poll instead of looking once."""
    deadline = time.monotonic() + within
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_run_captures_output_and_exit_code() -> None:
    done = proc.run(
        [PY, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
        timeout=30,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr.strip()) == (3, "out", "err")
    assert not done.timed_out


def test_missing_program_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="cannot run"):
        proc.run(["/nonexistent/program"], timeout=5)


def test_timeout_kills_a_grandchild_that_holds_the_pipe(tmp_path) -> None:
    pidfile = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen(['sleep', '1000'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "print('started', flush=True)\n"
        "while True: time.sleep(1)\n"
    )
    started = time.monotonic()
    done = proc.run([PY, "-c", script], timeout=1.5, kill_grace_s=0.5)
    assert done.timed_out
    assert "started" in done.stdout
    assert time.monotonic() - started < 10
    assert _dies(int(pidfile.read_text()))


def test_background_child_is_killed_after_the_leader_exits(tmp_path) -> None:
    """``sleep 1000 &`` holding stdout must not hang us, and must not survive us."""
    pidfile = tmp_path / "bg.pid"
    script = (
        "import subprocess\n"
        "p = subprocess.Popen(['sleep', '1000'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
    )
    started = time.monotonic()
    done = proc.run([PY, "-c", script], timeout=30)
    assert done.returncode == 0 and not done.timed_out
    assert time.monotonic() - started < 10
    assert _dies(int(pidfile.read_text()))


def test_output_is_capped_to_the_tail() -> None:
    script = "import sys\nfor i in range(200000): sys.stdout.write(f'line {i}\\n')\n"
    done = proc.run([PY, "-c", script], timeout=30, output_cap=4096)
    assert done.truncated
    assert len(done.stdout.encode()) <= 4096
    assert done.stdout.rstrip().endswith("line 199999")


def test_limits_apply_in_the_child() -> None:
    script = (
        "import resource as r; print(r.getrlimit(r.RLIMIT_FSIZE)[0], r.getrlimit(r.RLIMIT_CORE)[0])"
    )
    done = proc.run([PY, "-c", script], timeout=30, limits=proc.Limits(file_size_bytes=1 << 20))
    assert done.stdout.split() == [str(1 << 20), "0"]


def test_file_size_limit_stops_a_disk_filler(tmp_path) -> None:
    target = tmp_path / "big"
    script = (
        f"f = open({str(target)!r}, 'wb')\n"
        "for _ in range(100): f.write(b'x' * (1 << 20)); f.flush()\n"
    )
    done = proc.run([PY, "-c", script], timeout=30, limits=proc.Limits(file_size_bytes=1 << 20))
    assert done.returncode != 0
    assert target.stat().st_size <= 1 << 20


def test_stdin_is_fed() -> None:
    done = proc.run(
        [PY, "-c", "import sys; print(sys.stdin.read().upper())"], timeout=30, stdin=b"abc"
    )
    assert done.stdout.strip() == "ABC"


def test_a_started_child_gets_its_input_later_and_its_timeout_starts_then() -> None:
    started = proc.start([PY, "-c", "import sys; print(sys.stdin.read().upper())"])
    time.sleep(1.2)  # longer than the timeout below: the wait before finish() is not counted
    done = started.finish(b"job", timeout=1.0)
    assert (done.returncode, done.stdout.strip(), done.timed_out) == (0, "JOB", False)
    assert started.pid not in proc._LIVE_GROUPS


def test_a_started_child_still_times_out_on_its_job() -> None:
    started = proc.start([PY, "-c", "import sys, time; sys.stdin.read(); time.sleep(60)"])
    begun = time.monotonic()
    done = started.finish(b"", timeout=0.5, kill_grace_s=0.5)
    assert done.timed_out and time.monotonic() - begun < 10


def test_cancel_stops_a_started_child_and_its_group(tmp_path) -> None:
    pid_file = tmp_path / "grandchild"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen(['sleep', '60'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    started = proc.start([PY, "-c", code])
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    begun = time.monotonic()
    started.cancel()
    assert time.monotonic() - begun < 5
    assert not _alive(started.pid)
    assert _dies(int(pid_file.read_text()))
    assert started.pid not in proc._LIVE_GROUPS


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polling"])
def test_wait_reaps_an_exited_child_and_times_out_on_a_running_one(
    pidfd: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("no pidfd_open on this platform")
    quick = subprocess.Popen([PY, "-c", "raise SystemExit(4)"])
    assert proc._wait(quick, 30) is True
    assert quick.returncode == 4  # reaped: no zombie left
    slow = subprocess.Popen(["sleep", "30"])
    try:
        assert proc._wait(slow, 0.2) is False
        assert slow.returncode is None
    finally:
        slow.kill()
        slow.wait()


def test_a_timeout_of_years_is_fine() -> None:
    # poll() takes a C int of milliseconds; the config accepts any finite timeout.
    done = proc.run([PY, "-c", "print('ok')"], timeout=1e9)
    assert (done.returncode, done.stdout.strip(), done.timed_out) == (0, "ok", False)


def test_finish_twice_answers_once_and_cancel_after_it_does_nothing() -> None:
    started = proc.start([PY, "-c", "import sys; print(sys.stdin.read())"])
    first = started.finish(b"once", timeout=30)
    assert started.finish(b"twice", timeout=30) is first
    started.cancel()
    assert first.stdout.strip() == "once" and not started.running


def test_an_interrupted_wait_kills_the_child_before_it_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = proc.start(["sleep", "30"], stdin=False)

    def interrupted(child: subprocess.Popen[bytes], timeout: float) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(proc, "_wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        started.finish(None, timeout=30)
    monkeypatch.undo()
    deadline = time.monotonic() + 10
    while _alive(started.pid):  # killed: gone, or a zombie nobody reaped yet
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert started.pid not in proc._LIVE_GROUPS


def test_clean_env_drops_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = proc.clean_env({"COVERAGE_RCFILE": "/x"}, home="/tmp/empty-home")
    assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert "SSH_AUTH_SOCK" not in env
    assert env["HOME"] == "/tmp/empty-home"
    assert env["COVERAGE_RCFILE"] == "/x"
    assert env["LANG"] == "C.UTF-8"


def test_terminate_all_stops_running_groups_and_refuses_new_ones(tmp_path) -> None:
    results: list[proc.Completed] = []
    runner = threading.Thread(
        target=lambda: results.append(proc.run(["sleep", "30"], timeout=60)), daemon=True
    )
    runner.start()
    deadline = time.monotonic() + 5
    while not proc._LIVE_GROUPS and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        proc.terminate_all()
        runner.join(timeout=10)
        assert results
        assert results[0].returncode != 0
        with pytest.raises(ToolError, match="stopping"):
            proc.run(["sleep", "1"], timeout=5)
        assert proc.run(["git", "--version"], timeout=30).returncode == 0
    finally:
        proc._STOPPING.clear()


def _gone(pid: int) -> bool:
    """Neither running nor a zombie waiting to be reaped: no trace in /proc."""
    return not os.path.exists(f"/proc/{pid}")


_ESCAPES = {
    "new-session": (
        "import subprocess, sys\n"
        "p = subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "open(sys.argv[1], 'w').write(str(p.pid))\n"
    ),
    "double-fork": (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        open(sys.argv[1], 'w').write(str(os.getpid()))\n"
        "        time.sleep(1000)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "while not os.path.exists(sys.argv[1]) or not open(sys.argv[1]).read():\n"
        "    time.sleep(0.01)\n"
    ),
}


@pytest.mark.parametrize("escape", sorted(_ESCAPES))
def test_a_descendant_that_left_our_session_is_ended_promptly(tmp_path, escape: str) -> None:
    """Killing the group misses a ``setsid()`` child holding our pipes: as its subreaper
    we end it, reap it, and do not wait on the pipe it held (it used to take 11 s)."""
    pidfile = tmp_path / "escaped.pid"
    started = time.monotonic()
    done = proc.run([PY, "-c", _ESCAPES[escape], str(pidfile)], timeout=30, limits=proc.Limits())
    elapsed = time.monotonic() - started
    assert done.returncode == 0 and not done.timed_out
    assert elapsed < 2.5, elapsed
    pid = int(pidfile.read_text())
    assert _gone(pid)


def test_an_orphan_is_adopted_only_where_we_are_its_subreaper(tmp_path) -> None:
    assert proc.become_subreaper() == sys.platform.startswith("linux")
    pidfile = tmp_path / "escaped.pid"
    runner = [PY, "-c", _ESCAPES["new-session"], str(pidfile)]
    subprocess.run(runner, check=True, timeout=30, stdout=subprocess.DEVNULL)
    pid = int(pidfile.read_text())
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        assert ppid == os.getpid()  # re-parented to us, not to PID 1
        assert proc.end_adopted() == 1
        assert _gone(pid)
    finally:
        if not _gone(pid):
            os.kill(pid, 9)
