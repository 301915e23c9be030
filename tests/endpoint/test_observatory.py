"""The observatory: every figure answers, filters apply to every figure and to the map, bad
filter values are refused, CSVs neutralise formulas, answers are cached per store generation,
and in Chromium the dashboard loads with no error and no request leaving the server, the map
shows the spaces and a filter changes the figures."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from endpoint import observatory as observatory_routes
from endpoint.app import create_app
from observatory import figures as observatory
from observatory.cube import refresh_cube
from tests.backends import Published
from tests.endpoint.accessibility import axe_violations, describe, overflow
from tests.endpoint.browser import browser_page, needs_browser
from tests.endpoint.support import put_turtle
from triplestore.versions import published_graphs, write
from validation.messages import catalogue

TOKEN = "observatory-tests"
BASE = "https://w3id.org/coworkmed/id/"
INDICATORS = Path(__file__).parents[1] / "observatory" / "indicators"
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def app(writable_module: Published) -> Iterator[Flask]:
    app = create_app(writable_module.config(query_workers=2, update_token=TOKEN))
    yield app
    app.extensions["coworkmed.pool"].close()


def _count(client: FlaskClient, patterns: str) -> int:
    query = (
        "PREFIX cwm: <https://w3id.org/coworkmed/def/> "
        f"SELECT (COUNT(DISTINCT ?space) AS ?n) WHERE {{ ?space a cwm:Space . {patterns} }}"
    )
    answer = client.get("/sparql", query_string={"query": query})
    return int(json.loads(answer.data)["results"]["bindings"][0]["n"]["value"])


def _figures(client: FlaskClient, **filters: str) -> dict[str, dict]:
    response = client.get("/api/observatory/figures", query_string=filters)
    assert response.status_code == 200, response.data
    return {figure["id"]: figure for figure in response.get_json()["figures"]}


def _offered(page: str) -> dict[str, list[str]]:
    """Each filter's offered values on the dashboard's page (the "all" choice left out)."""
    selects = re.findall(r'<select name="(\w+)" id="filter-\w+">(.*?)</select>', page, re.S)
    return {name: re.findall(r'<option value="([^"]+)"', body) for name, body in selects}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["el"])
def test_every_offered_filter_value_shows_some_place(client: FlaskClient, lang: str) -> None:
    """Regression (stranger 43): the kind filter offered 17 kinds, 12 of which gave an empty
    page, and the territory filter three types no source reports; a value is offered when some
    record has it, and a filter no record gives is not offered (the country filter did so)."""
    page = client.get(f"/observatory?lang={lang}").get_data(as_text=True)
    offered = _offered(page)
    assert {"country", "kind", "source"} <= set(offered)
    for name, values in offered.items():
        assert values, name
        for value in values:
            places = _figures(client, **{name: value})["01-country"]["rows"]
            assert sum(row[-1] for row in places) > 0, (name, value)
    every_kind = set(observatory.allowed_values()["kind"])
    assert set(offered["kind"]) < every_kind  # the samples have some kinds, not all
    # a value named in a link is kept and said, even when no record has it
    missing = sorted(every_kind - set(offered["kind"]))[0]
    linked = client.get(f"/observatory?lang={lang}&kind={missing}").get_data(as_text=True)
    assert _offered(linked)["kind"][-1] == missing and 'class="empty-view"' in linked


def test_every_figure_answers_on_the_samples(client: FlaskClient) -> None:
    figures = _figures(client)
    assert set(figures) == set(observatory.table()["figures"])
    empty = [name for name, figure in figures.items() if not figure["rows"]]
    # no sample says how its operator is governed; the samples' store has no territory graph
    # (lane F) for the region figures; no sample has CGET's metropole flag
    territorial = [
        n for n in observatory.table()["figures"] if "13" <= n[:2] <= "19" or n[:2] == "22"
    ]
    assert empty == ["10-governance", *territorial, "23-metropoles"]
    # Tuscany's sample gives its municipalities' ISTAT codes: Eurostat's class of each, beside
    # what the partner reports (Massa Marittima: "rurale" for the partner, towns and suburbs
    # for Eurostat; Poppi: rural areas for both)
    by_class = {
        row[0].rsplit("/", 1)[1]: row[1] for row in figures["24-degree-of-urbanisation"]["rows"]
    }
    assert by_class == {"cities": 4, "towns-and-suburbs": 3, "rural-areas": 1}
    by_source = figures["20-sources"]["rows"]
    assert sum(row[2] for row in by_source) == _count(client, "")
    assert sum(row[1] for row in figures["21-clusters"]["rows"]) == _count(client, "")
    by_country = {row[0]: row[1] for row in figures["01-country"]["rows"]}
    assert sum(by_country.values()) == _count(client, "")
    assert figures["01-country"]["labels"][observatory.EU_COUNTRY + "HRV"] == "Croatia"


def _differing_at_sparql(client: FlaskClient, **filters: str) -> dict[str, object]:
    """The figures whose query, as the dashboard shows it and links to the query page, gives
    other rows at /sparql than the figure has: /sparql reads every published graph (the cube
    and the vocabulary too), the dashboard the data graphs alone."""
    differing: dict[str, object] = {}
    for name, figure in _figures(client, **filters).items():
        answer = client.post(
            "/sparql",
            data={"query": figure["query"]},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200, (name, answer.data[:300])
        solutions = ox.parse_query_results(answer.data, format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)
        rows = [
            [observatory.value(row[column]) for column in figure["columns"]] for row in solutions
        ]
        if sorted(map(repr, rows)) != sorted(map(repr, figure["rows"])):
            differing[name] = {"sparql": rows[:3], "dashboard": figure["rows"][:3]}
    return differing


def _named_by_iri(figures: dict[str, dict], within: str = "://") -> dict[str, list[str]]:
    """The IRIs (holding ``within``) each figure shows with no name but the IRI itself."""
    found = {
        name: sorted(
            {
                cell
                for row in figure["rows"]
                for cell in row
                if isinstance(cell, str)
                and within in cell
                and "://" in figure["labels"].get(cell, cell)
            }
        )
        for name, figure in figures.items()
    }
    return {name: iris for name, iris in found.items() if iris}


@pytest.mark.parametrize("lang", ["en", "el", "hr"])
def test_no_figure_names_a_row_by_its_iri(client: FlaskClient, lang: str) -> None:
    """Regression: the NUTS-2 regions (figures 02 and 14), which the reference does not name,
    were shown and downloaded by their IRI; a region without a name is shown by its code."""
    figures = _figures(client, lang=lang)
    assert _named_by_iri(figures) == {}
    assert figures["02-nuts2"]["rows"] and all(
        figures["02-nuts2"]["labels"][row[0]] == row[0].rsplit("/", 1)[1]
        for row in figures["02-nuts2"]["rows"]
    )


@pytest.mark.parametrize(
    "filters", [{}, {"kind": "coworking"}, {"territory": "rural"}, {"degurba": "3"}], ids=repr
)
def test_each_figures_query_gives_its_rows_at_sparql(
    client: FlaskClient, filters: dict[str, str]
) -> None:
    """Regression: the cube's observations had the spaces' own properties (cwm:nutsRegion,
    cwm:spaceKind, cwm:territoryType), so at /sparql the figures counted them as spaces (NUTS-2
    FRL0: 769 places there, 763 on the dashboard, on the real build)."""
    assert _differing_at_sparql(client, **filters) == {}


@pytest.mark.parametrize(
    ("filters", "patterns"),
    [
        ({"country": "ITA"}, "?space cwm:country <{eu}ITA> ."),
        (
            {"territory": "rural", "country": "ITA"},
            "?space cwm:country <{eu}ITA> ; cwm:territoryType <{code}territory-type/rural> .",
        ),
        ({"kind": "fab-lab"}, "?space cwm:spaceKind <{code}space-kind/fab-lab> ."),
        ({"public": "women"}, "?space cwm:targetPublic <{code}public/women> ."),
    ],
)
def test_a_filter_applies_to_every_figure_and_to_the_map(
    client: FlaskClient, filters: dict[str, str], patterns: str
) -> None:
    expected = _count(
        client,
        patterns.format(eu=observatory.EU_COUNTRY, code="https://w3id.org/coworkmed/code/"),
    )
    figures = _figures(client, **filters)
    assert sum(row[1] for row in figures["01-country"]["rows"]) == expected > 0
    assert sum(row[1] for row in figures["05-territory"]["rows"]) == expected
    wanted = [f"<{observatory.allowed_values()[n][v]}>" for n, v in filters.items()]
    assert all(w in figure["query"] for figure in figures.values() for w in wanted)
    points = client.get("/api/observatory/points", query_string=filters).get_json()["points"]
    assert 0 < len(points) <= expected
    assert all(path.startswith("/id/space/") for _lat, _lon, path, _name in points)


#: the observatory's answers for programs, each refusing a filter it does not have
API_PATHS = (
    "/api/observatory/figures",
    "/api/observatory/points",
    "/api/observatory/figures/01-country.csv",
    "/api/observatory/figures/15-country-per-100k.csv-metadata.json",
)
FILTER_CASES = yaml.safe_load((Path(__file__).parent / "filter-cases.yaml").read_text("utf-8"))


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": "nonsense"},
        {"country": "GRC> . ?x ?y ?z"},
        {"territory": "urban'"},
        {"source": "fr-aura> . ?x ?y ?z"},
        {"source": "Fr Aura"},
    ],
)
@pytest.mark.parametrize("lang", ["en", "fr", "el", "hr"])
def test_unknown_filter_values_are_refused(
    client: FlaskClient, filters: dict[str, str], lang: str
) -> None:
    """In the reader's language (issue #18: the API's 400 was English whatever the reader's):
    the API's problem details, the dashboard's error page; by lang= and by Accept-Language."""
    code = "bad-source-filter" if "source" in filters else "unknown-filter-value"
    sentence = catalogue()["problems"][code][lang]
    opening = sentence.split("{")[0]
    by_lang = ({**filters, "lang": lang}, {})
    by_header = (filters, {"Accept-Language": lang})
    for query, headers in (by_lang, by_header):
        for path in API_PATHS:
            response = client.get(path, query_string=query, headers=headers)
            body = response.get_json()
            assert response.status_code == 400 and response.mimetype == "application/json"
            assert body["error"] == code and body["language"] == lang, body
            assert body["message"].startswith(opening) and "is not one of" in body["detail"]
        page = client.get(
            "/observatory", query_string=query, headers={**headers, "Accept": "text/html"}
        )
        assert page.status_code == 400 and opening in page.get_data(as_text=True)


@pytest.mark.parametrize("case", FILTER_CASES, ids=lambda case: case["name"])
def test_every_door_refuses_a_filter_alike(client: FlaskClient, case: dict) -> None:
    """Regression: an unknown source gave 200 and "0 places" where an unknown country gave 400;
    a filter given twice kept its first value and dropped the others silently; a CSV's header
    choice other than names or codes gave the names silently. Every door (the API, the CSV and
    its metadata, the page) refuses them, in the reader's language."""
    code, lang = case["error"], case["lang"]
    opening = catalogue()["problems"][code][lang].split("{")[0]
    pairs = [(name, value) for name, value in case["query"]]
    chosen = [] if any(name == "lang" for name, _ in pairs) else [("lang", lang)]
    for path in case.get("paths", API_PATHS):
        response = client.get(path, query_string=[*pairs, *chosen])
        body = response.get_json()
        assert response.status_code == 400 and response.mimetype == "application/json", path
        assert body["error"] == code and body["language"] == lang, (path, body)
        assert body["message"].startswith(opening), body
        assert all(said in body["message"] for said in case.get("says", [])), body["message"]
    headers = {"Accept-Language": lang, "Accept": "text/html"}
    if case.get("page") == "ignores":  # the page shows the filters it applies
        page = client.get("/observatory", query_string=pairs, headers=headers)
        assert page.status_code == 200 and opening not in page.get_data(as_text=True)
        return
    if "paths" in case:  # a parameter of the CSVs only
        return
    page = client.get("/observatory", query_string=pairs, headers=headers)
    assert page.status_code == 400 and opening in page.get_data(as_text=True)


