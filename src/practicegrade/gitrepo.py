"""The only place that talks to git.

Plumbing commands through :func:`practicegrade.proc.run` (argv lists, timeouts, no
shell): they cost 1-3 ms each and leave no long-lived ``git cat-file`` processes
behind, which GitPython's ``Repo`` objects are known to do. Each function here is one
or two git calls whose output is parsed by a small pure function beside it, so the
parsers are testable on recorded text and the number of git processes stays bounded.

Revisions are always passed after ``--end-of-options`` so a learner's branch named
``--output=x`` is a name, not an option.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from practicegrade import proc
from practicegrade.errors import GitError

GIT_TIMEOUT_S = 60.0
NOT_OURS = (".", ":(exclude,top).practicegrade")
"""Pathspec for "everything but our own output folder": a grade writes its artifacts to
``.practicegrade/out`` and must not see that as a change of the work tree."""
CHECKOUT_TIMEOUT_S = 300.0

SHALLOW_HINT = (
    "this is a shallow clone without that history: run `git fetch --unshallow` "
    "(in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
)
NO_COMMITS_HINT = "commit your work first (`git add -A && git commit`), or grade the work tree"


def git_env() -> dict[str, str]:
    """Our environment minus the variables a git hook exports (``GIT_DIR``, ``GIT_INDEX_FILE``...).

    Inside a hook, git exports repository-local variables; running git elsewhere (a
    temporary worktree) with them set would act on the wrong repository.
    """
    local = {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_COMMON_DIR",
        "GIT_QUARANTINE_PATH",
    }
    return {k: v for k, v in os.environ.items() if k not in local}


def git(
    repo: Path,
    *args: str,
    timeout: float = GIT_TIMEOUT_S,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> proc.Completed:
    """Run ``git -C repo args...``; the caller decides what a non-zero exit means."""
    full_env = git_env()
    full_env.update(env or {})
    return proc.run(["git", "-C", str(repo), *args], timeout=timeout, env=full_env, stdin=stdin)


def git_out(repo: Path, *args: str, timeout: float = GIT_TIMEOUT_S) -> str:
    """Run git and return stdout; raise :class:`GitError` with git's message on failure."""
    done = git(repo, *args, timeout=timeout)
    if done.returncode != 0 or done.timed_out:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def toplevel(path: Path) -> Path | None:
    """The work-tree root containing ``path``, or ``None`` outside a git repository."""
    done = git(path, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        return None
    return Path(done.stdout.strip())


def git_path(root: Path, name: str) -> Path:
    """``git rev-parse --git-path NAME`` as an absolute path.

    Honours linked worktrees (shared files such as the notes lock and our cache live in
    the common dir) and ``core.hooksPath``.
    """
    out = git_out(root, "rev-parse", "--git-path", name).strip()
    path = Path(out)
    return path if path.is_absolute() else (root / path).resolve()


@dataclass(frozen=True, slots=True)
class HeadInfo:
    commit: str | None
    """``None`` in a repository with no commits yet."""
    tree: str | None
    branch: str | None
    dirty: bool


def head_info(root: Path) -> HeadInfo:
    """HEAD's commit, tree and branch, and whether the work tree differs from it (2 git calls)."""
    # Not ``--verify``: it accepts a single revision. Without it, a missing HEAD (no
    # commits yet) is a non-zero exit, and we fall back to asking for the branch alone.
    done = git(root, "rev-parse", "HEAD^{commit}", "HEAD^{tree}", "--symbolic-full-name", "HEAD")
    lines = done.stdout.split()
    commit = tree = None
    if done.returncode == 0 and len(lines) == 3:
        commit, tree, ref = lines
    else:
        ref = git(root, "symbolic-ref", "-q", "HEAD").stdout.strip()
    branch = ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else None
    status = git(root, "status", "--porcelain", "--untracked-files=normal", "--", *NOT_OURS)
    return HeadInfo(commit=commit, tree=tree, branch=branch, dirty=bool(status.stdout.strip()))


# --------------------------------------------------------------------------- revisions


def has_commits(root: Path) -> bool:
    """Whether HEAD points at a commit (false right after ``git init``)."""
    return git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}").returncode == 0


def is_shallow(root: Path) -> bool:
    """Whether this clone was made with ``--depth`` (history beyond it is missing)."""
    done = git(root, "rev-parse", "--is-shallow-repository")
    return done.returncode == 0 and done.stdout.strip() == "true"


