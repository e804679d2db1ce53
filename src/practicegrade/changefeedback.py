"""Feedback about the change itself: what it did, the next steps it calls for, what it improved.

With a base, a mentor reads a pull request for what *this change* did, so every item here
is computed from the diff (:attr:`Comparison.changed_lines`), the head's functions and the
base/head comparison, and each claim is checked against the data it cites before it is
made:

* what the change did: functions added, changed, removed or moved, lines added, tests
  and assertions added (one or two lines, said first);
* next steps, in this order: functions it added or made more complex above the target
  (with the block to extract), its changed lines the tests never run (one function's
  lines a step), new pylint messages on its changed lines (errors first);
* praise for real improvements: every changed line tested, a function simplified,
  failing tests fixed, messages fixed in the files it changed.

Without a base there is no change: :func:`first_grading` says these numbers are the
starting point, and :mod:`practicegrade.nextsteps` ranks the hotspots by the smallest step.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from practicegrade import expr
from practicegrade.codeshape import (
    body_start,
    environment_only,
    extraction,
    guards,
    in_import_fallback,
    is_mixin,
    reraises_later,
    return_alone_in_a_block,
    under_environment_switch,
)
from practicegrade.collectors._pytest_coverage import PRAGMA_NO_COVER
from practicegrade.diffshape import code_lines, raiser, references
from practicegrade.lintexamples import lint_example, lint_why
from practicegrade.model import (
    MINOR_RANK,
    BehaviourChange,
    Code,
    Comparison,
    ComplexityChange,
    Evidence,
    FeedbackItem,
    FileCoverage,
    FunctionComplexity,
    LintMessage,
    Text,
)
from practicegrade.prose import (
    Part,
    code_at,
    compose,
    helper_named,
    input_making,
    lines_phrase,
    plural,
)
from practicegrade.rubric import value_of

SourceReader = Callable[[str], str | None]
"""``path -> text`` of a head file (``None`` when unreadable): the only I/O, injected."""

MAX_CHANGE_STEPS = 6
MIN_CC_RISE = 3
"""A function already above the target must gain this many paths for the rise to lead: one
more branch in a function of 36 is not the change's problem to solve."""
MAX_LINT_STEPS = 2

# Ranks (see :mod:`practicegrade.feedback` for every tier).
RANK_SPLIT = 10
RANK_UNTESTED = 20
RANK_LINT = 30
RANK_REGRESSION = 40


@dataclass(frozen=True, slots=True)
class ChangeView:
    """The comparison indexed for the builders below."""

    comparison: Comparison
    functions: tuple[FunctionComplexity, ...]
    """The head's functions and methods (no classes)."""
    source: SourceReader | None
    cc_target: float
    metric_owner: Callable[[str], str | None]
    graded: tuple[str, ...] = ()
    """The graded source folders and files (``RepoInfo.source``); empty: every source file."""
    generated: frozenset[str] = frozenset()
    """Generated files the grade leaves out."""
    coverage: Mapping[str, FileCoverage] = field(default_factory=dict)
    """The head's coverage by file (with branch arcs): which way a condition went."""

    def untaken_way(self, file: str, line: int) -> str | None:
        """Which way no test takes the ``if``/``while`` at ``line``: ``"true"`` when
        coverage.py saw the arc into its body missing, ``"false"`` when the missing arc
        leads past it; ``None`` without that evidence (both ways ran, the file was not
        measured, or a ternary, which has no arc of its own)."""
        found = self.coverage.get(file)
        text = self.source(file) if self.source else None
        start = body_start(text, line) if text is not None else None
        if found is None or start is None or line in found.missing_lines:
            return None
        missing = [end for begin, end in found.partial_branches if begin == line]
        if not missing:
            return None
        return "true" if start in missing else "false"

    def runs_every_way(self, fn: FunctionComplexity) -> bool:
        """Whether the tests run every changed line of ``fn`` and take every branch among
        them both ways: a new parameter's every use is exercised, so a step saying nothing
        checks it would be a guess against the evidence."""
        found = self.coverage.get(fn.file)
        if found is None or not found.branches:
            return False
        lines = {n for n in self.changed_code(fn.file) if fn.line <= n <= fn.endline}
        return bool(lines) and not (
            lines & set(found.missing_lines)
            or any(start in lines for start, _ in found.partial_branches)
        )

    def changed(self, file: str) -> set[int]:
        return set(self.comparison.changed_lines.get(file, ()))

    def is_graded(self, file: str) -> bool:
        """A Python source file the grade measures: not a test, a docs config or generated."""
        if not file.endswith(".py") or is_test_path(file) or file in self.generated:
            return False
        roots = [r.strip("/") for r in self.graded if r.strip("/") not in ("", ".")]
        return not roots or any(file == r or file.startswith(f"{r}/") for r in roots)

    def changed_code(self, file: str) -> set[int]:
        """Changed lines that hold code: no blank line, comment or docstring."""
        changed = self.changed(file)
        text = self.source(file) if self.source else None
        code = code_lines(text) if text is not None else None
        return changed if code is None else changed & code

    def enclosing(self, file: str, line: int) -> FunctionComplexity | None:
        """The innermost function of ``file`` whose lines hold ``line``."""
        found = [f for f in self.functions if f.file == file and f.line <= line <= f.endline]
        return min(found, key=lambda f: (f.endline - f.line, -f.line), default=None)

    def touched(self, fn: FunctionComplexity) -> int:
        """How many of ``fn``'s lines the change added or modified."""
        return sum(1 for n in self.changed(fn.file) if fn.line <= n <= fn.endline)

    def head_function(self, file: str, name: str) -> FunctionComplexity | None:
        return next((f for f in self.functions if f.file == file and f.name == name), None)

    def environment_only(self, file: str, line: int) -> bool:
        text = self.source(file) if self.source else None
        return text is not None and under_environment_switch(text, line)

    def in_fallback(self, file: str, line: int) -> bool:
        text = self.source(file) if self.source else None
        return text is not None and in_import_fallback(text, line)

    def line_text(self, file: str, line: int) -> str | None:
        text = self.source(file) if self.source else None
        if text is None:
            return None
        lines = text.splitlines()
        return lines[line - 1].strip() if 0 < line <= len(lines) else None