@pytest.mark.parametrize("door", sorted(observatory_routes.DOOR_PARAMETERS))
def test_openapi_lists_the_parameters_each_door_takes(app: Flask, door: str) -> None:
    """Regression: the CSVW metadata's parameters in openapi.json lacked degurba and the points'
    lacked lang, which both take; each door's are the filters and its own, no more."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == door)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
    described = json.loads((ROOT / "endpoint" / "openapi.json").read_text("utf-8"))
    parameters = described["paths"][path]["get"]["parameters"]
    named = {p["name"] for p in parameters if p.get("in") == "query"}
    assert named == {*observatory.table()["filters"], *observatory_routes.DOOR_PARAMETERS[door]}


def test_a_filter_given_twice_with_one_value_is_that_filter(client: FlaskClient) -> None:
    """Supported on purpose (a form and a link naming the same country): one value, once."""
    twice = _figures(client, country="FRA")
    same = client.get("/api/observatory/figures?country=FRA&country=FRA").get_json()
    assert same["filters"] == {"country": "FRA"} and same["figures"][0] == twice["01-country"]


def test_a_figure_downloads_as_csv_without_formulas(client: FlaskClient) -> None:
    hostile = (
        f"<{BASE}space/test/formula> a <https://w3id.org/coworkmed/def/Space> ; "
        f"<https://w3id.org/coworkmed/def/memberOf> <{BASE}network/formula> . "
        f'<{BASE}network/formula> <https://schema.org/name> "=HYPERLINK(\\"http://x\\")" .'
    )
    put_turtle(client, "https://example.org/formula", hostile, TOKEN)
    response = client.get("/api/observatory/figures/11-networks.csv?header=codes")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["label", "network", "members", "countries"]
    assert ['\'=HYPERLINK("http://x")', f"{BASE}network/formula", "1", "0"] in rows
    assert client.get("/api/observatory/figures/99-nothing.csv").status_code == 404


def test_answers_are_kept_until_the_store_changes(client: FlaskClient) -> None:
    before = _figures(client, country="HRV")
    again = _figures(client, country="HRV")
    assert again == before
    triples = (
        f"<{BASE}space/test/new> a <https://w3id.org/coworkmed/def/Space> ; "
        "<https://w3id.org/coworkmed/def/country> "
        f"<{observatory.EU_COUNTRY}HRV> ."
    )
    put_turtle(client, "https://example.org/new", triples, TOKEN)
    after = _figures(client, country="HRV")
    assert after["01-country"]["rows"][0][1] == before["01-country"]["rows"][0][1] + 1


@pytest.mark.parametrize(
    "view", ["/api/observatory/figures?lang=el", "/api/observatory/figures?country=HRV&lang=fr"]
)
def test_the_json_of_a_document_is_written_once_for_its_readers(
    app: Flask, writable_module: Published, view: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each reader of the figures had their JSON written again (5 ms of the server's time for
    the whole network), while answers before are given too (no whole answer kept then): it is
    written once per answer and app (its public path: the figures' query links)."""
    written: list[str] = []
    link = observatory_routes._query_link

    def counted(sparql: str) -> str:
        written.append(sparql)
        return link(sparql)

    monkeypatch.setattr(observatory_routes, "_query_link", counted)
    monkeypatch.setattr(observatory_routes, "_BODIES", type(observatory_routes._BODIES)())
    client = app.test_client()
    afresh = {"Cache-Control": "no-cache"}  # past the whole answers kept
    first = client.get(view, headers=afresh)
    once = len(written)
    assert once > 0
    again = client.get(view, headers=afresh)
    assert len(written) == once and again.data == first.data
    assert b'"/obs/query?' not in first.data
    other = create_app(writable_module.config(query_workers=1, public_url="http://127.0.0.1:9/obs"))
    try:
        under = other.test_client().get(view, headers=afresh)
    finally:
        other.extensions["coworkmed.pool"].close()
    assert len(written) == 2 * once and b'"/obs/query?' in under.data


