"""The default graph readers query is the RDF merge of the published graphs (SPARQL 1.1 13.1),
kept by each commit in one hidden graph (``triplestore.merge``, issue #20): a triple held by
two graphs is one solution; the merge follows version switches, updates and Graph Store writes;
queries that set their own dataset keep it; the hidden graphs are never listed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from endpoint import execution
from endpoint.execution import Published, QueryError, QueryRequest, execute
from tests.backends import Published as Samples
from triplestore.backends import TripleStore
from triplestore.backends import sparql as sparql_backend
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore
from triplestore.backends.sparql import SparqlLocation
from triplestore.merge import HIDDEN, hidden_graphs, keep_merged, merge_graph, own_dataset
from triplestore.versions import (
    delete_graph,
    open_snapshot,
    open_store,
    post_graph,
    publish_version,
    published_graphs,
    put_graph,
    query,
    take_snapshot,
)

BASE = "https://example.org/id/"
CASES = yaml.safe_load((Path(__file__).parent / "merge-cases.yaml").read_text(encoding="utf-8"))
OBJECTS = "SELECT ?o WHERE { <urn:a> <urn:b> ?o }"
#: the objects reached from <urn:a> through a blank node (``blank`` steps)
THROUGH = "SELECT ?o WHERE { <urn:a> <urn:via> ?node . ?node <urn:b> ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { <urn:a> <urn:b> ?o } }"


def _ntriples(objects: list[str]) -> bytes:
    return "".join(f"<urn:a> <urn:b> <urn:{o}> .\n" for o in objects).encode()


def _through(objects: list[str], filler: int) -> bytes:
    """<urn:a> <urn:via> a blank node, then ``filler`` other triples, then the blank node's
    <urn:b> ``objects``: a graph longer than one request of a load puts them apart."""
    lines = ["<urn:a> <urn:via> _:node .\n"]
    lines += [f"<urn:filler{i}> <urn:p> <urn:q> .\n" for i in range(filler)]
    lines += [f"_:node <urn:b> <urn:{o}> .\n" for o in objects]
    return "".join(lines).encode()


def _graph(name: str | None) -> str | None:
    return name if name is None or name.startswith("urn:") else BASE + name


def _version(dataset: str, version: str) -> tuple[str, str]:
    return f"{BASE}dataset/{dataset}", f"{BASE}dataset/{dataset}/{version}"


def _apply(store: TripleStore, step: dict[str, Any]) -> None:
    """One step of a case (see merge-cases.yaml)."""
    (kind, value), *_ = step.items()
    if kind == "load":
        dataset, version = _version(value[0], value[1])
        publish_version(store, BASE, dataset, version, [_ntriples(value[2])])
    elif kind == "stage":
        _dataset, version = _version(value[0], value[1])
        store.bulk_load(_ntriples(value[2]), ox.NamedNode(version))
    elif kind == "update":
        store.update(value)
    elif kind in ("put", "post"):
        write = put_graph if kind == "put" else post_graph
        write(store, _graph(value[0]), _ntriples(value[1]))
    elif kind == "delete":
        delete_graph(store, _graph(value))
    elif kind == "blank":
        put_graph(store, _graph(value[0]), _through(value[1], value[2]))
    elif kind == "rebuild":
        store.remove_graph(ox.NamedNode(HIDDEN["state"].format(base=BASE)))
    else:
        raise ValueError(f"unknown step {kind}")


def _merged(store: TripleStore) -> set[ox.Triple]:
    return set(store.triples(ox.NamedNode(merge_graph(BASE))))


def _union(store: TripleStore) -> set[ox.Triple]:
    """The merge computed here: the default graph's triples and every published graph's."""
    graphs = [None, *published_graphs(store, BASE)]
    return {triple for graph in graphs for triple in store.triples(graph)}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_published_default_graph_after_changes(
    case: dict[str, Any], empty: Samples, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On each backend: Virtuoso keeps the merge with the same updates, its default graph being
    the graph that stands in for it (``triplestore.merge.default_pattern``). Its loads replace
    a graph 8 lines per request here (``blank`` steps write longer graphs): small graphs
    keep the updates well within the tests' Virtuoso time limit on a busy machine."""
    monkeypatch.setattr(sparql_backend, "REPLACE_LINES", 8)
    with empty.location.writer() as store:
        for step in case["steps"]:
            _apply(store, step)
            take_snapshot(store, empty.location, BASE)
            assert _merged(store) == _union(store), step
    _generation, snapshot = open_snapshot(empty.location)
    assert Published.of(snapshot, BASE).default == [ox.NamedNode(merge_graph(BASE))]
    rows = [row["o"].value.removeprefix("urn:") for row in query(snapshot, BASE, OBJECTS)]
    assert sorted(rows) == case["expect"]
    if "through" in case:
        rows = [row["o"].value.removeprefix("urn:") for row in query(snapshot, BASE, THROUGH)]
        assert sorted(rows) == case["through"]
    listed = {row["g"].value for row in query(snapshot, BASE, GRAPHS)}
    assert not listed & hidden_graphs(BASE)
    if "graphs" in case:
        assert listed == {_graph(name) for name in case["graphs"]}


