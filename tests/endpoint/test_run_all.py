"""``published.run_all``: the server's own queries asked together are answered side by side,
on as many query workers as it has, each answer in its place (stop 52: the figures of a view,
a dozen queries, were asked one after another and used one worker of two)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from endpoint.app import create_app
from endpoint.execution import QueryError, QueryRequest
from endpoint.published import run_all, select, select_all
from observatory.figures import figure_sparql, table, with_filters
from tests.backends import Published


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=2))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("filters", [{}, {"country": "FRA"}, {"kind": "coworking"}])
def test_the_figures_asked_together_are_each_answered_as_asked_alone(
    app: Flask, filters: dict[str, str]
) -> None:
    base = app.config["COWORKMED"]["base"]
    queries = [with_filters(figure_sparql(f), filters, base) for f in table()["figures"]]
    with app.app_context():
        together = select_all(queries, 10_000, data_only=True)
        alone = [select(query, 10_000, data_only=True)[0] for query in queries]
    assert together == alone


def test_they_are_answered_side_by_side(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two at once: each waits at a barrier of two, which one after another would break."""
    with app.app_context():
        pool = app.extensions["coworkmed.pool"].get()
        meeting, asked = threading.Barrier(2, timeout=20), pool.run

        def met_then_asked(*args: Any, **options: Any) -> Any:
            meeting.wait()
            return asked(*args, **options)

        monkeypatch.setattr(pool, "run", met_then_asked)
        answered = run_all([QueryRequest(f"ASK {{ FILTER({n} > 0) }}", {"boolean": "json"})
                            for n in (1, -1)])  # fmt: skip
    assert [b'"boolean":true' in a.body.replace(b" ", b"") for a in answered] == [True, False]


def test_an_error_of_one_is_the_callers(app: Flask) -> None:
    requests = [QueryRequest("ASK {}", {"boolean": "json"}),
                QueryRequest("SELECT * WHERE {", {"solutions": "json"})]  # fmt: skip
    with app.app_context(), pytest.raises(QueryError) as raised:
        run_all(requests)
    assert raised.value.status == 400 and "syntax" in raised.value.message
