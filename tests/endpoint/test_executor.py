"""The query pool against a real store built from the shipped samples, with real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from core.workers import Limits, NoWorkers
from endpoint.app import create_app
from endpoint.execution import QueryError, QueryRequest
from endpoint.pool import LOWEST, SET_ASIDE, STOPPING, QueryPool
from loaders.load import mapping_files
from publishing.build import load_source
from tests.engine_faults import MIXED_ZONES
from tests.listener import Listener, listening
from triplestore.versions import open_store

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


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT (<urn:f>(1) AS ?x) {}",
        "SELECT ?s WHERE { ?s ?p ?o FILTER(<https://example.org/fn#test>(?o)) } LIMIT 1",
        "PREFIX ex: <https://example.org/> SELECT (ex:nothing(1, 2) AS ?x) WHERE {}",
    ],
    ids=["urn", "in-a-filter", "prefixed"],
)
def test_an_unknown_function_is_a_400_and_the_worker_stays(pool: QueryPool, sparql: str) -> None:
    """A function Oxigraph does not know is the query's fault: a 400 saying so, and the
    worker that read it keeps serving (it was killed and replaced, answering "exhausted")."""
    before = {worker.process.pid for worker in pool._all}
    with pytest.raises(QueryError) as caught:
        _run(pool, sparql)
    assert caught.value.status == 400 and "cannot be evaluated" in caught.value.message
    assert "exhausted" not in caught.value.message
    assert {worker.process.pid for worker in pool._all} == before
    assert _run(pool, SPACES).rows == 33


def test_dataset_of_the_request_replaces_the_default(pool: QueryPool) -> None:
    result = _run(pool, SPACES, default_graphs=("https://example.org/no-such-graph",))
    assert result.rows == 0


def test_timeout_stops_the_query_and_the_pool_recovers(pool: QueryPool) -> None:
    start = time.perf_counter()
    with pytest.raises(QueryError) as caught:
        _run(pool, SLOW, timeout=1.0)
    assert caught.value.status == 504 and time.perf_counter() - start < 5
    assert _run(pool, SPACES).rows == 33


def test_a_worker_that_could_not_be_started_is_started_by_a_later_query(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of stop 46: a worker that could not be started in place of one stopped (no
    process to be had for a moment) left the pool a worker short for good; with none left,
    every query waited its time limit for a 503. And the query whose worker went got that
    failure rather than its own outcome (504)."""
    from core import workers as workers_module  # the pool starts its workers through it

    pool = QueryPool(store_path, BASE, workers=1)
    try:
        start = workers_module.start_worker
        failed: list[bool] = []

        def no_process_once(process: Any) -> None:
            if not failed:
                failed.append(True)
                raise NoWorkers("no process to be had (test)")
            start(process)

        monkeypatch.setattr(workers_module, "start_worker", no_process_once)
        with pytest.raises(QueryError) as caught:
            _run(pool, SLOW, timeout=1.0)
        assert caught.value.status == 504 and failed == [True]
        begun = time.perf_counter()
        assert _run(pool, SPACES, timeout=10).rows == 33  # not light: the lane's one worker
        assert time.perf_counter() - begun < 8
    finally:
        pool.close()


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


@pytest.mark.slow  # measured ~5 s
def _niceness(pool: QueryPool) -> list[int]:
    return sorted(os.getpriority(os.PRIO_PROCESS, w.process.pid) for w in pool._all)


def test_heavy_queries_are_set_aside_and_light_ones_keep_their_workers(store_path: Path) -> None:
    """Three heavy queries (each could run 60 s) on a pool of two: the first two are set aside
    at a lower priority after ``long_after`` seconds, with a fresh worker in their place; the
    third keeps its worker (the aside set is full) and none is stopped before its time limit
    (regression: the oldest was stopped with 504, 31 errors with 8 clients in issue #20); light
    queries are answered meanwhile."""
    pool = QueryPool(store_path, BASE, workers=2, long_after=0.5)
    statuses: list[tuple[int, str]] = []

    def heavy() -> None:
        try:
            _run(pool, SLOW, timeout=60)
        except QueryError as error:
            statuses.append((error.status, error.message))

    heavies = [threading.Thread(target=heavy) for _ in range(3)]
    try:
        for thread in heavies:
            thread.start()
            time.sleep(1.5)
        assert statuses == []
        own = os.getpriority(os.PRIO_PROCESS, 0)  # the test run may itself be under `nice`
        aside = min(LOWEST, own + SET_ASIDE)
        wanted = [own, own, own, aside, aside]  # two fresh workers, the light lane, two aside
        deadline = time.monotonic() + 30  # fresh workers start slowly on a loaded machine
        while _niceness(pool) != wanted and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _niceness(pool) == wanted
        start = time.perf_counter()
        for _ in range(5):
            assert _run(pool, SPACES, timeout=60).rows == 33
        assert time.perf_counter() - start < 30  # not the 60 s the heavy ones may run
    finally:
        pool.close()
        for thread in heavies:
            thread.join()