@pytest.fixture
def snapshot(tmp_path: Path) -> Iterator[OxigraphStore]:
    """A published store: <urn:a> <urn:b> <urn:x> in a version and in a user graph, <urn:d> in
    the default graph."""
    store = open_store(tmp_path)
    publish_version(store, BASE, *_version("s", "v1"), [_ntriples(["x"])])
    post_graph(store, "urn:user", _ntriples(["x", "u"]))
    store.update("INSERT DATA { <urn:a> <urn:b> <urn:d> }")
    take_snapshot(store, tmp_path, BASE)
    _generation, snapshot = open_snapshot(tmp_path)
    assert isinstance(snapshot, OxigraphStore)
    yield snapshot


#: queries with their own dataset, the objects they see
OWN_DATASETS = [
    ("SELECT ?o FROM <urn:user> WHERE { <urn:a> <urn:b> ?o }", ["u", "x"]),
    ("select ?o from<urn:user>where{<urn:a> <urn:b> ?o}", ["u", "x"]),
    ("SELECT ?o FROM NAMED <urn:user> WHERE { GRAPH ?g { <urn:a> <urn:b> ?o } }", ["u", "x"]),
    ("SELECT ?o FROM NAMED <urn:user> WHERE { <urn:a> <urn:b> ?o }", []),
    (f"SELECT ?o FROM <{BASE}dataset/s/v1> WHERE {{ <urn:a> <urn:b> ?o }}", ["x"]),
    ('SELECT ?o WHERE { <urn:a> <urn:b> ?o FILTER(?o != "FROM <urn:user>") }', ["d", "u", "x"]),
    ("# FROM <urn:user>\nSELECT ?o WHERE { <urn:a> <urn:b> ?o }", ["d", "u", "x"]),
    # a prefix named like the keyword is no dataset clause (a stranger saw 0 rows)
    ("PREFIX from: <urn:> SELECT ?o WHERE { from:a from:b ?o }", ["d", "u", "x"]),
    ("PREFIX fromage: <urn:> SELECT ?o WHERE { fromage:a <urn:b> ?o }", ["d", "u", "x"]),
    ("PREFIX u: <urn:> SELECT ?o FROM u:user WHERE { <urn:a> <urn:b> ?o }", ["u", "x"]),
]


@pytest.mark.parametrize(("sparql", "objects"), OWN_DATASETS)
def test_a_query_that_sets_its_dataset_keeps_it(
    snapshot: OxigraphStore, sparql: str, objects: list[str]
) -> None:
    for rows in (query(snapshot, BASE, sparql), _executed(snapshot, QueryRequest(sparql, {}))):
        assert sorted(o.removeprefix("urn:") for o in rows_of(rows)) == objects


def rows_of(rows: Any) -> list[str]:
    return [row["o"].value if isinstance(row, ox.QuerySolution) else row for row in rows]


def _executed(store: OxigraphStore, request: QueryRequest) -> list[str]:
    """The objects ``execute`` answers (as a query worker does), from its TSV."""
    request = QueryRequest(request.sparql, {"solutions": "tsv"}, *_dataset(request))
    result = execute(store, Published.of(store, BASE), request, 1)
    lines = result.body.decode().splitlines()[1:]
    return [line.strip("<>") for line in lines]


def _dataset(request: QueryRequest) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    return request.default_graphs, request.named_graphs


