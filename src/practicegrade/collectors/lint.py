"""Lint: pylint's messages and score for the source files.

pylint runs in a subprocess (through :func:`practicegrade.proc.run`: clean environment,
timeout, resource limits), inside :mod:`practicegrade.collectors._pylint_driver`, which
hands pylint a sanitized copy of the learner's own configuration and writes JSON. The
score equals what ``pylint <same files>`` prints in the repository, except where the
learner's configuration asked for something we refuse (running code, importing plugins
other than pylint's own, a custom ``evaluation`` formula); each refusal is a finding.

Scheduling: ``Settings.jobs`` is how many processes pylint may use at most, but while
the learner's tests run it uses one; when ``Settings.cores_free`` is set the driver forks
helpers for the files left (:func:`signal_when_free`, :class:`._pylint_driver.WorkShare`).
Any schedule gives the messages and score of a single ``pylint`` process.

Split for the incremental cache: :class:`LintRun` (serializable) holds per-module
statements and counts besides the messages; :func:`score` recomputes pylint's score
from any sum of parts, and :func:`aggregate` turns a run into the collector's result.

Fingerprints (:func:`fingerprint`) identify a message across commits that move lines:
they hash the file path, the message symbol, the enclosing object (``obj``), the
message text with digits masked (so "line 12" or "(13/12)" do not matter), the
stripped text of the flagged source line, and an ordinal that tells apart otherwise
identical messages in the same file (counted in line order). The line number itself
is not part of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast

from practicegrade import lintproc, proc
from practicegrade.collectors import Project, Settings
from practicegrade.model import CollectorResult, Finding, LintDetails, LintMessage

NAME = "lint"
METRICS = ("lint.score", "lint.errors", "lint.warnings", "lint.refactors", "lint.conventions")
CATEGORIES = ("fatal", "error", "warning", "refactor", "convention", "info")
GO_POLL_S = 0.02
"""How often the go signal's waiter looks at the orchestrator's event."""

Category = Literal["fatal", "error", "warning", "refactor", "convention", "info"]


@dataclass(frozen=True, slots=True)
class ModuleLint:
    """pylint's statements and message counts for one linted file."""

    module: str
    path: str
    statement: int
    fatal: int = 0
    error: int = 0
    warning: int = 0
    refactor: int = 0
    convention: int = 0
    info: int = 0


@dataclass(frozen=True, slots=True)
class LintRun:
    """Everything one pylint run reported; JSON round-trips through :mod:`serialize`.

    ``counts`` are pylint's global counts (what its score uses); they equal the sum of
    ``modules`` plus ``cross_module`` (``duplicate-code``, which belongs to no one file).
    """

    messages: tuple[LintMessage, ...]
    modules: tuple[ModuleLint, ...]
    counts: Mapping[str, int]
    cross_module: Mapping[str, int]
    statements: int
    score: float | None
    rcfile: str | None = None
    ignored: tuple[tuple[str, str], ...] = ()
    """``(option, reason)`` for each learner option that was not honoured."""
    outside_config: str | None = None
    config_error: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- pure parts


def score(statements: int, counts: Mapping[str, int]) -> float:
    """pylint's default ``evaluation`` expression, evaluated the way pylint does.

    ``max(0, 0 if fatal else 10.0 - ((float(5 * error + warning + refactor +
    convention) / statement) * 10))``. It is a ratio of sums, so a global score is
    recomputable from per-module parts. Raises ``ValueError`` without statements
    (pylint then gives no score at all).
    """
    if statements <= 0:
        raise ValueError("pylint gives no score without statements")
    c = {k: int(counts.get(k, 0)) for k in CATEGORIES}
    weighted = float(5 * c["error"] + c["warning"] + c["refactor"] + c["convention"])
    note = 0 if c["fatal"] else 10.0 - ((weighted / statements) * 10)
    return float(max(0, note))


_DIGITS = re.compile(r"\d+")


def fingerprint(
    path: str, symbol: str, obj: str, message: str, line_text: str, *, ordinal: int = 0
) -> str:
    """A message identity that survives lines moving (see the module docstring)."""
    parts = (path, symbol, obj, _DIGITS.sub("#", message), line_text.strip(), str(ordinal))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:20]


def split_lines(text: str) -> list[str]:
    """Lines as Python (and so pylint) numbers them: only CR, LF and CRLF end a line."""
    return re.split(r"\r\n|\r|\n", text)


def with_fingerprints(
    messages: Iterable[LintMessage], lines_of: Callable[[str], Sequence[str]]
) -> tuple[LintMessage, ...]:
    """Fill ``fingerprint`` on every message; ``lines_of(path)`` gives the file's lines."""
    ordered = sorted(messages, key=_sort_key)
    seen: dict[str, int] = {}
    out = []
    for msg in ordered:
        lines = lines_of(msg.path)
        text = lines[msg.line - 1] if 0 < msg.line <= len(lines) else ""
        base = fingerprint(msg.path, msg.symbol, msg.obj, msg.message, text)
        ordinal = seen.get(base, 0)
        seen[base] = ordinal + 1
        fp = (
            base
            if ordinal == 0
            else fingerprint(msg.path, msg.symbol, msg.obj, msg.message, text, ordinal=ordinal)
        )
        out.append(replace(msg, fingerprint=fp))
    return tuple(out)


