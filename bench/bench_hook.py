"""What the pre-push hook adds to ``git push`` (issue 5, "Speed").

Run from the repository root::

    python bench/bench_hook.py [--runs N] [--target marshmallow|attrs] [--skip-tests-scenario]

Set-up: the real-world package of ``bench_grade.py`` (pinned sdist, its own virtualenv,
cached under ``bench/.work``), pushed to a bare remote and cloned; the hook is installed
in the clone with practicegrade's interpreter, the package's virtualenv is the active
one (``VIRTUAL_ENV``), as it would be for a mentee. Every measured push carries one new
commit; the clock is the wall time of the whole ``git push``.

Scenarios, each measured ``--runs`` times after one warm-up push (see :func:`scenario`):

* **no Python change**: a commit that edits only ``README``. Compared with the same kind
  of push made with ``--no-verify``; target: the hook adds < 0.5 s.
* **one file changed, tests on** (the default ``hook: {tests: true}``): a commit that
  adds a function to one source module. Compared with the repository's own test run
  under coverage (``coverage run --branch -m pytest``, timed right after each hooked
  push); target: hook <= 1.3x that.
* **one file changed, tests off** (``hook: {tests: false}``, warm cache); target < 3 s.

The hook's time is the push's wall time minus the median ``--no-verify`` push. Results go
to ``bench/results/hook-<date>[-<target>].json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine_speed_s, median, run_measured, wait_for_quiet, write_results
from bench_grade import GIT_ID, TARGETS, WORK, fetch_sdist, make_venv, tool_env, unpack

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PG_PYTHON = REPO / ".venv" / "bin" / "python"

TARGET_NOOP_S = 0.5
TARGET_TESTS_RATIO = 1.3
TARGET_NO_TESTS_S = 3.0
QUIET = {"max_wait_s": 60.0, "threshold": 0.3}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> str:
    done = subprocess.run(
        list(argv), cwd=cwd, env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def hermetic_env(home: Path, venv_python: Path) -> dict[str, str]:
    """No user git config, a fixed identity, the package's virtualenv active."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    # As a mentee's machine: bytecode is written (tool_env drops PYTHONDONTWRITEBYTECODE).
    env = {k: v for k, v in tool_env().items() if not k.startswith(("GIT_", "PRACTICEGRADE_"))}
    env.update(GIT_ID)
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        VIRTUAL_ENV=str(venv_python.parent.parent),
    )
    env.pop("GIT_AUTHOR_DATE", None)
    env.pop("GIT_COMMITTER_DATE", None)
    return env


def prepare(target_name: str) -> tuple[Path, Path, Path, dict[str, str]]:
    """A fresh bare remote and clone of the package, hook installed: (remote, work, py, env)."""
    target = TARGETS[target_name]
    project = unpack(target, fetch_sdist(target))
    venv_python = make_venv(target, project)
    site = WORK / f"hook-{target.dist}"
    shutil.rmtree(site, ignore_errors=True)
    env = hermetic_env(site / "home", venv_python)
    remote, work = site / "remote.git", site / "work"
    run(["git", "clone", "-q", "--bare", str(project), str(remote)], site, env)
    run(["git", "clone", "-q", str(remote), str(work)], site, env)
    exclude = (project / ".git" / "info" / "exclude").read_text(encoding="utf-8")
    (work / ".git" / "info" / "exclude").write_text(exclude, encoding="utf-8")
    run([str(PG_PYTHON), "-m", "practicegrade", "hook", "install"], work, env)
    return remote, work, venv_python, env


def commit(work: Path, env: Mapping[str, str], kind: str, n: int) -> None:
    """One new commit: a README line, or a new function in one source module."""
    if kind == "readme":
        readme = next(p for p in sorted(work.iterdir()) if p.name.upper().startswith("README"))
        with readme.open("a", encoding="utf-8") as handle:
            handle.write(f"\nbench line {n}\n")
    else:
        module = source_module(work)
        with module.open("a", encoding="utf-8") as handle:
            handle.write(f'\n\ndef _bench_helper_{n}(value):\n    """Bench edit {n}."""\n')
            handle.write(f"    return value + {n}\n")
    run(["git", "commit", "-q", "-a", "-m", f"bench {kind} {n}"], work, env)


