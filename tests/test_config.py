"""Config loading: where it comes from, the role merge rule, and errors with file:line:key."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

import practicegrade.config as module
from practicegrade.config import (
    DEFAULT_ROLE,
    Cadence,
    Competency,
    Config,
    Criterion,
    HookSettings,
    default_config,
    load_config,
    role_model,
)
from practicegrade.errors import EXIT_USAGE, ConfigError


def write(root: Path, text: str, name: str = "practicegrade.yml") -> Path:
    path = root / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_text(root: Path, text: str) -> Config:
    write(root, text)
    return load_config(root)


def error_of(root: Path, text: str) -> ConfigError:
    write(root, text)
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert info.value.exit_code == EXIT_USAGE
    return info.value


# --------------------------------------------------------------------------- sources


def test_no_file_gives_the_embedded_default(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.path is None
    assert config.role == DEFAULT_ROLE
    assert config == default_config()
    ids = [c.id for c in config.competencies]
    assert ids == ["testing", "clarity"]
    metrics = {k.metric for c in config.competencies for k in c.criteria}
    assert {"tests.failed", "coverage.line_pct", "lint.score", "complexity.cc_max"} <= metrics
    assert config.warnings == ()


def test_default_competencies_constant_is_the_default_model() -> None:
    assert default_config().competencies == module.DEFAULT_COMPETENCIES
    with pytest.raises(AttributeError):
        _ = module.NOT_THERE


def test_full_design_example_loads(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        version: 1
        role: backend-developer
        source: [src]
        tests: [tests]
        exclude: ["**/migrations/**"]
        competencies:
          testing:
            title: Automated testing
            why: Tests let you change code without fear.
            criteria:
              - {metric: coverage.line_pct, target: ">= 85", gate: ">= 60"}
              - {metric: tests.failed,      target: "== 0",  gate: "== 0"}
          clarity:
            title: Readable, simple code
            criteria:
              - {metric: lint.score,        target: ">= 9.0", gate: ">= 6.0"}
              - {metric: complexity.cc_max, target: "<= 10"}
        milestones:
          - id: solid-tests
            title: Core module fully tested
            due: 2027-01-15
            requires: [testing]
        benchmarks:
          - name: parse_log
            call: logtool.parser:parse
            setup: logtool.bench:make_input
            target: "<= 0.050"
        cadence: {checkin_every_days: 14, review_every_days: 90}
        gates: blocking
        hook: {tests: true, timeout_s: 120, strict: false}
        """,
    )
    assert config.warnings == ()
    assert config.path == "practicegrade.yml"
    assert config.role == "backend-developer"
    assert config.source == ("src",)
    assert config.tests == ("tests",)
    assert config.exclude == ("**/migrations/**",)
    testing = next(c for c in config.competencies if c.id == "testing")
    assert testing.criteria == (
        Criterion("coverage.line_pct", ">= 85", ">= 60"),
        Criterion("tests.failed", "== 0", "== 0"),
    )
    # title replaced, next_steps inherited from the role
    assert testing.next_steps == role_model("backend-developer").competencies[0].next_steps
    assert [c.id for c in config.competencies] == [
        "testing",
        "code-quality",
        "design",
        "fast-feedback",
        "security",
        "clarity",
        "performance",
    ]
    assert config.milestones[0].due == dt.date(2027, 1, 15)
    assert config.milestones[0].requires == ("testing",)
    assert config.benchmarks[0].call == "logtool.parser:parse"
    perf = config.competencies[-1]
    assert perf.criteria == (Criterion("bench.parse_log.median_s", target="<= 0.050"),)
    assert config.cadence == Cadence(14, 90)
    assert config.hook == HookSettings(tests=True, timeout_s=120.0, strict=False)


def test_role_merge_rule(tmp_path: Path) -> None:
    base = role_model("junior-python")
    config = load_text(
        tmp_path,
        """
        role: junior-python
        competencies:
          readability:
            why: Our own reason.
          simplicity: ~
          docs:
            title: Documentation
            criteria:
              - {metric: lint.conventions, target: "<= 5"}
        """,
    )
    ids = [c.id for c in config.competencies]
    assert ids == ["testing", "readability", "security", "docs"]
    readability = config.competencies[1]
    original = next(c for c in base.competencies if c.id == "readability")
    assert readability.why == "Our own reason."
    assert readability.title == original.title
    assert readability.criteria == original.criteria
    assert readability.next_steps == original.next_steps


