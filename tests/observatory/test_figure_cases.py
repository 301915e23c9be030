"""What a figure counts, case by case (``figure-cases.yaml``): each case's records in a store of
their own, the figure's query with the case's filters, its rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from observatory import figures as observatory
from tests.observatory.test_indicators import _short

CASES = yaml.safe_load((Path(__file__).parent / "figure-cases.yaml").read_text(encoding="utf-8"))
PREFIXES = """@prefix cwm: <https://w3id.org/coworkmed/def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix kind: <https://w3id.org/coworkmed/code/space-kind/> .
@prefix ex: <https://w3id.org/coworkmed/id/example/> .
"""


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_figure_case(case: dict[str, Any]) -> None:
    store = ox.Store()
    store.load(PREFIXES + case["records"], format=ox.RdfFormat.TURTLE)
    sparql = observatory.with_filters(
        observatory.figure_sparql(case["figure"]), case.get("filters", {})
    )
    solutions = store.query(sparql)
    assert isinstance(solutions, ox.QuerySolutions)
    columns = [variable.value for variable in solutions.variables]
    rows = [[_short(observatory.value(row[c])) for c in columns] for row in solutions]
    assert rows == case["rows"]
