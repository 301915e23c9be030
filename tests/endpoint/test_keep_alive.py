"""A connection is kept after an answer without a body, as after any other, unless the client
or HTTP/1.0 says otherwise (``keep-alive.yaml``): raw requests to a real waitress server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from flask import Flask
from werkzeug.http import http_date

from endpoint.app import create_app
from tests.backends import oxigraph_published

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("keep-alive.yaml").read_text(encoding="utf-8")
)
#: a request answered 200 with a body, sent after a case's on the same connection
AFTER = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def app(store_path: Path) -> Iterator[Flask]:
    # an answer over 2,000 bytes is streamed, in chunks
    app = create_app(oxigraph_published(store_path).config(query_workers=1, stream_above=2000))
    yield app
    app.extensions["coworkmed.pool"].close()


def _read_until(connection: socket.socket, data: bytes, end: bytes) -> bytes:
    while end not in data:
        chunk = connection.recv(65536)
        assert chunk, f"closed before the answer ended: {data[-200:]!r}"
        data += chunk
    return data


def _answer(
    connection: socket.socket, head: bool, data: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """The status and headers of one answer read off ``connection`` (``data``: bytes read off
    it already), its body read past (by its length, or to its last chunk), and the bytes read
    past its end."""
    header, _, rest = _read_until(connection, data, b"\r\n\r\n").partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    fields = {name.lower(): value for name, value in (f.split(": ", 1) for f in lines[1:])}
    fields[":version"] = lines[0].split()[0]  # (as HTTP/2 names its pseudo-fields)
    status = int(lines[0].split()[1])
    if head or status in (204, 304):
        return status, fields, rest
    if fields.get("transfer-encoding") == "chunked":
        while True:  # each chunk: its size in hex, its bytes
            size_line, _, rest = _read_until(connection, rest, b"\r\n").partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            rest = _read_until(connection, rest, b"\r\n") if size == 0 else rest
            while len(rest) < size + 2:
                rest += connection.recv(65536)
            rest = rest[size + 2 :]
            if size == 0:
                return status, fields, rest
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        assert chunk, "closed before the body ended"
        rest += chunk
    return status, fields, rest[length:]


def _then(connection: socket.socket) -> str:
    """What the server does next on ``connection`` within a second: ``closed`` it, stayed
    ``quiet``, or sent ``bytes`` no request asked for."""
    connection.settimeout(1)
    try:
        return "closed" if connection.recv(1) == b"" else "bytes"
    except ConnectionResetError:  # closed with bytes of the request unread (a 414, a 431)
        return "closed"
    except TimeoutError:
        return "quiet"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_connection_is_kept_unless_something_says_otherwise(
    live: str, case: dict[str, Any]
) -> None:
    address = urlsplit(live)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        now = http_date(time.time())  # an If-Modified-Since the server's clock has reached
        requests = [each.replace("{now}", now).encode("latin-1") for each in case.get("then", [])]
        sent = case["request"].replace("{long}", "a" * case.get("long", 0)).replace("{now}", now)
        connection.sendall(sent.encode("latin-1") + b"".join(requests))
        status, fields, rest = _answer(connection, case["request"].startswith("HEAD"))
        assert status == case["status"]
        # HTTP/1.1, or 1.0 to a 1.0 request: waitress's own refusals (a 414, a 431, a 400)
        # said 1.0 to 1.1 requests (stranger 96, L3)
        version = "HTTP/1.0" if " HTTP/1.0\r\n" in case["request"] else "HTTP/1.1"
        assert fields[":version"] == version, fields
        for request, expected in zip(requests, case.get("then_status", []), strict=True):
            # sent behind it, on the same connection: answered whole, in order
            followed, _fields, rest = _answer(connection, request.startswith(b"HEAD"), rest)
            assert followed == expected
        assert rest == b""  # no byte past the last answer
        assert _then(connection) == ("quiet" if case["kept"] else "closed"), fields
        assert ("close" in fields.get("connection", "").lower()) is not case["kept"]
        if case["kept"]:
            connection.settimeout(30)
            connection.sendall(AFTER)
            assert _answer(connection, head=False)[0] == 200


@pytest.mark.parametrize("path", ["/api/validate", "/validate", "/api/submissions"])
def test_an_upload_its_path_takes_is_asked_for(live: str, path: str) -> None:
    """2 MB, over a query's limit and under an upload's: ``100 Continue``, then its answer
    once the body is sent."""
    address = urlsplit(live)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n"
            "Content-Type: application/octet-stream\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        assert connection.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        connection.sendall(b"x" * 2_000_000)
        status, _fields, _rest = _answer(connection, head=False)
        assert 400 <= status < 500 and status != 413
