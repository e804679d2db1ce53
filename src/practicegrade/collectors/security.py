"""Security findings, measured in-process with bandit.

Why bandit: it is the scanner Python reviewers already run (PyCQA), its tests carry a
severity, a confidence and a CWE, and a learner can rerun it by hand. Why in-process:
a ``bandit`` process per grade costs its start-up (stevedore loads every plugin) on top
of the scan; here the test set is built once and each file is scanned from the bytes
the cache key was computed from.

The numbers equal what bandit's CLI reports for the same files and settings:
``security.high`` / ``security.medium`` / ``security.low`` count the results of that
severity with a confidence of medium or more, i.e. ``bandit --confidence-level medium``
(the ``-f json`` ``results`` grouped by ``issue_severity``). The project's own bandit
configuration is honoured, as ``bandit -c pyproject.toml --ini .bandit -r SRC`` would:

* ``[tool.bandit]`` in ``pyproject.toml`` (``tests``, ``skips``, ``exclude_dirs``, plugin
  options such as ``assert_used.skips``), read by bandit's own ``BanditConfig``;
* a ``.bandit`` INI file at the root (``[bandit]``: ``tests``, ``skips``, ``exclude``,
  and ``configfile``, which names the YAML or TOML file to read instead of the above);
* ``# nosec`` comments, which bandit honours too; how many results they hide is shown.

Reading a configuration file never runs learner code (YAML is read with
``yaml.safe_load``, TOML with ``tomllib``), and a file that lies outside the repository
(a link, ``configfile: ../..``) is not read. A configuration bandit rejects makes the
metrics unmeasured with bandit's message, never a crash of the grade.

The files are the ones complexity and lint measure (the source folders, without tests
and excludes), minus bandit's own ``exclude_dirs``. Each file's scan is a pure function
of its path, its bytes and the configuration (:func:`scan_project` caches it by blob
SHA, like radon's).
"""

from __future__ import annotations

import configparser
import fnmatch
import hashlib
import io
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from practicegrade.collectors import Project, Settings
from practicegrade.compat import tomllib
from practicegrade.model import (
    CollectorResult,
    Finding,
    SecurityDetails,
    SecurityIssue,
    Severity,
)

if TYPE_CHECKING:
    from practicegrade.cache import Cache

NAME = "security"
METRICS = ("security.high", "security.medium", "security.low")
COUNTED_CONFIDENCE: tuple[Severity, ...] = ("medium", "high")
"""Results below medium confidence are bandit's guesses; neither counted nor shown."""
INI_FILE = ".bandit"
PYPROJECT = "pyproject.toml"
_LOCK = threading.Lock()
"""bandit keeps module-level state (its extension manager, class attributes): one scan at
a time per process."""


class SetupProblem(Exception):
    """The project's bandit configuration cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class BanditSetup:
    """What the project's own files tell bandit, as bandit's CLI would read them."""

    config_file: str | None = None
    """Relative path of the YAML/TOML configuration (``-c``), if any."""
    ini_file: str | None = None
    """``.bandit`` when the root has one (``--ini``)."""
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    """The INI file's ``exclude`` paths (``-x``)."""

    def command(self, targets: Sequence[str]) -> str:
        """The bandit command line that reports the same results."""
        parts = ["bandit", "--confidence-level", "medium"]
        if self.config_file:
            parts += ["-c", self.config_file]
        if self.ini_file:
            parts += ["--ini", self.ini_file]
        return " ".join([*parts, "-r", *(targets or ["."])])

    @property
    def described(self) -> str | None:
        """The configuration files honoured, for the report (``None``: bandit's defaults)."""
        files = [f for f in (self.config_file, self.ini_file) if f]
        return ", ".join(files) or None


@dataclass(frozen=True, slots=True)
class FileScan:
    """bandit's results for one file (every confidence), or why it could not scan it."""

    path: str
    issues: tuple[SecurityIssue, ...] = ()
    suppressed: int = 0
    error: str | None = None


# --------------------------------------------------------------------------- configuration


