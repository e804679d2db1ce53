"""What of a module its importers can see: the pure rules (real pylint runs: test_cache)."""

from __future__ import annotations

import keyword
import textwrap

from hypothesis import given
from hypothesis import strategies as st

from practicegrade.visibility import hidden_names, interface_digest, interface_digests, words


def _src(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode()


BASE = _src(
    '''
    """A module."""
    import other

    LIMIT = 3


    def public(x):
        """Used elsewhere."""
        return x + LIMIT
    '''
)
HELPER = _src(
    '''


    def _helper(v):
        """Nobody names me."""
        return v * 2
    '''
)


def _nobody(name: str) -> bool:
    """No other file names anything but ``public``, which the importer calls."""
    return name == "public"


def test_a_definition_nobody_names_is_hidden_below_what_importers_see() -> None:
    assert hidden_names(BASE + HELPER, _nobody) == {"_helper"}
    before = interface_digest(BASE, _nobody)
    assert interface_digest(BASE + HELPER, _nobody) == before
    rewritten = HELPER.replace(b"v * 2", b"v * 3")
    assert interface_digest(BASE + rewritten, _nobody) == before
    # Above the rest it moves their lines, which other files' messages may quote.
    head, _, tail = BASE.partition(b"\n\ndef public")
    moved = head + HELPER + b"\n\ndef public" + tail
    assert hidden_names(moved, _nobody) == {"_helper"}
    assert interface_digest(moved, _nobody) != before


def test_only_blank_lines_at_the_end_do_not_count() -> None:
    before = interface_digest(BASE, _nobody)
    assert interface_digest(BASE + b"\n\n \n", _nobody) == before
    for changed in (
        BASE + b"# a note\n",
        BASE.replace(b"LIMIT = 3\n", b"LIMIT = 3  # a note\n"),
        BASE.replace(b"LIMIT = 3\n", b"LIMIT = 3\n\n"),
    ):
        assert interface_digest(changed, _nobody) != before


def test_a_definition_another_file_names_is_visible() -> None:
    def named(name: str) -> bool:
        return name in ("_helper", "public")

    assert hidden_names(BASE + HELPER, named) == set()
    assert interface_digest(BASE + HELPER, named) != interface_digest(BASE, named)


def test_what_the_kept_text_names_stays_visible_transitively() -> None:
    uses = _src(
        '''
        def _inner():
            """Called by _outer."""


        def _outer():
            """Called from module level."""
            return _inner()


        def _unused():
            """Named by nothing."""


        VALUE = _outer()
        '''
    )
    assert hidden_names(uses, _nobody) == {"_unused"}
    listed = _src(
        '''
        __all__ = ["_helper"]


        def _helper():
            """Exported by name."""
        '''
    )
    assert hidden_names(listed, _nobody) == set()


def test_definitions_that_reach_beyond_themselves_are_never_hidden() -> None:
    cases = {
        "patches another class": "def _p():\n    other.Thing.extra = 1\n",
        "patches through a local": "class _C:\n    def m(self):\n        x = other.Thing()\n"
        "        x.extra = 2\n",
        "deletes an attribute": "def _p():\n    del other.Thing.extra\n",
        "augments an attribute": "def _p():\n    other.Thing.count += 1\n",
        "stores on a parameter named self outside a class": "def _p(self):\n    self.x = 1\n",
        "rebinds a module name": "def _p():\n    global LIMIT\n    LIMIT = 4\n",
        "rebinds self": "class _C:\n    def m(self):\n        self = other.Thing\n"
        "        self.extra = 1\n",
        "a dunder": "def __getattr__(name):\n    return name\n",
    }
    for why, text in cases.items():
        assert hidden_names(BASE + b"\n\n" + text.encode(), _nobody) == set(), why
    own = b"\n\nclass _Own:\n    def m(self):\n        self.x = 1\n        type(self).y = 2\n"
    assert hidden_names(BASE + own, _nobody) == set()  # type(self).y is not self
    own = b"\n\nclass _Own:\n    def m(self):\n        self.x = 1\n\n    @classmethod\n"
    own += b"    def k(cls):\n        cls.y = 2\n"
    assert hidden_names(BASE + own, _nobody) == {"_Own"}


def test_files_we_cannot_read_reliably_count_whole() -> None:
    assert hidden_names(BASE + HELPER + b"def broken(:\n", _nobody) == set()
    latin = b"# -*- coding: latin-1 -*-\n" + BASE + HELPER
    assert hidden_names(latin, _nobody) == set()
    declared = b"# -*- coding: utf-8 -*-\n" + BASE + HELPER
    assert hidden_names(declared, _nobody) == {"_helper"}
    assert hidden_names(b"\xff" + BASE + HELPER, _nobody) == set()


def test_words_are_every_word_of_the_file_normalized() -> None:
    found = words('x = getattr(m, "helper")  # see other_thing\nﬁle = 1\n'.encode())
    assert found.found is not None
    assert {"getattr", "m", "helper", "other_thing", "file"} <= found.found
    assert words(b"\xff\xfe").found is None
    assert words(b"from .pkg.mod import *\nfrom . import *\n").wildcards == {"mod", ""}
    assert words(b"from pkg import \\\n    *\n").wildcards == {"pkg"}


def _files(importer: str) -> dict[str, bytes]:
    return {"pkg/__init__.py": b"", "pkg/a.py": BASE + HELPER, "pkg/b.py": importer.encode()}


def test_digests_look_at_every_other_file() -> None:
    plain = interface_digests(_files("from pkg import a\na.public(1)\n"))
    # a.py names its own helper (``def _helper``): that does not make it visible.
    assert plain["pkg/a.py"] == interface_digest(BASE, _nobody)
    named = interface_digests(_files("from pkg import a\na._helper(1)\n"))
    assert named["pkg/a.py"] != plain["pkg/a.py"]
    for wildcard in ("from pkg.a import *\n", "from .a import *\n"):
        assert interface_digests(_files(wildcard))["pkg/a.py"] != plain["pkg/a.py"]
    # A file we cannot read names everything.
    unreadable = {**_files(""), "pkg/c.py": b"\xff"}
    assert interface_digests(unreadable)["pkg/a.py"] != plain["pkg/a.py"]


NAMES = st.from_regex(r"_?[a-z]{1,8}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n))


@given(names=st.lists(NAMES, min_size=1, max_size=4, unique=True), lines=st.integers(1, 3))
def test_hidden_definitions_below_never_change_the_digest(names: list[str], lines: int) -> None:
    """Any number of unnamed definitions of any length after the rest: the same digest;
    the same definitions named elsewhere: a different one."""
    names = [n for n in names if n not in words(BASE).found]  # type: ignore[operator]
    body = "    x = 1\n" * lines
    helpers = "".join(f"\n\ndef {n}():\n{body}    return {i}\n" for i, n in enumerate(names))
    grown = BASE + helpers.encode()
    assert interface_digest(grown, _nobody) == interface_digest(BASE, _nobody)
    if names:
        seen = interface_digest(grown, lambda n: n in (names[0], "public"))
        assert seen != interface_digest(BASE, _nobody)


def test_more_definitions_that_reach_beyond_themselves() -> None:
    """Found by an adversarial review: each of these changes what importers infer."""
    cases = {
        "a walrus in a default binds a module name": "def _h(x=(LIMIT := 10)):\n    return x\n",
        "a walrus in a decorator": "@(deco := staticmethod)\ndef _h():\n    pass\n",
        "a walrus in an annotation": "def _h(x: (Alias := int)):\n    return x\n",
        "cls with a default is that default": "class _P:\n    def apply(self, cls=other.Thing):\n"
        "        cls.extra = 1\n",
        "self in a staticmethod is a parameter": "class _P:\n    @staticmethod\n"
        "    def apply(self):\n        self.extra = 1\n",
        "self rebound by except ... as": "class _P:\n    def m(self):\n        try:\n"
        "            pass\n        except other.Oops as self:\n            self.extra = 1\n",
        "self rebound by an import": "class _P:\n    def m(self):\n"
        "        from other import Thing as self\n        self.extra = 1\n",
        "self in a class body is a module name": "class _P:\n    self.extra = 1\n",
        "self of a nested function": "class _P:\n    def m(self):\n        def f(self):\n"
        "            self.extra = 1\n",
        "too deep for astroid": "def _h():\n    return " + "+".join(["1"] * 150) + "\n",
    }
    for why, text in cases.items():
        assert hidden_names(BASE + b"\n\n" + text.encode(), _nobody) == set(), why


def test_words_read_strings_as_python_does() -> None:
    for text in ('getattr(a, "h\\x65lper")', 'getattr(a, "hel" "per")', 'f"{a.x}helper"'):
        found = words(text.encode()).found
        assert found is not None
        assert "helper" in found, text
    combining = words("a.he\u0301lper()\na.my\uff3fname()\n".encode()).found
    assert combining is not None
    assert {"h\u00e9lper", "my_name"} <= combining
    assert words(b"# -*- coding: latin-1 -*-\nx = 1\n").found is None
    assert words(b"from pkg . a import *\n").wildcards == {"a"}


def test_a_methods_decorators_and_defaults_run_outside_it() -> None:
    """``self`` in a method's decorator or default is whatever ``self`` is where the class
    body runs (here a module name), not the method's instance."""
    for text in (
        "class _C:\n    @keep([0 for self.extra in (1,)])\n    def m(self):\n        pass\n",
        "class _C:\n    def m(self, x=[0 for self.extra in (1,)]):\n        pass\n",
    ):
        assert hidden_names(BASE + b"\n\nself = other.Thing\n\n" + text.encode(), _nobody) == set()
