"""The browser views of the RDF descriptions: the DCAT catalogue, the VoID description and the
dumps, as pages of the site in the reader's language. RDF clients keep getting the RDF
(``wants_page`` decides: HTML named in Accept and liked better than RDF, or ``?format=html``).

Each view reads the same triples the RDF answer is made of, so the page and the RDF cannot say
different things.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from babel.numbers import format_decimal
from flask import request

from core.namespaces import CC, DCAT, DCTERMS, FOAF, PREFIXES, QB, RDF_TYPE, RDFS, SKOS, VOID
from core.translations import collation_key, long_date, words
from core.vocabulary import codelist_files
from endpoint.negotiation import asks_html, format_values, prefers_html
from endpoint.published import Kept, generation, select
from endpoint.site import table
from loaders.nuts import labelled
from validation.messages import ui

#: a subject's facts: predicate IRI -> its objects, in the order given
Facts = dict[str, list[Any]]

_KEPT = Kept(
    size=32,
    again={"versions": lambda: version_counts(), "labels": lambda lang: term_labels(lang)},
)


def wants_page() -> bool:
    """Whether this request asks for the HTML view rather than RDF."""
    values = format_values(request.args)
    if asks_html(values):
        return True
    return not values and prefers_html(request.headers.get("Accept"))


def view_words(lang: str) -> dict[str, str]:
    """The words of the views (``site.yaml`` ``views``) in ``lang``."""
    return words(table()["views"], lang)


def index(triples: list[ox.Triple]) -> dict[str, Facts]:
    """The triples by subject, then predicate (IRIs and blank nodes as strings)."""
    found: dict[str, Facts] = defaultdict(lambda: defaultdict(list))
    for triple in triples:
        if not isinstance(triple.subject, ox.Triple):
            found[triple.subject.value][triple.predicate.value].append(triple.object)
    return found


def in_language(literals: list[Any], lang: str) -> str:
    """The text of ``literals`` in ``lang``, else English, else untagged, else any."""
    texts = [term for term in literals if isinstance(term, ox.Literal)]
    for wanted in (lang, "en", None):
        for term in texts:
            if term.language == wanted:
                return term.value
    return texts[0].value if texts else ""


def first(facts: Facts, predicate: str) -> str:
    values = facts.get(predicate, [])
    return values[0].value if values else ""


def region_label(iri: str, lang: str) -> str:
    """A NUTS region IRI as its name and code; any other IRI as it is."""
    code = iri.rsplit("/", 1)[-1]
    return labelled(code, lang) if "/nuts/" in iri else iri


def local_date(text: str, lang: str) -> str:
    """An ISO date as readers of ``lang`` write it (the text itself if it is no date)."""
    try:
        return long_date(dt.date.fromisoformat(text[:10]), lang)
    except ValueError:
        return text


def number(value: float, lang: str) -> str:
    return format_decimal(value, locale=lang)


def human_size(size: int, lang: str) -> str:
    """A byte count as kB or MB (decimal units), in the number format and units of ``lang``
    (Mo, ko in French), the unit kept on the number's line."""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= scale:
            number = format_decimal(round(size / scale, 1), locale=lang)
            return f"{number}\u00a0{ui(f'unit-{unit}', lang)}"
    return f"{format_decimal(size, locale=lang)}\u00a0{ui('unit-B', lang)}"


def version_counts() -> dict[str, int]:
    """Records (spaces) in each published graph, once per store generation."""
    sparql = (
        "SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a "
        f"<{PREFIXES['cwm']}Space> }} }} GROUP BY ?g"
    )

    def count() -> dict[str, int]:
        rows, _generation = select(sparql, max_rows=10_000)
        return {row["g"].value: int(row["n"].value) for row in rows}

    return _KEPT.get(("versions", generation()), count)


def catalogue_view(triples: list[ox.Triple], lang: str) -> list[dict[str, Any]]:
    """The catalogue's datasets for a page: title, description, publisher, licence,
    attribution, coverage, last change, records and original files; the whole graph last."""
    facts = index(triples)
    counts = version_counts()
    datasets = [
        subject
        for subject, found in facts.items()
        if any(kind.value == DCAT + "Dataset" for kind in found.get(RDF_TYPE, []))
    ]
    whole = next((d for d in datasets if d.endswith("/dataset")), None)
    ordered = sorted((d for d in datasets if d != whole), key=lambda d: d) + (
        [whole] if whole else []
    )
    return [_dataset(facts, subject, lang, counts, subject == whole) for subject in ordered]


