"""The mentee's trend, kept in git notes: write, read, merge, sync, show.

Each grade of a commit appends one compact JSON object as one line of that commit's note
on ``refs/notes/practicegrade``::

    {"v":1,"ts":"2026-11-01T12:00:00Z","source":"hook","tree":"…","key":"…","pg":"0.1.0",
     "tools":{"pylint":"4.1.5","radon":"6.0.1",…},"metrics":{"coverage.line_pct":87.5,…}}

One object per line is what makes ``git notes merge -s cat_sort_uniq`` lossless: two
clones' notes for the same commit are concatenated, sorted and de-duplicated, so no
grade is ever dropped and no merge can conflict. ``tree`` and ``key`` (a hash of the tool
versions, the effective configuration and the grade options) say whether a line can
stand in for a new grade of the same tree. ``tools`` names the versions of the measuring
tools (:data:`practicegrade.toolchange.RECORDED_TOOLS`), so that a later comparison can
tell a tool upgrade from the mentee's work; a line without it (written before versions
were recorded) has versions *unknown*, which is never an error. A note holds numbers,
versions and names only (never tool output
or learner text) and is capped at :data:`NOTE_CAP_BYTES`; readers take the newest
``ts``. Notes are the mentee's own cache and trend, not a trust anchor: anyone can
write them, and CI recomputes what a mentor relies on.

This module is imported by the CLI on every start, so at module level it imports only
click and the standard library; git and rendering come in inside the functions.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
import random
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

NOTES_REF = "refs/notes/practicegrade"
NOTE_VERSION = 1
NOTE_CAP_BYTES = 64 * 1024
LOCK_TIMEOUT_S = 15.0
LOCK_STALE_S = 120.0
PUSH_ATTEMPTS = 4
"""One push and at most three retries after a non-fast-forward rejection."""
DEFAULT_METRICS = ("coverage.line_pct", "lint.score", "complexity.cc_max", "tests.failed")
SPARK = "▁▂▃▄▅▆▇█"
_METRIC_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,120}$")
_MILESTONE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
MAX_HOT = 24
"""At most this many hotspot tokens per line: a note stays a line of numbers and names."""
SOURCES = ("hook", "ci", "local")


# --------------------------------------------------------------------------- note lines


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One grade of one commit, as stored in a note line."""

    ts: str
    """ISO 8601 UTC, ``Z``-suffixed: lines sort by it as text."""
    source: str
    metrics: Mapping[str, float]
    tree: str | None = None
    key: str | None = None
    """Hash of tools + config + options; equal keys mean comparable numbers."""
    pg: str | None = None
    met: tuple[str, ...] = ()
    """Milestone ids this grade met for the first time on its branch (:mod:`practicegrade.loop`)."""
    hot: tuple[str, ...] = ()
    """Recurring-bottleneck tokens (``lint:<symbol>``, ``file:<path>``, ``fn:<path>:<name>``)."""
    tools: Mapping[str, str] = field(default_factory=dict)
    """Versions of the tools that measured it; empty = unknown (an older line)."""


def format_ts(moment: Any) -> str:
    """``datetime`` -> ``2026-11-01T12:00:00Z`` (UTC, seconds)."""
    import datetime as dt  # noqa: PLC0415 - keep module import light

    value: dt.datetime = moment
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    """Finite numbers under plain metric keys only: a note never carries free text."""
    out: dict[str, float] = {}
    for key in sorted(metrics):
        value = metrics[key]
        if (
            _METRIC_KEY.match(key)
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
        ):
            out[key] = float(value)
    return out


def clean_ids(raw: object) -> tuple[str, ...]:
    """Milestone ids from a note (a list of plain ids); anything else is dropped."""
    if not isinstance(raw, list):
        return ()
    return tuple(sorted({i for i in raw if isinstance(i, str) and _MILESTONE_ID.match(i)}))


def clean_hot(raw: object) -> tuple[str, ...]:
    """Hotspot tokens from a note: short printable strings with a known prefix, capped."""
    if not isinstance(raw, (list, tuple)):
        return ()
    kept = [
        t
        for t in raw
        if isinstance(t, str)
        and len(t) <= 200
        and t.startswith(("lint:", "file:", "fn:"))
        and t.isprintable()
    ]
    return tuple(dict.fromkeys(kept))[:MAX_HOT]


