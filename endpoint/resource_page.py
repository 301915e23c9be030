"""What the HTML page of one resource shows: its facts grouped as ``resource-page.yaml`` says,
the resources that point to it, where it is on a map, and where its data came from.

Every list is paged (``PAGE_SIZE`` values a page, the same page number for the facts and the
resources pointing here), so a network with thousands of members or a concept used by every
space is shown whole over several pages, never cut. The facts are those of the resource and of
its parts (the IRIs under it: address, geometry, offers), as in its RDF description.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from core.namespaces import CC, CWM, DCTERMS, PREFIXES, RDFS, SCHEMA, SKOS, sparql_prefixes
from core.translations import in_language, load_catalogue
from endpoint.published import select
from loaders.rdf import literal

TABLE = Path(__file__).with_name("resource-page.yaml")
PAGE_SIZE = 200
PREFIXES_USED = {**PREFIXES, "rdfs": RDFS, "skos": SKOS, "cc": CC}
#: predicates whose values name a resource, best first
LABELS = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", DCTERMS + "title")
LATITUDE, LONGITUDE = SCHEMA + "latitude", SCHEMA + "longitude"
SOURCES_PREFIXES = sparql_prefixes("prov", "dcterms", "dcat")


def _expand(name: str) -> str:
    prefix, _, local = name.partition(":")
    return PREFIXES_USED[prefix] + local


@cache
def table() -> dict[str, Any]:
    """The groups (each with its label per language and its predicates as IRIs) and words."""
    data = load_catalogue(TABLE)
    groups = [
        {**group, "properties": [_expand(name) for name in group["properties"]]}
        for group in data["groups"]
    ]
    return {"groups": groups, "words": data["words"]}


def _position(group_id: str, fact: Fact) -> tuple[bool, str, int, str, str]:
    """Facts of the resource first, in the order of the group's table, then those of its parts."""
    order = next(g["properties"] for g in table()["groups"] if g["id"] == group_id)
    index = order.index(fact.predicate) if fact.predicate in order else len(order)
    return (fact.part is not None, fact.subject, index, fact.predicate_label, fact.value)


def group_of(predicate: str) -> str:
    for group in table()["groups"]:
        if predicate in group["properties"]:
            return group["id"]
    return table()["groups"][-1]["id"]


@dataclass(frozen=True)
class Fact:
    subject: str
    part: str | None
    predicate: str
    predicate_label: str
    value: str
    is_iri: bool
    value_label: str | None
    language: str | None


@dataclass
class Group:
    id: str
    label: str
    facts: list[Fact] = field(default_factory=list)


@dataclass(frozen=True)
class Referrer:
    subject: str
    subject_label: str | None
    predicate: str
    predicate_label: str


@dataclass(frozen=True)
class Source:
    dataset: str
    dataset_label: str | None
    partner: str | None
    partner_label: str | None
    version: str | None
    issued: str | None
    submission: str | None
    licence: str | None = None
    attribution: str | None = None


@dataclass(frozen=True)
class HeldBackRow:
    """A record a load held back: its page, row, identifier in the source and reasons."""

    iri: str
    row: str | None
    identifier: str | None
    reasons: list[str]


@dataclass(frozen=True)
class LoadCounts:
    """What the load of a dataset (its current version) read, published and held back
    (``publishing.held_back``)."""

    activity: str
    rows: int
    published: int
    held: int
    held_back: list[HeldBackRow]


@dataclass
class ResourcePage:
    iri: str
    title: str
    groups: list[Group]
    referrers: list[Referrer]
    sources: list[Source]
    point: tuple[float, float] | None
    page: int
    pages: int
    fact_count: int
    referrer_count: int
    load: LoadCounts | None = None


def _iri(text: str) -> str:
    return f"<{ox.NamedNode(text).value}>"


def facts_pattern(iri: str) -> str:
    """The graph pattern of the resource's facts and its parts' (``?s ?link ?p ?o``)."""
    node, parts = _iri(iri), literal(iri + "/")
    return (
        f"{{ BIND ({node} AS ?s) {node} ?p ?o }} UNION "
        f"{{ {node} ?link ?s . FILTER (isIRI(?s) && STRSTARTS(STR(?s), {parts})) ?s ?p ?o }}"
    )


