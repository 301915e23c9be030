"""The search page's own work over a large index: each search by set intersections over the
index's postings (``endpoint.search.searched``) against its peer, the same search read record
by record (``Filters.keeps`` and a facet count per record, as /search did before stop 45), side
by side in one run; and the memory the index and its postings hold.

    .venv/bin/python bench/bench_search.py [SPACES] [--store PATH]     (default: 100000)

Builds a store of the seeded inventory of bench_load.py (SPACES spaces; or reads the published
store at PATH), reads the search index from it through the application (as /search does), then
times each search of ``SEARCHES`` (median of 5, in process: no HTTP) both ways and checks that
both give the same records and counts. Target: a search within 100 ms at 100,000 spaces (every
search holds the server's interpreter while it runs).
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import build_store  # noqa: E402

from endpoint import search  # noqa: E402
from endpoint.app import create_app  # noqa: E402

#: the searches timed: what a reader types and chooses
SEARCHES: dict[str, dict[str, str]] = {
    "everything": {},
    "a word most names have": {"q": "espace"},
    "a word and a number": {"q": "espace 12"},
    "a word no name has": {"q": "zzqx"},
    "a town": {"town": "lyon"},
    "a kind": {"kind": "coworking"},
    "a kind and a country": {"kind": "fab-lab", "country": "FRA"},
    "a word, a kind and a region": {"q": "espace 1", "kind": "coworking", "region": "FRK26"},
}
REPS = 5


def record_by_record(
    entries: list[search.Entry], filters: search.Filters
) -> tuple[list[search.Entry], dict[str, Counter[str]]]:
    """The peer: every record read in Python, for the list and for each facet's count."""
    found = [entry for entry in entries if filters.keeps(entry)]
    places: dict[str, dict[str, set[str]]] = {name: {} for name in search.FACETS}
    for entry in entries:
        if not filters.matches_text(entry):
            continue
        missed = filters.misses(entry)
        for name, values in search.FACETS.items():
            if not missed - {name}:
                for value in values(entry):
                    places[name].setdefault(value, set()).add(entry.place_key)
    counts = {n: Counter({v: len(k) for v, k in f.items()}) for n, f in places.items()}
    return found, counts


def median_ms(call: Callable[[], Any]) -> float:
    times = []
    for _ in range(REPS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def traced_mb(make: Callable[[], Any]) -> tuple[Any, float]:
    """What ``make`` returns and the memory it holds once made (MB)."""
    gc.collect()
    tracemalloc.start()
    value = make()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return value, held / 2**20


def run(store: Path) -> None:
    app = create_app({"store": str(store), "query_workers": 1, "query_timeout": 900})
    try:
        with app.app_context():
            start = time.perf_counter()
            entries, index_mb = traced_mb(search.index)
            read = time.perf_counter() - start
            book, book_mb = traced_mb(lambda: search.postings(entries))
        print(f"index: {len(entries)} records, read in {read:.1f} s (traced), {index_mb:.0f} MB")
        print(f"postings: {book_mb:.0f} MB more")
        print(f"\n{'search':32} {'postings ms':>12} {'by record ms':>13} {'ratio':>6}")
        for name, given in SEARCHES.items():
            filters = search.Filters(**given)
            ours = search.searched(entries, book, filters)
            peer = record_by_record(entries, filters)
            assert ours[0] == peer[0] and ours[1] == peer[1], name
            fast = median_ms(lambda f=filters: search.searched(entries, book, f))
            slow = median_ms(lambda f=filters: record_by_record(entries, f))
            found = len(ours[0])
            print(f"{name:32} {fast:12.2f} {slow:13.1f} {slow / fast:6.1f}x  ({found} found)")
    finally:
        app.extensions["coworkmed.pool"].close()


def main(argv: list[str]) -> None:
    if "--store" in argv:
        run(Path(argv[argv.index("--store") + 1]))
        return
    spaces = int(argv[0]) if argv else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        store_path, _triples, _loaded = build_store(Path(tmp), spaces, vocabulary=True)
        run(store_path)


if __name__ == "__main__":
    main(sys.argv[1:])
