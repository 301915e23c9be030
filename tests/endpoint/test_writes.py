"""SPARQL Update and the Graph Store Protocol: the token, the writes, what readers then see.

Each test writes to its own copy of the shared store, through a fresh app.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from endpoint.app import create_app
from tests.backends import Published, oxigraph_published
from triplestore.backends.sparql import SparqlLocation
from triplestore.versions import writes_held

TOKEN = "correct horse battery staple"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/coworkmed/id/"
G = "http://example.org/graphs/g1"
TURTLE = "text/turtle"
ANA = '<http://example.org/p> <http://xmlns.com/foaf/0.1/name> "Ana" .'
PERSON = '@prefix foaf: <http://xmlns.com/foaf/0.1/> . <http://example.org/p> foaf:name "Ana" .'


def _make_app(store: Published, token: str, **more: Any) -> Flask:
    return create_app(
        store.config(
            query_workers=1,
            query_timeout=20,
            max_rows=50,
            update_token=token,
            public_url="http://localhost",  # graphs named by their URL, relative IRIs: under it
            **more,
        )
    )


@pytest.fixture
def store(writable: Published) -> Published:
    """The samples, on each backend, for one test to write to."""
    return writable


@pytest.fixture
def app(store: Published) -> Iterator[Flask]:
    app = _make_app(store, TOKEN)
    yield app
    app.extensions["coworkmed.pool"].close()


def _ask(client: FlaskClient, query: str) -> bool:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.data
    return json.loads(response.data)["boolean"]


#: every way to write, as (method, path, keyword arguments of the test client)
WRITES = {
    "update-direct": (
        "post",
        "/sparql",
        {"data": "INSERT DATA { <urn:a> <urn:b> 1 }", "content_type": "application/sparql-update"},
    ),
    "update-form": ("post", "/sparql", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> 1 }"}}),
    "store-put": ("put", f"/store?graph={G}", {"data": PERSON, "content_type": TURTLE}),
    "store-post": ("post", f"/store?graph={G}", {"data": PERSON, "content_type": TURTLE}),
    "store-post-new": ("post", "/store", {"data": PERSON, "content_type": TURTLE}),
    "store-delete": ("delete", "/store?default", {}),
}
#: (token configured, Authorization header) -> expected status, WWW-Authenticate
ACCESS = {
    "writes-off": ("", AUTH, 403, None),
    "no-token": (TOKEN, {}, 401, 'Bearer realm="coworkmed"'),
    "wrong-token": (
        TOKEN,
        {"Authorization": "Bearer guess"},
        401,
        'Bearer realm="coworkmed", error="invalid_token"',
    ),
    "basic-scheme": (TOKEN, {"Authorization": f"Basic {TOKEN}"}, 401, 'Bearer realm="coworkmed"'),
}


@pytest.mark.parametrize("access", ACCESS, ids=list(ACCESS))
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_writes_need_the_token(store: Published, write: str, access: str) -> None:
    method, path, kwargs = WRITES[write]
    token, headers, status, challenge = ACCESS[access]
    app = _make_app(store, token)
    before = store.location.generation()
    response = getattr(app.test_client(), method)(path, headers=headers, **kwargs)
    assert response.status_code == status
    assert response.headers.get("WWW-Authenticate") == challenge
    assert TOKEN not in response.get_data(as_text=True)
    assert store.location.generation() == before


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_writes_with_the_token_are_published(
    client: FlaskClient, store: Published, write: str
) -> None:
    method, path, kwargs = WRITES[write]
    if write == "store-delete":  # something to delete: emptying an empty graph publishes nothing
        seeded = client.put("/store?default", data=PERSON, content_type=TURTLE, headers=AUTH)
        assert seeded.status_code in (201, 204), seeded.data
    before = store.location.generation()
    response = getattr(client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code in (201, 204), response.data
    assert int(response.headers["Store-Generation"]) == before + 1 == store.location.generation()


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_write_opens_the_store_in_a_worker_not_in_the_server(
    client: FlaskClient, store: Published, write: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server process never opens the store for writing: each write (its change, the merge,
    the cube, the links) runs in a worker of its own. A Graph Store write ran in the server's
    thread, and each one left about 35 MB in that thread's allocator arena for good (stranger
    59: the server went from 53 to 330 MB over eight one-triple PUTs)."""
    method, path, kwargs = WRITES[write]
    if write == "store-delete":
        seeded = client.put("/store?default", data=PERSON, content_type=TURTLE, headers=AUTH)
        assert seeded.status_code in (201, 204), seeded.data

    def opened_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server process opened the store for writing")

    before = store.location.generation()
    with monkeypatch.context() as patched:  # undone before the store is reset for the next test
        patched.setattr(type(store.location), "writer", opened_here)
        response = getattr(client, method)(path, headers=AUTH, **kwargs)
    assert response.status_code in (201, 204), response.data
    assert store.location.generation() == before + 1


