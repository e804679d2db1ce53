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
objects, no aliases), and every problem raises :class:`ConfigError` naming the file,
line, key, what was expected and how to fix it. Unknown keys and unknown metric keys
only warn (``Config.warnings``), with a "did you mean".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

import tomllib
import yaml

from practicegrade import expr
from practicegrade.errors import ConfigError
from practicegrade.roles import render_starter, role_names, role_source

CONFIG_FILE = "practicegrade.yml"
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 256 * 1024
DEFAULT_ROLE = "default"
CUSTOM_ROLE = "custom"


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Criterion:
    metric: str
    target: str | None = None
    gate: str | None = None
    weight: float = 1.0


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


@dataclass(frozen=True, slots=True)
class Cadence:
    checkin_every_days: int = 14
    review_every_days: int = 90


@dataclass(frozen=True, slots=True)
class HookSettings:
    tests: bool = True
    timeout_s: float = 120.0
    strict: bool = False
    tags: bool = False


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
    test_timeout_s: float = 600.0
    bench_factor: float = 1.10
    path: str | None = None
    """The file the config came from; ``None`` for the embedded default."""
    warnings: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- metric keys


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a metric key means: a label for prose, its unit and its good direction."""

    label: str
    unit: Literal["count", "%", "/10", "s", "cc", "mi", "x"]
    better: Literal["higher", "lower"] | None


METRICS: Mapping[str, MetricInfo] = {
    "tests.passed": MetricInfo("passing tests", "count", "higher"),
    "tests.failed": MetricInfo("failing tests", "count", "lower"),
    "tests.errors": MetricInfo("test errors", "count", "lower"),
    "tests.skipped": MetricInfo("skipped tests", "count", "lower"),
    "tests.duration_s": MetricInfo("test run time", "s", "lower"),
    "coverage.line_pct": MetricInfo("line coverage", "%", "higher"),
    "coverage.branch_pct": MetricInfo("branch coverage", "%", "higher"),
    "coverage.patch_pct": MetricInfo("coverage of changed lines", "%", "higher"),
    "lint.score": MetricInfo("pylint score", "/10", "higher"),
    "lint.errors": MetricInfo("pylint errors", "count", "lower"),
    "lint.warnings": MetricInfo("pylint warnings", "count", "lower"),
    "lint.refactors": MetricInfo("pylint refactor messages", "count", "lower"),
    "lint.conventions": MetricInfo("pylint convention messages", "count", "lower"),
    "complexity.cc_mean": MetricInfo("mean cyclomatic complexity", "cc", "lower"),
    "complexity.cc_max": MetricInfo("highest cyclomatic complexity", "cc", "lower"),
    "complexity.cc_over_10": MetricInfo("functions above complexity 10", "count", "lower"),
    "complexity.mi_min": MetricInfo("lowest maintainability index", "mi", "higher"),
    "complexity.mi_mean": MetricInfo("mean maintainability index", "mi", "higher"),
    "size.sloc": MetricInfo("source lines of code", "count", None),
    "size.functions": MetricInfo("functions", "count", None),
}
_BENCH_METRIC = re.compile(
    r"^bench\.(?P<name>[A-Za-z_][A-Za-z0-9_-]*)\.(?P<kind>median_s|ratio_vs_base)$"
)
_BENCH_INFO = {
    "median_s": MetricInfo("benchmark median time", "s", "lower"),
    "ratio_vs_base": MetricInfo("benchmark time relative to base", "x", "lower"),
}


def metric_info(key: str) -> MetricInfo | None:
    """The catalogue entry for ``key`` (``bench.<name>.*`` included), else ``None``."""
    if key in METRICS:
        return METRICS[key]
    match = _BENCH_METRIC.match(key)
    return _BENCH_INFO[match.group("kind")] if match else None


def bench_name(key: str) -> str | None:
    """``parse`` for ``bench.parse.median_s``; ``None`` for other keys."""
    match = _BENCH_METRIC.match(key)
    return match.group("name") if match else None


# --------------------------------------------------------------------------- YAML with lines


class _YMap(dict[str, object]):
    """A mapping from the file that remembers the line of each key."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines = {}


