"""SERVICE, LOAD and parser bombs against a real server process (issue #16, items 3, 4, 8).

A loopback listener stands for the host an attacker wants the server to reach. The server runs
as a subprocess (a crash there must not take pytest with it). Twice: as shipped, the text
checks refuse each request; with the checks switched off in that process (the test's own
server), the query and update workers, confined without network, still cannot reach the
listener: the second wall holds alone.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.listener import Listener, listening

TOKEN = "token-of-the-confinement-test"
#: the server, with the text checks switched off when asked ("unchecked"): the scanner's, and
#: an update's second reading (its size cap refused the bombs before the engine read them)
SERVER = """
import sys, waitress
import endpoint.sparql
if sys.argv[2] == "unchecked":
    endpoint.sparql.check_text = lambda text, base_iri=None: None
    endpoint.sparql.update_read = lambda text, base_iri: None
from endpoint.app import create_app
app = create_app({"store": sys.argv[1], "update_token": sys.argv[4], "query_timeout": 20})
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[3]), threads=4)
"""


#: what the listener answers: one solution that must never show in an answer of the server
LEAKED = (
    b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"LEAKED"}}]}}'
)


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening(LEAKED) as found:
        yield found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(store: Path, mode: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(store), mode, str(port), TOKEN],
        env={**os.environ, "COWORKMED_SERVICE_PEERS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            # the first /health starts the fork server and a validation worker: give it time
            urllib.request.urlopen(f"{base}/health", timeout=60).read()
            return process, base
        except OSError:  # not listening yet (URLError, ConnectionError are OSErrors)
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module", params=["checked", "unchecked"])
def server(
    request: pytest.FixtureRequest, store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    store = tmp_path_factory.mktemp("confinement") / "store"
    shutil.copytree(store_path, store)
    process, base = _start(store, request.param)
    yield request.param, base
    process.kill()
    process.wait(timeout=10)


def _send(base: str, door: str, text: str) -> tuple[int, str]:
    """``text`` as a query by GET, POST form or POST body, or as an update (body or form)."""
    url, data, headers = f"{base}/sparql", None, {}
    if door == "get":
        url += "?" + urllib.parse.urlencode({"query": text})
    elif door in ("form", "update-form"):
        field = "update" if door == "update-form" else "query"
        data = urllib.parse.urlencode({field: text}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        data = text.encode()
        kind = "update" if door == "update" else "query"
        headers["Content-Type"] = f"application/sparql-{kind}"
    if door.startswith("update"):
        headers["Authorization"] = f"Bearer {TOKEN}"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode()


QUERIES = [
    "SELECT * {{ # x\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ # x\r\nSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?s ?p ?o # x\rservice <{url}> {{}} }} LIMIT 1",
    "SELECT * {{ SeRvIcE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX : <{url}> SELECT * {{ SERVICE:p {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICESILENT <{url}> {{ ?s ?p ?o }} }}",
]
UPDATES = [
    "INSERT {{ <urn:a> <urn:b> ?x }} WHERE {{ # x\rSERVICE <{url}> {{ ?s ?p ?x }} }}",
    "INSERT DATA {{ <urn:a> <urn:b> 1 }} ;# x\rLOAD <{url}>",
    "LOADSILENT <{url}>",
]


@pytest.mark.slow  # ~16 s a case (a server process each)
@pytest.mark.parametrize("door", ["get", "form", "body"])
@pytest.mark.parametrize("template", QUERIES, ids=range(len(QUERIES)))
def test_no_query_reaches_the_listener(
    server: tuple[str, str], listener: Listener, door: str, template: str
) -> None:
    mode, base = server
    before = len(listener.heard)
    status, body = _send(base, door, template.format(url=f"{listener.url}/"))
    assert status < 500, body
    assert "LEAKED" not in body
    assert len(listener.heard) == before
    if mode == "checked":
        assert status == 400 and "SERVICE" in body


@pytest.mark.slow  # 7-10 s a case (a server process each)
@pytest.mark.parametrize("door", ["update", "update-form"])
@pytest.mark.parametrize("template", UPDATES, ids=range(len(UPDATES)))
def test_no_update_reaches_the_listener(
    server: tuple[str, str], listener: Listener, door: str, template: str
) -> None:
    mode, base = server
    before = len(listener.heard)
    status, body = _send(base, door, template.format(url=f"{listener.url}/"))
    assert status < 500, body
    assert len(listener.heard) == before
    if mode == "checked":
        assert status == 400


@pytest.mark.slow  # measured 2-12 s a case
@pytest.mark.parametrize(
    "bomb",
    [
        "INSERT { <urn:a> <urn:b> 1 } WHERE { " + " UNION ".join(["{?s ?p ?o}"] * 20_000) + " }",
        "INSERT { <urn:a> <urn:b> 1 } WHERE { ?s ?p ?o" + " MINUS {?s ?p ?o}" * 20_000 + " }",
    ],
    ids=["union", "minus"],
)
def test_an_update_bomb_costs_its_worker_only(server: tuple[str, str], bomb: str) -> None:
    """Unchecked, the bomb reaches the parser: in the update's worker, not the server."""
    _mode, base = server
    status, body = _send(base, "update", bomb)
    assert status == 400, body
    health = urllib.request.urlopen(f"{base}/health", timeout=10)
    assert health.status == 200
    status, body = _send(base, "get", "ASK { ?s ?p ?o }")
    assert status == 200 and "true" in body


def test_drop_all_spares_the_protected_graphs(server: tuple[str, str]) -> None:
    """DROP ALL runs, on the graphs an update may write; the vocabulary, the catalogue and the
    current dataset versions stay (the update's worker limits it with the store's graphs)."""
    _mode, base = server
    graph = "urn:coworkmed:test:mine"
    insert = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 1 }} }}"
    assert _send(base, "update", insert)[0] == 204
    assert _send(base, "update", "DROP ALL")[0] == 204
    for kept in ["https://w3id.org/coworkmed/def/", "https://w3id.org/coworkmed/id/catalog"]:
        status, body = _send(base, "get", f"ASK {{ GRAPH <{kept}> {{ ?s ?p ?o }} }}")
        assert status == 200 and "true" in body, kept
    status, body = _send(base, "get", f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert status == 200 and "false" in body