def test_a_write_that_changes_nothing_publishes_what_an_earlier_one_left(
    client: FlaskClient, store: Published
) -> None:
    """A change committed whose publication failed (its worker ran out of memory, stranger 60)
    is published by the next write, even one that changes nothing: the same PUT again was 204
    with the generation unchanged, and GET of the graph 404."""
    with store.location.writer() as held:  # committed, not published
        held.replace_graph(ox.NamedNode(G), f"{ANA}\n".encode())
    if not store.location.pending():
        pytest.skip("this store publishes each change as it is made")
    before = store.location.generation()
    again = client.put(
        f"/store?graph={G}", data=ANA, content_type="application/n-triples", headers=AUTH
    )
    assert again.status_code == 204, again.data
    assert store.location.generation() == before + 1 and not store.location.pending()
    assert (
        client.get(f"/store?graph={G}", headers={"Accept": "application/n-triples"}).status_code
        == 200
    )


def test_an_update_is_seen_by_the_next_query(client: FlaskClient) -> None:
    ask = "ASK { GRAPH <urn:g> { <urn:a> <urn:b> ?o } }"
    assert not _ask(client, ask)
    update = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <rel> } }"
    response = client.post("/sparql", data={"update": update}, headers=AUTH)
    assert response.status_code == 204, response.data
    assert _ask(client, ask)
    assert _ask(client, "ASK { <urn:a> <urn:b> <http://localhost/rel> }")  # base: the endpoint


def test_using_graph_uri_sets_the_update_dataset(client: FlaskClient) -> None:
    setup = "INSERT DATA { GRAPH <urn:src> { <urn:s> a <urn:T> } }"
    assert client.post("/sparql", data={"update": setup}, headers=AUTH).status_code == 204
    copy = "INSERT { GRAPH <urn:dst> { ?s a <urn:Copied> } } WHERE { ?s a <urn:T> }"
    response = client.post(
        "/sparql?using-graph-uri=urn:src",
        data=copy,
        content_type="application/sparql-update",
        headers=AUTH,
    )
    assert response.status_code == 204, response.data
    assert _ask(client, "ASK { GRAPH <urn:dst> { <urn:s> a <urn:Copied> } }")


@pytest.mark.parametrize(
    ("update", "query_string", "says"),
    [
        ("INSERT DATA { <urn:a> <urn:b> }", "", "syntax error"),
        ("DROP GRAPH <urn:no-such-graph>", "", "cannot be applied"),
        ("LOAD <http://example.org/data.ttl>", "", "LOAD is not enabled"),
        ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "using-graph-uri=urn:x", "WITH"),
        # a parameter written into the update as USING <...> is an IRI, not more of the update
        # (stranger 102: an operation of its own was run)
        (
            "INSERT { <urn:f> <urn:p> 1 } WHERE {}",
            "using-graph-uri=urn%3Aa%3E%20WHERE%20%7B%7D%20%3B%20INSERT%20DATA%20%7B%20GRAPH%20%3Curn%3Ainj%3E%20%7B%20%3Curn%3Aa%3E%20%3Curn%3Ab%3E%20%3Curn%3Ac%3E%20%7D%20%7D%20%3B%20INSERT%20%7B%20%3Curn%3Az%3E%20%3Curn%3Az%3E%20%3Curn%3Az%3E%20%7D%20USING%20%3Curn%3Ab",
            "not an absolute IRI",
        ),
        (
            "INSERT { <urn:f> <urn:p> 1 } WHERE {}",
            "using-named-graph-uri=urn:a%3E%20WHERE%20%7B%7D",
            "not an absolute IRI",
        ),
        ("INSERT { <urn:f> <urn:p> 1 } WHERE {}", "using-graph-uri=relative", "absolute IRI"),
        # an escape that names no character (stranger 102: a 500)
        ("INSERT DATA { GRAPH <urn:\\UFFFFFFFF> { <urn:a> <urn:b> 1 } }", "", ""),
        # Virtuoso's own syntax: an external store is sent standard SPARQL only (stranger 104)
        ("MODIFY <urn:mine> DELETE {} INSERT { <urn:a> <urn:b> 1 }", "", "syntax error"),
        ("INSERT IN <urn:mine> { <urn:a> <urn:b> 1 }", "", "syntax error"),
    ],
    ids=[
        "syntax",
        "missing-graph",
        "load",
        "dataset-conflict",
        "using-injected",
        "using-named-injected",
        "using-relative",
        "escape-past-unicode",
        "virtuoso-modify",
        "virtuoso-insert-in",
    ],
)
def test_a_bad_update_changes_nothing(
    client: FlaskClient, store: Published, update: str, query_string: str, says: str
) -> None:
    before = store.location.generation()
    response = client.post(
        f"/sparql?{query_string}",
        data=update,
        content_type="application/sparql-update",
        headers=AUTH,
    )
    assert response.status_code == 400, response.data
    assert says in response.get_data(as_text=True)
    assert store.location.generation() == before


