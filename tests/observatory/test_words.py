"""The dashboard's words: counted words by CLDR plural rules in the six languages, NUTS regions as
"name (code)", every column of every figure named in the table, the columns of an empty figure,
and why an empty figure is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from observatory import figures

CASES = yaml.safe_load((Path(__file__).parent / "plural-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("lang", "word", "number", "text"), CASES)
def test_counted_words_follow_cldr_plural_rules(
    lang: str, word: str, number: int, text: str
) -> None:
    found = figures.counted(word, number, lang)
    # babel groups thousands with a (narrow) no-break space in French
    assert found.replace("\u202f", " ").replace("\xa0", " ") == text


@pytest.mark.parametrize("word", list(figures.table()["counted"]))
def test_every_counted_word_has_the_other_form_in_each_language(word: str) -> None:
    for lang in ("en", "fr", "it", "es", "el", "hr"):
        forms = figures.plural_forms(word, lang)
        assert "other" in forms and all("{n}" in form for form in forms.values()), (lang, forms)
        assert set(forms) <= {"zero", "one", "two", "few", "many", "other"}


@pytest.mark.parametrize(
    ("iri", "name", "shown"),
    [
        ("http://data.europa.eu/nuts/code/ITI1", "Toscana", "Toscana (ITI1)"),
        ("http://data.europa.eu/nuts/code/EL30", "Αττική", "Αττική (EL30)"),
        ("http://data.europa.eu/nuts/code/FRK26", "Rhône (FRK26)", "Rhône (FRK26)"),
        ("http://publications.europa.eu/resource/authority/country/HRV", "Hrvatska", "Hrvatska"),
    ],
)
def test_a_region_reads_name_and_code(iri: str, name: str, shown: str) -> None:
    assert figures.region_label(iri, name) == shown


@pytest.mark.parametrize("figure_id", list(figures.table()["figures"]))
def test_every_column_is_named_in_the_table(figure_id: str) -> None:
    """An empty figure still has its columns (from its query), and each has a name and a unit."""
    columns = figures.query_columns(figures.figure_sparql(figure_id))
    assert len(columns) >= 2, columns
    assert set(columns) <= set(figures.table()["columns"]), set(columns) - set(
        figures.table()["columns"]
    )
    assert figures.column_headers(columns, "el") != columns


@pytest.mark.parametrize(
    ("rows", "filters", "unfiltered", "reason"),
    [
        ([["x", 1]], {}, [["x", 1]], None),
        ([], {}, [], "no_data"),
        ([], {"country": "CYP"}, [["x", 1]], "filtered"),
        ([], {"country": "ITA"}, [], "no_data"),
    ],
)
def test_why_a_figure_is_empty(
    rows: list, filters: dict[str, str], unfiltered: list, reason: str | None
) -> None:
    assert figures.empty_reason(rows, filters, unfiltered) == reason
