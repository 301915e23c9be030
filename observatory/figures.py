"""The observatory's figures: their definitions and filters (``observatory.yaml``), their SPARQL
queries (``figures/*.rq``), and the tables, map points and CSV computed from query solutions.

Nothing here runs a query or knows the web app: the caller gives a ``select`` callable (SPARQL
text -> solutions) or the solutions themselves, and the labels of the IRIs it found. Filter
values are checked against the code lists and the countries of the network before they reach a
query.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from babel.core import Locale
from babel.numbers import format_decimal, format_percent

from core.formulas import safe_cell
from core.namespaces import DEFAULT_DATA_BASE, EU_COUNTRY
from core.translations import collation_key, in_language, load_catalogue
from loaders import nuts, tables
from loaders.concepts import default_index
from loaders.territory import network_countries

HERE = Path(__file__).parent
#: the dashboard's table: its filters, its figures and its words in the six languages
TABLE = HERE / "observatory.yaml"
FIGURES_DIR = HERE / "figures"
#: the largest answer an internal query may give (every space of the graph, for the map)
ALL_ROWS = 10_000_000
POINTS = """PREFIX cwm: <https://w3id.org/coworkmed/def/>
PREFIX schema: <https://schema.org/>
SELECT ?space ?name ?lat ?lon
WHERE {
  ?space schema:latitude ?lat ; schema:longitude ?lon .
  #FILTERS
  OPTIONAL { ?space schema:name ?name }
}"""

#: a source's id (the ``source.id`` of its mapping): its dataset is ``{base}dataset/{id}``
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
#: the sources that have records in the graph (the choices of the ``source`` filter)
SOURCES = HERE / "sources.rq"

#: the sources of the records a view shows, with their licence and attribution
ATTRIBUTION = HERE / "attribution.rq"
#: the territory reference as a source a figure credits (``territory_credit_sparql``)
TERRITORY_CREDIT = HERE / "territory-credit.rq"

#: solutions of a SELECT: one mapping of variable name to term (or None) per row
Solutions = list[dict[str, Any]]


class BadFilter(ValueError):
    """A filter value that is not one of its allowed codes (the message says which are, in
    English for developers); ``code`` and ``values`` name it for a reader's message
    (``problems`` in validation/messages.yaml)."""

    def __init__(self, detail: str, code: str, **values: str) -> None:
        super().__init__(detail)
        self.code, self.values = code, values


@cache
def table() -> dict[str, Any]:
    """The dashboard's table (``TABLE``), read once."""
    return load_catalogue(TABLE)


@cache
def allowed_values() -> dict[str, dict[str, str]]:
    """For each filter, its allowed codes and the IRI each stands for."""
    countries = {row["eu"]: EU_COUNTRY + row["eu"] for row in tables.countries().values()}
    return {
        name: countries if spec["values"] == "country" else default_index().codes(spec["values"])
        for name, spec in table()["filters"].items()
        if spec["values"] != "source"
    }


def source_filters() -> list[str]:
    """The filters whose values are sources (datasets named by their id, not code lists)."""
    return [name for name, spec in table()["filters"].items() if spec["values"] == "source"]


#: a request's query arguments: each name with its value, or its values when repeated
Arguments = Mapping[str, str | Sequence[str]]


def read_filters(args: Arguments, sources: Collection[str] | None = None) -> dict[str, str]:
    """The filters of a request (``country=FRA&territory=rural``), checked; BadFilter if not:
    a value not in its list (a source not among ``sources``, the ids of the sources with records,
    when given), or a filter given twice with different values (one filter, one value)."""
    chosen = {}
    for name in table()["filters"]:
        value = one_value(args, name)
        if value:
            check_filter(name, value, sources)
            chosen[name] = value
    return chosen