def test_the_source_filter_lists_the_sources_and_applies(client: FlaskClient) -> None:
    page = client.get("/observatory?lang=en").get_data(as_text=True)
    assert 'id="filter-source"' in page and '<option value="fr-aura"' in page
    assert 'id="choropleth"' in page and 'id="regions-cube"' in page
    patterns = (
        "?space <http://www.w3.org/ns/prov#wasDerivedFrom>/cwm:inDataset <{}dataset/fr-aura> ."
    )
    expected = _count(client, patterns.format(BASE))
    figures = _figures(client, source="fr-aura")
    assert sum(row[1] for row in figures["01-country"]["rows"]) == expected > 0
    assert {row[0] for row in figures["20-sources"]["rows"]} == {f"{BASE}dataset/fr-aura"}


def test_the_regions_outlines_for_the_choropleth(client: FlaskClient) -> None:
    response = client.get("/api/observatory/regions.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    codes = {feature["properties"]["code"] for feature in features}
    assert {"FRK26", "ITI14", "EL303", "HR021", "ES511"} <= codes and len(codes) > 300
    assert all(
        f["id"] == "http://data.europa.eu/nuts/code/" + f["properties"]["code"] for f in features
    )


def test_the_dashboard_page_in_every_language(client: FlaskClient) -> None:
    for lang, title in [("en", "CoworkMed observatory"), ("el", "Παρατηρητήριο CoworkMed")]:
        page = client.get(f"/observatory?lang={lang}").get_data(as_text=True)
        assert f"<h1>{title}</h1>" in page and 'id="filter-territory"' in page
    page = client.get("/observatory?lang=fr&territory=rural").get_data(as_text=True)
    assert '<option value="rural" selected>zone rurale</option>' in page


@needs_browser
def test_the_dashboard_in_chromium(live: str, client: FlaskClient) -> None:
    territory = (INDICATORS / "territory.ttl").read_text(encoding="utf-8")
    put_turtle(client, f"{BASE}territory", territory, TOKEN)  # lane F's shape: 5 NUTS-3 regions
    sources = (INDICATORS / "sources.ttl").read_text(encoding="utf-8")
    put_turtle(client, f"{BASE}sources", sources, TOKEN)  # the territory each source covers
    with browser_page(live) as visit:
        page = visit.page
        page.goto(f"{live}/observatory?lang=en")
        page.wait_for_selector("body[data-loading=false]", timeout=30_000)
        everything = int(page.get_attribute("#figures", "data-spaces"))
        on_map = int(page.get_attribute("#map", "data-points"))
        assert everything > 20 and on_map > 20
        assert page.locator("#figures canvas").count() >= 8
        assert page.locator("#map .marker-cluster, #map path.leaflet-interactive").count() > 0
        # the choropleth beside the map: every NUTS-3 outline drawn, the fixture's regions that
        # hold a sample space coloured, a legend
        assert page.locator("#choropleth path.leaflet-interactive").count() > 300
        assert int(page.get_attribute("#choropleth", "data-regions")) > 0
        assert page.locator("#choropleth .legend i").count() >= 2
        # regions no source covers are named so (greyed), and the sources shown are credited
        assert "no source yet" in page.inner_text("#choropleth .legend")
        assert page.locator("#credits li").count() >= 1
        assert page.locator("#filter-source option").count() > 3
        page.select_option("#filter-country", "ITA")
        # a selector, not a script: the page's CSP forbids evaluating strings
        page.wait_for_selector(f"#figures:not([data-spaces='{everything}'])", timeout=30_000)
        page.wait_for_selector("body[data-loading=false]", timeout=30_000)
        page.select_option("#filter-territory", "rural")
        page.wait_for_timeout(300)
        page.wait_for_selector("body[data-loading=false]", timeout=30_000)
        rural_italy = int(page.get_attribute("#figures", "data-spaces"))
        assert 0 < rural_italy < everything
        assert int(page.get_attribute("#map", "data-points")) <= rural_italy
        assert "territory=rural" in page.url and "country=ITA" in page.url
        visit.screenshot("observatory.png")
    visit.check()


@needs_browser
@pytest.mark.slow
def test_the_maps_on_a_slow_machine_and_by_keyboard(live: str) -> None:
    """Regressions of a stranger's pass: on a busy machine the marker cluster still held no
    marker when the map fitted its bounds ("Bounds are not valid.", the choropleth never drawn),
    and every region outline was a silent Tab stop in front of the map's list."""
    with browser_page(live) as visit:
        page = visit.page
        # a slow processor: the cluster's chunked loading lags behind the script, as it did
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 12})
        page.goto(f"{live}/observatory?lang=it", wait_until="commit", timeout=120_000)
        page.wait_for_selector("body[data-loading=false]", state="attached", timeout=120_000)
        page.wait_for_selector("#choropleth path.leaflet-interactive", timeout=60_000)
        assert int(page.get_attribute("#map", "data-points") or 0) > 20
        outlines = page.locator("#choropleth path.leaflet-interactive")
        assert outlines.count() > 300
        assert page.locator("#choropleth path[tabindex='0']").count() == 0
        # from the last filter, a few Tabs reach the map's list, not hundreds
        page.focus("#filter-source")
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.closest('#map-list') !== null"):
                break
        else:
            raise AssertionError("the map's list is not within 30 Tab stops of the filters")
    visit.check()


