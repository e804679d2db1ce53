"""Our coverage.py settings, and coverage.py's JSON report read back into the model.

Pure, apart from :func:`plan_coverage` listing the test files inside the source folders
and :func:`read_project_coverage` reading the project's configuration files.
:class:`CoveragePlan` renders the only rcfile coverage.py reads: ours (branch, parallel,
our data file, ``sigterm``, ``patch``), plus what the project's own coverage settings say
about *what* to measure (``source``, ``omit``, ``include``, ``exclude_lines``,
``exclude_also``, ``partial_branches``), so the numbers equal ``coverage report`` for the
project. Never its plugins, data paths or anything else that changes how we measure;
and what its settings leave out is counted (:class:`~practicegrade.model.CoverageLeftOut`).
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from practicegrade.collectors import Project
from practicegrade.collectors._pytest_env import absolute_roots, version_tuple
from practicegrade.compat import tomllib
from practicegrade.discover import is_test_file, walk_python_files
from practicegrade.model import CoverageLeftOut, FileCoverage

RUN_KEYS = ("source", "source_pkgs", "include", "omit")
"""``[run]`` settings of the project we honour: what is measured."""
REPORT_KEYS = ("omit", "include")
"""``[report]`` file filters we honour."""
REGEX_KEYS = ("exclude_lines", "exclude_also", "partial_branches", "partial_also")
"""``[report]`` line patterns we honour (one regex a line; commas are part of a regex)."""
CONFIG_FILES = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")
"""Where coverage.py looks, in its order; the first that has coverage settings wins."""

MIN_COVERAGE = (6, 4)
"""``[run] sigterm`` arrived in coverage.py 6.4; ``coverage run`` saves on SIGTERM since 7.2.3."""
PATCH_COVERAGE = (7, 10)
"""``[run] patch = subprocess, _exit`` arrived in coverage.py 7.10."""
PRAGMA_NO_COVER = re.compile(r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)")
"""coverage.py's default exclusion regex for ``pragma: no cover``."""


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
class ProjectCoverage:
    """The project's own coverage.py settings that decide *what* is measured."""

    config: str
    """The file they come from, relative to the project root."""
    run: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    report: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def chooses_source(self) -> bool:
        """The project says what to measure (``source``, ``source_pkgs`` or, without them,
        ``[run] include``); otherwise practicegrade's discovered packages are measured."""
        return bool(
            self.run.get("source") or self.run.get("source_pkgs") or self.run.get("include")
        )

    @property
    def leaves_out(self) -> bool:
        """Whether anything here can take files or lines away from the measurement."""
        keys = ("omit", "include", "exclude_lines", "exclude_also")
        return bool(self.run.get("omit") or any(self.report.get(k) for k in keys))


def _split_list(value: object, *, regex: bool) -> tuple[str, ...]:
    """coverage.py's ``getlist`` (commas or lines) and ``getregexlist`` (lines only)."""
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if not isinstance(value, str):
        return ()
    lines = value.splitlines()
    items = lines if regex else [part for line in lines for part in line.split(",")]
    return tuple(item.strip() for item in items if item.strip())


def _pick(section: Mapping[str, object], keys: Sequence[str]) -> dict[str, tuple[str, ...]]:
    picked = {}
    for key in keys:
        if key in section:
            values = _split_list(section[key], regex=key in REGEX_KEYS)
            picked[key] = values
    return picked


def _from_ini(name: str, text: str, ours: bool) -> ProjectCoverage | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, source=name)
    except configparser.Error:
        return None
    prefixes = ("coverage:", "") if ours else ("coverage:",)

    def section(kind: str) -> dict[str, str]:
        merged: dict[str, str] = {}
        for prefix in reversed(prefixes):  # the "coverage:" spelling wins, as in coverage.py
            if parser.has_section(prefix + kind):
                merged.update(parser.items(prefix + kind))
        return merged

    used = ours or any(
        parser.items(s) for s in parser.sections() if any(s.startswith(p) for p in prefixes if p)
    )
    if not used:
        return None
    return ProjectCoverage(
        name, _pick(section("run"), RUN_KEYS), _pick(section("report"), (*REPORT_KEYS, *REGEX_KEYS))
    )


def _from_toml(text: str) -> ProjectCoverage | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = data.get("tool", {})
    coverage = tool.get("coverage") if isinstance(tool, dict) else None
    if not isinstance(coverage, dict) or not coverage:
        return None
    run, report = coverage.get("run", {}), coverage.get("report", {})
    return ProjectCoverage(
        "pyproject.toml",
        _pick(run if isinstance(run, dict) else {}, RUN_KEYS),
        _pick(report if isinstance(report, dict) else {}, (*REPORT_KEYS, *REGEX_KEYS)),
    )


