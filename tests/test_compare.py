"""Pure comparison: deltas, lint matching, complexity changes, benchmark statistics."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicegrade.compare import (
    collect_interleaved,
    compare_samples,
    complexity_changes,
    fingerprint,
    interleave_abba,
    lint_changes,
    mann_whitney_u,
    metric_deltas,
    ratio_ci,
    security_changes,
    sequential_verdict,
)
from practicegrade.model import FunctionComplexity, LintMessage, SecurityIssue


def msg(
    path: str, line: int, symbol: str = "unused-variable", obj: str = "f", text: str = "x"
) -> LintMessage:
    return LintMessage(
        path=path,
        line=line,
        column=4,
        symbol=symbol,
        msg_id="W0612",
        category="warning",
        message=f"Unused variable {text!r}",
        obj=obj,
    )


def block(
    file: str, name: str, cc: int, line: int = 1, kind: str = "function"
) -> FunctionComplexity:
    return FunctionComplexity(
        file=file,
        name=name,
        kind=kind,
        line=line,
        endline=line + 3,
        cc=cc,  # type: ignore[arg-type]
        rank="A",
    )


# --------------------------------------------------------------------------- deltas


def test_deltas_cover_metrics_on_both_sides_and_are_exact_for_unchanged() -> None:
    base = {"lint.score": 7.3, "coverage.line_pct": 0.1 + 0.2, "only.base": 1.0}
    head = {"lint.score": 8.0, "coverage.line_pct": 0.3, "only.head": 2.0}
    deltas = metric_deltas(base, head)
    assert deltas == {"coverage.line_pct": 0.0, "lint.score": 0.7}


# --------------------------------------------------------------------------- lint


def test_line_shift_is_neither_new_nor_fixed() -> None:
    base = [msg("a.py", 10), msg("a.py", 20, text="y")]
    head = [msg("a.py", 13), msg("a.py", 23, text="y")]
    assert lint_changes(base, head) == ((), ())


def test_new_and_fixed_messages_are_found() -> None:
    base = [msg("a.py", 10), msg("a.py", 20, text="gone")]
    head = [msg("a.py", 10), msg("a.py", 30, text="fresh")]
    new, fixed = lint_changes(base, head)
    assert [m.message for m in new] == ["Unused variable 'fresh'"]
    assert [m.message for m in fixed] == ["Unused variable 'gone'"]


def test_duplicates_are_matched_as_a_multiset() -> None:
    base = [msg("a.py", 10), msg("a.py", 12)]
    head = [msg("a.py", 10), msg("a.py", 12), msg("a.py", 14)]
    new, fixed = lint_changes(base, head)
    assert [m.line for m in new] == [14]
    assert fixed == ()
    new, fixed = lint_changes(head, base)
    assert new == ()
    assert [m.line for m in fixed] == [14]


def test_collector_fingerprints_are_used_when_present() -> None:
    base = [replace(msg("a.py", 1), fingerprint="same")]
    head = [replace(msg("a.py", 99, text="different text"), fingerprint="same")]
    assert lint_changes(base, head) == ((), ())
    assert fingerprint(head[0]) == "same"


def test_a_renamed_file_keeps_its_messages() -> None:
    base = [replace(msg("old.py", 5), fingerprint="fp-old")]
    head = [replace(msg("new.py", 6), fingerprint="fp-new")]
    assert lint_changes(base, head, {"old.py": "new.py"}) == ((), ())
    # without the rename known, the function's message moved with it: neither new nor fixed
    assert lint_changes(base, head) == ((), ())
    # a module-level message is the file's own: a new file's is new, a deleted file's fixed
    base = [replace(msg("old.py", 1, obj=""), fingerprint="fp-old")]
    head = [replace(msg("new.py", 1, obj=""), fingerprint="fp-new")]
    new, fixed = lint_changes(base, head)
    assert len(new) == 1
    assert len(fixed) == 1


def test_an_edited_line_or_a_changed_count_is_the_same_message() -> None:
    """The collector's fingerprint hashes the flagged line; a reformatted line keeps its
    message, and "(13/12)" becoming "(14/12)" is still the same too-many-branches."""
    base = [
        replace(msg("a.py", 10, symbol="too-many-branches", text="13/12"), fingerprint="one"),
        replace(msg("a.py", 20, text="y"), fingerprint="two"),
    ]
    head = [
        replace(msg("a.py", 11, symbol="too-many-branches", text="14/12"), fingerprint="three"),
        replace(msg("a.py", 25, text="y"), fingerprint="four"),
    ]
    assert lint_changes(base, head) == ((), ())


def test_code_moved_to_another_module_keeps_its_messages() -> None:
    base = [msg("pkg/a.py", 40, obj="parse")]
    head = [msg("pkg/b.py", 3, obj="parse")]
    assert lint_changes(base, head) == ((), ())


def _similar(path: str, *modules: str) -> LintMessage:
    text = "Similar lines in 2 files\n" + "\n".join(f"=={m}:[3:20]" for m in modules)
    return replace(msg(path, 1, symbol="duplicate-code", obj=""), message=text, msg_id="R0801")


def test_duplicate_code_counts_only_when_a_changed_file_takes_part() -> None:
    head = [_similar("pkg/a.py", "pkg.a", "pkg.b"), _similar("pkg/c.py", "pkg.c", "pkg.d")]
    new, fixed = lint_changes([], head, changed_files={"src/pkg/c.py"})
    assert [m.path for m in new] == ["pkg/c.py"]
    assert fixed == ()
    new, fixed = lint_changes(head, [], changed_files={"src/pkg/x.py"})
    assert new == () and fixed == ()


# --------------------------------------------------------------------------- complexity


def test_complexity_changes_list_rises_falls_and_new_blocks_biggest_first() -> None:
    base = [
        block("a.py", "f", 3),
        block("a.py", "g", 8, line=10),
        block("a.py", "same", 2, 20),
        block("a.py", "C", 9, 30, kind="class"),
    ]
    head = [
        block("a.py", "f", 4),
        block("a.py", "g", 2, line=12),
        block("a.py", "same", 2, 25),
        block("a.py", "h", 5, 40),
        block("a.py", "C", 12, 30, kind="class"),
    ]
    changes = complexity_changes(base, head)
    assert [(c.name, c.before, c.after) for c in changes] == [
        ("g", 8, 2),
        ("h", None, 5),
        ("f", 3, 4),
    ]


def test_complexity_follows_renames_and_keeps_same_named_blocks_apart() -> None:
    base = [block("old.py", "C.x", 2, 1, "method"), block("old.py", "C.x", 3, 5, "method")]
    head = [block("new.py", "C.x", 2, 1, "method"), block("new.py", "C.x", 6, 5, "method")]
    changes = complexity_changes(base, head, {"old.py": "new.py"})
    assert [(c.file, c.name, c.before, c.after) for c in changes] == [("new.py", "C.x", 3, 6)]


# --------------------------------------------------------------------------- statistics


def _exact_by_enumeration(a: list[float], b: list[float]) -> float:
    """Two-sided exact p by enumerating every split of the pooled ranks (small n only)."""
    pooled = sorted(a + b)
    n1 = len(a)

    def u_of(sample: tuple[float, ...]) -> float:
        rest = list(pooled)
        for value in sample:
            rest.remove(value)
        return sum(1.0 for x in sample for y in rest if x > y)

    observed = u_of(tuple(a))
    u_obs = min(observed, n1 * len(b) - observed)
    extreme = total = 0
    for combo in itertools.combinations(pooled, n1):
        u = u_of(combo)
        total += 1
        if min(u, n1 * len(b) - u) <= u_obs:
            extreme += 1
    return extreme / total


@pytest.mark.parametrize("seed", range(6))
def test_exact_u_test_matches_brute_force_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    a = [rng.random() for _ in range(5)]
    b = [rng.random() + 0.3 for _ in range(6)]
    assert mann_whitney_u(a, b) == pytest.approx(_exact_by_enumeration(a, b))


def test_completely_separated_samples_have_the_textbook_exact_p() -> None:
    a = [float(i) for i in range(10)]
    b = [float(i) + 100 for i in range(10)]
    assert mann_whitney_u(a, b) == pytest.approx(2 / math.comb(20, 10))


def test_ties_use_the_normal_approximation_and_identical_samples_give_p_one() -> None:
    same = [1.0, 1.0, 2.0, 2.0, 3.0]
    assert mann_whitney_u(same, list(same)) == pytest.approx(1.0)
    tied_apart = [1.0] * 12 + [2.0] * 3
    other = [2.0] * 3 + [3.0] * 12
    p = mann_whitney_u(tied_apart, other)
    assert 0 < p < 1e-4


@given(
    st.lists(st.floats(0.001, 10), min_size=2, max_size=15),
    st.lists(st.floats(0.001, 10), min_size=2, max_size=15),
)
def test_p_value_is_symmetric_and_a_probability(a: list[float], b: list[float]) -> None:
    p = mann_whitney_u(a, b)
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(mann_whitney_u(b, a))


def test_abba_order_alternates_pairs() -> None:
    assert interleave_abba(4) == ["base", "head", "head", "base", "base", "head", "head", "base"]
    calls: list[str] = []
    base, head = collect_interleaved(
        lambda: calls.append("b") or 1.0,  # type: ignore[func-returns-value]
        lambda: calls.append("h") or 2.0,
        3,
    )  # type: ignore[func-returns-value]
    assert calls == ["b", "h", "h", "b", "b", "h"]
    assert len(base) == len(head) == 3


def _noisy(rng: random.Random, centre: float, n: int = 10) -> list[float]:
    return [centre * (1 + rng.gauss(0, 0.05)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(20))
def test_identical_distributions_never_report_a_change(seed: int) -> None:
    rng = random.Random(seed)
    verdict = compare_samples(_noisy(rng, 0.01), _noisy(rng, 0.01))
    assert verdict.change == "inconclusive"


def test_a_two_fold_slowdown_is_a_regression_and_the_reverse_an_improvement() -> None:
    rng = random.Random(1)
    slow = compare_samples(_noisy(rng, 0.01), _noisy(rng, 0.02))
    assert slow.change == "regression"
    assert slow.p_value < 0.002
    assert slow.ci[0] <= slow.ratio <= slow.ci[1]
    assert 1.8 < slow.ratio < 2.2
    fast = compare_samples(_noisy(rng, 0.02), _noisy(rng, 0.01))
    assert fast.change == "improvement"


def test_a_small_but_significant_change_is_inconclusive() -> None:
    base = [1.00 + i * 0.001 for i in range(12)]
    head = [1.05 + i * 0.001 for i in range(12)]
    verdict = compare_samples(base, head, factor=1.10)
    assert verdict.p_value < 0.002
    assert verdict.change == "inconclusive"


def test_a_big_ratio_from_few_samples_is_not_evidence() -> None:
    verdict = compare_samples([1.0, 1.1, 0.9], [2.0, 2.1, 1.9])
    assert verdict.ratio > 1.5
    assert verdict.change == "inconclusive"


def test_ratio_ci_covers_the_true_ratio() -> None:
    rng = random.Random(7)
    base = _noisy(rng, 1.0, 15)
    head = _noisy(rng, 1.5, 15)
    low, high = ratio_ci(base, head)
    assert low < 1.5 < high
    assert low < high


# --------------------------------------------------------------------------- sequential


def _sequential(
    rng: random.Random, base_s: float, head_s: float, max_runs: int = 40, noise: float = 0.08
) -> tuple[str, int]:
    """Run the sequential comparison on simulated runs, as grade.compare_one does."""
    base: list[float] = []
    head: list[float] = []
    for runs in range(1, max_runs + 1):
        base.append(base_s * math.exp(rng.gauss(0, noise)))
        head.append(head_s * math.exp(rng.gauss(0, noise)))
        verdict = sequential_verdict(base, head, 1.10, final=runs == max_runs)
        if verdict is not None:
            return verdict.change, runs
    raise AssertionError("the final look always answers")


def test_sequential_a_a_is_never_a_verdict() -> None:
    """Looking after every pair does not turn noise into a regression or improvement."""
    rng = random.Random(16)
    outcomes = [_sequential(rng, 0.01, 0.01, max_runs=25) for _ in range(300)]
    assert {change for change, _ in outcomes} <= {"unchanged", "inconclusive"}
    # With modest noise most A/A comparisons settle early as unchanged.
    assert sum(1 for change, runs in outcomes if change == "unchanged" and runs < 20) > 240


def test_sequential_finds_a_two_fold_slowdown_at_the_first_look() -> None:
    rng = random.Random(2)
    for _ in range(100):
        change, runs = _sequential(rng, 0.01, 0.02)
        assert change == "regression"
        assert runs == 7
    assert _sequential(rng, 0.02, 0.01)[0] == "improvement"


def test_sequential_waits_for_enough_runs_and_is_inconclusive_when_cut_short() -> None:
    base, head = [1.0, 1.01, 0.99], [2.0, 2.02, 1.98]
    assert sequential_verdict(base, head) is None
    cut = sequential_verdict(base, head, final=True)
    assert cut is not None
    assert cut.change == "inconclusive"
    assert cut.ratio == pytest.approx(2.0)
    assert sequential_verdict([], [], final=True) is None


def test_sequential_noise_wider_than_the_factor_stays_open() -> None:
    rng = random.Random(5)
    change, runs = _sequential(rng, 0.01, 0.01, max_runs=12, noise=0.5)
    assert (change, runs) == ("inconclusive", 12)


# --------------------------------------------------------------------------- security


def issue(
    path: str, line: int, test_id: str = "B602", code: str = "run(x, shell=True)"
) -> SecurityIssue:
    return SecurityIssue(
        file=path,
        line=line,
        test_id=test_id,
        test_name="subprocess_popen_with_shell_equals_true",
        severity="high",
        confidence="high",
        message="subprocess call with shell=True identified, security issue.",
        cwe=78,
        fingerprint=f"{path}:{test_id}:{code}",
    )


def test_security_changes_ignore_line_shifts_and_count_copies() -> None:
    base = [issue("a.py", 10), issue("b.py", 3, "B301", "pickle.loads(b)")]
    head = [issue("a.py", 12), issue("a.py", 40), issue("b.py", 5, "B301", "pickle.loads(b)")]
    new, fixed = security_changes(base, head)
    assert [(i.file, i.line) for i in new] == [("a.py", 40)]
    assert fixed == ()
    new, fixed = security_changes(head, base)
    assert new == ()
    assert [(i.file, i.line) for i in fixed] == [("a.py", 40)]


def test_security_changes_follow_a_rename() -> None:
    base = [issue("old.py", 10)]
    head = [issue("new.py", 10)]
    assert security_changes(base, head) == ((head[0],), (base[0],))
    assert security_changes(base, head, {"old.py": "new.py"}) == ((), ())


def test_an_edited_flagged_line_is_neither_fixed_nor_new() -> None:
    base = [issue("a.py", 50, code="subprocess.run([ld], universal_newlines=True)")]
    head = [issue("a.py", 50, code="subprocess.run([ld], text=True)")]
    assert security_changes(base, head) == ((), ())
    other = [issue("b.py", 50, code="subprocess.run([ld], text=True)")]
    assert security_changes(base, other) == ((other[0],), (base[0],)), "another file: both"
