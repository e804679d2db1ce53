"""A CI grade of a pull request whose base CI already recorded, against one with no base
(issue 14, "Speed": at most 1.15x).

Run from the repository root::

    python bench/bench_ci_base.py [--runs N] [--target marshmallow|attrs] [--no-write]

What it does, on the same pinned real-world package as ``bench_grade.py`` (its sdist,
git repository and virtualenv under ``bench/.work`` are reused):

1. clones the package's repository into ``bench/.work/ci-base-<dist>``; ``main`` is the
   sdist; branch ``feature`` adds one small function to one source file (a pull request);
2. grades ``main`` as the default branch's CI job does,
   ``grade --source ci --base none --record``, so ``refs/notes/practicegrade-ci`` holds it;
3. measures, ``--runs`` times each, in alternating order after one uncounted warm-up round,
   on ``feature``, with ``--source ci`` (no cache, no reused worktree: every run is cold):

   * ``no base``: ``grade --base none``;
   * ``recorded base``: ``grade --base main`` (the base comes from the record);
   * ``regraded base`` (for scale): ``grade --base main --no-reuse-base``.

The ratio is median(recorded base) / median(no base). Before each run the bench waits
(``--quiet-wait``, default 120 s) for the machine to use under a quarter of a core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import median, wait_for_quiet, write_results
from bench_grade import (
    GIT_ID,
    TARGETS,
    WORK,
    check,
    ensure_config,
    fetch_sdist,
    make_venv,
    say,
    tool_env,
    unpack,
)

TARGET_RATIO = 1.15
PG = Path(sys.executable).parent / "practicegrade"
CHANGE = '''

def _bench_pull_request_change(values):
    """A small change, as a pull request would make."""
    total = 0
    for value in values:
        if value:
            total += 1
    return total
'''


def prepare(target_name: str) -> tuple[Path, Path]:
    target = TARGETS[target_name]
    project = unpack(target, fetch_sdist(target))
    ensure_config(target, project)
    python = make_venv(target, project)
    repo = WORK / f"ci-base-{target.dist}"
    shutil.rmtree(repo, ignore_errors=True)
    env = {**os.environ, **GIT_ID}
    check(["git", "clone", "-q", str(project), str(repo)], env=env)
    shutil.copy(project / ".git" / "info" / "exclude", repo / ".git" / "info" / "exclude")
    found = sorted(p for p in (repo / "src").rglob("*.py") if p.name != "__init__.py")
    changed = found[0]
    check(["git", "checkout", "-q", "-b", "feature"], cwd=repo, env=env)
    changed.write_text(changed.read_text(encoding="utf-8") + CHANGE, encoding="utf-8")
    check(["git", "commit", "-q", "-am", "bench: a pull request"], cwd=repo, env=env)
    check(["git", "checkout", "-q", "main"], cwd=repo, env=env)
    say(f"recording main of {target.dist} as the default branch's CI job would")
    grade(repo, python, "--base", "none", "--record")
    check(["git", "checkout", "-q", "feature"], cwd=repo, env=env)
    return repo, python


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade(repo: Path, python: Path, *args: str) -> tuple[float, float]:
    """One cold grade: (wall seconds, CPU seconds of the whole process tree)."""
    out = repo / ".practicegrade"
    shutil.rmtree(out, ignore_errors=True)
    argv = [str(PG), "grade", str(repo), "--source", "ci", "--python", str(python), "--no-bench"]
    cpu_before = _children_cpu_s()
    started = time.monotonic()
    done = subprocess.run(
        [*argv, *args], env=tool_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - started
    cpu = _children_cpu_s() - cpu_before
    if done.returncode not in (0, 1):
        raise SystemExit(f"grade {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, cpu


CASES = {
    "no base": ("--base", "none"),
    "recorded base": ("--base", "main"),
    "regraded base": ("--base", "main", "--no-reuse-base"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", choices=sorted(TARGETS), default="marshmallow")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--quiet-wait", type=float, default=120.0, help="wait up to S s for a quiet machine"
    )
    args = parser.parse_args()
    repo, python = prepare(args.target)
    reused = json.loads(
        subprocess.run(
            [
                str(PG),
                "grade",
                str(repo),
                "--source",
                "ci",
                "--python",
                str(python),
                "--no-bench",
                "--base",
                "main",
                "--json",
            ],
            env=tool_env(),
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    )
    base_from_record = reused["comparison"] is not None
    times: dict[str, list[float]] = {name: [] for name in CASES}
    cpus: dict[str, list[float]] = {name: [] for name in CASES}
    for round_no in range(args.runs + 1):
        order = list(CASES) if round_no % 2 == 0 else list(reversed(CASES))
        for name in order:
            if args.quiet_wait > 0:
                wait_for_quiet(args.quiet_wait)
            elapsed, cpu = grade(repo, python, *CASES[name])
            if round_no > 0:
                times[name].append(round(elapsed, 3))
                cpus[name].append(round(cpu, 3))
            warm = " (warm-up)" if round_no == 0 else ""
            say(f"round {round_no}{warm}: {name} {elapsed:.2f} s wall, {cpu:.2f} s CPU")
    medians = {name: median(values) for name, values in times.items()}
    cpu_medians = {name: median(values) for name, values in cpus.items()}
    ratio = medians["recorded base"] / medians["no base"]
    scale = medians["regraded base"] / medians["no base"]
    cpu_ratio = cpu_medians["recorded base"] / cpu_medians["no base"]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    lines = [
        f"# CI grade with a recorded base vs no base ({TARGETS[args.target].dist})",
        "",
        f"{args.runs} counted rounds after one warm-up, alternating order, `--source ci`, cold.",
        "CPU = user + system seconds of the grade's whole process tree (robust to a busy",
        "machine; wall time is what a CI job waits).",
        "",
        "| grade of the PR commit | median wall s | median CPU s | wall runs |",
        "|---|---:|---:|---|",
        *(
            f"| {n} | {medians[n]:.2f} | {cpu_medians[n]:.2f} | "
            f"{', '.join(f'{v:.2f}' for v in times[n])} |"
            for n in CASES
        ),
        "",
        f"- recorded base / no base: **{ratio:.3f}x** wall, {cpu_ratio:.3f}x CPU "
        f"(target <= {TARGET_RATIO}x: {verdict})",
        f"- regraded base / no base: {scale:.3f}x wall (what the record saves)",
        f"- the PR grade compared with the base: {base_from_record}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        stem = f"ci-base-{dt.date.today().isoformat()}-{args.target}"
        results = {
            "target": TARGETS[args.target].dist,
            "runs": times,
            "cpu_runs": cpus,
            "medians": medians,
            "cpu_medians": cpu_medians,
            "ratio_recorded_vs_none_cpu": cpu_ratio,
            "ratio_recorded_vs_none": ratio,
            "ratio_regraded_vs_none": scale,
            "target_ratio": TARGET_RATIO,
        }
        say(f"wrote {write_results(stem, results, markdown)}")


if __name__ == "__main__":
    main()
