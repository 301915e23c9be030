"""A graph replaced in the embedded store holds exactly the new triples; only what differs is
written, and nothing when nothing differs, however its values are written (replace-cases.yaml);
triples added that the graph holds change nothing either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from triplestore.backends.oxigraph import OxigraphStore

CASES = yaml.safe_load((Path(__file__).parent / "replace-cases.yaml").read_text(encoding="utf-8"))
GRAPH = "urn:x:graph"


def _held(store: OxigraphStore, graph: ox.NamedNode | None) -> set[str]:
    """The graph's triples, blank nodes all written ``_:b`` (a blank node's label is no part of
    the graph)."""
    name = ox.DefaultGraph() if graph is None else graph
    return {
        str(ox.Triple(*(ox.BlankNode("b") if isinstance(t, ox.BlankNode) else t for t in q.triple)))
        for q in store.raw.quads_for_pattern(None, None, None, name)
    }


def _lines(triples: list[str]) -> bytes:
    return "".join(f"{line}\n" for line in triples).encode("utf-8")


def _parsed(ntriples: bytes) -> set[str]:
    store = OxigraphStore(ox.Store())
    store.raw.load(ntriples, ox.RdfFormat.N_TRIPLES)
    return _held(store, None)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_replaced_graph_holds_the_new_triples(case: dict[str, Any], tmp_path: Path) -> None:
    marker = tmp_path / "PENDING"
    store = OxigraphStore(ox.Store(), marker)
    graph = ox.NamedNode(case.get("graph", GRAPH)) if case.get("graph", GRAPH) else None
    if case["before"] is not None:
        name = ox.DefaultGraph() if graph is None else graph
        store.raw.load(_lines(case["before"]), ox.RdfFormat.N_TRIPLES, to_graph=name)
        if graph is not None:
            store.raw.add_graph(graph)
    if case.get("operation") == "add":  # a POST: the triples added to what it holds
        store.add_triples(graph, _lines(case["after"]))
        held = [] if case["before"] is None else case["before"]
        expected = _parsed(_lines([*held, *case["after"]]))
    else:
        store.replace_graph(graph, _lines(case["after"]))
        expected = _parsed(_lines(case["after"]))
    assert _held(store, graph) == expected
    assert graph is None or store.raw.contains_named_graph(graph)
    assert marker.exists() is case["changed"]
