"""Fixed RDF from Turtle templates (``core.templates``): placeholders take RDF terms only, so a
hostile value stays one literal; the submission record is the graph it always was."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from core.templates import fill
from publishing.partners import Partner
from publishing.publish import RECORD_TEMPLATE, record

BASE = "https://w3id.org/coworkmed/id/"
EXPECTED_RECORD = """
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix cwm: <https://w3id.org/coworkmed/def/> .
<https://w3id.org/coworkmed/id/submission/lyon/20260101T120000.000001Z-abcdef01>
    a prov:Activity ;
    prov:wasAssociatedWith <https://w3id.org/coworkmed/id/agency/lyon> ;
    prov:startedAtTime "2026-01-01T12:00:00.000001Z"^^xsd:dateTime ;
    <http://purl.org/dc/terms/identifier> "spaces \\"x\\" > .csv" ;
    <http://spdx.org/rdf/terms#checksumValue> "abcdef0123"^^xsd:hexBinary ;
    prov:generated <https://w3id.org/coworkmed/id/dataset/lyon/v1>,
        <https://w3id.org/coworkmed/id/submission/lyon/20260101T120000.000001Z-abcdef01/report> .
<https://w3id.org/coworkmed/id/submission/lyon/20260101T120000.000001Z-abcdef01/report>
    a sh:ValidationReport ; sh:conforms true ; cwm:errorCount 0 ; cwm:warningCount 3 .
"""


def _report(name: str) -> Any:
    load = SimpleNamespace(file_sha256="abcdef0123")
    return SimpleNamespace(load=load, file=f"/tmp/{name}", conforms=True, errors=0, warnings=3)


def test_the_submission_record_is_the_graph_it_always_was() -> None:
    update = record(
        _report('spaces "x" > .csv'),
        Partner("lyon", "Lyon", ""),
        BASE,
        f"{BASE}dataset/lyon/v1",
        "2026-01-01T12:00:00.000001Z",
    )
    store = ox.Store()
    store.update(update)
    made = ox.serialize(
        [
            q.triple
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(f"{BASE}submissions"))
        ],
        format=ox.RdfFormat.N_TRIPLES,
    )
    assert len(store) == 11
    assert isomorphic(Graph().parse(data=made, format="nt"), Graph().parse(data=EXPECTED_RECORD))


def test_a_value_is_one_term_whatever_it_holds() -> None:
    hostile = '" ; a <urn:evil> . <urn:x> <urn:y> "z'
    triples = fill(
        RECORD_TEMPLATE,
        **{name: ox.Literal(hostile) for name in ("time", "file", "checksum", "conforms")},
        **{name: ox.Literal("1") for name in ("errors", "warnings")},
        **{name: ox.NamedNode("urn:a") for name in ("activity", "agency", "generated", "report")},
    )
    assert len(triples) == 10  # the template, with one version-less "generated"
    assert {t.subject for t in triples} == {ox.NamedNode("urn:a")}
    assert ox.Literal(hostile) in {t.object for t in triples}
    assert ox.NamedNode("urn:evil") not in {t.object for t in triples}


def test_every_placeholder_must_be_given() -> None:
    with pytest.raises(KeyError):
        fill(cast(Path, RECORD_TEMPLATE), activity=ox.NamedNode("urn:a"))
