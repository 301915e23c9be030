"""A 503 tells the client when to try again, on every route (retry-after.yaml)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint import published as published_module
from endpoint.app import create_app
from endpoint.execution import QueryError
from endpoint.pool import QueryPool
from tests.backends import oxigraph_published

CASES = yaml.safe_load((Path(__file__).parent / "retry-after.yaml").read_text("utf-8"))
BUSY = "every query worker stayed busy for 30 s; try again"


@pytest.fixture(scope="module")
def app(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    store = tmp_path_factory.mktemp("retry") / "store"  # its own: nothing kept for it yet
    shutil.copytree(store_path, store)
    app = create_app(oxigraph_published(store).config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c['path']}-{'html' if c['browser'] else 'data'}"
)
def test_a_busy_service_says_when_to_try_again(
    app: Flask, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise QueryError(503, BUSY)

    monkeypatch.setattr(published_module, "run", busy)
    monkeypatch.setattr(QueryPool, "run", busy)
    accept = "text/html" if case["browser"] else "*/*"
    answer = app.test_client().get(case["path"], headers={"Accept": accept})
    assert answer.status_code == 503, answer.get_data(as_text=True)[:300]
    assert answer.headers.get("Retry-After") == "5"
