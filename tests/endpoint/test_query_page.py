"""The query page: YASGUI from this server with the example queries, in a real browser.

The browser test is in Chromium (``tests/endpoint/browser.py``): every request the page makes
must stay on this server.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from markupsafe import escape

from core.translations import load_catalogue, words
from endpoint import pages
from endpoint.app import create_app
from tests.backends import Published
from tests.endpoint.accessibility import SIZES, axe_violations, describe
from tests.endpoint.browser import browser_page, needs_browser


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=2))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("example", pages.examples(), ids=lambda e: e.slug)
def test_every_example_query_answers_on_the_samples(app: Flask, example: pages.Example) -> None:
    response = app.test_client().post(
        "/sparql", data=example.query, content_type="application/sparql-query"
    )
    assert response.status_code == 200, response.data
    assert json.loads(response.data)["results"]["bindings"], f"{example.slug}: no result"


def test_there_are_a_dozen_examples_with_distinct_titles() -> None:
    titles = [example.title for example in pages.examples()]
    assert len(titles) >= 12 and len(set(titles)) == len(titles)


def test_a_browser_asking_sparql_for_html_is_sent_to_the_query_page(app: Flask) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = app.test_client().get("/sparql", headers={"Accept": accept})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")
    rdf = app.test_client().get("/sparql", headers={"Accept": "text/turtle, text/html;q=0.5"})
    assert rdf.status_code == 200 and rdf.mimetype == "text/turtle"


def test_the_page_lists_the_examples_and_serves_yasgui_locally(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/query").get_data(as_text=True)
    for example in pages.examples():
        assert f'id="example-{example.slug}"' in page
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    # ?lang=: this page, translated; #: the skip link
    same_server = ("/", "#", "data:", "http://localhost/", "?lang=")
    assert links and all(link.startswith(same_server) for link in links)
    for name in pages.ASSETS:
        with client.get(f"/assets/{name}") as response:
            assert response.status_code == 200 and response.headers["Cache-Control"]
    assert client.get("/assets/package.json").status_code == 404


def test_without_its_front_end_files_the_page_says_how_to_get_them(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "WEB_DIR", tmp_path)
    response = app.test_client().get("/query")
    assert response.status_code == 503
    assert "npm ci --prefix endpoint/web" in response.get_data(as_text=True)


@needs_browser
def test_the_query_page_in_chromium(live: str) -> None:
    with browser_page(live) as visit:
        page = visit.page
        page.goto(f"{live}/query")
        page.wait_for_selector(".yasqe .CodeMirror", timeout=30_000)
        page.click("#example-rural-spaces-with-a-fab-lab")
        page.click(".tabPanel.active .yasqe_queryButton")
        rows = page.locator(".tabPanel.active .yasr table tbody tr")
        rows.first.wait_for(timeout=30_000)
        assert "Officina Casentino" in rows.first.inner_text()
        # typing where YASGUI would complete prefixes and classes from the web
        page.click(".tabPanel.active .CodeMirror")
        page.keyboard.press("Control+End")
        page.keyboard.type("\nPREFIX fo")
        page.keyboard.type("\n# ?s a foaf:Pe")
        page.wait_for_timeout(1500)
        visit.screenshot("query-page.png")
    visit.check()


#: the elements that reach beyond the window's width (what a failing width check names)
WIDER = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > width)
  .slice(0, 8).map((e) => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)"""


@pytest.mark.parametrize("lang", ["en", "el", "hr"])
def test_the_page_speaks_the_readers_language(app: Flask, lang: str) -> None:
    page = app.test_client().get(f"/query?lang={lang}").get_data(as_text=True)
    page_words = words(load_catalogue(pages.QUERY_PAGE)["words"], lang)
    assert f'<html lang="{lang}">' in page
    for key in ("title", "examples", "editor", "service-description"):
        assert html.escape(page_words[key]) in page, key
    for example in pages.localised_examples(lang):
        assert f">{html.escape(example['title'])}</button>" in page
        assert f'title="{escape(example["description"])}"' in page


