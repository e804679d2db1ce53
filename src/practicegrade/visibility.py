"""What of a module its importers can see: the part of it their pylint results depend on.

An importer's pylint messages depend on a module it imports through what astroid infers
from that module, and astroid looks a module's names up only where code names them. A
top-level function or class that no other file names, whose text no visible part of the
module names either, and that changes nothing outside itself when astroid builds it,
cannot change an importer's messages. :func:`interface_digest` hashes a module without
those definitions, and the incremental lint cache keys an importer on that digest
instead of the module's full text: adding a helper or rewriting one nothing else calls
relints the changed file only, not every file that imports it.

"Names" is read generously, so that a definition is hidden only when that is certain:

* a name counts as named in a file if it appears anywhere in it as a word
  (:func:`words`): in code, comments or strings, and in the value of every string
  (``"h\\x65lper"``, ``"hel" "per"``), compared NFKC-normalized as Python compares
  identifiers, whatever the module it came from;
* a file that is not UTF-8, or declares another encoding, names everything, and so does
  a wildcard import of the module (``from m import *`` can bind every name);
* a definition stays visible when the module's kept text names it (``__all__``, a
  module-level call, another visible definition's body), repeated until nothing changes;
* a definition is never hidden when building it reaches beyond itself: an attribute store
  on anything but a method's own first parameter (astroid adds ``x.attr = value`` to the
  inferred object when it builds the module, even to another module's class, and infers
  a parameter with a default, or a rebound ``self``, as whatever it holds), a walrus
  (``def f(x=(LIMIT := 1))`` binds ``LIMIT`` in the module), ``global``, or nesting
  deeper than :data:`MAX_DEPTH` (astroid gives up on the whole module);
* dunder names (``__getattr__``, ``__dir__``) are never hidden: they change how every
  other name of the module is looked up.

pylint's ``no-member`` hint ("maybe 'helper'?") looks at every name of the owner, named
or not; the cache reuses a module with such a message only when the modules it imports
are unchanged to the byte (:data:`practicegrade.cache.WHOLE_MODULE_SYMBOLS`).

Known limit: a name that exists nowhere as a word but that astroid assembles while
inferring (``getattr(m, "get_" + kind)`` with ``kind = "x"`` naming a new ``get_x``)
is not seen; such an importer keeps its earlier messages until it or a visible part of
the module changes, or a grade runs without the cache.

The kept statements' line numbers are part of the digest: some of pylint's messages
quote a line of another file ("An attribute defined in pkg.a line 7 hides this method",
"defined at line 3 of pkg.a"). So a hidden definition added or grown above visible
ones relints the importers; one added below them, or rewritten in as many lines, does not.
"""

from __future__ import annotations

import ast
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