def note_line(entry: NoteEntry) -> str:
    """The compact one-line JSON for ``entry``; ``v`` and ``ts`` first so lines sort by time."""
    data: dict[str, Any] = {"v": NOTE_VERSION, "ts": entry.ts, "source": entry.source}
    if entry.tree:
        data["tree"] = entry.tree
    if entry.key:
        data["key"] = entry.key
    if entry.pg:
        data["pg"] = entry.pg
    from practicegrade.toolchange import clean_versions  # noqa: PLC0415

    if tools := clean_versions(entry.tools):
        data["tools"] = tools
    data["metrics"] = clean_metrics(entry.metrics)
    if entry.met:
        data["met"] = list(clean_ids(list(entry.met)))
    if entry.hot:
        data["hot"] = list(clean_hot(entry.hot))
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def parse_note(text: str | None) -> list[NoteEntry]:
    """Every valid line of a note, oldest first; anything malformed is skipped, never fatal."""
    entries: list[NoteEntry] = []
    for line in (text or "").splitlines():
        entry = _parse_line(line.strip())
        if entry is not None:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.ts)


def _parse_line(line: str) -> NoteEntry | None:
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != NOTE_VERSION:
        return None
    ts, source, metrics = data.get("ts"), data.get("source"), data.get("metrics")
    if not isinstance(ts, str) or not isinstance(metrics, dict):
        return None

    def opt(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) else None

    from practicegrade.toolchange import clean_versions  # noqa: PLC0415

    return NoteEntry(
        ts=ts,
        source=source if isinstance(source, str) else "local",
        metrics=clean_metrics(metrics),
        tree=opt("tree"),
        key=opt("key"),
        pg=opt("pg"),
        met=clean_ids(data.get("met")),
        hot=clean_hot(data.get("hot")),
        tools=clean_versions(data.get("tools")),
    )


def newest(entries: Sequence[NoteEntry]) -> NoteEntry | None:
    """The most recent grade (readers take the newest ``ts``)."""
    return max(entries, key=lambda e: e.ts, default=None)


def cap_note(lines: Sequence[str], cap: int = NOTE_CAP_BYTES) -> str:
    """Sorted unique lines (what ``cat_sort_uniq`` would produce), oldest dropped past ``cap``."""
    kept = sorted({line.strip() for line in lines if line.strip()})
    while kept and sum(len(line.encode()) + 1 for line in kept) > cap:
        kept.pop(0)
    return "".join(f"{line}\n" for line in kept)


# --------------------------------------------------------------------------- lock


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_is_stale(path: Path, stale_after: float) -> bool:
    """A lock left by a dead process on this host, or older than ``stale_after``."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    if age > stale_after:
        return True
    fields = text.split()
    if len(fields) >= 2 and fields[0].isdigit() and fields[1] == socket.gethostname():
        return not _pid_alive(int(fields[0]))
    return False


@contextmanager
def notes_lock(
    root: Path, *, timeout: float = LOCK_TIMEOUT_S, stale_after: float = LOCK_STALE_S
) -> Iterator[Path]:
    """Serialise local writers of the notes ref with an ``O_EXCL`` lock file.

    The lock lives at ``git rev-parse --git-path practicegrade.lock`` (shared by linked
    worktrees). A lock whose owner died (same host, pid gone) or that is older than
    ``stale_after`` is broken by renaming it away first, so two waiters cannot both
    delete it and both enter.
    """
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.errors import GitError  # noqa: PLC0415

    path = gitrepo.git_path(root, "practicegrade.lock")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _lock_is_stale(path, stale_after):
                _break_lock(path)
                continue
            if time.monotonic() > deadline:
                raise GitError(
                    "another practicegrade is writing git notes (lock held)",
                    hint=f"if no practicegrade is running, delete {path}",
                ) from None
            time.sleep(0.01 + random.random() * 0.04)  # noqa: S311 - jitter, not crypto
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {socket.gethostname()} {time.time():.3f}\n")
        break
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _break_lock(path: Path) -> None:
    aside = path.with_name(f"{path.name}.stale-{os.getpid()}-{random.randrange(1 << 30)}")  # noqa: S311
    try:
        os.rename(path, aside)
    except OSError:
        return
    aside.unlink(missing_ok=True)


# --------------------------------------------------------------------------- read / write


def read_note(root: Path, commit: str) -> list[NoteEntry]:
    """The grades noted on ``commit``, oldest first; empty when it has no note."""
    from practicegrade import gitrepo  # noqa: PLC0415

    return parse_note(gitrepo.note_show(root, commit, NOTES_REF))


def append_note(root: Path, commit: str, entry: NoteEntry) -> str:
    """Add one line for ``entry`` to ``commit``'s note (under the lock); returns the note."""
    from practicegrade import gitrepo  # noqa: PLC0415

    with notes_lock(root):
        existing = gitrepo.note_show(root, commit, NOTES_REF) or ""
        text = cap_note([*existing.splitlines(), note_line(entry)])
        gitrepo.note_write(root, commit, text, NOTES_REF)
    return text


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One graded commit on the branch, with its newest grade."""

    commit: str
    committed_at: str
    """Committer date, ISO 8601 UTC."""
    subject: str
    """The commit subject: learner text, escape it when rendering."""
    ts: str
    source: str
    metrics: Mapping[str, float] = field(default_factory=dict)
    met: tuple[str, ...] = ()
    """Milestones first met on this commit, by any of its grades."""
    hot: tuple[str, ...] = ()
    """The newest grade's hotspot tokens (see :class:`NoteEntry`)."""
    tools: Mapping[str, str] = field(default_factory=dict)
    """The newest grade's tool versions; empty when its note did not record them."""