#: queries that look light (a small LIMIT, an ASK, a DESCRIBE) and are not: each makes a cross
#: product under a filter that no row passes (stranger 116: ten such held the light lane, and a
#: light ASK waited 24 to 29 s)
NOT_LIGHT = [
    'SELECT * { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) = CONCAT(STR(?f), "x")) } LIMIT 1',
    'ASK { ?a ?b ?c . ?d ?e ?f FILTER(STR(?f) = CONCAT(STR(?c), "y")) }',
    'DESCRIBE ?a WHERE { ?a ?b ?c . ?d ?e ?f FILTER(CONCAT(STR(?c), "z") = STR(?f)) }',
]


@pytest.mark.slow  # measured ~15 s
def test_a_query_that_was_not_light_leaves_the_light_lane(store_path: Path) -> None:
    """Each query of ``NOT_LIGHT`` uses the light lane for ``LIGHT_SECONDS`` of processor time
    at most, and is then asked again of the other worker, where it runs to its own time limit
    (504, as any long query; not an error of the lane's): light queries are answered
    meanwhile, not after the time limit of those that held the lane."""
    pool = QueryPool(store_path, BASE, workers=1, long_after=0.5)
    outcomes: list[int] = []

    def not_light(text: str) -> None:
        try:
            _run(pool, text, timeout=20)
            outcomes.append(200)
        except QueryError as error:
            outcomes.append(error.status)

    threads = [threading.Thread(target=not_light, args=(text,)) for text in NOT_LIGHT * 2]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        waited = []
        for n in range(6):
            begun = time.perf_counter()
            assert _run(pool, f"ASK {{ BIND({n} AS ?x) }}", timeout=30).kind == "boolean"
            waited.append(time.perf_counter() - begun)
            time.sleep(0.5)
        assert max(waited) < 10, waited  # not the 20 s those that looked light may run
    finally:
        for thread in threads:
            thread.join()
        pool.close()
    assert set(outcomes) <= {200, 503, 504}, outcomes
    # those the light lane had are remembered: asked again, they go to the other workers
    assert 1 <= len(pool._not_light) <= len(NOT_LIGHT)
    remembered = [t for t in NOT_LIGHT if not pool._light(QueryRequest(t, FORMATS))]
    assert len(remembered) == len(pool._not_light)


@pytest.mark.slow  # measured ~4 s
def test_a_query_is_set_aside_for_the_processor_time_it_used_not_the_time_it_waited(
    store_path: Path,
) -> None:
    """Regression (issue #20): a query was set aside after ``long_after`` seconds of waiting,
    so with more queries than processors every one was, and each started a fresh worker (8
    clients: about a third fewer answers a second). Here the worker of a heavy query is
    stopped (SIGSTOP): it waits, using no processor time, and is not set aside; let go, it is,
    once it has used ``long_after`` seconds of processor time."""
    pool = QueryPool(store_path, BASE, workers=1, long_after=0.5)

    def stopped_at_close() -> None:
        with contextlib.suppress(QueryError):  # its worker is killed when the pool closes
            _run(pool, SLOW, timeout=60)

    heavy = threading.Thread(target=stopped_at_close)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        heavy.start()
        deadline = time.monotonic() + 30
        while pool.idle("any") and time.monotonic() < deadline:  # the heavy query has it
            time.sleep(0.005)
        (worker,) = [w for w in pool._all if w.lane == "any"]
        os.kill(worker.process.pid, signal.SIGSTOP)
        time.sleep(2.0)  # four times long_after, waited
        assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == own
        assert pool.processes() == 2  # no fresh worker was started
        os.kill(worker.process.pid, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while not worker.set_aside and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.set_aside
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.process.pid, signal.SIGCONT)
        pool.close()
        heavy.join()


