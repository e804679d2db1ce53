"""Tests and coverage: the learner's pytest suite under coverage.py, in their interpreter.

This is the collector that runs untrusted code, so it follows the security guide's §5:

* the run goes through :func:`practicegrade.proc.run` (own session; on timeout the whole
  process group gets SIGTERM, then SIGKILL), with rlimits, an allow-listed environment,
  an empty temporary ``HOME`` and no tokens. Nothing the learner configures (pytest
  ``addopts``, ``PYTEST_ADDOPTS``, ``-p no:timeout``, ``@pytest.mark.timeout(0)``) can
  switch the timeout off, because it is not pytest's;
* coverage.py reads **our** rcfile only (``--rcfile`` makes it ignore ``.coveragerc``,
  ``setup.cfg``, ``tox.ini`` and ``[tool.coverage]``), writes its data into our scratch
  folder, saves on SIGTERM (``sigterm``), and with coverage 7.10+ follows subprocesses
  and ``os._exit`` (``patch``), which is why the data is always combined;
* per-test results stream from a tiny plugin of ours (:mod:`._pytest_plugin`), one
  flushed JSON line per report, so a killed run keeps what it measured and we know
  which test was running.

Counts follow pytest's own summary line: ``tests.passed`` = passed + xpassed,
``tests.skipped`` = skipped + xfailed, ``tests.failed`` = failed, ``tests.errors`` =
errors (setup/teardown failures and collection errors) plus a test our timeout killed.
No tests, no tools, or no test that ran: the metrics are absent and ``unmeasured`` says
why, never a silent 0% or 100%.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from practicegrade import proc
from practicegrade.collectors import Project, Settings
from practicegrade.collectors._pytest_env import (
    Probe,
    absolute_roots,
    install_hint,
    learner_env,
    learner_limits,
    make_home,
    probe,
    version_tuple,
)
from practicegrade.discover import is_test_file, walk_python_files
from practicegrade.errors import ToolError
from practicegrade.model import (
    CollectorResult,
    FileCoverage,
    Finding,
    TestCase,
    TestDetails,
    TestOutcome,
)

NAME = "tests"
TEST_KEYS = ("tests.passed", "tests.failed", "tests.errors", "tests.skipped", "tests.duration_s")
COVERAGE_KEYS = ("coverage.line_pct", "coverage.branch_pct")
PLUGIN_MODULE = "practicegrade_pytest_events"
EVENTS_ENV = "PRACTICEGRADE_PYTEST_EVENTS"
REPORT_TIMEOUT_S = 120.0
EVENTS_CAP_BYTES = 64 << 20
MESSAGE_CAP = 1000
MIN_COVERAGE = (6, 4)
"""``[run] sigterm`` (saving data when our timeout strikes) arrived in coverage.py 6.4."""
PATCH_COVERAGE = (7, 10)
"""``[run] patch = subprocess, _exit`` arrived in coverage.py 7.10."""
NO_TESTS_COLLECTED = 5
PRAGMA_NO_COVER = re.compile(r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)")
"""coverage.py's default exclusion regex for ``pragma: no cover``."""


# --------------------------------------------------------------------------- pure: events


@dataclass(slots=True)
class _Acc:
    """The reports seen for one test node, in order."""

    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    xfail: str | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What the event stream says happened, counted the way pytest's summary line counts."""

    cases: tuple[TestCase, ...]
    counts: Mapping[str, int]
    """pytest's categories: passed, failed, error, skipped, xfailed, xpassed."""
    collection_errors: tuple[tuple[str, str], ...]
    """``(nodeid, message)`` per module that failed to import or collect."""
    started: bool
    """pytest's session began (the plugin loaded and conftest files imported)."""
    finished: bool
    """pytest reached the end of its session (``False``: killed or ``os._exit``)."""
    exitstatus: int | None
    duration_s: float | None
    unfinished: tuple[str, ...]
    """Tests that started and never reported their teardown: the one that hung."""
    ran: int = 0
    """Tests whose setup ran (not skipped before it): without one, coverage means nothing."""

    def metric(self, key: str) -> int:
        """``tests.passed`` etc. from pytest's categories (see the module docstring)."""
        c = self.counts
        return {
            "tests.passed": c.get("passed", 0) + c.get("xpassed", 0),
            "tests.failed": c.get("failed", 0),
            "tests.errors": c.get("error", 0),
            "tests.skipped": c.get("skipped", 0) + c.get("xfailed", 0),
        }[key]


