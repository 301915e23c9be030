"""SPARQL updates through the server that change nothing, against updates that change one
triple, measured side by side in the same run on the same server.

    .venv/bin/python bench/bench_noop_updates.py [COUNT]     (default: 10)

Builds the graph of data/ into a temporary store, starts ``coworkmed serve`` on it (loopback,
a free port, an update token), then sends COUNT rounds of two updates: an ``INSERT DATA`` of a
new triple (a change: a new store generation is published) and a ``DELETE DATA`` of a triple
that is not there (nothing changes: since stranger 101's report, no generation is published;
before, each was published as a change). Printed: each kind's median and longest time, the
generations they said, and the ratio of the medians; then what the check costs in process on
the same store (``triplestore.versions.footprint`` of the graphs a client may write, taken
before and after each update), and its share of a change's time through the server.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_build import build  # noqa: E402

from coworkmed.serving import start_serving, stop_serving  # noqa: E402
from triplestore.protected import protected_graph  # noqa: E402
from triplestore.versions import footprint, open_snapshot, published_graphs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench no-op updates token"
BASE = "https://w3id.org/coworkmed/id/"
GRAPH = "http://example.org/bench/noop"


def update(url: str, text: str) -> tuple[float, int]:
    """Seconds the update took and the generation it said."""
    request = urllib.request.Request(
        f"{url}/sparql",
        data=text.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as answer:
        assert answer.status == 204, answer.status
        generation = int(answer.headers["Store-Generation"])
    return time.perf_counter() - start, generation


def check_seconds(store_path: Path, rounds: int) -> float:
    """Median seconds of the check an update's worker makes (two footprints: before and after
    it), on the store's current snapshot."""
    _generation, snapshot = open_snapshot(store_path)
    published = [graph.value for graph in published_graphs(snapshot, BASE)]
    sized = [graph for graph in published if protected_graph(graph, BASE) is None]
    checks = []
    for _round in range(rounds):
        start = time.perf_counter()
        footprint(snapshot, sized, [GRAPH])
        footprint(snapshot, sized, [GRAPH])
        checks.append(time.perf_counter() - start)
    return statistics.median(checks)


def main(arguments: list[str]) -> None:
    rounds = int(arguments[0]) if arguments else 10
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as folder:
        store = Path(folder) / "store"
        seconds, _said = build(ROOT / "data", store)
        print(f"built data/ in {seconds:.1f} s")
        server, url = start_serving(store, {"COWORKMED_UPDATE_TOKEN": TOKEN})
        try:
            changes, noops, said = [], [], []
            for number in range(rounds):
                change = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:s{number}> <urn:p> 1 }} }}"
                took, generation = update(url, change)
                changes.append(took)
                took, kept = update(url, "DELETE DATA { <urn:absent> <urn:p> 1 }")
                noops.append(took)
                said.append((generation, kept))
        finally:
            stop_serving(server)
        check = check_seconds(store, rounds)
    for name, times in (("a change (INSERT DATA)", changes), ("nothing (DELETE DATA)", noops)):
        print(f"{name:<24} median {statistics.median(times):.3f} s, longest {max(times):.3f} s")
    kept = sum(generation == after for generation, after in said)
    print(f"generations kept by the no-op updates: {kept} of {rounds} (each said the one before)")
    ratio = statistics.median(noops) / statistics.median(changes)
    print(f"ratio no-op / change: {ratio:.2f}")
    share = check / statistics.median(changes)
    print(f"the check, in process: {check * 1000:.1f} ms, {share:.3f} of a change's time")


if __name__ == "__main__":
    main(sys.argv[1:])
