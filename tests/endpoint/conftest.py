"""Fixtures of the endpoint tests: ``live``, the module's ``app`` served on loopback for real
clients (browsers, SPARQL clients), stopped with the module; and every JSON answer of the API
checked against openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coworkmed.serving import serve_in_thread
from tests.openapi_check import check


@pytest.fixture(scope="module")
def live(app: Flask) -> Iterator[str]:
    """The base URL of the module's ``app``, served in a thread."""
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture(autouse=True)
def api_answers_fit_openapi(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every JSON answer of /api/ that a test gets from Flask's client is checked against
    openapi.json (``tests.openapi_check``)."""
    opened = FlaskClient.open

    def open_and_check(self: FlaskClient, *args: Any, **kwargs: Any) -> TestResponse:
        response = opened(self, *args, **kwargs)
        request = response.request
        check(
            request.method,
            request.path,
            response.status_code,
            response.content_type or "",
            response.get_data(),
        )
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)
