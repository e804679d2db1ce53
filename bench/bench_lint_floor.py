"""How fast can a one-file static re-grade be? The pylint floor behind issue 4's 15% target.

Run from the repository root::

    python bench/bench_lint_floor.py [--runs 3] [--no-write]

On the pinned marshmallow sdist that ``bench/bench_grade.py`` prepares (cached under
``bench/.work``), with practicegrade's own pylint, each a fresh process, wall time,
median of ``--runs``:

1. ``pylint -j2`` on every source file (what a cold grade's lint costs on two cores);
2. ``pylint`` on one trivial file (a fresh pylint process's fixed cost);
3. ``pylint`` on each source module alone (what relinting just that module costs in a
   fresh process: astroid infers into everything it imports);
4. a resident-process prototype: one interpreter lints everything once, forgets the
   first-party modules (astroid keeps the standard library and third-party trees),
   then relints each module alone; the time of that relint, per module.

Results: a table on stdout and ``bench/results/lint-floor-<date>.json`` / ``.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_grade  # noqa: E402  - shares the prepared target
from _measure import write_results  # noqa: E402

PG_PYTHON = REPO / ".venv" / "bin" / "python"

_RESIDENT = r"""
import json, os, sys, time
from astroid import MANAGER, context
from pylint.lint import Run
from pylint.reporters import CollectingReporter

files = json.loads(sys.argv[1])
sys.path.insert(0, os.path.abspath("src"))

def lint(paths):
    Run(["--persistent=n", "--reports=n", *paths], reporter=CollectingReporter(), exit=False)

lint(files)
first_party = {
    name for name, module in MANAGER.astroid_cache.items()
    if (getattr(module, "file", None) or "").startswith(os.path.abspath("src"))
}
out = {}
for path in files:
    for name in first_party:
        MANAGER.astroid_cache.pop(name, None)
    context._INFERENCE_CACHE.clear()
    started = time.perf_counter()
    lint([path])
    out[path] = time.perf_counter() - started
print(json.dumps(out))
"""


def timed(argv: Sequence[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started


def median_of(runs: int, argv: Sequence[str], cwd: Path) -> float:
    return statistics.median(timed(argv, cwd) for _ in range(runs))


def measure(project: Path, runs: int) -> dict[str, Any]:
    files = sorted(str(p.relative_to(project)) for p in (project / "src").rglob("*.py"))
    pylint = [str(PG_PYTHON), "-m", "pylint", "--persistent=n"]
    out: dict[str, Any] = {"files": len(files)}
    bench_grade.say("pylint -j2 on every source file")
    out["all_j2_s"] = median_of(runs, [*pylint, "-j2", *files], project)
    bench_grade.say("pylint on one trivial file")
    with tempfile.TemporaryDirectory() as scratch:
        trivial = Path(scratch) / "trivial.py"
        trivial.write_text('"""A module."""\n\nVALUE = 1\n', encoding="utf-8")
        out["trivial_s"] = median_of(runs, [*pylint, str(trivial)], Path(scratch))
    bench_grade.say("pylint on each module alone")
    out["alone_s"] = {f: median_of(runs, [*pylint, f], project) for f in files}
    bench_grade.say("resident prototype: relint each module with third-party trees kept")
    resident: list[dict[str, float]] = []
    for _ in range(runs):
        done = subprocess.run(
            [str(PG_PYTHON), "-c", _RESIDENT, json.dumps(files)],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        resident.append(json.loads(done.stdout.strip().splitlines()[-1]))
    out["resident_relint_s"] = {f: statistics.median(r[f] for r in resident) for f in files}
    return out


def report(results: dict[str, Any]) -> str:
    lines = [
        f"pylint -j2 on all {results['files']} files: {results['all_j2_s']:.2f} s; "
        f"pylint on one trivial file (fresh-process floor): {results['trivial_s']:.2f} s",
        "",
        "| module | pylint alone, fresh process | relint in a resident process |",
        "|---|---:|---:|",
    ]
    for path, alone in results["alone_s"].items():
        lines.append(f"| `{path}` | {alone:.2f} s | {results['resident_relint_s'][path]:.2f} s |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    target = bench_grade.TARGETS["marshmallow"]
    bench_grade.WORK.mkdir(parents=True, exist_ok=True)
    project = bench_grade.unpack(target, bench_grade.fetch_sdist(target))
    results = {"target": target.dist, **measure(project, args.runs)}
    table = report(results)
    print(table)
    if not args.no_write:
        stamp = dt.date.today().isoformat()
        heading = f"# bench_lint_floor {stamp} ({target.dist})\n\n"
        write_results(f"lint-floor-{stamp}", results, f"{heading}{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
