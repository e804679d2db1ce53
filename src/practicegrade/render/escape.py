"""The one place where learner-controlled strings are made safe for Markdown and terminals.

The learner controls every path, function name, test id and tool message we show, and
the mentor reads our Markdown on GitHub or GitLab (security-reliability.md §2). GitHub's
HTML sanitiser stops script injection but not mentions, issue/SHA autolinks, forged
headings, ``<!--`` hiding the rest of the comment, backticks closing our span, ``|``
splitting table rows, or bidi tricks. CommonMark renders no HTML, emphasis or autolinks
inside a code span, and GitHub's mention/issue/SHA filters skip ``code``, so every
learner string becomes an inline code span (:func:`md_code`) or a fenced block
(:func:`md_fence`), and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from practicegrade.model import Code, Text

_INVISIBLE = (
    *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO: bidi embeddings and overrides
    *range(0x2066, 0x206A),  # LRI RLI FSI PDI: bidi isolates
    0x200B,  # zero-width space
    0x200C,  # zero-width non-joiner
    0x200D,  # zero-width joiner
    0x200E,  # left-to-right mark
    0x200F,  # right-to-left mark
    0x061C,  # Arabic letter mark
    0x2060,  # word joiner
    0xFEFF,  # zero-width no-break space (BOM)
)
_VISIBLE = {c: f"\\u{c:04x}" for c in _INVISIBLE}
"""Bidi and zero-width characters shown as ``\\uXXXX`` (CVE-2021-42574, Trojan Source)."""

_DEFUSED_COMMENT = "<\u200b!--"
"""``<!--`` with a zero-width space inside: learner text can never open an HTML comment
or carry our hidden marker (rule 16). Inserted *after* the visible-escaping step, so this
one zero-width space is ours."""

_BACKTICKS = re.compile(r"`+")
ELLIPSIS = "…"


_CONTROLS = [*range(0x20), *range(0x7F, 0xA0)]
_ONE_LINE = {**dict.fromkeys(_CONTROLS, " "), **_VISIBLE}
_MULTI_LINE = {**{c: " " for c in _CONTROLS if chr(c) not in "\n\t"}, **_VISIBLE}


def neutralise(s: str, *, keep_newlines: bool = False) -> str:
    """Controls to spaces (newlines kept if asked) and invisible characters made visible."""
    if keep_newlines:
        s = s.replace("\r\n", "\n").replace("\r", "\n").translate(_MULTI_LINE)
    else:
        s = s.translate(_ONE_LINE)
    return s.replace("<!--", _DEFUSED_COMMENT)


def visible(s: str, limit: int) -> str:
    """``s`` neutralised and cut to ``limit`` characters: a learner string for any output.

    Neutralising only lengthens text and looks at most 3 characters ahead (``<!--``), so
    cutting the input first gives the same result and keeps a 5 MB message cheap.
    """
    return truncate(neutralise(s[: max(limit, 0) + 4]), limit)


def _longest_backtick_run(s: str) -> int:
    return max(map(len, _BACKTICKS.findall(s)), default=0)


def truncate(s: str, limit: int) -> str:
    """``s`` cut to at most ``limit`` characters, the last one ``…`` when it was cut."""
    if limit < 1:
        return ""
    return s if len(s) <= limit else s[: limit - 1] + ELLIPSIS


def md_code(s: str, limit: int = 120, table: bool = True) -> str:
    """``s`` as one inline Markdown code span that renders literally, on one line.

    Rules 12-16: controls (CR, LF, TAB, NUL, ESC, C1) become spaces so a row stays one
    row; bidi and zero-width characters become visible ``\\uXXXX``; ``<!--`` is defused;
    long text is cut with ``…``; the fence is one backtick longer than any run inside,
    padded with a space when the text starts or ends with a backtick or space; empty
    text shows as ``(empty)``.

    ``|`` is escaped per context: only a table cell needs ``\\|`` (GFM splits cells before
    inline parsing, and unescapes ``\\|`` back to ``|`` inside the span); anywhere else
    the backslash would be shown (``test_p[a\\|b]``). ``table=True``, the default, is safe
    in any context; pass ``table=False`` for a span outside a table, and build rows with
    :func:`md_row`, which escapes each cell, from ``table=False`` spans.
    """
    s = visible(s, limit)
    if not s:
        return "(empty)"
    if table:
        s = s.replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(s) + 1)
    pad = " " if s[0] in "` " or s[-1] in "` " else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_cell(markdown: str) -> str:
    """One table cell's Markdown with every ``|`` escaped, so it stays one cell.

    GFM finds the cell boundaries before any inline parsing (code spans included) and
    turns ``\\|`` back into ``|`` inside the cell, so escaping the whole cell is exactly
    right, for our words and for :func:`md_code` spans alike. A ``\\`` before a ``|``
    needs nothing more: cmark-gfm's cell scanner takes ``\\|`` as one escaped pipe.
    """
    return markdown.replace("|", "\\|")


def md_row(cells: Iterable[str]) -> str:
    """A GFM table row from cells of Markdown, each escaped for its cell (:func:`md_cell`)."""
    return "| " + " | ".join(md_cell(cell) for cell in cells) + " |"


def md_fence(text: str, *, limit: int = 4000, info: str = "text") -> str:
    """``text`` (multi-line tool output) as a fenced code block that cannot be escaped.

    The fence is longer than any backtick run inside (and at least three), so no line
    can close it early; other controls become spaces, CR/CRLF become LF, invisible
    characters are made visible and ``<!--`` is defused as in :func:`md_code`. Text over
    ``limit`` characters keeps its head and says how much was cut. ``info`` is ours.
    """
    head = text[: limit + 16]  # see md_code: bounded work whatever the input size
    body = neutralise(head, keep_newlines=True).rstrip("\n") or "(empty)"
    if len(body) > limit or len(text) > len(head):
        cut = max(1, len(text) - limit)
        body = body[:limit].rstrip("\n") + f"\n{ELLIPSIS} ({cut} more characters not shown)"
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def render_text_md(text: Text, *, limit: int = 120, table: bool = False) -> str:
    """A sentence in Markdown: our literal parts as written, learner parts as code spans."""
    return "".join(
        md_code(part.text, limit=limit, table=table) if isinstance(part, Code) else part
        for part in text
    )


_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?")


def term_safe(s: str, limit: int | None = None) -> str:
    """``s`` for a terminal: one line, no escape sequences, no invisible characters.

    A learner's file name must not be able to move the cursor, recolour the screen,
    set the window title or rewrite what the hook printed before, so ESC sequences are
    removed whole and every other C0/C1 control becomes a space.
    """
    if limit is not None:
        s = s[: limit * 4 + 64]  # escape sequences are removed whole: keep some slack
    s = _ANSI_ESCAPE.sub("", s).translate(_ONE_LINE)
    return s if limit is None else truncate(s, limit)


def safe_token(s: str, *, allowed: str = "A-Za-z0-9_.+-") -> str:
    """Only the characters in ``allowed`` (a regex class body): for ids and versions."""
    return re.sub(f"[^{allowed}]", "", s)
