"""The loop's commands: ``log``, ``review``, ``showcase``, ``ack``, ``cohort``.

Each command is thin: find the repository, read what it needs (files, notes), call the
pure core in its module, print or write, exit with the right code. They are attached to
the CLI through ``cli._register_optional()``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from practicegrade.errors import UsageError

if TYPE_CHECKING:
    from practicegrade.loop.review import Review
    from practicegrade.loop.showcase import CommitLine


def _bounded(func: Callable[[], None]) -> None:
    """Run a command body inside the CLI's error boundary (imported late: cli imports us)."""
    from practicegrade.cli import error_boundary  # noqa: PLC0415

    error_boundary(func)()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


_repo_option = click.option(
    "-C",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    help="The repository [current folder].",
)


# --------------------------------------------------------------------------- log


@click.group(name="log")
def log_cli() -> None:
    """The practice log (practice-log.md): what was attempted, the outcome, the lesson."""


@log_cli.command(name="add")
@click.option("--attempt", metavar="TEXT", help="What you attempted this cycle.")
@click.option("--outcome", metavar="TEXT", help="What happened.")
@click.option("--lesson", metavar="TEXT", help="What you learned.")
@click.option(
    "--edit/--no-edit",
    default=None,
    help="Open $EDITOR for what is missing [when run in a terminal].",
)
@_repo_option
def log_add(
    attempt: str | None, outcome: str | None, lesson: str | None, edit: bool | None, path: Path
) -> None:
    """Add an entry, linked to the current commit and its numbers."""

    def body() -> None:
        from practicegrade import gitrepo  # noqa: PLC0415
        from practicegrade.history import format_ts  # noqa: PLC0415
        from practicegrade.loop import files  # noqa: PLC0415
        from practicegrade.loop import practicelog as pl  # noqa: PLC0415

        root = files.repo_root(path)
        values = {"attempt": attempt, "outcome": outcome, "lesson": lesson}
        missing = pl.missing_fields(values)
        if missing:
            interactive = edit if edit is not None else sys.stdin.isatty()
            if not interactive:
                raise UsageError(
                    f"the entry has no {', '.join(missing)} (no terminal to open an editor in)",
                    hint="pass "
                    + " ".join(f"--{m} TEXT" for m in missing)
                    + ", or run it in a terminal so $EDITOR opens",
                )
            edited = click.edit(pl.editor_template(values), extension=".md", require_save=True)
            if edited is None:
                raise UsageError("the editor was closed without saving: no entry added")
            values = {**values, **{k: v for k, v in pl.parse_template(edited).items() if v}}
            still = pl.missing_fields(values)
            if still:
                raise UsageError(
                    f"the entry still has no {', '.join(still)}: nothing was added",
                    hint="fill in every section (attempt, outcome, lesson)",
                )
        head = gitrepo.head_info(root)
        metrics = files.commit_metrics(root, head.commit) if head.commit else {}
        entry = pl.LogEntry(
            date=format_ts(_now()),
            attempt=values["attempt"] or "",
            outcome=values["outcome"] or "",
            lesson=values["lesson"] or "",
            commit=head.commit,
            metrics=pl.key_metrics(metrics),
        )
        target = root / pl.LOG_FILE
        files.write_atomic(target, pl.append_text(files.read_bounded(target), entry))
        linked = f"commit {head.commit[:8]}" if head.commit else "no commit yet"
        numbers = "with its numbers" if metrics else "not graded yet: no numbers"
        click.echo(f"added an entry to {pl.LOG_FILE} ({linked}, {numbers}); commit it")

    _bounded(body)


@log_cli.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@_repo_option
def log_show(as_json: bool, path: Path) -> None:
    """List the entries with their numbers then and now."""

    def body() -> None:
        from practicegrade import gitrepo  # noqa: PLC0415
        from practicegrade.loop import files  # noqa: PLC0415
        from practicegrade.loop import practicelog as pl  # noqa: PLC0415

        root = files.repo_root(path)
        parsed = pl.parse_log(files.read_bounded(root / pl.LOG_FILE) or "")
        for problem in parsed.problems:
            click.echo(f"warning: {problem}", err=True)
        head = gitrepo.head_info(root)
        now = _latest_metrics(root) if head.commit else {}
        if as_json:
            click.echo(pl.entries_json(parsed.entries, now))
        else:
            click.echo(pl.render_terminal(parsed.entries, now))

    _bounded(body)


def _latest_metrics(root: Path) -> dict[str, float]:
    """The newest graded commit's numbers on this branch (HEAD's when it is graded)."""
    from practicegrade.history import read_history  # noqa: PLC0415

    points = read_history(root, "HEAD", limit=1)
    return dict(points[-1].metrics) if points else {}


# --------------------------------------------------------------------------- review


def out_dir(root: Path) -> Path:
    """Where the artifacts go by default (the grade's ``--out`` default)."""
    return root / ".practicegrade" / "out"


