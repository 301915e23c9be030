"""What the HTML page of one resource shows: its facts grouped as ``resource-page.yaml`` says,
the resources that point to it, where it is on a map, and where its data came from.

Every list is paged (``PAGE_SIZE`` values a page, the same page number for the facts and the
resources pointing here), so a network with thousands of members or a concept used by every
space is shown whole over several pages, never cut. The facts are those of the resource and of
its parts (the IRIs under it: address, geometry, offers), as in its RDF description.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import pyoxigraph as ox
from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

from core.namespaces import (
    CC,
    CWM,
    DCAT,
    DCTERMS,
    EU_COUNTRY,
    GEO,
    LOCN,
    NUTS_CODE,
    PREFIXES,
    QB,
    RDFS,
    SCHEMA,
    SKOS,
    VANN,
    VOID,
    XSD,
    sparql_prefixes,
)
from core.translations import (
    in_language,
    load_catalogue,
    long_date,
    long_month,
    punctuated,
    words,
)
from endpoint.published import select
from loaders import enrich, nuts, tables
from loaders.rdf import literal
from observatory.figures import territory_credit_sparql
from publishing.catalogue import redistributable
from validation.messages import catalogue
from validation.shapes import shape_texts

TABLE = Path(__file__).with_name("resource-page.yaml")
PAGE_SIZE = 200
PREFIXES_USED = {
    **PREFIXES,
    "rdfs": RDFS,
    "skos": SKOS,
    "cc": CC,
    "void": VOID,
    "qb": QB,
    "vann": VANN,
}
#: predicates whose values name a resource, best first
LABELS = (SKOS + "prefLabel", RDFS + "label", SCHEMA + "name", DCTERMS + "title")
LATITUDE, LONGITUDE = SCHEMA + "latitude", SCHEMA + "longitude"
ADDRESS, GEOMETRY = LOCN + "address", GEO + "hasGeometry"
#: the parts of the address, in the order of its lines (post code and town share one)
ADDRESS_LINES = ((LOCN + "thoroughfare",), (LOCN + "postCode", LOCN + "postName"))
BOOLEAN, UNIT_CODE, OFFER = XSD + "boolean", SCHEMA + "unitCode", SCHEMA + "makesOffer"
MUNICIPALITY, COUNTRY = CWM + "municipality", CWM + "country"
BYTE_SIZE = DCAT + "byteSize"
#: the units of a file size, smallest first (babel's unit names)
BYTE_UNITS = ("digital-byte", "digital-kilobyte", "digital-megabyte", "digital-gigabyte")
#: the datatypes of numbers, written in the page's language
NUMBERS = frozenset(
    XSD + name
    for name in (
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
    )
)
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
        "licences": data["licences"],
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
    licence_label: str | None = None
    issued_text: str | None = None


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
    #: rows its mapping's include filter left out (cwm:rowsLeftOut; 0 for a load before it)
    left_out: int = 0


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
    #: what this page shows of each paged list, in words ("Pointing here: 1–200 of 1,512")
    paging: list[str] = field(default_factory=list)


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


def _count(pattern: str, variables: str, max_rows: int) -> int:
    """How many distinct ``variables`` solutions ``pattern`` has (a statement the store holds
    in several graphs, as a dataset's licence, counts once)."""
    rows, _generation = select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT {variables} WHERE {{ {pattern} }} }}",
        max_rows,
    )
    return int(rows[0]["n"].value)


def labels(terms: set[str], lang: str, max_rows: int) -> dict[str, str]:
    """Labels of IRIs in ``lang`` (else English, else any), from the published graphs."""
    return labels_in(label_rows(terms, max_rows), lang)


#: a label as the store gives it: the IRI, the labelling property, the language tag, the text
LabelRow = tuple[str, str, str, str]


def label_rows(terms: set[str] | frozenset[str], max_rows: int) -> tuple[LabelRow, ...]:
    """Every label of the IRIs ``terms`` in the published graphs, in every language (what
    ``labels_in`` picks from: one query serves all six languages)."""
    if not terms:
        return ()
    values = " ".join(_iri(t) for t in sorted(terms))
    predicates = " ".join(f"<{p}>" for p in LABELS)
    query = (
        f"SELECT ?x ?p ?label WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {predicates} }} "
        "?x ?p ?label }"
    )
    solutions, _generation = select(query, max_rows)
    return tuple(
        (
            solution["x"].value,
            solution["p"].value,
            getattr(solution["label"], "language", None) or "",
            solution["label"].value,
        )
        for solution in solutions
    )