def pytest_category(when: str, outcome: str, xfail: str | None) -> str:
    """The summary category pytest gives one report ("" = not counted).

    Mirrors ``_pytest.skipping.pytest_report_teststatus`` then
    ``_pytest.runner.pytest_report_teststatus``: xfail wins, then setup/teardown
    failures are errors, passing setup/teardown reports are not counted.
    """
    if xfail is not None:
        if outcome == "skipped":
            return "xfailed"
        if outcome == "passed":
            return "xpassed"
    if when in ("setup", "teardown"):
        return {"failed": "error", "skipped": "skipped"}.get(outcome, "")
    return outcome if outcome in ("passed", "failed", "skipped") else ""


def cap(text: str | None, limit: int = MESSAGE_CAP) -> str | None:
    """Learner text bounded in length (their messages can be megabytes)."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _case(nodeid: str, acc: _Acc, unfinished_message: str | None) -> TestCase:
    """One test's outcome: a failed setup/teardown makes an otherwise passing test an error."""
    out = acc.outcomes
    call = out.get("call")
    broken = out.get("setup") == "failed" or out.get("teardown") == "failed"
    outcome: TestOutcome
    if call == "failed":
        outcome = "failed"
    elif broken:
        outcome = "error"
    elif call == "passed":
        outcome = "passed"
    elif call == "skipped" or out.get("setup") == "skipped":
        outcome = "skipped"
    else:
        outcome = "error"
    failure = next(
        (
            acc.messages[w]
            for w in ("setup", "call", "teardown")
            if out.get(w) == "failed" and w in acc.messages
        ),
        None,
    )
    message: str | None
    if "teardown" not in out and unfinished_message is not None:
        outcome, message = "error", unfinished_message
    elif acc.xfail is not None and outcome in ("skipped", "passed"):
        kind = "xfail" if outcome == "skipped" else "xpass"
        message = f"{kind}: {acc.xfail}" if acc.xfail else kind
    elif failure is not None:
        message = failure
    else:
        message = next((acc.messages[w] for w in ("setup", "call") if w in acc.messages), None)
    return TestCase(nodeid=nodeid, outcome=outcome, duration_s=acc.duration, message=cap(message))


