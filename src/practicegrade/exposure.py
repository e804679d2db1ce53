"""What a grade can and cannot keep from the learner's code: secrets in our environment.

The learner's tests and benchmarks run with an allow-listed environment (no tokens, an
empty ``HOME``: :func:`practicegrade.proc.clean_env`), but they run as the same user as
the grader, and a process can read another process's environment of the same user from
``/proc/<pid>/environ``: a test reads ``/proc/<its parent>/environ`` and has every
variable the grade was started with. No scrubbing inside the grader can change that.
So ``grade`` needs no secret, and says so when it finds one: the grade belongs in a job
that has none (``pull_request`` with ``permissions: {contents: read}``), and posting the
comment in a separate job that runs no learner code (the two-stage CI design).

Only variable *names* are ever shown, never values.
"""

from __future__ import annotations

from collections.abc import Mapping

SECRET_SUFFIXES = ("_TOKEN", "_SECRET", "_PASSWORD", "_KEY", "_PASS", "_JWT", "_CREDENTIALS")
"""Endings that mark a variable as a credential (``GITHUB_TOKEN``, ``AWS_SECRET_ACCESS_KEY``)."""
SECRET_NAMES = frozenset(
    {
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "CI_JOB_TOKEN",
        "CI_JOB_JWT",
        "CI_JOB_JWT_V2",
        "CI_REGISTRY_PASSWORD",
        "CI_DEPLOY_PASSWORD",
        "GITEA_TOKEN",
        "FORGEJO_TOKEN",
        "PRACTICEGRADE_GITLAB_TOKEN",
        "TOKEN",
        "SECRET",
        "PASSWORD",
    }
)
"""The CI services' own credentials (GitHub, GitLab, Gitea/Forgejo), and bare names."""
NOT_SECRETS = frozenset({"GPG_KEY"})
"""Public values with a secret-looking name (the official Python images' release key)."""


def secret_names(env: Mapping[str, str]) -> list[str]:
    """Names of the token-like variables set (non-empty) in ``env``, sorted."""
    return sorted(
        name
        for name, value in env.items()
        if value
        and name.upper() not in NOT_SECRETS
        and (name.upper() in SECRET_NAMES or name.upper().endswith(SECRET_SUFFIXES))
    )


def exposure_warning(env: Mapping[str, str], *, runs_learner_code: bool) -> str | None:
    """The warning for a grade started with secrets that learner code could read."""
    names = secret_names(env)
    if not names or not runs_learner_code:
        return None
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return (
        f"{shown} {'is' if len(names) == 1 else 'are'} set in this grade's environment. "
        "The learner's tests run as the same user and can read them from "
        "/proc/<pid>/environ, whatever their own environment holds. practicegrade grade "
        "needs no secret: run it in a job without secrets, and post the comment from a "
        "separate job that runs no learner code (README: Security)."
    )
