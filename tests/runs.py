"""What the fault and hostile tests use: what readers of a store see of fr-aura, variants of
fr-aura's sample file, and the processes a program started."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from coworkmed.serving import process_family
from triplestore.backends.oxigraph import OxigraphLocation

ROOT = Path(__file__).parents[1]
BASE = "https://w3id.org/coworkmed/id/"
DATASET = f"{BASE}dataset/fr-aura"
CURRENT = f"""
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT (COUNT(*) AS ?triples) WHERE {{
  GRAPH <{BASE}catalog> {{ <{DATASET}> dcat:hasCurrentVersion ?version }}
  GRAPH ?version {{ ?s ?p ?o }}
}}"""
VERSIONS = f"""
SELECT DISTINCT ?g WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{DATASET}/"))
}}"""


@dataclass(frozen=True)
class State:
    """What readers see of fr-aura: the triples of its current version."""

    triples: int


def published_state(store: Path) -> State:
    """The store as a restarted server opens it: its current snapshot."""
    _generation, snapshot = OxigraphLocation(store).reader()
    try:
        return State(int(next(iter(snapshot.query(CURRENT)))["triples"].value))
    finally:
        snapshot.close()


def version_graphs(store: Path) -> int:
    """Version graphs of fr-aura in the primary database (current, previous and unfinished)."""
    with OxigraphLocation(store).writer() as primary:
        return len(list(primary.query(VERSIONS)))


def sample_rows() -> list[list[str]]:
    """fr-aura's sample file: its header, then its rows."""
    sample = (ROOT / "examples" / "partners" / "fr-aura" / "tiers-lieux.tsv").read_text(
        encoding="utf-8"
    )
    return list(csv.reader(io.StringIO(sample), delimiter="\t"))


def write_sample(path: Path, rows: list[list[str]]) -> Path:
    """``rows`` written as fr-aura's file is (tab-separated, UTF-8)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t").writerows(rows)
    return path


def bigger(folder: Path, rows: int) -> Path:
    """fr-aura's sample grown to ``rows`` rows (new identifiers and names)."""
    head, *body = sample_rows()
    grown = [head]
    for number in range(rows):
        row = list(body[number % len(body)])
        row[0], row[1] = f"AURA-K{number:05d}", f"{row[1]} {number}"
        grown.append(row)
    return write_sample(folder / f"tiers-lieux-{rows}.tsv", grown)


def processes_marked(marker: str) -> list[int]:
    """The processes whose environment holds ``marker``: a program started with it in its
    environment, and every process it started (a fork server, its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):  # a process that ended while being read
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
    return found


def signal_every(pid: int, number: int) -> None:
    """Signal ``number`` to process ``pid`` and every process under it at once: systemd's
    default stop (``KillMode=control-group``), every process of the service."""
    for member in process_family(pid):
        with contextlib.suppress(ProcessLookupError):  # one that ended meanwhile
            os.kill(member, number)
