"""Fixtures of the endpoint tests: ``live``, the module's ``app`` served on loopback for real
clients (browsers, SPARQL clients), stopped with the module; and every JSON answer of the API
checked against openapi.json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coworkmed.docs import build_docs
from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import Published
from tests.openapi_check import check

ROOT = Path(__file__).parents[2]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client of the module's ``app``."""
    return app.test_client()


@pytest.fixture(scope="module")
def partner_app(published: Published) -> Iterator[Flask]:
    """The app over the samples, knowing the sample partners' mappings (what /validate offers)."""
    app = create_app(
        published.config(query_workers=1, mappings=str(ROOT / "examples" / "partners"))
    )
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The vocabulary's HTML documentation, as ``coworkmed vocab docs`` writes it."""
    folder = tmp_path_factory.mktemp("vocabulary")
    build_docs(folder)
    return folder


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
