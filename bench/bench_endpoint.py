"""Endpoint overhead and concurrency: the observatory workload in process and through HTTP.

    .venv/bin/python bench/bench_endpoint.py [SPACES]          (default: 100000)

Builds a store from the seeded inventory of bench_load.py (SPACES spaces), then, side by side in
one run: each query's median time over 5 runs in process (pyoxigraph on the same snapshot, the
results written as SPARQL JSON) and through `coworkmed serve` over HTTP on loopback, with their
ratio; then 8 concurrent clients sending a mixed workload (bounded: 160 requests), with
throughput, errors and latency percentiles. Target (issue #4): the endpoint adds at most 20 % to
the in-process time of heavy queries, and serves 8 clients at once without errors.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402
from bench_load import BASE, build_store  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402
from triplestore.versions import (  # noqa: E402
    default_dataset,
    open_snapshot,
    published_graphs,
)

PREFIXES = """PREFIX cwm: <https://w3id.org/coworkmed/def/>
PREFIX schema: <https://schema.org/>
PREFIX svc: <https://w3id.org/coworkmed/code/service/>
"""
WORKLOAD = {
    "aggregate by country and kind (heavy)": """SELECT ?country ?kind (COUNT(?s) AS ?spaces)
        WHERE { ?s a cwm:Space ; cwm:country ?country ; cwm:spaceKind ?kind }
        GROUP BY ?country ?kind ORDER BY ?country ?kind""",
    "bounding box + service (heavy)": """SELECT ?s ?name WHERE {
        ?s cwm:service svc:3d-printing ; schema:latitude ?lat ; schema:longitude ?lon ;
           schema:name ?name .
        FILTER (?lat > 45.0 && ?lat < 46.0 && ?lon > 4.5 && ?lon < 6.5) }""",
    "label search (heavy)": """SELECT ?s ?name WHERE { ?s a cwm:Space ; schema:name ?name .
        FILTER (CONTAINS(LCASE(?name), "espace 1234")) }""",
    "describe one space (light)": "DESCRIBE <https://w3id.org/coworkmed/id/space/bench/B-42>",
    "dashboard with optionals (light)": """SELECT ?s ?name ?workstations ?area ?status WHERE {
        ?s a cwm:Space ; schema:name ?name .
        OPTIONAL { ?s cwm:workstations ?workstations } OPTIONAL { ?s cwm:floorArea ?area }
        OPTIONAL { ?s cwm:activityStatus ?status } } LIMIT 500""",
}
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


def in_process(store: ox.Store, graphs: list[ox.NamedNode], query: str) -> float:
    start = time.perf_counter()
    results = store.query(
        PREFIXES + query, default_graph=default_dataset(graphs), named_graphs=graphs
    )
    if isinstance(results, ox.QuerySolutions):
        results.serialize(format=ox.QueryResultsFormat.JSON)
    else:
        ox.serialize(results, format=ox.RdfFormat.TURTLE)
    return time.perf_counter() - start


def over_http(url: str, query: str) -> float:
    request = urllib.request.Request(
        url + "?" + urllib.parse.urlencode({"query": PREFIXES + query}), headers={"Accept": ACCEPT}
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


def main(spaces: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store_path, triples, loaded = build_store(Path(tmp), spaces)
        print(f"{spaces} spaces, {triples} triples, loaded in {loaded:.1f} s")
        _generation, snapshot = open_snapshot(store_path)
        graphs = published_graphs(snapshot, BASE)
        env = {"COWORKMED_QUERY_WORKERS": "2", "COWORKMED_QUERY_TIMEOUT": "120"}
        with serve_process(store_path, env) as base:
            url = f"{base}/sparql"
            print(f"{'query':<36} {'in process':>11} {'HTTP':>9} {'ratio':>6}")
            for name, query in WORKLOAD.items():
                over_http(url, query)  # warm the workers
                local = statistics.median(in_process(snapshot, graphs, query) for _ in range(5))
                remote = statistics.median(over_http(url, query) for _ in range(5))
                ratio = remote / local
                print(f"{name:<36} {local * 1e3:>9.1f}ms {remote * 1e3:>7.1f}ms {ratio:>6.2f}")
            mixed = [q for q in WORKLOAD.values() for _ in range(4)] * 8
            latencies: list[float] = []
            errors = 0

            def client(query: str) -> None:
                nonlocal errors
                try:
                    latencies.append(over_http(url, query))
                except OSError:
                    errors += 1

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(client, mixed))
            elapsed = time.perf_counter() - start
            ordered = sorted(latencies)
            p50, p95 = ordered[len(ordered) // 2], ordered[int(0.95 * (len(ordered) - 1))]
            print(
                f"8 concurrent clients: {len(mixed)} requests in {elapsed:.1f} s, "
                f"{len(mixed) / elapsed:.1f} req/s, {errors} errors, p50 {p50 * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
