"""Validate one partner submission, in layers, into a report a partner can act on.

1. the file: found, not empty, under the size cap, readable (encoding, delimiter, sheet);
2. the table: the mapping's required columns are there (a hint when one looks misspelt), every
   cell can be read (numbers, dates, yes/no, e-mail, phone, postcode, codes...);
3. the graph: SHACL with the project's shapes (``validation.engine``), each result traced back
   from its focus node and path to the row and column it came from, with the original cell;
4. across records: the same space twice in the submission, or a space another partner has
   already published nearby under the same name.

Every finding names the place (file, sheet, row, column, original value) and says what is wrong
in the partner's language (``validation.messages``; for SHACL, the shapes' ``sh:message``), with
the engine's technical message kept as a detail. Violations reject; warnings accept with notice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from core.namespaces import DEFAULT_DATA_BASE, PREFIXES
from core.problems import LoadError
from core.translations import language
from core.vocabulary import LANGUAGES
from linking.matching import distance
from loaders import tables
from loaders.load import LoadReport, start_report, stream
from loaders.mapping import Mapping, MappingError, load_mapping
from loaders.readers import Row
from triplestore.versions import StoreLocation, open_snapshot, query
from validation import engine
from validation.messages import problem_message

TEMPLATE_MAPPING = (Path(__file__).parent / "template" / "mapping.yaml").resolve()
#: the largest file a partner may submit, in bytes
MAX_FILE_BYTES = 20 * 1024 * 1024
#: two records closer than this, with the same name, are the same space (metres)
SAME_PLACE_METRES = 200


#: field of a finding -> the most characters of it a report shows
SHOWN = {"value": 200, "message": 600, "detail": 600, "column": 200}


@dataclass(frozen=True)
class Finding:
    """One problem of a submission, located as precisely as the file allows."""

    layer: str  # file, table, graph, records
    code: str  # a problem code, or the local name of a shape
    severity: str  # error (rejects) or warning
    message: str  # in the partner's language
    detail: str = ""  # the engine's own words (English)
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None
    name: str | None = None  # what kind of problem, for the summary (SHACL: the shape's name)
    focus: str | None = None  # the resource the graph check was about
    shape: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        """A partner's value is shown as far as it helps (``SHOWN``), never whole: a 100 KB
        cell repeated in every finding made a 5 KB file a 300 MB report."""
        for name, most in SHOWN.items():
            text = getattr(self, name)
            if text is not None and len(text) > most:
                cut = f"{text[:most]}… ({len(text):,} characters)"
                object.__setattr__(self, name, cut)

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in FINDING_FIELDS
            if getattr(self, f.name) not in (None, "")
        }


FINDING_FIELDS = dataclasses.fields(Finding)


@dataclass
class Report:
    """The outcome of validating one submission."""

    file: str
    mapping: str
    language: str
    readable: bool = True
    rows: int = 0
    records: int = 0
    triples: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    ntriples: bytes = b""  # the submission's graph, for publishing
    load: LoadReport | None = None

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def conforms(self) -> bool:
        return self.readable and self.errors == 0

    @property
    def status(self) -> str:
        if not self.readable:
            return "unreadable"
        if self.errors:
            return "rejected"
        return "accepted-with-warnings" if self.warnings else "accepted"

    def summary(self) -> list[dict[str, Any]]:
        """Each kind of problem: severity, name, how many, and the first one as an example."""
        groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for finding in self.findings:
            groups[(finding.severity, finding.code)].append(finding)
        ordered = sorted(groups.items(), key=lambda item: (item[0][0] != "error", -len(item[1])))
        return [
            {
                "severity": severity,
                "code": code,
                "name": found[0].name or found[0].message,
                "count": len(found),
                "example": found[0],
            }
            for (severity, code), found in ordered
        ]


# ------------------------------------------------------------------------------ the mapping


def template_mapping(lang: str) -> Mapping:
    """The mapping of the project's submission template, reading free text in ``lang``."""
    mapping = load_mapping(TEMPLATE_MAPPING)
    return dataclasses.replace(mapping, locale=dataclasses.replace(mapping.locale, language=lang))


