"""One load: a mapping and its file in, N-Triples out, with a report of every problem.

partner file -> reader -> mapping -> RDF records (this module) -> validation -> store
(``publishing.build`` writes a load into the store; this package touches no store).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from core.problems import LoadError, Problem
from loaders import provenance
from loaders.concepts import default_index
from loaders.mapping import Mapping, load_mapping
from loaders.readers import Row, read_rows
from loaders.records import Minting, RecordBuilder
from loaders.values import Context


@dataclass(frozen=True)
class HeldBack:
    """A record (or a row that made none) held back from publication for its errors."""

    row: int | None
    sheet: str | None
    identifier: str | None  # the record's key in its IRIs (None: the row made no record)
    errors: int
    kept: bool = False  # its last published version stays in the new version
    #: the identifier its row gives, where its key is not it: a row repeating another's
    #: identifier is keyed apart ("AURA-002-6") but was named so to the partner, who never
    #: wrote it (strangers 88 and 89)
    written: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @property
    def source_identifier(self) -> str | None:
        """The identifier as the partner wrote it (``MI/2021/004``), not as its IRIs encode
        it (``MI%2F2021%2F004``), nor as a repeated one is keyed apart (``written``)."""
        shown = self.written or self.identifier
        return None if shown is None else unquote(shown)


@dataclass
class LoadReport:
    """What a load read, wrote and found wrong."""

    source: str
    file: str
    graph: str
    rows_read: int = 0
    rows_skipped: int = 0
    records_written: int = 0
    triples: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    file_sha256: str = ""
    started: dt.datetime | None = None
    #: nothing was loaded: the same file and mapping are the current version already (``graph``)
    unchanged: bool = False
    #: the records held back for their errors (``publishing.per_record``)
    held_back: list[HeldBack] = field(default_factory=list)
    #: whether a new version was published (False: unchanged, or every record held back)
    published: bool = True
    #: errors found by the checks (``validation.submission``)
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        summary = {
            k: v
            for k, v in self.__dict__.items()
            if k not in ("problems", "started", "file_sha256")
        }
        held = len([h for h in self.held_back if h.identifier])
        return {
            **summary,
            # what was published, as the command says it (stranger 81: an all-or-nothing load
            # refused named a version that is not, and records_written 8 where 7 were published)
            "graph": self.graph if self.published or self.unchanged else None,
            "records_published": self.records_written - held if self.published else 0,
            "held_back": [held.as_dict() for held in self.held_back],
            "problems": [problem.as_dict() for problem in self.problems],
        }

    def summary(self) -> str:
        if self.unchanged:
            return (
                f"{self.source}: unchanged (its records are those of the current version "
                f"{self.graph}): nothing published"
            )
        held = len(self.held_back)
        return (
            f"{self.source}: {self.rows_read} rows read, {self.records_written} records written"
            f"{f', {self.rows_skipped} left out by the filter' if self.rows_skipped else ''}, "
            f"{f'{held} held back for their errors, ' if held else ''}"
            f"{self.triples} triples, {len(self.problems)} problems ({self.seconds:.1f} s)"
            f"{'' if self.published else ': nothing published'}"
        )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mapping_digest(mapping: Mapping) -> str:
    """What names the mapping a load used: its file's sha256, and the language it reads free text
    in when that is not the file's own (the template, read in a partner's language), since the
    same file then gives other triples."""
    digest = mapping.sha256 or sha256(mapping.path)  # as read, not as the file is now
    language = mapping.file_language or load_mapping(mapping.path).locale.language
    if mapping.locale.language == language:
        return digest
    return hashlib.sha256(f"{digest} {mapping.locale.language}".encode()).hexdigest()


#: how many triples a chunk holds when a load is streamed into the store
CHUNK_TRIPLES = 1_000_000


def record_builder(
    mapping: Mapping,
    base: str,
    keys: dict[str, int] | None = None,
    named: dict[tuple[str, str], int] | None = None,
) -> RecordBuilder:
    """What turns the rows of ``mapping``'s file into records; ``keys`` and ``named``: the
    record keys and the names and towns of the rows before (when the rows are transformed in
    parts, ``validation.split``)."""
    return RecordBuilder(
        mapping,
        Minting(base, mapping.source_id),
        provenance.dataset_iri(base, mapping.source_id),
        Context(mapping.locale, default_index()),
        keys=dict(keys or {}),
        named=dict(named or {}),
    )


def load_facts(
    mapping: Mapping, path: Path, report: LoadReport, now: Callable[[], dt.datetime]
) -> provenance.LoadFacts:
    """What the provenance of a load says of it; its end is ``now()``."""
    assert report.started is not None  # start_report set it
    return provenance.LoadFacts(
        file=path,
        file_format=mapping.file_format(path),
        file_sha256=report.file_sha256,
        file_size=path.stat().st_size,
        mapping_sha256=mapping_digest(mapping),
        started=report.started,
        ended=now(),
    )


def mapped_rows(path: Path, mapping: Mapping) -> Iterator[Row | None]:
    """The rows of ``path`` as ``mapping`` reads them: its format, file options, "no value"
    tokens, language, number columns and columns (None: a row its include filter leaves out)."""
    return read_rows(
        path,
        mapping.file_format(path),
        mapping.file,
        mapping.locale.null,
        mapping.locale.language,
        mapping.number_columns,
        mapping.used_columns,
    )


def stream(
    mapping: Mapping,
    path: Path,
    base: str,
    report: LoadReport,
    now: Callable[[], dt.datetime],
    on_row: Callable[[Row | None], None] | None = None,
    chunk_triples: int = CHUNK_TRIPLES,
    rows: Iterable[Row | None] | None = None,
) -> Iterator[bytes]:
    """Read the file and yield its triples (records, then provenance) as N-Triples chunks,
    filling ``report`` as it goes (``_start`` made it); ``rows``: the file's rows, when the
    caller has read them already. Touches no store."""
    builder = record_builder(mapping, base)
    if rows is None:
        rows = mapped_rows(path, mapping)
    for row in rows:
        report.rows_read += 1
        if row is None:
            report.rows_skipped += 1
        else:
            builder.add_row(row)
        if on_row:
            on_row(row)
        if len(builder.triples.lines) >= chunk_triples:
            yield builder.triples.take()
    provenance.describe(builder.triples, mapping, base, load_facts(mapping, path, report, now))
    report.records_written = builder.records
    report.problems = builder.problems
    yield builder.triples.take()
    report.triples = len(builder.triples)


def start_report(
    mapping: Mapping, path: Path, base: str, now: Callable[[], dt.datetime]
) -> LoadReport:
    """The report of a load about to start: its version graph, named from the time and the
    checksums of the file and its mapping (``provenance.version_id``)."""
    if not path.is_file():
        raise LoadError(f"{path}: no such file", "no-such-file")
    started, file_sha256 = now(), sha256(path)
    graph = provenance.version_iri(
        base, mapping.source_id, started, file_sha256, mapping_digest(mapping)
    )
    return LoadReport(mapping.source_id, str(path), graph, file_sha256=file_sha256, started=started)


def transform(
    mapping: Mapping, path: Path, base: str, now: Callable[[], dt.datetime]
) -> tuple[bytes, LoadReport]:
    """The whole load as N-Triples in memory, and its report (no store involved)."""
    report = start_report(mapping, path, base, now)
    return b"".join(stream(mapping, path, base, report, now)), report


def mapping_files(data_dir: Path) -> list[Path]:
    """The mapping of every source folder under ``data_dir`` (``data/<source>/mapping.yaml``)."""
    return sorted(data_dir.glob("*/mapping.yaml"))
