"""The competence model and settings: ``practicegrade.yml`` or ``[tool.practicegrade]``.

Where it comes from, first match wins: ``--config FILE`` (YAML, or a ``.toml`` file's
``[tool.practicegrade]`` table); ``practicegrade.yml`` at the repository root;
``[tool.practicegrade]`` in ``pyproject.toml``; else the embedded default model
(``roles/default.yml``), so grading works in any Python repo with zero set-up.

``role:`` names a built-in model to start from (absent: ``default``; ``custom``:
start from nothing). The file's ``competencies`` then apply **by id**: an id the role
has is overridden key by key (each key you write, ``title``, ``why``, ``weight``,
``criteria``, ``next_steps``, replaces the role's whole value; keys you leave out are
inherited); a new id extends the model (it needs ``title`` and ``criteria``); ``id: ~``
(null) drops the role's competency. Role order is kept, new ids follow in file order.
A benchmark with a ``target`` becomes a criterion on ``bench.<name>.median_s`` in the
``performance`` competency (created if needed) unless a criterion already names it.

Everything from the file is data: YAML is read with a safe loader (no tags that build
objects, no aliases, bounded nesting), files found in the repository must be its own (a
symlink resolving outside it is refused; ``--config`` may point anywhere), every read
is bounded, and every problem raises :class:`ConfigError` naming the file,
line, key, what was expected and how to fix it. Unknown keys only warn
(``Config.warnings``), with a "did you mean"; a criterion on an unknown metric is an
error (its gate would be silently dropped).

Reading the file with line numbers is :mod:`practicegrade.configsource`; the place of a
value and the checks every field shares are :mod:`practicegrade.configfields`; the
metric keys are :mod:`practicegrade.metrics`. This module holds the model, its sections
and where the config comes from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from practicegrade import expr
from practicegrade.configfields import (
    At,
    Context,
    as_bool,
    as_date,
    as_expression,
    as_mapping,
    as_number,
    as_rel_paths,
    as_str_list,
    as_text,
    did_you_mean,
    require_keys,
    show,
    warn_unknown_keys,
)
from practicegrade.configsource import (
    MAX_CONFIG_BYTES,
    inside,
    parse_pyproject,
    parse_trusted_yaml,
    parse_yaml,
    read_text,
)
from practicegrade.errors import ConfigError
from practicegrade.growth import class_names, parse_class
from practicegrade.metrics import METRICS, MetricInfo, bench_name, metric_info
from practicegrade.roles import render_starter, role_names, role_source

__all__ = [  # the metric catalogue and the file cap live apart, but are still imported from here
    "CONFIG_FILE",
    "CUSTOM_ROLE",
    "DEFAULT_ROLE",
    "MAX_CONFIG_BYTES",
    "METRICS",
    "PYPROJECT",
    "Benchmark",
    "Cadence",
    "Competency",
    "Config",
    "Criterion",
    "HookSettings",
    "MetricInfo",
    "Milestone",
    "bench_name",
    "builtin_next_steps",
    "default_config",
    "iter_criteria",
    "list_roles",
    "load_config",
    "metric_direction",
    "metric_info",
    "role_model",
    "starter_config",
]

CONFIG_FILE = "practicegrade.yml"
PYPROJECT = "pyproject.toml"
DEFAULT_ROLE = "default"
CUSTOM_ROLE = "custom"


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Criterion:
    metric: str
    target: str | None = None
    gate: str | None = None
    weight: float = 1.0
    ratchet: Literal["base", "best"] | None = None
    """A gate that moves: no worse than the base (``base``) or the best grade in the history
    (``best``), give or take ``tolerance``; the stricter of it and ``gate`` applies."""
    tolerance: float = 0.0


@dataclass(frozen=True, slots=True)
class Competency:
    id: str
    title: str
    why: str = ""
    criteria: tuple[Criterion, ...] = ()
    weight: float = 1.0
    next_steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Milestone:
    id: str
    title: str
    due: dt.date
    requires: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()


@dataclass(frozen=True, slots=True)
class Benchmark:
    name: str
    call: str
    setup: str | None = None
    target: str | None = None
    sizes: tuple[int, ...] = ()
    """Input sizes passed to ``setup``; the growth class is fitted over them."""
    growth: str | None = None
    """The expected class (``growth: "O(n)"`` -> ``n``); a worse fit is a finding."""


@dataclass(frozen=True, slots=True)
class Cadence:
    checkin_every_days: int = 14
    review_every_days: int = 90


@dataclass(frozen=True, slots=True)
class HookSettings:
    tests: bool = True
    bench: bool = False
    timeout_s: float = 120.0
    strict: bool = False
    tags: bool = False


@dataclass(frozen=True, slots=True)
class CoverageSettings:
    project_settings: bool = True
    """Honour the project's coverage.py settings (``source``, ``omit``, exclusions)."""