@pytest.mark.slow  # measured ~6 s
def test_a_query_that_waits_too_long_for_a_worker_gets_503_with_retry_after(
    store_path: Path,
) -> None:
    """One worker, never set aside, held by a slow query (given 10 s, so that its worker is not
    replaced while the other waits): a second (not light) query waits its 2 s for a worker and
    is answered 503 with Retry-After, not 504."""
    app = create_app({"store": str(store_path), "query_workers": 1, "query_long": 0,
                      "query_timeout": 2})  # fmt: skip
    lazy = app.extensions["coworkmed.pool"]
    pool = lazy.get()
    assert isinstance(pool, QueryPool)

    def hold() -> None:
        with contextlib.suppress(QueryError):  # stopped at its 10 s: the point is the wait
            _run(pool, SLOW, timeout=10)

    slow = threading.Thread(target=hold)
    try:
        slow.start()
        deadline = time.monotonic() + 60  # a loaded machine may take a while to hand it over
        while pool.idle("any") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.idle("any") == 0, "the slow query never took the worker"
        waited = app.test_client().get(
            "/sparql", query_string={"query": SPACES}, headers={"Origin": "https://page.test"}
        )
        assert waited.status_code == 503, waited.get_data()
        assert waited.headers["Retry-After"] == "5"
        # a page on another origin may read when to try again (stranger 110)
        assert waited.headers["Access-Control-Allow-Origin"] == "*"
        assert "Retry-After" in waited.headers["Access-Control-Expose-Headers"]
    finally:
        slow.join()
        lazy.close()


def test_workers_follow_a_new_publication(pool: QueryPool, store_path: Path) -> None:
    """A forced reload publishes a new generation (an unchanged one would publish nothing)."""
    before = _run(pool, SPACES).generation
    store = open_store(store_path)
    load_source(
        mapping_files(ROOT / "examples" / "partners")[0], store, BASE, store_path, force=True
    )
    del store
    assert _run(pool, SPACES).generation == before + 1
    assert _run(pool, SPACES).rows == 33


WORKER_ALONE = """
import sys
from multiprocessing import Pipe
from pathlib import Path
sys.path.insert(0, {root!r})
from endpoint.execution import NO_LIMITS, serve
from triplestore.backends.oxigraph import OxigraphLocation
server_end, worker_end = Pipe()
server_end.close()
serve(OxigraphLocation(Path({store!r})), {base!r}, NO_LIMITS, worker_end)
"""


def test_a_worker_whose_server_is_gone_ends_quietly(store_path: Path) -> None:
    """Regression: a worker printed an EOFError traceback when its server was stopped. Run in
    a process of its own: a worker confines itself (network, fork server pipe), and this test
    process must not be."""
    code = WORKER_ALONE.format(root=str(ROOT), store=str(store_path), base=BASE)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, b"")


# ------------------------------------------------------ confined workers (issue #16, items 3, 4, 7)

#: a string doubled 25 times: 10 * 2**25 characters, well past the workers' memory cap
DOUBLING = (
    'SELECT (STRLEN(?z) AS ?length) { BIND("aaaaaaaaaa" AS ?a) '
    + " ".join(
        f"BIND(CONCAT(?{c}, ?{d}) AS ?{d2})"
        for c, d, d2 in zip(
            "abcdefghijklmnopqrstuvwxy",
            "abcdefghijklmnopqrstuvwxy",
            "bcdefghijklmnopqrstuvwxyz",
            strict=True,
        )
    )
    + " }"
)
CAPPED = Limits(768 * 2**20)


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


@pytest.fixture(scope="module")
def capped(store_path: Path) -> Iterator[QueryPool]:
    pool = QueryPool(store_path, BASE, workers=1, limits=CAPPED)
    yield pool
    pool.close()


def test_a_capped_worker_still_reads_the_store(capped: QueryPool) -> None:
    assert _run(capped, SPACES).rows == 33


def test_a_string_doubling_query_meets_the_memory_cap(capped: QueryPool) -> None:
    with pytest.raises(QueryError) as stopped:
        _run(capped, DOUBLING, timeout=300)  # the memory cap stops it, even on a loaded machine
    assert stopped.value.status == 400
    assert stopped.value.message.startswith("the query exhausted the query worker: ")
    assert _run(capped, SPACES).rows == 33  # replaced


def test_an_engine_fault_is_said_as_one_not_as_memory(capped: QueryPool) -> None:
    """The worker aborted by the engine's own panic was reported as "most often an allocation
    past its memory cap ... Simplify the query" (stranger 50): the engine's words now, and
    whose fault it is; the pool goes on."""
    with pytest.raises(QueryError) as stopped:
        _run(capped, MIXED_ZONES)
    said = stopped.value.message
    assert stopped.value.status == 400
    assert "does not correctly implement a total order" in said
    assert "a fault of the engine, not of the query" in said
    assert "memory" not in said
    assert _run(capped, SPACES).rows == 33  # replaced


