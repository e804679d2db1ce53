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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from practicegrade import proc
from practicegrade.collectors import Project, Settings
from practicegrade.collectors._pytest_coverage import (
    MIN_COVERAGE,
    CoveragePlan,
    count_pragma_no_cover,
    left_out,
    parse_coverage_json,
    plan_coverage,
    read_project_coverage,
)
from practicegrade.collectors._pytest_env import (
    Probe,
    absolute_roots,
    cached_probe,
    install_hint,
    interpreter_path,
    learner_env,
    learner_limits,
    make_home,
    version_tuple,
)
from practicegrade.collectors._pytest_events import (
    RunSummary,
    cap,
    not_run_reason,
    parse_events,
    summarize,
)
from practicegrade.discover import pyproject_name, unittest_modules
from practicegrade.errors import ToolError
from practicegrade.model import (
    CollectorResult,
    CoverageLeftOut,
    FileCoverage,
    Finding,
    TestDetails,
)

NAME = "tests"
TEST_KEYS = ("tests.passed", "tests.failed", "tests.errors", "tests.skipped", "tests.duration_s")
COVERAGE_KEYS = ("coverage.line_pct", "coverage.branch_pct")
PLUGIN_MODULE = "practicegrade_pytest_events"
EVENTS_ENV = "PRACTICEGRADE_PYTEST_EVENTS"
REPORT_TIMEOUT_S = 120.0
EVENTS_CAP_BYTES = 64 << 20
NO_TESTS_COLLECTED = 5
NOT_RUN_KIND = "not-run"
"""The finding for tests pytest collected and did not run (``--co``, deselection, ...)."""
INCOMPLETE_KINDS = ("incomplete", "timeout", NOT_RUN_KIND)
"""Findings that mean the run is not the project's whole suite: its gates cannot pass."""


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


def _tools_missing(python: str, found: Probe | None, why: str) -> str | None:
    """Why the tests cannot be measured in ``python``, with the command that fixes it."""
    if found is None:
        return f"{why}; check the interpreter (the project's .venv, or pass --python)"
    needed = [name for name, v in (("pytest", found.pytest), ("coverage", found.coverage)) if not v]
    if needed:
        hint = install_hint(python, needed)
        return f"{' and '.join(needed)} not installed in {python}; install with: {hint}"
    if version_tuple(found.coverage) < MIN_COVERAGE:
        hint = install_hint(python, ["--upgrade", "coverage"])
        return f"coverage {found.coverage} in {python} is too old (need 6.4+); run: {hint}"
    return None


# --------------------------------------------------------------------------- I/O: the run


@dataclass(frozen=True, slots=True)
class _Run:
    done: proc.Completed
    summary: RunSummary
    plan: CoveragePlan | None
    rcfile: Path | None
    exporter: proc.Started | None = None
    """The coverage exporter started beside the tests; :func:`collect` stops it if unused."""


def _pytest_argv(
    project: Project,
    found: Probe,
    plan_rc: Path | None,
    work: Path,
    paths: Sequence[str] | None = None,
) -> list[str]:
    """The command line. pytest puts the learner's ``addopts`` *before* these, so ours win."""
    head = [project.python, "-m"]
    if plan_rc is not None:
        head += ["coverage", "run", f"--rcfile={plan_rc}", "-m"]
    options = ["-p", "no:cacheprovider", "-p", PLUGIN_MODULE, "--color=no"]
    if found.pytest_benchmark:
        # Timed later, uninstrumented; and its storage folder is ours, not the repo's.
        options += ["--benchmark-disable", f"--benchmark-storage=file://{work / 'benchmarks'}"]
    if found.pytest_cov:
        options.append("--no-cov")  # one tracer only: ours
    return [*head, "pytest", *options, *pytest_targets(project, paths)]


def pytest_targets(project: Project, paths: Sequence[str] | None = None) -> list[str]:
    """What pytest is pointed at: ``paths`` (a fallback), the configured ``tests:``, or
    nothing, so that pytest's own rootdir, ``testpaths`` and ``python_files`` decide, as
    ``python -m pytest`` in the project root would."""
    if paths:
        return ["--", *paths]
    if project.tests_configured:
        return ["--", *project.test_paths]
    return []


