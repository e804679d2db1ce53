"""Why a pylint message matters, and a short bad/good example, for the symbols learners meet most.

The texts are ours (``resources/lint_examples.yml``, package data), so they are shown as our
prose; a symbol we have no entry for falls back to what its category means.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

CATEGORY_WHY = {
    "fatal": "pylint could not analyse this code at all",
    "error": "pylint errors are usually real bugs",
    "warning": "warnings point at code that probably does not do what it seems to",
    "refactor": "refactor messages point at designs that will be hard to change",
    "convention": "conventions keep the code familiar to every Python reader",
    "info": "informational messages explain how pylint read the code",
}
"""Why a pylint category matters: the words for a symbol that has none of its own."""


@cache
def _entries() -> dict[str, dict[str, str]]:
    text = (
        resources.files("practicegrade")
        .joinpath("resources/lint_examples.yml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text) or {}
    return {
        str(symbol): {str(k): str(v) for k, v in entry.items()}
        for symbol, entry in data.items()
        if isinstance(entry, dict)
    }


def symbols() -> tuple[str, ...]:
    """Every symbol with an entry, in file order."""
    return tuple(_entries())


def lint_why(symbol: str, category: str) -> str:
    """One clause: why ``symbol`` matters (lower case, no full stop)."""
    entry = _entries().get(symbol)
    if entry and entry.get("why"):
        return entry["why"]
    return CATEGORY_WHY.get(category, "pylint flags code that is likely to cause trouble")


def lint_example(symbol: str) -> str | None:
    """``# Instead of:`` the bad code, ``# write:`` the good one; ``None`` without an entry."""
    entry = _entries().get(symbol)
    if not entry or "bad" not in entry or "good" not in entry:
        return None
    return f"# Instead of:\n{entry['bad'].rstrip()}\n\n# write:\n{entry['good'].rstrip()}\n"
