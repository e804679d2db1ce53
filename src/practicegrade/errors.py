"""The error types that reach the user, each mapped to an exit code.

Exit codes (DESIGN.md): 0 pass, 1 a gate failed, 2 usage or configuration error,
3 internal error. Anything raised that is *not* a :class:`PracticegradeError` is a bug
of ours and exits 3 with a crash log; a failing mentee is never an exception.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class PracticegradeError(Exception):
    """An expected problem with a message a user can act on.

    ``hint`` says how to fix it; the CLI prints ``error: <message>`` then ``hint: <hint>``.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\nhint: {self.hint}"


class ConfigError(PracticegradeError):
    """``practicegrade.yml`` (or ``[tool.practicegrade]``) is invalid: file, line, key, fix."""


class GitError(PracticegradeError):
    """A git operation the user asked for cannot be done (unknown ref, shallow clone, ...)."""


class UsageError(PracticegradeError):
    """The command line or the repository is not something we can grade."""


class ToolError(PracticegradeError):
    """A tool we drive (pylint, coverage, pytest) is missing or broke in a known way."""

    exit_code = EXIT_INTERNAL
