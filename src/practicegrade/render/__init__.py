"""Pure renderers from a :class:`~practicegrade.model.Report` to text, and the one writer.

Every artifact is a pure function ``(report, history) -> str`` registered in
:data:`ARTIFACTS` under its file name; :func:`write_artifacts` is the only code here that
touches the disk. It renders everything in memory first, then writes each file to a
temporary file in the output directory, fsyncs it, and only when all of them are
written renames them into place (security-reliability.md rule 41). A renderer that
raises, a full disk or a planted symlink therefore never leaves a half-written artifact
or a stray temporary file behind.

Renderer modules are imported on first use: ``practicegrade --help`` and the pre-push
hook never pay for Jinja2, and ``lint.sarif`` / ``junit.xml`` live in their own modules.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from practicegrade.errors import UsageError
from practicegrade.model import Report
from practicegrade.ownfolder import ignore_own_folder

if TYPE_CHECKING:
    from practicegrade.render.html import HistoryLike

Renderer = Callable[[Report, "Sequence[HistoryLike]"], str]


def _lazy(module: str, function: str, *, with_history: bool = False) -> Renderer:
    """A renderer that imports ``practicegrade.render.<module>`` when first called."""

    def render(report: Report, history: Sequence[HistoryLike]) -> str:
        fn = getattr(importlib.import_module(f"practicegrade.render.{module}"), function)
        text = fn(report, history) if with_history else fn(report)
        if not isinstance(text, str):
            raise TypeError(f"{module}.{function} returned {type(text).__name__}, not str")
        return text

    render.__name__ = f"render_{module}"
    render.__doc__ = f"``practicegrade.render.{module}.{function}``, imported on first use."
    return render


ARTIFACTS: Mapping[str, Renderer] = {
    "report.json": _lazy("jsonreport", "render_json"),
    "comment.md": _lazy("markdown", "render_comment", with_history=True),
    "report.html": _lazy("html", "render_dashboard", with_history=True),
    "lint.sarif": _lazy("sarif", "render_sarif"),
    "junit.xml": _lazy("junit", "render_junit"),
    "gradescope.json": _lazy("gradescope", "render_gradescope"),
}
"""Artifact file name -> renderer, in the order they are written."""

ALIASES: Mapping[str, str] = {
    "json": "report.json",
    "md": "comment.md",
    "markdown": "comment.md",
    "comment": "comment.md",
    "html": "report.html",
    "sarif": "lint.sarif",
    "junit": "junit.xml",
    "gradescope": "gradescope.json",
}
"""Short format names accepted wherever a file name is (``--format html``)."""


def resolve_formats(formats: Iterable[str] | None) -> list[str]:
    """Artifact file names for ``formats`` (file names or aliases), in :data:`ARTIFACTS` order."""
    if formats is None:
        return list(ARTIFACTS)
    wanted = set()
    for name in formats:
        key = ALIASES.get(name, name)
        if key not in ARTIFACTS:
            raise UsageError(
                f"unknown artifact format {name!r}",
                hint="choose from " + ", ".join([*ARTIFACTS, *ALIASES]),
            )
        wanted.add(key)
    return [name for name in ARTIFACTS if name in wanted]


def _prepare_dir(out_dir: Path) -> Path:
    """Create ``out_dir`` and return its real path; refuse a symlinked or non-directory one."""
    if out_dir.is_symlink():
        raise UsageError(
            f"refusing to write artifacts into {out_dir}: it is a symbolic link",
            hint=f"remove the link or pass its target with --out {out_dir.resolve()}",
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"cannot write artifacts into {out_dir}: it is not a directory",
            hint="pass a directory with --out",
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the output directory {out_dir}: {exc.strerror}",
            hint="pass a writable directory with --out",
        ) from exc
    ignore_own_folder(out_dir)
    return out_dir.resolve(strict=True)


def _check_target(base: Path, name: str) -> Path:
    """``base / name``, refused if it is a symlink, not a file, or resolves outside ``base``."""
    target = base / name
    if target.is_symlink():
        raise UsageError(
            f"refusing to write {target}: it is a symbolic link (possibly planted)",
            hint=f"delete {target} and run again; artifacts are always regular files",
        )
    if target.exists() and not target.is_file():
        raise UsageError(
            f"cannot write {target}: something other than a file is in the way",
            hint=f"remove {target} and run again",
        )
    if target.resolve().parent != base:
        raise UsageError(
            f"refusing to write {target}: it resolves outside {base}",
            hint="pass an output directory without symbolic links in it",
        )
    return target


def _write_temp(base: Path, name: str, data: bytes) -> Path:
    """``data`` in a new, fsynced temporary file next to its target; removed on failure."""
    fd, tmp = tempfile.mkstemp(dir=base, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _fsync_dir(path: Path) -> None:
    """Make the renames durable; not every platform can open a directory, which is fine."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_artifacts(
    report: Report,
    out_dir: Path,
    *,
    history: Sequence[HistoryLike] = (),
    formats: Iterable[str] | None = None,
) -> list[Path]:
    """Render ``report`` and write the chosen artifacts into ``out_dir``, atomically.

    ``formats`` takes artifact file names or aliases (default: all of :data:`ARTIFACTS`).
    Returns the written paths. Raises :class:`~practicegrade.errors.UsageError` (with a
    hint) for an unknown format, a symlinked or unusable output path; any exception from
    a renderer propagates before anything is written.
    """
    names = resolve_formats(formats)
    rendered = {name: ARTIFACTS[name](report, history).encode("utf-8") for name in names}
    base = _prepare_dir(Path(out_dir))
    targets = {name: _check_target(base, name) for name in names}
    temps: dict[str, Path] = {}
    try:
        for name in names:
            temps[name] = _write_temp(base, name, rendered[name])
        for name in names:
            os.replace(temps.pop(name), targets[name])
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    _fsync_dir(base)
    return [targets[name] for name in names]
