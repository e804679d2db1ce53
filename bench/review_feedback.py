"""Review harness: PR comments on real change ranges of public Python projects, for blind review.

For each range below it downloads the sdists of two released versions from PyPI, commits the
older one to ``main`` of a fresh git repository and the newer one on a branch ``change`` (so
the diff between them is the release's real change), builds a virtualenv with the project's
test dependencies, grades ``change`` against ``main`` with practicegrade (the real tools, as
CI would), and writes, per range, into ``bench/.work/review/<range>/``:

* ``comment.md``: the PR comment exactly as practicegrade renders it;
* ``change.diff``: ``git diff main change`` (source and tests; changelogs and docs left out);
* ``report.json``: the report the comment was rendered from;
* ``repo``: a path file naming the git repository, so a reviewer can open the code.

``REVIEWER_PROMPT.md`` beside them tells a reviewer with no other context how to check every
item of every comment against the diff and the code, and the table to answer in. A first
grading (one version, no base) is included too. Run::

    .venv/bin/python bench/review_feedback.py              # every range
    .venv/bin/python bench/review_feedback.py --only semver pathspec
    .venv/bin/python bench/review_feedback.py --list
    .venv/bin/python bench/review_feedback.py --set holdout   # ranges no rule was written for

Downloads and virtualenvs are cached under ``bench/.work/`` (git-ignored): reruns are offline
and only grade again. Not a test: it needs the package registry on its first run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _sdist import download_sdist

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
OUT = WORK / "review"
DL = WORK / "dl"

_TOOLS = ("pytest==9.0.1", "coverage==7.17.0")
GIT_ID = {
    "GIT_AUTHOR_NAME": "review",
    "GIT_AUTHOR_EMAIL": "review@example.invalid",
    "GIT_COMMITTER_NAME": "review",
    "GIT_COMMITTER_EMAIL": "review@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}
IGNORED = (
    ".practicegrade/",
    ".coverage",
    ".coverage.*",
    ".pytest_cache/",
    ".hypothesis/",
    "__pycache__/",
    "*.egg-info/",
    "PKG-INFO",
)
NOT_IN_DIFF = (":!*.rst", ":!*.md", ":!*.txt", ":!docs", ":!CHANGES*", ":!PKG-INFO", ":!*.cfg")


@dataclass(frozen=True, slots=True)
class Range:
    """Two released versions of one project: the change a mentor would review."""

    name: str
    base: str | None
    """``None``: a first grading of ``head`` alone."""
    head: str
    test_deps: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}-{self.base}..{self.head}" if self.base else f"{self.name}-{self.head}"


RANGES: tuple[Range, ...] = (
    Range("pathspec", "0.11.1", "0.11.2", note="gitwildmatch fixes, with tests"),
    Range("semver", "3.0.1", "3.0.2", ("pytest-cov",), note="subclassing fix, with a test"),
    Range("itsdangerous", "2.1.1", "2.1.2", ("freezegun",), note="a small timed.py fix"),
    Range("six", "1.15.0", "1.16.0", note="one-module library, no test change"),
    Range("cachetools", "5.2.1", "5.3.0", note="new cache functions and tests"),
    Range("humanize", "4.8.0", "4.9.0", ("freezegun",), note="number formatting, with tests"),
    Range("more-itertools", "10.1.0", "10.2.0", note="new recipes, with tests"),
    Range("packaging", "23.1", "23.2", ("pretend",), note="a larger release"),
    Range("semver", None, "3.0.2", ("pytest-cov",), note="first grading (no base)"),
)
"""The development set: the ranges the feedback rules were written while looking at."""

HOLDOUT: tuple[Range, ...] = (
    Range("parse", "1.20.0", "1.20.1", note="a parser fix in one large module"),
    Range("python-dotenv", "1.0.0", "1.0.1", ("sh", "click"), note="a small CLI release"),
    Range(
        "zipp",
        "3.19.0",
        "3.19.1",
        ("jaraco.itertools", "jaraco.functools", "more_itertools", "big-O", "jaraco.test"),
        note="a path-sanitising fix",
    ),
    Range("iniconfig", "2.0.0", "2.1.0", note="a release whose sdist ships no tests"),
    Range("parse", None, "1.20.1", note="first grading of a single large module"),
)
"""Ranges no rule was written for: graded only to check that the rules generalise."""

SETS = {"dev": RANGES, "holdout": HOLDOUT, "all": RANGES + HOLDOUT}


def say(message: str) -> None:
    print(f"[review] {message}", file=sys.stderr, flush=True)


def run(argv: Sequence[str], cwd: Path | None = None, check: bool = True) -> str:
    env = {**os.environ, **GIT_ID}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def sdist(name: str, version: str) -> Path:
    """The release's sdist, downloaded once into ``bench/.work/dl``."""
    return download_sdist(name, version, DL, say)


