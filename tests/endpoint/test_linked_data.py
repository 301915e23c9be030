"""A Linked Data checker, as the old Vapour checker did: 303 and Vary from a resource IRI to
its documents, every RDF format parsing back to the same graph, 404 for unknown IRIs, hostile
values escaped on the HTML page, and VoID parsing with the right counts."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SKOS

from core.vocabulary import CODELISTS_DIR, LANGUAGES
from endpoint.app import create_app
from tests.backends import Published
from tests.endpoint.browser import browser_page, needs_browser
from tests.endpoint.support import put_turtle

BASE = "https://w3id.org/coworkmed/id/"
SPACE = "space/fr-aura/AURA-001"
VOID = Namespace("http://rdfs.org/ns/void#")
TOKEN = "linked-data-tests"
#: document extension -> rdflib parser
PARSERS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}


@pytest.fixture(scope="module")
def app(writable_module: Published) -> Iterator[Flask]:
    app = create_app(writable_module.config(query_workers=1, update_token=TOKEN))
    hostile = (
        f"<{BASE}space/test/evil> a <https://w3id.org/coworkmed/def/Space> ; "
        '<https://schema.org/name> "<script>alert(1)</script>\\"><img src=x onerror=alert(2)>" .'
    )
    put_turtle(app.test_client(), "https://example.org/hostile", hostile, TOKEN)
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5", "rdf"),
        ("application/n-triples", "nt"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("*/*", "ttl"),
    ],
)
def test_a_resource_iri_is_303_to_its_document(
    client: FlaskClient, accept: str, extension: str
) -> None:
    response = client.get(f"/id/{SPACE}", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/id/{SPACE}.{extension}"
    assert "Accept" in response.headers["Vary"]


def test_every_format_parses_back_to_the_same_graph(client: FlaskClient) -> None:
    graphs = {
        ext: Graph().parse(data=client.get(f"/doc/id/{SPACE}.{ext}").data, format=parser)
        for ext, parser in PARSERS.items()
    }
    reference = graphs["ttl"]
    assert (URIRef(BASE + SPACE), URIRef("https://schema.org/name"), None) in reference
    assert any(str(s).endswith("/address") for s in reference.subjects())  # its parts too
    for ext, graph in graphs.items():
        assert isomorphic(graph, reference), ext


def test_the_document_negotiates_too(client: FlaskClient) -> None:
    response = client.get(f"/doc/id/{SPACE}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.mimetype == "application/n-triples"
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    "path",
    [
        f"/doc/id/{SPACE}-nowhere.ttl",
        "/doc/id/space/nobody/none",
        "/doc/code/space-kind/nothing.nt",
        '/doc/id/space/x/a"b> } ; DROP ALL.ttl',
    ],
)
def test_unknown_iris_are_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"nothing is known" in response.data or b"cannot be part of an IRI" in response.data


@pytest.mark.parametrize("graph", ["links", "cube"])
def test_a_published_graphs_iri_dereferences_to_its_triples(
    client: FlaskClient, graph: str
) -> None:
    """Regression (stranger 41): the IRIs of the named graphs /sparql and the dumps name
    (``{base}links``, ``{base}cube``...) were a 404: an RDF client is sent to the graph through
    the Graph Store Protocol, a browser to the query page listing it."""
    iri = f"https://w3id.org/coworkmed/id/{graph}"
    for accept in ("text/turtle", "application/n-triples"):
        seen = client.get(f"/id/{graph}", headers={"Accept": accept})
        assert seen.status_code == 303, seen.data[:200]
        answer = client.get(seen.headers["Location"], headers={"Accept": accept})
        assert answer.status_code == 200 and answer.mimetype == accept
        triples = list(ox.parse(answer.data, format=ox.RdfFormat.from_media_type(accept)))
        assert triples
    page = client.get(f"/id/{graph}?lang=el", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert f"GRAPH <{iri}>" in unquote(page.headers["Location"].replace("+", " "))
    assert client.get(page.headers["Location"]).status_code == 200
    # a graph that is not published (or none at all) is still a 404 at once
    for path in ("/id/links-nowhere", "/id/cube/nothing", "/id/catalog-x"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_vocabulary_terms_dereference(client: FlaskClient) -> None:
    response = client.get("/doc/code/space-kind/fab-lab.jsonld")
    graph = Graph().parse(data=response.data, format="json-ld")
    concept = URIRef("https://w3id.org/coworkmed/code/space-kind/fab-lab")
    labels = set(graph.objects(concept, SKOS.prefLabel))
    assert Literal("laboratorio di fabbricazione digitale", lang="it") in labels
    assert {label.language for label in labels} == set(LANGUAGES)


def test_the_page_shows_labels_in_the_readers_language(client: FlaskClient) -> None:
    page = client.get(f"/doc/id/{SPACE}.html?lang=hr").get_data(as_text=True)
    assert 'lang="hr"' in page and "La Ruche des Pentes" in page
    assert f'href="/doc/id/{SPACE}.ttl"' in page
    assert 'href="/id/record/fr-aura/AURA-001"' in page  # its own IRIs link here
    assert "<address>12 montée de la Grande-Côte<br>69001 Lyon" in page  # an address, not its IRI


def test_hostile_values_are_escaped(client: FlaskClient) -> None:
    page = client.get("/doc/id/space/test/evil.html").get_data(as_text=True)
    assert "<script>" not in page and "<img" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    )


def test_the_page_groups_the_facts_and_says_where_they_come_from(client: FlaskClient) -> None:
    page = client.get(f"/doc/id/{SPACE}.html?lang=fr").get_data(as_text=True)
    sections = re.findall(r'<section id="([a-z-]+)">\s*<h2>([^<]+)</h2>', page)
    assert [name for name, _title in sections][:2] == ["identity", "place"]
    assert {"services", "organisation", "provenance", "source"} <= {name for name, _ in sections}
    assert ("place", "Lieu") in sections  # group names in the reader's language
    assert 'id="map" data-lat="45.7' in page
    source = page[page.index('<section id="source">') :]
    assert 'href="/id/dataset/fr-aura"' in source and 'href="/id/agency/' in source
    assert re.search(r'href="/id/dataset/fr-aura/\d{8}T\d{6}Z-[0-9a-f]{8}"', source)


def test_a_concept_page_lists_what_points_to_it(client: FlaskClient) -> None:
    def subjects(pattern: str) -> list[str]:
        query = f"SELECT ?s WHERE {{ {pattern} }}"
        answer = client.get("/sparql", query_string={"query": query})
        return [row["s"]["value"] for row in json.loads(answer.data)["results"]["bindings"]]

    kind = "<https://w3id.org/coworkmed/code/space-kind/fab-lab>"
    pointing = subjects(f"?s ?p {kind}")
    spaces = subjects(f"?s <https://w3id.org/coworkmed/def/spaceKind> {kind}")
    page = client.get("/doc/code/space-kind/fab-lab.html?lang=it").get_data(as_text=True)
    assert f"Rimandano qui ({len(pointing)})" in page and spaces
    for space in spaces:
        assert f'href="/id/{space.removeprefix(BASE)}"' in page


def test_many_values_are_paged_never_cut(app: Flask, client: FlaskClient) -> None:
    many = " , ".join(f'"tag {n:04d}"' for n in range(450))
    put_turtle(
        client,
        "https://example.org/many",
        f"<{BASE}network/many> <https://schema.org/keywords> {many} .",
        TOKEN,
    )
    seen = []
    for number, shown in ((1, "1–200"), (2, "201–400"), (3, "401–450")):
        page = client.get(f"/doc/id/network/many.html?page={number}").get_data(as_text=True)
        assert f"Page {number} of 3 · Values {shown} of 450" in page
        assert ('rel="next"' in page) == (number < 3) and ('rel="prev"' in page) == (number > 1)
        seen += re.findall(r"<span>tag (\d{4})</span>", page)
    assert sorted(seen) == [f"{n:04d}" for n in range(450)]


def test_a_long_pointing_here_list_is_paged_the_own_values_are_not(
    app: Flask, client: FlaskClient
) -> None:
    """Regression (issue #21): a dataset's 33 values were spread over 8 pages because 1,512
    resources point to it; its own values are all on page 1, only the pointing list is paged."""
    target = f"{BASE}network/pointed"
    pointing = " ".join(
        f"<{BASE}space/pointing/{n:04d}> <https://w3id.org/coworkmed/def/memberOf> <{target}> ."
        for n in range(250)
    )
    own = f'<{target}> <https://schema.org/name> "Pointed", "Puntata"@it .'
    put_turtle(client, "https://example.org/pointed", own + " " + pointing, TOKEN)
    first = client.get("/doc/id/network/pointed.html?lang=fr").get_data(as_text=True)
    second = client.get("/doc/id/network/pointed.html?lang=fr&page=2").get_data(as_text=True)
    assert "Page 1 sur 2 · Renvoient ici : 1 à 200 sur 250" in first
    assert "Page 2 sur 2 · Renvoient ici : 201 à 250 sur 250" in second
    assert ">Puntata<" in first and "Valeurs" not in first
    named = re.findall(r"/id/space/pointing/(\d{4})", first + second)
    assert sorted(set(named)) == [f"{n:04d}" for n in range(250)]


def test_void_parses_and_counts_right(client: FlaskClient) -> None:
    links = (
        f"<{BASE}space/test/linked> <https://w3id.org/coworkmed/def/osmElement> "
        "<https://www.openstreetmap.org/node/4720152466> . "
        f"<{BASE}network/test-linked> <http://www.w3.org/2002/07/owl#sameAs> "
        "<http://www.wikidata.org/entity/Q25205858> ."
    )
    put_turtle(client, "https://example.org/links", links, TOKEN)
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.data, format="turtle")
    (dataset,) = void.subjects(VOID.sparqlEndpoint, None)

    def count(query: str) -> int:
        answer = client.get("/sparql", query_string={"query": query})
        return int(json.loads(answer.data)["results"]["bindings"][0]["n"]["value"])

    assert int(void.value(dataset, VOID.triples)) == count(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    )
    space = URIRef("https://w3id.org/coworkmed/def/Space")
    (partition,) = void.subjects(VOID["class"], space)
    assert int(void.value(partition, VOID.entities)) == 34  # 33 samples and the hostile one
    nuts = [
        linkset
        for linkset in void.subjects(
            VOID.linkPredicate, URIRef(BASE.replace("id/", "def/nutsRegion"))
        )
    ]
    assert len(nuts) == 1
    for predicate, target in [
        ("https://w3id.org/coworkmed/def/osmElement", "https://www.openstreetmap.org/"),
        ("http://www.w3.org/2002/07/owl#sameAs", "http://www.wikidata.org/entity/"),
    ]:
        (linkset,) = [
            s
            for s in void.subjects(VOID.linkPredicate, URIRef(predicate))
            if str(void.value(void.value(s, VOID.objectsTarget), VOID.uriSpace)) == target
        ]
        assert int(void.value(linkset, VOID.triples)) == 1
    assert int(void.value(nuts[0], VOID.triples)) == count(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://w3id.org/coworkmed/def/nutsRegion> ?o }"
    )


def test_the_ontology_namespace_serves_the_ontology(
    app: Flask, client: FlaskClient, docs: Path
) -> None:
    response = client.get("/def/", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "Accept" in response.headers["Vary"]
    graph = Graph().parse(data=response.data, format="turtle")
    ontology = URIRef("https://w3id.org/coworkmed/def/")
    assert (ontology, RDF.type, OWL.Ontology) in graph and len(graph) > 500
    settings = app.config["COWORKMED"]
    original = settings["docs"]
    try:
        settings["docs"] = str(docs)  # its documentation written, as ``make run`` writes it
        browser = client.get("/def/", headers={"Accept": "text/html"})
        assert browser.status_code == 303
        assert browser.headers["Location"] == "/vocabulary/ontology.html"
        greek = client.get("/def/", headers={"Accept": "text/html", "Accept-Language": "el"})
        assert greek.headers["Location"] == "/vocabulary/ontology.el.html"
        with client.get(greek.headers["Location"]) as page:
            assert page.status_code == 200
    finally:
        settings["docs"] = original


def test_a_code_list_is_served_whole(client: FlaskClient) -> None:
    response = client.get("/code/space-kind", headers={"Accept": "application/n-triples"})
    graph = Graph().parse(data=response.data, format="nt")
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    written = Graph().parse(CODELISTS_DIR / "space-kind.ttl", format="turtle")
    assert concepts == set(written.subjects(RDF.type, SKOS.Concept)) and len(concepts) >= 16
    browser = client.get("/code/space-kind", headers={"Accept": "text/html"})
    assert browser.headers["Location"] == "/vocabulary/codelists/space-kind.html"


#: what a browser accepts when it follows a link
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_without_its_documentation_the_ontology_is_shown_on_the_query_page(
    app: Flask, tmp_path: Path
) -> None:
    """No ``coworkmed vocab docs`` run: a browser asking for the ontology was sent to its
    documentation's page, a 404 (stranger 110). It is sent to the query page listing the
    ontology's graph; a code list's page, drawn live, is still its own."""
    client = app.test_client()
    settings = app.config["COWORKMED"]
    original = settings["docs"]
    try:
        settings["docs"] = str(tmp_path)  # an empty folder: no documentation written
        for lang in ("en", "el"):
            browser = client.get("/def/", headers={"Accept": "text/html", "Accept-Language": lang})
            assert browser.status_code == 303
            location = browser.headers["Location"]
            assert location.startswith("/query?") and "ontology" not in location
            with client.get(location) as page:
                assert page.status_code == 200
                assert "https://w3id.org/coworkmed/def/" in page.get_data(as_text=True)
        # the vocabulary's page links what is drawn live, no page of the documentation
        # (stranger 111: ontology.html, coworkmed.ttl, ontology.fr.html were 404s)
        with client.get("/vocabulary/", headers={"Accept-Language": "fr"}) as index:
            page = index.get_data(as_text=True)
        ontology_section = page.split('id="ontology-title"')[1].split("</section>")[0]
        links = re.findall(r'href="([^"]+)"', ontology_section)
        assert links and not any("ontology." in link for link in links), links
        for link in links:
            target = link if link.startswith("/") else f"/vocabulary/{link}"
            answer = client.get(html.unescape(target), headers={"Accept": BROWSER})
            if answer.status_code == 303:
                answer = client.get(answer.headers["Location"])
            assert answer.status_code == 200, (link, answer.status_code)
        code = client.get("/code/space-kind", headers={"Accept": "text/html"})
        assert code.headers["Location"] == "/vocabulary/codelists/space-kind.html"
        with client.get(code.headers["Location"]) as page:
            assert page.status_code == 200
    finally:
        settings["docs"] = original


def test_the_vocabulary_documentation_is_served(app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    settings = app.config["COWORKMED"]
    original = settings["docs"]
    try:
        settings["docs"] = str(tmp_path)
        missing = client.get("/vocabulary/ontology.html")
        assert missing.status_code == 404 and b"coworkmed vocab docs" in missing.data
        (tmp_path / "index.html").write_text("<h1>index</h1>", encoding="utf-8")
        (tmp_path / "ontology.html").write_text("<h1>CoworkMed ontology</h1>", encoding="utf-8")
        with client.get("/vocabulary/ontology.html") as page:
            assert page.status_code == 200 and b"CoworkMed ontology" in page.data
        # the folder's own address, which the README gives, is the vocabulary's page of the
        # site (it was a 404): the code lists by their labels in the reader's language
        with client.get("/vocabulary/", headers={"Accept-Language": "fr"}) as index:
            page = index.get_data(as_text=True)
            assert index.status_code == 200 and 'lang="fr"' in page
            assert "Types d&#39;espace" in page or "Types d'espace" in page
            assert 'href="codelists/space-kind.html"' in page
        with client.get("/vocabulary/../../etc/passwd") as escape:
            assert escape.status_code == 404
    finally:
        settings["docs"] = original


def test_search_escapes_what_was_typed(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": '"><script>x</script>'}).get_data(as_text=True)
    assert "<script>x" not in page and "&#34;&gt;&lt;script&gt;x" in page


@needs_browser
def test_the_resource_page_in_chromium(live: str) -> None:
    with browser_page(live) as visit:
        visit.page.goto(f"{live}/id/{SPACE}")  # the IRI itself: 303 to the page
        assert visit.page.url == f"{live}/doc/id/{SPACE}.html"
        visit.page.wait_for_selector("#map[data-ready=true]", timeout=30_000)
        assert visit.page.locator("#map path.leaflet-interactive").count() == 1  # the point
        assert visit.page.locator("#map svg path").count() > 50  # the country borders
        visit.screenshot("resource-page.png")
    visit.check()
