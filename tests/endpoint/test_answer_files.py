"""A large answer a query worker writes to a file (``endpoint.streaming``) leaves nothing
behind, whenever its client hangs up: before the file is written, while it is, or as it is
sent. (Stranger 53 found such files left for good when the worker was stopped while it wrote:
the server killed, ``tests/endpoint/test_serve_stop.py``, or the client gone on a slow disk.)"""

from __future__ import annotations

import http.client
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import oxigraph_published

#: each row some 8 KB: 10,000 rows make an answer of about 80 MB
WIDE = (
    'SELECT ?s ?b WHERE { ?s ?p ?o BIND(CONCAT(STR(?o), "' + "x" * 8_000 + '") AS ?b) } LIMIT 10000'
)


def _answer_files() -> set[Path]:
    """Answer files in the temporary folder: where this version writes them, and where
    earlier ones did."""
    place = Path(tempfile.gettempdir())
    return {*place.glob("coworkmed-server-*/answer-*"), *place.glob("coworkmed-answer-*")}


@pytest.fixture
def streaming(store_path: Path) -> Iterator[str]:
    config = oxigraph_published(store_path).config(
        query_workers=1, stream_above=1_000, max_rows=10_000, dumps_refresh=0
    )
    app = create_app(config)
    with serve_in_thread(app) as base:
        yield base
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("hang_up_after", [0.0, 0.05, 0.2])
def test_a_client_hanging_up_while_its_answer_is_written_leaves_no_file(
    streaming: str, hang_up_after: float
) -> None:
    before = _answer_files()
    parsed = urllib.parse.urlsplit(streaming)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=60)
    connection.request(
        "GET",
        "/sparql?" + urllib.parse.urlencode({"query": WIDE}),
        headers={"Accept": "application/sparql-results+json"},
    )
    deadline = time.monotonic() + 30
    while not _answer_files() - before and time.monotonic() < deadline:
        time.sleep(0.005)
    assert _answer_files() - before, "the worker never wrote the answer to a file"
    time.sleep(hang_up_after)
    connection.close()  # hung up while the worker writes (or just after)
    deadline = time.monotonic() + 10
    while _answer_files() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _answer_files() - before == set()
