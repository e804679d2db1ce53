"""The one subprocess seam: every external program practicegrade runs goes through :func:`run`.

Why one seam: the learner's code is untrusted, and a test that hangs, forks a child that
holds our pipe, or prints gigabytes must never hang or flood us. So every call here

* takes an argv list (never a shell) and a timeout;
* runs in its own session, so on timeout the *whole process group* is killed
  (SIGTERM, a grace period, then SIGKILL), and any process left in the group after the
  leader exits is killed too;
* reads output incrementally and keeps only the last ``output_cap`` bytes of each stream;
* optionally applies resource limits in the child (set by a tiny launcher that then
  ``exec``s the real program, because ``preexec_fn`` is unsafe in threaded programs);
* gets an explicit environment: :func:`clean_env` builds an allow-listed one without
  tokens or secrets;
* is registered while it runs, so :func:`terminate_all` can stop every child group when
  practicegrade itself is told to stop (the hook's timeout sends SIGTERM to our process
  group, which does not reach children in their own sessions);
* for untrusted code (a run with ``limits``), ends every descendant whatever session it
  moved to. Killing the process group misses a child that called ``setsid()``
  (``Popen(..., start_new_session=True)``): it used to outlive the grade, re-parented to
  PID 1, and hold our pipes for the drain's full wait. On Linux practicegrade makes
  itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``), so such orphans are
  re-parented to us instead; once the run's leader has exited, every child of ours
  that we did not start is one of them, and is killed with its group and reaped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from practicegrade.errors import ToolError

DEFAULT_OUTPUT_CAP = 1 << 20
_LIVE_GROUPS: set[int] = set()
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()
_CLEANUP_PROGRAMS = frozenset({"git"})
"""What may still start once a stop was requested: removing our temporary worktrees."""
KILL_GRACE_S = 5.0
DRAIN_WAIT_S = 3.0
"""How long the output readers may take once the child and its group are gone (a pipe
still held by a process we could not reach must not hold the grade much longer)."""
_OWN: set[int] = set()
"""Children started here and not yet reaped (guarded by ``_LIVE_LOCK``)."""
_PR_SET_CHILD_SUBREAPER = 36
_SUBREAPER: list[bool | None] = [None]

_ENV_ALLOW = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
_ENV_SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "API_KEY", "PRIVATE")


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for an untrusted child (``None`` leaves a limit as it is)."""

    cpu_s: int | None = None
    address_space_bytes: int | None = None
    processes: int | None = None
    file_size_bytes: int | None = None
    core_bytes: int | None = 0