@dataclass(frozen=True, slots=True)
class Config:
    competencies: tuple[Competency, ...]
    version: int = 1
    role: str = "default"
    source: tuple[str, ...] | None = None
    """``None``: auto-detect."""
    tests: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    benchmarks: tuple[Benchmark, ...] = ()
    cadence: Cadence = Cadence()
    gates: Literal["blocking", "advisory"] = "blocking"
    hook: HookSettings = HookSettings()
    coverage: CoverageSettings = CoverageSettings()
    test_timeout_s: float = 600.0
    bench_factor: float = 1.10
    baseline: str | None = None
    """The commit a progress review measures from (default: the first graded commit)."""
    bench_budget_s: float = 10.0
    """Seconds one benchmark's base comparison (and growth fit) may take."""
    path: str | None = None
    """The file the config came from; ``None`` for the embedded default."""
    warnings: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- sections

_TOP_KEYS = (
    "version",
    "role",
    "source",
    "tests",
    "exclude",
    "competencies",
    "milestones",
    "benchmarks",
    "cadence",
    "gates",
    "hook",
    "coverage",
    "test_timeout_s",
    "bench_factor",
    "baseline",
    "bench_budget_s",
)
_ROLE_KEYS = ("version", "summary", "competencies")
_COMPETENCY_KEYS = ("title", "why", "criteria", "weight", "next_steps")
_CRITERION_KEYS = ("metric", "target", "gate", "weight", "ratchet", "tolerance")
_MILESTONE_KEYS = ("id", "title", "due", "requires", "criteria")
_BENCH_KEYS = ("name", "call", "setup", "target", "sizes", "growth")
_CADENCE_KEYS = ("checkin_every_days", "review_every_days")
_HOOK_KEYS = ("tests", "bench", "timeout_s", "strict", "tags")
_COVERAGE_KEYS = ("project_settings",)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_CALL = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def _known_metric(metric: str, at: At, benches: Sequence[str]) -> None:
    """Refuse a metric the catalogue does not know: its gate could never fail or pass.

    A misspelt key (``coverage.lines_pct``) used to warn and drop the criterion, and a
    grade with a dropped gate passes: so it is a configuration error with a "did you
    mean". The catalogue (:func:`practicegrade.metrics.metric_info`) decides, so keys a
    collector adds there are valid here without a list to keep in step. A benchmark key
    naming a benchmark not declared under ``benchmarks:`` only warns: pytest-benchmark
    benchmarks are found when the tests run, not in this file.
    """
    bench = bench_name(metric)
    if metric_info(metric) is not None and (bench is None or bench in benches):
        return
    choices = [*METRICS, *(f"bench.{b}.median_s" for b in benches)]
    if metric_info(metric) is not None:
        at.warn(
            f"metric {metric!r} names benchmark {bench!r}, which is not declared under "
            f"benchmarks:{did_you_mean(metric, choices)}"
        )
        return
    raise at.problem(
        f"unknown metric {show(metric)}: no collector measures it{did_you_mean(metric, choices)}",
        hint="use a metric key from the list in the README (e.g. coverage.line_pct, "
        "tests.failed, lint.score), or bench.<name>.median_s for a declared benchmark",
    )


