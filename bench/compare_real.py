"""practicegrade's ``tests.*`` and ``coverage.*`` against the raw tools, on real PyPI sdists.

Run from the repository root (network: PyPI only, for the sdists and their test
dependencies)::

    python bench/compare_real.py [--only NAME ...]

Each package is chosen because it configures its own pytest and coverage.py:

* ``jaraco.functools``: ``--doctest-modules`` in ``pytest.ini`` addopts, a top-level
  ``test_functools.py``, ``.coveragerc`` with ``omit`` and ``exclude_also``;
* ``pluggy``: ``testpaths = testing`` in ``tox.ini`` (its ``testing/benchmark.py`` is not
  run), ``.coveragerc`` with ``[run] include`` and ``exclude_lines``, ``parallel = true``;
* ``texttable``: its tests live in a top-level ``tests.py`` that pytest's defaults do not
  collect (practicegrade runs ``pytest tests.py`` and says so), ``.coveragerc``
  ``exclude_lines``;
* ``humanize``: pytest 9's ``[tool.pytest]`` with ``testpaths = [src, tests]`` and
  ``--doctest-modules``, ``[tool.coverage]`` ``exclude_also``.

For each: the pinned sdist is unpacked into ``bench/.work/real/NAME`` and made a git
repository with one commit; a virtualenv ``.venv`` in it gets the package (editable),
pytest, coverage.py and its test dependencies. Then, in the project root, with that
interpreter and an empty ``HOME``:

* raw pytest: ``python -m pytest`` (``python -m pytest tests.py`` for texttable, what
  practicegrade says it ran), its summary line parsed;
* raw coverage.py: ``coverage run -m pytest`` (``--source=PKG`` added only when the
  project's settings name no ``source``/``include``, as practicegrade then measures the
  package it found; ``--branch`` added when they do not turn branch coverage on, as
  practicegrade always measures branches: it changes no line count), ``coverage
  combine`` when the project sets ``parallel``, then ``coverage json``; line % =
  covered_lines / num_statements, branch % likewise;
* ``practicegrade grade ROOT --python ROOT/.venv/bin/python --base none --no-bench --json``.

It prints one table row per package and metric (raw tool, practicegrade, equal?) and
exits 1 if any pair differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _sdist import download_sdist

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work" / "real"
PRACTICEGRADE = [sys.executable, "-m", "practicegrade"]


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    test_deps: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    """What practicegrade runs beyond plain ``pytest`` (the top-level test.py fallback)."""
    source: str | None = None
    """``--source`` for raw coverage when the project's settings name none."""


PACKAGES = (
    Package("jaraco.functools", "4.6.0", ("jaraco.classes",)),
    Package("pluggy", "1.7.0"),
    Package("texttable", "1.7.2", ("cjkwrap",), pytest_args=("tests.py",), source="texttable"),
    Package("humanize", "4.17.0", ("freezegun",)),
)