def is_test_path(path: str) -> bool:
    """A test module by its name or folder (``test_*.py``, ``*_test.py``, ``tests/``)."""
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or "tests/" in f"/{path}"


# --------------------------------------------------------------------------- what it did


def _names(names: Sequence[str], limit: int = 3) -> tuple[Part, ...]:
    """```a```, ```b``` and ```c``` (and N more); a name said once."""
    names = list(dict.fromkeys(names))
    shown = names[:limit]
    parts: list[Part] = []
    for i, name in enumerate(shown):
        if i:
            parts.append(" and " if i == len(shown) - 1 and len(names) <= limit else ", ")
        parts.append(Code(name))
    if len(names) > limit:
        parts.append(f" and {len(names) - limit} more")
    return tuple(parts)


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


MAX_BEHAVIOUR_CLAUSES = 3
MAX_CONDITION_TEXT = 60
"""A condition longer than this is no readable clause: the line is named instead."""


def _behaviour_clause(
    change: BehaviourChange, functions: Sequence[str] = ()
) -> tuple[Part, ...] | None:
    """``adds the keyword parameter `info` to `cached``` (or to each of ``functions``);
    ``None`` when unreadable."""
    fns = _names(functions or [change.function])
    if change.kind in ("parameter", "keyword parameter"):
        return (f"adds the {change.kind} ", Code(change.detail), " to ", *fns)
    if change.kind == "except":
        return ("catches ", *_names(change.detail.split(", ")), " in ", *fns)
    if len(change.detail) <= MAX_CONDITION_TEXT and "\n" not in change.detail:
        return ("branches on ", Code(change.detail), " in ", *fns)
    return None


def _behaviour_clauses(changes: Sequence[BehaviourChange]) -> list[tuple[Part, ...]]:
    """One clause per kind and detail: the same new parameter in three functions is said
    once, with the three names, never three times."""
    groups: dict[tuple[str, str], list[BehaviourChange]] = {}
    for change in changes:
        groups.setdefault((change.kind, change.detail), []).append(change)
    return [
        clause
        for group in groups.values()
        if (clause := _behaviour_clause(group[0], [c.function for c in group])) is not None
    ]


def _behaviour_said(view: ChangeView) -> list[BehaviourChange]:
    """The behaviour changes worth a clause: parameters, then exception types, then one
    condition a function for functions nothing else describes (at most three)."""
    graded = [b for b in view.comparison.behaviour if view.is_graded(b.file)]
    order = {"keyword parameter": 0, "parameter": 0, "except": 1, "condition": 2}
    picked: list[BehaviourChange] = []
    described: set[tuple[str, str]] = set()
    clauses: set[tuple[str, str]] = set()  # one clause per kind and detail
    for change in sorted(graded, key=lambda b: (order[b.kind], b.file, b.line)):
        key = (change.file, change.function)
        if change.kind == "condition" and key in described:
            continue
        clause = (change.kind, change.detail)
        if clause not in clauses and len(clauses) >= MAX_BEHAVIOUR_CLAUSES:
            continue
        if _behaviour_clause(change) is not None:
            picked.append(change)
            described.add(key)
            clauses.add(clause)
    return picked


def _added_moved_removed(
    view: ChangeView,
) -> tuple[list[ComplexityChange], list[ComplexityChange], list[ComplexityChange]]:
    """Graded functions the change moved to another file, added, and removed."""
    changes = [c for c in view.comparison.complexity_changes if view.is_graded(c.file)]
    added = [c for c in changes if c.before is None and c.after is not None]
    removed = [c for c in changes if c.after is None and c.before is not None]
    moved_names = {_short(a.name) for a in added} & {_short(r.name) for r in removed}
    moved = [
        a
        for a in added
        if _short(a.name) in moved_names
        and a.file not in {r.file for r in removed if _short(r.name) == _short(a.name)}
    ]
    new = [a for a in added if a not in moved]
    gone = [r for r in removed if _short(r.name) not in moved_names]
    return moved, new, gone


def _outside_clause(view: ChangeView, code: Mapping[str, set[int]]) -> tuple[Part, ...]:
    """``changes `from typing import Final` in `a.py``` for a change of one or two lines
    outside functions (an import, a constant): quoted, as a reviewer would say it; else
    ``edits code outside functions in `a.py```."""
    quoted = [
        (f, t) for f, lines in code.items() for n in sorted(lines) if (t := view.line_text(f, n))
    ]
    if 0 < len(quoted) <= 2 and all(len(t) <= 80 for _, t in quoted):
        parts: list[Part] = ["changes a line to " if len(quoted) == 1 else "changes lines to "]
        for i, (file, text) in enumerate(quoted):
            parts += [" and " if i else "", Code(text), " in ", Code(file)]
        return tuple(parts)
    return ("edits code outside functions in ", *_names(list(code)))