def one_value(args: Arguments, name: str, code: str = "repeated-filter") -> str:
    """The one value ``args`` give filter ``name`` ("" when none); BadFilter ``code`` when they
    give it several different values (``country=FRA&country=PRT``: neither is dropped silently)."""
    given = args.get(name, "")
    values = list(dict.fromkeys([given] if isinstance(given, str) else given))
    if len(values) > 1:
        listed = ", ".join(repr(v[:40]) for v in values[:5])
        raise BadFilter(
            f"{name} is given {len(values)} values ({listed}): it takes one",
            code,
            name=name,
            values=", ".join(f"«{v[:40]}»" for v in values[:5]),
        )
    return values[0] if values else ""


def check_parameters(args: Arguments, others: Sequence[str]) -> None:
    """BadFilter unless ``args`` name only the filters and ``others`` (a door's own parameters,
    ``lang``, ``header``), each with one value: a misspelt filter (``contry=FRA``) would
    otherwise answer for every country, silently."""
    known = [*table()["filters"], *others]
    unknown = [name for name in args if name not in known]
    if unknown:
        name = unknown[0][:40]
        raise BadFilter(
            f"no parameter {name!r} here; the parameters are: {', '.join(known)}",
            "unknown-parameter",
            name=name,
            known=", ".join(known),
        )
    for other in others:
        one_value(args, other, "repeated-parameter")


def check_filter(name: str, value: str, sources: Collection[str] | None = None) -> None:
    """BadFilter unless ``value`` is one of filter ``name``'s values: a code of its list, or for
    a source filter a source's id (one of ``sources`` when given)."""
    allowed = allowed_values().get(name)
    if allowed is None and not SOURCE_ID.fullmatch(value):
        raise BadFilter(
            f"{name}={value!r} is not one of: the id of a source (a-z, 0-9, -)",
            "bad-source-filter",
            name=name,
            value=value[:40],
        )
    if allowed is None and sources is not None:
        allowed = {source: source for source in sources}
    if allowed is not None and value not in allowed:
        known = ", ".join(sorted(allowed))
        raise unknown_value(name, value, known, f"{name}={value!r} is not one of: {known}")


def unknown_value(name: str, value: str, known: str, detail: str) -> BadFilter:
    """The refusal of filter ``name``'s unknown ``value`` (``unknown-filter-value``; ``known``:
    the values it takes, as the message lists them; ``detail``: the developers' English)."""
    return BadFilter(detail, "unknown-filter-value", name=name, value=value[:40], known=known)


def filter_iri(name: str, value: str, base: str) -> str:
    """The IRI a checked filter value stands for (a source's dataset under ``base``)."""
    if name in source_filters():
        return f"{base}dataset/{value}"
    return allowed_values()[name][value]


def filter_path(name: str) -> str:
    """The property path of a filter: one property, or a sequence of them."""
    return property_path(table()["filters"][name]["property"])


def filter_pattern(name: str, value: str, base: str = DEFAULT_DATA_BASE) -> str:
    """The triple pattern that keeps the spaces of filter ``name``'s checked ``value``."""
    return f"?space {filter_path(name)} <{filter_iri(name, value, base)}> ."


def with_filters(sparql: str, filters: dict[str, str], base: str = DEFAULT_DATA_BASE) -> str:
    """``sparql`` with its ``#FILTERS`` line replaced by the patterns of ``filters``, its
    ``#NETWORK`` line by the regions of the network (of the chosen country only) and each
    ``#COVERED(?region)`` by whether a source (the chosen one only) covers that region. Each
    filter is a sub-select of the spaces it keeps, which Oxigraph joins by hashing (as a pattern,
    it looked each space up in turn, slower when a view has two filters or more)."""
    patterns = " ".join(
        f"{{ SELECT ?space WHERE {{ {filter_pattern(name, value, base)} }} }}"
        for name, value in sorted(filters.items())
    )
    country = filters.get("country")
    sources = [filter_iri(n, filters[n], base) for n in source_filters() if n in filters]
    covered = COVERED.sub(lambda found: covered_pattern(found[1], sources), sparql)
    return covered.replace("#FILTERS", patterns).replace("#NETWORK", network_filter(country))


