"""Head against base: what a change did (pure functions; no I/O).

Everything here works on data both grades already produced: metric maps, lint messages,
complexity blocks, the changed lines of the diff and the benchmark samples. That keeps
the comparison testable without running a tool, and lets a base result come from the
cache or a note just as well as from a fresh run.

Matching lint messages between two versions of a file cannot use line numbers: adding
one line at the top of a module would make every message below it "new" and "fixed".
A message is matched by its *fingerprint* (:func:`fingerprint`): path, message symbol,
the enclosing object and the message text, never the position. Two identical messages
in one function are matched as a multiset (counts), so adding a third copy reports
exactly one new message.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from practicegrade.model import (
    ComplexityChange,
    FunctionComplexity,
    LintMessage,
    SecurityIssue,
)

# --------------------------------------------------------------------------- metrics


def metric_deltas(base: Mapping[str, float], head: Mapping[str, float]) -> dict[str, float]:
    """``head - base`` for every metric measured on both sides (rounded to 6 places).

    Rounding removes float noise such as ``0.1 + 0.2`` so that an unchanged metric has a
    delta of exactly ``0.0``.
    """
    return {key: round(head[key] - base[key], 6) for key in sorted(head) if key in base}


# --------------------------------------------------------------------------- lint


def fingerprint(message: LintMessage, path: str | None = None) -> str:
    """A key for ``message`` that survives line shifts.

    The lint collector's own fingerprint wins when it set one; otherwise: the path (or
    ``path``, to follow a rename), symbol, enclosing object and text, hashed. Line and
    column are deliberately left out.
    """
    if message.fingerprint and path is None:
        return message.fingerprint
    parts = (path or message.path, message.symbol, message.obj, message.message)
    return hashlib.sha1("\0".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def lint_changes(
    base: Sequence[LintMessage],
    head: Sequence[LintMessage],
    renames: Mapping[str, str] | None = None,
    changed_files: Collection[str] | None = None,
) -> tuple[tuple[LintMessage, ...], tuple[LintMessage, ...]]:
    """``(new, fixed)``: head messages the base lacks, and base messages the head lacks.

    Matched as multisets in three passes, each on what the previous left over:

    1. by :func:`fingerprint` (the collector's, which also hashes the flagged line's text);
    2. by path, symbol, enclosing object and the text with numbers masked, so a message
       whose line was reformatted, or whose "(13/12)" became "(14/12)", is the same one;
    3. by symbol, enclosing object and masked text across files, so a function moved to
       another module keeps its messages: moved is neither fixed nor new.

    ``renames`` maps a base path to its head path. With ``changed_files``, a
    ``duplicate-code`` message counts only when one of the changed files takes part in it:
    a similarity between two files the change never touched is not the change's doing.
    """
    renames = renames or {}
    renamed_heads = set(renames.values())

    def base_key(m: LintMessage) -> str:
        if m.path in renames:
            return fingerprint(m, renames[m.path])
        return fingerprint(m)

    def head_key(m: LintMessage) -> str:
        return fingerprint(m, m.path) if m.path in renamed_heads else fingerprint(m)

    new = _multiset_diff(head, base, head_key, base_key)
    fixed = _multiset_diff(base, head, base_key, head_key)

    def in_file(path_of: Callable[[LintMessage], str]) -> Callable[[LintMessage], str]:
        return lambda m: "\0".join((path_of(m), m.symbol, m.obj, _masked(m.message)))

    def anywhere(m: LintMessage) -> str:
        # Module-level messages (no object) stay per file: a new module's missing docstring
        # is not the deleted module's.
        return "\0".join((m.symbol, m.obj, _masked(m.message))) if m.obj else fingerprint(m)

    head_path = in_file(lambda m: m.path)
    base_path = in_file(lambda m: renames.get(m.path, m.path))
    new, fixed = (
        _multiset_diff(new, fixed, head_path, base_path),
        _multiset_diff(fixed, new, base_path, head_path),
    )
    new, fixed = (
        _multiset_diff(new, fixed, anywhere, anywhere),
        _multiset_diff(fixed, new, anywhere, anywhere),
    )
    if changed_files is not None:
        new = tuple(m for m in new if _involves(m, changed_files))
        fixed = tuple(m for m in fixed if _involves(m, changed_files))
    return new, fixed


_NUMBER = re.compile(r"\d+")
_SIMILAR_MODULE = re.compile(r"^==([\w.]+):\[", re.MULTILINE)


def _masked(text: str) -> str:
    """Message text with every number masked: line numbers and counts move with the code."""
    return _NUMBER.sub("#", text)


def _module_of(path: str) -> str:
    """``src/pkg/mod.py`` -> ``src.pkg.mod``: compared by suffix with pylint's module names."""
    stem = path[:-3] if path.endswith(".py") else path
    stem = stem[: -len("/__init__")] if stem.endswith("/__init__") else stem
    return stem.replace("/", ".")


