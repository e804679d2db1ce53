"""The main job: measure, compare, evaluate, write artifacts.

:func:`grade` is the one core function behind ``practicegrade grade``, the pre-push hook
and ``practicegrade demo``. It owns the order of things and the threads; each stage it
calls is a pure function or a collector.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from practicegrade import __version__, gitrepo
from practicegrade.collectors import BenchmarkSpec, Collector, Project, Settings
from practicegrade.config import Config, load_config
from practicegrade.discover import discover
from practicegrade.errors import EXIT_GATE_FAILED, EXIT_OK, UsageError
from practicegrade.model import CollectorResult, Finding, Report, RepoInfo

ProgressCallback = Callable[[str, Literal["start", "done"]], None]

STATIC_COLLECTORS = ("complexity", "lint")
DYNAMIC_COLLECTORS = ("tests",)


@dataclass(frozen=True, slots=True)
class GradeRequest:
    """Everything ``grade`` needs to know; the clock comes in here, never read inside stages."""

    path: Path
    now: dt.datetime
    config_file: Path | None = None
    out_dir: Path | None = None
    base: str | None = None
    """A ref to compare with; ``None`` = automatic (merge-base), ``"none"`` = no comparison."""
    rev: str | None = None
    run_tests: bool = True
    run_bench: bool = True
    jobs: int = 2
    python: str | None = None
    origin: Literal["local", "hook", "ci"] = "local"
    formats: Sequence[str] | None = None
    progress: ProgressCallback | None = None
    write_artifacts: bool = True


@dataclass(frozen=True, slots=True)
class GradeOutcome:
    report: Report
    artifacts: tuple[Path, ...] = ()
    exit_code: int = EXIT_OK
    warnings: tuple[str, ...] = field(default=())


def _load_collector(name: str) -> Collector:
    """Import a collector module on first use (keeps ``--help`` fast)."""
    module = importlib.import_module(f"practicegrade.collectors.{name}")
    collect: Collector = module.collect
    return collect


def resolve_root(path: Path) -> tuple[Path, bool]:
    """The folder to grade and whether it is inside a git work tree."""
    if not path.exists():
        raise UsageError(f"{path} does not exist", hint="pass the folder of a Python project")
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder", hint="pass the folder of a Python project")
    top = gitrepo.toplevel(path)
    return (top, True) if top is not None else (path.resolve(), False)


def measure(
    project: Project,
    settings: Settings,
    *,
    run_tests: bool,
    run_bench: bool,
    progress: ProgressCallback | None = None,
) -> list[CollectorResult]:
    """Run the collectors: static and tests concurrently, then benchmarks alone.

    Benchmarks never share the machine with the other collectors: a timing taken while
    pylint saturates a core would be noise.
    """
    names = [*STATIC_COLLECTORS, *(DYNAMIC_COLLECTORS if run_tests else ())]

    def run_one(name: str) -> CollectorResult:
        if progress:
            progress(name, "start")
        started = time.monotonic()
        result = _load_collector(name)(project, settings)
        if progress:
            progress(name, "done")
        return replace(result, duration_s=round(time.monotonic() - started, 3))

    # Tests first: they are the long pole, so they should start before anything else.
    ordered = sorted(names, key=lambda n: n != "tests")
    with ThreadPoolExecutor(max_workers=len(ordered)) as pool:
        results = list(pool.map(run_one, ordered))
    if run_bench and settings.benchmarks:
        results.append(run_one("bench"))
    return sorted(results, key=lambda r: r.name)


def merge_results(results: Sequence[CollectorResult]) -> tuple[
    dict[str, float], dict[str, str], dict[str, str], tuple[Finding, ...]
]:
    """Flatten collector results into metrics, unmeasured reasons, tool versions, findings."""
    metrics: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    tools: dict[str, str] = {}
    findings: list[Finding] = []
    for result in results:
        metrics.update(result.metrics)
        unmeasured.update(result.unmeasured)
        tools.update(result.tool_versions)
        findings.extend(result.findings)
    for key in metrics:
        unmeasured.pop(key, None)
    return dict(sorted(metrics.items())), dict(sorted(unmeasured.items())), tools, tuple(findings)


def _settings(config: Config, jobs: int, scratch: Path) -> Settings:
    return Settings(
        jobs=max(1, jobs),
        test_timeout_s=config.test_timeout_s,
        benchmarks=tuple(BenchmarkSpec(b.name, b.call, b.setup) for b in config.benchmarks),
        scratch=scratch,
    )


def _details(results: Sequence[CollectorResult]) -> Mapping[str, object]:
    by_name = {r.name: r.details for r in results}
    return {
        "complexity": by_name.get("complexity"),
        "lint": by_name.get("lint"),
        "tests": by_name.get("tests"),
        "bench": by_name.get("bench"),
    }


def grade(request: GradeRequest) -> GradeOutcome:
    """Measure the project at ``request.path`` and write its artifacts."""
    root, in_git = resolve_root(request.path)
    config = load_config(root, request.config_file)
    head = gitrepo.head_info(root) if in_git else None
    project = discover(
        root, source=config.source, tests=config.tests, exclude=config.exclude,
        python=request.python,
    )
    scratch = Path(tempfile.mkdtemp(prefix="practicegrade-"))
    try:
        results = measure(
            project,
            _settings(config, request.jobs, scratch),
            run_tests=request.run_tests,
            run_bench=request.run_bench,
            progress=request.progress,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = build_report(request, config, project, results, head)
    artifacts: tuple[Path, ...] = ()
    if request.write_artifacts:
        from practicegrade.render import write_artifacts  # noqa: PLC0415 - lazy, heavy

        out_dir = request.out_dir or root / ".practicegrade" / "out"
        artifacts = tuple(write_artifacts(report, out_dir, formats=request.formats))
    verdict = report.evaluation.verdict if report.evaluation else "pass"
    code = EXIT_GATE_FAILED if verdict == "fail" else EXIT_OK
    return GradeOutcome(report=report, artifacts=artifacts, exit_code=code, warnings=config.warnings)


def build_report(
    request: GradeRequest,
    config: Config,
    project: Project,
    results: Sequence[CollectorResult],
    head: gitrepo.HeadInfo | None,
) -> Report:
    """Assemble the report, then evaluate it against the competence model and add feedback."""
    from practicegrade.feedback import build_feedback  # noqa: PLC0415
    from practicegrade.rubric import evaluate  # noqa: PLC0415

    metrics, unmeasured, tools, findings = merge_results(results)
    details = _details(results)
    report = Report(
        tool_version=__version__,
        generated_at=request.now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        repo=RepoInfo(
            root=str(project.root),
            commit=head.commit if head else None,
            tree=head.tree if head else None,
            branch=head.branch if head else None,
            dirty=head.dirty if head else False,
            source=project.source_dirs,
            tests=project.test_paths,
        ),
        metrics=metrics,
        unmeasured=unmeasured,
        tools={"practicegrade": __version__, **dict(sorted(tools.items()))},
        config_file=config.path,
        complexity=details["complexity"],  # type: ignore[arg-type]
        lint=details["lint"],  # type: ignore[arg-type]
        tests=details["tests"],  # type: ignore[arg-type]
        bench=details["bench"],  # type: ignore[arg-type]
        findings=findings,
        timings={r.name: r.duration_s for r in results},
    )
    evaluation = evaluate(config, metrics, today=request.now.date())
    report = replace(report, evaluation=evaluation)
    return replace(report, feedback=build_feedback(evaluation, report, config))
