"""The second reading of a client's text (``core.sparql_reading``, rdflib's parser): what it
calls and the graphs it names, case by case (``second-readings.yaml``), and IRIs resolved as the
engine resolves them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.sparql_reading import Reading, Unread, read_query, read_update

CASES = yaml.safe_load(Path(__file__).with_name("second-readings.yaml").read_text("utf-8"))


def _expected(fields: dict[str, Any]) -> dict[str, Any]:
    return asdict(Reading(**fields))


def _sorted(reading: Reading) -> dict[str, Any]:
    """``reading`` with each list in one order (the walk's order is not the text's)."""
    found = asdict(reading)
    return {k: sorted(v, key=str) if isinstance(v, list) else v for k, v in found.items()}


@pytest.mark.parametrize("name", list(CASES["queries"]))
def test_a_query_is_read_a_second_time(name: str) -> None:
    case = CASES["queries"][name]
    if case.get("unread"):
        with pytest.raises(Unread):
            read_query(case["text"], case.get("base"))
        return
    expected = _sorted(Reading(**case["reading"]))
    assert _sorted(read_query(case["text"], case.get("base"))) == expected


@pytest.mark.parametrize("name", list(CASES["updates"]))
def test_an_update_is_read_a_second_time(name: str) -> None:
    case = CASES["updates"][name]
    if case.get("unread"):
        with pytest.raises(Unread):
            read_update(case["text"], case.get("base"))
        return
    expected = [_sorted(Reading(**fields)) for fields in case["readings"]]
    assert [_sorted(r) for r in read_update(case["text"], case.get("base"))] == expected
