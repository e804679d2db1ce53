"""Reading the change's code with ast: test functions touched, blocks to extract, guards."""

from __future__ import annotations

import ast
import textwrap

from practicegrade.codeshape import (
    changed_tests,
    extraction,
    guards,
    in_import_fallback,
    reraises_later,
    return_alone_in_a_block,
)
from practicegrade.lintexamples import lint_example, lint_why, symbols
from practicegrade.model import TestChange

TESTS = textwrap.dedent(
    """
    import pytest


    def test_old():
        assert 1 == 1
        assert 2 == 2


    class TestBox:
        def test_new(self):
            self.assertEqual(1, 1)
            with pytest.raises(ValueError):
                int("x")


    def helper():
        assert True
    """
).lstrip()

CHAIN = textwrap.dedent(
    """
    def price(rows):
        out = []
        for row in rows:
            if row.kind == "a":
                cost = 1
            elif row.kind == "b":
                cost = 2
            elif row.kind == "c":
                cost = 3
            else:
                cost = 4
            out.append(cost)
        return out
    """
).lstrip()


def test_test_changes_name_new_and_edited_tests_with_their_new_assertions() -> None:
    # line 6 (second assert of test_old) and all of TestBox.test_new (lines 10-14) changed
    found = changed_tests("tests/test_x.py", TESTS, [5, 10, 11, 12, 13, 14, 17])
    assert found == [
        TestChange("tests/test_x.py", "test_old", 4, False, 1),
        TestChange("tests/test_x.py", "TestBox.test_new", 10, True, 2),
    ]
    assert changed_tests("tests/test_x.py", "def test(:", [1]) == []


def test_extraction_takes_the_block_that_removes_most_decisions_and_fits_a_session() -> None:
    block = extraction(CHAIN, 1, "price")
    assert block is not None
    # the loop body is more than half the function: the if/elif chain is the step
    assert (block.kind, block.start, block.end) == ("if/elif chain", 4, 11)
    assert block.name == "cost_for_kind"
    assert block.lines == 8
    tiny = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    assert extraction(tiny, 1) is None, "nothing worth extracting in a 4-line function"


def test_extraction_spans_are_real_statements() -> None:
    block = extraction(CHAIN, 1, "price")
    assert block is not None
    lines = CHAIN.splitlines()
    assert lines[block.start - 1].strip().startswith("if row.kind")
    assert lines[block.end - 1].strip() == "cost = 4"
    ast.parse(textwrap.dedent("\n".join(lines[block.start - 1 : block.end])))


def test_guards_say_what_a_test_must_make_true() -> None:
    conditions, total = guards(CHAIN, [7, 11])
    assert conditions == ["row.kind == 'b'", "not (row.kind == 'c')"]
    assert total == 2
    handler = "try:\n    x = 1\nexcept KeyError:\n    x = 2\n"
    assert guards(handler, [4]) == (["KeyError is raised"], 1)


def test_forty_lint_symbols_have_our_why_and_a_bad_good_example() -> None:
    assert len(symbols()) >= 40
    for symbol in symbols():
        example = lint_example(symbol)
        assert example is not None and "# Instead of:" in example and "# write:" in example
        assert lint_why(symbol, "warning")
    assert lint_example("no-such-symbol") is None
    assert lint_why("no-such-symbol", "error") == "pylint errors are usually real bugs"


def test_a_module_level_import_fallback_is_a_compat_shim() -> None:
    source = (
        "try:\n"
        "    from os import scandir\n"
        "except ImportError:\n"
        "    def scandir(path):\n"
        "        return []\n"
        "\n"
        "def other():\n"
        "    return 1\n"
    )
    assert in_import_fallback(source, 4)
    assert not in_import_fallback(source, 8)


def test_a_long_and_or_condition_is_extracted_as_a_named_predicate() -> None:
    source = textwrap.dedent(
        """
        def bump(version, part):
            checked = []
            for p in version.parts:
                checked.append(p)
            if (version.pre or version.build) and (
                part == "patch" or part == "minor" and version.patch == 0
            ):
                return version.clean()
            checked.append(part)
            checked.append(version)
            return version.bump(part)
        """
    ).lstrip()
    block = extraction(source, 1, "bump")
    assert block is not None
    assert (block.kind, block.start, block.end) == ("condition", 5, 7)
    assert block.name is None, "`is_pre` would misname it: the code does not say what it tests"


def test_an_if_elif_chain_that_assigns_a_one_letter_name_gets_no_name() -> None:
    short = CHAIN.replace("cost", "c")
    block = extraction(short, 1, "price")
    assert block is not None
    assert block.kind == "if/elif chain"
    assert block.name is None, "`c_for_kind` names nothing a reader can use"


def test_an_exception_kept_to_raise_after_cleaning_up_is_reraised() -> None:
    source = textwrap.dedent(
        """
        def rewrite(path):
            error = None
            try:
                yield path
            except BaseException as err:
                error = err
            if error is not None:
                cleanup()
                raise error from None


        def swallow(path):
            try:
                return load(path)
            except BaseException as err:
                error = err
            return None
        """
    ).lstrip()
    assert reraises_later(source, 5)
    assert not reraises_later(source, 15), "kept, never raised: swallowed"
    assert not reraises_later(source, 3), "no except clause on that line"


def test_a_return_alone_in_its_except_block_is_its_whole_body() -> None:
    source = textwrap.dedent(
        """
        def drain(items, *exceptions):
            try:
                yield from items
            except exceptions:
                return


        def total(items):
            count = sum(items)
            return
        """
    ).lstrip()
    assert return_alone_in_a_block(source, 1), "pylint reports it at the def line"
    assert not return_alone_in_a_block(source, 8), "the end of a function: deletable"


def test_the_block_with_the_most_decisions_beats_a_small_chain() -> None:
    source = textwrap.dedent(
        """
        def handle(field, rows):
            if field.align == "<":
                pad = "left"
            elif field.align == ">":
                pad = "right"
            out = []
            for row in rows:
                if row.a:
                    out.append(1)
                if row.b:
                    out.append(2)
                if row.c and row.d:
                    out.append(3)
                if row.e:
                    out.append(4)
            out.append(pad)
            out.append(field)
            out.append(rows)
            out.append(len(rows))
            out.append(len(out))
            out.append(None)
            out.append(0)
            out.append(1)
            out.append(2)
            out.append(3)
            return out
        """
    ).lstrip()
    block = extraction(source, 1, "handle")
    assert block is not None
    assert (block.kind, block.start) == ("loop", 8), "5 decisions out, not the chain's 2"
    assert block.name == "process_row"
