"""The dashboard's queries (the figures, the headline and the coverage notes) as this checkout
writes them, against the same queries as another checkout (the peer) writes them, on one store.

    nice .venv/bin/python bench/bench_figures.py PEER_CHECKOUT [N] [REPS]

(N default: 10000 spaces; REPS default: 5) Loads ``bench_load.py``'s seeded inventory of N
spaces with this checkout's loader into an Oxigraph store, then asks pyoxigraph, in this
process, over the data as /sparql reads it (the merge of the published graphs as default graph,
as ``bench_backends.py``'s stack (a)), each query of both checkouts REPS times, taking turns, for
three choices of filters: none, one (kind), two (kind and public). Each checkout's texts get their
filters from its own ``observatory/figures.py`` (``with_filters``). Printed per query and summed:
the median of each in milliseconds, and whether both gave the same solutions (in order); then the
ratio of the sums. A query whose solutions differ is printed as such and the run exits 1.

The machine may be shared: compare the ratio, measured side by side in one run.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench.bench_load import BASE, generate  # noqa: E402
from observatory.figures import coverage_branches, table, with_filters  # noqa: E402
from publishing.build import load_source, publish_vocabulary  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore  # noqa: E402
from triplestore.merge import reading_default  # noqa: E402
from triplestore.versions import open_snapshot, published_graphs  # noqa: E402

#: the filter choices each query is asked with
FILTERS: list[dict[str, str]] = [
    {},
    {"kind": "coworking"},
    {"kind": "fab-lab", "public": "young-people"},
]


def queries(checkout: Path) -> dict[str, str]:
    """The dashboard's queries as ``checkout`` writes them, by name (``#FIELDS`` of the coverage
    query filled in by this checkout, from the figures of its table)."""
    folder = checkout / "observatory"
    found = {
        f: (folder / "figures" / f"{f}.rq").read_text(encoding="utf-8") for f in table()["figures"]
    }
    found["headline"] = (folder / "headline.rq").read_text(encoding="utf-8")
    found["coverage"] = (
        (folder / "coverage.rq").read_text(encoding="utf-8").replace("#FIELDS", coverage_branches())
    )
    return found


def filtering(checkout: Path) -> Callable[[str, dict[str, str], str], str]:
    """``with_filters`` as ``checkout`` writes it (its ``observatory/figures.py``, loaded under
    a name of its own; the modules it imports are this checkout's)."""
    spec = importlib.util.spec_from_file_location(
        f"figures_of_{abs(hash(checkout))}", checkout / "observatory" / "figures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    found: Callable[[str, dict[str, str], str], str] = module.with_filters
    return found


def timed(
    store: ox.Store,
    default: Sequence[ox.NamedNode | ox.DefaultGraph],
    named: Sequence[ox.NamedNode],
    sparql: str,
) -> tuple[float, list[str]]:
    """Seconds ``sparql`` takes over the store, and its solutions as text."""
    began = time.perf_counter()
    solutions = store.query(sparql, default_graph=[*default], named_graphs=[*named])
    assert isinstance(solutions, ox.QuerySolutions)
    rows = [str(row) for row in solutions]
    return time.perf_counter() - began, rows


def main(peer: Path, spaces: int, reps: int) -> int:
    ours, theirs = queries(ROOT), queries(peer)
    filtered = (filtering(peer), with_filters)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mapping = generate(folder, spaces)
        location = OxigraphLocation(folder / "oxigraph")
        with location.writer() as store:
            publish_vocabulary(store)
            load_source(mapping, store, BASE, location)
        _generation, snapshot = open_snapshot(location)
        assert isinstance(snapshot, OxigraphStore)
        named = published_graphs(snapshot, BASE)
        default = reading_default(snapshot, BASE, named)
        differ = 0
        print(f"## {spaces} spaces: median of {reps} in ms, peer {peer} | this checkout")
        for filters in FILTERS:
            sums = [0.0, 0.0]
            print(f"\nfilters {filters or 'none'}")
            for name in ours:
                times: list[list[float]] = [[], []]
                answers: list[list[str]] = [[], []]
                for _ in range(reps):
                    for side, texts in enumerate((theirs, ours)):
                        sparql = filtered[side](texts[name], filters, BASE)
                        seconds, answers[side] = timed(snapshot.raw, default, named, sparql)
                        times[side].append(seconds)
                medians = [statistics.median(t) * 1000 for t in times]
                same = answers[0] == answers[1]
                differ += not same
                sums = [a + b for a, b in zip(sums, medians, strict=True)]
                print(
                    f"  {name:28} {medians[0]:8.1f} {medians[1]:8.1f}  {len(answers[1]):4} rows"
                    f"{'' if same else '  SOLUTIONS DIFFER'}"
                )
            print(
                f"  {'summed':28} {sums[0]:8.1f} {sums[1]:8.1f}  "
                f"ratio this/peer {sums[1] / sums[0]:.3f}"
            )
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    arguments = sys.argv[1:] + ["10000", "5"][len(sys.argv) - 2 :]
    sys.exit(main(Path(arguments[0]), int(arguments[1]), int(arguments[2])))
