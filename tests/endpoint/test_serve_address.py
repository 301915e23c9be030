"""`coworkmed serve` on an address it cannot listen at says so in one line and exits 1, before
it says where it serves. Regression (stranger 52): a port in use printed the list of pages it
served, then a traceback of 40 lines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coworkmed.serving import QUIET, free_port

#: how the address is unusable -> the host, whether another program listens at the port
#: first (in that address family), and the system's words the server passes on
ADDRESSES = {
    "a port in use on IPv4": ("127.0.0.1", socket.AF_INET, "Address already in use"),
    "a port in use on IPv6": ("::1", socket.AF_INET6, "Address already in use"),
    "a port in use on every interface": ("0.0.0.0", socket.AF_INET, "Address already in use"),
    # TEST-NET-1: no interface of this machine has it, and nothing is sent to it
    "an address of no interface here": ("192.0.2.1", None, "Cannot assign requested address"),
}


@pytest.mark.parametrize("case", list(ADDRESSES))
def test_serve_says_in_one_line_it_cannot_listen(store_path: Path, case: str) -> None:
    host, family, words = ADDRESSES[case]
    if family == socket.AF_INET6 and not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    with socket.socket(family or socket.AF_INET) as other:
        if family is None:
            port = free_port()
        else:
            other.bind((host, 0))
            other.listen()
            port = other.getsockname()[1]
        command = [sys.executable, "-m", "coworkmed.cli", "serve", "--store", str(store_path)]
        command += ["--host", host, "--port", str(port)]
        ended = subprocess.run(
            command, env={**os.environ, **QUIET}, capture_output=True, text=True, timeout=120
        )
    assert ended.returncode == 1, ended.stderr
    assert "Traceback" not in ended.stderr
    shown = f"[{host}]" if ":" in host else host
    assert f"cannot listen at http://{shown}:{port}: {words}" in ended.stderr
    assert "serving" not in ended.stdout