def test_custom_role_starts_empty(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        role: custom
        competencies:
          only:
            title: Only one
            criteria: [{metric: tests.failed, target: "== 0"}]
        """,
    )
    assert [c.id for c in config.competencies] == ["only"]
    err = error_of(tmp_path, "role: custom\n")
    assert "no competencies" in str(err)


def test_pyproject_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [project]
        name = "x"

        [tool.practicegrade]
        gates = "advisory"
        source = ["lib"]

        [tool.practicegrade.competencies.testing]
        title = "Tests"
        criteria = [{metric = "tests.failed", target = "== 0", gate = "== 0"}]

        [[tool.practicegrade.milestones]]
        id = "m1"
        due = 2027-03-01
        requires = ["testing"]
        """,
        name="pyproject.toml",
    )
    config = load_config(tmp_path)
    assert config.path == "pyproject.toml"
    assert config.gates == "advisory"
    assert config.source == ("lib",)
    assert config.competencies[0].title == "Tests"
    assert config.milestones[0].due == dt.date(2027, 3, 1)


def test_pyproject_errors_name_a_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        [project]
        name = "x"

        [tool.practicegrade]
        gates = "advisory"

        [tool.practicegrade.hook]
        tests = true
        timeout_s = "soon"
        """,
        name="pyproject.toml",
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith("pyproject.toml:9: hook.timeout_s: expected a number >= 1")


def test_pyproject_without_table_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n', name="pyproject.toml")
    assert load_config(tmp_path).path is None


def test_yml_wins_over_pyproject_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, '[tool.practicegrade]\ngates = "advisory"\n', name="pyproject.toml")
    config = load_text(tmp_path, "gates: blocking\n")
    assert config.gates == "blocking"
    assert any("pyproject.toml is ignored" in w for w in config.warnings)


def test_explicit_path(tmp_path: Path) -> None:
    other = tmp_path / "conf"
    other.mkdir()
    path = write(other, "gates: advisory\n", name="mine.yml")
    config = load_config(tmp_path, path)
    assert config.gates == "advisory"
    assert config.path == "conf/mine.yml"
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path, tmp_path / "missing.yml")
    toml = write(other, "[tool.other]\nx = 1\n", name="x.toml")
    with pytest.raises(ConfigError, match=r"no \[tool.practicegrade\] table"):
        load_config(tmp_path, toml)


def test_empty_file_is_the_default_model(tmp_path: Path) -> None:
    config = load_text(tmp_path, "# nothing yet\n")
    assert config.competencies == default_config().competencies
    assert config.path == "practicegrade.yml"


# --------------------------------------------------------------------------- errors


def test_bad_expression_message_has_file_line_key_expected_got(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        version: 1
        role: custom
        competencies:
          testing:
            title: Tests
            criteria:
              - {metric: coverage.line_pct, target: "about 85"}
        """,
    )
    assert err.message == (
        "practicegrade.yml:7: competencies.testing.criteria[0].target: expected an expression "
        'like ">= 85" (operators >=, <=, >, <, ==), got "about 85"'
    )
    assert err.hint is not None
    assert '">= 85"' in err.hint


