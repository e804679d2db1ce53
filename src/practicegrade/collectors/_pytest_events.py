"""The plugin's event stream, folded into pytest's own counts and one result per test.

Pure functions: :mod:`._pytest_plugin` writes one JSON line per pytest event, and
:func:`summarize` turns them into what pytest's summary line would say (passed, failed,
error, skipped, xfailed, xpassed) plus a :class:`~practicegrade.model.TestCase` per test.
A run cut short (our timeout, ``os._exit``) still folds: the test that started and never
reported its teardown is the one that hung.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from practicegrade.model import TestCase, TestOutcome

MESSAGE_CAP = 1000


@dataclass(slots=True)
class _Acc:
    """The reports seen for one test node, in order."""

    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    xfail: str | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class Collection:
    """The plugin's ``collected`` event: pytest's counts once collection finished."""

    collected: int
    deselected: int
    selected: int
    options: Mapping[str, Any]
    addopts: tuple[str, ...] = ()
    inifile: str | None = None

    @property
    def removed(self) -> int:
        """Collected tests dropped by a hook without pytest's deselection (a conftest)."""
        return max(0, self.collected - self.deselected - self.selected)


def _collection(ev: Mapping[str, Any]) -> Collection:
    options = ev.get("options")
    addopts = ev.get("addopts")
    inifile = ev.get("inifile")
    return Collection(
        collected=int(_number(ev.get("collected"))),
        deselected=int(_number(ev.get("deselected"))),
        selected=int(_number(ev.get("selected"))),
        options=dict(options) if isinstance(options, Mapping) else {},
        addopts=tuple(str(a) for a in addopts) if isinstance(addopts, list) else (),
        inifile=str(inifile) if isinstance(inifile, str) else None,
    )


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What the event stream says happened, counted the way pytest's summary line counts."""

    cases: tuple[TestCase, ...]
    counts: Mapping[str, int]
    """pytest's categories: passed, failed, error, skipped, xfailed, xpassed."""
    collection_errors: tuple[tuple[str, str], ...]
    """``(nodeid, message)`` per module that failed to import or collect."""
    started: bool
    """pytest's session began (the plugin loaded and conftest files imported)."""
    finished: bool
    """pytest reached the end of its session (``False``: killed or ``os._exit``)."""
    exitstatus: int | None
    duration_s: float | None
    unfinished: tuple[str, ...]
    """Tests that started and never reported their teardown: the one that hung."""
    ran: int = 0
    """Tests whose setup ran (not skipped before it): without one, coverage means nothing."""
    collection: Collection | None = None
    """What pytest collected and selected, and the options that decide what runs
    (``None``: the session ended before collection finished)."""
    executed: int = 0
    """Tests that reached an outcome: their test function was called, or their setup
    failed or skipped them. A test set up and torn down without its call (``--setup-only``)
    did not."""

    def metric(self, key: str) -> int:
        """``tests.passed`` etc. from pytest's categories (see the module docstring)."""
        c = self.counts
        return {
            "tests.passed": c.get("passed", 0) + c.get("xpassed", 0),
            "tests.failed": c.get("failed", 0),
            "tests.errors": c.get("error", 0),
            "tests.skipped": c.get("skipped", 0) + c.get("xfailed", 0),
        }[key]


def pytest_category(when: str, outcome: str, xfail: str | None) -> str:
    """The summary category pytest gives one report ("" = not counted).

    Mirrors ``_pytest.skipping.pytest_report_teststatus`` then
    ``_pytest.runner.pytest_report_teststatus``: xfail wins, then setup/teardown
    failures are errors, passing setup/teardown reports are not counted.
    """
    if xfail is not None:
        if outcome == "skipped":
            return "xfailed"
        if outcome == "passed":
            return "xpassed"
    if when in ("setup", "teardown"):
        return {"failed": "error", "skipped": "skipped"}.get(outcome, "")
    return outcome if outcome in ("passed", "failed", "skipped") else ""


