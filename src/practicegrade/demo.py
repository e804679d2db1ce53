"""``practicegrade demo``: a sample mentee's practice cycles, graded and reviewed end to end.

The sample is a small log-summarising package. ``main`` is what the mentor has seen (cycle
0); the ``practice`` branch holds four practice cycles, each one commit, a week apart:

1. a log-line parser arrives, with one over-complex function and a single test;
2. tests for the parser: testing improves;
3. a tidy-up of the old report module that barely moves the lint score: readability is
   stalled (it has not really moved since cycle 1);
4. the parser split into small helpers: simplicity is met, and with testing met that
   meets the ``parser-ready`` milestone, which the comment celebrates first.

Each cycle is graded (a note per commit, dated a week apart), and a practice-log entry
records what was attempted, the outcome and the lesson. The last cycle is graded against
``main`` the way the CI job would, writing every artifact; then the progress review and
the showcase of the met milestone are written beside them, so a newcomer sees the whole
loop without setting anything up. Nothing touches the network.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
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
MILESTONE = "parser-ready"
CYCLE_DAYS = 7


def _config(today: dt.date) -> str:
    ready = (today + dt.timedelta(days=30)).isoformat()
    clean = (today + dt.timedelta(days=21)).isoformat()
    return f"""
        version: 1
        role: junior-python
        milestones:
          - id: {MILESTONE}
            title: Parser tested and simple
            due: {ready}
            requires: [testing, simplicity]
          - id: clean-lint
            title: Clean lint everywhere
            due: {clean}
            requires: [readability]
        cadence: {{checkin_every_days: 7, review_every_days: 28}}
        benchmarks:
          - name: parse_log
            call: logtool.parser:parse_many
            setup: logtool.parser:sample_lines
            target: "<= 0.050"
    """


REPORT_V1 = '''
    """Old report helpers (written before the mentoring started)."""
    import os, sys


    def Report(x, y):
        a = 1; b = 2
        if x: return a
        return b


    def fmt(l):
        s = ""
        for i in l: s += str(i)
        return s


    def Total(L):
        t = 0
        for v in L: t = t + v
        return t
'''

REPORT_V2 = REPORT_V1.replace("def fmt(l):", "def fmt(items):").replace(
    "for i in l:", "for i in items:"
)

BASE_FILES = {
    "pyproject.toml": """
        [project]
        name = "logtool"
        version = "0.1.0"
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
    "src/logtool/report.py": REPORT_V1,
    "tests/test_stats.py": """
        from logtool.stats import count_by


        def test_count_by_length():
            assert count_by(["a", "bb", "cc"], len) == {1: 1, 2: 2}
    """,
}

_PARSER_TAIL = '''

    def parse_many(lines):
        """Parse every line, dropping the ones that cannot be read."""
        return [r for r in map(parse, lines) if r is not None]


    def sample_lines():
        """Input for the benchmark: a thousand typical lines."""
        return [f"10.0.0.{i % 255} 200 /index.html {i % 50}.5" for i in range(1000)]
'''
"""The end of ``parser.py`` that the refactoring cycle leaves as it is."""

PARSER_TANGLED = (
    '''
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
        return record
'''
    + _PARSER_TAIL
)

PARSER_SIMPLE = (
    '''
    """Parse access-log lines into records."""


    def _status(text):
        """The status code, None for "-", or False when the field is not a status."""
        if text.isdigit():
            return int(text)
        return None if text == "-" else False


    def _path(text):
        """The request path, always starting with "/" (or "*")."""
        return text if text.startswith("/") or text == "*" else "/" + text


    def _millis(text):
        """The response time, None when it is not a number."""
        try:
            return float(text)
        except ValueError:
            return None


    def parse(line):
        """Split one log line into a dict; return None for lines we cannot read."""
        parts = line.split()
        if not parts:
            return None
        record = {"ip": parts[0]}
        if len(parts) > 1:
            status = _status(parts[1])
            if status is False:
                return None
            record["status"] = status
        if len(parts) > 2:
            record["path"] = _path(parts[2])
        if len(parts) > 3:
            record["ms"] = _millis(parts[3])
        return record
'''
    + _PARSER_TAIL
)

