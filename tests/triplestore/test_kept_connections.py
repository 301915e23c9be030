"""Reads of an external store on connections kept open (``triplestore.backends.sparql``
``KeptConnections``), against a real HTTP server on loopback that counts its connections."""

from __future__ import annotations

import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from triplestore.backends.sparql import KeptConnections, Request


class Counting(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    close_after_each = False  # close without saying so (as a store's idle timeout does)


#: request body -> the bytes the server answers with, as they are
RAW = {
    b"chunked": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\necho:\r\n7\r\nchunked\r\n0\r\n\r\n",
    b"until-closed": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    b"echo:until-closed",
    b"no-http": b"SPARQL says hello\r\n\r\n",
    b"cut-short": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\necho:",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Counting

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if body == b"slow":  # a read that lasts: others made meanwhile need a connection each
            time.sleep(0.3)
        if body in RAW:  # an answer written by hand: chunked, ended by closing, no HTTP
            self.wfile.write(RAW[body])
            self.close_connection = body != b"chunked"
            return
        status = 500 if body == b"fail" else 200
        answer = b"echo:" + body
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if self.server.close_after_each:
            self.close_connection = True

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[Counting]:
    httpd = Counting(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def kept() -> Iterator[KeptConnections]:
    connections = KeptConnections()
    yield connections
    connections.close()


def _read(server: Counting, body: bytes) -> Request:
    return Request("POST", f"http://127.0.0.1:{server.server_port}/sparql", body, {}, 10)


def test_reads_share_one_connection(server: Counting, kept: KeptConnections) -> None:
    answers = [kept.send(_read(server, f"q{n}".encode()))[2] for n in range(5)]
    assert answers == [f"echo:q{n}".encode() for n in range(5)]
    assert server.connections == 1


def test_a_connection_the_store_closed_is_opened_again(
    server: Counting, kept: KeptConnections
) -> None:
    server.close_after_each = True
    answers = [kept.send(_read(server, f"q{n}".encode()))[2] for n in range(3)]
    assert answers == [b"echo:q0", b"echo:q1", b"echo:q2"]
    assert server.connections == 3


def test_an_error_status_is_urllibs_error_with_its_body(
    server: Counting, kept: KeptConnections
) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        kept.send(_read(server, b"fail"))
    assert raised.value.code == 500 and raised.value.read() == b"echo:fail"
    assert kept.send(_read(server, b"after"))[2] == b"echo:after"  # the next read goes on


def _at_once(count: int, call: Callable[[], object]) -> None:
    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_reads_of_threads_in_turn_share_one_connection(
    server: Counting, kept: KeptConnections
) -> None:
    """Regression (issue #20): a connection per thread, and the server's 32 threads taking
    turns, opened a connection at most reads of our /sparql on Virtuoso (which keeps 10)."""
    for _ in range(5):
        _at_once(1, lambda: kept.send(_read(server, b"q")))
    assert server.connections == 1 and kept.idle() == 1


def test_reads_at_the_same_time_have_a_connection_each(
    server: Counting, kept: KeptConnections
) -> None:
    answers: list[bytes] = []
    _at_once(3, lambda: answers.append(kept.send(_read(server, b"slow"))[2]))
    assert answers == [b"echo:slow"] * 3
    assert server.connections == 3 and kept.idle() == 3
    for _ in range(3):  # then one after another: on the connections kept
        kept.send(_read(server, b"q"))
    assert server.connections == 3


def test_idle_connections_beyond_the_most_kept_are_closed(server: Counting) -> None:
    kept = KeptConnections(most_idle=2)
    try:
        _at_once(4, lambda: kept.send(_read(server, b"slow")))
        assert server.connections == 4 and kept.idle() == 2
    finally:
        kept.close()
    assert kept.idle() == 0


@pytest.mark.parametrize(
    ("environment", "url", "usable"),
    [
        ({}, "http://127.0.0.1:8890/sparql", True),
        ({}, "https://store.example/sparql", True),
        ({"http_proxy": "http://127.0.0.1:3128"}, "http://store.example/sparql", False),
        (
            {"http_proxy": "http://127.0.0.1:3128", "no_proxy": "store.example"},
            "http://store.example/sparql",
            True,
        ),
        ({}, "ftp://store.example/sparql", False),
    ],
)
def test_a_proxied_store_is_read_urllibs_way(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], url: str, usable: bool
) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    KeptConnections.usable.cache_clear()
    try:
        assert KeptConnections.usable(url) is usable
    finally:
        KeptConnections.usable.cache_clear()


@pytest.mark.parametrize(
    ("body", "answer"), [(b"chunked", b"echo:chunked"), (b"until-closed", b"echo:until-closed")]
)
def test_answers_in_every_framing_are_read_whole(
    server: Counting, kept: KeptConnections, body: bytes, answer: bytes
) -> None:
    assert kept.send(_read(server, body))[2] == answer
    assert kept.send(_read(server, b"after"))[2] == b"echo:after"


@pytest.mark.parametrize("body", [b"no-http", b"cut-short"])
def test_an_answer_that_is_no_http_or_cut_short_is_a_connection_error(
    server: Counting, kept: KeptConnections, body: bytes
) -> None:
    """An OSError, which the store's client reports as the store unavailable (503), never an
    error of another kind that would reach the server as a 500."""
    with pytest.raises(OSError):
        kept.send(_read(server, body))
    assert kept.send(_read(server, b"after"))[2] == b"echo:after"
