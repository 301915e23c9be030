"""Who may write, and how often: SPARQL Update and Graph Store writes need the bearer token of
the settings; every write path (these and partner submissions) is rate-limited per client.

With no ``update_token`` configured, writes are off (403). Otherwise a request must carry
``Authorization: Bearer <token>`` (RFC 6750): without it, or with another token, the answer is
401 with a ``WWW-Authenticate`` challenge. Tokens are compared in constant time and never logged.
A client address that sends more than ``write_rate`` write requests a minute, refused or not (so
that tokens cannot be guessed at speed), gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import math
import threading
import time

from flask import Response, current_app, request

from endpoint.responses import error

REALM = "coworkmed"


def bearer_token() -> str | None:
    """The token of the request's Authorization header, if it is a Bearer one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def may_write() -> bool:
    """Whether the request carries the configured update token."""
    expected = current_app.config["COWORKMED"]["update_token"]
    given = bearer_token()
    # compared as bytes: compare_digest refuses str with non-ASCII characters
    return (
        bool(expected)
        and given is not None
        and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    )


class WriteLimiter:
    """At most ``per_minute`` requests per client, each client with its own bucket that refills
    continuously (a token bucket of ``per_minute`` requests); 0: no limit."""

    #: clients remembered at most (full buckets are forgotten first)
    MAX_CLIENTS = 10_000

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (requests left, when)
        self._lock = threading.Lock()

    def wait(self, client: str, now: float | None = None) -> float:
        """0 when ``client`` may make one more request now (and count it), else the seconds
        before it may."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60
        with self._lock:
            left, when = self._buckets.get(client, (float(self.per_minute), now))
            left = min(float(self.per_minute), left + (now - when) * rate)
            if left < 1:
                self._buckets[client] = (left, now)
                return (1 - left) / rate
            self._buckets[client] = (left - 1, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_full(now, rate)
            return 0.0

    def _forget_full(self, now: float, rate: float) -> None:
        full = [
            c
            for c, (left, when) in self._buckets.items()
            if left + (now - when) * rate >= self.per_minute
        ]
        for client in full:
            del self._buckets[client]


def rate_wait(limiter_name: str = "coworkmed.writes") -> tuple[int, int] | None:
    """The whole seconds this client must wait before one more request of this kind (and the
    requests a minute the limiter allows), when it has made too many lately; None when it
    may go on (then the request counts). ``limiter_name``: the app extension that counts them."""
    limiter: WriteLimiter = current_app.extensions[limiter_name]
    wait = limiter.wait(request.remote_addr or "unknown")
    return (math.ceil(wait), limiter.per_minute) if wait else None


def rate_refusal(limiter_name: str = "coworkmed.writes", what: str = "write") -> Response | None:
    """429 (``endpoint.responses.error``: plain text for the SPARQL and Graph Store protocols'
    clients, problem details for those that name them) when this client has
    made too many requests of this kind lately (``rate_wait``), else None (and the request
    counts). The API and the validation page answer their own 429, in the reader's language
    (``endpoint.submissions``)."""
    waited = rate_wait(limiter_name)
    if waited is None:
        return None
    seconds, per_minute = waited
    response = error(
        429,
        f"too many {what} requests from this address: at most {per_minute} a minute; "
        f"try again in {seconds} s",
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def write_refusal() -> Response | None:
    """The answer to a write request that is too frequent or lacks the right token, or None when
    it may write."""
    limited = rate_refusal()
    if limited is not None:
        return limited
    if not current_app.config["COWORKMED"]["update_token"]:
        return error(403, "writes (SPARQL Update, Graph Store) are not enabled on this service")
    if may_write():
        return None
    given = bearer_token() is not None
    response = error(
        401, "the bearer token is not valid" if given else "writing needs a bearer token"
    )
    challenge = f'Bearer realm="{REALM}"' + (', error="invalid_token"' if given else "")
    response.headers["WWW-Authenticate"] = challenge
    return response