def _criterion(raw: object, at: At, benches: Sequence[str]) -> Criterion:
    """One ``{metric, target, gate, weight}``; it needs a target, a gate or both."""
    data = as_mapping(raw, at, 'a criterion like {metric: coverage.line_pct, target: ">= 85"}')
    warn_unknown_keys(data, at, _CRITERION_KEYS)
    require_keys(
        data, at, ("metric",), what="criterion", hint="add metric: <key>, e.g. coverage.line_pct"
    )
    metric = as_text(data["metric"], at.key(data, "metric"), example="coverage.line_pct")
    _known_metric(metric, at.key(data, "metric"), benches)
    target = as_expression(data["target"], at.key(data, "target")) if "target" in data else None
    gate = as_expression(data["gate"], at.key(data, "gate")) if "gate" in data else None
    ratchet = _ratchet(data, at)
    if target is None and gate is None and ratchet is None:
        raise at.problem(
            "criterion has neither target nor gate",
            hint='add target: ">= 85" (where to head) and/or gate: ">= 60" (the floor), '
            "or ratchet: base (no worse than the base)",
        )
    if target is not None and gate is not None:
        _check_gate_vs_target(target, gate, at.key(data, "gate"))
    if ratchet is not None and target is None and gate is None and metric_direction(metric) is None:
        raise at.problem(
            f"ratchet on {metric!r} needs a direction",
            hint='add target: (e.g. ">= 85") so that "no worse" has a meaning',
        )
    weight = 1.0
    if "weight" in data:
        weight = as_number(data["weight"], at.key(data, "weight"), minimum=0.01, example="1.5")
    tolerance = 0.0
    if "tolerance" in data:
        tolerance = as_number(
            data["tolerance"], at.key(data, "tolerance"), minimum=0.0, example="1.0"
        )
    return Criterion(
        metric,
        target.text if target else None,
        gate.text if gate else None,
        weight,
        ratchet,
        tolerance,
    )


def _ratchet(data: Mapping[str, object], at: At) -> Literal["base", "best"] | None:
    """``ratchet: base`` or ``ratchet: best``; anything else is a configuration error."""
    if "ratchet" not in data:
        return None
    value = data["ratchet"]
    if value == "base":
        return "base"
    if value == "best":
        return "best"
    raise at.key(data, "ratchet").problem(
        f"ratchet must be base or best, not {value!r}",
        hint="ratchet: base (no worse than the base) or ratchet: best (no worse than the best "
        "grade in the history)",
    )


def metric_direction(metric: str) -> Literal["higher", "lower"] | None:
    """Which way the catalogue says ``metric`` improves."""
    info = metric_info(metric)
    better = info.better if info else None
    return better if better in ("higher", "lower") else None


def _check_gate_vs_target(target: expr.Expr, gate: expr.Expr, at: At) -> None:
    """A gate is the floor below the target: opposite directions fail, a stricter gate warns."""
    directions = {target.direction, gate.direction} - {"exact"}
    if len(directions) > 1:
        raise at.problem(
            f"gate {gate.text!r} points the other way from target {target.text!r}",
            hint='use the same direction, e.g. target: ">= 85" with gate: ">= 60"',
        )
    stricter = (gate.direction == "higher" and gate.threshold > target.threshold) or (
        gate.direction == "lower" and gate.threshold < target.threshold
    )
    if stricter:
        at.warn(
            f"gate {gate.text!r} is stricter than target {target.text!r}: the gate is the "
            "floor, the target where the mentee is heading"
        )


def _criteria(raw: object, at: At, benches: Sequence[str]) -> tuple[Criterion, ...]:
    """A non-empty list of criteria; a metric named twice only warns."""
    if not isinstance(raw, list) or not raw:
        raise at.fail(
            'a non-empty list of criteria, e.g. [{metric: tests.failed, target: "== 0"}]', raw
        )
    result = tuple(_criterion(item, at.item(raw, i), benches) for i, item in enumerate(raw))
    seen: set[str] = set()
    for i, crit in enumerate(result):
        if crit.metric in seen:
            at.item(raw, i).warn(f"metric {crit.metric!r} appears twice in this list")
        seen.add(crit.metric)
    return result