SMALL_CHANGE = 6
"""Changed lines of code up to which the summary quotes what an edit now says."""


def _edited_clause(
    view: ChangeView,
    edited: Sequence[FunctionComplexity],
    code: Mapping[str, set[int]],
    size: int,
) -> tuple[Part, ...]:
    """``edits `Version.replace` to say `cls = type(self)```: in a small change the new line
    says what the edit does better than the function's name; else ``edits `a`, `b```."""
    if size > SMALL_CHANGE or len(edited) > 2:
        return ("edits ", *_names([f.name for f in edited]))
    parts: list[Part] = ["edits "]
    for i, fn in enumerate(edited):
        lines = sorted(n for n in code.get(fn.file, ()) if fn.line < n <= fn.endline)
        texts = [t for n in lines if (t := view.line_text(fn.file, n))]
        quoted = next((t for t in texts if len(t) <= 70 and not t.startswith(("@", "def "))), None)
        parts += [" and " if i else "", Code(fn.name)]
        if quoted is not None:
            parts += [" to say ", Code(quoted)]
    return tuple(parts)


def change_summary(view: ChangeView) -> list[FeedbackItem]:
    """What the change did, in at most two sentences: source first, then tests.

    Only graded source files count (not a docs ``conf.py``, not tests), and only lines that
    hold code: a rewrapped docstring is no change a reviewer has to check. Behaviour the
    diff shows (a new parameter, exception type or condition) is said in words."""
    cmp_ = view.comparison
    source_files = [f for f in cmp_.changed_lines if view.is_graded(f)]
    moved, new, gone = _added_moved_removed(view)
    new_names = {(a.file, a.name) for a in [*moved, *new]}
    behaviour = _behaviour_said(view)
    described = {(b.file, b.function) for b in behaviour}
    code = {f: view.changed_code(f) for f in source_files}

    def touched_code(fn: FunctionComplexity) -> int:
        return sum(1 for n in code.get(fn.file, ()) if fn.line <= n <= fn.endline)

    edited = sorted(
        (
            f
            for f in view.functions
            if f.file in code
            and (f.file, f.name) not in new_names
            and (f.file, f.name) not in described
            and touched_code(f)
        ),
        key=lambda f: (-touched_code(f), f.file, f.line),
    )
    items: list[FeedbackItem] = []
    clauses: list[tuple[Part, ...]] = []
    if moved:
        clauses.append(("moves ", *_names([m.name for m in moved]), " to ", Code(moved[0].file)))
    if new:
        where: tuple[Part, ...] = (
            (" to ", Code(new[0].file)) if len({a.file for a in new}) == 1 else ()
        )
        clauses.append(("adds ", *_names([a.name for a in new]), *where))
    clauses += _behaviour_clauses(behaviour)
    if edited:
        clauses.append(_edited_clause(view, edited, code, sum(len(v) for v in code.values())))
    if gone:
        clauses.append(("removes ", *_names([r.name for r in gone])))
    code_count = sum(len(lines) for lines in code.values())
    outside = sum(1 for f, lines in code.items() for n in lines if view.enclosing(f, n) is None)
    if not clauses and code_count:
        clauses.append(_outside_clause(view, code))
    if clauses:
        size = f" ({plural(code_count, 'changed line')} of code"
        if 0 < outside < code_count:
            size += f", {outside} of them outside functions"
        parts: list[Part] = ["This change "]
        for i, clause in enumerate(clauses):
            if i:
                parts.append(", " if i < len(clauses) - 1 else " and ")
            parts.extend(clause)
        parts.append(f"{size}).")
        items.append(
            FeedbackItem("change", None, compose(*parts), Evidence(metric="size.sloc"), rank=10)
        )
    elif source_files:
        text = compose(
            "This change edits only docstrings, comments or blank lines in ",
            *_names(source_files),
            ".",
        )
        items.append(FeedbackItem("change", None, text, Evidence(metric="size.sloc"), rank=10))
    tests_text = _tests_summary(view, bool(items))
    if tests_text is not None:
        items.append(
            FeedbackItem("change", None, tests_text, Evidence(metric="tests.passed"), rank=20)
        )
    if not items and cmp_.files_changed:
        text = compose(
            f"This change touches {plural(len(cmp_.files_changed), 'file')} and no Python "
            "source or test code."
        )
        items.append(FeedbackItem("change", None, text, rank=10))
    return items


def _tests_summary(view: ChangeView, after_source: bool) -> Text | None:
    """``Adds 2 tests (`test_a`, `test_b`)`` / ``adds 4 assertions to `test_parse```; a
    renamed test is said as renamed, never as new."""
    changes = view.comparison.test_changes
    if not changes:
        return None
    new = [t for t in changes if t.new]
    renamed = [t for t in changes if t.renamed_from is not None]
    edited = [t for t in changes if not t.new and t.asserts_added and t.renamed_from is None]
    clauses: list[tuple[Part, ...]] = []
    if new:
        clauses.append(
            ("adds ", plural(len(new), "test"), " (", *_names([t.name for t in new]), ")")
        )
    if len(renamed) == 1:
        old = renamed[0].renamed_from or ""
        clauses.append(("renames ", Code(old), " to ", Code(renamed[0].name)))
    elif renamed:
        clauses.append((f"renames {len(renamed)} tests",))
    if edited:
        asserts = sum(t.asserts_added for t in edited)
        clauses.append(
            ("adds ", plural(asserts, "assertion"), " to ", *_names([t.name for t in edited]))
        )
    if not clauses:
        clauses.append(("edits ", *_names([t.name for t in changes])))
    parts: list[Part] = ["It also " if after_source else "This change "]
    for i, clause in enumerate(clauses):
        if i:
            parts.append(", " if i < len(clauses) - 1 else " and ")
        parts.extend(clause)
    return compose(*parts, ".")


