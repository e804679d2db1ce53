"""What a change did inside functions and tests, read from the base and head source (pure).

A mentor says what a change did in words the diff backs: "adds the keyword parameter
``info`` to ``cached``", "catches ``OverflowError`` in ``TimestampSigner.unsign``", "adds
a branch on ``1 < fmt_value < 2`` to ``precisedelta``". Line counts cannot say that, and
line coverage cannot say whether the new behaviour has a test: a new exception type in an
old ``except`` clause is "covered" by the old test that raised the old one. So this module
compares each changed function's syntax tree on both sides:

* :func:`behaviour_changes`: new parameters, exception types caught, and conditions
  (``if``/``while``/conditional expressions) of functions both sides have;
* :func:`match_tests`: the test functions a change added or edited, matched across base
  and head by qualified name, then by body, so a renamed or re-parametrised test is not
  a new one, and an assertion rewritten for a new signature is not an added one;
* :func:`code_lines`: the lines that hold code (no blank line, comment or docstring), so
  "lines of code" counts what a reader has to read again;
* :func:`references`: the names a test's body uses, to tell whether a test the change
  added or edited reaches a changed function.

Nothing here runs or imports the learner's code; a file that does not parse gives no facts.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from collections.abc import Collection, Iterator, Mapping
from dataclasses import replace

from practicegrade.codeshape import environment_only
from practicegrade.model import BehaviourChange, TestChange

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def _parse(source: str | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _functions(tree: ast.AST, nested: bool = False) -> Iterator[tuple[str, _Function]]:
    """Functions and methods with their qualified names (``Class.method``) as radon names
    them; with ``nested``, functions defined inside functions too (``outer.inner``)."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, _Function]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield f"{prefix}{child.name}", child
                if nested:
                    yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")

    yield from walk(tree, "")


# --------------------------------------------------------------------------- lines of code


