"""Dumps (coworkmed export) and the DCAT catalogue: written atomically with their checksums,
listed and served by the server, described with one dataset per source, the whole graph, its
distributions and the SPARQL endpoint as a data service."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask import Flask
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from coworkmed.cli import main
from endpoint.app import create_app
from endpoint.dumps import CHECKSUMS, KINDS, export, list_dumps
from tests.backends import Published
from triplestore.versions import default_dataset, open_snapshot, published_graphs

BASE = "https://w3id.org/coworkmed/id/"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ROOT = Path(__file__).parents[2]
DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def dumps(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dumps")
    export(published.location, BASE, folder, today=DAY)
    return folder


@pytest.fixture(scope="module")
def app(published: Published, dumps: Path) -> Iterator[Flask]:
    # the URLs it publishes start with the public URL (never the request's Host)
    app = create_app(
        published.config(query_workers=1, dumps=str(dumps), public_url="http://localhost")
    )
    yield app
    app.extensions["coworkmed.pool"].close()


def test_the_dumps_hold_the_published_graph(published: Published, dumps: Path) -> None:
    found = {dump.kind: dump for dump in list_dumps(dumps)}
    assert set(found) == {"nquads", "turtle"}
    assert found["nquads"].name.startswith("coworkmed-2026-11-22-g")
    _generation, store = open_snapshot(published.location)
    graphs = published_graphs(store, BASE)
    nquads = gzip.decompress((dumps / found["nquads"].name).read_bytes())
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    assert len(quads) == sum(len(list(store.triples(g))) for g in [None, *graphs])
    union = store.query(
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", default_graph=default_dataset(graphs)
    )
    text = gzip.decompress((dumps / found["turtle"].name).read_bytes())
    assert len(Graph().parse(data=text, format="turtle")) == int(next(iter(union))["n"].value)
    for dump in found.values():
        assert hashlib.sha256((dumps / dump.name).read_bytes()).hexdigest() == dump.sha256
    assert not list(dumps.glob("*.part"))


def test_the_server_lists_and_serves_the_dumps(app: Flask, dumps: Path) -> None:
    client = app.test_client()
    index = client.get("/dumps/").get_data(as_text=True)
    names = [dump.name for dump in list_dumps(dumps)]
    assert all(name in index for name in names)
    with client.get(f"/dumps/{names[0]}") as served:  # a file response: closed when read
        assert served.status_code == 200 and served.data == (dumps / names[0]).read_bytes()
    with client.get("/dumps/SHA256SUMS") as sums:
        assert sums.status_code == 200
    assert client.get("/dumps/..%2Fstore").status_code == 404
    assert client.get("/dumps/not-a-dump.gz").status_code == 404


def test_the_catalogue_describes_sources_graph_dumps_and_service(app: Flask, dumps: Path) -> None:
    response = app.test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    datasets = set(graph.objects(catalog, DCAT.dataset))
    sources = {
        URIRef(f"{BASE}dataset/{s}")
        for s in ("fr-aura", "it-toscana", "el-attiki", "hr-split", "es-valencia")
    }
    whole = URIRef(f"{BASE}dataset")
    assert datasets == sources | {whole}
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph and graph.value(dataset, DCTERMS.title)
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    distributions = set(graph.objects(whole, DCAT.distribution))
    files = {d for d in distributions if graph.value(d, DCAT.downloadURL)}
    assert len(files) == 2
    checksums = {str(graph.value(graph.value(d, SPDX.checksum), SPDX.checksumValue)) for d in files}
    assert checksums == {dump.sha256 for dump in list_dumps(dumps)}
    for dataset in datasets:  # each can be queried through the endpoint
        assert any(
            (d, DCAT.accessService, service) in graph
            for d in graph.objects(dataset, DCAT.distribution)
        )
    assert graph.value(service, DCAT.endpointURL) == URIRef("http://localhost/sparql")
    assert (service, DCAT.servesDataset, whole) in graph
    assert (catalog, DCTERMS.title, Literal("CoworkMed catalogue", lang="en")) in graph


def test_export_command(store_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["export", "--store", str(store_path), "--output", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("wrote coworkmed-") == 2
    files = sorted(path.name for path in (tmp_path / "d").iterdir())
    again = CliRunner().invoke(
        main, ["export", "--store", str(store_path), "--output", str(tmp_path / "d")]
    )
    assert again.exit_code == 0 and again.output.count("unchanged: coworkmed-") == 2, again.output
    assert sorted(path.name for path in (tmp_path / "d").iterdir()) == files
    nothing = CliRunner().invoke(main, ["export", "--store", str(tmp_path / "empty")])
    assert nothing.exit_code == 2 and "nothing has been published" in nothing.output


def test_void_and_the_service_description_point_at_the_dumps_and_the_catalogue(
    app: Flask, dumps: Path
) -> None:
    client = app.test_client()
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    dumps_listed = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert dumps_listed == {f"http://localhost/dumps/{d.name}" for d in list_dumps(dumps)}
    answer = client.get("/sparql", headers={"Accept": "text/turtle"})
    description = Graph().parse(data=answer.data, format="turtle")
    see_also = {str(o) for o in description.objects(None, RDFS.seeAlso)}
    # and the Graph Store endpoint (issue 20: the service description names it), and the row
    # limit a cut result links to (stranger 86)
    assert see_also == {
        "http://localhost/.well-known/void",
        "http://localhost/catalog",
        "http://localhost/store",
        "http://localhost/sparql#max_rows",
    }


@pytest.fixture(scope="module")
def dcat_ap() -> Graph:
    return Graph().parse(ROOT / "shapes" / "dcat-ap.ttl")


def test_the_catalogue_meets_dcat_ap(app: Flask, dcat_ap: Graph) -> None:
    import pyshacl

    response = app.test_client().get("/catalog", headers={"Accept": "application/n-triples"})
    catalogue = Graph().parse(data=response.data, format="nt")
    conforms, _report, text = pyshacl.validate(catalogue, shacl_graph=dcat_ap)
    assert conforms, text


@pytest.mark.parametrize(
    ("dropped", "shape"),
    [
        (DCTERMS.description, "description"),
        (DCAT.accessURL, "access URL"),
        (FOAF.name, "name"),
        (DCAT.endpointURL, "endpoint URL"),
    ],
)
def test_the_dcat_ap_check_catches_a_missing_mandatory_property(
    app: Flask, dcat_ap: Graph, dropped: URIRef, shape: str
) -> None:
    import pyshacl

    response = app.test_client().get("/catalog", headers={"Accept": "application/n-triples"})
    catalogue = Graph().parse(data=response.data, format="nt")
    catalogue.remove((None, dropped, None))
    conforms, _report, text = pyshacl.validate(catalogue, shacl_graph=dcat_ap)
    assert not conforms and shape in text


def test_dumps_are_reproducible_and_the_newest_come_first(
    published: Published, tmp_path: Path
) -> None:
    """The same graph gives the same bytes on another day (nothing new written); the newest
    dumps come first, generation 10 after generation 9 (regression: names were sorted as text)."""
    first = export(published.location, BASE, tmp_path, today=DAY)
    later = export(published.location, BASE, tmp_path, today=DAY + dt.timedelta(days=3))
    assert not first.unchanged and later.unchanged
    assert sorted(later.dumps, key=str) == sorted(first.dumps, key=str)
    sums = (tmp_path / CHECKSUMS).read_text(encoding="ascii")
    for generation in (9, 10):
        for suffix, _media in KINDS.values():
            name = f"coworkmed-2031-01-01-g{generation}{suffix}"
            (tmp_path / name).write_bytes(b"")
            sums += f"{generation:064x}  {name}\n"
    (tmp_path / CHECKSUMS).write_text(sums, encoding="ascii")
    stems = [dump.name.split(".")[0] for dump in list_dumps(tmp_path)]
    assert stems[:4] == ["coworkmed-2031-01-01-g10"] * 2 + ["coworkmed-2031-01-01-g9"] * 2