@click.command(name="review")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Start of the review period [one cadence.review_every_days ago].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the review as JSON.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the Markdown [.practicegrade/out/review.md].",
)
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="Config file to use."
)
@_repo_option
def review_cli(
    since: dt.datetime | None,
    as_json: bool,
    out_file: Path | None,
    config_file: Path | None,
    path: Path,
) -> None:
    """The progress review: baseline, milestones, stalls, recurring bottlenecks, the plan."""

    def body() -> None:
        from practicegrade.loop import files  # noqa: PLC0415
        from practicegrade.loop.reviewrender import (  # noqa: PLC0415
            render_review_json,
            render_review_md,
            render_review_terminal,
        )

        root = files.repo_root(path)
        review = load_review(root, config_file, since.date() if since else None, _now().date())
        target = out_file or out_dir(root) / "review.md"
        files.write_atomic(target, render_review_md(review))
        if as_json:
            click.echo(render_review_json(review))
        else:
            click.echo(render_review_terminal(review))
            click.echo(f"\nReview: {target}")

    _bounded(body)


def load_review(
    root: Path, config_file: Path | None, since: dt.date | None, today: dt.date
) -> Review:
    """Read the model, the notes, the log and the acknowledgements; build the review."""
    from practicegrade.config import load_config  # noqa: PLC0415
    from practicegrade.history import read_history  # noqa: PLC0415
    from practicegrade.loop import files  # noqa: PLC0415
    from practicegrade.loop import practicelog as pl  # noqa: PLC0415
    from practicegrade.loop.review import AckLine, build_review  # noqa: PLC0415

    config = load_config(root, config_file)
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    points = read_history(root, "HEAD")
    parsed = pl.parse_log(files.read_bounded(root / pl.LOG_FILE) or "")
    in_force, _pending, problems = files.read_acks(root, None, None)
    for problem in (*parsed.problems, *problems):
        click.echo(f"warning: {problem}", err=True)
    acks = [
        AckLine(a.kind, a.target, a.until.isoformat(), a.reason, a.by)
        for a in in_force
        if a.active(today)
    ]
    return build_review(config, points, today=today, since=since, log=parsed.entries, acks=acks)


# --------------------------------------------------------------------------- showcase


@click.command(name="showcase")
@click.argument("milestone")
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the Markdown [.practicegrade/out/showcase-MILESTONE.md]; the chart "
    "is written beside it.",
)
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="Config file to use."
)
@_repo_option
def showcase_cli(
    milestone: str, out_file: Path | None, config_file: Path | None, path: Path
) -> None:
    """A portfolio write-up of a met MILESTONE: before/after, commits, log entries, a chart."""

    def body() -> None:
        target = write_showcase(files_root(path), milestone, out_file, config_file)
        click.echo(f"Showcase: {target}")

    _bounded(body)


def files_root(path: Path) -> Path:
    from practicegrade.loop import files  # noqa: PLC0415

    return files.repo_root(path)


def write_showcase(
    root: Path, milestone: str, out_file: Path | None, config_file: Path | None
) -> Path:
    """Build and write the showcase (Markdown + SVG chart beside it); returns the Markdown."""
    import re  # noqa: PLC0415

    from practicegrade.config import load_config  # noqa: PLC0415
    from practicegrade.history import read_history, render_svg  # noqa: PLC0415
    from practicegrade.loop import files  # noqa: PLC0415
    from practicegrade.loop import practicelog as pl  # noqa: PLC0415
    from practicegrade.loop.showcase import (  # noqa: PLC0415
        build_showcase,
        find_milestone,
        render_showcase_md,
    )

    config = load_config(root, config_file)
    found = find_milestone(config, milestone)
    points = read_history(root, "HEAD")
    log = pl.parse_log(files.read_bounded(root / pl.LOG_FILE) or "").entries
    show = build_showcase(config, found.id, points, lambda a, b: commit_lines(root, a, b), log)
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", found.id)
    target = out_file or out_dir(root) / f"showcase-{safe}.md"
    chart = target.with_name(f"{target.stem}.svg")
    metrics = show.chart_metrics
    if metrics:
        files.write_atomic(chart, render_svg(show.points, metrics))
    files.write_atomic(target, render_showcase_md(show, chart.name if metrics else None))
    return target


def commit_lines(root: Path, before: str, after: str) -> list[CommitLine]:
    """The commits after ``before`` up to ``after``, oldest first."""
    from practicegrade import gitrepo  # noqa: PLC0415
    from practicegrade.loop.showcase import CommitLine  # noqa: PLC0415

    out = gitrepo.git_out(
        root,
        "log",
        "--reverse",
        "--format=%H%x00%cI%x00%s",
        "--end-of-options",
        f"{before}..{after}",
        "--",
    )
    lines = []
    for row in out.splitlines():
        parts = row.split("\0")
        if len(parts) == 3:
            lines.append(CommitLine(parts[0], parts[1], parts[2]))
    return lines


# --------------------------------------------------------------------------- ack


