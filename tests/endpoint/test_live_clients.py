"""Real SPARQL clients against a live server on loopback: SPARQLWrapper in every result format
it reads, rdflib's SPARQLStore, and the `coworkmed serve` command itself."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper

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


@pytest.mark.slow  # measured ~9 s (a server process)
def test_coworkmed_serve_answers_and_stops(published: Published) -> None:
    with serve_process(published.settings["store"], published.environment()) as base:
        url = f"{base}/sparql?" + urlencode({"query": SPACES})
        with urllib.request.urlopen(url, timeout=30) as response:
            content_type = response.headers["Content-Type"]
    assert content_type.startswith("application/sparql-results+json")
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{base}/health", timeout=2)