FIRST_TEST = """
    from logtool.parser import parse


    def test_parse_full_line():
        expected = {"ip": "1.2.3.4", "status": 200, "path": "/a", "ms": 12.5}
        assert parse("1.2.3.4 200 /a 12.5") == expected
"""

MORE_TESTS = (
    FIRST_TEST
    + """

    def test_parse_empty_line():
        assert parse("") is None


    def test_parse_dash_status_and_bare_path():
        assert parse("1.2.3.4 - a") == {"ip": "1.2.3.4", "status": None, "path": "/a"}


    def test_parse_star_path_and_bad_millis():
        record = parse("1.2.3.4 204 * fast")
        assert record == {"ip": "1.2.3.4", "status": 204, "path": "*", "ms": None}


    def test_parse_rejects_a_bad_status():
        assert parse("1.2.3.4 oops /a") is None


    def test_parse_many_drops_bad_lines():
        from logtool.parser import parse_many

        assert len(parse_many(["1.2.3.4 200 /a", "", "5.6.7.8 oops"])) == 1
"""
)


@dataclass(frozen=True, slots=True)
class Cycle:
    """One practice cycle: what changes, and what the mentee logs about it."""

    subject: str
    files: dict[str, str]
    attempt: str
    outcome: str
    lesson: str


CYCLES = (
    Cycle(
        "Add a log line parser",
        {"src/logtool/parser.py": PARSER_TANGLED, "tests/test_parser.py": FIRST_TEST},
        "Wrote the access-log parser in one function, with one test.",
        "It works on the happy path; practicegrade flags parse() as too complex.",
        "Write the test for the odd lines before the code that handles them.",
    ),
    Cycle(
        "Test the parser's edge cases",
        {"tests/test_parser.py": MORE_TESTS},
        "One test per branch of parse(): empty line, dash status, bare path, bad numbers.",
        "Every branch is covered; the function is still too complex.",
        "Coverage shows which branch a test is missing; read it line by line.",
    ),
    Cycle(
        "Tidy the report module's names",
        {"src/logtool/report.py": REPORT_V2},
        "Renamed a one-letter parameter in report.py.",
        "The lint score barely moved: the real messages are elsewhere in that file.",
        "Fix the most frequent pylint message first, not the easiest one.",
    ),
    Cycle(
        "Split parse into small helpers",
        {"src/logtool/parser.py": PARSER_SIMPLE},
        "Extracted one helper per field from parse(), keeping the tests green.",
        "parse() is simple now and the tests did not change: parser-ready is met.",
        "With tests in place, splitting a function is safe and quick.",
    ),
)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _git(root: Path, *args: str, when: dt.datetime | None = None) -> str:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00") if when is not None else None
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp} if stamp else None
    done = gitrepo.git(root, *_IDENTITY, *args, env=env)
    if done.returncode != 0 or done.timed_out:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _commit(root: Path, message: str, when: dt.datetime) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message, when=when)
    return _git(root, "rev-parse", "HEAD").strip()


def cycle_times(now: dt.datetime) -> list[dt.datetime]:
    """When main and each cycle were committed and graded: a week apart, the last one now."""
    count = len(CYCLES)
    return [now - dt.timedelta(days=CYCLE_DAYS * (count - i)) for i in range(count + 1)]


AfterCommit = Callable[[int, str, dt.datetime], None]


