"""Layer 3 taken back to the file: each SHACL result, from its focus node and path, to the row
and column it came from, with the original cell, in the partner's language (the shapes'
``sh:message``; the engine's words kept as the detail).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import pyoxigraph as ox

from loaders import personal, tables
from loaders.mapping import Mapping
from loaders.readers import Row, written
from validation.columns import column_header, expand, is_template, personal_advice
from validation.findings import SHORT, Finding, packed
from validation.messages import problem_message
from validation.shapes import Result, shape_texts

FOCUS = re.compile(
    r"(?P<kind>space|operator|record)/(?P<source>[^/]+)/(?P<key>[^/]+)"
    r"(?:/(?P<part>address|geometry|offer)(?:/(?P<access>[^/]+))?)?$"
)
#: node kinds of the focus IRIs whose property fields live on another node of the field table
PART_NODES = {"geometry": "space"}
#: properties the loaders derive from a field rather than copy it: property -> field
DERIVED = {
    "http://www.w3.org/ns/locn#adminUnitL1": "country",
    "http://www.opengis.net/ont/geosparql#hasGeometry": "coordinates",
    "http://www.opengis.net/ont/geosparql#asWKT": "coordinates",
    "https://w3id.org/coworkmed/def/nutsRegion": "postcode",
    "https://w3id.org/coworkmed/def/municipality": "city",
    "http://www.w3.org/ns/locn#address": "full_address",
    "https://w3id.org/coworkmed/def/operatedBy": "operator_name",
}


#: fields whose values the loaders make into others: a problem with one of them is a problem
#: with those (a wrong latitude is a problem with the coordinates; a postcode that contradicts
#: the town, or no country, leaves the NUTS region unknown: it was told "give a postcode" on a
#: row that had one, stranger 89)
FEEDS: dict[str, tuple[str, ...]] = {
    "latitude": ("coordinates",),
    "longitude": ("coordinates",),
    "postcode": ("postcode", "nuts"),
    "country": ("country", "nuts"),
}


def fed(field: str) -> tuple[str, ...]:
    """The fields a problem with ``field`` is a problem with (``FEEDS``; itself otherwise)."""
    return FEEDS.get(field, (field,))


@cache
def _field_of(node: str, path: str | None, access: str | None) -> str | None:
    """The field whose values a property of a node holds (or is derived from)."""
    if path is None:
        return None
    for name, definition in tables.fields().items():
        if "property" not in definition or expand(definition["property"]) != path:
            continue
        if definition["node"] == node and definition.get("access") in (None, access):
            return name
    return DERIVED.get(path)


@lru_cache(maxsize=65536)
def _focus_parts(focus: str) -> tuple[str, str | None, str] | None:
    """A focus node's kind (the node its fields are on), access and record key; None for a
    node no row makes."""
    match = FOCUS.search(focus)
    if not match:
        return None
    node = match.group("part") or match.group("kind")
    return PART_NODES.get(node, node), match.group("access"), match.group("key")


@dataclass
class Trace:
    """What is needed to take a graph result back to the file."""

    mapping: Mapping
    headers: list[str]
    rows: dict[int, Row]
    records: dict[str, tuple[int, str | None]]  # key -> row, sheet
    lang: str
    _columns: dict[str | None, str | None] = field(default_factory=dict)
    _located: dict[tuple[str, str | None], dict[str, Any]] = field(default_factory=dict)
    _words: dict[tuple[str, str], tuple[str | None, str | None]] = field(default_factory=dict)

    def field_of(self, node: str, path: str | None, access: str | None) -> str | None:
        return _field_of(node, path, access)

    def column_of(self, field_name: str | None) -> str | None:
        if field_name not in self._columns:
            self._columns[field_name] = self._column_of(field_name)
        return self._columns[field_name]

    def _column_of(self, field_name: str | None) -> str | None:
        if field_name is None:
            return None
        wanted = ("latitude", "longitude", "coordinates") if field_name == "coordinates" else ()
        for spec in self.mapping.columns:
            if spec.field == field_name or spec.field in wanted:
                present = [s for s in spec.sources if s in self.headers]
                return present[0] if present else column_header(spec, self.lang, self.mapping)
        return None

    def words(self, shape: str, lang: str) -> tuple[str | None, str | None]:
        """A shape's message and name in ``lang``, looked up once per shape."""
        key = (shape, lang)
        if key not in self._words:
            self._words[key] = _shape_words(shape, lang)
        return self._words[key]

    def locate(self, result: Result) -> dict[str, Any]:
        """Where a result comes from in the file (row, sheet, column, field, the cell as
        written), worked out once per focus node and path: a node has results on several
        paths, and several on one path (a 10,000-row report has 52,000 results)."""
        key = (result.focus, result.path)
        found = self._located.get(key)
        if found is None:
            found = self._located[key] = self._locate(result.focus, result.path)
        return found

    def _locate(self, focus: str, path: str | None) -> dict[str, Any]:
        parts = _focus_parts(focus)
        if parts is None:
            return {}
        node, access, record = parts
        field_name = self.field_of(node, path, access)
        row, sheet = self.records.get(record, (None, None))
        column = self.column_of(field_name)
        original = None
        if row is not None and column is not None and row in self.rows:
            cell = self.rows[row].values.get(column)
            original = None if cell is None else written(cell)
        return {
            "row": row,
            "sheet": sheet,
            "column": column,
            "field": field_name,
            "value": original,
        }