def _header(spec: Any, lang: str, mapping: Mapping) -> str:
    """A column's header as the partner would write it (the template has one per language)."""
    if mapping.path == TEMPLATE_MAPPING and len(spec.sources) == len(LANGUAGES):
        return spec.sources[LANGUAGES.index(lang)]
    return spec.sources[0]


# ------------------------------------------------------------------------- layers 1 and 2


def _file_finding(error: LoadError, lang: str) -> Finding:
    values = getattr(error, "values", {})  # a cap's limit (loaders.caps.TooBig)
    message = problem_message(error.code, lang, **values) or problem_message(
        "unreadable-file", lang
    )
    return Finding("file", error.code, "error", message or str(error), detail=str(error))


def _size(count: int) -> str:
    """A number of bytes as people read it: 20 MB, 500 kB, 100 B."""
    for unit, size in (("MB", 1_048_576), ("kB", 1024)):
        if count >= size:
            return f"{count / size:.0f} {unit}"
    return f"{count} B"


def _check_file(path: Path, lang: str, max_bytes: int) -> Finding | None:
    if not path.is_file():
        return _file_finding(LoadError(f"{path}: no such file", "no-such-file"), lang)
    size = path.stat().st_size
    if size == 0:
        return _file_finding(LoadError(f"{path}: the file is empty", "empty-file"), lang)
    if size > max_bytes:
        limit = _size(max_bytes)
        message = problem_message("too-large", lang, limit=limit) or ""
        return Finding("file", "too-large", "error", message, detail=f"{size} bytes")
    return None


def required_fields() -> set[str]:
    """The fields every record must have: those of the space and its address that a shape of
    severity Violation requires (sh:minCount)."""
    fields = tables.fields()
    by_property = defaultdict(set)
    for name, definition in fields.items():
        if "property" in definition and definition["node"] in ("space", "address"):
            by_property[_expand(definition["property"])].add(name)
    return {
        name
        for text in engine.shape_texts().values()
        if text.severity == "error" and text.min_count and text.path
        for name in by_property.get(text.path, ())
    }


def _expand(prefixed: str) -> str:
    prefix, _, local = prefixed.partition(":")
    return PREFIXES[prefix] + local


def _check_columns(headers: list[str], mapping: Mapping, lang: str) -> tuple[list[Finding], set]:
    """Required columns missing (and the fields they leave empty), unknown or misspelt ones."""
    findings, missing = [], set()
    known = {source for spec in mapping.columns for source in spec.sources}
    required = required_fields()
    for spec in mapping.columns:
        if spec.field in required and not any(source in headers for source in spec.sources):
            column = _header(spec, lang, mapping)
            message = problem_message("missing-column", lang, column=column) or ""
            findings.append(
                Finding(
                    "table",
                    "missing-column",
                    "error",
                    message,
                    detail=f"none of the columns {list(spec.sources)} is in the file",
                    column=column,
                    field=spec.field,
                )
            )
            missing.add(spec.field)
    expected = [_header(spec, lang, mapping) for spec in mapping.columns]
    for header in headers:
        if header in known or not header.strip():
            continue
        close = difflib.get_close_matches(header, expected + sorted(known), n=1, cutoff=0.75)
        code = "misspelt-column" if close else "unknown-column"
        message = problem_message(code, lang, value=header, column=close[0] if close else None)
        findings.append(
            Finding("table", code, "warning", message or "", column=header, value=header)
        )
    return findings, missing


def _cell_findings(report: LoadReport, lang: str) -> list[Finding]:
    findings = []
    for problem in report.problems:
        message = problem_message(problem.code, lang, value=problem.value, column=problem.column)
        findings.append(
            Finding(
                "table",
                problem.code,
                "warning" if problem.severity == "warning" else "error",
                message or problem.reason,
                detail=problem.reason,
                sheet=problem.sheet,
                row=problem.row,
                column=problem.column,
                value=problem.value,
                field=problem.field,
            )
        )
    return findings


# ------------------------------------------------------------------------------- layer 3


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