#: where a query asks whether a NUTS-3 region is covered by a source: ``#COVERED(?region)``
COVERED = re.compile(r"#COVERED\((\?[A-Za-z_][A-Za-z0-9_]*)\)")


def covered_pattern(region: str, sources: list[str]) -> str:
    """The pattern binding ``?covered`` to true (else leaving it unbound) when ``region``
    (a NUTS-3 region) or a region above it is in a source's territory (its dataset's
    dcterms:spatial: the catalogue table, graph ``{base}sources``); with ``sources`` chosen,
    of those only. A region no source covers is not one without places: the per-100,000
    figures leave it out of their denominators and name it "no source yet"."""
    dataset = f"<{sources[0]}>" if sources else "?coveringSource"
    # an OPTIONAL sub-select, not BIND (EXISTS ...), which Virtuoso cannot compile here
    return (
        f"OPTIONAL {{ SELECT DISTINCT {region} (true AS ?covered) WHERE {{ "
        f"{region} <{SKOS_BROADER}>* ?coveredArea . "
        f"{dataset} <{DCTERMS_SPATIAL}> ?coveredArea . }} }}"
    )


SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"
DCTERMS_SPATIAL = "http://purl.org/dc/terms/spatial"


@cache
def network_filter(country: str | None = None) -> str:
    """The pattern that keeps a region figure to the network's countries, or to the chosen
    ``country`` (its EU code; ``#NETWORK`` in a query, where ``?code`` is a region's NUTS code):
    the territory reference covers Europe, and a country outside the network (or the view) is
    not one without places; a country filter restricts the denominators as it does the places."""
    chosen = [
        row["nuts"]
        for iso, row in tables.countries().items()
        if iso in network_countries() and (country is None or row["eu"] == country)
    ]
    prefixes = ", ".join(f'"{code}"' for code in chosen)
    return f"FILTER (SUBSTR(STR(?code), 1, 2) IN ({prefixes}))"


@cache
def figure_sparql(figure_id: str) -> str:
    return (FIGURES_DIR / f"{figure_id}.rq").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Figure:
    id: str
    title: str
    chart: str
    columns: list[str]
    rows: list[list[Any]]
    labels: dict[str, str]
    query: str
    #: the columns named in the reader's language (the table's and CSV's header, the legend)
    headers: list[str] = field(default_factory=list)
    #: each column's unit (``columns`` in the table): key, count, workstations, m2 or rate
    units: list[str] = field(default_factory=list)
    #: the columns a chart draws (all number columns unless the table says which)
    series: list[str] = field(default_factory=list)
    #: why the figure has no rows (``EMPTY``: no_data, filtered), else None
    empty: str | None = None
    #: the places of the view that give the field the figure counts by, and all of them
    coverage: dict[str, int] | None = None
    #: the word (of the table's words) that says it: ``coverage`` (the others are not counted),
    #: or the one the figure names (``coverage`` in its spec: a figure that counts the others in
    #: a row of their own, or one whose field is Eurostat's, not the partner's)
    coverage_note: str = "coverage"


@cache
def country_labels(lang: str = "en") -> dict[str, str]:
    """The countries of the network by their EU authority IRI, named in ``lang`` from pycountry's
    translations (``loaders.nuts.country_name``; a store built without the territory graph has
    no labels for them)."""
    return {
        EU_COUNTRY + row["eu"]: nuts.country_name(code, lang)
        for code, row in tables.countries().items()
    }


