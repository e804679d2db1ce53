"""Our coverage.py settings, and coverage.py's JSON report read back into the model.

Pure, apart from :func:`plan_coverage` listing the test files inside the source folders.
The learner's ``.coveragerc``/``[tool.coverage]`` never applies: :class:`CoveragePlan`
renders the only rcfile coverage.py reads, and says what it contained for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practicegrade.collectors import Project
from practicegrade.collectors._pytest_env import absolute_roots, version_tuple
from practicegrade.discover import is_test_file, walk_python_files
from practicegrade.model import FileCoverage

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
