"""The security collector reports exactly what bandit's own CLI reports.

Each fixture project is scanned twice: by the collector, and by a real
``bandit -f json --confidence-level medium [-c FILE] [--ini .bandit] -r SRC`` run in the
project folder (the command the report prints). Counts by severity and every result's
file, line, test id, CWE and text must be equal, with the project's own bandit
configuration (``[tool.bandit]``, ``.bandit``, ``# nosec``) honoured by both.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.helpers.repos import write_files

from practicegrade.cache import Cache
from practicegrade.collectors import Project, Settings
from practicegrade.collectors.security import METRICS, collect, load_setup, scan_project
from practicegrade.discover import discover
from practicegrade.model import SecurityDetails

BANDIT = str(Path(sys.executable).parent / "bandit")

INSECURE = '''
    """Habits a mentor wants to see gone: each line is a bandit test."""

    import hashlib
    import pickle
    import random
    import subprocess

    import yaml

    PASSWORD = "hunter2"


    def run(command):
        return subprocess.run(command, shell=True, check=False)


    def load(blob):
        return pickle.loads(blob)


    def config(text):
        return yaml.load(text)


    def digest(data):
        return hashlib.md5(data).hexdigest()


    def token():
        return random.random()


    def checked(x):
        assert x > 0
        return eval(x)


    def quiet():
        try:
            return 1 / 0
        except ZeroDivisionError:
            pass


    def hidden(command):
        return subprocess.call(command, shell=True)  # nosec
'''

SAFE = '''
    """Nothing for bandit here."""


    def add(a, b):
        return a + b
'''

PROJECT: dict[str, str | bytes] = {
    "pyproject.toml": """
        [project]
        name = "app"
        version = "0.1.0"

        [tool.bandit]
        skips = ["B101"]
        exclude_dirs = ["src/app/vendor"]
    """,
    "src/app/__init__.py": "",
    "src/app/insecure.py": INSECURE,
    "src/app/safe.py": SAFE,
    "src/app/broken.py": "def broken(:\n    pass\n",
    "src/app/vendor/__init__.py": "",
    "src/app/vendor/old.py": "import pickle\n\ndef f(b):\n    return pickle.loads(b)\n",
    "tests/test_app.py": "def test_ok():\n    assert True\n",
}


def _project(root: Path, source: tuple[str, ...] | None = None) -> Project:
    return discover(root, source=source, tests=None, exclude=(), python=sys.executable)


def _bandit_cli(root: Path, command: str) -> dict[str, Any]:
    """bandit's own JSON for the command the report prints."""
    argv = shlex.split(command)
    assert argv[0] == "bandit"
    done = subprocess.run(
        [BANDIT, "-q", "-f", "json", *argv[1:]],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def _assert_equal_to_cli(root: Path, source: tuple[str, ...] | None = None) -> SecurityDetails:
    project = _project(root, source)
    result = collect(project, Settings())
    details = result.details
    assert isinstance(details, SecurityDetails)
    cli = _bandit_cli(root, details.command)
    by_severity = Counter(r["issue_severity"].lower() for r in cli["results"])
    levels = ("high", "medium", "low")
    assert result.metrics == {f"security.{k}": float(by_severity[k]) for k in levels}
    ours = sorted(
        (i.file, i.line, i.test_id, i.cwe, i.message, i.severity, i.confidence)
        for i in details.issues
    )
    theirs = sorted(
        (
            r["filename"].removeprefix("./"),
            r["line_number"],
            r["test_id"],
            r["issue_cwe"].get("id"),
            r["issue_text"],
            r["issue_severity"].lower(),
            r["issue_confidence"].lower(),
        )
        for r in cli["results"]
    )
    assert ours == theirs
    assert (
        details.suppressed
        == cli["metrics"]["_totals"]["nosec"] + cli["metrics"]["_totals"]["skipped_tests"]
    )
    return details


@pytest.mark.slow
def test_equals_bandit_cli_with_pyproject_settings(tmp_path: Path) -> None:
    write_files(tmp_path, PROJECT)
    details = _assert_equal_to_cli(tmp_path)
    assert details.config == "pyproject.toml"
    found = {i.test_id for i in details.issues}
    # shell=True, pickle, a hard-coded password, yaml.load, md5, eval are all there ...
    assert {"B602", "B301", "B105", "B506", "B324", "B307"} <= found
    # ... the skipped assert test, the excluded vendor folder and the nosec line are not,
    assert "B101" not in found
    assert not any("vendor" in i.file for i in details.issues)
    assert details.suppressed == 1
    # and low-confidence guesses are not counted.
    assert all(i.confidence in ("medium", "high") for i in details.issues)
    shell = next(i for i in details.issues if i.test_id == "B602")
    assert shell.cwe == 78
    assert shell.severity == "high"
    assert shell.file == "src/app/insecure.py"


@pytest.mark.slow
def test_equals_bandit_cli_with_ini_file_and_yaml_config(tmp_path: Path) -> None:
    files = dict(PROJECT)
    files["pyproject.toml"] = '[project]\nname = "app"\nversion = "0.1.0"\n'
    files[".bandit"] = (
        "[bandit]\nskips = B311,B324\nexclude = src/app/vendor\nconfigfile = bandit.yml\n"
    )
    files["bandit.yml"] = "assert_used:\n  skips: ['*/insecure.py']\n"
    write_files(tmp_path, files)
    details = _assert_equal_to_cli(tmp_path)
    assert details.config == "bandit.yml, .bandit"
    found = {i.test_id for i in details.issues}
    assert not found & {"B311", "B324", "B101"}
    assert "B602" in found


@pytest.mark.slow
def test_equals_bandit_cli_without_configuration(tmp_path: Path) -> None:
    files = {k: v for k, v in PROJECT.items() if k != "pyproject.toml"}
    write_files(tmp_path, files)
    details = _assert_equal_to_cli(tmp_path)
    assert details.config is None
    assert "B101" in {i.test_id for i in details.issues}


@pytest.mark.slow
def test_source_dot_matches_bandit_on_dot(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "tool.py": INSECURE,
            "helper.py": SAFE,
            ".bandit": "[bandit]\nexclude = ./scripts\n",
            "scripts/old.py": "import pickle\n\ndef f(b):\n    return pickle.loads(b)\n",
        },
    )
    details = _assert_equal_to_cli(tmp_path, source=(".",))
    assert details.command.endswith("-r .")
    assert {i.file for i in details.issues} == {"tool.py"}


