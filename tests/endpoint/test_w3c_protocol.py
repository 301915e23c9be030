"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol test suites, run against a live server.

The manifests (``../shared/w3c``, copied from w3c/rdf-tests) describe each test as HTTP
requests and the responses expected: status, boolean result, result format, content type, graph.
Every request is sent as written, over a real socket, to ``coworkmed``'s app served by waitress
on loopback, over a store of its own; writes carry the update token. Before each test the store
is emptied (``DROP ALL``) and the test's data loaded, through the protocol itself.
"""

from __future__ import annotations

import http.client
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import BACKENDS, Published, oxigraph_published

W3C = Path(__file__).parents[3] / "shared" / "w3c"
MANIFESTS = {
    "protocol": W3C / "protocol-manifest.ttl",
    "graph-store-direct": W3C / "graph-store-protocol" / "manifest-direct.ttl",
    "graph-store-indirect": W3C / "graph-store-protocol" / "manifest-indirect.ttl",
}
#: the manifests' path prefixes -> ours
PATHS = {"/sparql/": "/sparql", "/gsp": "/store"}
TOKEN = "w3c-protocol-tests"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")

#: expected status terms -> the statuses they allow
STATUSES = {
    HTS.StatusCode2xx: range(200, 300),
    HTS.StatusCode3xx: range(300, 400),
    HTS.StatusCode4xx: range(400, 500),
    HTS.OK: (200,),
    HTS.Created: (201,),
    HTS.NoContent: (204,),
    HTS.NotFound: (404,),
}
#: mf:expectedFormat -> the media types that carry it (the manifest's "expect one of")
RESULT_FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


@dataclass
class Expected:
    statuses: set[int]
    boolean: bool | None = None
    result_format: str | None = None
    content_type: str | None = None
    graph: str | None = None  # Turtle
    location: str | None = None  # template variable to fill from the Location header


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None
    expected: Expected


@dataclass
class Case:
    name: str
    steps: list[Step]
    data: dict[str, Path] = field(default_factory=dict)  # graph IRI -> N-Triples file


def _text(graph: Graph, node: object, prop: URIRef) -> str | None:
    value = graph.value(node, prop)
    return None if value is None else str(value)


def _headers(graph: Graph, node: object) -> dict[str, str]:
    listed = graph.value(node, HT.headers)
    if listed is None:
        return {}
    return {
        str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
        for h in Collection(graph, listed)
    }


def _path(path: str) -> str:
    for theirs, ours in PATHS.items():
        if path.startswith(theirs):
            return ours + path[len(theirs) :]
    raise ValueError(f"unexpected request path {path}")


def _step(graph: Graph, request: object) -> Step:
    response = graph.value(request, HT.resp)
    statuses = {
        code for term in graph.objects(response, MF.expectedStatus) for code in STATUSES[term]
    }
    body = graph.value(response, HT.body)
    boolean = graph.value(response, MF.expectedBoolean)
    expected = Expected(
        statuses,
        None if boolean is None else bool(boolean.toPython()),
        _text(graph, response, MF.expectedFormat),
        _headers(graph, response).get("content-type"),
        None if body is None else _text(graph, body, CNT.chars),
        _text(graph, response, MF.expectedLocation),
    )
    body = graph.value(request, HT.body)
    return Step(
        str(graph.value(request, HT.methodName)),
        _path(str(graph.value(request, HT.absolutePath))),
        _headers(graph, request),
        None if body is None else _text(graph, body, CNT.chars),
        expected,
    )


def read_manifest(path: Path) -> list[Case]:
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    cases = []
    for test in Collection(graph, graph.value(manifest, MF.entries)):
        requests = graph.value(graph.value(test, MF.action), HT.requests)
        data = {
            str(graph.value(d, RDFS.label)): W3C / f"protocol-{Path(graph.value(d, UT.graph)).name}"
            for d in graph.objects(test, UT.graphData)
        }
        steps = [_step(graph, request) for request in Collection(graph, requests)]
        cases.append(Case(str(test).rpartition("#")[2], steps, data))
    return cases


CASES = {
    f"{suite}:{case.name}": case
    for suite, manifest in MANIFESTS.items()
    if manifest.exists()
    for case in read_manifest(manifest)
}


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The endpoint over an empty published store, on each backend (on Virtuoso: a namespace
    of its own, so that the tests' graphs are not the samples')."""
    if request.param == "oxigraph":
        path = tmp_path_factory.mktemp("w3c-store")
        store = oxigraph_published(path)
    else:
        virtuoso = request.getfixturevalue("virtuoso_server")
        namespace = f"urn:x-coworkmed:w3c-{uuid.uuid4()}:"
        store = Published(
            "virtuoso",
            virtuoso.location(namespace=namespace),
            {**virtuoso.settings(), "store_namespace": namespace},
        )
    with store.location.writer() as empty:
        store.location.snapshot(empty)  # an empty published store
    app = create_app(store.config(query_workers=2, update_token=TOKEN))
    with serve_in_thread(app) as base:
        yield base.removeprefix("http://")
    app.extensions["coworkmed.pool"].close()