@pytest.mark.parametrize(
    ("default", "named", "sparql", "objects"),
    [
        (("urn:user",), None, OBJECTS, ["u", "x"]),
        ((), ("urn:user",), "SELECT ?o WHERE { GRAPH ?g { <urn:a> <urn:b> ?o } }", ["u", "x"]),
        # the protocol's parameters win over the query's own FROM (SPARQL 1.1 Protocol 2.1.4)
        (
            ("urn:user",),
            None,
            "SELECT ?o FROM <urn:nothing> WHERE { <urn:a> <urn:b> ?o }",
            ["u", "x"],
        ),
        (None, None, OBJECTS, ["d", "u", "x"]),
    ],
)
def test_the_protocol_dataset_parameters(
    snapshot: OxigraphStore,
    default: tuple[str, ...] | None,
    named: tuple[str, ...] | None,
    sparql: str,
    objects: list[str],
) -> None:
    request = QueryRequest(sparql, {"solutions": "tsv"}, default, named)
    result = execute(snapshot, Published.of(snapshot, BASE), request, 1)
    rows = [line.strip("<>") for line in result.body.decode().splitlines()[1:]]
    assert sorted(o.removeprefix("urn:") for o in rows) == objects


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT (COUNT(*) AS ?n) FROM <{merge}> WHERE {{ ?s ?p ?o }}",
        "select (count(*) as ?n) from named <{merge}> where {{ graph ?g {{ ?s ?p ?o }} }}",
        "PREFIX c: <{base}> SELECT * FROM c:published-mutable WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM <urn:user> FROM # a comment\n <{base}published-state> {{ ?s ?p ?o }}",
    ],
)
def test_a_query_cannot_read_the_hidden_graphs_by_name(
    snapshot: OxigraphStore, sparql: str
) -> None:
    """Regression: a query's own FROM / FROM NAMED read the merge and its state by name."""
    text = sparql.format(merge=merge_graph(BASE), base=BASE)
    with pytest.raises(QueryError) as refused:
        execute(snapshot, Published.of(snapshot, BASE), QueryRequest(text, {}), 1)
    assert refused.value.status == 400 and "not published here" in refused.value.message


def test_graph_variables_never_list_the_hidden_graphs(snapshot: OxigraphStore) -> None:
    assert merge_graph(BASE) in {g.value for g in snapshot.named_graphs()}  # kept, not listed
    request = QueryRequest("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", {"solutions": "tsv"})
    result = execute(snapshot, Published.of(snapshot, BASE), request, 1)
    listed = {line.strip("<>") for line in result.body.decode().splitlines()[1:]}
    assert listed and not listed & hidden_graphs(BASE)


@pytest.mark.parametrize(
    ("sparql", "own"),
    [
        ("SELECT * FROM <urn:a> WHERE {}", True),
        ("SELECT*FROM<urn:a>{}", True),
        ("select * from named <urn:a> {}", True),
        ("SELECT * WHERE { ?s ?p 'FROM' }", False),
        ("SELECT ?from WHERE { ?from ?p ?o }", False),
        ("#FROM <urn:a>\nSELECT * {}", False),
        ("PREFIX from: <urn:x> SELECT * { ?s ?p ?o }", False),
        ("PREFIX FROM: <urn:x> SELECT * { FROM:a ?p ?o }", False),
    ],
)
def test_own_dataset(sparql: str, own: bool) -> None:
    assert own_dataset(sparql) is own


# ------------------------------------------------- the merge equals the set union, whatever

OBJECT = st.sampled_from(["o1", "o2", "o3", "o4"])
SOURCE = st.sampled_from(["s", "t"])
GRAPH = st.sampled_from([None, "urn:user", "urn:other"])
STEP = st.one_of(
    st.tuples(st.just("load"), SOURCE, st.lists(OBJECT, max_size=3)),
    st.tuples(st.just("put"), GRAPH, st.lists(OBJECT, max_size=3)),
    st.tuples(st.just("post"), GRAPH, st.lists(OBJECT, max_size=2)),
    st.tuples(st.just("delete"), GRAPH, st.just([])),
    st.tuples(st.just("rebuild"), st.just(None), st.just([])),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(STEP, min_size=1, max_size=3), min_size=1, max_size=5))
def test_the_kept_merge_is_the_union_of_the_published_graphs(
    commits: list[list[tuple[str, Any, list[str]]]],
) -> None:
    store = OxigraphStore(ox.Store())
    loads = 0
    for steps in commits:
        for kind, target, objects in steps:
            loads += 1
            if kind == "load":
                step: dict[str, Any] = {"load": [target, f"v{loads}", objects]}
            elif kind == "delete":
                step = {"delete": target}
            elif kind == "rebuild":
                step = {"rebuild": True}
            else:
                step = {kind: [target, objects]}
            _apply(store, step)
        keep_merged(store, BASE, published_graphs(store, BASE))
        assert _merged(store) == _union(store)


