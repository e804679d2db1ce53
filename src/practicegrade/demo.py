"""``practicegrade demo``: a sample mentee repo in a temporary folder, graded end to end.

The sample is a small package with two commits: a ``main`` that a mentor has seen, and a
``practice`` branch where the mentee added a parser (with one over-complex function, a
lint slip and some untested branches) and its tests. The demo grades ``main`` first (the
previous cycle, recorded in git notes), then the branch against ``main`` the way the CI
job would, so a newcomer sees every artifact, trend included, without setting anything up.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

from practicegrade import gitrepo
from practicegrade.errors import GitError

_IDENTITY = (
    "-c",
    "user.name=Demo Mentee",
    "-c",
    "user.email=mentee@practicegrade.invalid",
    "-c",
    "commit.gpgsign=false",
)

BASE_FILES = {
    "pyproject.toml": """
        [project]
        name = "logtool"
        version = "0.1.0"
    """,
    "practicegrade.yml": """
        version: 1
        role: junior-python
        milestones:
          - id: solid-tests
            title: Parser fully tested
            due: 2027-03-01
            requires: [testing]
        benchmarks:
          - name: parse_log
            call: logtool.parser:parse_many
            setup: logtool.parser:sample_lines
            target: "<= 0.050"
        # The practice cycle adds code faster than tests: its coverage ratchet fails, and
        # the demo shows that as a warning rather than ending on exit 1.
        gates: advisory
    """,
    "src/logtool/__init__.py": '"""Summarise web server logs."""\n',
    "src/logtool/stats.py": '''
        """Counting helpers."""


        def count_by(items, key):
            """Count ``items`` by the value ``key`` returns for each."""
            counts = {}
            for item in items:
                value = key(item)
                counts[value] = counts.get(value, 0) + 1
            return counts
    ''',
    "tests/test_stats.py": """
        from logtool.stats import count_by


        def test_count_by_length():
            assert count_by(["a", "bb", "cc"], len) == {1: 1, 2: 2}
    """,
}

PRACTICE_FILES = {
    "src/logtool/parser.py": '''
        """Parse access-log lines into records."""


        def parse(line):
            """Split one log line into a dict; return None for lines we cannot read."""
            parts = line.split()
            if not parts:
                return None
            record = {"ip": parts[0]}
            if len(parts) > 1:
                if parts[1].isdigit():
                    record["status"] = int(parts[1])
                elif parts[1] == "-":
                    record["status"] = None
                else:
                    return None
            if len(parts) > 2:
                if parts[2].startswith("/"):
                    record["path"] = parts[2]
                elif parts[2] == "*":
                    record["path"] = "*"
                else:
                    record["path"] = "/" + parts[2]
            if len(parts) > 3:
                try:
                    record["ms"] = float(parts[3])
                except ValueError:
                    record["ms"] = None
            if len(parts) > 4:
                agent = " ".join(parts[4:])
                if "bot" in agent.lower():
                    record["bot"] = True
                elif agent:
                    record["agent"] = agent
            return record


        def parse_many(lines):
            """Parse every line, dropping the ones that cannot be read."""
            skipped = 0
            return [r for r in map(parse, lines) if r is not None]


        def sample_lines():
            """Input for the benchmark: a thousand typical lines."""
            return [f"10.0.0.{i % 255} 200 /index.html {i % 50}.5" for i in range(1000)]
    ''',
    "tests/test_parser.py": """
        from logtool.parser import parse, parse_many


        def test_parse_full_line():
            expected = {"ip": "1.2.3.4", "status": 200, "path": "/a", "ms": 12.5}
            assert parse("1.2.3.4 200 /a 12.5") == expected


        def test_parse_empty_line():
            assert parse("") is None


        def test_parse_many_drops_bad_lines():
            assert len(parse_many(["1.2.3.4 200 /a", "", "5.6.7.8 oops"])) == 1
    """,
}


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _git(root: Path, *args: str) -> None:
    gitrepo.git_out(root, *_IDENTITY, *args)


def build_sample_repo(root: Path) -> None:
    """Create the sample mentee repository at ``root`` (an empty or new folder)."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _write(root, BASE_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Count requests by key")
    _git(root, "checkout", "-q", "-b", "practice")
    _write(root, PRACTICE_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Add a log line parser")


def run_demo(*, echo: Callable[[str], None] = print) -> int:
    """Build the sample repo, grade its practice branch against main, print where it all is."""
    from practicegrade.grade import GradeRequest, grade  # noqa: PLC0415
    from practicegrade.render.terminal import render_summary  # noqa: PLC0415

    root = Path(tempfile.mkdtemp(prefix="practicegrade-demo-")) / "logtool"
    try:
        build_sample_repo(root)
    except GitError as exc:
        exc.hint = exc.hint or "the demo needs git on PATH"
        raise
    echo(f"Sample mentee repo: {root} (branch 'practice', compared with 'main')\n")
    now = dt.datetime.now(dt.timezone.utc)
    echo("Grading the previous cycle (main)…")
    grade(
        GradeRequest(
            path=root,
            now=now - dt.timedelta(days=14),
            rev="main",
            base="none",
            python=sys.executable,
            write_artifacts=False,
        )
    )
    echo("Grading this cycle (practice, compared with main)…\n")
    outcome = grade(GradeRequest(path=root, now=now, base="main", python=sys.executable))
    echo(render_summary(outcome.report, color=sys.stdout.isatty()))
    if outcome.artifacts:
        echo(f"\nArtifacts in {outcome.artifacts[0].parent}/:")
        for path in outcome.artifacts:
            echo(f"  {path.name}")
        echo("Open report.html in a browser; comment.md is what the mentor sees on the PR.")
    echo(f"\nThe sample stays for you to explore; remove it with: rm -rf {root.parent}")
    return outcome.exit_code
