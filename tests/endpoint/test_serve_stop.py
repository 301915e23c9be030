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
from tests.runs import bigger, processes_marked

ROOT = Path(__file__).parents[2]
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


def _uploads_to(temporary: Path) -> dict[str, str]:
    """A server's settings: ``temporary`` its temporary folder, the example partners' mappings."""
    return {"TMPDIR": str(temporary), "COWORKMED_MAPPINGS": str(ROOT / "examples" / "partners")}


def _uploading(base: str, temporary: Path, folder: Path) -> Path:
    """A partner's file of 5,000 rows (some 5 s of validation) sent in a thread: the copy the
    server keeps while a worker validates it, once it is there."""
    data = bigger(folder, 5_000).read_bytes()
    body, content_type = multipart("tiers-lieux.tsv", data, {"mapping": "fr-aura"})
    threading.Thread(
        target=_ask, args=(base, "/api/validate", body, {"Content-Type": content_type}), daemon=True
    ).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = list(temporary.glob("coworkmed-upload*/**/submission.tsv"))
        if found:
            return found[0]
        time.sleep(0.02)
    raise AssertionError("the upload never reached the server's folder")


#: how a server is stopped while it validates an upload: the signals, in order
STOPS = {
    "TERM": [signal.SIGTERM],
    "TERM, TERM": [signal.SIGTERM, signal.SIGTERM],
    "HUP, TERM": [signal.SIGHUP, signal.SIGTERM],
    "INT, HUP": [signal.SIGINT, signal.SIGHUP],
}


@pytest.mark.parametrize("signals", list(STOPS.values()), ids=list(STOPS))
def test_a_server_stopped_during_an_upload_leaves_no_partners_file(
    store_path: Path, temporary: Path, tmp_path: Path, signals: list[int]
) -> None:
    """Regression (stranger 52): a server asked twice to stop (stopped at once) left the
    partner's file, personal data and all, in the temporary folder, 17 times of 17."""
    server, base = start_serving(store_path, _uploads_to(temporary))
    try:
        _uploading(base, temporary, tmp_path)
        for first in signals[:-1]:
            server.send_signal(first)
            time.sleep(0.3)
    finally:
        stop_serving(server, signals[-1])
    assert list(temporary.glob("coworkmed-upload*")) == []


def test_a_killed_servers_uploads_are_removed_by_the_next_one(
    store_path: Path, temporary: Path, tmp_path: Path
) -> None:
    """A server killed outright removes nothing: the next server to start on the machine
    removes the uploads it left, and says so."""
    server, base = start_serving(store_path, _uploads_to(temporary))
    try:
        left = _uploading(base, temporary, tmp_path)
    finally:
        stop_serving(server, signal.SIGKILL)
    assert left.exists()
    after, _base = start_serving(store_path, _uploads_to(temporary))
    _status, said = stop_serving(after)
    assert list(temporary.glob("coworkmed-upload*")) == []
    assert f"removed {left.parents[1]}: the uploads of a server that was killed" in said
