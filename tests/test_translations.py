"""Every catalogue speaks the six languages with the same placeholders, and the reader's language
is picked from the ``lang`` parameter, then Accept-Language, then English."""

from __future__ import annotations

import ast
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


#: the project's packages whose code gives problems a report shows
PACKAGES = ("core", "loaders", "validation", "publishing", "endpoint", "linking", "triplestore")
#: the calls that give a problem code: as their first argument, or as their second
CODE_FIRST = frozenset({"Problem", "ValueProblem", "AmbiguousValue"})
CODE_SECOND = frozenset({"LoadError", "Told", "StoreBusy"})


def problem_codes() -> dict[str, str]:
    """Every problem code written as a literal in a call that gives one, with where."""
    root = Path(__file__).parents[1]
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                position = 0 if name in CODE_FIRST else 1 if name in CODE_SECOND else None
                if position is None:
                    continue
                given = [kw.value for kw in node.keywords if kw.arg == "code"]
                arguments = node.args[position : position + 1] + given
                for argument in arguments:
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        found.setdefault(argument.value, f"{path.name}:{node.lineno}")
    return found


def test_every_problem_code_the_code_gives_has_its_six_sentences() -> None:
    """Regression (issue 18, lane fixm): a row's ``extra-cells`` warning was English in a
    Greek report: the catalogue's texts were all in six languages, but the code had none, and
    the report fell back on the English reason."""
    codes = problem_codes()
    assert {"extra-cells", "empty-file", "row-too-long"} <= set(codes), "the codes are found"
    problems = load_catalogue(messages.CATALOGUE_FILE)["problems"]
    assert {code: place for code, place in codes.items() if code not in problems} == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_problem_sentence_can_be_filled(lang: str) -> None:
    """A literal brace (``[{…}]``) must be written doubled: else filling the sentence fails."""
    for code in load_catalogue(messages.CATALOGUE_FILE)["problems"]:
        assert messages.problem_message(code, lang, value="v", column="c")
