"""The service's Flask application (``endpoint.app.Service``): each view and hook is asked once
whether it is a coroutine, not at each request (issue 20), and what it remembers is bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from endpoint.app import Service, create_app
from tests.backends import Published


def test_views_and_hooks_are_asked_once_whether_they_are_coroutines(
    published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[Callable[..., Any]] = []
    original = Flask.ensure_sync

    def counted(self: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
        asked.append(func)
        return original(self, func)

    monkeypatch.setattr(Flask, "ensure_sync", counted)
    app = create_app(published.config(query_workers=1))
    try:
        client = app.test_client()
        for _ in range(3):
            answer = client.get("/sparql", query_string={"query": "ASK {}"})
            assert answer.status_code == 200
        first = len(asked)
        assert first > 5  # the view and the hooks a query passes through
        for _ in range(3):
            client.get("/sparql", query_string={"query": "ASK {}"})
        assert len(asked) == first  # none asked again
    finally:
        app.extensions["coworkmed.pool"].close()


def _made(number: int) -> Callable[[], int]:
    def func() -> int:
        return number

    return func


def test_functions_made_per_request_are_not_remembered_past_the_bound() -> None:
    app = Service(__name__)
    made = [_made(number) for number in range(Service.MOST_SYNCED + 100)]
    for func in made:
        assert app.ensure_sync(func) is func
    assert len(app._synced) == Service.MOST_SYNCED
    assert app.ensure_sync(made[-1]) is made[-1]  # asked again, not remembered
