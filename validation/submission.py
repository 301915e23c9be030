"""Validate one partner submission, in layers, into a report a partner can act on.

1. the file: found, not empty, under the size cap, readable (encoding, delimiter, sheet);
2. the table: the mapping's required columns are there (a hint when one looks misspelt), every
   cell can be read (numbers, dates, yes/no, e-mail, phone, postcode, codes...);
3. the graph: SHACL with the project's shapes (``validation.pipeline``), each result traced
   back from its focus node and path to the row and column it came from, with the original
   cell (``validation.trace``);
4. across records: the same space twice in the submission, or a space another partner has
   already published nearby under the same name (``validation.duplicates``; the places
   already published are given by the caller, which owns the store).

This module runs the layers in order (layers 1 and 2: ``validation.files``,
``validation.columns``) into a ``validation.findings.Report``.

Every finding names the place (file, sheet, row, column, original value) and says what is wrong
in the partner's language (``validation.messages``; for SHACL, the shapes' ``sh:message``), with
the engine's technical message kept as a detail. Violations reject; warnings accept with notice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from core.collection import paused_collection
from core.namespaces import DEFAULT_DATA_BASE
from core.problems import LoadError
from core.settings import settings
from core.translations import language
from linking.places import Place
from loaders import provenance
from loaders.load import LoadReport, load_facts, mapped_rows, start_report, stream
from loaders.mapping import Mapping, MappingError, load_mapping
from loaders.rdf import Triples
from loaders.readers import Row
from loaders.records import WHOLE_ROW
from validation.columns import (
    cell_findings,
    check_columns,
    is_template,
    key_counts,
    mapping_name,
    template_mapping,
)
from validation.duplicates import record_findings, submission_places, superseded
from validation.files import MAX_FILE_BYTES, check_file, file_finding
from validation.findings import MAPPING, Finding, Report, hide_paths
from validation.messages import problem_message
from validation.pipeline import CHUNK_TRIPLES, Pipeline
from validation.split import Checked, check_in_parts
from validation.trace import Trace, graph_findings, record_rows, without_told_hold_backs

#: told how far a validation has gone: the stage (``STAGES``) and the rows read so far
Progress = Callable[[str, int], None]
#: the stages a validation goes through, in order: reading the rows (told at every row), the
#: SHACL check, tracing its results back to rows and columns, comparing the records
STAGES = ("reading", "checking", "tracing", "comparing")


def _quiet(_stage: str, _rows: int) -> None:
    """No one to tell."""


def _now() -> dt.datetime:
    """Now, to the microsecond: it names the version a load makes (``provenance.version_id``)."""
    return dt.datetime.now(dt.UTC)


def _rows(
    path: Path, mapping: Mapping, progress: Progress
) -> tuple[list[Row | None], dict[int, Row]]:
    """The file's rows as read (None: a row the filter leaves out), and the rows by number."""
    read: list[Row | None] = []
    rows: dict[int, Row] = {}
    for row in mapped_rows(path, mapping):
        read.append(row)
        if row is not None:
            rows[row.number] = row
            progress("reading", len(rows))
    return read, rows


def _read(
    report: Report,
    mapping: Mapping,
    path: Path,
    base: str,
    workers: int,
    now: Callable[[], dt.datetime] = _now,
    progress: Progress = _quiet,
    split_from: int = 0,
) -> tuple[dict[int, Row], LoadReport, Checks] | None:
    """Transform the file (layers 1 and 2) and check its graph: in one process, each chunk of
    records sent to the SHACL pipeline as it comes; from ``split_from`` rows (0: never) with
    more than one worker, in parts (``validation.split``). The rows as read, the load report
    and what checks the graph, or None when the file cannot be read."""
    pipeline = Pipeline(workers)
    chunks = []
    try:
        load = start_report(mapping, path, base, now)
        read, rows = _rows(path, mapping, progress)
        if rows and workers > 1 and 0 < split_from <= len(rows):
            return _read_in_parts(report, mapping, path, base, workers, now, load, read, rows)
        for chunk in stream(mapping, path, base, load, now, None, CHUNK_TRIPLES, read):
            chunks.append(chunk)
            pipeline.add(chunk)
    except LoadError as error:
        pipeline.cancel()
        report.findings.append(file_finding(error, report.language))
        report.readable = False
        return None
    report.ntriples, report.load = b"".join(chunks), load
    report.rows, report.records, report.triples = load.rows_read, load.records_written, load.triples
    if not rows:
        pipeline.cancel()
        report.findings.append(file_finding(_no_record(path, mapping, read), report.language))
        report.readable = False
        return None
    return rows, load, InOneProcess(pipeline, base)


def _unshifted(findings: list[Finding], shifted: set[int | None]) -> list[Finding]:
    """The findings of the graph or across records, but those of a row held back for its shape
    or as a row of totals (``loaders.records.WHOLE_ROW``): its own error says it all."""
    return [finding for finding in findings if finding.row is None or finding.row not in shifted]


#: the formats whose first row is a header: read without a row, the file has its header only
HEADED_FORMATS = frozenset({"csv", "tsv", "xlsx", "ods"})


