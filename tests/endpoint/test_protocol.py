"""The SPARQL 1.1 protocol at /sparql, with a fresh app per test (Flask's test client)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from endpoint.app import create_app
from endpoint.urls import root_of
from tests.backends import Published

SPACES = "PREFIX cwm: <https://w3id.org/coworkmed/def/> SELECT ?s WHERE { ?s a cwm:Space }"
NAMES = (
    "PREFIX schema: <https://schema.org/> "
    "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
)


@pytest.fixture
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1, query_timeout=20, max_body=4096))
    yield app
    app.extensions["coworkmed.pool"].close()


def _spaces(response: object) -> int:
    return len(json.loads(response.data)["results"]["bindings"])


@pytest.mark.parametrize(
    "how",
    ["get", "post-form", "post-direct"],
)
def test_the_three_request_forms(client: FlaskClient, how: str) -> None:
    if how == "get":
        response = client.get("/sparql", query_string={"query": SPACES})
    elif how == "post-form":
        response = client.post("/sparql", data={"query": SPACES})
    else:
        response = client.post("/sparql", data=SPACES, content_type="application/sparql-query")
    assert response.status_code == 200, response.data
    assert _spaces(response) == 33
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        (SPACES, None, "application/sparql-results+json"),
        (SPACES, "application/sparql-results+xml", "application/sparql-results+xml"),
        (SPACES, "text/csv", "text/csv"),
        (SPACES, "text/tab-separated-values", "text/tab-separated-values"),
        (
            SPACES,
            "text/csv;q=0.4, application/sparql-results+xml;q=0.8",
            "application/sparql-results+xml",
        ),
        (SPACES, "text/html, */*;q=0.1", "application/sparql-results+json"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+xml", "application/sparql-results+xml"),
        (NAMES, None, "text/turtle"),
        (NAMES, "application/n-triples", "application/n-triples"),
        (NAMES, "application/rdf+xml", "application/rdf+xml"),
        (NAMES, "application/ld+json", "application/ld+json"),
    ],
)
def test_accept_negotiation(
    client: FlaskClient, query: str, accept: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": query}, headers=headers)
    assert response.status_code == 200, response.data
    assert response.mimetype == media_type


def test_format_parameter_for_browsers(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": SPACES, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert response.mimetype == "text/csv"


def test_construct_parses_back(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": NAMES}, headers={"Accept": "text/turtle"}
    )
    assert len(Graph().parse(data=response.data, format="turtle")) >= 33


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "says"),
    [
        ("get", {"query_string": {"query": "SELECT ?s WHERE { ?s ?p }"}}, 400, "syntax"),
        ("get", {"query_string": [("query", SPACES), ("query", SPACES)]}, 400, "exactly one"),
        ("post", {"data": {"default-graph-uri": "urn:x"}}, 400, "no query"),
        ("post", {"data": SPACES, "content_type": "text/plain"}, 415, "text/plain"),
        (
            "post",
            {"data": "INSERT DATA {}", "content_type": "application/sparql-update"},
            403,
            "not enabled",
        ),
        ("get", {"query_string": {"update": "DROP ALL"}}, 400, "by POST"),
        ("post", {"data": {"query": SPACES, "update": "DROP ALL"}}, 400, "send one"),
        (
            "post",
            {"data": SPACES, "content_type": "application/sparql-query; charset=UTF-16"},
            415,
            "UTF-8",
        ),
        (
            "post",
            {"data": b"ASK { \xff }", "content_type": "application/sparql-query"},
            400,
            "not valid UTF-8",
        ),
        (
            "get",
            {"query_string": {"query": "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"}},
            400,
            "is not allowed here; allowed peers: none",
        ),
        ("put", {"data": SPACES}, 405, "GET and POST"),
        ("delete", {}, 405, "GET and POST"),
        (
            "get",
            {"query_string": {"query": SPACES}, "headers": {"Accept": "image/png"}},
            406,
            "application/sparql-results+json",
        ),
        ("post", {"data": {"query": SPACES + " " * 5000}}, 413, "larger than 4096 bytes"),
    ],
    ids=[
        "malformed",
        "two-queries",
        "post-nothing",
        "wrong-content-type",
        "update-direct",
        "update-by-get",
        "query-and-update",
        "not-utf8-charset",
        "not-utf8-bytes",
        "federated-query",
        "put",
        "delete",
        "not-acceptable",
        "body-too-large",
    ],
)
def test_client_mistakes_get_4xx_with_a_message(
    client: FlaskClient, method: str, kwargs: dict, status: int, says: str
) -> None:
    response = getattr(client, method)("/sparql", **kwargs)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    if status == 405:
        assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_service_description_on_a_plain_get(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = {str(o) for o in graph.objects(None, URIRef(sd + "endpoint"))}
    # the public URL (here derived from the host and port settings), not the request's Host
    assert endpoints == {f"{root_of(client.application.config['COWORKMED'])}/sparql"}
    assert "localhost" not in response.get_data(as_text=True)


def test_dataset_parameters_restrict_the_default_graph(client: FlaskClient) -> None:
    params = urlencode({"query": SPACES, "default-graph-uri": "https://example.org/nothing"})
    response = client.get(f"/sparql?{params}")
    assert response.status_code == 200 and _spaces(response) == 0


def test_a_cut_result_says_so(published: Published) -> None:
    app = create_app(published.config(query_workers=1, max_rows=3))
    try:
        response = app.test_client().get("/sparql", query_string={"query": SPACES})
        assert _spaces(response) == 3 and "first 3" in response.headers["Result-Truncated"]
    finally:
        app.extensions["coworkmed.pool"].close()


def test_health_and_metrics(client: FlaskClient) -> None:
    client.get("/sparql", query_string={"query": SPACES})
    client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"})
    health = client.get("/health").get_json()
    assert health["status"] == "ok" and health["generation"] >= 1
    metrics = client.get("/metrics").get_json()
    assert (
        metrics["queries"] == 2 and metrics["errors"] == 1 and metrics["latency_seconds"]["max"] > 0
    )


PREFLIGHT_READ = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


def test_no_query_process_starts_for_requests_that_need_none(app: Flask) -> None:
    client = app.test_client()
    client.put("/sparql")
    # (the service description is not one of them since issue 20: it lists the named graphs)
    client.get("/sparql", query_string={"query": "LOAD <http://example.org/>"})
    client.options("/sparql", headers={"Origin": "https://a.example", **PREFLIGHT_READ})
    client.head("/sparql", headers={"Accept": "text/html"})
    assert app.extensions["coworkmed.pool"]._pool is None


#: reads asked from no origin, a listed one and another one, of a server whose ``cors_origins``
#: lists origins: every answer names Origin in Vary (only the listed one's was, so a shared
#: cache could give a listed page the copy made without Allow-Origin: stranger 44, L4)
ORIGINS = [None, "https://a.example", "https://b.example"]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(
    "path", ["/sparql?query=ASK%20%7B%7D", "/catalog", "/api/observatory/figures", "/"]
)
def test_an_answer_chosen_by_origin_says_so(published: Published, path: str, origin: str) -> None:
    app = create_app(published.config(query_workers=1, cors_origins="https://a.example"))
    try:
        headers = {"Origin": origin} if origin else {}
        answer = app.test_client().get(path, headers=headers)
        assert answer.status_code == 200
        assert "origin" in {v.strip().lower() for v in answer.headers.get("Vary", "").split(",")}
        allowed = answer.headers.get("Access-Control-Allow-Origin")
        assert allowed == (origin if origin == "https://a.example" else None)
    finally:
        app.extensions["coworkmed.pool"].close()


#: a partner's sample and its mapping, for a validation
PARTNERS = Path(__file__).parents[2] / "examples" / "partners"
SAMPLE = PARTNERS / "fr-aura" / "tiers-lieux.tsv"


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("path", ["/api/validate", "/validate"])
def test_a_validation_is_a_read_a_listed_origin_may_make(
    published: Published, path: str, origin: str
) -> None:
    """A validation publishes nothing: a page of an origin of ``cors_origins`` reads its answer
    (it counted as a write, refused to every origin but ``cors_write_origins``: stranger 57)."""
    app = create_app(
        published.config(query_workers=1, cors_origins="https://a.example", mappings=str(PARTNERS))
    )
    try:
        headers = {"Origin": origin} if origin else {}
        data = {"file": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name), "mapping": "fr-aura"}
        answer = app.test_client().post(path, data=data, headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        allowed = answer.headers.get("Access-Control-Allow-Origin")
        assert allowed == (origin if origin == "https://a.example" else None)
    finally:
        app.extensions["coworkmed.pool"].close()
