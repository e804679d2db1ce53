"""md_code, md_fence, term_safe: security-reliability.md §2, proven through cmark-gfm."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from practicegrade.model import Code
from practicegrade.render.escape import (
    md_cell,
    md_code,
    md_fence,
    md_row,
    neutralise,
    render_text_md,
    safe_token,
    term_safe,
    truncate,
)

from .gfm import render

MARKER = "<!-- practicegrade:v1 -->"


def one_row_table(cell: str) -> str:
    return f"| a | b | c |\n|---|---|---|\n| x | {cell} | z |\n"


def shown(s: str, limit: int = 120) -> str:
    """What a reader must see for ``s``: neutralised, cut, and nothing else."""
    return truncate(neutralise(s), limit)


# --------------------------------------------------------------------------- md_code rules


def test_controls_become_spaces_so_a_row_stays_one_row() -> None:
    assert md_code("a\r\nb\tc\x00d\x1be\x85f") == "`a  b c d e f`"


def test_bidi_and_zero_width_are_shown_escaped() -> None:
    assert md_code("evil\u202etxt.py") == "`evil\\u202etxt.py`"
    assert md_code("a\u200bb\u2066c\ufeff") == "`a\\u200bb\\u2066c\\ufeff`"


def test_html_comment_opener_is_defused() -> None:
    out = md_code(MARKER)
    assert "<!--" not in out
    assert out == "`<\u200b!-- practicegrade:v1 -->`"


def test_truncation_uses_an_ellipsis_and_respects_the_limit() -> None:
    out = md_code("x" * 500, limit=10)
    assert out == "`xxxxxxxxx…`"
    assert md_code("short", limit=10) == "`short`"


def test_pipes_are_escaped_only_in_tables() -> None:
    assert md_code("a|b", table=False) == "`a|b`"
    assert md_code("a|b") == "`a\\|b`"  # the default is safe anywhere
    assert md_cell(md_code("a|b", table=False)) == "`a\\|b`"
    row = md_row([md_code("test_p[a|b|c]", table=False), "2"])
    assert row == "| `test_p[a\\|b\\|c]` | 2 |"


def test_a_test_id_with_pipes_reads_literally_outside_a_table() -> None:
    doc = render(f"**{md_code('tests/test_x.py::test_p[a|b|c]', table=False)}** (failed)\n")
    code = "".join(t for t, stack in doc.texts if "code" in stack)
    assert code == "tests/test_x.py::test_p[a|b|c]"


def test_fence_is_longer_than_any_backtick_run_and_padded() -> None:
    assert md_code("a ``` b") == "````a ``` b````"
    assert md_code("`x") == "`` `x ``"
    assert md_code("x ") == "` x  `"
    assert md_code("```") == "```` ``` ````"


def test_cutting_before_neutralising_changes_nothing() -> None:
    s = "a" * 8 + "<!--" + "\u202e" * 20
    for limit in range(1, 40):
        if len(neutralise(s)) > limit:
            assert md_code(s, limit=limit) == md_code(s + "x" * 10_000, limit=limit)
        expected = truncate(neutralise(s), limit)
        assert md_code(s, limit=limit, table=False).strip("`") == expected


def test_empty_is_shown_as_such() -> None:
    assert md_code("") == "(empty)"
    assert md_code("\u200b") == "`\\u200b`"


# --------------------------------------------------------------------------- through cmark-gfm


def test_hostile_cells_keep_the_column_count_and_render_literally() -> None:
    for s in ("a|b.py", "a\\|b", "a\\\\|b", "|||", "\\", "x\\", "`|`", "<td>x</td>"):
        doc = render(one_row_table(md_cell(md_code(s, table=False))))
        (table,) = doc.tables
        assert [len(r) for r in table.rows] == [3], s
        assert table.rows[0][1] == s, s


def test_html_in_a_code_span_is_text_not_an_element() -> None:
    s = "</details><h1>✅</h1><img src=x onerror=alert(1)>[x](javascript:alert(1))"
    doc = render(f"- {md_code(s, limit=500, table=False)}\n")
    assert doc.tags() == {"ul", "li", "code"}
    assert "".join(t for t, stack in doc.texts if "code" in stack) == s
    assert not [t for t, stack in doc.texts if "code" not in stack and t.strip()]


def test_mentions_and_references_stay_inside_code() -> None:
    for s in ("test_@octocat_@org/team", "#1", "org/repo#2", "deadbeef" * 5, "www.example.com"):
        doc = render(f"see {md_code(s)} now\n")
        assert "a" not in doc.tags()
        assert all("code" in stack for _, stack in doc.texts_containing(s.split("/")[0][:5]))


def test_md_fence_cannot_be_closed_from_inside() -> None:
    text = "before\n```\n# heading?\n````\n</details>\n<!-- hide\nafter"
    doc = render(md_fence(text) + "\n\nvisible\n")
    assert doc.count("pre") == 1
    assert doc.tags() == {"pre", "code", "p"}
    assert doc.comments == []
    assert doc.texts_containing("visible")[0][1] == ("p",)
    code = "".join(t for t, stack in doc.texts if "code" in stack)
    assert "# heading?" in code
    assert "</details>" in code
    assert "<\u200b!-- hide" in code


def test_md_fence_normalises_line_ends_and_cuts_long_text() -> None:
    out = md_fence("a\r\nb\rc\x1b[2Jd\u202e", limit=1000)
    assert out == "```text\na\nb\nc [2Jd\\u202e\n```"
    long = md_fence("x" * 50, limit=10)
    assert "xxxxxxxxxx\n… (40 more characters not shown)" in long
    assert md_fence("") == "```text\n(empty)\n```"


def test_render_text_md_escapes_only_learner_parts() -> None:
    text = ("Cover ", Code("a|b`c"), " **now**.")
    assert render_text_md(text) == "Cover ``a|b`c`` **now**."
    assert render_text_md(text, table=True) == "Cover ``a\\|b`c`` **now**."


# --------------------------------------------------------------------------- terminal and tokens


def test_term_safe_strips_escape_sequences_and_controls() -> None:
    s = (
        "\x1b[31mred\x1b[0m \x1b]0;pwned\x07title "
        "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ a\rb\nc\x9bd\u202e"
    )
    out = term_safe(s)
    assert not set(out) & {"\x1b", "\x07", "\x9b"}
    assert all(ord(c) >= 32 and not 0x7F <= ord(c) < 0xA0 for c in out)
    assert out == "red title link a b c d\\u202e"


def test_safe_token_keeps_only_allowed_characters() -> None:
    assert safe_token("job 42; rm -rf /") == "job42rm-rf"
    assert safe_token("4.1.4 <!-- x") == "4.1.4--x"
    assert safe_token("2026-01-15<b>", allowed="0-9-") == "2026-01-15"


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=1, max_value=200))
def test_md_code_never_changes_a_tables_column_count(s: str, limit: int) -> None:
    doc = render(one_row_table(md_code(s, limit=limit)))
    (table,) = doc.tables
    assert len(table.header) == 3
    assert [len(r) for r in table.rows] == [3]
    expected = shown(s, limit)
    cell = table.rows[0][1]
    if not expected:
        assert cell == "(empty)"
    elif expected.strip(" "):
        assert cell == expected
    assert "<!--" not in md_code(s, limit=limit)
    assert not doc.comments


_TRICKY = st.sampled_from(list("`|\\<!-\n\r \u202e#@*_[]"))
_LETTERS = st.sampled_from(list(string.ascii_letters))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TRICKY, _LETTERS), max_size=60).map("".join))
def test_md_code_renders_exactly_the_neutralised_text(s: str) -> None:
    doc = render(f"x {md_code(s, table=False)} y\n")
    expected = shown(s)
    code = [t for t, stack in doc.texts if "code" in stack]
    if not expected:
        assert not code
    elif expected.strip(" "):
        assert "".join(code) == expected
    assert doc.tags() <= {"p", "code"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(_TRICKY, _LETTERS), max_size=30).map("".join), min_size=1, max_size=4
    )
)
def test_md_row_keeps_every_cell_whatever_the_learner_text(texts: list[str]) -> None:
    """Per-context escaping, table side: a row of learner spans (and our words around
    them) keeps its column count, and each cell shows exactly the neutralised text."""
    header = "| " + " | ".join(f"h{i}" for i in range(len(texts))) + " |\n"
    sep = "|" + "|".join("---" for _ in texts) + "|\n"
    doc = render(header + sep + md_row([md_code(t, table=False) for t in texts]) + "\n")
    (table,) = doc.tables
    assert [len(r) for r in table.rows] == [len(texts)]
    for text, cell in zip(texts, table.rows[0], strict=True):
        expected = shown(text)
        if not expected:
            assert cell == "(empty)"
        elif expected.strip(" "):
            assert cell == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TRICKY, _LETTERS), max_size=60).map("".join))
def test_md_code_outside_a_table_never_shows_a_backslash_it_did_not_get(s: str) -> None:
    """Per-context escaping, inline side: in a heading, list or bold text a ``|`` is not
    escaped, so the reader sees no backslash beyond the learner's own (and ``\\uXXXX``)."""
    span = md_code(s, table=False)
    for line in (f"- {span}\n", f"**{span}** (failed)\n", f"#### {span}\n"):
        doc = render(line)
        code = "".join(t for t, stack in doc.texts if "code" in stack)
        assert code.count("\\") <= shown(s).count("\\")
        if shown(s).strip(" "):
            assert code == shown(s)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_md_fence_is_always_one_code_block(s: str) -> None:
    doc = render(md_fence(s) + "\n\nafter\n")
    assert doc.count("pre") == 1
    assert doc.tags() <= {"pre", "code", "p"}
    assert doc.texts_containing("after")[-1][1] == ("p",)
