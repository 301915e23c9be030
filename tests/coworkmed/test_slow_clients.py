"""The server closes the connections of clients that hold a thread or a connection without
using it (stranger 91): a request that arrives a byte every few seconds (slowloris), and an
answer its client never reads. Tested on a real waitress server on loopback, with a plain WSGI
application (the defences are the server's, not the app's)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest
from waitress import wasyncore

from coworkmed import serving
from endpoint.app import BODY_LIMIT

#: the largest body /limited takes (the app's ``BODY_LIMIT``, which the server weighs before
#: it asks for a body)
LIMITED = 1000


def _app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """/big: 64 MB in chunks; /length: the length of the body read; /slow: a short answer
    after 2.5 s; /limited: 413 for a body over ``LIMITED``; anything else: a short answer."""
    if environ["PATH_INFO"] == "/limited" and int(environ.get("CONTENT_LENGTH") or 0) > LIMITED:
        start_response("413 Content Too Large", [("Content-Length", "0")])
        return iter([])
    if environ["PATH_INFO"] == "/slow":
        time.sleep(2.5)
    if environ["PATH_INFO"] == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (b"x" * 65_536 for _ in range(1024))
    if environ["PATH_INFO"] in ("/length", "/limited"):
        length = len(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([str(length).encode()])
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return iter([b"ok"])


_app.extensions = {BODY_LIMIT: lambda path: LIMITED if path == "/limited" else 2**40}  # type: ignore[attr-defined]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(serving, "ARRIVAL_GRACE", 1.0)
    monkeypatch.setattr(serving, "SEND_STALL", 1.0)
    running: Any = serving.make_server(
        _app, host="127.0.0.1", port=0, threads=1, cleanup_interval=1,
        outbuf_high_watermark=1_048_576, **{"asyncore_use_poll": True},
    )  # fmt: skip
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        yield int(running.effective_port)
    finally:
        running.trigger.pull_trigger(lambda: wasyncore.close_all(running._map))
        thread.join(timeout=10)
        running.task_dispatcher.shutdown()


def _get(port: int, path: str = "/health", timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
        return answer


def _read_to_close(sock: socket.socket) -> bytes:
    """All ``sock`` receives until the server closes it (a reset counts as the close)."""
    answer = b""
    with contextlib.suppress(ConnectionResetError):
        while piece := sock.recv(65_536):
            answer += piece
    return answer


def _closed(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` within ``within`` seconds."""
    sock.settimeout(within)
    try:
        while sock.recv(65_536):
            continue
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


@pytest.mark.parametrize(
    "trickle",
    [b"GET /health HTTP/1.1\r\nHost: x\r\n", b"POST /x HTTP/1.1\r\nContent-Length: 500\r\n\r\n"],
)
def test_a_request_that_arrives_a_byte_at_a_time_is_closed(server: int, trickle: bytes) -> None:
    """Headers, or a body, a byte every 0.3 s: far under 1 KB a second once the grace is
    over; the connection is closed, and another client is answered meanwhile."""
    with socket.create_connection(("127.0.0.1", server), timeout=10) as slow:
        slow.sendall(trickle[:5])
        started = time.monotonic()
        closed = False
        for byte in trickle[5:] + b"x" * 20:
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if time.monotonic() - started > 6:
                break
            time.sleep(0.3)
        assert closed or _closed(slow, 3)
        assert time.monotonic() - started < 8
    assert _get(server).endswith(b"ok")


def test_a_request_that_arrives_at_a_fair_pace_is_read(server: int) -> None:
    """A request sent in pieces, quickly enough, is answered (the rule is a rate, not a
    deadline: a large upload on a slow line takes its time)."""
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        for piece in (b"GET /health HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.2)
        assert sock.recv(65_536).startswith(b"HTTP/1.1 200")


def test_an_answer_its_client_never_reads_frees_its_thread(server: int) -> None:
    """With one thread, a client that asks for 64 MB and reads none of it held the thread for
    ever; it is closed once its answer has waited ``SEND_STALL`` seconds, and the next client
    is answered."""
    with socket.create_connection(("127.0.0.1", server), timeout=10) as reader:
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.5)
        started = time.monotonic()
        assert _get(server, timeout=15).endswith(b"ok")
        assert time.monotonic() - started < 12