def read_history(
    root: Path,
    rev_range: str = "HEAD",
    limit: int | None = None,
    *,
    sources: Sequence[str] | None = None,
) -> list[HistoryPoint]:
    """Graded commits reachable from ``rev_range``, oldest first, at most ``limit`` (newest kept).

    ``sources`` keeps only grades of those origins: a CI grade's trend shows what CI
    measured (``("ci",)``), never what a hook or a laptop noted.

    One ``git log`` prints every commit with its note; commits without a (valid) note are
    skipped. A repository without commits or notes has an empty history, not an error
    (``git log`` fails without commits; that failure is the empty history).
    """
    import datetime as dt  # noqa: PLC0415

    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.errors import GitError  # noqa: PLC0415

    try:
        logged = gitrepo.notes_log(root, rev_range, NOTES_REF)
    except GitError:
        return []
    points: list[HistoryPoint] = []
    for item in logged:
        entries = parse_note(item.note)
        if sources is not None:
            entries = [e for e in entries if e.source in sources]
        best = newest(entries)
        if best is None:
            continue
        when = dt.datetime.fromtimestamp(item.committed, tz=dt.timezone.utc)
        points.append(
            HistoryPoint(
                commit=item.commit,
                committed_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                subject=item.subject,
                ts=best.ts,
                source=best.source,
                metrics=best.metrics,
                met=tuple(sorted({m for e in entries for m in e.met})),
                hot=best.hot,
                tools=best.tools,
            )
        )
        if limit is not None and len(points) >= limit:
            break
    points.reverse()
    return points


# --------------------------------------------------------------------------- sync


def remote_label(remote: str, known: Sequence[str]) -> str:
    """A ref-safe name for ``remote``: itself if it is a configured remote, else a hash.

    ``notes pull /path/to/repo.git`` must not put a path into a ref name.
    """
    if remote in known and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*", remote):
        return remote
    import hashlib  # noqa: PLC0415

    return "url-" + hashlib.sha1(remote.encode(), usedforsecurity=False).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class SyncResult:
    fetched: bool
    """The remote had notes and they were merged into ours."""
    pushed: bool
    attempts: int