def test_an_external_store_reads_the_published_graphs_while_it_writes(empty: Samples) -> None:
    """Changes to an external store are visible when made: its writer, until its commit, reads
    the published graphs themselves (the hooks a commit runs first see the change); a reader
    reads the merge the last commit kept."""
    if not isinstance(empty.location, SparqlLocation):
        pytest.skip("the embedded store's writer is the primary database (its PENDING mark)")
    assert empty.location.keeps_merge
    with empty.location.writer() as store:
        publish_version(store, BASE, *_version("s", "v1"), [_ntriples(["x"])])
        take_snapshot(store, empty.location, BASE)
        assert store.merge_is_current()
        post_graph(store, "urn:user", _ntriples(["u"]))
        assert not store.merge_is_current()
        assert sorted(rows_of(query(store, BASE, OBJECTS))) == ["urn:u", "urn:x"]
        _generation, reader = open_snapshot(empty.location)
        assert rows_of(query(reader, BASE, OBJECTS)) == ["urn:x"]
        take_snapshot(store, empty.location, BASE)
    _generation, reader = open_snapshot(empty.location)
    assert sorted(rows_of(query(reader, BASE, OBJECTS))) == ["urn:u", "urn:x"]


def test_a_location_keeps_the_merge_in_its_snapshots(tmp_path: Path) -> None:
    assert OxigraphLocation(tmp_path).keeps_merge
    store = open_store(tmp_path)
    publish_version(store, BASE, *_version("s", "v1"), [_ntriples(["x"])])
    take_snapshot(store, tmp_path, BASE)
    publish_version(store, BASE, *_version("s", "v2"), [_ntriples(["y"])])
    take_snapshot(store, tmp_path, BASE)
    _generation, snapshot = open_snapshot(tmp_path)
    names = {g.value for g in snapshot.named_graphs()}
    assert merge_graph(BASE) in names and f"{BASE}dataset/s/v1" not in names
    objects = {t.object.value for t in _merged(snapshot) if t.subject.value == "urn:a"}
    assert objects == {"urn:y"} and _merged(snapshot) == _union(snapshot)


def test_a_store_without_the_merge_reads_the_published_graphs() -> None:
    """A store never committed with the data base holds no merge: its readers' default graph
    is its default graph and the published graphs, as before the merge."""
    store = OxigraphStore(ox.Store())
    post_graph(store, "urn:user", _ntriples(["x"]))
    seen = Published.of(store, BASE)
    assert seen.default == [ox.DefaultGraph(), ox.NamedNode("urn:user")]


V1 = f"{BASE}dataset/s/v1"


@pytest.mark.parametrize(
    ("default", "sparql", "objects"),
    [
        # <urn:x> is in both graphs: the merge holds it once (pyoxigraph's union gave it twice)
        (None, f"SELECT ?o FROM <{V1}> FROM <urn:user> WHERE {{ <urn:a> <urn:b> ?o }}", ["u", "x"]),
        ((V1, "urn:user"), "SELECT ?o WHERE { <urn:a> <urn:b> ?o }", ["u", "x"]),
        (None, f"SELECT (COUNT(*) AS ?o) FROM <{V1}> FROM <urn:user> {{ ?s ?p ?o }}", ["2"]),
        (
            None,
            f"SELECT ?o FROM <{V1}> FROM <urn:user> FROM NAMED <urn:user>"
            " WHERE { GRAPH <urn:user> { <urn:a> <urn:b> ?o } }",
            ["u", "x"],
        ),
        ((V1, V1), "SELECT ?o WHERE { <urn:a> <urn:b> ?o }", ["x"]),  # one graph named twice
    ],
)
def test_a_default_graph_of_several_graphs_is_their_merge(
    snapshot: OxigraphStore, default: tuple[str, ...] | None, sparql: str, objects: list[str]
) -> None:
    """Regression (a stranger's): FROM twice gave a union, each triple once per graph."""
    request = QueryRequest(sparql, {"solutions": "tsv"}, default, None if default is None else ())
    result = execute(snapshot, Published.of(snapshot, BASE), request, 1)
    rows = [line.strip("<>") for line in result.body.decode().splitlines()[1:]]
    assert sorted(o.removeprefix("urn:") for o in rows) == objects


def test_a_merge_too_large_to_copy_is_refused(
    snapshot: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execution, "MOST_MERGED", 2)
    sparql = f"SELECT ?o FROM <{V1}> FROM <urn:user> WHERE {{ <urn:a> <urn:b> ?o }}"
    with pytest.raises(QueryError) as refused:
        execute(snapshot, Published.of(snapshot, BASE), QueryRequest(sparql, {}), 1)
    assert refused.value.status == 400 and "name fewer graphs" in refused.value.message