def read_project_coverage(root: Path) -> ProjectCoverage | None:
    """The project's coverage settings, found where and as coverage.py finds them.

    ``.coveragerc`` counts whenever it exists (its sections may be spelled ``[run]`` or
    ``[coverage:run]``); ``setup.cfg``, ``tox.ini`` (``[coverage:*]``) and
    ``pyproject.toml`` (``[tool.coverage.*]``) only when they hold coverage settings.
    ``COVERAGE_RCFILE`` is not consulted: the learner's environment is not the project's.
    """
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = (
            _from_toml(text)
            if name.endswith(".toml")
            else _from_ini(name, text, name == ".coveragerc")
        )
        if found is not None:
            return found
    return None


def _rc_list(key: str, values: Sequence[str]) -> list[str]:
    return [f"{key} =", *(f"    {v}" for v in values)] if values else []


def left_out(
    project: Project,
    settings: ProjectCoverage,
    baseline: Mapping[str, int],
    reported: Mapping[str, int],
) -> CoverageLeftOut:
    """What the project's settings leave out of the source practicegrade grades.

    ``baseline``: statements per source file (absolute path) under coverage.py's default
    settings, as coverage.py counted them; ``reported``: ``num_statements`` per file of the
    report made with the project's settings (paths relative to the root). A source file
    missing from the report was omitted; a measured file with fewer statements had lines
    excluded by the project's patterns (a pragma that coverage.py's default also honours
    is not counted: it is in both).
    """
    files: list[str] = []
    file_statements = excluded = total = 0
    for rel in project.source_files:
        absolute = str((project.root / rel).resolve())
        if absolute not in baseline:
            continue
        count = baseline[absolute]
        total += count
        if rel not in reported:
            files.append(rel)
            file_statements += count
        else:
            excluded += max(0, count - reported[rel])
    return CoverageLeftOut(
        config=settings.config,
        files=tuple(files),
        file_statements=file_statements,
        excluded_lines=excluded,
        source_statements=total,
    )


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
    project: ProjectCoverage | None = None
    """The project's own settings we honour; ``None``: none found, or switched off."""

    def rcfile(self, *, data_file: str | None = None, with_project: bool = True) -> str:
        """The ``.coveragerc`` text (only keys every supported coverage.py version knows).

        The project's ``source``/``source_pkgs`` replace ours (with its own ``omit``: a
        test file inside its source is then measured, as ``coverage run`` would); without
        them its ``omit`` adds to ours. ``with_project=False`` is coverage.py's default
        view of our source, which :func:`left_out` compares against.
        """
        project = self.project if with_project else None
        run = project.run if project else {}
        report = project.report if project else {}
        lines = [
            "[run]",
            "branch = True",
            "parallel = True",
            "relative_files = True",
            f"data_file = {data_file or self.data_file}",
        ]
        if self.sigterm:
            lines.append("sigterm = True")
        omit: tuple[str, ...]
        if project and project.chooses_source:
            source, pkgs, omit = run.get("source", ()), run.get("source_pkgs", ()), ()
        else:
            source, pkgs, omit = self.source, self.source_pkgs, self.omit
        include = run.get("include", ()) if project and project.chooses_source else ()
        for key, values in (
            ("source", source),
            ("source_pkgs", pkgs),
            ("include", () if source or pkgs else include),
            ("omit", (*omit, *run.get("omit", ()))),
            ("patch", self.patch),
        ):
            lines += _rc_list(key, values)
        lines += ["", "[report]", "ignore_errors = True"]
        for key in (*REPORT_KEYS, *REGEX_KEYS):
            lines += _rc_list(key, report.get(key, ()))
        return "\n".join([*lines, ""])

    def describe(self, root: Path) -> dict[str, object]:
        """The settings for ``TestDetails.coverage_settings`` (paths relative to the repo)."""

        def rel(path: str) -> str:
            try:
                return Path(path).relative_to(root).as_posix()
            except ValueError:
                return path

        project = self.project
        described: dict[str, object] = {
            "config": "practicegrade's own rcfile"
            + (
                f", with what {project.config} says to measure"
                if project
                else "; no project coverage settings used"
            ),
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
        if project is not None:
            described["project_config"] = project.config
            described["project_run"] = {k: list(v) for k, v in project.run.items()}
            described["project_report"] = {k: list(v) for k, v in project.report.items()}
            if project.chooses_source:
                described["source"] = list(project.run.get("source", ()))
                described["source_pkgs"] = list(project.run.get("source_pkgs", ()))
                described["omit"] = []
            if "exclude_lines" in project.report or "exclude_also" in project.report:
                described["exclude_lines"] = f"as {project.config} says"
        return described


def plan_coverage(
    project: Project,
    data_file: Path,
    coverage_version: str,
    project_settings: ProjectCoverage | None = None,
) -> CoveragePlan | None:
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
        project=project_settings,
    )
