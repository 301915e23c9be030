"""What readers can name and what the service shows them (issue #16, items 6, 8, 9, 11): a
replaced dataset version is readable through no door; the loader's graphs refuse Graph Store
writes; odd numbers and paths are 400s, never 500s or broken headers; no answer carries a Host
the client sent; uploads name outside resources that are never fetched."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.dumps import export
from endpoint.negotiation import parse_accept
from endpoint.parameters import local_location
from publishing.build import load_source
from tests.backends import Published
from tests.listener import Listener, listening
from tests.runs import sample_rows, write_sample
from triplestore.versions import current_versions, open_snapshot

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
TOKEN = "exposure-token"
OLD_NAME = "La Ruche des Pentes"  # fr-aura's first space, renamed in the version that replaces it
NEW_NAME = "Ruche renommée"
PUBLIC = "https://data.coworkmed.example"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Replaced:
    """The samples with fr-aura published twice: ``old`` is the replaced version's graph."""

    def __init__(self, store: Published, folder: Path) -> None:
        rows = sample_rows()
        name = rows[0].index("Nom")
        assert rows[1][name] == OLD_NAME
        rows[1] = [cell.replace(OLD_NAME, NEW_NAME) for cell in rows[1]]  # the operator too
        renamed = write_sample(folder / "tiers-lieux.tsv", rows)
        fr_aura = f"{BASE}dataset/fr-aura"
        with store.location.writer() as writer:
            before = {g.value for g in current_versions(writer, BASE)}
            mapping = ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml"
            load_source(mapping, writer, BASE, store.location, renamed)
        _generation, reader = open_snapshot(store.location)
        after = {g.value for g in current_versions(reader, BASE)}
        (self.old,) = (g for g in before - after if g.startswith(fr_aura))
        self.dumps = folder / "dumps"
        export(store.location, BASE, self.dumps)
        self.app = create_app(
            store.config(
                update_token=TOKEN, query_workers=1, dumps=str(self.dumps), public_url=PUBLIC
            )
        )


@pytest.fixture(scope="module")
def replaced(
    writable_module: Published, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replaced]:
    found = Replaced(writable_module, tmp_path_factory.mktemp("replaced"))
    yield found
    found.app.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def app(replaced: Replaced) -> Flask:
    return replaced.app


# ------------------------------------------------------------------ item 6: replaced versions


def _select(name: str) -> str:
    return f'SELECT * {{ ?s ?p "{name}" }}'


#: each door to data: (path, query parameters); "{old}" stands for the replaced version's graph
DOORS = [
    ("/sparql", {"query": _select(OLD_NAME), "default-graph-uri": "{old}"}),
    (
        "/sparql",
        {"query": f'SELECT * {{ GRAPH ?g {{ ?s ?p "{OLD_NAME}" }} }}', "named-graph-uri": "{old}"},
    ),
    (
        "/sparql",
        {"query": _select(OLD_NAME), "default-graph-uri": "{old}", "named-graph-uri": "{old}"},
    ),
    ("/sparql", {"query": f'SELECT * FROM <{{old}}> {{ ?s ?p "{OLD_NAME}" }}'}),
    (
        "/sparql",
        {"query": f'SELECT * FROM NAMED <{{old}}> {{ GRAPH ?g {{ ?s ?p "{OLD_NAME}" }} }}'},
    ),
    ("/sparql", {"query": f'SELECT * {{ GRAPH <{{old}}> {{ ?s ?p "{OLD_NAME}" }} }}'}),
    ("/sparql", {"query": f'CONSTRUCT {{ ?s ?p ?o }} {{ GRAPH ?g {{ ?s ?p "{OLD_NAME}" }} }}'}),
    ("/sparql", {"query": f"DESCRIBE <{BASE}space/fr-aura/AURA-001>"}),
    ("/store", {"graph": "{old}"}),
    ("/doc/id/space/fr-aura/AURA-001", {}),
    ("/doc/id/space/fr-aura/AURA-001.ttl", {}),
    ("/search", {"q": "Ruche"}),
    ("/api/observatory/points", {}),
    ("/.well-known/void", {}),
    ("/catalog", {}),
]


@pytest.mark.parametrize(
    ("path", "query"), DOORS, ids=[f"{p}-{i}" for i, (p, _q) in enumerate(DOORS)]
)
def test_a_replaced_version_is_read_through_no_door(
    client: FlaskClient, replaced: Replaced, path: str, query: dict[str, str]
) -> None:
    filled = {name: value.replace("{old}", replaced.old) for name, value in query.items()}
    response = client.get(path, query_string=filled)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 404), body[:300]
    assert OLD_NAME not in body


