"""Patch coverage: how much of the code a change added or modified is run by the tests.

The number is defined the way diff-cover defines it, so a mentor who knows diff-cover
reads the same value: the changed lines are the ``+`` lines of ``git diff -U0 base head``;
of those, only lines coverage.py *measures* (executable statements, not blank lines,
comments or excluded lines) count; a measured line is covered when it ran. The percent
is ``100 * covered / measured`` over all files, rounded to two places (diff-cover's
``--total-percent-float``). When the change touches no measured line there is no
number (diff-cover prints 100 there; "nothing to measure" is more honest).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from practicegrade.model import PatchFile


@dataclass(frozen=True, slots=True)
class PatchCoverage:
    percent: float | None
    """``None`` when no changed line is an executable statement."""
    measured: int
    covered: int
    files: tuple[PatchFile, ...]
    """Per changed file with measured lines: how many, and which ones did not run."""


def patch_coverage(
    changed: Mapping[str, Sequence[int]],
    statements: Mapping[str, Collection[int]],
    missing: Mapping[str, Collection[int]],
) -> PatchCoverage:
    """Patch coverage from changed lines and coverage.py's statement and missing lines.

    ``statements[file]`` is every line coverage.py measures in ``file`` (executed or
    not); ``missing[file]`` the ones that never ran. Files coverage did not measure at all
    (tests, scripts outside the source) are ignored, as diff-cover ignores files absent
    from coverage.xml.
    """
    files: list[PatchFile] = []
    measured = covered = 0
    for path in sorted(changed):
        executable = statements.get(path)
        if not executable:
            continue
        lines = sorted(set(changed[path]) & set(executable))
        if not lines:
            continue
        not_run = missing.get(path, ())
        uncovered = tuple(line for line in lines if line in not_run)
        files.append(PatchFile(file=path, changed_lines=len(lines), uncovered_lines=uncovered))
        measured += len(lines)
        covered += len(lines) - len(uncovered)
    percent = round(100.0 * covered / measured, 2) if measured else None
    return PatchCoverage(percent=percent, measured=measured, covered=covered, files=tuple(files))
