"""A graph answer in a format that cannot write it (``endpoint.execution``): JSON-LD and RDF
1.2's triple terms were a 400 saying the query could not be evaluated, though the query was
right and other formats write it (stranger 48); a 406 names the formats there are."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from endpoint.execution import Published, QueryError, QueryRequest, execute
from endpoint.formats import FORMATS
from triplestore.backends.oxigraph import OxigraphStore

#: CONSTRUCTs of a triple term, written three ways
TRIPLE_TERMS = {
    "a triple term": "CONSTRUCT { <urn:a> <urn:b> <<( <urn:c> <urn:d> <urn:e> )>> } WHERE {}",
    "a reifier": "CONSTRUCT { <urn:a> <urn:b> <urn:c> ~ <urn:r> } WHERE {}",
    "an annotation": "CONSTRUCT { <urn:a> <urn:b> <urn:c> {| <urn:d> 1 |} } WHERE {}",
}
NOWHERE = Published([], [ox.DefaultGraph()])


def _answer(query: str, name: str) -> bytes:
    request = QueryRequest(query, {"graph": name})
    return execute(OxigraphStore(ox.Store()), NOWHERE, request, 1).body


@pytest.mark.parametrize("query", TRIPLE_TERMS.values(), ids=list(TRIPLE_TERMS))
def test_a_format_that_cannot_write_the_graph_is_a_406_naming_those_that_can(query: str) -> None:
    with pytest.raises(QueryError) as refused:
        _answer(query, "jsonld")
    assert refused.value.status == 406
    assert "text/turtle" in refused.value.message
    assert "application/ld+json" not in refused.value.message.split("ask for:")[1]


@pytest.mark.parametrize("name", [name for name in FORMATS["graph"] if name != "jsonld"])
def test_the_other_formats_write_a_triple_term(name: str) -> None:
    assert _answer(TRIPLE_TERMS["a triple term"], name)
