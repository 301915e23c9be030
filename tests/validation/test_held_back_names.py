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
