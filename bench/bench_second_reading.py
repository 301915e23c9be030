"""What the second reading of a client's text costs (``core.sparql_reading``, rdflib's parser),
beside the engine's own reading of the same text, side by side in one run: the query page's
example queries and the held-back researchers' queries, and updates of growing size (an
``INSERT DATA`` of short triples, and stranger 114's ``VALUES`` of many short strings).

    .venv/bin/python bench/bench_second_reading.py
    BENCH_REPS=7 ...                                    (repetitions; default 5)

The peer is pyoxigraph reading and running the text on an empty store (what
``endpoint.execution.parse_error`` does for an external store: parsing, planning, no data).
Printed: the p50 of each, their ratio, and the second reading's cost per KB. No server: the
reading's own cost, which a query that names SERVICE, or an update, adds to its answer.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backends import held_back, p  # noqa: E402

from core.sparql_reading import read_query, read_update  # noqa: E402

REPS = int(os.environ.get("BENCH_REPS", "5"))
EXAMPLES = Path(__file__).resolve().parents[1] / "endpoint" / "queries"


def seconds(call: Callable[[], object]) -> float:
    """The p50 of ``REPS`` runs of ``call``."""
    runs = []
    for _ in range(REPS):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return p(runs, 0.5)


def engine_query(text: str) -> Callable[[], object]:
    return lambda: list(ox.Store().query(text))


def engine_update(text: str) -> Callable[[], object]:
    return lambda: ox.Store().update(text)


def updates() -> dict[str, str]:
    """Updates of about 10, 100 and 400 KB, of each shape."""
    found = {}
    for triples in (100, 1_000, 4_000):
        body = " ".join(f'<urn:s{n}> <urn:p> "value {n}"@en .' for n in range(triples))
        found[f"insert-data-{triples}"] = f"INSERT DATA {{ GRAPH <urn:g> {{ {body} }} }}"
    for strings in (1_000, 10_000, 40_000):
        values = " ".join(f'"{n}"' for n in range(strings))
        found[f"values-{strings}"] = (
            f"INSERT {{ GRAPH <urn:g> {{ <urn:s> <urn:p> ?x }} }} "
            f"WHERE {{ VALUES ?x {{ {values} }} FILTER(false) }}"
        )
    return found


def row(name: str, size: int, engine: float, second: float) -> tuple[float, float]:
    print(
        f"{name:34} {size / 1024:8.1f} KB  engine {engine * 1000:9.1f} ms  "
        f"second {second * 1000:9.1f} ms  x{second / engine:7.1f}  "
        f"{second * 1e6 / max(size, 1):6.1f} us/byte"
    )
    return engine, second


def main() -> None:
    queries = {path.stem: path.read_text("utf-8") for path in sorted(EXAMPLES.glob("*.rq"))}
    queries.update(held_back())
    totals = [0.0, 0.0]
    print(f"queries (p50 of {REPS}):")
    for name, text in queries.items():
        engine, second = row(
            name,
            len(text.encode()),
            seconds(engine_query(text)),
            seconds(lambda text=text: read_query(text)),
        )
        totals[0] += engine
        totals[1] += second
    print(
        f"{'all queries summed':34} engine {totals[0] * 1000:.1f} ms, second "
        f"{totals[1] * 1000:.1f} ms, x{totals[1] / totals[0]:.1f}"
    )
    print(f"updates (p50 of {REPS}):")
    for name, text in updates().items():
        row(
            name,
            len(text.encode()),
            seconds(engine_update(text)),
            seconds(lambda text=text: read_update(text)),
        )


if __name__ == "__main__":
    main()