def _involves(message: LintMessage, changed_files: Collection[str]) -> bool:
    """Whether a changed file takes part in ``message`` (only ``duplicate-code`` can say no)."""
    if message.symbol != "duplicate-code":
        return True
    modules = _SIMILAR_MODULE.findall(message.message)
    if not modules:
        return message.path in changed_files
    changed = [_module_of(p) for p in changed_files]
    return any(c == m or c.endswith("." + m) for m in modules for c in changed)


def _multiset_diff(
    ours: Sequence[LintMessage],
    theirs: Sequence[LintMessage],
    our_key: Callable[[LintMessage], str],
    their_key: Callable[[LintMessage], str],
) -> tuple[LintMessage, ...]:
    """Messages of ``ours`` beyond the count ``theirs`` has of the same key.

    With duplicates, the later ones (by line) are the extra ones: appending a copy of a
    function reports the copy, not the original.
    """
    budget = Counter(their_key(m) for m in theirs)
    extra: list[LintMessage] = []
    for message in sorted(ours, key=lambda m: (m.path, m.line, m.column, m.symbol)):
        key = our_key(message)
        if budget[key] > 0:
            budget[key] -= 1
        else:
            extra.append(message)
    return tuple(extra)


# --------------------------------------------------------------------------- security


def security_changes(
    base: Sequence[SecurityIssue],
    head: Sequence[SecurityIssue],
    renames: Mapping[str, str] | None = None,
) -> tuple[tuple[SecurityIssue, ...], tuple[SecurityIssue, ...]]:
    """``(new, fixed)`` bandit results, matched like lint messages: as multisets of a key
    that leaves the line number out (path, test id, bandit's text, the flagged code).

    The collector's fingerprint holds the path, so across a rename both sides are keyed
    on the head path again.
    """
    renames = renames or {}

    renamed_heads = set(renames.values())

    def key(issue: SecurityIssue, renamed: str | None) -> tuple[str, str]:
        if renamed is None:
            return (issue.file, issue.fingerprint or f"{issue.test_id}\0{issue.message}")
        return (renamed, f"{issue.test_id}\0{issue.message}")

    def base_key(issue: SecurityIssue) -> tuple[str, str]:
        return key(issue, renames.get(issue.file))

    def head_key(issue: SecurityIssue) -> tuple[str, str]:
        return key(issue, issue.file if issue.file in renamed_heads else None)

    def extra(
        ours: Sequence[SecurityIssue],
        theirs: Sequence[SecurityIssue],
        our_key: Callable[[SecurityIssue], tuple[str, str]],
        their_key: Callable[[SecurityIssue], tuple[str, str]],
    ) -> tuple[SecurityIssue, ...]:
        budget = Counter(their_key(i) for i in theirs)
        left: list[SecurityIssue] = []
        for issue in sorted(ours, key=lambda i: (i.file, i.line, i.column, i.test_id)):
            if budget[our_key(issue)] > 0:
                budget[our_key(issue)] -= 1
            else:
                left.append(issue)
        return tuple(left)

    new = extra(head, base, head_key, base_key)
    fixed = extra(base, head, base_key, head_key)

    # A flagged line the change edited (``universal_newlines=True`` -> ``text=True`` in the
    # same ``subprocess.run``) changes the fingerprint, not the finding: the same test in
    # the same file, left over on both sides, is neither fixed nor new.
    def same_test(issue: SecurityIssue, renamed: str | None) -> tuple[str, str]:
        return (renamed or issue.file, issue.test_id)

    return (
        extra(
            new, fixed, lambda i: same_test(i, None), lambda i: same_test(i, renames.get(i.file))
        ),
        extra(
            fixed, new, lambda i: same_test(i, renames.get(i.file)), lambda i: same_test(i, None)
        ),
    )


