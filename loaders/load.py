"""One load: a mapping and its file in, a named graph out, with a report of every problem.

partner file -> reader -> mapping -> RDF records -> store (atomic replacement of the graph)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from loaders import provenance
from loaders.concepts import default_index
from loaders.mapping import Mapping, load_mapping
from loaders.problems import Problem
from loaders.rdf import Triples
from loaders.readers import read_rows
from loaders.records import Minting, RecordBuilder
from loaders.store import replace_graph
from loaders.values import Context


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

    def as_dict(self) -> dict[str, Any]:
        summary = {k: v for k, v in self.__dict__.items() if k != "problems"}
        return {**summary, "problems": [problem.as_dict() for problem in self.problems]}

    def summary(self) -> str:
        return (
            f"{self.source}: {self.rows_read} rows read, {self.records_written} records written"
            f"{f', {self.rows_skipped} left out by the filter' if self.rows_skipped else ''}, "
            f"{self.triples} triples, {len(self.problems)} problems ({self.seconds:.1f} s)"
        )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def transform(
    mapping: Mapping,
    path: Path,
    base: str,
    now: Callable[[], dt.datetime],
    on_row: Callable[[], None] | None = None,
) -> tuple[Triples, LoadReport]:
    """Read the file and build its triples (records and provenance) without touching any store."""
    started = now()
    file_format = mapping.file_format(path)
    report = LoadReport(mapping.source_id, str(path), provenance.graph_iri(base, mapping.source_id))
    builder = RecordBuilder(
        mapping,
        Minting(base, mapping.source_id),
        provenance.dataset_iri(base, mapping.source_id),
        Context(mapping.locale, default_index()),
    )
    for row in read_rows(path, file_format, mapping.file):
        report.rows_read += 1
        if row is None:
            report.rows_skipped += 1
        else:
            builder.add_row(row)
        if on_row:
            on_row()
    facts = provenance.LoadFacts(
        file=path,
        file_format=file_format,
        file_sha256=sha256(path),
        file_size=path.stat().st_size,
        mapping_sha256=sha256(mapping.path),
        started=started,
        ended=now(),
    )
    provenance.describe(builder.triples, mapping, base, facts)
    report.records_written = builder.records
    report.problems = builder.problems
    return builder.triples, report


def load_source(
    mapping_path: Path,
    store: ox.Store,
    base: str,
    file: Path | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_row: Callable[[], None] | None = None,
) -> LoadReport:
    """Load one source into its named graph, replacing what the graph held; all or nothing."""
    clock = time.perf_counter()
    mapping = load_mapping(mapping_path)
    path = mapping.file_path(file)
    triples, report = transform(
        mapping, path, base, now or (lambda: dt.datetime.now(dt.UTC).replace(microsecond=0)), on_row
    )
    report.triples = replace_graph(store, report.graph, triples.data())
    report.seconds = time.perf_counter() - clock
    return report


def mapping_files(data_dir: Path) -> list[Path]:
    """The mapping of every source folder under ``data_dir`` (``data/<source>/mapping.yaml``)."""
    return sorted(data_dir.glob("*/mapping.yaml"))