def send(
    authority: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(authority, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _reset(authority: str, case: Case) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    headers = {**auth, "Content-Type": "application/sparql-update"}
    status, _, body = send(authority, "POST", "/sparql", headers, b"DROP ALL")
    assert status == 204, body
    for iri, data in case.data.items():
        headers = {**auth, "Content-Type": "application/n-triples"}
        path = f"/store?graph={quote(iri, safe='')}"
        status, _, body = send(authority, "PUT", path, headers, data.read_bytes())
        assert status == 201, body


def _boolean(media_type: str, body: bytes) -> bool | None:
    """The boolean of an ASK answer, None when the body holds none."""
    if media_type == "application/sparql-results+json":
        value = json.loads(body).get("boolean")
        return value if isinstance(value, bool) else None
    element = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return None if element is None else element.text == "true"


#: media type -> how its body is read (a ValueError or SyntaxError when it is not that format)
READERS: dict[str, Callable[[bytes], object]] = {
    "application/sparql-results+json": lambda body: ox.parse_query_results(
        body, format=ox.QueryResultsFormat.JSON
    ),
    "application/sparql-results+xml": lambda body: ox.parse_query_results(
        body, format=ox.QueryResultsFormat.XML
    ),
    "text/csv": lambda body: body.decode("utf-8").splitlines()[0].split(","),
    "text/tab-separated-values": lambda body: ox.parse_query_results(
        body, format=ox.QueryResultsFormat.TSV
    ),
    "application/rdf+xml": lambda body: Graph().parse(data=body, format="xml"),
    "text/turtle": lambda body: Graph().parse(data=body, format="turtle"),
    "application/n-triples": lambda body: Graph().parse(data=body, format="nt"),
}


def _media_type(value: str) -> tuple[str, ...]:
    return tuple(part.strip().lower().replace(" ", "") for part in value.split(";"))


def _readable(media_type: str, body: bytes) -> bool:
    """Whether ``body`` really is in ``media_type`` (its reader takes it; False for a media
    type that is none of the results' or graphs')."""
    reader = READERS.get(media_type)
    if reader is None:
        return False
    try:
        reader(body)
    except (ValueError, SyntaxError, UnicodeDecodeError, IndexError, ET.ParseError):
        return False
    return True


def check_step(step: Step, url: str, status: int, got: dict[str, str], content: bytes) -> list[str]:
    """What is wrong with one answer, measured against everything the manifest expects of it:
    the status, the result format (the media type, and a body that reads in it), the boolean,
    the content type, the graph. Empty: nothing."""
    expected, problems = step.expected, []
    if status not in expected.statuses:
        problems.append(f"status {status}, expected {sorted(expected.statuses)[:3]}...")
    media_type = got.get("content-type", "").split(";")[0].strip().lower()
    body_sent = step.method != "HEAD"
    if expected.result_format:
        if media_type not in RESULT_FORMATS[expected.result_format]:
            problems.append(f"{media_type or 'no type'} is not a {expected.result_format} format")
        elif body_sent and not _readable(media_type, content):
            problems.append(f"the body is not {media_type}")
    if expected.boolean is not None and body_sent:
        found = _boolean(media_type, content) if _readable(media_type, content) else None
        if found is not expected.boolean:
            problems.append(f"boolean {found}, expected {expected.boolean}")
    if expected.content_type and body_sent:
        if _media_type(got.get("content-type", "")) != _media_type(expected.content_type):
            problems.append(
                f"content type {got.get('content-type')}, expected {expected.content_type}"
            )
    if expected.graph is not None:
        base = urlsplit(url)._replace(query="", fragment="").geturl()
        want = Graph().parse(data=expected.graph, format="turtle", publicID=base)
        try:
            have = Graph().parse(data=content, format="turtle", publicID=base)
        except (ValueError, SyntaxError) as problem:
            problems.append(f"the graph does not read as Turtle: {problem}")
        else:
            if not isomorphic(have, want):
                problems.append(f"another graph: {have.serialize(format='turtle')}")
    return problems


def run_case(authority: str, case: Case) -> list[str]:
    """Run one manifest test against the server at ``authority``; what went wrong (empty when
    the server answered every request as the manifest expects)."""
    _reset(authority, case)
    variables: dict[str, str] = {}
    problems: list[str] = []
    for number, step in enumerate(case.steps, 1):
        path, body = step.path, step.body
        for variable, value in variables.items():
            path = path.replace(variable, value)
            body = body.replace(variable, value) if body is not None else None
        headers = dict(step.headers)
        if step.method not in ("GET", "HEAD"):
            headers["authorization"] = f"Bearer {TOKEN}"
        data = None if body is None else body.encode("utf-8")
        status, got, content = send(authority, step.method, path, headers, data)
        where = f"request {number}: {step.method} {path} -> {status} {content[:200]!r}"
        problems += [
            f"{where}: {problem}"
            for problem in check_step(step, f"http://{authority}{path}", status, got, content)
        ]
        if step.expected.location:
            if "location" not in got:
                problems.append(f"{where}: no Location")
                break
            variables[step.expected.location] = got["location"]
    return problems


@pytest.mark.shared("w3c")
@pytest.mark.parametrize("name", sorted(CASES) or ["no-manifests"])  # without them: one that fails
def test_w3c(server: str, name: str) -> None:
    assert run_case(server, CASES[name]) == []
