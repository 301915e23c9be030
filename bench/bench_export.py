"""The dumps' export (``endpoint.dumps.export``): its peak memory and time against two peers
measured side by side in the same run, each in a fresh process of its own:

- the floor: every triple the dumps hold read from the store once (the published graphs and
  their merge), nothing written: no export can hold less than the store opened and read;
- the whole way (the export before stop 46): every quad held as a Python list, both
  serializations and their gzip held whole in memory, and the Turtle's triples asked of the
  engine by a CONSTRUCT (which keeps every triple it gave, to give each once).

    .venv/bin/python bench/bench_export.py [SPACES] [--store PATH]     (default: 10000)

Builds a store of the seeded inventory of bench_load.py (SPACES spaces, with the vocabulary;
or reads the published store at PATH). Printed per way: the peak resident memory of its
process (``ru_maxrss`` of the child) and its seconds, and the ratios of the export to each
peer. The export's worker reached 1.4 GB at 20,000 spaces (stranger 60); the server waits
for it, but it counts in the server's family of processes.
"""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402
from bench_load import BASE, build_store  # noqa: E402

from core.rdf_bytes import to_bytes  # noqa: E402
from endpoint.dumps import PREFIXES, export  # noqa: E402
from triplestore.backends import locate  # noqa: E402
from triplestore.merge import reading_default  # noqa: E402
from triplestore.versions import open_snapshot, published_graphs  # noqa: E402


def floor(store: Path, _folder: Path) -> None:
    """Every triple the dumps hold, read once: the published graphs, then their merge."""
    _generation, snapshot = open_snapshot(locate(store))
    graphs = published_graphs(snapshot, BASE)
    default = reading_default(snapshot, BASE, graphs)
    for graph in [None, *graphs, *(g for g in default if isinstance(g, ox.NamedNode))]:
        for _triple in snapshot.triples(graph):
            pass


def whole(store: Path, folder: Path) -> None:
    """The export as it was: everything held whole in memory before it is written."""
    _generation, snapshot = open_snapshot(locate(store))
    graphs = published_graphs(snapshot, BASE)
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph or ox.DefaultGraph())
        for graph in [None, *graphs]
        for t in snapshot.triples(graph)
    ]
    nquads = to_bytes(quads, ox.RdfFormat.N_QUADS)
    union = snapshot.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        default_graph=reading_default(snapshot, BASE, graphs),
    )
    turtle = to_bytes(union, ox.RdfFormat.TURTLE, PREFIXES)
    for name, data in (("whole.nq.gz", nquads), ("whole.ttl.gz", turtle)):
        (folder / name).write_bytes(gzip.compress(data, mtime=0))


def exported(store: Path, folder: Path) -> None:
    """The export as the server's exporter runs it."""
    export(store, BASE, folder)


WAYS = {"export": exported, "floor": floor, "whole": whole}


def measured(way: str, store: Path) -> tuple[float, float]:
    """Peak resident MB and seconds of ``way`` in a fresh process."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        said = subprocess.run(
            [sys.executable, __file__, "--way", way, str(store), out],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seconds = time.perf_counter() - start
    return float(said.split()[-1]), seconds


def main(arguments: list[str]) -> None:
    if arguments[:1] == ["--way"]:  # one way, in this process
        WAYS[arguments[1]](Path(arguments[2]), Path(arguments[3]))
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # its peak, MB
        return
    spaces = int(arguments[0]) if arguments and arguments[0].isdigit() else 10_000
    given = arguments[arguments.index("--store") + 1] if "--store" in arguments else None
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(given) if given else build_store(Path(tmp), spaces, vocabulary=True)[0]
        print(f"## dumps of {'the store at ' + given if given else f'{spaces} spaces'}")
        results = {}
        for way in ("floor", "export", "whole"):
            results[way] = measured(way, store)
            peak, seconds = results[way]
            print(f"{way:<8} peak {peak:8.0f} MB  {seconds:7.1f} s")
        (peak, seconds) = results["export"]
        for peer in ("floor", "whole"):
            other_peak, other_seconds = results[peer]
            print(
                f"export / {peer}: memory {peak / other_peak:.2f}, "
                f"time {seconds / other_seconds:.2f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
