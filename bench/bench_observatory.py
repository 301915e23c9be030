"""The observatory on the benchmark graph: the dashboard cold (first request after a publish)
and warm (answers kept per store generation), and the cost of recomputing the indicators cube.

    .venv/bin/python bench/bench_observatory.py [SPACES]          (default: 100000)

Builds a store from the seeded inventory of bench_load.py (SPACES spaces), serves it with
`coworkmed serve` on loopback, and times over HTTP, side by side in one run: the dashboard page,
all its figures (/api/observatory/figures) and its map points (/api/observatory/points), first
cold then warm (median of 5), with and without a filter; and, as the peer, the same twelve
figure queries run directly in pyoxigraph on the same snapshot. Target (issue #7): the warm
dashboard page with all its figures in under 1 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import BASE, build_store  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402
from observatory.cube import refresh_cube  # noqa: E402
from observatory.figures import figure_sparql, table, with_filters  # noqa: E402
from triplestore.versions import open_snapshot, open_store, published_graphs, query  # noqa: E402


def fetch(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        size = len(response.read())
    return time.perf_counter() - start, size


def main(spaces: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store_path, triples, loaded = build_store(Path(tmp), spaces, vocabulary=True)
        store = open_store(store_path)
        start = time.perf_counter()
        refresh_cube(store, BASE, published_graphs(store, BASE))
        cube = time.perf_counter() - start
        del store
        print(f"{spaces} spaces, {triples} triples, loaded in {loaded:.1f} s")
        print(f"indicators cube recomputed in {cube:.2f} s (part of every publish)")

        _generation, snapshot = open_snapshot(store_path)
        direct = 0.0
        for figure_id in table()["figures"]:
            start = time.perf_counter()
            list(query(snapshot, BASE, with_filters(figure_sparql(figure_id), {})))
            direct += time.perf_counter() - start
        print(f"the 12 figure queries run directly in pyoxigraph: {direct:.2f} s")

        env = {"COWORKMED_QUERY_WORKERS": "2", "COWORKMED_QUERY_TIMEOUT": "300"}
        with serve_process(store_path, env) as base:
            print(f"{'request':<44} {'cold':>9} {'warm':>9} {'size':>10}")
            warm_page = 0.0
            for name, path in [
                ("dashboard page", "/observatory?lang=fr"),
                ("all figures", "/api/observatory/figures?lang=fr"),
                ("map points", "/api/observatory/points"),
                ("all figures, filtered (kind=fab-lab)", "/api/observatory/figures?kind=fab-lab"),
                ("map points, filtered (kind=fab-lab)", "/api/observatory/points?kind=fab-lab"),
            ]:
                cold, size = fetch(base + path)
                warm = statistics.median(fetch(base + path)[0] for _ in range(5))
                if name in ("dashboard page", "all figures"):
                    warm_page += warm
                print(f"{name:<44} {cold:>8.2f}s {warm * 1000:>7.1f}ms {size:>9}B")
            print(f"warm dashboard page with all its figures: {warm_page * 1000:.0f} ms")
            print(f"warm / direct queries ratio: {warm_page / direct:.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
