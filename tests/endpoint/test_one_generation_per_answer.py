"""An answer read while a change was published is never validated as one generation's
(stranger 64, finding 3): a kept figures answer carried the ETag of one generation while its
headline count was the next write's. A composite answer (a page, the figures) reads the
generation before its view, then runs its queries on the newest snapshot; when a change lands
between them, it is given once, ``no-store`` without validators, and kept by no one; one that
is one kept answer is read of the generation it began on throughout, on a store that keeps it
(stranger 68, F1), and named by it. An answer of one query names the generation it was read
from."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.pool import QueryPool, RemotePool
from endpoint.published import Kept
from tests.backends import Published
from tests.endpoint.test_caching import fetch
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.versions import publish_version, write

BASE = "https://w3id.org/coworkmed/id/"
TAG = re.compile(r'^W/"g(\d+)-')
#: composite answers (several queries, answers kept per generation): a page seen first, then
#: another form of it (another language, another search) whose answers are not kept yet
COMPOSITE = [
    ("/observatory?lang=en", "/observatory?lang=el"),
    ("/search?q=lab&lang=en", "/search?q=coworking&lang=en"),
]
#: composite answers that are one kept answer (``endpoint.observatory.figures_document``):
#: its maker reads the generation of its key throughout (``endpoint.published.reading_one``),
#: so that one read across a change is of the generation it began on, and named by it
ONE_ANSWER = [("/api/observatory/figures?lang=en", "/api/observatory/figures?lang=fr")]
#: answers of one query (each says which generation it was read from)
SINGLE = [("/doc/id/space/fr-aura/AURA-001.ttl", "/doc/id/space/fr-aura/AURA-001.nt")]


def _publish_beside(published: Published, value: str) -> int:
    """A one-triple version of a dataset of its own published through the store itself, as
    ``coworkmed publish`` beside the server does; the new generation."""
    dataset = f"{BASE}dataset/test-beside"
    triple = f"<urn:x> <urn:y> <urn:{value}> .\n".encode()
    version = f"{dataset}/{value}"
    _done, number = write(
        published.location,
        lambda store: publish_version(store, BASE, dataset, version, [triple]),
        BASE,
    )
    return number


@pytest.fixture
def changing(
    writable: Published, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Callable[[], int]]]:
    """A live server on its own store, and ``arm``: the next answer the server reads (kept
    per generation, or a query) comes after a change published beside it."""
    armed = threading.Event()
    numbers: list[int] = []

    def changing_run(original: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            if armed.is_set():
                armed.clear()
                numbers.append(_publish_beside(writable, f"v{len(numbers)}"))
            return original(self, *args, **kwargs)

        return run

    for reader in (QueryPool, RemotePool):
        monkeypatch.setattr(reader, "run", changing_run(reader.run))
    monkeypatch.setattr(Kept, "get", changing_run(Kept.get))

    def arm() -> int:
        armed.set()
        return len(numbers)

    app: Flask = create_app(writable.config(query_workers=1))
    try:
        with serve_in_thread(app) as base:
            yield base, arm
    finally:
        app.extensions["coworkmed.pool"].close()
    assert not armed.is_set(), "the armed change was never published: nothing was read"


@pytest.mark.parametrize(("seen", "path"), COMPOSITE + ONE_ANSWER + SINGLE, ids=lambda p: p)
def test_an_answer_read_across_a_change_names_no_generation(
    changing: tuple[str, Callable[[], int]], writable: Published, seen: str, path: str
) -> None:
    base, arm = changing
    # a store that keeps the generations before (the embedded one's snapshots) can be read at
    # one throughout; an external store is read as it is at each query
    one_answer = (seen, path) in ONE_ANSWER and isinstance(writable.location, OxigraphLocation)
    first = fetch(base, seen, {})
    assert first.status == 200 and TAG.match(first.headers["ETag"])
    before = int(TAG.match(first.headers["ETag"]).group(1))  # type: ignore[union-attr]
    # a change lands as the view reads its first answer: after its validators were worked out
    arm()
    across = fetch(base, path, {})
    assert across.status == 200
    if one_answer:  # read of the generation it began on, throughout
        assert int(TAG.match(across.headers["ETag"]).group(1)) == before  # type: ignore[union-attr]
    elif (seen, path) in COMPOSITE + ONE_ANSWER:  # before and after the change: validated never
        assert "ETag" not in across.headers and "Last-Modified" not in across.headers
        assert across.headers["Cache-Control"] == "no-store"
    else:  # one query: its answer names the generation it was read from
        assert int(TAG.match(across.headers["ETag"]).group(1)) == before + 1  # type: ignore[union-attr]
    # then one generation's answer, validated, kept, and named by its tag
    after = fetch(base, path, {})
    assert after.status == 200, after.body[:300]
    assert int(TAG.match(after.headers["ETag"]).group(1)) == before + 1  # type: ignore[union-attr]
    again = fetch(base, path, {"If-None-Match": after.headers["ETag"]})
    assert again.status == 304
