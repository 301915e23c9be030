"""What a load says about itself: the dataset (DCAT), its distribution (the file, with its
checksum), its publisher (the partner agency) and the load activity (PROV) with its mapping."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from core.names import shown_name
from core.namespaces import IANA_MEDIA_TYPES, NUTS_CODE, XSD
from core.rdf_templates import Value, fill
from loaders.mapping import Mapping, coverage_codes, place
from loaders.rdf import Triples
from loaders.values import LEAVE_OUT

MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "json": "application/json",
    "geojson": "application/geo+json",
    "overpass": "application/json",
}
TEMPLATES = Path(__file__).parent / "templates"


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


def version_id(started: dt.datetime, file_sha256: str, mapping_sha256: str) -> str:
    """When and which load: ``20261101T093000Z-721fca1b``, the second it started and a digest
    of the file, its mapping (their sha256) and the moment it started, to the microsecond.
    Not of the file and the second alone: the same file read with another mapping, or again
    with ``--force``, within the second took the name of the version before, which the store
    held already, and was not written; said published all the same (CI of stop 55)."""
    moment = started.astimezone(dt.UTC)
    loaded = f"{file_sha256.lower()} {mapping_sha256.lower()} {moment.isoformat()}"
    return f"{moment:%Y%m%dT%H%M%SZ}-{hashlib.sha256(loaded.encode()).hexdigest()[:8]}"


def version_iri(
    base: str, source: str, started: dt.datetime, file_sha256: str, mapping_sha256: str
) -> str:
    """The dataset version a load makes; its triples live in the named graph of that name."""
    return f"{dataset_iri(base, source)}/{version_id(started, file_sha256, mapping_sha256)}"


def plan_iri(base: str, source: str, mapping_sha256: str) -> str:
    """The mapping a load used (``mapping_digest``), as the PROV plan of its activity."""
    return f"{base}mapping/{source}/{mapping_sha256[:16]}"


def _texts(text: str | dict[str, str]) -> list[ox.Literal]:
    """A title or description: one plain literal, or one per language."""
    if isinstance(text, dict):
        return [ox.Literal(value, language=language or None) for language, value in text.items()]
    return [ox.Literal(text)]


def _typed(lexical: str, datatype: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


#: the optional facts: template -> (its placeholder, the term it takes from the mapping's source)
OPTIONAL: dict[str, tuple[str, Callable[[dict[str, Any]], Value | None]]] = {
    "load-description.ttl": (
        "description",
        lambda source: _texts(source["description"]) if "description" in source else None,
    ),
    "load-issued.ttl": (
        "issued",
        lambda source: _typed(source["issued"], "date") if "issued" in source else None,
    ),
    "load-coverage.ttl": (
        "coverage",
        lambda source: (
            [ox.NamedNode(NUTS_CODE + code) for code in coverage_codes(source["coverage"])]
            if "coverage" in source
            else None
        ),
    ),
    "load-homepage.ttl": (
        "homepage",
        lambda source: (
            ox.NamedNode(source["partner"]["homepage"]) if "homepage" in source["partner"] else None
        ),
    ),
}


def description(mapping: Mapping, base: str, facts: LoadFacts) -> list[ox.Triple]:
    """The DCAT and PROV description of a load (``templates/load*.ttl``): the dataset, this
    version of it, the file it came from (with its checksum), the partner and the load
    activity."""
    source = mapping.source
    loaded = version_id(facts.started, facts.file_sha256, facts.mapping_sha256)
    version = version_iri(
        base, mapping.source_id, facts.started, facts.file_sha256, facts.mapping_sha256
    )
    terms: dict[str, Value] = {
        "dataset": ox.NamedNode(dataset_iri(base, mapping.source_id)),
        "version": ox.NamedNode(version),
        "distribution": ox.NamedNode(f"{version}/distribution"),
        "checksum": ox.NamedNode(f"{version}/distribution/checksum"),
        "partner": ox.NamedNode(f"{base}agency/{source['partner']['id']}"),
        "plan": ox.NamedNode(plan_iri(base, mapping.source_id, facts.mapping_sha256)),
        "activity": ox.NamedNode(f"{base}load/{mapping.source_id}/{loaded}"),
    }
    triples = fill(
        TEMPLATES / "load.ttl",
        **terms,
        title=_texts(source["title"]),
        licence=ox.NamedNode(source["licence"]),
        modified=_typed(facts.ended.date().isoformat(), "date"),
        versionId=ox.Literal(loaded),
        ended=_typed(facts.ended.isoformat(), "dateTime"),
        started=_typed(facts.started.isoformat(), "dateTime"),
        partnerName=ox.Literal(source["partner"]["name"]),
        fileName=ox.Literal(shown_name(facts.file.name)),
        mediaType=ox.NamedNode(IANA_MEDIA_TYPES + MEDIA_TYPES[facts.file_format]),
        byteSize=_typed(str(facts.file_size), "nonNegativeInteger"),
        sha256=_typed(facts.file_sha256, "hexBinary"),
        mappingName=ox.Literal(shown_name(mapping.path.name)),
    )
    for template, (name, value_of) in OPTIONAL.items():
        value = value_of(source)
        if value is not None:
            triples += fill(TEMPLATES / template, **terms, **{name: value})
    rules = plan_rules(mapping)
    if rules:
        triples += fill(TEMPLATES / "load-plan-rules.ttl", **terms, rules=rules)
    return triples


def plan_rules(mapping: Mapping) -> list[ox.Literal]:
    """What the mapping decides in place of the file, as the mapping writes it
    (``columns.TYPO.otherwise: third-place``, ``columns.WEB.unreadable: leave-out``): a reader
    of the provenance sees which values the source did not give."""
    rules = []
    for spec in mapping.columns:
        if spec.otherwise is not None:
            rules.append(f"{place(['columns', spec.label, 'otherwise'])}: {spec.otherwise}")
        if spec.unreadable == LEAVE_OUT:
            rules.append(f"{place(['columns', spec.label, 'unreadable'])}: {LEAVE_OUT}")
    return [ox.Literal(rule) for rule in rules]


def describe(triples: Triples, mapping: Mapping, base: str, facts: LoadFacts) -> None:
    """Add the description of a load (``description``) to ``triples``, as N-Triples."""
    for triple in description(mapping, base, facts):
        triples.add(str(triple.subject), str(triple.predicate), str(triple.object))
