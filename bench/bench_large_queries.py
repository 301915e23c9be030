"""Long query texts through our /sparql on the embedded store, side by side with pyoxigraph in
process over the same published data (the peer: the engine alone, no checks, no HTTP).

    nice .venv/bin/python bench/bench_large_queries.py [SPACES]     (default: 1000)

Researchers paste long lists into their queries (the identifiers of a study's places, a
region's postcodes). The server reads a query's text before any engine does
(``endpoint.sparql.check_text``: limits, SERVICE, LOAD, vendor functions; the worker's
rewrites), and each check read it again: a 350 KB query, ``ASK { FILTER(1 IN (0, …,
59999)) }``, took 3.7 s through /sparql against 0.2 s in pyoxigraph (stranger 86). Each text
below is within the service's limits (``max_body`` 1 MB, ``MOST_IN_A_LIST``...):

- ``in-numbers``: FILTER IN over 60,000 numbers (stranger 86's query);
- ``in-strings``: FILTER IN over 20,000 names, joined to the spaces' names;
- ``values-iris``: VALUES over 15,000 space IRIs, each joined to its kind;
- ``long-string``: one 600 KB string literal (one token);
- ``commented``: a short query under 20,000 comment lines;
- ``letter-run``, ``unclosed-order``: syntax errors whose reading was quadratic in the server
  (stranger 87: 108 s and 52 s); timed to their refusal, in process as through /sparql;
- ``dotted-iri``: a valid 1 MB relative IRI of "./" segments (13 s before).

Printed for each: its size, the p50 of REPS runs in process and through /sparql (every answer
made afresh: ``Cache-Control: no-cache``), and their ratio. The machine may be shared: compare
the ratios, not the times.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backends import AFRESH, JSON  # noqa: E402
from bench_load import BASE, build_store  # noqa: E402
from bench_results import median  # noqa: E402

from core.namespaces import CWM, SCHEMA  # noqa: E402
from coworkmed.serving import QUIET, serve_process  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore  # noqa: E402
from triplestore.merge import reading_default  # noqa: E402
from triplestore.versions import open_snapshot, published_graphs  # noqa: E402

REPS = int(os.environ.get("BENCH_REPS", "7"))
PREFIXES = f"PREFIX schema: <{SCHEMA}>\nPREFIX cwm: <{CWM}>\n"


def texts(names: list[tuple[str, str]]) -> dict[str, str]:
    """Each long query by name (``names``: the data's subjects and their names)."""
    many = [names[i % len(names)] for i in range(20_000)]
    return {
        "in-numbers": "ASK { FILTER(1 IN (" + ",".join(map(str, range(60_000))) + ")) }",
        "in-strings": PREFIXES
        + "SELECT ?s { ?s schema:name ?n FILTER(?n IN ("
        + ",".join(f'"{name}"' for _s, name in many)
        + ")) }",
        "values-iris": "SELECT ?s ?kind { VALUES ?s { "
        + " ".join(f"<{subject}>" for subject, _n in many[:15_000])
        + " } ?s a ?kind }",
        "long-string": 'SELECT (STRLEN("' + "x" * 600_000 + '") AS ?n) { }',
        "commented": "".join(f"# a note of line {i}\n" for i in range(20_000))
        + PREFIXES
        + "SELECT (COUNT(*) AS ?n) { ?s a cwm:Space }",
        # stranger 87's: texts whose reading was quadratic (the first two are syntax errors:
        # their time is the time to the refusal, in process as through /sparql)
        "letter-run": "SELECT * WHERE { } " + "é" * 128_000,
        "unclosed-order": "SELECT * WHERE { } " + "ORDER BY(]" * 25_000,
        "dotted-iri": "SELECT * WHERE { ?s ?p <" + "./" * 499_000 + "a> } LIMIT 1",
    }


def posted(endpoint: str, query: str) -> Callable[[], float]:
    """One POST of ``query`` as the body (``application/sparql-query``), answered afresh."""
    return lambda: fetch_query(endpoint, query.encode("utf-8"))


def fetch_query(endpoint: str, body: bytes) -> float:
    request = urllib.request.Request(
        endpoint,
        data=body,
        headers={"Content-Type": "application/sparql-query", "Accept": JSON, **AFRESH},
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as refused:  # a syntax error: refused, as in process
        with refused:
            if refused.code != 400:
                raise
            refused.read()
    return time.perf_counter() - start


def main() -> None:
    spaces = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        path, triples, _seconds = build_store(Path(tmp), spaces, vocabulary=True)
        print(f"{spaces} spaces, {triples} data triples; {REPS} runs each, p50 in ms")
        # the snapshot opened before the server starts (the server's recovery looks at it)
        _generation, snapshot = open_snapshot(OxigraphLocation(path))
        assert isinstance(snapshot, OxigraphStore)
        published = published_graphs(snapshot, BASE)
        merged = reading_default(snapshot, BASE, published)

        def direct(query: str) -> Callable[[], object]:
            def call() -> object:
                try:
                    answer = snapshot.raw.query(query, default_graph=merged, named_graphs=published)
                except SyntaxError as refused:  # refused, as /sparql refuses it
                    return refused
                return [answer] if query.startswith("ASK") else list(answer)

            return call

        names = [
            (str(row[0].value), str(row[1].value))
            for row in snapshot.raw.query(
                PREFIXES
                + "SELECT ?s ?n { ?s schema:name ?n FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 2000",
                default_graph=merged,
                named_graphs=published,
            )
        ]
        with serve_process(path, {**QUIET, "COWORKMED_QUERY_TIMEOUT": "300"}) as base:
            print(f"{'query':<12} {'KB':>6} {'in process':>11} {'/sparql':>9} {'ratio':>6}")
            ratios = []
            for name, query in texts(names).items():
                ours = posted(f"{base}/sparql", query)
                ours()  # the workers have the snapshot open
                alone, through = median(direct(query), REPS), median(ours, REPS)
                ratios.append(through / alone)
                size = len(query.encode()) / 1000
                print(
                    f"{name:<12} {size:6.0f} {alone * 1000:11.1f} {through * 1000:9.1f} "
                    f"{through / alone:6.2f}"
                )
        print(f"geometric mean of the ratios: {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
