"""The search page: accent- and case-insensitive in the six languages (Greek tonos and final
sigma, Croatian č/ć/đ/š/ž, French œ), labelled facets whose counts are the store's, a count by
each language's plural rules, an empty state with ways out, and paging that says where it is."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from core.namespaces import CODE, EU_COUNTRY, NUTS_CODE
from core.translations import spaced_guillemets
from core.vocabulary import CODELISTS_DIR
from endpoint import search
from endpoint.app import create_app
from tests.backends import Published
from tests.endpoint.accessibility import axe_violations, describe, overflow
from tests.endpoint.browser import browser_page, needs_browser

HERE = Path(__file__).parent
FOLDING = yaml.safe_load((HERE / "search-folding.yaml").read_text(encoding="utf-8"))
CASES = yaml.safe_load((HERE / "search-cases.yaml").read_text(encoding="utf-8"))
#: each facet: the SPARQL pattern that gives a space's value of it, and the IRI before the code
FACET_PATTERNS = {
    "kind": ("?space cwm:spaceKind ?value", f"{CODE}space-kind/"),
    "country": ("?space cwm:country ?value", EU_COUNTRY),
    "region": ("?space cwm:nutsRegion ?value", NUTS_CODE),
}


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


def _results(page: str) -> str:
    return page.split('class="results"')[1] if 'class="results"' in page else ""


def _options(page: str, name: str) -> dict[str, int]:
    """The options of a facet's select: value -> count shown."""
    select = re.search(rf'<select id="{name}".*?</select>', page, re.S)
    assert select is not None, name
    return {
        value: int(count)
        for value, count in re.findall(r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)<', select[0])
    }


@pytest.mark.parametrize("case", FOLDING, ids=lambda c: f"{c['lang']}-{c['typed'].strip()}")
def test_folding(case: dict[str, Any]) -> None:
    name = case["name"]
    entry = search.Entry("urn:x:1", (("", name),), "", None, (), None, search.folded(name), "")
    assert search.Filters(q=case["typed"]).matches_text(entry) is case["found"]


