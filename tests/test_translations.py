"""Every catalogue speaks the six languages with the same placeholders, and the reader's language
is picked from the ``lang`` parameter, then Accept-Language, then English."""

from __future__ import annotations

import ast
import datetime as dt
import string
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal

from core.translations import (
    address_breaches,
    in_language,
    language,
    load_catalogue,
    long_date,
    missing_languages,
    term_breaches,
    translated_texts,
    typography_breaches,
    words,
)
from core.vocabulary import LANGUAGES
from endpoint import codelist_page, pages, resource_page, search, site
from observatory import figures
from validation import messages, template

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
        # stranger 72: a region's tag weighs as its language (RFC 4647 lookup)
        (None, "fr-CA, el;q=0.5", "fr"),
        (None, "el;q=0.5, fr-CA", "fr"),
        (None, "hr_HR;q=0.9, it-CH;q=0.8", "hr"),
        (None, "FR-ca;q=0, es;q=0.4", "es"),  # refused (q=0) is no choice
        (None, "pt-BR, *;q=0.1", "en"),
        # stranger 110: "*" weighs every language no range names, and q=0 refuses one
        (None, "en;q=0, *", "fr"),
        (None, "en;q=0, fr;q=0, *", "it"),
        (None, "EN;q=0, *;q=0.3, hr;q=0.2", "fr"),
        (None, "*;q=0.5, el;q=0.6", "el"),
        (None, "*;q=0", "en"),  # nothing acceptable: English, as for "de, ja"
        (None, "fr;q=0, fr-CA;q=0.5", "fr"),  # the region accepted: its language
        # stranger 111: a region refused is not its language refused (RFC 4647 3.3.1)
        (None, "en-GB;q=0, *", "en"),
        (None, "en-US;q=0, fr;q=0.5, *;q=0.4", "fr"),
        (None, "en-GB;q=0, en;q=0, *", "fr"),
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


# ---------------------------------------------------------------- one voice per language (#18)

ROOT = Path(__file__).parents[1]
GLOSSARY = yaml.safe_load((ROOT / "docs" / "glossary.yaml").read_text(encoding="utf-8"))
CASES = yaml.safe_load((Path(__file__).with_name("translation-cases.yaml")).read_text("utf-8"))
#: every catalogue a partner or a reader sees, and the vocabulary whose words the pages and the
#: reports show (the shapes' messages and names, the ontology's and code lists' labels)
SHOWN = [*CATALOGUES, codelist_page.TABLE, template.DEFINITIONS_FILE]
VOCABULARY = sorted((ROOT / "shapes").glob("*.ttl")) + sorted((ROOT / "ontology").rglob("*.ttl"))


@cache
def _vocabulary_texts() -> tuple[tuple[str, str, str], ...]:
    """(where, language, text) of every language-tagged literal of the vocabulary."""
    found = []
    for path in VOCABULARY:
        for subject, _, text in Graph().parse(path).triples((None, None, None)):
            if isinstance(text, Literal) and text.language in LANGUAGES:
                found.append((f"{path.relative_to(ROOT)} {subject}", text.language, str(text)))
    return tuple(found)


def shown_texts(lang: str) -> list[tuple[str, str]]:
    """(where, text) of every text in ``lang`` a partner or a reader may see."""
    texts = [
        (f"{path.name}:{place}", translated[lang])
        for path in SHOWN
        for place, translated in translated_texts(load_catalogue(path))
        if translated.get(lang)
    ]
    return texts + [(where, text) for where, code, text in _vocabulary_texts() if code == lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_uses_the_glossary_term_of_each_concept(lang: str) -> None:
    texts = shown_texts(lang)
    assert len(texts) > 1000, "the texts of the catalogues and of the vocabulary are read"
    breaches = {
        where: found
        for where, text in texts
        if (found := term_breaches(text, lang, GLOSSARY["concepts"]))
    }
    assert breaches == {}, "a term docs/glossary.yaml marks as not chosen"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if "not" in GLOSSARY["address"][lang]])
def test_every_text_addresses_the_reader_in_one_form(lang: str) -> None:
    """Italian: "tu" everywhere (it mixed "voi", "tu" and "Lei": docs/translations.md)."""
    breaches = {
        where: found
        for where, text in shown_texts(lang)
        if (found := address_breaches(text, lang, GLOSSARY["address"]))
    }
    assert breaches == {}, f"not the form of address {GLOSSARY['address'][lang]['form']!r}"


def test_the_glossary_names_a_term_in_each_language_that_its_own_variants_miss() -> None:
    for name, concept in GLOSSARY["concepts"].items():
        assert set(LANGUAGES) <= set(concept), name
        for lang in LANGUAGES:
            assert term_breaches(concept[lang]["term"], lang, GLOSSARY["concepts"]) == [], name
    assert set(GLOSSARY["address"]) == set(LANGUAGES)


@pytest.mark.parametrize("case", CASES["terms"], ids=lambda case: case["text"][:40])
def test_a_variant_of_a_term_is_found(case: dict[str, Any]) -> None:
    found = term_breaches(case["text"], case["lang"], GLOSSARY["concepts"])
    assert sorted(found) == sorted(case["found"])


@pytest.mark.parametrize("case", CASES["address"], ids=lambda case: case["text"][:40])
def test_another_form_of_address_is_found(case: dict[str, Any]) -> None:
    found = address_breaches(case["text"], case["lang"], GLOSSARY["address"])
    assert sorted(found) == sorted(case["found"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_spaces_its_punctuation_as_the_language_does(lang: str) -> None:
    """French: a no-break space before ":", a narrow one before ";", "?" and "!" (issue #18:
    an ordinary space, where a line may break, in 230 texts)."""
    breaches = {
        where: found
        for where, text in shown_texts(lang)
        if (found := typography_breaches(text, lang))
    }
    assert breaches == {}


@pytest.mark.parametrize("case", CASES["typography"], ids=lambda case: case["text"][:40])
def test_a_badly_spaced_mark_is_found(case: dict[str, Any]) -> None:
    assert len(typography_breaches(case["text"], case["lang"])) == case["found"]


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


@pytest.mark.parametrize(
    "case", CASES["long_dates"], ids=lambda case: f"{case['lang']}:{case['date']}"
)
def test_a_date_is_written_in_full_as_the_language_writes_it(case: dict[str, Any]) -> None:
    assert long_date(dt.date.fromisoformat(case["date"]), case["lang"]) == case["said"]