def _run_tests(
    project: Project,
    settings: Settings,
    work: Path,
    found: Probe,
    paths: Sequence[str] | None = None,
) -> _Run:
    work.mkdir(exist_ok=True)
    plugin_dir = work / "plugin"
    plugin_dir.mkdir()
    plugin = Path(__file__).with_name("_pytest_plugin.py")
    shutil.copyfile(plugin, plugin_dir / f"{PLUGIN_MODULE}.py")
    events = work / "events.jsonl"
    events.touch()
    own = read_project_coverage(project.root) if settings.coverage_project_settings else None
    plan = plan_coverage(project, work / "coverage" / ".coverage", found.coverage or "", own)
    rcfile: Path | None = None
    if plan is not None:
        (work / "coverage").mkdir()
        rcfile = work / "coverage.rc"
        rcfile.write_text(plan.rcfile(), encoding="utf-8")
        if plan.project is not None and plan.project.leaves_out:
            _request_baseline(project, plan, work)
    env = learner_env(
        project.python,
        [*absolute_roots(project), str(plugin_dir)],
        make_home(work),
        {EVENTS_ENV: str(events)},
        pycache_prefix=settings.pycache_prefix,
    )
    timeout = settings.test_timeout_s
    tests = proc.start(
        _pytest_argv(project, found, rcfile, work, paths),
        cwd=project.root,
        env=env,
        limits=learner_limits(timeout),
        stdin=False,
    )
    exporter = None
    try:
        # Started second: it is needed only when the tests end, so they go first.
        if rcfile is not None and settings.warm_export:
            exporter = _start_export(project, work, rcfile)
        done = tests.finish(None, timeout=timeout)
    except BaseException:
        tests.cancel()
        if exporter is not None:
            exporter.cancel()
        raise
    ended = None
    if done.timed_out:
        ended = f"timed out: still running when the {timeout:g} s limit was reached"
    else:
        ended = f"the test process ended during this test (exit code {done.returncode})"
    with events.open("r", encoding="utf-8", errors="replace") as stream:
        text = stream.read(EVENTS_CAP_BYTES)
    return _Run(done, summarize(parse_events(text), ended), plan, rcfile, exporter)


BASELINE_REQUEST = "baseline-request.json"
BASELINE_COUNTS = "baseline-counts.json"


def _request_baseline(project: Project, plan: CoveragePlan, work: Path) -> None:
    """Ask the exporter to count each source file's statements under coverage.py's
    defaults too, so :func:`left_out` can say what the project's settings leave out."""
    baseline_rc = work / "baseline.rc"
    unused_data = work / "baseline" / ".coverage"
    baseline_rc.write_text(
        plan.rcfile(data_file=str(unused_data), with_project=False), encoding="utf-8"
    )
    files = [str((project.root / rel).resolve()) for rel in project.source_files]
    request = {"rcfile": str(baseline_rc), "files": files}
    (work / BASELINE_REQUEST).write_text(json.dumps(request), encoding="utf-8")


