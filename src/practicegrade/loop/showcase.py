"""A portfolio write-up of a met milestone: before and after, the commits, the lessons, a chart.

Pure: :func:`build_showcase` takes the model, the graded history, the commits between
the baseline and the grade that first met the milestone, and the practice log;
:func:`render_showcase_md` writes the Markdown, which embeds the chart as an SVG file
written beside it (:func:`practicegrade.history.render_svg`, no network, no script).
Every learner string is escaped (:func:`practicegrade.render.escape.md_code`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from practicegrade.config import Config, Milestone
from practicegrade.errors import UsageError
from practicegrade.history import HistoryPoint, fmt_value
from practicegrade.loop.milestones import first_met
from practicegrade.loop.practicelog import LogEntry
from practicegrade.render.escape import md_code
from practicegrade.rubric import value_of

MAX_COMMITS = 30


@dataclass(frozen=True, slots=True)
class CommitLine:
    commit: str
    date: str
    subject: str
    """Learner text."""


@dataclass(frozen=True, slots=True)
class Number:
    metric: str
    target: str | None
    before: float | None
    after: float | None


@dataclass(frozen=True, slots=True)
class Showcase:
    id: str
    title: str
    due: str
    before: HistoryPoint
    after: HistoryPoint
    numbers: tuple[Number, ...]
    commits: tuple[CommitLine, ...]
    commits_total: int
    log: tuple[LogEntry, ...]
    points: tuple[HistoryPoint, ...]
    """The graded commits from before to after, for the chart."""

    @property
    def chart_metrics(self) -> tuple[str, ...]:
        """The criteria that moved (a flat line shows nothing), at most three."""
        moved = [n.metric for n in self.numbers if None not in (n.before, n.after)]
        changed = [n.metric for n in self.numbers if n.before != n.after and n.metric in moved]
        return tuple(changed or moved)[:3]


def find_milestone(config: Config, wanted: str) -> Milestone:
    """The milestone with id ``wanted`` (usage error naming the ids otherwise)."""
    for milestone in config.milestones:
        if milestone.id == wanted:
            return milestone
    ids = ", ".join(m.id for m in config.milestones) or "none in the model"
    raise UsageError(f"no milestone {wanted!r} in the competence model", hint=f"milestones: {ids}")


def _criteria(config: Config, milestone: Milestone) -> list[tuple[str, str | None]]:
    by_id = {c.id: c for c in config.competencies}
    pairs = [
        (c.metric, c.target or c.gate)
        for cid in milestone.requires
        for c in (by_id[cid].criteria if cid in by_id else ())
    ]
    pairs += [(c.metric, c.target or c.gate) for c in milestone.criteria]
    return list(dict.fromkeys(pairs))


def build_showcase(
    config: Config,
    milestone_id: str,
    points: Sequence[HistoryPoint],
    commits_between: Callable[[str, str], Sequence[CommitLine]],
    log: Sequence[LogEntry],
) -> Showcase:
    """The write-up's content; a milestone not met on this branch is a usage error.

    ``commits_between(before, after)`` lists the commits in between (git, at the edge)."""
    milestone = find_milestone(config, milestone_id)
    met = first_met(config, points).get(milestone.id)
    if met is None:
        raise UsageError(
            f"milestone {milestone.id!r} is not met on this branch yet",
            hint="`practicegrade review` shows how far it is and at what rate",
        )
    end = next(i for i, p in enumerate(points) if p.commit == met.commit)
    start = 0
    if config.baseline:
        start = next(
            (i for i, p in enumerate(points[: end + 1]) if p.commit.startswith(config.baseline)),
            0,
        )
    before, after = points[start], points[end]
    numbers = tuple(
        Number(metric, target, value_of(before.metrics, metric), value_of(after.metrics, metric))
        for metric, target in _criteria(config, milestone)
    )
    commits = commits_between(before.commit, after.commit)
    between = [e for e in log if before.ts[:10] <= e.date[:10] <= after.ts[:10]]
    return Showcase(
        id=milestone.id,
        title=milestone.title,
        due=milestone.due.isoformat(),
        before=before,
        after=after,
        numbers=numbers,
        commits=tuple(commits[:MAX_COMMITS]),
        commits_total=len(commits),
        log=tuple(between),
        points=tuple(points[start : end + 1]),
    )


def render_showcase_md(show: Showcase, chart_file: str | None) -> str:
    """The write-up in Markdown; ``chart_file`` is the SVG's name beside it (ours)."""
    before, after = show.before, show.after
    lines = [
        f"# Milestone reached: {md_code(show.title)}",
        "",
        f"Met on {after.ts[:10]} at commit {md_code(after.commit[:8])}, "
        f"due {show.due}. From {md_code(before.commit[:8])} ({before.ts[:10]}) "
        f"to {md_code(after.commit[:8])} ({after.ts[:10]}): "
        f"{len(show.points)} graded commits, {show.commits_total} commits in all.",
        "",
        "## Before and after",
        "",
        "| metric | target | before | after |",
        "|---|---|--:|--:|",
    ]
    for n in show.numbers:
        lines.append(
            f"| {md_code(n.metric)} | {md_code(n.target or '–')} | "
            f"{fmt_value(n.metric, n.before)} | {fmt_value(n.metric, n.after)} |"
        )
    lines.append("")
    if chart_file:
        lines += [f"![Trend of the milestone's metrics]({chart_file})", ""]
    if show.commits:
        lines += ["## The commits", ""]
        lines += [
            f"- {md_code(c.commit[:8])} {c.date[:10]} {md_code(c.subject, 100)}"
            for c in show.commits
        ]
        if show.commits_total > len(show.commits):
            lines.append(f"- … and {show.commits_total - len(show.commits)} more")
        lines.append("")
    if show.log:
        lines += ["## What was tried, and learned", ""]
        for e in show.log:
            lines += [
                f"- **{e.date[:10]}** attempted {md_code(e.attempt, 300)}; "
                f"outcome {md_code(e.outcome, 300)}; lesson {md_code(e.lesson, 300)}"
            ]
        lines.append("")
    lines.append("<sub>practicegrade showcase</sub>")
    return "\n".join(lines) + "\n"