def _number(value: object, default: float = 0.0) -> float:
    """A float from event data, whatever a broken line holds."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


@dataclass(slots=True)
class _Fold:
    """Mutable state while :func:`summarize` reads the stream."""

    accs: dict[str, _Acc] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    collect_errors: list[tuple[str, str]] = field(default_factory=list)
    collect_skips: list[TestCase] = field(default_factory=list)
    started: bool = False
    finished: bool = False
    exitstatus: int | None = None
    duration: float | None = None

    def add(self, ev: Mapping[str, Any]) -> None:
        kind = ev.get("e")
        nodeid = str(ev.get("nodeid", ""))
        if kind == "session":
            self.started = True
        elif kind == "start":
            self.accs.setdefault(nodeid, _Acc())
        elif kind == "report":
            self._report(self.accs.setdefault(nodeid, _Acc()), ev)
        elif kind == "collect":
            message = str(ev.get("message") or "collection failed")
            if ev.get("outcome") == "failed":
                self.counts["error"] += 1
                self.collect_errors.append((nodeid, cap(message) or ""))
            else:
                self.counts["skipped"] += 1
                self.collect_skips.append(TestCase(nodeid, "skipped", 0.0, cap(message)))
        elif kind == "finish":
            self.finished = True
            self.exitstatus = int(_number(ev.get("exitstatus")))
            self.duration = _number(ev.get("duration"))
        elif kind == "summary":
            self.duration = _number(ev.get("duration"))

    def _report(self, acc: _Acc, ev: Mapping[str, Any]) -> None:
        when, outcome = str(ev.get("when")), str(ev.get("outcome"))
        xfail = None if ev.get("xfail") is None else str(ev["xfail"])
        category = pytest_category(when, outcome, xfail)
        if category:
            self.counts[category] += 1
        acc.outcomes[when] = outcome
        if ev.get("message") is not None:
            acc.messages.setdefault(when, str(ev["message"]))
        if xfail is not None:
            acc.xfail = xfail
        acc.duration += _number(ev.get("duration"))


def summarize(
    events: Iterable[Mapping[str, Any]], unfinished_message: str | None = None
) -> RunSummary:
    """Fold the plugin's event stream into counts and one :class:`TestCase` per test.

    ``unfinished_message``: when the run was cut short, the tests that started and never
    finished become errors with this message (and count in ``error``).
    """
    fold = _Fold()
    for ev in events:
        fold.add(ev)
    accs = fold.accs
    unfinished = tuple(n for n, a in accs.items() if "teardown" not in a.outcomes)
    cut_short = None if fold.finished else unfinished_message
    if cut_short is not None:
        fold.counts["error"] += len(unfinished)
    cases = [_case(n, a, cut_short) for n, a in accs.items()]
    return RunSummary(
        cases=tuple(fold.collect_skips + cases),
        counts=dict(fold.counts),
        collection_errors=tuple(fold.collect_errors),
        started=fold.started or bool(accs),
        finished=fold.finished,
        exitstatus=fold.exitstatus,
        duration_s=fold.duration,
        unfinished=unfinished,
        ran=sum(1 for a in accs.values() if a.outcomes.get("setup", "passed") != "skipped"),
    )


def parse_events(text: str) -> list[dict[str, Any]]:
    """JSON lines to dicts, skipping anything malformed (a line cut by a kill)."""
    events: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events


# --------------------------------------------------------------------------- pure: coverage


@dataclass(frozen=True, slots=True)
class CoverageTotals:
    """coverage.py's JSON ``totals``, the counts our percentages are computed from."""

    statements: int
    covered_lines: int
    branches: int
    covered_branches: int

    @property
    def line_pct(self) -> float | None:
        """``covered_lines / num_statements * 100``, unrounded; ``None`` with no statements.

        coverage.py's own ``percent_covered`` is ``(covered_lines + covered_branches) /
        (num_statements + num_branches) * 100`` when branch measurement is on, so it mixes
        lines and branches; it equals ``line_pct`` only when there are no branches. We keep
        the two apart because they answer different questions; both are exactly coverage
        json's ``percent_statements_covered`` and ``percent_branches_covered`` before rounding.
        """
        return None if self.statements == 0 else self.covered_lines / self.statements * 100

    @property
    def branch_pct(self) -> float | None:
        """``covered_branches / num_branches * 100``, unrounded; ``None`` with no branches."""
        return None if self.branches == 0 else self.covered_branches / self.branches * 100


def _int(mapping: Mapping[str, Any], key: str) -> int:
    value = mapping.get(key, 0)
    return int(value) if isinstance(value, (int, float)) else 0