def _baseline_counts(work: Path) -> dict[str, int] | None:
    try:
        data = json.loads((work / BASELINE_COUNTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


COVERAGE_JSON = "coverage.json"
"""What :func:`collect` names its ``coverage json`` output (read by :func:`line_sets`)."""
COMBINE_FAILED = 3
"""Exit status of :data:`_EXPORT_COVERAGE` when there was no data to combine."""
EXPORT_FAILED = 4
"""Exit status of :data:`_EXPORT_COVERAGE` when the JSON report failed."""

_EXPORT_COVERAGE = r"""
import sys
if sys.path and sys.path[0] in ("", "."):
    del sys.path[0]  # the repository's own files must not shadow coverage (or json)
import json, os
import coverage
rcfile, out = sys.argv[1], sys.argv[2]
if sys.argv[3:] == ["--wait"] and sys.stdin.buffer.read() != b"go":
    sys.exit(0)  # started ahead and never told to go: nothing to do
try:
    combined = coverage.Coverage(config_file=rcfile, messages=False)
    combined.combine(strict=True)
    combined.save()
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(3)
folder = os.path.dirname(out)
request = os.path.join(folder, "baseline-request.json")
if os.path.exists(request):
    # Statements per source file under coverage.py's defaults: what the project's
    # settings are compared against. A file that does not parse is left out.
    with open(request, encoding="utf-8") as stream:
        asked = json.load(stream)
    baseline = coverage.Coverage(config_file=asked["rcfile"], messages=False)
    counts = {}
    for path in asked["files"]:
        try:
            counts[path] = len(baseline.analysis2(path)[1])
        except Exception:
            pass
    with open(os.path.join(folder, "baseline-counts.json"), "w", encoding="utf-8") as stream:
        json.dump(counts, stream)
try:
    report = coverage.Coverage(config_file=rcfile, messages=False)
    report.load()
    report.json_report(outfile=out)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(4)
"""
"""``coverage combine`` then ``coverage json -o OUT``, as the CLI does them, in one process:
the learner's interpreter and coverage.py start once instead of twice. With ``--wait`` it
is started beside the tests (:func:`_start_export`) and imports coverage.py while they
run, then waits for ``go`` on stdin: the report starts the moment the tests end."""


def _export_argv(project: Project, work: Path, rcfile: Path) -> list[str]:
    return [project.python, "-c", _EXPORT_COVERAGE, str(rcfile), str(work / COVERAGE_JSON)]


def _start_export(project: Project, work: Path, rcfile: Path) -> proc.Started | None:
    """The exporter, started ahead (``--wait``); ``None`` if it cannot start (the cold
    run after the tests will say why)."""
    env = learner_env(project.python, [], make_home(work))
    try:
        argv = [*_export_argv(project, work, rcfile), "--wait"]
        return proc.start(argv, cwd=project.root, env=env)
    except ToolError:
        return None


def _read_coverage(
    project: Project, work: Path, rcfile: Path, warm: proc.Started | None = None
) -> tuple[Any, str]:
    """Combine the data files and export JSON, in the learner's interpreter: by the
    exporter started beside the tests if it is still waiting, else by a new one."""
    out = work / COVERAGE_JSON
    try:
        if warm is not None and warm.running:
            exported = warm.finish(b"go", timeout=REPORT_TIMEOUT_S)
        else:
            exported = proc.run(
                _export_argv(project, work, rcfile),
                cwd=project.root,
                timeout=REPORT_TIMEOUT_S,
                env=learner_env(project.python, [], make_home(work)),
            )
    except ToolError as exc:
        return None, exc.message
    detail = _tail(exported.stdout + exported.stderr)
    if exported.returncode == COMBINE_FAILED:
        return None, f"coverage.py saved no data ({detail})"
    if exported.returncode != 0 or not out.is_file():
        return None, f"coverage json failed ({detail})"
    try:
        return json.loads(out.read_text(encoding="utf-8")), ""
    except ValueError as exc:
        return None, f"coverage json wrote unreadable output ({exc})"


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return cap(" | ".join(kept), 400) or "no output"


_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_MISSING_DIST = re.compile(r"PackageNotFoundError: (?:No package metadata was found for )?(\S+)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def not_importable(messages: Sequence[str], project: Project) -> str | None:
    """The project's own name when every message says the project itself does not import.

    That is a set-up problem (the package is not installed in the test interpreter:
    ``importlib.metadata`` finds no metadata, or its import name is unknown), not a
    failing test: :func:`collect` makes it a notice. A missing third-party module, or
    any other error among the messages, is a real collection error and stays one.
    """
    own = {_normal(p) for p in project.packages}
    named = pyproject_name(project.root)
    if named:
        own.add(_normal(named))
    found = None
    for message in messages:
        module = _MISSING_MODULE.search(message)
        dist = _MISSING_DIST.search(message)
        if module and _normal(module.group(1).split(".")[0]) in own:
            found = module.group(1).split(".")[0]
        elif dist and (not named or _normal(dist.group(1).strip("'\"")) in own):
            found = dist.group(1).strip("'\"")
        else:
            return None
    return found


def _install_fix(project: Project, name: str) -> str:
    return (
        f"the project ({name}) does not import in {project.python}, so its tests cannot run: "
        f"install it with `{install_hint(project.python, ['-e', '.'])}`"
    )


def _started_without_session(
    run: _Run, project: Project
) -> tuple[Finding, dict[str, float] | None]:
    """pytest stopped before its session began: a broken conftest, or a usage error."""
    output = run.done.stdout + "\n" + run.done.stderr
    if "while loading conftest" in output:
        lines = [ln[1:].strip() for ln in output.splitlines() if ln.startswith("E ")]
        name = not_importable(lines[-1:], project)
        if name is not None:
            return _finding("not-importable", _install_fix(project, name)), None
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
    reason = not_run_reason(summary)
    if reason is not None:
        findings.append(_finding(NOT_RUN_KIND, reason))
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
        finding, counts = _started_without_session(run, project)
        if counts is None:
            return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), finding.message), [finding]
        return counts, _unmeasured(COVERAGE_KEYS, "no test ran: " + finding.message), [finding]
    if found_nothing(summary):
        finding = _nothing_found(project)
        return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), finding.message), [finding]
    name = None
    if summary.collection_errors and summary.ran == 0:
        name = not_importable([msg for _, msg in summary.collection_errors], project)
    if name is not None:
        finding = _finding("not-importable", _install_fix(project, name))
        return {}, _unmeasured((*TEST_KEYS, *COVERAGE_KEYS), finding.message), [finding]
    metrics = {key: float(summary.metric(key)) for key in TEST_KEYS[:4]}
    duration = summary.duration_s if summary.finished else run.done.duration_s
    metrics["tests.duration_s"] = float(duration or 0.0)
    return metrics, {}, []