def _inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` when it is a file that resolves inside ``root``, else ``None``."""
    path = root / rel
    try:
        if path.is_file() and path.resolve().is_relative_to(root.resolve()):
            return path
    except (OSError, RuntimeError):
        return None
    return None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _has_bandit_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("bandit"), dict)


def load_setup(root: Path) -> BanditSetup:
    """The project's bandit settings: ``.bandit`` first, then ``[tool.bandit]``.

    Raises :class:`SetupProblem` for a ``.bandit`` file bandit could not read either, or
    one naming a configuration file outside the repository.
    """
    config_file: str | None = None
    ini: dict[str, str] = {}
    ini_file = INI_FILE if (root / INI_FILE).exists() else None
    if ini_file is not None:
        if _inside(root, INI_FILE) is None:
            raise SetupProblem(".bandit is not a file inside the repository; not read")
        parser = configparser.ConfigParser()
        try:
            parser.read(root / INI_FILE, encoding="utf-8")
            ini = dict(parser.items("bandit"))
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise SetupProblem(f".bandit has no readable [bandit] section: {exc}") from None
        named = ini.get("configfile", "").strip()
        if named:
            if _inside(root, named) is None:
                raise SetupProblem(
                    f".bandit names configfile {named!r}, which is not a file inside the "
                    "repository; not read"
                )
            config_file = named
    if config_file is None and (pyproject := _inside(root, PYPROJECT)) is not None:
        config_file = PYPROJECT if _has_bandit_table(pyproject) else None
    return BanditSetup(
        config_file=config_file,
        ini_file=ini_file,
        tests=_csv(ini.get("tests")),
        skips=_csv(ini.get("skips")),
        exclude=_csv(ini.get("exclude")),
    )


def _plain(value: Any) -> Any:
    """A configuration value with sets sorted, so that its hash does not vary by process."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Scanner:
    """bandit's test set built once from the project's configuration; scans file bytes."""

    def __init__(self, root: Path, setup: BanditSetup) -> None:
        from bandit.core import config as b_config  # noqa: PLC0415 - heavy, on first use
        from bandit.core import extension_loader, manager, utils  # noqa: PLC0415

        logging.getLogger("bandit").setLevel(logging.CRITICAL)  # its problems become findings
        self.setup = setup
        try:
            conf_path = str(root / setup.config_file) if setup.config_file else None
            conf = b_config.BanditConfig(config_file=conf_path)
            profile = {
                "include": {*(conf.get_option("tests") or ()), *setup.tests},
                "exclude": {*(conf.get_option("skips") or ()), *setup.skips},
            }
            extension_loader.MANAGER.validate_profile(profile)
        except (utils.ConfigError, ValueError, TypeError, AttributeError) as exc:
            where = setup.described or "bandit's configuration"
            raise SetupProblem(f"bandit cannot use {where}: {exc}") from None
        self._manager = manager.BanditManager(conf, "file", profile=profile)
        if not self._manager.b_ts.tests:
            raise SetupProblem("the bandit configuration selects no test at all")
        globs = list(conf.get_option("exclude_dirs") or [])
        for path in setup.exclude:
            globs.append(f"{path.rstrip('/')}/*" if (root / path).is_dir() else path)
        self.exclude = tuple(globs)
        self.digest = hashlib.sha256(
            repr(_plain([conf.config, profile, self.exclude])).encode("utf-8")
        ).hexdigest()

    def excluded(self, path: str) -> bool:
        """bandit's rule for a file named on its command line: a glob or substring match."""
        return any(fnmatch.fnmatch(path, g) or g in path for g in self.exclude)

    def scan(self, path: str, data: bytes) -> FileScan:
        """Scan one file's bytes as ``bandit`` scans the file."""
        mgr = self._manager
        with _LOCK:
            first, skipped = len(mgr.results), len(mgr.skipped)
            # bandit scans a file by name; this is the step its CLI runs per file
            mgr._parse_file(path, io.BytesIO(data), [path])
            found = mgr.results[first:]
            problems = mgr.skipped[skipped:]
            counts = mgr.metrics.data.get(path, {})
        if problems:
            return FileScan(path, error=str(problems[0][1]))
        suppressed = int(counts.get("nosec", 0)) + int(counts.get("skipped_tests", 0))
        lines = data.decode("utf-8", errors="replace").splitlines()
        issues = tuple(_issue(path, raw, lines) for raw in found)
        return FileScan(path, issues=tuple(sorted(issues, key=_order)), suppressed=suppressed)


def _issue(path: str, raw: Any, lines: Sequence[str]) -> SecurityIssue:
    line = int(raw.lineno)
    code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    cwe = getattr(raw.cwe, "id", None)
    message = str(raw.text)
    key = "\0".join((path, str(raw.test_id), message, code))
    return SecurityIssue(
        file=path,
        line=line,
        test_id=str(raw.test_id),
        test_name=str(raw.test),
        severity=_level(raw.severity),
        confidence=_level(raw.confidence),
        message=message,
        cwe=int(cwe) if isinstance(cwe, int) and cwe > 0 else None,
        column=int(raw.col_offset or 0),
        fingerprint=hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:16],
    )


def _level(value: object) -> Severity:
    text = str(value).lower()
    return "high" if text == "high" else "medium" if text == "medium" else "low"


def _order(issue: SecurityIssue) -> tuple[str, int, int, str]:
    return (issue.file, issue.line, issue.column, issue.test_id)


# --------------------------------------------------------------------------- aggregate


def bandit_version() -> str:
    from practicegrade.cache import dist_version  # noqa: PLC0415

    return dist_version("bandit")


def cli_path(rel: str, source_dirs: Sequence[str]) -> str:
    """The file's name as ``bandit -r SRC`` prints it (``./x.py`` for ``-r .``)."""
    return f"./{rel}" if tuple(source_dirs) == (".",) else rel


def counted(issues: Iterable[SecurityIssue]) -> tuple[SecurityIssue, ...]:
    """The results at medium confidence or more: what the metrics count."""
    return tuple(i for i in issues if i.confidence in COUNTED_CONFIDENCE)


def aggregate(
    scans: Sequence[FileScan],
    setup: BanditSetup,
    project: Project,
    *,
    duration_s: float = 0.0,
) -> CollectorResult:
    """The collector's result from per-file scans (fresh or from the cache)."""
    findings = tuple(
        Finding("tool-error", f"bandit could not scan this file: {s.error}", s.path, None, NAME)
        for s in scans
        if s.error is not None and "syntax error" not in s.error  # radon reports those
    )
    scanned = [s for s in scans if s.error is None]
    issues = counted(i for s in scanned for i in s.issues)
    details = SecurityDetails(
        issues=issues,
        command=setup.command(project.source_dirs),
        config=setup.described,
        suppressed=sum(s.suppressed for s in scanned),
    )
    metrics: dict[str, float] = {}
    unmeasured: dict[str, str] = {}
    if scanned:
        for key in METRICS:
            level = key.rsplit(".", 1)[1]
            metrics[key] = float(sum(1 for i in issues if i.severity == level))
    else:
        reason = "no source file could be scanned" if scans else "no Python source files to scan"
        unmeasured = dict.fromkeys(METRICS, reason)
    return CollectorResult(
        name=NAME,
        metrics=metrics,
        unmeasured=unmeasured,
        findings=findings,
        tool_versions={"bandit": bandit_version()},
        duration_s=duration_s,
        details=details,
    )


def _unusable(project: Project, problem: str, setup: BanditSetup | None) -> CollectorResult:
    """The metrics are unmeasured: bandit cannot run with the project's configuration."""
    return CollectorResult(
        name=NAME,
        unmeasured=dict.fromkeys(METRICS, problem),
        findings=(Finding("tool-error", problem, setup.described if setup else None, None, NAME),),
        tool_versions={"bandit": bandit_version()},
        details=SecurityDetails(
            command=(setup or BanditSetup()).command(project.source_dirs),
            config=setup.described if setup else None,
        ),
    )


def _read(root: Path, rel: str) -> bytes | None:
    full = root / rel
    try:
        if not full.resolve().is_relative_to(root.resolve()):
            return None
        return full.read_bytes()
    except (OSError, RuntimeError):
        return None


def scan_project(project: Project, cache: Cache | None = None) -> CollectorResult:
    """Scan every source file bandit does not exclude; with a ``cache``, by blob SHA.

    Key: ``(path, blob SHA, configuration digest, bandit version, our version)``.
    """
    from practicegrade import __version__  # noqa: PLC0415
    from practicegrade.cache import blob_sha, make_key  # noqa: PLC0415
    from practicegrade.serialize import from_jsonable, to_jsonable  # noqa: PLC0415

    started = time.monotonic()
    setup: BanditSetup | None = None
    try:
        setup = load_setup(project.root)
        scanner = Scanner(project.root, setup)
    except SetupProblem as exc:
        return _unusable(project, str(exc), setup)
    versions = (bandit_version(), __version__, scanner.digest)
    scans: list[FileScan] = []
    for rel in project.source_files:
        path = cli_path(rel, project.source_dirs)
        if scanner.excluded(path):
            continue
        data = _read(project.root, rel)
        if data is None:
            continue  # radon reports the file it cannot read
        key = make_key("bandit-file", rel, blob_sha(data), versions) if cache else ""
        stored = cache.get("bandit", key) if cache else None
        if stored is not None:
            try:
                scans.append(from_jsonable(FileScan, stored))
                continue
            except (ValueError, TypeError, KeyError):
                pass
        scan = scanner.scan(rel, data)
        if cache is not None:
            cache.put("bandit", key, to_jsonable(scan))
        scans.append(scan)
    return aggregate(scans, setup, project, duration_s=time.monotonic() - started)


def collect(project: Project, settings: Settings) -> CollectorResult:
    """Scan the project's source files with bandit (``settings`` has nothing for it)."""
    del settings
    return scan_project(project)