def parse_coverage_json(data: Mapping[str, Any]) -> tuple[CoverageTotals, tuple[FileCoverage, ...]]:
    """``coverage json`` output to totals and per-file coverage.

    ``partial_branches`` keeps the missing arcs whose source line *did* run: a line that
    never ran is already in ``missing_lines``, so its arcs are not "partial".
    """
    files: list[FileCoverage] = []
    for path, info in sorted(dict(data.get("files", {})).items()):
        summary = info.get("summary", {})
        missing = tuple(sorted(int(n) for n in info.get("missing_lines", ())))
        missing_set = set(missing)
        partial = tuple(
            sorted(
                (int(a), int(b))
                for a, b in info.get("missing_branches", ())
                if int(a) not in missing_set
            )
        )
        statements = _int(summary, "num_statements")
        covered = _int(summary, "covered_lines")
        branches = _int(summary, "num_branches")
        covered_branches = _int(summary, "covered_branches")
        files.append(
            FileCoverage(
                file=str(path).replace("\\", "/"),
                statements=statements,
                covered_lines=covered,
                missing_lines=missing,
                excluded_lines=_int(summary, "excluded_lines"),
                branches=branches,
                covered_branches=covered_branches,
                partial_branches=partial,
                line_pct=covered / statements * 100 if statements else 100.0,
                branch_pct=covered_branches / branches * 100 if branches else None,
            )
        )
    totals = dict(data.get("totals", {}))
    return (
        CoverageTotals(
            statements=_int(totals, "num_statements"),
            covered_lines=_int(totals, "covered_lines"),
            branches=_int(totals, "num_branches"),
            covered_branches=_int(totals, "covered_branches"),
        ),
        tuple(files),
    )


def count_pragma_no_cover(texts: Iterable[str]) -> int:
    """Lines excluded with ``pragma: no cover`` (coverage.py's default regex)."""
    return sum(1 for text in texts for line in text.splitlines() if PRAGMA_NO_COVER.search(line))


@dataclass(frozen=True, slots=True)
class CoveragePlan:
    """What coverage.py is told to measure: rendered into our rcfile and into the report."""

    data_file: str
    source: tuple[str, ...]
    """Absolute folders of the packages (finds files no test imported)."""
    source_pkgs: tuple[str, ...]
    """Importable names that are not folders (single-module projects)."""
    omit: tuple[str, ...]
    """Absolute paths of test files that live inside the source folders."""
    patch: tuple[str, ...]
    sigterm: bool

    def rcfile(self) -> str:
        """The ``.coveragerc`` text (only keys every supported coverage.py version knows)."""
        lines = [
            "[run]",
            "branch = True",
            "parallel = True",
            "relative_files = True",
            f"data_file = {self.data_file}",
        ]
        if self.sigterm:
            lines.append("sigterm = True")
        for key, values in (
            ("source", self.source),
            ("source_pkgs", self.source_pkgs),
            ("omit", self.omit),
            ("patch", self.patch),
        ):
            if values:
                lines.append(f"{key} =")
                lines.extend(f"    {v}" for v in values)
        lines += ["", "[report]", "ignore_errors = True", ""]
        return "\n".join(lines)

    def describe(self, root: Path) -> dict[str, object]:
        """The settings for ``TestDetails.coverage_settings`` (paths relative to the repo)."""

        def rel(path: str) -> str:
            try:
                return Path(path).relative_to(root).as_posix()
            except ValueError:
                return path

        return {
            "config": "practicegrade's own rcfile; the project's coverage configuration is ignored",
            "branch": True,
            "source": [rel(s) for s in self.source],
            "source_pkgs": list(self.source_pkgs),
            "omit": [rel(o) for o in self.omit],
            "relative_files": True,
            "parallel": True,
            "sigterm": self.sigterm,
            "patch": list(self.patch),
            "exclude_lines": "coverage.py defaults",
        }


def plan_coverage(project: Project, data_file: Path, coverage_version: str) -> CoveragePlan | None:
    """Our coverage settings for ``project``; ``None`` when there is no code to measure."""
    roots = absolute_roots(project)
    source: list[str] = []
    pkgs: list[str] = []
    for package in project.packages:
        folder = next((Path(r) / package for r in roots if (Path(r) / package).is_dir()), None)
        if folder is not None:
            source.append(str(folder))
        else:
            pkgs.append(package)
    if not source and not pkgs:
        return None
    omit = sorted(
        str((project.root / f).resolve())
        for d in project.source_dirs
        if d != "."
        for f in walk_python_files(project.root, d)
        if is_test_file(f)
    )
    modern = version_tuple(coverage_version) >= PATCH_COVERAGE
    return CoveragePlan(
        data_file=str(data_file),
        source=tuple(source),
        source_pkgs=tuple(pkgs),
        omit=tuple(omit),
        patch=("_exit", "subprocess") if modern else (),
        sigterm=version_tuple(coverage_version) >= MIN_COVERAGE,
    )


