"""Feedback on bandit's results: each one with why it matters and the safe alternative.

Pure functions of the report; :mod:`practicegrade.feedback` splices the items into its
order and :mod:`practicegrade.nextsteps` uses :func:`criterion_step` for a criterion on
``security.*``. With a base, the items are about the change (its new findings, the
ones it fixed), matched like lint messages (:func:`practicegrade.compare.
security_changes`); without one, about what is there. Findings below medium confidence
are never shown: the metrics do not count them either.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from practicegrade.model import Code, Evidence, FeedbackItem, SecurityIssue, Text
from practicegrade.prose import code_at, compose, plural
from practicegrade.security_advice import ADVICE, advice_for

if TYPE_CHECKING:
    from practicegrade.nextsteps import FeedbackContext

MAX_ITEMS = 3
SUGGESTION_RANK = {"high": 15, "medium": 25, "low": 36}
"""Where a new finding's step stands among the change's next steps (see the ranks in
:mod:`practicegrade.feedback`): a new shell string before untested lines, a new note
after the new pylint messages."""
UNGRADED_RANK = 32
"""No base, and the model grades no ``security.*`` metric: after the criteria's steps."""
PRAISE_RANK = 25
OBSERVED_RANK = 70
_RANK = {"high": 0, "medium": 1, "low": 2}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def issue_why(issue: SecurityIssue) -> str:
    """Why the result matters, with its CWE when bandit names one."""
    cwe = f" (CWE-{issue.cwe})" if issue.cwe else ""
    return _sentence(advice_for(issue.test_id).why + cwe)


def issue_step(issue: SecurityIssue, more: int = 0) -> Text:
    """The safe alternative at the flagged line (``more``: other places with the same test)."""
    also = f" (and {plural(more, 'more place')} like it)" if more else ""
    return compose(
        "At ", code_at(issue.file, issue.line), f", {advice_for(issue.test_id).instead}{also}."
    )


def _groups(issues: Sequence[SecurityIssue]) -> list[tuple[SecurityIssue, int]]:
    """One ``(first issue, how many)`` per test id: most severe, then most frequent first."""
    counts = Counter(i.test_id for i in issues)
    first: dict[str, SecurityIssue] = {}
    for issue in sorted(issues, key=lambda i: (i.file, i.line, i.column)):
        first.setdefault(issue.test_id, issue)
    ordered = sorted(
        first.values(), key=lambda i: (_RANK[i.severity], -counts[i.test_id], i.test_id)
    )
    return [(i, counts[i.test_id]) for i in ordered]


def criterion_step(ctx: FeedbackContext, metric: str) -> tuple[Text, str, SecurityIssue] | None:
    """The step for an unmet ``security.<level>`` criterion: the change's new results of
    that severity first, else all of them; the most frequent test id leads."""
    details = ctx.report.security
    level = metric.rsplit(".", 1)[-1]
    if details is None:
        return None
    comparison = ctx.report.comparison
    real = [
        i
        for i in (*(comparison.new_security if comparison else ()), *details.issues)
        if i.severity == level and not false_alarm(i, _flagged_line(ctx, i))
    ]
    new = [i for i in real if comparison and i in comparison.new_security]
    pool = new or [i for i in real if i in details.issues]
    if not pool:
        return None
    issue, count = _groups(pool)[0]
    return issue_step(issue, count - 1), issue_why(issue), issue


def _competency(ctx: FeedbackContext) -> str | None:
    return next(
        (
            c.id
            for c in ctx.config.competencies
            if any(k.metric.startswith("security.") for k in c.criteria)
        ),
        None,
    )


def _suggestion(ctx: FeedbackContext, issue: SecurityIssue, count: int, new: bool) -> FeedbackItem:
    where = f" at {plural(count, 'place')}, first" if count > 1 else " at"
    text = compose(
        "New in this change: " if new else "",
        f"bandit {issue.test_id} ({issue.severity} severity){where} ",
        code_at(issue.file, issue.line),
        ": ",
        Code(issue.message.rstrip(". ")),
        ". ",
        issue_why(issue),
    )
    evidence = Evidence(
        metric=f"security.{issue.severity}",
        value=ctx.report.metrics.get(f"security.{issue.severity}"),
        file=issue.file,
        line=issue.line,
    )
    step = issue_step(issue, count - 1)
    rank = SUGGESTION_RANK[issue.severity] if new else UNGRADED_RANK
    return FeedbackItem("suggestion", _competency(ctx), text, evidence, step, rank=rank)


_PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})
_QUOTED = re.compile(r": '(.*)'$", re.S)
_SECRET_NAME = re.compile(r"pass|pwd|secret|private|api_?key|credential", re.I)


def placeholder_secret(issue: SecurityIssue, code: str) -> bool:
    """bandit's "hardcoded password" on a value no one would keep secret: an empty string,
    or a short word where the flagged ``code`` names no password or secret (a
    ``prerelease_token="rc"``, a ``sep_token="<"``). A value under a password or secret
    name is kept, however short (``password = "admin"``)."""
    found = _QUOTED.search(issue.message) if issue.test_id in _PASSWORD_TESTS else None
    if found is None:
        return False
    value = found.group(1)
    return not value or (len(value) < 8 and not _SECRET_NAME.search(code))


_UNREACHABLE = re.compile(r"\s*assert\s+(False|0)\b")


def false_alarm(issue: SecurityIssue, code: str) -> bool:
    """A result no step should chase: a placeholder bandit took for a password, or an
    ``assert False`` that marks a branch as unreachable (removing it under ``-O`` changes
    nothing a test could see)."""
    if issue.test_id == "B101" and _UNREACHABLE.match(code):
        return True
    return placeholder_secret(issue, code)


def worth_a_suggestion(issue: SecurityIssue, code: str = "") -> bool:
    """High and medium results; low ones when we know the fix (a password in the code,
    ``except: pass``), but not bandit's notes that a module was imported (``B4xx``), nor
    a placeholder it took for a password (:func:`placeholder_secret`, ``code`` being the
    flagged line)."""
    if false_alarm(issue, code):
        return False
    if issue.severity != "low":
        return True
    return issue.test_id in ADVICE and not issue.test_id.startswith("B4")


def _flagged_line(ctx: FeedbackContext, issue: SecurityIssue) -> str:
    text = ctx.source(issue.file) if ctx.source else None
    lines = text.splitlines() if text else []
    return lines[issue.line - 1] if 0 < issue.line <= len(lines) else ""


def suggestions(ctx: FeedbackContext, existing: Sequence[FeedbackItem]) -> list[FeedbackItem]:
    """One suggestion per bandit test (at most three, the most severe first).

    With a base: the results this change adds. Without one: every result, unless the
    model grades ``security.*`` itself (then its criterion's suggestion says it). A step
    an earlier suggestion already gives is not repeated.
    """
    details = ctx.report.security
    if details is None:
        return []
    comparison = ctx.report.comparison
    if comparison is not None:
        pool, new = list(comparison.new_security), True
    elif _competency(ctx) is None:
        pool, new = list(details.issues), False
    else:
        return []
    pool = [i for i in pool if worth_a_suggestion(i, _flagged_line(ctx, i))]
    seen = {item.next_step for item in existing}
    items = []
    for issue, count in _groups(pool):
        item = _suggestion(ctx, issue, count, new)
        if item.next_step not in seen:
            seen.add(item.next_step)
            items.append(item)
    return items[:MAX_ITEMS]


def praise(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Results this change fixed (medium confidence or more), named by their first test."""
    comparison = ctx.report.comparison
    fixed = list(comparison.fixed_security) if comparison else []
    if not fixed:
        return []
    issue, _ = _groups(fixed)[0]
    counted = (
        f"bandit {issue.test_id}"
        if len(fixed) == 1
        else f"{plural(len(fixed), 'security finding')}, among them bandit {issue.test_id}"
    )
    text = compose(f"This change fixes {counted} in ", code_at(issue.file, None), ".")
    return [
        FeedbackItem("praise", _competency(ctx), text, Evidence(file=issue.file), rank=PRAISE_RANK)
    ]


def observed(ctx: FeedbackContext) -> list[FeedbackItem]:
    """Results hidden by ``# nosec`` comments: worth seeing, like ``pragma: no cover``."""
    details = ctx.report.security
    count = details.suppressed if details else 0
    if not count:
        return []
    verb = "is" if count == 1 else "are"
    text = compose(f"{plural(count, 'bandit finding')} {verb} hidden with # nosec comments.")
    return [FeedbackItem("observed", _competency(ctx), text, rank=OBSERVED_RANK)]
