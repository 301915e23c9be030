"""The server reads a long query's text once per request, whatever checks and rewrites it
makes (issue #20, stranger 86: eleven readings of a 350 KB query in the server's process)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core import sparql_text
from endpoint.app import create_app
from tests.backends import Published
from tests.core.test_one_text import LONG, _Counting

QUERIES = ["an IN list", "VALUES of IRIs, ordered", "one long string", "comments"]


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("how", ["body", "form", "get"])
@pytest.mark.parametrize("shape", QUERIES)
def test_the_server_reads_a_long_query_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, shape: str, how: str
) -> None:
    counting = _Counting(sparql_text._TOKEN)
    monkeypatch.setattr(sparql_text, "_TOKEN", counting)
    text = LONG[shape]
    headers = {"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"}
    if how == "body":
        headers["Content-Type"] = "application/sparql-query"
        response = client.post("/sparql", data=text.encode(), headers=headers)
    elif how == "form":
        response = client.post("/sparql", data={"query": text}, headers=headers)
    else:
        response = client.get("/sparql", query_string={"query": text}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert counting.whole == [len(text)]
    assert sparql_text._held.readings is None


def test_nothing_is_held_while_the_engine_runs(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, published: Published
) -> None:
    """A request's readings of its long text are dropped before its worker answers: held
    through the engine's run, 1 MB of ``1,1,1…`` kept 150 MB per request for nothing."""
    if published.backend != "oxigraph":
        pytest.skip("the embedded store's pool only (an external store rewrites as it sends)")
    from endpoint.pool import QueryPool

    seen: list[int] = []
    answered = QueryPool._answered

    def watched(self: QueryPool, *args: object, **kwargs: object) -> bool:
        seen.append(len(sparql_text._held.readings or {}))
        return answered(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(QueryPool, "_answered", watched)
    headers = {"Content-Type": "application/sparql-query", "Cache-Control": "no-cache"}
    response = client.post("/sparql", data=LONG["an IN list"].encode(), headers=headers)
    assert response.status_code == 200
    assert seen == [0]


def test_long_operations_are_read_a_few_at_a_time(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long operations take turns (``LARGE_AT_ONCE``): with every turn taken, one waits
    ``LARGE_WAIT`` seconds then is a 503 with Retry-After, while a short query is answered at
    once; a turn given back serves it (stranger 87: 16 long texts at once took the server to
    2.2 GB, and light queries to a median of 858 ms)."""
    from endpoint import app as module

    monkeypatch.setattr(module, "LARGE_WAIT", 0.05)
    turns = app.extensions[module.LARGE_TEXTS]
    long = LONG["an IN list"] + " " * module.LARGE_TEXT
    headers = {"Content-Type": "application/sparql-query", "Cache-Control": "no-cache"}
    for _ in range(module.LARGE_AT_ONCE):
        assert turns.acquire(timeout=1)
    try:
        refused = client.post("/sparql", data=long.encode(), headers=headers)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert "long operations" in refused.get_data(as_text=True)
        short = client.post("/sparql", data=b"ASK {}", headers=headers)
        assert short.status_code == 200
    finally:
        for _ in range(module.LARGE_AT_ONCE):
            turns.release()
    for _ in range(module.LARGE_AT_ONCE + 1):  # each gives its turn back
        answered = client.post("/sparql", data=long.encode(), headers=headers)
        assert answered.status_code == 200
    # the turn is given back as the text is checked, not when the engine has answered
    seen: list[bool] = []
    from endpoint.pool import QueryPool

    answered_by = QueryPool._answered

    def watched(self: QueryPool, *args: object, **kwargs: object) -> bool:
        seen.append(turns.acquire(timeout=0))
        if seen[-1]:
            turns.release()
        return answered_by(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(QueryPool, "_answered", watched)
    for _ in range(module.LARGE_AT_ONCE):
        assert turns.acquire(timeout=1)
    turns.release()  # one turn left: the request takes it, gives it back before the engine
    try:
        answered = client.post("/sparql", data=long.encode(), headers=headers)
    finally:
        turns.release()
    assert answered.status_code == 200
    if seen:  # the embedded store's pool (an external store is asked through another)
        assert seen == [True]


def _send(client: FlaskClient, door: str, text: str) -> int:
    """The status of ``text`` sent to /sparql through ``door``."""
    headers = {"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"}
    kind = "update" if door.startswith("update") else "query"
    if door == "get":
        return client.get("/sparql", query_string={"query": text}, headers=headers).status_code
    if door == "head":
        return client.head("/sparql", query_string={"query": text}, headers=headers).status_code
    if door.endswith("form"):
        return client.post("/sparql", data={kind: text}, headers=headers).status_code
    headers["Content-Type"] = f"application/sparql-{kind}"
    if door == "chunked body":  # no Content-Length: waitress reads it in chunks, and says so
        return client.post(
            "/sparql",
            input_stream=io.BytesIO(text.encode()),
            headers={**headers, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        ).status_code
    return client.post("/sparql", data=text.encode(), headers=headers).status_code


DOORS = ["body", "chunked body", "form", "get", "head", "update body", "update form"]


@pytest.mark.parametrize("door", DOORS)
def test_a_long_operation_takes_a_turn_through_every_door(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    """A long operation waits for a turn however it is sent: by a body, a body sent in chunks
    (no Content-Length), a form, a query string (GET, HEAD), an update. At first only bodies
    that said their length took turns; a 256 KB GET or a chunked 1 MB body was read beside
    any number of others."""
    from endpoint import app as module

    monkeypatch.setattr(module, "LARGE_WAIT", 0.05)
    turns = app.extensions[module.LARGE_TEXTS]
    kind = "update" if door.startswith("update") else "query"
    filler = "#" + "x" * module.LARGE_TEXT + "\n"  # a comment: the same operation, long
    long = filler + ("INSERT DATA {}" if kind == "update" else "ASK {}")
    for _ in range(module.LARGE_AT_ONCE):
        assert turns.acquire(timeout=1)
    try:
        assert _send(client, door, long) == 503
        short = _send(client, door, "INSERT DATA {}" if kind == "update" else "ASK {}")
        assert short != 503
    finally:
        for _ in range(module.LARGE_AT_ONCE):
            turns.release()
    assert _send(client, door, long) != 503  # the turns free: read and answered


def test_only_a_few_long_operations_wait_for_a_turn(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every turn taken and every waiting place taken, one more long operation is a 503
    at once, not one more server thread waiting (stranger 91: a flood of 1 MB texts held
    every thread, /health with them, for minutes)."""
    import contextlib
    import time

    from endpoint import app as module

    monkeypatch.setattr(module, "LARGE_WAIT", 5.0)
    turns, room = app.extensions[module.LARGE_TEXTS], app.extensions[module.LARGE_WAITERS]
    long = "#" + "x" * module.LARGE_TEXT + "\nASK {}"
    headers = {"Content-Type": "application/sparql-query", "Cache-Control": "no-cache"}
    for _ in range(module.LARGE_AT_ONCE):
        assert turns.acquire(timeout=1)
    try:
        with contextlib.ExitStack() as seats:
            for _ in range(module.LARGE_WAITING):
                seats.enter_context(room.entered())
            start = time.monotonic()
            refused = client.post("/sparql", data=long.encode(), headers=headers)
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
            assert time.monotonic() - start < 2  # at once, not after LARGE_WAIT
        assert client.post("/sparql", data=b"ASK {}", headers=headers).status_code == 200
    finally:
        for _ in range(module.LARGE_AT_ONCE):
            turns.release()
    assert client.post("/sparql", data=long.encode(), headers=headers).status_code == 200