# --------------------------------------------------------------------------- results


def _unmeasured(keys: Sequence[str], reason: str) -> dict[str, str]:
    return dict.fromkeys(keys, reason)


def _finding(kind: str, message: str, file: str | None = None) -> Finding:
    return Finding(kind=kind, message=message, file=file, collector=NAME)


def _versions(found: Probe | None) -> dict[str, str]:
    if found is None:
        return {}
    pairs = (("python", found.python), ("pytest", found.pytest), ("coverage", found.coverage))
    return {k: v for k, v in pairs if v}


def _pragma_count(project: Project) -> int:
    texts = []
    for rel in project.source_files:
        try:
            texts.append((project.root / rel).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return count_pragma_no_cover(texts)


def _tools_missing(python: str, found: Probe | None, why: str) -> tuple[list[str], str]:
    """What must be installed (or upgraded) before the tests can be measured."""
    if found is None:
        return ["pytest", "coverage"], why
    needed = [name for name, v in (("pytest", found.pytest), ("coverage", found.coverage)) if not v]
    if needed:
        return needed, f"{' and '.join(needed)} not installed in {python}"
    if version_tuple(found.coverage) < MIN_COVERAGE:
        return ["coverage>=6.4"], f"coverage {found.coverage} in {python} is too old (need 6.4+)"
    return [], ""


# --------------------------------------------------------------------------- I/O: the run


@dataclass(frozen=True, slots=True)
class _Run:
    done: proc.Completed
    summary: RunSummary
    plan: CoveragePlan | None
    rcfile: Path | None


def _pytest_argv(project: Project, found: Probe, plan_rc: Path | None, work: Path) -> list[str]:
    """The command line: ours first, so learner ``addopts`` cannot undo the cache/plugin flags."""
    head = [project.python, "-m"]
    if plan_rc is not None:
        head += ["coverage", "run", f"--rcfile={plan_rc}", "-m"]
    options = ["-p", "no:cacheprovider", "-p", PLUGIN_MODULE, "--color=no"]
    if found.pytest_benchmark:
        # Timed later, uninstrumented; and its storage folder is ours, not the repo's.
        options += ["--benchmark-disable", f"--benchmark-storage=file://{work / 'benchmarks'}"]
    if found.pytest_cov:
        options.append("--no-cov")  # one tracer only: ours
    return [*head, "pytest", *options, "--", *project.test_paths]


def _run_tests(project: Project, settings: Settings, work: Path, found: Probe) -> _Run:
    plugin_dir = work / "plugin"
    plugin_dir.mkdir()
    plugin = Path(__file__).with_name("_pytest_plugin.py")
    shutil.copyfile(plugin, plugin_dir / f"{PLUGIN_MODULE}.py")
    events = work / "events.jsonl"
    events.touch()
    plan = plan_coverage(project, work / "coverage" / ".coverage", found.coverage or "")
    rcfile: Path | None = None
    if plan is not None:
        (work / "coverage").mkdir()
        rcfile = work / "coverage.rc"
        rcfile.write_text(plan.rcfile(), encoding="utf-8")
    env = learner_env(
        project.python,
        [*absolute_roots(project), str(plugin_dir)],
        make_home(work),
        {EVENTS_ENV: str(events)},
    )
    timeout = settings.test_timeout_s
    done = proc.run(
        _pytest_argv(project, found, rcfile, work),
        cwd=project.root,
        timeout=timeout,
        env=env,
        limits=learner_limits(timeout),
    )
    ended = None
    if done.timed_out:
        ended = f"timed out: still running when the {timeout:g} s limit was reached"
    else:
        ended = f"the test process ended during this test (exit code {done.returncode})"
    with events.open("r", encoding="utf-8", errors="replace") as stream:
        text = stream.read(EVENTS_CAP_BYTES)
    return _Run(done, summarize(parse_events(text), ended), plan, rcfile)


def _read_coverage(project: Project, work: Path, rcfile: Path) -> tuple[Any, str]:
    """Combine the data files and export JSON, in the learner's interpreter."""
    env = learner_env(project.python, [], make_home(work))
    base = [project.python, "-m", "coverage"]
    out = work / "coverage.json"
    try:
        combined = proc.run(
            [*base, "combine", f"--rcfile={rcfile}"],
            cwd=project.root,
            timeout=REPORT_TIMEOUT_S,
            env=env,
        )
        if combined.returncode != 0:
            detail = _tail(combined.stdout + combined.stderr)
            return None, f"coverage.py saved no data ({detail})"
        exported = proc.run(
            [*base, "json", f"--rcfile={rcfile}", "-o", str(out)],
            cwd=project.root,
            timeout=REPORT_TIMEOUT_S,
            env=env,
        )
    except ToolError as exc:
        return None, exc.message
    if exported.returncode != 0 or not out.is_file():
        return None, f"coverage json failed ({_tail(exported.stdout + exported.stderr)})"
    try:
        return json.loads(out.read_text(encoding="utf-8")), ""
    except ValueError as exc:
        return None, f"coverage json wrote unreadable output ({exc})"


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return cap(" | ".join(kept), 400) or "no output"


def _started_without_session(run: _Run) -> tuple[Finding, dict[str, float] | None]:
    """pytest stopped before its session began: a broken conftest, or a usage error."""
    output = run.done.stdout + "\n" + run.done.stderr
    if "while loading conftest" in output or "ImportError while" in output:
        lines = [ln[1:].strip() for ln in output.splitlines() if ln.startswith("E ")]
        head = next((ln for ln in output.splitlines() if "while loading conftest" in ln), "")
        message = cap(" | ".join([head.strip(), *lines[-3:]]).strip(" |")) or "conftest failed"
        counts = dict.fromkeys(("tests.passed", "tests.failed", "tests.skipped"), 0.0)
        counts["tests.errors"] = 1.0
        counts["tests.duration_s"] = run.done.duration_s
        return _finding("collection-error", message), counts
    return _finding(
        "pytest-error", f"pytest did not start (exit code {run.done.returncode}): {_tail(output)}"
    ), None


def _run_findings(run: _Run, settings: Settings) -> list[Finding]:
    """Collection errors, and what cut the run short (our timeout, or an early exit)."""
    summary = run.summary
    findings = [
        _finding("collection-error", msg, nodeid.split("::")[0] or None)
        for nodeid, msg in summary.collection_errors
    ]
    last = summary.unfinished[-1] if summary.unfinished else None
    during = f"; the last test that started: {last}" if last else " (before any test started)"
    file = last.split("::")[0] if last else None
    if run.done.timed_out:
        findings.append(
            _finding(
                "timeout",
                f"the tests did not finish within {settings.test_timeout_s:g} s and were stopped"
                f"{during}; results cover only what ran before",
                file,
            )
        )
    elif summary.started and not summary.finished:
        findings.append(
            _finding(
                "incomplete",
                f"the test run ended early (exit code {run.done.returncode}, e.g. os._exit() or a "
                f"crash){during}; results cover only what ran before",
                file,
            )
        )
    return findings


def _test_metrics(
    run: _Run, project: Project
) -> tuple[dict[str, float], dict[str, str], list[Finding]]:
    """The ``tests.*`` metrics, or why they are absent."""
    summary = run.summary
    if not summary.started:
        if run.done.timed_out:
            reason = "the run timed out before pytest started its session"
            return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), reason), []
        finding, counts = _started_without_session(run)
        if counts is None:
            return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), finding.message), [finding]
        return counts, _unmeasured(COVERAGE_KEYS, "no test ran: " + finding.message), [finding]
    nothing = not summary.cases and not summary.collection_errors
    if summary.exitstatus == NO_TESTS_COLLECTED and nothing:
        reason = f"pytest collected no tests in {', '.join(project.test_paths)}"
        return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), reason), [_finding("no-tests", reason)]
    metrics = {key: float(summary.metric(key)) for key in TEST_KEYS[:4]}
    duration = summary.duration_s if summary.finished else run.done.duration_s
    metrics["tests.duration_s"] = float(duration or 0.0)
    return metrics, {}, []