def cap(text: str | None, limit: int = MESSAGE_CAP) -> str | None:
    """Learner text bounded in length (their messages can be megabytes)."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _case(nodeid: str, acc: _Acc, unfinished_message: str | None) -> TestCase:
    """One test's outcome: a failed setup/teardown makes an otherwise passing test an error."""
    out = acc.outcomes
    call = out.get("call")
    broken = out.get("setup") == "failed" or out.get("teardown") == "failed"
    outcome: TestOutcome
    if call == "failed":
        outcome = "failed"
    elif broken:
        outcome = "error"
    elif call == "passed":
        outcome = "passed"
    elif call == "skipped" or out.get("setup") == "skipped":
        outcome = "skipped"
    else:
        outcome = "error"
    failure = next(
        (
            acc.messages[w]
            for w in ("setup", "call", "teardown")
            if out.get(w) == "failed" and w in acc.messages
        ),
        None,
    )
    message: str | None
    if "teardown" not in out and unfinished_message is not None:
        outcome, message = "error", unfinished_message
    elif acc.xfail is not None and outcome in ("skipped", "passed"):
        kind = "xfail" if outcome == "skipped" else "xpass"
        message = f"{kind}: {acc.xfail}" if acc.xfail else kind
    elif failure is not None:
        message = failure
    else:
        message = next((acc.messages[w] for w in ("setup", "call") if w in acc.messages), None)
    return TestCase(nodeid=nodeid, outcome=outcome, duration_s=acc.duration, message=cap(message))


def _number(value: object, default: float = 0.0) -> float:
    """A float from event data, whatever a broken line holds."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


@dataclass(slots=True)
class _Fold:
    """Mutable state while :func:`summarize` reads the stream."""

    accs: dict[str, _Acc] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    collect_errors: list[tuple[str, str]] = field(default_factory=list)
    collect_skips: list[TestCase] = field(default_factory=list)
    started: bool = False
    finished: bool = False
    exitstatus: int | None = None
    duration: float | None = None
    collection: Collection | None = None

    def add(self, ev: Mapping[str, Any]) -> None:
        kind = ev.get("e")
        nodeid = str(ev.get("nodeid", ""))
        if kind == "session":
            self.started = True
        elif kind == "start":
            self.accs.setdefault(nodeid, _Acc())
        elif kind == "report":
            self._report(self.accs.setdefault(nodeid, _Acc()), ev)
        elif kind == "collect":
            message = str(ev.get("message") or "collection failed")
            if ev.get("outcome") == "failed":
                self.counts["error"] += 1
                self.collect_errors.append((nodeid, cap(message) or ""))
            else:
                self.counts["skipped"] += 1
                self.collect_skips.append(TestCase(nodeid, "skipped", 0.0, cap(message)))
        elif kind == "collected":
            self.collection = _collection(ev)
        elif kind == "finish":
            self.finished = True
            self.exitstatus = int(_number(ev.get("exitstatus")))
            self.duration = _number(ev.get("duration"))
        elif kind == "summary":
            self.duration = _number(ev.get("duration"))

    def _report(self, acc: _Acc, ev: Mapping[str, Any]) -> None:
        when, outcome = str(ev.get("when")), str(ev.get("outcome"))
        xfail = None if ev.get("xfail") is None else str(ev["xfail"])
        category = pytest_category(when, outcome, xfail)
        if category:
            self.counts[category] += 1
        acc.outcomes[when] = outcome
        if ev.get("message") is not None:
            acc.messages.setdefault(when, str(ev["message"]))
        if xfail is not None:
            acc.xfail = xfail
        acc.duration += _number(ev.get("duration"))


def summarize(
    events: Iterable[Mapping[str, Any]], unfinished_message: str | None = None
) -> RunSummary:
    """Fold the plugin's event stream into counts and one :class:`TestCase` per test.

    ``unfinished_message``: when the run was cut short, the tests that started and never
    finished become errors with this message (and count in ``error``).
    """
    fold = _Fold()
    for ev in events:
        fold.add(ev)
    accs = fold.accs
    unfinished = tuple(n for n, a in accs.items() if "teardown" not in a.outcomes)
    cut_short = None if fold.finished else unfinished_message
    if cut_short is not None:
        fold.counts["error"] += len(unfinished)
    cases = [_case(n, a, cut_short) for n, a in accs.items()]
    return RunSummary(
        cases=tuple(fold.collect_skips + cases),
        counts=dict(fold.counts),
        collection_errors=tuple(fold.collect_errors),
        started=fold.started or bool(accs),
        finished=fold.finished,
        exitstatus=fold.exitstatus,
        duration_s=fold.duration,
        unfinished=unfinished,
        ran=sum(1 for a in accs.values() if a.outcomes.get("setup", "passed") != "skipped"),
        collection=fold.collection,
        executed=sum(1 for a in accs.values() if _executed(a)),
    )


def _executed(acc: _Acc) -> bool:
    """The test reached an outcome (see :attr:`RunSummary.executed`)."""
    return "call" in acc.outcomes or acc.outcomes.get("setup") in ("failed", "skipped")


def parse_events(text: str) -> list[dict[str, Any]]:
    """JSON lines to dicts, skipping anything malformed (a line cut by a kill)."""
    events: list[dict[str, Any]] = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events


_STOPPERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("collectonly", "--collect-only", ("--co", "--collect-only", "--collectonly")),
    ("setuponly", "--setup-only", ("--setup-only", "--setuponly")),
    ("setupplan", "--setup-plan", ("--setup-plan", "--setupplan")),
)
"""Options under which pytest collects tests and never calls them."""
_SELECTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("keyword", "-k", ("-k",)),
    ("markexpr", "-m", ("-m",)),
    ("deselect", "--deselect", ("--deselect",)),
)
"""Options that deselect collected tests."""


def _spelled_in(addopts: Sequence[str], spellings: Sequence[str]) -> bool:
    for token in addopts:
        for s in spellings:
            if token == s or token.startswith(s + "="):
                return True
            if len(s) == 2 and token.startswith(s):  # -kexpr, -mslow
                return True
    return False


def _origin(c: Collection, spellings: Sequence[str]) -> str:
    """Where a setting came from, as far as pytest's configuration tells."""
    if _spelled_in(c.addopts, spellings):
        return f"addopts in {c.inifile}" if c.inifile else "addopts"
    return "a conftest.py or plugin"