def referrers_pattern(iri: str) -> str:
    """The graph pattern of the resources that point to it, other than its own parts."""
    node, parts = _iri(iri), literal(iri + "/")
    return f"?s ?p {node} . FILTER (isIRI(?s) && ?s != {node} && !STRSTARTS(STR(?s), {parts}))"


def _count(pattern: str, max_rows: int) -> int:
    rows, _generation = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", max_rows)
    return int(rows[0]["n"].value)


def labels(terms: set[str], lang: str, max_rows: int) -> dict[str, str]:
    """Labels of IRIs in ``lang`` (else English, else any), from the published graphs."""
    if not terms:
        return {}
    values = " ".join(_iri(t) for t in sorted(terms))
    predicates = " ".join(f"<{p}>" for p in LABELS)
    query = (
        f"SELECT ?x ?p ?label WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {predicates} }} "
        "?x ?p ?label }"
    )
    solutions, _generation = select(query, max_rows)
    ranked: dict[str, tuple[int, int, str]] = {}
    for solution in solutions:
        label = solution["label"]
        tag = getattr(label, "language", None) or ""
        rank = (0 if tag == lang else 1 if tag == "en" else 2, LABELS.index(solution["p"].value))
        key = solution["x"].value
        if key not in ranked or rank < ranked[key][:2]:
            ranked[key] = (*rank, label.value)
    return {key: text for key, (_lang, _kind, text) in ranked.items()}


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _readable(iri: str) -> str:
    """A term without a label, by its local name in words: ``hasGeometry`` -> ``has geometry``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", _short(iri)).lower()


def _sources(iri: str, max_rows: int) -> list[tuple[dict[str, Any], set[str]]]:
    query = f"""{SOURCES_PREFIXES}SELECT ?dataset ?partner ?version ?issued ?submission ?licence
  (SAMPLE(?attributed) AS ?attribution)
