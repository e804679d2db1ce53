"""The main job: measure, compare, evaluate, write artifacts, note the result.

:func:`grade` is the one core function behind ``practicegrade grade``, the pre-push hook
and ``practicegrade demo``. It owns the order of things, the threads, the worktrees
and the cache; each stage it calls is a pure function or a collector.

The order of one grade:

1. find what to grade: the work tree, or ``--rev`` checked out into a worktree of ours,
   a reused slot or a temporary one (:mod:`practicegrade.checkout`; the user's work
   tree, index and stash are never touched);
2. pick the base: ``--base REF``, else the merge-base with the upstream or the default
   branch, unless ``--base none``;
3. measure the head: from the whole-grade cache when this exact tree was graded with the
   same tools, configuration and options; otherwise run the collectors, with radon and
   pylint results reused per file from the incremental cache (:mod:`practicegrade.cache`);
4. measure the base the same way in its own worktree; its test metrics may come
   from its git note when the note was written for the same tree, tools and config;
5. compare (:mod:`practicegrade.compare`): deltas, new/fixed lint messages, complexity
   changes, files changed, patch coverage, and benchmarks timed base/head interleaved;
6. evaluate against the competence model, build feedback, write the artifacts;
7. append one line to the commit's git note (never for a dirty work tree).

Cache keys (what each cached value depends on, so a hit is correct by construction):

* whole grade: the git tree SHA, :func:`tool_versions`, the effective configuration
  (:func:`config_digest`), the grade options and the interpreter's environment stamp
  (:func:`environment_stamp`); only for clean trees and commits, never a dirty work tree;
* radon, per file: the file's blob SHA and path, radon's and our version;
* pylint, per module: its blob SHA and what it can see of every project module it
  imports, transitively (:func:`practicegrade.cache.lint_keys`,
  :mod:`practicegrade.visibility`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from practicegrade import __version__, gitrepo
from practicegrade.cache import (
    Cache,
    cached_complexity,
    cached_lint,
    dist_version,
    environment_stamp,
    make_key,
)
from practicegrade.checkout import checkout
from practicegrade.collectors import BenchmarkSpec, Collector, Project, Settings
from practicegrade.config import Config, iter_criteria, load_config
from practicegrade.discover import discover
from practicegrade.errors import EXIT_GATE_FAILED, EXIT_OK, GitError, UsageError
from practicegrade.exposure import exposure_warning
from practicegrade.lintproc import WarmDriver
from practicegrade.model import (
    NOT_RUN,
    BehaviourChange,
    BenchDetails,
    BenchResult,
    CollectorResult,
    Comparison,
    ComplexityDetails,
    Finding,
    LintDetails,
    RepoInfo,
    Report,
    SecurityDetails,
    TestChange,
    TestDetails,
)

if TYPE_CHECKING:
    from practicegrade.loop.acks import Ack

ProgressCallback = Callable[[str, Literal["start", "done"]], None]

STATIC_COLLECTORS = ("complexity", "lint", "security")
DYNAMIC_COLLECTORS = ("tests",)
NO_BASE = "none"
HISTORY_POINTS = 50
"""Earlier grades shown in the dashboard's trend charts."""
TRACKED_TOOLS = (
    "radon",
    "pylint",
    "astroid",
    "coverage",
    "pytest",
    "pytest-benchmark",
    "bandit",
)


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
    use_cache: bool = True
    """Reuse and fill the incremental cache (``PRACTICEGRADE_NO_CACHE=1`` also turns it off)."""
    write_note: bool = True
    """Append this grade to the commit's git note (never done for a dirty work tree)."""
    warm_lint: WarmDriver | None = None
    """A pylint driver the caller started ahead of time (``grade --source hook``); the
    first lint run takes it. The caller closes it."""
    record_ci: bool = False
    """Keep the whole report as CI's record of this commit (:mod:`practicegrade.cirecord`)."""
    reuse_base: bool = True
    """Compare with the base's CI record, when there is a matching one, instead of grading
    the base again."""

    def __post_init__(self) -> None:
        if self.record_ci and self.origin != "ci":
            raise UsageError(
                "only a CI grade can be recorded as CI's record",
                hint="run `practicegrade grade --source ci --record` in the default branch's job",
            )

    @property
    def trusts_local_state(self) -> bool:
        """Whether earlier local results may stand in for measuring: git notes, the cache,
        a reused worktree. Never in CI, where what a mentor sees must be measured, and the
        learner's code (the head's tests run before the base is graded) or notes could
        have left anything behind."""
        return self.origin != "ci"


CI_VARIABLES = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "TF_BUILD",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
    "BUILDKITE",
    "CIRCLECI",
    "BITBUCKET_BUILD_NUMBER",
)
"""Set by CI services: ``CI`` by most, the others by those that do not set it."""


def running_in_ci(env: Mapping[str, str]) -> bool:
    """Whether this runs in a CI job: there the grade is what a mentor relies on, so it
    trusts nothing the learner's code or notes could have left (no git note, no cache,
    no reused worktree). ``--source`` overrides it."""
    return any(
        env.get(name, "").strip().lower() not in ("", "0", "false", "no") for name in CI_VARIABLES
    )


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


# --------------------------------------------------------------------------- keys


def tool_versions() -> dict[str, str]:
    """Our version and the analysis tools' versions in our environment (part of every key)."""
    return {"practicegrade": __version__, **{name: dist_version(name) for name in TRACKED_TOOLS}}


def config_digest(config: Config) -> str:
    """A hash of the effective configuration (where it was read from does not matter)."""
    from practicegrade.serialize import to_jsonable  # noqa: PLC0415

    data = to_jsonable(config)
    if isinstance(data, dict):
        data.pop("path", None)
        data.pop("warnings", None)
    return make_key("config", data)


@dataclass(frozen=True, slots=True)
class Keys:
    """The parts every cache key of one grade shares."""

    tools: Mapping[str, str]
    config: str
    env: Mapping[str, object]
    options: Mapping[str, object]

    @property
    def note_key(self) -> str:
        """Portable across machines: tools, config and options (no environment stamp)."""
        return make_key("note", self.tools, self.config, self.options)[:16]

    def grade_key(self, tree: str) -> str:
        """The whole-grade cache key of ``tree``."""
        return make_key("grade", tree, self.tools, self.config, self.env, self.options)


def make_keys(config: Config, project: Project, request: GradeRequest) -> Keys:
    options = {
        "tests": request.run_tests,
        "bench": request.run_bench and bool(config.benchmarks),
        "python": request.python or "",
    }
    return Keys(tool_versions(), config_digest(config), environment_stamp(project.python), options)


