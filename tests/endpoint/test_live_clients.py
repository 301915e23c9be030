"""Real SPARQL clients against a live server on loopback: SPARQLWrapper in every result format
it reads, rdflib's SPARQLStore, and the `coworkmed serve` command itself."""

from __future__ import annotations

import http.client
import subprocess
import urllib.request
import warnings
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from coworkmed.serving import serve_in_thread, serve_process
from endpoint.app import create_app
from tests.backends import Published

SPACES = "PREFIX cwm: <https://w3id.org/coworkmed/def/> SELECT ?s WHERE { ?s a cwm:Space }"


@pytest.fixture(scope="module")
def endpoint_url(published: Published) -> Iterator[str]:
    app = create_app(published.config(query_workers=2))
    with serve_in_thread(app) as base:
        yield f"{base}/sparql"
    app.extensions["coworkmed.pool"].close()


def _wrapper(url: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_json(endpoint_url: str) -> None:
    result = _wrapper(endpoint_url, SPACES, JSON).query().convert()
    assert len(result["results"]["bindings"]) == 33


def test_sparqlwrapper_xml(endpoint_url: str) -> None:
    document = _wrapper(endpoint_url, SPACES, XML).query().convert()
    assert len(document.getElementsByTagName("result")) == 33


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_sparqlwrapper_csv_tsv(endpoint_url: str, fmt: str) -> None:
    text = _wrapper(endpoint_url, SPACES, fmt).query().convert().decode("utf-8")
    assert len(text.strip().splitlines()) == 34


def test_sparqlwrapper_construct_turtle(endpoint_url: str) -> None:
    query = (
        "PREFIX schema: <https://schema.org/> "
        "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
    )
    data = _wrapper(endpoint_url, query, TURTLE).query().convert()
    assert len(Graph().parse(data=data, format="turtle")) >= 33


def test_sparqlwrapper_post(endpoint_url: str) -> None:
    client = _wrapper(endpoint_url, SPACES, JSON)
    client.setMethod("POST")
    assert len(client.query().convert()["results"]["bindings"]) == 33


def test_rdflib_sparqlstore(endpoint_url: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint_url))
    rows = list(graph.query(SPACES))
    assert len(rows) == 33


GRAPH_QUERIES = {
    "construct": (
        "PREFIX schema: <https://schema.org/> "
        "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
    ),
    "describe": "DESCRIBE <https://w3id.org/coworkmed/id/space/fr-aura/AURA-001>",
}
#: SPARQLWrapper's return format for a graph -> the media type it must get (it sends format=,
#: output=, results= and an Accept header of its own: issue 20 found these answered 406)
GRAPH_FORMATS = {
    XML: "application/rdf+xml",
    RDF: "application/rdf+xml",
    RDFXML: "application/rdf+xml",
    N3: "text/n3",
    TURTLE: "text/turtle",
    JSONLD: "application/ld+json",
    JSON: "application/ld+json",
}
#: media type -> the pyoxigraph format its body is read in
OX_FORMATS = {
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/n3": ox.RdfFormat.N3,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
#: return formats SPARQLWrapper itself warns about for CONSTRUCT/DESCRIBE (it then sends
#: Accept: */* and relies on format=, which is the point of the test)
WARNED = {JSON, RDF}


def _triples(body: bytes, media_type: str) -> int:
    return len(list(ox.parse(body, format=OX_FORMATS[media_type])))


@pytest.mark.parametrize("form", sorted(GRAPH_QUERIES))
@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_sparqlwrapper_graph_formats(endpoint_url: str, form: str, fmt: str) -> None:
    with warnings.catch_warnings():
        if fmt in WARNED:
            warnings.simplefilter("ignore", RuntimeWarning)
        answer = _wrapper(endpoint_url, GRAPH_QUERIES[form], fmt).query()
    media_type = answer.info()["content-type"].split(";")[0]
    assert media_type == GRAPH_FORMATS[fmt]
    assert _triples(answer.response.read(), media_type) >= 1


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_ask(endpoint_url: str, fmt: str) -> None:
    answer = _wrapper(endpoint_url, "ASK { ?s ?p ?o }", fmt).query()
    assert answer.response.status == 200
    converted = answer.convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"


def test_rdflib_sparqlstore_construct_and_ask(endpoint_url: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint_url))
    assert len(graph.query(GRAPH_QUERIES["construct"]).graph) >= 33
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True


