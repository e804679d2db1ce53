"""Speed and memory of ``practicegrade grade`` against the raw tools it wraps (issue 2, "Speed").

Run from the repository root with practicegrade's own virtualenv active or not::

    python bench/bench_grade.py [--runs N] [--target marshmallow|attrs] [--tag TAG]

What it does:

1. Prepares a real-world package (pinned sdist from PyPI, cached under ``bench/.work``):
   unpacks it, makes it a git repository with one commit (so practicegrade's git and
   cache code paths behave as for a learner), and builds a dedicated virtualenv with the
   package (editable) and its test dependencies, installed from a local wheel cache, so
   reruns need no network.
2. Measures, ``--runs`` times each, alternating the order (raw tools first on even
   rounds, practicegrade first on odd ones) after one warm-up round that is not counted:

   * the raw tools one after another: ``coverage run --branch -m pytest`` (project venv),
     ``pylint`` on the files practicegrade lints, ``radon cc -j`` and ``radon mi -j``
     (practicegrade's venv, default settings);
   * ``practicegrade grade DIR --python VENV_PY --base none --no-bench``, cold: its output
     folder, git notes and any cache are deleted before every run;
   * ``practicegrade --help``;
   * for analysis only (not in any ratio): plain ``pytest``, ``pylint -j2``,
     ``coverage json``.
3. Prints a table, the issue's ratios against their targets, and writes
   ``bench/results/grade-<date>[-<target>][-<tag>].json`` and ``.md``.

Every number is a median over the counted rounds; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import Sample, median, run_measured, wait_for_quiet, write_results
from _sdist import download_sdist

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"

TARGET_SEQ = 0.75
TARGET_BOUND = 1.2
TARGET_MEM = 1.3
TARGET_HELP_S = 0.3


@dataclass(frozen=True, slots=True)
class Target:
    """A pinned real-world package to grade."""

    name: str
    version: str
    test_deps: tuple[str, ...]
    """Pinned test requirements installed next to the package."""
    note: str
    build_extras: tuple[str, ...] = ()
    """Wheels the build backend asks for only in editable mode (hatchling: ``editables``)."""
    config: str = ""
    """A ``practicegrade.yml`` to commit into the project, when detection alone is not enough."""

    @property
    def dist(self) -> str:
        return f"{self.name}-{self.version}"


_TOOLS = ("pytest==9.2.0", "coverage==7.17.5")

TARGETS = {
    # 15.3 KLOC (5.0 src + 10.2 tests); ~1200 tests, all green, ~4.5 s under coverage.
    # Tests and pylint cost about the same: the case the ratios are written for.
    "marshmallow": Target(
        name="marshmallow",
        version="4.4.0",
        test_deps=(*_TOOLS, "simplejson==4.3.0"),
        note="15.3 KLOC (src 5.0 + tests 10.2), ~1200 tests, tests ~ pylint",
    ),
    # 20.1 KLOC (7.0 src + 13.0 tests, Hypothesis); tests dominate (~22 s vs ~5 s pylint),
    # so 0.75 x the sequential sum is below T_cov: the 0.75 target cannot be met here,
    # the bound ratio can.
    "attrs": Target(
        name="attrs",
        version="26.1.0",
        test_deps=(*_TOOLS, "hypothesis==6.170.17", "cloudpickle==3.1.3", "pympler==1.1"),
        note="20.1 KLOC (src 7.0 + tests 13.0), ~1400 tests (Hypothesis), tests dominate",
        build_extras=("editables",),
        # Detection takes the package named in pyproject.toml (src/attrs, 6 re-export
        # files) and misses src/attr, where the code is: name both, as a user would.
        config="version: 1\nsource: [src/attr, src/attrs]\n",
    ),
}

GIT_ID = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}
IGNORED = (
    ".practicegrade/",
    ".coverage",
    ".coverage.*",
    "coverage.json",
    ".pytest_cache/",
    ".hypothesis/",
    "__pycache__/",
    "*.egg-info/",
    ".mypy_cache/",
    ".ruff_cache/",
)


# ----------------------------------------------------------------------------- set-up


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def check(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a set-up command; fail loudly with its output."""
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env) if env else None,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(argv)}\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def build_requires(project: Path) -> list[str]:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    requires: list[str] = data.get("build-system", {}).get("requires", [])
    return requires