def _sort_key(m: LintMessage) -> tuple[str, int, int, str, str]:
    return (m.path, m.line, m.column, m.symbol, m.message)


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def _category(value: object) -> Category:
    if value not in CATEGORIES:
        raise ValueError(f"unknown pylint category {value!r}")
    return cast(Category, value)


def message_from_json(m: Mapping[str, Any]) -> LintMessage:
    """One message of the driver's JSON (pylint's own field names) as a :class:`LintMessage`."""
    end_line, end_column = m.get("end_line"), m.get("end_column")
    return LintMessage(
        path=str(m["path"]),
        line=_int(m.get("line")),
        column=_int(m.get("column")),
        symbol=str(m["symbol"]),
        msg_id=str(m["msg_id"]),
        category=_category(m["category"]),
        message=str(m["message"]),
        obj=str(m.get("obj") or ""),
        end_line=end_line if isinstance(end_line, int) else None,
        end_column=end_column if isinstance(end_column, int) else None,
    )


def parse_driver_output(
    document: Mapping[str, Any], lines_of: Callable[[str], Sequence[str]]
) -> LintRun:
    """The driver's JSON as a :class:`LintRun` (raises ``KeyError``/``ValueError`` if malformed)."""
    messages = with_fingerprints((message_from_json(m) for m in document["messages"]), lines_of)
    modules = tuple(
        ModuleLint(
            module=str(m["module"]),
            path=str(m["path"]),
            statement=_int(m["statement"]),
            **{c: _int(m.get(c)) for c in CATEGORIES},
        )
        for m in document["modules"]
    )
    raw_score = document.get("score")
    return LintRun(
        messages=messages,
        modules=modules,
        counts={c: _int(document["counts"].get(c)) for c in CATEGORIES},
        cross_module={c: _int(document["cross_module"].get(c)) for c in CATEGORIES},
        statements=_int(document["statements"]),
        score=float(raw_score) if isinstance(raw_score, (int, float)) else None,
        rcfile=document.get("rcfile"),
        ignored=tuple((str(i["option"]), str(i["reason"])) for i in document.get("ignored", ())),
        outside_config=document.get("outside_config"),
        config_error=document.get("config_error"),
        versions={str(k): str(v) for k, v in document.get("versions", {}).items()},
    )


def metrics_of(run: LintRun) -> tuple[dict[str, float], dict[str, str]]:
    """The ``lint.*`` metrics of a run, and reasons for any that are missing."""
    c = run.counts
    metrics = {
        "lint.errors": float(c.get("error", 0) + c.get("fatal", 0)),
        "lint.warnings": float(c.get("warning", 0)),
        "lint.refactors": float(c.get("refactor", 0)),
        "lint.conventions": float(c.get("convention", 0)),
    }
    if run.score is None:
        reason = "pylint found no statements to rate (files empty or unparseable)"
        return metrics, {"lint.score": reason}
    return {"lint.score": float(run.score), **metrics}, {}


def _config_line(config_text: str, option: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(option)}[\"']?\s*[=:]", re.IGNORECASE)
    for number, line in enumerate(split_lines(config_text), start=1):
        if pattern.match(line):
            return number
    return None


def config_findings(run: LintRun, config_text: str = "") -> tuple[Finding, ...]:
    """Findings that say which parts of the learner's pylint configuration were refused."""
    findings = []
    for option, reason in run.ignored:
        findings.append(
            Finding(
                kind="config-ignored",
                message=f"pylint option `{option}` in {run.rcfile} was ignored: {reason}",
                file=run.rcfile,
                line=_config_line(config_text, option),
                collector=NAME,
            )
        )
    if run.outside_config:
        message = (
            f"pylint would also read {run.outside_config}, which is outside the repository; "
            "the grade uses the repository's own configuration only"
        )
        findings.append(Finding("config-ignored", message, None, None, NAME))
    if run.config_error:
        message = f"pylint cannot parse its configuration, so defaults apply: {run.config_error}"
        findings.append(Finding("config-error", message, run.rcfile, None, NAME))
    return tuple(findings)


def aggregate(run: LintRun, *, duration_s: float = 0.0, config_text: str = "") -> CollectorResult:
    """The collector result of a (fresh or cached) pylint run."""
    metrics, unmeasured = metrics_of(run)
    return CollectorResult(
        name=NAME,
        metrics=metrics,
        unmeasured=unmeasured,
        findings=config_findings(run, config_text),
        tool_versions=dict(run.versions),
        duration_s=duration_s,
        details=LintDetails(messages=run.messages, statements=run.statements, rcfile=run.rcfile),
    )


