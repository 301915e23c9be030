"""Every IRI the service publishes dereferences, and only those (issue #20, stranger 42).

Against a real build the stranger found VoID's 153 partition, linkset and target IRIs, the
catalogue's SPARQL distributions, the ontology's version IRI and a replaced dataset version
(still the object of the catalogue's ``dcat:previousVersion``) answering 404; ``2%20`` answering
303 to the document of ``2``; ``/code/nope`` answering a browser 303 then 404; and ``/id/%FF``
a 404 naming ``%EF%BF%BD``. ``dereference-cases.yaml`` holds one request per case, on each
backend; the walk dereferences every IRI under the base that the published graph (its dumps),
the VoID description, the catalogue and the service description hold."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from core.namespaces import CODE, CWM
from endpoint.app import create_app
from endpoint.dumps import export, list_dumps
from publishing.build import load_source
from tests.backends import Published

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "dereference-cases.yaml").read_text("utf-8")
)
#: the IRI spaces this server answers for, by their path prefix
SPACES = {BASE: "/id/", CWM: "/def/", CODE: "/code/"}
#: documents served whole (200 at their IRI: the ontology, the code lists)
WHOLE = re.compile(r"^/(def/|code/[^/]+)$")
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
CATALOG = "https://w3id.org/coworkmed/id/catalog"
DCAT = "http://www.w3.org/ns/dcat#"


@pytest.fixture(scope="module")
def app(writable_module: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The samples with fr-aura published a second time (its first version replaced), and
    their dumps."""
    location = writable_module.location

    def later() -> dt.datetime:
        # a version is named by the second its load started (and the file's digest): loaded
        # in the second the samples were, it was the samples' own version, none was replaced,
        # and every test of the module failed at setup (seen under pytest -n 2)
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    with location.writer() as store:
        mapping = ROOT / "examples/partners/fr-aura/mapping.yaml"
        load_source(mapping, store, BASE, location, now=later, force=True)
    dumps = tmp_path_factory.mktemp("dereference-dumps")
    export(location, BASE, dumps)
    app = create_app(
        writable_module.config(query_workers=1, dumps=str(dumps), public_url="http://localhost")
    )
    app.config["DEREFERENCE_DUMPS"] = dumps
    yield app
    app.extensions["coworkmed.pool"].close()


def _column(client: FlaskClient, query: str) -> list[str]:
    answer = client.get("/sparql", query_string={"query": query, "format": "json"})
    assert answer.status_code == 200, answer.data[:300]
    return [row["v"]["value"] for row in json.loads(answer.data)["results"]["bindings"]]


@pytest.fixture(scope="module")
def placeholders(app: Flask) -> dict[str, str]:
    client = app.test_client()
    dataset = f"<{BASE}dataset/fr-aura>"
    current = _column(client, f"SELECT ?v WHERE {{ {dataset} <{DCAT}hasCurrentVersion> ?v }}")
    replaced = _column(
        client,
        f"SELECT ?v WHERE {{ {dataset} <{DCAT}hasVersion> ?v "
        f"FILTER NOT EXISTS {{ {dataset} <{DCAT}hasCurrentVersion> ?v }} }}",
    )
    assert len(current) == 1 and len(replaced) == 1, (current, replaced)
    dumps = list_dumps(app.config["DEREFERENCE_DUMPS"])
    return {
        "$REPLACED": replaced[0][len(BASE) :],
        "$CURRENT": current[0][len(BASE) :],
        "$DUMP": dumps[0].name,
    }


def _filled(value: Any, placeholders: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, text in placeholders.items():
            value = value.replace(name, text)
        return value
    if isinstance(value, list):
        return [_filled(item, placeholders) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, placeholders) for key, item in value.items()}
    return value


def _ask(client: FlaskClient, path: str, accept: str, method: str = "GET") -> Any:
    """The answer to ``path`` sent as written (``%20``, ``%FF`` reach the server unchanged)."""
    where, _, query = path.partition("?")
    return client.open(where, method=method, query_string=query, headers={"Accept": accept})


