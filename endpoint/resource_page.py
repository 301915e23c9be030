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
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from babel import Locale

from core.namespaces import (
    CC,
    CWM,
    DCTERMS,
    EU_COUNTRY,
    GEO,
    LOCN,
    NUTS_CODE,
    PREFIXES,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    sparql_prefixes,
)
from core.translations import in_language, load_catalogue, words
from endpoint.published import select
from loaders import enrich, nuts, tables
from loaders.rdf import literal

TABLE = Path(__file__).with_name("resource-page.yaml")
PAGE_SIZE = 200
PREFIXES_USED = {**PREFIXES, "rdfs": RDFS, "skos": SKOS, "cc": CC}
#: predicates whose values name a resource, best first
LABELS = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", DCTERMS + "title")
LATITUDE, LONGITUDE = SCHEMA + "latitude", SCHEMA + "longitude"
ADDRESS, GEOMETRY = LOCN + "address", GEO + "hasGeometry"
#: the parts of the address, in the order of its lines (post code and town share one)
ADDRESS_LINES = ((LOCN + "thoroughfare",), (LOCN + "postCode", LOCN + "postName"))
BOOLEAN, UNIT_CODE = XSD + "boolean", SCHEMA + "unitCode"
MUNICIPALITY, COUNTRY = CWM + "municipality", CWM + "country"
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
    return {
        "groups": groups,
        "words": data["words"],
        "terms": {_expand(name): texts for name, texts in data["terms"].items()},
        "units": data["units"],
        "parts": data["parts"],
    }


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
    #: the value as words (a boolean, a unit, an address), when it is not shown as it is
    display: str | None = None
    #: the name of the value's language, when the same fact is given in several languages
    language_name: str | None = None
    #: an address, one line each
    lines: tuple[str, ...] = ()


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


@cache
def country_label(code: str, lang: str) -> str:
    """A country by its EU authority code (ESP), named in ``lang`` (pycountry's names, as the
    territory graph has them); the code if unknown."""
    for iso, row in tables.countries().items():
        if row["eu"] == code:
            return nuts.country_name(iso, lang)
    return code


def _part_name(subject: str, lang: str) -> str:
    """A part of a resource by name in ``lang`` ("address" -> "διεύθυνση")."""
    short = _short(subject)
    texts = table()["parts"].get(short)
    return in_language(texts, lang) if texts else short


def _display(
    value: ox.NamedNode | ox.Literal | ox.BlankNode, predicate: str, lang: str
) -> str | None:
    """A literal as words when it is a code: a boolean ("ναι"), a unit ("per day")."""
    if not isinstance(value, ox.Literal):
        return None
    if value.datatype.value == BOOLEAN:
        said = words(table()["words"], lang)
        return said["yes"] if value.value in ("true", "1") else said["no"]
    units = table()["units"]
    if predicate == UNIT_CODE and value.value in units:
        return in_language(units[value.value], lang)
    return None


def _readable_place(
    collected: list[tuple[str, Fact]], iri: str, lang: str
) -> list[tuple[str, Fact]]:
    """The address (its own part) as an address, one line each, and the point as "lat, long",
    in place of the address's, the geometry's and the coordinates' separate facts; a town known
    only by its GeoNames IRI named by the address's town."""
    said = words(table()["words"], lang)
    address, geometry = iri + "/address", iri + "/geometry"
    parts = {fact.predicate: fact.value for _g, fact in collected if fact.subject == address}
    country = next(
        (f.value_label for _g, f in collected if f.subject == iri and f.predicate == COUNTRY),
        None,
    )
    lines = tuple(
        line
        for line in (
            *(" ".join(parts[p] for p in names if p in parts) for names in ADDRESS_LINES),
            country or "",
        )
        if line
    )
    position = {
        f.predicate: f.value
        for _g, f in collected
        if f.subject == iri and f.predicate in (LATITUDE, LONGITUDE)
    }
    hidden: set[tuple[str, str | None]] = set()
    kept: list[tuple[str, Fact]] = []
    if parts:
        hidden |= {(address, None), (iri, ADDRESS)}
        kept.append(
            (
                "place",
                Fact(
                    iri,
                    None,
                    ADDRESS,
                    said["postal_address"],
                    "\n".join(lines),
                    False,
                    None,
                    None,
                    lines=lines,
                ),
            )
        )
    if len(position) == 2:
        hidden |= {(geometry, None), (iri, GEOMETRY), (iri, LATITUDE), (iri, LONGITUDE)}
        text = f"{position[LATITUDE]}, {position[LONGITUDE]}"
        kept.append(
            ("place", Fact(iri, None, LATITUDE, said["coordinates"], text, False, None, None))
        )
    for group_id, fact in collected:
        if (fact.subject, None) in hidden or (fact.subject, fact.predicate) in hidden:
            continue
        if fact.predicate == MUNICIPALITY and fact.is_iri and not fact.value_label:
            fact = replace(fact, value_label=parts.get(LOCN + "postName"))
        kept.append((group_id, fact))
    return kept


def _with_language_names(collected: list[tuple[str, Fact]], lang: str) -> list[tuple[str, Fact]]:
    """Facts given in several languages each say which language (its name in ``lang``)."""
    tags: dict[tuple[str, str], set[str]] = {}
    for _g, fact in collected:
        if fact.language:
            tags.setdefault((fact.subject, fact.predicate), set()).add(fact.language)
    names = Locale.parse(lang).languages
    return [
        (
            group_id,
            replace(fact, language_name=names.get(fact.language.split("-")[0], fact.language))
            if fact.language and len(tags[(fact.subject, fact.predicate)]) > 1
            else fact,
        )
        for group_id, fact in collected
    ]


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

    for term, texts in table()["terms"].items():
        if term in terms:
            names[term] = in_language(texts, lang)
    for term in terms:
        code = term[len(NUTS_CODE) :]
        if term.startswith(NUTS_CODE) and (name := names.get(term) or enrich.region_name(code)):
            names[term] = f"{name} ({code})"  # by name and code: "Nord (FRE11)"
        elif term.startswith(EU_COUNTRY) and term not in names:  # a store without territory
            names[term] = country_label(term[len(EU_COUNTRY) :], lang)

    groups = {
        group["id"]: Group(group["id"], in_language(group["label"], lang))
        for group in table()["groups"]
    }
    point: dict[str, float] = {}
    collected: list[tuple[str, Fact]] = []
    for row in rows:
        subject, value = row["s"].value, row["o"]
        link = row["link"].value if row["link"] is not None else None
        predicate = row["p"].value
        is_iri = isinstance(value, ox.NamedNode)
        if subject == iri and predicate in (LATITUDE, LONGITUDE):
            point[predicate] = float(value.value)
        collected.append(
            (
                group_of(link or predicate),
                Fact(
                    subject,
                    _part_name(subject, lang) if subject != iri else None,
                    predicate,
                    names.get(predicate) or _readable(predicate),
                    value.value,
                    is_iri,
                    names.get(value.value) if is_iri else None,
                    getattr(value, "language", None),
                    display=_display(value, predicate, lang),
                ),
            )
        )
    for group_id, fact in _with_language_names(_readable_place(collected, iri, lang), lang):
        groups[group_id].facts.append(fact)
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
