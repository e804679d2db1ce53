"""Security findings end to end: a real grade with bandit, compared with its base.

A learner's change adds ``subprocess.run(..., shell=True)``, ``pickle.loads`` on input
and a hard-coded password to a project graded as a backend developer: the gate on
``security.high`` fails, each new finding is a suggestion that says why it matters and
what to write instead, a finding fixed by the change is praised, ``# nosec`` is shown,
and ``lint.sarif`` carries bandit's results with their CWE tags.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from practicegrade.grade import GradeRequest, grade
from practicegrade.model import Report, SecurityIssue, plain
from practicegrade.render.sarif import sarif_log
from practicegrade.security_advice import ADVICE, GENERIC, advice_for
from practicegrade.securityfeedback import false_alarm, placeholder_secret
from tests.helpers.repos import SAMPLE_PROJECT, commit_files, init_repo

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)

BASE_CODE = """
import hashlib


def digest(data):
    return hashlib.md5(data).hexdigest()
"""

HEAD_CODE = """
import pickle
import subprocess

PASSWORD = "hunter2"


def run(command):
    return subprocess.run(command, shell=True, check=False)


def load(blob):
    return pickle.loads(blob)


def quiet(command):
    return subprocess.call(command, shell=True)  # nosec B602


def join(parts, sep_token="|"):
    return sep_token.join(parts)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = init_repo(
        tmp_path_factory.mktemp("sec") / "repo",
        {
            **SAMPLE_PROJECT,
            "practicegrade.yml": "version: 1\nrole: backend-developer\n",
            "src/calc/store.py": BASE_CODE,
        },
    )
    commit_files(root, {"src/calc/store.py": HEAD_CODE}, "store things", branch="feature")
    outcome = grade(
        GradeRequest(path=root, now=NOW, run_bench=False, run_tests=False, write_artifacts=False)
    )
    assert outcome.exit_code == 1, "the gate on security.high fails the grade"
    return outcome.report


@pytest.mark.slow
def test_metrics_comparison_and_the_gate(graded: Report) -> None:
    assert graded.metrics["security.high"] == 1.0  # shell=True (the nosec'd one is hidden)
    assert graded.metrics["security.medium"] == 1.0  # pickle.loads
    assert graded.metrics["security.low"] >= 2.0  # the password, the imports
    assert graded.security is not None
    assert graded.security.suppressed == 1
    assert graded.comparison is not None
    new = {i.test_id for i in graded.comparison.new_security}
    assert {"B602", "B301", "B105"} <= new
    assert {i.test_id for i in graded.comparison.fixed_security} == {"B324"}
    assert graded.evaluation is not None
    failed = [
        (comp.id, crit.metric)
        for comp in graded.evaluation.competencies
        for crit in comp.criteria
        if crit.gate_failed
    ]
    assert ("security", "security.high") in failed


@pytest.mark.slow
def test_each_suggestion_says_why_and_the_safe_alternative(graded: Report) -> None:
    suggestions = [f for f in graded.feedback if f.category == "suggestion"]
    by_step = {plain(f.next_step or ()): f for f in suggestions}
    shell = next(s for s in by_step if "argument list" in s)
    assert shell.startswith("At src/calc/store.py:8, pass an argument list and no shell")
    assert "CWE-78" in plain(by_step[shell].text)
    assert by_step[shell].competency == "security"
    pickle = next(f for s, f in by_step.items() if "json.loads" in s)
    assert "whoever wrote the data" in plain(pickle.text)
    password = next(f for s, f in by_step.items() if "os.environ" in s)
    assert plain(password.text).startswith("New in this change: bandit B105 (low severity)")
    steps = [plain(f.next_step or ()) for f in suggestions]
    assert len(steps) == len(set(steps)), "no next step repeats"
    assert graded.comparison is not None
    assert "B107" in {i.test_id for i in graded.comparison.new_security}, "bandit saw `|`"
    assert not any("B107" in plain(f.text) for f in suggestions), "a separator is no secret"
    blockers = [plain(f.text) for f in graded.feedback if f.category == "blocker"]
    assert any("high-severity security findings" in b for b in blockers)
    praise = [plain(f.text) for f in graded.feedback if f.category == "praise"]
    assert any("This change fixes bandit B324 in" in p for p in praise)
    observed = [plain(f.text) for f in graded.feedback if f.category == "observed"]
    assert "1 bandit finding is hidden with # nosec comments." in observed


