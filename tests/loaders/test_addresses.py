"""One-line addresses split into street, postcode and town, driven by address-cases.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.problems import ValueProblem
from loaders.addresses import split_address, street_line
from loaders.load import transform
from loaders.mapping import load_mapping
from tests.loaders.mapping_files import mapping_text, written_source

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


STREET_TEXT_CASES = yaml.safe_load(
    (Path(__file__).with_name("street-text-cases.yaml")).read_text(encoding="utf-8")
)
STREET_MAPPING = mapping_text({"id": "id", "name": "name", "street": "street"}, country="IT")


@pytest.mark.parametrize("case", STREET_TEXT_CASES, ids=lambda case: case["street"][:30])
def test_a_street_that_reads_as_a_sentence_is_told(tmp_path: Path, case: dict[str, Any]) -> None:
    rows = [["id", "name", "street"], ["S-1", "A place", case["street"]]]
    mapping = load_mapping(written_source(tmp_path, STREET_MAPPING, rows))
    clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    data, report = transform(mapping, mapping.file_path(), "https://example.org/", lambda: clock)
    told = [p for p in report.problems if p.code == "street-reads-as-text"]
    assert bool(told) == case["told"], report.problems
    assert case["street"].encode("unicode_escape").decode("ascii") in data.decode("utf-8") or (
        case["street"] in data.decode("utf-8")
    )  # published as written
    if told:
        assert told[0].severity == "warning" and told[0].column == "street"
