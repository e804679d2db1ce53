"""The pre-push hook: feedback before the push, never in the way.

``practicegrade hook install | uninstall | run``, built the way pre-commit builds its
hooks (the closest prior art):

* ``install`` writes a small POSIX ``sh`` shim (``resources/hook-tmpl``) into the hooks
  folder git really uses (``git rev-parse --git-path hooks``, shared by worktrees). The
  shim records the interpreter that installed it, falls back to ``practicegrade`` on
  ``PATH``, and says what to do when neither exists. A line carrying a hash of the
  template marks it as ours, so re-installing is idempotent and a foreign hook is never
  overwritten: it is kept as ``pre-push.legacy`` and the shim runs it first, with the
  same stdin bytes, and its failure still blocks the push. ``uninstall`` puts it back.
* ``run`` parses git's stdin (:func:`parse_pre_push`, pure), works out for each pushed
  branch what the remote already has, skips pushes that change no Python file and no
  config (a fraction of a second), and grades **the pushed commit** (never the work
  tree, which may be dirty or hold another branch).

Why grading runs in a child process (``python -m practicegrade grade --rev OID --base
BASE --source hook``, through :func:`practicegrade.proc.run` with the hook's deadline):
a hang or crash anywhere in the grader, or a learner's test suite that never ends, must
not hold the push hostage. The child's whole process group is killed at the deadline,
and this process, which did nothing but parse and ask git, decides from the outside.
The price is one interpreter start (about 0.1 s) per graded push.

Fail open: when practicegrade itself fails (crash, timeout, missing tool) the push goes
ahead with a warning, unless ``hook: {strict: true}``. A gate that fails while gates are
blocking stops a push, and so does an invalid configuration in the pushed commit
(``practicegrade.yml`` or ``[tool.practicegrade]``, exit 2 with file, line, key and fix):
that is not our failure but the mentee's input, and a broken model pushed would
otherwise turn every gate off (security-reliability.md rule 24 fails open on
infrastructure errors only). The pushed commit's config is checked in this process
before grading (:func:`pushed_config_problem`); an invalid config in the work tree only
(not committed) is a warning, and the hook uses its default settings. ``git push --no-verify`` and
``PRACTICEGRADE_SKIP=1`` bypass the hook; ``PRACTICEGRADE_IN_HOOK=1`` (set for the
grader) keeps a push made from inside the hook, such as notes, from recursing.

This module is imported on every ``practicegrade`` start, so it imports only click and
the standard library at module level; everything else is imported where it is used.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

if TYPE_CHECKING:
    from practicegrade.config import HookSettings

HOOK_NAME = "pre-push"
LEGACY_NAME = "pre-push.legacy"
TEMPLATE_START = "# start templated\n"
TEMPLATE_END = "# end templated\n"
_ID_PLACEHOLDER = "@HOOK_ID@"
_ID_LINE = re.compile(r"^# practicegrade-hook-id: [0-9a-f]{16}$", re.MULTILINE)

EXIT_PASS = 0
EXIT_BLOCK = 1
SHIM_EXIT_BLOCK = 10
"""What ``run --shim`` answers to block: a Python that dies on import exits 1, and the
shim must be able to tell that apart from a verdict (anything but 0 and 10 fails open)."""

KILL_GRACE_S = 3.0
"""Between SIGTERM and SIGKILL for a grader past its deadline; taken from the budget, so
the whole hook stays within ``hook.timeout_s``."""

SKIP_ENV = "PRACTICEGRADE_SKIP"
IN_HOOK_ENV = "PRACTICEGRADE_IN_HOOK"
FAULT_ENV = "PRACTICEGRADE_HOOK_FAULT"
"""Testing aid: ``crash`` or ``hang`` replaces the grader with one that does just that,
so the fail-open path can be exercised with a real push."""

GRADING_FILES = frozenset(
    {
        "practicegrade.yml",
        "practicegrade.yaml",
        "pyproject.toml",
        "setup.cfg",
        "setup.py",
        "tox.ini",
        "pytest.ini",
        ".coveragerc",
        ".pylintrc",
        "pylintrc",
        ".pylintrc.toml",
        "pylintrc.toml",
    }
)
"""Non-``.py`` files whose change can change a grade (config of us and of our tools)."""

_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

Echo = Callable[[str], None]


def _echo(message: str) -> None:
    """All hook output goes to stderr (git shows a hook's stdout there anyway)."""
    click.echo(message, err=True)


# --------------------------------------------------------------------------- parsing (pure)


def is_zero_oid(oid: str) -> bool:
    """Git's "no object": all zeros, 40 (SHA-1) or 64 (SHA-256) of them."""
    return bool(oid) and set(oid) == {"0"}


@dataclass(frozen=True, slots=True)
class PushedRef:
    """One line of pre-push stdin: ``<local ref> <local oid> <remote ref> <remote oid>``."""

    local_ref: str
    """As the user gave it (``HEAD~1``, ``refs/heads/x``, ``(delete)``); may hold spaces."""
    local_oid: str
    remote_ref: str
    remote_oid: str

    @property
    def is_delete(self) -> bool:
        return is_zero_oid(self.local_oid)

    @property
    def is_new(self) -> bool:
        """The remote does not have this ref yet."""
        return is_zero_oid(self.remote_oid)

    @property
    def is_tag(self) -> bool:
        return self.remote_ref.startswith("refs/tags/")

    @property
    def name(self) -> str:
        """The remote ref, shortened for messages."""
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.remote_ref.startswith(prefix):
                return self.remote_ref[len(prefix) :]
        return self.remote_ref


def parse_pre_push(data: bytes) -> tuple[PushedRef, ...]:
    """Parse git's pre-push stdin, one ref per line, splitting from the right.

    The local side is passed "as it was originally given" and may contain spaces
    (``HEAD^{/fix bug}``); the other three fields never do, hence ``rsplit``. Blank
    lines are ignored; a malformed line raises ``ValueError``.
    """
    refs = []
    for raw in data.split(b"\n"):
        line = raw.rstrip(b"\r").decode("utf-8", errors="surrogateescape")
        if not line.strip():
            continue
        parts = line.rsplit(maxsplit=3)
        if len(parts) != 4 or not (_OID.fullmatch(parts[1]) and _OID.fullmatch(parts[3])):
            raise ValueError(f"unexpected pre-push input line: {line!r}")
        refs.append(PushedRef(*parts))
    return tuple(refs)


def skip_reason(ref: PushedRef, *, tags: bool) -> str | None:
    """Why this ref is not graded, or ``None`` to grade it.

    Only branches are graded: deletes have nothing to grade; tags point at commits that
    were graded when their branch was pushed (``hook.tags`` opts in); other refs
    (``refs/notes/*``, review refs) are not code for a mentor to read.
    """
    if ref.is_delete:
        return "deleted"
    if ref.is_tag:
        return None if tags else "a tag; hook.tags: true grades tags"
    if not ref.remote_ref.startswith("refs/heads/"):
        return "not a branch"
    return None


def touches_grading(paths: Iterable[str]) -> bool:
    """Whether a change to these paths can change the grade: Python or a config file."""
    return any(p.endswith((".py", ".pyi")) or p.rsplit("/", 1)[-1] in GRADING_FILES for p in paths)


def refs_from_pre_commit(env: Mapping[str, str]) -> tuple[str, str | None, str, str | None]:
    """``(to, from, remote ref, remote name)`` from the variables pre-commit exports.

    pre-commit reads stdin itself and hands its hooks ``PRE_COMMIT_FROM_REF`` /
    ``PRE_COMMIT_TO_REF`` (absent when the push starts at a root commit) and the
    branch names. ``from`` is ``None`` for a push the remote has no base for.
    """
    to = env.get("PRE_COMMIT_TO_REF") or env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    return (
        to,
        env.get("PRE_COMMIT_FROM_REF") or None,
        env.get("PRE_COMMIT_REMOTE_BRANCH") or "refs/heads/HEAD",
        env.get("PRE_COMMIT_REMOTE_NAME") or None,
    )


ChildStatus = Literal["pass", "blocked", "error"]


def classify_grade(
    returncode: int, timed_out: bool, report: Mapping[str, Any] | None, limit_s: float
) -> tuple[ChildStatus, str | None]:
    """Decide what the grader child's ending means: ``(status, problem)``.

    Exit 1 blocks only together with a report whose verdict is ``fail``: a Python that
    crashes before our error boundary also exits 1, and a crash must never look like a
    failing mentee.
    """
    if timed_out:
        return (
            "error",
            f"grading did not finish within hook.timeout_s ({limit_s:g} s) and was stopped",
        )
    if returncode == 0:
        return "pass", None
    if returncode == 1 and _verdict(report) == "fail":
        return "blocked", None
    known = {
        1: "the grader exited with status 1 but wrote no failing report (a crash?)",
        2: "practicegrade reported a usage or configuration problem",
        3: "practicegrade crashed",
    }
    return "error", known.get(returncode, f"the grader ended with status {returncode}")


def _verdict(report: Mapping[str, Any] | None) -> str | None:
    evaluation = (report or {}).get("evaluation")
    return evaluation.get("verdict") if isinstance(evaluation, dict) else None


def failed_gates(report: Mapping[str, Any] | None) -> list[str]:
    """``metric = value (gate EXPR)`` for every criterion whose gate failed."""
    evaluation = (report or {}).get("evaluation") or {}
    lines = []
    for competency in evaluation.get("competencies") or ():
        for crit in competency.get("criteria") or ():
            if crit.get("gate_failed"):
                value = crit.get("value")
                shown = "not measured" if value is None else _number(value)
                lines.append(f"{crit.get('metric')} = {shown} (gate {crit.get('gate')})")
    return lines


def _number(value: float) -> str:
    """A metric as a person reads it: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- the shim


def template_text() -> str:
    """The shim template shipped in the package."""
    from importlib import resources  # noqa: PLC0415 - keep module import light

    return (resources.files("practicegrade") / "resources" / "hook-tmpl").read_text("utf-8")


def render_hook(template: str, python: str) -> str:
    """The shim for ``python`` (``""``: only ``practicegrade`` on PATH, the copy-in script).

    The id line is a hash of the template, so a hook written by any version of this
    template is recognised as ours, and a changed template is a changed file.
    """
    import hashlib  # noqa: PLC0415 - keep module import light
    import shlex  # noqa: PLC0415

    before, rest = template.split(TEMPLATE_START)
    _, after = rest.split(TEMPLATE_END)
    hook_id = hashlib.sha256(template.encode("utf-8")).hexdigest()[:16]
    text = f"{before}{TEMPLATE_START}INSTALL_PYTHON={shlex.quote(python)}\n{TEMPLATE_END}{after}"
    return text.replace(_ID_PLACEHOLDER, hook_id)


def is_ours(text: str) -> bool:
    """Whether a hook file is practicegrade's (it carries our id line)."""
    return bool(_ID_LINE.search(text))


def _read_hook(path: Path) -> str | None:
    """A hook file's text; ``None`` when it is not a readable file (dangling link, dir)."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def write_executable(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file, fsync, rename) with mode 0755."""
    import tempfile  # noqa: PLC0415 - keep module import light

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o755)  # noqa: S103 - a hook must be executable by its owner
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --------------------------------------------------------------------------- git (I/O)