def _chunked(port: int, chunks: bytes, timeout: float = 20) -> bytes:
    """The answer to a POST of ``chunks`` (a chunked body, sent whole or until the server
    closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        head = b"POST /length HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(chunks)  # the server may close early: its answer is on its way
        return _read_to_close(sock)


#: chunked bodies that spend far more on their framing than on their data (stranger 91:
#: 20 MB of them cost waitress 20 s of CPU); each is refused with a 400
WASTEFUL = {
    "one-byte chunks": b"1\r\nx\r\n" * 200_000 + b"0\r\n\r\n",
    "two-byte chunks with extensions": b"2;a=b\r\nxy\r\n" * 100_000 + b"0\r\n\r\n",
    "an endless chunk-size line": b"0" * 2_000_000 + b"1\r\nx\r\n0\r\n\r\n",
    "an endless extension": b"1;" + b"a" * 2_000_000 + b"\r\nx\r\n0\r\n\r\n",
    "an endless trailer": b"1\r\nx\r\n0\r\nX-T: " + b"t" * 2_000_000 + b"\r\n\r\n",
    "empty lines between chunks": b"1\r\nx\r\n" + b"\r\n" * 1_000_000 + b"0\r\n\r\n",
}


@pytest.mark.parametrize("body", WASTEFUL.values(), ids=WASTEFUL.keys())
def test_a_chunked_body_mostly_framing_is_refused(server: int, body: bytes) -> None:
    answer = _chunked(server, body)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert _get(server).endswith(b"ok")


#: chunked bodies as clients send them: each is read whole
FAIR = {
    "4 KB chunks": (b"1000\r\n" + b"x" * 4096 + b"\r\n") * 256 + b"0\r\n\r\n",
    "300-byte chunks": (b"12c\r\n" + b"y" * 300 + b"\r\n") * 2000 + b"0\r\n\r\n",
    "a line per chunk": (b"1c\r\n" + b"z" * 27 + b"\n\r\n") * 20_000 + b"0\r\n\r\n",
    "one chunk and a trailer": b"5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n",
    "an empty body": b"0\r\n\r\n",
}


@pytest.mark.parametrize(
    ("body", "length"),
    [(b, n) for b, n in zip(FAIR.values(), (1_048_576, 600_000, 560_000, 5, 0), strict=True)],
    ids=FAIR.keys(),
)
def test_a_chunked_body_as_clients_send_it_is_read(server: int, body: bytes, length: int) -> None:
    answer = _chunked(server, body)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b"\r\n%d\r\n" % length in answer.partition(b"\r\n\r\n")[2]  # the app read it whole


@pytest.mark.parametrize(
    ("read", "written", "is_stalled"),
    [
        (100.0, 90.0, True),  # the client has read nothing for 100 s; the last write waits
        (100.0, 0.5, False),  # a request that waited 100 s for a thread: its answer just began
        (0.5, 100.0, False),  # the client read half a second ago
        (61.0, 61.0, True),  # nothing moved for over SEND_STALL
    ],
)
def test_an_answer_is_stalled_only_when_nothing_moved_for_long(
    read: float, written: float, is_stalled: bool
) -> None:
    """``stalled`` counts from the last byte moved or the answer's last write, whichever is
    later: a request that had waited longer than ``SEND_STALL`` for a thread (one thread, a
    slow answer before it) was closed between its headers and its body (found by the fast tier
    under load)."""
    now = 1_000_000.0
    channel = types.SimpleNamespace(
        requests=[object()],
        total_outbufs_len=2,
        last_activity=now - read,
        last_written=now - written,
    )
    assert serving.stalled(channel, now) is is_stalled


@pytest.mark.parametrize("length", ["5", "0", "999"])
def test_a_request_with_a_length_and_chunks_closes_its_connection(server: int, length: str) -> None:
    """RFC 9112 6.1: a request that says both Content-Length and chunked is read by its chunks,
    answered, and its connection closed: what the client sends after it is not read as another
    request (stranger 93: the connection stayed open)."""
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        head = f"POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
        sock.sendall(head.encode() + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")  # smuggled after it
        answer = _read_to_close(sock)
    assert answer.startswith(b"HTTP/1.1 200") and b"Connection: close" in answer
    assert answer.count(b"HTTP/1.1 ") == 1, answer


@pytest.mark.parametrize(
    "coding",
    [b"chunked, chunked", b"Chunked,chunked", b"chunked\r\nTransfer-Encoding: chunked"],
)
def test_a_body_chunked_twice_is_refused(server: int, coding: bytes) -> None:
    """RFC 9112 6.1: chunked is applied to a body once; a request that says it twice (in one
    field or two) is a 400 (stranger 93: it was read)."""
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        head = b"POST /length HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: "
        sock.sendall(head + coding + b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        answer = _read_to_close(sock)
    assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer[:200]


SLOW = b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"


def _status_line(sock: socket.socket, data: bytes = b"") -> tuple[bytes, bytes]:
    """The next status line ``sock`` receives (``data``: bytes received already), and the bytes
    after it."""
    while b"\r\n" not in data:
        chunk = sock.recv(65_536)
        assert chunk, f"closed unanswered after {data!r}"
        data += chunk
    line, _, rest = data.partition(b"\r\n")
    return line, rest


def test_a_body_asked_for_behind_a_slow_request_is_read(server: int) -> None:
    """A request that expects 100-continue behind a slow one on the same connection: the 100
    is sent once the slow one is answered, and the body is read from then on (stranger 97, M1:
    the arrival clock counted the wait for the slow one, and closed the connection as a slow
    client's, unanswered)."""
    with socket.create_connection(("127.0.0.1", server), timeout=15) as sock:
        sock.sendall(
            SLOW + b"POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 55\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        answer = b""
        while b"100 Continue\r\n\r\n" not in answer:
            chunk = sock.recv(65_536)
            assert chunk, f"closed before the 100: {answer!r}"
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        sock.sendall(b"x" * 55)
        line, rest = _status_line(sock, answer.split(b"100 Continue\r\n\r\n", 1)[1])
        assert line.startswith(b"HTTP/1.1 200"), line
        while not rest.endswith(b"\r\n0\r\n\r\n"):  # the body, chunked: its length read
            chunk = sock.recv(65_536)
            assert chunk, f"closed before the answer ended: {rest!r}"
            rest += chunk
        assert b"\r\n\r\n2\r\n55\r\n" in rest, rest


def test_a_body_too_large_behind_a_slow_request_is_refused_at_once(server: int) -> None:
    """A request whose body its path does not take, expecting 100-continue behind a slow one:
    it is answered (the app's 413) without asking for the body, once the slow one is; it was
    never answered (stranger 97, M1), the server waiting for a body it had refused."""
    with socket.create_connection(("127.0.0.1", server), timeout=15) as sock:
        sock.sendall(
            SLOW + b"POST /limited HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        answer = _read_to_close(sock)
    first, rest = answer.split(b"\r\n", 1)
    assert first.startswith(b"HTTP/1.1 200"), answer
    assert b"HTTP/1.1 413" in rest and b"100 Continue" not in rest, answer
