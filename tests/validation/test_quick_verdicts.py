"""The engine's quick verdicts on pyoxigraph terms are the verdicts its tests give on the rdflib
terms pyshacl sees, for days, geometries and literals of datatypes rdflib reads no value of
(``validation.engine._quick_datatype``, ``_quick_text``): where a quick verdict is given at all."""

from __future__ import annotations

import random
import re

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.namespace import XSD

from core.rdflib_terms import term_converter
from validation import engine

WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
OTHER = "http://example.org/datatype"
DATATYPES = [str(XSD.date), WKT, str(XSD.gYear), str(XSD.string), str(XSD.token), OTHER]
RULES = [XSD.date, URIRef(WKT), XSD.gYear, XSD.string, XSD.token, URIRef(OTHER)]
WRITTEN = [
    "2019-03-12", "2019-02-31", "0000-01-01", "0001-01-01", "9999-12-31", "2019-3-12",
    "2019-03-12Z", "2019-03-12+02:00", " 2019-03-12", "２０１９-03-12", "2020-02-29",
    "2021-02-29", "-2019-03-12", "POINT(4.8 45.7)", " POINT(4.8  45.7) ", "", "abc",
]  # fmt: skip
POINT = re.compile(r"^POINT\(")


def _lexical_forms() -> list[str]:
    rng = random.Random(18)
    days = [
        f"{rng.randint(0, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        for _ in range(400)
    ]
    return WRITTEN + days


def _tests(rule: URIRef) -> list[tuple[engine.Test, engine.Quick]]:
    point = engine._on_text(lambda text: bool(POINT.search(text)), False)
    return [
        (engine._datatype(rule), engine._quick_datatype(rule)),
        (point, engine._quick_text(lambda text: bool(POINT.search(text)), point)),
    ]


@pytest.mark.parametrize("rule", RULES, ids=str)
def test_quick_verdicts_are_the_rdflib_verdicts(rule: URIRef) -> None:
    term = term_converter()
    differing, given = [], 0
    for datatype in DATATYPES:
        for lexical in _lexical_forms():
            value = ox.Literal(lexical, datatype=ox.NamedNode(datatype))
            for test, quick in _tests(rule):
                verdict = quick(value, None)  # type: ignore[arg-type]
                if verdict is None:
                    continue
                given += 1
                if verdict != test(term(value), None):  # type: ignore[arg-type]
                    differing.append((datatype, lexical))
    assert differing == []
    assert given > 0
