"""Work sharing in the pylint driver: any schedule gives exactly what one ``-j1`` run gives.

The fixture has what pylint computes across files at the end of a run (``duplicate-code``
among three modules, two import cycles, and a cycle a ``disable`` pragma excludes),
a file that does not parse, an empty one, and modules big enough that the driver and a
helper both get some. Documents are compared whole, message order included, between
one process, helpers forked at once, a helper forked after the first file (as when the
tests finish mid-run), two helpers, and a helper killed mid-file; and the collector's
numbers and messages are compared with plain ``pylint``.

The driver is started without ``-I`` here so that ``PYTHONHASHSEED`` reaches it: the
order pylint walks import cycles in follows set iteration order, which depends on the
hash seed, in any single ``-j1`` run too.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.collectors.test_lint import PYLINT, cli_message_keys, details, message_keys
from tests.helpers.repos import write_files

from practicegrade.collectors import Project, Settings
from practicegrade.collectors._pylint_driver import (
    GC_THRESHOLDS,
    Edges,
    added_since,
    arrivals,
    helpers_to_start,
    lint_order,
    merge_graph,
    recording_graph,
    young_collections_only,
)
from practicegrade.collectors.lint import collect, signal_when_free

DUPLICATE = textwrap.dedent(
    '''

    def {name}(values):
        """Summarize values."""
        total = 0
        for value in values:
            if value > 10:
                total += value * 2
            elif value > 5:
                total += value * 3
            else:
                total -= value
        result = total * 2
        result += 1
        return result
    '''
)


def filler(tag: str, functions: int, seed: int) -> str:
    """A module with lint findings on every function and no line shared with another."""
    parts = [f'"""Filler {tag}."""\n']
    for n in range(functions):
        i = seed * 1000 + n
        parts.append(
            f"\n\ndef {tag}_f{n}(a, b):\n"
            f"    unused_{n} = {i}\n"
            f"    if a > {i}:\n"
            f"        return a * {i + 1} + b\n"
            f"    elif b > {i + 2}:\n"
            f"        return b - {i + 3}\n"
            f"    else:\n"
            f"        return {i + 4}\n"
        )
    return "".join(parts)


CODE: dict[str, str | bytes] = {
    "src/net/__init__.py": '"""A package with cycles and copies."""\n',
    "src/net/alpha.py": '"""Alpha imports beta, beta imports alpha."""\nfrom net import beta\n'
    + "\n\ndef use():\n    return beta.BETA\n"
    + DUPLICATE.format(name="alpha_sum"),
    "src/net/beta.py": '"""Beta."""\nfrom net import alpha\n\nBETA = 2\n\n\ndef back():\n'
    "    return alpha.use()\n",
    "src/net/gamma.py": '"""Gamma, a three-module cycle."""\nfrom net import delta\n'
    + DUPLICATE.format(name="gamma_sum"),
    "src/net/delta.py": '"""Delta."""\nfrom net import epsilon\n',
    "src/net/epsilon.py": '"""Epsilon."""\nfrom net import gamma\n'
    + DUPLICATE.format(name="epsilon_sum"),
    "src/net/quiet.py": '"""Quiet: its cycle is disabled where it imports."""\n'
    "from net import hush  # pylint: disable=cyclic-import\n",
    "src/net/hush.py": '"""Hush."""\nfrom net import quiet  # pylint: disable=cyclic-import\n',
    "src/net/broken.py": "def broken(:\n    pass\n",
    "src/net/empty.py": "",
    "src/net/big_one.py": filler("one", 60, 1),
    "src/net/big_two.py": filler("two", 45, 2),
    "src/net/big_three.py": filler("three", 30, 3),
}
FILES = sorted(CODE)


def driver(root: Path, scratch: Path, jobs: int, go: Path | None = None) -> subprocess.Popen[bytes]:
    """Start the driver on the fixture (not isolated, so the hash seed is ours)."""
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "files.json").write_text(json.dumps(FILES))
    argv = [
        sys.executable,
        "-m",
        "practicegrade.collectors._pylint_driver",
        "--out",
        str(scratch / "out.json"),
        "--scratch",
        str(scratch),
        "--jobs",
        str(jobs),
        "--files-from",
        str(scratch / "files.json"),
    ]
    if go is not None:
        argv += ["--go", str(go)]
    env = {**os.environ, "PYTHONHASHSEED": "7", "PYLINTHOME": str(scratch / "pylinthome")}
    return subprocess.Popen(argv, cwd=root, env=env, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[bytes], scratch: Path) -> dict[str, Any]:
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    document = json.loads((scratch / "out.json").read_text())
    assert "error" not in document, document
    return dict(document)


def owners(scratch: Path) -> Counter[str]:
    """Who linted how many files, from the driver's claim files."""
    claims = scratch / "claims"
    return Counter(p.read_text().split(" ")[0] for p in claims.iterdir() if p.name.isdigit())