def resolve_commit(root: Path, ref: str) -> str:
    """The commit SHA that ``ref`` names, or a :class:`GitError` that says how to fix it.

    Three causes are told apart because their fixes differ: a repository with no
    commits, a shallow clone that lacks the history, and a name that does not exist.
    """
    done = git(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}")
    sha = done.stdout.strip()
    if done.returncode == 0 and sha:
        return sha
    if not has_commits(root):
        raise GitError(
            f"cannot use {ref!r}: the repository has no commits yet", hint=NO_COMMITS_HINT
        )
    if is_shallow(root):
        raise GitError(f"unknown revision {ref!r} in a shallow clone", hint=SHALLOW_HINT)
    raise GitError(
        f"unknown revision {ref!r}",
        hint="check the name with `git branch -a` or `git log --oneline`; "
        "fetch a remote branch first (`git fetch origin`)",
    )


def tree_of(root: Path, commit: str) -> str:
    """The tree SHA of ``commit``: what a grade's result depends on, not the commit."""
    return git_out(root, "rev-parse", "--verify", "--end-of-options", f"{commit}^{{tree}}").strip()


def merge_base(root: Path, a: str, b: str) -> str | None:
    """The best common ancestor of ``a`` and ``b``; ``None`` for unrelated histories.

    In a shallow clone a missing merge-base usually means missing history, so that case
    raises with the unshallow hint rather than silently comparing with nothing.
    """
    done = git(root, "merge-base", "--end-of-options", a, b)
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.split()[0]
    if is_shallow(root):
        raise GitError(
            f"no common ancestor of {a} and {b} in this shallow clone", hint=SHALLOW_HINT
        )
    return None


def upstream_of(root: Path) -> str | None:
    """The current branch's upstream (``origin/feature``), if one is configured."""
    done = git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
    name = done.stdout.strip()
    return name if done.returncode == 0 and name else None


DEFAULT_BRANCH_CANDIDATES = ("origin/HEAD", "main", "master", "origin/main", "origin/master")


@dataclass(frozen=True, slots=True)
class BaseChoice:
    ref: str
    """What the user would call it: ``origin/main``, ``main``, or the ``--base`` text."""
    commit: str
    """The merge-base commit (or the commit ``--base`` names)."""


def auto_base(root: Path, head_commit: str) -> BaseChoice | None:
    """The base to compare with when ``--base`` is not given.

    The current branch's upstream first (what was last shared), else the default branch
    (``origin/HEAD``, ``main``, ``master``, ``origin/main``, ``origin/master``); the base is
    the merge-base of that ref and the graded commit. ``None`` when there is none. One
    ``for-each-ref`` answers all candidates at once, then one ``merge-base``.
    """
    head_ref = git(root, "symbolic-ref", "-q", "HEAD").stdout.strip()
    full = {
        "origin/HEAD": "refs/remotes/origin/HEAD",
        "main": "refs/heads/main",
        "master": "refs/heads/master",
        "origin/main": "refs/remotes/origin/main",
        "origin/master": "refs/remotes/origin/master",
    }
    patterns = [*([head_ref] if head_ref else []), *full.values()]
    out = git_out(
        root, "for-each-ref", "--format=%(refname)%00%(objectname)%00%(upstream)", *patterns
    )
    commits: dict[str, str] = {}
    upstream = ""
    for line in out.splitlines():
        name, _, rest = line.partition("\0")
        sha, _, up = rest.partition("\0")
        commits[name] = sha
        if name == head_ref:
            upstream = up
    candidates: list[tuple[str, str]] = []
    if upstream:
        resolved = commits.get(upstream) or _resolve_quiet(root, upstream)
        if resolved:
            candidates.append((_display_ref(upstream), resolved))
    for short, name in full.items():
        if name in commits:
            candidates.append((short, commits[name]))
    for short, sha in candidates:
        base = merge_base(root, head_commit, sha)
        if base is not None:
            return BaseChoice(ref=_short_ref(short), commit=base)
    return None


