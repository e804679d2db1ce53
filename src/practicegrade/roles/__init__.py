"""Built-in competence models, one YAML file each (the same shape as ``practicegrade.yml``).

A role file holds ``version``, a one-line ``summary`` and ``competencies``: each with a
title, why it matters, criteria on the metric keys (target and gate) and a bank of
concrete next steps. :mod:`practicegrade.config` validates them exactly like a user's
file; this module only finds their text and writes the starter file for ``init``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from practicegrade.config import Competency, Criterion

_SUFFIX = ".yml"
_FIRST = "default"


@cache
def role_names() -> tuple[str, ...]:
    """Names of the built-in roles, ``default`` first, the rest alphabetical."""
    files = resources.files(__name__)
    names = sorted(p.name[: -len(_SUFFIX)] for p in files.iterdir() if p.name.endswith(_SUFFIX))
    return tuple(sorted(names, key=lambda n: (n != _FIRST, n)))


@cache
def role_source(name: str) -> str:
    """The YAML text of role ``name`` (callers check the name against :func:`role_names`)."""
    return resources.files(__name__).joinpath(name + _SUFFIX).read_text(encoding="utf-8")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _criterion_line(crit: Criterion) -> str:
    parts = [f"metric: {crit.metric}"]
    if crit.target is not None:
        parts.append(f"target: {_q(crit.target)}")
    if crit.gate is not None:
        parts.append(f"gate: {_q(crit.gate)}")
    if crit.weight != 1.0:
        parts.append(f"weight: {crit.weight:g}")
    if crit.ratchet is not None:
        parts.append(f"ratchet: {crit.ratchet}")
        if crit.tolerance:
            parts.append(f"tolerance: {crit.tolerance:g}")
    return "      - {" + ", ".join(parts) + "}"


def _competency_block(comp: Competency) -> list[str]:
    lines = [f"  {comp.id}:", f"    title: {_q(comp.title)}"]
    if comp.why:
        lines.append(f"    why: {_q(comp.why)}")
    if comp.weight != 1.0:
        lines.append(f"    weight: {comp.weight:g}")
    lines.append("    criteria:")
    lines.extend(_criterion_line(c) for c in comp.criteria)
    if comp.next_steps:
        lines.append("    next_steps:")
        lines.extend(f"      - {_q(step)}" for step in comp.next_steps)
    return lines


_HEADER = """\
# practicegrade.yml: the competence model you and your mentor agree on.
# Started from the built-in role {role!r}:
#   {summary}
#
# target: where you are heading (drives praise, gaps and milestones).
# gate:   the floor. Below it `git push` (the hook) and CI fail with exit 1,
#         unless `gates: advisory`, which only warns.
# ratchet: base (or best): a moving floor, no worse than the base (or the best grade
#         so far) give or take `tolerance`; the stricter of it and `gate` applies.
# Expressions are quoted: ">= 85", "<= 10", "== 0". Before comparing, a value is
# rounded to one more decimal than the threshold has: 84.95 meets ">= 85", 84.94 not.
version: 1
role: {role}

# Where the code and tests are; detected automatically when absent.
# source: [src]
# tests: [tests]
# exclude: ["**/migrations/**"]

# The competencies below override the role's ones with the same id: each key you
# write (title, why, weight, criteria, next_steps) replaces the role's, keys you
# leave out are inherited. Delete a block to inherit it unchanged, write `<id>: ~`
# to drop it, or add a new id (with title and criteria) to extend the model.
# Metric keys: tests.passed tests.failed tests.errors tests.skipped tests.duration_s
#   coverage.line_pct coverage.branch_pct coverage.patch_pct lint.score lint.errors
#   lint.warnings lint.refactors lint.conventions complexity.cc_mean complexity.cc_max
#   complexity.cc_over_10 complexity.mi_min complexity.mi_mean size.sloc size.functions
#   security.high security.medium security.low (bandit, medium confidence or more)
#   bench.<name>.median_s bench.<name>.ratio_vs_base bench.<name>.growth
competencies:
"""

_FOOTER = """
# Milestones: dated goals. `requires` = competencies with every criterion at target;
# `criteria` (optional) = extra criteria, written like the ones above.
# milestones:
#   - id: solid-tests
#     title: Core module fully tested
#     due: 2027-01-15
#     requires: [testing]

# Benchmarks: a function timed with no arguments (or with what `setup` returns).
# A target adds a criterion on bench.<name>.median_s to the `performance` competency.
# benchmarks:
#   - name: parse_log
#     call: mypackage.parser:parse
#     setup: mypackage.bench:make_input
#     target: "<= 0.050"
#   - name: dedupe                      # how the time grows with the input:
#     call: mypackage.clean:dedupe
#     setup: mypackage.bench:make_items # receives each size
#     sizes: [1000, 10000, 100000]
#     growth: "O(n)"                    # a worse fitted class is a finding
# bench_budget_s: 10     # seconds per benchmark for its base comparison (and growth fit)

cadence: {checkin_every_days: 14, review_every_days: 90}
gates: blocking          # or advisory
hook: {tests: true, bench: false, timeout_s: 120, strict: false, tags: false}
"""


def render_starter(role: str, summary: str, competencies: Sequence[Competency]) -> str:
    """The commented starter ``practicegrade.yml`` text for ``role`` (see config.starter_config)."""
    lines = [_HEADER.format(role=role, summary=summary).rstrip("\n")]
    for comp in competencies:
        lines.extend(_competency_block(comp))
    return "\n".join(lines) + "\n" + _FOOTER