# --------------------------------------------------------------------------- next steps


def _cc_clause(change: ComplexityChange) -> str:
    return "new" if change.before is None else f"was {change.before}"


def complexity_steps(view: ChangeView, competency: str | None) -> list[FeedbackItem]:
    """Functions the change added, or made more complex, above the model's target."""
    worse = sorted(
        (
            c
            for c in view.comparison.complexity_changes
            if c.after is not None
            and c.after > view.cc_target
            and (
                c.before is None or c.before <= view.cc_target or c.after - c.before >= MIN_CC_RISE
            )
        ),
        key=lambda c: (-(c.after or 0), c.file, c.name),
    )
    items = []
    for change in worse:
        fn = view.head_function(change.file, change.name)
        line = fn.line if fn else None
        text = compose(
            Code(change.name),
            f" has cyclomatic complexity {change.after} ({_cc_clause(change)}; "
            f"target <= {view.cc_target:g}): each branch is one more path to understand and test.",
        )
        step = _split_step(view, change, fn)
        evidence = Evidence(  # no value: the function's cc is in the text, not the metric's
            metric="complexity.cc_max",
            file=change.file,
            line=line,
            function=change.name,
        )
        items.append(FeedbackItem("suggestion", competency, text, evidence, step, rank=RANK_SPLIT))
    return items


def _split_step(view: ChangeView, change: ComplexityChange, fn: FunctionComplexity | None) -> Text:
    """Extract the largest branch or loop body that fits one session; else split in two."""
    text = view.source(change.file) if view.source and fn else None
    block = extraction(text, fn.line, fn.name) if text is not None and fn is not None else None
    if block is None or fn is None:
        where = code_at(change.file, fn.line) if fn else Code(change.file)
        return compose(
            "Split ",
            Code(change.name),
            " (",
            where,
            ") into two helpers whose names say what each half does, and test each one.",
        )
    return compose(
        f"Extract the {block.kind} on lines {block.start}-{block.end} of ",
        Code(change.file),
        " from ",
        Code(change.name),
        *helper_named(block.name, block.lines),
        ", and give it a test of its own.",
    )


def _what_runs_them(view: ChangeView, file: str, lines: Sequence[int]) -> tuple[Part, ...] | None:
    """``with inputs that make each of `a < 0`, `not name` true``: what a test must make true;
    else the first untested line, quoted; ``None`` when only another interpreter or
    platform runs them (a version switch is no test step)."""
    text = view.source(file) if view.source else None
    if text is None:
        return ()
    conditions, total = guards(text, lines)
    if environment_only(conditions):
        return None
    if conditions:
        return input_making(conditions, total)
    quoted = view.line_text(file, min(lines))
    return (" (the first is ", Code(quoted[:80]), ")") if quoted else ()


def moved_functions(view: ChangeView) -> set[tuple[str, str]]:
    """Head (file, name) of functions the change moved to another file, unchanged in
    complexity: their lines count as changed, yet the change wrote none of them."""
    changes = view.comparison.complexity_changes
    removed = {(_short(c.name), c.before) for c in changes if c.after is None}
    return {
        (c.file, c.name)
        for c in changes
        if c.before is None and (_short(c.name), c.after) in removed
    }


def untested_steps(view: ChangeView, competency: str | None) -> list[FeedbackItem]:
    """Changed lines the tests never run, one function's lines a step, most lines first.

    Lines of a function the change only moved were untested before it too: they wait in
    the backlog, said as what they are."""
    groups: dict[tuple[str, str | None], list[int]] = {}
    for patch in view.comparison.patch:
        for line in patch.uncovered_lines:
            fn = view.enclosing(patch.file, line)
            groups.setdefault((patch.file, fn.name if fn else None), []).append(line)
    moved = moved_functions(view)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0][0], kv[0][1] or ""))
    items = []
    for (file, name), lines in ordered:
        count = plural(len(lines), "changed line")
        what = _what_runs_them(view, file, lines)
        if what is None:
            continue
        if name is not None:
            step = compose(
                "Write a test that calls ",
                Code(name),
                *what,
                "," if what else "",
                f" so that its {lines_phrase(lines)} run{'s' if len(lines) == 1 else ''}.",
            )
            text = compose(
                f"{count[:1].upper()}{count[1:]} of ",
                Code(name),
                " in ",
                Code(file),
                " never ran in the tests: new code without a test is the part a reviewer "
                "has to trust blindly.",
            )
        else:
            continue  # module-level lines: imports and version switches no test can choose
        backlog = name is not None and (file, name) in moved
        if backlog and name is not None:
            text = compose(
                Code(name),
                f" moved here with {plural(len(lines), 'line')} no test runs, "
                "untested before the move too.",
            )
        evidence = Evidence(metric="coverage.patch_pct", file=file, line=min(lines), function=name)
        items.append(
            FeedbackItem(
                "suggestion",
                competency,
                text,
                evidence,
                step,
                rank=90 if backlog else RANK_UNTESTED,
                backlog=backlog,
            )
        )
    return items


RANK_BEHAVIOUR = 15
MAX_BEHAVIOUR_STEPS = 2