@pytest.mark.parametrize(
    ("lang", "croatia"),
    [
        ("en", "Croatia"),
        ("fr", "Croatie"),
        ("it", "Croazia"),
        ("es", "Croacia"),
        ("el", "Κροατία"),
        ("hr", "Hrvatska"),
    ],
)
def test_countries_are_named_in_the_readers_language(
    client: FlaskClient, lang: str, croatia: str
) -> None:
    """Countries by pycountry's translations, in the API, its CSV and the filter's choices."""
    figures = _figures(client, lang=lang)
    assert figures["01-country"]["labels"][observatory.EU_COUNTRY + "HRV"] == croatia
    table = client.get("/api/observatory/figures/01-country.csv", query_string={"lang": lang})
    assert table.status_code == 200
    assert croatia in table.get_data(as_text=True)
    page = client.get("/observatory", query_string={"lang": lang})
    assert croatia in page.get_data(as_text=True)


def _short(cell: object) -> object:
    """As tests/observatory/test_indicators.py shortens: IRIs to their last segment, years to
    numbers."""
    if isinstance(cell, str) and "/" in cell:
        return cell.rstrip("/").rsplit("/", 1)[-1]
    return int(cell) if isinstance(cell, str) and cell.isdigit() else cell


def test_the_territorial_indicators_on_each_store(empty: Published) -> None:
    """The figures (01-07, 13-23) over the fixture graphs in lanes E and F's shapes, through the
    dashboard's API on each backend, give the rows worked out by hand
    (``tests/observatory/indicators/expected.yaml``)."""
    app = create_app(empty.config(query_workers=2, update_token=TOKEN))
    try:
        client = app.test_client()
        for name in ("territory", "records", "sources"):
            turtle = (INDICATORS / f"{name}.ttl").read_text(encoding="utf-8")
            put_turtle(client, f"{BASE}{name}", turtle, TOKEN)
        wrong = {}
        for case in yaml.safe_load((INDICATORS / "expected.yaml").read_text(encoding="utf-8")):
            figure = _figures(client, **case.get("filters", {}))[case["figure"]]
            rows = [[_short(cell) for cell in row] for row in figure["rows"]]
            if rows != case["rows"]:
                wrong[f"{case['figure']} {case.get('filters', {})}"] = rows
        assert not wrong, wrong
        # the regions cube, recomputed as a publish does, holds figure 13's numbers
        write(
            empty.location,
            lambda store: refresh_cube(store, BASE, published_graphs(store, BASE)),
            BASE,
        )
        cube = (
            "SELECT ?places ?rate WHERE { GRAPH <" + BASE + "cube> { ?o "
            "<https://w3id.org/coworkmed/def/refRegion> <http://data.europa.eu/nuts/code/FRK13> ; "
            "<https://w3id.org/coworkmed/def/placeCount> ?places ; "
            "<https://w3id.org/coworkmed/def/placesPer100k> ?rate } }"
        )
        answer = client.get("/sparql", query_string={"query": cube})
        found = [
            (int(row["places"]["value"]), float(row["rate"]["value"]))
            for row in json.loads(answer.data)["results"]["bindings"]
        ]
        assert found == [(2, 2.0)]
        # with the regions cube published, each figure's query still gives its rows at /sparql
        assert _differing_at_sparql(client) == {}
        # the fixture has no vocabulary (no names of code list terms), only regions
        assert _named_by_iri(_figures(client), within="/nuts/") == {}
    finally:
        app.extensions["coworkmed.pool"].close()


