"""The mapping language of issue 18, driven by mapping-language-cases.yaml: include: on
normalised values, column templates, column shorthands and when_true by kind of field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders import tables
from loaders.concepts import default_index
from loaders.mapping import fill, normalised, option_kinds
from loaders.readers import Row, _kept
from loaders.values import ColumnSpec, Context, Iri, Locale, parser_for

CASES = yaml.load(
    (Path(__file__).parent / "mapping-language-cases.yaml").read_text(encoding="utf-8"),
    Loader=tables.StringKeysLoader,
)


@pytest.mark.parametrize("case", CASES["include"], ids=lambda c: f"{c['condition']}-{c['value']}")
def test_include_compares_normalised_values(case: dict[str, Any]) -> None:
    missing = frozenset(tables.fold(token) for token in case.get("missing", []))
    row = Row(1, {"c": case["value"]})
    assert _kept(row, [case["condition"]], missing) is case["kept"]


@pytest.mark.parametrize("case", CASES["template"], ids=lambda c: c["template"])
def test_a_template_is_filled_from_the_row(case: dict[str, Any]) -> None:
    assert fill(case["template"], case["values"], Locale()) == case["result"]


@pytest.mark.parametrize("case", CASES["shorthand"], ids=lambda c: str(c["written"]))
def test_a_shorthand_stands_for_the_long_form(case: dict[str, Any]) -> None:
    assert normalised({"columns": {"C": case["written"]}})["columns"]["C"] == case["means"]


@pytest.mark.parametrize("case", CASES["when_true"], ids=lambda c: f"{c['field']}-{c['yes']}")
def test_when_true_adds_its_value_when_the_cell_says_yes(case: dict[str, Any]) -> None:
    spec = ColumnSpec(label="C", field=case["field"], sources=("C",), when_true=case["value"])
    terms = parser_for(case["field"])(case["yes"], spec, Context(Locale(), default_index()))
    assert [t.value if isinstance(t, Iri) else t.lexical for t in terms] == case["result"]


def test_every_field_of_a_when_true_kind_is_covered() -> None:
    """The sibling fields: each kind when_true applies to has a case (network was refused)."""
    kinds = set(option_kinds()["when_true"]["kinds"])
    covered = {tables.fields()[case["field"]]["kind"] for case in CASES["when_true"]}
    assert kinds <= covered, kinds - covered