def tests_reach(view: ChangeView) -> frozenset[str]:
    """The names the tests this change added or edited use: the functions they can reach."""
    by_file: dict[str, set[int]] = {}
    for test in view.comparison.test_changes:
        by_file.setdefault(test.file, set()).add(test.line)
    names: set[str] = set()
    for file, lines in by_file.items():
        text = view.source(file) if view.source else None
        if text is not None:
            names |= references(text, lines)
    return frozenset(names)


def _reached(function: str, names: frozenset[str]) -> bool | None:
    """Whether a test that uses ``names`` calls ``function`` (a method by its name, a
    constructor by its class); ``None`` for another dunder: no name tells."""
    parts = function.split(".")
    short = parts[-1]
    if short == "__init__" and len(parts) > 1:
        return parts[-2] in names
    if short.startswith("__") and short.endswith("__"):
        return None
    return short in names


def behaviour_steps(view: ChangeView, competency: str | None) -> list[FeedbackItem]:
    """A behaviour the change gave an existing function (a new exception type caught, a
    new or changed condition, a new parameter) that no test it adds or edits reaches.

    Line coverage is no evidence here: the old tests run an ``except`` line whatever it
    catches now. A function whose changed lines never ran gets the untested-lines step
    instead, which names the lines; one step a function."""
    reached = tests_reach(view)
    unrun = {
        (p.file, fn.name)
        for p in view.comparison.patch
        for n in p.uncovered_lines
        if (fn := view.enclosing(p.file, n)) is not None
    }
    order = {"except": 0, "condition": 1, "keyword parameter": 2, "parameter": 2}
    items: list[FeedbackItem] = []
    seen: set[tuple[str, str]] = set()
    for change in sorted(view.comparison.behaviour, key=lambda b: (order[b.kind], b.file, b.line)):
        key = (change.file, change.function)
        if key in seen or key in unrun or not view.is_graded(change.file):
            continue
        if _reached(change.function, reached) is not False:
            continue
        if view.environment_only(change.file, change.line):
            continue
        way = view.untaken_way(change.file, change.line)
        if change.kind == "condition" and way is None:
            continue  # no evidence that a case of it goes untested
        fn = view.head_function(change.file, change.function)
        if "parameter" in change.kind and fn is not None and view.runs_every_way(fn):
            continue
        step = _behaviour_step(view, change, way or "true")
        if step is None:
            continue
        seen.add(key)
        evidence = Evidence(
            metric="coverage.patch_pct",
            file=change.file,
            line=change.line,
            function=change.function,
        )
        items.append(
            FeedbackItem(
                "suggestion",
                competency,
                _behaviour_text(change, way or "true"),
                evidence,
                step,
                rank=RANK_BEHAVIOUR,
            )
        )
    return items[:MAX_BEHAVIOUR_STEPS]


def _behaviour_text(change: BehaviourChange, way: str) -> Text:
    """What the change did and why no test vouches for it; ``way``: the value of a
    condition no test gives it."""
    where = code_at(change.file, change.line)
    unreached = (
        ", and no test this change adds or edits calls it: the old tests may run the line, "
        "but nothing checks the new case."
    )
    if change.kind == "except":
        return compose(
            Code(change.function),
            " now catches ",
            *_names(change.detail.split(", ")),
            " (",
            where,
            ")",
            unreached,
        )
    if change.kind == "condition":
        return compose(
            Code(change.function),
            " now branches on ",
            Code(change.detail),
            " (",
            where,
            f"), and no test makes it {way}: coverage.py saw that branch never taken.",
        )
    return compose(
        Code(change.function),
        f" takes a new {change.kind} ",
        Code(change.detail),
        " (",
        where,
        ")",
        unreached,
    )


def _behaviour_step(view: ChangeView, change: BehaviourChange, way: str) -> Text | None:
    """The test to write, named by the function, the line and the case; ``None`` when
    the case cannot be said in a readable sentence."""
    fn = Code(change.function)
    if change.kind == "except":
        text = view.source(change.file) if view.source else None
        call = raiser(text, change.line) if text is not None else None
        caught = _names(change.detail.split(", "))
        if call is None:
            return compose(
                "Write a test that makes the ",
                Code("try"),
                " block of ",
                fn,
                " raise ",
                *caught,
                f" so that the clause on line {change.line} handles it.",
            )
        return compose(
            "Write a test that makes ",
            Code(call),
            " raise ",
            *caught,
            " in ",
            fn,
            f" (the clause on line {change.line}), and check what ",
            fn,
            " does then.",
        )
    if change.kind == "condition":
        if len(change.detail) > MAX_CONDITION_TEXT or "\n" in change.detail:
            return None
        return compose(
            "Write a test that calls ",
            fn,
            " with input that makes ",
            Code(change.detail),
            f" {way} (line {change.line}), and check the result.",
        )
    return compose(
        "Write a test that calls ",
        fn,
        " with ",
        Code(change.detail),
        " set, and check what it changes.",
    )


_SEVERITY = {"fatal": 0, "error": 1, "warning": 2, "refactor": 3, "convention": 4, "info": 5}


def on_changed_lines(view: ChangeView, messages: Sequence[LintMessage]) -> list[LintMessage]:
    """Messages that sit on a line the change added or modified, except module-level ones
    inside an ``except ImportError/NameError`` fallback: a compatibility shim has to
    redefine the name it stands in for."""
    return [
        m
        for m in messages
        if m.line in view.changed(m.path)
        and not (m.category != "error" and not m.obj and view.in_fallback(m.path, m.line))
        and not view.environment_only(m.path, m.line)
    ]