def test_a_query_running_when_the_pool_closes_is_told_the_server_stops(
    store_path: Path,
) -> None:
    """Regression: a server stopping (``stop_on_signals``) closes its pool while queries run;
    their threads got the worker's closed pipe (EOFError, or EBADF reading the error file the
    close had let go) instead of an answer. They are told the server stops, and so is a query
    that comes after."""
    pool = QueryPool(store_path, BASE, workers=1)
    said: list[tuple[int, str]] = []

    def heavy() -> None:
        try:
            _run(pool, SLOW, timeout=60)
        except QueryError as error:
            said.append((error.status, error.message))

    running = threading.Thread(target=heavy)
    running.start()
    time.sleep(1.5)
    pool.close()
    running.join(timeout=30)
    assert said == [(503, STOPPING)]
    with pytest.raises(QueryError) as after:
        _run(pool, SPACES)
    assert (after.value.status, after.value.message) == (503, STOPPING)


def test_a_workers_error_file_leaves_no_name_behind(store_path: Path) -> None:
    """Regression: each worker's error file stayed in the temporary folder when its server
    was killed (279 of them): the worker takes its name away once it has opened it, and the
    pool lets the file go when it stops the worker."""
    pool = QueryPool(store_path, BASE, workers=1)
    outputs = [worker.errors for worker in pool._all]
    assert outputs
    assert _run(pool, SPACES).rows == 33  # the worker is up: it has opened its file
    assert not any(Path(output.path).exists() for output in outputs)
    pool.close()
    assert all(output.tail() == "" for output in outputs)


@pytest.mark.slow  # measured ~4 s a case
@pytest.mark.parametrize(
    "bomb",
    [
        "SELECT * { " + " UNION ".join(["{?s ?p ?o}"] * 20_000) + " }",
        "SELECT * { ?s ?p ?o " + " ".join(["OPTIONAL {?s ?p ?o}"] * 20_000) + " }",
        "SELECT * { ?s ?p ?o " + " ".join(["MINUS {?s ?p ?o}"] * 20_000) + " }",
    ],
    ids=["union", "optional", "minus"],
)
def test_a_parser_bomb_is_a_400_and_the_pool_recovers(capped: QueryPool, bomb: str) -> None:
    with pytest.raises(QueryError) as stopped:
        _run(capped, bomb, timeout=300)
    assert stopped.value.status == 400
    assert "exhausted the query worker" in stopped.value.message
    assert _run(capped, SPACES).rows == 33


@pytest.mark.parametrize(
    "service",
    [
        "SELECT * {{ # x\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * {{ SeRvIcE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX : <{url}> SELECT * {{ SERVICE:p {{ ?s ?p ?o }} }}",
    ],
    ids=["comment-cr", "silent", "prefixed"],
)
def test_a_worker_without_network_reaches_no_service(
    store_path: Path, listener: Listener, service: str
) -> None:
    """The second wall: were the text checks fooled, the worker has no network to use."""
    pool = QueryPool(store_path, BASE, workers=1, limits=Limits(0, network=False))
    try:
        before = len(listener.heard)
        with contextlib.suppress(QueryError):
            _run(pool, service.format(url=f"{listener.url}/"))
        assert len(listener.heard) == before
    finally:
        pool.close()
    open_pool = QueryPool(store_path, BASE, workers=1, limits=Limits(0, network=True))
    try:  # the same query from a worker allowed the network does reach it: the test can fail
        _run(open_pool, service.format(url=f"{listener.url}/"))
        assert len(listener.heard) > before
    finally:
        open_pool.close()


@pytest.mark.slow  # measured ~5 s
def test_patient_queries_cannot_grow_the_pool(store_path: Path) -> None:
    """12 of the server's own slow queries at once: some are set aside, none is stopped early,
    and the pool never runs more than its fixed number of processes."""
    pool = QueryPool(store_path, BASE, workers=2, long_after=0.2)
    most, stop = 0, threading.Event()

    def count() -> None:
        nonlocal most
        while not stop.is_set():
            most = max(most, pool.processes())
            time.sleep(0.02)

    def patient() -> None:
        with contextlib.suppress(QueryError):
            pool.run(QueryRequest(SLOW, FORMATS), timeout=4, patient=True)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        queries = [threading.Thread(target=patient) for _ in range(12)]
        for query in queries:
            query.start()
        for query in queries:
            query.join()
    finally:
        stop.set()
        counter.join()
        pool.close()
    assert 3 <= most <= pool.most_processes == 5