@pytest.mark.parametrize(
    ("table", "field"), [("examples", "title"), ("descriptions", "description")]
)
def test_every_example_has_its_title_and_description_in_the_six_languages(
    table: str, field: str
) -> None:
    texts = load_catalogue(pages.QUERY_PAGE)[table]
    assert sorted(texts) == sorted(example.slug for example in pages.examples())
    assert all(texts[e.slug]["en"] == getattr(e, field) for e in pages.examples())


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["en", "el"])
def test_results_link_to_this_server_and_numbers_read_as_numbers(
    live: str, lang: str, size: str
) -> None:
    width = SIZES[size][0]
    with browser_page(live, SIZES[size]) as visit:
        page = visit.page
        page.goto(f"{live}/query?lang={lang}")
        page.wait_for_selector(".yasqe .CodeMirror", timeout=30_000)
        page.wait_for_timeout(300)
        # regression (stranger 40): YASGUI focused its editor, so on a phone the page opened
        # scrolled down to it, the heading and the examples out of view
        assert page.evaluate("window.scrollY") == 0
        assert not page.evaluate(
            "document.getElementById('yasgui').contains(document.activeElement)"
        )
        page.click("#example-spaces-in-a-box")
        page.click(".tabPanel.active .yasqe_queryButton")
        rows = page.locator(".tabPanel.active .yasr table tbody tr")
        rows.first.wait_for(timeout=30_000)
        table = page.locator(".tabPanel.active .yasr table tbody").inner_text()
        assert "^^" not in table and "XMLSchema" not in table
        link = page.locator(".tabPanel.active .yasr a.iri").first
        assert link.get_attribute("href").startswith("/id/")
        assert "https://w3id.org/coworkmed/id/" in link.get_attribute("title")
        number = page.locator(".tabPanel.active .yasr .number").first.inner_text()
        decimal = "," if lang == "el" else "."
        assert decimal in number and re.fullmatch(r"-?\d+[.,]\d+", number), number
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, (width_now, page.evaluate(WIDER, width))
        # issue #21: YASGUI's controls speak the page's language, and on a phone its run and
        # share buttons do not cover the query's text
        said = words(load_catalogue(pages.QUERY_PAGE)["words"], lang)
        run = page.locator(".tabPanel.active .yasqe_queryButton")
        assert run.get_attribute("aria-label") == said["run"]
        assert page.locator(".tabPanel.active .yasqe_share").get_attribute("title") == said["share"]
        assert page.locator(".tabPanel.active .select_table span").inner_text() == said["table"]
        chip = page.locator(".tabPanel.active .yasr_response_chip").inner_text()
        assert re.match(r"\d+ (results|αποτελέσματα) · ", chip), chip
        if size == "phone":
            buttons = page.locator(".tabPanel.active .yasqe_buttons").bounding_box()
            editor = page.locator(".tabPanel.active .CodeMirror-scroll").bounding_box()
            assert buttons and editor
            apart = (
                buttons["y"] >= editor["y"] + editor["height"]
                or buttons["y"] + buttons["height"] <= editor["y"]
            )
            assert apart, (buttons, editor)
        visit.screenshot(f"query-{lang}-{size}.png")
        violations = axe_violations(page)
        assert violations == [], describe(violations)
        here = page.goto(live + link.get_attribute("href"))
        assert here is not None and here.ok  # this server has a page for it
    visit.check()


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("figure", ["13-nuts3-per-100k", "01-country"])
def test_a_query_handed_in_the_address_is_shown_not_sent_mangled(live: str, figure: str) -> None:
    """Regression (stranger 43): a figure's link to this page (``/query?query=...``) also made
    YASGUI read the address itself (its populateFromUrl) and send the query at once from another
    tab, which /sparql refused (400, 'syntax error'); the handed query is shown in its own tab,
    sent only when the reader runs it, and then answers."""
    from observatory.figures import figure_sparql

    sent: list[tuple[int, str]] = []
    with browser_page(live, SIZES["phone"], locale="el") as visit:
        page = visit.page
        page.on(
            "response",
            lambda answer: (
                sent.append((answer.status, answer.url)) if "/sparql" in answer.url else None
            ),
        )
        query = figure_sparql(figure)
        page.goto(f"{live}/query?lang=el&query={quote(query)}")
        page.wait_for_selector(".tabPanel.active .yasqe .CodeMirror", timeout=30_000)
        page.wait_for_timeout(1_000)
        assert sent == []
        shown = page.evaluate(
            "document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()"
        )
        assert shown == query
        page.click(".tabPanel.active .yasqe_queryButton")
        page.locator(".tabPanel.active .yasr_response_chip").wait_for(timeout=30_000)
        assert sent and all(status == 200 for status, _ in sent), sent
    visit.check()
