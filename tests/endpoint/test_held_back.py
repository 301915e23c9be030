"""Researchers' queries held back from the dashboard (bench/held-back/*.rq, issue #20) answered
over /sparql exactly as pyoxigraph answers them in process over the same published data: the
published graphs copied into an in-memory store and asked with the default graph named graph by
graph, the SPARQL dataset the endpoint serves. On a store where a dataset version was replaced,
so that the replaced graph must stay out of the default graph, on both backends."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from endpoint.execution import QueryRequest
from tests.backends import Published
from tests.endpoint.test_exposure import BASE, Replaced
from triplestore.backends.oxigraph import OxigraphStore
from triplestore.merge import hidden_graphs, merge_graph
from triplestore.versions import default_dataset, open_snapshot, published_graphs

ROOT = Path(__file__).parents[2]
QUERIES = sorted((ROOT / "bench" / "held-back").glob("*.rq"))
JSON = "application/sparql-results+json"
#: numbers are compared to this many significant digits (engines round averages differently)
DIGITS = 12
Row = tuple[str, ...]


@pytest.fixture(scope="module")
def replaced(writable_module: Published, tmp_path_factory: pytest.TempPathFactory) -> Replaced:
    found = Replaced(writable_module, tmp_path_factory.mktemp("held-back"))
    yield found
    found.app.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def app(replaced: Replaced) -> Flask:
    return replaced.app


@pytest.fixture(scope="module")
def in_process(replaced: Replaced, writable_module: Published) -> tuple[ox.Store, list]:
    """The published data copied into an in-memory pyoxigraph store, and its published graphs."""
    _generation, store = open_snapshot(writable_module.location)
    published = published_graphs(store, BASE)
    assert ox.NamedNode(replaced.old) not in published
    memory = ox.Store()
    for graph in [None, *published]:
        name = ox.DefaultGraph() if graph is None else graph
        memory.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in store.triples(graph))
    return memory, published


def _cell(term: object) -> str:
    """A term as compared: numbers by value (to DIGITS digits), the rest as N-Triples."""
    if isinstance(term, ox.Literal) and term.datatype.value.endswith(
        ("#integer", "#decimal", "#double", "#float")
    ):
        try:
            return f"{Decimal(term.value):.{DIGITS}g}"
        except InvalidOperation:
            return str(term)
    return "" if term is None else str(term)


def _rows(solutions: ox.QuerySolutions) -> Counter[Row]:
    names = [variable.value for variable in solutions.variables]
    return Counter(tuple(_cell(solution[name]) for name in names) for solution in solutions)


def _over_sparql(live: str, sparql: str) -> Counter[Row]:
    body = urllib.parse.urlencode({"query": sparql}).encode()
    request = urllib.request.Request(f"{live}/sparql", body, {"Accept": JSON})
    with urllib.request.urlopen(request, timeout=600) as response:
        assert response.status == 200
        answer = response.read()
    solutions = ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    return _rows(solutions)


@pytest.mark.parametrize("path", QUERIES, ids=[path.stem for path in QUERIES])
def test_sparql_answers_as_in_process(
    live: str, in_process: tuple[ox.Store, list], path: Path
) -> None:
    memory, published = in_process
    sparql = path.read_text(encoding="utf-8")
    dataset = default_dataset(published)
    expected = memory.query(sparql, default_graph=dataset, named_graphs=published)
    assert isinstance(expected, ox.QuerySolutions)
    wanted = _rows(expected)
    assert wanted, f"{path.name} finds nothing in the samples: it tests nothing"
    assert _over_sparql(live, sparql) == wanted


def test_the_queries_are_many(replaced: Replaced) -> None:
    """At least eight held-back queries, each a SELECT the endpoint accepts."""
    assert len(QUERIES) >= 8
    assert all(QueryRequest(path.read_text(), {}).sparql.strip() for path in QUERIES)


def test_a_snapshot_holds_only_published_graphs(
    replaced: Replaced, writable_module: Published
) -> None:
    """The replaced version stays in the primary database but not in the snapshot readers
    open, which holds the published graphs and the merge of them that readers query as their
    default graph (``triplestore.merge``), so that a query's own FROM cannot name it."""
    if writable_module.backend != "oxigraph":
        pytest.skip("an external store's readers name the published graphs")
    _generation, snapshot = open_snapshot(writable_module.location)
    assert isinstance(snapshot, OxigraphStore)
    published = published_graphs(snapshot, BASE)
    names = {graph.value for graph in snapshot.raw.named_graphs()}
    assert names - {graph.value for graph in published} <= hidden_graphs(BASE)
    assert merge_graph(BASE) in names and replaced.old not in names
    with writable_module.location.writer() as primary:
        assert ox.NamedNode(replaced.old) in primary.named_graphs()
