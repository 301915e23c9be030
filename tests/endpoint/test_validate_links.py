"""Every link of the validation page answers, in each of the six languages: the page is fetched
with the Flask test client, every href, src and action is collected, and each one of this site
is requested (a regression test: the CSV template's documentation link answered 500)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).parents[2]
LANGUAGES = ("en", "fr", "it", "es", "el", "hr")
ATTRIBUTES = ("href", "src", "action")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (tag, address)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, value) for name, value in attrs if name in ATTRIBUTES and value]


def links(page: str, base: str) -> list[tuple[str, str]]:
    """The page's same-origin addresses (path and query), with the tag that holds them."""
    parser = _Links()
    parser.feed(page)
    local = []
    for tag, address in parser.found:
        parts = urlsplit(urljoin(base, address))
        if parts.scheme in ("http", "https") and parts.netloc == urlsplit(base).netloc:
            local.append((tag, parts.path + (f"?{parts.query}" if parts.query else "")))
    return local


@pytest.fixture(scope="module")
def app(partner_app: Flask) -> Flask:
    return partner_app


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_link_of_the_validation_page_answers(client: FlaskClient, lang: str) -> None:
    page = client.get(f"/validate?lang={lang}")
    assert page.status_code == 200
    found = links(page.get_data(as_text=True), f"http://localhost/validate?lang={lang}")
    assert any("format=csv-documentation" in address for _tag, address in found)
    for tag, address in found:
        # a form's action is posted to; an empty post is refused with a 4xx, never a 5xx
        answer = client.post(address) if tag == "form" else client.get(address)
        status = answer.status_code
        answer.close()  # a static file is streamed: closed here, not left to the collector
        limit = 500 if tag == "form" else 400
        assert status < limit, f"{lang}: {tag} {address} -> {status}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_csv_documentation_is_in_the_language(client: FlaskClient, lang: str) -> None:
    answer = client.get(f"/template?lang={lang}&format=csv-documentation")
    assert answer.status_code == 200
    assert f"coworkmed-template-documentation-{lang}.csv" in answer.headers["Content-Disposition"]
    assert answer.get_data(as_text=True).count("\n") > 10
