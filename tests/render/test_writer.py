"""write_artifacts: atomic, complete or nothing, never through a planted symlink."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from practicegrade.errors import EXIT_USAGE, UsageError
from practicegrade.render import ALIASES, ARTIFACTS, resolve_formats, write_artifacts
from tests.helpers import reports

HAVE = {
    name: importlib.util.find_spec(f"practicegrade.render.{module}") is not None
    for name, module in (("lint.sarif", "sarif"), ("junit.xml", "junit"))
}
AVAILABLE = [name for name in ARTIFACTS if HAVE.get(name, True)]


def listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_writes_every_available_artifact(tmp_path: Path) -> None:
    r = reports.failing_gate()
    out = tmp_path / "deep" / "out"
    written = write_artifacts(r, out, history=reports.history(r), formats=AVAILABLE)
    assert [p.name for p in written] == AVAILABLE
    assert listing(out) == sorted(AVAILABLE)
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["schema"] == 1
    assert (out / "comment.md").read_text(encoding="utf-8").startswith("<!-- practicegrade:v1 -->")
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o644
        assert path.is_absolute()


@pytest.mark.skipif(not all(HAVE.values()), reason="sarif/junit renderers not written yet")
def test_default_is_all_artifacts(tmp_path: Path) -> None:
    written = write_artifacts(reports.passing(), tmp_path)
    assert [p.name for p in written] == list(ARTIFACTS)
    assert listing(tmp_path) == sorted(ARTIFACTS)


def test_formats_accept_file_names_and_aliases() -> None:
    assert resolve_formats(["html", "report.json", "md", "json"]) == [
        "report.json",
        "comment.md",
        "report.html",
    ]
    assert resolve_formats(None) == list(ARTIFACTS)
    assert set(ALIASES.values()) <= set(ARTIFACTS)
    with pytest.raises(UsageError) as err:
        resolve_formats(["pdf"])
    assert err.value.exit_code == EXIT_USAGE
    assert err.value.hint is not None
    assert "report.html" in err.value.hint


def test_rewrites_replace_old_content(tmp_path: Path) -> None:
    write_artifacts(reports.failing_gate(), tmp_path, formats=["md"])
    write_artifacts(reports.passing(), tmp_path, formats=["md"])
    assert "all gates pass" in (tmp_path / "comment.md").read_text(encoding="utf-8")
    assert listing(tmp_path) == ["comment.md"]


def test_a_failing_renderer_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_artifacts(reports.passing(), tmp_path, formats=["json", "md"])
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}

    def boom(report: object, history: object) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setitem(ARTIFACTS, "comment.md", boom)
    with pytest.raises(RuntimeError, match="renderer bug"):
        write_artifacts(reports.failing_gate(), tmp_path, formats=["json", "md", "html"])
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_failing_write_leaves_no_temp_file_and_no_partial_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_artifacts(reports.passing(), tmp_path, formats=["json", "md"])
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    real_fsync = os.fsync
    calls = []

    def flaky_fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second artifact's data never reaches the disk
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", flaky_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_artifacts(reports.failing_gate(), tmp_path, formats=["json", "md", "html"])
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before, "nothing replaced, no temp"


def test_planted_symlink_is_refused_and_its_target_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "report.json").symlink_to(victim)
    with pytest.raises(UsageError) as err:
        write_artifacts(reports.passing(), out, formats=["md", "json"])
    assert "symbolic link" in err.value.message
    assert err.value.hint
    assert victim.read_text(encoding="utf-8") == "precious"
    assert listing(out) == ["report.json"], "nothing else written either"


def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "comment.md").symlink_to(tmp_path / "elsewhere" / "x.md")
    with pytest.raises(UsageError):
        write_artifacts(reports.passing(), tmp_path, formats=["md"])
    assert not (tmp_path / "elsewhere").exists()


def test_symlinked_output_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    with pytest.raises(UsageError) as err:
        write_artifacts(reports.passing(), link, formats=["md"])
    assert str(real) in (err.value.hint or "")
    assert listing(real) == []


def test_a_directory_in_the_way_or_a_file_as_out_dir(tmp_path: Path) -> None:
    (tmp_path / "comment.md").mkdir()
    with pytest.raises(UsageError):
        write_artifacts(reports.passing(), tmp_path, formats=["md"])
    file = tmp_path / "file"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError):
        write_artifacts(reports.passing(), file, formats=["md"])


def test_uncreatable_output_directory_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        write_artifacts(reports.passing(), blocker / "out", formats=["md"])
    assert "cannot create the output directory" in err.value.message
