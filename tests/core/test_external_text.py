"""The rewrites a query gets before it goes to an external store (issue #20: Virtuoso gave
other answers than the standard's) keep its meaning: pyoxigraph, which follows the standard,
answers the rewritten text as it answers the original (``core.sparql_text``:
``absolute_iris``, ``without_dataset_clauses``, ``empty_graph_patterns``)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from core.sparql_text import (
    absolute_iris,
    edited,
    empty_graph_patterns,
    explicit_separators,
    without_dataset_clauses,
)

BASE = "https://example.org/a/b/"
EX = "https://example.org"
DATA = f"""
<{EX}/a/b/s> <{EX}/a/p> <{EX}/o> <{EX}/a/b/g1> .
<{EX}/a/b/s> <{EX}/a/p> "GRAPH <x> {{}}" <{EX}/a/g2> .
<{EX}/s2> <{EX}/a/b/q> _:b <{EX}/a/b/g1> .
<{EX}/x/s> <{EX}/x/p> <{EX}/x/o> .
"""
NAMED = ["https://example.org/a/b/g1", "https://example.org/a/g2", "https://example.org/empty"]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    held = ox.Store()
    held.load(DATA.encode(), format=ox.RdfFormat.N_QUADS)
    return held


def _answer(store: ox.Store, text: str, **dataset: object) -> object:
    found = store.query(text, **dataset)  # type: ignore[arg-type]
    if isinstance(found, ox.QueryBoolean):
        return bool(found)
    if isinstance(found, ox.QuerySolutions):
        return sorted(repr(sorted((v.value, str(s[v])) for v in found.variables)) for s in found)
    return sorted(str(t) for t in found)


RELATIVE = [
    "SELECT ?o WHERE { GRAPH <g1> { <s> <../p> ?o } }",
    "BASE <https://example.org/x/> SELECT * WHERE { <s> <p> ?o }",
    "BASE <../> PREFIX p: <p> SELECT ?o WHERE { GRAPH ?g { <b/s> p: ?o } }",
    "PREFIX p: <../> BASE <https://example.org/x/> SELECT ?o WHERE { GRAPH ?g { ?s p:p ?o } }",
    "BASE <https://example.org/> BASE <x/> SELECT ?o WHERE { <s> <p> ?o }",
    'SELECT ?s WHERE { GRAPH ?g { ?s ?p "GRAPH <x> {}" } } # <relative>',
    "ASK { GRAPH <g1> { <s> ?p <https://example.org/o> } }",
    "CONSTRUCT { <new> <../p> ?o } WHERE { GRAPH <g1> { <s> ?p ?o } }",
    "SELECT ?s WHERE { GRAPH <g1> { ?s <q> ?o } }",
]


@pytest.mark.parametrize("query", RELATIVE)
def test_relative_iris_written_absolute_keep_the_answer(store: ox.Store, query: str) -> None:
    rewritten = absolute_iris(query, BASE)
    assert "BASE" not in rewritten.upper().split("#")[0]
    every = {"use_default_graph_as_union": True}
    assert _answer(store, rewritten, **every) == _answer(store, query, base_iri=BASE, **every)


OWN_DATASET = [
    "SELECT ?o FROM <https://example.org/a/b/g1> WHERE { ?s ?p ?o }",
    "SELECT ?g FROM NAMED <https://example.org/a/g2> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "select ?o from # a comment\n <https://example.org/a/g2> where { ?s ?p ?o }",
    "PREFIX from: <https://example.org/a/> SELECT ?o FROM from:g2 WHERE { ?s ?p ?o }",
    'SELECT ?o WHERE { ?s ?p ?o FILTER(?o != "FROM <x>") }',
]


@pytest.mark.parametrize("query", OWN_DATASET)
def test_a_dataset_given_answers_alike_with_or_without_the_querys_own(
    store: ox.Store, query: str
) -> None:
    given = {
        "default_graph": [ox.NamedNode("https://example.org/a/b/g1")],
        "named_graphs": [ox.NamedNode("https://example.org/a/g2")],
    }
    stripped = without_dataset_clauses(query)
    assert "FROM" not in stripped.upper().replace("FROM:", "").split("WHERE")[0]
    assert _answer(store, stripped, **given) == _answer(store, query, **given)


EMPTY_GRAPHS = [
    "SELECT ?g WHERE { GRAPH ?g { } }",
    "ASK { GRAPH <https://example.org/none> {} }",
    "ASK { GRAPH <https://example.org/a/g2> { } }",
    f"SELECT ?g WHERE {{ VALUES ?g {{ <{EX}/none> <{EX}/a/g2> }} GRAPH ?g {{}} }}",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ GRAPH <{EX}/none> {{}} }} UNION {{ GRAPH ?g {{}} }} }}",
    "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",  # not empty: left as it is
    "SELECT ?s WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?s { } } }",
    "SELECT ?g WHERE { GRAPH ?g { # nothing here\n } }",
]


@pytest.mark.parametrize("query", EMPTY_GRAPHS)
def test_empty_graph_patterns_written_out_keep_the_answer(store: ox.Store, query: str) -> None:
    named = [ox.NamedNode(graph) for graph in NAMED]
    dataset = {"default_graph": [ox.DefaultGraph()], "named_graphs": named}
    rewritten = empty_graph_patterns(query, NAMED)
    assert (rewritten != query) == ("?o }" not in query)  # each empty one is written out
    assert _answer(store, rewritten, **dataset) == _answer(store, query, **dataset)


#: rewrites whose edits were made one by one from the end of the text (each a copy of the whole
#: text: quadratic), now joined once (``core.sparql_text.edited``): text -> rewritten
EDITS_OUT_OF_ORDER = {
    # the outer call's edit comes first in the list, after the inner's in the text: the
    # separator was written inside the inner call twice ("?b; ; SEPARATOR=...")
    "GROUP_CONCAT inside another": (
        "SELECT (GROUP_CONCAT(STR(GROUP_CONCAT(?b))) AS ?y) {}",
        'SELECT (GROUP_CONCAT(STR(GROUP_CONCAT(?b; SEPARATOR=" ")); SEPARATOR=" ") AS ?y) {}',
    ),
    "two calls side by side": (
        "SELECT (GROUP_CONCAT(?a) AS ?x) (GROUP_CONCAT(?b) AS ?y) {}",
        'SELECT (GROUP_CONCAT(?a; SEPARATOR=" ") AS ?x) (GROUP_CONCAT(?b; SEPARATOR=" ") AS ?y) {}',
    ),
}


@pytest.mark.parametrize(
    ("text", "rewritten"), EDITS_OUT_OF_ORDER.values(), ids=list(EDITS_OUT_OF_ORDER)
)
def test_edits_are_made_where_they_stand_whatever_their_order(text: str, rewritten: str) -> None:
    assert explicit_separators(text) == rewritten


def test_edits_are_taken_in_the_texts_order_and_inserts_keep_theirs() -> None:
    edits = [(6, 7, "X"), (0, 0, "a"), (0, 0, "b"), (3, 5, ""), (7, 7, "!")]
    assert edited("0123456789", edits) == "ab0125X!789"


def test_many_relative_iris_are_each_made_absolute() -> None:
    """20,000 edits in one text (a copy of the whole text per edit made 50,000 take 15.7 s)."""
    text = "SELECT * WHERE { VALUES ?x { " + "<s> " * 20_000 + "} }"
    assert absolute_iris(text, BASE) == text.replace("<s>", f"<{BASE}s>")
