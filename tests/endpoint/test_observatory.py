"""The observatory: every figure answers, filters apply to every figure and to the map, bad
filter values are refused, CSVs neutralise formulas, answers are cached per store generation,
and in Chromium the dashboard loads with no error and no request leaving the server, the map
shows the spaces and a filter changes the figures."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from endpoint.app import create_app
from observatory import figures as observatory
from tests.backends import Published
from tests.endpoint.browser import browser_page, needs_browser
from tests.endpoint.support import put_turtle

TOKEN = "observatory-tests"
BASE = "https://w3id.org/coworkmed/id/"


@pytest.fixture(scope="module")
def app(writable_module: Published) -> Iterator[Flask]:
    app = create_app(writable_module.config(query_workers=2, update_token=TOKEN))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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


def test_every_figure_answers_on_the_samples(client: FlaskClient) -> None:
    figures = _figures(client)
    assert set(figures) == set(observatory.table()["figures"])
    empty = [name for name, figure in figures.items() if not figure["rows"]]
    assert empty == ["10-governance"]  # no sample says how its operator is governed
    by_country = {row[0]: row[1] for row in figures["01-country"]["rows"]}
    assert sum(by_country.values()) == _count(client, "")
    assert figures["01-country"]["labels"][observatory.EU_COUNTRY + "HRV"] == "Croatia"


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


@pytest.mark.parametrize(
    "filters",
    [{"kind": "nonsense"}, {"country": "GRC> . ?x ?y ?z"}, {"territory": "urban'"}],
)
def test_unknown_filter_values_are_refused(client: FlaskClient, filters: dict[str, str]) -> None:
    for path in ("/api/observatory/figures", "/api/observatory/points", "/observatory"):
        response = client.get(path, query_string=filters)
        assert response.status_code == 400 and b"is not one of" in response.data


def test_a_figure_downloads_as_csv_without_formulas(client: FlaskClient) -> None:
    hostile = (
        f"<{BASE}space/test/formula> a <https://w3id.org/coworkmed/def/Space> ; "
        f"<https://w3id.org/coworkmed/def/memberOf> <{BASE}network/formula> . "
        f'<{BASE}network/formula> <https://schema.org/name> "=HYPERLINK(\\"http://x\\")" .'
    )
    put_turtle(client, "https://example.org/formula", hostile, TOKEN)
    response = client.get("/api/observatory/figures/11-networks.csv")
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


def test_the_dashboard_page_in_every_language(client: FlaskClient) -> None:
    for lang, title in [("en", "CoworkMed observatory"), ("el", "Παρατηρητήριο CoworkMed")]:
        page = client.get(f"/observatory?lang={lang}").get_data(as_text=True)
        assert f"<h1>{title}</h1>" in page and 'id="filter-territory"' in page
    page = client.get("/observatory?lang=fr&territory=rural").get_data(as_text=True)
    assert '<option value="rural" selected>zone rurale</option>' in page


@needs_browser
def test_the_dashboard_in_chromium(live: str) -> None:
    with browser_page(live) as visit:
        page = visit.page
        page.goto(f"{live}/observatory?lang=en")
        page.wait_for_selector("body[data-loading=false]", timeout=30_000)
        everything = int(page.get_attribute("#figures", "data-spaces"))
        on_map = int(page.get_attribute("#map", "data-points"))
        assert everything > 20 and on_map > 20
        assert page.locator("#figures canvas").count() >= 8
        assert page.locator("#map .marker-cluster, #map path.leaflet-interactive").count() > 0
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
