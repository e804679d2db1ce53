"""The complexity collector reports exactly what radon's own CLI reports.

Every number is checked against a real ``radon cc -j`` / ``radon cc -a`` / ``radon mi -j``
/ ``radon raw -j`` run on the same files: a fixture project with classes, methods,
closures, a very branchy function, docstrings and comments, a syntax error and a latin-1
file; and the installed ``click`` package as a real-world codebase.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from tests.helpers.repos import write_files

from practicegrade.collectors import Project, Settings
from practicegrade.collectors.complexity import (
    METRICS,
    FileAnalysis,
    aggregate,
    analyze_bytes,
    analyze_source,
    collect,
)
from practicegrade.model import ComplexityDetails
from practicegrade.serialize import from_jsonable, to_jsonable

RADON = str(Path(sys.executable).parent / "radon")

BRANCHY = "\n".join(
    ["def branchy(n, flag):", '    """Many decisions."""', "    total = 0"]
    + [f"    if n == {i}:\n        total += {i}" for i in range(12)]
    + ["    while flag and n:", "        n -= 1", "    return total if flag else -total", ""]
)

FIXTURE: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/shapes.py": '''
        """Shapes with a class hierarchy, methods and a nested class."""

        import math


        class Shape:
            """Base shape."""

            def area(self):
                raise NotImplementedError

            def describe(self, verbose=False):
                # a comment
                if verbose and self.area() > 0:
                    return f"{type(self).__name__} of area {self.area()}"
                elif verbose:
                    return "empty"
                return type(self).__name__

            class Meta:
                def inner_method(self):
                    return [x for x in range(3) if x]


        class Circle(Shape):
            def __init__(self, r):
                self.r = r

            def area(self):
                return math.pi * self.r ** 2

            async def grow(self, by):
                try:
                    self.r += by
                except TypeError:
                    pass
                finally:
                    return self.r


        class Empty:
            pass
    ''',
    "pkg/funcs.py": '''
        """Functions, closures and lambdas."""


        def make_counter(start):
            """Return a counter closure.

            The closure's decisions count for the enclosing function only.
            """
            count = start

            def step(by=1):
                nonlocal count
                if by < 0:
                    raise ValueError("negative")
                count += by
                return count

            return step


        square = lambda x: x * x  # noqa: E731


        def pick(items, key=None):
            # pick the first truthy item
            for item in items:
                if key is None or key(item):
                    return item
            return None
    ''',
    "pkg/branchy.py": BRANCHY,
    "pkg/broken.py": """
        def ok():
            return 1

        def broken(:
            pass
    """,
    "pkg/legacy.py": "# -*- coding: latin-1 -*-\nNAME = '\xe9t\xe9'\n".encode("latin-1"),
}


@dataclass(frozen=True)
class RadonCli:
    """What radon's CLI says about a list of files (run from the project root)."""

    cc: dict[str, Any]
    mi: dict[str, Any]
    raw: dict[str, Any]
    blocks_analyzed: int
    average: float | None


CliRun = tuple[Any, RadonCli, list[str]]
"""(our collector result, radon's CLI output, the files) for one project."""


def run_radon(root: Path, files: list[str]) -> RadonCli:
    def radon(*args: str) -> str:
        result = subprocess.run(
            [RADON, *args, *files], cwd=root, capture_output=True, text=True, check=True
        )
        return result.stdout

    text = radon("cc", "-a", "-s")
    blocks = re.search(r"^(\d+) blocks \(classes, functions, methods\) analyzed", text, re.M)
    average = re.search(r"^Average complexity: [A-F] \(([0-9.e+-]+)\)$", text, re.M)
    return RadonCli(
        cc=json.loads(radon("cc", "-j", "-a")),
        mi=json.loads(radon("mi", "-j")),
        raw=json.loads(radon("raw", "-j")),
        blocks_analyzed=int(blocks.group(1)) if blocks else 0,
        average=float(average.group(1)) if average else None,
    )


def make_project(root: Path, files: list[str]) -> Project:
    return Project(
        root=root,
        source_dirs=(".",),
        source_files=tuple(files),
        test_paths=(),
        packages=(),
        import_roots=(".",),
        python=sys.executable,
    )


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    root = tmp_path_factory.mktemp("cxproj")
    write_files(root, FIXTURE)
    files = sorted(FIXTURE)
    result = collect(make_project(root, files), Settings(scratch=root))
    return result, run_radon(root, files), files


@pytest.fixture(scope="module")
def click_run() -> CliRun:
    root = Path(click.__file__).parent.parent
    files = sorted(p.relative_to(root).as_posix() for p in (root / "click").rglob("*.py"))
    result = collect(make_project(root, files), Settings(scratch=root))
    return result, run_radon(root, files), files


def cli_blocks(cli: RadonCli, file: str) -> list[tuple[str, str, int, int, int, str]]:
    """The top-level blocks ``radon cc -j`` lists for a file, in its order."""
    out = []
    for b in cli.cc.get(file, []):
        name = f"{b['classname']}.{b['name']}" if b.get("classname") else b["name"]
        out.append((name, b["type"], b["lineno"], b["endline"], b["complexity"], b["rank"]))
    return out


def assert_matches_cli(result: Any, cli: RadonCli, files: list[str]) -> None:
    details = result.details
    assert isinstance(details, ComplexityDetails)
    errors = {f for f in files if "error" in cli.mi.get(f, {})}
    measured = [f for f in files if f not in errors]
    # per block, per file, in radon's order
    for file in measured:
        ours = [
            (b.name, b.kind, b.line, b.endline, b.cc, b.rank)
            for b in details.functions
            if b.file == file
        ]
        assert ours == cli_blocks(cli, file), file
    # per file MI and raw
    by_file = {f.file: f for f in details.files}
    assert sorted(by_file) == measured
    for file in measured:
        ours_f = by_file[file]
        assert ours_f.mi == cli.mi[file]["mi"], file
        assert ours_f.mi_rank == cli.mi[file]["rank"], file
        raw = cli.raw[file]
        got = (ours_f.loc, ours_f.sloc, ours_f.lloc, ours_f.comments, ours_f.blank)
        assert got == (raw["loc"], raw["sloc"], raw["lloc"], raw["comments"], raw["blank"])
    # aggregates
    all_blocks = [b for f in measured for b in cli.cc.get(f, [])]
    assert len(details.functions) == cli.blocks_analyzed == len(all_blocks)
    m = result.metrics
    assert cli.average is not None
    assert m["complexity.cc_mean"] == cli.average
    assert m["complexity.cc_max"] == max(b["complexity"] for b in all_blocks)
    assert m["complexity.cc_over_10"] == sum(1 for b in all_blocks if b["complexity"] > 10)
    mis = [cli.mi[f]["mi"] for f in measured]
    assert m["complexity.mi_min"] == min(mis)
    assert m["complexity.mi_mean"] == pytest.approx(sum(mis) / len(mis), rel=1e-12)
    assert m["size.sloc"] == sum(cli.raw[f]["sloc"] for f in measured)
    assert m["size.functions"] == sum(1 for b in all_blocks if b["type"] != "class")
    # every error file radon's CLI reports is a finding of ours, and nothing else is
    assert {f.file for f in result.findings} == errors


def test_fixture_numbers_equal_radon_cli(fixture_run: CliRun) -> None:
    result, cli, files = fixture_run
    assert_matches_cli(result, cli, files)
    # the fixture exercises what it claims to
    assert result.metrics["complexity.cc_over_10"] >= 1
    assert {"function", "method", "class"} <= {b.kind for b in result.details.functions}


def test_real_package_numbers_equal_radon_cli(click_run: CliRun) -> None:
    result, cli, files = click_run
    assert len(files) > 10
    assert_matches_cli(result, cli, files)
    assert result.findings == ()


def test_closures_and_inner_classes_are_not_blocks(fixture_run: CliRun) -> None:
    """radon lists closures only under their function, and inner classes not at all."""
    result, cli, _ = fixture_run
    names = {b.name for b in result.details.functions}
    assert "make_counter" in names
    assert not any("step" in n or "Meta" in n or "inner_method" in n for n in names)
    (counter,) = (b for b in cli.cc["pkg/funcs.py"] if b["name"] == "make_counter")
    assert [c["name"] for c in counter["closures"]] == ["step"]


def test_bad_files_become_findings_with_file_and_line(
    fixture_run: CliRun,
) -> None:
    result, cli, _ = fixture_run
    by_file = {f.file: f for f in result.findings}
    broken = by_file["pkg/broken.py"]
    assert broken.kind == "syntax-error"
    assert broken.line == 4
    assert "line 4" in cli.cc["pkg/broken.py"]["error"]
    legacy = by_file["pkg/legacy.py"]
    assert legacy.kind == "unreadable-file"
    assert legacy.line == 2
    assert "utf-8" in cli.cc["pkg/legacy.py"]["error"]
    assert all(f.collector == "complexity" for f in result.findings)


def test_tool_version_is_reported(fixture_run: CliRun) -> None:
    result, _, _ = fixture_run
    assert result.name == "complexity"
    assert result.tool_versions["radon"] == "6.0.1"
    assert result.duration_s > 0


def test_no_source_files_leaves_every_metric_unmeasured(tmp_path: Path) -> None:
    result = collect(make_project(tmp_path, []), Settings(scratch=tmp_path))
    assert result.metrics == {}
    assert set(result.unmeasured) == set(METRICS)
    assert all("no Python source files" in reason for reason in result.unmeasured.values())


def test_only_unparseable_files_leaves_metrics_unmeasured() -> None:
    result = aggregate([analyze_source("a.py", "def (:\n")])
    assert result.metrics == {}
    assert set(result.unmeasured) == set(METRICS)
    assert [f.kind for f in result.findings] == ["syntax-error"]


def test_empty_files_are_measured_without_blocks() -> None:
    analysis = analyze_source("pkg/__init__.py", "")
    assert analysis.finding is None
    assert analysis.blocks == ()
    assert analysis.file is not None
    assert (analysis.file.mi, analysis.file.sloc) == (100.0, 0)
    result = aggregate([analysis])
    assert result.metrics["size.functions"] == 0
    assert "complexity.cc_mean" in result.unmeasured
    assert "complexity.cc_max" in result.unmeasured


def test_bom_and_crlf_are_read_like_plain_utf8() -> None:
    source = "def f(x):\n    # hi\n    if x:\n        return 1\n    return 2\n"
    plain = analyze_bytes("m.py", source.encode())
    odd = analyze_bytes("m.py", b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode())
    assert odd == plain
    assert plain.blocks[0].cc == 2


def test_null_bytes_are_a_finding_not_a_crash() -> None:
    analysis = analyze_bytes("m.py", b"x = 1\x00\n")
    assert analysis.finding is not None
    assert analysis.finding.kind in {"unreadable-file", "syntax-error"}


def test_link_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def secret():\n    return 1\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.py").symlink_to(outside)
    result = collect(make_project(root, ["link.py"]), Settings(scratch=root))
    assert [f.kind for f in result.findings] == ["unreadable-file"]
    assert result.details is not None
    assert result.details.functions == ()  # type: ignore[union-attr]


def test_per_file_results_round_trip_through_json_and_aggregate_the_same(
    fixture_run: CliRun, tmp_path: Path
) -> None:
    """The cache stores :class:`FileAnalysis` as JSON; aggregating restored ones is identical."""
    result, _, files = fixture_run
    root = tmp_path / "p"
    write_files(root, FIXTURE)
    analyses = [analyze_bytes(f, (root / f).read_bytes()) for f in files]
    restored = [
        from_jsonable(FileAnalysis, json.loads(json.dumps(to_jsonable(a)))) for a in analyses
    ]
    assert restored == analyses
    again = aggregate(restored)
    assert again.metrics == result.metrics
    assert again.details == result.details
    assert again.findings == result.findings
