"""Publishing per record: a submission's conforming records are published, its records with
errors are held back, and the last published version of each held-back record stays.

A record is the triples of its resources (``loaders.records``: ``space/S/K`` and the nodes
under it, ``operator/S/K``, ``record/S/K``, whose row number ties it to the file). An error
found on a row, or on a resource of a record, holds that record back; an error no record
explains (a missing column, a file that cannot be read) holds the whole file back. With
``all-or-nothing`` (the ``publish_mode`` setting), any error holds the whole file back.

The new version of the dataset is the submission's graph without the held-back records, plus,
for each of them, its triples in the dataset's current version (and the networks they name),
as the store gives them back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from core.namespaces import CWM
from core.rdf_bytes import to_bytes
from loaders.load import HeldBack
from triplestore.versions import TripleStore
from validation.findings import Finding, Report

#: the key of the record a line's subject belongs to (``loaders.records``' IRIs)
RECORD_LINE = re.compile(rb"^<[^>]*/(?:space|operator|record)/[^/>]+/([^/>]+)")
#: a record's row and sheet: ``<record/S/K> cwm:rowNumber "n"`` / ``cwm:sheetName "..."``
ROW_LINE = re.compile(
    rb"^<[^>]*/record/[^/>]+/([^/>]+)> <" + re.escape(CWM.encode()) + rb"(rowNumber|sheetName)> "
    rb'"((?:[^"\\]|\\.)*)"'
)
#: the network a line names (its object), which a kept record may need
NETWORK_OBJECT = re.compile(rb"<([^>]*/network/[^/>]+)> \.\s*$")
#: the network a line is about (its subject)
NETWORK_SUBJECT = re.compile(rb"^<([^>]*/network/[^/>]+)> ")
#: the error of a row that repeats another's identifier (``loaders.records``): its record is
#: keyed apart, and named by the identifier as written
DUPLICATE_KEY = "duplicate-key"
RECORD_IRI = re.compile(r"/(?:space|operator|record)/[^/]+/([^/]+)")


@dataclass
class Holding:
    """What a submission's errors hold back: each record (or row without a record), and
    whether an error holds back the whole file."""

    held: list[HeldBack] = field(default_factory=list)
    whole: bool = False

    @property
    def keys(self) -> set[str]:
        return {h.identifier for h in self.held if h.identifier is not None}


def record_rows(ntriples: bytes) -> dict[str, tuple[int, str | None]]:
    """The row (and sheet) of each record of a graph, by record key."""
    rows: dict[str, int] = {}
    sheets: dict[str, str] = {}
    for line in ntriples.splitlines():
        match = ROW_LINE.match(line)
        if match is None:
            continue
        key, what, value = (g.decode("utf-8") for g in match.groups())
        if what == "rowNumber" and value.isdigit():
            rows[key] = int(value)
        elif what == "sheetName":
            sheets[key] = value
    return {key: (row, sheets.get(key)) for key, row in rows.items()}


def _key_of(finding: Finding, by_row: dict[tuple[int, str | None], str]) -> tuple[bool, str | None]:
    """Whether the finding belongs to a record or a row, and that record's key (None: a row
    that made no record)."""
    if finding.row is not None:
        key = by_row.get((finding.row, finding.sheet))
        if key is None and finding.sheet is None:
            key = next((k for (row, _s), k in by_row.items() if row == finding.row), None)
        return True, key
    match = RECORD_IRI.search(finding.focus or "")
    if match is not None:
        return True, match.group(1)
    return False, None


def holding(report: Report, mode: str = "per-record") -> Holding:
    """What the errors of ``report`` hold back (see the module's docstring)."""
    errors = [f for f in report.findings if f.severity == "error"]
    rows = record_rows(report.ntriples)
    by_row = {where: key for key, where in rows.items()}
    counted: dict[tuple[int | None, str | None, str | None], int] = defaultdict(int)
    written: dict[tuple[int | None, str | None, str | None], str] = {}
    whole = not report.readable or (bool(errors) and mode == "all-or-nothing")
    for finding in errors:
        located, key = _key_of(finding, by_row)
        if not located:
            whole = True
            continue
        row, sheet = rows.get(key, (finding.row, finding.sheet)) if key else (finding.row, None)
        place = (row, sheet if key else finding.sheet, key)
        counted[place] += 1
        if finding.code == DUPLICATE_KEY and finding.value:  # keyed apart, named as written
            written[place] = finding.value
    held = [
        HeldBack(*place, count, written=written.get(place))
        for place, count in sorted(counted.items(), key=lambda i: i[0][0] or 0)
    ]
    return Holding(held, whole)


def without(ntriples: bytes, keys: set[str]) -> bytes:
    """The graph without the triples of the records ``keys``, nor those of the networks only
    they named (a network is shared by name, not a record's own: one named by a held-back row
    alone was published, with its name and no member, stranger 89)."""
    if not keys:
        return ntriples
    wanted = {key.encode("utf-8") for key in keys}
    kept = []
    for line in ntriples.splitlines(keepends=True):
        match = RECORD_LINE.match(line)
        if match is None or match.group(1) not in wanted:
            kept.append(line)
    named = {found.group(1) for line in kept if (found := NETWORK_OBJECT.search(line))}
    return b"".join(
        line
        for line in kept
        if (network := NETWORK_SUBJECT.match(line)) is None or network.group(1) in named
    )


def previous_records(
    store: TripleStore, version: ox.NamedNode | None, keys: set[str]
) -> tuple[bytes, set[str]]:
    """The triples of the records ``keys`` in the version graph ``version`` (and of the
    networks they name), as N-Triples, and the keys found there."""
    if version is None or not keys:
        return b"", set()
    triples = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{version.value}> {{ ?s ?p ?o }} }}"
    )
    lines = to_bytes(triples, ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    wanted = {key.encode("utf-8") for key in keys}
    kept, found, networks = [], set(), set()
    for line in lines:
        match = RECORD_LINE.match(line)
        if match is not None and match.group(1) in wanted:
            kept.append(line)
            found.add(match.group(1).decode("utf-8"))
            network = NETWORK_OBJECT.search(line)
            if network is not None:
                networks.add(b"<" + network.group(1) + b"> ")
    kept += [line for line in lines if any(line.startswith(n) for n in networks)]
    return b"".join(kept), found