def _number(client: FlaskClient, query: str) -> int:
    answer = client.get("/sparql", query_string={"query": query})
    return int(json.loads(answer.data)["results"]["bindings"][0]["n"]["value"])


PREFIXES = (
    "PREFIX cwm: <https://w3id.org/coworkmed/def/> PREFIX prov: <http://www.w3.org/ns/prov#> "
)


@pytest.mark.parametrize(
    ("filters", "patterns"),
    [
        ({}, ""),
        ({"country": "ITA"}, "?space cwm:country <{eu}ITA> ."),
        ({"territory": "rural"}, "?space cwm:territoryType <{code}territory-type/rural> ."),
    ],
)
def test_headline_figures_equal_counts_from_the_store(
    client: FlaskClient, filters: dict[str, str], patterns: str
) -> None:
    """Records, places (clusters), sources and countries of the headline, counted here anew."""
    where = "?space a cwm:Space . " + patterns.format(
        eu=observatory.EU_COUNTRY, code="https://w3id.org/coworkmed/code/"
    )
    expected = {
        "records": f"SELECT (COUNT(DISTINCT ?space) AS ?n) WHERE {{ {where} }}",
        "places": (
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} "
            "OPTIONAL { ?space cwm:canonicalPlace ?c } BIND (COALESCE(?c, ?space) AS ?p) }"
        ),
        "sources": (
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} "
            "?space prov:wasDerivedFrom/cwm:inDataset ?s }"
        ),
        "countries": f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {where} ?space cwm:country ?c }}",
        "territory_given": (
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} ?space cwm:territoryType ?t "
            "OPTIONAL { ?space cwm:canonicalPlace ?c } BIND (COALESCE(?c, ?space) AS ?p) }"
        ),
        "rural": (
            f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} ?space cwm:territoryType "
            "<https://w3id.org/coworkmed/code/territory-type/rural> "
            "OPTIONAL { ?space cwm:canonicalPlace ?c } BIND (COALESCE(?c, ?space) AS ?p) }"
        ),
    }
    response = client.get("/api/observatory/figures", query_string=filters)
    glance = response.get_json()["headline"]
    found = {name: glance[name] for name in expected}
    assert found == {name: _number(client, PREFIXES + q) for name, q in expected.items()}
    assert 0 < glance["places"] <= glance["records"]
    assert 0 < glance["rural"] <= glance["territory_given"] <= glance["places"]
    assert glance["rural_text"].startswith("rural: ")
    assert glance["texts"][0].endswith(" places") or glance["texts"][0] == "1 place"


