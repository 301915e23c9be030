"""The query page: YASGUI from this server with the example queries, in a real browser.

The browser test drives Debian's Chromium (``/usr/bin/chromium``) with Playwright. Every request
the page makes is intercepted: one that would leave the machine is recorded and refused. Without
Chromium the browser test is skipped, unless COWORKMED_REQUIRE_BROWSER is set (``.ci/run`` sets
it after installing Chromium), in which case it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from coworkmed.serving import serve_in_thread
from endpoint import pages
from endpoint.app import create_app

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = bool(os.environ.get("COWORKMED_REQUIRE_BROWSER"))
#: Chromium flags for a quiet headless run on a closed network (no sync, updates, telemetry)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


@pytest.fixture(scope="module")
def app(store_path: Path) -> Iterator[Flask]:
    app = create_app({"store": str(store_path), "query_workers": 2})
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
    assert links and all(link.startswith(("/", "data:", "http://localhost/")) for link in links)
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


@pytest.fixture(scope="module")
def live(app: Flask) -> Iterator[str]:
    with serve_in_thread(app) as base:
        yield base


@pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_BROWSER,
    reason="Chromium is not installed (apt-get install chromium)",
)
def test_the_query_page_in_chromium(live: str) -> None:
    assert CHROMIUM, "COWORKMED_REQUIRE_BROWSER is set but Chromium is not installed"
    from playwright.sync_api import Route, sync_playwright

    local, outside, problems = urlsplit(live).netloc, [], []

    def guard(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", guard)
            page = context.new_page()
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
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
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "query-page.png"), full_page=True)
        finally:
            browser.close()
    assert outside == [], f"the page tried to reach beyond this server: {outside}"
    assert problems == [], f"errors in the page: {problems}"
