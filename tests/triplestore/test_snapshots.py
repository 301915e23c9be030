"""Snapshots: what query processes read, never written by anyone, one per publish."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.problems import LoadError
from triplestore.backends.oxigraph import KEEP_SNAPSHOTS
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
