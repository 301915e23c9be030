"""What the observatory and the resource pages write in the reader's language beyond their words
(stranger 43): the maps' zoom buttons (Leaflet's own "Zoom in", "Zoom out"), each source's dates
(ISO beside the page's long date) and the shares ("14 %" in Greek where CLDR writes "14%").
Cases: ``map-zoom-cases.yaml`` and ``observatory-format-cases.yaml``."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from core.translations import long_date
from endpoint.app import create_app
from observatory.figures import share_text
from tests.backends import Published
from tests.endpoint.browser import browser_page, needs_browser

HERE = Path(__file__).parent
ZOOM = yaml.safe_load((HERE / "map-zoom-cases.yaml").read_text(encoding="utf-8"))
FORMATS = yaml.safe_load((HERE / "observatory-format-cases.yaml").read_text(encoding="utf-8"))
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
#: a whole percentage as the browser's Intl writes it in a language
INTL_PERCENT = "([lang, n]) => new Intl.NumberFormat(lang, {style: 'percent'}).format(n / 100)"


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


def _get(client: FlaskClient, case: dict[str, Any], accept: str = "text/html") -> str:
    headers = {
        "Accept": accept,
        **({"Accept-Language": case["lang"]} if case.get("header") else {}),
    }
    path = case["path"]
    if not case.get("header") and "lang=" not in path and "lang" in case:
        path += ("&" if "?" in path else "?") + f"lang={case['lang']}"
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("case", ZOOM, ids=lambda case: case["name"])
def test_the_maps_zoom_buttons_are_named_in_the_pages_language(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    """Each map of the page hands the base map its zoom buttons' names (``basemap.js``)."""
    page = html.unescape(_get(client, case))
    maps = re.findall(r'<div id="(?:map|choropleth)"[^>]*>', page)
    assert len(maps) == case["maps"], maps
    for element in maps:
        assert f'data-zoom-in="{case["zoom_in"]}"' in element, element
        assert f'data-zoom-out="{case["zoom_out"]}"' in element, element


def _long(iso: str, lang: str) -> str:
    """As the language writes a date in full (babel's long form; "1er" in French)."""
    return long_date(date.fromisoformat(iso), lang)


@pytest.mark.parametrize("case", FORMATS["credits"], ids=lambda case: case["name"])
def test_each_credits_dates_are_written_as_the_language_writes_dates(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    """Regression: "σε αυτή την έκδοση από 2026-12-03" beside the page's "3 Δεκεμβρίου 2026"."""
    lang = case["lang"]
    sources = client.get(
        "/api/observatory/points",
        query_string={"lang": lang},
        headers={"Accept": "application/json"},
    ).get_json()["sources"]
    dated = [(s["issued"], s["modified"]) for s in sources]
    assert any(issued or modified for issued, modified in dated), "the samples give no date"
    if case["path"].startswith("/api/"):
        shown = json.loads(_get(client, case, "application/json"))["sources"]
        for source in shown:
            for name in ("issued", "modified"):
                if source[name]:
                    assert source[f"{name}_text"] == _long(source[name], lang), source
        return
    page = html.unescape(_get(client, case))
    credits = re.search(r'<section id="credits".*?</section>', page, re.S)
    assert credits is not None
    assert not ISO_DATE.search(credits[0]), credits[0]
    for issued, modified in dated:
        for iso in filter(None, (issued, modified)):
            assert _long(iso, lang) in credits[0], (iso, credits[0])


@pytest.mark.parametrize(
    "case", FORMATS["shares"], ids=lambda case: f"{case['lang']}-{case['part']}-{case['given']}"
)
def test_a_share_is_written_in_the_languages_percent_format(case: dict[str, Any]) -> None:
    said = share_text("rural", case["part"], case["given"], case["lang"])
    assert said is not None and case["share"] in said, said
    # no other spelling of the share left beside it
    number = re.escape(case["share"].rstrip("%\u00a0 "))
    assert len(re.findall(number + r"\s?%", said)) == 1, said


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [case for case in ZOOM if "browser" in case], ids=lambda case: case["name"]
)
def test_the_zoom_buttons_dates_and_shares_in_chromium(live: str, case: dict[str, Any]) -> None:
    """In Chromium, at a phone's and a laptop's size: each map's zoom buttons say their names in
    the page's language (title and aria-label); on the observatory, the credits the script
    writes have no ISO date and the coverage notes write shares as Intl's percent format."""
    path = case["path"] + ("" if "lang=" in case["path"] else f"?lang={case.get('lang', 'en')}")
    width, height = case["browser"]
    with browser_page(live, size=(width, height)) as visit:
        page = visit.page
        page.goto(f"{live}{path}")
        page.wait_for_selector("#map[data-ready=true]", timeout=60_000)
        if "/observatory" in path:
            page.wait_for_selector("body[data-loading=false]", timeout=60_000)
        for which in ("in", "out"):
            buttons = page.locator(f".leaflet-control-zoom-{which}")
            assert buttons.count() == case["maps"]
            for index in range(buttons.count()):
                button = buttons.nth(index)
                assert button.get_attribute("title") == case[f"zoom_{which}"]
                assert button.get_attribute("aria-label") == case[f"zoom_{which}"]
        if "/observatory" in path:
            credits = page.inner_text("#credits")
            assert not ISO_DATE.search(credits), credits
            notes = page.locator("#figures p.note").all_inner_texts()
            lang = re.search(r"lang=(\w+)", path)[1]  # type: ignore[index]
            shares = [share for note in notes for share in re.findall(r"\d+\s?%", note)]
            assert shares, notes
            for share in shares:
                number = int(re.match(r"\d+", share)[0])  # type: ignore[index]
                written = page.evaluate(INTL_PERCENT, [lang, number])
                assert share == written, (share, written)
        name = re.sub(r"\W+", "-", case["name"]).strip("-")
        visit.screenshot(f"zoom-{name}-{width}x{height}.png")
        visit.screenshot(f"zoom-{name}-{width}x{height}-top.png", full_page=False)
    visit.check()