#: an update whose third operation fails on the embedded store (the graph is gone) and whose
#: second does on Virtuoso (it drops only a graph made by CREATE), which keeps the first
SEVERAL = (
    "INSERT DATA { GRAPH <urn:several> { <urn:a> <urn:b> 1 } } ; "
    "DROP GRAPH <urn:several> ; DROP GRAPH <urn:several> ;"
)


def test_a_refused_update_of_several_operations_says_what_may_be_left(
    client: FlaskClient, store: Published
) -> None:
    """The embedded store applies an update whole or not at all; Virtuoso keeps the
    operations before one it refuses, and that was told "nothing was changed" (stranger
    107)."""
    before = store.location.generation()
    response = client.post(
        "/sparql", data=SEVERAL, content_type="application/sparql-update", headers=AUTH
    )
    said = response.get_data(as_text=True)
    assert response.status_code == 400, said
    assert store.location.generation() == before
    whole = store.backend == "oxigraph"
    assert ("nothing was changed" in said) is whole, said
    assert ("may have been applied" in said) is not whole, said
    # the next write publishes what the refused one left, as it says (stranger 108: a graph
    # it made stayed out of the service's graphs, and took every later write, unseen)
    later = "INSERT DATA { GRAPH <urn:several> { <urn:c> <urn:d> 2 } }"
    response = client.post(
        "/sparql", data=later, content_type="application/sparql-update", headers=AUTH
    )
    assert response.status_code == 204, response.data
    assert _ask(client, "ASK { GRAPH <urn:several> { <urn:c> <urn:d> 2 } }")
    left = _ask(client, "ASK { GRAPH <urn:several> { <urn:a> <urn:b> 1 } }")
    assert left is not whole


def test_a_running_load_makes_writes_wait_not_fail_silently(
    store_path: Path, tmp_path: Path
) -> None:
    """The embedded store opens for one process at a time (an external store takes its own
    care of concurrent writers)."""
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)
    # it waits for the holder first, as long as store_lock_wait says (test_lock_wait.py)
    client = _make_app(oxigraph_published(copy), TOKEN, store_lock_wait=0.5).test_client()
    held = ox.Store(str(copy / "primary"))  # as coworkmed load would hold it
    response = client.post("/sparql", data={"update": "CLEAR DEFAULT"}, headers=AUTH)
    del held
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "busy" in response.get_data(as_text=True)


def _turtle(response: object) -> Graph:
    return Graph().parse(data=response.data, format="turtle")


def test_graph_store_lifecycle(client: FlaskClient) -> None:
    url = f"/store?graph={G}"
    assert client.get(url).status_code == 404
    assert client.put(url, data=PERSON, content_type=TURTLE, headers=AUTH).status_code == 201
    assert isomorphic(_turtle(client.get(url)), Graph().parse(data=PERSON, format="turtle"))
    more = "<http://example.org/p> <http://xmlns.com/foaf/0.1/age> 40 ."
    assert client.post(url, data=more, content_type=TURTLE, headers=AUTH).status_code == 204
    assert len(_turtle(client.get(url))) == 2
    assert client.put(url, data=more, content_type=TURTLE, headers=AUTH).status_code == 204
    assert len(_turtle(client.get(url))) == 1
    assert client.head(url).status_code == 200
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404
    assert client.head(url).status_code == 404
    assert client.delete(url, headers=AUTH).status_code == 404


def test_graph_store_default_graph_and_direct_names(client: FlaskClient) -> None:
    assert client.put("/store?default", data=PERSON, content_type=TURTLE, headers=AUTH).status_code
    assert len(_turtle(client.get("/store?default"))) == 1
    put = client.put("/store/people/1", data=PERSON, content_type=TURTLE, headers=AUTH)
    assert put.status_code == 201
    assert len(_turtle(client.get("/store?graph=http://localhost/store/people/1"))) == 1
    # both are part of the published data, in the union default graph
    assert _ask(client, 'ASK { <http://example.org/p> ?p "Ana" }')


