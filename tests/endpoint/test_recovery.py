"""A write killed after its commit but before its snapshot (issue #16, item 10): the next
process that opens the store for serving publishes it at once, rather than leaving it invisible
until some unrelated write.

For real: ``coworkmed serve`` runs as a process over a copy of the samples, with the test-only
pause ``COWORKMED_TEST_PAUSE_BEFORE_SNAPSHOT`` (``triplestore.versions``)
holding a write between its
commit and its snapshot; the server is killed there (SIGKILL), then started again.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from coworkmed.serving import serve_process
from tests.backends import oxigraph_published, writable_copy
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.versions import PAUSE_BEFORE_SNAPSHOT, open_snapshot, recover, write

# ~37 s a case: a server process killed and restarted
pytestmark = pytest.mark.slow

BASE = "https://w3id.org/coworkmed/id/"
TOKEN = "recovery-token"
ASK = "ASK { GRAPH ?g { <urn:recovery:s> <urn:recovery:p> ?o } }"


def _update(base: str) -> urllib.request.Request:
    text = 'INSERT DATA { GRAPH <urn:recovery:g> { <urn:recovery:s> <urn:recovery:p> "1" } }'
    return urllib.request.Request(
        f"{base}/sparql",
        data=text.encode(),
        method="POST",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )


def _graph_store_put(base: str) -> urllib.request.Request:
    return urllib.request.Request(
        f"{base}/store?graph={urllib.parse.quote('urn:recovery:g', safe='')}",
        data=b'<urn:recovery:s> <urn:recovery:p> "2" .',
        method="PUT",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
    )


def _send(request: urllib.request.Request) -> None:
    try:
        urllib.request.urlopen(request, timeout=120).close()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return  # the server was killed while the request waited


def _asks(base: str) -> bool:
    query = urllib.parse.urlencode({"query": ASK})
    request = urllib.request.Request(
        f"{base}/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return b"true" in answer.read()


def _published(path: Path) -> bool:
    _generation, store = open_snapshot(path)
    return bool(store.query(ASK))


@pytest.mark.parametrize("make", [_update, _graph_store_put], ids=["update", "graph-store"])
def test_a_write_killed_before_its_snapshot_is_published_at_restart(
    store_path: Path, tmp_path: Path, make: Callable[[str], urllib.request.Request]
) -> None:
    with writable_copy(oxigraph_published(store_path), tmp_path, None) as copy:
        path = copy.location.path  # type: ignore[attr-defined]
        paused = tmp_path / "paused"
        env = {"COWORKMED_UPDATE_TOKEN": TOKEN, PAUSE_BEFORE_SNAPSHOT: str(paused)}
        with serve_process(path, env=env) as base:
            sender = threading.Thread(target=_send, args=(make(base),), daemon=True)
            sender.start()
            deadline = time.monotonic() + 60
            while not paused.exists():
                assert time.monotonic() < deadline, "the write never reached its snapshot"
                time.sleep(0.05)
            os.kill(int(paused.read_text(encoding="ascii")), signal.SIGKILL)
            sender.join(timeout=30)
        location = OxigraphLocation(path)
        generation = location.generation()
        assert location.pending() and not _published(path)  # committed, not published: the bug
        with serve_process(path, env={"COWORKMED_UPDATE_TOKEN": TOKEN}) as base:
            assert _asks(base)
        assert location.generation() == generation + 1 and not location.pending()


def test_the_marker_follows_the_changes(store_path: Path, tmp_path: Path) -> None:
    with writable_copy(oxigraph_published(store_path), tmp_path, None) as copy:
        location = copy.location
        assert isinstance(location, OxigraphLocation) and not location.pending()
        write(location, lambda store: store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), BASE)
        assert not location.pending()  # written and published
        with location.writer() as store:
            store.update(
                "INSERT DATA { GRAPH <urn:recovery:g> { <urn:recovery:s> <urn:recovery:p> 3 } }"
            )
        assert location.pending() and not _published(location.path)
        with location.writer():  # a writer holds the store: it will publish its work itself
            assert recover(location, BASE) is None
        assert recover(location, BASE) == location.generation()
        assert _published(location.path) and not location.pending()
        assert recover(location, BASE) is None  # nothing pending any more
        with location.writer() as store:
            store.query("ASK {}")  # opened for writing, nothing changed: nothing pending
        assert not location.pending()
