"""A burst of queries that each need the engine holds at most half the server's threads: the
rest are refused at once (503, ``Retry-After``), and a health check, a kept answer or a file
is answered meanwhile (strangers 59 and 60: 60 requests for different cold answers each held
a thread while they waited for a query worker, and ``/health`` queued behind them for 13 to
26 s). ``endpoint.rooms``."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from coworkmed.serving import serve_process
from endpoint.execution import QueryError, QueryRequest
from endpoint.pool import QueryPool, RemotePool
from endpoint.rooms import Room, query_room
from tests.backends import BASE
from triplestore.backends.sparql import SparqlLocation

#: a cross product of the store with itself, three times: it runs to the time limit
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} # {number}"
#: the server under test: 8 threads (a query room of 4), one query worker, a long time limit
THREADS, TIME_LIMIT, BURST = 8, 120, 14
#: seconds within which what is refused, and what does not need the engine, is answered
AT_ONCE = 10


def _send(base: str, number: int, how: str) -> socket.socket:
    """A connection that asked for heavy query ``number`` afresh (each a different answer)."""
    parts = urlsplit(base)
    host = parts.netloc
    query = HEAVY.format(number=number)
    client = socket.create_connection((parts.hostname, parts.port), timeout=AT_ONCE)
    afresh = "Cache-Control: no-cache\r\n"
    if how == "post":
        body = urlencode({"query": query}).encode()
        head = (
            f"POST /sparql HTTP/1.1\r\nHost: {host}\r\n{afresh}Content-Length: {len(body)}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        client.sendall(head.encode() + body)
    else:
        target = f"/sparql?{urlencode({'query': query})}"
        client.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{afresh}\r\n".encode())
    return client


def _head(client: socket.socket) -> str:
    """The status line and headers the server sent on ``client``; "" when none came in time."""
    client.settimeout(AT_ONCE)
    said = b""
    try:
        while b"\r\n\r\n" not in said:
            part = client.recv(65536)
            if not part:
                break
            said += part
    except TimeoutError:
        return ""
    return said.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def _timed(url: str) -> tuple[int, float]:
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=TIME_LIMIT) as answer:
        answer.read()
        return answer.status, time.monotonic() - start


@pytest.mark.slow  # a server process, and heavy queries that fill its query room
@pytest.mark.parametrize("how", ["get", "post"])
def test_a_burst_of_queries_leaves_threads_for_the_rest(store_path: Path, how: str) -> None:
    env = {
        "COWORKMED_SERVER_THREADS": str(THREADS),
        "COWORKMED_QUERY_WORKERS": "1",
        "COWORKMED_QUERY_TIMEOUT": str(TIME_LIMIT),
    }
    places = query_room(THREADS).places
    kept = f"/sparql?{urlencode({'query': 'ASK { ?s ?p ?o }'})}"
    with serve_process(store_path, env) as base:
        assert _timed(base + kept)[0] == 200  # kept from now on, for this generation
        clients = []
        try:
            for number in range(BURST):
                clients.append(_send(base, number, how))
                time.sleep(0.05)  # in order: the first ones take the room's places
            time.sleep(1)
            # what needs no query worker is answered at once (it queued behind the burst)
            for path in ("/health", kept, "/static/site.css"):
                status, seconds = _timed(base + path)
                assert status == 200 and seconds < AT_ONCE, (path, status, seconds)
            heads = [_head(client) for client in clients[places:]]
        finally:
            for client in clients:  # gone: their queries are stopped (endpoint.pool)
                client.close()
    # every query past the room's places was refused at once, told when to come back
    for head in heads:
        assert head.startswith("HTTP/1.1 503"), head
        assert "\r\nRetry-After: " in head, head


@pytest.mark.parametrize(("threads", "places"), [(1, 1), (2, 1), (8, 4), (32, 16), (33, 16)])
def test_the_query_room_is_half_the_threads(threads: int, places: int) -> None:
    assert query_room(threads).places == places


def test_a_full_room_refuses_at_once_and_frees_its_places() -> None:
    room = Room(2, "full")
    with room.entered(), room.entered():
        with pytest.raises(Exception, match="full") as refused:
            with room.entered():
                pass
        assert getattr(refused.value, "status", None) == 503
    with room.entered(), room.entered():  # both places are free again
        pass


@pytest.mark.parametrize("backend", ["oxigraph", "external"])
def test_a_pool_with_a_full_room_refuses_before_it_asks_the_store(
    store_path: Path, backend: str
) -> None:
    """Both pools enter the room first: a full room is a 503 at once, no worker taken and no
    request sent (the external store's address here listens to nothing)."""
    room = Room(1, "full")
    nowhere = "http://127.0.0.1:9/sparql"
    pool = (
        QueryPool(store_path, BASE, 1, room=room)
        if backend == "oxigraph"
        else RemotePool(SparqlLocation(nowhere, nowhere, nowhere), BASE, room=room)
    )
    try:
        with room.entered(), pytest.raises(QueryError) as refused:
            pool.run(QueryRequest("ASK {}", {"boolean": "json"}), 5)
        assert (refused.value.status, refused.value.message) == (503, "full")
        answer = (
            pool.run(QueryRequest("ASK {}", {"boolean": "json"}), 5)
            if backend == "oxigraph"
            else None
        )
        assert answer is None or answer.kind == "boolean"  # the place is free again
    finally:
        pool.close()