SUGGESTED = yaml.safe_load((HERE / "suggestions.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SUGGESTED["cases"], ids=lambda c: c["id"])
def test_a_misspelt_search_is_offered_the_words_meant(case: dict[str, Any]) -> None:
    entries = [
        search.Entry(f"urn:x:{n}", (("", name),), "", None, (), None, search.folded(name), "")
        for n, name in enumerate(SUGGESTED["names"])
    ]
    offered = search.suggestions(entries, case["typed"], "en", search.name_words(entries))
    assert offered == (case["corrected"], case["names"])


@pytest.mark.parametrize("case", SUGGESTED["town_cases"], ids=lambda c: c["id"])
def test_a_misspelt_municipality_is_offered_the_ones_meant(case: dict[str, Any]) -> None:
    entries = [
        search.Entry(
            f"urn:x:{n}", (("", "Espace"),), town, None, (), None, "espace", search.folded(town)
        )
        for n, town in enumerate(SUGGESTED["towns"])
    ]
    assert search.close_towns(case["typed"], search.town_names(entries)) == case["offered"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_search(client: FlaskClient, case: dict[str, Any]) -> None:
    response = client.get("/search", query_string={"lang": "fr", **case["query"]})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    for name in case["found"]:
        assert name in _results(page), name
    for name in case["absent"]:
        assert name not in _results(page), name
    assert "<script>" not in page


@pytest.mark.parametrize("facet", list(FACET_PATTERNS))
def test_facet_counts_are_the_stores(client: FlaskClient, facet: str) -> None:
    """Each count a facet shows (no other filter given) is what a COUNT of places (a record counts
    as its canonical place) on the store says."""
    pattern, base = FACET_PATTERNS[facet]
    query = (
        "PREFIX cwm: <https://w3id.org/coworkmed/def/> "
        "SELECT ?value (COUNT(DISTINCT ?place) AS ?n) WHERE { ?space a cwm:Space . "
        f"{pattern} OPTIONAL {{ ?space cwm:canonicalPlace ?canonical }} "
        "BIND (COALESCE(?canonical, ?space) AS ?place) } GROUP BY ?value"
    )
    answer = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()
    expected = {
        row["value"]["value"][len(base) :]: int(row["n"]["value"])
        for row in answer["results"]["bindings"]
        if row["value"]["value"].startswith(base)
    }
    shown = _options(client.get("/search?lang=en").get_data(as_text=True), facet)
    assert shown == expected


def test_a_facet_counts_within_the_other_filters(client: FlaskClient) -> None:
    page = client.get("/search?lang=en&country=ITA").get_data(as_text=True)
    kinds, countries = _options(page, "kind"), _options(page, "country")
    total = int(re.search(r"<strong>(\d+) places?</strong>", page)[1])  # type: ignore[index]
    assert countries["ITA"] == total and len(countries) > 1  # the country facet ignores itself
    assert 0 < max(kinds.values()) <= total


@pytest.mark.parametrize(
    ("lang", "country"),
    [
        ("en", "Spain"),
        ("fr", "Espagne"),
        ("it", "Spagna"),
        ("es", "España"),
        ("el", "Ισπανία"),
        ("hr", "Španjolska"),
    ],
)
def test_facets_and_results_read_in_the_pages_language(
    client: FlaskClient, lang: str, country: str
) -> None:
    codes = Graph().parse(CODELISTS_DIR / "space-kind.ttl")
    kind = next(
        str(label)
        for label in codes.objects(URIRef(f"{CODE}space-kind/coworking"), SKOS.prefLabel)
        if isinstance(label, Literal) and label.language == lang
    )
    page = client.get("/search", query_string={"lang": lang, "q": "ruzafa"}).get_data(as_text=True)
    assert f">{country} (" in page  # the country facet, by name
    assert '<option value="ESP"' in page and ">ESP<" not in page
    results = _results(page)
    assert country in results and html.escape(kind) in results, (kind, results)


@pytest.mark.parametrize(
    ("count", "lang", "text"),
    [
        (1, "en", "1 place"),
        (23, "en", "23 places"),
        (0, "fr", "0 lieu"),
        (2, "fr", "2 lieux"),
        (1, "el", "1 χώρος"),
        (5, "el", "5 χώροι"),
        (21, "hr", "21 mjesto"),
        (3, "hr", "3 mjesta"),
        (11, "hr", "11 mjesta"),
    ],
)
def test_the_count_follows_the_languages_plural_rules(count: int, lang: str, text: str) -> None:
    assert search.count_text(count, lang) == text


@pytest.mark.parametrize("lang", ["en", "el"])
def test_an_empty_search_says_so_and_offers_ways_out(client: FlaskClient, lang: str) -> None:
    empty = search.catalogue()["words"]["empty"][lang]
    page = client.get(
        "/search", query_string={"lang": lang, "q": "Ruche Pentez", "country": "ITA"}
    ).get_data(as_text=True)
    assert empty in page and 'class="results"' not in page
    assert "La Ruche des Pentes" in page  # suggested, a near name
    # the text meant is offered first, and finds it (stranger 60: names alone were offered)
    meant = re.search(r'<a href="([^"]*)"><em>Ruche Pentes</em></a>', page)
    assert meant is not None and "country=ITA" not in meant[1]
    assert "La Ruche des Pentes" in _results(
        client.get(html.unescape(meant[1])).get_data(as_text=True)
    )
    # its link finds it: the country it is not in is dropped (stranger 60: a suggestion's link
    # kept the facets, found nothing, and suggested again)
    link = re.search(r'<a href="([^"]*)">La Ruche des Pentes</a>', page)
    assert link is not None and "country=ITA" not in link[1]
    followed = client.get(html.unescape(link[1])).get_data(as_text=True)
    assert 'class="results"' in followed and "La Ruche des Pentes" in followed
    assert (
        "country=ITA"
        not in re.search(
            r'href="([^"]*)">' + re.escape(search.catalogue()["words"]["without_country"][lang]),
            page,
        )[1]
    )  # type: ignore[index]


@pytest.mark.parametrize(("typed", "meant"), [("Valensia", "València"), ("Πιραιας", "Πειραιάς")])
def test_a_misspelt_municipality_is_offered_on_the_page(
    client: FlaskClient, typed: str, meant: str
) -> None:
    """Stranger 61: a misspelt municipality was offered nothing but the search without it."""
    page = client.get("/search", query_string={"lang": "fr", "town": typed}).get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)"><em>([^<]*)</em></a>', html.unescape(page))
    assert link is not None and search.folded(link[2]) == search.folded(meant), page
    followed = client.get(link[1]).get_data(as_text=True)
    assert 'class="results"' in followed


def test_every_field_has_a_visible_label(client: FlaskClient) -> None:
    page = client.get("/search?lang=hr").get_data(as_text=True)
    for field in ("q", "town", "kind", "country", "region"):
        assert re.search(rf'<label for="{field}">[^<]+</label>', page), field
        assert f'id="{field}"' in page


def test_paging_says_where_it_is(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PAGE", 5)
    # afresh: a page size changed under the running app is no change the kept answers can see
    afresh = {"Cache-Control": "no-cache"}
    first = client.get("/search?lang=en", headers=afresh).get_data(as_text=True)
    total = int(re.search(r"<strong>(\d+) places</strong>", first)[1])  # type: ignore[index]
    pages = -(-total // 5)
    assert f"Page 1 of {pages}" in first and "1–5 of" in first and 'rel="prev"' not in first
    last = client.get(f"/search?lang=en&page={pages}", headers=afresh).get_data(as_text=True)
    assert f"Page {pages} of {pages}" in last and 'rel="next"' not in last
    results = last.split('class="results"', 1)[1].split("</ol>", 1)[0]  # not the site's menus
    assert results.count("<li>") == total - 5 * (pages - 1)


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("page=49&lang=el", "/search?lang=el&page=LAST"),  # a stranger's "2401–2400 of 2400"
        ("page=9999&q=fab&lang=fr", "/search?q=fab&lang=fr&page=LAST"),
        ("page=2&q=zzzqqq", "/search?q=zzzqqq&lang=en"),  # nothing found: the first page
    ],
)
def test_a_page_past_the_end_leads_to_the_last(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, asked: str, landing: str
) -> None:
    monkeypatch.setattr(search, "PAGE", 5)
    answer = client.get(f"/search?{asked}")
    assert answer.status_code == 302
    total = re.search(  # type: ignore[union-attr]
        r"<strong>(\d+) ", client.get(answer.headers["Location"]).get_data(as_text=True)
    )
    last = max(1, -(-int(total[1]) // 5)) if total else 1
    assert answer.headers["Location"] == landing.replace("&page=LAST", f"&page={last}" * (last > 1))
    assert client.get("/search?page=10001").status_code == 400


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("size", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_search_page_in_chromium(app: Flask, lang: str, size: tuple[int, int]) -> None:
    from coworkmed.serving import serve_in_thread

    with serve_in_thread(app) as live, browser_page(live, size) as visit:
        visit.page.goto(f"{live}/search?lang={lang}&q=lab")
        visit.page.keyboard.press("Tab")
        visit.screenshot(f"search-{lang}-{size[0]}.png")
        assert overflow(visit.page) == 0
        violations = axe_violations(visit.page)
        assert violations == [], describe(violations)
    visit.check()


PLACES = yaml.safe_load((HERE / "search-places.yaml").read_text(encoding="utf-8"))
SPACE = "https://example.org/id/space/"


def _node(base: str, code: str | None) -> ox.NamedNode | None:
    return None if code is None else ox.NamedNode(base + code)


def _index_rows(records: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The rows INDEX_QUERY gives for ``records`` (an unbound variable is None)."""
    return [
        {
            "space": ox.NamedNode(SPACE + record["iri"]),
            "name": ox.Literal(record["name"]),
            "town": None,
            "country": _node(EU_COUNTRY, record.get("country")),
            "kind": None,
            "region": _node(NUTS_CODE, record.get("region")),
            "canonical": _node(SPACE, record.get("canonical")),
        }
        for record in records
    ]


@pytest.mark.parametrize("case", PLACES, ids=lambda c: c["id"])
def test_the_count_says_places_and_records(case: dict[str, Any]) -> None:
    entries = search._entries(_index_rows(case["records"]))
    filters = search.Filters(**case["filters"])
    found, counts = search.searched(entries, search.postings(entries), filters)
    assert found == [entry for entry in entries if filters.keeps(entry)]  # record by record
    assert search.count_text(search.places(found), case["lang"], len(found)) == case["text"]
    assert dict(counts["region"]) == case["regions"]


@pytest.mark.parametrize(
    ("places", "records", "lang", "text"),
    [
        (1512, None, "en", "1,512 places"),
        (1512, 1512, "fr", "1\u202f512 lieux"),
        (2285, 2370, "hr", "2.285 mjesta (2.370 zapisa"),
    ],
)
def test_the_count_is_written_as_the_language_writes_numbers(
    places: int, records: int | None, lang: str, text: str
) -> None:
    assert search.count_text(places, lang, records).startswith(text)


REFUSALS = yaml.safe_load((HERE / "search-refusals.yaml").read_text(encoding="utf-8"))
SPARQL_CASES = yaml.safe_load((HERE / "search-sparql-cases.yaml").read_text(encoding="utf-8"))
PAGE_CASES = yaml.safe_load((HERE / "search-pages.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", REFUSALS, ids=lambda case: case["name"])
def test_the_search_refuses_what_the_observatory_refuses(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    """Regression (stranger 43): an unknown kind, country or region gave 200 and "0 places", a
    field given twice kept its first value, and ``page=abc`` showed the English detail on every
    language's page. Refused (400) in the reader's language, by ``lang=`` and by
    Accept-Language, on the error page and in plain text, the allowed values listed."""
    from validation.messages import catalogue

    lang, pairs = case["lang"], [(name, value) for name, value in case["query"]]
    for query, chosen in (([*pairs, ("lang", lang)], {}), (pairs, {"Accept-Language": lang})):
        for accept in ("text/html", "*/*"):
            response = client.get(
                "/search", query_string=query, headers={**chosen, "Accept": accept}
            )
            text = html.unescape(response.get_data(as_text=True))
            if case.get("ignores"):
                assert response.status_code == 200, text[:300]
                continue
            opening = catalogue()["problems"][case["error"]][lang].split("{")[0]
            assert response.status_code == 400, text[:300]
            assert opening in text, text[:2000]
            if accept == "text/html":  # the message marked as in the reader's language
                assert f'<code class="detail" lang="{lang}">' in text
            says = [spaced_guillemets(said, lang) for said in case.get("says", [])]
            assert all(said in text for said in says), text[:3000]
            if lang != "en":
                assert "must be a whole number" not in text and "is not one of" not in text


@pytest.mark.parametrize("case", SPARQL_CASES, ids=lambda case: case["name"])
def test_the_searchs_query_gives_the_records_it_lists(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, case: dict[str, Any]
) -> None:
    """Regression (stranger 43): the link opened /sparql (raw XML for a browser) with a query of
    every space, whatever was searched. It opens the query page with a query that, run at
    /sparql, gives the records the search lists: the words (accents, case, tonos and final
    sigma folded as the search folds them), the municipality and each facet."""
    from urllib.parse import parse_qs, urlsplit

    from endpoint.linkeddata import local_path

    monkeypatch.setattr(search, "PAGE", 10_000)
    page = client.get(
        "/search",
        query_string={"lang": "en", **case["query"]},
        headers={"Cache-Control": "no-cache"},
    ).get_data(as_text=True)
    listed = set(re.findall(r'<li><a href="([^"]+)">', _results(page)))
    assert bool(listed) is case["some"], listed
    link = html.unescape(re.search(r'<p class="sparql"><a href="([^"]+)"', page)[1])  # type: ignore[index]
    assert urlsplit(link).path == "/query", link
    query = parse_qs(urlsplit(link).query)["query"][0]
    answer = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with app.test_request_context():
        found = {
            local_path(row["space"]["value"]) or row["space"]["value"]
            for row in answer.get_json()["results"]["bindings"]
        }
    assert found == listed, query


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda case: case["name"])
def test_page_numbers_count_from_one(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, case: dict[str, Any]
) -> None:
    """Regression (stranger 43): ``page=0`` was the page that says "Page 1 of 48"."""
    monkeypatch.setattr(search, "PAGE", 5)
    query = {"lang": case["lang"], **({"page": case["page"]} if case["page"] is not None else {})}
    answer = client.get("/search", query_string=query, headers={"Cache-Control": "no-cache"})
    text = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200, text[:500]
    said = search.catalogue()["words"]["page_of"][case["lang"]].split("{")[0]
    assert re.search(re.escape(said) + str(case["shown"]) + r"\D", text), text[-3000:]
    assert f'<ol start="{5 * (case["shown"] - 1) + 1}"' in text
    for rel in ("previous", "next"):
        link = re.search(rf'rel="{rel[:4]}" href="([^"]*)"', text)
        if case[rel] == "absent":
            assert link is None
            continue
        assert link is not None
        number = re.search(r"[?&]page=(\d+)", link[1])
        assert (number[1] if number else "none") == str(case[rel]), link[1]


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "size"), [("el", (390, 844)), ("fr", (1366, 900))], ids=["el-phone", "fr-laptop"]
)
def test_the_searchs_query_link_and_refusal_in_chromium(
    app: Flask, lang: str, size: tuple[int, int]
) -> None:
    """Regression (stranger 43): the link opened /sparql (raw XML); it opens the query page with
    the search's own query in its tab, which answers the records listed when run. An unknown
    country is a 400 page in the reader's language, the allowed countries named."""
    from coworkmed.serving import serve_in_thread

    with serve_in_thread(app) as live, browser_page(live, size, locale=lang) as visit:
        page = visit.page
        page.goto(f"{live}/search?lang={lang}&q=λιμανι")
        listed = page.locator("ol.results li").count()
        assert listed >= 1
        visit.screenshot(f"search-link-{lang}-{size[0]}.png")
        page.click("p.sparql a")
        page.wait_for_selector(".tabPanel.active .yasqe .CodeMirror", timeout=30_000)
        assert page.url.startswith(f"{live}/query?")
        shown = page.evaluate(
            "document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"
        )
        assert '"λιμανι"' in shown and "FILTER EXISTS" in shown, shown
        page.click(".tabPanel.active .yasqe_queryButton")
        page.locator(".tabPanel.active .yasr_response_chip").wait_for(timeout=30_000)
        visit.screenshot(f"search-query-{lang}-{size[0]}.png")
        answer = page.goto(f"{live}/search?lang={lang}&country=XXX")
        assert answer is not None and answer.status == 400
        said = page.inner_text("main")
        # the value quoted as the language quotes it (« XXX » in French, «XXX» in Greek)
        assert re.search(r"«\s?XXX\s?»", said) and "ESP (" in said, said
        assert overflow(page) == 0
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        visit.screenshot(f"search-refused-{lang}-{size[0]}.png")
    visit.problems = [p for p in visit.problems if "400" not in p]  # the refusal asked for
    visit.check()
