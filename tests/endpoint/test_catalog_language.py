"""The catalogue page in the reader's language (issue #18: its datasets' descriptions, their
distribution and the network's name were English on every page): every text the catalogue's
templates write is in the six languages, and no English one is shown on another language's
page; the load counts of a dataset's page follow the language's plural forms."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.translations import typography_breaches
from core.vocabulary import LANGUAGES
from endpoint.dumps import TEMPLATES
from validation.messages import counted

#: a language-tagged literal of a Turtle template: its text and its language
LITERAL = re.compile(r'"""([\s\S]*?)"""@([a-z]{2})\b|"((?:[^"\\]|\\.)*)"@([a-z]{2})\b')


def _texts() -> dict[tuple[str, str], set[str]]:
    """(template, English text) -> the languages the same statement gives it in."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(TEMPLATES.glob("catalog*.ttl")):
        for statement in path.read_text(encoding="utf-8").split(" ;"):
            literals = [(a or c, b or d) for a, b, c, d in LITERAL.findall(statement)]
            english = [text for text, lang in literals if lang == "en"]
            for text in english:
                found[(path.name, text)] = {lang for _text, lang in literals}
    return found


def test_every_text_of_the_catalogue_is_in_the_six_languages() -> None:
    texts = _texts()
    assert len(texts) >= 7, "the catalogue templates' texts are read"
    wanting = {key: sorted(set(LANGUAGES) - langs) for key, langs in texts.items()}
    assert {key: missing for key, missing in wanting.items() if missing} == {}


def test_the_catalogues_french_spaces_its_punctuation() -> None:
    french = [
        text
        for path in sorted(TEMPLATES.glob("catalog*.ttl"))
        for a, b, c, d in LITERAL.findall(path.read_text(encoding="utf-8"))
        for text, lang in [(a or c, b or d)]
        if lang == "fr"
    ]
    assert len(french) >= 7 and [t for t in french if typography_breaches(t, "fr")] == []


@pytest.fixture(scope="module")
def app(partner_app: Flask) -> Flask:
    return partner_app


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_the_catalogue_page_shows_no_english_text(client: FlaskClient, lang: str) -> None:
    page = client.get("/catalog", query_string={"lang": lang}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.get_data(as_text=True).replace("&#39;", "'")
    english = [english for (_name, english) in _texts() if english in text]
    assert english == [], lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_datasets_load_counts_follow_the_languages_plural_forms(
    client: FlaskClient, lang: str
) -> None:
    page = client.get(
        "/id/dataset/fr-aura",
        query_string={"lang": lang},
        headers={"Accept": "text/html"},
        follow_redirects=True,
    )
    text = page.get_data(as_text=True).replace("&#39;", "'")
    said = re.search(r'<span class="rows-read">([^<]*)</span>', text)
    assert said is not None, text[:500]
    rows = int(re.sub(r"\D", "", said.group(1)))
    assert said.group(1) == counted("counts/rows", lang, rows)
    held = re.search(r'<span class="records-held-back">([^<]*)</span>', text)
    assert held is not None and held.group(1) == counted("dataset-held-back", lang, 0)