def test_an_empty_figure_says_why(client: FlaskClient) -> None:
    """No source gives a governance model: no_data; a country no source covers is not offered,
    and named in a link it empties every figure once, saying why (filtered), never a bare box."""
    figures = _figures(client)
    assert figures["10-governance"]["empty"] == "no_data"
    assert figures["01-country"]["empty"] is None
    assert figures["10-governance"]["headers"] == ["Governance model", "Places"]
    cyprus = _figures(client, country="CYP")
    assert {f["empty"] for f in cyprus.values()} <= {"filtered", "no_data"}
    assert cyprus["01-country"]["empty"] == "filtered"
    page = client.get("/observatory?lang=en").get_data(as_text=True)
    assert '<option value="CYP"' not in page and '<option value="ITA"' in page
    chosen = client.get("/observatory?lang=el&country=CYP").get_data(as_text=True)
    assert chosen.count('class="empty-view"') == 1 and '<option value="CYP" selected>' in chosen
    assert "Κανένας τόπος" in chosen


def test_coverage_notes_count_the_places_giving_the_field(client: FlaskClient) -> None:
    figures = _figures(client)
    territory = figures["05-territory"]["coverage"]
    given = _number(
        client,
        PREFIXES + "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?space a cwm:Space ; "
        "cwm:territoryType ?t OPTIONAL { ?space cwm:canonicalPlace ?c } "
        "BIND (COALESCE(?c, ?space) AS ?p) }",
    )
    assert territory["reporting"] == given
    assert (
        territory["places"]
        == client.get("/api/observatory/figures").get_json()["headline"]["places"]
    )
    assert figures["07-capacity"]["series"] == ["workstations", "floor_area"]
    assert figures["07-capacity"]["units"][1:3] == ["workstations", "m2"]