_QUOTED = re.compile(r"'([^']{1,60})'")

_SPLIT_SYMBOLS = frozenset(
    {"too-many-statements", "too-many-branches", "too-many-locals", "too-many-return-statements"}
)
"""Messages whose fix is to split the function: the step names the block to extract."""


_POLISH_SYMBOLS = frozenset({"too-few-public-methods", "too-many-public-methods", "fixme"})
"""Non-convention messages that are polish too: a class with one method is often right."""


def is_polish(symbol: str, category: str) -> bool:
    """Conventions (docstrings, names, line length) and the design counts above: worth a
    line among the other steps, never one of the steps that lead."""
    return category in ("convention", "info") or symbol in _POLISH_SYMBOLS


def _lint_step(view: ChangeView, symbol: str, group: Sequence[LintMessage]) -> Text:
    """The concrete step for one symbol's new messages (``group``, in file order)."""
    first = group[0]
    fn = view.head_function(first.path, first.obj) if first.obj else None
    if symbol in _SPLIT_SYMBOLS and fn is not None:
        return _split_step(view, ComplexityChange(fn.file, fn.name, None, fn.cc), fn)
    where = code_at(first.path, first.line)
    more = f" and {plural(len(group) - 1, 'other')}" if len(group) > 1 else ""
    if symbol == "unused-argument" and fn is not None and "." in fn.name:
        names = [n for m in group for n in _QUOTED.findall(m.message)][:3]
        listed: list[Part] = []
        for i, name in enumerate(names):
            listed += [", " if i else " ", Code(name)]
        return compose(
            "Check whether ",
            Code(fn.name),
            " (",
            where,
            ") needs ",
            "its unused argument" if len(group) == 1 else "its unused arguments",
            *listed,
            ": remove what nothing passes; if a base class or protocol fixes the signature, "
            "say so in the docstring.",
        )
    said = first.message.splitlines()[0] if first.message else ""
    quoted: tuple[Part, ...] = (": ", Code(said), ".") if 0 < len(said) <= 90 else (".",)
    return compose("Fix ", Code(symbol), " at ", where, more, *quoted)


_SUPER_OF = re.compile(r"^Super of '([^']+)' has no ")


_HOOKS = frozenset(
    {"find_spec", "find_module", "create_module", "exec_module", "load_module", "invalidate_caches"}
)
"""Methods the import system (or any protocol) calls with a fixed signature: an argument
they do not use cannot be removed."""


def _no_step(message: LintMessage) -> bool:
    """Messages no step can fix: a ``TODO`` is a note, not a mistake (``fixme``); a class
    with one method (a mixin, a descriptor, a stub) is often just right
    (``too-few-public-methods``); and an unused argument of a dunder or import hook is
    fixed by the protocol that calls it."""
    if message.symbol in ("fixme", "too-few-public-methods"):
        return True
    method = message.obj.rsplit(".", 1)[-1]
    return message.symbol == "unused-argument" and (
        method in _HOOKS or (method.startswith("__") and method.endswith("__"))
    )


_NO_ELSE = frozenset({"no-else-raise", "no-else-return", "no-else-continue", "no-else-break"})


def _false_alarm(view: ChangeView, message: LintMessage) -> bool:
    """A message the code around it answers: ``no-member`` on ``super()`` in a class with
    no bases (a mixin), ``broad-exception-caught`` on a clause whose exception the
    function raises again after cleaning up (:func:`~practicegrade.codeshape.reraises_later`),
    a ``useless-return`` that is all its ``except`` block holds, or a ``no-else-*`` on a
    ``try`` whose ``else`` holds the success path, as the language intends."""
    if message.symbol in _NO_ELSE:  # try/except/else: `else` is where success goes
        return (view.line_text(message.path, message.line) or "").startswith("try")
    symbols = ("no-member", "broad-exception-caught", "useless-return")
    if message.symbol not in symbols or view.source is None:
        return False
    source = view.source(message.path)
    if source is None:
        return False
    if message.symbol == "broad-exception-caught":
        return reraises_later(source, message.line)
    if message.symbol == "useless-return":
        return return_alone_in_a_block(source, message.line)
    found = _SUPER_OF.match(message.message)
    return found is not None and is_mixin(source, found.group(1))


_HOUSE_STYLE = 10
"""A non-error symbol the base already has this many times (and three times as often as the
change adds it) is the project's own style (tabs, its naming): following it is no mistake."""


def _house_style(symbol: str, category: str, head: Sequence[LintMessage], new: int) -> bool:
    if category in ("error", "fatal"):
        return False
    before = sum(1 for m in head if m.symbol == symbol) - new
    return before >= _HOUSE_STYLE and before >= 3 * new


