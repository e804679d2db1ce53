"""What a change did to the code's shape, read with :mod:`ast` (pure: source text in, facts out).

Two questions feedback needs answered from the source itself, not from a tool's numbers:

* which test functions a change added or edited, and how many assertions it added to
  them (so a test-only change can be described: "adds 4 assertions to ``test_parse``");
* which part of a complex function to extract first: its largest branch or loop body,
  sized to one session, with a line range and a suggested name.

Nothing here runs or imports the learner's code; a file that does not parse gives no facts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache

from practicegrade.model import TestChange

_SESSION_LINES = (4, 40)
"""An extraction a learner can do, test and review in one sitting: 4 to 40 lines."""


@lru_cache(maxsize=16)
def _parse(source: str) -> ast.Module | None:
    """The module's tree, parsed once per text: feedback asks about many lines of one file
    (a guard per untested line), and nothing here changes a tree it is given."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _functions(tree: ast.AST) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function with its qualified name (``Class.method``), outermost first."""

    def walk(
        node: ast.AST, prefix: str
    ) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                yield name, child
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    yield from walk(tree, "")


def _is_assertion(node: ast.AST) -> bool:
    """``assert ...``, ``self.assertX(...)`` or ``pytest.raises``/``approx`` checks."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr.startswith("assert") or node.func.attr in {"raises", "warns"}
    return False


def changed_tests(file: str, source: str, changed: Collection[int]) -> list[TestChange]:
    """Test functions (``test*``) in ``source`` that contain a changed line, in file order."""
    tree = _parse(source)
    if tree is None or not changed:
        return []
    lines = set(changed)
    found = []
    for name, node in _functions(tree):
        if not node.name.startswith("test"):
            continue
        end = node.end_lineno or node.lineno
        first = min((d.lineno for d in node.decorator_list), default=node.lineno)
        if not any(first <= n <= end for n in lines):
            continue
        asserts = sum(
            1 for sub in ast.walk(node) if _is_assertion(sub) and getattr(sub, "lineno", 0) in lines
        )
        found.append(TestChange(file, name, node.lineno, node.lineno in lines, asserts))
    return found


@dataclass(frozen=True, slots=True)
class Extraction:
    """A block to move into its own function: where it is and what it could be called."""

    kind: str
    """``branch``, ``else branch``, ``if/elif chain``, ``condition`` (an and/or test to name
    as a predicate), ``loop``, ``handler`` or ``block``."""
    start: int
    end: int
    name: str | None
    """A suggested helper name when the code says what the block computes (the one name
    every branch of a chain assigns, the item a loop processes); ``None`` otherwise: a
    name guessed from a condition's first word (``handle_years`` for the branch that runs
    when there are *no* years) misleads more than no name."""

    @property
    def lines(self) -> int:
        return self.end - self.start + 1


def _body_span(body: list[ast.stmt]) -> tuple[int, int]:
    return body[0].lineno, max(s.end_lineno or s.lineno for s in body)


def _chain_end(node: ast.If) -> tuple[int, int]:
    """(branches, last line) of an ``if``/``elif``/``else`` chain."""
    branches, tail = 1, node
    while len(tail.orelse) == 1 and isinstance(tail.orelse[0], ast.If):
        tail = tail.orelse[0]
        branches += 1
    if tail.orelse:
        branches += 1
    return branches, tail.end_lineno or tail.lineno


def _candidates(func: ast.AST) -> Iterator[tuple[str, int, int, ast.AST]]:
    """Every block inside ``func`` that could become a helper, with its line span: branch,
    loop and handler bodies, and whole ``if``/``elif`` chains (not inside nested functions)."""
    stack = list(ast.iter_child_nodes(func))
    inner: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.If, ast.While)) and _operands(node.test) >= _MIN_OPERANDS:
            yield "condition", node.test.lineno, node.test.end_lineno or node.test.lineno, node
        if isinstance(node, ast.If):
            branches, end = _chain_end(node)
            if branches >= 3 and id(node) not in inner:
                yield "if/elif chain", node.lineno, end, node
            yield ("branch", *_body_span(node.body), node)
            orelse = node.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                inner.add(id(orelse[0]))
            elif orelse:
                yield ("else branch", *_body_span(orelse), node)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            yield ("loop", *_body_span(node.body), node)
        elif isinstance(node, ast.Try):
            yield ("block", *_body_span(node.body), node)
            for handler in node.handlers:
                yield ("handler", *_body_span(handler.body), handler)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield ("block", *_body_span(node.body), node)
        stack.extend(ast.iter_child_nodes(node))


_MIN_OPERANDS = 3
"""A condition joining this many tests with and/or deserves a name of its own."""


def _operands(test: ast.expr) -> int:
    """How many tests ``and``/``or`` join in ``test`` (1 for a plain comparison)."""
    if isinstance(test, ast.BoolOp):
        return sum(_operands(v) for v in test.values)
    return 1


_DECISIONS = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.IfExp,
    ast.BoolOp,
    ast.ExceptHandler,
    ast.comprehension,
    ast.match_case,
)


def _decisions(func: ast.AST, start: int, end: int) -> int:
    """Decision points (what radon counts) whose line lies in ``start..end``."""
    return sum(
        1
        for n in ast.walk(func)
        if isinstance(n, _DECISIONS) and start <= getattr(n, "lineno", 0) <= end
    )


_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[A-Z]+(?![a-z])")


def _snake(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    return "_".join(words[:3])


def _assigned(owner: ast.AST) -> str:
    """The one name every branch of an ``if`` chain assigns, if there is one."""
    if not isinstance(owner, ast.If):
        return ""
    targets: set[str] = set()
    node: ast.stmt = owner
    while isinstance(node, ast.If):
        targets |= {
            t.id
            for s in node.body
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name)
        }
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
            continue
        targets |= {
            t.id
            for s in node.orelse
            if isinstance(s, ast.Assign)
            for t in s.targets
            if isinstance(t, ast.Name)
        }
        break
    name = targets.pop() if len(targets) == 1 else ""
    return _snake(name) if len(name) >= 3 else ""  # `s`, `rv`: the value's name says nothing


def _subject(owner: ast.AST) -> str:
    """A noun for what a block is about: the loop target, the tested name, the exception."""
    if isinstance(owner, (ast.For, ast.AsyncFor)):
        return _snake(ast.unparse(owner.target))
    if isinstance(owner, (ast.If, ast.While)):
        names = [n.id for n in ast.walk(owner.test) if isinstance(n, ast.Name)]
        attrs = [n.attr for n in ast.walk(owner.test) if isinstance(n, ast.Attribute)]
        consts = [
            n.value
            for n in ast.walk(owner.test)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        for pick in (attrs, names, consts):
            word = _snake(pick[0]) if pick else ""
            if word:
                return word
    if isinstance(owner, ast.ExceptHandler) and owner.type is not None:
        return _snake(ast.unparse(owner.type).rsplit(".", 1)[-1])
    return ""


def extraction(source: str, line: int, name: str | None = None) -> Extraction | None:
    """The block of the function defined at ``line`` to extract first, sized to one session
    (:data:`_SESSION_LINES`): the one that takes the most decisions out while leaving at
    least half of the function (an ``if``/``elif`` chain on a tie); ``None`` when none fits."""
    tree = _parse(source)
    if tree is None:
        return None
    func = next(
        (node for qual, node in _functions(tree) if node.lineno == line or qual == name), None
    )
    if func is None:
        return None
    low, high = _SESSION_LINES
    length = (func.end_lineno or func.lineno) - func.lineno + 1
    best: tuple[tuple[bool, int, bool, int, int], str, ast.AST, int, int] | None = None
    for kind, start, end, owner in _candidates(func):
        size = end - start + 1
        if not (low if kind != "condition" else 1) <= size <= min(high, length - 3):
            continue
        # The block that leaves at least half the function behind and takes the most
        # decisions out (a 3-way chain barely dents a cc of 47); an if/elif chain breaks ties.
        key = (
            size <= length // 2,
            _decisions(func, start, end),
            kind == "if/elif chain",
            size,
            -start,
        )
        if best is None or key > best[0]:
            best = (key, kind, owner, start, end)
    if best is None:
        return None
    _, kind, owner, start, end = best
    subject = _subject(owner)
    assigned = _assigned(owner) if kind == "if/elif chain" else ""
    helper: str | None = None
    if assigned:
        helper = (
            f"{assigned}_for_{subject}" if len(subject) >= 3 and subject != assigned else assigned
        )
    elif kind == "loop" and len(subject) >= 3:  # `i`, `j`, `ch`: a loop counter names nothing
        helper = f"process_{subject}"
    return Extraction(kind, start, end, re.sub(r"_+", "_", helper).strip("_") if helper else None)


def _in(body: list[ast.stmt], line: int) -> bool:
    return bool(body) and body[0].lineno <= line <= max(s.end_lineno or s.lineno for s in body)


def _guard(node: ast.AST, line: int) -> str | None:
    """The condition under which ``line`` (inside ``node``'s blocks) runs, as source."""
    if isinstance(node, ast.If):
        if _in(node.body, line):
            return ast.unparse(node.test)
        if _in(node.orelse, line) and not (
            len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
        ):
            return f"not ({ast.unparse(node.test)})"
    if isinstance(node, ast.While) and _in(node.body, line):
        return ast.unparse(node.test)
    if isinstance(node, ast.ExceptHandler) and _in(node.body, line):
        caught = ast.unparse(node.type) if node.type is not None else "an exception"
        return f"{caught} is raised"
    return None


def guards(source: str, lines: Collection[int], limit: int = 3) -> tuple[list[str], int]:
    """The innermost conditions that guard ``lines``, first seen first (at most ``limit``),
    and how many distinct ones there are: what a test must make true to run them."""
    tree = _parse(source)
    if tree is None:
        return [], 0
    found: list[str] = []
    for line in sorted(set(lines)):
        best: tuple[int, str] | None = None
        for node in ast.walk(tree):
            text = _guard(node, line)
            if text is not None:
                depth = getattr(node, "lineno", 0)
                if best is None or depth > best[0]:
                    best = (depth, text)
        if best is not None and best[1] not in found:
            found.append(best[1])
    return found[:limit], len(found)


_FALLBACK_ERRORS = {"ImportError", "ModuleNotFoundError", "NameError", "AttributeError"}


def in_import_fallback(source: str, line: int) -> bool:
    """Whether ``line`` is in a module-level ``try``/``except ImportError`` (or NameError,
    AttributeError) block: the usual shape of a compatibility shim."""
    tree = _parse(source)
    if tree is None:
        return False
    for node in tree.body:
        if not isinstance(node, ast.Try) or not node.handlers:
            continue
        caught = {
            n.id if isinstance(n, ast.Name) else n.attr
            for h in node.handlers
            if h.type is not None
            for n in ast.walk(h.type)
            if isinstance(n, (ast.Name, ast.Attribute))
        }
        end = node.end_lineno or node.lineno
        if caught & _FALLBACK_ERRORS and node.lineno <= line <= end:
            return True
    return False


_ENVIRONMENT = re.compile(
    r"version_info|hexversion|sys\.platform|os\.name|platform\.|TYPE_CHECKING|\bPY\d"
)


def environment_only(conditions: Collection[str]) -> bool:
    """Whether every condition is about the interpreter or platform: no test input can make
    such a line run, only another Python or another system."""
    return bool(conditions) and all(_ENVIRONMENT.search(c) for c in conditions)


def under_environment_switch(source: str, line: int) -> bool:
    """Whether ``line`` runs only on some interpreter or platform (its innermost guard)."""
    conditions, _ = guards(source, [line], limit=1)
    return environment_only(conditions)


def is_mixin(source: str, class_name: str) -> bool:
    """Whether ``class_name`` is defined with no base class: a mixin, whose ``super()``
    is whatever follows it in the MRO of a class that combines it, which no linter can
    see from the mixin alone (pylint's "Super of 'X' has no 'y' member" is then noise)."""
    tree = _parse(source)
    if tree is None:
        return False
    return any(
        isinstance(node, ast.ClassDef) and node.name == class_name and not node.bases
        for node in ast.walk(tree)
    )


def reraises_later(source: str, line: int) -> bool:
    """Whether the ``except ... as err`` clause at ``line`` keeps the exception
    (``error = err``) for its function to raise again later (``raise error``): the
    clean-up-then-re-raise shape, where catching ``BaseException`` swallows nothing."""
    tree = _parse(source)
    if tree is None:
        return False
    for _, func in _functions(tree):
        handler = next(
            (
                node
                for node in ast.walk(func)
                if isinstance(node, ast.ExceptHandler) and node.lineno == line and node.name
            ),
            None,
        )
        if handler is None:
            continue
        kept = {
            target.id
            for stmt in handler.body
            if isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id == handler.name
            for target in stmt.targets
            if isinstance(target, ast.Name)
        }
        return any(
            isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name) and node.exc.id in kept
            for node in ast.walk(func)
        )
    return False


def body_start(source: str, line: int) -> int | None:
    """The first line of the body of the ``if``/``while`` whose test starts at ``line``:
    coverage.py's arc into it is the branch taken when the condition is true."""
    tree = _parse(source)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While)) and node.test.lineno == line and node.body:
            return node.body[0].lineno
    return None


def return_alone_in_a_block(source: str, def_line: int) -> bool:
    """Whether the function defined at ``def_line`` (where pylint reports its
    ``useless-return``) ends in a bare ``return`` that is alone in an ``except``/``if``/
    ``else`` block: deleting it would leave the block empty, so the ``return`` is the
    clearest way to say "stop here"."""
    tree = _parse(source)
    if tree is None:
        return False
    func = next((node for _, node in _functions(tree) if node.lineno == def_line), None)
    if func is None:
        return False
    for node in ast.walk(func):
        if isinstance(node, ast.ExceptHandler):
            bodies = [node.body]
        elif isinstance(node, (ast.If, ast.Try)):
            bodies = [node.body, node.orelse]
        else:
            continue
        for body in bodies:
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is None:
                return True
    return False