class _YList(list[object]):
    """A sequence from the file that remembers the line of each item."""

    line: int | None = None
    item_lines: list[int]

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines = []


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records lines, refuses aliases and duplicate keys, keeps dates raw.

    Aliases are refused because ``*ref`` chains can expand exponentially once walked
    (billion laughs); dates stay strings so ``due`` can insist on ISO ``YYYY-MM-DD``.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not supported here", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_ymap(self, node: yaml.MappingNode) -> _YMap:
        self.flatten_mapping(node)
        result = _YMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"keys must be text, found {key!r}", key_node.start_mark
                )
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_ylist(self, node: yaml.SequenceNode) -> _YList:
        result = _YList(node.start_mark.line + 1)
        for child in node.value:
            result.append(self.construct_object(child, deep=True))
            result.item_lines.append(child.start_mark.line + 1)
        return result

    def construct_raw_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_ymap)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_ylist)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_raw_timestamp)


def _yaml_hint(problem: str) -> str:
    if "block scalar" in problem or "'>'" in problem or "cannot start any token" in problem:
        return 'quote expressions: target: ">= 85" (a bare > or | starts a YAML block)'
    if "constructor" in problem or "tag" in problem:
        return "remove the !!tag: practicegrade.yml holds plain data only"
    if "alias" in problem:
        return "write the value out instead of using &anchor / *alias"
    if "duplicate key" in problem:
        return "each key may appear once per mapping; merge the two entries"
    return "check the indentation and quoting around that line (YAML is strict about both)"


def _parse_yaml(text: str, shown: str) -> object:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _yaml_hint(f"{exc.context} {exc.problem}")
        raise ConfigError(f"{shown}{line}: invalid YAML: {problem}", hint=hint) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: invalid YAML: {exc}", hint=_yaml_hint(str(exc))) from None


# --------------------------------------------------------------------------- TOML with lines

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _toml_key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


class _TomlLines:
    """Best-effort line numbers for ``[tool.practicegrade]`` keys (tomllib keeps none).

    The line is that of ``key =`` inside the most specific table header that encloses
    the key, else that header's own line: always a line the user can jump to.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, tuple[str, ...]]] = []
        for number, line in enumerate(self.lines, start=1):
            match = _TOML_HEADER.match(line)
            if match:
                self.headers.append((number, _toml_key_parts(match.group(1))))

    def line_of(self, keys: Sequence[str]) -> int | None:
        full = ("tool", "practicegrade", *keys)
        best: tuple[int, int] | None = None  # (prefix length, header index)
        for index, (_, parts) in enumerate(self.headers):
            if full[: len(parts)] == parts and (best is None or len(parts) > best[0]):
                best = (len(parts), index)
        if best is None:
            return None
        length, index = best
        start = self.headers[index][0]
        end = self.headers[index + 1][0] if index + 1 < len(self.headers) else len(self.lines) + 1
        if length < len(full):
            key = re.escape(full[length])
            pattern = re.compile(rf"^\s*[\"']?{key}[\"']?\s*(=|\.)")
            for number in range(start + 1, end):
                if pattern.match(self.lines[number - 1]):
                    return number
        return start


def _toml_tree(value: object, lines: _TomlLines, keys: tuple[str, ...]) -> object:
    """tomllib's plain values -> the same line-aware containers the YAML loader makes."""
    if isinstance(value, dict):
        ymap = _YMap(lines.line_of(keys))
        for key, child in value.items():
            ymap[key] = _toml_tree(child, lines, (*keys, key))
            child_line = lines.line_of((*keys, key))
            if child_line is not None:
                ymap.key_lines[key] = child_line
        return ymap
    if isinstance(value, list):
        ylist = _YList(lines.line_of(keys))
        for child in value:
            ylist.append(_toml_tree(child, lines, keys))
            ylist.item_lines.append(ylist.line or 0)
        return ylist
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _parse_pyproject(text: str, shown: str, *, required: bool) -> object | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{shown}: invalid TOML: {exc}", hint="fix the TOML syntax at that line"
        ) from None
    table = (
        data.get("tool", {}).get("practicegrade") if isinstance(data.get("tool"), dict) else None
    )
    if table is None:
        if required:
            raise ConfigError(
                f"{shown}: no [tool.practicegrade] table",
                hint="add a [tool.practicegrade] table, or point --config at a practicegrade.yml",
            )
        return None
    return _toml_tree(table, _TomlLines(text), ())


# --------------------------------------------------------------------------- validation


_MISSING = object()