def test_post_to_the_store_creates_a_graph(client: FlaskClient) -> None:
    response = client.post("/store", data=PERSON, content_type=TURTLE, headers=AUTH)
    assert response.status_code == 201
    # the new graph's IRI, on this server (regression, issue #20: under the data's base)
    location = response.headers["Location"]
    assert location.startswith("http://localhost/store/") and location in response.get_data(
        as_text=True
    )
    assert len(_turtle(client.get(urllib.parse.urlsplit(location).path))) == 1
    assert len(_turtle(client.get("/store", query_string={"graph": location}))) == 1


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (ANA, "application/n-quads"),  # the document's default graph
        (ANA.replace(" .", f" <{G}> ."), "application/n-quads"),  # the target graph named
        (f"{{ {ANA} }}", "application/trig"),
        (f"<{G}> {{ {ANA} }}", "application/trig"),
    ],
    ids=["n-quads-default", "n-quads-target", "trig-default", "trig-target"],
)
def test_graph_store_takes_n_quads_and_trig_into_the_target(
    client: FlaskClient, body: str, media_type: str
) -> None:
    """Regression (issue #20): listed as upload formats, answered 415."""
    response = client.put(f"/store?graph={G}", data=body, content_type=media_type, headers=AUTH)
    assert response.status_code in (201, 204), response.data
    assert len(_turtle(client.get(f"/store?graph={G}"))) == 1


def test_multipart_upload_merges_every_file(client: FlaskClient) -> None:
    files = {
        "a": (PERSON.encode(), "a.ttl"),
        "b": (b'<http://example.org/p> <http://xmlns.com/foaf/0.1/nick> "A" .', "b.nt"),
    }
    data = {name: (io.BytesIO(body), filename) for name, (body, filename) in files.items()}
    response = client.post(f"/store?graph={G}", data=data, headers=AUTH)
    assert response.status_code == 201, response.data
    assert len(_turtle(client.get(f"/store?graph={G}"))) == 2


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "says"),
    [
        (
            "put",
            f"/store?graph={G}",
            {"data": PERSON, "content_type": "application/pdf"},
            415,
            "application/pdf",
        ),
        (
            "put",
            f"/store?graph={G}",
            {"data": "<a> <b>", "content_type": TURTLE},
            400,
            "cannot be parsed",
        ),
        (
            "put",
            f"/store?graph={G}",
            {"data": f"<urn:other> {{ {ANA} }}", "content_type": "application/trig"},
            400,
            "named graph <urn:other>",
        ),
        (
            "put",
            "/store?graph=not-an-iri",
            {"data": PERSON, "content_type": TURTLE},
            400,
            "absolute IRI",
        ),
        (
            "put",
            f"/store?graph={G}&default",
            {"data": PERSON, "content_type": TURTLE},
            400,
            "one graph",
        ),
        ("put", "/store", {"data": PERSON, "content_type": TURTLE}, 400, "name the graph"),
        (
            "put",
            f"/store?graph={BASE}catalog",
            {"data": PERSON, "content_type": TURTLE},
            403,
            "written by the loader only",
        ),
        ("delete", f"/store?graph={BASE}dataset/fr-aura/x", {}, 403, "written by the loader only"),
        ("delete", f"/store?graph={BASE}cube", {}, 403, "indicators cube"),
        ("get", "/store", {}, 400, "name the graph"),
        ("get", "/store?default", {"headers": {"Accept": "image/png"}}, 406, "text/turtle"),
    ],
    ids=[
        "media-type",
        "syntax",
        "dataset-format",
        "relative-iri",
        "two-names",
        "put-nothing",
        "catalog",
        "version",
        "cube",
        "get-nothing",
        "not-acceptable",
    ],
)
def test_graph_store_mistakes(
    client: FlaskClient, method: str, path: str, kwargs: dict, status: int, says: str
) -> None:
    kwargs = dict(kwargs)  # the parameters are shared by every backend's run
    headers = {**AUTH, **kwargs.pop("headers", {})}
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


def test_anonymous_reads_of_large_graphs_are_refused_not_cut(client: FlaskClient) -> None:
    versions = client.get(
        "/sparql",
        query_string={
            "query": "SELECT ?g WHERE { ?d <http://www.w3.org/ns/dcat#hasCurrentVersion> ?g }"
        },
    )
    graph = json.loads(versions.data)["results"]["bindings"][0]["g"]["value"]
    anonymous = client.get("/store", query_string={"graph": graph})
    said = anonymous.get_data(as_text=True)
    assert anonymous.status_code == 403 and "max_rows" in said and "/dumps/latest.nq.gz" in said
    whole = client.get("/store", query_string={"graph": graph}, headers=AUTH)
    assert whole.status_code == 200 and len(_turtle(whole)) > 50


