"""Run one command and measure it: wall time, CPU time, and peak memory three ways.

Why three memory numbers: they answer different questions and none is right alone.

* ``tree_rss_peak`` - the peak, over time, of the *sum* of the resident set sizes of the
  command and all its descendants, sampled from ``/proc`` every ``interval`` seconds in a
  thread. This is what "how much memory does the run take" means to a user, but pages
  shared between a parent and its forked workers (pylint ``-j``) count once per process,
  so it over-counts process pools.
* ``tree_pss_peak`` - the same sum with the proportional set size (``smaps_rollup``),
  which splits shared pages between their sharers: the fair number for process pools.
* ``max_rss`` - ``ru_maxrss`` from :func:`os.wait4`: the largest RSS any *single* process of
  the tree reached (Linux folds reaped descendants' high-water marks into the parent's
  children usage). Exact (no sampling gap) but blind to processes running side by side.

``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of the bench process is also recorded, before
and after, because it is the number people usually quote; it is a high-water mark over
*every* child this process ever reaped, so its delta is zero whenever an earlier run
was bigger. Use ``max_rss`` for per-run numbers.

Sampling a short-lived process can miss its peak (it may live less than ``interval``);
the runs measured here live for seconds, so the gap is a few percent at most.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
PSS_MIN_GAP_S = 0.5
PSS_MAX_GAP_S = 2.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured run of one command."""

    argv: tuple[str, ...]
    returncode: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    max_rss_bytes: int
    """Largest single-process RSS in the tree (``wait4`` ``ru_maxrss``)."""
    tree_rss_peak_bytes: int
    """Peak of the sampled sum of RSS over the process tree."""
    tree_pss_peak_bytes: int
    """Peak of the sampled sum of PSS over the process tree."""
    peak_processes: int
    """Most processes alive in the tree at one sample."""
    own_rss_peak_bytes: int
    """Peak RSS sum without the processes started from ``exclude_prefix`` (and children)."""
    own_pss_peak_bytes: int
    """The same with PSS."""
    rusage_children_maxrss_delta_bytes: int
    """Delta of this process's ``RUSAGE_CHILDREN`` high-water mark (often 0; see module doc)."""
    samples: int
    sampler_cpu_s: float = 0.0
    """CPU the bench process itself used during the run (mostly the sampler thread)."""
    machine_busy_cpu_s: float = 0.0
    """CPU seconds the machine was busy during the run (``/proc/stat``), minus the bench's own."""
    stdout_tail: str = ""
    stderr_tail: str = ""
    loadavg_before: float = 0.0
    timeline: tuple[dict[str, Any], ...] = ()
    """With ``timeline=True``: each process seen, first/last seen (s), CPU s, peak RSS MB."""

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s

    @property
    def foreign_cpu_s(self) -> float:
        """CPU the machine spent on processes outside the measured tree during the run."""
        return max(0.0, self.machine_busy_cpu_s - self.cpu_s)


def _read_stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, rss_pages, cpu_ticks) from ``/proc/PID/stat``; None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rfind(b")") + 2 :].split()
    # rest[0] is field 3 (state); ppid is field 4, utime/stime 14/15, rss is field 24.
    return int(rest[1]), int(rest[21]), int(rest[11]) + int(rest[12])


