"""Hermetic environment for every test: git and HOME never touch the developer's own."""

from __future__ import annotations

import pytest

from practicegrade.grade import CI_VARIABLES


@pytest.fixture(autouse=True)
def hermetic_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin git identity and config, give an empty HOME and template dir, drop CI tokens."""
    base = tmp_path_factory.mktemp("hermetic")
    home = base / "home"
    home.mkdir()
    templates = base / "templates"
    templates.mkdir()
    gitconfig = base / "gitconfig"
    gitconfig.write_text('[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n')
    env = {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TEMPLATE_DIR": str(templates),
        "GIT_AUTHOR_NAME": "Mentee",
        "GIT_AUTHOR_EMAIL": "mentee@example.invalid",
        "GIT_COMMITTER_NAME": "Mentee",
        "GIT_COMMITTER_EMAIL": "mentee@example.invalid",
        "GIT_AUTHOR_DATE": "2026-11-01T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-11-01T12:00:00+00:00",
        "GIT_ALLOW_PROTOCOL": "file",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in (
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "PYTEST_ADDOPTS",
        "PRACTICEGRADE_SKIP",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "XDG_CACHE_HOME",  # worktree slots go under the test's HOME
        "PRACTICEGRADE_NO_CACHE",
        # A CI grade trusts no note, cache or slot; tests that want one set these.
        *CI_VARIABLES,
    ):
        monkeypatch.delenv(key, raising=False)
