"""`coworkmed serve` on an address it cannot listen at says so in one line and exits 1, before
it says where it serves. Regression (stranger 52): a port in use printed the list of pages it
served, then a traceback of 40 lines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coworkmed.serving import QUIET, free_port, stop_serving

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
    assert ended.returncode == 78, ended.stderr  # the host or port to change (stranger 76)
    assert "Traceback" not in ended.stderr
    shown = f"[{host}]" if ":" in host else host
    assert f"cannot listen at http://{shown}:{port}: {words}" in ended.stderr
    assert "serving" not in ended.stdout


#: a port the server cannot have -> the environment and options that give it, the exit status,
#: and what the server says
BAD_PORTS = {
    "COWORKMED_PORT past 65535": (
        {"COWORKMED_PORT": "70000"},
        [],
        78,  # a bad setting (EX_CONFIG): it was 1 (stranger 72, F8)
        "setting port (COWORKMED_PORT): '70000' is not a port number, 0 to 65535",
    ),
    "COWORKMED_PORT a name": ({"COWORKMED_PORT": "http"}, [], 78, "is not a port number"),
    # a bad setting as given: 78, as from the environment (stranger 73: click's usage error, 2)
    "--port past 65535": ({}, ["--port", "70000"], 78, "setting port (as given): '70000'"),
    "--port below 0": ({}, ["--port", "-1"], 78, "setting port (as given): '-1'"),
}


@pytest.mark.parametrize("case", list(BAD_PORTS))
def test_a_port_out_of_range_is_one_line(store_path: Path, case: str) -> None:
    """Regression (stranger 53): a port past 65535 was a traceback of 34 lines."""
    env, options, status, words = BAD_PORTS[case]
    command = [sys.executable, "-m", "coworkmed.cli", "serve", "--store", str(store_path)]
    ended = subprocess.run(
        command + options,
        env={**os.environ, **QUIET, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ended.returncode == status, ended.stderr
    assert "Traceback" not in ended.stderr
    assert words in ended.stderr
    assert "serving" not in ended.stdout


def test_port_0_is_served_and_named_as_the_port_chosen(store_path: Path) -> None:
    """Regression (stranger 53): with --port 0 every page was named at port 0."""
    command = [sys.executable, "-m", "coworkmed.cli", "serve", "--store", str(store_path)]
    server = subprocess.Popen(
        [*command, "--port", "0"],
        env={**os.environ, **QUIET},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline().decode()
        url = first.rstrip().rsplit(" at ", 1)[1]
        assert not url.endswith(":0/"), first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}health", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered where it said"
                time.sleep(0.2)
    finally:
        status, said = stop_serving(server)
    assert status == 0, said
