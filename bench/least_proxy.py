"""The least a Python front on waitress can do in front of an external store: the floor that
``bench_backends.py`` measures our /sparql on Virtuoso against, stack (e).

    python bench/least_proxy.py PORT QUERY_URL DEFAULT_GRAPH [flask]

Each POSTed form is sent on, with ``default-graph-uri=DEFAULT_GRAPH`` added, to QUERY_URL on a
connection each thread keeps, and the store's bytes are given back as they came: no check of
the query, no negotiation, no validators, no reading of the answer (Virtuoso's own JSON is
given back as it is, with its non-standard ``typed-literal``, which our /sparql corrects). It
runs on waitress with our server's options (``coworkmed.serving.server_options``), so that
what separates it from our /sparql on the same store is our own work per request, and what
separates it from the store's own /sparql is the HTTP hop any Python front adds.

With ``flask``, the same forwarding is one Flask view (no hook, no extension, the body read
from ``request.get_data()``): what separates it from the plain one is Flask's own cost per
request, the floor of any Flask front such as ours.

A measurement peer, never a server to use: it serves loopback only and checks nothing.
"""

from __future__ import annotations

import http.client
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import settings  # noqa: E402
from coworkmed.serving import server_options  # noqa: E402

#: what the store is asked to answer in (as our /sparql asks it)
ACCEPT = "application/sparql-results+json"


def forwarder(query_url: str, default_graph: str) -> Callable[[bytes], tuple[int, str, bytes]]:
    """What sends a POSTed form on to ``query_url`` over ``default_graph``, on a connection
    each thread keeps: the store's status, media type and bytes."""
    target = urllib.parse.urlsplit(query_url)
    dataset = "&" + urllib.parse.urlencode([("default-graph-uri", default_graph)])
    kept = threading.local()

    def connection(fresh: bool) -> http.client.HTTPConnection:
        if fresh or getattr(kept, "connection", None) is None:
            kept.connection = http.client.HTTPConnection(target.hostname or "", target.port)
        found: http.client.HTTPConnection = kept.connection
        return found

    def ask(body: bytes) -> tuple[int, str, bytes]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
        for fresh in (False, True):  # the store may have closed the kept connection
            link = connection(fresh)
            try:
                link.request("POST", target.path, body + dataset.encode(), headers)
                answer = link.getresponse()
                data = answer.read()
            except (http.client.HTTPException, ConnectionError):
                link.close()
                if fresh:
                    raise
                continue
            if answer.will_close:
                link.close()
            return answer.status, answer.getheader("Content-Type", ACCEPT), data
        raise AssertionError("unreachable")

    return ask


def forwarding_app(query_url: str, default_graph: str) -> Callable[..., Iterable[bytes]]:
    """The WSGI app that sends each POSTed form on to ``query_url`` over ``default_graph``."""
    ask = forwarder(query_url, default_graph)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        status, media_type, data = ask(body)
        reason = http.client.responses.get(status, "")
        start_response(
            f"{status} {reason}",
            [("Content-Type", media_type), ("Content-Length", str(len(data)))],
        )
        return [data]

    return app


def flask_forwarding_app(query_url: str, default_graph: str) -> Callable[..., Iterable[bytes]]:
    """The same forwarding as one Flask view."""
    from flask import Flask, Response, request

    ask = forwarder(query_url, default_graph)
    app = Flask(__name__)

    @app.post("/")
    def forward() -> Response:
        status, media_type, data = ask(request.get_data())
        return Response(data, status=status, content_type=media_type)

    return app


def main(port: int, query_url: str, default_graph: str, flask: bool = False) -> None:
    import waitress

    options = server_options(settings())
    app = (flask_forwarding_app if flask else forwarding_app)(query_url, default_graph)
    waitress.serve(app, host="127.0.0.1", port=port, _quiet=True, **options)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:] == ["flask"])