def test_rdflib_sparqlstore_in_json_mode_reads_a_construct(endpoint_url: str) -> None:
    """Regression (issue #20): in its json mode rdflib's SPARQLStore sends Accept
    application/sparql-results+json for a CONSTRUCT too, which was answered 406."""
    graph = Graph(store=SPARQLStore(endpoint_url, returnFormat="json"))
    assert len(graph.query(GRAPH_QUERIES["construct"]).graph) >= 33
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True


def _raw(url: str, method: str) -> tuple[int, str | None, bytes]:
    """(status, Content-Type, body) of one request over its own connection, closed after."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        connection.request(method, f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def test_head_is_a_get_without_the_body(endpoint_url: str) -> None:
    url = f"{endpoint_url}?" + urlencode({"query": SPACES})
    (got, got_type, body), (head, head_type, nothing) = _raw(url, "GET"), _raw(url, "HEAD")
    assert head == got == 200
    assert head_type == got_type
    assert nothing == b"" and len(body) > 0


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("text/n3", "text/n3"),
        ("text/turtle;q=0, */*", "application/n-triples"),
        ("application/*", "application/n-triples"),
    ],
)
def test_curl_construct_in_the_accepted_format(
    endpoint_url: str, accept: str, media_type: str
) -> None:
    url = f"{endpoint_url}?" + urlencode({"query": GRAPH_QUERIES["construct"]})
    done = subprocess.run(
        ["curl", "-sS", "-H", f"Accept: {accept}", "-w", "\n%{content_type}", url],
        capture_output=True,
        check=True,
        timeout=60,
    )
    body, _, content_type = done.stdout.rpartition(b"\n")
    assert content_type.decode().split(";")[0] == media_type
    assert _triples(body, media_type) >= 33


def _curl_headers_and_body(url: str, *options: str) -> str:
    """``curl -i`` with ``options``: the answer's status line, headers and body, lower-cased."""
    done = subprocess.run(
        ["curl", "-sS", "-i", *options, url], capture_output=True, check=True, timeout=60, text=True
    )
    return done.stdout.lower()


def test_curl_cors_preflight_then_cross_origin_post(endpoint_url: str) -> None:
    """What a browser page on another origin (YASGUI, Comunica) does, step by step."""
    origin = "https://yasgui.example"
    asking = ["-X", "OPTIONS", "-H", f"Origin: {origin}"]
    asking += ["-H", "Access-Control-Request-Method: POST"]
    preflight = _curl_headers_and_body(
        endpoint_url, *asking, "-H", "Access-Control-Request-Headers: content-type"
    )
    assert preflight.startswith("http/1.1 204")
    assert f"access-control-allow-origin: {origin}" in preflight
    assert "access-control-allow-headers:" in preflight and "content-type" in preflight
    posted = _curl_headers_and_body(
        endpoint_url,
        *("-H", f"Origin: {origin}", "-H", "Content-Type: application/sparql-query"),
        *("--data-binary", SPACES),
    )
    assert posted.startswith("http/1.1 200") and "access-control-allow-origin: *" in posted
    refused = _curl_headers_and_body(
        endpoint_url, *asking, "-H", "Access-Control-Request-Headers: authorization, content-type"
    )
    assert refused.startswith("http/1.1 403") and "access-control-allow-origin" not in refused


@pytest.mark.slow  # measured ~9 s (a server process)
def test_coworkmed_serve_answers_and_stops(published: Published) -> None:
    with serve_process(published.settings["store"], published.environment()) as base:
        url = f"{base}/sparql?" + urlencode({"query": SPACES})
        with urllib.request.urlopen(url, timeout=30) as response:
            content_type = response.headers["Content-Type"]
    assert content_type.startswith("application/sparql-results+json")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{base}/health", timeout=2)