def test_closed_places_without_a_date_are_counted_in_a_note(client: FlaskClient) -> None:
    """Regression: closures were flat at 0 though spaces were closed: their records give a
    status, not a closing date; the years figure now says how many it cannot place."""
    before = client.get("/api/observatory/figures").get_json()["headline"]["closed_undated"]
    closed = (
        f"<{BASE}space/test/closed> a <https://w3id.org/coworkmed/def/Space> ; "
        "<https://w3id.org/coworkmed/def/activityStatus> "
        "<https://w3id.org/coworkmed/code/activity-status/closed> ."
    )
    put_turtle(client, "https://example.org/closed", closed, TOKEN)
    after = client.get("/api/observatory/figures").get_json()["headline"]["closed_undated"]
    assert after == before + 1


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("en", ["Country", "Country (IRI)", "Places"]),
        ("fr", ["Pays", "Pays (IRI)", "Lieux"]),
        ("it", ["Paese", "Paese (IRI)", "Luoghi"]),
        ("es", ["País", "País (IRI)", "Lugares"]),
        ("el", ["Χώρα", "Χώρα (IRI)", "Τόποι"]),
        ("hr", ["Država", "Država (IRI)", "Mjesta"]),
    ],
)
def test_csv_headers_in_the_readers_language(
    client: FlaskClient, lang: str, header: list[str]
) -> None:
    answer = client.get("/api/observatory/figures/01-country.csv", query_string={"lang": lang})
    assert next(csv.reader(io.StringIO(answer.get_data(as_text=True)))) == header
    codes = client.get(
        "/api/observatory/figures/01-country.csv", query_string={"lang": lang, "header": "codes"}
    )
    assert next(csv.reader(io.StringIO(codes.get_data(as_text=True)))) == [
        "label",
        "country",
        "places",
    ]


#: the table cells of the figures whose number is cut across lines, or that may break a word
CUT_CELLS = """() => [...document.querySelectorAll('#figures table.facts :is(th, td)')]
  .filter((cell) => {
    if (['anywhere', 'break-word'].includes(getComputedStyle(cell).overflowWrap)) return true;
    if (!cell.classList.contains('number') || !cell.textContent.trim()) return false;
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
  }).map((cell) => cell.textContent)"""


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
@pytest.mark.parametrize("lang", ["en", "el"])
def test_the_dashboard_at_desktop_and_phone_sizes(
    live: str, client: FlaskClient, lang: str, width: int, height: int
) -> None:
    """WCAG 2.2 AA by axe-core, no horizontal scroll, the headline first, every figure a chart,
    a table or a reason, the map's list alternative reachable by keyboard; screenshots into
    test-artifacts/."""
    with browser_page(live, size=(width, height)) as visit:
        page = visit.page
        page.goto(f"{live}/observatory?lang={lang}")
        page.wait_for_selector("body[data-loading=false]", timeout=60_000)
        assert overflow(page) == 0
        # a number of a table on one line, a word whole (at 390 px a stranger read "141/.03/9"
        # and "Τόπο/ι": the page let a table's cells break anywhere)
        assert page.locator("#figures table.facts td.number").count() > 0
        assert page.evaluate(CUT_CELLS) == []
        assert page.get_attribute("#figures", "aria-busy") == "false"
        # each chart's numbers as a table too (stranger 43: a screen reader had only its title)
        charts = page.locator("#figures section.figure:has(canvas)")
        assert charts.count() > 0
        assert page.locator("#figures section.figure:has(canvas) details table").count() == (
            charts.count()
        )
        violations = axe_violations(page)
        assert not violations, describe(violations)
        assert page.locator("#headline li").count() == 4
        figures = page.locator("#figures section.figure")
        assert figures.count() == len(observatory.table()["figures"])
        shown = page.locator("#figures section.figure:has(canvas, table, p.empty)").count()
        assert shown == figures.count()
        assert page.locator("#figure-10-governance p.empty").count() == 1
        assert page.get_attribute("html", "lang") == lang
        # the keyboard reaches the filters and opens the map's list
        page.focus("#filter-country")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "filter-kind"
        page.focus("#map-list summary")
        page.keyboard.press("Enter")
        assert page.locator("#map-list tbody a").count() > 20
        visit.screenshot(f"observatory-{lang}-{width}x{height}.png")
        page.locator("#map-list summary").press("Enter")  # closed again, for the views below
        page.evaluate("window.scrollTo(0, 0)")
        visit.screenshot(f"observatory-{lang}-{width}x{height}-top.png", full_page=False)
        for figure in ("07-capacity", "04-kind", "06-years"):
            visit.screenshot(
                f"observatory-{lang}-{width}-{figure}.png", of=page.locator(f"#figure-{figure}")
            )
    visit.check()