# --------------------------------------------------------------------------- complexity


def complexity_changes(
    base: Sequence[FunctionComplexity],
    head: Sequence[FunctionComplexity],
    renames: Mapping[str, str] | None = None,
) -> tuple[ComplexityChange, ...]:
    """Blocks whose cyclomatic complexity rose or fell, appeared or disappeared.

    Blocks are keyed by ``(file, qualified name, occurrence)`` so two same-named methods
    (a property's getter and setter) stay apart. Sorted by how much the complexity moved,
    most first, then by file and name.
    """
    renames = renames or {}
    before = _by_block(base, renames)
    after = _by_block(head, {})
    changes = [
        ComplexityChange(file=key[0], name=key[1], before=before.get(key), after=after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    return tuple(
        sorted(changes, key=lambda c: (-abs((c.after or 0) - (c.before or 0)), c.file, c.name))
    )


def _by_block(
    blocks: Sequence[FunctionComplexity], renames: Mapping[str, str]
) -> dict[tuple[str, str, int], int]:
    seen: Counter[tuple[str, str]] = Counter()
    keyed: dict[tuple[str, str, int], int] = {}
    for block in sorted(blocks, key=lambda b: (b.file, b.line, b.name)):
        if block.kind == "class":
            continue
        path = renames.get(block.file, block.file)
        occurrence = seen[(path, block.name)]
        seen[(path, block.name)] += 1
        keyed[(path, block.name, occurrence)] = block.cc
    return keyed


# --------------------------------------------------------------------------- benchmarks

BenchChange = Literal["regression", "improvement", "unchanged", "inconclusive"]
SIGNIFICANCE = 0.002
"""asv's threshold: a change must be this unlikely under "no difference" to be reported."""


@dataclass(frozen=True, slots=True)
class BenchComparison:
    ratio: float
    """``median(head) / median(base)``: above 1 is slower."""
    ci: tuple[float, float]
    """A ~95% distribution-free confidence interval for the ratio (Hodges-Lehmann)."""
    p_value: float
    change: BenchChange


def interleave_abba(n: int) -> list[Literal["base", "head"]]:
    """The ABBA order for ``n`` samples a side: base, head, head, base, base, head, ...

    Alternating pairs cancel a linear drift (a CPU warming up, a noisy neighbour
    fading) that a plain AAAA...BBBB order would book entirely on one side.
    """
    order: list[Literal["base", "head"]] = []
    for i in range(n):
        order.extend(("base", "head") if i % 2 == 0 else ("head", "base"))
    return order


def collect_interleaved(
    sample_base: Callable[[], float], sample_head: Callable[[], float], n: int
) -> tuple[list[float], list[float]]:
    """Take ``n`` samples a side in ABBA order; each call is one fresh measurement."""
    base: list[float] = []
    head: list[float] = []
    for side in interleave_abba(n):
        if side == "base":
            base.append(sample_base())
        else:
            head.append(sample_head())
    return base, head


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (no scipy).

    Exact (by counting rank-sum arrangements) when both samples are small and have no
    ties; otherwise the normal approximation with the tie correction and a continuity
    correction, as scipy's ``method="asymptotic"`` does.
    """
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return 1.0
    ranks = _ranks([*a, *b])
    r1 = sum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    tied = len(set(a) | set(b)) < n1 + n2
    if not tied and n1 <= 30 and n2 <= 30:
        return min(1.0, 2 * _exact_cdf(round(u), n1, n2))
    counts = Counter([*a, *b])
    n = n1 + n2
    tie_term = sum(t**3 - t for t in counts.values()) / (n * (n - 1))
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
    if sigma == 0:
        return 1.0
    z = (abs(u1 - n1 * n2 / 2) - 0.5) / sigma
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _exact_cdf(u: int, n1: int, n2: int) -> float:
    """P(U <= u) under the null hypothesis, by dynamic programming over arrangements.

    ``counts[k]`` = number of ways to choose which of the ranks belong to sample 1 so that
    U equals ``k``; the classic recurrence on (n1, n2) built up iteratively.
    """
    # table[i][j] is a list: number of arrangements of i and j items giving each U value.
    table: list[list[list[int]]] = [[[1] for _ in range(n2 + 1)] for _ in range(n1 + 1)]
    for i in range(1, n1 + 1):
        for j in range(1, n2 + 1):
            left = table[i - 1][j]  # largest item is from sample 1: adds j to U
            down = table[i][j - 1]  # largest item is from sample 2: adds 0
            size = i * j + 1
            row = [0] * size
            for k, c in enumerate(left):
                row[k + j] += c
            for k, c in enumerate(down):
                row[k] += c
            table[i][j] = row
    dist = table[n1][n2]
    total = sum(dist)
    return sum(dist[: u + 1]) / total


def ratio_ci(
    base: Sequence[float], head: Sequence[float], level: float = 0.95
) -> tuple[float, float]:
    """Distribution-free CI for the head/base time ratio (Hodges-Lehmann on log ratios).

    All ``n1*n2`` pairwise ratios are sorted and the interval's ends are picked at the
    order statistics the Mann-Whitney distribution gives for ``level``: no normality
    assumption, and deterministic (no bootstrap randomness).
    """
    pairs = sorted(h / b for h in head for b in base if b > 0)
    if not pairs:
        return (math.nan, math.nan)
    n1, n2 = len(base), len(head)
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    k = math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = max(0, min(k, len(pairs) - 1))
    return (pairs[k], pairs[len(pairs) - 1 - k])


def compare_samples(
    base: Sequence[float], head: Sequence[float], factor: float = 1.10
) -> BenchComparison:
    """Ratio of medians with its CI, the U test's p, and the verdict.

    A regression (or improvement) is called only when the ratio is past ``factor`` (or
    ``1/factor``) *and* p < :data:`SIGNIFICANCE`; anything else is "inconclusive". Both
    conditions matter: a tiny but consistent slowdown is significant yet not worth a
    mentor's attention, and a big ratio from three noisy samples is not evidence.
    """
    ratio = statistics.median(head) / statistics.median(base)
    p_value = mann_whitney_u(base, head)
    change: BenchChange = "inconclusive"
    if p_value < SIGNIFICANCE and ratio > factor:
        change = "regression"
    elif p_value < SIGNIFICANCE and ratio < 1 / factor:
        change = "improvement"
    return BenchComparison(ratio=ratio, ci=ratio_ci(base, head), p_value=p_value, change=change)


MIN_RUNS = 7
"""Runs a side before a sequential look may decide: with 7 against 7 the U test can reach
:data:`SIGNIFICANCE` (perfect separation gives p = 2/3432); with 6, never (p >= 2/924)."""


def sequential_verdict(
    base: Sequence[float],
    head: Sequence[float],
    factor: float = 1.10,
    *,
    final: bool = False,
) -> BenchComparison | None:
    """One look of the sequential comparison: the verdict once the data settle it.

    ``base`` and ``head`` hold one number per timed run (the median of that process's
    samples: runs, not samples, are the independent units). Decided when, with at least
    :data:`MIN_RUNS` a side, either :func:`compare_samples` calls a regression (or an
    improvement) *and* the ratio's whole ~95% CI lies beyond ``factor`` (or
    ``1/factor``), or the CI lies inside ``[1/factor, factor]`` (``unchanged``: no change
    a mentor should hear about, and more runs would not find one). ``None`` means "keep
    going"; with ``final`` (the time budget is spent) the answer is ``inconclusive``.

    Why the CI condition: a test repeated after every pair finds a "significant" blip by
    chance sooner or later (each look is another chance). Demanding that the interval
    clear the factor, not just the medians, keeps an A/A comparison from becoming a
    verdict however often it is looked at, and costs a real 2x slowdown nothing: its
    interval clears 1.10 at the first look.
    """
    if not base or not head:
        return None
    result = compare_samples(base, head, factor)
    low, high = result.ci
    if min(len(base), len(head)) >= MIN_RUNS:
        beyond = (result.change == "regression" and low > factor) or (
            result.change == "improvement" and high < 1 / factor
        )
        if beyond:
            return result
        if 1 / factor < low and high < factor:
            return BenchComparison(result.ratio, result.ci, result.p_value, "unchanged")
    if not final:
        return None
    return BenchComparison(result.ratio, result.ci, result.p_value, "inconclusive")


# --------------------------------------------------------------------------- files


def renames_from(changes: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """Base path -> head path for renamed files, from ``(status, path, old_path)`` triples."""
    return {old: new for status, new, old in changes if status == "R" and old is not None}