@pytest.mark.parametrize(("token", "listed"), [("", False), (TOKEN, True)])
def test_service_description_lists_update_only_when_it_works(
    store: Published, token: str, listed: bool
) -> None:
    response = _make_app(store, token).test_client().get("/sparql", headers={"Accept": TURTLE})
    graph = Graph().parse(data=response.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    languages = set(graph.objects(None, URIRef(sd + "supportedLanguage")))
    assert (URIRef(sd + "SPARQL11Update") in languages) is listed
    assert URIRef(sd + "SPARQL11Query") in languages


#: conditions on a write, with G existing (written first) and the status the write then gets
#: (stranger 44, M3: every one was ignored and the write made); {tag}: a tag of the current
#: generation, {old}: one of an earlier generation, {epoch}/{future}: dates
WRITE_CONDITIONS: list[tuple[str, dict[str, str], int]] = [
    ("store-put", {"If-Match": "{tag}"}, 412),  # weak: the strong comparison fails it
    ("store-put", {"If-Match": '"nope"'}, 412),
    ("store-put", {"If-Match": "*"}, 204),  # G exists
    ("store-put", {"If-None-Match": "*"}, 412),  # create-only, G exists
    ("store-put", {"If-None-Match": "{tag}"}, 412),  # the client's copy is current
    ("store-put", {"If-None-Match": "{old}"}, 204),
    ("store-put", {"If-Unmodified-Since": "{epoch}"}, 412),
    ("store-put", {"If-Unmodified-Since": "{future}"}, 204),
    ("store-put", {"If-Unmodified-Since": "not a date"}, 204),  # ignored
    # one HTTP-date or nothing (RFC 9110 13.1.4): werkzeug read a list as its first date
    ("store-put", {"If-Unmodified-Since": "{epoch}, {future}"}, 204),
    ("update-direct", {"If-Unmodified-Since": "{epoch}, {epoch}"}, 204),
    ("store-delete-g", {"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 +0000"}, 204),
    ("store-put", {"If-Unmodified-Since": "Thursday, 01-Jan-70 00:00:00 GMT"}, 204),  # 2070
    ("store-put", {"If-Unmodified-Since": "Thu Jan  1 00:00:00 1970"}, 412),  # asctime
    ("store-delete-g", {"If-Match": '"nope"'}, 412),
    ("store-delete-g", {"If-Match": "*"}, 204),
    ("store-post", {"If-Match": "{tag}"}, 412),
    ("store-post-other", {"If-None-Match": "*"}, 204),  # a graph not there yet
    ("store-post-other", {"If-Match": "*"}, 412),
    ("update-direct", {"If-Match": '"nope"'}, 412),
    ("update-direct", {"If-Unmodified-Since": "{epoch}"}, 412),
    ("update-direct", {"If-Match": "*"}, 204),
    # If-Match passing leads on to If-None-Match (RFC 9110 13.2.2 step 3: stranger 45)
    ("store-put", {"If-Match": "*", "If-None-Match": "*"}, 412),
    ("store-delete-g", {"If-Match": "*", "If-None-Match": "{tag}"}, 412),
    ("update-direct", {"If-Match": "*", "If-None-Match": "*"}, 412),
    # a tag can name no representation of a graph not there, and one this service never gives
    # names none at all (stranger 92: any tag that began with the generation was a 412)
    ("store-post-other", {"If-None-Match": "{tag}"}, 204),
    ("store-post-other", {"If-None-Match": "{tag}, {made_up}"}, 204),
    ("store-put", {"If-None-Match": "{made_up}"}, 204),
    ("store-put", {"If-None-Match": "{made_up_strong}"}, 204),
    ("update-direct", {"If-None-Match": "{made_up}"}, 204),
    ("store-put", {"If-None-Match": "{made_up}, {tag}"}, 412),
    # an update's dataset has no representation: no tag names it, the current one neither
    # (stranger 93); "*" does (above)
    ("update-direct", {"If-None-Match": "{tag}"}, 204),
    # the current tag of another resource names no representation of G (stranger 93, N1: a
    # 412); G's own tag in another format does
    ("store-put", {"If-None-Match": "{sparql_tag}"}, 204),
    ("store-put", {"If-None-Match": "{catalog_tag}"}, 204),
    ("store-delete-g", {"If-None-Match": "{sparql_tag}"}, 204),
    ("store-put", {"If-None-Match": "{sparql_tag}, {catalog_tag}"}, 204),
    ("store-put", {"If-None-Match": "{ntriples_tag}"}, 412),
    ("store-put", {"If-None-Match": "{sparql_tag}, {ntriples_tag}"}, 412),
    ("store-delete-g", {"If-None-Match": "{ntriples_tag}"}, 412),
]
CONDITIONED = {
    **WRITES,
    "store-delete-g": ("delete", f"/store?graph={G}", {}),
    "store-post-other": (
        "post",
        "/store?graph=http://example.org/graphs/other",
        {"data": PERSON, "content_type": TURTLE},
    ),
}


@pytest.mark.parametrize(("write", "condition", "status"), WRITE_CONDITIONS)
def test_a_write_is_made_only_when_its_conditions_hold(
    app: Flask, write: str, condition: dict[str, str], status: int
) -> None:
    client = app.test_client()
    put = client.put(f"/store?graph={G}", data=PERSON, content_type=TURTLE, headers=AUTH)
    assert put.status_code in (201, 204), put.data
    read = client.get(f"/store?graph={G}", headers={"Accept": TURTLE})
    tag = read.headers["ETag"]
    number = int(read.headers["Store-Generation"])
    asked = {"query": "ASK { ?s ?p ?o }"}
    values = {
        "tag": tag,
        "sparql_tag": client.get("/sparql", query_string=asked).headers["ETag"],
        "catalog_tag": client.get("/catalog", headers={"Accept": TURTLE}).headers["ETag"],
        "ntriples_tag": client.get(
            f"/store?graph={G}", headers={"Accept": "application/n-triples"}
        ).headers["ETag"],
        "old": tag.replace(f'"g{number}-', f'"g{number - 1}-'),
        "made_up": f'W/"g{number}-x"',
        "made_up_strong": f'"g{number}-zzz"',
        "epoch": "Thu, 01 Jan 1970 00:00:00 GMT",
        "future": "Fri, 01 Jan 2100 00:00:00 GMT",
    }
    headers = {name: value.format(**values) for name, value in condition.items()}
    method, path, arguments = CONDITIONED[write]
    answer = getattr(client, method)(path, headers={**AUTH, **headers}, **arguments)
    expected = 201 if status == 204 and write == "store-post-other" else status
    assert answer.status_code == expected, answer.data
    after = client.get(f"/store?graph={G}", headers={"Accept": TURTLE})
    if status == 412:  # nothing written
        assert after.headers["Store-Generation"] == str(number)


def _generation(client: FlaskClient) -> int:
    read = client.get("/sparql", query_string={"query": "ASK {}"}, headers=AUTH)
    return int(read.headers["Store-Generation"])


def test_create_only_puts_at_once_make_the_graph_once(app: Flask) -> None:
    """Six ``If-None-Match: *`` PUTs of one new graph at the same moment: one creates it, the
    others find it there (412). The conditions were checked before the write lock: each found
    the graph absent, and each wrote it."""
    graph = "http://example.org/graphs/created-once"
    start = threading.Barrier(6)

    def put(number: int) -> int:
        client = app.test_client()
        body = f'<http://example.org/p{number}> <http://xmlns.com/foaf/0.1/name> "{number}" .'
        start.wait()
        headers = {**AUTH, "If-None-Match": "*"}
        answer = client.put(
            f"/store?graph={graph}", data=body, content_type=TURTLE, headers=headers
        )
        return answer.status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(put, range(6)))
    assert statuses == [201, 412, 412, 412, 412, 412]