def _dataset(
    facts: dict[str, Facts], subject: str, lang: str, counts: dict[str, int], whole: bool
) -> dict[str, Any]:
    found = facts[subject]
    publisher = first(found, DCTERMS + "publisher")
    versions = [term.value for term in found.get(DCAT + "hasCurrentVersion", [])]
    records = sum(counts.get(version, 0) for version in versions)
    if whole:
        records = sum(counts.values())
    originals = [
        {
            "title": in_language(facts.get(term.value, {}).get(DCTERMS + "title", []), lang),
            "url": first(facts.get(term.value, {}), DCAT + "accessURL"),
        }
        for term in found.get(DCAT + "distribution", [])
        if first(facts.get(term.value, {}), DCAT + "accessURL")
    ]
    return {
        "iri": subject,
        "whole": whole,
        "title": in_language(found.get(DCTERMS + "title", []), lang) or subject,
        "description": in_language(found.get(DCTERMS + "description", []), lang),
        "publisher": in_language(facts.get(publisher, {}).get(FOAF + "name", []), lang),
        "licence": first(found, DCTERMS + "license"),
        "attribution": sorted(term.value for term in found.get(CC + "attributionName", [])),
        "coverage": sorted(
            region_label(term.value, lang) for term in found.get(DCTERMS + "spatial", [])
        ),
        "modified": local_date(first(found, DCTERMS + "modified"), lang)
        if first(found, DCTERMS + "modified")
        else "",
        "records": number(records, lang) if records else "",
        "originals": originals,
    }


def term_labels(lang: str) -> dict[str, str]:
    """The labels of the vocabulary's classes and properties in ``lang`` (English where that
    language has none), once per store generation."""
    sparql = f"SELECT ?t ?l WHERE {{ ?t <{RDFS}label> ?l }}"

    def labels() -> dict[str, str]:
        rows, _generation = select(sparql, max_rows=100_000)
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for row in rows:
            literal = row["l"]
            if isinstance(literal, ox.Literal) and isinstance(row["t"], ox.NamedNode):
                found[row["t"].value][literal.language or "en"] = literal.value
        return {
            term: texts.get(lang) or texts.get("en") or next(iter(texts.values()))
            for term, texts in found.items()
        }

    return _KEPT.get(("labels", generation(), lang), labels)


#: the prefixes the VoID page writes names with: the data's, and the vocabularies it reuses
NAME_PREFIXES = {**PREFIXES, "rdfs": RDFS, "skos": SKOS, "qb": QB, "void": VOID, "cc": CC}


def compact(iri: str) -> str:
    """An IRI as a prefixed name when a known prefix fits."""
    for prefix, namespace in sorted(NAME_PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def void_view(triples: list[ox.Triple], dataset: str, lang: str) -> dict[str, Any]:
    """The VoID description for a page: the dataset's counts, its class and property partitions
    (largest first, with labels) and its linksets."""
    facts = index(triples)
    found = facts[dataset]
    labels = term_labels(lang)

    def count(subject: str, predicate: str) -> int:
        text = first(facts.get(subject, {}), VOID + predicate)
        return int(text) if text else 0

    def partitions(link: str, key: str, measure: str) -> list[dict[str, str]]:
        rows = []
        for part in found.get(VOID + link, []):
            term = first(facts[part.value], VOID + key)
            rows.append((count(part.value, measure), term))
        return [
            {"term": compact(term), "label": labels.get(term, ""), "count": number(n, lang)}
            for n, term in sorted(rows, key=lambda row: (-row[0], row[1]))
        ]

    linksets = []
    for subset in found.get(VOID + "subset", []):
        part = facts[subset.value]
        target = first(part, VOID + "objectsTarget")
        linksets.append(
            {
                "predicate": compact(first(part, VOID + "linkPredicate")),
                "target": first(facts.get(target, {}), DCTERMS + "source"),
                "count": number(count(subset.value, "triples"), lang),
            }
        )
    totals = {
        name: number(count(dataset, name), lang)
        for name in ("triples", "entities", "classes", "properties")
    }
    return {
        "totals": totals,
        "classes": partitions("classPartition", "class", "entities"),
        "properties": partitions("propertyPartition", "property", "triples"),
        "linksets": sorted(linksets, key=lambda row: (row["target"], row["predicate"])),
        "licence": first(found, DCTERMS + "license"),
        "attribution": sorted(term.value for term in found.get(CC + "attributionName", [])),
    }


@cache
def _scheme_texts(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The labels and definitions of the concept scheme of a code list file, by language."""
    labels: dict[str, str] = {}
    definitions: dict[str, str] = {}
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    schemes = {
        t.subject.value
        for t in triples
        if t.predicate.value == RDF_TYPE and t.object.value == SKOS + "ConceptScheme"
    }
    for triple in triples:
        if triple.subject.value in schemes and isinstance(triple.object, ox.Literal):
            found = {SKOS + "prefLabel": labels, SKOS + "definition": definitions}
            target = found.get(triple.predicate.value)
            if target is not None:
                target.setdefault(triple.object.language or "en", triple.object.value)
    return labels, definitions


def code_lists(lang: str) -> list[dict[str, str]]:
    """The code lists for the vocabulary page: documentation page, label and definition in
    ``lang`` (English where it has none), sorted by label."""
    found = []
    for path in codelist_files():
        labels, definitions = _scheme_texts(path)
        found.append(
            {
                "page": f"codelists/{path.stem}.html",
                "turtle": f"codelists/{path.name}",
                "label": labels.get(lang) or labels.get("en") or path.stem,
                "definition": definitions.get(lang) or definitions.get("en", ""),
            }
        )
    return sorted(found, key=lambda item: collation_key(item["label"], lang))