WHERE {{
  # a space's source record; a canonical place's, through each of its spaces
  {{ {_iri(iri)} prov:wasDerivedFrom ?record }}
  UNION {{ {_iri(iri)} prov:wasDerivedFrom/prov:wasDerivedFrom ?record }}
  ?record <{CWM}inDataset> ?dataset .
  OPTIONAL {{ ?dataset dcterms:publisher ?partner }}
  OPTIONAL {{ ?dataset dcterms:license ?licence }}
  OPTIONAL {{ ?dataset <{CC}attributionName> ?attributed }}
  OPTIONAL {{
    ?dataset dcat:hasCurrentVersion ?version .
    OPTIONAL {{ ?version dcterms:issued ?issued }}
    OPTIONAL {{ ?submission prov:generated ?version }}
  }}
}} GROUP BY ?dataset ?partner ?version ?issued ?submission ?licence ORDER BY ?dataset"""
    rows, _generation = select(query, max_rows)
    return [
        (row, {row[k].value for k in ("dataset", "partner", "licence") if row[k] is not None})
        for row in rows
    ]


def load_counts(iri: str, max_rows: int) -> LoadCounts | None:
    """The counts of the load behind ``iri`` (a dataset: its current version's; a version; a
    load activity) and the records it held back, by row; None when ``iri`` is none of those."""
    node = _iri(iri)
    rows, _generation = select(
        f"""{SOURCES_PREFIXES}SELECT ?activity ?rows ?published ?held WHERE {{
  {{ BIND({node} AS ?activity) }} UNION {{ {node} prov:wasGeneratedBy ?activity }}
  UNION {{ {node} dcat:hasCurrentVersion/prov:wasGeneratedBy ?activity }}
  ?activity <{CWM}rowsRead> ?rows ; <{CWM}recordsPublished> ?published ;
            <{CWM}recordsHeldBack> ?held .
}} LIMIT 1""",
        max_rows,
    )
    if not rows:
        return None
    activity = rows[0]["activity"].value
    held, _generation = select(
        f"""SELECT ?record ?row ?identifier ?reason WHERE {{
  {_iri(activity)} <{CWM}heldBack> ?record .
  OPTIONAL {{ ?record <{CWM}rowNumber> ?row }}
  OPTIONAL {{ ?record <{CWM}sourceIdentifier> ?identifier }}
  OPTIONAL {{ ?record <{CWM}heldBackReason> ?reason }}
}} ORDER BY ?row ?record ?reason""",
        max_rows,
    )
    records: dict[str, HeldBackRow] = {}
    for row in held:
        key = row["record"].value
        found = records.setdefault(
            key,
            HeldBackRow(
                key,
                row["row"].value if row["row"] is not None else None,
                row["identifier"].value if row["identifier"] is not None else None,
                [],
            ),
        )
        if row["reason"] is not None and row["reason"].value not in found.reasons:
            found.reasons.append(row["reason"].value)
    ordered = sorted(records.values(), key=lambda r: (int(r.row) if r.row else 0, r.iri))
    return LoadCounts(
        activity,
        int(rows[0]["rows"].value),
        int(rows[0]["published"].value),
        int(rows[0]["held"].value),
        ordered,
    )


def resource_page(iri: str, lang: str, page: int, max_rows: int) -> ResourcePage | None:
    """The page ``page`` (from 1) of ``iri``'s description, or None if nothing is known of it."""
    fact_count = _count(facts_pattern(iri), max_rows)
    if fact_count == 0:
        return None
    referrer_count = _count(referrers_pattern(iri), max_rows)
    pages = max(1, math.ceil(max(fact_count, referrer_count) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    rows, _generation = select(
        f"SELECT ?s ?link ?p ?o WHERE {{ {facts_pattern(iri)} }} "
        f"ORDER BY ?link ?s ?p ?o LIMIT {PAGE_SIZE} OFFSET {offset}",
        max_rows,
    )
    incoming, _generation = select(
        f"SELECT ?s ?p WHERE {{ {referrers_pattern(iri)} }} "
        f"ORDER BY ?p ?s LIMIT {PAGE_SIZE} OFFSET {offset}",
        max_rows,
    )
    sources = _sources(iri, max_rows)
    terms = (
        {iri} | {row["p"].value for row in rows + incoming} | {row["s"].value for row in incoming}
    )
    terms |= {row["o"].value for row in rows if isinstance(row["o"], ox.NamedNode)}
    for _row, source_terms in sources:
        terms |= source_terms
    names = labels(terms, lang, max_rows)

    groups = {
        group["id"]: Group(group["id"], in_language(group["label"], lang))
        for group in table()["groups"]
    }
    point: dict[str, float] = {}
    for row in rows:
        subject, value = row["s"].value, row["o"]
        link = row["link"].value if row["link"] is not None else None
        predicate = row["p"].value
        is_iri = isinstance(value, ox.NamedNode)
        if subject == iri and predicate in (LATITUDE, LONGITUDE):
            point[predicate] = float(value.value)
        groups[group_of(link or predicate)].facts.append(
            Fact(
                subject,
                _short(subject) if subject != iri else None,
                predicate,
                names.get(predicate) or _readable(predicate),
                value.value,
                is_iri,
                names.get(value.value) if is_iri else None,
                getattr(value, "language", None),
            )
        )
    referrers = [
        Referrer(
            row["s"].value,
            names.get(row["s"].value),
            row["p"].value,
            names.get(row["p"].value) or _readable(row["p"].value),
        )
        for row in incoming
    ]
    for group in groups.values():
        group.facts.sort(key=lambda fact: _position(group.id, fact))
    return ResourcePage(
        iri=iri,
        title=names.get(iri) or _short(iri),
        groups=[group for group in groups.values() if group.facts],
        referrers=referrers,
        sources=[
            Source(
                row["dataset"].value,
                names.get(row["dataset"].value),
                row["partner"].value if row["partner"] else None,
                names.get(row["partner"].value) if row["partner"] else None,
                row["version"].value if row["version"] else None,
                row["issued"].value if row["issued"] else None,
                row["submission"].value if row["submission"] else None,
                row["licence"].value if row["licence"] else None,
                row["attribution"].value if row["attribution"] else None,
            )
            for row, _names in sources
        ],
        point=(point[LATITUDE], point[LONGITUDE]) if len(point) == 2 else None,
        page=page,
        pages=pages,
        fact_count=fact_count,
        referrer_count=referrer_count,
        load=load_counts(iri, max_rows),
    )
