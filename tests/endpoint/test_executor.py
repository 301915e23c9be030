"""The query pool against a real store built from the shipped samples, with real processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from endpoint.executor import QueryError, QueryPool, QueryRequest
from loaders.load import load_source, mapping_files
from loaders.store import open_store

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
FORMATS = {"solutions": "json", "boolean": "json", "graph": "turtle"}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SPACES = "PREFIX cwm: <https://w3id.org/coworkmed/def/> SELECT ?s WHERE { ?s a cwm:Space }"


@pytest.fixture(scope="module")
def pool(store_path: Path) -> Iterator[QueryPool]:
    pool = QueryPool(store_path, BASE, workers=2)
    yield pool
    pool.close()


def _run(pool: QueryPool, sparql: str, timeout: float = 30, **options: object) -> object:
    return pool.run(QueryRequest(sparql, FORMATS, **options), timeout=timeout)


def test_select_counts_every_space(pool: QueryPool) -> None:
    result = _run(pool, SPACES)
    assert result.kind == "solutions" and result.rows == 33 and not result.truncated
    assert result.media_type == "application/sparql-results+json"
    assert result.body.count(b"/space/") == 33


@pytest.mark.parametrize(
    ("fmt", "media_type", "marker"),
    [
        ("xml", "application/sparql-results+xml", b"<sparql"),
        ("csv", "text/csv", b"s\r\n"),
        ("tsv", "text/tab-separated-values", b"?s\n"),
    ],
)
def test_select_in_each_format(pool: QueryPool, fmt: str, media_type: str, marker: bytes) -> None:
    result = pool.run(QueryRequest(SPACES, {**FORMATS, "solutions": fmt}), timeout=30)
    assert result.media_type == media_type and marker in result.body


def test_ask_and_construct(pool: QueryPool) -> None:
    assert _run(pool, "ASK { ?s ?p ?o }").body == b'{"head":{},"boolean":true}'
    construct = (
        "PREFIX schema: <https://schema.org/> "
        "CONSTRUCT { ?s schema:name ?n } WHERE { ?s schema:name ?n }"
    )
    result = _run(pool, construct)
    assert (
        result.kind == "graph"
        and len(Graph().parse(data=result.body, format="turtle")) == result.rows
    )


def test_row_cap_truncates_and_says_so(pool: QueryPool) -> None:
    result = _run(pool, SPACES, max_rows=5)
    assert result.rows == 5 and result.truncated and result.body.count(b"/space/") == 5


def test_syntax_error_is_a_400_with_the_parser_message(pool: QueryPool) -> None:
    with pytest.raises(QueryError) as caught:
        _run(pool, "SELECT ?s WHERE { ?s ?p }")
    assert caught.value.status == 400 and "syntax" in caught.value.message


def test_dataset_of_the_request_replaces_the_default(pool: QueryPool) -> None:
    result = _run(pool, SPACES, default_graphs=("https://example.org/no-such-graph",))
    assert result.rows == 0


def test_timeout_stops_the_query_and_the_pool_recovers(pool: QueryPool) -> None:
    start = time.perf_counter()
    with pytest.raises(QueryError) as caught:
        _run(pool, SLOW, timeout=1.0)
    assert caught.value.status == 504 and time.perf_counter() - start < 5
    assert _run(pool, SPACES).rows == 33


def test_a_slow_query_does_not_block_a_fast_one(pool: QueryPool) -> None:
    statuses: list[int] = []

    def slow_query() -> None:
        try:
            _run(pool, SLOW, timeout=3.0)
        except QueryError as error:
            statuses.append(error.status)

    slow = threading.Thread(target=slow_query)
    slow.start()
    time.sleep(0.3)
    start = time.perf_counter()
    assert _run(pool, SPACES).rows == 33
    assert time.perf_counter() - start < 2.5
    slow.join()
    assert statuses == [504]


def test_heavy_queries_on_every_worker_give_way_to_a_waiting_one(store_path: Path) -> None:
    """Two heavy queries hold both workers (each could run 60 s); a light query that waits
    ``yield_after`` seconds makes the longest-running one stop with 504, and gets its worker."""
    pool = QueryPool(store_path, BASE, workers=2, yield_after=0.5)
    statuses: list[tuple[int, str]] = []

    def heavy() -> None:
        try:
            _run(pool, SLOW, timeout=60)
        except QueryError as error:
            statuses.append((error.status, error.message))

    try:
        heavies = [threading.Thread(target=heavy) for _ in range(2)]
        for thread in heavies:
            thread.start()
            time.sleep(0.2)
        time.sleep(0.6)
        start = time.perf_counter()
        assert _run(pool, SPACES, timeout=60).rows == 33
        waited = time.perf_counter() - start
        assert statuses and statuses[0][0] == 504 and "let waiting queries run" in statuses[0][1]
        assert waited < 20, waited  # not the 60 s the heavy queries could have run
    finally:
        pool.close()
        for thread in heavies:
            thread.join()


def test_workers_follow_a_new_publication(pool: QueryPool, store_path: Path) -> None:
    before = _run(pool, SPACES).generation
    store = open_store(store_path)
    load_source(mapping_files(ROOT / "data")[0], store, BASE, store_path)
    del store
    assert _run(pool, SPACES).generation == before + 1
    assert _run(pool, SPACES).rows == 33


def test_a_worker_whose_server_is_gone_ends_quietly(store_path: Path) -> None:
    """Regression: a worker printed an EOFError traceback when its server was stopped."""
    from multiprocessing import Pipe

    from endpoint.executor import _serve
    from loaders.backends.oxigraph import OxigraphLocation

    server_end, worker_end = Pipe()
    server_end.close()
    assert _serve(OxigraphLocation(store_path), BASE, worker_end) is None