@dataclass(frozen=True, slots=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float
    truncated: bool = False
    """True when more output arrived than ``output_cap`` kept."""


_LAUNCHER = """
import os, resource, sys
names = ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE")
for name, value in zip(names, sys.argv[1:6]):
    if value != "-":
        limit = int(value)
        soft, hard = resource.getrlimit(getattr(resource, name))
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        try:
            resource.setrlimit(getattr(resource, name), (limit, hard))
        except (ValueError, OSError):
            pass
os.execvp(sys.argv[6], sys.argv[6:])
"""


def clean_env(extra: Mapping[str, str] | None = None, *, home: str | None = None) -> dict[str, str]:
    """An allow-listed environment for a child: no tokens, no SSH agent, no CI secrets.

    ``home`` replaces ``HOME`` (give untrusted code an empty temporary one).
    """
    env = {k: v for k, v in os.environ.items() if k in _ENV_ALLOW}
    if home is not None:
        env["HOME"] = home
    elif "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    for key, value in (extra or {}).items():
        env[key] = value
    return {
        k: v
        for k, v in env.items()
        if k in (extra or {}) or not any(m in k.upper() for m in _ENV_SECRET_MARKERS)
    }


def _limited_argv(argv: Sequence[str], limits: Limits) -> list[str]:
    values = (
        limits.cpu_s,
        limits.address_space_bytes,
        limits.processes,
        limits.file_size_bytes,
        limits.core_bytes,
    )
    return [
        sys.executable,
        "-I",
        "-S",
        "-c",
        _LAUNCHER,
        *("-" if v is None else str(v) for v in values),
        *argv,
    ]


class _Tail:
    """Drains a pipe in a thread, keeping the last ``cap`` bytes."""

    def __init__(self, stream: object, cap: int) -> None:
        self._fd = stream.fileno()  # type: ignore[attr-defined]
        self._cap = cap
        self.data = bytearray()
        self.truncated = False
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.data += chunk
            if len(self.data) > self._cap:
                del self.data[: len(self.data) - self._cap]
                self.truncated = True

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def become_subreaper() -> bool:
    """Make this process the child subreaper of its descendants (Linux); once per process.

    Orphans of our children are then re-parented to us, not to PID 1, so that
    :func:`end_adopted` can find and end them whatever session they moved to.
    """
    with _LIVE_LOCK:
        if _SUBREAPER[0] is None:
            _SUBREAPER[0] = _prctl_subreaper()
        return bool(_SUBREAPER[0])


def _prctl_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _children() -> set[int]:
    """Our direct children, zombies included (``/proc/self/task/*/children``, else a
    scan of ``/proc`` for our PID as parent)."""
    found: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    listed = False
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/children", encoding="ascii") as handle:
                found.update(int(pid) for pid in handle.read().split())
            listed = True
        except (OSError, ValueError):
            continue
    if listed:
        return found
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    stat = handle.read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == me:
                found.add(int(entry))
    return found


def end_adopted(timeout: float = 2.0) -> int:
    """Kill and reap every child of ours that we did not start: the orphans of our
    children, re-parented to us because we are their subreaper. Returns how many.

    Each one is killed with its process group (a ``setsid()`` child leads its own), and
    whatever it leaves is re-parented to us in turn, so the sweep repeats until none is
    left or ``timeout`` passes. Nothing to do where we could not become a subreaper.
    """
    if not _SUBREAPER[0]:
        return 0
    own_group = os.getpgrp()
    deadline = time.monotonic() + timeout
    ended: set[int] = set()
    while True:
        with _LIVE_LOCK:
            adopted = _children() - _OWN
        if not adopted:
            return len(ended)
        for pid in adopted:
            with contextlib.suppress(OSError):
                if os.getpgid(pid) not in (own_group, 0):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in adopted:
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    ended.add(pid)
        if time.monotonic() >= deadline:
            return len(ended)
        time.sleep(0.01)


def terminate_all() -> None:
    """Kill every child process group started by :func:`run` and refuse to start new ones.

    Only cleanup programs (git, to remove temporary worktrees) may start afterwards.
    Orphans our children left in other sessions go too (:func:`end_adopted`).
    """
    _STOPPING.set()
    with _LIVE_LOCK:
        groups = list(_LIVE_GROUPS)
    for pgid in groups:
        _kill_group(pgid, signal.SIGKILL)
    end_adopted()


def run(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    limits: Limits | None = None,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    kill_grace_s: float = KILL_GRACE_S,
) -> Completed:
    """Run ``argv`` and return what happened; never raises for a non-zero exit.

    Raises :class:`ToolError` only when the program cannot be started at all.
    On timeout the process group gets SIGTERM, ``kill_grace_s`` to finish (coverage.py
    saves its data on SIGTERM), then SIGKILL; ``timed_out`` is set.
    """
    started = start(
        argv, cwd=cwd, env=env, limits=limits, output_cap=output_cap, stdin=stdin is not None
    )
    return started.finish(stdin, timeout=timeout, kill_grace_s=kill_grace_s)


def start(
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    limits: Limits | None = None,
    output_cap: int = DEFAULT_OUTPUT_CAP,
    stdin: bool = True,
) -> Started:
    """Start ``argv`` now and hand it its input later (:meth:`Started.finish`).

    For a program that is slow to start and whose work is not known yet: it can load
    its libraries while we prepare the job, then read the job from its stdin. The
    timeout starts with :meth:`Started.finish`; until then the child waits on a pipe
    that closes if we die, so it never outlives us. Raises :class:`ToolError` when the
    program cannot be started.
    """
    if _STOPPING.is_set() and Path(argv[0]).name not in _CLEANUP_PROGRAMS:
        raise ToolError(f"not starting {argv[0]!r}: practicegrade is stopping")
    real_argv = list(argv) if limits is None else _limited_argv(argv, limits)
    if limits is not None:
        become_subreaper()
    began = time.monotonic()
    # Started and registered under the lock: end_adopted() must never see a child of
    # ours it does not know yet, and take it for an orphan.
    with _LIVE_LOCK:
        try:
            proc = subprocess.Popen(
                real_argv,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise ToolError(f"cannot run {argv[0]!r}: {exc.strerror or exc}") from exc
        _LIVE_GROUPS.add(proc.pid)
        _OWN.add(proc.pid)
    return Started(
        proc,
        tuple(argv),
        began,
        _Tail(proc.stdout, output_cap),
        _Tail(proc.stderr, output_cap),
        untrusted=limits is not None,
    )


class Started:
    """A child from :func:`start`: give it its input and wait (:meth:`finish`), or
    stop it unused (:meth:`cancel`). Either may be called once; both kill what is left
    of its process group."""

    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        argv: tuple[str, ...],
        began: float,
        out: _Tail,
        err: _Tail,
        *,
        untrusted: bool = False,
    ) -> None:
        self._proc = proc
        self._untrusted = untrusted
        self.argv = argv
        self._began = began
        self._out = out
        self._err = err
        self._done: Completed | None = None

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def running(self) -> bool:
        """Whether the child is still alive (a warm process may have died while waiting)."""
        return self._done is None and self._proc.poll() is None

    def finish(
        self, stdin: bytes | None, *, timeout: float, kill_grace_s: float = KILL_GRACE_S
    ) -> Completed:
        """Feed ``stdin`` (then close it) and wait within ``timeout``, as :func:`run` does.

        Called again, it returns the first answer. If waiting is interrupted (Ctrl-C, an
        error), the child's group is killed before the exception goes on: nothing is
        left running that :func:`terminate_all` could no longer reach.
        """
        if self._done is not None:
            return self._done
        proc = self._proc
        try:
            if proc.stdin is not None:
                _feed(proc.stdin, stdin or b"")
            timed_out = not _wait(proc, timeout)
            if timed_out:
                _kill_group(proc.pid, signal.SIGTERM)
                _wait(proc, kill_grace_s)
            return self._reap(timed_out)
        except BaseException:
            _kill_group(proc.pid, signal.SIGKILL)
            raise
        finally:
            with _LIVE_LOCK:
                _LIVE_GROUPS.discard(proc.pid)

    def cancel(self) -> None:
        """Stop the child without giving it work: its group is killed and reaped.
        Nothing to do once it has finished or been cancelled."""
        if self._done is not None:
            return
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._reap(timed_out=False)
        finally:
            with _LIVE_LOCK:
                _LIVE_GROUPS.discard(self._proc.pid)

    def _reap(self, timed_out: bool) -> Completed:
        proc = self._proc
        # Whatever is left in the group (a forked child holding our pipe) goes now, and
        # for untrusted code whatever left the group too (module docstring).
        _kill_group(proc.pid, signal.SIGKILL)
        proc.wait()
        with _LIVE_LOCK:
            _OWN.discard(proc.pid)
        if self._untrusted:
            end_adopted()
        drained = time.monotonic() + DRAIN_WAIT_S
        for tail in (self._out, self._err):
            tail.thread.join(timeout=max(0.0, drained - time.monotonic()))
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        self._done = Completed(
            argv=self.argv,
            returncode=proc.returncode,
            stdout=self._out.text(),
            stderr=self._err.text(),
            timed_out=timed_out,
            duration_s=time.monotonic() - self._began,
            truncated=self._out.truncated or self._err.truncated,
        )
        return self._done


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``proc`` to exit; ``True`` if it did (reaped).

    ``Popen.wait(timeout=...)`` polls, sleeping up to 50 ms between looks, so every
    child's end was noticed 25 ms late on average: on a pre-push grade, where a hook
    waits for the grader, which waits for pylint and a dozen git commands, that added
    up to a tenth of a second. On Linux a pidfd becomes readable the moment the child
    exits; elsewhere we fall back to polling.
    """
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None and proc.returncode is None:
        try:
            pidfd = pidfd_open(proc.pid)
        except OSError:  # an old kernel (ENOSYS) or a seccomp filter: poll instead
            pidfd = None
        if pidfd is not None:
            try:
                poller = select.poll()
                poller.register(pidfd, select.POLLIN)
                deadline = time.monotonic() + max(timeout, 0)
                # poll() takes a C int of milliseconds: wait in slices of at most a day.
                while not poller.poll(int(max(0, min(deadline - time.monotonic(), 86_400)) * 1000)):
                    if time.monotonic() >= deadline:
                        return False
            finally:
                os.close(pidfd)
            proc.wait()
            return True
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _feed(pipe: object, data: bytes) -> None:
    try:
        pipe.write(data)  # type: ignore[attr-defined]
        pipe.close()  # type: ignore[attr-defined]
    except (BrokenPipeError, OSError):
        pass
