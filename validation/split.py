"""A big submission validated in parts, one per worker process: its rows are cut into runs of
consecutive rows, and each worker transforms its run into records and checks them with the
shapes (``validation.engine``, the SPARQL-based checks, pyshacl where needed). The parent reads
the file, then merges what the workers found in the order one process would have found it; the
checks across records (``validation.duplicates``) and the report are made in the parent on the
merged results, so that the report is the same, byte for byte, as a validation in one process.

Two things a row's records depend on come from the rows before it: its key (a key given twice
is an error, and the second record is named apart) and its name and town (shared by an earlier
record: a warning). Each part is first transformed as if it came first; when one of its keys,
or names and towns, is also in an earlier part, it is done again knowing the earlier parts'
(rare: a file's identifiers are most often unique), which gives what one process gives.

The description of the load (``loaders.provenance``) is made first, in the parent, and each
part is checked with it, as the whole graph would be.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from core.collection import paused_collection
from core.problems import Problem
from linking.places import Place
from loaders.load import record_builder
from loaders.mapping import Mapping
from loaders.readers import Row
from validation import engine
from validation.duplicates import submission_places
from validation.findings import FOCUS, unpacked
from validation.pipeline import in_order, pool
from validation.pyshacl_run import validate_part
from validation.shapes import Result, sparql_check_groups
from validation.trace import Trace, Traced, packed_traced, record_rows


@dataclass(frozen=True)
class Part:
    """What a worker is given: a run of consecutive rows of the file, the graph every part
    shares (the load's description), and the keys and names of the rows before the run (empty
    on a first try)."""

    mapping: Mapping
    base: str
    rows: list[Row]
    shared: bytes
    #: the file's columns (all its rows'), and the report's language: a part traces its
    #: results to its rows as the parent would (``validation.trace``)
    headers: list[str] = dataclasses.field(default_factory=list)
    lang: str = "en"
    keys: dict[str, int] = dataclasses.field(default_factory=dict)
    named: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)


@dataclass
class Checked:
    """What the checks of a graph found: the record keys with their rows, the SHACL results
    (those of each bulk check, then pyshacl's) and the spaces, for the checks across records;
    ``traced``: the results of the bulk checks already traced to the file (in parts: each
    worker traces its own), which come before ``results``."""

    records: dict[str, tuple[int, str | None]]
    results: list[Result]
    places: list[Place]
    traced: list[Traced] = dataclasses.field(default_factory=list)


@dataclass
class PartChecked:
    """What a worker made of its part: its records' N-Triples (``lines`` triples), the problems
    of its cells, the keys and names it has seen, the results of each bulk check (ordered by
    focus node) traced to its rows, pyshacl's results, the record keys and spaces of its
    graph."""

    ntriples: bytes
    lines: int
    problems: list[Problem]
    records: int
    keys: dict[str, int]
    named: dict[tuple[str, str], int]
    groups: list[list[Packed]]
    pyshacl: list[Result]
    record_rows: dict[str, tuple[int, str | None]]
    places: list[Place]


def check_part(part: Part) -> PartChecked:
    """In a worker: transform the part's rows and check its graph (with the shared graph).
    With ``COWORKMED_PROFILE_PARTS`` set to a folder, each part's cProfile statistics are
    written there (``part-PID-ROW.prof``), to see where a worker's time goes."""
    folder = os.environ.get("COWORKMED_PROFILE_PARTS")
    if not folder:
        return _check_part(part)
    import cProfile

    profile = cProfile.Profile()
    checked = profile.runcall(_check_part, part)
    first = part.rows[0].number if part.rows else 0
    profile.dump_stats(os.path.join(folder, f"part-{os.getpid()}-{first}.prof"))
    return checked


@paused_collection()
def _check_part(part: Part) -> PartChecked:
    builder = record_builder(part.mapping, part.base, part.keys, part.named)
    for row in part.rows:
        builder.add_row(row)
    lines = len(builder.triples)
    ntriples = builder.triples.take()
    graph = ntriples + part.shared
    store = ox.Store()
    store.bulk_load(graph, format=ox.RdfFormat.N_TRIPLES)
    groups = sparql_check_groups(store) + engine.run_groups(store)
    extra = validate_part(graph) if engine.needs_pyshacl(store) else []
    records = record_rows(store)
    trace = Trace(part.mapping, part.headers, {r.number: r for r in part.rows}, records, part.lang)
    return PartChecked(
        ntriples,
        lines,
        builder.problems,
        builder.records,
        builder.keys,
        builder.named,
        [packed_traced(group, trace) for group in groups],
        extra,
        records,
        submission_places(store, records, part.base),
    )


def runs(rows: Sequence[Row], parts: int) -> list[list[Row]]:
    """``rows`` cut into ``parts`` runs of consecutive rows, as even as can be."""
    size, extra = divmod(len(rows), parts)
    cut, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        cut.append(list(rows[start:end]))
        start = end
    return [run for run in cut if run]


#: a traced result as a worker sends it: its finding's fields (``packed``), and whether the
#: result has no value (``validation.trace.Traced``)
Packed = tuple[tuple[Any, ...], bool]


def merged_groups(parts: list[list[list[Packed]]]) -> list[Packed]:
    """The traced results of each bulk check over the parts, in the order of one graph: by
    focus node; a node in several parts (a network, the dataset) has the same results in each
    and is taken once, from the first."""
    merged: list[Packed] = []
    for groups in zip(*parts, strict=True):
        by_focus: dict[str, list[Packed]] = {}
        for group in groups:
            mine: dict[str, list[Packed]] = defaultdict(list)
            for result in group:
                mine[result[0][FOCUS]].append(result)
            for focus, results in mine.items():
                by_focus.setdefault(focus, results)
        merged += [result for focus in sorted(by_focus) for result in by_focus[focus]]
    return merged


@dataclass
class Whole:
    """The parts put back together: the records' N-Triples, their number of triples and
    records, the problems of the cells, and what the checks found."""

    ntriples: bytes
    lines: int
    records: int
    problems: list[Problem]
    checked: Checked


def _seen_before(
    part: PartChecked, keys: dict[str, int], named: dict[tuple[str, str], int]
) -> bool:
    """Whether a part transformed as if it came first has a key, or a name and town, that an
    earlier part has (then it is not what one process would have made of it)."""
    return not (part.keys.keys().isdisjoint(keys) and part.named.keys().isdisjoint(named))


def check_in_parts(
    mapping: Mapping,
    base: str,
    rows: Sequence[Row],
    shared: bytes,
    workers: int,
    headers: list[str] | None = None,
    lang: str = "en",
) -> Whole:
    """Transform and check ``rows`` in ``workers`` worker processes, one run of rows each;
    ``shared``: the N-Triples every part is checked with (the load's description); the
    results are traced to the file's ``headers`` (default: the rows') in ``lang``."""
    executor = pool(workers)
    if headers is None:
        headers = list(dict.fromkeys(key for row in rows for key in row.values))
    parts = [Part(mapping, base, run, shared, headers, lang) for run in runs(rows, workers)]
    futures = [executor.submit(check_part, part) for part in parts]
    done: list[PartChecked] = []
    keys: dict[str, int] = {}
    named: dict[tuple[str, str], int] = {}
    for part, future in zip(parts, futures, strict=True):
        checked = future.result()
        if _seen_before(checked, keys, named):  # again, knowing the rows before
            again = dataclasses.replace(part, keys=keys, named=named)
            checked = executor.submit(check_part, again).result()
        keys, named = {**keys, **checked.keys}, {**named, **checked.named}
        done.append(checked)
    found: list[Traced] = [
        (unpacked(values), no_value)
        for values, no_value in merged_groups([part.groups for part in done])
    ]
    results = in_order(result for part in done for result in part.pyshacl)
    records = {key: row for part in done for key, row in part.record_rows.items()}
    places = [place for part in done for place in part.places]
    return Whole(
        b"".join(part.ntriples for part in done),
        sum(part.lines for part in done),
        sum(part.records for part in done),
        _once([problem for part in done for problem in part.problems]),
        Checked(records, results, places, found),
    )


def _once(problems: list[Problem]) -> list[Problem]:
    """The parts' problems, one of the whole file (no row: two headers of one column) said by
    every part kept once, where one process says it."""
    seen: set[Problem] = set()
    kept = []
    for problem in problems:
        if problem.row is None:
            if problem in seen:
                continue
            seen.add(problem)
        kept.append(problem)
    return kept
