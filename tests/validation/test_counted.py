"""Words said with a number take the plural form CLDR gives that number in the report's language
(issue #21: Croatian "u 3 redaka" for "u 3 retka")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.vocabulary import LANGUAGES
from validation.messages import catalogue, counted, plural_forms, ui
from validation.report import summary_line

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    ("lang", "count", "said"),
    [
        ("hr", 1, "u 1 retku: 7"),
        ("hr", 3, "u 3 retka: 7"),
        ("hr", 5, "u 5 redaka: 7"),
        ("hr", 12, "u 12 redaka: 7"),
        ("hr", 21, "u 21 retku: 7"),
        ("hr", 24, "u 24 retka: 7"),
        ("en", 1, "in 1 row: 7"),
        ("en", 2, "in 2 rows: 7"),
        ("el", 1, "σε 1 γραμμή: 7"),
        ("el", 4, "σε 4 γραμμές: 7"),
        ("fr", 1, "dans 1 ligne : 7"),
        ("fr", 2, "dans 2 lignes : 7"),
        ("it", 2, "in 2 righe: 7"),
        ("es", 1, "en 1 fila: 7"),
        ("de", 3, "in 3 rows: 7"),  # a language not of the six: English
    ],
)
def test_rows_are_counted_in_the_languages_plural_forms(lang: str, count: int, said: str) -> None:
    assert counted("in-rows", lang, count, rows="7") == said


@pytest.mark.parametrize("key", sorted(catalogue()["counted"]))
def test_every_counted_text_has_each_plural_form_of_the_six_languages(key: str) -> None:
    texts = catalogue()["counted"][key]
    assert sorted(texts) == sorted(LANGUAGES)
    for lang in LANGUAGES:
        assert set(texts[lang]) == plural_forms(lang), (key, lang)


SUMMARY_CASES = yaml.safe_load((HERE / "summary-line-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SUMMARY_CASES, ids=lambda c: f"{c['key']}-{c['lang']}")
def test_a_summary_line_says_its_numbers_in_their_plural_form(case: dict[str, Any]) -> None:
    assert summary_line(case["key"], case["lang"], **case["values"]) == case["said"]


@pytest.mark.parametrize("key", sorted(k for k in catalogue()["counted"] if "/" in k))
def test_each_number_of_a_summary_line_is_a_field_of_its_line_in_every_language(key: str) -> None:
    line, field = key.split("/")
    for lang in LANGUAGES:
        assert "{" + field + "}" in ui(line, lang), (key, lang)
        for said in catalogue()["counted"][key][lang].values():
            assert "{count}" in said or lang == "it", (key, lang, said)  # "un altro tipo"


@pytest.mark.parametrize(
    ("lang", "count", "said"),
    [
        ("en", 1, "1 row left out by the mapping's include filter"),
        ("en", 1512, "1,512 rows left out by the mapping's include filter"),
        ("fr", 2, "2 lignes écartées par le filtre include de la correspondance"),
        ("hr", 3, "3 retka izostavljena filtrom include mapiranja"),
        ("el", 1, "1 γραμμή εξαιρέθηκε από το φίλτρο include της αντιστοίχισης"),
    ],
)
def test_the_rows_an_include_filter_left_out_are_counted(lang: str, count: int, said: str) -> None:
    assert counted("rows-left-out", lang, count) == said
