"""Real servers on loopback that leave nothing running: `coworkmed serve` as a child process
(benchmarks, scripts), or an application served by waitress in a thread (tests)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: seconds between two looks for idle connections to close (waitress cleanup_interval)
IDLE_CHECK = 2


def server_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The waitress options of a server with ``settings`` (resolved ``core.settings``): its
    threads, and connections that idle ones cannot exhaust (issue #20: 99 kept-alive idle
    connections froze the server, waitress's default limit being 100 and its idle timeout
    120 s). Connections are watched with poll, not select, which cannot go past 1024. A
    connection is read on while its request is answered (one request ahead), so that a client
    that closes it is seen (``waitress.client_disconnected``: its query is stopped,
    ``endpoint.pool``)."""
    return {
        "threads": settings["server_threads"],
        "connection_limit": settings["server_connections"],
        "channel_timeout": settings["server_idle"],
        "cleanup_interval": min(IDLE_CHECK, settings["server_idle"]),
        "asyncore_use_poll": True,
        "channel_request_lookahead": 1,
    }


#: the environment variable that confines the ports of the servers tests and benches start
#: (``18540-18549``: machines where several runs share loopback); unset, any free port
PORTS_VARIABLE = "COWORKMED_TEST_PORTS"


def free_port() -> int:
    """A loopback port free now: the first free one of ``COWORKMED_TEST_PORTS`` (``LOW-HIGH``)
    when it is set, else one the system gives."""
    low, _, high = os.environ.get(PORTS_VARIABLE, "").strip().partition("-")
    high = high or low
    ports = range(int(low), int(high) + 1) if low.isdigit() and high.isdigit() else range(1)
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"no free port in {PORTS_VARIABLE}={os.environ[PORTS_VARIABLE]}")


#: what a server started to be measured or tested does not do unless ``env`` asks: write the
#: store's dumps in the background (an export competes with what is timed, and writes into
#: the working directory's dumps/)
QUIET = {"COWORKMED_DUMPS_REFRESH": "0"}


@contextmanager
def serve_process(
    store: Path | str, env: Mapping[str, str] | None = None, start_timeout: float = 60
) -> Iterator[str]:
    """Start `coworkmed serve` over ``store`` (a directory or an external store's URL, whose
    other settings ``env`` gives), wait until /health answers, yield the base URL
    (``http://127.0.0.1:PORT``), and stop the server on exit."""
    port = free_port()
    command = [sys.executable, "-m", "coworkmed.cli", "serve"]
    command += ["--store", str(store), "--port", str(port)]
    server = subprocess.Popen(
        command,
        env={**os.environ, **QUIET, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert server.stderr is not None  # stderr=subprocess.PIPE
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"coworkmed serve exited: {server.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("coworkmed serve did not answer /health in time") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


@contextmanager
def serve_in_thread(app: Any, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` with waitress on a free loopback port in a thread; yield the base URL
    (``http://127.0.0.1:PORT``). On exit every connection is closed from inside the server's
    own loop (closing the listener alone would leave kept-alive connections and the loop
    running), then its worker threads are stopped."""
    from waitress import wasyncore
    from waitress.server import create_server

    # Any: types-waitress lacks effective_port and _map, and types trigger as an int
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the loop ended already and closed its trigger (EBADF): close here
            wasyncore.close_all(server._map)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