def _resolve_quiet(root: Path, ref: str) -> str | None:
    done = git(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{ref}^{{commit}}")
    return done.stdout.strip() or None if done.returncode == 0 else None


def _display_ref(full_name: str) -> str:
    for prefix in ("refs/remotes/", "refs/heads/"):
        if full_name.startswith(prefix):
            return full_name[len(prefix) :]
    return full_name


def _short_ref(name: str) -> str:
    return name[: -len("/HEAD")] if name.endswith("/HEAD") else name


# --------------------------------------------------------------------------- diffs

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def parse_unified_zero(diff: str) -> dict[str, list[int]]:
    """Added or modified line numbers per new-side path, from ``git diff -U0`` output.

    The same lines diff-cover counts: each ``+`` line of each hunk, numbered on the new
    side. Deleted files and pure deletions contribute nothing. Paths are as git prints
    them after ``b/`` (we run git with ``core.quotePath=false``; quoted names with
    escapes are unquoted).
    """
    changed: dict[str, list[int]] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            target = line[4:]
            current = None if target == "/dev/null" else _unquote(target)[2:]
            if current is not None:
                changed.setdefault(current, [])
        elif current is not None and line.startswith("@@"):
            match = _HUNK.match(line)
            if match:
                start = int(match.group(1))
                count = 1 if match.group(2) is None else int(match.group(2))
                changed[current].extend(range(start, start + count))
    return {path: sorted(set(lines)) for path, lines in changed.items() if lines}


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "r": "\r",
    "v": "\v",
}


def _unquote(text: str) -> str:
    """Undo git's C-style quoting of a path (``"a/caf\\303\\251.py"``)."""
    if not (text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567":
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt).encode()
            i += 2
            continue
        out += char.encode()
        i += 1
    return out.decode("utf-8", errors="replace")


def untracked_files(root: Path) -> list[str]:
    """Files git does not track and does not ignore (a new module not yet added)."""
    out = git_out(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *NOT_OURS)
    return sorted(p for p in out.split("\0") if p)


def changed_lines(root: Path, base: str, head: str | None) -> dict[str, list[int]]:
    """Lines the change added or modified, per file: ``git diff -U0 base [head]``.

    ``head=None`` diffs the base against the work tree (staged and unstaged edits
    alike), and counts every line of an untracked, non-ignored file as added.
    """
    args = [
        "-c",
        "core.quotePath=false",
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "-U0",
        "-M",
        "--end-of-options",
        base,
    ]
    if head is not None:
        args.append(head)
    out = git_out(root, *args, "--", *NOT_OURS)
    changed = parse_unified_zero(out)
    if head is None:
        for rel in untracked_files(root):
            count = _count_lines(root / rel)
            if count:
                changed[rel] = list(range(1, count + 1))
    return changed


