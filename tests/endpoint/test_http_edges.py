"""The HTTP edges of issue 20 (HEAD, CORS, format=/output=, Accept, Linked Data, the service
description, SPARQL 1.2's ``version``), one case of ``http-edges.yaml`` per test, on each
backend, through Flask's client; ``test_live_clients`` sends the same kinds of request over a
socket with real clients."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from endpoint.app import create_app
from tests.backends import Published

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "http-edges.yaml").read_text(encoding="utf-8")
)
QUERIES = {
    "$SELECT": "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "$ASK": "ASK { ?s ?p ?o }",
    "$CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "$DESCRIBE": "DESCRIBE <https://w3id.org/coworkmed/id/space/fr-aura/AURA-001>",
}
#: media type of an answer -> rdflib's name of its format (for ``ask``)
RDF_READERS = {"text/turtle": "turtle", "application/n-triples": "nt"}
TOKEN = "edge-token"
FORM = "application/x-www-form-urlencoded"
#: words every edge of the issue has in the name of at least one case
EDGES = (
    "format=",
    "output=",
    "q=0",
    "text/*",
    "application/*",
    "HEAD",
    "preflight",
    "n-quads",
    "trig",
    "n3",
    "unknown IRI",
    "Accept-Language",
    "version",
    "ASK as",
    "CSV value",
    "OPTIONS /sparql",
    "service description format=",
    "results types only",
)


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(
        published.config(
            query_workers=1, update_token=TOKEN, cors_write_origins="https://editor.example"
        )
    )
    yield app
    app.extensions["coworkmed.pool"].close()


def _filled(value: str) -> str:
    return QUERIES.get(value, value)


def _send(client: FlaskClient, request: dict[str, Any]) -> Any:
    return client.open(
        request.get("path", "/sparql"),
        method=request.get("method", "GET"),
        query_string=[(name, _filled(value)) for name, value in request.get("query", [])],
        headers=request.get("headers", {}),
        data=_filled(request["body"]) if "body" in request else None,
        content_type=request.get("content_type"),
    )


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_an_http_edge(app: Flask, case: dict[str, Any]) -> None:
    response = _send(app.test_client(), case["request"])
    expect = case["expect"]
    where = f"{response.status} {dict(response.headers)} {response.get_data()[:300]!r}"
    if "status" in expect:
        assert response.status_code == expect["status"], where
    if expect.get("type") == "none":
        assert "Content-Type" not in response.headers, where
    elif "type" in expect:
        assert response.mimetype == expect["type"], where
    for name, text in expect.get("headers", {}).items():
        assert text in response.headers.get(name, ""), f"{name}: {where}"
    for name, text in expect.get("lacks", {}).items():
        assert text not in response.headers.get(name, ""), f"{name}: {where}"
    for name in expect.get("absent", []):
        assert name not in response.headers, f"{name}: {where}"
    if expect.get("empty"):
        assert response.get_data() == b"", where
    for text in expect.get("body", []):
        assert text.encode("utf-8") in response.get_data(), where
    for text in expect.get("body_lacks", []):
        assert text.encode("utf-8") not in response.get_data(), where
    if "ask" in expect:
        graph = Graph().parse(data=response.get_data(), format=RDF_READERS[response.mimetype])
        assert graph.query(expect["ask"]).askAnswer, graph.serialize(format="turtle")


def test_the_cases_cover_every_edge_of_the_issue() -> None:
    names = " ".join(case["name"] for case in CASES)
    for edge in EDGES:
        assert edge in names, edge


def test_a_bodiless_answer_has_no_content_type(writable: Published) -> None:
    """A SPARQL Update and a Graph Store DELETE answer 204 with no Content-Type (Flask's
    default was text/html)."""
    app = create_app(writable.config(query_workers=1, update_token=TOKEN))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    graph = "https://w3id.org/coworkmed/id/graph/edge-test"
    try:
        answers = [
            client.post(
                "/sparql",
                data=f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}",
                content_type="application/sparql-update",
                headers=auth,
            ),
            client.delete("/store", query_string={"graph": graph}, headers=auth),
        ]
    finally:
        app.extensions["coworkmed.pool"].close()
    for answer in answers:
        assert answer.status_code == 204, answer.get_data()
        assert "Content-Type" not in answer.headers


@pytest.mark.parametrize(
    ("query_string", "body", "headers", "status"),
    [
        # a stranger's: bytes that are no UTF-8 ran as U+FFFD (200); they are refused
        ("query=SELECT%20*%20%7B%3Fs%20%3Fp%20%22%FF%FE%22%7D", None, {}, 400),
        ("query=ASK%20%7B%7D&default-graph-uri=urn%3A%C3", None, {}, 400),
        ("query=ASK%20%7B%7D%20%23%E9t%E9", None, {}, 400),  # latin-1 in a comment
        ("", b"query=ASK%20%7B%7D%20%23%E9", {"Content-Type": FORM}, 400),
        ("query=ASK%20%7B%7D%20%23%C3%A9t%C3%A9", None, {}, 200),  # UTF-8: fine
        ("", b"query=ASK+%7B%7D+%23+%C3%A9", {"Content-Type": FORM}, 200),
        # a compressed body is not taken (it was read as it came)
        (
            "",
            b"ASK {}",
            {"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"},
            415,
        ),
        ("", b"query=ASK%20%7B%7D", {"Content-Type": FORM, "Content-Encoding": "br"}, 415),
        (
            "",
            b"ASK {}",
            {"Content-Type": "application/sparql-query", "Content-Encoding": "identity"},
            200,
        ),
    ],
)
def test_bodies_and_urls_are_taken_only_as_sent(
    client: FlaskClient, query_string: str, body: bytes | None, headers: dict[str, str], status: int
) -> None:
    method = "GET" if body is None else "POST"
    answer = client.open(
        "/sparql", method=method, query_string=query_string, data=body, headers=headers
    )
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    ("query_string", "status"),
    [
        # not UTF-8 once decoded: werkzeug kept %FF encoded, and it named the graph of %25FF
        # (stranger 46); a graph named by its UTF-8 bytes, or by %25FF, is one not there
        ("graph=http%3A%2F%2Fexample.org%2Fg%FF", 400),
        ("graph=http%3A%2F%2Fexample.org%2Fg%C3", 400),
        ("graph=http%3A%2F%2Fexample.org%2Fg%25FF", 404),
        ("graph=http%3A%2F%2Fexample.org%2Fg%C3%A9", 404),
    ],
)
def test_graph_store_names_are_taken_only_as_sent(
    client: FlaskClient, query_string: str, status: int
) -> None:
    answer = client.get("/store", query_string=query_string, headers={"Accept": "text/turtle"})
    assert answer.status_code == status, answer.get_data(as_text=True)[:300]


RAW_REQUESTS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "raw-requests.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    "case", RAW_REQUESTS, ids=[f"{c['line']} {c.get('host', '')}" for c in RAW_REQUESTS]
)
def test_raw_requests(live: str, case: dict[str, Any]) -> None:
    """Requests as sent on the wire, ``raw-requests.yaml``: the asterisk (``OPTIONS *`` asks
    what the server takes, RFC 9110 9.3.7; stranger 92: 404), targets that are neither a path,
    an http URI nor ``*``, the Host field (RFC 9112 3.2), and the HTTP version (2.3)."""
    host, port = live.removeprefix("http://").rstrip("/").split(":")
    hosts = case.get("host", [host])
    lines = [case["line"], *(f"Host: {value}" for value in hosts), "Connection: close"]
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert int(head.split(" ", 2)[1]) == case["status"], head
    # the version of the answer: HTTP/1.1, or 1.0 to a 1.0 request (stranger 96, L3: waitress's
    # own refusals said 1.0 to 1.1 requests, and HTTP/2.0 lines were served as 1.0)
    said = "HTTP/1.0" if case["line"].endswith(" HTTP/1.0") else "HTTP/1.1"
    assert head.startswith(f"{said} "), head
    allow = "Allow: GET, HEAD, POST, PUT, DELETE, OPTIONS" in head.split("\r\n")
    assert allow == case.get("server_wide", case["status"] == 204), head