@pytest.mark.parametrize(
    ("text", "where", "needle"),
    [
        ("version: 2\n", "practicegrade.yml:1: version", "expected version 1, got 2"),
        ('version: "1"\n', "practicegrade.yml:1: version", 'got "1"'),
        ("gates: strict\n", "practicegrade.yml:1: gates", "expected blocking or advisory"),
        ("source: src\n", "practicegrade.yml:1: source", "expected a list"),
        ("source: [/etc]\n", "practicegrade.yml:1: source[0]", "inside the repository"),
        ("tests: [../up]\n", "practicegrade.yml:1: tests[0]", "inside the repository"),
        ("hook: {tests: maybe}\n", "practicegrade.yml:1: hook.tests", "expected true or false"),
        ("hook: []\n", "practicegrade.yml:1: hook", "expected {tests"),
        ("cadence: {checkin_every_days: 1.5}\n", "cadence.checkin_every_days", "whole number"),
        ("cadence: {review_every_days: 0}\n", "cadence.review_every_days", ">= 1"),
        ("role: 7\n", "practicegrade.yml:1: role", "expected text"),
        ("competencies: [a]\n", "practicegrade.yml:1: competencies", "expected a mapping"),
        (
            "competencies:\n  testing:\n    criteria: []\n",
            "practicegrade.yml:3: competencies.testing.criteria",
            "non-empty list",
        ),
        (
            "competencies:\n  testing:\n    criteria:\n      - {target: '>= 1'}\n",
            "practicegrade.yml:4: competencies.testing.criteria[0]",
            "criterion has no metric",
        ),
        (
            "competencies:\n  testing:\n    criteria:\n      - {metric: tests.failed}\n",
            "competencies.testing.criteria[0]",
            "neither target nor gate",
        ),
        (
            "competencies:\n  testing:\n    criteria:\n      - {metric: tests.failed, target: 0}\n",
            "practicegrade.yml:4: competencies.testing.criteria[0].target",
            "got 0",
        ),
        (
            "competencies:\n  testing:\n    weight: -1\n",
            "competencies.testing.weight",
            "expected a number >= 0.01",
        ),
        (
            "competencies:\n  new-one:\n    title: New\n",
            "practicegrade.yml:2: competencies.new-one",
            "has no criteria",
        ),
        (
            "competencies:\n  bad id:\n    title: New\n",
            "competencies.bad id",
            "letters, digits",
        ),
        (
            "milestones:\n  - {id: m, due: 2027-13-01, requires: [testing]}\n",
            "practicegrade.yml:2: milestones[0].due",
            "real calendar date",
        ),
        (
            "milestones:\n  - {id: m, due: 15/01/2027, requires: [testing]}\n",
            "milestones[0].due",
            "ISO date",
        ),
        (
            "milestones:\n  - {id: m, due: 2027-01-15T10:00:00, requires: [testing]}\n",
            "milestones[0].due",
            "ISO date",
        ),
        (
            "milestones:\n  - {id: m, due: 2027-01-15}\n",
            "milestones[0]",
            "requires nothing",
        ),
        (
            "milestones:\n  - {id: m, due: 2027-01-15, requires: [testng]}\n",
            "practicegrade.yml:2: milestones[0].requires[0]",
            "did you mean 'testing'",
        ),
        (
            "milestones:\n  - {id: m, due: 2027-01-15, requires: [testing]}\n"
            "  - {id: m, due: 2027-02-15, requires: [testing]}\n",
            "practicegrade.yml:3: milestones[1]",
            "duplicate milestone id 'm'",
        ),
        (
            "benchmarks:\n  - {name: a, call: 'not a call'}\n",
            "benchmarks[0].call",
            "module:function",
        ),
        (
            "benchmarks:\n  - {name: a.b, call: m:f}\n",
            "benchmarks[0].name",
            "letters, digits",
        ),
        (
            "benchmarks:\n  - {name: a, call: m:f}\n  - {name: a, call: m:g}\n",
            "benchmarks[1]",
            "duplicate benchmark name",
        ),
    ],
)
def test_errors_name_file_line_and_key(tmp_path: Path, text: str, where: str, needle: str) -> None:
    err = error_of(tmp_path, text)
    assert where in err.message
    assert needle in err.message
    assert err.message.startswith("practicegrade.yml")
    assert err.hint, "every config error says how to fix it"


