"""Complexity and size, measured in-process with radon.

Why in-process and why one parse: radon's own ``mi_visit`` parses a file again for each
metric, so running ``radon cc``, ``radon mi`` and ``radon raw`` costs three or four
parses per file. Here each file is read once, parsed once, and the tree is shared by
the cyclomatic-complexity visitor (which also yields the total complexity MI needs),
the Halstead visitor and the MI formula. Only ``radon.raw.analyze`` tokenizes the text
itself, as the CLI does.

The numbers equal what radon's CLI prints with its default options:

* blocks are the top-level list of ``radon cc -j``: functions, classes and methods
  (methods also appear under their class there; nested closures and inner classes are
  not separate blocks by default and only count inside their enclosing function);
* ``complexity.cc_mean`` is the "Average complexity" of ``radon cc -a``;
* MI is ``radon mi`` with its default ``multi=True`` (multi-line strings count as
  comments), i.e. ``mi_visit(code, multi=True)``;
* raw counts are ``radon raw``.

Text is decoded as strict UTF-8, as radon's CLI does on Python 3. One deliberate
difference: a leading UTF-8 byte-order mark is dropped (radon's CLI reports the file
as an error; Python, pylint and editors accept it).

The work is split for the incremental cache: :func:`analyze_source` is a pure
function of ``(path, text)`` returning a serializable :class:`FileAnalysis`, and
:func:`aggregate` turns any list of them into the collector's result.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from statistics import fmean
from typing import Any, Literal

from radon.complexity import SCORE, cc_rank, sorted_results
from radon.metrics import h_visit_ast, mi_compute, mi_rank
from radon.raw import analyze
from radon.visitors import ComplexityVisitor, Function

from practicegrade.collectors import Project, Settings
from practicegrade.model import (
    CollectorResult,
    ComplexityDetails,
    FileComplexity,
    Finding,
    FunctionComplexity,
)

NAME = "complexity"
METRICS = (
    "complexity.cc_mean",
    "complexity.cc_max",
    "complexity.cc_over_10",
    "complexity.mi_min",
    "complexity.mi_mean",
    "size.sloc",
    "size.functions",
)
CC_THRESHOLD = 10
"""``complexity.cc_over_10`` counts blocks whose complexity is strictly above this."""


@dataclass(frozen=True, slots=True)
class FileAnalysis:
    """Everything radon says about one file; a pure function of its path and text.

    Exactly one of ``file`` and ``finding`` is set: a file that cannot be read or
    parsed has no numbers, only the finding that explains why.
    """

    path: str
    blocks: tuple[FunctionComplexity, ...] = ()
    file: FileComplexity | None = None
    finding: Finding | None = None


# --------------------------------------------------------------------------- per file


def decode_source(data: bytes) -> str:
    """Bytes -> text as radon's CLI reads it: strict UTF-8, universal newlines.

    Raises ``UnicodeDecodeError``. A leading BOM is dropped (see the module docstring).
    """
    text = data.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _block(path: str, block: Any) -> FunctionComplexity:
    """One radon block (``Function`` or ``Class`` namedtuple) as our typed record."""
    kind: Literal["function", "method", "class"] = "class"
    if isinstance(block, Function):
        kind = "method" if block.is_method else "function"
    complexity = int(block.complexity)
    return FunctionComplexity(
        file=path,
        name=str(block.fullname),
        kind=kind,
        line=int(block.lineno),
        endline=int(block.endline),
        cc=complexity,
        rank=str(cc_rank(complexity)),
    )


def _mi(tree: ast.AST, visitor: ComplexityVisitor, lloc: int, sloc: int, comments: int) -> float:
    """radon's ``mi_visit(code, multi=True)`` on an already parsed tree.

    Mirrors ``radon.metrics.mi_parameters``: note that radon feeds the *logical* line
    count into the formula's "SLOC" slot, and the comment share is relative to SLOC.
    """
    comment_pct = comments / float(sloc) * 100 if sloc != 0 else 0
    volume = h_visit_ast(tree).total.volume
    return float(mi_compute(volume, visitor.total_complexity, lloc, comment_pct))


def _syntax_finding(path: str, exc: SyntaxError) -> Finding:
    line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
    return Finding(
        kind="syntax-error",
        message=f"radon could not parse this file: {exc.msg}",
        file=path,
        line=line,
        collector=NAME,
    )


def analyze_source(path: str, text: str) -> FileAnalysis:
    """Measure one file's text (already decoded by :func:`decode_source`).

    Never raises for bad learner code: a syntax error (or code too deeply nested for
    the parser) becomes a ``syntax-error`` finding.
    """
    try:
        return _measure(path, text)
    except SyntaxError as exc:
        return FileAnalysis(path=path, finding=_syntax_finding(path, exc))
    except ValueError as exc:  # null bytes (Python < 3.12 raises ValueError for them)
        finding = Finding("unreadable-file", f"not Python source text: {exc}", path, None, NAME)
        return FileAnalysis(path=path, finding=finding)
    except RecursionError:
        message = "radon could not parse this file: it is nested too deeply"
        return FileAnalysis(path=path, finding=Finding("syntax-error", message, path, None, NAME))
    except Exception as exc:  # radon's CLI, too, turns any failure into an entry
        message = f"radon failed on this file: {type(exc).__name__}: {exc}"
        return FileAnalysis(path=path, finding=Finding("tool-error", message, path, None, NAME))


def _measure(path: str, text: str) -> FileAnalysis:
    tree = ast.parse(text)
    raw = analyze(text)
    visitor = ComplexityVisitor.from_ast(tree)
    blocks = tuple(_block(path, b) for b in sorted_results(visitor.blocks, order=SCORE))
    mi = _mi(tree, visitor, raw.lloc, raw.sloc, raw.comments + raw.multi)
    file = FileComplexity(
        file=path,
        mi=mi,
        mi_rank=str(mi_rank(mi)),
        loc=raw.loc,
        sloc=raw.sloc,
        lloc=raw.lloc,
        comments=raw.comments,
        blank=raw.blank,
        functions=sum(1 for b in blocks if b.kind != "class"),
    )
    return FileAnalysis(path=path, blocks=blocks, file=file)


def analyze_bytes(path: str, data: bytes) -> FileAnalysis:
    """:func:`analyze_source` on raw file bytes; a decode problem becomes a finding."""
    try:
        text = decode_source(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); radon reads source as UTF-8"
        return FileAnalysis(path, finding=Finding("unreadable-file", message, path, line, NAME))
    return analyze_source(path, text)


def read_and_analyze(root: Path, path: str) -> FileAnalysis:
    """Read ``root/path`` once and measure it (the only I/O of this collector)."""
    full = root / path
    try:
        if not full.resolve().is_relative_to(root.resolve()):
            message = "the file is a link that points outside the repository; not measured"
            return FileAnalysis(path, finding=Finding("unreadable-file", message, path, None, NAME))
        data = full.read_bytes()
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return FileAnalysis(path, finding=Finding("unreadable-file", message, path, None, NAME))
    return analyze_bytes(path, data)


# --------------------------------------------------------------------------- aggregate


def aggregate_metrics(analyses: Sequence[FileAnalysis]) -> tuple[dict[str, float], dict[str, str]]:
    """Metric values and reasons for the ones that could not be measured."""
    files = [a.file for a in analyses if a.file is not None]
    blocks = [b for a in analyses for b in a.blocks]
    if not files:
        reason = (
            "no Python source files to measure"
            if not analyses
            else "no source file could be parsed (see findings)"
        )
        return {}, dict.fromkeys(METRICS, reason)
    metrics: dict[str, float] = {
        "complexity.cc_over_10": float(sum(1 for b in blocks if b.cc > CC_THRESHOLD)),
        "complexity.mi_min": min(f.mi for f in files),
        "complexity.mi_mean": fmean(f.mi for f in files),
        "size.sloc": float(sum(f.sloc for f in files)),
        "size.functions": float(sum(f.functions for f in files)),
    }
    unmeasured: dict[str, str] = {}
    if blocks:
        metrics["complexity.cc_mean"] = sum(b.cc for b in blocks) / len(blocks)
        metrics["complexity.cc_max"] = float(max(b.cc for b in blocks))
    else:
        reason = "the source has no functions, methods or classes"
        unmeasured = {"complexity.cc_mean": reason, "complexity.cc_max": reason}
    return {k: metrics[k] for k in METRICS if k in metrics}, unmeasured


def radon_version() -> str:
    """The installed radon's version, for the report's tool list."""
    try:
        return version("radon")
    except PackageNotFoundError:  # pragma: no cover - radon is a dependency
        return "unknown"


def aggregate(analyses: Iterable[FileAnalysis], *, duration_s: float = 0.0) -> CollectorResult:
    """Build the collector result from per-file analyses (fresh or from a cache)."""
    ordered = list(analyses)
    metrics, unmeasured = aggregate_metrics(ordered)
    details = ComplexityDetails(
        functions=tuple(b for a in ordered for b in a.blocks),
        files=tuple(a.file for a in ordered if a.file is not None),
    )
    return CollectorResult(
        name=NAME,
        metrics=metrics,
        unmeasured=unmeasured,
        findings=tuple(a.finding for a in ordered if a.finding is not None),
        tool_versions={"radon": radon_version()},
        duration_s=duration_s,
        details=details,
    )


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Measure every source file of ``project`` (``settings`` has nothing for radon)."""
    started = time.monotonic()
    analyses = [read_and_analyze(project.root, path) for path in project.source_files]
    return aggregate(analyses, duration_s=time.monotonic() - started)