def test_naming_a_replaced_version_says_why(client: FlaskClient, replaced: Replaced) -> None:
    for parameter in ("default-graph-uri", "named-graph-uri"):
        response = client.get("/sparql", query_string={"query": "ASK {}", parameter: replaced.old})
        assert response.status_code == 400
        assert "not published here" in response.get_data(as_text=True)


def test_the_current_data_is_still_read(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "Ruche"})
    assert response.status_code == 200 and NEW_NAME in response.get_data(as_text=True)


def test_an_unknown_graph_is_an_empty_graph(client: FlaskClient) -> None:
    """As the SPARQL protocol (and its W3C tests) want: a graph the store does not hold."""
    response = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "http://example.org/none"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200 and response.get_json()["boolean"] is False


def test_the_dumps_hold_no_replaced_version(replaced: Replaced) -> None:
    import gzip

    for dump in replaced.dumps.glob("*.gz"):
        text = gzip.decompress(dump.read_bytes()).decode("utf-8")
        assert OLD_NAME not in text


# ------------------------------------------------------------------ item 8: the loader's graphs

PROTECTED = [
    "https://w3id.org/coworkmed/def/",
    "https://w3id.org/coworkmed/def/cube",
    "https://w3id.org/coworkmed/def/anything-under-it",
    "https://w3id.org/coworkmed/code/space-kind",
    "https://w3id.org/coworkmed/code/new-list",
    f"{BASE}catalog",
    f"{BASE}cube",
    f"{BASE}submissions",
    f"{BASE}dataset/fr-aura",
    f"{BASE}dataset/fr-aura/20240101T000000Z-abc",
]
TURTLE = "<http://example.org/garbage> <http://example.org/p> 'garbage' ."


@pytest.mark.parametrize("method", ["put", "post", "delete"])
@pytest.mark.parametrize("graph", PROTECTED)
def test_the_loaders_graphs_refuse_graph_store_writes(
    client: FlaskClient, method: str, graph: str
) -> None:
    before = client.get("/store", query_string={"graph": graph}, headers=AUTH)
    options = {} if method == "delete" else {"data": TURTLE, "content_type": "text/turtle"}
    response = getattr(client, method)(
        "/store", query_string={"graph": graph}, headers=AUTH, **options
    )
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "written by the loader only" in response.get_data(as_text=True)
    after = client.get("/store", query_string={"graph": graph}, headers=AUTH)
    assert (after.status_code, after.data) == (before.status_code, before.data)