def value(term: Any) -> Any:
    """A solution's term as a table cell: numbers as numbers (2 decimals), else its text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith(
        ("#integer", "#decimal", "#double", "#float")
    ):
        number = float(term.value)
        return int(number) if number.is_integer() else round(number, 2)
    return term.value


def answers(
    filters: dict[str, str],
    select_all: Callable[[list[str]], list[Solutions]],
    base: str = DEFAULT_DATA_BASE,
) -> dict[str, tuple[str, Solutions]]:
    """Each figure's query for ``filters`` and its solutions, as ``select_all`` gives them
    (asked all at once, so that they may be answered side by side)."""
    queries = {f: with_filters(figure_sparql(f), filters, base) for f in table()["figures"]}
    solutions = select_all(list(queries.values()))
    return dict(zip(queries, zip(queries.values(), solutions, strict=True), strict=True))


def iris(rows: Solutions) -> set[str]:
    """The IRIs that ``rows`` hold (what a figure needs labels for)."""
    return {term.value for row in rows for term in row.values() if isinstance(term, ox.NamedNode)}


def figure(
    figure_id: str,
    sparql: str,
    rows: Solutions,
    title: str,
    names: dict[str, str],
    lang: str = "en",
) -> Figure:
    """One figure from its query's solutions; ``names`` labels (at least) the IRIs in them; a
    NUTS region reads "name (code)"; its columns are named in ``lang``."""
    found = iris(rows)
    columns = list(rows[0]) if rows else query_columns(sparql)
    spec = table()["figures"][figure_id]
    units = [column_unit(c) for c in columns]
    return Figure(
        id=figure_id,
        title=title,
        chart=spec["chart"],
        columns=columns,
        rows=[[value(term) for term in row.values()] for row in rows],
        labels={k: region_label(k, v) for k, v in names.items() if k in found},
        query=sparql,
        headers=column_headers(columns, lang),
        units=units,
        series=spec.get("series")
        or [c for c, unit in zip(columns[1:], units[1:], strict=True) if unit != "key"],
        coverage_note=spec.get("coverage", "coverage"),
    )


#: a SELECT's projected variables: ``?name`` alone or ``(... AS ?name)``
PROJECTED = re.compile(r"\(\s*[^()]*(?:\([^()]*\)[^()]*)*\s+AS\s+\?(\w+)\s*\)|\?(\w+)", re.I)


def query_columns(sparql: str) -> list[str]:
    """The columns of a figure's query (its SELECT line), for a figure with no rows."""
    head = re.search(r"^SELECT\s+(.*?)\s*$\s*WHERE", sparql, re.M | re.S | re.I)
    if head is None:
        return []
    return [a or b for a, b in PROJECTED.findall(head[1])]


def column_unit(column: str) -> str:
    """A column's unit (``columns`` in the table; a column it does not name is a count)."""
    spec = table()["columns"].get(column)
    return str(spec["unit"]) if spec else "count"


def column_headers(columns: list[str], lang: str) -> list[str]:
    """The columns named in ``lang`` (a column the table does not name keeps its name)."""
    named = table()["columns"]
    return [in_language(named[c]["label"], lang) if c in named else c for c in columns]


#: where a NUTS region's IRI starts: its code follows
NUTS_CODE = "http://data.europa.eu/nuts/code/"


def region_label(iri: str, name: str) -> str:
    """A label as a reader sees it: a NUTS region as "name (code)", else as it is."""
    code = iri.removeprefix(NUTS_CODE)
    if code == iri or code in name:
        return name
    return f"{name} ({code})"


def plural_forms(word: str, lang: str) -> dict[str, str]:
    """A counted word's forms in ``lang`` by CLDR plural category (``counted`` in the table:
    ``"one: {n} place | other: {n} places"``)."""
    text = in_language(table()["counted"][word], lang)
    pairs = (part.split(":", 1) for part in text.split("|"))
    return {category.strip(): form.strip() for category, form in pairs}


def counted(word: str, number: int, lang: str) -> str:
    """``number`` with ``word`` in the plural form ``lang`` gives it (CLDR rules, by babel)."""
    forms = plural_forms(word, lang)
    category = Locale.parse(lang).plural_form(number)
    return forms.get(category, forms["other"]).replace("{n}", format_number(number, lang))


def format_number(number: float, lang: str) -> str:
    """A number as ``lang`` writes it (grouping, decimal sign)."""
    return format_decimal(number, locale=lang)


def percent(share: int, lang: str) -> str:
    """A share (a whole percentage) as ``lang`` writes it (CLDR's percent format, as the
    browser's Intl.NumberFormat with style "percent"): "14%" in Greek, "14 %" in French."""
    return format_percent(share / 100, locale=lang)


