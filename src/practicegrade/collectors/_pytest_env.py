"""What the dynamic collectors share: the learner interpreter probe, its environment, its limits.

The tests and bench collectors both run the learner's code in the learner's interpreter.
Both need to know which tools that interpreter has (one quick probe instead of a failing
run), an allow-listed environment with an empty ``HOME`` and no tokens (rule 37), and the
same resource limits (rule 36). Keeping that here means the two collectors cannot drift.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from practicegrade import proc
from practicegrade.collectors import Project
from practicegrade.errors import ToolError

PROBE_TIMEOUT_S = 60.0
GIB = 1 << 30
ADDRESS_SPACE_BYTES = 4 * GIB
FILE_SIZE_BYTES = 1 * GIB
EXTRA_PROCESSES = 256
"""How many processes the learner's code may add to the ones the user already runs."""

_PROBE = r"""
import json, platform, sys
out = {"python": platform.python_version(), "executable": sys.executable}
try:
    from importlib import metadata
except ImportError:
    metadata = None
import importlib.util
for dist, mod in (("pytest", "pytest"), ("coverage", "coverage"),
                  ("pytest-benchmark", "pytest_benchmark"), ("pytest-cov", "pytest_cov")):
    version = None
    try:
        if importlib.util.find_spec(mod) is not None:
            try:
                version = metadata.version(dist)
            except Exception:
                version = str(getattr(__import__(mod), "__version__", "unknown"))
    except Exception:
        version = None
    out[mod] = version
sys.stdout.write("\n" + json.dumps(out) + "\n")
"""


@dataclass(frozen=True, slots=True)
class Probe:
    """Versions found in the learner's interpreter; ``None`` means not installed."""

    python: str
    executable: str
    pytest: str | None = None
    coverage: str | None = None
    pytest_benchmark: str | None = None
    pytest_cov: str | None = None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """``"7.10.1"`` -> ``(7, 10, 1)``; pre-release suffixes are dropped, junk gives ``()``."""
    parts: list[int] = []
    for piece in (version or "").split("."):
        digits = ""
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts)


def parse_probe(stdout: str) -> Probe | None:
    """The probe's JSON line (the last one: a noisy ``sitecustomize`` may print first)."""
    for raw in reversed(stdout.splitlines()):
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("python"), str):
            return _probe_from(data)
    return None


def _probe_from(data: Mapping[str, object]) -> Probe:
    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return Probe(
        python=str(data["python"]),
        executable=text("executable") or "",
        pytest=text("pytest"),
        coverage=text("coverage"),
        pytest_benchmark=text("pytest_benchmark"),
        pytest_cov=text("pytest_cov"),
    )


def probe(python: str, scratch: Path) -> tuple[Probe | None, str]:
    """Ask the learner's interpreter what it has, in one short subprocess.

    Runs in ``scratch`` (not the learner's repo) so a learner file called ``json.py``
    cannot shadow what the probe imports. Returns the probe, or ``None`` and why not.
    """
    try:
        done = proc.run(
            [python, "-c", _PROBE],
            cwd=scratch,
            timeout=PROBE_TIMEOUT_S,
            env=proc.clean_env(home=str(scratch)),
        )
    except ToolError as exc:
        return None, f"cannot run the interpreter {python!r}: {exc.message}"
    found = parse_probe(done.stdout)
    if found is None:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"the interpreter {python!r} did not answer the probe ({tail[:200]})"
    return found, ""


PROBE_NAMESPACE = "probe"


def probe_stamp(python: str) -> dict[str, object] | None:
    """What the probe's answer depends on, when file metadata can tell; else ``None``.

    A virtualenv (``pyvenv.cfg``) with a ``lib/python*/site-packages`` folder and no
    system site: ``pip`` (un)installs change that folder's mtime
    (:func:`practicegrade.cache.environment_stamp`). The interpreter it runs (a symlink
    to a base Python that may be upgraded in place) and ``pyvenv.cfg`` are stamped
    too. Other layouts (PyPy's, Windows', a venv that sees the system site-packages)
    are not remembered: there an install may change nothing we look at.
    """
    from practicegrade.cache import environment_stamp  # noqa: PLC0415

    venv_bin = _venv_bin(python)
    if venv_bin is None:
        return None
    config = Path(venv_bin).parent / "pyvenv.cfg"
    try:
        settings = config.read_text(encoding="utf-8", errors="replace")
        real = Path(python).resolve().stat()
    except OSError:
        return None
    if re.search(r"^\s*include-system-site-packages\s*=\s*true\s*$", settings, re.I | re.M):
        return None
    stamp = environment_stamp(python)
    if not any("site-packages" in key for key in stamp):
        return None
    return {**stamp, "pyvenv.cfg": settings, "interpreter": [real.st_mtime_ns, real.st_size]}


