"""Loads that fail as a whole: a clear message naming the file, and nothing written.

Each case of bad-files/cases.yaml is loaded over a store that already holds that source's graph
from a good file; after the failure the graph must be exactly what it was.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from core.problems import LoadError
from publishing.build import load_source
from tests.backends import Published
from tests.mappings import write_mapping
from triplestore.versions import (
    TripleStore,
    open_store,
    publish_version,
    published_graphs,
    union_ntriples,
)

HERE = Path(__file__).parent / "bad-files"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
BASE = "https://example.org/id/"
DATASET = BASE + "dataset/failing-source"
#: a good file passes validate's checks, which a load runs (a space needs a kind and an address)
GOOD_ROWS = (
    "id,nom,type,rue,code,ville,pays\n"
    "1,Espace un,coworking,1 rue Neuve,69001,Lyon,FR\n"
    "2,Espace deux,coworking,2 rue Neuve,69001,Lyon,FR\n"
)


def _mapping(folder: Path, file: str, options: dict[str, Any]) -> Path:
    columns = {
        "id": "id",
        "nom": "name",
        "type": "kinds",
        "rue": "street",
        "code": "postcode",
        "ville": "city",
        "pays": "country",
    }
    return write_mapping(
        folder,
        columns,
        source_id="failing-source",
        title="A source that fails",
        file={"path": file, **options},
    )


def _published(store: TripleStore) -> tuple[bytes, set[str]]:
    """What readers see, and every graph the store holds."""
    return union_ntriples(store, BASE), {g.value for g in store.named_graphs()}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['file']}:{c['expect']}")
def test_failed_load_says_why_and_keeps_the_published_graph(
    tmp_path: Path, empty: Published, case: dict[str, Any]
) -> None:
    with empty.location.writer() as store:
        _failed_load_keeps_what_was_published(store, tmp_path, case)


def _failed_load_keeps_what_was_published(
    store: TripleStore, tmp_path: Path, case: dict[str, Any]
) -> None:
    (tmp_path / "good.csv").write_text(GOOD_ROWS, encoding="utf-8")
    load_source(_mapping(tmp_path, "good.csv", {"format": "csv"}), store, BASE)
    before = _published(store)
    assert before[0].count(b"\n") > 10

    source = HERE / case["file"]
    if source.exists():
        shutil.copy(source, tmp_path / case["file"])
    with pytest.raises(LoadError) as caught:
        load_source(_mapping(tmp_path, case["file"], case["options"]), store, BASE)
    assert case["expect"].lower() in str(caught.value).lower()
    assert case["file"] in str(caught.value), "the message names the file"
    assert _published(store) == before


def test_invalid_rdf_never_reaches_readers(empty: Published) -> None:
    with empty.location.writer() as store:
        _invalid_rdf_never_reaches_readers(store)


def _invalid_rdf_never_reaches_readers(store: TripleStore) -> None:
    publish_version(store, BASE, DATASET, DATASET + "/v1", [b"<urn:a> <urn:b> <urn:c> .\n"])
    before = _published(store)
    broken = [b"<urn:a> <urn:b> <urn:d> .\n", b"<urn:broken <urn:b> .\n"]
    with pytest.raises(LoadError):
        publish_version(store, BASE, DATASET, DATASET + "/v2", broken)
    assert _published(store) == before


def test_a_graph_left_by_a_killed_load_is_removed_and_never_seen(empty: Published) -> None:
    with empty.location.writer() as store:
        _killed_load_graph_is_removed(store)


def _killed_load_graph_is_removed(store: TripleStore) -> None:
    publish_version(store, BASE, DATASET, DATASET + "/v1", [b"<urn:a> <urn:b> <urn:c> .\n"])
    half_written = ox.NamedNode(DATASET + "/v2")
    store.bulk_load(b'<urn:x> <urn:y> "z" .\n', half_written)
    assert b"urn:x" not in union_ntriples(store, BASE)
    publish_version(store, BASE, DATASET, DATASET + "/v3", [b"<urn:a> <urn:b> <urn:e> .\n"])
    assert half_written not in set(store.named_graphs())


def test_the_previous_version_stays_and_older_ones_go(empty: Published) -> None:
    with empty.location.writer() as store:
        _previous_version_stays(store)


def _previous_version_stays(store: TripleStore) -> None:
    for n in (1, 2, 3):
        chunk = f"<urn:a> <urn:b> <urn:v{n}> .\n".encode()
        publish_version(store, BASE, DATASET, f"{DATASET}/v{n}", [chunk])
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {f"{DATASET}/v2", f"{DATASET}/v3", BASE + "catalog"}
    assert [g.value for g in published_graphs(store, BASE)] == [BASE + "catalog", f"{DATASET}/v3"]
    published = union_ntriples(store, BASE)
    assert b"urn:v3" in published and b"urn:v2" not in published


def test_a_store_in_use_gives_a_clear_error(tmp_path: Path) -> None:
    first = open_store(tmp_path / "store")
    publish_version(first, BASE, DATASET, DATASET + "/v1", [b"<urn:a> <urn:b> <urn:c> .\n"])
    where = re.escape(str(tmp_path / "store"))
    with pytest.raises(LoadError, match=f"^{where}: cannot open the store for writing, it is busy"):
        open_store(tmp_path / "store")
    # the refused second open leaves the first one's handle working, with its data
    assert b"<urn:a> <urn:b> <urn:c> ." in union_ntriples(first, BASE).splitlines()