_WORD = re.compile(r"\w+")
_WILDCARD = re.compile(r"\bfrom\s+([\w.]+)\s+import\s*\*")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""A source line with its end, as Python's tokenizer splits lines (``ast`` line numbers)."""
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_NOT_END = re.compile(rb"[^\r\n]+")
_TOP_DEF = re.compile(rb"^(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)
"""A definition at column 0: every top-level one (and perhaps lines of a string)."""


Parse = Callable[[bytes], "ast.Module | None"]
"""Parses a file's bytes; ``None`` when they are not Python (:func:`parser`)."""


def parser() -> Parse:
    """A parse function that remembers its answers, for one pass over a project: the
    import graph and the interface digests read the same files, and parsing is most of
    what either costs."""
    trees: dict[bytes, ast.Module | None] = {}

    def parse(source: bytes) -> ast.Module | None:
        if source not in trees:
            try:
                trees[source] = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                trees[source] = None
        return trees[source]

    return parse


@dataclass(frozen=True, slots=True)
class Words:
    """The words a file names, or ``None`` for "every word" (:func:`words`)."""

    found: frozenset[str] | None
    wildcards: frozenset[str]
    """The last part of every module the file wildcard-imports (``""`` for ``from . import *``)."""


def words(source: bytes, parse: Parse | None = None) -> Words:
    """Every word of a file: identifiers, attribute names, words in strings and comments,
    and the words of every string's value (``"h\\x65lper"`` and ``"hel" "per"`` name
    ``helper``). Compared as Python compares identifiers (NFKC-normalized). A file that is
    not UTF-8, or declares another encoding, names every word: its words cannot be read
    reliably here.
    """
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return Words(None, frozenset())
    if _other_encoding(source):
        return Words(None, frozenset())
    found = set(_WORD.findall(text))
    tree = (parse or parser())(source)
    wildcards: set[str] = set()
    if tree is None:
        joined = text.replace("\\\r\n", " ").replace("\\\n", " ").replace("\\\r", " ")
        wildcards = {m.rpartition(".")[2] for m in _WILDCARD.findall(joined)}
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update(_WORD.findall(node.value))
            elif isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                wildcards.add((node.module or "").rpartition(".")[2])
    if not text.isascii() or not all(w.isascii() for w in found):
        found.update(_WORD.findall(unicodedata.normalize("NFKC", text)))
        found.update(unicodedata.normalize("NFKC", w) for w in list(found))
    return Words(frozenset(found), frozenset(wildcards))


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
"""PEP 263's encoding declaration (looked for in the first two lines)."""


def _other_encoding(source: bytes) -> bool:
    declared = _COOKIE.search(b"".join(_LINE.findall(source)[:2]))
    if declared is None:
        return False
    name = declared.group(1).decode("ascii", "replace").lower().replace("_", "-")
    return not (name in ("utf8", "utf-8") or name.startswith("utf-8-"))


@dataclass(frozen=True, slots=True)
class _Statement:
    """A top-level statement: its node, first and last lines (1-based, decorators
    included) and text."""

    node: ast.stmt
    line: int
    end: int
    text: bytes

    @property
    def candidate(self) -> str | None:
        """The name of a definition that may be hidden when nothing names it, else ``None``.

        Dunders (``__getattr__``) change how every other name is looked up, and a name our
        word pattern would split could never be found, so neither is ever a candidate.
        """
        node = self.node
        if not isinstance(node, _DEFS):
            return None
        name = node.name
        dunder = name.startswith("__") and name.endswith("__")
        return None if dunder or not _WORD.fullmatch(name) else name


def _statements(source: bytes, parse: Parse) -> list[_Statement] | None:
    """Each top-level statement; ``None`` when the file is not plain UTF-8 Python (a
    syntax error, another encoding declared). Comments and blank lines between
    statements belong to none."""
    if _other_encoding(source):
        return None
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        return None
    tree = parse(source)
    if tree is None:
        return None
    lines = _LINE.findall(source)
    out: list[_Statement] = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        end = node.end_lineno or node.lineno
        out.append(_Statement(node, first, end, b"".join(lines[first - 1 : end])))
    return out


MAX_DEPTH = 100
"""Deeper than this, a definition is never hidden: astroid gives up on deeply nested
expressions (a ``RecursionError`` while it builds the module), which changes what every
importer can infer from the module."""


def _reaches_beyond(node: ast.stmt) -> bool:
    """Whether astroid building ``node`` may change names outside it (see the module doc)."""
    return _walk_beyond(node, stores_only=False)


def has_foreign_stores(tree: ast.Module | None) -> bool:
    """Whether building the module stores attributes on anything but its own instances:
    ``x.attr = value`` where ``x`` is not a method's own first parameter. astroid applies
    such a store to whatever ``x`` infers to, in any module, when it builds this one, and
    a cold pylint run builds every file it is given before checking any. ``None`` (a file
    that does not parse) stores nothing: astroid cannot build it either."""
    return tree is not None and any(_walk_beyond(node, stores_only=True) for node in tree.body)


def _walk_beyond(node: ast.stmt, *, stores_only: bool) -> bool:
    own = _own_instance_names(node) if isinstance(node, ast.ClassDef) else {}
    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(node, 0, None)]
    while stack:
        inner, depth, function = stack.pop()
        beyond = depth > MAX_DEPTH or isinstance(inner, (ast.Global, ast.Nonlocal, ast.NamedExpr))
        if beyond and not stores_only:
            return True
        if isinstance(inner, ast.Attribute) and not isinstance(inner.ctx, ast.Load):
            base = inner.value
            if not (isinstance(base, ast.Name) and own.get(function) == base.id):
                return True
        inside = {id(statement) for statement in _bodies(inner)}
        stack.extend(
            (child, depth + 1, inner if id(child) in inside else function)
            for child in ast.iter_child_nodes(inner)
        )
    return False