def test_deleting_a_graph_that_is_not_there_publishes_nothing(app: Flask) -> None:
    client = app.test_client()
    before = _generation(client)
    missing = client.delete("/store?graph=http://example.org/graphs/never-made", headers=AUTH)
    assert missing.status_code == 404, missing.data
    assert _generation(client) == before


def test_an_empty_graph_exists_for_its_writes(app: Flask) -> None:
    """A graph PUT with no triples is there (GET serves it): ``If-Match: *`` holds for it and
    DELETE removes it. A check of its data said it was not there (404, 412: stranger 46)."""
    client = app.test_client()
    empty = "/store?graph=http://example.org/graphs/empty"
    assert client.put(empty, data="", content_type=TURTLE, headers=AUTH).status_code == 201
    assert client.get(empty, headers={"Accept": TURTLE}).status_code == 200
    none = client.put(empty, data="", content_type=TURTLE, headers={**AUTH, "If-None-Match": "*"})
    assert none.status_code == 412, none.data
    deleted = client.delete(empty, headers={**AUTH, "If-Match": "*"})
    assert deleted.status_code == 204, deleted.data
    assert client.delete(empty, headers=AUTH).status_code == 404


def test_emptying_an_empty_default_graph_publishes_nothing(app: Flask) -> None:
    client = app.test_client()
    assert client.delete("/store?default", headers=AUTH).status_code == 204
    before = _generation(client)
    again = client.delete("/store?default", headers=AUTH)
    assert again.status_code == 204, again.data
    assert again.headers["Store-Generation"] == str(before)
    assert _generation(client) == before