def lint_steps(
    view: ChangeView,
    competency: str | None,
    skip: set[tuple[str, str]] | None = None,
    head: Sequence[LintMessage] = (),
) -> list[FeedbackItem]:
    """New pylint messages on changed lines, one symbol a step: errors first, then frequency.

    ``skip``: (file, function) pairs a split step already covers (its too-many-* messages);
    ``head``: every message of the head, to tell the project's house style from a slip."""
    new = [
        m
        for m in on_changed_lines(view, view.comparison.new_lint)
        if not (m.symbol in _SPLIT_SYMBOLS and (m.path, m.obj) in (skip or set()))
        and not _false_alarm(view, m)
        and not _no_step(m)
    ]
    added = Counter(m.symbol for m in new)
    new = [m for m in new if not _house_style(m.symbol, m.category, head, added[m.symbol])]
    if not new:
        return []
    counts = Counter(m.symbol for m in new)
    severity = {m.symbol: _SEVERITY.get(m.category, 9) for m in new}
    polish = {m.symbol: is_polish(m.symbol, m.category) for m in new}
    symbols = sorted(counts, key=lambda s: (polish[s], severity[s], -counts[s], s))
    items = []
    for symbol in symbols[:MAX_LINT_STEPS]:
        group = sorted((m for m in new if m.symbol == symbol), key=lambda m: (m.path, m.line))
        first = group[0]
        step = _lint_step(view, symbol, group)
        why = lint_why(symbol, first.category)
        count = f", {len(group)} messages" if len(group) > 1 else ""
        text = compose("New ", Code(symbol), f" ({first.category}{count}) on changed lines: {why}.")
        evidence = Evidence(
            metric=_LINT_METRIC.get(first.category, "lint.score"),
            file=first.path,
            line=first.line,
            function=first.obj or None,
        )
        items.append(
            FeedbackItem(
                "suggestion",
                competency,
                text,
                evidence,
                step,
                rank=(MINOR_RANK if polish[symbol] else RANK_LINT) + severity[symbol],
                example=lint_example(symbol),
            )
        )
    return items


_LINT_METRIC = {
    "fatal": "lint.errors",
    "error": "lint.errors",
    "warning": "lint.warnings",
    "refactor": "lint.refactors",
    "convention": "lint.conventions",
}


# --------------------------------------------------------------------------- praise


def change_praise(
    view: ChangeView, metrics: Mapping[str, float], base: Mapping[str, float]
) -> list[FeedbackItem]:
    """Real improvements the change made, each checked against the numbers it cites."""
    items: list[FeedbackItem] = []
    owner = view.metric_owner
    failed_before = value_of(base, "tests.failed") or 0.0
    failed_now = value_of(metrics, "tests.failed")
    if failed_before > 0 and failed_now == 0 and not value_of(metrics, "tests.errors"):
        text = compose(
            f"Fixes the {plural(int(failed_before), 'failing test')}: the suite is green."
        )
        items.append(
            FeedbackItem(
                "praise", owner("tests.failed"), text, Evidence(metric="tests.failed"), rank=10
            )
        )
    tests_praise = _tests_praise(view) or _test_only_praise(view, metrics)
    items += tests_praise
    patch = view.comparison.patch
    inside = _lines_in_functions(view)
    if (
        not tests_praise  # the change's tests are praised already: once is enough
        and inside >= MIN_PATCH_PRAISE
        and value_of(metrics, "coverage.patch_pct") is not None  # measured, not vacuous
        and not pragmas_on(view.source, view.comparison.changed_lines)  # excluded: never ran
        and not any(p.uncovered_lines for p in patch)
        and view.comparison.test_changes
        and not behaviour_steps(view, None)
    ):
        text = compose(
            "Every changed line inside functions runs in the tests "
            f"({plural(inside, 'line')}), and the change brings tests of its own."
        )
        items.append(
            FeedbackItem(
                "praise",
                owner("coverage.patch_pct"),
                text,
                Evidence(metric="coverage.patch_pct"),
                rank=20,
            )
        )
    simpler = sorted(
        (
            c
            for c in view.comparison.complexity_changes
            if c.before is not None
            and c.after is not None
            and c.after < c.before
            and (fn := view.head_function(c.file, c.name)) is not None
            and view.touched(fn)
            and _simplified_in_place(view, fn)
        ),
        key=lambda c: ((c.after or 0) - (c.before or 0), c.file, c.name),
    )
    if simpler:
        top = simpler[0]
        more = f" (and {plural(len(simpler) - 1, 'other function')})" if len(simpler) > 1 else ""
        text = compose(
            "Simplifies ",
            Code(top.name),
            f": cyclomatic complexity {top.before} -> {top.after}{more}.",
        )
        items.append(
            FeedbackItem(
                "praise",
                owner("complexity.cc_max"),
                text,
                Evidence(metric="complexity.cc_max", file=top.file, function=top.name),
                rank=30,
            )
        )
    changed_files = set(view.comparison.files_changed)
    alive = {(f.file, f.name) for f in view.functions}
    # A message in a function the change deleted went with it: removed, not fixed.
    fixed = [
        m
        for m in view.comparison.fixed_lint
        if m.path in changed_files
        and m.path not in view.comparison.removed_files
        and (not m.obj or (m.path, m.obj) in alive)
    ]
    new_here = on_changed_lines(view, view.comparison.new_lint)
    if fixed and len(fixed) > len(new_here):
        symbol, count = min(
            Counter(m.symbol for m in fixed).items(), key=lambda kv: (-kv[1], kv[0])
        )
        text = compose(
            f"Fixes {plural(len(fixed), 'pylint message')} in the files it changes, most often ",
            Code(symbol),
            f" ({count}).",
        )
        items.append(
            FeedbackItem(
                "praise", owner("lint.score"), text, Evidence(metric="lint.score"), rank=40
            )
        )
    source_lines = sum(
        len(view.changed_code(f)) for f in view.comparison.changed_lines if view.is_graded(f)
    )
    if source_lines >= _CLEAN_MIN_LINES and not new_here and not fixed:
        text = compose(
            f"The {source_lines} lines of code it adds or changes raise no new pylint message."
        )
        items.append(
            FeedbackItem(
                "praise", owner("lint.score"), text, Evidence(metric="lint.score"), rank=45
            )
        )
    return items