def test_the_ontology_still_serves_after_a_refused_put(client: FlaskClient) -> None:
    client.put(
        "/store",
        query_string={"graph": "https://w3id.org/coworkmed/def/"},
        data=TURTLE,
        content_type="text/turtle",
        headers=AUTH,
    )
    response = client.get("/def/", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"garbage" not in response.data


def test_other_graphs_are_still_written(client: FlaskClient) -> None:
    response = client.put(
        "/store",
        query_string={"graph": "http://example.org/mine"},
        data=TURTLE,
        content_type="text/turtle",
        headers=AUTH,
    )
    assert response.status_code in (201, 204)


# ------------------------------------------------------------------ item 9: odd numbers, paths

ODD_NUMBERS = [
    "²",
    "⁵",
    "١",  # Arabic-Indic one
    "５",  # full-width five
    "1" * 5_000,
    "99999999999",
    "-1",
    "+2",
    " 2",
    "2 ",
    "2.0",
    "1e3",
    "0x10",
    "\x00",
    "2\r\nX: y",
    "%32",
    "NaN",
    "∞",
]


@pytest.mark.parametrize(
    "path", ["/search", "/doc/id/space/fr-aura/AURA-001", "/doc/id/space/fr-aura/AURA-001.html"]
)
@pytest.mark.parametrize("value", ODD_NUMBERS, ids=[repr(v)[:20] for v in ODD_NUMBERS])
def test_an_odd_page_number_is_a_400(client: FlaskClient, path: str, value: str) -> None:
    response = client.get(path, query_string={"page": value}, headers={"Accept": "text/html"})
    assert response.status_code == 400, response.status_code
    text = response.get_data(as_text=True)
    # the search says it in the reader's language (here English), the resource pages as a detail
    assert "page takes a whole number" in text or "page must be a whole number" in text


@pytest.mark.parametrize("value", ["", "1", "2", "198"])
def test_a_plain_page_number_is_read(client: FlaskClient, value: str) -> None:
    """Read as a number: the page, or (past the end of the results) a redirect to the last."""
    response = client.get("/search", query_string={"page": value, "q": "Ruche"})
    assert response.status_code in (200, 302)


ODD_PATHS = [
    "%0d",
    "%0a",
    "%0d%0aSet-Cookie:%20x=1",
    "x%00y",
    "%E2%80%A8",
    "a b",
    "//evil.example/x",
]


@pytest.mark.parametrize("space", ["id", "def", "code"])
@pytest.mark.parametrize("path", ODD_PATHS)
def test_a_path_never_breaks_a_location(client: FlaskClient, space: str, path: str) -> None:
    response = client.get(f"/{space}/{path}", headers={"Accept": "text/turtle"})
    assert response.status_code < 500
    location = response.headers.get("Location", "")
    assert not any(c in location for c in "\r\n\x00 ") and not location.startswith("//")
    assert "Set-Cookie" not in response.headers


# ------------------------------------------------------------------ item 11: the Host header

HOST_PATHS = [
    ("/sparql", {"Accept": "text/turtle"}),
    ("/catalog", {"Accept": "text/turtle"}),
    ("/.well-known/void", {"Accept": "text/turtle"}),
    ("/query", {"Accept": "text/html"}),
    ("/dumps/", {"Accept": "text/html"}),
    ("/dumps", {"Accept": "text/html"}),
    ("/doc/id/space/fr-aura/AURA-001", {"Accept": "text/html"}),
    ("/id/space/fr-aura/AURA-001", {"Accept": "text/turtle"}),
    ("/search?q=Ruche", {"Accept": "text/html"}),
    ("/sparql?query=SELECT%20%3Fx%20%7B%20BIND(%3Chere%3E%20AS%20%3Fx)%20%7D", {}),
]
#: the ways a client names a host: (request line target, extra header lines)
HOST_TRICKS = [
    ("{path}", "Host: evil.example"),
    ("{path}", "Host: evil.example:8443"),
    ("{path}", "Host: 127.0.0.1\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https"),
    ("{path}", "Host: 127.0.0.1\r\nForwarded: host=evil.example;proto=https"),
    ("http://evil.example{path}", "Host: evil.example"),
    ("{path}", "Host: evil.example/x?y#z"),
    ("{path}", "Host: evil.example@127.0.0.1"),
]


def _raw(base: str, target: str, headers: str) -> bytes:
    """One HTTP/1.1 request sent as it is written (the test client would correct it)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\n{headers}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def live(app: Flask) -> Iterator[str]:
    with serve_in_thread(app) as base:
        yield base


@pytest.mark.parametrize(("target", "headers"), HOST_TRICKS)
@pytest.mark.parametrize(("path", "accept"), HOST_PATHS, ids=[p for p, _a in HOST_PATHS])
def test_no_answer_carries_the_clients_host(
    live: str, target: str, headers: str, path: str, accept: dict[str, str]
) -> None:
    extra = "".join(f"\r\n{name}: {value}" for name, value in accept.items())
    answer = _raw(live, target.format(path=path), headers + extra)
    status = int(answer.split(b" ", 2)[1])
    assert status < 500, answer[:500]
    assert b"evil.example" not in answer


def test_the_published_urls_start_with_the_public_url(client: FlaskClient) -> None:
    for path in ("/catalog", "/.well-known/void", "/sparql"):
        text = client.get(path, headers={"Accept": "text/turtle"}).get_data(as_text=True)
        assert f"<{PUBLIC}/sparql>" in text and "localhost" not in text


# ------------------------------------------------------------------ item 8: nothing fetched


@pytest.fixture
def listener() -> Iterator[Listener]:
    body = b'{"@context": {"name": "http://schema.org/name"}}'
    with listening(body, "application/ld+json") as found:
        yield found


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
EXAMPLE = "http://example.org/x"
UTF16 = '<?xml version="1.0" encoding="UTF-16"?>'


def _uploads(url: str) -> list[tuple[str, bytes, int]]:
    """Uploads that name ``url``: (media type, body, status expected)."""
    about = '<rdf:Description rdf:about="http://example.org/x"><rdf:value>v</rdf:value></rdf:Description>'
    root = f'<rdf:RDF xmlns:rdf="{RDF}">{about}</rdf:RDF>'
    return [
        (
            "application/ld+json",
            f'{{"@context": "{url}/ctx.jsonld", "@id": "{EXAMPLE}", "name": "x"}}'.encode(),
            400,
        ),
        (
            "application/ld+json",
            f'{{"@context": ["{url}/a.jsonld"], "@id": "http://example.org/x"}}'.encode(),
            400,
        ),
        (
            "application/ld+json",
            f'{{"@context": {{"@import": "{url}/b.jsonld"}}, "@id": "{EXAMPLE}"}}'.encode(),
            400,
        ),
        ("application/rdf+xml", f'<!DOCTYPE rdf:RDF SYSTEM "{url}/dtd">{root}'.encode(), 400),
        (
            "application/rdf+xml",
            f'<!DOCTYPE rdf:RDF PUBLIC "-//x//EN" "{url}/dtd">{root}'.encode(),
            400,
        ),
        (
            "application/rdf+xml",
            f'<!DOCTYPE rdf:RDF [<!ENTITY % e SYSTEM "{url}/pe"> %e;]>{root}'.encode(),
            400,
        ),
        (
            "application/rdf+xml",
            f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}/e">]>{root}'.encode(),
            400,
        ),
        (
            "application/rdf+xml",
            f'{UTF16}<!DOCTYPE rdf:RDF SYSTEM "{url}/dtd">{root}'.encode("utf-16"),
            400,
        ),
        ("text/turtle", f"@base <{url}/> . <x> <p> <y> .".encode(), 201),
    ]


def test_an_upload_fetches_nothing(live: str, listener: Listener) -> None:
    import urllib.error
    import urllib.request

    for n, (media, body, status) in enumerate(_uploads(listener.url)):
        request = urllib.request.Request(
            f"{live}/store?graph={quote(f'http://example.org/fetch-{n}', safe='')}",
            data=body,
            method="PUT",
            headers={"Content-Type": media, **AUTH},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                got = answer.status
        except urllib.error.HTTPError as refused:
            got = refused.code
        assert got in (status, 204, 400), (media, body[:80], got)
    assert listener.heard == []


def test_the_listener_does_see_a_fetch(listener: Listener) -> None:
    """The proof above could not pass by a listener that sees nothing."""
    import urllib.request

    with urllib.request.urlopen(f"{listener.url}/probe", timeout=10) as answer:
        assert answer.status == 200
    assert listener.heard == ["/probe"]


def test_a_graph_store_upload_is_read_outside_the_server(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server process never parses an upload itself: with pyoxigraph's parser unusable
    from the Graph Store's code here (the store's own client may still read the store's
    answers), an upload is still read (by a confined worker)."""
    import sys

    import pyoxigraph

    original = pyoxigraph.parse

    def refuse(*args: object, **kwargs: object) -> object:
        if sys._getframe(1).f_code.co_filename.endswith("graphstore.py"):
            raise AssertionError("parsed in the server process")
        return original(*args, **kwargs)

    monkeypatch.setattr(pyoxigraph, "parse", refuse)
    response = client.put(
        "/store",
        query_string={"graph": "http://example.org/outside"},
        data=TURTLE,
        content_type="text/turtle",
        headers=AUTH,
    )
    assert response.status_code in (201, 204), response.get_data(as_text=True)
    read = client.get("/store", query_string={"graph": "http://example.org/outside"})
    assert b"garbage" in read.data


@pytest.mark.parametrize("value", ["not an iri", "http://e/x> <http://e/y", "", "\x00"])
def test_a_dataset_parameter_that_is_no_iri_is_a_400(client: FlaskClient, value: str) -> None:
    """On either backend (the external store's pool runs ``execute`` in the server)."""
    for parameter in ("default-graph-uri", "named-graph-uri"):
        response = client.get("/sparql", query_string={"query": "ASK {}", parameter: value})
        assert response.status_code == 400, response.get_data(as_text=True)


@pytest.mark.parametrize("q", ["nan", "NaN", "1e3", "inf", "-0", "٠.5", "0.5000", "2", " 1x"])
def test_an_odd_quality_value_counts_as_zero(q: str) -> None:
    assert parse_accept(f"text/csv;q={q}").quality("text/csv") == 0.0


@pytest.mark.parametrize(
    ("q", "value"), [("1", 1.0), ("0.5", 0.5), ("0.125", 0.125), ("1.000", 1.0)]
)
def test_a_quality_value_is_read(q: str, value: float) -> None:
    assert parse_accept(f"text/csv;q={q}").quality("text/csv") == value


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/doc/def/x\r.ttl", "/doc/def/x%0D.ttl"),
        ("/doc/id/a\r\nSet-Cookie: x=1", "/doc/id/a%0D%0ASet-Cookie:%20x=1"),
        ("/doc/id/\x00", "/doc/id/%00"),
        ("//evil.example/x", "/evil.example/x"),
        ("/doc/id/é", "/doc/id/%C3%A9"),
        ("/doc/id/a%2Fb", "/doc/id/a%252Fb"),
    ],
)
def test_a_location_is_percent_encoded(path: str, location: str) -> None:
    assert local_location(path) == location


def test_a_number_given_twice_is_a_400(client: FlaskClient) -> None:
    response = client.get("/search?page=1&page=2")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "page is given several values" in text


@pytest.mark.parametrize("value", ["10001", "999999"])
def test_a_search_page_past_the_bound_is_a_400(client: FlaskClient, value: str) -> None:
    """Search pages through its own index (no store sorts it): the bound is MAX_PAGE."""
    response = client.get("/search", query_string={"page": value, "q": "Ruche"})
    assert response.status_code == 400
    assert "page takes a whole number from 1 to 10,000" in response.get_data(as_text=True)
