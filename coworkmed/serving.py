"""`coworkmed serve` as a child process on a free loopback port, for benchmarks, tests and
scripts that need a real server and must leave nothing running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve_process(
    store_path: Path, env: Mapping[str, str] | None = None, start_timeout: float = 60
) -> Iterator[str]:
    """Start `coworkmed serve` over ``store_path``, wait until /health answers, yield the base URL
    (``http://127.0.0.1:PORT``), and stop the server on exit."""
    port = free_port()
    command = [sys.executable, "-m", "coworkmed.cli", "serve"]
    command += ["--store", str(store_path), "--port", str(port)]
    server = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
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
