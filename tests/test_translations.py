"""Every catalogue speaks the six languages with the same placeholders, and the reader's language
is picked from the ``lang`` parameter, then Accept-Language, then English."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from core.translations import (
    in_language,
    language,
    load_catalogue,
    missing_languages,
    translated_texts,
    words,
)
from core.vocabulary import LANGUAGES
from endpoint import pages, resource_page, search, site
from observatory import figures
from validation import messages

CATALOGUES = [
    messages.CATALOGUE_FILE,
    resource_page.TABLE,
    figures.TABLE,
    search.CATALOGUE,
    pages.QUERY_PAGE,
    site.TABLE,
]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_every_text_of_every_catalogue_is_in_the_six_languages(path: Path) -> None:
    catalogue = load_catalogue(path)
    assert len(list(translated_texts(catalogue))) > 10, "the catalogue's texts are found"
    assert missing_languages(catalogue) == {}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.name)
def test_every_language_has_the_placeholders_of_english(path: Path) -> None:
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for place, texts in translated_texts(load_catalogue(path)):
        for lang, text in texts.items():
            assert placeholders(text) == placeholders(texts["en"]), (place, lang)


QUOTED = ("«{value}", "{value}»", '"{value}"', "„{value}", "«{column}", "{column}»", "„{column}")


def test_no_problem_message_quotes_what_the_code_quotes() -> None:
    """Regression: « «9h00» »: problem messages get {value} and {column} already quoted."""
    for place, texts in translated_texts(load_catalogue(messages.CATALOGUE_FILE)):
        for lang, text in texts.items():
            assert not any(
                quoted in text.replace("« ", "«").replace(" »", "»") for quoted in QUOTED
            ), (
                place,
                lang,
            )


def test_a_text_lacking_a_language_is_found() -> None:
    catalogue = {"words": {"yes": {"en": "yes", "fr": "oui"}}, "other": {"x": 1}}
    assert missing_languages(catalogue) == {"words/yes": list(LANGUAGES[2:])}


@pytest.mark.parametrize(
    ("requested", "accept_language", "chosen"),
    [
        ("fr", "it", "fr"),
        ("el", None, "el"),
        ("de", "it", "it"),  # a lang that is none of the six is ignored: the browser's language
        ("EL", None, "el"),  # the six as readers write them: EL, el-GR, hr_HR
        ("el-GR", "fr", "el"),
        ("hr_HR", None, "hr"),
        (None, "it", "it"),
        ("", "de-DE,de;q=0.9,hr;q=0.8,en;q=0.5", "hr"),
        (None, "es-ES,es;q=0.9", "es"),
        (None, "de, ja", "en"),
        (None, None, "en"),
        (None, "", "en"),
    ],
)
def test_the_reader_language(
    requested: str | None, accept_language: str | None, chosen: str
) -> None:
    assert language(requested, accept_language) == chosen


def test_a_text_falls_back_to_english() -> None:
    texts = {"en": "Spaces", "fr": "Espaces", "it": ""}
    shown = [in_language(texts, lang) for lang in ("fr", "it", "hr")]
    assert shown == ["Espaces", "Spaces", "Spaces"]
    assert words({"title": texts}, "fr") == {"title": "Espaces"}