def result_of_run(root: Path, run: LintRun, started: float) -> CollectorResult:
    """The collector result of a parsed driver run; reads the honoured config for findings."""
    config_text = ""
    if run.rcfile:
        try:
            config_text = (root / run.rcfile).read_text(encoding="utf-8", errors="replace")
        except OSError:
            config_text = ""
    return aggregate(run, duration_s=time.monotonic() - started, config_text=config_text)


def failed(reason: str, finding: Finding, duration_s: float) -> CollectorResult:
    """A run that produced no numbers: every metric unmeasured, one finding saying why."""
    return CollectorResult(
        name=NAME,
        unmeasured=dict.fromkeys(METRICS, reason),
        findings=(finding,),
        duration_s=duration_s,
    )


# --------------------------------------------------------------------------- I/O


def _reader(root: Path, allowed: Iterable[str]) -> Callable[[str], Sequence[str]]:
    """``lines_of(path)`` for fingerprints: reads only the files we linted, each once."""
    allowed_set = set(allowed)
    cache: dict[str, list[str]] = {}

    def lines_of(path: str) -> Sequence[str]:
        if path not in allowed_set:
            return ()
        if path not in cache:
            try:
                cache[path] = split_lines((root / path).read_bytes().decode("utf-8", "replace"))
            except OSError:
                cache[path] = []
        return cache[path]

    return lines_of


def driver_args(
    out: Path,
    scratch: Path,
    files_from: Path,
    jobs: int,
    go: Path | None = None,
    *,
    reuse: Path | None = None,
    export: Path | None = None,
) -> list[str]:
    """The driver's options (its command is :func:`practicegrade.lintproc.command`).

    ``reuse`` and ``export`` are the incremental cache's: earlier records of files not
    to lint again, and where to write this run's (see :func:`._pylint_driver.lint`).
    """
    args = ["--out", str(out), "--scratch", str(scratch), "--jobs", str(jobs)]
    args += ["--files-from", str(files_from)]
    if go is not None:
        args += ["--go", str(go)]
    if reuse is not None:
        args += ["--reuse", str(reuse)]
    if export is not None:
        args += ["--export", str(export)]
    return args


def signal_when_free(cores_free: threading.Event | None, go: Path) -> Callable[[], None]:
    """Create ``go`` once ``cores_free`` is set; returns the function that stops waiting.

    The driver lints with one process until ``go`` exists, then forks helpers for the
    files left (see :mod:`._pylint_driver`), so the learner's tests keep a core to
    themselves while they run. Without ``cores_free`` nobody else needs a core: ``go``
    exists from the start.
    """
    go.unlink(missing_ok=True)
    if cores_free is None or cores_free.is_set():
        go.touch()
        return lambda: None
    stop = threading.Event()

    def wait() -> None:
        while not stop.is_set():
            if cores_free.wait(GO_POLL_S):
                with contextlib.suppress(OSError):
                    go.touch()
                return

    waiter = threading.Thread(target=wait, name="pylint-go", daemon=True)
    waiter.start()

    def done() -> None:
        stop.set()
        waiter.join()

    return done


def run_driver(
    args: Sequence[str], project: Project, settings: Settings, scratch: Path, go: Path
) -> proc.Completed:
    """Run the driver (``args`` from :func:`driver_args`) in the repository, ``go``
    signalled; the grade's warm driver if it is still free (:mod:`practicegrade.lintproc`)."""
    done = signal_when_free(settings.cores_free, go)
    try:
        return lintproc.run(args, project.root, scratch / "home", settings.warm_driver)
    finally:
        done()


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Lint ``project.source_files`` with pylint and the repository's own configuration."""
    started = time.monotonic()
    files = list(project.source_files)
    if not files:
        return CollectorResult(
            name=NAME, unmeasured=dict.fromkeys(METRICS, "no Python source files to lint")
        )
    scratch = Path(settings.scratch).resolve() / "pylint"  # the driver runs in project.root
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / "result.json"
    out.unlink(missing_ok=True)
    files_from = scratch / "files.json"
    files_from.write_text(json.dumps(files), encoding="utf-8")
    jobs = max(1, min(settings.jobs, len(files)))
    go = scratch / "go"
    args = driver_args(out, scratch, files_from, jobs, go)
    completed = run_driver(args, project, settings, scratch, go)
    elapsed = time.monotonic() - started
    if completed.timed_out:
        reason = f"pylint did not finish within {lintproc.LINT_TIMEOUT_S:.0f} s"
        return failed(reason, Finding("timeout", reason, None, None, NAME), elapsed)
    try:
        document = json.loads(out.read_text(encoding="utf-8"))
        if "error" in document:
            raise RuntimeError(document["error"])
        run = parse_driver_output(document, _reader(project.root, files))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        reason = f"pylint failed (exit {completed.returncode}): {exc}"
        message = reason + (f"\n{tail}" if tail else "")
        return failed(reason, Finding("tool-error", message, None, None, NAME), elapsed)
    return result_of_run(project.root, run, started)