def test_per_file_cache_reuses_unchanged_files_and_keys_on_the_config(tmp_path: Path) -> None:
    write_files(tmp_path, PROJECT)
    project = _project(tmp_path)
    cache = Cache(tmp_path / ".cache")
    first = scan_project(project, cache)
    assert cache.writes > 0
    assert cache.hits == 0
    writes = cache.writes
    again = scan_project(project, cache)
    assert cache.hits == writes
    assert again.metrics == first.metrics
    assert again.details == first.details
    # A changed configuration is a different key: nothing stale is reused.
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\n[tool.bandit]\nskips = ["B602"]\n',
        encoding="utf-8",
    )
    changed = scan_project(project, cache)
    assert changed.metrics["security.high"] < first.metrics["security.high"]
    # An edited file is scanned again; the others come from the cache.
    hits, writes = cache.hits, cache.writes
    (tmp_path / "src/app/safe.py").write_text("import pickle\nX = pickle.loads(b'')\n")
    edited = scan_project(project, cache)
    assert cache.writes == writes + 1
    assert cache.hits > hits
    assert edited.metrics["security.medium"] == changed.metrics["security.medium"] + 1


def test_configuration_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("skips: ['B602', 'B301']\n")
    root = tmp_path / "repo"
    write_files(root, {"app.py": INSECURE, ".bandit": f"[bandit]\nconfigfile = {outside}\n"})
    result = collect(_project(root), Settings())
    assert set(result.unmeasured) == set(METRICS)
    assert "not a file inside the repository" in result.unmeasured["security.high"]
    assert not result.metrics
    assert result.findings
    assert result.findings[0].kind == "tool-error"


def test_broken_configuration_is_unmeasured_not_a_crash(tmp_path: Path) -> None:
    write_files(tmp_path, {"app.py": INSECURE, ".bandit": "[bandit]\nconfigfile = bad.yml\n"})
    (tmp_path / "bad.yml").write_text("skips: [unclosed\n")
    result = collect(_project(tmp_path), Settings())
    assert not result.metrics
    assert "bandit cannot use bad.yml" in result.unmeasured["security.high"]


def test_pyproject_without_bandit_table_is_bandit_defaults(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n', "app.py": SAFE})
    setup = load_setup(tmp_path)
    assert setup.config_file is None
    assert setup.command(["."]) == "bandit --confidence-level medium -r ."


def test_no_source_is_unmeasured(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_x.py": "def test_x():\n    assert True\n"})
    project = Project(tmp_path, ("src",), (), ("tests",), (), (), sys.executable)
    result = collect(project, Settings())
    assert result.unmeasured["security.high"] == "no Python source files to scan"
