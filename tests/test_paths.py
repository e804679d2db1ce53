"""The user cache folder: private, or not used at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from practicegrade.paths import cache_home, private_folder


def test_cache_home_follows_xdg_and_falls_back_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_home() == tmp_path / "xdg" / "practicegrade"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert cache_home() == Path.home() / ".cache" / "practicegrade"


def test_a_private_folder_is_created_0700(tmp_path: Path) -> None:
    made = private_folder(tmp_path / "a" / "b")
    assert made == tmp_path / "a" / "b"
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_a_shared_or_linked_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    assert private_folder(shared) is None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(elsewhere)
    assert private_folder(tmp_path / "link") is None
    (tmp_path / "file").write_text("")
    assert private_folder(tmp_path / "file") is None