def sync_notes(
    root: Path,
    remote: str,
    *,
    push: bool,
    attempts: int = PUSH_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Pull (fetch + ``cat_sort_uniq`` merge) and optionally push the notes ref.

    Fetch goes into ``refs/notes/remotes/<remote>/practicegrade``, then merges into ours
    under the notes lock. A push rejected because the remote moved on is retried after
    a jittered pause, fetching and merging again first; at most ``attempts`` pushes.
    Never forced: a lost race costs a retry, never someone else's grades.
    """
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.errors import GitError, UsageError  # noqa: PLC0415

    if remote.startswith("-"):
        raise UsageError(f"invalid remote {remote!r}", hint="name a remote (`git remote -v`)")
    tracking = (
        f"refs/notes/remotes/{remote_label(remote, gitrepo.remote_names(root))}/practicegrade"
    )
    fetched = False
    for attempt in range(1, attempts + 1):
        with notes_lock(root):
            if gitrepo.fetch_notes(root, remote, tracking, NOTES_REF):
                gitrepo.merge_notes(root, tracking, NOTES_REF)
                fetched = True
        if not push or not gitrepo.notes_ref_exists(root, NOTES_REF):
            return SyncResult(fetched=fetched, pushed=False, attempts=attempt)
        outcome = gitrepo.push_notes(root, remote, NOTES_REF)
        if outcome.ok:
            return SyncResult(fetched=fetched, pushed=True, attempts=attempt)
        if not outcome.retryable or attempt == attempts:
            raise GitError(
                f"cannot push notes to {remote!r} after {attempt} attempt(s): {outcome.message}",
                hint="run `practicegrade notes push` again later; notes are never force-pushed",
            )
        sleep(0.05 * attempt + random.random() * 0.2 * attempt)  # noqa: S311 - jitter
    raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- rendering


def fmt_value(key: str, value: float | None) -> str:
    """A metric for the table: counts as integers, percents and scores with fixed places."""
    if value is None:
        return "–"
    if key.endswith("_pct"):
        return f"{value:.1f}"
    if key.endswith("_s"):
        return f"{value:.3f}"
    if float(value).is_integer() and not key.endswith(("score", "mean", "min", "ratio_vs_base")):
        return str(int(value))
    return f"{value:.2f}"


def sparkline(values: Sequence[float | None]) -> str:
    """Unicode block sparkline; a missing value is a space, a flat series is mid-height."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    low, high = min(present), max(present)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span == 0:
            out.append(SPARK[3])
        else:
            out.append(
                SPARK[min(len(SPARK) - 1, int((value - low) / span * (len(SPARK) - 1) + 0.5))]
            )
    return "".join(out)


def _one_line(text: str, width: int) -> str:
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def render_table(points: Sequence[HistoryPoint], metrics: Sequence[str]) -> str:
    """The terminal table (newest last) followed by one sparkline per metric."""
    if not points:
        return (
            "No graded commits on this branch yet (grade a commit, or `practicegrade notes pull`)."
        )
    header = ["commit", "date", "source", *metrics, "subject"]
    rows = [
        [
            p.commit[:8],
            p.committed_at[:10],
            p.source,
            *(fmt_value(m, p.metrics.get(m)) for m in metrics),
            _one_line(p.subject, 40),
        ]
        for p in points
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = set(range(3, 3 + len(metrics)))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows), ""]
    name_width = max(len(m) for m in metrics)
    for metric in metrics:
        series = [p.metrics.get(metric) for p in points]
        present = [v for v in series if v is not None]
        span = (
            f"{fmt_value(metric, present[0])} → {fmt_value(metric, present[-1])}"
            if present
            else "–"
        )
        out.append(f"{metric.ljust(name_width)}  {sparkline(series)}  {span}")
    out += _tool_changes(points, metrics)
    return "\n".join(out)


def _tool_changes(points: Sequence[HistoryPoint], metrics: Sequence[str]) -> list[str]:
    """One line per grade measured by other versions of the shown metrics' tools than the
    grade before it (grades whose note recorded no versions are skipped: unknown)."""
    from practicegrade.toolchange import between, only_for, sentence  # noqa: PLC0415

    lines: list[str] = []
    known = [p for p in points if p.tools]
    for before, after in itertools.pairwise(known):
        drift = only_for(between(before.tools, after.tools), metrics)
        said = sentence(drift, since=f"at {after.commit[:8]}", moved="change")
        if said:
            lines.append(said.replace("`", ""))
    return lines