def _git_out(repo: Path, *args: str) -> str | None:
    """Git's stdout, or ``None`` when the command fails (callers decide what it means)."""
    from practicegrade import gitrepo  # noqa: PLC0415

    done = gitrepo.git(repo, *args, timeout=30)
    return None if done.returncode != 0 or done.timed_out else done.stdout


def repo_root(path: Path) -> Path:
    """The work-tree root at ``path``; a clear error outside a git work tree."""
    from practicegrade.errors import UsageError  # noqa: PLC0415

    out = _git_out(path, "rev-parse", "--show-toplevel")
    if not out or not out.strip():
        raise UsageError(
            f"{path} is not inside a git work tree",
            hint="run this in a clone of your practice repo (git init / git clone first)",
        )
    return Path(out.strip())


def hooks_dir(root: Path) -> Path:
    """The folder git runs hooks from (the common one, for worktrees)."""
    out = _git_out(root, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    if not out:
        from practicegrade.errors import GitError  # noqa: PLC0415

        raise GitError(f"cannot find the hooks folder of {root}")
    return Path(out.strip())


def _refuse_hooks_path(root: Path) -> None:
    """Refuse to install when ``core.hooksPath`` is set: that folder belongs to someone."""
    from practicegrade.errors import UsageError  # noqa: PLC0415

    out = _git_out(root, "config", "--show-origin", "--get", "core.hooksPath")
    if not out or not out.strip():
        return
    origin, _, value = out.strip().partition("\t")
    raise UsageError(
        f"not installing: core.hooksPath is set to {value!r} ({origin}), so git ignores "
        "the repository's own hooks folder and the hooks there belong to another tool",
        hint=(
            "either unset it (`git config --unset-all core.hooksPath`, add `--global` if it "
            "comes from your global config) and run `practicegrade hook install` again, or "
            f"keep it and call practicegrade from {value}/pre-push: copy the `hooks/pre-push` "
            "script from practicegrade's repository there, or add `practicegrade hook run "
            '--shim -- "$@"` to the hook you have (status 10 means: block the push)'
        ),
    )


# --------------------------------------------------------------------------- install


def install(path: Path, python: str, echo: Echo = _echo) -> Path:
    """Install the shim into the repository at ``path``; return the hook's path."""
    from practicegrade.errors import UsageError  # noqa: PLC0415

    root = repo_root(path)
    _refuse_hooks_path(root)
    folder = hooks_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    hook, legacy = folder / HOOK_NAME, folder / LEGACY_NAME
    new = render_hook(template_text(), python)
    if os.path.lexists(hook):
        current = _read_hook(hook)
        if current is not None and is_ours(current):
            if current == new:
                echo(f"practicegrade: the pre-push hook is already installed at {hook}")
                return hook
        elif os.path.lexists(legacy):
            raise UsageError(
                f"not installing: {hook} is another tool's hook and {legacy} exists too, "
                "so one of them would be lost",
                hint="merge them into one, or move one aside, then install again",
            )
        else:
            os.replace(hook, legacy)
            echo(
                f"practicegrade: kept your existing hook as {legacy}; it runs first, with "
                "the same input, and can still stop the push"
            )
    write_executable(hook, new)
    echo(f"practicegrade: pre-push hook installed at {hook} (python: {python or 'from PATH'})")
    return hook


def uninstall(path: Path, echo: Echo = _echo) -> bool:
    """Remove our shim and restore the hook it replaced; ``False`` if ours was not there."""
    folder = hooks_dir(repo_root(path))
    hook, legacy = folder / HOOK_NAME, folder / LEGACY_NAME
    if not os.path.lexists(hook):
        echo("practicegrade: no pre-push hook is installed; nothing to do")
        return False
    current = _read_hook(hook)
    if current is None or not is_ours(current):
        echo(f"practicegrade: {hook} is not practicegrade's hook; left as it is")
        return False
    hook.unlink()
    if os.path.lexists(legacy):
        os.replace(legacy, hook)
        echo(f"practicegrade: hook removed; your previous hook is back at {hook}")
    else:
        echo(f"practicegrade: hook removed from {hook}")
    return True


# --------------------------------------------------------------------------- run


@dataclass(frozen=True, slots=True)
class GradePlan:
    """One commit to grade, and what to compare it with (``None``: everything is new)."""

    ref: PushedRef
    commit: str
    base: str | None


class _Settings:
    """The hook's settings, loaded on first use so a no-op push never parses YAML."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.strict = False
        """Until the config is read, our own failures fail open."""
        self._loaded: HookSettings | None = None
        self.invalid: str | None = None
        """The work tree's config problem, when it is invalid (the defaults apply then)."""

    def get(self) -> HookSettings:
        if self._loaded is None:
            from practicegrade.config import HookSettings, load_config  # noqa: PLC0415
            from practicegrade.errors import ConfigError  # noqa: PLC0415

            try:
                self._loaded = load_config(self.root).hook
            except ConfigError as exc:
                # The pushed commit's own config decides whether the push is blocked
                # (pushed_config_problem); an uncommitted edit must not block it.
                self.invalid = str(exc)
                self._loaded = HookSettings()
            self.strict = self._loaded.strict
        return self._loaded


CONFIG_FILES = ("practicegrade.yml", "pyproject.toml")
"""Where a commit keeps its model: the files :func:`practicegrade.config.load_config` reads."""


def pushed_config_problem(root: Path, commit: str) -> str | None:
    """The configuration error of ``commit`` (file, line, key, fix), or ``None`` when its
    ``practicegrade.yml`` / ``[tool.practicegrade]`` loads (or it has none).

    The files are read from the commit (never the work tree) into a private folder and
    loaded there, with the loader the grade itself uses. A symlink or anything other than
    a regular file is left to the grade, which decides about it in the checkout.
    """
    import tempfile  # noqa: PLC0415

    from practicegrade.config import load_config  # noqa: PLC0415
    from practicegrade.errors import ConfigError  # noqa: PLC0415

    listed = _git_out(root, "ls-tree", "-z", "--end-of-options", commit, "--", *CONFIG_FILES)
    regular = {}
    for entry in (listed or "").split("\0"):
        meta, _, name = entry.partition("\t")
        fields = meta.split()
        if name in CONFIG_FILES and len(fields) == 3 and fields[0] in ("100644", "100755"):
            regular[name] = fields[2]
    if not regular:
        return None
    with tempfile.TemporaryDirectory(prefix="practicegrade-hook-") as folder:
        for name, blob in regular.items():
            text = _git_out(root, "cat-file", "blob", blob)
            if text is None:
                return None
            (Path(folder) / name).write_text(text, encoding="utf-8")
        try:
            load_config(Path(folder))
        except ConfigError as exc:
            return str(exc)
    return None


def peel_commits(root: Path, oids: Iterable[str]) -> dict[str, str]:
    """Each oid that names a local commit (annotated tags peeled) -> that commit.

    One ``git cat-file --batch-check`` for all of them: a push's oids are known up front,
    and every process saved is time added to every ``git push``.
    """
    from practicegrade import gitrepo  # noqa: PLC0415

    wanted = sorted(set(oids))
    if not wanted:
        return {}
    query = "".join(f"{oid}^{{commit}}\n" for oid in wanted).encode()
    done = gitrepo.git(
        root, "cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=query, timeout=30
    )
    found = {}
    for oid, line in zip(wanted, done.stdout.splitlines(), strict=False):
        name, _, kind = line.partition(" ")
        if kind == "commit" and _OID.fullmatch(name):
            found[oid] = name
    return found


def resolve_base(
    root: Path, ref: PushedRef, commit: str, remote: str | None, known: Mapping[str, str]
) -> str | bool | None:
    """What the remote already has for this push: a commit, ``None`` (nothing: grade all),
    or ``False`` (every pushed commit is already on the remote: nothing new to grade).

    ``known`` maps oids to the local commits they name (:func:`peel_commits`).
    Known remote oid: that. Otherwise (a new branch, or the remote moved since our last
    fetch) the merge-base with the remote's default branch, else the parent of the first
    commit no remote-tracking ref has, as pre-commit does.
    """
    if not ref.is_new and ref.remote_oid in known:
        return known[ref.remote_oid]
    if remote:
        default = _git_out(root, "rev-parse", "--verify", "-q", f"refs/remotes/{remote}/HEAD")
        if default:
            merge_base = _git_out(root, "merge-base", commit, default.strip())
            if merge_base:
                return False if merge_base.strip() == commit else merge_base.strip()
    not_remote = f"--remotes={remote}" if remote else "--remotes"
    out = _git_out(
        root, "rev-list", "--topo-order", "--reverse", "--not", not_remote, "--not", commit
    )
    new = (out or "").split()
    if not new:
        return False
    parent = _git_out(root, "rev-parse", "--verify", "-q", f"{new[0]}^")
    return parent.strip() if parent else None


def _changed_paths(root: Path, base: str, commit: str) -> list[str] | None:
    out = _git_out(root, "diff", "--name-only", "-z", "--no-renames", base, commit)
    return None if out is None else [p for p in out.split("\0") if p]


def plan_ref(
    root: Path, ref: PushedRef, remote: str | None, known: Mapping[str, str]
) -> GradePlan | str:
    """The commit to grade for one ref that is not skipped, or why there is nothing to grade."""
    commit = known.get(ref.local_oid)
    if commit is None:
        return "does not point at a commit"
    base = resolve_base(root, ref, commit, remote, known)
    if base is False:
        return "no new commits"
    if isinstance(base, str):
        paths = _changed_paths(root, base, commit)
        if paths is not None and not touches_grading(paths):
            return "no Python or config file changed"
    return GradePlan(ref, commit, base if isinstance(base, str) else None)


def plan_push(
    root: Path, refs: Sequence[PushedRef], remote: str | None, settings: _Settings, echo: Echo
) -> list[GradePlan]:
    """Decide which pushed commits to grade (each once), saying why each other ref is not."""
    reasons = {ref: skip_reason(ref, tags=ref.is_tag and settings.get().tags) for ref in refs}
    todo = [ref for ref in refs if reasons[ref] is None]
    known = peel_commits(
        root, [r.local_oid for r in todo] + [r.remote_oid for r in todo if not r.is_new]
    )
    plans: dict[str, GradePlan] = {}
    for ref in refs:
        plan = reasons[ref] or plan_ref(root, ref, remote, known)
        if isinstance(plan, str):
            echo(f"practicegrade: {ref.name}: not graded ({plan})")
        else:
            plans.setdefault(plan.commit, plan)
    return list(plans.values())


def _grader_argv(
    root: Path,
    plan: GradePlan,
    tests: bool,
    out_dir: Path,
    env: Mapping[str, str],
    bench: bool = False,
) -> list[str]:
    """``practicegrade grade`` for the pushed commit, as a child process.

    The learner's interpreter is chosen here, against the real work tree (its ``.venv``
    and the active ``VIRTUAL_ENV``): the grader sees only its own checkout of the pushed
    commit (:mod:`practicegrade.checkout`), where no virtualenv lives.
    """
    from practicegrade.discover import choose_python  # noqa: PLC0415

    fault = env.get(FAULT_ENV, "")
    if fault == "crash":
        return [sys.executable, "-c", f"raise RuntimeError('simulated crash ({FAULT_ENV})')"]
    if fault == "hang":
        return [sys.executable, "-c", "import time; time.sleep(3600)"]
    argv = [
        sys.executable,
        "-m",
        "practicegrade",
        "grade",
        str(root),
        "--rev",
        plan.commit,
        "--base",
        plan.base or "none",
        "--source",
        "hook",
        "--out",
        str(out_dir),
        "--format",
        "report.json",
        "--python",
        choose_python(root),
    ]
    # Benchmarks only when asked (hook: {bench: true}): they must run alone and take
    # seconds each, which a push should not wait for by default.
    argv += [] if bench else ["--no-bench"]
    return [*argv, "--no-tests"] if not tests else argv


def _read_report(out_dir: Path) -> dict[str, Any] | None:
    import json  # noqa: PLC0415 - keep module import light

    try:
        data = json.loads((out_dir / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _summary(report: Mapping[str, Any] | None, fallback: str, env: Mapping[str, str]) -> str:
    """The terminal summary of the report (verdict, what improved, next steps).

    Rendered here rather than by the child so it can use colour on git's stderr; the
    child's own printed summary is the fallback if the report cannot be read back.
    """
    if report is None:
        return fallback
    try:
        import importlib  # noqa: PLC0415

        from practicegrade.model import Report  # noqa: PLC0415
        from practicegrade.serialize import from_jsonable  # noqa: PLC0415

        terminal = importlib.import_module("practicegrade.render.terminal")
        color = terminal.wants_color(sys.stderr, env)
        return str(terminal.render_summary(from_jsonable(Report, report), color=color))
    except Exception:  # a summary we cannot draw must not cost the verdict
        return fallback


def grade_commit(
    root: Path,
    plan: GradePlan,
    *,
    tests: bool,
    timeout_s: float,
    limit_s: float,
    env: Mapping[str, str],
    echo: Echo,
    bench: bool = False,
) -> tuple[ChildStatus, str | None, Mapping[str, Any] | None]:
    """Grade one pushed commit in a child process bounded by ``timeout_s``.

    ``limit_s`` is the configured ``hook.timeout_s``, for the message when time runs out.
    """
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from practicegrade import gitrepo, proc  # noqa: PLC0415

    short = plan.commit[:10]
    against = f"against {plan.base[:10]}" if plan.base else "(no base: all of it is new)"
    echo(f"practicegrade: grading {plan.ref.name} at {short} {against}…")
    out_dir = Path(tempfile.mkdtemp(prefix="practicegrade-hook-"))
    try:
        child_env = {**gitrepo.git_env(), IN_HOOK_ENV: "1"}
        done = proc.run(
            _grader_argv(root, plan, tests, out_dir, env, bench),
            cwd=root,
            timeout=timeout_s,
            kill_grace_s=KILL_GRACE_S,
            env=child_env,
        )
        report = _read_report(out_dir)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    status, problem = classify_grade(done.returncode, done.timed_out, report, limit_s)
    if status != "error":
        for line in done.stderr.splitlines():
            if line.startswith("warning:"):
                echo(f"practicegrade: {line}")
        summary = _summary(report, done.stdout.strip(), env)
        if summary:
            echo(summary)
    if problem:
        detail = [ln for ln in done.stderr.strip().splitlines() if ln.strip()][-6:]
        problem = "\n".join([problem, *("  " + ln for ln in detail)])
    return status, problem, report


def run_hook(
    stdin: bytes,
    remote: str | None,
    *,
    cwd: Path | None = None,
    from_pre_commit: bool = False,
    env: Mapping[str, str] | None = None,
    echo: Echo = _echo,
) -> bool:
    """Run the pre-push check; ``True`` means: block the push.

    This is the fail-open boundary: anything that goes wrong in here is a warning, not a
    blocked push, unless the config says ``hook: {strict: true}``.
    """
    env = os.environ if env is None else env
    if _flag(env, IN_HOOK_ENV):
        return False
    if _flag(env, SKIP_ENV):
        echo(f"practicegrade: skipped ({SKIP_ENV} is set)")
        return False
    started = time.monotonic()
    settings = _Settings(cwd or Path.cwd())
    try:
        root = repo_root(settings.root)
        settings.root = root
        if from_pre_commit:
            refs, remote = _pre_commit_refs(root, env)
        else:
            refs = parse_pre_push(stdin)
        plans = plan_push(root, refs, remote, settings, echo) if refs else []
        return bool(plans) and _grade_all(
            root, plans, started=started, settings=settings, env=env, echo=echo
        )
    except Exception as exc:  # our own failure never blocks by default
        return _infrastructure_problem([_describe(exc)], settings.strict, echo)


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "") not in ("", "0")


def _describe(exc: BaseException) -> str:
    from practicegrade.errors import PracticegradeError  # noqa: PLC0415

    if isinstance(exc, PracticegradeError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"


def _grade_all(
    root: Path,
    plans: Sequence[GradePlan],
    *,
    started: float,
    settings: _Settings,
    env: Mapping[str, str],
    echo: Echo,
) -> bool:
    """Grade every planned commit within the hook's time budget; ``True``: block."""
    hook = settings.get()
    deadline = started + hook.timeout_s
    blocked: list[str] = []
    problems: list[str] = []
    invalid: list[str] = []
    if settings.invalid:
        echo("practicegrade: warning: the work tree's configuration is invalid; the hook uses")
        echo("  its default settings and grades each pushed commit with that commit's own:")
        echo("  " + settings.invalid.replace("\n", "\n  "))
    for plan in plans:
        problem = pushed_config_problem(root, plan.commit)
        if problem is not None:
            invalid.append(f"{plan.ref.name} ({plan.commit[:10]}): {problem}")
            continue
        left = deadline - time.monotonic() - KILL_GRACE_S
        if left < 1:
            problems.append(f"{plan.ref.name}: no time left to grade it (hook.timeout_s)")
            continue
        status, problem, report = grade_commit(
            root,
            plan,
            tests=hook.tests,
            bench=hook.bench,
            timeout_s=left,
            limit_s=hook.timeout_s,
            env=env,
            echo=echo,
        )
        if status == "blocked":
            gates = failed_gates(report) or ["(see the summary above)"]
            blocked.append(f"{plan.ref.name} ({plan.commit[:10]}): " + "; ".join(gates))
        elif problem:
            problems.append(f"{plan.ref.name}: {problem}")
    if invalid:
        echo("practicegrade: push blocked: the pushed configuration is invalid (exit 2)")
        for line in invalid:
            echo("  " + line.replace("\n", "\n  "))
        echo(
            "Fix it and push again, or push anyway once with `git push --no-verify` "
            f"(or `{SKIP_ENV}=1 git push`); CI grades every push regardless."
        )
    if blocked:
        echo("practicegrade: push blocked: a gate failed (the agreed floor was not reached)")
        for line in blocked:
            echo(f"  {line}")
        echo(
            "Fix it and push again, or push anyway once with `git push --no-verify` "
            f"(or `{SKIP_ENV}=1 git push`); CI grades every push regardless."
        )
    if problems:
        return _infrastructure_problem(problems, settings.strict, echo) or bool(blocked or invalid)
    return bool(blocked or invalid)


def _pre_commit_refs(
    root: Path, env: Mapping[str, str]
) -> tuple[tuple[PushedRef, ...], str | None]:
    """The pushed ref as pre-commit describes it, in the shape git's stdin has."""
    to, frm, remote_ref, remote = refs_from_pre_commit(env)
    local = _git_out(root, "rev-parse", "--verify", "-q", "--end-of-options", to)
    if not local:
        return (), remote
    local = local.strip()
    base = _git_out(root, "rev-parse", "--verify", "-q", "--end-of-options", frm) if frm else None
    remote_oid = base.strip() if base else "0" * len(local)
    return (PushedRef(to, local, remote_ref, remote_oid),), remote


def _infrastructure_problem(problems: Sequence[str], strict: bool, echo: Echo) -> bool:
    """Report practicegrade's own failure; block only in strict mode."""
    if strict:
        echo("practicegrade: push blocked: practicegrade could not grade it (hook.strict is true)")
    else:
        echo("practicegrade: warning: practicegrade could not grade this push; it goes ahead")
    for problem in problems:
        echo("  " + problem.replace("\n", "\n  "))
    if strict:
        echo(f"Push anyway once with `git push --no-verify` (or `{SKIP_ENV}=1 git push`).")
    else:
        echo("CI still grades it; set `hook: {strict: true}` to block the push in this case.")
    return strict


# --------------------------------------------------------------------------- CLI


@click.group("hook")
def hook_cli() -> None:
    """The pre-push hook: your numbers at `git push`, before the mentor sees them."""


@hook_cli.command("install")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
def install_cmd(path: Path) -> None:
    """Install the pre-push hook in the git repository at PATH."""
    from practicegrade.cli import error_boundary  # noqa: PLC0415 - cli imports this module

    error_boundary(install)(path, sys.executable)


@hook_cli.command("uninstall")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=".")
def uninstall_cmd(path: Path) -> None:
    """Remove the pre-push hook and restore the one it replaced, if any."""
    from practicegrade.cli import error_boundary  # noqa: PLC0415 - cli imports this module

    error_boundary(uninstall)(path)


@hook_cli.command("run")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@click.option("--shim", is_flag=True, hidden=True, help="Answer 10 (not 1) to block.")
@click.option(
    "--pre-commit",
    "from_pre_commit",
    is_flag=True,
    help="Read the push from pre-commit's PRE_COMMIT_* variables instead of stdin.",
)
def run_cmd(remote: str | None, url: str | None, shim: bool, from_pre_commit: bool) -> None:
    """What git runs on `git push` (REMOTE and URL as git passes them, refs on stdin).

    Exit 0 lets the push through; 1 blocks it (only when a gate fails, or in strict mode
    when practicegrade could not grade it).
    """
    del url
    stream = sys.stdin
    reads_stdin = not from_pre_commit and stream is not None and not stream.isatty()
    try:
        data = stream.buffer.read() if reads_stdin and stream is not None else b""
        block = run_hook(data, remote, from_pre_commit=from_pre_commit)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit((SHIM_EXIT_BLOCK if shim else EXIT_BLOCK) if block else EXIT_PASS)
