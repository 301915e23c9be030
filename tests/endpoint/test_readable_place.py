"""A space's address on its page, one line each: cut into street, postcode and town, or kept
whole when the loader could not cut it (stranger 88: the page said "address: France" of an
address the report had said was kept whole)."""

from __future__ import annotations

import pytest

from core.namespaces import LOCN
from endpoint.resource_page import ADDRESS, COUNTRY, Fact, _readable_place

SPACE = "https://w3id.org/coworkmed/id/space/fr-aura/AURA-001"


def _fact(subject: str, predicate: str, value: str, label: str | None = None) -> Fact:
    return Fact(subject, None, predicate, predicate, value, label is not None, label, None)


@pytest.mark.parametrize(
    ("parts", "lines"),
    [
        (
            {"fullAddress": "12 montée de la Grande-Côte, 6901 Lyon"},
            ("12 montée de la Grande-Côte, 6901 Lyon", "France"),
        ),
        (
            {"thoroughfare": "3 rue Neuve", "postCode": "69001", "postName": "Lyon"},
            ("3 rue Neuve", "69001 Lyon", "France"),
        ),
        (  # cut: the parts are shown, not the whole beside them
            {"fullAddress": "3 rue Neuve 69001 Lyon", "postName": "Lyon"},
            ("Lyon", "France"),
        ),
    ],
    ids=["kept-whole", "cut", "cut-and-whole"],
)
def test_an_address_is_shown_as_it_is_known(parts: dict[str, str], lines: tuple[str, ...]) -> None:
    address = SPACE + "/address"
    collected = [("place", _fact(SPACE, ADDRESS, address, ""))]
    collected.append(("place", _fact(SPACE, COUNTRY, "http://e.example/FRA", "France")))
    collected += [("place", _fact(address, LOCN + name, value)) for name, value in parts.items()]
    shown = [fact for _group, fact in _readable_place(collected, SPACE, "fr")]
    (said,) = [fact for fact in shown if fact.predicate == ADDRESS]
    assert said.lines == lines