def _count_lines(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


@dataclass(frozen=True, slots=True)
class FileChange:
    status: str
    """git's letter: ``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed, ``C``, ``T``."""
    path: str
    """The path on the head side (for a deletion: the deleted path)."""
    old_path: str | None = None
    """For renames and copies: the path on the base side."""


def parse_raw_diff(raw: str) -> list[FileChange]:
    """Parse ``git diff --raw -z`` output into file changes."""
    parts = raw.split("\0")
    changes: list[FileChange] = []
    i = 0
    while i < len(parts):
        meta = parts[i]
        if not meta.startswith(":"):
            i += 1
            continue
        status = meta.split()[-1]
        letter = status[:1]
        if letter in ("R", "C") and i + 2 < len(parts):
            changes.append(FileChange(letter, parts[i + 2], parts[i + 1]))
            i += 3
        elif i + 1 < len(parts):
            changes.append(FileChange(letter, parts[i + 1]))
            i += 2
        else:
            break
    return sorted(changes, key=lambda c: c.path)


def changed_files(root: Path, base: str, head: str | None) -> list[FileChange]:
    """Files that differ between ``base`` and ``head`` (``None``: the work tree), renames found."""
    args = ["diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", "--end-of-options", base]
    if head is not None:
        args.append(head)
    changes = parse_raw_diff(git_out(root, *args, "--", *NOT_OURS))
    if head is None:
        changes += [FileChange("A", rel) for rel in untracked_files(root)]
    return sorted(changes, key=lambda c: c.path)


def list_tree(root: Path, commit: str) -> dict[str, str]:
    """Every file of ``commit``: path -> blob SHA (``ls-tree -r``, one call)."""
    out = git_out(root, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit)
    files: dict[str, str] = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob":
            files[path] = fields[2]
    return files


def cat_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """Read many blobs with one ``git cat-file --batch`` process (no process per object).

    Missing objects are left out. Output arrives decoded; a blob that is not UTF-8
    cannot be re-sliced by its byte size, so that case falls back to one read per
    remaining object rather than misparsing.
    """
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    done = git(root, "cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
    data = done.stdout.encode("utf-8")
    found: dict[str, bytes] = {}
    pos = 0
    for index, sha in enumerate(wanted):
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = data[pos:end].decode("ascii", errors="replace").split()
        if header[-1:] == ["missing"]:
            pos = end + 1
            continue
        if len(header) != 3 or header[0] != sha or not header[2].isdigit():
            found.update(_cat_one_by_one(root, wanted[index:]))
            break
        size = int(header[2])
        found[sha] = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return found


def _cat_one_by_one(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for sha in shas:
        done = git(root, "cat-file", "-p", sha)
        if done.returncode == 0:
            found[sha] = done.stdout.encode("utf-8")
    return found


# --------------------------------------------------------------------------- worktrees


@contextmanager
def worktree(root: Path, commit: str) -> Iterator[Path]:
    """Check ``commit`` out into a temporary, detached worktree; always removed afterwards.

    Never touches the user's work tree, index or stash: a linked worktree has its own
    index and HEAD. Hooks are switched off for the checkout (``core.hooksPath`` pointed at
    an empty folder) so a ``post-checkout`` hook cannot run or slow us down. Removal runs
    in ``finally`` and ends with ``git worktree prune``, so an interrupted grade leaves no
    registered worktree behind.
    """
    scratch = Path(tempfile.mkdtemp(prefix="practicegrade-wt-"))
    target = scratch / "tree"
    no_hooks = scratch / "no-hooks"
    no_hooks.mkdir()
    try:
        done = git(
            root,
            "-c",
            f"core.hooksPath={no_hooks}",
            "worktree",
            "add",
            "--detach",
            "--quiet",
            str(target),
            "--end-of-options",
            commit,
            timeout=CHECKOUT_TIMEOUT_S,
        )
        if done.returncode != 0 or done.timed_out:
            raise GitError(
                f"cannot check out {commit[:12]} into a temporary worktree: "
                f"{done.stderr.strip() or 'timed out'}",
                hint="check free disk space and that `git worktree add` works in this repository",
            )
        yield target
    finally:
        if target.exists():
            git(root, "worktree", "remove", "--force", "--force", str(target))
        shutil.rmtree(scratch, ignore_errors=True)
        git(root, "worktree", "prune")


# --------------------------------------------------------------------------- notes

NOTES_REF = "refs/notes/practicegrade"
_FALLBACK_IDENTITY = ("-c", "user.name=practicegrade", "-c", "user.email=practicegrade@localhost")
_NO_IDENTITY_MARKERS = ("tell me who you are", "unable to auto-detect", "empty ident", "ident name")


def _git_with_identity(root: Path, *args: str, stdin: bytes | None = None) -> proc.Completed:
    """Run a git command that creates a commit (notes add/merge), with a fallback identity.

    A notes ref is a commit history, so ``git notes add`` needs ``user.name``/``email``;
    CI runners and fresh containers often have none. The user's identity is used when
    configured; otherwise the notes commit is signed as ``practicegrade``.
    """
    done = git(root, *args, stdin=stdin)
    if done.returncode != 0 and any(m in done.stderr.lower() for m in _NO_IDENTITY_MARKERS):
        done = git(root, *_FALLBACK_IDENTITY, *args, stdin=stdin)
    return done


def note_show(root: Path, commit: str, ref: str = NOTES_REF) -> str | None:
    """The note text attached to ``commit``, or ``None`` (a missing note is not an error)."""
    done = git(root, "notes", "--ref", ref, "show", "--end-of-options", commit)
    return done.stdout if done.returncode == 0 else None


def note_write(root: Path, commit: str, text: str, ref: str = NOTES_REF) -> None:
    """Replace the note on ``commit`` with ``text`` (callers hold the notes lock)."""
    done = _git_with_identity(
        root,
        "notes",
        "--ref",
        ref,
        "add",
        "-f",
        "-F",
        "-",
        "--end-of-options",
        commit,
        stdin=text.encode("utf-8"),
    )
    if done.returncode != 0:
        raise GitError(f"cannot write the practicegrade note: {done.stderr.strip()}")


@dataclass(frozen=True, slots=True)
class LoggedCommit:
    commit: str
    committed: int
    """Committer time, seconds since the epoch."""
    subject: str
    note: str
    """The commit's note on the notes ref; empty when it has none."""


def parse_notes_log(out: str) -> list[LoggedCommit]:
    """Parse ``git log --format=%x1e%H%x00%ct%x00%s%x00%N`` output (newest first)."""
    entries: list[LoggedCommit] = []
    for record in out.split("\x1e"):
        fields = record.split("\0", 3)
        if len(fields) != 4 or not fields[1].isdigit():
            continue
        entries.append(LoggedCommit(fields[0].strip(), int(fields[1]), fields[2], fields[3]))
    return entries


def notes_log(root: Path, rev: str = "HEAD", ref: str = NOTES_REF) -> list[LoggedCommit]:
    """Every commit reachable from ``rev`` with its note, newest first, in one git call."""
    out = git_out(
        root,
        "log",
        f"--notes={ref}",
        "--no-decorate",
        "--no-color",
        "--format=%x1e%H%x00%ct%x00%s%x00%N",
        "--end-of-options",
        rev,
        "--",
    )
    return parse_notes_log(out)


def notes_ref_exists(root: Path, ref: str) -> bool:
    """Whether ``ref`` exists (the local notes ref is created by the first note)."""
    return git(root, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}").returncode == 0


def fetch_notes(root: Path, remote: str, into: str, ref: str = NOTES_REF) -> bool:
    """Fetch ``remote``'s notes ref into ``into``; ``False`` when the remote has none yet.

    The ``+`` in the refspec only force-updates our private remote-tracking copy under
    ``refs/notes/remotes/``; the shared ref is never force-written.
    """
    done = git(
        root,
        "fetch",
        "--quiet",
        "--no-write-fetch-head",
        "--no-tags",
        remote,
        f"+{ref}:{into}",
        timeout=120.0,
    )
    if done.returncode == 0:
        return True
    if "couldn't find remote ref" in done.stderr.lower():
        return False
    raise GitError(
        f"cannot fetch notes from {remote!r}: {done.stderr.strip() or 'timed out'}",
        hint="check the remote name (`git remote -v`) and that you can `git fetch` it",
    )


def merge_notes(root: Path, other: str, ref: str = NOTES_REF) -> None:
    """Merge notes ref ``other`` into ``ref`` with ``cat_sort_uniq`` (no conflicts possible).

    One JSON object per line means concatenating, sorting and de-duplicating two notes
    keeps every grade from both sides.
    """
    done = _git_with_identity(
        root, "notes", "--ref", ref, "merge", "-q", "-s", "cat_sort_uniq", "--end-of-options", other
    )
    if done.returncode != 0:
        git(root, "notes", "--ref", ref, "merge", "--abort")
        raise GitError(f"cannot merge notes from {other}: {done.stderr.strip()}")


@dataclass(frozen=True, slots=True)
class PushOutcome:
    ok: bool
    retryable: bool
    """Rejected because the remote moved on (non-fast-forward, ref lock): fetch, merge, retry."""
    message: str


_RETRYABLE_PUSH = (
    "non-fast-forward",
    "fetch first",
    "rejected",
    "cannot lock ref",
    "failed to update ref",
    "unable to create",
    "stale info",
)


def push_notes(root: Path, remote: str, ref: str = NOTES_REF) -> PushOutcome:
    """Push the notes ref to ``remote`` without force.

    ``PRACTICEGRADE_IN_HOOK=1`` tells our pre-push hook, which this push triggers, to do
    nothing, so pushing notes never grades again or recurses.
    """
    done = git(
        root,
        "push",
        "--quiet",
        "--porcelain",
        remote,
        f"{ref}:{ref}",
        timeout=120.0,
        env={"PRACTICEGRADE_IN_HOOK": "1"},
    )
    text = f"{done.stdout}\n{done.stderr}".strip()
    if done.returncode == 0:
        return PushOutcome(ok=True, retryable=False, message=text)
    lowered = text.lower()
    return PushOutcome(ok=False, retryable=any(m in lowered for m in _RETRYABLE_PUSH), message=text)


def remote_names(root: Path) -> list[str]:
    """The configured remotes (``git remote``)."""
    return [line for line in git_out(root, "remote").splitlines() if line]
