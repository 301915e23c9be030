"""Fixed RDF from Turtle and SPARQL update templates (``core.rdf_templates``): placeholders take RDF
terms only, so a hostile value stays one term; the submission record, the provenance of a load,
the catalogue's version switch and the DCAT catalogue are the graphs they always were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

import endpoint.dumps
from core.names import shown_name
from core.rdf_templates import fill
from endpoint import service
from endpoint.dumps import Dump, Served, catalogue
from loaders import provenance
from loaders.mapping import Mapping
from loaders.rdf import Triples
from observatory import cube
from publishing.partners import Partner
from publishing.publish import RECORD_TEMPLATE, record
from triplestore.backends import TripleStore
from triplestore.versions import switch_update

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


# ------------------------------------------------ the provenance, the version switch, the catalogue
# Each expected graph in tests/templates/ was made by the code before it became templates.

EXPECTED = Path(__file__).parent / "templates"
HOSTILE = 'a "quoted" > $dataset\nname <urn:evil> . \\'
STARTED = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
ENDED = dt.datetime(2026, 11, 1, 9, 31, 5, 250000, tzinfo=dt.UTC)
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
SOURCES = {
    "full": {
        "title": {"en": "Coworking spaces of Lyon", "fr": "Espaces de coworking de Lyon"},
        "description": "Every space the agency lists.",
        "licence": LICENCE,
        "issued": "2025-06-01",
        "partner": {"id": "lyon", "name": "Lyon agency", "homepage": "https://lyon.example.org/"},
    },
    "bare": {"title": "Spaces", "licence": LICENCE, "partner": {"id": "nice", "name": "Nice"}},
}
#: case -> (source id, file format)
LOADS = {"full": ("lyon", "csv"), "bare": ("nice", "geojson")}


def _graph(data: bytes | str) -> Graph:
    return Graph().parse(data=data, format="nt")


def _expected(name: str) -> Graph:
    return Graph().parse(EXPECTED / name, format="nt")


def _load(source: dict[str, Any], source_id: str, file_format: str, file: str) -> bytes:
    mapping = SimpleNamespace(
        source=source, source_id=source_id, path=Path(f"/m/{source_id}.yaml"), columns=[]
    )
    facts = provenance.LoadFacts(
        file=Path(file),
        file_format=file_format,
        file_sha256="721fca1b" + "0" * 56,
        file_size=12345,
        mapping_sha256="ab" * 32,
        started=STARTED,
        ended=ENDED,
    )
    triples = Triples()
    provenance.describe(triples, cast(Mapping, mapping), BASE, facts)
    return triples.data()


@pytest.mark.parametrize("case", sorted(LOADS))
def test_the_provenance_of_a_load_is_the_graph_it_always_was(case: str) -> None:
    source_id, file_format = LOADS[case]
    made = _load(SOURCES[case], source_id, file_format, f"/data/{source_id}-spaces.{file_format}")
    assert isomorphic(_graph(made), _expected(f"provenance-{case}.nt"))


def test_a_hostile_file_name_or_title_stays_one_literal() -> None:
    source = {
        **SOURCES["full"],
        "title": HOSTILE,
        "partner": {**SOURCES["full"]["partner"], "name": HOSTILE},
    }
    made = _graph(_load(source, "lyon", "csv", f"/data/{HOSTILE}.csv"))
    expected = _expected("provenance-full.nt")
    assert len(made) == len(expected) - 1  # one title instead of two
    literals = {o for o in made.objects() if isinstance(o, Literal)}
    # the title as given; the file's name on one line (core.names: stranger 76)
    assert {Literal(HOSTILE), Literal(shown_name(f"{HOSTILE}.csv"))} <= literals
    assert URIRef("urn:evil") not in set(made.all_nodes())


def _catalogue_after(before: list[str], version: str) -> tuple[str, Graph]:
    store = ox.Store()
    catalog = ox.NamedNode(f"{BASE}catalog")
    if before:
        store.load("\n".join(before).encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=catalog)
    update = switch_update(cast(TripleStore, store), BASE, LYON, version)
    store.update(update)
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, catalog)]
    return update, _graph(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


LYON = f"{BASE}dataset/lyon"
CURRENT = "<http://www.w3.org/ns/dcat#hasCurrentVersion>"
SWITCHES = {
    "first": [],
    "second": [
        f"<{LYON}> {CURRENT} <{LYON}/v1> .",
        f"<{LYON}> <http://www.w3.org/ns/dcat#hasVersion> <{LYON}/v1> .",
    ],
    "two-current": [
        f"<{LYON}> {CURRENT} <{LYON}/v1> .",
        f"<{LYON}> {CURRENT} <{LYON}/v2> .",
        f"<{BASE}dataset/nice> {CURRENT} <{BASE}dataset/nice/v1> .",
    ],
}


@pytest.mark.parametrize("case", sorted(SWITCHES))
def test_the_version_switch_makes_the_catalogue_it_always_did(case: str) -> None:
    _update, made = _catalogue_after(SWITCHES[case], f"{LYON}/v3")
    assert isomorphic(made, _expected(f"switch-{case}.nt"))


def test_a_hostile_version_iri_stays_one_iri() -> None:
    version = f"{LYON}/v3$dataset'x';"  # placeholder text and quotes an IRI may hold
    update, made = _catalogue_after(SWITCHES["second"], version)
    assert f"<{version}>" in update  # written as it is, never filled again
    assert set(made.objects(URIRef(LYON), URIRef(CURRENT[1:-1]))) == {URIRef(version)}
    assert len(made) == 4


@pytest.mark.parametrize("text", ['"', ">", "\n", " ", "{"])
def test_a_version_no_iri_can_hold_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        switch_update(cast(TripleStore, ox.Store()), BASE, LYON, f"{LYON}/v3{text}. <urn:evil")


DUMPS = [
    Dump("coworkmed-2026-11-22-g3.nq.gz", "nquads", 1234, "ab" * 32),
    Dump("coworkmed-2026-11-22-g3.ttl.gz", "turtle", 987, "cd" * 32),
]


def _catalogue(monkeypatch: pytest.MonkeyPatch, sources: bytes, dumps: list[Dump]) -> Graph:
    monkeypatch.setattr(endpoint.dumps, "run", lambda _request: SimpleNamespace(body=sources))
    listed = Served(dumps, 3, "2026-11-22", 3)
    made = catalogue(BASE, "http://localhost/sparql", listed, "http://localhost/dumps/")
    return _graph(ox.serialize(made, format=ox.RdfFormat.N_TRIPLES))


def test_the_catalogue_is_the_graph_it_always_was(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = (EXPECTED / "catalogue-sources.nt").read_bytes()
    made = _catalogue(monkeypatch, sources, DUMPS)
    assert isomorphic(made, _expected("catalogue.nt"))


def test_a_hostile_dump_name_or_checksum_stays_one_term(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = f"<{LYON}> <{RDF_TYPE}> <http://www.w3.org/ns/dcat#Dataset> .\n".encode()
    name = "coworkmed-$whole'x';.nq.gz"  # what a dump's IRI may hold
    made = _catalogue(monkeypatch, sources, [Dump(name, "nquads", 1, HOSTILE)])
    dump, url = URIRef(f"{BASE}dump/{name}"), URIRef(f"http://localhost/dumps/{name}")
    assert set(made.objects(dump, URIRef(f"{DCAT}accessURL"))) == {url}
    checksum = made.value(dump, URIRef(f"{SPDX}checksum"))
    assert [str(v) for v in made.objects(checksum, URIRef(f"{SPDX}checksumValue"))] == [HOSTILE]
    assert URIRef("urn:evil") not in set(made.all_nodes())
    assert len(made) == len(_catalogue(monkeypatch, sources, DUMPS[:1]))


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"


#: the service description and the cube's data set, as the code wrote them before their
#: templates (endpoint/templates/service.ttl, observatory/templates/cube-dataset.ttl)
FIXED = {
    "service.nt": lambda: service.description("http://127.0.0.1:8000/sparql", max_rows=10_000),
    "service-with-updates.nt": lambda: service.description(
        "http://127.0.0.1:8000/sparql", True, max_rows=10_000
    ),
    "cube-dataset.nt": lambda: cube.cube_description("https://example.org/id/"),
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_descriptions_are_the_graphs_they_always_were(name: str) -> None:
    made = ox.serialize(FIXED[name](), format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(_graph(made), _expected(name))
