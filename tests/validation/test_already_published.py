"""What a submission's space is told when one of the same name is already published: "another
partner" only for a partner's own file, "nearby" only when both places have a point (cases:
``already-published-cases.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.vocabulary import LANGUAGES
from linking.places import Place
from validation.duplicates import ALREADY_PUBLISHED, across_records
from validation.messages import problem_message

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("already-published-cases.yaml")).read_text(encoding="utf-8")
)


def _place(iri: str, source: str, point: list[float] | None, row: int | None) -> Place:
    latitude, longitude = point if point is not None else (None, None)
    return Place(iri, source, "Kvart Lab", latitude, longitude, row=row)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_an_already_published_space_is_told_as_what_is_known(case: dict[str, Any]) -> None:
    mine = [_place("https://x/id/space/mine/1", "mine", case["mine"], 2)]
    theirs = [_place("https://x/id/space/hr-split/S-01", "hr-split", case["theirs"], None)]
    found = across_records(mine, theirs, "en", {"name": "Name"}, case["known"])
    assert [f.code for f in found] == ([case["code"]] if case["code"] else [])
    if found:
        assert "hr-split/S-01" in found[0].message
        assert case.get("says", "") in found[0].message
        assert not case.get("lacks") or case["lacks"] not in found[0].message


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", sorted(set(ALREADY_PUBLISHED.values())))
def test_each_kind_is_said_in_each_language(code: str, lang: str) -> None:
    message = problem_message(code, lang, other="https://x/id/space/hr-split/S-01")
    assert message is not None and "hr-split/S-01" in message