def test_a_worker_killed_while_idle_is_replaced_and_reported(store_path: Path) -> None:
    pool = QueryPool(store_path, BASE, workers=1)
    try:
        for worker in list(pool._all):
            worker.process.kill()
            worker.process.join()
        assert pool.problem() == "no query worker is alive"
        assert _run(pool, SPACES).rows == 33  # not a 400 for a query that did nothing wrong
        assert pool.problem() is None
    finally:
        pool.close()


def test_health_reports_a_query_pool_that_cannot_serve(store_path: Path) -> None:
    from endpoint.app import create_app

    app = create_app({"store": str(store_path)})
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert client.get("/health").status_code == 200
    pool = app.extensions["coworkmed.pool"].get()
    try:
        for worker in list(pool._all):
            worker.process.kill()
            worker.process.join()
        answer = client.get("/health")
        assert answer.status_code == 503
        assert answer.get_json()["status"] == "query pool cannot serve"
    finally:
        app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    ("asked", "read"),
    [
        ([None], [4]),
        ([3], [3]),
        ([3, 4], [3, 4]),
        ([3, None, 3], [3, 4, 3]),
        ([3, 2, 3], [3, 2, 3]),
        ([1, 2], [4, 2]),
    ],
    ids=[
        "none-asked-the-current",
        "one-kept",
        "the-current-after-one-held",
        "none-asked-between",
        "two-held-in-turn",
        "one-pruned-the-current",
    ],
)
def test_a_query_reads_the_generation_it_asks_for_while_it_is_kept(
    tmp_path: Path, asked: list[int | None], read: list[int]
) -> None:
    """A warm-up run or a kept answer's maker reads one generation throughout
    (``QueryRequest.at``, ``endpoint.published.reading_one``): a worker reads the snapshot
    asked for while it is kept, else the current one, and its answer says which it read (its
    first version read the one asked last for the current one too)."""
    from triplestore.versions import publish_version, take_snapshot

    dataset = BASE + "dataset/s"
    store = open_store(tmp_path)
    for n in range(1, 5):  # generations 2 to 4 kept (KEEP_SNAPSHOTS), 1 pruned
        lines = [f"<urn:a> <urn:b> <urn:v{n}> .\n".encode()]
        publish_version(store, BASE, dataset, f"{dataset}/v{n}", lines)
        take_snapshot(store, tmp_path, None)
    pool = QueryPool(tmp_path, BASE, workers=1)
    try:
        for at, number in zip(asked, read, strict=True):
            result = _run(pool, "SELECT ?o WHERE { <urn:a> <urn:b> ?o }", at=at)
            assert result.generation == number and f"urn:v{number}".encode() in result.body
    finally:
        pool.close()


@pytest.mark.parametrize(
    ("after", "given_back"), [(0.0, 1), (1e9, 0)], ids=["a-heavy-query", "a-light-query"]
)
def test_a_worker_gives_back_the_memory_of_a_heavy_query(
    store_path: Path, monkeypatch: pytest.MonkeyPatch, after: float, given_back: int
) -> None:
    """bench_backends at 100,000 spaces: each query worker kept the peak of its largest query
    (320 MB, idle), the endpoint 548 MB where the target is 500. After a query of more than
    ``GIVE_BACK_AFTER`` processor seconds, its answer sent, the worker hands what it freed back
    to the system; not after a light one (the worker's loop, run here over a pipe)."""
    from multiprocessing import Pipe

    from core.workers import give_back_memory
    from endpoint import execution
    from triplestore.backends.oxigraph import OxigraphLocation

    assert give_back_memory()  # glibc: the call is there
    calls: list[bool] = []
    monkeypatch.setattr(execution, "GIVE_BACK_AFTER", after)
    monkeypatch.setattr(execution, "give_back_memory", lambda: calls.append(True) or True)
    ours, worker = Pipe()
    loop = threading.Thread(
        target=execution._answer_queries, args=(OxigraphLocation(store_path), BASE, worker)
    )
    loop.start()
    ours.send(QueryRequest(SPACES, FORMATS))
    status, answer = ours.recv()
    assert status == "ok" and answer.rows == 33
    ours.close()  # the worker's end reads EOF: its loop ends
    loop.join(timeout=30)
    assert not loop.is_alive() and len(calls) == given_back
