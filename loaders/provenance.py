"""What a load says about itself: the dataset (DCAT), its distribution (the file, with its
checksum), its publisher (the partner agency) and the load activity (PROV) with its mapping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core.namespaces import IANA_MEDIA_TYPES, SPDX, XSD
from loaders.mapping import Mapping
from loaders.rdf import Triples, iri, literal, p

MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "json": "application/json",
    "geojson": "application/geo+json",
    "overpass": "application/json",
}
SHA256 = SPDX + "checksumAlgorithm_sha256"


@dataclass(frozen=True)
class LoadFacts:
    """The facts of one load that the provenance records."""

    file: Path
    file_format: str
    file_sha256: str
    file_size: int
    mapping_sha256: str
    started: dt.datetime
    ended: dt.datetime


def dataset_iri(base: str, source: str) -> str:
    return f"{base}dataset/{source}"


def version_id(started: dt.datetime, file_sha256: str) -> str:
    """When and what was loaded: ``20261101T093000Z-721fca1b``."""
    return f"{started.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{file_sha256[:8]}"


def version_iri(base: str, source: str, started: dt.datetime, file_sha256: str) -> str:
    """The dataset version a load makes; its triples live in the named graph of that name."""
    return f"{dataset_iri(base, source)}/{version_id(started, file_sha256)}"


def _titles(triples: Triples, subject: str, predicate: str, text: str | dict[str, str]) -> None:
    items = text.items() if isinstance(text, dict) else [("", text)]
    for language, value in items:
        triples.add(subject, p(predicate), literal(value, language=language or None))


def describe(triples: Triples, mapping: Mapping, base: str, facts: LoadFacts) -> None:
    """Add the DCAT and PROV description of a load to ``triples``: the dataset, this version of
    it, the file it came from (with its checksum), the partner and the load activity."""
    add, source = triples.add, mapping.source
    dataset = iri(dataset_iri(base, mapping.source_id))
    version_text = version_iri(base, mapping.source_id, facts.started, facts.file_sha256)
    version = iri(version_text)
    distribution = iri(f"{version_text}/distribution")
    checksum = iri(f"{version_text}/distribution/checksum")
    partner = iri(f"{base}agency/{source['partner']['id']}")
    plan = iri(f"{base}mapping/{mapping.source_id}/{facts.mapping_sha256[:16]}")
    activity = iri(f"{base}load/{mapping.source_id}/{version_id(facts.started, facts.file_sha256)}")
    timestamp = XSD + "dateTime"

    add(dataset, p("rdf:type"), p("dcat:Dataset"))
    _titles(triples, dataset, "dcterms:title", source["title"])
    if "description" in source:
        _titles(triples, dataset, "dcterms:description", source["description"])
    add(dataset, p("dcterms:publisher"), partner)
    add(dataset, p("dcterms:license"), iri(source["licence"]))
    if "issued" in source:
        add(dataset, p("dcterms:issued"), literal(source["issued"], XSD + "date"))
    add(dataset, p("dcterms:modified"), literal(facts.ended.date().isoformat(), XSD + "date"))

    add(version, p("rdf:type"), p("dcat:Dataset"))
    add(version, p("dcat:version"), literal(version_id(facts.started, facts.file_sha256)))
    add(version, p("dcterms:issued"), literal(facts.ended.isoformat(), timestamp))
    add(version, p("dcterms:publisher"), partner)
    add(version, p("dcterms:license"), iri(source["licence"]))
    add(version, p("dcat:distribution"), distribution)
    add(version, p("prov:wasGeneratedBy"), activity)

    add(partner, p("rdf:type"), p("cwm:PartnerAgency"))
    add(partner, p("rdf:type"), p("foaf:Agent"))
    add(partner, p("schema:name"), literal(source["partner"]["name"]))
    if "homepage" in source["partner"]:
        add(partner, p("foaf:homepage"), iri(source["partner"]["homepage"]))

    add(distribution, p("rdf:type"), p("dcat:Distribution"))
    add(distribution, p("dcterms:title"), literal(facts.file.name))
    add(distribution, p("dcat:mediaType"), iri(IANA_MEDIA_TYPES + MEDIA_TYPES[facts.file_format]))
    add(distribution, p("dcat:byteSize"), literal(str(facts.file_size), XSD + "nonNegativeInteger"))
    add(distribution, p("dcterms:license"), iri(source["licence"]))
    add(distribution, p("spdx:checksum"), checksum)
    add(checksum, p("rdf:type"), p("spdx:Checksum"))
    add(checksum, p("spdx:algorithm"), iri(SHA256))
    add(checksum, p("spdx:checksumValue"), literal(facts.file_sha256, XSD + "hexBinary"))

    add(plan, p("rdf:type"), p("prov:Plan"))
    add(plan, p("dcterms:title"), literal(mapping.path.name))
    add(activity, p("rdf:type"), p("prov:Activity"))
    add(activity, p("prov:used"), distribution)
    add(activity, p("prov:used"), plan)
    add(activity, p("prov:startedAtTime"), literal(facts.started.isoformat(), timestamp))
    add(activity, p("prov:endedAtTime"), literal(facts.ended.isoformat(), timestamp))