@click.group(name="ack")
def ack_cli() -> None:
    """A mentor's acknowledgement or time-limited waiver, kept in practicegrade-acks.yml."""


@ack_cli.command(name="add")
@click.argument("target")
@click.option(
    "--waive",
    is_flag=True,
    help="Suspend the gate on metric TARGET until the date (else: acknowledge a finding).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Last day it applies (YYYY-MM-DD).",
)
@click.option("--reason", required=True, metavar="TEXT", help="Why (shown wherever it applies).")
@click.option("--by", metavar="NAME", help="Who acknowledges [git's author name].")
@_repo_option
def ack_add(
    target: str, waive: bool, until: dt.datetime, reason: str, by: str | None, path: Path
) -> None:
    """Acknowledge finding TARGET, or with --waive suspend metric TARGET's gate, until a date."""

    def body() -> None:
        from practicegrade import gitrepo  # noqa: PLC0415
        from practicegrade.loop import acks as ak  # noqa: PLC0415
        from practicegrade.loop import files  # noqa: PLC0415

        root = files.repo_root(path)
        ident = gitrepo.git(root, "var", "GIT_AUTHOR_IDENT").stdout
        who = by or ident.split(" <", 1)[0].strip() or "unknown"
        entry = ak.Ack(
            kind="waive" if waive else "ack",
            target=target,
            until=until.date(),
            reason=reason,
            by=who,
            date=_now().date().isoformat(),
        )
        raw = {
            "kind": entry.kind,
            "target": target,
            "until": entry.until.isoformat(),
            "reason": reason,
            "by": who,
        }
        problem = ak.check(raw)
        if problem:
            raise UsageError(f"cannot record it: {problem}")
        if entry.until < _now().date():
            raise UsageError(f"--until {entry.until} is in the past", hint="pick a later date")
        file = root / ak.ACKS_FILE
        existing = ak.parse_acks(files.read_bounded(file))
        if existing.problems:
            raise UsageError(f"{ak.ACKS_FILE} has problems; fix them first: {existing.problems[0]}")
        files.write_atomic(file, ak.format_acks([*existing.acks, entry]))
        click.echo(
            f"recorded in {ak.ACKS_FILE}: commit it; CI and the hook apply it once it is on "
            "the base branch"
        )

    _bounded(body)


@ack_cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@_repo_option
def ack_list(as_json: bool, path: Path) -> None:
    """List the acknowledgements and waivers, in force or expired."""

    def body() -> None:
        import json  # noqa: PLC0415

        from practicegrade.loop import acks as ak  # noqa: PLC0415
        from practicegrade.loop import files  # noqa: PLC0415
        from practicegrade.render.escape import term_safe  # noqa: PLC0415

        root = files.repo_root(path)
        parsed = ak.parse_acks(files.read_bounded(root / ak.ACKS_FILE))
        for problem in parsed.problems:
            click.echo(f"warning: {problem}", err=True)
        today = _now().date()
        if as_json:
            rows = [
                {
                    "kind": a.kind,
                    "target": a.target,
                    "until": a.until.isoformat(),
                    "reason": a.reason,
                    "by": a.by,
                    "active": a.active(today),
                }
                for a in parsed.acks
            ]
            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not parsed.acks:
            click.echo(f"No acknowledgements in {ak.ACKS_FILE}.")
        for a in parsed.acks:
            state = "in force" if a.active(today) else "expired"
            click.echo(
                f"{a.kind:5} {term_safe(a.target, 60)} until {a.until} ({state}), "
                f"by {term_safe(a.by, 40)}: {term_safe(a.reason, 200)}"
            )

    _bounded(body)


# --------------------------------------------------------------------------- cohort


@click.command(name="cohort")
@click.argument("sources", nargs=-1, required=True, metavar="REPO...")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option(
    "--md", "md_file", type=click.Path(path_type=Path, dir_okay=False), help="Also write Markdown."
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a self-contained HTML page.",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=8, show_default=True)
def cohort_cli(
    sources: tuple[str, ...],
    as_json: bool,
    md_file: Path | None,
    html_file: Path | None,
    jobs: int,
) -> None:
    """One table over several mentees (repository folders, clone URLs or report.json files).

    Reads notes and reports; grades nothing. Stalled mentees come first."""

    def body() -> None:
        import json  # noqa: PLC0415

        from practicegrade.history import format_ts  # noqa: PLC0415
        from practicegrade.loop import cohort, files  # noqa: PLC0415
        from practicegrade.loop.cohortio import read_cohort  # noqa: PLC0415

        now = _now()
        rows = cohort.sort_rows(read_cohort(sources, now.date(), jobs))
        if md_file is not None:
            files.write_atomic(md_file, cohort.render_markdown(rows))
        if html_file is not None:
            files.write_atomic(html_file, cohort.render_html(rows, format_ts(now)))
        if as_json:
            click.echo(json.dumps(cohort.to_json(rows), indent=2, ensure_ascii=False))
        else:
            click.echo(cohort.render_terminal(rows))

    _bounded(body)
