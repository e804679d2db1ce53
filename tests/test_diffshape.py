"""What a change did inside functions and tests, read from base and head source."""

from __future__ import annotations

import textwrap

from practicegrade.diffshape import (
    behaviour_changes,
    code_lines,
    match_tests,
    raiser,
    references,
)
from practicegrade.model import BehaviourChange, TestChange


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_code_lines_leave_out_docstrings_comments_and_blank_lines() -> None:
    text = src('''
        """Module docstring
        on two lines."""

        # a comment
        X = 1


        def f(a):
            """Docstring."""
            return (a +
                    1)  # trailing comment
        ''')
    assert code_lines(text) == frozenset({5, 8, 10, 11})
    assert code_lines("def (:\n") is None


BASE = src("""
    class Signer:
        def unsign(self, value, max_age=None):
            try:
                ts = self.to_datetime(value)
            except (ValueError, OSError) as exc:
                raise BadSignature() from exc
            return ts


    def fmt(value):
        return int(value)


    def old(x):
        if sys.version_info >= (3, 8):
            return x
        return -x
    """)

HEAD = src("""
    class Signer:
        def unsign(self, value, max_age=None, *, strict=False):
            try:
                ts = self.to_datetime(value)
            except (ValueError, OSError, OverflowError) as exc:
                raise BadSignature() from exc
            return ts


    def fmt(value):
        return 2 if 1 < value < 2 else int(value)


    def old(x):
        if sys.version_info >= (3, 9):
            return x
        return -x


    def brand_new(y):
        if y:
            return 1
        return 0
    """)


def test_behaviour_changes_name_parameters_exception_types_and_conditions() -> None:
    changed = [2, 5, 11, 15, 19, 20, 21, 22, 23]
    found = behaviour_changes("m.py", BASE, HEAD, changed)
    assert found == [
        BehaviourChange("m.py", "Signer.unsign", 2, "keyword parameter", "strict"),
        BehaviourChange("m.py", "Signer.unsign", 5, "except", "OverflowError"),
        BehaviourChange("m.py", "fmt", 11, "condition", "1 < value < 2"),
    ]
    # the same edits on lines the diff does not list are no change of this diff
    assert behaviour_changes("m.py", BASE, HEAD, [20]) == []
    assert behaviour_changes("m.py", None, HEAD, changed) == []
    assert behaviour_changes("m.py", BASE, "def (:", changed) == []


def test_raiser_is_the_one_call_in_the_try_body() -> None:
    assert raiser(HEAD, 5) == "self.to_datetime"
    two = src("""
        try:
            a()
            b()
        except ValueError:
            pass
        """)
    assert raiser(two, 4) is None
    assert raiser(HEAD, 3) is None


TESTS_BASE = src("""
    import pytest


    def test_empty_stop_iteration():
        with pytest.raises(StopIteration):
            first([])
        assert first([], None) is None


    @pytest.mark.parametrize("n", [1, 2])
    def test_many(n):
        assert many(n)


    def test_sig():
        assert compatible("x86_64", 5)
        assert compatible("arm", 6)


    def test_invalid_url():
        with pytest.raises(InvalidRequirement):
            Requirement("name @ bad")
    """)

TESTS_HEAD = src("""
    import pytest


    def test_empty():
        with pytest.raises(StopIteration):
            first([])
        assert first([], None) is None


    @pytest.mark.parametrize("n", [1, 2, 3])
    def test_many(n):
        assert many(n)


    def test_sig():
        assert compatible(("x86_64", 5))
        assert compatible(("arm", 6))


    def test_fresh():
        assert fresh() == 1
        assert fresh(2) == 2
    """)


def test_renamed_reparametrised_and_rewritten_tests_are_not_new() -> None:
    changed = {"tests/test_m.py": list(range(1, 25))}
    found, removed = match_tests(
        {"tests/test_m.py": TESTS_HEAD}, {"tests/test_m.py": TESTS_BASE}, changed
    )
    assert found == [
        TestChange("tests/test_m.py", "test_empty", 4, False, 0, "test_empty_stop_iteration"),
        TestChange("tests/test_m.py", "test_many", 11, False, 0),
        TestChange("tests/test_m.py", "test_sig", 15, False, 0),
        TestChange("tests/test_m.py", "test_fresh", 20, True, 2),
    ]
    assert removed == {
        "tests/test_m.py::test_invalid_url": (
            "InvalidRequirement",
            "Requirement",
            "pytest",
            "raises",
        )
    }


def test_a_test_file_the_change_adds_has_only_new_tests() -> None:
    found, removed = match_tests({"tests/test_n.py": TESTS_HEAD}, {}, {"tests/test_n.py": [20]})
    assert found == [TestChange("tests/test_n.py", "test_fresh", 20, True, 2)]
    assert removed == {}


def test_references_are_the_names_a_test_uses() -> None:
    names = references(TESTS_HEAD, [4, 20])
    assert {"first", "raises", "StopIteration", "fresh"} <= names
    assert "many" not in names


def test_a_parameter_that_replaces_another_is_no_added_parameter() -> None:
    base = "def tags(linux, arch):\n    return [linux, arch]\n"
    head = "def tags(archs):\n    return list(archs)\n"
    assert behaviour_changes("m.py", base, head, [1, 2]) == []
    added = "def tags(linux, arch, archs=()):\n    return [linux, arch, *archs]\n"
    assert behaviour_changes("m.py", base, added, [1, 2]) == [
        BehaviourChange("m.py", "tags", 1, "keyword parameter", "archs")
    ]