#: why a figure is empty: no source gives its field, or the filters leave nothing
EMPTY = ("no_data", "filtered")


def empty_reason(rows: list[Any], filters: Mapping[str, str], unfiltered: list[Any]) -> str | None:
    """Why a figure has no rows: the filters chosen leave nothing (its unfiltered rows are not
    empty), else no source gives what it counts; None when it has rows."""
    if rows:
        return None
    return "filtered" if filters and unfiltered else "no_data"


#: the headline figures of a view (``headline.rq``: records, places, sources, countries, the
#: places that give a territory type and the rural ones)
HEADLINE = HERE / "headline.rq"
#: how many places of a view give each figure's field (``coverage.rq``)
COVERAGE = HERE / "coverage.rq"
#: the places closed by their status that give no closing date (a row of ``COVERAGE``)
CLOSED_UNDATED = "closed-undated"


def headline(rows: Solutions) -> dict[str, int]:
    """The headline figures from the ``HEADLINE`` solutions (its one row), as numbers."""
    row = rows[0] if rows else {}
    return {name: int(value(term) or 0) for name, term in row.items()}


def share_text(word: str, part: int, given: int, lang: str) -> str | None:
    """A headline share in ``lang`` (``word`` of the table's words: "{share} % of the places
    that give … ({given})"): ``part`` of the ``given`` places, None when no place gives it."""
    if not given:
        return None
    share = round(100 * part / given)
    return (
        in_language(table()["words"][word], lang)
        .replace("{share}", percent(share, lang))
        .replace("{given}", counted("places", given, lang))
    )


def coverage_sparql() -> str:
    """The ``COVERAGE`` query: one branch per figure with a ``reports`` path."""
    return COVERAGE.read_text(encoding="utf-8").replace("#FIELDS", coverage_branches())


def coverage_branches() -> str:
    """The ``#FIELDS`` of the ``COVERAGE`` query: a UNION of one branch per figure with a
    ``reports`` path, binding ?field to the figure's id."""
    return " UNION ".join(
        f'{{ ?space {property_path(spec["reports"])} ?given BIND ("{figure_id}" AS ?field) }}'
        for figure_id, spec in table()["figures"].items()
        if "reports" in spec
    )


def property_path(spec: str | list[str]) -> str:
    """A property, or a sequence of them, as a SPARQL path."""
    steps = [spec] if isinstance(spec, str) else spec
    return "/".join(f"<{step}>" for step in steps)


def coverage_counts(rows: Solutions) -> dict[str, int]:
    """The ``COVERAGE`` solutions: field (a figure's id, or ``CLOSED_UNDATED``) -> places."""
    return {row["field"].value: int(row["places"].value) for row in rows}


def point_rows(rows: Iterable[dict[str, Any]], base: str, pages: str = "/id/") -> list[list[Any]]:
    """The spaces to draw from the ``POINTS`` solutions: latitude, longitude, the path of their
    page (data IRIs under ``base`` only, their path under ``pages``), name."""
    return [
        [
            float(row["lat"].value),
            float(row["lon"].value),
            pages + row["space"].value.removeprefix(base),
            row["name"].value if row["name"] is not None else "",
        ]
        for row in rows
        if row["space"].value.startswith(base)
    ]


