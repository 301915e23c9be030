"""The memory a query worker keeps once the dashboard's figures are answered, and the time they
take, with this checkout's query pool against another checkout's (the peer), on one store.

    nice .venv/bin/python bench/bench_worker_memory.py PEER_CHECKOUT [N] [STORE]

(N default: 10000 spaces.) Loads ``bench_load.py``'s seeded inventory of N spaces with this
checkout's loader into an Oxigraph store (or uses the Oxigraph store STORE, loaded before:
loading 100,000 spaces takes about 8 minutes), then, for each checkout in turn, twice: starts
that checkout's query pool (2 workers, in a process of its own run from the checkout), asks it
the 24 figures twice, and prints the seconds taken and each worker's anonymous resident memory
(``RssAnon``) once they are answered and idle. Then the ratios this/peer of the summed memory
and of the time. The machine may be shared: compare the ratios, measured side by side in one
run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import BASE, generate  # noqa: E402
from publishing.build import load_source, publish_vocabulary  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation  # noqa: E402

#: what each checkout's own process runs: its pool, the figures twice, its workers' memory
PROBE = """
import json, sys, time
from pathlib import Path
from endpoint.execution import QueryRequest
from endpoint.pool import make_pool
from observatory.figures import figure_sparql, table, with_filters
from triplestore.backends.oxigraph import OxigraphLocation

def anonymous_kb(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssAnon"))

def main():
    pool = make_pool(OxigraphLocation(Path(sys.argv[1])), sys.argv[2], 2, 0)
    wanted = {"solutions": "json", "boolean": "json", "graph": "ntriples"}
    texts = [with_filters(figure_sparql(f), {}) for f in table()["figures"]]
    start = time.perf_counter()
    for _ in range(2):
        for text in texts:
            pool.run(QueryRequest(text, wanted), 900)
    seconds = time.perf_counter() - start
    time.sleep(1)
    workers = [w.process.pid for lane in pool._idle.values() for w in list(lane.queue)]
    print(json.dumps({"seconds": seconds, "kb": [anonymous_kb(pid) for pid in workers]}))
    pool.close()

if __name__ == "__main__":
    main()
"""


def probe(checkout: Path, store: Path) -> dict[str, float | list[int]]:
    """The figures' seconds and the idle workers' memory with ``checkout``'s pool."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "probe_pool.py"  # a name of its own: the fork server imports it
        script.write_text(PROBE, encoding="utf-8")
        environment = {**os.environ, "PYTHONPATH": str(checkout)}
        run = subprocess.run(
            [sys.executable, str(script), str(store), BASE],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp,
        )
    said: dict[str, float | list[int]] = json.loads(run.stdout.strip().splitlines()[-1])
    return said


def main(peer: Path, spaces: int, given: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = given
        if store is None:
            mapping = generate(Path(tmp), spaces)
            location = OxigraphLocation(Path(tmp) / "oxigraph")
            with location.writer() as writer:
                publish_vocabulary(writer)
                load_source(mapping, writer, BASE, location)
            store = location.path
        totals = {"this": [0.0, 0.0], "peer": [0.0, 0.0]}
        for turn in range(2):
            for name, checkout in (("this", ROOT), ("peer", peer)):
                found = probe(checkout, store)
                kb = found["kb"]
                assert isinstance(kb, list)
                seconds = float(str(found["seconds"]))
                totals[name][0] += sum(kb)
                totals[name][1] += seconds
                print(
                    f"turn {turn + 1} {name:4s}: figures x2 {seconds:6.1f} s, idle workers' "
                    f"anonymous memory {', '.join(f'{k / 1024:.0f}' for k in kb)} MB"
                )
        memory = totals["this"][0] / totals["peer"][0]
        time_ratio = totals["this"][1] / totals["peer"][1]
        print(f"ratio this/peer: idle workers' memory {memory:.2f}, time {time_ratio:.2f}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        int(sys.argv[2]) if len(sys.argv) > 2 else 10_000,
        Path(sys.argv[3]) if len(sys.argv) > 3 else None,
    )
