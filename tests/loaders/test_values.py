"""Cell values to RDF terms, driven by value-cases.yaml (one case per entry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.problems import ValueProblem
from loaders.concepts import default_index
from loaders.values import XSD, ColumnSpec, Context, Iri, Lit, Price, Term, make_locale, parser_for

CASES = yaml.safe_load((Path(__file__).parent / "value-cases.yaml").read_text(encoding="utf-8"))


def _term(expected: dict[str, str]) -> Term:
    if "price" in expected:
        return Price(expected["price"], expected["currency"], expected["unit"])
    if "iri" in expected:
        return Iri(expected["iri"])
    datatype = XSD + expected["type"] if "type" in expected else None
    return Lit(expected["lit"], datatype, expected.get("lang"))


def _parse(case: dict[str, Any], notices: list[str] | None = None) -> list[Term]:
    # as a mapping's locale: block says it (no locale: numbers and dates of an unknown locale)
    locale = make_locale(case.get("locale", {}))
    spec = ColumnSpec(
        label="column",
        field=case["field"],
        sources=tuple(case.get("columns", ["column"])),
        currency=case.get("currency"),
        period=case.get("period"),
        scheme=case.get("scheme"),
    )
    context = Context(locale, default_index(), locale.country)
    terms = parser_for(case["field"])(case["raw"], spec, context)
    if notices is not None:
        notices += [notice.code for notice in context.notices]
    return terms


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['field']}:{c['raw']!r}")
def test_value(case: dict[str, Any]) -> None:
    if "problem" in case:
        with pytest.raises(ValueProblem) as caught:
            _parse(case)
        assert caught.value.code == case["problem"]
        assert caught.value.reason, "a problem must say what is wrong"
        assert case.get("params", {}).items() <= caught.value.params.items()
    else:
        notices: list[str] = []
        assert _parse(case, notices) == [_term(e) for e in case["expect"]]
        # a value reinterpreted is reported: each case lists its notices (none by default)
        assert notices == case.get("notices", [])


def test_no_month_name_names_two_months() -> None:
    """The month names the loader reads (CLDR's in six languages and ``month-names.yaml``'s)
    name one month each, compared as the loader compares them."""
    from loaders.values import ambiguous_month_names

    assert ambiguous_month_names() == {}


def test_a_month_name_of_two_months_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that would mean two months is not read as either (it kept the last one read)."""
    from loaders import tables, values

    table = tables.table

    def with_collision(name: str) -> object:
        found = table(name)
        return {**found, "marzo": 5} if name == "month-names" else found

    monkeypatch.setattr(tables, "table", with_collision)
    values._month_numbers.cache_clear()
    values.month_names.cache_clear()
    try:
        assert values.ambiguous_month_names() == {"marzo": {3, 5}}
        assert "marzo" not in values.month_names() and "mayo" in values.month_names()
        assert values.worded_date("1 de marzo de 2018") is None
        assert values.worded_date("1 de mayo de 2018") == ("2018-05-01", "date")
    finally:
        values._month_numbers.cache_clear()
        values.month_names.cache_clear()