@cache
def _field_of(node: str, path: str | None, access: str | None) -> str | None:
    """The field whose values a property of a node holds (or is derived from)."""
    if path is None:
        return None
    for name, definition in tables.fields().items():
        if "property" not in definition or _expand(definition["property"]) != path:
            continue
        if definition["node"] == node and definition.get("access") in (None, access):
            return name
    return DERIVED.get(path)


@dataclass
class Trace:
    """What is needed to take a graph result back to the file."""

    mapping: Mapping
    headers: list[str]
    rows: dict[int, Row]
    records: dict[str, tuple[int, str | None]]  # key -> row, sheet
    lang: str
    _columns: dict[str | None, str | None] = field(default_factory=dict)

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
                return present[0] if present else _header(spec, self.lang, self.mapping)
        return None

    def locate(self, result: engine.Result) -> dict[str, Any]:
        match = FOCUS.search(result.focus)
        if not match:
            return {}
        node = match.group("part") or match.group("kind")
        field_name = self.field_of(PART_NODES.get(node, node), result.path, match.group("access"))
        row, sheet = self.records.get(match.group("key"), (None, None))
        column = self.column_of(field_name)
        original = None
        if row is not None and column is not None and row in self.rows:
            cell = self.rows[row].values.get(column)
            original = None if cell is None else str(cell)
        return {
            "row": row,
            "sheet": sheet,
            "column": column,
            "field": field_name,
            "value": original,
        }


def _shape_finding(result: engine.Result, trace: Trace, lang: str) -> Finding:
    text = engine.shape_texts().get(result.shape)
    where = trace.locate(result)
    message = (text.messages.get(lang) or text.messages.get("en")) if text else None
    name = (text.names.get(lang) or text.names.get("en")) if text else None
    value = where.get("value")
    if value is None and result.value is not None:
        value = _plain(result.value)
    return Finding(
        "graph",
        result.shape.rsplit("/", 1)[-1],
        result.severity,
        message or result.detail,
        detail=result.detail,
        sheet=where.get("sheet"),
        row=where.get("row"),
        column=where.get("column"),
        value=value,
        field=where.get("field"),
        name=name,
        focus=result.focus,
        shape=result.shape,
        path=result.path,
    )


def _plain(term: str) -> str:
    """An N-Triples term as a person would write it."""
    if term.startswith('"'):
        return term[1 : term.rindex('"')]
    return term.strip("<>")


def _records(store: ox.Store) -> dict[str, tuple[int, str | None]]:
    rows = store.query(
        "SELECT ?r ?n ?sheet WHERE { ?r <https://w3id.org/coworkmed/def/rowNumber> ?n "
        "OPTIONAL { ?r <https://w3id.org/coworkmed/def/sheetName> ?sheet } }"
    )
    found = {}
    for solution in rows:
        key = solution["r"].value.rsplit("/", 1)[-1]
        sheet = solution["sheet"]
        found[key] = (int(solution["n"].value), None if sheet is None else sheet.value)
    return found


# ------------------------------------------------------------------------------- layer 4


@dataclass(frozen=True)
class Place:
    iri: str
    name: str
    latitude: float | None
    longitude: float | None
    row: int | None = None


def _metres(a: Place, b: Place) -> float:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return math.inf
    return distance(a.latitude, a.longitude, b.latitude, b.longitude)


PLACES = (
    "SELECT ?s ?name ?lat ?lon WHERE { ?s a <https://w3id.org/coworkmed/def/Space> ; "
    "<https://schema.org/name> ?name . "
    "OPTIONAL { ?s <https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?lon } }"
)


def _places(solutions: Any, records: dict[str, tuple[int, str | None]]) -> list[Place]:
    places = []
    for s in solutions:
        lat, lon = s["lat"], s["lon"]
        key = s["s"].value.rsplit("/", 1)[-1]
        places.append(
            Place(
                s["s"].value,
                s["name"].value,
                float(lat.value) if lat is not None else None,
                float(lon.value) if lon is not None else None,
                records.get(key, (None, None))[0],
            )
        )
    return places


