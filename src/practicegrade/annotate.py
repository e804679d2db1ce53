"""``practicegrade annotate``: GitHub Actions annotations on the lines a change touched.

Stage 1 of ci/github/ prints these after grading, so new pylint messages and untested
lines show up in the pull request's "Files changed" view. Only lines the change added
or modified are annotated (``git diff -U0 base head``); old hotspots stay in the report.

A file name and a message are the learner's, and the runner reads every stdout line
that starts with ``::`` as a workflow command: a file named ``a\\n::add-mask::x`` would
otherwise inject one. So (security-reliability.md rule 18, as py-cov-action's
``escape_property``/``escape_data``) data escapes ``%``, CR and LF, and properties also
``:`` and ``,``; nothing we print can start a line but our own ``::warning``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from practicegrade.model import Report

MAX_ANNOTATIONS = 50
"""GitHub shows at most 50 annotations of a kind per job (10 per step); more is noise."""
_TITLE_LIMIT = 120
_MESSAGE_LIMIT = 1_000


def escape_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, *, file: str, line: int, title: str, message: str, end: int = 0) -> str:
    """One ``::warning file=…,line=…::…`` line with every learner part escaped."""
    props = [f"file={escape_property(file)}", f"line={int(line)}"]
    if end > line:
        props.append(f"endLine={int(end)}")
    props.append(f"title={escape_property(title[:_TITLE_LIMIT])}")
    return f"::{kind} {','.join(props)}::{escape_data(message[:_MESSAGE_LIMIT])}"


def _runs(lines: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive line numbers as ``(first, last)`` ranges."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def build_annotations(report: Report, changed: Mapping[str, Sequence[int]]) -> list[str]:
    """Annotations for ``report`` on ``changed`` lines only: pylint messages, then
    untested changed lines; at most :data:`MAX_ANNOTATIONS`."""
    touched = {path: set(lines) for path, lines in changed.items()}
    out: list[str] = []
    messages = report.lint.messages if report.lint is not None else ()
    for m in sorted(messages, key=lambda m: (m.path, m.line, m.symbol)):
        if m.line in touched.get(m.path, ()):
            out.append(
                command(
                    "warning",
                    file=m.path,
                    line=m.line,
                    title=f"pylint {m.symbol} ({m.msg_id})",
                    message=m.message,
                )
            )
    patch = report.comparison.patch if report.comparison is not None else ()
    for item in patch:
        lines = [n for n in item.uncovered_lines if n in touched.get(item.file, ())]
        for first, last in _runs(lines):
            out.append(
                command(
                    "warning",
                    file=item.file,
                    line=first,
                    end=last,
                    title="not covered by tests",
                    message="No test runs this changed code. Add a test that does.",
                )
            )
    return out[:MAX_ANNOTATIONS]


@click.command("annotate")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    default=Path(".practicegrade/out/report.json"),
    show_default=True,
    help="The report of the graded pull request.",
)
@click.option(
    "-C",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    help="The repository [current folder].",
)
def annotate_cli(report_path: Path, path: Path) -> None:
    """Print GitHub Actions annotations for the lines the graded change touched."""
    from practicegrade.cli import error_boundary  # noqa: PLC0415

    @error_boundary
    def run() -> None:
        from practicegrade import gitrepo  # noqa: PLC0415
        from practicegrade.errors import UsageError  # noqa: PLC0415
        from practicegrade.reportfile import MAX_REPORT_BYTES, parse_report  # noqa: PLC0415

        if not report_path.is_file():
            raise UsageError(f"no report at {report_path}", hint="run `practicegrade grade` first")
        with report_path.open("rb") as handle:
            report = parse_report(handle.read(MAX_REPORT_BYTES + 1), str(report_path))
        if report.comparison is None or report.repo.commit is None:
            return  # nothing was compared: no line is "changed"
        root = gitrepo.toplevel(path)
        if root is None:
            raise UsageError(f"{path} is not inside a git repository")
        changed = gitrepo.changed_lines(root, report.comparison.base_commit, report.repo.commit)
        for line in build_annotations(report, changed):
            click.echo(line)

    run()
