"""Absolute URLs the service publishes (service description, catalogue, VoID, pages, graphs
named by their URL), built from the ``public_url`` setting, never from the request: a client's
``Host``, ``X-Forwarded-Host`` or absolute request-target cannot put another host into them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for

from core.settings import SettingsError

#: listening addresses that name no host a client could reach
_ANY_ADDRESS = {"", "0.0.0.0", "::"}


def root_of(settings: dict[str, Any]) -> str:
    """The public URL of a service with ``settings``, without its final ``/``: ``public_url``,
    else ``http://host:port`` (localhost for an any-address host)."""
    given = str(settings.get("public_url") or "").rstrip("/")
    if given:
        parts = urlsplit(given)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise SettingsError(f"public_url {given!r} is not an http(s) URL without a query")
        return given
    host = str(settings.get("host") or "")
    host = "localhost" if host in _ANY_ADDRESS else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings['port']}"


class PublicHost:
    """WSGI middleware: every request is seen as addressed to the public URL's host and
    scheme, whatever ``Host`` (or absolute request-target) the client sent, so that nothing
    Flask or Werkzeug builds (a slash redirect, ``url_for(..., _external=True)``) names
    another host."""

    def __init__(self, app: Callable[..., Iterable[bytes]], root: str) -> None:
        self.app = app
        parts = urlsplit(root)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.environ = {
            "HTTP_HOST": parts.netloc,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(port),
            "wsgi.url_scheme": parts.scheme,
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ.update(self.environ)
        return self.app(environ, start_response)


def public_root() -> str:
    """The public URL of this app's service, without its final ``/``."""
    return root_of(current_app.config["COWORKMED"])


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, ...)`` as an absolute URL under the public URL."""
    return public_root() + url_for(endpoint, **values)


def request_url() -> str:
    """The URL of the request being served (without its query) under the public URL: what
    ``request.base_url`` would be, whatever Host the client sent."""
    return public_root() + request.path