@dataclass(slots=True)
class _Ctx:
    shown: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _At:
    """Where a value sits: the file, the dotted key path and the line."""

    ctx: _Ctx
    path: str
    line: int | None

    def key(self, mapping: object, key: str) -> _At:
        line = mapping.key_lines.get(key) if isinstance(mapping, _YMap) else None
        path = f"{self.path}.{key}" if self.path else key
        return _At(self.ctx, path, line or self.line)

    def item(self, seq: object, index: int) -> _At:
        line = None
        if isinstance(seq, _YList) and index < len(seq.item_lines):
            line = seq.item_lines[index] or None
        return _At(self.ctx, f"{self.path}[{index}]", line or self.line)

    def where(self) -> str:
        line = f":{self.line}" if self.line else ""
        return f"{self.ctx.shown}{line}: {self.path or '(top level)'}"

    def fail(
        self, expected: str, got: object = _MISSING, *, hint: str | None = None
    ) -> ConfigError:
        """The error for a value that is not what was ``expected`` (raise it)."""
        tail = "" if got is _MISSING else f", got {_show(got)}"
        if hint is None:
            hint = f"change {self.path or 'the file'} to {expected}"
        return ConfigError(f"{self.where()}: expected {expected}{tail}", hint=hint)

    def problem(self, message: str, *, hint: str | None = None) -> ConfigError:
        """The error for any other problem at this place (raise it)."""
        return ConfigError(f"{self.where()}: {message}", hint=hint)

    def warn(self, message: str) -> None:
        self.ctx.warnings.append(f"{self.where()}: {message}")


