"""Fixtures of the endpoint tests: ``live``, the module's ``app`` served on loopback for real
clients (browsers, SPARQL clients), stopped with the module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from coworkmed.serving import serve_in_thread


@pytest.fixture(scope="module")
def live(app: Flask) -> Iterator[str]:
    """The base URL of the module's ``app``, served in a thread."""
    with serve_in_thread(app) as base:
        yield base