def _competency_patch(raw: object, at: At, benches: Sequence[str]) -> dict[str, object]:
    """The keys a file writes for one competency, validated (not yet merged)."""
    data = as_mapping(raw, at, "a competency: {title: ..., why: ..., criteria: [...]}")
    warn_unknown_keys(data, at, _COMPETENCY_KEYS)
    patch: dict[str, object] = {}
    if "title" in data:
        patch["title"] = as_text(data["title"], at.key(data, "title"), example="Automated testing")
    if "why" in data:
        why = data["why"]
        patch["why"] = (
            "" if why is None else as_text(why, at.key(data, "why"), example="a sentence")
        )
    if "criteria" in data:
        patch["criteria"] = _criteria(data["criteria"], at.key(data, "criteria"), benches)
    if "weight" in data:
        patch["weight"] = as_number(
            data["weight"], at.key(data, "weight"), minimum=0.01, example="2"
        )
    if "next_steps" in data:
        patch["next_steps"] = as_str_list(
            data["next_steps"],
            at.key(data, "next_steps"),
            example='["Write one test per public function."]',
        )
    return patch


def _competencies(
    raw: object, at: At, base: Sequence[Competency], benches: Sequence[str]
) -> tuple[Competency, ...]:
    """The role's competencies with the file's merged in by id (module docstring)."""
    data = as_mapping(raw, at, "a mapping of competency id -> {title, why, criteria}")
    merged: dict[str, Competency] = {c.id: c for c in base}
    for cid, value in data.items():
        where = at.key(data, cid)
        if not _ID.match(cid):
            raise where.problem(
                f"competency id {cid!r} must be letters, digits, '-' or '_'",
                hint="rename it, e.g. testing or code-quality",
            )
        if value is None:
            if cid not in merged:
                where.warn(f"competency {cid!r} is null but the role has no such id")
            merged.pop(cid, None)
            continue
        patch = _competency_patch(value, where, benches)
        if cid in merged:
            merged[cid] = dataclasses.replace(merged[cid], **patch)  # type: ignore[arg-type]
        else:
            merged[cid] = _new_competency(cid, patch, where)
    return tuple(merged.values())


def _new_competency(cid: str, patch: Mapping[str, object], at: At) -> Competency:
    """A competency the role does not have: nothing to inherit, so it must be complete."""
    for required, example in (
        ("title", "title: Automated testing"),
        ("criteria", 'criteria: [{metric: tests.failed, target: "== 0"}]'),
    ):
        if required not in patch:
            raise at.problem(f"new competency {cid!r} has no {required}", hint=f"add {example}")
    return Competency(id=cid, **patch)  # type: ignore[arg-type]


def _milestone(raw: object, at: At, known: Sequence[str], benches: Sequence[str]) -> Milestone:
    """One milestone: a due date and what must be met by then (competencies, criteria)."""
    data = as_mapping(raw, at, "a milestone: {id, title, due, requires}")
    warn_unknown_keys(data, at, _MILESTONE_KEYS)
    require_keys(
        data,
        at,
        ("id", "due"),
        what="milestone",
        hint="a milestone needs id, title, due (YYYY-MM-DD) and requires",
    )
    mid = as_text(data["id"], at.key(data, "id"), example="solid-tests")
    title = as_text(data.get("title", mid), at.key(data, "title"), example="Core module tested")
    due = as_date(data["due"], at.key(data, "due"))
    requires: tuple[str, ...] = ()
    if "requires" in data:
        requires = as_str_list(data["requires"], at.key(data, "requires"), example="[testing]")
        for i, cid in enumerate(requires):
            if cid not in known:
                raise (
                    at.key(data, "requires")
                    .item(data["requires"], i)
                    .problem(
                        f"requires unknown competency {cid!r}{did_you_mean(cid, known)}",
                        hint=f"competencies in this model: {', '.join(known) or '(none)'}",
                    )
                )
    criteria: tuple[Criterion, ...] = ()
    if "criteria" in data:
        criteria = _criteria(data["criteria"], at.key(data, "criteria"), benches)
    if not requires and not criteria:
        raise at.problem(
            f"milestone {mid!r} requires nothing",
            hint="add requires: [<competency id>] and/or criteria: [...]",
        )
    return Milestone(mid, title, due, requires, criteria)


