"""One-line addresses split into street, postcode and town, driven by address-cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.problems import ValueProblem
from loaders.addresses import split_address, street_line

CASES = yaml.safe_load((Path(__file__).parent / "address-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['country']}:{c['raw']}")
def test_address(case: dict[str, Any]) -> None:
    if case.get("kept") == "whole":
        with pytest.raises(ValueProblem) as caught:
            split_address(case["raw"], case["country"])
        assert caught.value.code == "address-kept-whole"
        assert "kept whole" in caught.value.reason
    else:
        assert split_address(case["raw"], case["country"]).parts() == case["expect"]


def test_every_class_has_cases() -> None:
    """At least three cases beyond the issue's example for each class of the issue."""
    kept = [c for c in CASES if c.get("kept") == "whole"]
    no_postcode = [c for c in CASES if "expect" in c and "postcode" not in c["expect"]]
    assert len(kept) >= 4 and len(no_postcode) >= 4


STREET_LINES = yaml.safe_load(
    (Path(__file__).parent / "street-line-cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", STREET_LINES, ids=lambda c: f"{c['country']}:{c['street']}")
def test_street_line(case: dict[str, Any]) -> None:
    assert street_line(case["street"], case["number"], case["country"]) == case["expect"]
