"""The query page: YASGUI from this server with the example queries, in a real browser.

The browser test is in Chromium (``tests/endpoint/browser.py``): every request the page makes
must stay on this server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from endpoint import pages
from endpoint.app import create_app
from tests.backends import Published
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
    assert links and all(
        link.startswith(("/", "#", "data:", "http://localhost/")) for link in links
    )
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