def fetch_sdist(target: Target) -> Path:
    """The cached sdist, downloaded once."""
    return download_sdist(target.name, target.version, WORK / "dl", say)


def unpack(target: Target, sdist: Path) -> Path:
    """Unpack the sdist and commit it to a fresh git repository (once)."""
    project = WORK / target.dist
    if (project / ".git").is_dir():
        return project
    shutil.rmtree(project, ignore_errors=True)
    with tarfile.open(sdist) as tar:
        tar.extractall(WORK, filter="data")
    tests = [p for p in project.rglob("test_*.py") if "docs" not in p.parts]
    if not tests:
        raise SystemExit(f"{sdist.name} ships no tests; pick another target")
    env = {**os.environ, **GIT_ID}
    check(["git", "init", "-q", "-b", "main"], cwd=project, env=env)
    (project / ".git" / "info" / "exclude").write_text("\n".join(IGNORED) + "\n", encoding="utf-8")
    check(["git", "add", "-A"], cwd=project, env=env)
    check(["git", "commit", "-q", "-m", f"{target.dist} sdist"], cwd=project, env=env)
    return project


def ensure_config(target: Target, project: Path) -> None:
    """Commit the target's ``practicegrade.yml`` (if it has one and it is not there yet)."""
    path = project / "practicegrade.yml"
    if not target.config or (path.exists() and path.read_text(encoding="utf-8") == target.config):
        return
    path.write_text(target.config, encoding="utf-8")
    env = {**os.environ, **GIT_ID}
    check(["git", "add", "practicegrade.yml"], cwd=project, env=env)
    check(["git", "commit", "-q", "-m", "bench: practicegrade.yml"], cwd=project, env=env)


def make_venv(target: Target, project: Path) -> Path:
    """The project's own virtualenv, installed from a local wheel cache (offline reruns)."""
    venv = WORK / f"venv-{target.dist}"
    python = venv / "bin" / "python"
    marker = venv / ".bench-ready"
    if marker.exists():
        return python
    wheels = WORK / f"wheels-{target.dist}"
    wheels_marker = wheels / ".complete"
    if not wheels_marker.exists():
        say(f"caching wheels for {target.dist}'s tests and build")
        check(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "-d",
                str(wheels),
                *target.test_deps,
                *build_requires(project),
                *target.build_extras,
            ]
        )
        wheels_marker.write_text("ok\n", encoding="utf-8")
    shutil.rmtree(venv, ignore_errors=True)
    say(f"creating {venv}")
    check([sys.executable, "-m", "venv", str(venv)])
    check(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(wheels),
            "-e",
            str(project),
            *target.test_deps,
        ]
    )
    marker.write_text("ok\n", encoding="utf-8")
    return python


def pg_bin(venv: Path, tool: str) -> str:
    path = venv / "bin" / tool
    if not path.exists():
        raise SystemExit(f"{path} not found: install practicegrade's dev environment first")
    return str(path)


def discovered(pg_venv: Path, project: Path, python: Path) -> dict[str, Any]:
    """What practicegrade itself detects (with the target's config): the files it lints."""
    code = (
        "import json, sys; from pathlib import Path; from practicegrade.discover import discover; "
        "from practicegrade.config import load_config; "
        "c = load_config(Path(sys.argv[1]), None); "
        "p = discover(Path(sys.argv[1]), source=c.source, tests=c.tests, exclude=c.exclude, "
        "python=sys.argv[2]); "
        "print(json.dumps({'source_dirs': p.source_dirs, 'source_files': p.source_files, "
        "'test_paths': p.test_paths, 'packages': p.packages}))"
    )
    out = check([pg_bin(pg_venv, "python"), "-c", code, str(project), str(python)])
    result: dict[str, Any] = json.loads(out)
    return result


def lint_args(found: Mapping[str, Any]) -> list[str]:
    """The exact ``.py`` files practicegrade lints.

    Not the package folders: given a folder, pylint 4 also lints ``.pyi`` stubs (attrs
    ships five), which practicegrade does not, and the score would differ.
    """
    return list(found["source_files"])


def sloc(project: Path, files: Sequence[str]) -> int:
    return sum(len((project / f).read_bytes().splitlines()) for f in files)


