"""A confined write (``triplestore.versions.write_confined``, how /sparql applies an update):
its time limit bounds the change, not the publication that follows it (regression: an update
committed in time but published after the limit was answered 504 "stopped", and appeared with
the next write). Before the commit a stop changes nothing; after it, what failed is said to
have passed the commit, and the change is published by ``recover``."""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from core.workers import Limits, WorkerTimedOut
from triplestore import versions
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.versions import current_generation, open_snapshot, recover, write_confined

pytestmark = pytest.mark.slow  # confined workers that sleep past their limits

BASE = "https://example.org/id/"
GRAPH = "https://example.org/user/g"
TRIPLE = f"<{GRAPH}#s> <{GRAPH}#p> 1"
#: seconds the slow part sleeps, against a time limit of LIMIT
SLOW, LIMIT = 4.0, 1.5


def insert(store: versions.TripleStore, pause: float) -> None:
    """The change: ``pause`` seconds of work, then one triple inserted (one transaction)."""
    time.sleep(pause)
    store.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {TRIPLE} }} }}")


def slow_publication(store: versions.TripleStore, base: str, graphs: list[ox.NamedNode]) -> None:
    """An after-change hook as slow as a large cube refresh or merge."""
    time.sleep(SLOW)


def _holds_the_triple(location: OxigraphLocation) -> bool:
    _generation, snapshot = open_snapshot(location)
    return bool(snapshot.query(f"ASK {{ GRAPH <{GRAPH}> {{ {TRIPLE} }} }}"))


@pytest.fixture
def location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OxigraphLocation:
    monkeypatch.setattr(versions, "AFTER_CHANGE", [slow_publication])
    where = OxigraphLocation(tmp_path / "store")
    with where.writer() as store:
        versions.commit(where, store, BASE, hooks=[])
    return where


def test_a_change_in_time_is_published_though_its_publication_outlasts_the_limit(
    location: OxigraphLocation,
) -> None:
    before = current_generation(location)
    _result, generation = write_confined(location, insert, (0.0,), BASE, Limits(), LIMIT)
    assert generation == before + 1 and _holds_the_triple(location)


def test_a_change_stopped_at_its_limit_changes_nothing(location: OxigraphLocation) -> None:
    before = current_generation(location)
    with pytest.raises(WorkerTimedOut) as stopped:
        write_confined(location, insert, (SLOW,), BASE, Limits(), LIMIT)
    assert not stopped.value.passed
    assert recover(location, BASE) is None  # nothing was committed
    assert current_generation(location) == before and not _holds_the_triple(location)


def test_a_publication_stopped_says_the_change_passed_and_recover_publishes_it(
    location: OxigraphLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(versions, "PUBLISHING_TIME", LIMIT)
    with pytest.raises(WorkerTimedOut) as stopped:
        write_confined(location, insert, (0.0,), BASE, Limits(), LIMIT)
    assert stopped.value.passed and not _holds_the_triple(location)
    monkeypatch.setattr(versions, "AFTER_CHANGE", [])
    assert recover(location, BASE) is not None and _holds_the_triple(location)