def filter_options(names: dict[str, str], lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices (code, label from ``names``, else the code), sorted by label as
    ``lang`` sorts words (``collation_key``: "étudiants" among the e, stranger 88)."""
    return {
        name: sorted(
            ((code, names.get(iri, code)) for code, iri in choices.items()),
            key=lambda c: collation_key(c[1], lang),
        )
        for name, choices in allowed_values().items()
    }


def recorded_sparql() -> str:
    """The query of the codes the records give each code-list filter's property."""
    properties = " ".join(f"<{p}>" for p in _filter_properties())
    return (
        "SELECT DISTINCT ?property ?value WHERE { "
        f"VALUES ?property {{ {properties} }} "
        "?space a <https://w3id.org/coworkmed/def/Space> ; ?property ?value }"
    )


def _filter_properties() -> dict[str, str]:
    """Each code-list filter's property -> the filter's name."""
    filters = table()["filters"]
    return {filters[name]["property"]: name for name in allowed_values()}


def recorded_codes(rows: Solutions) -> dict[str, set[str]]:
    """For each code-list filter, the codes of the values in ``rows`` (``recorded_sparql``)."""
    names = _filter_properties()
    codes = {
        name: {iri: code for code, iri in allowed_values()[name].items()} for name in names.values()
    }
    found: dict[str, set[str]] = {name: set() for name in names.values()}
    for row in rows:
        name = names.get(row["property"].value)
        code = codes[name].get(row["value"].value) if name else None
        if name and code:
            found[name].add(code)
    return found


def source_options(rows: Solutions, base: str) -> list[str]:
    """The ids of the sources in ``rows`` (``SOURCES`` solutions): their datasets under ``base``."""
    prefix = f"{base}dataset/"
    ids = (row["source"].value.removeprefix(prefix) for row in rows)
    return sorted(i for i in ids if SOURCE_ID.fullmatch(i))


def option_iris() -> set[str]:
    """The IRIs the filters' choices stand for (what their labels are needed for)."""
    return {iri for choices in allowed_values().values() for iri in choices.values()}


@dataclass(frozen=True)
class Credit:
    """A source a view shows: its dataset, licence and the attribution its licence asks for (a
    source the catalogue table does not describe has neither)."""

    source: str
    licence: str | None
    attribution: str | None
    #: the date the catalogue gives its dataset (dcterms:modified: when it was loaded into this
    #: version), if given
    modified: str | None = None
    #: the date the source gives its data (dcterms:issued: the mapping's ``source.issued``)
    issued: str | None = None


def credits(rows: Solutions) -> list[Credit]:
    """The sources of a view from the ``ATTRIBUTION`` solutions."""
    return [
        Credit(
            row["source"].value,
            row["licence"].value if row["licence"] is not None else None,
            row["attribution"].value if row["attribution"] is not None else None,
            row["modified"].value[:10] if row.get("modified") is not None else None,
            row["issued"].value[:10] if row.get("issued") is not None else None,
        )
        for row in rows
    ]


def territory_credit_sparql(dataset: str) -> str:
    """The query of the territory reference's credit, its dataset being ``dataset``."""
    return TERRITORY_CREDIT.read_text(encoding="utf-8").replace("$dataset", f"<{dataset}>")


def figure_credits(
    figure_id: str, shown: tuple[Credit, ...], territory: tuple[Credit, ...]
) -> tuple[Credit, ...]:
    """What figure ``figure_id`` credits: the sources of its records (``shown``), and the
    territory reference (``territory``: its credit, none when the store has no such dataset)
    when its numbers or categories are that reference's (``territory: true`` in the table).
    Stranger 83: the rate CSVs' metadata named the partners' sources only, not Eurostat, whose
    population they divide by."""
    if not table()["figures"][figure_id].get("territory"):
        return shown
    return (*shown, *(c for c in territory if c not in shown))


def data_date(shown: tuple[Credit, ...] | list[Credit]) -> str | None:
    """The date of this version of the data a view shows: the latest date the catalogue gives
    its sources' datasets (ISO), if any; not the date of the sources' own data (``issued``)."""
    dates = [credit.modified for credit in shown if credit.modified]
    return max(dates) if dates else None


@dataclass(frozen=True)
class CsvColumn:
    """A column of a figure's CSV: its name (the query's, ``?header=codes``), its title in the
    reader's language, its CSVW datatype and what it holds: cell ``cell`` of each row, the label
    of that cell's IRI (``label``), or the note (``cell`` None)."""

    name: str
    title: str
    datatype: str
    cell: int | None
    label: bool = False


#: the CSVW datatype of a column by its unit (``columns`` in the table); a key is text
DATATYPES = {"key": "string", "count": "integer"}


def csv_columns(found: Figure, lang: str = "en") -> list[CsvColumn]:
    """The columns of ``found``'s CSV, the same whatever its rows (an empty figure's too): a
    column holding IRIs (``iri`` in the table's ``columns``) as a label column then the IRI
    column; a number column numbers or nothing; figures over covered regions (``#COVERED``) a
    last column, ``note``, saying where a region has no rate because no source covers it."""
    named = table()["columns"]
    headers = column_headers(found.columns, lang)
    columns: list[CsvColumn] = []
    for cell, (name, header) in enumerate(zip(found.columns, headers, strict=True)):
        spec = named.get(name, {})
        if spec.get("iri"):
            label = "label" if not any(c.label for c in columns) else f"{name}_label"
            columns.append(CsvColumn(label, header, "string", cell, label=True))
            columns.append(CsvColumn(name, f"{header} (IRI)", "anyURI", cell))
        else:
            datatype = DATATYPES.get(str(spec.get("unit", "count")), "decimal")
            columns.append(CsvColumn(name, header, datatype, cell))
    if "#COVERED" in figure_sparql(found.id):
        title = in_language(table()["words"]["note"], lang)
        columns.append(CsvColumn("note", title, "string", None))
    return columns


def csv_text(found: Figure, missing: str = "", lang: str = "en", codes: bool = False) -> str:
    """One figure as CSV: a header row (the columns named in ``lang``, or with ``codes`` by the
    names of the query: ``label``, ``places``…) and the rows, nothing after them (the sources
    and licences are in its CSVW metadata, ``csv_metadata``); formulas neutralised; an empty
    cell of a number column is a value no source gives, said in the note column when the
    figure has one (``missing``: "no source yet")."""
    columns = csv_columns(found, lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name if codes else c.title for c in columns])
    for row in found.rows:
        writer.writerow([safe_cell(_csv_cell(found, row, c, missing)) for c in columns])
    return buffer.getvalue()


