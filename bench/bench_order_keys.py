"""What the ORDER BY key costs on the embedded store (``core.sparql_text.total_order``, stranger
48): the figure queries and the held-back researchers' queries, every one of which sorts, asked
in process of pyoxigraph over the seeded inventory twice in turn: as written (the peer) and as
``OxigraphStore.query`` sends them, with ``isNumeric(...)`` before each order condition that
may hold numbers beside other terms (every one but those of one kind by their form:
``core.sparql_text.total_order``).

    .venv/bin/python bench/bench_order_keys.py [SPACES]        (default: 10000)
    BENCH_REPS=7 ...                                            (repetitions; default 5)

Printed: the p50 of each query as written and keyed, their ratio for the queries the key
changes, and the sums. No HTTP, no server: the key's own cost, which /sparql adds to (b).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backends import held_back, load, p  # noqa: E402
from bench_load import BASE, generate  # noqa: E402

from core.sparql_text import total_order  # noqa: E402
from observatory.figures import figure_sparql, table, with_filters  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore  # noqa: E402
from triplestore.merge import reading_default  # noqa: E402
from triplestore.versions import open_snapshot, published_graphs  # noqa: E402

REPS = int(os.environ.get("BENCH_REPS", "5"))


def timed(snapshot: OxigraphStore, text: str) -> Callable[[], float]:
    """Seconds pyoxigraph takes to answer ``text`` whole over the published data."""
    published = published_graphs(snapshot, BASE)
    merged = reading_default(snapshot, BASE, published)

    def call() -> float:
        start = time.perf_counter()
        list(snapshot.raw.query(text, default_graph=merged, named_graphs=published))
        return time.perf_counter() - start

    return call


def run(spaces: int) -> None:
    queries = {name: with_filters(figure_sparql(name), {}) for name in table()["figures"]}
    queries.update(held_back())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        location = OxigraphLocation(folder / "oxigraph")
        seconds = load(location, generate(folder, spaces))
        _generation, snapshot = open_snapshot(location)
        assert isinstance(snapshot, OxigraphStore)
        print(f"## {spaces} spaces, loaded in {seconds:.1f} s; {REPS} repetitions, in turn")
        times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in queries}
        calls = {k: (timed(snapshot, q), timed(snapshot, total_order(q))) for k, q in queries.items()}  # fmt: skip  # noqa: E501
        for _ in range(REPS):
            for name, pair in calls.items():
                for kept, call in zip(times[name], pair, strict=True):
                    kept.append(call())
        changed = [k for k, q in queries.items() if total_order(q) != q]
        print(f"{len(changed)} of {len(queries)} queries get the key; p50 in ms:")
        for name in changed:
            one, other = (p(t, 0.5) * 1000 for t in times[name])
            print(f"  {name:<32} written {one:8.1f}  keyed {other:8.1f}  ratio {other / one:.2f}")
        one, other = (sum(p(times[k][i], 0.5) for k in queries) * 1000 for i in (0, 1))
        print(f"summed over all {len(queries)}: written {one:.0f} ms, keyed {other:.0f} ms, "
              f"ratio {other / one:.3f}")  # fmt: skip


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [10_000]:
        run(size)
