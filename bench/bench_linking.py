"""Clustering speed and quality: the records of one real place across the real sources.

    nice .venv/bin/python bench/bench_linking.py [--peer-records N]

(default N: 0, every record) Loads every real file of ../shared/datasets by its mapping
(``tests/real.py``: the copies in data/ and the mappings under examples/shared-datasets/) into
a temporary store (not timed), reads the spaces as the build does
(``publishing.links.published_spaces``), then prints, side by side in one run:

- the blocked clustering (``linking.matching.candidates`` + ``clusters``) of every record
  (the issue's target: 3,000 records in under 10 s);
- the same clustering on N records taken evenly across the sources (0: all of them), and the
  naive peer on those same records:
  every pair of different sources compared (``naive_candidates``) then clustered alike; their
  time ratio, and whether blocking kept every sure pair the naive peer found;
- precision and recall of the clusters on the hand-labelled pairs
  (tests/linking/labelled-pairs.csv).

The machine may be shared: compare the ratios, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = "https://w3id.org/coworkmed/id/"


def _timed(work, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-records", type=int, default=0)
    options = parser.parse_args()

    from linking.matching import SAME, candidates, clusters, naive_candidates
    from publishing.build import load_source
    from publishing.links import published_spaces
    from tests.real import REAL_MAPPINGS
    from triplestore.versions import open_store, published_graphs

    mappings = [REAL_MAPPINGS[name] for name in sorted(REAL_MAPPINGS)]
    if not (ROOT.parent / "shared" / "datasets" / "real").is_dir():
        raise SystemExit("../shared/datasets/real is missing: nothing to cluster")
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "store")
        for mapping in mappings:
            load_source(mapping, store, BASE, Path(folder) / "store")
        found, reading = _timed(published_spaces, store, BASE, published_graphs(store, BASE))

    def blocked(records):  # type: ignore[no-untyped-def]
        return clusters(records, candidates(records, within_sources=True))

    def naive(records):  # type: ignore[no-untyped-def]
        return clusters(records, naive_candidates(records))

    groups, whole = _timed(blocked, found)
    sources = len({p.source for p in found})
    print(f"records: {len(found)} of {sources} sources (read from the store in {reading:.2f} s)")
    print(f"blocked clustering, all records: {whole:.2f} s -> {len(groups)} places")
    several = sum(len({p.source for p in g}) > 1 for g in groups)
    print(f"  clusters of two records or more: {sum(len(g) > 1 for g in groups)}; "
          f"spanning several sources: {several}")  # fmt: skip

    ordered = sorted(found, key=lambda p: p.iri)
    step = max(1, len(ordered) // options.peer_records) if options.peer_records else 1
    part = ordered[::step][: options.peer_records or None]  # evenly across the sources
    _quick, quick = _timed(blocked, part)
    _slow, slow = _timed(naive, part)
    print(f"{len(part)} records: blocked {quick:.2f} s, naive peer {slow:.2f} s, "
          f"ratio naive/blocked {slow / quick:.1f}x")  # fmt: skip
    sure_naive = {(m.a.iri, m.b.iri) for m in naive_candidates(part) if m.confidence >= SAME}
    sure_blocked = {(m.a.iri, m.b.iri) for m in candidates(part) if m.confidence >= SAME}
    print(f"  sure pairs: naive {len(sure_naive)}, blocked {len(sure_blocked)}, "
          f"missed by blocking {len(sure_naive - sure_blocked)}")  # fmt: skip

    place_of = {p.iri: i for i, g in enumerate(groups) for p in g}
    true = false = missed = 0
    with open(ROOT / "tests" / "linking" / "labelled-pairs.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            a = f"{BASE}space/{row['source_a']}/{row['id_a']}"
            b = f"{BASE}space/{row['source_b']}/{row['id_b']}"
            together, same = place_of[a] == place_of[b], row["same"] == "yes"
            true += together and same
            false += together and not same
            missed += same and not together
    print(f"labelled pairs: precision {true / (true + false):.3f}, "
          f"recall {true / (true + missed):.3f} ({true} of {true + missed} same-place pairs, "
          f"{false} wrongly joined)")  # fmt: skip


if __name__ == "__main__":
    main()
