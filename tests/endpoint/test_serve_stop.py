"""`coworkmed serve` asked to stop (SIGTERM, what ``kill``, systemd and container runtimes
send; SIGHUP; Ctrl-C's SIGINT) while it is busy stops as Ctrl-C does: exit status 0, its query
and validation workers ended, nothing of its own left in the temporary folder. Killed
(SIGKILL), it can clean nothing up, but its workers end with it and their error files have no
name left to leave behind.

Regression: a server stopped by SIGTERM was killed at once, and left a file per query worker
and the fork server's folder in the temporary folder (279 files and as many folders in /tmp
after a day of tests)."""

from __future__ import annotations

import http.client
import shutil
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from coworkmed.serving import start_serving, stop_serving
from tests.clients import multipart
from tests.hostile_files import MAKERS
from tests.runs import processes_marked

#: a query that keeps a query worker busy far longer than the test (three-way cross product)
LONG = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: how long a stopped server's processes have to end, in seconds
ENDED_WITHIN = 15


def _ask(
    base: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> int:
    """The status of the answer; 0 when the server closed the connection first (stopped)."""
    request = urllib.request.Request(base + path, data, headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        return 0


def _busy(base: str) -> threading.Thread:
    """A query answered (query workers started), a file validated (a confined worker), and a
    long query left running in a thread (its client waits when the server is stopped)."""
    assert _ask(base, "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})) == 200
    body, content_type = multipart("small.csv", MAKERS["no_identifier_csv"](), {})
    assert _ask(base, "/api/validate", body, {"Content-Type": content_type}) < 500
    long = threading.Thread(
        target=_ask,
        args=(base, "/sparql", LONG.encode(), {"Content-Type": "application/sparql-query"}),
        daemon=True,
    )
    long.start()
    time.sleep(1)  # the long query is in a worker
    return long


@pytest.fixture
def temporary() -> Iterator[Path]:
    """A temporary folder of the server's own, with a short path (the fork server's socket is
    made in it: ``tmp_path`` under pytest-xdist is too long for one)."""
    folder = Path(tempfile.mkdtemp(prefix="cw-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _ended(marker: str) -> list[int]:
    deadline = time.monotonic() + ENDED_WITHIN
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_marked(marker)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=str)
def test_a_server_asked_to_stop_stops_its_workers_and_leaves_nothing(
    store_path: Path, temporary: Path, how: int
) -> None:
    marker = f"coworkmed-serve-stop-{uuid.uuid4()}"
    server, base = start_serving(store_path, {"TMPDIR": str(temporary), "STOP_MARK": marker})
    long = _busy(base)
    assert len(processes_marked(marker)) >= 3  # the server, its fork server, workers
    status, said = stop_serving(server, how)
    long.join(timeout=30)
    assert status == 0, said
    assert _ended(marker) == []
    assert sorted(path.name for path in temporary.iterdir()) == []


def test_a_killed_servers_workers_end_and_leave_no_error_file(
    store_path: Path, temporary: Path
) -> None:
    marker = f"coworkmed-serve-kill-{uuid.uuid4()}"
    server, base = start_serving(store_path, {"TMPDIR": str(temporary), "STOP_MARK": marker})
    _busy(base)
    assert stop_serving(server, signal.SIGKILL)[0] == -signal.SIGKILL
    assert _ended(marker) == []
    assert [path.name for path in temporary.glob("coworkmed-worker-*")] == []
