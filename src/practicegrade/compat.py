"""What differs between the Pythons we support (3.10 to 3.13), in one place.

``tomllib`` joined the standard library in 3.11; on 3.10 its parent project ``tomli``
(the same parser, the same API) is a conditional dependency in ``pyproject.toml``.
"""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.10 CI run
    import tomli as tomllib

__all__ = ["tomllib"]