@pytest.mark.slow
def test_sarif_has_bandit_results_with_cwe_tags(graded: Report) -> None:
    log = sarif_log(graded)
    pylint_run, bandit_run = log["runs"]
    assert pylint_run["tool"]["driver"]["name"] == "pylint"
    driver = bandit_run["tool"]["driver"]
    assert driver["name"] == "bandit"
    rules = {r["id"]: r for r in driver["rules"]}
    assert "external/cwe/cwe-78" in rules["B602"]["properties"]["tags"]
    assert rules["B602"]["properties"]["security-severity"] == "7.5"
    assert "argument list" in rules["B602"]["help"]["text"]
    result = next(r for r in bandit_run["results"] if r["ruleId"] == "B602")
    assert result["level"] == "error"
    assert result["properties"]["tags"] == ["security", "external/cwe/cwe-78"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert rules[result["ruleId"]] is driver["rules"][result["ruleIndex"]]
    assert len(bandit_run["results"]) == len(graded.security.issues)  # type: ignore[union-attr]
    json.dumps(log)  # plain JSON values throughout


def test_every_advice_is_a_sentence_part_and_unknown_tests_fall_back() -> None:
    assert advice_for("B999") is GENERIC
    for test_id, advice in ADVICE.items():
        assert test_id.startswith("B")
        for text in (advice.why, advice.instead):
            assert text
            assert not text.endswith("."), text


def test_default_model_reports_findings_it_does_not_grade(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {**SAMPLE_PROJECT, "src/calc/store.py": HEAD_CODE})
    report = grade(
        GradeRequest(path=root, now=NOW, run_bench=False, run_tests=False, write_artifacts=False)
    ).report
    texts = [plain(f.text) for f in report.feedback if f.category == "suggestion"]
    assert any(t.startswith("bandit B602 (high severity) at src/calc/store.py:8") for t in texts)
    password = next(f for f in report.feedback if "B105" in plain(f.text))
    assert "os.environ" in plain(password.next_step or ())
    assert "security issue.." not in " ".join(texts)
    assert not any("B403" in t or "B404" in t for t in texts), "import notes are not steps"


@pytest.mark.parametrize(
    ("value", "code", "placeholder"),
    [
        ("", 'password = ""', True),
        ("rc", 'def bump(prerelease_token="rc"):', True),
        ("<", 'sep_token = "<"', True),
        ("admin", 'password = "admin"', False),
        ("s3cr3t-t0ken-value", 'token = "s3cr3t-t0ken-value"', False),
        ("hunter2", 'DB_PASSWD = "hunter2"', False),
    ],
)
def test_a_placeholder_is_no_hardcoded_password(value: str, code: str, placeholder: bool) -> None:
    issue = SecurityIssue(
        "a.py",
        1,
        "B105",
        "hardcoded_password_string",
        "low",
        "medium",
        f"Possible hardcoded password: '{value}'",
    )
    assert placeholder_secret(issue, code) is placeholder


def test_an_assert_false_marking_the_unreachable_is_no_step() -> None:
    def b101(code: str) -> bool:
        issue = SecurityIssue(
            "a.py", 1, "B101", "assert_used", "low", "high", "Use of assert detected."
        )
        return false_alarm(issue, code)

    assert b101("        assert False, 'unreachable'")
    assert b101("    assert 0")
    assert not b101("    assert amount > 0, 'amount must be positive'")
