"""Licences and attributions over a store built by ``coworkmed build`` from the real copies in
data/ (osm-lisbon under the ODbL, paca-mednum under the Licence Ouverte, each with its coverage
in data/catalogue.csv): the observatory's page, CSVs and points credit the sources they show
(``attribution-cases.yaml``, one case per door); the whole graph, its dumps and VoID are ODbL
with every source's attribution; the territory graph is listed with Eurostat's; the per-100,000
figures count the covered regions' inhabitants only."""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Graph, Literal, Namespace, URIRef

from core.translations import in_language, load_catalogue
from core.vocabulary import LANGUAGES
from coworkmed.cli import main
from endpoint.app import create_app
from endpoint.dumps import export
from endpoint.site import TABLE, told_attribution
from loaders import enrich
from publishing.catalogue import TERRITORY_ATTRIBUTION, read_table

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
CASES = yaml.safe_load((Path(__file__).parent / "attribution-cases.yaml").read_text("utf-8"))
CSV_CASES = yaml.safe_load((Path(__file__).parent / "csv-cases.yaml").read_text("utf-8"))
LICENCES = {
    "ODBL": "https://opendatacommons.org/licenses/odbl/1-0/",
    "ETALAB": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    # the territory reference's (population, typologies): figures with territory: true credit it
    "EUROSTAT": "https://ec.europa.eu/eurostat/about-us/policies/copyright",
}
SOURCES = ("osm-lisbon", "paca-mednum")
DCTERMS = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
CC = Namespace("http://creativecommons.org/ns#")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("real")
    data = folder / "data"
    for source in SOURCES:
        shutil.copytree(ROOT / "data" / source, data / source)
    rows = (ROOT / "data" / "catalogue.csv").read_text(encoding="utf-8").splitlines()
    kept = [rows[0], *(r for r in rows[1:] if r.startswith(tuple(f"{s}," for s in SOURCES)))]
    (data / "catalogue.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    store = folder / "store"
    built = CliRunner().invoke(main, ["build", "--data", str(data), "--store", str(store)])
    assert built.exit_code == 0, built.output
    export(store, BASE, folder / "dumps")
    app = create_app({"store": str(store), "dumps": str(folder / "dumps"), "query_workers": 1})
    yield app
    app.extensions["coworkmed.pool"].close()


def _attributions() -> set[str]:
    return {row.attribution for row in read_table(ROOT / "data") if row.source in SOURCES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_each_door_credits_the_sources_it_shows(app: Flask, case: dict[str, Any]) -> None:
    response = app.test_client().get(case["path"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    links = response.headers.getlist("Link")
    if "licences" in case:
        expected = sorted(f'<{LICENCES[name]}>; rel="license"' for name in case["licences"])
        assert sorted(link for link in links if 'rel="license"' in link) == expected
    for text in case.get("says", []):
        assert text in body, text
    for text in case.get("not", []):
        assert text not in body, text


def _attributions_of(sources: list[str]) -> set[str]:
    """The attributions of ``sources``: rows of the catalogue table, and ``territory``, the
    territory reference's (a figure whose numbers are Eurostat's credits it)."""
    said = {row.attribution for row in read_table(ROOT / "data") if row.source in sources}
    return said | ({TERRITORY_ATTRIBUTION} if "territory" in sources else set())


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _header(client: FlaskClient, path: str) -> list[str]:
    answer = client.get(path)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return next(csv.reader(io.StringIO(answer.get_data(as_text=True))))


@pytest.mark.parametrize("case", CSV_CASES, ids=lambda case: case["name"])
def test_a_csv_is_its_table_and_its_metadata_credits_the_sources(
    app: Flask, case: dict[str, Any]
) -> None:
    """Regression: after the rows came a blank line and "Source: ..." lines, which pandas and R
    read as rows; an empty figure's header named its key twice (``Country,Country,Places``); a
    rate no source gives was the text "no source yet" in its number columns."""
    client = app.test_client()
    headers = {"Accept-Language": case["accept_language"]} if "accept_language" in case else {}
    answer = client.get(case["path"], headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/csv", answer.data[:300]
    header, *rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert header == case["header"] and len(set(header)) == len(header)
    assert all(len(row) == len(header) for row in rows), rows
    if "unfiltered" in case:
        assert not rows and _header(client, case["unfiltered"]) == header
    (described,) = [link for link in answer.headers.getlist("Link") if "describedby" in link]
    metadata_path = described.split(">", 1)[0].lstrip("<")
    metadata = client.get(metadata_path)  # as a CSVW processor asks: no Accept-Language
    assert metadata.status_code == 200 and metadata.mimetype == "application/csvm+json"
    document = json.loads(metadata.data)
    columns = document["tableSchema"]["columns"]
    names = "header=codes" in case["path"]
    assert [c["name"] for c in columns if names] == (header if names else [])
    # CSVW's compatibility: each header cell is one of its column's titles (stranger 42: with
    # header=codes, or a language from Accept-Language, the metadata's titles were others)
    titles = [[c["titles"]] if isinstance(c["titles"], str) else c["titles"] for c in columns]
    assert all(cell in said for cell, said in zip(header, titles, strict=True)), titles
    table_url = urlsplit(document["url"])
    asked = urlsplit(case["path"])
    assert table_url.path == asked.path.rsplit("/", 1)[1]
    assert set(parse_qsl(asked.query)) <= set(parse_qsl(table_url.query))
    for column, cells in zip(columns, zip(*rows, strict=True) if rows else [], strict=False):
        if column["datatype"] in ("integer", "decimal"):
            assert all(cell == "" or _is_number(cell) for cell in cells), column
    if "note" in case:
        assert columns[-1]["name"] == "note"
        assert {row[-1] for row in rows} == {"", case["note"]}
    credited = {source["cc:attributionName"] for source in document["dc:source"]}
    assert credited == _attributions_of(case["sources"])
    licences = {link for link in answer.headers.getlist("Link") if 'rel="license"' in link}
    assert {f'<{c["@id"]}>; rel="license"' for c in document["dc:license"]} == licences


def _catalogue(app: Flask, path: str) -> Graph:
    response = app.test_client().get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


def test_the_whole_graph_its_dumps_and_void_are_odbl_with_every_attribution(app: Flask) -> None:
    catalogue = _catalogue(app, "/catalog")
    whole = URIRef(f"{BASE}dataset")
    owed = _attributions() | {TERRITORY_ATTRIBUTION}
    dumps = [d for d in catalogue.objects(whole, DCAT.distribution) if "/dump/" in str(d)]
    assert len(dumps) == 2
    for node in [whole, *dumps]:
        assert set(catalogue.objects(node, DCTERMS.license)) == {URIRef(LICENCES["ODBL"])}
        assert {str(a) for a in catalogue.objects(node, CC.attributionName)} == owed
    void = _catalogue(app, "/.well-known/void")
    (dataset,) = {s for s in void.subjects(DCTERMS.license, URIRef(LICENCES["ODBL"]))}
    assert {str(a) for a in void.objects(dataset, CC.attributionName)} == owed


def test_the_territory_graph_is_in_the_catalogue_with_its_attribution(app: Flask) -> None:
    catalogue = _catalogue(app, "/catalog")
    territory = URIRef(f"{BASE}dataset/territory")
    assert (territory, CC.attributionName, Literal(TERRITORY_ATTRIBUTION)) in catalogue
    assert "© EuroGeographics" in TERRITORY_ATTRIBUTION and catalogue.value(
        territory, DCTERMS.license
    )
    (catalog,) = catalogue.subjects(DCAT.dataset, territory)
    assert catalogue.value(territory, DCTERMS.title)


def test_each_source_states_its_coverage_as_nuts_regions(app: Flask) -> None:
    catalogue = _catalogue(app, "/catalog")
    for row in read_table(ROOT / "data"):
        if row.source in SOURCES:
            dataset = URIRef(f"{BASE}dataset/{row.source}")
            spatial = {str(a) for a in catalogue.objects(dataset, DCTERMS.spatial)}
            assert spatial == {f"http://data.europa.eu/nuts/code/{c}" for c in row.coverage.split()}


def _figure(app: Flask, figure_id: str, query: str = "") -> dict[str, Any]:
    answer = app.test_client().get(f"/api/observatory/figures?lang=en{query}").get_json()
    found: dict[str, Any] = next(f for f in answer["figures"] if f["id"] == figure_id)
    return found


def _population(prefixes: tuple[str, ...]) -> int:
    return sum(
        int(row["population"])
        for code, row in enrich.figures().items()
        if code.startswith(prefixes)
    )


@pytest.mark.parametrize(
    ("query", "covered"),
    [("", ("FRL0", "PT170")), ("&country=PRT", ("PT170",)), ("&source=paca-mednum", ("FRL0",))],
)
def test_the_denominators_are_the_covered_regions_only(
    app: Flask, query: str, covered: tuple[str, ...]
) -> None:
    """Urban-rural per 100,000: the inhabitants of the regions a source (the chosen one, in the
    chosen country) covers, not the network's; a country no source covers has no rate."""
    rows = _figure(app, "16-urban-rural-per-100k", query)["rows"]
    assert sum(row[3] for row in rows) == _population(covered)
    countries = {
        row[0].rsplit("/", 1)[-1]: row for row in _figure(app, "15-country-per-100k", query)["rows"]
    }
    for code, row in countries.items():
        if not any(c.startswith(code) for c in covered):
            assert row[1:] == [None, None, None], code  # "no source yet", never 0


def test_the_catalogue_with_the_territory_and_the_licences_meets_dcat_ap(app: Flask) -> None:
    import pyshacl

    response = app.test_client().get("/catalog", headers={"Accept": "application/n-triples"})
    catalogue = Graph().parse(data=response.data, format="nt")
    shapes = Graph().parse(ROOT / "shapes" / "dcat-ap.ttl")
    conforms, _report, text = pyshacl.validate(catalogue, shacl_graph=shapes)
    assert conforms, text


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "These dumps hold the published data of generation"),
        ("fr", "Ces dumps contiennent les données publiées de la génération"),
        ("el", "Αυτά τα αρχεία εξαγωγής περιέχουν τα δημοσιευμένα δεδομένα της γενιάς"),
    ],
)
def test_the_catalogue_page_says_the_dumps_generation_once_where_the_dumps_are(
    app: Flask, lang: str, said: str
) -> None:
    """The sources' attribution and file have no dumps: the dumps' generation is said once, under
    the downloads of the whole graph (stranger 41: it followed every attribution and file)."""
    page = app.test_client().get(
        "/catalog", query_string={"lang": lang}, headers={"Accept": "text/html"}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count(said) == 1, text.count(said)
    downloads = text.split('href="/dumps/coworkmed-', 1)[1].split("</dd>", 1)[0]
    assert said in downloads


@pytest.mark.parametrize("source", SOURCES)
def test_a_space_page_that_names_its_regions_credits_eurostat(app: Flask, source: str) -> None:
    """A space's page shows the names of its NUTS regions, which are Eurostat's: it credits the
    territory reference beside the space's own source (stranger 85: only the source was)."""
    query = (
        "PREFIX cwm: <https://w3id.org/coworkmed/def/> SELECT ?s { ?s a cwm:Space ; "
        f"cwm:inDataset|(<http://www.w3.org/ns/prov#wasDerivedFrom>/cwm:inDataset) <{BASE}"
        f"dataset/{source}> ; ?p ?region FILTER(STRSTARTS(STR(?region), "
        '"http://data.europa.eu/nuts/code/")) } ORDER BY ?s LIMIT 1'
    )
    client = app.test_client()
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": "application/json"})
    (row,) = answer.get_json()["results"]["bindings"]
    space = row["s"]["value"]
    page = client.get("/doc/id/" + space.removeprefix(BASE) + ".html", query_string={"lang": "fr"})
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    assert told_attribution(TERRITORY_ATTRIBUTION, "fr") in body
    assert TERRITORY_ATTRIBUTION not in body  # in French (stranger 89)
    assert "droit d'auteur d'Eurostat (réutilisation avec attribution)" in body
    assert "Régions NUTS 2021 des pays du réseau" in body
    assert (
        next(row.attribution for row in read_table(ROOT / "data") if row.source == source) in body
    )
    # a page that names no region does not credit it (the space's point)
    point = client.get("/doc/id/" + space.removeprefix(BASE) + "/geometry.html")
    assert point.status_code == 200
    unescaped = html.unescape(point.get_data(as_text=True))
    assert TERRITORY_ATTRIBUTION not in unescaped
    assert told_attribution(TERRITORY_ATTRIBUTION, "en") not in unescaped


#: the pages that credit the territory reference in words, with what they are asked for
CREDITING = {
    "dumps": ("/dumps/", {}),
    "catalogue": ("/catalog", {"Accept": "text/html"}),
    "void": ("/.well-known/void", {"Accept": "text/html"}),
    "observatory": ("/observatory", {}),
}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
@pytest.mark.parametrize("door", CREDITING)
def test_the_projects_own_credit_is_in_the_pages_language(app: Flask, door: str, lang: str) -> None:
    """The territory reference's credit, title and licence are the project's own words: each
    page says them in its language (stranger 89: English on every Spanish and Croatian page)."""
    path, headers = CREDITING[door]
    page = app.test_client().get(path, query_string={"lang": lang}, headers=headers)
    assert page.status_code == 200
    body = html.unescape(page.get_data(as_text=True))
    assert told_attribution(TERRITORY_ATTRIBUTION, lang) in body
    assert TERRITORY_ATTRIBUTION not in body
    if door == "catalogue":
        assert "NUTS 2021 regions of the network's countries" not in body
        assert "The territory reference of the observatory" not in body


def test_the_dumps_page_of_an_odbl_whole_says_it_is_share_alike(app: Flask) -> None:
    """OpenStreetMap's extracts make the whole ODbL: the page says what that asks of a reuser."""
    said = load_catalogue(TABLE)["views"]
    page = app.test_client().get("/dumps/?lang=fr").get_data(as_text=True)
    assert str(escape(in_language(said["dumps_share_alike"], "fr"))) in page
    assert f'rel="license" href="{LICENCES["ODBL"]}"' in page