def _no_record(path: Path, mapping: Mapping, read: list[Row | None]) -> LoadError:
    """What says that a file that was read gave no record: a table with its header and no
    row under it (``header-only``), or a list of records that is empty, or whose rows the
    mapping's include filter all leaves out (``no-records``)."""
    headed = not read and mapping.file_format(path) in HEADED_FORMATS
    code = "header-only" if headed else "no-records"
    empty = LoadError(f"{path}: no record in the file ({code})", code)
    empty.told = True  # the message says it all
    return empty


def _read_in_parts(
    report: Report,
    mapping: Mapping,
    path: Path,
    base: str,
    workers: int,
    now: Callable[[], dt.datetime],
    load: LoadReport,
    read: list[Row | None],
    rows: dict[int, Row],
) -> tuple[dict[int, Row], LoadReport, Checks]:
    """``_read`` with the rows transformed and checked in ``workers`` worker processes."""
    shared = Triples()
    provenance.describe(shared, mapping, base, load_facts(mapping, path, load, now))
    headers = list(key_counts(rows.values()))
    whole = check_in_parts(
        mapping, base, list(rows.values()), shared.data(), workers, headers, report.language
    )
    load.rows_read, load.rows_skipped = len(read), len(read) - len(rows)
    load.records_written, load.problems = whole.records, whole.problems
    load.triples = whole.lines + len(shared)
    report.ntriples, report.load = whole.ntriples + shared.data(), load
    report.rows, report.records, report.triples = load.rows_read, load.records_written, load.triples
    return rows, load, InParts(whole.checked)


class Checks(Protocol):
    """What checks a submission's graph, once its records are made (``store``: the graph)."""

    def check(self, store: Callable[[], ox.Store]) -> Checked: ...


@dataclass
class InOneProcess:
    """The graph checked in this process, with pyshacl's parts in workers (``Pipeline``)."""

    pipeline: Pipeline
    base: str

    def check(self, store: Callable[[], ox.Store]) -> Checked:
        graph = store()
        records = record_rows(graph)
        results = self.pipeline.results(graph)
        return Checked(records, results, submission_places(graph, records, self.base))


@dataclass
class InParts:
    """The graph already checked in parts by the workers (``validation.split``)."""

    checked: Checked

    def check(self, store: Callable[[], ox.Store]) -> Checked:
        return self.checked


@paused_collection()
def validate_submission(
    path: Path,
    mapping_path: Path | None = None,
    lang: str = "en",
    *,
    base: str = DEFAULT_DATA_BASE,
    max_bytes: int = MAX_FILE_BYTES,
    workers: int = 2,
    mapping: Mapping | None = None,
    published: list[Place] | None = None,
    now: Callable[[], dt.datetime] = _now,
    progress: Progress | None = None,
    split_from: int | None = None,
) -> Report:
    """Validate the submission ``path`` read with ``mapping_path`` (default: the template's);
    ``published``: the places other partners published, to compare with (layer 4; read by the
    caller from its store, ``linking.places.published_places``); ``now``: the clock that names
    the version graph; ``progress``: told each stage and the rows read so far (``STAGES``).
    ``split_from``: the rows from which the file is validated in parts, one per worker
    (``validation.split``; default: the setting ``validation_split_rows``). Messages name the
    file by its name only, never its place on the machine."""
    report = _validate(
        path,
        mapping_path,
        lang,
        base,
        max_bytes,
        workers,
        mapping,
        published or [],
        now,
        progress or _quiet,
        settings()["validation_split_rows"] if split_from is None else split_from,
    )
    return hide_paths(report, path, path.name)


def _validate(
    path: Path,
    mapping_path: Path | None,
    lang: str,
    base: str,
    max_bytes: int,
    workers: int,
    mapping: Mapping | None,
    published: list[Place],
    now: Callable[[], dt.datetime] = _now,
    progress: Progress = _quiet,
    split_from: int = 0,
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
            Finding("file", MAPPING, "error", problem_message(MAPPING, lang) or "", d)
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
    trouble = check_file(path, lang, max_bytes)
    if trouble is not None:
        report.findings.append(trouble)
        report.readable = False
        return report
    read = _read(report, mapping, path, base, workers, now, progress, split_from)
    if read is None:
        return report
    rows, load, checks = read
    keys = key_counts(rows.values())
    headers = list(keys)
    column_findings, missing = check_columns(headers, mapping, lang, keys, len(rows))
    report.findings += column_findings + cell_findings(load, lang, is_template(mapping))
    progress("checking", len(rows))

    def store() -> ox.Store:
        graph = ox.Store()
        graph.bulk_load(report.ntriples, format=ox.RdfFormat.N_TRIPLES)
        return graph

    checked = checks.check(store)
    trace = Trace(mapping, headers, rows, checked.records, lang)
    progress("tracing", len(rows))
    shifted = {f.row for f in report.findings if f.code in WHOLE_ROW}
    report.findings += _unshifted(
        graph_findings(checked.results, trace, report.findings, missing, checked.traced), shifted
    )
    report.findings = without_told_hold_backs(report.findings)
    progress("comparing", len(rows))
    across = _unshifted(record_findings(checked.places, trace, published), shifted)
    report.findings = superseded(report.findings + across)
    report.findings.sort(key=lambda f: (f.row or 0, f.column or "", f.code))
    report.seconds = time.perf_counter() - clock
    return report
