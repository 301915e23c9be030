"""A loopback HTTP listener for the tests that prove the service fetches nothing: it records
the path of every request it is sent and answers each with the same body."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: a SPARQL result with one empty solution: what a SERVICE call would join with
ONE_SOLUTION = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
SPARQL_JSON = "application/sparql-results+json"


class Listener:
    """An HTTP server on 127.0.0.1 (a free port); ``url`` is its root, without a final ``/``;
    ``heard`` the path (with its query) of each request, in order, and ``bodies`` the body
    and the ``Accept`` of each."""

    def __init__(
        self, body: bytes = ONE_SOLUTION, media_type: str = SPARQL_JSON, status: int = 200
    ) -> None:
        heard: list[str] = []
        bodies: list[tuple[bytes, str]] = []
        self.heard, self.bodies = heard, bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # a client may keep the connection

            def _answer(self) -> None:
                heard.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                bodies.append((self.rfile.read(length), self.headers.get("Accept", "")))
                self.send_response(status)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 (the standard library's names)

            def log_message(self, *_args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def listening(
    body: bytes = ONE_SOLUTION, media_type: str = SPARQL_JSON, status: int = 200
) -> Iterator[Listener]:
    """A ``Listener`` (answering ``status``) for the duration of the block."""
    listener = Listener(body, media_type, status)
    try:
        yield listener
    finally:
        listener.close()