def cached_probe(python: str, scratch: Path, cache_dir: Path | None) -> tuple[Probe | None, str]:
    """:func:`probe`, remembered per virtualenv state in the incremental cache.

    Every grade with tests asked the learner's interpreter the same question in a new
    process (80 ms on the bench machine, all of it before the tests can start). The
    answer changes only when packages are installed or removed, or the interpreter
    changes (:func:`probe_stamp`). Only a probe that found both pytest and coverage is
    remembered, so an answer that blocks the tests is always asked afresh; never in CI,
    which runs without a cache.
    """
    from practicegrade.cache import Cache, make_key  # noqa: PLC0415

    stamp = probe_stamp(python) if cache_dir is not None else None
    if stamp is None:
        return probe(python, scratch)
    cache = Cache(cache_dir)
    key = make_key(PROBE_NAMESPACE, _PROBE, stamp)
    stored = cache.get(PROBE_NAMESPACE, key)
    if isinstance(stored, dict) and isinstance(stored.get("python"), str):
        return _probe_from(stored), ""
    found, why = probe(python, scratch)
    if found is not None and found.pytest and found.coverage:
        cache.put(PROBE_NAMESPACE, key, asdict(found))
    return found, why


def install_hint(python: str, packages: Sequence[str]) -> str:
    """The command that fixes a missing tool, for the interpreter we actually used."""
    return f"{python} -m pip install {' '.join(packages)}"


def interpreter_path(python: str) -> str:
    """``python`` made absolute when it is a relative path (we run it from several cwds).

    A bare name (``python3``) is left for ``PATH`` to resolve, as a shell would.
    """
    if os.sep in python and not os.path.isabs(python):
        return os.path.abspath(python)
    return python


def absolute_roots(project: Project) -> list[str]:
    """The project's import roots as absolute paths (``src`` layouts import uninstalled)."""
    return [str((project.root / r).resolve()) for r in project.import_roots]


def _venv_bin(python: str) -> str | None:
    """The ``bin`` folder of the interpreter's virtualenv, if it lives in one."""
    bin_dir = Path(python).parent
    return str(bin_dir) if (bin_dir.parent / "pyvenv.cfg").is_file() else None


def learner_env(
    python: str,
    pythonpath: Sequence[str],
    home: str,
    extra: Mapping[str, str] | None = None,
    *,
    pycache_prefix: Path | None = None,
) -> dict[str, str]:
    """The allow-listed environment for learner code: empty ``HOME``, no tokens.

    ``PYTHONDONTWRITEBYTECODE`` keeps ``__pycache__`` (and pytest's rewritten ``.pyc``)
    out of the learner's repo. A grade in one of our worktree slots instead keeps its
    bytecode for the next grade under ``pycache_prefix`` (``PYTHONPYCACHEPREFIX``, which
    pytest honours too), outside every source tree. The interpreter's venv ``bin`` leads
    ``PATH`` so a test that runs ``python`` gets the same interpreter, as an activated
    venv would.
    """
    base = proc.clean_env(home=home)
    path = base.get("PATH", os.defpath)
    venv_bin = _venv_bin(python)
    values = {
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PYTHONIOENCODING": "utf-8",
        "PATH": f"{venv_bin}{os.pathsep}{path}" if venv_bin else path,
        **(
            {"PYTHONPYCACHEPREFIX": str(pycache_prefix)}
            if pycache_prefix is not None
            else {"PYTHONDONTWRITEBYTECODE": "1"}
        ),
        **(extra or {}),
    }
    return proc.clean_env(values, home=home)


def make_home(scratch: Path) -> str:
    """A fresh, empty, private ``HOME`` for one learner run (0700, unique name)."""
    return tempfile.mkdtemp(prefix="home-", dir=scratch)


def _processes_of_this_user() -> int | None:
    """How many processes this user runs now (Linux ``/proc``), or ``None`` if unknown."""
    if not sys.platform.startswith("linux"):
        return None
    uid = os.getuid()
    count = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


def learner_limits(timeout_s: float) -> proc.Limits:
    """Rule 36's limits for learner code.

    ``RLIMIT_NPROC`` counts every process of the user, not just ours, so it is set to
    what the user already runs plus a margin (a fixed small number would break a busy
    desktop; none at all lets a fork bomb through). The CPU limit sits above the wall
    timeout so that the outer timeout, which keeps partial results, normally fires first.
    """
    running = _processes_of_this_user()
    return proc.Limits(
        cpu_s=int(timeout_s) + 30,
        address_space_bytes=ADDRESS_SPACE_BYTES,
        processes=None if running is None else running + EXTRA_PROCESSES,
        file_size_bytes=FILE_SIZE_BYTES,
        core_bytes=0,
    )
