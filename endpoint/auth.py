"""Who may write: SPARQL Update and Graph Store writes need the bearer token of the settings.

With no ``update_token`` configured, writes are off (403). Otherwise a request must carry
``Authorization: Bearer <token>`` (RFC 6750): without it, or with another token, the answer is
401 with a ``WWW-Authenticate`` challenge. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac

from flask import Response, current_app, request

REALM = "coworkmed"


def bearer_token() -> str | None:
    """The token of the request's Authorization header, if it is a Bearer one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def may_write() -> bool:
    """Whether the request carries the configured update token."""
    expected = current_app.config["COWORKMED"]["update_token"]
    given = bearer_token()
    return bool(expected) and given is not None and hmac.compare_digest(given, expected)


def write_refusal() -> Response | None:
    """The answer to a write request without the right token, or None when it may write."""
    if not current_app.config["COWORKMED"]["update_token"]:
        return Response(
            "writes (SPARQL Update, Graph Store) are not enabled on this service\n",
            403,
            mimetype="text/plain",
        )
    if may_write():
        return None
    given = bearer_token() is not None
    response = Response(
        ("the bearer token is not valid" if given else "writing needs a bearer token") + "\n",
        401,
        mimetype="text/plain",
    )
    challenge = f'Bearer realm="{REALM}"' + (', error="invalid_token"' if given else "")
    response.headers["WWW-Authenticate"] = challenge
    return response
