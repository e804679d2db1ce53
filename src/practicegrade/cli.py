"""The Click command line: parse, call one core function, print, exit with the right code.

Every command runs inside :func:`error_boundary`: a :class:`PracticegradeError` prints
one line and a hint and exits with its code (2 for usage/config); anything else is a
bug of ours and exits 3 after writing a crash log the user can attach to an issue.
Heavy modules are imported inside the commands so ``practicegrade --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import platform
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import click

from practicegrade import __version__
from practicegrade.errors import EXIT_INTERNAL, PracticegradeError

P = ParamSpec("P")
R = TypeVar("R")


def write_crash_log(exc: BaseException) -> Path:
    """Write a Markdown crash log (versions + traceback) and return its path."""
    fd, name = tempfile.mkstemp(prefix="practicegrade-crash-", suffix=".md")
    body = (
        f"# practicegrade {__version__} crashed\n\n"
        f"- python: {sys.version.split()[0]} ({sys.executable})\n"
        f"- platform: {platform.platform()}\n"
        f"- argv: {sys.argv!r}\n\n```\n{''.join(traceback.format_exception(exc))}```\n"
    )
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(body)
    return Path(name)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (the hook's timeout): stop our children, then unwind so cleanups run."""
    del frame
    from practicegrade import proc  # noqa: PLC0415

    proc.terminate_all()
    raise SystemExit(128 + signum)


def error_boundary(func: Callable[P, R]) -> Callable[P, R]:
    """Map our errors to exit codes; a crash of ours is exit 3, never a failing mentee."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _stop_on_sigterm)
        try:
            return func(*args, **kwargs)
        except PracticegradeError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader (``| head``) went away: stop quietly, as git does (128 + SIGPIPE).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            log = write_crash_log(exc)
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            click.echo(f"practicegrade crashed; the crash log is at {log}", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper


@contextmanager
def progress_line(
    enabled: bool,
) -> Iterator[Callable[[str, Literal["start", "done"]], None] | None]:
    """A one-line status on stderr naming the running collectors and the elapsed time.

    ``"name: detail"`` started again under the same name updates what it is doing (the
    benchmark being timed and its progress) and keeps its clock.
    """
    if not enabled:
        yield None
        return
    running: dict[str, tuple[float, str]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def draw() -> None:
        with lock:
            names = ", ".join(
                f"{n}{': ' + d if d else ''} {time.monotonic() - t:.0f}s"
                for n, (t, d) in running.items()
            )
        line = f"grading… {time.monotonic() - started:4.0f}s  {names}"
        sys.stderr.write("\r\x1b[2K" + line[:120])
        sys.stderr.flush()

    def ticker() -> None:
        while not stop.wait(0.5):
            draw()

    def callback(name: str, event: Literal["start", "done"]) -> None:
        key, _, detail = name.partition(": ")
        with lock:
            if event == "start":
                since = running.get(key, (time.monotonic(), ""))[0]
                running[key] = (since, detail)
            else:
                running.pop(key, None)

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    try:
        yield callback
    finally:
        stop.set()
        thread.join()
        sys.stderr.write("\r\x1b[2K")
        sys.stderr.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="practicegrade")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Measure a practice repo against the competence model mentor and mentee agreed on."""
    from practicegrade.render.terminal import color_choice  # noqa: PLC0415

    # Every command's click.echo follows NO_COLOR / FORCE_COLOR (None: terminals only).
    ctx.color = color_choice(os.environ)


