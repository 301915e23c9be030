"""Graphs only the loader writes (``triplestore.protected``): every spelling an update may use."""

from __future__ import annotations

import pickle

import pyoxigraph as ox
import pytest

from triplestore import protected
from triplestore.backends.sparql import RemoteStoreError, StoreUnavailable
from triplestore.protected import (
    ProtectedGraphs,
    ReadOtherwise,
    guard_update,
    protected_graph,
    protected_update,
    read_again,
)

BASE = "https://w3id.org/coworkmed/id/"
ME = "http://127.0.0.1:8000/sparql"
DEF = "https://w3id.org/coworkmed/def/"
T = "{ <urn:s> <urn:p> 1 }"

REFUSED = [
    f"INSERT DATA {{ GRAPH <{DEF}> {T} }}",
    f"insert data {{ graph <{DEF}cube> {T} }}",
    f"INSERT DATA {{ GRAPH <https://w3id.org/coworkmed/code/service> {T} }}",
    f"INSERT DATA {{ GRAPH <{DEF}Space> {T} }}",
    f"PREFIX cwm: <{DEF}> INSERT DATA {{ GRAPH cwm:anything {T} }}",
    f"INSERT DATA {{ GRAPH<https://w3id.org/coworkmed/code/new-list>{T} }}",
    f"COPY SILENT <urn:mine> TO <{DEF}x>",
    f"BASE <{DEF}> INSERT DATA {{ GRAPH <> {T} }}",
    f"PREFIX cwm: <{DEF}> INSERT DATA {{ GRAPH cwm: {T} }}",
    f"PREFIX d: <https://w3id.org/coworkmed/> INSERT DATA {{ GRAPH d:def\\/ {T} }}",
    f"PREFIX : <{BASE}> INSERT DATA {{ GRAPH :catalog {T} }}",
    f"BASE <{BASE}> INSERT DATA {{ GRAPH <catalog> {T} }}",
    f"BASE <{BASE}x/> INSERT DATA {{ GRAPH <../cube> {T} }}",
    f"INSERT DATA {{ GRAPH <{BASE}\\u0063atalog> {T} }}",
    f"INSERT DATA {{ GRAPH <{BASE}submissions> {T} }}",
    f"INSERT DATA {{ GRAPH <{BASE}dataset/fr-aura/2024-01-01> {T} }}",
    f"WITH <{BASE}catalog> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"LOAD <urn:x> INTO GRAPH <{DEF}>",
    f"CLEAR GRAPH <{DEF}>",
    f"DROP SILENT GRAPH <{BASE}catalog>",
    f"CREATE GRAPH <{BASE}cube>",
    f"ADD DEFAULT TO <{BASE}cube>",
    f"MOVE <{BASE}dataset/fr-aura/1> TO <urn:mine>",
    f"COPY <urn:mine> TO GRAPH <{DEF}>",
    f"INSERT DATA {{ GRAPH <urn:a> {T} }} ;# x\rCLEAR GRAPH <{DEF}>",
    "INSERT { GRAPH ?g { <urn:s> <urn:p> 1 } } WHERE { GRAPH ?g { } }",
    "INSERT{GRAPH$g{<urn:s> <urn:p> 1}}WHERE{GRAPH ?g {}}",
    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DELETE # x\r WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DELETEWHERE{GRAPH?g{?s ?p ?o}}",
    # found by a stranger: an update's WHERE reads replaced versions through GRAPH ?g
    "INSERT { GRAPH <urn:leak> { ?s ?p ?o } }"
    ' WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), "x")) }',
    "DELETE { GRAPH <urn:a> { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT { GRAPH <urn:a> { ?s ?p 1 } } WHERE { { GRAPH $g { ?s ?p ?o } } UNION { } }",
    "INSERT { GRAPH <urn:a> { ?s ?p 1 } } USING NAMED <urn:b> WHERE { GRAPH ?g { ?s ?p ?o } } ;"
    " INSERT { GRAPH <urn:a> { ?s ?p 1 } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT { GRAPH ?g { ?s ?p 1 } } USING NAMED <urn:b> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "WITH <urn:a> DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "INSERT { <urn:s> <urn:p> true GRAPH ?g { <urn:s> <urn:p> 1 } } WHERE { GRAPH ?g {} }",
    # a keyword glued to the name after it: pyoxigraph reads GRAPH and :catalog (regression)
    f"PREFIX : <{BASE}> INSERT DATA{{GRAPH:catalog{T}}}",
    f"PREFIX c: <{BASE}> INSERT DATA{{GRAPHc:catalog{T}}}",
    f"PREFIX c: <{BASE}> INSERT DATA{{graphc:dataset\\/x\\/1{T}}}",
    f"PREFIX c: <{DEF}> COPY <urn:mine> TOc:x",
    f"PREFIX : <{BASE}> ADD SILENT:cube TO <urn:mine>",
    f"PREFIX : <{BASE}> WITH:catalog DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    f"PREFIX : <{BASE}> INSERT {{ GRAPH <urn:a> {{ ?s ?p ?o }} }} USING:cube WHERE {{ ?s ?p ?o }}",
    f"PREFIX : <{BASE}> DROPSILENTGRAPH:catalog",
    # ... and a declaration glued to PREFIX (pyoxigraph reads PREFIX and c:)
    f"PREFIXc: <{BASE}> INSERT DATA {{ GRAPH c:catalog {T} }}",
    f"prefixc:<{BASE}>INSERT DATA{{GRAPHc:submissions{T}}}",
    # a prefix holding characters SPARQL's names take and Python's \w does not (stranger 101:
    # c、:catalog was read as c, 、 and :catalog, and the catalogue emptied)
    f"PREFIX c、: <{BASE}> CLEAR GRAPH c、:catalog",
    f"PREFIX c、: <{BASE}> INSERT DATA {{ GRAPH c、:catalog {T} }}",
    f"PREFIX c、: <{BASE}> WITH c、:catalog INSERT {{ ?s ?p 1 }} WHERE {{ ?s ?p ?o }}",
    f"PREFIX d。: <{DEF}> INSERT DATA {{ GRAPH d。: {T} }}",
    f"PREFIX ⁰: <{BASE}> DROP GRAPH ⁰:submissions",
    # the empty prefix declared by PREFIX glued to its ":" (stranger 102: not read as a
    # declaration, :catalog named no graph, and the catalogue was cleared)
    f"PREFIX:<{BASE}> CLEAR GRAPH :catalog",
    f"prefix:<{BASE}>INSERT DATA{{GRAPH:catalog{T}}}",
    f"PREFIX:<{DEF}> INSERT DATA {{ GRAPH : {T} }}",
    f'VERSION "1.2" PREFIX:<{BASE}> WITH :catalog INSERT {{ ?s ?p 1 }} WHERE {{}}',
    f"INSERT DATA {T} ;\nPREFIX:<{BASE}dataset/> INSERT DATA {{ GRAPH :x {T} }}",
    f"PREFIX : <urn:other/> PREFIX:<{BASE}> ADD DEFAULT TO :catalog",
    # a reference with an authority keeps its dot segments, as the engine reads it (stranger
    # 102: the scanner removed them, and a graph was made inside the vocabulary's namespace)
    f"BASE <https://x.example/> INSERT DATA {{ GRAPH <//w3id.org/coworkmed/code/../n5> {T} }}",
    f"BASE <https://x.example/> PREFIX d: <//w3id.org/coworkmed/def/../>"
    f" INSERT DATA {{ GRAPH d:e {T} }}",
    # Virtuoso's own update syntax, sent to it as it is (stranger 104)
    f"MODIFY <{BASE}catalog> DELETE {{}} INSERT {{ <urn:e> <urn:p> 1 }}",
    f"INSERT IN <{BASE}catalog> {T}",
    f"INSERT INTO GRAPH IDENTIFIED BY <{DEF}> {T}",
    f"PREFIX c: <{BASE}> MODIFY c:catalog DELETE {{}} INSERT {{ <urn:e> <urn:p> 1 }}",
    f"DELETE FROM <{BASE}catalog> {T}",
    # a BASE with dot segments: the engine keeps them (stranger 104)
    f"BASE <https://w3id.org/coworkmed/def/../s/> INSERT DATA {{ GRAPH <evil> {T} }}",
    # reading a replaced version or the merge by name
    f"INSERT {{ GRAPH <urn:a> {{ ?s ?p ?o }} }} USING <{BASE}dataset/fr-aura/1>"
    " WHERE { ?s ?p ?o }",
    f"INSERT {{ GRAPH <urn:a> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{BASE}published> {{ ?s ?p ?o }} }}",
]
ALLOWED = [
    f"INSERT DATA {{ GRAPH <urn:mine> {{ <urn:s> a <{DEF}Space> }} }}",
    f"PREFIX cwm: <{DEF}> INSERT DATA {{ GRAPH <urn:mine> {{ <urn:s> a cwm:Space }} }}",
    "INSERT DATA { GRAPH <urn:mine> { <urn:s> <urn:p> <https://w3id.org/coworkmed/code/x/y> } }",
    f"INSERT DATA {T}",
    "CLEAR DEFAULT",
    f'INSERT DATA {{ GRAPH <urn:a> {{ <urn:s> <urn:p> "<{DEF}>" }} }}',
    f"INSERT DATA {{ GRAPH <urn:a> {T} }} # GRAPH <{DEF}>\n",
    "DROP ALL",  # limited to the unprotected graphs by guard_update
    "INSERT { GRAPH <urn:a> { ?s ?p 1 } } USING NAMED <urn:b> WHERE { GRAPH ?g { ?s ?p ?o } }",
    # a protected graph's IRI as a term of a triple names no graph (a stranger's false 403)
    f"INSERT DATA {{ GRAPH <urn:mine> {{ <urn:s> <http://www.w3.org/ns/prov#wasDerivedFrom>"
    f" <{BASE}dataset/fr-aura/2024-01-01> }} }}",
    f"PREFIX : <{BASE}> INSERT DATA {{ <urn:s> <http://purl.org/dc/terms/isPartOf> :catalog }}",
    f"INSERT DATA {{ <urn:s> <urn:p> <{BASE}published> ; <urn:q> <{DEF}> }}",
    f"PREFIX to: <{BASE}> INSERT DATA {{ GRAPH <urn:mine> {{ <urn:s> <urn:p> to:x }} }}",
    # ":" declared again by PREFIX glued to it: the engine writes <urn:x:catalog>
    f"PREFIX : <{BASE}> PREFIX:<urn:x:> INSERT DATA {{ GRAPH :catalog {T} }}",
    # PREFIX: is a name where no declaration can stand (a DESCRIBE's list, an operation)
    f"PREFIX PREFIX: <urn:x:> PREFIX : <urn:y:> INSERT DATA {{ GRAPH :catalog {T} }}",
]