def found_nothing(summary: RunSummary) -> bool:
    """pytest ran and collected nothing at all: no test, no collection error."""
    collected = summary.collection.collected if summary.collection is not None else 0
    nothing = not summary.cases and not summary.collection_errors and not collected
    return summary.started and summary.exitstatus == NO_TESTS_COLLECTED and nothing


def _nothing_found(project: Project) -> Finding:
    """Why there are no test numbers, with the fix: a notice, not a failing test.

    ``no-tests``: nothing in the repository looks like a test (the learner's first test
    is the next step). ``tests-not-found``: test files are there but pytest, run as the
    project runs it, does not collect them (a set-up problem, with its fix).
    """
    if project.tests_configured:
        where = ", ".join(project.test_paths) or "(none of them exists)"
        return _finding(
            "tests-not-found",
            f"pytest collected no tests in the `tests:` paths of practicegrade.yml ({where}); "
            "fix the paths there",
        )
    if not project.test_paths:
        return _finding(
            "no-tests",
            "no tests found: pytest, run in the project root, collected nothing, and there is "
            "no tests/ folder or test_*.py file",
        )
    seen = ", ".join(p + ("/" if (project.root / p).is_dir() else "") for p in project.test_paths)
    return _finding(
        "tests-not-found",
        f"pytest, run in the project root, collected no tests, though there are test files in"
        f" {seen}; name them with `tests:` in practicegrade.yml, or set `testpaths` / "
        "`python_files` in the project's pytest configuration",
    )


def _left_out(run: _Run, project: Project, work: Path, data: Any) -> CoverageLeftOut | None:
    """What the project's coverage settings left out, counted from coverage.py's output."""
    settings = run.plan.project if run.plan is not None else None
    if settings is None:
        return None
    if not settings.leaves_out:
        return CoverageLeftOut(config=settings.config)
    baseline = _baseline_counts(work)
    if baseline is None:
        return CoverageLeftOut(config=settings.config)
    _, files = parse_coverage_json(data) if data is not None else (None, ())
    return left_out(project, settings, baseline, {f.file: f.statements for f in files})


def _coverage_metrics(
    run: _Run, project: Project, work: Path
) -> tuple[dict[str, float], dict[str, str], tuple[FileCoverage, ...], CoverageLeftOut | None]:
    """``coverage.*`` from the combined data, or why they are absent; and what the
    project's settings left out."""
    summary = run.summary
    if run.plan is None or run.rcfile is None:
        return {}, _unmeasured(COVERAGE_KEYS, "no source package found to measure"), (), None
    if summary.ran == 0:
        why_not = "no test ran" + (" (collection errors)" if summary.collection_errors else "")
        return {}, _unmeasured(COVERAGE_KEYS, why_not), (), None
    data, problem = _read_coverage(project, work, run.rcfile, run.exporter)
    # coverage.py's "No data to report": every measured file was left out, not a failure.
    left = _left_out(run, project, work, data) if data or "No data" in problem else None
    if (
        data is None
        and left is not None
        and left.source_statements
        and not (left.source_statements - left.file_statements - left.excluded_lines)
    ):
        problem = (
            f"the project's coverage settings ({left.config}) leave out every statement of the"
            " source; `coverage: {project_settings: false}` in practicegrade.yml ignores them"
        )
    if data is None:
        if not summary.finished:
            problem += (
                "; the test process ended before coverage.py could save its data"
                " (coverage.py 7.2.3+ saves when our timeout stops it, 7.10+ on os._exit)"
            )
        return {}, _unmeasured(COVERAGE_KEYS, problem), (), left
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
    return metrics, unmeasured, files, left