def _unique(ids: Sequence[str], at: At, raw: object, what: str) -> None:
    """Refuse a repeated name: results and metric keys are looked up by it."""
    seen: set[str] = set()
    for i, name in enumerate(ids):
        if name in seen:
            raise at.item(raw, i).problem(
                f"duplicate {what} {name!r}", hint=f"give each {what} its own name"
            )
        seen.add(name)


def _milestones(
    raw: object, at: At, known: Sequence[str], benches: Sequence[str]
) -> tuple[Milestone, ...]:
    """The milestone list, ids unique; ``known``: the model's competency ids."""
    if not isinstance(raw, list):
        raise at.fail("a list of milestones", raw)
    result = tuple(_milestone(item, at.item(raw, i), known, benches) for i, item in enumerate(raw))
    _unique([m.id for m in result], at, raw, "milestone id")
    return result


def _benchmark(raw: object, at: At) -> Benchmark:
    """One benchmark: ``call`` (and ``setup``) as ``module:function``; its name keys a metric."""
    data = as_mapping(raw, at, "a benchmark: {name, call, setup, target}")
    warn_unknown_keys(data, at, _BENCH_KEYS)
    require_keys(
        data,
        at,
        ("name", "call"),
        what="benchmark",
        hint="a benchmark needs name: and call: package.module:function",
    )
    name = as_text(data["name"], at.key(data, "name"), example="parse_log")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise at.key(data, "name").fail(
            "a name of letters, digits, '_' or '-'",
            name,
            hint="it becomes the metric key bench.<name>.median_s",
        )
    calls: list[str | None] = []
    for key in ("call", "setup"):
        if key not in data or (key == "setup" and data[key] is None):
            calls.append(None)
            continue
        value = as_text(data[key], at.key(data, key), example="logtool.parser:parse")
        if not _CALL.match(value):
            raise at.key(data, key).fail("module:function, e.g. logtool.parser:parse", value)
        calls.append(value)
    target = (
        as_expression(data["target"], at.key(data, "target")).text if "target" in data else None
    )
    sizes, growth = _growth_keys(data, at)
    return Benchmark(name, calls[0] or "", calls[1], target, sizes, growth)


def _growth_keys(data: Mapping[str, object], at: At) -> tuple[tuple[int, ...], str | None]:
    """``sizes`` (at least two distinct whole numbers >= 2) and ``growth`` (a class we fit;
    it needs ``sizes``)."""
    sizes: tuple[int, ...] = ()
    if "sizes" in data:
        where = at.key(data, "sizes")
        raw = data["sizes"]
        if not isinstance(raw, list):
            raise where.fail("a list of input sizes, e.g. [1000, 10000, 100000]", raw)
        sizes = tuple(
            int(as_number(v, where.item(raw, i), minimum=2, example="1000", integer=True))
            for i, v in enumerate(raw)
        )
        if len(set(sizes)) < 2:
            raise where.problem(
                "a growth fit needs at least two different sizes",
                hint="write e.g. sizes: [1000, 10000, 100000]",
            )
        sizes = tuple(sorted(set(sizes)))
    growth = None
    if "growth" in data:
        where = at.key(data, "growth")
        text = as_text(data["growth"], where, example='"O(n)"')
        growth = parse_class(text)
        if growth is None:
            names = ", ".join(f"O({c})" for c in class_names())
            raise where.fail(f"one of {names}", text, hint='write e.g. growth: "O(n)"')
        if not sizes:
            raise where.problem(
                "growth needs sizes: the class is fitted over several input sizes",
                hint="add sizes: [1000, 10000, 100000]; setup then receives each size",
            )
    return sizes, growth


