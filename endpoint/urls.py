"""Absolute URLs the service publishes (service description, catalogue, VoID, pages, graphs
named by their URL), built from the ``public_url`` setting, never from the request: a client's
``Host``, ``X-Forwarded-Host`` or absolute request-target cannot put another host into them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from flask import current_app, request, url_for

from core.public_url import IRI_PATH_SAFE, OCTET, normal_public_url
from endpoint.context import current_request

#: listening addresses that name no host a client could reach
_ANY_ADDRESS = {"", "0.0.0.0", "::"}


def root_of(settings: dict[str, Any]) -> str:
    """The public URL of a service with ``settings``, without its final ``/``: ``public_url``,
    else ``http://host:port`` (localhost for an any-address host)."""
    return _root(
        str(settings.get("public_url") or ""), str(settings.get("host") or ""), settings["port"]
    )


@functools.lru_cache(maxsize=16)
def _root(public_url: str, host: str, port: Any) -> str:
    """``root_of``, worked out once per setting (it is asked at every request)."""
    given = normal_public_url(public_url)
    if given:
        return given
    host = "localhost" if host in _ANY_ADDRESS else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


#: where ``PublicHost`` keeps the Host the client sent (it sets the public URL's in its place):
#: None when it sent none
SENT_HOST = "coworkmed.sent_host"


class PublicHost:
    """WSGI middleware: every request is seen as addressed to the public URL's host and
    scheme, whatever ``Host`` (or absolute request-target) the client sent, so that nothing
    Flask or Werkzeug builds (a slash redirect, ``url_for(..., _external=True)``) names
    another host. A public URL with a path (``https://host/cwm``: the service behind a proxy
    that serves it under ``/cwm``) is the application's root (``SCRIPT_NAME``), so that every
    link and ``Location`` the service writes starts with it, whether the proxy passes the
    path on with its prefix or without it."""

    def __init__(self, app: Callable[..., Iterable[bytes]], root: str) -> None:
        self.app = app
        parts = urlsplit(root)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = unquote(parts.path.rstrip("/"), "latin-1")
        self.environ = {
            "HTTP_HOST": parts.netloc,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(port),
            "SCRIPT_NAME": self.prefix,
            "wsgi.url_scheme": parts.scheme,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        # what was sent, weighed by ``protocol.malformed`` (a request without Host is a 400)
        environ.setdefault(SENT_HOST, environ.get("HTTP_HOST"))
        environ.update(self.environ)
        if self.prefix:
            environ["PATH_INFO"] = without_prefix(environ.get("PATH_INFO", ""), self.prefix)
        if not environ.get("PATH_INFO"):  # an http URI with an empty path names "/" (RFC 9112
            environ["PATH_INFO"] = "/"  # 3.2.2; stranger 97: a 308 to it)
        return self.app(environ, start_response)


def without_prefix(path: str, prefix: str) -> str:
    """``path`` without the application's root ``prefix`` it starts with (a proxy that passes
    the whole public path on), else ``path`` as it is (a proxy that took the prefix off)."""
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix) :] or "/"
    return path


def public_root() -> str:
    """The public URL of this app's service, without its final ``/``."""
    return root_of(current_app.config["COWORKMED"])


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, ...)`` as an absolute URL under the public URL. ``url_for`` starts
    its path with the application's root as WSGI decoded it (``/données``): the public URL's
    own path is written encoded once (``/donn%C3%A9es``), as every other URL the service
    publishes, so that one resource has one IRI."""
    path = url_for(endpoint, **values)
    return public_root() + path.removeprefix(current_request().script_root)


def public_path() -> str:
    """The public URL's own path, as written in ``public_url`` and without its final ``/``
    (``/cwm``; empty for a service at the root of its host)."""
    return urlsplit(public_root()).path


def rooted(path: str) -> str:
    """A path of this service (``/doc/...``, written by hand, not by ``url_for``) as clients
    reach it: under the public URL's own path, when it has one (``/cwm/doc/...``)."""
    return public_path() + path


def request_url() -> str:
    """The URL of the request being served (without its query) under the public URL: what
    ``request.base_url`` would be, whatever Host the client sent."""
    return public_root() + request_path()


#: where a request keeps its ``request_path`` once worked out (in its WSGI environ)
_PATH_KEY = "coworkmed.request_path"


def request_path() -> str:
    """The path of the request being served, percent-encoded once as the client wrote it: an
    IRI's ``%2F`` stays ``%2F`` (``request.path`` has it decoded to ``/``, naming another
    resource), whatever else is encoded once. Worked out once per request (it is asked for
    its URL, its validators and its answer)."""
    found: str | None = request.environ.get(_PATH_KEY)
    if found is None:
        found = request.environ[_PATH_KEY] = _request_path()
    return found


def _request_path() -> str:
    request = current_request()
    raw = raw_route_tail(0, request.path.removeprefix("/"))
    return "/" + (
        raw if raw is not None else quote(request.path.removeprefix("/"), safe=IRI_PATH_SAFE)
    )


def _encoded_once(raw: str) -> str:
    """``raw`` (a path as it came, its octets as latin-1 characters) with every ``%XX`` kept
    (in upper case) and every other character that cannot stand in an IRI encoded: a lone
    ``%``, spaces, ``<``, ``>``, bytes beyond ASCII (a client that sent UTF-8 unencoded)."""
    pieces: list[str] = []
    position = 0
    for octet in OCTET.finditer(raw):
        pieces.append(quote(raw[position : octet.start()].encode("latin-1"), safe=IRI_PATH_SAFE))
        pieces.append(octet.group().upper())
        position = octet.end()
    pieces.append(quote(raw[position:].encode("latin-1"), safe=IRI_PATH_SAFE))
    return "".join(pieces)


def raw_route_tail(fixed: int, decoded: str) -> str | None:
    """The last part of the request's path, after the route's ``fixed`` first segments, as the
    client wrote it (``%2F`` stays ``%2F``: Werkzeug decodes it to ``/`` before routing), from
    the raw request-target the server keeps (``REQUEST_URI``: waitress, mod_wsgi; ``RAW_URI``:
    gunicorn). None when the server keeps none, or it does not decode to ``decoded`` (the path
    the route received). Octets that are no UTF-8 stay as they were sent (``%FF``, never the
    ``%EF%BF%BD`` of the U+FFFD Werkzeug decoded them to)."""
    request = current_request()
    target = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if not isinstance(target, str) or not target:
        return None
    raw = urlsplit(target).path if "://" in target.split("?", 1)[0] else target.split("?", 1)[0]
    root = public_path()
    raw = without_prefix(raw, root) if root else raw
    parts = raw.split("/")
    if len(parts) < fixed + 2 or parts[0] != "":
        return None
    tail = "/".join(parts[fixed + 1 :])
    # Werkzeug decodes octets that are no UTF-8 to U+FFFD: ``%FF`` is compared so, and kept
    decoded_tail = unquote_to_bytes(tail).decode("utf-8", "replace")
    return _encoded_once(tail) if decoded_tail == decoded else None
