"""A query whose client closed its connection is stopped and its worker freed (stranger 48: four
abandoned heavy queries held every query worker to the time limit, and a light query waited
28.9 s). The server reads on while it answers (``channel_request_lookahead``), and the wait for
a worker's answer looks whether the client is still there (``endpoint.pool``)."""

from __future__ import annotations

import socket
import struct
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from coworkmed.serving import serve_process

#: a cross product of the store with itself, three times: it would run to the time limit
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: an aggregate: not light (``looks_light``), so it waits for a worker the heavy ones took
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"
#: the time limit of the server under test: far longer than the wait the test allows
TIME_LIMIT = 120


def _request(base: str, query: str, how: str) -> bytes:
    host = urlsplit(base).netloc
    if how == "post":
        body = urlencode({"query": query}).encode()
        head = (
            f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        )
        return head.encode() + body
    return f"GET /sparql?{urlencode({'query': query})} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def _abandon(base: str, query: str, how: str) -> None:
    """Send ``query``, wait until the server runs it, then go: close the connection ("close",
    "post"), or reset it ("reset": no FIN, an RST)."""
    parts = urlsplit(base)
    client = socket.create_connection((parts.hostname, parts.port), timeout=5)
    client.sendall(_request(base, query, how))
    time.sleep(1)
    if how == "reset":
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()


@pytest.mark.slow  # a server process, and heavy queries it must stop
@pytest.mark.parametrize("how", ["close", "reset", "post"])
def test_a_query_whose_client_left_frees_its_worker(store_path: Path, how: str) -> None:
    env = {"COWORKMED_QUERY_WORKERS": "1", "COWORKMED_QUERY_TIMEOUT": str(TIME_LIMIT)}
    with serve_process(store_path, env) as base:
        for number in range(2):  # one worker, and one set aside: both held before
            _abandon(base, f"{HEAVY} # {number}", how)
        start = time.monotonic()
        url = f"{base}/sparql?" + urlencode({"query": COUNT})
        with urllib.request.urlopen(url, timeout=TIME_LIMIT) as answer:
            assert answer.status == 200
        # both heavy queries ran on to the time limit (120 s) before: the worker is free now
        assert time.monotonic() - start < TIME_LIMIT / 4