def _coverage_metrics(
    run: _Run, project: Project, work: Path
) -> tuple[dict[str, float], dict[str, str], tuple[FileCoverage, ...]]:
    """``coverage.*`` from the combined data, or why they are absent."""
    summary = run.summary
    if run.plan is None or run.rcfile is None:
        return {}, _unmeasured(COVERAGE_KEYS, "no source package found to measure"), ()
    if summary.ran == 0:
        why_not = "no test ran" + (" (collection errors)" if summary.collection_errors else "")
        return {}, _unmeasured(COVERAGE_KEYS, why_not), ()
    data, problem = _read_coverage(project, work, run.rcfile)
    if data is None:
        if not summary.finished:
            problem += "; the test process ended before coverage.py could save its data"
        return {}, _unmeasured(COVERAGE_KEYS, problem), ()
    totals, files = parse_coverage_json(data)
    metrics: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    for key, value, empty in (
        ("coverage.line_pct", totals.line_pct, "no statements to measure"),
        ("coverage.branch_pct", totals.branch_pct, "the measured code has no branches"),
    ):
        if value is None:
            unmeasured[key] = empty
        else:
            metrics[key] = value
    return metrics, unmeasured, files


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Run the learner's tests under coverage.py and report counts, coverage and findings."""
    started = time.monotonic()
    settings.scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tests-", dir=settings.scratch))
    all_keys = (*TEST_KEYS, *COVERAGE_KEYS)
    details = TestDetails(interpreter=project.python, pragma_no_cover=_pragma_count(project))

    def result(**kwargs: Any) -> CollectorResult:
        return CollectorResult(name=NAME, duration_s=time.monotonic() - started, **kwargs)

    if not project.test_paths:
        reason = "no tests found (no tests/ folder or test_*.py files)"
        return result(
            unmeasured=_unmeasured(all_keys, reason),
            findings=(_finding("no-tests", reason),),
            details=details,
        )
    found, why = probe(project.python, work)
    missing, reason = _tools_missing(project.python, found, why)
    if missing or found is None:
        message = f"{reason}; install with: {install_hint(project.python, missing)}"
        return result(
            unmeasured=_unmeasured(all_keys, message),
            findings=(_finding("tool-missing", message),),
            tool_versions=_versions(found),
            details=details,
        )
    run = _run_tests(project, settings, work, found)
    findings = _run_findings(run, settings)
    metrics, unmeasured, more = _test_metrics(run, project)
    findings += more
    files: tuple[FileCoverage, ...] = ()
    if not set(COVERAGE_KEYS) & set(unmeasured):
        cov_metrics, cov_unmeasured, files = _coverage_metrics(run, project, work)
        metrics.update(cov_metrics)
        unmeasured.update(cov_unmeasured)
    return result(
        metrics=metrics,
        unmeasured=unmeasured,
        findings=tuple(findings),
        tool_versions=_versions(found),
        details=replace(
            details,
            cases=run.summary.cases,
            coverage=files,
            timed_out=run.done.timed_out,
            coverage_settings=run.plan.describe(project.root) if run.plan else {},
        ),
    )
