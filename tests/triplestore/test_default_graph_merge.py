"""The default graph readers query is the RDF merge of the published graphs (SPARQL 1.1 13.1):
a triple held by two graphs is one solution, not two (issue #20, left open: pyoxigraph's union
default graph, and a list of default graphs, give a solution per graph; CONSTRUCT merges)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from triplestore.backends.oxigraph import OxigraphStore
from triplestore.versions import default_dataset

GRAPHS = [ox.NamedNode("urn:coworkmed:test:a"), ox.NamedNode("urn:coworkmed:test:b")]
TRIPLE = (ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"))


def _store() -> OxigraphStore:
    raw = ox.Store()
    for graph in GRAPHS:
        raw.add(ox.Quad(*TRIPLE, graph))
    return OxigraphStore(raw)


def test_a_construct_over_the_published_default_graph_merges() -> None:
    answer = _store().query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        default_graph=default_dataset(GRAPHS),
        named_graphs=GRAPHS,
    )
    assert len(list(answer)) == 1


@pytest.mark.xfail(strict=True, reason="issue #20: a solution per graph (to be materialised)")
def test_a_select_over_the_published_default_graph_sees_a_triple_once() -> None:
    answer = _store().query(
        "SELECT * WHERE { ?s ?p ?o }", default_graph=default_dataset(GRAPHS), named_graphs=GRAPHS
    )
    assert len(list(answer)) == 1