# --------------------------------------------------------------------------- measure


def measure(
    project: Project,
    settings: Settings,
    *,
    run_tests: bool,
    run_bench: bool,
    progress: ProgressCallback | None = None,
    cache: Cache | None = None,
) -> list[CollectorResult]:
    """Run the collectors: static and tests concurrently, then benchmarks alone.

    Benchmarks never share the machine with the other collectors: a timing taken while
    pylint saturates a core would be noise. With a ``cache``, radon and pylint results are
    reused for unchanged inputs.

    pylint keeps to one process while the tests run and takes the other cores as soon as
    the tests collector is done (``Settings.cores_free``): the tests are the long pole
    early on, pylint's files are what is left at the end.
    """
    names = [*STATIC_COLLECTORS, *(DYNAMIC_COLLECTORS if run_tests else ())]
    cores_free = threading.Event()
    if not run_tests:
        cores_free.set()
    settings = replace(settings, cores_free=cores_free, progress=progress)

    def call(name: str) -> CollectorResult:
        if cache is not None and cache.enabled and name == "complexity":
            return cached_complexity(project, cache)
        if cache is not None and cache.enabled and name == "lint":
            return cached_lint(project, settings, cache)
        if cache is not None and cache.enabled and name == "security":
            from practicegrade.collectors.security import scan_project  # noqa: PLC0415

            return scan_project(project, cache)
        return _load_collector(name)(project, settings)

    def run_one(name: str) -> CollectorResult:
        if progress:
            progress(name, "start")
        started = time.monotonic()
        try:
            result = call(name)
        finally:
            if name == "tests":
                cores_free.set()
        if progress:
            progress(name, "done")
        return replace(result, duration_s=round(time.monotonic() - started, 3))

    # Tests first: they are the long pole, so they should start before anything else.
    ordered = sorted(names, key=lambda n: n != "tests")
    try:
        with ThreadPoolExecutor(max_workers=len(ordered)) as pool:
            results = list(pool.map(run_one, ordered))
    finally:
        cores_free.set()
    if run_bench and settings.benchmarks:
        results.append(run_one("bench"))
    return sorted(results, key=lambda r: r.name)


def merge_results(
    results: Sequence[CollectorResult],
) -> tuple[dict[str, float], dict[str, str], dict[str, str], tuple[Finding, ...]]:
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


def _settings(
    config: Config,
    jobs: int,
    scratch: Path,
    cache: Cache | None = None,
    *,
    pycache_prefix: Path | None = None,
    warm_driver: WarmDriver | None = None,
    warm_export: bool = False,
) -> Settings:
    return Settings(
        jobs=max(1, jobs),
        test_timeout_s=config.test_timeout_s,
        benchmarks=tuple(
            BenchmarkSpec(b.name, b.call, b.setup, sizes=b.sizes, growth=b.growth)
            for b in config.benchmarks
        ),
        bench_budget_s=config.bench_budget_s,
        scratch=scratch,
        cache_dir=cache.directory if cache is not None else None,
        pycache_prefix=pycache_prefix,
        warm_driver=warm_driver,
        warm_export=warm_export,
        coverage_project_settings=config.coverage.project_settings,
    )


def _details(results: Sequence[CollectorResult]) -> Mapping[str, object]:
    by_name = {r.name: r.details for r in results}
    return {
        "complexity": by_name.get("complexity"),
        "lint": by_name.get("lint"),
        "tests": by_name.get("tests"),
        "bench": by_name.get("bench"),
        "security": by_name.get("security"),
    }


def _load_line_sets(scratch: Path, root: Path) -> dict[str, tuple[list[int], list[int]]]:
    """The tests collector's per-file coverage line sets (patch coverage needs them)."""
    tests_collector = importlib.import_module("practicegrade.collectors.tests")
    lines: dict[str, tuple[list[int], list[int]]] = tests_collector.line_sets(scratch, root)
    return lines


@dataclass(frozen=True, slots=True)
class Measured:
    """One side's measurements, as cached: collector results plus coverage line sets."""

    results: tuple[CollectorResult, ...]
    coverage: Mapping[str, tuple[list[int], list[int]]] = field(default_factory=dict)
    from_cache: bool = False


def _store(cache: Cache, key: str, measured: Measured) -> None:
    from practicegrade.serialize import to_jsonable  # noqa: PLC0415

    cache.put(
        "grade",
        key,
        {"results": to_jsonable(list(measured.results)), "coverage": measured.coverage},
    )


def _load(cache: Cache, key: str) -> Measured | None:
    from practicegrade.serialize import from_jsonable  # noqa: PLC0415

    stored = cache.get("grade", key)
    if not isinstance(stored, dict):
        return None
    try:
        results = tuple(from_jsonable(CollectorResult, r) for r in stored["results"])
        coverage = {
            str(k): ([int(n) for n in v[0]], [int(n) for n in v[1]])
            for k, v in dict(stored.get("coverage", {})).items()
        }
    except (KeyError, ValueError, TypeError, IndexError):
        return None
    return Measured(results=results, coverage=coverage, from_cache=True)


def measure_side(
    project: Project,
    config: Config,
    request: GradeRequest,
    cache: Cache,
    *,
    cache_key: str | None,
    run_tests: bool,
    run_bench: bool,
    progress: ProgressCallback | None,
    pycache_prefix: Path | None = None,
) -> Measured:
    """Measure one side (head or base): the whole-grade cache first, else the collectors.

    ``pycache_prefix``: the project is checked out in a practicegrade worktree slot, whose
    tests keep their bytecode there for the next grade (:mod:`practicegrade.checkout`).
    """
    if cache_key is not None and (hit := _load(cache, cache_key)) is not None:
        return hit
    scratch = Path(tempfile.mkdtemp(prefix="practicegrade-"))
    try:
        results = measure(
            project,
            _settings(
                config,
                request.jobs,
                scratch,
                cache,
                pycache_prefix=pycache_prefix,
                warm_driver=request.warm_lint,
                warm_export=request.origin == "hook",
            ),
            run_tests=run_tests,
            run_bench=run_bench,
            progress=progress,
            cache=cache,
        )
        lines = _load_line_sets(scratch, project.root) if run_tests else {}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    measured = Measured(results=tuple(results), coverage=lines)
    if cache_key is not None and not _timed_out(results):
        _store(cache, cache_key, measured)
    return measured