def _show(value: object) -> str:
    """A short, escaped rendering of a config value for an error message."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 62 else text[:60] + '…"'
    if value is None or isinstance(value, bool):
        return {None: "nothing (null)", True: "true", False: "false"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)) and not value:
        return "an empty list"
    kinds = ((Mapping, "a mapping"), ((list, tuple), "a list"))
    return next(
        (name for kind, name in kinds if isinstance(value, kind)), f"a {type(value).__name__}"
    )


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _mapping(value: object, at: _At, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise at.fail(what, value)
    return value


def _known_keys(raw: Mapping[str, object], at: _At, allowed: Sequence[str]) -> None:
    for key in raw:
        if key not in allowed:
            at.key(raw, key).warn(f"unknown key (ignored){_did_you_mean(key, allowed)}")


def _text(value: object, at: _At, *, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise at.fail(f"text, e.g. {example}", value)
    return value.strip()


def _number(
    value: object, at: _At, *, minimum: float, example: str, integer: bool = False
) -> float:
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < minimum:  # type: ignore[arg-type]
        kind = "a whole number" if integer else "a number"
        key = at.path.rsplit(".", 1)[-1]
        raise at.fail(f"{kind} >= {minimum:g}", value, hint=f"write e.g. {key}: {example}")
    return float(value)  # type: ignore[arg-type]


def _bool(value: object, at: _At) -> bool:
    if not isinstance(value, bool):
        raise at.fail("true or false", value)
    return value


def _str_list(value: object, at: _At, *, example: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise at.fail(f"a list, e.g. {example}", value)
    return tuple(_text(item, at.item(value, i), example=example) for i, item in enumerate(value))


def _rel_paths(value: object, at: _At, *, example: str, globs: bool = False) -> tuple[str, ...]:
    items = _str_list(value, at, example=example)
    for i, item in enumerate(items):
        posix = PurePosixPath(item.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts or re.match(r"^[A-Za-z]:", item):
            raise at.item(value, i).fail(
                "a path inside the repository (relative, no '..')",
                item,
                hint="paths are relative to the repository root, e.g. src",
            )
        if not globs and any(ch in item for ch in "*?["):
            raise at.item(value, i).fail(
                "a folder or file path, not a pattern", item, hint="patterns belong in exclude:"
            )
    return items


def _expression(value: object, at: _At) -> expr.Expr:
    hint = 'write it as a quoted string: ">= 85", "<= 10" or "== 0"'
    if not isinstance(value, str):
        raise at.fail('an expression like ">= 85" (operators >=, <=, >, <, ==)', value, hint=hint)
    try:
        return expr.parse(value)
    except expr.ExprError as exc:
        raise ConfigError(f"{at.where()}: {exc}", hint=hint) from None


def _iso_date(value: object, at: _At) -> dt.date:
    hint = "write the date as YYYY-MM-DD, e.g. due: 2027-01-15"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise at.fail("a real calendar date (YYYY-MM-DD)", value, hint=hint) from None
    raise at.fail("an ISO date YYYY-MM-DD", value, hint=hint)


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
    "test_timeout_s",
    "bench_factor",
)
_ROLE_KEYS = ("version", "summary", "competencies")
_COMPETENCY_KEYS = ("title", "why", "criteria", "weight", "next_steps")
_CRITERION_KEYS = ("metric", "target", "gate", "weight")
_MILESTONE_KEYS = ("id", "title", "due", "requires", "criteria")
_BENCH_KEYS = ("name", "call", "setup", "target")
_CADENCE_KEYS = ("checkin_every_days", "review_every_days")
_HOOK_KEYS = ("tests", "timeout_s", "strict", "tags")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_CALL = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def _known_metric(metric: str, at: _At, benches: Sequence[str]) -> None:
    bench = bench_name(metric)
    if bench is not None and bench in benches:
        return
    if metric in METRICS:
        return
    choices = [*METRICS, *(f"bench.{b}.median_s" for b in benches)]
    if bench is not None:
        at.warn(
            f"metric {metric!r} names benchmark {bench!r}, which is not declared under "
            f"benchmarks:{_did_you_mean(metric, choices)}"
        )
    else:
        at.warn(f"unknown metric {metric!r} (never measured){_did_you_mean(metric, choices)}")


def _criterion(raw: object, at: _At, benches: Sequence[str]) -> Criterion:
    data = _mapping(raw, at, 'a criterion like {metric: coverage.line_pct, target: ">= 85"}')
    _known_keys(data, at, _CRITERION_KEYS)
    if "metric" not in data:
        raise at.problem(
            "criterion has no metric", hint="add metric: <key>, e.g. coverage.line_pct"
        )
    metric = _text(data["metric"], at.key(data, "metric"), example="coverage.line_pct")
    _known_metric(metric, at.key(data, "metric"), benches)
    target = _expression(data["target"], at.key(data, "target")) if "target" in data else None
    gate = _expression(data["gate"], at.key(data, "gate")) if "gate" in data else None
    if target is None and gate is None:
        raise at.problem(
            "criterion has neither target nor gate",
            hint='add target: ">= 85" (where to head) and/or gate: ">= 60" (the floor)',
        )
    if target is not None and gate is not None:
        _check_gate_vs_target(target, gate, at.key(data, "gate"))
    weight = 1.0
    if "weight" in data:
        weight = _number(data["weight"], at.key(data, "weight"), minimum=0.01, example="1.5")
    return Criterion(metric, target.text if target else None, gate.text if gate else None, weight)


def _check_gate_vs_target(target: expr.Expr, gate: expr.Expr, at: _At) -> None:
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


def _criteria(raw: object, at: _At, benches: Sequence[str]) -> tuple[Criterion, ...]:
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


def _competency_patch(raw: object, at: _At, benches: Sequence[str]) -> dict[str, object]:
    """The keys a file writes for one competency, validated (not yet merged)."""
    data = _mapping(raw, at, "a competency: {title: ..., why: ..., criteria: [...]}")
    _known_keys(data, at, _COMPETENCY_KEYS)
    patch: dict[str, object] = {}
    if "title" in data:
        patch["title"] = _text(data["title"], at.key(data, "title"), example="Automated testing")
    if "why" in data:
        why = data["why"]
        patch["why"] = "" if why is None else _text(why, at.key(data, "why"), example="a sentence")
    if "criteria" in data:
        patch["criteria"] = _criteria(data["criteria"], at.key(data, "criteria"), benches)
    if "weight" in data:
        patch["weight"] = _number(data["weight"], at.key(data, "weight"), minimum=0.01, example="2")
    if "next_steps" in data:
        patch["next_steps"] = _str_list(
            data["next_steps"],
            at.key(data, "next_steps"),
            example='["Write one test per public function."]',
        )
    return patch


def _competencies(
    raw: object, at: _At, base: Sequence[Competency], benches: Sequence[str]
) -> tuple[Competency, ...]:
    data = _mapping(raw, at, "a mapping of competency id -> {title, why, criteria}")
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
            continue
        for required, example in (
            ("title", "title: Automated testing"),
            ("criteria", 'criteria: [{metric: tests.failed, target: "== 0"}]'),
        ):
            if required not in patch:
                raise where.problem(
                    f"new competency {cid!r} has no {required}", hint=f"add {example}"
                )
        merged[cid] = Competency(id=cid, **patch)  # type: ignore[arg-type]
    return tuple(merged.values())


def _milestone(raw: object, at: _At, known: Sequence[str], benches: Sequence[str]) -> Milestone:
    data = _mapping(raw, at, "a milestone: {id, title, due, requires}")
    _known_keys(data, at, _MILESTONE_KEYS)
    for required in ("id", "due"):
        if required not in data:
            raise at.problem(
                f"milestone has no {required}",
                hint="a milestone needs id, title, due (YYYY-MM-DD) and requires",
            )
    mid = _text(data["id"], at.key(data, "id"), example="solid-tests")
    title = _text(data.get("title", mid), at.key(data, "title"), example="Core module tested")
    due = _iso_date(data["due"], at.key(data, "due"))
    requires: tuple[str, ...] = ()
    if "requires" in data:
        requires = _str_list(data["requires"], at.key(data, "requires"), example="[testing]")
        for i, cid in enumerate(requires):
            if cid not in known:
                raise (
                    at.key(data, "requires")
                    .item(data["requires"], i)
                    .problem(
                        f"requires unknown competency {cid!r}{_did_you_mean(cid, known)}",
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


def _unique(ids: Sequence[str], at: _At, raw: object, what: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(ids):
        if name in seen:
            raise at.item(raw, i).problem(
                f"duplicate {what} {name!r}", hint=f"give each {what} its own name"
            )
        seen.add(name)


def _milestones(
    raw: object, at: _At, known: Sequence[str], benches: Sequence[str]
) -> tuple[Milestone, ...]:
    if not isinstance(raw, list):
        raise at.fail("a list of milestones", raw)
    result = tuple(_milestone(item, at.item(raw, i), known, benches) for i, item in enumerate(raw))
    _unique([m.id for m in result], at, raw, "milestone id")
    return result


def _benchmark(raw: object, at: _At) -> Benchmark:
    data = _mapping(raw, at, "a benchmark: {name, call, setup, target}")
    _known_keys(data, at, _BENCH_KEYS)
    for required in ("name", "call"):
        if required not in data:
            raise at.problem(
                f"benchmark has no {required}",
                hint="a benchmark needs name: and call: package.module:function",
            )
    name = _text(data["name"], at.key(data, "name"), example="parse_log")
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
        value = _text(data[key], at.key(data, key), example="logtool.parser:parse")
        if not _CALL.match(value):
            raise at.key(data, key).fail("module:function, e.g. logtool.parser:parse", value)
        calls.append(value)
    target = _expression(data["target"], at.key(data, "target")).text if "target" in data else None
    return Benchmark(name, calls[0] or "", calls[1], target)


def _benchmarks(raw: object, at: _At) -> tuple[Benchmark, ...]:
    if not isinstance(raw, list):
        raise at.fail("a list of benchmarks", raw)
    result = tuple(_benchmark(item, at.item(raw, i)) for i, item in enumerate(raw))
    _unique([b.name for b in result], at, raw, "benchmark name")
    return result


def _cadence(raw: object, at: _At) -> Cadence:
    data = _mapping(raw, at, "{checkin_every_days: 14, review_every_days: 90}")
    _known_keys(data, at, _CADENCE_KEYS)
    values = {
        key: int(_number(data[key], at.key(data, key), minimum=1, example="14", integer=True))
        for key in _CADENCE_KEYS
        if key in data
    }
    return Cadence(**values)


def _hook(raw: object, at: _At) -> HookSettings:
    data = _mapping(raw, at, "{tests: true, timeout_s: 120, strict: false}")
    _known_keys(data, at, _HOOK_KEYS)
    hook = HookSettings()
    for key in ("tests", "strict", "tags"):
        if key in data:
            hook = dataclasses.replace(hook, **{key: _bool(data[key], at.key(data, key))})
    if "timeout_s" in data:
        timeout = _number(data["timeout_s"], at.key(data, "timeout_s"), minimum=1, example="120")
        hook = dataclasses.replace(hook, timeout_s=timeout)
    return hook


def _gates(raw: object, at: _At) -> Literal["blocking", "advisory"]:
    if raw == "blocking":
        return "blocking"
    if raw == "advisory":
        return "advisory"
    raise at.problem(
        f"expected blocking or advisory, got {_show(raw)}"
        f"{_did_you_mean(str(raw), ['blocking', 'advisory'])}",
        hint="gates: blocking (a failed gate fails push and CI) or gates: advisory (only warns)",
    )


def _version(raw: object, at: _At) -> int:
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


def _settings(data: Mapping[str, object], at: _At) -> dict[str, object]:
    """The plain settings (paths, cadence, gates, hook, timeouts), validated."""
    settings: dict[str, object] = {}
    for key, example in (("source", "[src]"), ("tests", "[tests]")):
        if key in data:
            settings[key] = _rel_paths(data[key], at.key(data, key), example=example)
    if "exclude" in data:
        settings["exclude"] = _rel_paths(
            data["exclude"], at.key(data, "exclude"), example='["**/migrations/**"]', globs=True
        )
    parsers = {"cadence": _cadence, "gates": _gates, "hook": _hook}
    for key, parse in parsers.items():
        if key in data:
            settings[key] = parse(data[key], at.key(data, key))
    for key, minimum, example in (("test_timeout_s", 1.0, "600"), ("bench_factor", 1.0, "1.10")):
        if key in data:
            settings[key] = _number(data[key], at.key(data, key), minimum=minimum, example=example)
    return settings


def _base(
    data: Mapping[str, object], at: _At, *, is_role: bool
) -> tuple[str, tuple[Competency, ...]]:
    """The role named in the file (``default`` when absent) and its competencies."""
    if is_role:
        return DEFAULT_ROLE, ()
    role = DEFAULT_ROLE
    if "role" in data:
        role = _text(data["role"], at.key(data, "role"), example="junior-python")
    if role == CUSTOM_ROLE:
        return role, ()
    return role, _role_model(role, at.key(data, "role")).competencies


def _build(raw: object, ctx: _Ctx, *, path: str | None, is_role: bool = False) -> Config:
    at = _At(ctx, "", getattr(raw, "line", None))
    data = _mapping({} if raw is None else raw, at, "a mapping of settings (version: 1, ...)")
    _known_keys(data, at, _ROLE_KEYS if is_role else _TOP_KEYS)
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


def _read(path: Path, shown: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{shown}: {size} bytes is too large for a config file",
                hint=f"keep it under {MAX_CONFIG_BYTES // 1024} KiB",
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file", hint="check the --config path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8 text", hint="save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(
            f"{shown}: cannot read: {exc.strerror}", hint="check the file's permissions"
        ) from None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _load_file(path: Path, root: Path, *, toml: bool) -> Config:
    shown = _shown(path, root)
    text = _read(path, shown)
    raw = _parse_pyproject(text, shown, required=True) if toml else _parse_yaml(text, shown)
    return _build(raw, _Ctx(shown), path=shown)


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The config for the repository at ``root`` (see the module docstring for the order)."""
    if explicit is not None:
        return _load_file(explicit, root, toml=explicit.suffix == ".toml")
    yml = root / CONFIG_FILE
    pyproject = root / PYPROJECT
    if yml.is_file():
        config = _load_file(yml, root, toml=False)
        if pyproject.is_file() and "[tool.practicegrade" in _read(pyproject, PYPROJECT):
            note = (
                f"{CONFIG_FILE}: used; [tool.practicegrade] in {PYPROJECT} is ignored (remove one)"
            )
            config = dataclasses.replace(config, warnings=(*config.warnings, note))
        return config
    if pyproject.is_file():
        text = _read(pyproject, PYPROJECT)
        raw = _parse_pyproject(text, PYPROJECT, required=False)
        if raw is not None:
            return _build(raw, _Ctx(PYPROJECT), path=PYPROJECT)
    return default_config()


# --------------------------------------------------------------------------- built-in roles


def _role_model(name: str, at: _At | None = None) -> Config:
    names = role_names()
    if name not in names:
        message = f"unknown role {name!r}{_did_you_mean(name, names)}"
        hint = f"built-in roles: {', '.join(names)} (or role: custom with your own competencies)"
        if at is not None:
            raise at.problem(message, hint=hint)
        raise ConfigError(message, hint=hint)
    return _builtin(name)


_ROLE_CACHE: dict[str, Config] = {}


def _builtin(name: str) -> Config:
    if name not in _ROLE_CACHE:
        shown = f"practicegrade/roles/{name}.yml"
        raw = _parse_yaml(role_source(name), shown)
        config = _build(raw, _Ctx(shown), path=None, is_role=True)
        _ROLE_CACHE[name] = dataclasses.replace(config, role=name)
    return _ROLE_CACHE[name]


def _summary(name: str) -> str:
    raw = _parse_yaml(role_source(name), name)
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
