"""A SERVICE call to an allowed peer that fails (issue #20, stranger 110): the peer failed, not
the client's query, so the answer is a 502 that says so, not a 400; ``SERVICE SILENT`` goes on
without the peer. Each peer is a loopback listener (or a port nothing listens on)."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import Published
from tests.endpoint.test_caching import fetch
from tests.listener import listening

#: how each peer fails: (status it answers, Content-Type, body), or None for a port nothing
#: listens on -> the status the client is answered
PEERS: dict[str, tuple[tuple[int, str, bytes] | None, int]] = {
    "refuses the connection": (None, 502),
    "answers 500": ((500, "text/plain", b"down"), 502),
    "answers 503": ((503, "application/sparql-results+json", b"{}"), 502),
    "answers HTML": ((200, "text/html", b"<html>a login page</html>"), 502),
    "answers broken results": ((200, "application/sparql-results+json", b'{"head":'), 502),
}
QUERY = "SELECT * WHERE {{ SERVICE {silent}<{peer}> {{ ?s ?p ?o }} }} LIMIT 1"
#: an update whose WHERE asks the peer (stranger 111: still a 400)
UPDATE = (
    "INSERT {{ GRAPH <https://w3id.org/coworkmed/id/peered> {{ ?s ?p ?o }} }} "
    "WHERE {{ SERVICE <{peer}> {{ ?s ?p ?o }} }}"
)
TOKEN = "token-of-the-peers-test"


@contextmanager
def _peer(failure: tuple[int, str, bytes] | None) -> Iterator[str]:
    """The SPARQL endpoint of a peer that fails so."""
    if failure is None:
        with socket.socket() as probe:  # bound, never listening: the connection is refused
            probe.bind(("127.0.0.1", 0))
            yield f"http://127.0.0.1:{probe.getsockname()[1]}/sparql"
        return
    status, media_type, body = failure
    with listening(body, media_type, status) as listener:
        yield f"{listener.url}/sparql"


@pytest.fixture(params=list(PEERS), ids=list(PEERS))
def failing(published: Published, request: pytest.FixtureRequest) -> Iterator[tuple[str, str, int]]:
    """A server whose one allowed peer fails: (its base, the peer, the status expected)."""
    if published.backend != "oxigraph":
        pytest.skip("the peer is asked by the service's own engine (Virtuoso's SERVICE is its own)")
    failure, status = PEERS[request.param]
    with _peer(failure) as peer:
        config = published.config(query_workers=1, service_peers=peer, update_token=TOKEN)
        app = create_app(config)
        try:
            with serve_in_thread(app) as base:
                yield base, peer, status
        finally:
            app.extensions["coworkmed.pool"].close()


def test_a_failing_peer_is_a_bad_gateway_not_the_clients_error(
    failing: tuple[str, str, int],
) -> None:
    base, peer, status = failing
    query = QUERY.format(silent="", peer=peer)
    answer = fetch(base, "/sparql?" + urllib.parse.urlencode({"query": query}), {})
    assert answer.status == status, answer.body[:300]
    assert b"a SERVICE peer failed, not this query" in answer.body
    silent = QUERY.format(silent="SILENT ", peer=peer)
    answer = fetch(base, "/sparql?" + urllib.parse.urlencode({"query": silent}), {})
    assert answer.status == 200, answer.body[:300]


def test_an_update_whose_peer_fails_is_a_bad_gateway_and_changes_nothing(
    failing: tuple[str, str, int], published: Published
) -> None:
    base, peer, status = failing
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    answer = fetch(base, "/sparql", headers, "POST", UPDATE.format(peer=peer).encode())
    assert answer.status == status, answer.body[:300]
    assert b"a SERVICE peer failed, not this update" in answer.body
    assert b"nothing was changed" in answer.body
    # and no change is left marked: the next start published a new generation for it
    assert not published.location.pending()  # type: ignore[attr-defined]


def test_a_query_that_cannot_be_evaluated_is_still_the_clients_error(
    published: Published,
) -> None:
    """The same engine error without a SERVICE call: a 400, as before."""
    if published.backend != "oxigraph":
        pytest.skip("the embedded store's own evaluation")
    app = create_app(published.config(query_workers=1))
    try:
        with serve_in_thread(app) as base:
            query = "SELECT * WHERE { BIND(<urn:not-a-function>(1) AS ?x) }"
            answer = fetch(base, "/sparql?" + urllib.parse.urlencode({"query": query}), {})
    finally:
        app.extensions["coworkmed.pool"].close()
    assert answer.status == 400, answer.body[:300]