def _benchmarks(raw: object, at: At) -> tuple[Benchmark, ...]:
    """The benchmark list, names unique (each becomes ``bench.<name>.*``)."""
    if not isinstance(raw, list):
        raise at.fail("a list of benchmarks", raw)
    result = tuple(_benchmark(item, at.item(raw, i)) for i, item in enumerate(raw))
    _unique([b.name for b in result], at, raw, "benchmark name")
    return result


def _cadence(raw: object, at: At) -> Cadence:
    """How often to check in and review, in whole days."""
    data = as_mapping(raw, at, "{checkin_every_days: 14, review_every_days: 90}")
    warn_unknown_keys(data, at, _CADENCE_KEYS)
    values = {
        key: int(as_number(data[key], at.key(data, key), minimum=1, example="14", integer=True))
        for key in _CADENCE_KEYS
        if key in data
    }
    return Cadence(**values)


def _hook(raw: object, at: At) -> HookSettings:
    """The pre-push hook's settings; keys left out keep :class:`HookSettings`' defaults."""
    data = as_mapping(raw, at, "{tests: true, timeout_s: 120, strict: false}")
    warn_unknown_keys(data, at, _HOOK_KEYS)
    hook = HookSettings()
    for key in ("tests", "bench", "strict", "tags"):
        if key in data:
            hook = dataclasses.replace(hook, **{key: as_bool(data[key], at.key(data, key))})
    if "timeout_s" in data:
        timeout = as_number(data["timeout_s"], at.key(data, "timeout_s"), minimum=1, example="120")
        hook = dataclasses.replace(hook, timeout_s=timeout)
    return hook


def _coverage(raw: object, at: At) -> CoverageSettings:
    """How coverage is measured: ``project_settings: false`` ignores the project's own."""
    data = as_mapping(raw, at, "{project_settings: true}")
    warn_unknown_keys(data, at, _COVERAGE_KEYS)
    if "project_settings" not in data:
        return CoverageSettings()
    return CoverageSettings(
        project_settings=as_bool(data["project_settings"], at.key(data, "project_settings"))
    )


def _gates(raw: object, at: At) -> Literal["blocking", "advisory"]:
    """Whether a failed gate fails push and CI (``blocking``) or only warns (``advisory``)."""
    if raw == "blocking":
        return "blocking"
    if raw == "advisory":
        return "advisory"
    raise at.problem(
        f"expected blocking or advisory, got {show(raw)}"
        f"{did_you_mean(str(raw), ['blocking', 'advisory'])}",
        hint="gates: blocking (a failed gate fails push and CI) or gates: advisory (only warns)",
    )