MIN_PATCH_PRAISE = 5
"""Fewer changed lines inside functions than this: "every line tested" is too small to say
(a one-token edit the old tests already ran)."""


def _lines_in_functions(view: ChangeView) -> int:
    """Changed lines of code in the graded source that lie inside a function's body."""
    return sum(
        1
        for file in view.comparison.changed_lines
        if view.is_graded(file)
        for n in view.changed_code(file)
        if (fn := view.enclosing(file, n)) is not None and n > fn.line
    )


def _changed_functions(view: ChangeView) -> dict[tuple[str, str], str]:
    """(file, name) -> ``adds``/``edits`` for the graded functions the change wrote code in."""
    added = {(c.file, c.name) for c in view.comparison.complexity_changes if c.before is None}
    found: dict[tuple[str, str], str] = {}
    for fn in view.functions:
        if not view.is_graded(fn.file):
            continue
        if (fn.file, fn.name) in added:
            found[(fn.file, fn.name)] = "adds"
        elif any(fn.line <= n <= fn.endline for n in view.changed_code(fn.file)):
            found[(fn.file, fn.name)] = "edits"
    return found


def pragmas_on(source: SourceReader | None, changed: Mapping[str, Sequence[int]]) -> int:
    """How many of the ``changed`` lines (added or edited) carry ``# pragma: no cover``."""
    found = 0
    for file, lines in changed.items():
        text = source(file) if source and file.endswith(".py") else None
        if text is None:
            continue
        rows = text.splitlines()
        found += sum(1 for n in lines if 0 < n <= len(rows) and PRAGMA_NO_COVER.search(rows[n - 1]))
    return found


def _test_only_praise(view: ChangeView, metrics: Mapping[str, float]) -> list[FeedbackItem]:
    """A change that touches no graded source and adds tests or assertions that pass: it
    checks more of what the code does, which is the whole of its point."""
    if any(view.changed_code(f) for f in view.comparison.changed_lines if view.is_graded(f)):
        return []
    if value_of(metrics, "tests.failed") or value_of(metrics, "tests.errors"):
        return []
    new = [t for t in view.comparison.test_changes if t.new and t.renamed_from is None]
    asserts = sum(t.asserts_added for t in view.comparison.test_changes if not t.new)
    if not new and not asserts:
        return []
    what = [
        *([plural(len(new), "new test")] if new else []),
        *([plural(asserts, "new assertion")] if asserts else []),
    ]
    text = compose(
        f"The {' and the '.join(what)} pass: the suite now checks more of what the code does."
    )
    return [
        FeedbackItem(
            "praise",
            view.metric_owner("tests.passed"),
            text,
            Evidence(metric="tests.passed"),
            rank=20,
        )
    ]


def _tests_praise(view: ChangeView) -> list[FeedbackItem]:
    """New tests (or new assertions) that call a function the change added or edited: the
    change comes with its own evidence. Said with the test and the function it calls."""
    changed = _changed_functions(view)
    if not changed:
        return []
    hits: list[tuple[str, str, str]] = []
    for test in view.comparison.test_changes:
        if not (test.new or test.asserts_added) or test.renamed_from is not None:
            continue
        source = view.source(test.file) if view.source else None
        names = references(source, [test.line]) if source is not None else frozenset()
        calls = [
            (name, verb) for (_file, name), verb in sorted(changed.items()) if _reached(name, names)
        ]
        if calls:
            hits.append((test.name, *calls[0]))
    if not hits:
        return []
    # a test of a function the change adds is the clearest example (an edited one's test
    # may only rewrite an old test)
    hits.sort(key=lambda hit: hit[2] != "adds")
    first, function, verb = hits[0]
    if len(hits) == 1:
        text = compose(
            "Adds the test ",
            Code(first),
            ", which calls ",
            Code(function),
            f": the code this change {verb} comes with a test of its own.",
        )
    else:
        text = compose(  # no count: a test that reaches the code indirectly is not seen
            "New tests call the code this change writes, e.g. ",
            Code(first),
            " for ",
            Code(function),
            ".",
        )
    return [
        FeedbackItem(
            "praise",
            view.metric_owner("tests.passed"),
            text,
            Evidence(metric="tests.passed", function=function),
            rank=15,
        )
    ]


def _simplified_in_place(view: ChangeView, fn: FunctionComplexity) -> bool:
    """Whether a complexity drop is a simplification: the branches did not move into a
    function the change added (which ``fn`` now calls), and no test that used ``fn`` was
    removed (dropping validation with its tests removes behaviour, it does not simplify)."""
    text = view.source(fn.file) if view.source else None
    if text is None:
        return False
    uses = references(text, [fn.line])
    added = {_short(c.name) for c in view.comparison.complexity_changes if c.before is None}
    if not uses or uses & added:
        return False
    return not any(
        _reached(fn.name, frozenset(names)) is not False
        for names in view.comparison.removed_tests.values()
    )


_CLEAN_MIN_LINES = 10
"""Below this, "no new message" is too small a thing to praise."""


def cc_target(criteria: Sequence[tuple[str, str | None]]) -> float:
    """The model's complexity target for one function (``complexity.cc_max``), else 10."""
    for metric, target in criteria:
        if metric == "complexity.cc_max" and target:
            try:
                parsed = expr.parse(target)
            except expr.ExprError:
                continue
            if parsed.op in ("<=", "<"):
                return parsed.number - (1 if parsed.op == "<" else 0)
    return 10.0
