"""CI's record of the default branch: a PR grade compares with it instead of regrading."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from practicegrade import cirecord
from practicegrade.errors import UsageError
from practicegrade.grade import GradeRequest, grade
from practicegrade.model import Report
from tests.helpers.repos import SAMPLE_PROJECT, commit_files, git, init_repo
from tests.test_grade import NOW

OPS_CHANGE = '''
    """Arithmetic helpers."""


    def add(a, b):
        """Add two numbers."""
        return a + b


    def classify(n):
        """Describe a number in words."""
        if n < 0:
            return "negative"
        if n == 0:
            return "zero"
        if n < 10:
            return "small"
        return "large"


    def shout(text):
        loud = text.upper()
        return text.upper() + "!"
'''


def request(path: Path, **changes: object) -> GradeRequest:
    base = GradeRequest(path=path, now=NOW, run_bench=False, write_artifacts=False, origin="ci")
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Report]:
    """main graded and recorded by "the default branch's job"; ``feature`` one commit on."""
    root = init_repo(tmp_path_factory.mktemp("record") / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    report = grade(request(root, base="none", record_ci=True)).report
    commit_files(root, {"src/calc/ops.py": OPS_CHANGE}, "shout", branch="feature")
    return root, base, report


def _comparable(report: Report) -> dict[str, object]:
    comparison = report.comparison
    assert comparison is not None
    timing = ("tests.duration_s",)
    return {
        "base": comparison.base_commit,
        "deltas": {k: v for k, v in comparison.deltas.items() if k not in timing},
        "base_metrics": {k: v for k, v in comparison.base_metrics.items() if k not in timing},
        "new": comparison.new_lint,
        "fixed": comparison.fixed_lint,
        "cc": comparison.complexity_changes,
        "files": comparison.files_changed,
        "patch": comparison.patch,
        "metrics": {k: v for k, v in report.metrics.items() if k not in timing},
        "verdict": report.evaluation.verdict if report.evaluation else None,
    }


def test_the_record_is_a_note_on_its_own_ref(recorded: tuple[Path, str, Report]) -> None:
    root, base, report = recorded
    text = git(root, "notes", "--ref", cirecord.RECORD_REF, "show", base)
    record = json.loads(text)
    assert (record["v"], record["tree"]) == (1, report.repo.tree)
    assert record["report"]["metrics"] == dict(report.metrics)
    history = git(root, "notes", "--ref", "refs/notes/practicegrade", "show", base)
    assert json.loads(history.splitlines()[-1])["source"] == "ci"


def test_a_pr_grade_compares_with_the_record_exactly_as_with_a_regraded_base(
    recorded: tuple[Path, str, Report],
) -> None:
    root, _base, report = recorded
    reused = grade(request(root, base="main", write_note=False)).report
    fresh = grade(request(root, base="main", write_note=False, reuse_base=False)).report
    assert reused.comparison is not None
    # The record's own numbers, timing included: the base was not measured again.
    assert reused.comparison.base_metrics == {
        k: v for k, v in report.metrics.items() if k != "coverage.patch_pct"
    }
    assert _comparable(reused) == _comparable(fresh)
    assert reused.comparison.new_lint  # the comparison has substance, not just numbers


def test_a_record_for_another_key_tree_or_schema_is_not_used(
    recorded: tuple[Path, str, Report],
) -> None:
    root, base, report = recorded
    original = git(root, "notes", "--ref", cirecord.RECORD_REF, "show", base)
    record = json.loads(original)
    forged_metrics = {**record["report"]["metrics"], "lint.score": 10.0}
    try:
        for change in (
            {"key": "0" * 16},
            {"tree": "f" * 40},
            {"report": {**record["report"], "metrics": {"lint.score": "ten"}}},
            {"v": 2},
        ):
            forged = {**record, **change}
            if "report" not in change:
                forged["report"] = {**record["report"], "metrics": forged_metrics}
            git(
                root,
                "notes",
                "--ref",
                cirecord.RECORD_REF,
                "add",
                "-f",
                "-m",
                json.dumps(forged),
                base,
            )
            graded = grade(request(root, base="main", write_note=False, run_tests=False)).report
            assert graded.comparison is not None
            assert graded.comparison.base_metrics["lint.score"] == report.metrics["lint.score"]
            assert graded.comparison.base_metrics["lint.score"] != 10.0
    finally:
        git(root, "notes", "--ref", cirecord.RECORD_REF, "add", "-f", "-m", original, base)


def test_learner_code_cannot_rewrite_the_record_the_grade_trusts(tmp_path: Path) -> None:
    """The head's tests rewrite the base's record while they run: too late to matter."""
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    base = git(root, "rev-parse", "HEAD").strip()
    honest = grade(request(root, base="none", record_ci=True)).report
    git(root, "checkout", "-q", "-b", "feature")
    attack = textwrap.dedent(
        f"""
        import json, subprocess

        def test_forge_the_record():
            ref = {cirecord.RECORD_REF!r}
            text = subprocess.run(["git", "notes", "--ref", ref, "show", {base!r}],
                                  capture_output=True, text=True, check=True).stdout
            record = json.loads(text)
            record["report"]["metrics"]["lint.score"] = 0.5
            subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@x.invalid",
                            "notes", "--ref", ref, "add", "-f", "-m", json.dumps(record),
                            {base!r}], check=True)
        """
    )
    commit_files(root, {"tests/test_zz_attack.py": attack}, "attack")
    graded = grade(request(root, base="main", write_note=False)).report
    assert graded.tests is not None and graded.metrics["tests.failed"] == 0
    forged = json.loads(git(root, "notes", "--ref", cirecord.RECORD_REF, "show", base))
    assert forged["report"]["metrics"]["lint.score"] == 0.5  # the attack did run ...
    assert graded.comparison is not None  # ... after the record had been read
    assert graded.comparison.base_metrics["lint.score"] == honest.metrics["lint.score"]


def test_only_a_ci_grade_can_be_recorded(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", SAMPLE_PROJECT)
    with pytest.raises(UsageError, match="only a CI grade"):
        grade(request(root, origin="local", record_ci=True))