def code_lines(source: str) -> frozenset[int] | None:
    """Lines that hold code: not blank, not only a comment, not part of a docstring.

    ``None`` when the source does not tokenize or parse (the caller counts every line)."""
    tree = _parse(source)
    if tree is None:
        return None
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT}
    skip |= {tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type not in skip:
                lines.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.difference_update(range(first.lineno, (first.end_lineno or 0) + 1))
    return frozenset(lines)


# --------------------------------------------------------------------------- behaviour


def _caught(handler: ast.ExceptHandler) -> list[str]:
    """The exception types an ``except`` clause names (``(A, b.B)`` -> ``A``, ``b.B``)."""
    if handler.type is None:
        return []
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [ast.unparse(t) for t in types]


def _conditions(func: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, source)`` of every condition the function decides on."""
    for node in ast.walk(func):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            yield node.test.lineno, ast.unparse(node.test)


def _parameters(func: _Function) -> dict[str, bool]:
    """Parameter name -> whether a caller may leave it out or pass it by keyword only."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    with_default = {a.arg for a in positional[len(positional) - len(args.defaults) :]}
    found = {a.arg: a.arg in with_default for a in positional}
    found.update({a.arg: True for a in args.kwonlyargs})
    return found


def behaviour_changes(
    file: str, base: str | None, head: str | None, changed: Collection[int]
) -> list[BehaviourChange]:
    """What the change did to the behaviour of functions both sides have, in file order.

    A function the change added is news by itself (the summary names it); here only
    functions that existed before: a new parameter, a new exception type caught, a new
    or changed condition on a changed line. Conditions on the interpreter or platform
    (``sys.version_info``, ``TYPE_CHECKING``) are left out: no test input chooses them."""
    base_tree, head_tree = _parse(base), _parse(head)
    if base_tree is None or head_tree is None or not changed:
        return []
    lines = set(changed)
    before = dict(_functions(base_tree))
    found: list[BehaviourChange] = []
    for name, func in _functions(head_tree):
        old = before.get(name)
        end = func.end_lineno or func.lineno
        if old is None or not any(func.lineno <= n <= end for n in lines):
            continue
        old_params = _parameters(old)
        new_params = _parameters(func)
        # `arch` gone and `archs` new is a changed signature, not an added parameter: the
        # summary says the function was edited rather than claim an addition.
        replaced = any(p not in new_params for p in old_params)
        for param, optional in new_params.items():
            if param not in old_params and param not in ("self", "cls") and not replaced:
                line = next(
                    a.lineno
                    for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
                    if a.arg == param
                )
                found.append(
                    BehaviourChange(
                        file, name, line, "keyword parameter" if optional else "parameter", param
                    )
                )
        old_caught = {
            t for h in ast.walk(old) if isinstance(h, ast.ExceptHandler) for t in _caught(h)
        }
        for handler in ast.walk(func):
            if not isinstance(handler, ast.ExceptHandler) or handler.lineno not in lines:
                continue
            new = [t for t in _caught(handler) if t not in old_caught]
            if new:
                caught = ", ".join(new)
                found.append(BehaviourChange(file, name, handler.lineno, "except", caught))
        old_conditions = {text for _, text in _conditions(old)}
        seen: set[str] = set()
        for line, text in sorted(_conditions(func)):
            if line in lines and text not in old_conditions and text not in seen:
                seen.add(text)
                if not environment_only([text]):
                    found.append(BehaviourChange(file, name, line, "condition", text))
    return sorted(found, key=lambda b: (b.line, b.kind))


# --------------------------------------------------------------------------- tests


def _is_assertion(node: ast.AST) -> bool:
    """``assert ...``, ``self.assertX(...)`` or ``pytest.raises``/``warns`` checks."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr.startswith("assert") or node.func.attr in {"raises", "warns"}
    return False


def _tests(source: str | None) -> dict[str, _Function]:
    tree = _parse(source)
    if tree is None:
        return {}
    return {name: node for name, node in _functions(tree) if node.name.startswith("test")}


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _body(node: _Function) -> list[str]:
    """The test's body and decorators as tokens of its syntax tree: names, calls and
    constants, no positions and no name of its own."""
    parts = [ast.dump(d) for d in node.decorator_list] + [ast.dump(s) for s in node.body]
    return _TOKEN.findall("\n".join(parts))


def _asserts(node: _Function) -> int:
    return sum(1 for sub in ast.walk(node) if _is_assertion(sub))


RENAME_SIMILARITY = 0.75
"""How alike two test bodies must be (difflib ratio over their syntax tokens) for a test
that disappeared and one that appeared to be the same test renamed."""


def _renamed_from(
    body: list[str], gone: Mapping[tuple[str, str], list[str]]
) -> tuple[str, str] | None:
    """The lost base test whose body is most alike ``body``, if alike enough."""
    best: tuple[float, tuple[str, str]] | None = None
    for key, old in gone.items():
        matcher = difflib.SequenceMatcher(None, old, body, autojunk=False)
        if matcher.real_quick_ratio() < RENAME_SIMILARITY:
            continue
        if matcher.quick_ratio() < RENAME_SIMILARITY:
            continue
        ratio = matcher.ratio()
        if ratio >= RENAME_SIMILARITY and (best is None or ratio > best[0]):
            best = (ratio, key)
    return best[1] if best else None


def _in_order(
    tests: Mapping[tuple[str, str], _Function],
) -> list[tuple[tuple[str, str], _Function]]:
    return sorted(tests.items(), key=lambda kv: (kv[0][0], kv[1].lineno))


def match_tests(
    head: Mapping[str, str],
    base: Mapping[str, str],
    changed: Mapping[str, Collection[int]],
) -> tuple[list[TestChange], dict[str, tuple[str, ...]]]:
    """Test functions (``test*``) of the changed test files that hold a changed line.

    ``head``/``base``: test file path -> source on each side (a file the change added has
    no base; a renamed file is keyed by its head path on both sides). A test is new only
    when the base has no test of that qualified name in that file, and none that the head
    lost whose body is alike (:data:`RENAME_SIMILARITY`): that one is renamed (moved
    files too). Assertions added: how many more the test has than on the base.

    Also returns the base tests the head lost (``file::name`` -> the names each used),
    renamed ones not counted: a simplification that removed tests removed behaviour."""
    base_tests = {(f, n): node for f, text in base.items() for n, node in _tests(text).items()}
    head_tests = {(f, n): node for f, text in head.items() for n, node in _tests(text).items()}
    gone = {key: _body(node) for key, node in base_tests.items() if key not in head_tests}
    found: list[TestChange] = []
    for (file, name), node in _in_order(head_tests):
        lines = set(changed.get(file, ()))
        end = node.end_lineno or node.lineno
        first = min((d.lineno for d in node.decorator_list), default=node.lineno)
        if not any(first <= n <= end for n in lines):
            continue
        old = base_tests.get((file, name))
        renamed = None
        if old is None and gone:
            renamed = _renamed_from(_body(node), gone)
            if renamed is not None:
                old = base_tests[renamed]
                del gone[renamed]
        if old is None:
            found.append(TestChange(file, name, node.lineno, True, _asserts(node)))
            continue
        added = max(0, _asserts(node) - _asserts(old))
        change = TestChange(file, name, node.lineno, False, added)
        if renamed is not None:
            change = replace(change, renamed_from=renamed[1])
        found.append(change)
    removed = {
        f"{file}::{name}": tuple(sorted(_names(base_tests[(file, name)]))) for file, name in gone
    }
    return found, removed


def _names(node: _Function) -> set[str]:
    names: set[str] = set()
    for part in [*node.decorator_list, *node.body]:
        for sub in ast.walk(part):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                names.add(sub.attr)
    return names


def references(source: str, lines: Collection[int]) -> frozenset[str]:
    """The names the functions defined at ``lines`` use (``f``, ``obj.f`` -> ``f``),
    decorators included: what a test calls or hands to a helper such as
    ``pytest.raises(E, f)``."""
    tree = _parse(source)
    if tree is None:
        return frozenset()
    wanted = set(lines)
    names: set[str] = set()
    for _, node in _functions(tree, nested=True):
        if node.lineno in wanted:
            names |= _names(node)
    return frozenset(names)


def raiser(source: str, handler_line: int) -> str | None:
    """The one call in the ``try`` body whose ``except`` clause starts at ``handler_line``
    (``self.timestamp_to_datetime``): what a test must make raise. ``None`` when the body
    makes no call or several."""
    tree = _parse(source)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(h.lineno == handler_line for h in node.handlers):
            calls = {
                ast.unparse(sub.func)
                for stmt in node.body
                for sub in ast.walk(stmt)
                if isinstance(sub, ast.Call)
            }
            return calls.pop() if len(calls) == 1 else None
    return None
