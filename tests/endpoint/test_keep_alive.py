"""A connection is kept after an answer without a body, as after any other, unless the client
or HTTP/1.0 says otherwise (``keep-alive.yaml``): raw requests to a real waitress server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from flask import Flask

from endpoint.app import create_app
from tests.backends import oxigraph_published

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("keep-alive.yaml").read_text(encoding="utf-8")
)
#: a request answered 200 with a body, sent after a case's on the same connection
AFTER = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def app(store_path: Path) -> Iterator[Flask]:
    app = create_app(oxigraph_published(store_path).config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


def _answer(connection: socket.socket, head: bool) -> tuple[int, dict[str, str]]:
    """The status and headers of one answer read off ``connection``, its body read past."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"closed before the answer ended: {data!r}"
        data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    length = 0 if head else int(fields.get("Content-Length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        assert chunk, "closed before the body ended"
        body += chunk
    return int(lines[0].split()[1]), fields


def _closed(connection: socket.socket) -> bool:
    """Whether the server closed ``connection`` (its end read) within a second."""
    connection.settimeout(1)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_connection_is_kept_unless_something_says_otherwise(
    live: str, case: dict[str, Any]
) -> None:
    address = urlsplit(live)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(case["request"].encode("latin-1"))
        status, fields = _answer(connection, case["request"].startswith("HEAD"))
        assert status == case["status"]
        assert _closed(connection) is not case["kept"], fields
        assert ("close" in fields.get("Connection", "").lower()) is not case["kept"]
        if case["kept"]:
            connection.settimeout(30)
            connection.sendall(AFTER)
            assert _answer(connection, head=False)[0] == 200
