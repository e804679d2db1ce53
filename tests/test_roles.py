"""Built-in competence models: complete, valid, and their starter files load back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from practicegrade.config import (
    METRICS,
    list_roles,
    load_config,
    role_model,
    starter_config,
)
from practicegrade.errors import ConfigError
from practicegrade.expr import parse
from practicegrade.roles import role_names, role_source

REQUIRED = ("junior-python", "backend-developer", "data-engineer", "devops-sre")
ROLES = role_names()


def test_required_roles_exist_with_one_line_summaries() -> None:
    listed = dict(list_roles())
    assert set(REQUIRED) <= set(listed)
    assert next(iter(listed)) == "default"
    for name, summary in listed.items():
        assert summary, name
        assert "\n" not in summary
        assert len(summary) <= 120, name


@pytest.mark.parametrize("name", ROLES)
def test_role_is_complete_and_valid(name: str) -> None:
    model = role_model(name)
    assert model.warnings == (), "built-in roles must load without warnings"
    assert model.role == name
    assert len(model.competencies) >= 2
    for comp in model.competencies:
        assert comp.title, comp.id
        assert comp.why, comp.id
        assert comp.criteria, comp.id
        assert len(comp.next_steps) >= 1, comp.id
        for step in comp.next_steps:
            assert step[0].isupper(), step
            assert step.endswith("."), step
            assert len(step) <= 100, f"next steps are learner-sized: {step!r}"
        for crit in comp.criteria:
            assert crit.metric in METRICS, crit.metric
            assert crit.target is not None
            parse(crit.target)
            if crit.gate is not None:
                parse(crit.gate)
    metrics = {c.metric for comp in model.competencies for c in comp.criteria}
    assert {"tests.failed", "coverage.line_pct", "lint.score", "complexity.cc_max"} <= metrics
    gates = [c for comp in model.competencies for c in comp.criteria if c.gate]
    assert any(c.metric == "tests.failed" for c in gates), "failing tests are always gated"


@pytest.mark.parametrize("name", ROLES)
def test_role_file_is_plain_yaml(name: str) -> None:
    data = yaml.safe_load(role_source(name))
    assert data["version"] == 1
    assert isinstance(data["summary"], str)


@pytest.mark.parametrize("name", ROLES)
def test_starter_config_loads_back_to_the_role(tmp_path: Path, name: str) -> None:
    text = starter_config(name)
    assert text.startswith("# practicegrade.yml")
    (tmp_path / "practicegrade.yml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path)
    model = role_model(name)
    assert config.warnings == ()
    assert config.role == name
    assert config.competencies == model.competencies
    assert config.gates == "blocking"
    assert config.milestones == ()
    assert config.path == "practicegrade.yml"


def test_starter_config_comments_explain_the_keys() -> None:
    text = starter_config("backend-developer")
    for needle in ("# milestones:", "# benchmarks:", "target:", "gate:", "advisory", "`<id>: ~`"):
        assert needle in text


def test_starter_commented_examples_are_valid_when_uncommented(tmp_path: Path) -> None:
    text = starter_config("junior-python")
    lines = []
    in_examples = False
    keys = ("# milestones:", "# benchmarks:", "# source:", "# tests:", "# exclude:")
    for line in text.splitlines():
        in_examples = in_examples or line.startswith("# milestones:")
        uncomment = line.startswith(keys) or (in_examples and line.startswith("#   "))
        lines.append(line[2:] if uncomment else line)
    (tmp_path / "practicegrade.yml").write_text("\n".join(lines), encoding="utf-8")
    config = load_config(tmp_path)
    assert config.milestones[0].id == "solid-tests"
    assert config.benchmarks[0].name == "parse_log"
    assert config.source == ("src",)
    assert config.competencies[-1].id == "performance"


def test_unknown_role_lists_the_roles() -> None:
    with pytest.raises(ConfigError) as info:
        starter_config("frontend")
    assert "unknown role 'frontend'" in info.value.message
    assert info.value.hint is not None
    for name in REQUIRED:
        assert name in info.value.hint