@contextlib.contextmanager
def _another_write() -> Iterator[None]:
    """Inside: another write of this process holds the write lock (``writes_held``)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writes_held(60):
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        yield
    finally:
        release.set()
        holder.join()


def _sent_aside(client: FlaskClient, write: tuple[str, str, dict[str, Any]], **headers: str) -> Any:
    """The answer to ``write`` (method, path, arguments), sent from another thread."""
    method, path, arguments = write
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(getattr(client, method), path, headers={**AUTH, **headers}, **arguments)
        return sent.result(timeout=20)


@pytest.mark.parametrize("write", ["store-put", "update-direct", "store-delete-g"])
def test_a_write_whose_tag_cannot_pass_does_not_wait_for_other_writes(
    app: Flask, write: str
) -> None:
    """``If-Match`` with a tag fails whatever the store holds (weak tags): 412 at once, while
    another write holds the lock (it waited for it: 28 s behind a long update, stranger 46)."""
    with _another_write():
        answer = _sent_aside(app.test_client(), CONDITIONED[write], **{"If-Match": 'W/"g1-0123"'})
    assert answer.status_code == 412


@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_waits_for_the_writes_before_it_no_longer_than_store_lock_wait(
    store: Published, write: str
) -> None:
    """A write behind others that run long is refused after ``store_lock_wait`` (503 with
    Retry-After, nothing changed): writes queued one behind the other with no bound (stranger
    100: ten PUTs at once, the last answered after 116 s, and a client gone meanwhile had its
    write made all the same)."""
    app = _make_app(store, TOKEN, store_lock_wait=1)
    client = app.test_client()
    before = _generation(client)
    with _another_write():
        started = time.monotonic()
        answer = _sent_aside(client, WRITES[write])
        waited = time.monotonic() - started
    assert answer.status_code == 503, answer.data
    assert answer.headers["Retry-After"] and "nothing was changed" in answer.text
    assert waited < 10
    assert _generation(client) == before
    app.extensions["coworkmed.pool"].close()


#: Graph Store writes in turn to G (or the default graph) and whether each publishes a new
#: generation: a write that changes nothing publishes nothing (stranger 47: eight PUTs of one
#: graph published g6 to g13, each dropping every ETag and starting a dump export)
SAME_WRITES: list[tuple[str, str, str, bool]] = [
    ("put", f"graph={G}", PERSON, True),
    ("put", f"graph={G}", PERSON, False),  # the same triples
    ("put", f"graph={G}", ANA, False),  # the same triple, written otherwise
    ("post", f"graph={G}", PERSON, False),  # triples it holds
    ("post", f"graph={G}", '<http://example.org/p> <http://example.org/q> "1" .', True),
    ("post", f"graph={G}", '<http://example.org/p> <http://example.org/q> "1" .', False),
    ("put", f"graph={G}", PERSON, True),  # fewer triples
    ("put", f"graph={G}", "[] <http://example.org/q> 1 .", True),  # a blank node: new each time
    ("put", f"graph={G}", "[] <http://example.org/q> 1 .", True),
    # stranger 67 (F6): a number written otherwise than the store holds it ("1.50": "1.5")
    # published a new generation at each PUT of the same triples
    ("put", f"graph={G}", "<http://example.org/p> <http://example.org/q> 1.50 .", True),
    ("put", f"graph={G}", "<http://example.org/p> <http://example.org/q> 1.50 .", False),
    ("put", f"graph={G}", "<http://example.org/p> <http://example.org/q> +1.500 .", False),
    ("post", f"graph={G}", "<http://example.org/p> <http://example.org/q> 01.5 .", False),
    ("put", f"graph={G}", "<http://example.org/p> <http://example.org/q> 1.51 .", True),
    ("put", "default", PERSON, True),
    ("put", "default", PERSON, False),
]


def test_a_graph_store_write_that_changes_nothing_publishes_nothing(app: Flask) -> None:
    client = app.test_client()
    number = int(client.get(f"/store?graph={G}").headers.get("Store-Generation") or 0)
    for method, target, data, published in SAME_WRITES:
        answer = getattr(client, method)(
            f"/store?{target}", data=data, content_type=TURTLE, headers=AUTH
        )
        assert answer.status_code in (201, 204), answer.data
        said = int(answer.headers["Store-Generation"])
        assert (said > number) is published, (method, target, data)
        assert said >= number
        number = said
    read = client.get(f"/store?graph={G}", headers={"Accept": "application/n-triples"})
    assert read.data.count(b"\n") == 1  # the last PUT's triple


#: updates sent in turn, and whether each publishes a new generation
UPDATE_CHANGES = yaml.safe_load((Path(__file__).parent / "update-changes.yaml").read_text("utf-8"))


def test_an_update_that_changes_nothing_publishes_nothing(app: Flask, store: Published) -> None:
    """On the embedded store; an external store may hold what it is sent otherwise than it
    gives it back (Virtuoso: "x" and "x"^^xsd:string), and each update is published there."""
    external = isinstance(store.location, SparqlLocation)
    client = app.test_client()
    graphs = {"g": G, "h": "http://example.org/graphs/g2", "links": f"{BASE}links"}
    number = _generation(client)
    for case in UPDATE_CHANGES:
        update = case["update"]
        for name, graph in graphs.items():
            update = update.replace(f"{{{name}}}", graph)
        answer = client.post(
            "/sparql",
            data=update,
            content_type="application/sparql-update",
            headers=AUTH,
        )
        assert answer.status_code == 204, (update, answer.data)
        said = int(answer.headers["Store-Generation"])
        assert (said > number) is (case["publishes"] or external), update
        assert said >= number and _generation(client) == said
        number = said


#: a write naming a graph that is not the service's: (method, path, keyword arguments), with
#: {g} for the graph
FOREIGN_WRITES = {
    "update-clear": ("post", "/sparql", {"data": "CLEAR GRAPH <{g}>"}),
    "update-drop-silent": ("post", "/sparql", {"data": "DROP SILENT GRAPH <{g}>"}),
    "update-insert": (
        "post",
        "/sparql",
        {"data": "INSERT DATA { GRAPH <{g}> { <urn:a> <urn:b> 1 } }"},
    ),
    "update-copy-to": ("post", "/sparql", {"data": "COPY DEFAULT TO <{g}>"}),
    # Virtuoso's own syntax, sent to it as written (stranger 104)
    "update-modify": (
        "post",
        "/sparql",
        {"data": "MODIFY <{g}> DELETE {} INSERT { <urn:a> <urn:b> 1 }"},
    ),
    "update-insert-in": ("post", "/sparql", {"data": "INSERT IN <{g}> { <urn:a> <urn:b> 1 }"}),
    "update-identified-by": (
        "post",
        "/sparql",
        {"data": "INSERT INTO GRAPH IDENTIFIED BY <{g}> { <urn:a> <urn:b> 1 }"},
    ),
    "store-put": ("put", "/store?graph={g}", {"data": PERSON, "content_type": TURTLE}),
    "store-delete": ("delete", "/store?graph={g}", {}),
}


NOT_STANDARD = ("update-modify", "update-insert-in", "update-identified-by")


def _foreign_graphs(store: Published) -> list[str]:
    """Graphs of the store that are not the service's: on Virtuoso its state, the stand-in for
    the default graph and Virtuoso's own ``virtrdf#`` (stranger 103: a CLEAR of the state left
    readers 8 triples of 78,144); on Oxigraph the merge readers query and its upkeep."""
    location = store.location
    if isinstance(location, SparqlLocation):
        virtuoso = "http://www.openlinksw.com/schemas/virtrdf#"
        return [location.state_graph, location.default_graph, virtuoso]
    return [f"{BASE}published", f"{BASE}published-state"]


@pytest.mark.parametrize("write", list(FOREIGN_WRITES))
def test_a_write_may_not_name_a_graph_that_is_not_the_services(
    app: Flask, store: Published, write: str
) -> None:
    client = app.test_client()
    before = _generation(client)
    spaces = "ASK { ?s a <https://w3id.org/coworkmed/def/Space> }"
    for graph in _foreign_graphs(store):
        method, path, arguments = FOREIGN_WRITES[write]
        given = {**arguments}
        if method == "post":
            given = {"data": arguments["data"].replace("{g}", graph)}
            given["content_type"] = "application/sparql-update"
        answer = getattr(client, method)(
            path.replace("{g}", urllib.parse.quote(graph, safe=":/")), headers=AUTH, **given
        )
        # Virtuoso's own syntax is no SPARQL: refused as such where no check named the graph
        refused = (403, 400) if write in NOT_STANDARD else (403,)
        assert answer.status_code in refused, (graph, answer.data)
        assert _generation(client) == before and _ask(client, spaces)


def test_a_long_literal_is_written_or_refused_in_words(app: Flask, store: Published) -> None:
    """A literal of 70,000 characters: the embedded store writes it; Virtuoso refuses it (its
    row length), and the refusal is its words, not its HTML error page (stranger 103)."""
    client = app.test_client()
    body = f'<http://example.org/p> <http://example.org/q> "{"é" * 70_000}" .'
    answer = client.put(f"/store?graph={G}", data=body, content_type=TURTLE, headers=AUTH)
    if isinstance(store.location, SparqlLocation):
        said = answer.get_data(as_text=True)
        assert answer.status_code == 400 and "<html" not in said.lower() and "</" not in said, said
    else:
        assert answer.status_code == 201, answer.data
