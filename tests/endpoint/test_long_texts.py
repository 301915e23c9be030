"""The server reads a long query's text once per request, whatever checks and rewrites it
makes (issue #20, stranger 86: eleven readings of a 350 KB query in the server's process)."""

from __future__ import annotations

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
