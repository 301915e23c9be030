"""Regression (issue #20, Virtuoso): after a sequence of writes like the endpoint's
(tests/endpoint/test_writes.py: Graph Store PUT / POST / DELETE, updates of the default graph,
a copy of the cube's structure written to a user graph then deleted) and after the samples are
put back, the merge readers query is the union of the published graphs, and the cube still
meets ic-03 (its structure's components lost their measures on Virtuoso: loads cut a graph
into requests that made one blank node two)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from tests.backends import BASE, Published, writable_copy
from triplestore.backends import StoreLocation, TripleStore
from triplestore.merge import merge_graph
from triplestore.versions import (
    delete_graph,
    open_snapshot,
    post_graph,
    published_graphs,
    put_graph,
    query,
    take_snapshot,
)

ROOT = Path(__file__).parents[2]
IC03 = (ROOT / "ontology" / "qc" / "cube" / "ic-03-structure-has-a-measure.rq").read_text()
CUBE_STRUCTURE = ox.NamedNode("https://w3id.org/coworkmed/def/cube")
USER = "https://example.org/graphs/people"
PERSON = b'<urn:p1> <urn:name> "Ana"@hr .\n<urn:p1> <urn:address> _:a .\n_:a <urn:city> "Split" .\n'


def _check(location: StoreLocation, step: str) -> None:
    """What readers see: the merge is the union of the published graphs; ic-03 holds."""
    _generation, store = open_snapshot(location)
    merged = set(store.triples(ox.NamedNode(merge_graph(BASE))))
    graphs = [None, *published_graphs(store, BASE)]
    union = {triple for graph in graphs for triple in store.triples(graph)}
    assert merged == union, (step, len(merged - union), len(union - merged))
    assert not query(store, BASE, IC03), step


def _structure(store: TripleStore) -> bytes:
    return ox.serialize(store.triples(CUBE_STRUCTURE), format=ox.RdfFormat.N_TRIPLES) or b""


#: the writes, each committed: (name, what it does to the writer's store)
WRITES: list[tuple[str, Any]] = [
    ("put a user graph", lambda s: put_graph(s, USER, PERSON)),
    ("post to it", lambda s: post_graph(s, USER, b'<urn:p2> <urn:name> "Ivo" .\n')),
    ("the structure in it", lambda s: post_graph(s, USER, _structure(s))),
    ("update the default", lambda s: s.update('INSERT DATA { <urn:d> <urn:p> "x" }')),
    ("put the default", lambda s: put_graph(s, None, PERSON)),
    ("delete the user graph", lambda s: delete_graph(s, USER)),
    ("clear the default", lambda s: s.update("CLEAR DEFAULT")),
]


@pytest.fixture
def samples(
    request: pytest.FixtureRequest, published: Published, tmp_path: Path
) -> Iterator[tuple[Published, Any]]:
    """The samples to change, and how to put them back (Virtuoso; None on Oxigraph)."""
    back = None if published.backend == "oxigraph" else request.getfixturevalue("virtuoso_samples")
    with writable_copy(published, tmp_path, back) as store:
        yield store, back


def test_the_merge_stays_the_union_through_writes_and_a_reset(
    samples: tuple[Published, Any],
) -> None:
    store, back = samples
    _check(store.location, "the samples")
    for name, change in WRITES:
        with store.location.writer() as writer:
            change(writer)
            take_snapshot(writer, store.location, BASE)
        _check(store.location, name)
    if back is not None:
        back.reset()
        _check(store.location, "the samples put back")
        back.reset()
        with store.location.writer() as writer:
            put_graph(writer, USER, PERSON)
            take_snapshot(writer, store.location, BASE)
        _check(store.location, "a write after the samples were put back")