def _shape_words(shape: str, lang: str) -> tuple[str | None, str | None]:
    """A shape's message and name in ``lang`` (else in English); None where it has none."""
    text = shape_texts().get(shape)
    if text is None:
        return None, None
    message = text.messages.get(lang) or text.messages.get("en")
    return message, text.names.get(lang) or text.names.get("en")


def shape_finding(result: Result, trace: Trace, lang: str) -> Finding:
    return Finding(*shape_values(result, trace, lang))


def shape_values(result: Result, trace: Trace, lang: str) -> tuple[Any, ...]:
    """The fields of a result's finding, in their order (``Finding``), as given to it."""
    where = trace.locate(result)
    message, name = trace.words(result.shape, lang)
    value = where.get("value")
    if value is None and result.value is not None:
        value = _plain(result.value)
    return (
        "graph",
        result.shape.rsplit("/", 1)[-1],
        result.severity,
        message or result.detail,
        result.detail,
        where.get("sheet"),
        where.get("row"),
        where.get("column"),
        value,
        where.get("field"),
        name,
        result.focus,
        result.shape,
        result.path,
    )


def packed_finding(result: Result, trace: Trace, lang: str) -> tuple[Any, ...]:
    """``packed(shape_finding(...))`` without making the finding, which only a long text
    needs (``Finding`` cuts it)."""
    values = shape_values(result, trace, lang)
    _layer, _code, _severity, message, detail, _sheet, _row, column, value = values[:9]
    if not (
        len(message or "") + len(detail or "") < SHORT
        and (value is None or len(value) < SHORT)
        and (column is None or len(column) < SHORT)
    ):
        return packed(Finding(*values))
    return values


def _plain(term: str) -> str:
    """An N-Triples term as a person would write it."""
    if term.startswith('"'):
        return term[1 : term.rindex('"')]
    return term.strip("<>")


def record_rows(store: ox.Store) -> dict[str, tuple[int, str | None]]:
    rows = store.query(
        "SELECT ?r ?n ?sheet WHERE { ?r <https://w3id.org/coworkmed/def/rowNumber> ?n "
        "OPTIONAL { ?r <https://w3id.org/coworkmed/def/sheetName> ?sheet } }"
    )
    assert isinstance(rows, ox.QuerySolutions)  # a SELECT's results are solutions
    found = {}
    for solution in rows:
        key = solution["r"].value.rsplit("/", 1)[-1]
        sheet = solution["sheet"]
        found[key] = (int(solution["n"].value), None if sheet is None else sheet.value)
    return found