def _version(raw: object, at: At) -> int:
    """Only version 1: a newer file may mean things this practicegrade would misread."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw == 1:
        return 1
    raise at.fail(
        "version 1",
        raw,
        hint="write version: 1 (this practicegrade reads version 1; "
        "a newer file needs a newer practicegrade: pip install -U practicegrade)",
    )


def _bench_criteria(
    competencies: tuple[Competency, ...], benchmarks: Sequence[Benchmark]
) -> tuple[Competency, ...]:
    """Give each benchmark target a criterion (module docstring), in ``performance``."""
    named = {c.metric for comp in competencies for c in comp.criteria}
    extra = tuple(
        Criterion(f"bench.{b.name}.median_s", target=b.target)
        for b in benchmarks
        if b.target is not None and f"bench.{b.name}.median_s" not in named
    )
    if not extra:
        return competencies
    by_id = {c.id: c for c in competencies}
    perf = by_id.get("performance") or Competency(
        id="performance",
        title="Fast enough code",
        why="Knowing how fast the code is, and keeping it there, is part of owning it.",
    )
    perf = dataclasses.replace(perf, criteria=perf.criteria + extra)
    if "performance" in by_id:
        return tuple(perf if c.id == "performance" else c for c in competencies)
    return (*competencies, perf)


# --------------------------------------------------------------------------- building


def _settings(data: Mapping[str, object], at: At) -> dict[str, object]:
    """The plain settings (paths, cadence, gates, hook, timeouts), validated."""
    settings: dict[str, object] = {}
    for key, example in (("source", "[src]"), ("tests", "[tests]")):
        if key in data:
            settings[key] = as_rel_paths(data[key], at.key(data, key), example=example)
    if "exclude" in data:
        settings["exclude"] = as_rel_paths(
            data["exclude"], at.key(data, "exclude"), example='["**/migrations/**"]', globs=True
        )
    if "baseline" in data:
        settings["baseline"] = as_text(
            data["baseline"], at.key(data, "baseline"), example="3f2a9c1 (a commit)"
        )
    parsers = {"cadence": _cadence, "gates": _gates, "hook": _hook, "coverage": _coverage}
    for key, parse in parsers.items():
        if key in data:
            settings[key] = parse(data[key], at.key(data, key))
    numbers = (
        ("test_timeout_s", 1.0, "600"),
        ("bench_factor", 1.0, "1.10"),
        ("bench_budget_s", 1.0, "10"),
    )
    for key, minimum, example in numbers:
        if key in data:
            settings[key] = as_number(
                data[key], at.key(data, key), minimum=minimum, example=example
            )
    return settings


def _base(
    data: Mapping[str, object], at: At, *, is_role: bool
) -> tuple[str, tuple[Competency, ...]]:
    """The role named in the file (``default`` when absent) and its competencies."""
    if is_role:
        return DEFAULT_ROLE, ()
    role = DEFAULT_ROLE
    if "role" in data:
        role = as_text(data["role"], at.key(data, "role"), example="junior-python")
    if role == CUSTOM_ROLE:
        return role, ()
    return role, _role_model(role, at.key(data, "role")).competencies


def _build(raw: object, ctx: Context, *, path: str | None, is_role: bool = False) -> Config:
    """The validated :class:`Config` for one parsed file (a role file when ``is_role``)."""
    at = At(ctx, "", getattr(raw, "line", None))
    data = as_mapping({} if raw is None else raw, at, "a mapping of settings (version: 1, ...)")
    warn_unknown_keys(data, at, _ROLE_KEYS if is_role else _TOP_KEYS)
    version = _version(data["version"], at.key(data, "version")) if "version" in data else 1
    role, competencies = _base(data, at, is_role=is_role)
    benchmarks: tuple[Benchmark, ...] = ()
    if "benchmarks" in data:
        benchmarks = _benchmarks(data["benchmarks"], at.key(data, "benchmarks"))
    benches = [b.name for b in benchmarks]
    if "competencies" in data:
        where = at.key(data, "competencies")
        competencies = _competencies(data["competencies"], where, competencies, benches)
    competencies = _bench_criteria(competencies, benchmarks)
    if not competencies:
        raise at.problem(
            "the model has no competencies",
            hint="add competencies:, or start from a built-in role (role: junior-python)",
        )
    settings = _settings(data, at)
    if "milestones" in data:
        known = [c.id for c in competencies]
        where = at.key(data, "milestones")
        settings["milestones"] = _milestones(data["milestones"], where, known, benches)
    return Config(
        competencies=competencies,
        version=version,
        role=role,
        benchmarks=benchmarks,
        path=path,
        warnings=tuple(ctx.warnings),
        **settings,  # type: ignore[arg-type]
    )


def _shown(path: Path, root: Path) -> str:
    """The path as messages show it: relative to the repository when it is inside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _load_file(path: Path, root: Path, *, toml: bool) -> Config:
    """Read, parse and validate one config file."""
    shown = _shown(path, root)
    text = read_text(path, shown)
    raw = parse_pyproject(text, shown, required=True) if toml else parse_yaml(text, shown)
    return _build(raw, Context(shown), path=shown)