def render_svg(points: Sequence[HistoryPoint], metrics: Sequence[str]) -> str:
    """A self-contained SVG: one small line chart per metric, oldest commit on the left."""
    width, panel, pad = 640, 110, 40
    height = panel * max(1, len(metrics)) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="#ffffff"/>',
    ]
    n = len(points)
    for index, metric in enumerate(metrics):
        top = index * panel + 18
        plot_h = panel - 40
        values = [p.metrics.get(metric) for p in points]
        present = [v for v in values if v is not None]
        parts.append(f'<text x="{pad}" y="{top - 4}" fill="#333">{html.escape(metric)}</text>')
        parts.append(
            f'<line x1="{pad}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
            'stroke="#ccc"/>'
        )
        if not present:
            continue
        low, high = min(present), max(present)
        span = (high - low) or 1.0
        for label, label_y in (
            (fmt_value(metric, high), top + 4),
            (fmt_value(metric, low), top + plot_h),
        ):
            parts.append(
                f'<text x="{pad - 4}" y="{label_y}" text-anchor="end" fill="#666">'
                f"{html.escape(label)}</text>"
            )
        coords: list[tuple[float, float, HistoryPoint, float]] = []
        for i, (point, value) in enumerate(zip(points, values, strict=True)):
            if value is None:
                continue
            x = pad + (width - pad - 20) * (i / (n - 1) if n > 1 else 0.5)
            y = top + plot_h - (value - low) / span * plot_h if high != low else top + plot_h / 2
            coords.append((x, y, point, value))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _p, _v in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#3366cc" stroke-width="2"/>')
        for x, y, point, value in coords:
            tip = f"{point.commit[:8]} {point.committed_at[:10]}: {fmt_value(metric, value)}"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#3366cc">'
                f"<title>{html.escape(tip)}</title></circle>"
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def history_json(points: Sequence[HistoryPoint]) -> str:
    """The points as a JSON array (oldest first), for scripts and dashboards."""
    from practicegrade.serialize import dumps  # noqa: PLC0415

    return dumps(list(points))


def _pick_metrics(points: Sequence[HistoryPoint], requested: Sequence[str]) -> list[str]:
    if requested:
        return list(dict.fromkeys(requested))
    seen = {key for p in points for key in p.metrics}
    chosen = [m for m in DEFAULT_METRICS if m in seen]
    return chosen or sorted(seen)[:4] or list(DEFAULT_METRICS)


def _write_atomic(path: Path, text: str) -> None:
    import tempfile  # noqa: PLC0415

    from practicegrade.ownfolder import ignore_own_folder  # noqa: PLC0415

    ignore_own_folder(path)
    target = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- commands


def _bounded(func: Callable[[], None]) -> None:
    """Run a command body inside the CLI's error boundary (imported late: cli imports us)."""
    from practicegrade.cli import error_boundary  # noqa: PLC0415

    error_boundary(func)()


def _repo_root(path: Path) -> Path:
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.errors import UsageError  # noqa: PLC0415

    top = gitrepo.toplevel(path)
    if top is None:
        raise UsageError(
            f"{path} is not inside a git repository", hint="run it in your practice repo"
        )
    return top


@click.command(name="history")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="KEY",
    help="Metric to show (repeatable; default: the key metrics).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.option(
    "--svg",
    "svg_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a chart of the metrics to this SVG file.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=50,
    show_default=True,
    help="At most this many graded commits (the newest).",
)
@click.option(
    "--rev",
    default="HEAD",
    show_default=True,
    metavar="REV",
    help="Whose history: commits reachable from REV.",
)
def history_cli(
    path: Path, metrics: tuple[str, ...], as_json: bool, svg_file: Path | None, limit: int, rev: str
) -> None:
    """Show the trend of graded commits on this branch (from git notes)."""

    def body() -> None:
        root = _repo_root(path)
        points = read_history(root, rev, limit)
        chosen = _pick_metrics(points, metrics)
        if svg_file is not None:
            _write_atomic(svg_file, render_svg(points, chosen))
        if as_json:
            click.echo(history_json(points))
        else:
            click.echo(render_table(points, chosen))
            if svg_file is not None:
                click.echo(f"\nChart: {svg_file}")

    _bounded(body)


@click.group(name="notes")
def notes_cli() -> None:
    """Share the grade history (refs/notes/practicegrade) with a remote."""


_repo_option = click.option(
    "-C",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    help="The repository [current folder].",
)


@notes_cli.command(name="pull")
@click.argument("remote", default="origin")
@_repo_option
def notes_pull(remote: str, path: Path) -> None:
    """Fetch REMOTE's notes and merge them into yours (nothing is lost)."""

    def body() -> None:
        result = sync_notes(_repo_root(path), remote, push=False)
        click.echo(
            f"merged notes from {remote}" if result.fetched else f"{remote} has no notes yet"
        )

    _bounded(body)


@notes_cli.command(name="push")
@click.argument("remote", default="origin")
@_repo_option
def notes_push(remote: str, path: Path) -> None:
    """Merge REMOTE's notes into yours, then push yours (never forced)."""

    def body() -> None:
        result = sync_notes(_repo_root(path), remote, push=True)
        if result.pushed:
            click.echo(f"pushed notes to {remote} ({result.attempts} attempt(s))")
        else:
            click.echo("no notes to push yet: grade a commit first")

    _bounded(body)
