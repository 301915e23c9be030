"""Writing SELECT results under the row cap (``endpoint.formats.write_solutions``), side by
side with pyoxigraph writing the whole result itself (the floor: no cap, no row count).

    nice .venv/bin/python bench/bench_results.py [ROWS ...]     (default: 1000 10000 100000)

For each size: an in-memory store of ROWS triples with a mix of IRIs, plain, language-tagged
and typed literals; ``SELECT ?s ?p ?o`` written as SPARQL JSON and TSV, the median of 5 runs
each, and the ratio capped / whole. The machine may be shared: compare the ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from endpoint.formats import write_solutions  # noqa: E402

EX = "http://example.org/"
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
FORMATS = (("json", ox.QueryResultsFormat.JSON), ("tsv", ox.QueryResultsFormat.TSV))


def store_of(rows: int) -> ox.Store:
    store = ox.Store()
    objects: list[ox.NamedNode | ox.Literal] = [
        ox.NamedNode(f"{EX}thing"),
        ox.Literal("a plain name"),
        ox.Literal("Καλημέρα", language="el"),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ]
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), objects[n % 4])
        for n in range(rows)
    )
    return store


def median(call: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(sizes: list[int]) -> None:
    print("rows    format  capped ms  whole ms  capped/whole")
    for rows in sizes:
        store = store_of(rows)
        for name, fmt in FORMATS:
            capped = median(lambda s=store, r=rows, f=fmt: write_solutions(s.query(QUERY), r, f))
            whole = median(lambda s=store, f=fmt: s.query(QUERY).serialize(format=f))
            ratio = capped / whole
            print(f"{rows:<7} {name:<7} {capped * 1000:9.1f} {whole * 1000:9.1f} {ratio:13.2f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 10000, 100000])