def unpack_into(archive: Path, repo: Path) -> None:
    """Replace the work tree of ``repo`` (all but ``.git``) with the sdist's one folder."""
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    staging = repo.parent / f".unpack-{repo.name}"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    (top,) = list(staging.iterdir())
    for child in top.iterdir():
        shutil.move(str(child), repo / child.name)
    shutil.rmtree(staging)


def build_repo(r: Range) -> Path:
    """``main`` = base release, ``change`` = head release (or ``main`` = head alone)."""
    repo = WORK / "review-repos" / r.key
    if (repo / ".git").is_dir():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir(parents=True)
    run(["git", "init", "-q", "-b", "main"], cwd=repo)
    (repo / ".git" / "info" / "exclude").write_text("\n".join(IGNORED) + "\n", encoding="utf-8")
    if r.base is not None:
        unpack_into(sdist(r.name, r.base), repo)
        run(["git", "add", "-A"], cwd=repo)
        run(["git", "commit", "-q", "-m", f"{r.name} {r.base}"], cwd=repo)
        run(["git", "checkout", "-q", "-b", "change"], cwd=repo)
    unpack_into(sdist(r.name, r.head), repo)
    run(["git", "add", "-A"], cwd=repo)
    run(["git", "commit", "-q", "--allow-empty", "-m", f"{r.name} {r.head}"], cwd=repo)
    return repo


def build_venv(r: Range) -> Path:
    """A virtualenv with the release installed (for its metadata and dependencies) and the
    test tools; the tests import the repository's code, which practicegrade puts first on
    ``PYTHONPATH`` for each side, so base and head each run their own code."""
    venv = WORK / "review-venvs" / f"{r.name}-{r.head}"
    python = venv / "bin" / "python"
    marker = venv / ".ready"
    if marker.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    say(f"creating {venv.name}")
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(python), "-m", "pip", "install", "-q", f"{r.name}=={r.head}", *_TOOLS, *r.test_deps])
    marker.write_text("ok\n", encoding="utf-8")
    return python


NOBODY = 65534