def _same(a: Place, b: Place) -> bool:
    return tables.fold(a.name) == tables.fold(b.name) and (
        _metres(a, b) <= SAME_PLACE_METRES
        or None in (a.latitude, b.latitude)  # same name, one without coordinates
    )


def _record_finding(code: str, place: Place, message: str, column: str | None) -> Finding:
    return Finding(
        "records",
        code,
        "warning",
        message,
        row=place.row,
        column=column,
        value=place.name,
        focus=place.iri,
    )


def _across_records(
    mine: list[Place], published: list[Place], lang: str, columns: dict[str, str | None]
) -> list[Finding]:
    findings = []
    column = columns.get("name")
    by_name: dict[str, list[Place]] = defaultdict(list)
    for place in sorted(mine, key=lambda p: p.row or 0):
        earlier = next((p for p in by_name[tables.fold(place.name)] if _same(p, place)), None)
        if earlier is not None:
            message = problem_message("duplicate-record", lang, other=earlier.row) or ""
            findings.append(_record_finding("duplicate-record", place, message, column))
        by_name[tables.fold(place.name)].append(place)
    others: dict[str, list[Place]] = defaultdict(list)
    for place in published:
        others[tables.fold(place.name)].append(place)
    for place in mine:
        match = next((p for p in others.get(tables.fold(place.name), []) if _same(p, place)), None)
        if match is not None:
            message = problem_message("already-published", lang, other=match.iri) or ""
            findings.append(_record_finding("already-published", place, message, column))
    return findings


def published_places(store: StoreLocation | Path, base: str, source: str) -> list[Place]:
    """The spaces already published by the other sources of a store."""
    _generation, snapshot = open_snapshot(store)
    mine = f"{base}space/{source}/"
    found = _places(query(snapshot, base, PLACES), {})
    return [p for p in found if not p.iri.startswith(mine)]


# ------------------------------------------------------------------------------ the whole


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _read(
    report: Report, mapping: Mapping, path: Path, base: str, workers: int
) -> tuple[dict[int, Row], engine.Pipeline] | None:
    """Transform the file (layers 1 and 2), sending each chunk of records to the SHACL
    pipeline as it comes; the rows as read, or None when the file cannot be read."""
    rows: dict[int, Row] = {}

    def keep(row: Row | None) -> None:
        if row is not None:
            rows[row.number] = row

    pipeline = engine.Pipeline(workers)
    chunks = []
    try:
        load = start_report(mapping, path, base, _now)
        for chunk in stream(mapping, path, base, load, _now, keep, engine.CHUNK_TRIPLES):
            chunks.append(chunk)
            pipeline.add(chunk)
    except LoadError as error:
        pipeline.cancel()
        report.findings.append(_file_finding(error, report.language))
        report.readable = False
        return None
    report.ntriples, report.load = b"".join(chunks), load
    report.rows, report.records, report.triples = load.rows_read, load.records_written, load.triples
    if not rows:
        pipeline.cancel()
        error = LoadError(f"{path}: no record in the file", "empty-file")
        report.findings.append(_file_finding(error, report.language))
        report.readable = False
        return None
    return rows, pipeline


def _graph_findings(
    results: list[engine.Result], trace: Trace, earlier: list[Finding], missing: set[str]
) -> list[Finding]:
    """Layer 3, traced to the file; what was already said (a missing column, a cell that
    cannot be read) is not said again."""
    said = {(f.row, f.field) for f in earlier if f.field}
    findings = []
    for result in results:
        finding = _shape_finding(result, trace, trace.lang)
        if result.value is None and (
            finding.field in missing or (finding.row, finding.field) in said
        ):
            continue
        findings.append(finding)
    return findings


def _record_findings(store: ox.Store, trace: Trace, published: list[Place]) -> list[Finding]:
    """Layer 4, with the cell as the partner wrote it."""
    mine = _places(store.query(PLACES), trace.records)
    columns = {"name": trace.column_of("name")}
    findings = []
    for finding in _across_records(mine, published, trace.lang, columns):
        row = trace.rows.get(finding.row or -1)
        cell = row.values.get(finding.column) if row and finding.column else None
        findings.append(finding if cell is None else dataclasses.replace(finding, value=str(cell)))
    return findings