def _collected(summary: RunSummary, *, deselected: bool = False) -> int | None:
    """Tests collected (or deselected), for the report; ``None``: collection never finished."""
    c = summary.collection
    if c is None:
        return None
    return c.deselected if deselected else c.collected


def line_sets(scratch: Path, root: Path) -> dict[str, tuple[list[int], list[int]]]:
    """Per file ``(statements, missing)`` line numbers of the last run under ``scratch``.

    The report's :class:`~practicegrade.model.FileCoverage` keeps the missing lines but
    not the executed ones, and patch coverage needs both. :func:`collect` leaves
    coverage.py's own ``coverage json`` output in its work folder under the scratch
    folder, and the orchestrator reads it through here before the scratch folder is
    removed, so only this module knows where that file is.
    """
    found = sorted(scratch.rglob(COVERAGE_JSON), key=lambda p: p.stat().st_mtime)
    if not found:
        return {}
    try:
        data = json.loads(found[-1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    lines: dict[str, tuple[list[int], list[int]]] = {}
    for path, info in dict(data.get("files", {})).items():
        rel = Path(path)
        if rel.is_absolute():
            try:
                rel = rel.resolve().relative_to(root.resolve())
            except ValueError:
                continue
        executed = [int(n) for n in info.get("executed_lines", ())]
        missing = [int(n) for n in info.get("missing_lines", ())]
        lines[rel.as_posix()] = (sorted({*executed, *missing}), sorted(missing))
    return lines


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Run the learner's tests under coverage.py and report counts, coverage and findings."""
    started = time.monotonic()
    settings.scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tests-", dir=settings.scratch))
    all_keys = (*TEST_KEYS, *COVERAGE_KEYS)
    project = replace(project, python=interpreter_path(project.python))
    python = project.python
    details = TestDetails(interpreter=python, pragma_no_cover=_pragma_count(project))

    def result(**kwargs: Any) -> CollectorResult:
        return CollectorResult(name=NAME, duration_s=time.monotonic() - started, **kwargs)

    if project.tests_configured and not project.test_paths:
        finding = _nothing_found(project)
        return result(
            unmeasured=_unmeasured(all_keys, finding.message),
            findings=(finding,),
            details=details,
        )
    found, why = cached_probe(python, work, settings.cache_dir)
    message = _tools_missing(python, found, why)
    if message is not None or found is None:
        message = message or why
        return result(
            unmeasured=_unmeasured(all_keys, message),
            findings=(_finding("tool-missing", message),),
            tool_versions=_versions(found),
            details=details,
        )
    run = _run_tests(project, settings, work, found)
    fallback = unittest_modules(project.root) if not project.tests_configured else []
    findings: list[Finding] = []
    if fallback and found_nothing(run.summary):
        # pytest's defaults do not look in test.py; `pytest test.py` collects it.
        if run.exporter is not None:
            run.exporter.cancel()
        run = _run_tests(project, settings, work / "fallback", found, fallback)
        findings.append(
            _finding(
                "tests-fallback",
                f"pytest, run in the project root, collected no tests, so practicegrade ran "
                f"`pytest {' '.join(fallback)}`; to make it explicit, set `tests:` in "
                "practicegrade.yml or `testpaths` / `python_files` in the pytest configuration",
                fallback[0],
            )
        )
        work = work / "fallback"
    try:
        findings += _run_findings(run, settings)
        metrics, unmeasured, more = _test_metrics(run, project)
        if any(f.kind == "not-importable" for f in more):
            # One notice with the fix, instead of one error per test module (and instead
            # of "collected but not run": the set-up stopped them, not a setting).
            findings = [f for f in findings if f.kind not in ("collection-error", NOT_RUN_KIND)]
        findings += more
        files: tuple[FileCoverage, ...] = ()
        left: CoverageLeftOut | None = None
        if not set(COVERAGE_KEYS) & set(unmeasured):
            cov_metrics, cov_unmeasured, files, left = _coverage_metrics(run, project, work)
            metrics.update(cov_metrics)
            unmeasured.update(cov_unmeasured)
    finally:
        if run.exporter is not None:
            run.exporter.cancel()  # unused when no coverage was read; a no-op otherwise
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
            collected=_collected(run.summary),
            deselected=_collected(run.summary, deselected=True),
            run=run.summary.executed,
            coverage_left_out=left,
        ),
    )
