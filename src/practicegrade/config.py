"""The competence model and settings: ``practicegrade.yml`` or ``[tool.practicegrade]``.

(Skeleton: types are the contract used by grade.py; loading/validation is being built.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal


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


DEFAULT_COMPETENCIES = (
    Competency(
        id="testing",
        title="Automated testing",
        why="Tests let you change code without fear.",
        criteria=(
            Criterion("coverage.line_pct", target=">= 80", gate=None),
            Criterion("tests.failed", target="== 0", gate="== 0"),
        ),
    ),
    Competency(
        id="clarity",
        title="Readable, simple code",
        why="Code is read far more often than it is written.",
        criteria=(
            Criterion("lint.score", target=">= 8.0"),
            Criterion("complexity.cc_max", target="<= 10"),
        ),
    ),
)


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Load the config for the repository at ``root`` (skeleton: embedded default)."""
    del root, explicit
    return Config(competencies=DEFAULT_COMPETENCIES)