def not_run_reason(summary: RunSummary) -> str | None:
    """Why collected tests did not run, naming the setting; ``None`` when all of them ran.

    Only for a session that finished: one cut short is an ``incomplete`` run (or our
    timeout), said elsewhere. Nothing collected is not this either: that is a notice
    that no tests were found. The reason is plain text holding the learner's option
    values (``-k`` expressions): render it as learner text.
    """
    c = summary.collection
    if c is None or c.collected <= 0 or not summary.finished:
        return None
    missing = c.collected - summary.executed
    if missing <= 0:
        return None
    causes: list[str] = []
    for name, flag, spellings in _STOPPERS:
        if c.options.get(name):
            causes.append(f"{flag} ({_origin(c, spellings)}) collects tests without running them")
    if c.deselected:
        chosen = []
        for name, flag, spellings in _SELECTORS:
            value = c.options.get(name)
            if value:
                shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
                chosen.append(f"{flag} {shown} ({_origin(c, spellings)})")
        by = ", ".join(chosen) or "a conftest.py or plugin hook"
        causes.append(f"{c.deselected} deselected by {by}")
    if c.removed:
        causes.append(f"{c.removed} removed from the run by a conftest.py or plugin hook")
    if not causes:
        maxfail = c.options.get("maxfail")
        if summary.collection_errors:
            n = len(summary.collection_errors)
            causes.append(
                f"pytest stopped at {n} collection error{'s' if n > 1 else ''} before running them"
            )
        elif isinstance(maxfail, int) and maxfail > 0:
            origin = _origin(c, ("-x", "--exitfirst", "--maxfail"))
            causes.append(f"--maxfail={maxfail} ({origin}) stopped the run after a failure")
        else:
            causes.append("the session stopped before running them")
    return f"pytest ran {summary.executed} of {c.collected} collected tests: {'; '.join(causes)}"