def test_a_partner_source_is_credited_to_its_publisher(client: FlaskClient) -> None:
    """A partner's source that the catalogue table does not describe is credited, in a CSV's
    metadata, to the publisher its mapping names (stranger 84: no attribution at all)."""
    named = {}
    for mapping in sorted((ROOT / "examples" / "partners").glob("*/mapping.yaml")):
        source = yaml.safe_load(mapping.read_text(encoding="utf-8"))["source"]
        named[f"{BASE}dataset/{source['id']}"] = source["partner"]["name"]
    answer = client.get("/api/observatory/figures/04-kind.csv-metadata.json")
    credited = {s["@id"]: s.get("cc:attributionName") for s in answer.get_json()["dc:source"]}
    shown = {source: credited[source] for source in named if source in credited}
    assert len(shown) >= 3 and shown == {source: named[source] for source in shown}


def test_a_planned_place_has_not_opened(client: FlaskClient) -> None:
    """Figure 06 counts as opened the places that opened, not those whose opening date is a
    plan (stranger 85: two planned places of the samples were counted as opened)."""
    places = (
        "SELECT (COUNT(DISTINCT ?place) AS ?n) WHERE {{ ?space cwm:openingDate ?date . "
        "OPTIONAL {{ ?space cwm:canonicalPlace ?canonical }} "
        "BIND (COALESCE(?canonical, ?space) AS ?place) {} }}"
    )
    planned = "?space cwm:activityStatus <https://w3id.org/coworkmed/code/activity-status/planned>"

    def number(sparql: str) -> int:
        prefixed = "PREFIX cwm: <https://w3id.org/coworkmed/def/> " + sparql
        answer = client.get("/sparql", query_string={"query": prefixed})
        return int(json.loads(answer.data)["results"]["bindings"][0]["n"]["value"])

    opened = sum(row[1] for row in _figures(client)["06-years"]["rows"])
    assert number(places.format(f"FILTER EXISTS {{ {planned} }}")) > 0  # the samples have some
    assert opened == number(places.format(f"FILTER NOT EXISTS {{ {planned} }}"))


@pytest.mark.parametrize("door", ["/catalog", "/.well-known/void"])
def test_every_door_credits_a_partner_source_to_its_publisher(
    client: FlaskClient, door: str
) -> None:
    """The catalogue and VoID (and so the whole graph and its dumps, which take their rights
    from the same descriptions: ``endpoint.dumps.whole_rights``) credit a partner's source its
    catalogue table does not describe to the publisher its mapping names, as the observatory
    does (stranger 85: they credited none of the partners, four of them CC BY)."""
    named = {}
    for mapping in sorted((ROOT / "examples" / "partners").glob("*/mapping.yaml")):
        source = yaml.safe_load(mapping.read_text(encoding="utf-8"))["source"]
        named[f"{BASE}dataset/{source['id']}"] = source["partner"]["name"]
    answer = client.get(door, headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200, answer.data[:300]
    attribution = ox.NamedNode("http://creativecommons.org/ns#attributionName")
    said: dict[str, set[str]] = {}
    for quad in ox.parse(answer.data, format=ox.RdfFormat.N_TRIPLES):
        if quad.predicate == attribution:
            said.setdefault(quad.subject.value, set()).add(quad.object.value)
    whole = set().union(*said.values()) if said else set()
    shown = {source for source in named if source in said}
    if door == "/catalog":  # each partner dataset is described there
        assert shown == set(named) and all(said[s] == {named[s]} for s in shown)
    assert set(named.values()) <= whole  # the whole graph owes every one of them