def labels_in(rows: Iterable[LabelRow], lang: str) -> dict[str, str]:
    """Each IRI's label in ``lang``, else in English, else in any language (the labelling
    properties ranked as ``LABELS`` orders them)."""
    ranked: dict[str, tuple[int, int, str]] = {}
    for key, predicate, tag, text in rows:
        rank = (0 if tag == lang else 1 if tag == "en" else 2, LABELS.index(predicate))
        if key not in ranked or rank < ranked[key][:2]:
            ranked[key] = (*rank, text)
    return {key: text for key, (_lang, _kind, text) in ranked.items()}


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _readable(iri: str) -> str:
    """A term without a label, by its local name in words: ``hasGeometry`` -> ``has geometry``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", _short(iri)).lower()


def _sources(iri: str, max_rows: int) -> list[tuple[dict[str, Any], set[str]]]:
    query = f"""{SOURCES_PREFIXES}SELECT ?dataset ?partner ?version ?issued ?submission ?licence
  (SAMPLE(COALESCE(?attributed, ?publisherName)) AS ?attribution)
WHERE {{
  # a space's source record; a canonical place's, through each of its spaces
  {{ {_iri(iri)} prov:wasDerivedFrom ?record }}
  UNION {{ {_iri(iri)} prov:wasDerivedFrom/prov:wasDerivedFrom ?record }}
  ?record <{CWM}inDataset> ?dataset .
  OPTIONAL {{ ?dataset dcterms:publisher ?partner }}
  OPTIONAL {{ ?dataset dcterms:license ?licence }}
  OPTIONAL {{ ?dataset <{CC}attributionName> ?attributed }}
  # a partner's source the catalogue table does not describe: credited to its publisher, as
  # every other door credits it (stranger 85)
  OPTIONAL {{ ?partner <https://schema.org/name> ?publisherName }}
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


def _territory_source(dataset: str, max_rows: int) -> list[tuple[dict[str, Any], set[str]]]:
    """The territory reference ``dataset`` as a source of a page that names its regions, with
    the licence and attribution the build gives it (none when the store has no such dataset):
    a space's page showed Eurostat's NUTS names without crediting Eurostat (stranger 85)."""
    rows, _generation = select(territory_credit_sparql(dataset), max_rows)
    empty = dict.fromkeys(("partner", "version", "issued", "submission"))
    return [
        (
            {**empty, "dataset": row["source"], "licence": row["licence"]}
            | {"attribution": row["attribution"]},
            {row["source"].value, row["licence"].value},
        )
        for row in rows
    ]


#: what a reason of a load published before began with: a problem's or a shape's raw code
#: ("country-not-in-network — ", "Space-name — "), or a shape's name in the report's language
LEADING_WORDS = re.compile(r"\A([A-Za-z0-9_-]+) — ")


@cache
def raw_codes() -> frozenset[str]:
    """The codes a reason may have begun with: the problems' and the shapes' local names."""
    shapes = {shape.rsplit("/", 1)[-1] for shape in shape_texts()}
    return frozenset(catalogue()["problems"]) | shapes


def _without_code(reason: str) -> str:
    found = LEADING_WORDS.match(reason)
    return reason[found.end() :] if found and found.group(1) in raw_codes() else reason


def reasons_in(told: list[Any], lang: str) -> list[str]:
    """A held-back record's reasons in ``lang`` (each is published in the six languages), else
    in the one language they are in (a load published before), without their raw codes."""
    chosen = [r for r in told if r.language == lang] or told
    return list(dict.fromkeys(_without_code(r.value) for r in chosen))


def load_counts(iri: str, max_rows: int, lang: str = "en") -> LoadCounts | None:
    """The counts of the load behind ``iri`` (a dataset: its current version's; a version; a
    load activity) and the records it held back, by row, their reasons in ``lang``; None when
    ``iri`` is none of those."""
    node = _iri(iri)
    rows, _generation = select(
        f"""{SOURCES_PREFIXES}SELECT ?activity ?rows ?published ?held ?leftOut WHERE {{
  {{ BIND({node} AS ?activity) }} UNION {{ {node} prov:wasGeneratedBy ?activity }}
  UNION {{ {node} dcat:hasCurrentVersion/prov:wasGeneratedBy ?activity }}
  ?activity <{CWM}rowsRead> ?rows ; <{CWM}recordsPublished> ?published ;
            <{CWM}recordsHeldBack> ?held .
  OPTIONAL {{ ?activity <{CWM}rowsLeftOut> ?leftOut }}
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
    told: dict[str, list[Any]] = {}
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
        if row["reason"] is not None:
            told.setdefault(key, []).append(row["reason"])
    for key, found in records.items():
        found.reasons.extend(reasons_in(told.get(key, []), lang))
    ordered = sorted(records.values(), key=lambda r: (int(r.row) if r.row else 0, r.iri))
    return LoadCounts(
        activity,
        int(rows[0]["rows"].value),
        int(rows[0]["published"].value),
        int(rows[0]["held"].value),
        ordered,
        int(rows[0]["leftOut"].value) if rows[0].get("leftOut") is not None else 0,
    )


def version_titles(terms: set[str], lang: str, max_rows: int) -> dict[str, str]:
    """The versions of datasets among ``terms``, each named in ``lang`` by its dataset and date
    ("Version of Census of third places 2019 (CGET), 1 December 2026")."""
    if not terms:
        return {}
    values = " ".join(_iri(t) for t in sorted(terms))
    rows, _generation = select(
        f"""{SOURCES_PREFIXES}SELECT ?version (SAMPLE(?of) AS ?dataset)
  (SAMPLE(?when) AS ?issued) WHERE {{
  VALUES ?version {{ {values} }}
  ?of dcat:hasVersion|dcat:hasCurrentVersion ?version .
  OPTIONAL {{ ?version dcterms:issued ?when }}
}} GROUP BY ?version""",
        max_rows,
    )
    datasets = labels({row["dataset"].value for row in rows}, lang, max_rows)
    said = words(table()["words"], lang)
    titles = {}
    for row in rows:
        dataset = row["dataset"].value
        name = datasets.get(dataset) or _short(dataset)
        issued = row["issued"]
        when = time_text(issued.value, issued.datatype.value, lang) if issued else None
        key = "version_title" if when else "version_title_undated"
        titles[row["version"].value] = said[key].format(dataset=name, date=when)
    return titles


#: where the names of media types are (IANA's register): the IRI's rest is the name
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"


def licence_names(lang: str) -> dict[str, str]:
    """Licence IRI -> its name in ``lang``: those a source may be under, and the others of the
    data (Eurostat's copyright is told in words, in the page's language: stranger 89)."""
    named: dict[str, Any] = {**redistributable(), **table()["licences"]}
    return {
        iri: name if isinstance(name, str) else in_language(name, lang)
        for iri, name in named.items()
    }


@cache
def country_label(code: str, lang: str) -> str:
    """A country by its EU authority code (ESP), named in ``lang`` (pycountry's names, as the
    territory graph has them); the code if unknown."""
    for iso, row in tables.countries().items():
        if row["eu"] == code:
            return nuts.country_name(iso, lang)
    return code


def _part_name(subject: str, link: str | None, names: dict[str, str], lang: str) -> str:
    """A part of a resource by name in ``lang`` ("address" -> "διεύθυνση"); else by the way
    the resource links to it ("current version"); else by its IRI's last segment."""
    short = _short(subject)
    texts = table()["parts"].get(short)
    if texts:
        return in_language(texts, lang)
    return names.get(link or "") or short


def number_text(text: str, lang: str) -> str:
    """A number as written in the data ("43.2965") as readers of ``lang`` write it ("43,2965"),
    every digit kept."""
    return format_decimal(Decimal(text), locale=lang, decimal_quantization=False)


def size_text(octets: int, lang: str) -> str:
    """A file size in ``lang``: 487394 -> "476 kB" (units of 1,024)."""
    amount, unit = float(octets), BYTE_UNITS[0]
    for unit in BYTE_UNITS:
        if amount < 1024 or unit == BYTE_UNITS[-1]:
            break
        amount /= 1024
    return format_unit(round(amount, 1 if amount < 10 else 0), unit, length="short", locale=lang)


def time_text(text: str, datatype: str, lang: str) -> str | None:
    """A date or date-time of the data ("2026-12-01T11:09:46Z") in ``lang``; None when it is
    not one that can be read."""
    try:
        if datatype == XSD + "date":
            return long_date(dt.date.fromisoformat(text[:10]), lang)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return format_datetime(moment, format="medium", locale=lang)
    return format_datetime(moment, format="medium", tzinfo=dt.UTC, locale=lang) + " UTC"


def _number(text: str, lang: str) -> str:
    try:
        return number_text(text, lang)
    except ArithmeticError:
        return text


def _display(
    value: ox.NamedNode | ox.Literal | ox.BlankNode, predicate: str, lang: str
) -> str | None:
    """A literal as words when it is a code: a boolean ("ναι"), a unit ("per day"), a date, a
    size, a number in the page's language."""
    if not isinstance(value, ox.Literal):
        return None
    datatype = value.datatype.value
    if datatype == BOOLEAN:
        said = words(table()["words"], lang)
        return said["yes"] if value.value in ("true", "1") else said["no"]
    if predicate == TELEPHONE:
        return phone_text(value.value)
    units = table()["units"]
    if predicate == UNIT_CODE and value.value in units:
        return in_language(units[value.value], lang)
    try:
        if predicate == BYTE_SIZE:
            return size_text(int(value.value), lang)
        if datatype in NUMBERS:
            return number_text(value.value, lang)
    except (ValueError, ArithmeticError):
        return None
    if datatype in (XSD + "date", XSD + "dateTime"):
        return time_text(value.value, datatype, lang)
    if datatype == XSD + "gYearMonth" and (month := _YEAR_MONTH.fullmatch(value.value)):
        return long_month(int(month.group(1)), int(month.group(2)), lang)
    return None


#: the property of a space's telephone numbers, written E.164 in the data ("+302103210000")
TELEPHONE = "https://schema.org/telephone"


def phone_text(number: str) -> str | None:
    """A telephone number of the data as people read it, grouped as its country groups it
    ("+30 210 321 0000"; stranger 90 read "+302103210000"); None for a text that is none."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


#: a gYearMonth's lexical form without a time zone (a month of the data: an opening)
_YEAR_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


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
    split = [" ".join(parts[p] for p in names if p in parts) for names in ADDRESS_LINES]
    # an address the loader could not cut into street, postcode and town is kept whole: shown
    # whole (stranger 88: the page said "address: France" of "12 montée …, 6901 Lyon")
    whole = [] if any(split) else [parts.get(LOCN + "fullAddress", "")]
    lines = tuple(line for line in (*split, *whole, country or "") if line)
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
        between = punctuated(";", lang)  # "45,7712 ; 4,8321" in French (stranger 88)
        text = f"{_number(position[LATITUDE], lang)}{between} {_number(position[LONGITUDE], lang)}"
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


def _readable_offers(
    collected: list[tuple[str, Fact]], iri: str, lang: str
) -> list[tuple[str, Fact]]:
    """Each offer of the resource (its part ``/offer/...``) as one line, "15,00 € al giorno
    (giornaliero)", in place of its price's, currency's, unit's, kind's and type's facts
    (stranger 79: seven rows "offerta | prezzo | 15", "offerta | valuta | EUR"...)."""
    offers: dict[str, dict[str, Fact]] = {}
    for _group, fact in collected:
        if fact.subject.startswith(iri + "/offer/"):
            offers.setdefault(fact.subject, {})[fact.predicate] = fact
    shown: dict[str, str] = {}
    for offer, facts in offers.items():
        price, currency = facts.get(SCHEMA + "price"), facts.get(SCHEMA + "priceCurrency")
        if price is None or currency is None:
            continue  # an offer the loader did not write: shown fact by fact
        text = _price_text(price.value, currency.value, lang)
        unit = facts.get(UNIT_CODE)
        if unit is not None:
            text += f" {unit.display or unit.value}"
        kind = facts.get(CWM + "accessType")
        if kind is not None:
            text += f" ({kind.value_label or _short(kind.value)})"
        shown[offer] = text
    if not shown:
        return collected
    kept: list[tuple[str, Fact]] = []
    for group_id, fact in collected:
        if fact.subject in shown:
            continue
        if fact.subject == iri and fact.predicate == OFFER and fact.value in shown:
            fact = replace(fact, display=shown[fact.value], is_iri=False, value_label=None)
        kept.append((group_id, fact))
    return kept


def _price_text(amount: str, currency: str, lang: str) -> str:
    """A price in the page's language ("15,00 €"), its amount as written when it cannot be."""
    try:
        return format_currency(Decimal(amount), currency, locale=lang)
    except (ArithmeticError, ValueError):
        return f"{amount} {currency}"


def _without_repeats(collected: list[tuple[str, Fact]], iri: str) -> list[tuple[str, Fact]]:
    """The facts of parts without those the resource itself states (a dataset's current version
    has the dataset's licence and publisher: shown once, on the dataset)."""
    own = {(f.predicate, f.value) for _g, f in collected if f.subject == iri}
    return [
        (group_id, fact)
        for group_id, fact in collected
        if fact.subject == iri or (fact.predicate, fact.value) not in own
    ]


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


def shown(total: int, page: int) -> tuple[int, int] | None:
    """The first and last item (from 1) of a list of ``total`` that page ``page`` shows; None
    when that page shows none of it."""
    first = (page - 1) * PAGE_SIZE + 1
    return (first, min(total, page * PAGE_SIZE)) if first <= total else None


def paging(fact_count: int, referrer_count: int, page: int, lang: str) -> list[str]:
    """What page ``page`` shows of the lists longer than a page, in words in ``lang``: the
    resource's own values (all on page 1 unless they are more than a page) and the resources
    pointing here."""
    said = words(table()["words"], lang)
    texts = []
    for total, key in ((fact_count, "values_range"), (referrer_count, "pointing_range")):
        if total > PAGE_SIZE and (span := shown(total, page)):
            first, last = (format_decimal(n, locale=lang) for n in span)
            texts.append(
                said[key].format(first=first, last=last, total=format_decimal(total, locale=lang))
            )
    return texts


def resource_page(
    iri: str, lang: str, page: int, max_rows: int, territory: str | None = None
) -> ResourcePage | None:
    """The page ``page`` (from 1) of ``iri``'s description, or None if nothing is known of it
    (no triple about it, none pointing to it: a replaced dataset version is shown by what
    points to it, the catalogue's)."""
    fact_count = _count(facts_pattern(iri), "?s ?p ?o", max_rows)
    referrer_count = _count(referrers_pattern(iri), "?s ?p", max_rows)
    if fact_count == 0 and referrer_count == 0:
        return None
    pages = max(1, math.ceil(max(fact_count, referrer_count) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    offset = (page - 1) * PAGE_SIZE
    rows, _generation = select(
        # each statement once, though the store holds it in several graphs or the resource
        # links to its part in several ways (a version: current and one of its versions)
        f"SELECT ?s ?p ?o (MIN(STR(?link)) AS ?via) WHERE {{ {facts_pattern(iri)} }} "
        f"GROUP BY ?s ?p ?o ORDER BY ?via ?s ?p ?o LIMIT {PAGE_SIZE} OFFSET {offset}",
        max_rows,
    )
    incoming, _generation = select(
        f"SELECT DISTINCT ?s ?p WHERE {{ {referrers_pattern(iri)} }} "
        f"ORDER BY ?p ?s LIMIT {PAGE_SIZE} OFFSET {offset}",
        max_rows,
    )
    sources = _sources(iri, max_rows)
    named = {row["o"].value for row in rows if isinstance(row["o"], ox.NamedNode)}
    if territory is not None and any(term.startswith(NUTS_CODE) for term in named):
        sources += _territory_source(territory, max_rows)
    terms = (
        {iri} | {row["p"].value for row in rows + incoming} | {row["s"].value for row in incoming}
    )
    terms |= named
    for _row, source_terms in sources:
        terms |= source_terms
    names = labels(terms, lang, max_rows)

    for term, texts in table()["terms"].items():
        if term in terms:
            names[term] = in_language(texts, lang)
    for term, licence in licence_names(lang).items():
        if term in terms:
            names.setdefault(term, licence)
    for term, title in version_titles(terms, lang, max_rows).items():
        names.setdefault(term, title)
    for term in terms:
        if term.startswith(MEDIA_TYPES):
            names.setdefault(term, term[len(MEDIA_TYPES) :])
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
        link = row["via"].value if row["via"] is not None else None
        predicate = row["p"].value
        is_iri = isinstance(value, ox.NamedNode)
        if subject == iri and predicate in (LATITUDE, LONGITUDE):
            point[predicate] = float(value.value)
        collected.append(
            (
                group_of(link or predicate),
                Fact(
                    subject,
                    _part_name(subject, link, names, lang) if subject != iri else None,
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
    collected = _readable_offers(_without_repeats(collected, iri), iri, lang)
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
                names.get(row["licence"].value) if row["licence"] else None,
                time_text(row["issued"].value, row["issued"].datatype.value, lang)
                if row["issued"]
                else None,
            )
            for row, _names in sources
        ],
        point=(point[LATITUDE], point[LONGITUDE]) if len(point) == 2 else None,
        page=page,
        pages=pages,
        fact_count=fact_count,
        referrer_count=referrer_count,
        load=load_counts(iri, max_rows, lang),
        paging=paging(fact_count, referrer_count, page, lang),
    )
