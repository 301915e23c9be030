"""HTTP edges every route shares: CORS for cross-origin pages, and answers without a body.

Reads may come from any web page of the ``cors_origins`` setting: a CORS preflight (``OPTIONS``
with ``Access-Control-Request-Method``) for a read is answered with the methods and request
headers reads need, so that a page on another origin (YASGUI, Comunica) can POST a query as
``application/sparql-query`` or as a form. Writes (SPARQL Update, Graph Store writes,
submissions) stay same-origin unless their origin is in ``cors_write_origins``: their preflight
gets no ``Access-Control-Allow-*`` headers, and their answers no ``Access-Control-Allow-Origin``
(every read's answer has it, whichever route gives it).
A write needs the bearer token, sent in ``Authorization``, which only a write origin may send.

A 204 or 304 answer has no body, so no ``Content-Type`` (Flask would add ``text/html``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, g, request
from werkzeug.wrappers import Response as BaseResponse

from endpoint.context import current_request
from endpoint.urls import SENT_HOST

#: request method -> whether it reads, by Flask endpoint (``*``: any route); a POST to /sparql
#: may be a query: its preflight is a read's (the update itself is told by its body, below)
READ_METHODS: dict[str, frozenset[str]] = {
    "GET": frozenset({"*"}),
    "HEAD": frozenset({"*"}),
    # a validation publishes nothing: a read (it counted as a write, and woke the dump exporter
    # and was refused to the origins of cors_origins: stranger 57)
    "POST": frozenset({"sparql.sparql", "submissions.validate_upload", "submissions.api_validate"}),
}
#: request headers a cross-origin read may send (lower case): negotiation, the body's type, every
#: condition and range a read weighs (RFC 9110 13 and 14: a page resuming a dump sends Range and
#: If-Range), Cache-Control and Pragma (``no-cache`` asks for an answer made afresh), and the
#: X-Requested-With that libraries add (ignored). A preflight naming Range, Pragma or
#: X-Requested-With was refused (stranger 48)
READ_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-language",
        "content-type",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "if-range",
        "range",
        "cache-control",
        "pragma",
        "x-requested-with",
    }
)
#: what a write origin may send besides: the bearer token
WRITE_HEADERS = READ_HEADERS | {"authorization"}
WRITE_METHODS: tuple[str, ...] = ("GET", "HEAD", "POST", "PUT", "DELETE")
#: how long a browser may keep a preflight's answer, in seconds
PREFLIGHT_MAX_AGE = "600"
#: POST bodies to /sparql that are updates (a form is one when ``endpoint.sparql`` read an
#: ``update`` field from it: ``g.sparql_operation``; the body is not read again here)
UPDATE_TYPES = frozenset({"application/sparql-update"})


def origins(settings: Mapping[str, Any], name: str) -> frozenset[str]:
    """The origins a setting (``cors_origins``, ``cors_write_origins``) lists; ``*``: any."""
    return _listed(str(settings[name]))


@functools.lru_cache(maxsize=16)
def _listed(value: str) -> frozenset[str]:
    """The origins ``value`` lists, read once per value (it is asked at every request)."""
    return frozenset(value.split())


def allowed(origin: str, listed: frozenset[str]) -> bool:
    return "*" in listed or origin in listed


def is_write() -> bool:
    """Whether the request changes something (or tries to): anything but a read method of
    ``READ_METHODS``, or a SPARQL Update sent by POST."""
    request = current_request()
    endpoints = READ_METHODS.get(request.method, frozenset())
    if "*" not in endpoints and request.endpoint not in endpoints:
        return True
    if request.method != "POST":
        return False
    return request.mimetype in UPDATE_TYPES or g.get("sparql_operation") == "update"


def _requested_headers() -> set[str]:
    listed = request.headers.get("Access-Control-Request-Headers", "")
    return {name.strip().lower() for name in listed.split(",") if name.strip()}


#: a Host field's value (RFC 9110 7.2; RFC 3986 3.2.2): an IP literal in brackets or a name
#: of unreserved characters (a DNS name, an IPv4 address), maybe with a port. Not the
#: sub-delimiters a reg-name may hold: "," (two Host lines reach the app joined by ", "), "*"
#: ("http://host*", stranger 95) or ";" name no host
HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%]+)(:[0-9]*)?")
#: an absolute-form request target (RFC 9112 3.2.2): its authority, the first group
ABSOLUTE = re.compile(r"https?://([^/?#]*)", re.IGNORECASE)


def target_problem(target: str | None) -> str | None:
    """What is wrong with a request target as sent (waitress's ``REQUEST_URI``), or None: it
    is a path (origin-form), an ``http`` URI naming a host (absolute-form) or ``*`` (RFC 9112
    3.2). None when the server did not say what was sent (Flask's test client)."""
    if target is not None and "#" in target:  # a client keeps the fragment to itself
        return "a request target has no fragment (#...)"
    if target is None or target == "*" or target.startswith("/"):
        return None
    absolute = ABSOLUTE.match(target)
    if absolute is None:
        return "the request target is neither a path, an http URI nor *"
    if HOST.fullmatch(absolute.group(1)) is None:
        return "the request target's host is not a host name or address"
    return None


def host_problem(host: str | None, protocol: str) -> str | None:
    """What is wrong with a request's ``Host`` field (``host``: its value, None when there is
    none), or None: HTTP/1.1 requires it (RFC 9112 3.2: a server answers 400 to a request
    without it, with two, or with one that is no host)."""
    if host is None:
        return (
            "an HTTP/1.1 request names its host in a Host field" if protocol >= "HTTP/1.1" else None
        )
    if HOST.fullmatch(host) is None:
        return "the Host field names one host, sent once (a name or an address, maybe a port)"
    return None


def malformed() -> Response | None:
    """A 400 to a request whose target or ``Host`` is not HTTP's (stranger 94 and 95: a
    missing or doubled Host, and targets such as ``**`` or ``*;a``, were answered as if
    well-formed, by a 200 or a 404; stranger 96: a fragment too); None for any other request.
    A method no resource here takes is the routes' 405, listing those it takes (RFC 9110
    would have 501 for one it does not know; no input gets a 5xx from this service)."""
    environ = request.environ
    problem = target_problem(environ.get("REQUEST_URI")) or host_problem(
        environ.get(SENT_HOST, environ.get("HTTP_HOST")), str(environ.get("SERVER_PROTOCOL", ""))
    )
    if problem is None:
        return None
    from endpoint.responses import error  # here: responses reads this module's answers

    return error(400, problem)


#: the methods some route of this server takes, said to ``OPTIONS *``
SERVER_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"


def server_wide() -> Response | None:
    """The answer to a request for the server as a whole (the asterisk-form, ``OPTIONS *``,
    RFC 9112 3.2.4), which no route names: 204 with the methods the server takes (RFC 9110
    9.3.7; stranger 92: 404), and 400 to another method, for which that form is not a target.
    None for any other request (its target is a path: it starts with "/")."""
    environ = request.environ
    if request.method == "OPTIONS" and ABSOLUTE.fullmatch(environ.get("REQUEST_URI", "")):
        # an http URI with no path nor query: how "*" is sent in absolute form (RFC 9112
        # 3.2.4; stranger 97: a 308 to "/")
        return _whole_server()
    if environ.get("PATH_INFO") != "*":
        return None
    from endpoint.responses import error  # here: responses reads this module's answers

    # the target as sent: "%2A" or "*?a=1" is no asterisk-form, and no path either (stranger
    # 94: both were answered as "*"; ``malformed`` refused them before)
    if environ.get("REQUEST_URI", "*") != "*":
        return error(400, "the request target is neither a path, an http URI nor *")
    if request.method != "OPTIONS":
        return error(400, "the target * names the server as a whole, for OPTIONS alone")
    return _whole_server()


def _whole_server() -> Response:
    """The answer to ``OPTIONS *``: 204 with the methods some route takes."""
    response = Response(status=204)
    response.headers["Allow"] = SERVER_METHODS
    return response


def preflight() -> Response | None:
    """The answer to a CORS preflight (``OPTIONS`` with ``Origin`` and
    ``Access-Control-Request-Method``) on a route of this server; None for any other request."""
    request = current_request()
    origin = request.headers.get("Origin")
    method = request.headers.get("Access-Control-Request-Method", "").strip().upper()
    if request.method != "OPTIONS" or not origin or not method or request.url_rule is None:
        return None
    settings = current_app.config["COWORKMED"]
    asked = _requested_headers()
    methods: tuple[str, ...]
    headers: frozenset[str]
    endpoints = READ_METHODS.get(method, frozenset())
    reads = "*" in endpoints or request.endpoint in endpoints
    if allowed(origin, origins(settings, "cors_write_origins")):
        methods, headers = WRITE_METHODS, WRITE_HEADERS
    elif reads and allowed(origin, origins(settings, "cors_origins")):
        methods = tuple(m for m, e in READ_METHODS.items() if "*" in e or request.endpoint in e)
        headers = READ_HEADERS
    else:
        methods, headers = (), frozenset()
    refused = method not in methods or not asked <= headers
    response = Response(status=403 if refused else 204)
    response.vary.add("Origin")
    if refused:  # no Access-Control-Allow-*: the browser does not send the request
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(headers))
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


#: headers a browser page on another origin may read from an answer, besides those Fetch lets
#: it read (its CORS-safelisted response-header names): the validators, the state it shows, a
#: result cut at max_rows, which part of a dump a 206 holds, and when to try again after a 503
#: or 429 (stranger 110: a 304's tag and a 503's Retry-After could not be read)
EXPOSED = (
    "ETag", "Result-Truncated", "Store-Generation", "Content-Range", "Accept-Ranges",
    "Retry-After",
)  # fmt: skip


def expose(response: BaseResponse) -> None:
    """Let a page on another origin read the headers of ``EXPOSED`` from an answer, beside any
    its route exposes itself."""
    given = response.headers.get("Access-Control-Expose-Headers", "")
    names = [name.strip() for name in given.split(",") if name.strip()]
    known = {name.lower() for name in names}
    names += [name for name in EXPOSED if name.lower() not in known]
    response.headers["Access-Control-Expose-Headers"] = ", ".join(names)


def cors_answer(response: Response) -> Response:
    """``Access-Control-Allow-Origin`` on every answer (a preflight has its own): a read's for
    the origins of ``cors_origins`` (``*``, or the request's origin when it is listed), a
    write's only for an origin of ``cors_write_origins``."""
    request = current_request()
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return response
    settings = current_app.config["COWORKMED"]
    origin = request.headers.get("Origin", "")
    write = is_write()
    listed = origins(settings, "cors_write_origins" if write else "cors_origins")
    if "*" in listed and not write:
        response.headers["Access-Control-Allow-Origin"] = "*"
        expose(response)  # on every answer a page may read: a 304, a 503 (stranger 110)
        return response
    # the answer depends on the origin asking, whether it is listed or not (or not given): a
    # shared cache must keep one copy per origin (stranger 44: the copy made for a request
    # without Origin, with no Allow-Origin, was fit to serve a listed origin)
    if listed:
        response.vary.add("Origin")
    if origin and allowed(origin, listed):
        response.headers["Access-Control-Allow-Origin"] = origin
        expose(response)
    else:
        response.headers.pop("Access-Control-Allow-Origin", None)
    return response


#: statuses whose answers have no body (RFC 9110 15.3.5, 15.4.5)
BODILESS = frozenset({204, 304})


def no_body_type(response: Response) -> Response:
    """No ``Content-Type`` on an answer that has no body; an ``OPTIONS`` Flask answers by
    itself (an empty 200 typed text/html) is a 204, as /sparql's own (stranger 92)."""
    automatic = request.method == "OPTIONS" and response.status_code == 200
    if automatic and not response.is_streamed and not response.get_data():
        response.status_code = 204
    if response.status_code in BODILESS:
        response.headers.pop("Content-Type", None)
    return response


#: seconds a client told to try again (503) is asked to wait, unless its answer says otherwise
RETRY_AFTER = "5"


def retry_later(response: Response) -> Response:
    """``Retry-After`` on every 503 that has none: a busy pool, an answer being worked out, a
    store that cannot be reached, on a page, an API or /sparql alike (stranger 59: the pages'
    503s had none, as docs/serving.md promises)."""
    if response.status_code == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def language_vary(response: Response) -> Response:
    """``Vary: Accept-Language, Cookie`` on an answer whose language followed that header or the
    language cookie (the routes read it through ``endpoint.responses.reader_language``, which
    notes it)."""
    if g.get("language_from_header"):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response