def when(condition: Callable[[], bool], action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` as soon as ``condition`` holds (polled every millisecond)."""

    def poll() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if condition():
                action()
                return
            time.sleep(0.001)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return thread


def first_claim(scratch: Path, tag: str = "") -> Path | None:
    claims = scratch / "claims"
    try:
        for path in claims.iterdir():
            if path.name.isdigit() and path.read_text().startswith(tag):
                return path
    except OSError:
        return None
    return None


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cycles")
    write_files(folder, CODE)
    return folder


@pytest.fixture(scope="module")
def single(root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scratch = tmp_path_factory.mktemp("single")
    return finish(driver(root, scratch, jobs=1), scratch)


# --------------------------------------------------------------------------- schedules


def test_the_fixture_has_every_cross_file_message(single: dict[str, Any]) -> None:
    symbols = Counter(m["symbol"] for m in single["messages"])
    assert symbols["duplicate-code"] == 1
    cycles = sorted(m["message"] for m in single["messages"] if m["symbol"] == "cyclic-import")
    assert cycles == [
        "Cyclic import (net.alpha -> net.beta)",
        "Cyclic import (net.delta -> net.epsilon -> net.gamma)",
    ]
    duplicate = next(m for m in single["messages"] if m["symbol"] == "duplicate-code")
    # pylint reports the first pair of the three it meets, so lint order matters
    assert duplicate["message"].startswith("Similar lines in 2 files\n==net.alpha:")
    assert symbols["syntax-error"] == 1
    assert single["score"] is not None


def test_helpers_forked_at_once_give_the_single_process_document(
    root: Path, tmp_path: Path, single: dict[str, Any]
) -> None:
    assert finish(driver(root, tmp_path, jobs=2), tmp_path) == single
    shares = owners(tmp_path)
    assert shares["driver"] > 0 and shares["helper-0"] > 0
    assert sum(shares.values()) == len(FILES) - 1  # broken.py has no AST to lint


def test_a_helper_forked_mid_run_gives_the_single_process_document(
    root: Path, tmp_path: Path, single: dict[str, Any]
) -> None:
    go = tmp_path / "go"
    process = driver(root, tmp_path, jobs=2, go=go)
    when(lambda: first_claim(tmp_path) is not None, go.touch)
    assert finish(process, tmp_path) == single
    shares = owners(tmp_path)
    assert shares["helper-0"] > 0
    assert shares["driver"] > 0


def test_without_the_go_signal_no_helper_starts(
    root: Path, tmp_path: Path, single: dict[str, Any]
) -> None:
    assert finish(driver(root, tmp_path, jobs=2, go=tmp_path / "go"), tmp_path) == single
    assert set(owners(tmp_path)) == {"driver"}


def test_two_helpers_give_the_single_process_document(
    root: Path, tmp_path: Path, single: dict[str, Any]
) -> None:
    assert finish(driver(root, tmp_path, jobs=3), tmp_path) == single
    assert {"driver", "helper-0", "helper-1"} <= set(owners(tmp_path))


def test_a_killed_helper_s_files_are_linted_by_the_driver(
    root: Path, tmp_path: Path, single: dict[str, Any]
) -> None:
    process = driver(root, tmp_path, jobs=2)

    def kill() -> None:
        claim = first_claim(tmp_path, "helper-0")
        assert claim is not None
        os.kill(int(claim.read_text().split(" ")[1]), signal.SIGKILL)

    killer = when(lambda: first_claim(tmp_path, "helper-0") is not None, kill)
    assert finish(process, tmp_path) == single
    killer.join()
    assert not (tmp_path / "claims" / "helper-0.pickle").exists()  # it died before its answer


# --------------------------------------------------------------------------- the collector


def project_at(root: Path) -> Project:
    return Project(
        root=root,
        source_dirs=("src",),
        source_files=tuple(FILES),
        test_paths=(),
        packages=("net",),
        import_roots=("src",),
        python=sys.executable,
    )


def test_collector_with_cores_freed_mid_run_equals_pylint_cli(root: Path, tmp_path: Path) -> None:
    cores_free = threading.Event()
    when(lambda: first_claim(tmp_path / "pylint") is not None, cores_free.set)
    result = collect(project_at(root), Settings(jobs=2, scratch=tmp_path, cores_free=cores_free))
    assert owners(tmp_path / "pylint")["helper-0"] > 0
    cli = subprocess.run(
        [PYLINT, "--output-format=json2", *FILES],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(cli.stdout)
    assert result.metrics["lint.score"] == data["statistics"]["score"]
    counts = data["statistics"]["messageTypeCount"]
    assert result.metrics["lint.errors"] == counts["error"] + counts["fatal"]
    assert result.metrics["lint.refactors"] == counts["refactor"]
    assert message_keys(list(details(result).messages)) == cli_message_keys(data["messages"])


def test_collector_keeps_to_one_process_while_the_cores_are_busy(
    root: Path, tmp_path: Path
) -> None:
    busy = threading.Event()
    result = collect(project_at(root), Settings(jobs=2, scratch=tmp_path, cores_free=busy))
    assert set(owners(tmp_path / "pylint")) == {"driver"}
    assert "lint.score" in result.metrics


def test_go_signal_follows_the_event(tmp_path: Path) -> None:
    go = tmp_path / "go"
    event = threading.Event()
    done = signal_when_free(event, go)
    time.sleep(0.1)
    assert not go.exists()
    event.set()
    deadline = time.monotonic() + 5
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert go.exists()
    done()


def test_go_signal_stops_waiting_when_lint_ends_first(tmp_path: Path) -> None:
    go = tmp_path / "go"
    event = threading.Event()
    done = signal_when_free(event, go)
    done()  # returns: the waiter has ended
    event.set()
    time.sleep(0.1)
    assert not go.exists()


def test_go_signal_without_an_event_is_immediate(tmp_path: Path) -> None:
    go = tmp_path / "go"
    signal_when_free(None, go)()
    assert go.exists()


# --------------------------------------------------------------------------- pure parts


def test_lint_order_is_biggest_first_and_skips_files_without_an_ast() -> None:
    assert lint_order([10, None, 300, 10, 45]) == [2, 4, 0, 3]
    assert lint_order([None, None]) == []


def test_helpers_start_only_for_two_files_or_more() -> None:
    assert helpers_to_start(2, 0) == 0
    assert helpers_to_start(2, 1) == 0
    assert helpers_to_start(2, 2) == 1
    assert helpers_to_start(4, 3) == 2
    assert helpers_to_start(1, 10) == 0


def test_edges_remember_arrival_order_and_replay_to_an_identical_set() -> None:
    names = [f"mod{i}" for i in range(40)]
    edges = Edges()
    plain: set[str] = set()
    for name in [*names, *names[:5]]:
        edges.add(name)
        plain.add(name)
    assert edges.arrived == names
    assert list(edges) == list(plain)
    assert list(merge_graph([{"k": edges.arrived}])["k"]) == list(plain)


def test_graph_additions_per_file_merge_back_in_order() -> None:
    graph = recording_graph(None)
    before = arrivals(graph)
    graph["a"].add("b")
    graph["a"].add("c")
    first = added_since(before, graph)
    before = arrivals(graph)
    graph["z"].add("a")
    graph["a"].add("d")
    second = added_since(before, graph)
    assert first == {"a": ["b", "c"]}
    assert second == {"a": ["d"], "z": ["a"]}
    merged = merge_graph([first, second])
    assert list(merged) == ["a", "z"]
    assert merged == {"a": {"b", "c", "d"}, "z": {"a"}}


def test_young_collections_only_while_pylint_runs_then_the_old_thresholds() -> None:
    before = gc.get_threshold()
    try:
        with young_collections_only():
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.isenabled()
        assert gc.get_threshold() == before
    finally:
        gc.unfreeze()  # it freezes what exists on the way out: give pytest's heap back


def test_what_the_run_built_is_frozen_so_the_old_thresholds_never_walk_it() -> None:
    kept = []
    try:
        with young_collections_only():
            kept = [[i] for i in range(20_000)]
            gc.collect(0)  # the lists survive a young collection, as pylint's heap does
        young = {id(o) for o in gc.get_objects(generation=1)}
        old = {id(o) for o in gc.get_objects(generation=2)}
        assert not any(id(o) in young or id(o) in old for o in kept)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