def source_module(work: Path) -> Path:
    src = work / "src"
    modules = sorted(
        (p for p in src.rglob("*.py") if p.name != "__init__.py"),
        key=lambda p: (p.stat().st_size, str(p)),
    )
    return modules[len(modules) // 2]  # a mid-size module: neither trivial nor the largest


def push(work: Path, env: Mapping[str, str], *, verify: bool) -> tuple[float, float, str]:
    wait_for_quiet(**QUIET)
    argv = ["git", "push", *([] if verify else ["--no-verify"]), "origin", "main"]
    sample = run_measured(argv, cwd=work, env=env)
    if sample.returncode != 0:
        raise SystemExit(f"push failed:\n{sample.stdout_tail}\n{sample.stderr_tail}")
    return sample.wall_s, sample.cpu_s, sample.stderr_tail


def scenario(
    work: Path,
    env: Mapping[str, str],
    kind: str,
    runs: int,
    counter: list[int],
    baseline: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """One warm-up push, then ``runs`` pushes with the hook, then ``runs`` without.

    ``baseline`` (the repository's own coverage run) is timed right after each counted
    hooked push, so the two sides of the ratio see the same machine: on a shared
    two-core VM the same test run takes 2.7 s or 4.4 s from one minute to the next.

    Hooked pushes follow each other, as a mentee's do: each one's base is the commit the
    previous push graded (and noted), which is the steady state the hook is built for.
    The warm-up push's base was pushed without the hook, so it is measured too: its
    time is recorded as ``first_push_s`` (the "base never graded" case). The
    ``--no-verify`` pushes come last so that none of them becomes a hooked push's base.
    """
    hooked: list[float] = []
    plain: list[float] = []
    hooked_cpu: list[float] = []
    plain_cpu: list[float] = []
    first = 0.0
    last = ""
    baseline_s: list[float] = []
    for i in range(1 + 2 * runs):
        verify = i <= runs
        counter[0] += 1
        commit(work, env, kind, counter[0])
        wall, cpu, tail = push(work, env, verify=verify)
        if i == 0:
            first = wall
            continue
        (hooked if verify else plain).append(wall)
        (hooked_cpu if verify else plain_cpu).append(cpu)
        if verify:
            last = tail
            if baseline is not None:
                baseline_s.append(baseline())
    return {
        "first_push_s": first,
        "push_with_hook_s": hooked,
        "push_no_verify_s": plain,
        "hook_added_s": median(hooked) - median(plain),
        "push_with_hook_cpu_s": hooked_cpu,
        "push_no_verify_cpu_s": plain_cpu,
        "hook_added_cpu_s": median(hooked_cpu) - median(plain_cpu),
        "last_hook_output": last[-2000:],
        **({"baseline_s": baseline_s} if baseline is not None else {}),
    }


def coverage_test_run(
    project: Path, venv_python: Path, runs: int, env: Mapping[str, str]
) -> list[float]:
    """The repository's own test run under coverage, as a mentee would run it."""
    times = []
    for _ in range(runs):
        wait_for_quiet(**QUIET)
        argv = [
            str(venv_python),
            "-m",
            "coverage",
            "run",
            "--branch",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        sample = run_measured(argv, cwd=project, env=env)
        times.append(sample.wall_s)
    (project / ".coverage").unlink(missing_ok=True)
    return times


def set_hook_tests(work: Path, env: Mapping[str, str], tests: bool) -> None:
    """Commit a practicegrade.yml with ``hook.tests`` and push it without the hook.

    Gates are advisory: a package whose own suite has a failing test here (attrs 26.1.0
    on this Python) would have its pushes blocked, which is the hook doing its job, but
    the bench measures the time of pushes that go through."""
    (work / "practicegrade.yml").write_text(
        f"version: 1\ngates: advisory\nhook: {{tests: {str(tests).lower()}, timeout_s: 600}}\n",
        encoding="utf-8",
    )
    run(["git", "add", "practicegrade.yml"], work, env)
    run(["git", "commit", "-q", "-m", f"hook tests {tests}"], work, env)
    run(["git", "push", "-q", "--no-verify", "origin", "main"], work, env)


def _row(name: str, data: Mapping[str, Any], target: str, ok: bool, extra: str = "") -> str:
    return (
        f"| {name} | {median(data['push_with_hook_s']):.3f} s "
        f"(first: {data['first_push_s']:.2f} s) | "
        f"{median(data['push_no_verify_s']):.3f} s | {data['hook_added_s']:.3f} s{extra} | "
        f"{data['hook_added_cpu_s']:.3f} s | {target} | {'yes' if ok else 'NO'} |"
    )


def report(results: Mapping[str, Any]) -> str:
    """The Markdown table: wall-clock medians, and CPU time as a load-independent check."""
    noop = results["no_python_change"]
    lines = [
        f"# pre-push hook bench ({results['target']}, {results['date']})",
        "",
        f"machine: {results['machine']}; runs: {results['runs']} (medians);"
        f" load average before: {results['loadavg']}",
        "",
        "machine speed (CPU s of a fixed Python loop, `_measure.machine_speed_s`; lower is"
        f" faster): {results['machine_speed_before_s']:.2f} s before,"
        f" {results['machine_speed_after_s']:.2f} s after",
        "",
        "| scenario | push with hook | push --no-verify | hook adds (wall) | hook adds (CPU) "
        "| target | ok |",
        "|---|---|---|---|---|---|---|",
        _row(
            "no Python change", noop, f"< {TARGET_NOOP_S} s", noop["hook_added_s"] < TARGET_NOOP_S
        ),
    ]
    if "one_file_tests" in results:
        one = results["one_file_tests"]
        cov = median(results["coverage_test_run_s"])
        ratio = one["hook_added_s"] / cov
        extra = f" = {ratio:.2f}x the coverage run ({cov:.2f} s)"
        lines.append(
            _row(
                "one file, tests on",
                one,
                f"<= {TARGET_TESTS_RATIO}x",
                ratio <= TARGET_TESTS_RATIO,
                extra,
            )
        )
    if "one_file_no_tests" in results:
        one = results["one_file_no_tests"]
        ok = one["hook_added_s"] < TARGET_NO_TESTS_S
        lines.append(_row("one file, tests off", one, f"< {TARGET_NO_TESTS_S} s", ok))
    for key in ("no_python_change", "one_file_tests", "one_file_no_tests"):
        if key in results:
            output = results[key]["last_hook_output"].strip()
            lines += ["", f"last hook output, {key}:", "```", output, "```"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", choices=sorted(TARGETS), default="marshmallow")
    parser.add_argument("--only-noop", action="store_true", help="Only the no-Python-change push.")
    args = parser.parse_args(argv)

    remote, work, venv_python, env = prepare(args.target)
    del remote
    counter = [0]
    results: dict[str, Any] = {
        "target": args.target,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "runs": args.runs,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "machine_speed_before_s": machine_speed_s(),
    }
    set_hook_tests(work, env, True)
    say("scenario: no Python change")
    results["no_python_change"] = scenario(work, env, "readme", args.runs, counter)
    if not args.only_noop:
        say("scenario: one file changed, tests on (each push followed by a coverage run)")
        results["one_file_tests"] = scenario(
            work,
            env,
            "code",
            args.runs,
            counter,
            baseline=lambda: coverage_test_run(work, venv_python, 1, env)[0],
        )
        results["coverage_test_run_s"] = results["one_file_tests"]["baseline_s"]
        say("scenario: one file changed, tests off")
        set_hook_tests(work, env, False)
        results["one_file_no_tests"] = scenario(work, env, "code", args.runs, counter)

    results["machine_speed_after_s"] = machine_speed_s()
    text = report(results)
    write_results(f"hook-{dt.date.today().isoformat()}-{args.target}", results, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