def _timed_out(results: Sequence[CollectorResult]) -> bool:
    """A run cut short by a timeout is not a result worth replaying from the cache."""
    return any(f.kind == "timeout" for r in results for f in r.findings)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    """What is graded: a folder and, when known, the commit and tree it holds."""

    root: Path
    commit: str | None
    tree: str | None
    branch: str | None
    dirty: bool
    from_rev: bool
    pycache: Path | None = None
    """For a commit checked out in a practicegrade worktree slot, where its bytecode is
    kept (see :mod:`practicegrade.checkout`)."""

    @property
    def clean_commit(self) -> bool:
        """A commit's exact content (so its result can be cached and noted)."""
        return self.commit is not None and self.tree is not None and not self.dirty


def choose_base(
    request: GradeRequest, repo: Path | None, target: Target
) -> gitrepo.BaseChoice | None:
    """The base to compare with, or ``None`` (no git, no commits, ``--base none``, no base).

    Comparing a commit with itself says nothing, so when the automatic base is the graded
    commit the comparison is dropped, except for a dirty work tree: then HEAD is the base
    and the comparison shows what the uncommitted edits did.
    """
    wanted = request.base
    if wanted is not None and wanted.lower() == NO_BASE:
        return None
    if repo is None:
        if wanted is not None:
            raise UsageError(
                "--base needs a git repository", hint="run `git init` and commit, or drop --base"
            )
        return None
    if wanted is not None:
        return gitrepo.BaseChoice(ref=wanted, commit=gitrepo.resolve_commit(repo, wanted))
    choice = gitrepo.auto_base(repo, target.commit) if target.commit is not None else None
    if choice is not None and choice.commit == target.commit and not target.dirty:
        return None
    return choice


@contextmanager
def open_target(request: GradeRequest, root: Path, in_git: bool) -> Iterator[Target]:
    """The work tree as it is, or ``--rev`` checked out in a worktree of ours."""
    if request.rev is None:
        head = gitrepo.head_info(root) if in_git else None
        yield Target(
            root=root,
            commit=head.commit if head else None,
            tree=head.tree if head else None,
            branch=head.branch if head else None,
            dirty=head.dirty if head else False,
            from_rev=False,
        )
        return
    if not in_git:
        raise UsageError("--rev needs a git repository", hint="drop --rev to grade the folder")
    commit = gitrepo.resolve_commit(root, request.rev)
    with checkout(root, commit, reuse=request.trusts_local_state) as checked_out:
        yield Target(
            root=checked_out.root,
            commit=commit,
            tree=gitrepo.tree_of(root, commit),
            branch=None,
            dirty=False,
            from_rev=True,
            pycache=checked_out.pycache,
        )


def _discover(folder: Path, config: Config, request: GradeRequest) -> Project:
    return discover(
        folder,
        source=config.source,
        tests=config.tests,
        exclude=config.exclude,
        python=request.python,
    )


# --------------------------------------------------------------------------- base


@dataclass(frozen=True, slots=True)
class BaseSide:
    choice: gitrepo.BaseChoice
    tree: str
    measured: Measured
    folder: Path | None
    """The base's temporary worktree while it is open (benchmarks need it)."""
    note_used: bool = False


TEST_PREFIXES = ("tests.", "coverage.")
TEST_TOOLS = ("python", "pytest", "coverage")
"""The tools a test run's metrics depend on: the project's interpreter and its packages,
which the note's ``key`` does not cover (it hashes practicegrade's own environment)."""


def _note_test_metrics(repo: Path, commit: str, tree: str, keys: Keys) -> CollectorResult | None:
    """The base's test and coverage metrics from its note, when the note is comparable,
    with the versions of the test tools that measured them (when the note says).

    Comparable: written for the same tree with the same tools, configuration and options
    (the note's ``key``), and it holds test metrics. Those are the expensive part of
    grading a base; its static part is cheap from the per-file cache. Never used by a CI
    grade: a learner can push any note they like, and what a mentor sees must be measured.
    """
    from practicegrade.history import newest, read_note  # noqa: PLC0415

    entries = [e for e in read_note(repo, commit) if e.tree == tree and e.key == keys.note_key]
    best = newest(entries)
    if best is None or "tests.passed" not in best.metrics:
        return None
    return CollectorResult(
        name="tests",
        metrics={k: v for k, v in best.metrics.items() if k.startswith(TEST_PREFIXES)},
        tool_versions={k: v for k, v in best.tools.items() if k in TEST_TOOLS},
    )


def recorded_base(
    repo: Path | None,
    choice: gitrepo.BaseChoice | None,
    keys: Keys,
    request: GradeRequest,
    *,
    need_folder: bool,
) -> Measured | None:
    """The base as CI recorded it (:mod:`practicegrade.cirecord`), when a record matches.

    Read before the head is measured: the head's tests run learner code, which must not
    get the chance to rewrite the record this grade then trusts.
    """
    if repo is None or choice is None or need_folder or not request.reuse_base:
        return None
    from practicegrade import cirecord  # noqa: PLC0415

    tree = gitrepo.tree_of(repo, choice.commit)
    report = cirecord.read(repo, choice.commit, tree=tree, key=keys.note_key)
    if report is None:
        return None
    return Measured(results=cirecord.as_results(report), from_cache=True)


def grade_base(
    stack: ExitStack,
    repo: Path,
    choice: gitrepo.BaseChoice,
    *,
    config: Config,
    request: GradeRequest,
    cache: Cache,
    keys: Keys,
    need_folder: bool,
    recorded: Measured | None = None,
) -> BaseSide:
    """Measure the base commit: CI's record, the whole-grade cache, else a temporary worktree.

    The base is measured with the head's configuration, so that both sides are
    measured the same way and every delta is the change's, not the config's.
    """
    tree = gitrepo.tree_of(repo, choice.commit)
    if recorded is not None:
        return BaseSide(choice=choice, tree=tree, measured=recorded, folder=None, note_used=True)
    key = keys.grade_key(tree)
    hit = _load(cache, key)
    if hit is not None and not need_folder:
        return BaseSide(choice=choice, tree=tree, measured=hit, folder=None)
    checked_out = stack.enter_context(
        checkout(repo, choice.commit, reuse=request.trusts_local_state)
    )
    folder = checked_out.root
    if hit is not None:
        return BaseSide(choice=choice, tree=tree, measured=hit, folder=folder)
    project = _discover(folder, config, request)
    trust_note = request.run_tests and request.trusts_local_state
    note_tests = _note_test_metrics(repo, choice.commit, tree, keys) if trust_note else None
    measured = measure_side(
        project,
        config,
        request,
        cache,
        cache_key=None if note_tests is not None else key,
        run_tests=request.run_tests and note_tests is None,
        run_bench=False,
        progress=None,
        pycache_prefix=checked_out.pycache,
    )
    if note_tests is not None:
        measured = replace(measured, results=(*measured.results, note_tests))
    return BaseSide(
        choice=choice, tree=tree, measured=measured, folder=folder, note_used=note_tests is not None
    )