#: a result traced to the file: its finding, and whether the result has no value (a value
#: missing; the finding's value is then the cell's)
Traced = tuple[Finding, bool]


def packed_traced(results: list[Result], trace: Trace) -> list[tuple[tuple[Any, ...], bool]]:
    """``traced``, each finding as its fields (``validation.findings.packed``)."""
    return [(packed_finding(result, trace, trace.lang), result.value is None) for result in results]


def traced(results: list[Result], trace: Trace) -> list[Traced]:
    """``results`` traced to the file, in the trace's language (``graph_findings``)."""
    return [(shape_finding(result, trace, trace.lang), result.value is None) for result in results]


def held_back_required(finding: Finding, warning: Finding, trace: Trace) -> Finding:
    """The shape's error of a required name left empty because its value was held back as a
    person's (``warning``), said as that: one message per fact (``without_told_hold_backs``)."""
    message = problem_message(REQUIRED_HELD_BACK, trace.lang) or finding.message
    advice = personal_advice(REQUIRED_HELD_BACK, trace.lang, is_template(trace.mapping))
    return dataclasses.replace(
        finding,
        code=REQUIRED_HELD_BACK,
        message=f"{message} {advice}" if advice else message,
        detail=finding.detail,
        column=warning.column,
        value=warning.value,
    )


def without_told_hold_backs(findings: list[Finding]) -> list[Finding]:
    """``findings`` without the hold-back warnings of a required name that a
    ``personal-name-required`` error already says (``held_back_required``)."""
    told = {(f.row, f.field) for f in findings if f.code == REQUIRED_HELD_BACK}
    return [
        f
        for f in findings
        if not (
            f.severity == "warning"
            and f.code in personal.rules().reasons
            and (f.row, f.field) in told
        )
    ]


#: the code of a required name held back as a person's (validation/messages.yaml)
REQUIRED_HELD_BACK = "personal-name-required"


def graph_findings(
    results: list[Result],
    trace: Trace,
    earlier: list[Finding],
    missing: set[str],
    found: list[Traced] | None = None,
) -> list[Finding]:
    """Layer 3, traced to the file (``found``: results already traced, which come first);
    what was already said (a missing column, a cell that cannot be read) is not said again. A
    value held back with a warning (personal data, an ambiguous number) is not an error
    already said: a required field it leaves empty is one."""
    said = {(f.row, field) for f in earlier if f.field for field in fed(f.field)}
    said_errors = {
        (f.row, field)
        for f in earlier
        if f.field and f.severity == "error"
        for field in fed(f.field)
    }
    missing = {field for column in missing for field in fed(column)}
    #: a required name held back as a person's, by row and field: its shape's "no name" is said
    #: as the hold-back (``personal-name-required``), once (issue #18)
    held = {
        (f.row, f.field): f
        for f in earlier
        if f.severity == "warning"
        and f.field in personal.rules().required_names
        and f.code in personal.rules().reasons
    }
    findings = []
    #: each value found missing, by row, field and severity: told once (issue #18: a record
    #: without a country was told so by the address's shape and by the space's)
    told: set[tuple[int | None, str | None, str]] = set()
    for finding, no_value in [*(found or []), *traced(results, trace)]:
        place = (finding.row, finding.field)
        if no_value and (
            finding.field in missing
            or place in said_errors
            # a recommended value that is there but wrong is not also missing (issue #21: a
            # latitude of 145.3 was told to add coordinates)
            or (finding.severity == "warning" and place in said)
            or (*place, finding.severity) in told
        ):
            continue
        if no_value and finding.row is not None and finding.field is not None:
            told.add((*place, finding.severity))
        if no_value and finding.severity == "error" and place in held:
            finding = held_back_required(finding, held[place], trace)
        findings.append(finding)
    return findings
