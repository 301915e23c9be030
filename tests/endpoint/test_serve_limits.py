"""`coworkmed serve` itself (waitress in front of the app): a body the app would refuse is
refused before waitress spools it to disk, whichever way it is sent (Content-Length or chunked,
to any route), and the server goes on answering."""

from __future__ import annotations

import http.client
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coworkmed.serving import serve_process

#: small limits, so that a refused body is small too
LIMITS = {"COWORKMED_MAX_BODY": "20000", "COWORKMED_MAX_UPLOAD": "50000"}
#: (method, path, content type) of the routes that read a body
ROUTES = [
    ("POST", "/sparql", "application/sparql-query"),
    ("POST", "/api/validate", "multipart/form-data; boundary=x"),
    ("POST", "/validate", "multipart/form-data; boundary=x"),
    ("PUT", "/store?default", "text/turtle"),
]


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[str]:
    with serve_process(store_path, LIMITS) as base:
        yield base


#: what a client tries to send; what it manages to send before the server refuses must be far less
SENT = 300_000_000
#: what may pass before the refusal: the limit, plus what the socket buffers hold
AT_MOST = 40_000_000


def _send(base: str, method: str, path: str, media_type: str, chunked: bool) -> tuple[int, int]:
    """The status (0: the connection was closed first) and the bytes sent before the answer."""
    address = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    sent, piece = 0, b"#" * 1_048_576
    try:
        connection.putrequest(method, path)
        connection.putheader("Content-Type", media_type)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
        else:
            connection.putheader("Content-Length", str(SENT))
        connection.endheaders()
        frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        while sent < SENT:
            connection.send(frame)
            sent += len(piece)
        connection.send(b"0\r\n\r\n" if chunked else b"")
        return connection.getresponse().status, sent
    except (BrokenPipeError, ConnectionResetError):
        return 0, sent  # refused and closed before the whole body was sent
    finally:
        connection.close()


@pytest.mark.slow  # ~15 s a case (a server process)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize(("method", "path", "media_type"), ROUTES, ids=[r[1] for r in ROUTES])
def test_a_body_beyond_the_limits_is_refused_before_it_is_read(
    server: str, method: str, path: str, media_type: str, chunked: bool
) -> None:
    status, sent = _send(server, method, path, media_type, chunked)
    assert status in (0, 413) and sent < AT_MOST, (status, sent)
    with urllib.request.urlopen(f"{server}/health", timeout=30) as again:
        assert again.status == 200