def mapping_name(mapping: Mapping) -> str:
    """How a report names a mapping: ``template``, or the folder of a partner's mapping (the
    name a server offers it under), never a path on the machine."""
    return "template" if mapping.path == TEMPLATE_MAPPING else mapping.path.parent.name


def hide_paths(report: Report, path: Path, shown: str) -> Report:
    """The report with the file's place on this machine (its folder, its full name, as given
    and resolved) replaced by ``shown`` in every message: readers name the file they read."""
    places = sorted({str(path), str(path.resolve())}, key=len, reverse=True)

    def clean(text: str | None) -> str | None:
        for place in places:
            text = text.replace(place, shown) if text else text
        return text

    report.findings = [
        dataclasses.replace(f, message=clean(f.message) or "", detail=clean(f.detail) or "")
        for f in report.findings
    ]
    return report


def validate_submission(
    path: Path,
    mapping_path: Path | None = None,
    lang: str = "en",
    store_path: StoreLocation | Path | None = None,
    base: str = DEFAULT_DATA_BASE,
    max_bytes: int = MAX_FILE_BYTES,
    workers: int = 2,
    mapping: Mapping | None = None,
    published: list[Place] | None = None,
) -> Report:
    """Validate the submission ``path`` read with ``mapping_path`` (default: the template's);
    ``store_path``: a published store to compare with (layer 4), or ``published``: its places,
    already read. Messages name the file by its name only, never its place on the machine."""
    report = _validate(
        path, mapping_path, lang, store_path, base, max_bytes, workers, mapping, published
    )
    return hide_paths(report, path, path.name)


def _validate(
    path: Path,
    mapping_path: Path | None,
    lang: str,
    store_path: StoreLocation | Path | None,
    base: str,
    max_bytes: int,
    workers: int,
    mapping: Mapping | None,
    published: list[Place] | None,
) -> Report:
    clock = time.perf_counter()
    lang = language(lang)
    shown_mapping = Path(str(mapping_path)).parent.name if mapping_path else "template"
    report = Report(str(path), shown_mapping, lang)
    try:
        if mapping is None:
            mapping = load_mapping(mapping_path) if mapping_path else template_mapping(lang)
    except MappingError as error:
        details = [f"line {line}: {message}" for line, message in error.mistakes]
        details = [d.replace(str(mapping_path), Path(str(mapping_path)).name) for d in details]
        report.findings += [
            Finding("file", "bad-mapping", "error", problem_message("bad-mapping", lang) or "", d)
            for d in details
        ]
        report.readable = False
        return report
    except LoadError as error:
        message = problem_message(error.code, lang, value=Path(str(mapping_path)).name)
        detail = str(error).replace(str(mapping_path), Path(str(mapping_path)).name)
        report.findings.append(Finding("file", error.code, "error", message or "", detail))
        report.readable = False
        return report
    report.mapping = mapping_name(mapping)
    trouble = _check_file(path, lang, max_bytes)
    if trouble is not None:
        report.findings.append(trouble)
        report.readable = False
        return report
    read = _read(report, mapping, path, base, workers)
    if read is None:
        return report
    rows, pipeline = read
    headers = list(next(iter(rows.values())).values)
    column_findings, missing = _check_columns(headers, mapping, lang)
    report.findings += column_findings + _cell_findings(report.load, lang)
    store = ox.Store()
    store.bulk_load(report.ntriples, format=ox.RdfFormat.N_TRIPLES)
    trace = Trace(mapping, headers, rows, _records(store), lang)
    report.findings += _graph_findings(pipeline.results(store), trace, report.findings, missing)
    if published is None:
        published = published_places(store_path, base, mapping.source_id) if store_path else []
    report.findings += _record_findings(store, trace, published)
    report.findings.sort(key=lambda f: (f.row or 0, f.column or "", f.code))
    report.seconds = time.perf_counter() - clock
    return report