FORMATS = ("report.json", "comment.md", "report.html", "lint.sarif", "junit.xml", "gradescope.json")


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--base", metavar="REF", help="Compare with REF (default: the merge-base; 'none' to skip)."
)
@click.option("--rev", metavar="REV", help="Grade commit REV instead of the work tree.")
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="Config file to use."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Artifact folder [.practicegrade/out].",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Only write these artifacts (repeatable; default: all).",
)
@click.option("--no-tests", is_flag=True, help="Skip running the tests (static metrics only).")
@click.option("--no-bench", is_flag=True, help="Skip the benchmarks.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="cores, at most 4",
    help="Parallel workers for pylint.",
)
@click.option(
    "--python", "python", metavar="PATH", help="Interpreter that runs the tests [active venv]."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print report.json to stdout instead of the summary."
)
@click.option(
    "--source",
    "origin",
    type=click.Choice(["local", "hook", "ci"]),
    default=None,
    help="Who grades [ci when a CI service's variables are set, else local]; ci trusts no "
    "note, cache or reused worktree.",
)
@click.option(
    "--record",
    "record_ci",
    is_flag=True,
    help="CI on the default branch: keep this report in refs/notes/practicegrade-ci, so "
    "pull requests on top of it reuse it instead of grading their base again.",
)
@click.option(
    "--reuse-base/--no-reuse-base",
    default=True,
    show_default=True,
    help="Compare with the base's CI record when one matches (see --record).",
)
@error_boundary
def grade(
    path: Path,
    base: str | None,
    rev: str | None,
    config_file: Path | None,
    out_dir: Path | None,
    formats: tuple[str, ...],
    no_tests: bool,
    no_bench: bool,
    jobs: int,
    python: str | None,
    as_json: bool,
    origin: Literal["local", "hook", "ci"] | None,
    record_ci: bool,
    reuse_base: bool,
) -> None:
    """Measure the project at PATH, compare, evaluate, and write the artifacts."""
    from practicegrade.lintproc import WarmDriver  # noqa: PLC0415

    # A pushed commit is new code: pylint will run, so it starts loading now, while the
    # grader imports itself and checks the commit out (practicegrade.lintproc).
    warm = WarmDriver.start() if origin == "hook" else None
    try:
        from practicegrade.grade import GradeRequest, running_in_ci  # noqa: PLC0415
        from practicegrade.grade import grade as run_grade  # noqa: PLC0415

        show_progress = not as_json and sys.stderr.isatty()
        with progress_line(show_progress) as progress:
            outcome = run_grade(
                GradeRequest(
                    path=path,
                    now=dt.datetime.now(dt.timezone.utc),
                    config_file=config_file,
                    out_dir=out_dir,
                    base=base,
                    rev=rev,
                    run_tests=not no_tests,
                    run_bench=not no_bench,
                    jobs=jobs,
                    python=python,
                    origin=origin or ("ci" if running_in_ci(os.environ) else "local"),
                    formats=formats or None,
                    progress=progress,
                    warm_lint=warm,
                    record_ci=record_ci,
                    reuse_base=reuse_base,
                )
            )
    finally:
        if warm is not None:
            warm.close()
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        from practicegrade.serialize import dumps  # noqa: PLC0415

        click.echo(dumps(outcome.report))
    else:
        from practicegrade.render.terminal import render_summary, wants_color  # noqa: PLC0415

        click.echo(render_summary(outcome.report, color=wants_color(sys.stdout, os.environ)))
        if outcome.artifacts:
            where = outcome.artifacts[0].parent
            click.echo(f"\nArtifacts: {where}/ ({', '.join(p.name for p in outcome.artifacts)})")
    sys.exit(outcome.exit_code)


@main.command()
@error_boundary
def roles() -> None:
    """List the built-in competence models."""
    from practicegrade.config import list_roles  # noqa: PLC0415

    for name, summary in list_roles():
        click.echo(f"{name:20} {summary}")


@main.command()
@click.option(
    "--role", default="junior-python", show_default=True, help="Built-in model to start from."
)
@click.option("--force", is_flag=True, help="Overwrite an existing practicegrade.yml.")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
@error_boundary
def init(role: str, force: bool, path: Path) -> None:
    """Write a starter practicegrade.yml from a built-in competence model."""
    from practicegrade.config import starter_config  # noqa: PLC0415
    from practicegrade.errors import UsageError  # noqa: PLC0415

    target = path / "practicegrade.yml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="edit it, or pass --force to replace it")
    text: str = starter_config(role)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target} (role: {role}); review it with your mentor, then commit it")


@main.command()
@error_boundary
def demo() -> None:
    """Build a sample mentee repo in a temp dir and run the whole loop on it."""
    from practicegrade.demo import run_demo  # noqa: PLC0415

    sys.exit(run_demo(echo=click.echo))


def _register_optional() -> None:
    """Attach command groups that live in their own modules."""
    for module, attr in (
        ("practicegrade.hook", "hook_cli"),
        ("practicegrade.history", "history_cli"),
        ("practicegrade.history", "notes_cli"),
        ("practicegrade.loop.commands", "log_cli"),
        ("practicegrade.loop.commands", "review_cli"),
        ("practicegrade.loop.commands", "showcase_cli"),
        ("practicegrade.loop.commands", "ack_cli"),
        ("practicegrade.loop.commands", "cohort_cli"),
        ("practicegrade.comment", "comment_cli"),
        ("practicegrade.annotate", "annotate_cli"),
    ):
        try:
            mod = __import__(module, fromlist=[attr])
        except ImportError:
            continue
        command: Any = getattr(mod, attr, None)
        if isinstance(command, click.Command):
            main.add_command(command)


_register_optional()


if __name__ == "__main__":  # pragma: no cover
    main()
