"""The rewrites a query's text gets in our process (``core.sparql_text``), on texts with many
places to rewrite, side by side with the least any rewrite could do (the peer: one
``str.replace`` making the same edits, knowing where they are without reading the text).

    nice .venv/bin/python bench/bench_rewrites.py [EDITS ...]     (default: 10000 50000 200000)

Each rewrite made its edits one by one, each a copy of the whole text: 50,000 relative IRIs in
a 195 KB query took 15.7 s to write absolute, in the server's own process on an external store,
before any time limit counted. For each size, a text with EDITS places for each rewrite:

- ``absolute_iris``: relative IRIs in VALUES (an external store: every query);
- ``without_dataset_clauses``: FROM clauses (an external store, a dataset given);
- ``graphs_outside_dataset``: GRAPH patterns of graphs outside the dataset (external store);
- ``total_order``: ORDER BY conditions (the embedded store: every query and update);
- ``explicit_separators``: GROUP_CONCAT calls (an external store);
- ``neutral_prefixes``: prefixed names of a declared prefix (an external store: every query).

Printed: the median of 3 runs of the rewrite and of the peer, in seconds, and their ratio. Both
grow with the text (linear): the ratio stays about the same from size to size (it grew with the
size before: each edit copied the whole text). The machine may be shared: compare the ratios.
(Texts beyond the limits of ``endpoint.sparql.check_text`` are refused before any rewrite; the
largest here are beyond them: the rewrites are timed on their own.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_results import median  # noqa: E402

from core.sparql_text import (  # noqa: E402
    absolute_iris,
    explicit_separators,
    graphs_outside_dataset,
    neutral_prefixes,
    total_order,
    without_dataset_clauses,
)

BASE = "https://example.org/sparql"
NOTHING = "urn:x-coworkmed:nothing"


def texts(edits: int) -> dict[str, tuple[str, Callable[[str], str], Callable[[str], str]]]:
    """Each rewrite's text with ``edits`` places to rewrite, the rewrite, and the peer."""
    return {
        "absolute_iris": (
            "SELECT * WHERE { VALUES ?x { " + "<s> " * edits + "} }",
            lambda text: absolute_iris(text, BASE),
            lambda text: text.replace("<s>", f"<{BASE}s>"),
        ),
        "without_dataset_clauses": (
            "SELECT * " + "FROM <urn:g> " * edits + "WHERE { }",
            without_dataset_clauses,
            lambda text: text.replace("FROM <urn:g>", " "),
        ),
        "graphs_outside_dataset": (
            "SELECT * WHERE { " + "GRAPH <urn:g> { } " * edits + "}",
            lambda text: graphs_outside_dataset(text, set(), NOTHING),
            lambda text: text.replace("<urn:g>", f"<{NOTHING}>"),
        ),
        "total_order": (
            "SELECT * WHERE { } ORDER BY " + " ".join(f"?v{n}" for n in range(edits)),
            total_order,
            lambda text: text.replace(" ?v", " ASC(isNumeric(?v)) ?v"),
        ),
        "explicit_separators": (
            "SELECT " + " ".join(f"(GROUP_CONCAT(?a) AS ?v{n})" for n in range(edits)) + " { }",
            explicit_separators,
            lambda text: text.replace("(?a)", '(?a; SEPARATOR=" ")'),
        ),
        "neutral_prefixes": (
            "PREFIX select: <urn:e/> SELECT * WHERE { VALUES ?x { " + "select:a " * edits + "} }",
            neutral_prefixes,
            lambda text: text.replace("select:", "ns1:"),
        ),
    }


def run(edits: int) -> None:
    print(f"\n## {edits} places to rewrite")
    print(f"{'rewrite':<26}{'KB':>8}{'ours s':>10}{'peer s':>10}{'ratio':>8}")
    for name, (text, rewrite, peer) in texts(edits).items():
        # texts this long are read each time (``core.sparql_text.REMEMBERED_CHARS``)
        ours = median(lambda: rewrite(text), 3)  # noqa: B023 (called at once)
        least = median(lambda: peer(text), 3)  # noqa: B023
        print(f"{name:<26}{len(text) / 1024:>8.0f}{ours:>10.3f}{least:>10.4f}{ours / least:>8.0f}")


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [10_000, 50_000, 200_000]:
        run(size)