def test_gate_pointing_the_other_way_is_an_error(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        competencies:
          testing:
            criteria:
              - {metric: coverage.line_pct, target: ">= 85", gate: "<= 60"}
        """,
    )
    assert "competencies.testing.criteria[0].gate" in err.message
    assert "other way" in err.message


def test_yaml_syntax_error_has_line_and_quote_hint(tmp_path: Path) -> None:
    err = error_of(
        tmp_path,
        """
        competencies:
          testing:
            criteria:
              - metric: coverage.line_pct
                target: >= 85
        """,
    )
    assert err.message.startswith("practicegrade.yml:5: invalid YAML")
    assert err.hint is not None
    assert "quote" in err.hint


def test_python_tags_fail_cleanly_and_never_execute(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    err = error_of(
        tmp_path,
        f"""
        version: 1
        role: !!python/object/apply:os.system ["touch {marker}"]
        """,
    )
    assert err.message.startswith("practicegrade.yml:2: invalid YAML")
    assert "python/object" in err.message
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: &x [1, 2]\nb: *x\n", "aliases"),
        ("gates: blocking\ngates: advisory\n", "duplicate key 'gates'"),
        ("? [a]\n: 1\n", "keys must be text"),
        ("a: !!binary aGk=\nversion: !!set {1}\n", "expected version 1"),
    ],
)
def test_yaml_features_we_refuse(tmp_path: Path, text: str, needle: str) -> None:
    assert needle in error_of(tmp_path, text).message


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    err = error_of(tmp_path, "\n".join(lines) + "\n")
    assert "aliases" in err.message


def test_not_utf8_and_too_large(tmp_path: Path) -> None:
    (tmp_path / "practicegrade.yml").write_bytes(b"gates: \xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)
    (tmp_path / "practicegrade.yml").write_text("#" * 300_000)
    with pytest.raises(ConfigError, match="too large"):
        load_config(tmp_path)


def test_unknown_role_lists_the_roles(tmp_path: Path) -> None:
    err = error_of(tmp_path, "role: junior-pyhton\n")
    assert err.message.startswith("practicegrade.yml:1: role: unknown role 'junior-pyhton'")
    assert "did you mean 'junior-python'" in err.message
    assert err.hint is not None
    for name in ("junior-python", "backend-developer", "data-engineer", "devops-sre"):
        assert name in err.hint


# --------------------------------------------------------------------------- warnings


def test_unknown_keys_warn_with_did_you_mean(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        versoin: 1
        competencies:
          testing:
            critera: []
            criteria:
              - {metric: coverage.line_pct, target: ">= 80", gaet: ">= 1"}
        hook: {timeout: 5}
        """,
    )
    assert config.warnings == (
        "practicegrade.yml:1: versoin: unknown key (ignored); did you mean 'version'?",
        "practicegrade.yml:4: competencies.testing.critera: unknown key (ignored); "
        "did you mean 'criteria'?",
        "practicegrade.yml:6: competencies.testing.criteria[0].gaet: unknown key (ignored); "
        "did you mean 'gate'?",
        "practicegrade.yml:7: hook.timeout: unknown key (ignored); did you mean 'timeout_s'?",
    )


def test_a_criterion_on_an_unknown_metric_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_text(
            tmp_path,
            """
            competencies:
              testing:
                title: Testing
                criteria:
                  - {metric: tests.failed, gate: "== 0"}
                  - {metric: coverage.lines_pct, gate: ">= 60"}
            """,
        )
    message = str(info.value)
    assert info.value.exit_code == EXIT_USAGE
    assert "practicegrade.yml:6: competencies.testing.criteria[1].metric" in message
    assert 'unknown metric "coverage.lines_pct"' in message
    assert "did you mean 'coverage.line_pct'?" in message


def test_the_metric_check_reads_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from practicegrade import metrics  # noqa: PLC0415

    text = """
        competencies:
          safety:
            title: Safety
            criteria: [{metric: review.open_threads, gate: "== 0"}]
        """
    with pytest.raises(ConfigError):
        load_text(tmp_path, text)
    info = metrics.MetricInfo("open review threads", "count", "lower")
    monkeypatch.setattr(metrics, "METRICS", {**metrics.METRICS, "review.open_threads": info})
    assert load_text(tmp_path, text).warnings == ()


def test_benchmark_metrics_of_undeclared_benchmarks_warn(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        benchmarks:
          - {name: parse, call: "m:f"}
        competencies:
          speed:
            title: Speed
            criteria:
              - {metric: bench.parse.median_s, target: "<= 1"}
              - {metric: bench.parse.ratio_vs_base, target: "<= 1.1"}
              - {metric: bench.other.median_s, target: "<= 1"}
        """,
    )
    assert len(config.warnings) == 1
    assert "benchmark 'other', which is not declared" in config.warnings[0]


def test_gate_stricter_than_target_warns(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        competencies:
          testing:
            criteria: [{metric: coverage.line_pct, target: ">= 80", gate: ">= 90"}]
        """,
    )
    assert len(config.warnings) == 1
    assert "stricter than target" in config.warnings[0]