# ----------------------------------------------------------------------------- running


def tool_env() -> dict[str, str]:
    """The caller's environment minus what would change a tool's behaviour."""
    drop = (
        "VIRTUAL_ENV",
        "PYTEST_ADDOPTS",
        "PYTHONPATH",
        "COVERAGE_PROCESS_START",
        "COVERAGE_CORE",
        "COVERAGE_RCFILE",
        "PYTHONDONTWRITEBYTECODE",
    )
    return {k: v for k, v in os.environ.items() if k not in drop}


def reset_state(project: Path) -> None:
    """Make the next run cold: no output, no coverage data, no notes, no cache of ours."""
    for name in (".practicegrade", ".pytest_cache", ".hypothesis"):
        shutil.rmtree(project / name, ignore_errors=True)
    for pattern in (".coverage", ".coverage.*", "coverage.json"):
        for path in project.glob(pattern):
            path.unlink()
    git_dir = project / ".git"
    for path in git_dir.glob("practicegrade*"):
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)", "refs/notes/practicegrade*"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for ref in refs:
        subprocess.run(["git", "update-ref", "-d", ref], cwd=project, check=False)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    shutil.rmtree(cache_home / "practicegrade", ignore_errors=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if dirty:
        raise SystemExit(f"{project} is not clean before a run:\n{dirty}")


@dataclass(frozen=True, slots=True)
class Commands:
    cov: list[str]
    pylint: list[str]
    radon_cc: list[str]
    radon_mi: list[str]
    grade: list[str]
    help: list[str]
    pytest_plain: list[str]
    pylint_j2: list[str]
    coverage_json: list[str]
    learner_prefix: str
    """Start of the learner's interpreter path: processes under it are the learner's."""


def commands(pg_venv: Path, project: Path, python: Path, found: Mapping[str, Any]) -> Commands:
    lint = lint_args(found)
    dirs = list(found["source_dirs"])
    pylint = pg_bin(pg_venv, "pylint")
    radon = pg_bin(pg_venv, "radon")
    exe = pg_bin(pg_venv, "practicegrade")
    return Commands(
        cov=[str(python), "-m", "coverage", "run", "--branch", "-m", "pytest"],
        pylint=[pylint, *lint],
        radon_cc=[radon, "cc", "-j", *dirs],
        radon_mi=[radon, "mi", "-j", *dirs],
        grade=[exe, "grade", str(project), "--python", str(python), "--base", "none", "--no-bench"],
        help=[exe, "--help"],
        pytest_plain=[str(python), "-m", "pytest", "-p", "no:cacheprovider"],
        pylint_j2=[pylint, "-j2", *lint],
        coverage_json=[str(python), "-m", "coverage", "json", "-q", "-o", os.devnull],
        learner_prefix=str(python.parent.parent) + "/",
    )


QUIET = {"max_wait_s": 120.0, "threshold": 0.25, "retries": 3}
DISCARDED: list[dict[str, Any]] = []
"""Runs thrown away because other processes took CPU during them (kept for the record)."""


def disturbed(sample: Sample) -> bool:
    """Did other processes take enough CPU during the run to skew its wall time?"""
    return sample.foreign_cpu_s > max(0.3, 0.05 * sample.wall_s)


def measured(
    argv: Sequence[str],
    cwd: Path,
    *,
    timeline: bool = False,
    prepare: Callable[[], None] | None = None,
    exclude_prefix: str = "",
) -> Sample:
    """Measure on a quiet machine: wait for idle, run, and redo a run others disturbed.

    ``prepare`` runs before every attempt (e.g. to make the state cold again).
    """
    for attempt in range(int(QUIET["retries"]) + 1):
        if QUIET["max_wait_s"] > 0:
            level = wait_for_quiet(QUIET["max_wait_s"], threshold=QUIET["threshold"])
            if level >= QUIET["threshold"]:
                say(f"  machine still busy ({level:.2f} cores used by others); measuring anyway")
        if prepare:
            prepare()
        sample = run_measured(
            argv, cwd=cwd, env=tool_env(), timeline=timeline, exclude_prefix=exclude_prefix
        )
        if QUIET["max_wait_s"] <= 0 or not disturbed(sample) or attempt == QUIET["retries"]:
            return sample
        say(
            f"  disturbed ({sample.foreign_cpu_s:.2f} CPU s by others, {sample.wall_s:.2f} s); redo"
        )
        DISCARDED.append(
            {"argv": argv[:3], "wall_s": sample.wall_s, "foreign_cpu_s": sample.foreign_cpu_s}
        )
    raise AssertionError("unreachable")


RAW_KEYS = ("cov", "pylint", "radon_cc", "radon_mi")
EXTRA_KEYS = ("pytest_plain", "pylint_j2", "coverage_json", "grade_warm")


def run_raw(cmds: Commands, project: Path, extras: bool) -> dict[str, Sample]:
    """The raw tools one after another, as a user would run them by hand."""
    out: dict[str, Sample] = {}
    out["cov"] = measured(cmds.cov, project, prepare=lambda: reset_state(project))
    if extras:
        out["coverage_json"] = measured(cmds.coverage_json, project)
    out["pylint"] = measured(cmds.pylint, project)
    out["radon_cc"] = measured(cmds.radon_cc, project)
    out["radon_mi"] = measured(cmds.radon_mi, project)
    if extras:
        out["pytest_plain"] = measured(cmds.pytest_plain, project)
        out["pylint_j2"] = measured(cmds.pylint_j2, project)
    reset_state(project)
    return out


def run_grade(
    cmds: Commands, project: Path, extras: bool
) -> tuple[dict[str, Sample], dict[str, Any]]:
    """One cold grade (and, with ``extras``, the same grade again, warm).

    Returns the samples and what the cold run's report says about itself.
    """
    sample = measured(
        cmds.grade,
        project,
        timeline=True,
        prepare=lambda: reset_state(project),
        exclude_prefix=cmds.learner_prefix,
    )
    report_path = project / ".practicegrade" / "out" / "report.json"
    info: dict[str, Any] = {"report": report_path.exists()}
    if report_path.exists():
        report = json.loads(report_path.read_text(encoding="utf-8"))
        info["timings"] = report.get("timings", {})
        metrics = report.get("metrics", {})
        info["metrics"] = {
            k: v
            for k, v in metrics.items()
            if k.split(".")[0] in ("tests", "coverage", "lint", "complexity", "size")
        }
        info["unmeasured"] = report.get("unmeasured", {})
    samples = {"grade": sample}
    if extras:
        samples["grade_warm"] = measured(cmds.grade, project)
    reset_state(project)
    return samples, info


def pylint_score(sample: Sample) -> float | None:
    match = re.search(r"rated at (-?[0-9.]+)/10", sample.stdout_tail)
    return float(match.group(1)) if match else None


# ----------------------------------------------------------------------------- analysis


@dataclass(frozen=True, slots=True)
class Stat:
    """Medians of one command over the counted rounds."""

    wall_s: float
    cpu_s: float
    max_rss_mb: float
    tree_rss_mb: float
    tree_pss_mb: float
    runs: int
    wall_min_s: float
    wall_max_s: float
    foreign_cpu_s: float
    """Median CPU the machine spent on other processes during these runs (noise)."""
    own_rss_mb: float
    """Tree RSS peak without the learner's interpreter's processes (grade only)."""
    own_pss_mb: float


def stat(samples: Sequence[Sample]) -> Stat:
    mb = 1 << 20
    walls = [s.wall_s for s in samples]
    return Stat(
        wall_s=median(walls),
        cpu_s=median([s.cpu_s for s in samples]),
        max_rss_mb=median([s.max_rss_bytes / mb for s in samples]),
        tree_rss_mb=median([s.tree_rss_peak_bytes / mb for s in samples]),
        tree_pss_mb=median([s.tree_pss_peak_bytes / mb for s in samples]),
        runs=len(samples),
        wall_min_s=min(walls),
        wall_max_s=max(walls),
        foreign_cpu_s=median([s.foreign_cpu_s for s in samples]),
        own_rss_mb=median([s.own_rss_peak_bytes / mb for s in samples]),
        own_pss_mb=median([s.own_pss_peak_bytes / mb for s in samples]),
    )


def ratios(stats: Mapping[str, Stat], rounds: Sequence[Mapping[str, Sample]]) -> dict[str, Any]:
    """The issue's four ratios (of medians), plus per-round ratios to show the spread."""
    t_cov, t_pl = stats["cov"].wall_s, stats["pylint"].wall_s
    t_rad = stats["radon_cc"].wall_s + stats["radon_mi"].wall_s
    seq = t_cov + t_pl + t_rad
    bound = max(t_cov, seq / 2)
    grade = stats["grade"]
    pylint = stats["pylint"]

    def per_round(fn: Callable[[Mapping[str, Sample]], float]) -> list[float]:
        return [round(fn(r), 3) for r in rounds]

    def seq_of(r: Mapping[str, Sample]) -> float:
        return sum(r[k].wall_s for k in RAW_KEYS)

    return {
        "T_cov_s": t_cov,
        "T_pylint_s": t_pl,
        "T_radon_s": t_rad,
        "sequential_sum_s": seq,
        "lower_bound_s": bound,
        "grade_s": grade.wall_s,
        "grade_vs_sequential": grade.wall_s / seq,
        "grade_vs_sequential_per_round": per_round(lambda r: r["grade"].wall_s / seq_of(r)),
        "grade_vs_bound": grade.wall_s / bound,
        "grade_vs_bound_per_round": per_round(
            lambda r: r["grade"].wall_s / max(r["cov"].wall_s, seq_of(r) / 2)
        ),
        "mem_tree_rss_vs_pylint": grade.tree_rss_mb / pylint.tree_rss_mb,
        "mem_tree_pss_vs_pylint": grade.tree_pss_mb / pylint.tree_pss_mb,
        "mem_max_rss_vs_pylint": grade.max_rss_mb / pylint.max_rss_mb,
        "mem_own_rss_vs_pylint": grade.own_rss_mb / pylint.tree_rss_mb,
        "mem_own_pss_vs_pylint": grade.own_pss_mb / pylint.tree_pss_mb,
        "help_s": stats["help"].wall_s,
        "grade_cpu_vs_raw_cpu": grade.cpu_s / sum(stats[k].cpu_s for k in RAW_KEYS),
    }


def verdicts(r: Mapping[str, Any]) -> dict[str, bool]:
    return {
        "grade_vs_sequential": r["grade_vs_sequential"] <= TARGET_SEQ,
        "grade_vs_bound": r["grade_vs_bound"] <= TARGET_BOUND,
        "mem_tree_rss_vs_pylint": r["mem_tree_rss_vs_pylint"] <= TARGET_MEM,
        "mem_tree_pss_vs_pylint": r["mem_tree_pss_vs_pylint"] <= TARGET_MEM,
        "help_s": r["help_s"] < TARGET_HELP_S,
    }


LABELS = {
    "cov": "coverage run --branch -m pytest",
    "pylint": "pylint FILES (-j1, default)",
    "radon_cc": "radon cc -j",
    "radon_mi": "radon mi -j",
    "grade": "practicegrade grade (cold)",
    "help": "practicegrade --help",
    "pytest_plain": "pytest (no coverage) [info]",
    "pylint_j2": "pylint -j2 [info]",
    "coverage_json": "coverage json [info]",
    "grade_warm": "practicegrade grade, same tree again (warm cache) [info]",
}


def table(stats: Mapping[str, Stat]) -> str:
    head = (
        "| command | wall s (min-max) | CPU s | tree RSS MB | tree PSS MB | max 1-proc RSS MB "
        "| own RSS / PSS MB | other CPU s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for k, s in stats.items():
        own = f"{s.own_rss_mb:.0f} / {s.own_pss_mb:.0f}" if k == "grade" else ""
        rows.append(
            f"| {LABELS[k]} | {s.wall_s:.2f} ({s.wall_min_s:.2f}-{s.wall_max_s:.2f}) "
            f"| {s.cpu_s:.2f} | {s.tree_rss_mb:.0f} | {s.tree_pss_mb:.0f} | {s.max_rss_mb:.0f} "
            f"| {own} | {s.foreign_cpu_s:.2f} |"
        )
    return head + "\n".join(rows) + "\n"


def ratio_table(r: Mapping[str, Any], ok: Mapping[str, bool]) -> str:
    def mark(key: str) -> str:
        return "ok" if ok[key] else "MISSED"

    return (
        "| ratio | measured | target | |\n|---|---:|---:|---|\n"
        f"| grade / sequential sum ({r['sequential_sum_s']:.2f} s) "
        f"| {r['grade_vs_sequential']:.2f} "
        f"| <= {TARGET_SEQ} | {mark('grade_vs_sequential')} |\n"
        f"| grade / lower bound ({r['lower_bound_s']:.2f} s) | {r['grade_vs_bound']:.2f} "
        f"| <= {TARGET_BOUND} | {mark('grade_vs_bound')} |\n"
        f"| peak memory grade / pylint, tree RSS sum | {r['mem_tree_rss_vs_pylint']:.2f} "
        f"| <= {TARGET_MEM} | {mark('mem_tree_rss_vs_pylint')} |\n"
        f"| peak memory grade / pylint, tree PSS sum | {r['mem_tree_pss_vs_pylint']:.2f} "
        f"| <= {TARGET_MEM} | {mark('mem_tree_pss_vs_pylint')} |\n"
        f"| peak memory, practicegrade's own processes (tree minus the learner's "
        f"interpreter) / pylint, PSS [info] | {r['mem_own_pss_vs_pylint']:.2f} | | |\n"
        f"| the same, RSS [info] | {r['mem_own_rss_vs_pylint']:.2f} | | |\n"
        f"| peak memory grade / pylint, max single-process RSS [info] "
        f"| {r['mem_max_rss_vs_pylint']:.2f} | | |\n"
        f"| `practicegrade --help` | {r['help_s']:.3f} s | < {TARGET_HELP_S} s "
        f"| {mark('help_s')} |\n"
        f"| grade CPU / raw tools CPU [info] | {r['grade_cpu_vs_raw_cpu']:.2f} | | |\n"
    )


def timeline_md(sample: Sample) -> str:
    """Which processes a grade started, when, for how long, with how much CPU."""
    if not sample.timeline:
        return ""
    lines = ["| start s | end s | CPU s | peak RSS MB | process |", "|---:|---:|---:|---:|---|"]
    for proc in sample.timeline:
        cmd = proc["cmd"].replace("|", "\\|")[:110]
        lines.append(
            f"| {proc['start_s']:.2f} | {proc['end_s']:.2f} | {proc['cpu_s']:.2f} "
            f"| {proc['rss_peak_mb']:.0f} | `{cmd}` |"
        )
    return "\n".join(lines) + "\n"


def git_head() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return done.stdout.strip() + ("+dirty-src" if dirty else "")


def tool_versions(pg_venv: Path, python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    )
    pg = json.loads(
        check(
            [pg_bin(pg_venv, "python"), "-c", code, "practicegrade", "pylint", "astroid", "radon"]
        )
    )
    proj = json.loads(check([str(python), "-c", code, "pytest", "coverage"]))
    return {**pg, **{f"project {k}": v for k, v in proj.items()}}


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="counted rounds (median) [3]")
    parser.add_argument("--target", choices=sorted(TARGETS), default="marshmallow")
    parser.add_argument("--help-runs", type=int, default=10, help="runs of --help [10]")
    parser.add_argument("--no-warmup", action="store_true", help="skip the uncounted warm-up round")
    parser.add_argument("--no-extras", action="store_true", help="skip the [info] commands")
    parser.add_argument(
        "--grade-only",
        action="store_true",
        help="measure only practicegrade (ratios need a full run)",
    )
    parser.add_argument("--tag", default="", help="suffix for the result files (experiments)")
    parser.add_argument(
        "--pg-venv",
        type=Path,
        default=REPO / ".venv",
        help="practicegrade's virtualenv (pylint, radon, practicegrade) [.venv]",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no results")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each run, wait up to S seconds for the machine to go idle (0: never) [120]",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        help="redo a run during which other processes took CPU, up to N times [3]",
    )
    args = parser.parse_args(argv)
    QUIET["max_wait_s"] = args.quiet_wait
    QUIET["retries"] = args.retries

    target = TARGETS[args.target]
    WORK.mkdir(parents=True, exist_ok=True)
    project = unpack(target, fetch_sdist(target))
    ensure_config(target, project)
    python = make_venv(target, project)
    found = discovered(args.pg_venv, project, python)
    cmds = commands(args.pg_venv, project, python, found)
    extras = not args.no_extras and not args.grade_only
    say(
        f"target {target.dist}: {len(found['source_files'])} source files, "
        f"tests {found['test_paths']}, lint {len(lint_args(found))} files"
    )

    rounds: list[dict[str, Sample]] = []
    infos: list[dict[str, Any]] = []
    total = args.runs + (0 if args.no_warmup else 1)
    for index in range(total):
        warm = not args.no_warmup and index == 0
        label = "warm-up" if warm else f"round {index if not args.no_warmup else index + 1}"
        say(f"{label}: {'grade first' if index % 2 else 'raw tools first'}")
        round_: dict[str, Sample] = {}
        grade_first = index % 2 == 1
        if grade_first:
            graded, info = run_grade(cmds, project, extras)
            round_.update(graded)
        if not args.grade_only:
            round_.update(run_raw(cmds, project, extras))
        if not grade_first:
            graded, info = run_grade(cmds, project, extras)
            round_.update(graded)
        summary = ", ".join(f"{k} {s.wall_s:.2f}s" for k, s in round_.items())
        say(f"  {summary}")
        grade = round_["grade"]
        if grade.returncode not in (0, 1) or not info.get("report"):
            say(f"  practicegrade failed (exit {grade.returncode}):\n{grade.stderr_tail}")
            return 3
        if not warm:
            rounds.append(round_)
            infos.append(info)
        else:
            say(f"  report timings {info.get('timings')}; unmeasured {info.get('unmeasured')}")

    helps = [measured(cmds.help, REPO) for _ in range(args.help_runs)]

    keys = ["grade"] if args.grade_only else [*RAW_KEYS, "grade"]
    stats = {k: stat([r[k] for r in rounds]) for k in keys}
    stats["help"] = stat(helps)
    if extras:
        stats.update({k: stat([r[k] for r in rounds]) for k in EXTRA_KEYS})

    now = dt.datetime.now(dt.timezone.utc)
    meta = {
        "date": now.isoformat(timespec="seconds"),
        "target": asdict(target) | {"dist": target.dist},
        "practicegrade_commit": git_head(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "tools": tool_versions(args.pg_venv, python),
        "runs": args.runs,
        "lint_files": len(found["source_files"]),
        "lint_sloc": sloc(project, found["source_files"]),
        "commands": {k: getattr(cmds, k) for k in LABELS if hasattr(cmds, k)},
    }
    out: dict[str, Any] = {"meta": meta, "medians": {k: asdict(s) for k, s in stats.items()}}
    md = [
        f"# practicegrade grade benchmark - {target.dist} - {now:%Y-%m-%d}\n",
        f"{target.note}. practicegrade {meta['practicegrade_commit']}, "
        f"{meta['machine']['cpus']} CPUs, median of {args.runs} rounds "
        f"({'no' if args.no_warmup else '+1'} warm-up), tools {meta['tools']}.\n",
        table(stats),
    ]
    if not args.grade_only:
        r = ratios(stats, rounds)
        ok = verdicts(r)
        out["ratios"] = r
        out["targets_met"] = ok
        md.append("\n" + ratio_table(r, ok))
        scores = [pylint_score(rd["pylint"]) for rd in rounds]
        out["check_lint_score"] = {
            "pylint_cli": scores,
            "report": [i.get("metrics", {}).get("lint.score") for i in infos],
        }
    out["grade_reports"] = infos
    out["discarded_disturbed_runs"] = DISCARDED
    out["samples"] = [
        {
            k: {f: v for f, v in asdict(s).items() if f not in ("stdout_tail",)}
            for k, s in rd.items()
        }
        for rd in rounds
    ]
    md.append(
        "\nCollector durations in report.json (per counted round): "
        + "; ".join(json.dumps(i.get("timings")) for i in infos)
        + "\n"
    )
    md.append(
        "\nProcesses of the last counted grade run (sampled every 20 ms):\n\n"
        + timeline_md(rounds[-1]["grade"])
    )
    text = "\n".join(md)
    print(text)
    if not args.no_write:
        stem = f"grade-{now:%Y-%m-%d}"
        if args.target != "marshmallow":
            stem += f"-{args.target}"
        if args.tag:
            stem += f"-{args.tag}"
        say(f"wrote {write_results(stem, out, text)} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
