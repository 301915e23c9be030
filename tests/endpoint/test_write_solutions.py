"""Solutions under a row cap (``endpoint.formats.write_solutions``): below the cap the body is
what pyoxigraph writes for the whole result, in every format, whatever the values hold; at the
cap the result is cut after ``max_rows`` solutions and says so."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from endpoint.formats import FORMATS, write_solutions

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:says "plain", "tab\\there", "line\\nbreak", "quote \\" and \\\\ back"@en,
    "Καλημέρα"@el, "42"^^<http://www.w3.org/2001/XMLSchema#integer>, "emoji 🙂", _:b1 .
ex:b ex:says ex:a, "trailing space " .
"""
#: query -> rows it answers
CASES = {
    "SELECT ?s ?o WHERE { ?s ?p ?o }": 10,
    "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?none } }": 17,  # ex:a has 8
    "SELECT * WHERE { }": 1,  # one solution binding no variable
    "SELECT ?s WHERE { ?s <http://example.org/nothing> ?o }": 0,
    "SELECT ?t WHERE { BIND(<<( <http://example.org/a> <http://example.org/p> 1 )>> AS ?t) }": 1,
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("query", CASES)
@pytest.mark.parametrize("name", FORMATS["solutions"])
def test_below_the_cap_the_body_is_the_whole_result(store: ox.Store, query: str, name: str) -> None:
    fmt = FORMATS["solutions"][name][0]
    body, rows, truncated = write_solutions(store.query(query), 1000, fmt)
    assert (rows, truncated) == (CASES[query], False)
    whole = store.query(query).serialize(format=fmt)
    assert whole is not None
    assert body == whole


@pytest.mark.parametrize("cap", [0, 1, 3, 9, 10, 11])
def test_at_the_cap_the_result_is_cut_and_says_so(store: ox.Store, cap: int) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    body, rows, truncated = write_solutions(store.query(query), cap, ox.QueryResultsFormat.TSV)
    assert (rows, truncated) == (min(cap, 10), cap < 10)
    whole = store.query(query).serialize(format=ox.QueryResultsFormat.TSV)
    assert whole is not None
    assert body.splitlines() == whole.splitlines()[: cap + 1]