def _holds(body: bytes, accept: str, iri: str) -> bool:
    """Whether the RDF ``body`` has ``iri`` as a subject or object."""
    node = ox.NamedNode(iri)
    media = accept.split(",")[0].split(";")[0]
    triples = list(ox.parse(body, format=RDF_TYPES.get(media, ox.RdfFormat.TURTLE)))
    return any(node in (quad.subject, quad.object) for quad in triples)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_an_iri_dereferences_or_is_404_at_once(
    app: Flask, placeholders: dict[str, str], case: dict[str, Any]
) -> None:
    case = _filled(case, placeholders)
    expect, accept = case["expect"], case.get("accept", "text/turtle")
    client = app.test_client()
    answer = _ask(client, case["path"], accept, case.get("method", "GET"))
    where = f"{answer.status} {answer.headers.get('Location')} {answer.get_data()[:300]!r}"
    assert answer.status_code == expect["status"], where
    if answer.status_code != 303:
        assert "Location" not in answer.headers, where
    if "location" in expect:
        assert answer.headers["Location"] == expect["location"], where
    body = answer.get_data()
    if answer.status_code == 303 and expect.get("follow", True):
        answer = _ask(client, answer.headers["Location"], accept)
        body = answer.get_data()
        assert answer.status_code == 200, f"{answer.status} {body[:300]!r}"
    if "mentions" in expect:
        assert _holds(body, accept, expect["mentions"]), body[:2000]
    for text in expect.get("body", []):
        assert text.encode("utf-8") in body, body[:2000]


def _published_iris(app: Flask) -> set[str]:
    """Every IRI in the dumps (subjects, objects, graph names), the VoID description, the
    catalogue and the service description that is under the base or the vocabulary's spaces."""
    client = app.test_client()
    folder = app.config["DEREFERENCE_DUMPS"]
    (dump,) = [d for d in list_dumps(folder) if d.kind == "nquads"]
    quads = list(ox.parse(gzip.decompress((folder / dump.name).read_bytes()), ox.RdfFormat.N_QUADS))
    for path in ("/.well-known/void", "/catalog", "/sparql"):
        answer = client.get(path, headers={"Accept": "application/n-triples"})
        assert answer.status_code == 200, path
        quads += list(ox.parse(answer.get_data(), format=ox.RdfFormat.N_TRIPLES))
    terms = {term for q in quads for term in (q.subject, q.predicate, q.object, q.graph_name)}
    return {
        term.value
        for term in terms
        if isinstance(term, ox.NamedNode) and term.value.startswith(tuple(SPACES))
    }


def _local(iri: str) -> str:
    space = next(prefix for prefix in SPACES if iri.startswith(prefix))
    return SPACES[space] + iri[len(space) :]


@pytest.mark.slow
def test_every_published_iri_dereferences(app: Flask) -> None:
    """The walk: each published IRI answers 303 then 200 (or 200 at once for a document served
    whole), in RDF and for a browser; in RDF the document holds the IRI (a graph's name is
    described by its triples; the ontology's documentation is what ``coworkmed vocab docs``
    writes, which this fixture does not)."""
    client = app.test_client()
    iris = _published_iris(app)
    graphs = set(_column(client, "SELECT DISTINCT ?v WHERE { GRAPH ?v { ?s ?p ?o } }"))
    assert any("/void/propertyPartition/" in iri for iri in iris)
    failed = []
    for iri in sorted(iris):
        path = _local(iri)
        for accept in ("application/n-triples", BROWSER):
            answer, hops, location = client.get(path, headers={"Accept": accept}), 0, ""
            while answer.status_code == 303 and hops < 2:  # /def/0.1.0 -> /def/ -> its pages
                location, hops = answer.headers["Location"], hops + 1
                if location.startswith("/vocabulary/ontology"):
                    break
                answer = client.get(location, headers={"Accept": accept})
            if answer.status_code == 303 and location.startswith("/vocabulary/ontology"):
                continue  # the ontology's documentation, which this fixture does not write
            if answer.status_code == 303 or (hops == 0 and not WHOLE.match(path)):
                failed.append((path, accept, answer.status_code))
                continue
            if answer.status_code != 200:
                failed.append((path, accept, answer.status_code, answer.data[:200]))
            elif accept != BROWSER and iri not in graphs and not _holds(answer.data, accept, iri):
                failed.append((path, accept, "not mentioned"))
    assert not failed, f"{len(failed)} of {len(iris)} IRIs: {failed[:20]}"