TEST_METRICS = ("tests.passed", "tests.failed", "tests.errors", "tests.skipped")
COVERAGE_METRICS = ("coverage.line_pct", "coverage.branch_pct")


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def prepare(pkg: Package) -> Path:
    """Unpack the pinned sdist into a git repository with its own virtualenv (cached)."""
    root = WORK / pkg.name
    if (root / ".venv" / "bin" / "python").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    archive = download_sdist(pkg.name, pkg.version, WORK / "sdists")
    with tarfile.open(archive) as tar:
        tar.extractall(WORK, filter="data")  # a PyPI sdist we pinned
    unpacked = WORK / archive.name.removesuffix(".tar.gz")
    unpacked.rename(root)
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run(
        [
            *git,
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@invalid",
            "commit",
            "-q",
            "--no-gpg-sign",
            "-m",
            "sdist",
        ],
        check=True,
    )
    subprocess.run([sys.executable, "-m", "venv", str(root / ".venv")], check=True)
    pip = [str(root / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-e", str(root), "pytest", "coverage", *pkg.test_deps], check=True)
    return root


def summary_counts(output: str) -> dict[str, int]:
    """pytest's final ``== 3 failed, 10 passed in 0.1s ==`` line as counts."""
    lines = [ln for ln in output.splitlines() if re.search(r"\bin [\d.]+s", ln)]
    if not lines:
        return {}
    head = lines[-1].split(" in ")[0]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", head)}
    return {("error" if k == "errors" else k): v for k, v in counts.items()}


def raw_tests(root: Path, pkg: Package, env: dict[str, str]) -> dict[str, float]:
    python = str(root / ".venv" / "bin" / "python")
    out = run([python, "-m", "pytest", "-p", "no:cacheprovider", *pkg.pytest_args], root, env)
    c = summary_counts(out)
    return {
        "tests.passed": c.get("passed", 0) + c.get("xpassed", 0),
        "tests.failed": c.get("failed", 0),
        "tests.errors": c.get("error", 0),
        "tests.skipped": c.get("skipped", 0) + c.get("xfailed", 0),
    }


def project_sets(root: Path, key: str) -> bool:
    """Whether the project's coverage settings name ``key`` (source/include/parallel)."""
    sys.path.insert(0, str(REPO / "src"))
    from practicegrade.collectors._pytest_coverage import read_project_coverage  # noqa: PLC0415

    found = read_project_coverage(root)
    if found is None:
        return False
    if key in ("source", "include"):
        return found.chooses_source
    text = (root / found.config).read_text(encoding="utf-8")
    return bool(re.search(rf"^\s*(run\.)?{key}\s*=\s*(1|true|True|yes)", text, re.M))


def raw_coverage(root: Path, pkg: Package, env: dict[str, str]) -> dict[str, float]:
    python = str(root / ".venv" / "bin" / "python")
    data = Path(tempfile.mkdtemp(prefix="raw-cov-")) / ".coverage"
    env = {**env, "COVERAGE_FILE": str(data)}
    cov = [python, "-m", "coverage"]
    source = [] if project_sets(root, "source") else [f"--source={pkg.source or pkg.name}"]
    branch = [] if project_sets(root, "branch") else ["--branch"]
    argv = [*cov, "run", *branch, *source, "-m", "pytest", "-p", "no:cacheprovider"]
    run([*argv, *pkg.pytest_args], root, env)
    if project_sets(root, "parallel"):
        run([*cov, "combine"], root, env)
    out = data.parent / "raw.json"
    run([*cov, "json", "-o", str(out)], root, env)
    totals = json.loads(out.read_text(encoding="utf-8"))["totals"]
    result = {"coverage.line_pct": totals["covered_lines"] / totals["num_statements"] * 100}
    if totals.get("num_branches"):
        result["coverage.branch_pct"] = totals["covered_branches"] / totals["num_branches"] * 100
    shutil.rmtree(data.parent, ignore_errors=True)
    return result


def graded(root: Path) -> dict[str, Any]:
    shutil.rmtree(root / ".practicegrade", ignore_errors=True)
    python = str(root / ".venv" / "bin" / "python")
    argv = [
        *PRACTICEGRADE,
        "grade",
        str(root),
        "--python",
        python,
        "--base",
        "none",
        "--no-bench",
        "--json",
        "--source",
        "local",
    ]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"practicegrade failed on {root}: {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def fmt(value: float | None) -> str:
    if value is None:
        return "absent"
    return f"{value:.2f}" if value != int(value) else str(int(value))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", help="package names to compare")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str, bool]] = []
    notes: list[str] = []
    for pkg in PACKAGES:
        if args.only and pkg.name not in args.only:
            continue
        root = prepare(pkg)
        home = Path(tempfile.mkdtemp(prefix="home-"))
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
        raw = {**raw_tests(root, pkg, env), **raw_coverage(root, pkg, env)}
        report = graded(root)
        metrics = report["metrics"]
        for key in (*TEST_METRICS, *COVERAGE_METRICS):
            ours = metrics.get(key)
            theirs = raw.get(key)
            same = (ours is None and theirs is None) or (
                ours is not None and theirs is not None and abs(ours - theirs) < 1e-9
            )
            rows.append((f"{pkg.name} {pkg.version}", key, fmt(theirs), fmt(ours), same))
        left = (report.get("tests") or {}).get("coverage_left_out")
        kinds = [f["kind"] for f in report.get("findings", [])]
        notes.append(f"{pkg.name}: findings {kinds}; coverage settings left out {left}")
        shutil.rmtree(home, ignore_errors=True)
    print("| package | metric | raw tool | practicegrade | equal |")
    print("|---|---|---:|---:|---|")
    for name, key, theirs, ours, same in rows:
        print(f"| {name} | `{key}` | {theirs} | {ours} | {'yes' if same else 'NO'} |")
    print()
    for note in notes:
        print(note)
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