def _bodies(node: ast.AST) -> list[ast.AST]:
    """What runs inside ``node``'s own scope when it is a function: its body, not its
    decorators, defaults or annotations (those are evaluated where it is defined)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return list(node.body)
    if isinstance(node, ast.Lambda):
        return [node.body]
    return []


def _own_instance_names(cls: ast.ClassDef) -> dict[ast.AST | None, str]:
    """The methods (anywhere in ``cls``) whose first parameter astroid infers as an
    instance or the class itself, with that parameter's name: ``self.x = v`` there
    changes only that class. A method qualifies when it sits directly in a class body,
    is no ``staticmethod``, and its first parameter has no default and is bound nowhere
    else in the method (no assignment, ``except ... as``, import ``as``, ``match``)."""
    found: dict[ast.AST | None, str] = {}
    for owner in ast.walk(cls):
        if not isinstance(owner, ast.ClassDef):
            continue
        for method in owner.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            positional = [*method.args.posonlyargs, *method.args.args]
            static = any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list
            )
            if static or not positional or len(method.args.defaults) == len(positional):
                continue
            name = positional[0].arg
            if not _bound_again(method, name):
                found[method] = name
    return found


def _bound_again(method: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """Whether ``name`` is bound in ``method`` other than as its first parameter."""
    first = _first_arg(method)
    return any(_binds(inner) == name for inner in ast.walk(method) if inner not in (first, method))


def _binds(node: ast.AST) -> str | None:
    """The name ``node`` binds, if it binds one."""
    match node:
        case ast.Name(id=bound, ctx=ast.Store() | ast.Del()):
            return bound
        case ast.ExceptHandler(name=str() as bound) | ast.MatchAs(name=str() as bound):
            return bound
        case ast.MatchStar(name=str() as bound) | ast.arg(arg=bound):
            return bound
        case ast.alias(name=imported, asname=asname):
            return asname or imported.split(".")[0]
        case (
            ast.FunctionDef(name=bound)
            | ast.AsyncFunctionDef(name=bound)
            | ast.ClassDef(name=bound)
        ):
            return bound
    return None


def _first_arg(method: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.arg:
    return [*method.args.posonlyargs, *method.args.args][0]


def _words_of(statements: Iterable[_Statement]) -> set[str]:
    return set(_WORD.findall(b"".join(s.text for s in statements).decode("utf-8")))


def _hidden(statements: list[_Statement], named_elsewhere: Callable[[str], bool]) -> frozenset[str]:
    """Names of definitions no other file and no visible part of the module names.

    Whether a definition reaches beyond itself (an AST walk, most of the cost) is asked
    only of those that would otherwise be hidden.
    """
    candidates: dict[str, list[_Statement]] = {}
    for statement in statements:
        if (name := statement.candidate) is not None:
            candidates.setdefault(name, []).append(statement)
    visible = {name for name in candidates if named_elsewhere(name)}
    frontier = _words_of(s for s in statements if s.candidate is None or s.candidate in visible)
    while True:
        while newly := {n for n in candidates if n not in visible and n in frontier}:
            visible |= newly
            frontier = _words_of(s for n in newly for s in candidates[n])
        reaching = {
            n
            for n in candidates
            if n not in visible and any(_reaches_beyond(s.node) for s in candidates[n])
        }
        if not reaching:
            return frozenset(candidates) - visible
        visible |= reaching
        frontier = _words_of(s for n in reaching for s in candidates[n])


def hidden_names(
    source: bytes, named_elsewhere: Callable[[str], bool], parse: Parse | None = None
) -> frozenset[str]:
    """The top-level definitions of ``source`` its importers cannot see (none when the
    file is not plain UTF-8 Python). ``named_elsewhere(name)``: whether any other file
    names ``name`` (:func:`words`)."""
    statements = _statements(source, parse or parser())
    return frozenset() if statements is None else _hidden(statements, named_elsewhere)


def interface_digest(
    source: bytes, named_elsewhere: Callable[[str], bool], parse: Parse | None = None
) -> str:
    """SHA-256 of what importers can see of ``source``: the file with the lines of its
    :func:`hidden_names` definitions emptied (so every other line keeps its number) and
    blank lines at the end left out. With nothing hidden that is the file itself, which
    needs no parse: when every definition is named elsewhere, the file is not parsed."""
    names = (m.decode("utf-8", "replace") for m in _TOP_DEF.findall(source))
    if not all(named_elsewhere(name) for name in names):
        statements = _statements(source, parse or parser()) or []
        hidden = _hidden(statements, named_elsewhere)
        if hidden:
            lines = _LINE.findall(source)
            for statement in statements:
                if statement.candidate in hidden:
                    for i in range(statement.line - 1, statement.end):
                        lines[i] = _NOT_END.sub(b"", lines[i])
            source = b"".join(lines)
    return hashlib.sha256(b"interface\0" + source.rstrip()).hexdigest()


def _module_words(rel: str) -> set[str]:
    """What a wildcard import may call the module at ``rel`` (the last part of its name;
    ``""`` for a package, which ``from . import *`` names)."""
    parts = rel.split("/")
    if parts[-1] != "__init__.py":
        return {parts[-1].removesuffix(".py")}
    return {"", *parts[-2:-1]}


def interface_digests(files: Mapping[str, bytes], parse: Parse | None = None) -> dict[str, str]:
    """:func:`interface_digest` of every file, seen from all the others in ``files``."""
    parse = parse or parser()
    seen = {rel: words(data, parse) for rel, data in files.items()}
    counts = Counter(word for w in seen.values() for word in w.found or ())
    wildcards = Counter(name for w in seen.values() for name in w.wildcards)
    unreadable = {rel for rel, w in seen.items() if w.found is None}
    digests: dict[str, str] = {}
    for rel, data in files.items():
        mine = seen[rel].found or frozenset()
        own_wildcards = seen[rel].wildcards
        wildcarded = any(wildcards[n] - (n in own_wildcards) > 0 for n in _module_words(rel))
        if unreadable - {rel} or wildcarded:
            digests[rel] = interface_digest(data, lambda _name: True, parse)
            continue

        def named_elsewhere(name: str, mine: frozenset[str] = mine) -> bool:
            return counts.get(name, 0) - (name in mine) > 0

        digests[rel] = interface_digest(data, named_elsewhere, parse)
    return digests
