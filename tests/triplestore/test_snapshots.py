"""Snapshots: what query processes read, never written by anyone, one per publish."""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from core.problems import LoadError
from triplestore.backends.oxigraph import KEEP_SNAPSHOTS, OxigraphLocation
from triplestore.versions import (
    current_generation,
    open_snapshot,
    open_store,
    publish_version,
    query,
    take_snapshot,
)

BASE = "https://example.org/id/"
DATASET = BASE + "dataset/s"


def _publish(store: object, path: Path, n: int) -> int:
    publish_version(
        store, BASE, DATASET, f"{DATASET}/v{n}", [f"<urn:a> <urn:b> <urn:v{n}> .\n".encode()]
    )
    return take_snapshot(store, path, None)


def _objects(store: object) -> set[str]:
    return {row["o"].value for row in query(store, BASE, "SELECT ?o WHERE { <urn:a> <urn:b> ?o }")}


def test_nothing_published_yet_is_a_clear_error(tmp_path: Path) -> None:
    open_store(tmp_path)
    assert current_generation(tmp_path) == 0
    with pytest.raises(LoadError, match="nothing has been published"):
        open_snapshot(tmp_path)


def test_a_snapshot_keeps_its_data_while_the_primary_changes(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    assert _publish(store, tmp_path, 1) == 1
    generation, snapshot = open_snapshot(tmp_path)
    _publish(store, tmp_path, 2)
    assert generation == 1 and _objects(snapshot) == {"urn:v1"}
    generation, newer = open_snapshot(tmp_path)
    assert generation == 2 and _objects(newer) == {"urn:v2"}


def test_old_snapshots_are_pruned(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    for n in range(1, 6):
        _publish(store, tmp_path, n)
    kept = sorted(int(p.name) for p in (tmp_path / "snapshots").iterdir())
    assert kept == list(range(6 - KEEP_SNAPSHOTS, 6))


def _hold_of(path: Path, who: str, generation: int) -> object:
    """A hold on snapshot ``generation`` by ``who``: this process (``held``), another that runs,
    one that is gone, or a file that names no process."""
    import subprocess

    from triplestore.backends.oxigraph import HOLDS, OxigraphLocation

    if who == "this process":
        return OxigraphLocation(path).hold(generation)
    (path / HOLDS).mkdir(exist_ok=True)
    if who == "a file naming no process":
        (path / HOLDS / f"{generation}.someone.x").touch()
        return contextlib.nullcontext()
    child = subprocess.Popen(["sleep", "60"])
    if who == "a process gone":
        child.kill()
        child.wait()
    (path / HOLDS / f"{generation}.{child.pid}.x").touch()
    return contextlib.closing(_Killed(child))


class _Killed:
    def __init__(self, child: Any) -> None:
        self.child = child

    def close(self) -> None:
        self.child.kill()
        self.child.wait()


@pytest.mark.parametrize(
    ("who", "kept"),
    [
        ("this process", True),
        ("another process that runs", True),
        ("a process gone", False),
        ("a file naming no process", False),
    ],
)
def test_a_held_snapshot_is_kept_while_newer_ones_are_published(
    tmp_path: Path, who: str, kept: bool
) -> None:
    """Stranger 68 (F1): a warm-up run reads one generation through all its queries, under
    writes that publish several meanwhile (``OxigraphLocation.held``): its snapshot is kept
    while a live process holds it, and pruned once it holds it no more; a hold whose process
    is gone (killed in a run) does not keep it for good."""
    from triplestore.backends.oxigraph import HOLDS, OxigraphLocation

    store = open_store(tmp_path)
    _publish(store, tmp_path, 1)
    with _hold_of(tmp_path, who, 1) as held:
        if who == "this process":
            assert held is True
        for n in range(2, 3 + KEEP_SNAPSHOTS):
            _publish(store, tmp_path, n)
        assert (tmp_path / "snapshots" / "1").is_dir() is kept
        if kept:
            assert _objects(OxigraphLocation(tmp_path).reader_at(1)) == {"urn:v1"}
        else:
            with pytest.raises(LoadError, match="no longer kept"):
                OxigraphLocation(tmp_path).reader_at(1)
            assert list((tmp_path / HOLDS).iterdir()) == []  # the stale hold removed
    last = _publish(store, tmp_path, 9)  # held no more: pruned as any other
    kept_now = sorted(int(p.name) for p in (tmp_path / "snapshots").iterdir())
    assert kept_now == list(range(last + 1 - KEEP_SNAPSHOTS, last + 1))


def test_a_snapshot_not_kept_is_not_held(tmp_path: Path) -> None:
    """A hold on a generation pruned already, never taken, or of a store not built says so
    (its reader then reads the current one), and leaves no hold behind."""
    from triplestore.backends.oxigraph import HOLDS, OxigraphLocation

    with OxigraphLocation(tmp_path / "none").hold(1) as held:
        assert held is False
    store = open_store(tmp_path)
    for n in range(1, 3 + KEEP_SNAPSHOTS):
        _publish(store, tmp_path, n)
    for generation in (0, 1, 99):
        with OxigraphLocation(tmp_path).hold(generation) as held:
            assert held is False
    assert not (tmp_path / HOLDS).exists() or list((tmp_path / HOLDS).iterdir()) == []


def test_a_store_whose_folder_cannot_be_written_is_read_as_without_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store served from a folder this process cannot write (a read-only mount): a hold
    cannot be written, and its readers read the current generation at each query, as before
    holds, rather than failing."""
    from triplestore.backends import oxigraph
    from triplestore.backends.oxigraph import OxigraphLocation

    store = open_store(tmp_path)
    _publish(store, tmp_path, 1)

    def read_only(path: Path) -> object:
        raise PermissionError(13, "Read-only file system", str(path / oxigraph.HOLDS_LOCK))

    monkeypatch.setattr(oxigraph, "_pruning", read_only)
    with OxigraphLocation(tmp_path).hold(1) as held:
        assert held is False


def test_the_store_says_when_each_generation_was_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stranger 71: how old an answer of a generation is was counted from when a reader first
    asked for a newer one; the store now logs each publication (``PUBLISHED_LOG``), so any
    process tells when a generation was replaced (``replaced_at``), whoever published it."""
    from triplestore.backends import oxigraph

    monkeypatch.setattr(oxigraph, "PUBLISHED_KEPT", 3)
    location = OxigraphLocation(tmp_path / "store")
    times = []
    for _ in range(4):
        with location.writer() as store:
            location.snapshot(store)
        times.append(time.time())
        time.sleep(0.05)
    assert location.replaced_at(4) is None  # current
    for generation in (1, 2, 3):  # replaced by the next one's publication
        replaced = location.replaced_at(generation)
        assert replaced is not None
        assert times[generation - 1] <= replaced <= times[generation]
    assert location.replaced_at(0) is not None
    other = OxigraphLocation(tmp_path / "store")  # another process's view: the same file
    assert other.replaced_at(2) == location.replaced_at(2)
    for _ in range(4):  # past twice PUBLISHED_KEPT lines (at 7): the last PUBLISHED_KEPT kept
        with location.writer() as store:
            location.snapshot(store)
    log = (tmp_path / "store" / oxigraph.PUBLISHED_LOG).read_text("ascii").split()
    assert [int(n) for n in log[::2]] == [5, 6, 7, 8]
    assert location.replaced_at(1) == location.replaced_at(4)  # older than the log: its first
    shutil.rmtree(tmp_path / "store" / "snapshots")  # built again in its folder: from 1 again
    (tmp_path / "store" / oxigraph.CURRENT).unlink()
    with location.writer() as store:
        location.snapshot(store)
    assert location.replaced_at(1) is None
    assert (tmp_path / "store" / oxigraph.PUBLISHED_LOG).read_text("ascii").startswith("1 ")


#: what the log of publications may be found as, and whether, once
#: two more generations were published past the fault: replaced_at(2) known (a time) or not
LOG_FAULTS = {
    "deleted": (lambda log: log.unlink(), True),
    "garbage": (lambda log: log.write_bytes(b"\xff\xfe not a line\n7 soon\n\x00\n"), True),
    "not ascii": (lambda log: log.write_text("1 1.0\n2 ☃\n", encoding="utf-8"), True),
    "a directory": (lambda log: (log.unlink(), log.mkdir()), False),
    # stranger 72: read for ever, the server grew from 5 to 11.4 GB in 15 s
    "a link to an endless device": (lambda log: (log.unlink(), log.symlink_to("/dev/zero")), True),
    # stranger 72: the next line was merged with the one cut short, its time lost
    "a line cut short": (lambda log: log.write_text("1 1.0\n2 17", encoding="ascii"), True),
}


@pytest.mark.parametrize("fault", sorted(LOG_FAULTS))
def test_a_log_of_publications_that_is_wrong_publishes_anyway(tmp_path: Path, fault: str) -> None:
    """The log is written after a generation is published: whatever it is found as, the
    publication stands, and no reader fails for it (``replaced_at`` knows less)."""
    from triplestore.backends import oxigraph

    location = OxigraphLocation(tmp_path / "store")
    with location.writer() as store:
        location.snapshot(store)
    spoil, known = LOG_FAULTS[fault]
    spoil(tmp_path / "store" / oxigraph.PUBLISHED_LOG)
    for _ in range(2):
        with location.writer() as store:
            location.snapshot(store)
    assert location.generation() == 3
    assert (location.replaced_at(2) is not None) is known
    assert location.replaced_at(3) is None
    log = tmp_path / "store" / oxigraph.PUBLISHED_LOG
    if known:  # a file of its own again, each generation on a line of its own
        assert not log.is_symlink() and log.read_text("ascii", "replace").splitlines()[
            -1
        ].startswith("3 ")