# --------------------------------------------------------------------------- benchmarks


def _import_roots(project: Project) -> list[str]:
    return [str((project.root / r).resolve()) for r in project.import_roots]


RUN_SAMPLES = 3
"""Samples per timed run of the base comparison; their median is the run's one number."""
RUN_SAMPLE_S = (0.02, 0.04)
"""A base-comparison sample lasts 20-40 ms: the runs, not long samples, carry the
statistics, and short runs let more of them fit the budget."""


@dataclass(frozen=True, slots=True)
class SideBySide:
    """One benchmark's base comparison: the verdict and what it cost."""

    verdict: Any
    """A :class:`practicegrade.compare.BenchComparison`, or ``None`` with no run at all."""
    runs: int
    elapsed_s: float


def compare_one(
    spec: BenchmarkSpec,
    head: Project,
    base: Project,
    *,
    factor: float,
    budget_s: float,
    progress: ProgressCallback | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SideBySide:
    """Time one benchmark on base and head within ``budget_s``, stopping once it is decided.

    1. Calibrate once for both sides: each side's loop count for a ~0.1 s sample, and
       the smaller one serves both, so the slower side's samples are not stretched (a
       count calibrated on the faster side made a slow head take minutes).
    2. Timed runs alternate ABBA (base, head, head, base, ...), each a fresh process
       taking :data:`RUN_SAMPLES` samples after a warm-up; a run's median is one unit.
    3. After every pair, :func:`practicegrade.compare.sequential_verdict` looks: a
       regression or improvement that is already certain, or a ratio known to lie within
       the factor (``unchanged``), ends the comparison early.
    4. A run is started only if the last run of that side says it fits what is left of
       the budget; when the budget ends first, the verdict is ``inconclusive``.

    Raises :class:`~practicegrade.collectors.bench.BenchmarkError` when a side cannot be
    timed at all (import error, exception, crash).
    """
    from practicegrade.collectors import bench as bench_collector  # noqa: PLC0415
    from practicegrade.compare import interleave_abba, sequential_verdict  # noqa: PLC0415

    started = clock()
    deadline = started + budget_s
    sides = {"base": base, "head": head}

    def left() -> float:
        return deadline - clock()

    def tell(detail: str) -> None:
        if progress is not None:
            progress(f"bench: {spec.name} vs base, {detail}, {max(0.0, left()):.0f}s left", "start")

    tell("calibrating")
    took: dict[str, float] = {}
    loops: list[int] = []
    for name, side in sides.items():
        began = clock()
        timeout = max(1.0, left()) + 1.0
        loops.append(
            bench_collector.calibrate(
                side.python,
                _import_roots(side),
                spec,
                cwd=side.root,
                timeout_s=timeout,
                min_s=RUN_SAMPLE_S[0],
                target_s=RUN_SAMPLE_S[1],
            )
        )
        took[name] = clock() - began
    loop_count = max(1, min(loops))
    units: dict[str, list[float]] = {"base": [], "head": []}
    verdict = None
    pairs = 0
    while verdict is None:
        order = interleave_abba(pairs + 1)[-2:]
        for name in order:
            if took[name] > left():
                return SideBySide(
                    sequential_verdict(units["base"], units["head"], factor, final=True),
                    min(len(units["base"]), len(units["head"])),
                    clock() - started,
                )
            side = sides[name]
            began = clock()
            samples = bench_collector.sample(
                side.python,
                _import_roots(side),
                spec,
                loop_count,
                RUN_SAMPLES,
                cwd=side.root,
                timeout_s=max(1.0, left()) + 1.0,
            )
            took[name] = clock() - began
            units[name].append(statistics.median(samples))
        pairs += 1
        tell(f"{pairs} runs a side")
        verdict = sequential_verdict(units["base"], units["head"], factor)
    return SideBySide(verdict, pairs, clock() - started)


def bench_regressions(details: object) -> list[Finding]:
    """A finding with the numbers for each benchmark the comparison found slower."""
    found = []
    for result in details.results if isinstance(details, BenchDetails) else ():
        if result.change != "regression" or result.ratio_vs_base is None:
            continue
        low, high = result.ratio_ci or (result.ratio_vs_base, result.ratio_vs_base)
        message = (
            f"{result.name} takes {result.ratio_vs_base:.2f}x the base's time "
            f"(95% CI {low:.2f}-{high:.2f}x, {result.runs} runs a side)"
        )
        found.append(Finding("bench-regression", message, collector="compare"))
    return found


def compare_benchmarks(
    head: Project,
    base: Project,
    settings: Settings,
    bench: BenchDetails | None,
    *,
    factor: float,
    budget_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[BenchDetails | None, dict[str, float], dict[str, str]]:
    """Time base and head in the same run, interleaved ABBA, within a budget each.

    Returns the head's benchmark details with ``ratio_vs_base``/``ratio_ci``/``p_value``/
    ``change``/``runs``/``compare_s`` filled, the ``bench.<name>.ratio_vs_base`` metrics,
    and unmeasured reasons. A benchmark with input sizes is compared at the size its
    ``median_s`` was timed at.
    """
    from practicegrade.collectors import bench as bench_collector  # noqa: PLC0415

    if bench is None:
        reason = "the benchmarks did not run on the head"
        return bench, {}, {f"bench.{s.name}.ratio_vs_base": reason for s in settings.benchmarks}
    budget = settings.bench_budget_s if budget_s is None else budget_s
    by_name = {r.name: r for r in bench.results}
    metrics: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    updated: list[BenchResult] = []
    for spec in settings.benchmarks:
        current = by_name.get(spec.name)
        key = bench_collector.ratio_key(spec.name)
        if current is None:
            unmeasured[key] = "the benchmark did not run on the head"
            continue
        sized = replace(spec, size=current.size) if current.size is not None else spec
        try:
            done = compare_one(sized, head, base, factor=factor, budget_s=budget, progress=progress)
        except bench_collector.BenchmarkError as exc:
            unmeasured[key] = (
                "new benchmark: the base does not have it yet"
                if exc.kind == "bench-import-error"
                else f"could not time base and head: {exc.message}"
            )
            continue
        verdict = done.verdict
        if verdict is None:
            unmeasured[key] = (
                f"the time budget ({budget:g} s, bench_budget_s) ended before base and head "
                "were each timed once"
            )
            updated.append(
                replace(current, change="inconclusive", runs=0, compare_s=done.elapsed_s)
            )
            continue
        metrics[key] = verdict.ratio
        updated.append(
            replace(
                current,
                ratio_vs_base=verdict.ratio,
                ratio_ci=verdict.ci,
                p_value=verdict.p_value,
                change=verdict.change,
                runs=done.runs,
                compare_s=round(done.elapsed_s, 3),
            )
        )
    if progress is not None:
        progress("bench", "done")
    done_names = {r.name for r in updated}
    rest = [r for r in bench.results if r.name not in done_names]
    return (
        BenchDetails(results=tuple(sorted([*updated, *rest], key=lambda r: r.name))),
        metrics,
        unmeasured,
    )


# --------------------------------------------------------------------------- comparison


def build_comparison(
    repo: Path,
    target: Target,
    base: BaseSide,
    *,
    head_results: Sequence[CollectorResult],
    head_coverage: Mapping[str, tuple[list[int], list[int]]],
    head_metrics: Mapping[str, float],
) -> tuple[Comparison, dict[str, float], dict[str, str]]:
    """The comparison and the metrics only a comparison can give (``coverage.patch_pct``)."""
    from practicegrade import compare  # noqa: PLC0415
    from practicegrade.patch import patch_coverage  # noqa: PLC0415

    # A clean work tree is its HEAD commit: diffing commits needs no untracked-file listing.
    head_commit = target.commit if target.from_rev or not target.dirty else None
    changes = gitrepo.changed_files(repo, base.choice.commit, head_commit)
    renames = compare.renames_from((c.status, c.path, c.old_path) for c in changes)
    base_details = _details(base.measured.results)
    head_details = _details(head_results)
    base_lint = base_details["lint"]
    head_lint = head_details["lint"]
    new_lint: tuple[Any, ...] = ()
    fixed_lint: tuple[Any, ...] = ()
    if isinstance(base_lint, LintDetails) and isinstance(head_lint, LintDetails):
        new_lint, fixed_lint = compare.lint_changes(
            base_lint.messages,
            head_lint.messages,
            renames,
            changed_files={c.path for c in changes} | set(renames),
        )
    base_cc = base_details["complexity"]
    head_cc = head_details["complexity"]
    cc_changes: tuple[Any, ...] = ()
    if isinstance(base_cc, ComplexityDetails) and isinstance(head_cc, ComplexityDetails):
        cc_changes = compare.complexity_changes(base_cc.functions, head_cc.functions, renames)
    base_sec, head_sec = base_details["security"], head_details["security"]
    new_sec: tuple[Any, ...] = ()
    fixed_sec: tuple[Any, ...] = ()
    if isinstance(base_sec, SecurityDetails) and isinstance(head_sec, SecurityDetails):
        new_sec, fixed_sec = compare.security_changes(base_sec.issues, head_sec.issues, renames)
    extra: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    patch_files: tuple[Any, ...] = ()
    changed = gitrepo.changed_lines(repo, base.choice.commit, head_commit)
    if head_coverage:
        result = patch_coverage(
            changed,
            {f: lines[0] for f, lines in head_coverage.items()},
            {f: lines[1] for f, lines in head_coverage.items()},
        )
        patch_files = result.files
        if result.percent is None:
            unmeasured["coverage.patch_pct"] = "the change touches no executable source line"
        else:
            extra["coverage.patch_pct"] = result.percent
    else:
        unmeasured["coverage.patch_pct"] = "tests or coverage did not run on the head"
    base_metrics, _u, base_tools, _f = merge_results(base.measured.results)
    tests, behaviour, removed_tests = _read_change(
        repo, target.root, base.choice.commit, changed, renames
    )
    base_tests = base_details["tests"]
    comparison = Comparison(
        base_ref=base.choice.ref,
        base_commit=base.choice.commit,
        base_metrics=base_metrics,
        deltas=compare.metric_deltas(base_metrics, {**head_metrics, **extra}),
        new_lint=new_lint,
        fixed_lint=fixed_lint,
        complexity_changes=cc_changes,
        files_changed=tuple(c.path for c in changes),
        patch=patch_files,
        changed_lines={f: tuple(lines) for f, lines in sorted(changed.items()) if lines},
        removed_files=tuple(c.path for c in changes if c.status == "D"),
        test_changes=tests,
        new_security=new_sec,
        fixed_security=fixed_sec,
        base_tools=base_tools,
        behaviour=behaviour,
        removed_tests=removed_tests,
        base_failing=tuple(c.nodeid for c in base_tests.cases if c.outcome in ("failed", "error"))
        if isinstance(base_tests, TestDetails)
        else (),
    )
    return comparison, extra, unmeasured


def _is_test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return path.endswith(".py") and (
        name.startswith("test_") or name.endswith("_test.py") or "tests/" in f"/{path}"
    )


def _read_change(
    repo: Path,
    root: Path,
    base_commit: str,
    changed: Mapping[str, Sequence[int]],
    renames: Mapping[str, str],
) -> tuple[tuple[TestChange, ...], tuple[BehaviourChange, ...], dict[str, tuple[str, ...]]]:
    """The tests the change added or edited and the behaviour it changed, read from the
    changed Python files on both sides (the base's from git, in one batch)."""
    from practicegrade import diffshape  # noqa: PLC0415

    paths = [p for p, lines in sorted(changed.items()) if p.endswith(".py") and lines]
    if not paths:
        return (), (), {}
    read = source_reader(root)
    head = {p: text for p in paths if (text := read(p)) is not None}
    old_path = {new: old for old, new in renames.items()}
    try:
        blobs = gitrepo.list_tree(repo, base_commit)
        wanted = {p: blobs[old_path.get(p, p)] for p in paths if old_path.get(p, p) in blobs}
        raw = gitrepo.cat_blobs(repo, wanted.values())
    except GitError:
        wanted, raw = {}, {}
    base: dict[str, str] = {}
    for path, sha in wanted.items():
        try:
            base[path] = raw[sha].decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            continue
    test_files = [p for p in paths if _is_test_file(p)]
    tests, removed = diffshape.match_tests(
        {p: head[p] for p in test_files if p in head},
        {p: base[p] for p in test_files if p in base},
        changed,
    )
    behaviour = [
        b
        for p in paths
        if p not in test_files
        for b in diffshape.behaviour_changes(p, base.get(p), head.get(p), changed[p])
    ]
    return tuple(tests), tuple(behaviour), removed


# --------------------------------------------------------------------------- grade


@contextmanager
def _scratch() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="practicegrade-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def open_cache(repo: Path | None, request: GradeRequest) -> Cache:
    """The cache under the git dir, or a disabled one (no git, turned off, or a grade that
    trusts no local state: :attr:`GradeRequest.trusts_local_state`)."""
    off = (
        not request.use_cache
        or not request.trusts_local_state
        or os.environ.get("PRACTICEGRADE_NO_CACHE")
    )
    if repo is None or off:
        return Cache(None)
    try:
        return Cache(gitrepo.git_path(repo, "practicegrade/cache"))
    except Exception:
        return Cache(None)


def _exposed(request: GradeRequest, config: Config) -> list[str]:
    """The warning about secrets in our environment, when this grade runs learner code."""
    learner_code = request.run_tests or (request.run_bench and bool(config.benchmarks))
    exposed = exposure_warning(os.environ, runs_learner_code=learner_code)
    return [exposed] if exposed else []


def grade(request: GradeRequest) -> GradeOutcome:
    """Measure the project at ``request.path``, compare with its base, write its artifacts."""
    root, in_git = resolve_root(request.path)
    repo = root if in_git else None
    cache = open_cache(repo, request)
    warnings: list[str] = []
    with ExitStack() as stack:
        target = stack.enter_context(open_target(request, root, in_git))
        config = load_config(target.root, request.config_file)
        warnings.extend(_exposed(request, config))
        warnings.extend(config.warnings)
        project = _discover(target.root, config, request)
        if not project.source_files and not project.test_paths:
            raise UsageError(
                f"no Python code found in {target.root}",
                hint="grade the folder of a Python project, or name its code folders with "
                "`source:` in practicegrade.yml",
            )
        keys = make_keys(config, project, request)
        choice = choose_base(request, repo, target)
        benchmarks = request.run_bench and bool(config.benchmarks)
        recorded = recorded_base(repo, choice, keys, request, need_folder=benchmarks)
        head = measure_side(
            project,
            config,
            request,
            cache,
            cache_key=keys.grade_key(target.tree) if target.clean_commit and target.tree else None,
            run_tests=request.run_tests,
            run_bench=request.run_bench,
            progress=request.progress,
            pycache_prefix=target.pycache,
        )
        results = list(head.results)
        metrics, _unmeasured, _tools, _findings = merge_results(results)
        comparison: Comparison | None = None
        if choice is not None and repo is not None:
            base = grade_base(
                stack,
                repo,
                choice,
                config=config,
                request=request,
                cache=cache,
                keys=keys,
                need_folder=benchmarks,
                recorded=recorded,
            )
            extra_metrics: dict[str, float] = {}
            extra_unmeasured: dict[str, str] = {}
            if benchmarks and base.folder is not None:
                bench_details, bench_metrics, bench_unmeasured = compare_benchmarks(
                    project,
                    _discover(base.folder, config, request),
                    _settings(config, request.jobs, Path(stack.enter_context(_scratch()))),
                    _details(results)["bench"],  # type: ignore[arg-type]
                    factor=config.bench_factor,
                    progress=request.progress,
                )
                results = [
                    replace(r, details=bench_details) if r.name == "bench" else r for r in results
                ]
                extra_metrics.update(bench_metrics)
                extra_unmeasured.update(bench_unmeasured)
            comparison, patch_metrics, patch_unmeasured = build_comparison(
                repo,
                target,
                base,
                head_results=results,
                head_coverage=head.coverage,
                head_metrics={**metrics, **extra_metrics},
            )
            extra_metrics.update(patch_metrics)
            extra_unmeasured.update(patch_unmeasured)
            results.append(
                CollectorResult(
                    name="compare",
                    metrics=extra_metrics,
                    unmeasured=extra_unmeasured,
                    findings=tuple(bench_regressions(_details(results)["bench"])),
                )
            )
        else:
            results.append(
                CollectorResult(
                    name="compare",
                    unmeasured={"coverage.patch_pct": "no base to compare with"},
                )
            )
        acks = _acks(repo, target, choice, warnings)
        report = build_report(
            request,
            config,
            project,
            results,
            target,
            comparison=comparison,
            display_root=str(root),
            waived=acks.waived(request.now.date()),
            history=_ratchet_history(config, request, repo, target, merge_results(results)[2]),
        )
    report = _log_news(acks.shown_in(report, request.now.date()), repo, target, choice)
    report, newly = _milestones_met(report, config, request, repo, target)
    if repo is not None and target.clean_commit and request.write_note and target.commit:
        warnings.extend(_note(repo, target, report, request, keys, met=newly))
        warnings.extend(_record(repo, target, report, request, keys))
    artifacts: tuple[Path, ...] = ()
    if request.write_artifacts:
        artifacts = _write(report, root, request, repo, target)
    if cache.writes:
        cache.prune()
    verdict = report.evaluation.verdict if report.evaluation else "pass"
    code = EXIT_GATE_FAILED if verdict == "fail" else EXIT_OK
    return GradeOutcome(
        report=report, artifacts=artifacts, exit_code=code, warnings=tuple(warnings)
    )


@dataclass(frozen=True, slots=True)
class _Acks:
    in_force: tuple[Ack, ...]
    pending: tuple[Ack, ...]

    def waived(self, today: dt.date) -> frozenset[str]:
        from practicegrade.loop.acks import waived_metrics  # noqa: PLC0415

        return waived_metrics(self.in_force, today)

    def shown_in(self, report: Report, today: dt.date) -> Report:
        from practicegrade.loop.acks import with_acks  # noqa: PLC0415

        return with_acks(report, self.in_force, today, self.pending)


def _acks(
    repo: Path | None, target: Target, choice: gitrepo.BaseChoice | None, warnings: list[str]
) -> _Acks:
    """The mentor's waivers this grade applies (the base's, when there is a base)."""
    from practicegrade.loop.files import read_acks  # noqa: PLC0415

    in_force, pending, problems = read_acks(
        target.root, repo, choice.commit if choice is not None else None
    )
    warnings.extend(problems)
    return _Acks(in_force, pending)


def _ratchet_history(
    config: Config,
    request: GradeRequest,
    repo: Path | None,
    target: Target,
    head_tools: Mapping[str, str],
) -> list[Mapping[str, float]]:
    """Earlier grades' metrics on this branch, when a criterion says ``ratchet: best``; in
    CI only the CI-recorded ones (a mentee's own note cannot lower a mentor's bar).

    A grade measured by another version of a metric's tool does not hold that metric to
    its best (:mod:`practicegrade.toolchange`): its numbers for it are left out. A grade
    whose note did not record versions counts as before (versions unknown)."""
    from practicegrade.history import read_history  # noqa: PLC0415
    from practicegrade.toolchange import between  # noqa: PLC0415

    wanted = any(k.ratchet == "best" for c in config.competencies for k in c.criteria)
    if not wanted or repo is None or target.commit is None:
        return []
    points = read_history(repo, target.commit, limit=HISTORY_POINTS * 4)
    earlier: list[Mapping[str, float]] = []
    for p in points:
        if (p.commit != target.commit or target.dirty) and (
            request.trusts_local_state or p.source == "ci"
        ):
            drift = between(p.tools, head_tools)
            earlier.append({k: v for k, v in p.metrics.items() if not drift.affects(k)})
    return earlier


def _log_news(
    report: Report, repo: Path | None, target: Target, choice: gitrepo.BaseChoice | None
) -> Report:
    """One observed line when the change adds practice-log entries (``log: 2 new entries``)."""
    from practicegrade.loop.files import log_news  # noqa: PLC0415
    from practicegrade.loop.practicelog import news_item  # noqa: PLC0415

    item = news_item(log_news(target.root, repo, choice.commit if choice else None))
    return report if item is None else replace(report, feedback=(*report.feedback, item))


def _milestones_met(
    report: Report, config: Config, request: GradeRequest, repo: Path | None, target: Target
) -> tuple[Report, tuple[str, ...]]:
    """Celebrate the milestones this grade meets first on its branch (:mod:`practicegrade.loop`).

    Earlier grades are the branch's notes (in CI only the CI-recorded ones) and the base.
    """
    from practicegrade.history import read_history  # noqa: PLC0415
    from practicegrade.loop.milestones import celebrate, met_in, newly_met  # noqa: PLC0415

    if not config.milestones or report.evaluation is None:
        return report, ()
    earlier = []
    if repo is not None and target.commit is not None:
        points = read_history(repo, target.commit, limit=HISTORY_POINTS * 4)
        earlier = [
            p
            for p in points
            if (p.commit != target.commit or target.dirty)
            and (request.trusts_local_state or p.source == "ci")
        ]
    base = met_in(config, report.comparison.base_metrics) if report.comparison else frozenset()
    newly = newly_met(report, config, earlier, base)
    return celebrate(report, newly), tuple(m.id for m in newly)


def _note(
    repo: Path,
    target: Target,
    report: Report,
    request: GradeRequest,
    keys: Keys,
    *,
    met: tuple[str, ...] = (),
) -> list[str]:
    """Append this grade to the commit's note; a failure is a warning, never a failed grade."""
    from practicegrade.errors import PracticegradeError  # noqa: PLC0415
    from practicegrade.history import NoteEntry, append_note, format_ts  # noqa: PLC0415
    from practicegrade.loop.milestones import hotspots  # noqa: PLC0415

    assert target.commit is not None
    entry = NoteEntry(
        ts=format_ts(request.now),
        source=request.origin,
        metrics=report.metrics,
        tree=target.tree,
        key=keys.note_key,
        pg=__version__,
        met=met,
        hot=hotspots(report),
        tools=report.tools,
    )
    try:
        append_note(repo, target.commit, entry)
    except PracticegradeError as exc:
        return [f"this grade was not saved to the git notes: {exc.message}"]
    return []


def _record(
    repo: Path, target: Target, report: Report, request: GradeRequest, keys: Keys
) -> list[str]:
    """``--record``: keep the report as CI's record of the commit (:mod:`.cirecord`)."""
    if not request.record_ci or target.commit is None or target.tree is None:
        return []
    from practicegrade import cirecord  # noqa: PLC0415

    return cirecord.write(repo, target.commit, report, tree=target.tree, key=keys.note_key)


def _write(
    report: Report, root: Path, request: GradeRequest, repo: Path | None, target: Target
) -> tuple[Path, ...]:
    """Write the artifacts, the dashboard with this branch's earlier grades as its trend."""
    from practicegrade.history import read_history  # noqa: PLC0415
    from practicegrade.render import write_artifacts  # noqa: PLC0415

    history = []
    if repo is not None and target.commit is not None:
        # A CI grade's trend is CI's own record: notes a learner wrote never reach the mentor.
        sources = ("ci",) if request.origin == "ci" else None
        earlier = read_history(repo, target.commit, limit=HISTORY_POINTS + 1, sources=sources)
        history = [p for p in earlier if p.commit != target.commit or target.dirty]
    out_dir = request.out_dir or default_out_dir(root)
    written = write_artifacts(
        report, out_dir, history=history[-HISTORY_POINTS:], formats=request.formats
    )
    return tuple(written)


def default_out_dir(root: Path) -> Path:
    """``.practicegrade/out`` in the repository, which must stay inside it.

    A committed ``.practicegrade`` symlink (or one a test planted) pointing elsewhere
    would make us create folders and overwrite files there: refused, before anything is
    created. ``--out`` names a folder of the user's own choosing and is not checked.
    """
    out = root / ".practicegrade" / "out"
    top = root.resolve()
    if not out.resolve().is_relative_to(top):
        raise UsageError(
            f"refusing to write artifacts to {out}: it leads outside the repository "
            "through a symbolic link",
            hint="remove the .practicegrade symlink (artifacts are always written inside the "
            "repository), or pass a folder of your own with --out",
        )
    ignore_own_folder(out.parent)
    return out


def ignore_own_folder(folder: Path) -> None:
    """Give ``.practicegrade/`` its own ``.gitignore`` (``*``) the first time we write there
    (:mod:`practicegrade.ownfolder`, which every writer calls)."""
    from practicegrade.ownfolder import ignore_own_folder as ignore  # noqa: PLC0415

    ignore(folder)


DISCOVERY_NOTICES = ("no-tests", "tests-not-found", "not-importable")
"""Finding kinds that mean the tests could not be found or imported: notices with a fix."""


def absent_by_learner(
    findings: Sequence[Finding], unmeasured: Mapping[str, str], *, ci: bool = False
) -> frozenset[str]:
    """Unmeasured test and coverage keys whose gates fail: in CI only.

    No tests found, or a project its tests cannot import, leaves the metrics absent
    (never a silent 0% or 100%). Locally and in the hook that is a notice with its fix
    (DESIGN.md: the environment is the mentee's own). In CI (``--source ci``) the
    environment is the mentor's, and a change that stops the tests from being found
    must never open a gate, so there the gates on them fail.
    """
    if not ci or not any(f.kind in DISCOVERY_NOTICES for f in findings):
        return frozenset()
    return frozenset(k for k in unmeasured if k.startswith(("tests.", "coverage.")))


def incomplete_run(findings: Sequence[Finding], config: Config) -> dict[str, str]:
    """Test and coverage criteria whose gates fail because the run was not the whole suite.

    Tests collected and not run (``--collect-only``, deselection, a conftest dropping
    them), a run that ended early (``os._exit``, a kill) or that our timeout stopped: the
    numbers describe part of the suite at best, so every gate on ``tests.*`` and
    ``coverage.*`` fails, with the finding's words as the reason, everywhere (locally, in
    the hook and in CI). Nothing collected at all is not this: that is a notice.
    """
    from practicegrade.collectors.tests import INCOMPLETE_KINDS  # noqa: PLC0415

    reasons = [f.message for f in findings if f.kind in INCOMPLETE_KINDS]
    if not reasons:
        return {}
    reason = "; ".join(reasons)
    metrics = {c.metric for _, c in iter_criteria(config)}
    metrics |= {c.metric for m in config.milestones for c in m.criteria}
    return {k: reason for k in sorted(metrics) if k.startswith(("tests.", "coverage."))}


def skipped_by_request(request: GradeRequest, config: Config) -> dict[str, str]:
    """The metrics this grade was asked not to measure, each with why.

    ``--no-tests`` (the pre-push hook's ``hook.tests: false``) and ``--no-bench`` (every
    hook grade) leave their metrics absent, and like every absent metric they are listed
    under ``unmeasured`` with a reason. The rubric does not count them among the biggest
    gaps: a mentee who turned the hook's tests off has not regressed at testing.
    """
    from practicegrade.collectors.bench import growth_key, metric_key, ratio_key  # noqa: PLC0415
    from practicegrade.collectors.tests import COVERAGE_KEYS, TEST_KEYS  # noqa: PLC0415

    hook = request.origin == "hook"
    skipped: dict[str, str] = {}
    if not request.run_tests:
        why = "hook.tests: false" if hook else "--no-tests"
        skipped.update(dict.fromkeys((*TEST_KEYS, *COVERAGE_KEYS), NOT_RUN + why))
    if not request.run_bench:
        why = "hook.bench: false" if hook else "--no-bench"
        for spec in config.benchmarks:
            grows = (growth_key(spec.name),) if spec.sizes else ()
            for key in (metric_key(spec.name), ratio_key(spec.name), *grows):
                skipped[key] = NOT_RUN + why
    return skipped


def build_report(
    request: GradeRequest,
    config: Config,
    project: Project,
    results: Sequence[CollectorResult],
    head: Target | gitrepo.HeadInfo | None,
    *,
    comparison: Comparison | None = None,
    display_root: str | None = None,
    waived: frozenset[str] = frozenset(),
    history: Sequence[Mapping[str, float]] = (),
) -> Report:
    """Assemble the report, then evaluate it against the competence model and add feedback.

    ``waived``: metrics whose gate a mentor's waiver in force suspends; ``history``:
    earlier grades' metrics, for criteria with ``ratchet: best``."""
    from practicegrade import toolchange  # noqa: PLC0415
    from practicegrade.feedback import build_feedback  # noqa: PLC0415
    from practicegrade.rubric import evaluate  # noqa: PLC0415

    metrics, unmeasured, tools, findings = merge_results(results)
    skipped = {k: v for k, v in skipped_by_request(request, config).items() if k not in metrics}
    unmeasured = dict(sorted({**skipped, **unmeasured}.items()))
    details = _details(results)
    report = Report(
        tool_version=__version__,
        generated_at=request.now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        repo=RepoInfo(
            root=display_root or str(project.root),
            commit=head.commit if head else None,
            tree=head.tree if head else None,
            branch=head.branch if head else None,
            dirty=head.dirty if head else False,
            source=project.source_dirs,
            tests=project.test_paths,
            generated=dict(project.generated),
        ),
        metrics=metrics,
        unmeasured=unmeasured,
        tools={"practicegrade": __version__, **dict(sorted(tools.items()))},
        config_file=config.path,
        complexity=details["complexity"],  # type: ignore[arg-type]
        lint=details["lint"],  # type: ignore[arg-type]
        tests=details["tests"],  # type: ignore[arg-type]
        bench=details["bench"],  # type: ignore[arg-type]
        security=details["security"],  # type: ignore[arg-type]
        findings=findings,
        timings={r.name: r.duration_s for r in results},
        comparison=comparison,
    )
    base_metrics = comparison.base_metrics if comparison is not None else None
    drift = toolchange.comparison_drift(comparison, report.tools)
    unratcheted = sorted(
        {
            c.metric
            for _, c in iter_criteria(config)
            if c.ratchet == "base" and drift.affects(c.metric)
        }
    )
    if comparison is not None and unratcheted:
        comparison = replace(comparison, ratchets_not_applied=tuple(unratcheted))
        report = replace(report, comparison=comparison)
    evaluation = evaluate(
        config,
        metrics,
        today=request.now.date(),
        base_metrics=base_metrics,
        absent_fails=absent_by_learner(findings, unmeasured, ci=request.origin == "ci"),
        skipped=frozenset(skipped),
        failed_by=incomplete_run(findings, config),
        waived=waived,
        history=history,
        unratcheted=unratcheted,
    )
    report = replace(report, evaluation=evaluation)
    # Feedback reads the comparison without what a tool upgrade may have moved: no praise
    # and no next step rests on it (the comment's tool sentence says why the deltas stay).
    seen = report
    if comparison is not None and drift:
        seen = replace(report, comparison=toolchange.discount(comparison, drift))
    return replace(
        report, feedback=build_feedback(evaluation, seen, config, source_reader(project.root))
    )


_MAX_SOURCE_BYTES = 2_000_000


def source_reader(root: Path) -> Callable[[str], str | None]:
    """``path -> text`` of a file under ``root`` for advice that reads the code, each read
    once; a path outside ``root``, a large or undecodable file gives ``None``."""
    top = root.resolve()
    cache: dict[str, str | None] = {}

    def read(rel: str) -> str | None:
        if rel not in cache:
            cache[rel] = None
            path = (top / rel).resolve()
            try:
                if path.is_relative_to(top) and path.stat().st_size <= _MAX_SOURCE_BYTES:
                    cache[rel] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, ValueError):
                pass
        return cache[rel]

    return read
