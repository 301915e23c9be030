"""A query sent to an external store names the dataset's named graphs only when it may read
them (``triplestore.backends.sparql.reads_named_graphs``): a GRAPH pattern anywhere, or a
DESCRIBE. The answers are checked against a real Virtuoso by the external-store and W3C
protocol suites; here, which texts count as reading named graphs."""

from __future__ import annotations

import pytest

from triplestore.backends.sparql import reads_named_graphs

CASES = [
    ("SELECT ?s { ?s ?p ?o }", False),
    ("ASK { <urn:a> <urn:b> 'GRAPH' }", False),  # a string is not a pattern
    ("SELECT ?s { ?s ?p ?o } # GRAPH ?g { }", False),  # nor a comment
    ("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", True),
    ("select ?g where { graph <urn:g> { ?s ?p ?o } }", True),
    ("SELECT ?s { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }", True),
    ("SELECT * { { SELECT ?g { GRAPH ?g {} } } }", True),
    ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("DESCRIBE <urn:x>", True),
    ("PREFIX graph: <urn:g#> SELECT ?s { ?s graph:p ?o }", True),  # looks like one: sent
]


@pytest.mark.parametrize(("query", "reads"), CASES, ids=[c[0][:40] for c in CASES])
def test_named_graphs_are_sent_only_to_queries_that_may_read_them(query: str, reads: bool) -> None:
    assert reads_named_graphs(query) is reads
