"""Idle connections cannot freeze the server (issue #20): `coworkmed serve` with 150 idle
kept-alive sockets open still answers a query at once, and closes idle sockets after
``server_idle`` seconds."""

from __future__ import annotations

import socket
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from core.settings import settings
from coworkmed.serving import serve_process, server_options

ASK = "ASK { ?s ?p ?o }"
#: more idle sockets than waitress's default connection_limit (100), which froze the server
IDLE = 150


def _idle_sockets(base: str, stack: ExitStack, count: int) -> list[socket.socket]:
    """``count`` connected sockets that send nothing (a kept-alive client between requests)."""
    parts = urlsplit(base)
    return [
        stack.enter_context(socket.create_connection((parts.hostname, parts.port), timeout=5))
        for _ in range(count)
    ]


@pytest.mark.slow  # a server process, 150 sockets and a wait for the idle ones to be closed
def test_idle_connections_neither_freeze_the_server_nor_stay_open(store_path: Path) -> None:
    env = {"COWORKMED_SERVER_IDLE": "2"}  # waitress alone (limit 100, idle 120 s) froze
    with serve_process(store_path, env) as base, ExitStack() as stack:
        idle = _idle_sockets(base, stack, IDLE)
        time.sleep(0.5)  # the server has accepted them all (or stopped accepting)
        start = time.perf_counter()
        url = f"{base}/sparql?" + urlencode({"query": ASK})
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert b"true" in response.read()
        assert time.perf_counter() - start < 5
        time.sleep(2 + 2 + 1.5)  # server_idle, a cleanup interval, slack
        for sock in idle:  # each was closed by the server: reading gives end of file at once
            sock.settimeout(2)
            assert sock.recv(1) == b""


def test_the_server_options_lift_waitress_limits() -> None:
    """The serve command's waitress options: more connections than waitress's default (100),
    idle ones closed sooner than its default (120 s), watched with poll (select stops at 1024)."""
    options = server_options(settings())
    assert options["connection_limit"] >= 1000 and options["asyncore_use_poll"] is True
    assert options["channel_timeout"] < 120 and options["cleanup_interval"] <= 2
