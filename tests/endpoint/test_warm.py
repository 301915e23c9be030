"""``coworkmed serve`` works out the first pages' answers as it starts (``endpoint.warm``): once
its warm-up has run, the home page, the observatory page and a search ask the store nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from endpoint import published as published_module
from endpoint.app import create_app
from endpoint.execution import QueryError
from endpoint.warm import STEPS, warm_up
from tests.backends import oxigraph_published


def test_after_the_warm_up_the_first_pages_ask_the_store_nothing(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"  # a store of its own: the answers kept are per store
    shutil.copytree(store_path, store)
    app = create_app(oxigraph_published(store).config(query_workers=1))
    try:
        assert set(STEPS) >= {"home page figures", "observatory headline", "search index"}
        warm_up(app).join(timeout=300)
        asked: list[str] = []

        def refuse(request: object, *args: object, **kwargs: object) -> None:
            asked.append(str(getattr(request, "sparql", request))[:120])
            raise QueryError(503, "the warm-up should have answered this")

        monkeypatch.setattr(published_module, "run", refuse)
        client = app.test_client()
        for path in ("/?lang=el", "/observatory?lang=fr", "/search?q=fab&lang=it"):
            answer = client.get(path)
            assert answer.status_code == 200, (path, asked)
        assert asked == []
    finally:
        app.extensions["coworkmed.pool"].close()