def test_benchmark_target_keeps_an_explicit_criterion(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        benchmarks:
          - {name: parse, call: "m:f", target: "<= 0.5"}
        competencies:
          performance:
            title: Speed
            criteria: [{metric: bench.parse.median_s, target: "<= 0.2", gate: "<= 1"}]
        """,
    )
    perf = next(c for c in config.competencies if c.id == "performance")
    assert perf.criteria == (Criterion("bench.parse.median_s", "<= 0.2", "<= 1"),)


def test_settings_keys(tmp_path: Path) -> None:
    config = load_text(tmp_path, "test_timeout_s: 90\nbench_factor: 1.2\nhook: {tags: true}\n")
    assert config.test_timeout_s == 90.0
    assert config.bench_factor == 1.2
    assert config.hook.tags is True
    assert config.hook.tests is True
    assert config.coverage.project_settings is True


def test_coverage_project_settings_can_be_switched_off(tmp_path: Path) -> None:
    config = load_text(tmp_path, "coverage: {project_settings: false}\n")
    assert config.coverage.project_settings is False
    with pytest.raises(ConfigError, match=r"coverage.project_settings"):
        load_text(tmp_path, "coverage: {project_settings: sometimes}\n")


def test_benchmark_sizes_growth_budget_and_hook_bench(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        bench_budget_s: 4
        hook: {bench: true}
        benchmarks:
          - name: dedupe
            call: app.core:dedupe
            setup: app.bench:make
            sizes: [10000, 1000, 100000]
            growth: "O(n)"
        """,
    )
    assert config.bench_budget_s == 4.0
    assert config.hook.bench is True
    (bench,) = config.benchmarks
    assert bench.sizes == (1000, 10000, 100000)
    assert bench.growth == "n"
    assert load_text(tmp_path, "version: 1\n").hook.bench is False
    assert load_text(tmp_path, "version: 1\n").bench_budget_s == 10.0


@pytest.mark.parametrize(
    ("entry", "where", "what"),
    [
        ("sizes: 1000", "benchmarks[0].sizes", "a list of input sizes"),
        ("sizes: [1000, 1000]", "benchmarks[0].sizes", "at least two different sizes"),
        ("sizes: [1, 1000]", "benchmarks[0].sizes[0]", "a whole number >= 2"),
        ("sizes: [10, 100]\n    growth: O(2^n)", "benchmarks[0].growth", "one of O(1)"),
        ('growth: "O(n)"', "benchmarks[0].growth", "growth needs sizes"),
    ],
)
def test_benchmark_growth_errors_name_the_key(
    tmp_path: Path, entry: str, where: str, what: str
) -> None:
    error = error_of(tmp_path, f"benchmarks:\n  - name: b\n    call: app:f\n    {entry}\n")
    assert where in str(error)
    assert what in str(error)


def test_config_types_are_frozen() -> None:
    comp = Competency("a", "A")
    with pytest.raises(AttributeError):
        comp.id = "b"  # type: ignore[misc]


def _with_lines(data: object) -> object:
    """``data`` with the line numbers the loaders record, for an exact comparison."""
    from practicegrade.configsource import YList, YMap  # noqa: PLC0415

    if isinstance(data, YMap):
        return (
            "map",
            data.line,
            dict(data.key_lines),
            {k: _with_lines(v) for k, v in data.items()},
        )
    if isinstance(data, YList):
        return ("list", data.line, list(data.item_lines), [_with_lines(v) for v in data])
    return (type(data).__name__, data)


def test_built_in_roles_parse_the_same_in_c_as_in_python() -> None:
    from practicegrade.configsource import parse_trusted_yaml, parse_yaml  # noqa: PLC0415

    for name in module.role_names():
        text = module.role_source(name)
        assert _with_lines(parse_trusted_yaml(text, name)) == _with_lines(parse_yaml(text, name))


# --------------------------------------------------------------------------- ratchets


def test_a_ratchet_criterion_loads_with_its_tolerance(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        version: 1
        role: custom
        competencies:
          testing:
            title: Tests
            criteria:
              - {metric: coverage.line_pct, ratchet: base, tolerance: 1.0}
              - {metric: lint.score, target: ">= 9", ratchet: best}
        """,
    )
    first, second = config.competencies[0].criteria
    assert (first.ratchet, first.tolerance, first.target, first.gate) == ("base", 1.0, None, None)
    assert (second.ratchet, second.tolerance) == ("best", 0.0)


def test_a_ratchet_must_be_base_or_best(tmp_path: Path) -> None:
    error = error_of(
        tmp_path,
        """
        version: 1
        role: custom
        competencies:
          testing:
            title: Tests
            criteria:
              - {metric: coverage.line_pct, ratchet: always}
        """,
    )
    assert "ratchet must be base or best" in str(error)


def test_built_in_roles_hold_coverage_to_the_base_within_a_point() -> None:
    from practicegrade.config import role_model  # noqa: PLC0415

    crit = next(
        k
        for c in role_model("backend-developer").competencies
        for k in c.criteria
        if k.metric == "coverage.line_pct"
    )
    assert (crit.ratchet, crit.tolerance) == ("base", 1.0)
