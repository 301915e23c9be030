"""Issue 18 (lane fixx): a required name held back as a person's is told once, as that; the
advice after a value held back fits the template's users, who have no mapping
(held-back-cases.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from validation.findings import Report
from validation.submission import validate_submission

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "held-back-cases.yaml").read_text(encoding="utf-8"))


@cache
def _report(lang: str) -> Report:
    return validate_submission(HERE / "submissions" / "held-back-names.csv", lang=lang, workers=1)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['lang']}:{c['row']}:{c['code']}")
def test_a_held_back_value_is_told_once_with_advice_that_can_be_followed(
    case: dict[str, Any],
) -> None:
    found = [f for f in _report(case["lang"]).findings if f.row == case["row"]]
    told = [f for f in found if f.code == case["code"]]
    assert len(told) == 1, [(f.code, f.message) for f in found]
    assert told[0].column == case["column"]
    assert case["says"] in told[0].message
    assert case["not_says"] not in told[0].message
    same_cell = [f.code for f in found if f.column == case["column"]]
    assert not [code for code in same_cell if code in case["absent"]], same_cell


@pytest.mark.parametrize("lang", ["it", "el", "en"])
def test_a_sole_traders_space_is_published_without_its_operator(lang: str) -> None:
    """Stranger 90: a space whose operator is a sole trader ("Ditta Luca Verdi", legal form
    sole proprietorship) was held back whole, told that the optional operator column was
    required. Its operator is left out (its name is a person's, nothing else identifies it),
    said once, and the space is published."""
    report = validate_submission(HERE / "submissions" / "sole-trader.csv", lang=lang, workers=1)
    assert report.status == "accepted-with-warnings", [f.as_dict() for f in report.findings]
    for row in (2, 4):
        told = [f for f in report.findings if f.row == row and f.field == "operator_name"]
        assert [f.code for f in told] == ["personal-operator-left-out"], told
        assert told[0].severity == "warning"
    graph = report.ntriples.decode("utf-8")
    for absent in ("Ditta Luca Verdi", "Anna Bianchi", "/operator/"):
        assert absent not in graph
    assert "Spazio Verdi" in graph and "Spazio Bianchi" in graph