@pytest.mark.parametrize("update", REFUSED, ids=range(len(REFUSED)))
def test_an_update_may_not_write_a_protected_graph(update: str) -> None:
    assert protected_update(update, BASE, ME) is not None
    with pytest.raises(ProtectedGraphs):
        guard_update(update, BASE, ME, [])
    with pytest.raises((ProtectedGraphs, ReadOtherwise)):  # the second reading, by itself
        read_again(update, BASE, ME)


@pytest.mark.parametrize("update", ALLOWED, ids=range(len(ALLOWED)))
def test_other_updates_pass(update: str) -> None:
    assert protected_update(update, BASE, ME) is None
    guard_update(update, BASE, ME, [])
    read_again(update, BASE, ME)


@pytest.mark.parametrize("update", ["CLEAR ALL", "DROP SILENT NAMED ; CLEAR ALL"])
def test_a_wide_operation_the_scanner_missed_is_refused(
    update: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second reading counts the wide CLEAR/DROP the scanner found (and the server wrote
    out graph by graph): one it did not find would run as written, over every graph."""
    read_again(update, BASE, ME)
    monkeypatch.setattr(protected, "wide_operations", lambda _update: [])
    with pytest.raises(ProtectedGraphs, match="read otherwise"):
        read_again(update, BASE, ME)


@pytest.mark.parametrize(
    "update", ["DROP ALL", "clear silent named", "DROP SILENT ALL", "CLEAR ALL ; CLEAR DEFAULT"]
)
def test_wide_clear_and_drop_spare_the_protected_graphs(update: str) -> None:
    store = ox.Store()
    kept = [DEF, f"{BASE}catalog", f"{BASE}dataset/fr-aura/1"]
    kept += [f"{BASE}territory", f"{BASE}sources", f"{BASE}links"]  # regression: issue #20
    graphs = [*kept, "urn:mine", "urn:yours"]
    for graph in graphs:
        store.add(
            ox.Quad(
                ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("1"), ox.NamedNode(graph)
            )
        )
    store.update(guard_update(update, BASE, ME, graphs))
    left = {quad.graph_name.value for quad in store}
    assert left == set(kept)


#: an update whose earlier operations write graphs the store did not hold, then a wide one:
#: the graphs it leaves (``INSERT … GRAPH <g> … ; DROP NAMED`` left ``<g>``, stranger 115)
MADE_THEN_WIDE = {
    "INSERT { GRAPH <urn:new> { <urn:s> <urn:p> 1 } } WHERE { } ; DROP NAMED": set(),
    "INSERT DATA { GRAPH <urn:new> { <urn:s> <urn:p> 1 } } ; DROP SILENT ALL": set(),
    "PREFIX n: <urn:n:> INSERT DATA { GRAPH n:g { <urn:s> <urn:p> 1 } } ; CLEAR NAMED": set(),
    "WITH <urn:new> INSERT { <urn:s> <urn:p> 1 } WHERE { } ; DROP NAMED": set(),
    "COPY <urn:mine> TO <urn:copy> ; DROP NAMED": set(),
    "DROP NAMED ; INSERT DATA { GRAPH <urn:after> { <urn:s> <urn:p> 1 } }": {"urn:after"},
}


@pytest.mark.parametrize("update", list(MADE_THEN_WIDE))
def test_a_wide_operation_reaches_the_graphs_made_before_it(update: str) -> None:
    store = ox.Store()
    quad = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("1"), ox.NamedNode(DEF))
    store.add(quad)
    store.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.NamedNode("urn:mine")))
    store.update(guard_update(update, BASE, ME, [DEF, "urn:mine"]))
    assert {q.graph_name.value for q in store} == {DEF, *MADE_THEN_WIDE[update]}


@pytest.mark.parametrize("update", ["CLEARALL", "DROP SILENTALL", "DROPNAMED", "clear silentNAMED"])
def test_a_glued_wide_operation_is_refused(update: str) -> None:
    with pytest.raises(ProtectedGraphs):
        guard_update(update, BASE, ME, ["urn:mine"])


@pytest.mark.parametrize(
    ("graph", "protected"),
    [
        (DEF, True),
        (f"{DEF}cube", True),
        ("https://w3id.org/coworkmed/code/space-kind", True),
        (f"{BASE}catalog", True),
        (f"{BASE}cube", True),
        (f"{BASE}submissions", True),
        (f"{BASE}dataset/x/1", True),
        (f"{BASE}territory", False),  # written by name; spared by wide CLEAR/DROP (below)
        (f"{BASE}graph/1234", False),
        (f"{DEF}Space", True),  # as a graph: nothing may be slipped into the namespace
        ("https://w3id.org/coworkmed/code/new-list", True),
        (None, False),
    ],
)
def test_the_protected_graphs(graph: str | None, protected: bool) -> None:
    assert (protected_graph(graph, BASE) is not None) is protected


def test_a_vocabulary_term_is_only_mentioned() -> None:
    """Terms live in the vocabulary's namespaces: as a term, an IRI there is no graph."""
    assert protected_graph(f"{DEF}Space", BASE, as_graph=False) is None
    assert protected_graph(DEF, BASE, as_graph=False) is not None
    assert protected_graph(f"{BASE}dataset/x/1", BASE, as_graph=False) is not None


@pytest.mark.parametrize(
    "error",
    [
        ProtectedGraphs("<urn:x> is the catalogue"),
        RemoteStoreError(502, "the store failed"),
        StoreUnavailable("the store is down", transient=True),
    ],
    ids=["protected", "remote", "unavailable"],
)
def test_errors_of_an_update_worker_come_back_whole(error: Exception) -> None:
    """An update runs in a worker (``triplestore.versions.write_confined``): its errors are
    pickled."""
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and back.args == error.args
    assert back.__dict__ == error.__dict__