def _as_a_user(repo: Path, out: Path, python: Path, env: dict[str, str]) -> list[str]:
    """The prefix that runs the grade as ``nobody`` when this script runs as root.

    A CI runner is no root: as root, a project's tests of ``chmod 0o000`` files (or of
    ``PermissionError``) fail, and the review would blame the change for it. The repository
    and the output folder are handed to ``nobody``; the virtualenvs only need reading."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return []
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
    tools = [str(REPO / ".venv" / "bin" / "python"), str(python)]
    reachable = subprocess.run([*prefix, *tools[:1], "-c", "pass"], check=False).returncode == 0
    reachable = (
        reachable and subprocess.run([*prefix, tools[1], "-c", "pass"], check=False).returncode == 0
    )
    if not reachable:
        say("nobody cannot run the interpreters (is /root 0700?): grading as root")
        return []
    home = out / "home"
    home.mkdir(parents=True, exist_ok=True)
    _chown(NOBODY, repo, out)
    env["HOME"] = str(home)
    return prefix


def _chown(uid: int, *tops: Path) -> None:
    for top in tops:
        for path in (top, *top.rglob("*")):
            os.chown(path, uid, uid, follow_symlinks=False)


def grade(r: Range, repo: Path, python: Path, out: Path) -> dict[str, object]:
    """Grade the head against the base (CI's view: no cache, no notes), artifacts into ``out``."""
    pg = REPO / ".venv" / "bin" / "practicegrade"
    argv = [
        str(pg),
        "grade",
        str(repo),
        "--no-bench",
        "--python",
        str(python),
        "--out",
        str(out / "artifacts"),
        "--base",
        "main" if r.base else "none",
    ]
    env = {**os.environ, "PRACTICEGRADE_NO_CACHE": "1"}
    done = subprocess.run(
        [*_as_a_user(repo, out, python, env), *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if os.geteuid() == 0:
        _chown(0, repo, out)  # git refuses, as root, a repository another user owns
    if done.returncode not in (0, 1):
        raise SystemExit(f"grade failed for {r.key} ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads((out / "artifacts" / "report.json").read_text(encoding="utf-8"))
    return {"exit": done.returncode, "items": len(report.get("feedback", []))}


def write_range(r: Range) -> dict[str, object]:
    out = OUT / r.key
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    repo = build_repo(r)
    python = build_venv(r)
    say(f"grading {r.key}")
    result = grade(r, repo, python, out)
    shutil.copy(out / "artifacts" / "comment.md", out / "comment.md")
    shutil.copy(out / "artifacts" / "report.json", out / "report.json")
    if r.base:
        diff = run(["git", "diff", "--stat", "main", "change", "--", ".", *NOT_IN_DIFF], cwd=repo)
        diff += "\n" + run(["git", "diff", "main", "change", "--", ".", *NOT_IN_DIFF], cwd=repo)
    else:
        diff = "(first grading: no base, so no diff; the whole repository is the subject)\n"
    (out / "change.diff").write_text(diff, encoding="utf-8")
    (out / "repo").write_text(f"{repo}\n", encoding="utf-8")
    return {"range": r.key, "note": r.note, **result}


PROMPT = BENCH / "review_prompt.md"
"""What a context-free reviewer is told: copied into the output folder."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", help="range names or keys to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the ranges and exit")
    parser.add_argument(
        "--set", choices=sorted(SETS), default="dev", help="which ranges (default: dev)"
    )
    args = parser.parse_args(argv)
    ranges = SETS[args.set]
    if args.list:
        for r in ranges:
            print(f"{r.key:32} {r.note}")
        return 0
    chosen = [r for r in ranges if not args.only or r.name in args.only or r.key in args.only]
    OUT.mkdir(parents=True, exist_ok=True)
    DL.mkdir(parents=True, exist_ok=True)
    for r in chosen:
        (OUT / r.key).mkdir(parents=True, exist_ok=True)
        result = write_range(r)
        (OUT / r.key / "summary.json").write_text(json.dumps(result) + "\n", encoding="utf-8")
    shutil.copy(PROMPT, OUT / "REVIEWER_PROMPT.md")
    index = OUT / "INDEX.md"
    summary = [
        json.loads((OUT / r.key / "summary.json").read_text(encoding="utf-8"))
        for r in SETS["all"]
        if (OUT / r.key / "summary.json").exists()
    ]
    rows = "\n".join(
        f"| `{s['range']}` | {s['note']} | {s['items']} | {s['exit']} |" for s in summary
    )
    index.write_text(
        textwrap.dedent(
            """\
            # Review set

            | range | what | feedback items | grade exit |
            |---|---|---:|---:|
            """
        )
        + rows
        + "\n",
        encoding="utf-8",
    )
    say(f"{len(summary)} ranges in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