def _csv_cell(found: Figure, row: list[Any], column: CsvColumn, missing: str) -> Any:
    if column.cell is None:
        return missing if any(cell is None for cell in row[1:]) else ""
    cell = row[column.cell]
    if column.label:
        return found.labels.get(cell, cell)
    return "" if cell is None else cell


def csv_metadata(
    found: Figure,
    table_url: str,
    sources: tuple[Credit, ...] | list[Credit] = (),
    lang: str = "en",
    missing: str = "",
    codes: bool = False,
) -> dict[str, Any]:
    """The CSVW metadata of a figure's CSV (W3C Metadata Vocabulary for Tabular Data): its
    title, the sources of the records it counts (``dc:source``: dataset, attribution and
    licence each, as their licences ask) and its licences (``dc:license``), and its columns
    (names, titles in ``lang``, datatypes; an empty number cell is null). With ``codes`` (the
    CSV's header row gives the query's names) each column's titles begin with its name, so that
    the header row matches them (CSVW's compatibility of the embedded metadata)."""
    notes = {"note": missing} if missing else {}
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": lang}],
        "url": table_url,
        "dc:title": found.title,
        "dc:source": [_source(credit) for credit in sources],
        "dc:license": [{"@id": i} for i in sorted({c.licence for c in sources if c.licence})],
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {
            "columns": [
                {
                    "name": c.name,
                    "titles": [c.name, c.title] if codes else c.title,
                    "datatype": c.datatype,
                    "null": "",
                    **({"dc:description": notes[c.name]} if c.name in notes else {}),
                }
                for c in csv_columns(found, lang)
            ]
        },
    }


def _source(credit: Credit) -> dict[str, Any]:
    """One source of a CSV in its metadata: its dataset, the attribution and licence it asks
    for, and the date of its data."""
    found: dict[str, Any] = {"@id": credit.source}
    if credit.attribution:
        found["cc:attributionName"] = credit.attribution
    if credit.licence:
        found["dc:license"] = {"@id": credit.licence}
    if credit.modified:
        found["dc:modified"] = {"@value": credit.modified, "@type": "xsd:date"}
    return found