def _read_cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent not idle since boot (``/proc/stat``)."""
    with open("/proc/stat", "rb") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already counted in user/nice.
    return (sum(fields[:8]) - idle) / TICK


def wait_for_quiet(max_wait_s: float, *, threshold: float = 0.25, window_s: float = 1.0) -> float:
    """Wait until the machine uses less than ``threshold`` cores; return the busy level seen.

    The bench shares the machine with whatever else runs; a run measured while another
    process takes a core says nothing about practicegrade.
    """
    deadline = time.monotonic() + max_wait_s
    while True:
        before = busy_cpu_s()
        time.sleep(window_s)
        level = (busy_cpu_s() - before) / window_s
        if level < threshold or time.monotonic() >= deadline:
            return level


def _read_pss(pid: int) -> int:
    """PSS in bytes from ``/proc/PID/smaps_rollup`` (0 if unreadable or gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


@dataclass(slots=True)
class _TreeSampler:
    """Samples the RSS/PSS sums of a process tree until stopped."""

    root: int
    interval: float
    started: float
    timeline: bool = False
    rss_peak: int = 0
    pss_peak: int = 0
    procs_peak: int = 0
    count: int = 0
    _parent: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    procs: dict[int, dict[str, Any]] = field(default_factory=dict)
    exclude_prefix: str = ""
    own_rss_peak: int = 0
    own_pss_peak: int = 0
    last_pss: float = -1.0
    last_pss_rss: int = 0
    pss_reads: int = 0

    def _tree(self) -> dict[int, tuple[int, int, int]]:
        """pid -> stat for the root and every live descendant.

        ppid is read once per pid: a process only changes parent when its parent dies,
        and then it is reparented out of the tree anyway.
        """
        live = {int(n) for n in os.listdir("/proc") if n.isdigit()}
        for gone in set(self._parent) - live:
            del self._parent[gone]
        rss: dict[int, tuple[int, int, int]] = {}
        for pid in live:
            if pid not in self._parent:
                stat = _read_stat(pid)
                if stat is None:
                    continue
                self._parent[pid] = stat[0]
        children: dict[int, list[int]] = {}
        for pid, ppid in self._parent.items():
            children.setdefault(ppid, []).append(pid)
        members = [self.root]
        for pid in members:  # breadth-first; the list grows while we walk it
            members.extend(children.get(pid, ()))
        for pid in members:
            stat = _read_stat(pid)
            if stat is not None:
                rss[pid] = stat
        return rss

    def _pss_due(self, rss: int, now: float) -> bool:
        """Read PSS when the RSS sum grew, or sits near its peak; not on every tick.

        ``smaps_rollup`` walks the page tables: ~1.5 ms of CPU per 100 MB process. Read on
        every 20 ms tick it took a quarter of a core from the two-core run we measure.
        The PSS peak sits where the RSS sum peaks (the same pages, split), so PSS is read
        whenever the RSS sum is 10% above what it was at the last read (a growing or a new
        process), when it is within 10% of its peak and ``PSS_MIN_GAP_S`` has passed, and
        at least every ``PSS_MAX_GAP_S``.
        """
        gap = now - self.last_pss
        grew = rss > 1.1 * self.last_pss_rss
        near_peak = rss >= 0.9 * self.rss_peak
        return grew or gap >= PSS_MAX_GAP_S or (near_peak and gap >= PSS_MIN_GAP_S)

    def tick(self) -> None:
        tree = self._tree()
        self.count += 1
        now = time.perf_counter() - self.started
        rss = sum(st[1] for st in tree.values()) * PAGE
        self.procs_peak = max(self.procs_peak, len(tree))
        self.rss_peak = max(self.rss_peak, rss)
        own = self._own(tree)
        self.own_rss_peak = max(self.own_rss_peak, sum(tree[pid][1] for pid in own) * PAGE)
        if self._pss_due(rss, now):
            self.last_pss = now
            self.last_pss_rss = rss
            self.pss_reads += 1
            pss = {pid: _read_pss(pid) for pid in tree}
            self.pss_peak = max(self.pss_peak, sum(pss.values()))
            self.own_pss_peak = max(self.own_pss_peak, sum(pss[pid] for pid in own))
        if self.timeline:
            for pid, (_, rss, cpu) in tree.items():
                entry = self.procs.get(pid)
                if entry is None:
                    entry = {"pid": pid, "cmd": _read_cmd(pid), "start_s": now, "rss_peak_mb": 0.0}
                    self.procs[pid] = entry
                else:
                    # A fork shows its parent's command line until it execs: re-read it.
                    cmd = _read_cmd(pid)
                    if cmd:
                        entry["cmd"] = cmd
                entry["end_s"] = now
                entry["cpu_s"] = cpu / TICK
                entry["rss_peak_mb"] = max(entry["rss_peak_mb"], rss * PAGE / (1 << 20))

    def _own(self, tree: Mapping[int, object]) -> set[int]:
        """The tree minus processes started from ``exclude_prefix`` and their descendants.

        With the learner's interpreter as the prefix this is practicegrade's own share of
        the memory: the learner's tests take what they take, whoever runs them.
        """
        if not self.exclude_prefix:
            return set(tree)
        out = {pid for pid in tree if _read_cmd(pid).startswith(self.exclude_prefix)}
        changed = True
        while changed:
            more = {pid for pid in tree if pid not in out and self._parent.get(pid) in out}
            changed = bool(more)
            out |= more
        return set(tree) - out

    def run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()


def _tail(handle: IO[bytes], size: int = 4000) -> str:
    handle.seek(0, os.SEEK_END)
    handle.seek(max(0, handle.tell() - size))
    return handle.read().decode("utf-8", "replace")


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    interval: float = 0.02,
    timeout_s: float = 1800.0,
    timeline: bool = False,
    exclude_prefix: str = "",
) -> Sample:
    """Run ``argv`` to completion and return its :class:`Sample`.

    Output goes to anonymous temporary files (a pipe we do not drain could stall the
    child, and files in ``cwd`` would make a git work tree dirty).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy_before = busy_cpu_s()
        self_before = _self_cpu_s()
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        sampler = _TreeSampler(
            root=proc.pid,
            interval=interval,
            started=started,
            timeline=timeline,
            exclude_prefix=exclude_prefix,
        )
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        killer = threading.Timer(timeout_s, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        killer.cancel()
        sampler.stop()
        thread.join()
        # The sampler's own CPU is not "foreign": take it out of the machine's total.
        own = _self_cpu_s() - self_before
        busy = busy_cpu_s() - busy_before - own
        stdout = _tail(out)
        stderr = _tail(err)
    proc.returncode = os.waitstatus_to_exitcode(status)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Sample(
        argv=tuple(argv),
        returncode=proc.returncode,
        wall_s=wall,
        cpu_user_s=usage.ru_utime,
        cpu_sys_s=usage.ru_stime,
        max_rss_bytes=usage.ru_maxrss * 1024,
        tree_rss_peak_bytes=sampler.rss_peak,
        tree_pss_peak_bytes=sampler.pss_peak,
        peak_processes=sampler.procs_peak,
        own_rss_peak_bytes=sampler.own_rss_peak,
        own_pss_peak_bytes=sampler.own_pss_peak,
        rusage_children_maxrss_delta_bytes=(after - before) * 1024,
        samples=sampler.count,
        sampler_cpu_s=own,
        machine_busy_cpu_s=busy,
        stdout_tail=stdout,
        stderr_tail=stderr,
        loadavg_before=load,
        timeline=tuple(
            {k: round(v, 3) if isinstance(v, float) else v for k, v in p.items()}
            for p in sorted(sampler.procs.values(), key=lambda p: p["start_s"])
        ),
    )


RESULTS = Path(__file__).resolve().parent / "results"


def write_results(stem: str, results: Mapping[str, Any], markdown: str) -> Path:
    """Write ``results/<stem>.json`` and ``.md`` (both committed); returns the JSON path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stem}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.md").write_text(markdown, encoding="utf-8")
    return path


CALIBRATION_LOOP = "x = 0\nfor i in range(20_000_000):\n    x += i\n"
"""A fixed pure-Python loop: its CPU time says how fast this machine is right now."""


def machine_speed_s(rounds: int = 3) -> float:
    """Median CPU seconds of :data:`CALIBRATION_LOOP` in a fresh interpreter.

    On a shared VM the same work takes 1.3 s in one quarter of an hour and 2 s in the
    next (a neighbour, not us). Recording this next to absolute timings says which
    kind of hour they were taken in; ratios against a baseline timed alongside are
    immune to it.
    """
    import sys  # noqa: PLC0415

    times = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", CALIBRATION_LOOP], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return median(times)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