def _own(root: Path, name: str) -> Path:
    """``root / name``; when it exists (a symlink too, even a broken one) it must be the
    repository's own: resolved inside ``root`` and a regular file (module docstring)."""
    path = root / name
    if not path.is_symlink() and not path.exists():
        return path
    real = inside(path, root, name)
    if not real.is_file():
        raise ConfigError(
            f"{name}: not a regular file", hint=f"commit {name} as a file, or remove it"
        )
    return real


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The config for the repository at ``root`` (see the module docstring for the order)."""
    if explicit is not None:
        return _load_file(explicit, root, toml=explicit.suffix == ".toml")
    yml = _own(root, CONFIG_FILE)
    pyproject = _own(root, PYPROJECT)
    if yml.is_file():
        config = _load_file(yml, root, toml=False)
        if pyproject.is_file() and "[tool.practicegrade" in read_text(pyproject, PYPROJECT):
            note = (
                f"{CONFIG_FILE}: used; [tool.practicegrade] in {PYPROJECT} is ignored (remove one)"
            )
            config = dataclasses.replace(config, warnings=(*config.warnings, note))
        return config
    if pyproject.is_file():
        text = read_text(pyproject, PYPROJECT)
        raw = parse_pyproject(text, PYPROJECT, required=False)
        if raw is not None:
            return _build(raw, Context(PYPROJECT), path=PYPROJECT)
    return default_config()


# --------------------------------------------------------------------------- built-in roles


def _role_model(name: str, at: At | None = None) -> Config:
    """A built-in role's model; an unknown name errors at ``at`` (the ``role:`` key) if given."""
    names = role_names()
    if name not in names:
        message = f"unknown role {name!r}{did_you_mean(name, names)}"
        hint = f"built-in roles: {', '.join(names)} (or role: custom with your own competencies)"
        if at is not None:
            raise at.problem(message, hint=hint)
        raise ConfigError(message, hint=hint)
    return _builtin(name)


_ROLE_CACHE: dict[str, Config] = {}


def _builtin(name: str) -> Config:
    """A built-in role, validated once per process (roles never change while it runs)."""
    if name not in _ROLE_CACHE:
        shown = f"practicegrade/roles/{name}.yml"
        raw = parse_trusted_yaml(role_source(name), shown)
        config = _build(raw, Context(shown), path=None, is_role=True)
        _ROLE_CACHE[name] = dataclasses.replace(config, role=name)
    return _ROLE_CACHE[name]


def _summary(name: str) -> str:
    """A role's one-line ``summary:``, for ``practicegrade roles`` and the starter file."""
    raw = parse_trusted_yaml(role_source(name), name)
    summary = raw.get("summary") if isinstance(raw, Mapping) else None
    return summary.strip() if isinstance(summary, str) else ""


def default_config() -> Config:
    """The embedded default model, used when the repository has no config."""
    return _builtin(DEFAULT_ROLE)


def role_model(name: str) -> Config:
    """A built-in role's model as a config; unknown name -> :class:`ConfigError` listing roles."""
    return _role_model(name)


def list_roles() -> list[tuple[str, str]]:
    """Built-in models as ``(name, one-line summary)``, the default first."""
    return [(name, _summary(name)) for name in role_names()]


def starter_config(role: str) -> str:
    """A commented ``practicegrade.yml`` for ``practicegrade init --role ROLE``.

    It writes the role's competencies out (so they can be edited in place) and loads
    back, through :func:`load_config`, to exactly the role's model.
    """
    model = _role_model(role)
    return render_starter(role, _summary(role), model.competencies)


def builtin_next_steps() -> frozenset[str]:
    """Every next step written in a built-in role: trusted wording, safe to show as prose."""
    return frozenset(
        step
        for name in role_names()
        for comp in _builtin(name).competencies
        for step in comp.next_steps
    )


def iter_criteria(config: Config) -> Iterator[tuple[Competency, Criterion]]:
    """Every (competency, criterion) pair of the model, in order."""
    for comp in config.competencies:
        for crit in comp.criteria:
            yield comp, crit


def __getattr__(name: str) -> tuple[Competency, ...]:
    """``DEFAULT_COMPETENCIES``: the default model's competencies, loaded on first use."""
    if name == "DEFAULT_COMPETENCIES":
        return default_config().competencies
    raise AttributeError(name)