def build_sample_repo(
    root: Path, now: dt.datetime | None = None, after: AfterCommit | None = None
) -> list[str]:
    """Create the sample at ``root``: ``main``, then the ``practice`` branch's cycles.

    ``after(i, commit, when)`` runs after each commit (0 is main's), before the next
    cycle is written: the demo grades there and logs the cycle, and the log entry is
    committed with the next cycle, as a mentee would. Returns the commits, oldest first.
    """
    times = cycle_times(now or dt.datetime.now(dt.timezone.utc))
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _write(root, {**BASE_FILES, "practicegrade.yml": _config(times[-1].date())})
    commits = [_commit(root, "Count requests by key", times[0])]
    if after is not None:
        after(0, commits[0], times[0])
    _git(root, "checkout", "-q", "-b", "practice")
    for i, (cycle, when) in enumerate(zip(CYCLES, times[1:], strict=True), 1):
        _write(root, cycle.files)
        commits.append(_commit(root, cycle.subject, when))
        if after is not None:
            after(i, commits[-1], when)
    return commits


def _log_entry(root: Path, cycle: Cycle, commit: str, when: dt.datetime) -> None:
    """Append the cycle's practice-log entry (what the mentee runs: practicegrade log add)."""
    from practicegrade.history import format_ts  # noqa: PLC0415
    from practicegrade.loop import files  # noqa: PLC0415
    from practicegrade.loop import practicelog as pl  # noqa: PLC0415

    entry = pl.LogEntry(
        date=format_ts(when + dt.timedelta(hours=1)),
        attempt=cycle.attempt,
        outcome=cycle.outcome,
        lesson=cycle.lesson,
        commit=commit,
        metrics=pl.key_metrics(files.commit_metrics(root, commit)),
    )
    target = root / pl.LOG_FILE
    files.write_atomic(target, pl.append_text(files.read_bounded(target), entry))


def run_demo(*, echo: Callable[[str], None] = print) -> int:
    """Build the sample, grade its cycles, review them, showcase the milestone; say where."""
    from practicegrade.grade import GradeOutcome, GradeRequest, grade  # noqa: PLC0415
    from practicegrade.loop import files  # noqa: PLC0415
    from practicegrade.loop.commands import load_review, write_showcase  # noqa: PLC0415
    from practicegrade.loop.reviewrender import render_review_md, render_review_terminal  # noqa: PLC0415
    from practicegrade.render.terminal import render_summary, wants_color  # noqa: PLC0415

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    root = Path(tempfile.mkdtemp(prefix="practicegrade-demo-")) / "logtool"
    echo(f"Sample mentee repo: {root} (main, then {len(CYCLES)} practice cycles a week apart)\n")
    outcomes: list[GradeOutcome] = []

    def grade_and_log(i: int, commit: str, when: dt.datetime) -> None:
        last = i == len(CYCLES)
        label = "main" if i == 0 else f"cycle {i}: {CYCLES[i - 1].subject}"
        echo(f"Grading {label}{' (compared with main, as CI would)' if last else ''}…")
        outcomes.append(
            grade(
                GradeRequest(
                    path=root,
                    now=when,
                    base="main" if last else "none",
                    python=sys.executable,
                    write_artifacts=last,
                    run_bench=last,
                )
            )
        )
        if i > 0:
            _log_entry(root, CYCLES[i - 1], commit, when)

    try:
        build_sample_repo(root, now, grade_and_log)
    except GitError as exc:
        exc.hint = exc.hint or "the demo needs git on PATH"
        raise
    outcome = outcomes[-1]
    echo("")
    echo(render_summary(outcome.report, color=wants_color(sys.stdout, os.environ)))
    out = root / ".practicegrade" / "out"
    review = load_review(root, None, None, now.date())
    review_md = files.write_atomic(out / "review.md", render_review_md(review))
    echo("\n" + render_review_terminal(review))
    showcase = write_showcase(root, MILESTONE, None, None)
    echo(f"\nWhere it all is ({out}/):")
    for name, what in (
        ("comment.md", "the PR comment the mentor reads (the milestone is celebrated first)"),
        ("report.html", "the dashboard: open it in a browser"),
        (review_md.name, "the progress review: baseline, milestones, stalls, the plan"),
        (showcase.name, "the showcase of the met milestone, with its chart"),
    ):
        echo(f"  {name:28} {what}")
    echo(f"The practice log: {root / 'practice-log.md'}")
    echo(f"\nThe sample stays for you to explore; remove it with: rm -rf {root.parent}")
    return outcome.exit_code
