"""Headers every response carries, so that a browser treats the service's pages as strictly as
it can: a Content-Security-Policy that lets a page run only the scripts and styles this server
serves (partner data shown on a page can never run as code, even if escaping were missed), no
MIME sniffing, no framing by other sites, no referrer sent elsewhere.

A data answer (SPARQL results, RDF, CSV, JSON...: any media type outside ``PAGE_TYPES``) is no
page: it carries a policy that lets nothing run or load at all, and no framing nor sniffing, as
OWASP advises for APIs, not the headers only a page uses (which sources its scripts, styles and
images come from, its opener, its referrer, its permissions): 0.9 KB of headers on every
answer of /sparql, read and parsed at every query (issue 20).

The policies and the headers are tables: change them here, a test reads them back from responses.
"""

from __future__ import annotations

from flask import Response, request

from validation.report import STYLE_HASH

#: Content-Security-Policy directive -> sources. Pages load scripts, styles, images and fonts
#: from this server only; ``data:`` images are Leaflet's and Chart.js's. The validation report is
#: one self-contained file: its inline style sheet is allowed by its hash, nothing else inline.
CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": f"'self' {STYLE_HASH}",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: route (Flask endpoint name) -> the directives it relaxes, and why
RELAXED: dict[str, dict[str, str]] = {
    # YASGUI's table column resizer writes its widths into <style> elements it creates
    "pages.query_page": {"style-src": "'self' 'unsafe-inline'"},
}


def policy(directives: dict[str, str]) -> str:
    """A Content-Security-Policy header value."""
    return "; ".join(f"{directive} {sources}" for directive, sources in directives.items())


#: header -> value, on every page (and every answer whose media type is not said: a 204)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": policy(CONTENT_SECURITY_POLICY),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


#: header -> value, on every data answer: nothing it holds may run, load or be framed
DATA_HEADERS: dict[str, str] = {
    "Content-Security-Policy": policy({"default-src": "'none'", "frame-ancestors": "'none'"}),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

#: the media types a browser makes a page of, or a page loads as code or style: they carry
#: ``SECURITY_HEADERS`` (a script's own policy governs it as a worker)
PAGE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/javascript",
        "application/javascript",
        "text/css",
    }
)

_RELAXED_POLICIES = {
    route: policy({**CONTENT_SECURITY_POLICY, **changes}) for route, changes in RELAXED.items()
}


#: statuses whose answers stand for an answer a client keeps, and update its headers (RFC 9111
#: 4.3.4): they carry no security header, so that the kept answer keeps its own (RFC 9110
#: 15.4.5 lists what a 304 sends). A 304 for a data answer carried the page's, and Chromium
#: then gave the kept SPARQL answer the page policy (stranger 57)
KEPT_ANSWER_STATUSES = frozenset({304})


def security_headers(media_type: str | None, status: int = 200) -> dict[str, str]:
    """The security headers of an answer of ``media_type`` (None: not said) and ``status``."""
    if status in KEPT_ANSWER_STATUSES:
        return {}
    return DATA_HEADERS if media_type and media_type not in PAGE_TYPES else SECURITY_HEADERS


def secure(response: Response) -> Response:
    """``response`` with the security headers (a route's own value is kept)."""
    headers = security_headers(response.mimetype, response.status_code)
    if not headers:  # a 304: the kept answer keeps its own, the relaxed policy too
        return response
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    if request.endpoint in _RELAXED_POLICIES:
        response.headers["Content-Security-Policy"] = _RELAXED_POLICIES[request.endpoint]
    return response
