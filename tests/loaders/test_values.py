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
    name one month each, compared as the loader compares them: a name of two months would
    be read as either."""
    from babel.dates import get_month_names

    from core.vocabulary import LANGUAGES
    from loaders import tables
    from loaders.values import _name_key

    seen: dict[str, set[int]] = {}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    seen.setdefault(_name_key(name), set()).add(number)
    for name, number in tables.table("month-names").items():
        seen.setdefault(_name_key(name), set()).add(number)
    assert {key: months for key, months in seen.items() if len(months) > 1} == {}
