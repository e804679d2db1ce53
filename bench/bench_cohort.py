"""How long ``practicegrade cohort`` takes over many mentee repositories (issue 15: 50 in < 10 s).

Builds N repositories in a temporary folder, each with G graded commits (a note per
commit, as the hook or CI writes them) and a competence model with a milestone, then
times the real command (a fresh ``python -m practicegrade cohort`` process, interpreter
start included) R times and prints the median, min and max. Run by hand:

    .venv/bin/python bench/bench_cohort.py            # 50 repos x 20 grades, 3 runs
    .venv/bin/python bench/bench_cohort.py --repos 100 --grades 40
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """version: 1
role: junior-python
milestones:
  - {id: solid-tests, title: Solid tests, due: 2027-06-01, requires: [testing]}
"""


def git(repo: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, text=True, check=True, capture_output=True
    )


def build(root: Path, index: int, grades: int) -> Path:
    repo = root / f"mentee-{index:03d}"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "practicegrade.yml").write_text(CONFIG)
    git(repo, "add", "-A")
    for g in range(grades):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"cycle {g}")
        coverage = 40 + (g * (index % 5)) % 55
        line = json.dumps(
            {
                "v": 1,
                "ts": f"2026-{1 + g // 28:02d}-{1 + g % 28:02d}T12:00:00Z",
                "source": "ci",
                "metrics": {
                    "coverage.line_pct": coverage,
                    "lint.score": 7 + (g % 3),
                    "complexity.cc_max": 12 - g % 4,
                    "tests.passed": 5 + g,
                    "tests.failed": 0,
                    "tests.errors": 0,
                },
                "hot": ["lint:too-many-branches", "fn:src/app.py:parse"],
            },
            separators=(",", ":"),
        )
        git(repo, "notes", "--ref", "practicegrade", "add", "-f", "-F", "-", "HEAD", stdin=line)
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--grades", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="practicegrade-cohort-bench-"))
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "m",
        "GIT_AUTHOR_EMAIL": "m@x.invalid",
        "GIT_COMMITTER_NAME": "m",
        "GIT_COMMITTER_EMAIL": "m@x.invalid",
    }
    os.environ.update(env)
    try:
        started = time.perf_counter()
        repos = [build(root, i, args.grades) for i in range(args.repos)]
        print(
            f"built {args.repos} repos x {args.grades} graded commits "
            f"in {time.perf_counter() - started:.1f} s"
        )
        argv = [sys.executable, "-m", "practicegrade", "cohort", "--json", *map(str, repos)]
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            assert len(json.loads(done.stdout)) == args.repos
        print(
            f"cohort over {args.repos} repos: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}, {args.runs} runs, "
            f"{os.cpu_count()} cores)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
