"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

A graph is named indirectly (``/store?graph=IRI``, ``/store?default``) or directly (the request
URL itself, ``/store/some/path``). GET and HEAD read a published graph, like any query (public,
with CORS, capped at ``max_rows`` triples unless the update token is given). PUT replaces a
graph, POST adds to it (to ``/store`` alone: creates a new graph and answers its IRI in
``Location``), DELETE removes it; writes need the bearer token (``endpoint.auth``), each is one
transaction on the primary database, published as a new snapshot. The graphs the loader writes
(ontology, code lists, catalogue, cube, submissions, dataset versions:
``triplestore.protected.protected_graph``) may be read but not written (403).
An upload is parsed in a
confined worker (``core.workers.run_confined``: no network, ``PARSE_MEMORY``, the query
timeout), never in the server process; RDF/XML passes ``loaders.guards.check_xml`` there first.
A graph named by its URL (``/store/some/path``) is named under the ``public_url`` setting.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from core.rdf_bytes import as_stored, to_bytes
from core.settings import isolation_required
from core.workers import Limits, WorkerCrashed, WorkerTimedOut, run_confined
from endpoint.auth import may_write, write_refusal
from endpoint.caching import if_match_never_holds, precondition_failed, write_precondition_fails
from endpoint.dereference import published_graph
from endpoint.execution import (
    TIME_LIMIT,
    GraphRequest,
    QueryError,
    check_not_encoded,
    unpublished,
    unsupported,
)
from endpoint.formats import FORMATS
from endpoint.forms import check_encoded
from endpoint.negotiation import format_values, formats_for
from endpoint.published import run, store_location
from endpoint.responses import error, read_headers, refusal
from endpoint.urls import request_url
from endpoint.writes import (
    SettledWrite,
    remote_failure,
    settled_answer,
    write_failure,
    write_in_worker,
    write_turn,
)
from loaders.guards import UnsafeFile, check_xml
from triplestore.backends import TripleStore
from triplestore.backends.sparql import RemoteStoreError
from triplestore.protected import ProtectedGraphs, protected_graph, refuse_foreign
from triplestore.versions import (
    StoreBusy,
    Unchanged,
    delete_graph,
    graph_exists,
    post_graph,
    put_graph,
)

blueprint = Blueprint("graphstore", __name__)
T = TypeVar("T")

#: the graph formats a client may send: a dataset format (N-Quads, TriG) too, whose triples
#: are in its default graph or in the target graph itself (``read_graph_upload``)
UPLOAD_FORMATS = ", ".join(media for _fmt, media in FORMATS["graph"].values())
#: what a graph may be written as, named by the 415s (one graph, or files of a form: GSP 5.5)
TAKEN = [media for _fmt, media in FORMATS["graph"].values()] + ["multipart/form-data"]


@dataclass(frozen=True)
class Target:
    """The graph a request names: ``graph`` None is the default graph; ``given`` False means
    the request named none (a POST to the store itself)."""

    graph: str | None
    given: bool = True


def target(path: str | None) -> Target:
    """The graph the request names, directly (``path``) or by ``graph``/``default`` (or a 400,
    for a parameter that is not UTF-8 once decoded: werkzeug kept ``%FF`` encoded, and
    ``graph=…%FF`` named the graph of ``graph=…%25FF``: stranger 46)."""
    check_encoded(request.query_string, "query string")
    indirect = [name for name in ("graph", "default") if name in request.args]
    if path is not None:
        if indirect:
            raise QueryError(400, f"/store/{path} names its graph already: drop ?{indirect[0]}")
        return Target(request_url())
    if len(indirect) > 1 or len(request.args.getlist("graph")) > 1:
        raise QueryError(400, "name one graph: ?graph=IRI or ?default, once")
    if not indirect:
        return Target(None, given=False)
    if indirect[0] == "default":
        return Target(None)
    iri = request.args["graph"]
    try:
        ox.NamedNode(iri)
    except ValueError as problem:
        raise QueryError(400, f"graph={iri!r} is not an absolute IRI ({problem})") from None
    return Target(iri)


#: how much memory a worker that reads one uploaded graph may take (address space, bytes)
PARSE_MEMORY = 1 << 30


def read_graph_upload(data: bytes, media_type: str, base_iri: str) -> tuple[int, bytes | str]:
    """In a confined worker (no network, ``PARSE_MEMORY``): the graph ``data`` holds, as
    N-Triples ``(0, bytes)``, or ``(status, message)`` when it cannot be read. Nothing it names
    is fetched (an external DTD, a remote JSON-LD ``@context``). In a dataset format (N-Quads,
    TriG, JSON-LD) the quads go to the target graph (``base_iri``) from the document's default
    graph or from the target graph named: a quad naming another graph is refused (400)."""
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None  # _parse sends the media type of a format it found
    if fmt == ox.RdfFormat.RDF_XML:
        try:
            check_xml(data, "the RDF/XML sent")
        except UnsafeFile as problem:
            return 400, str(problem)
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
    except (SyntaxError, ValueError) as problem:
        return 400, f"the {fmt.name} sent cannot be parsed: {problem}"
    own = (ox.DefaultGraph(), ox.NamedNode(base_iri))
    named = next((q.graph_name for q in quads if q.graph_name not in own), None)
    if named is not None:  # one graph is written at a time
        return 400, (
            f"the {fmt.name} sent holds the named graph {named}: send the triples of one graph "
            f"(in the default graph, or in <{base_iri}>)"
        )
    # as the store holds them: compared with what it holds, a value written otherwise ("1.50"
    # for "1.5") is the same (``changes``)
    return 0, to_bytes(as_stored(quad.triple for quad in quads), ox.RdfFormat.N_TRIPLES)


def _parse(data: bytes, media_type: str, charset: str | None, base_iri: str) -> bytes:
    """The graph of one upload as N-Triples, read in a confined worker (``read_graph_upload``)."""
    fmt = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if fmt is None:
        given = media_type or "no content type"
        raise unsupported(f"send one graph as {UPLOAD_FORMATS}, not {given}", TAKEN)
    if charset and charset.lower() not in ("utf-8", "utf8"):
        raise unsupported(f"RDF must be sent in UTF-8, not {charset}", TAKEN)
    settings = current_app.config["COWORKMED"]
    timeout = settings["query_timeout"]
    limits = Limits(memory=PARSE_MEMORY, must_cut=isolation_required(settings))
    try:
        status, answer = run_confined(
            read_graph_upload, (data, fmt.media_type, base_iri), limits, timeout
        )
    except WorkerTimedOut:  # asked again, it would be stopped again (stranger 94: a 413)
        raise QueryError(
            TIME_LIMIT, f"the {fmt.name} sent took more than {timeout:g} s to read (query_timeout)"
        ) from None
    except WorkerCrashed as crash:
        raise QueryError(413, f"the {fmt.name} sent could not be read: {crash}") from None
    if status:
        raise QueryError(status, str(answer))
    assert isinstance(answer, bytes)  # status 0: the graph as N-Triples
    return answer


def uploaded_triples(base_iri: str) -> bytes:
    """The triples of the request body, or of every file of a multipart/form-data body, as
    N-Triples (a body with a content coding: 415)."""
    check_not_encoded(request.content_encoding)
    if request.mimetype == "multipart/form-data":
        files = [f for name in request.files for f in request.files.getlist(name)]
        if not files:
            raise QueryError(400, "the multipart body holds no file")
        triples = b""
        for upload in files:
            media_type = upload.mimetype
            if not media_type or media_type == "application/octet-stream":
                extension = (upload.filename or "").rpartition(".")[2]
                fmt = ox.RdfFormat.from_extension(extension) if extension else None
                media_type = fmt.media_type if fmt else ""
            charset = upload.mimetype_params.get("charset")
            triples += _parse(upload.read(), media_type, charset, base_iri)
        return triples
    charset = request.mimetype_params.get("charset")
    return _parse(request.get_data(), request.mimetype, charset, base_iri)


def _refuse_managed(graph: str | None) -> None:
    what = protected_graph(graph, current_app.config["COWORKMED"]["base"])
    if what is not None:
        raise QueryError(
            403, f"<{graph}> is {what}, written by the loader only (coworkmed build, load, publish)"
        )


def _written(created: bool, graph: str | None, generation: int, minted: bool = False) -> Response:
    """201 with the graph's name for a new graph (and, when this server named it, ``Location``:
    the graph's IRI, ``/store/{uuid}`` on this server, where direct identification serves it,
    and what the W3C tests then name with ``?graph=``), 204 otherwise; with the generation that
    publishes the change."""
    response = Response(status=204)
    if created:
        name = "the default graph" if graph is None else f"<{graph}>"
        response = Response(f"created {name}\n", status=201, mimetype="text/plain")
        if minted and graph:
            response.headers["Location"] = graph
    response.headers["Store-Generation"] = str(generation)
    return response


def _read(found: Target) -> Response:
    settings = current_app.config["COWORKMED"]
    name = formats_for(request.headers.get("Accept"), format_values(request.args))["graph"]
    if name is None:
        if found.graph is not None and not published_graph(found.graph):
            raise QueryError(404, unpublished(found.graph))  # whatever the format (stranger 72)
        raise QueryError(406, f"a graph can be had as: {UPLOAD_FORMATS}")
    limit = 2**62 if may_write() else settings["max_rows"]
    result = run(GraphRequest(found.graph, name, limit))
    response = Response(result.body, mimetype=result.media_type)
    response.headers["Store-Generation"] = str(result.generation)
    return read_headers(response)


def handle(path: str | None) -> Response:
    """One Graph Store request: read, or check the token and write."""
    start = time.perf_counter()
    metrics = current_app.extensions["coworkmed.metrics"]
    try:
        found = target(path)
        if request.method in ("GET", "HEAD"):
            if not found.given:
                raise QueryError(400, "name the graph to read: ?graph=IRI or ?default")
            response = _read(found)
        else:
            refused = write_refusal()
            if refused is not None:
                metrics.record(time.perf_counter() - start, refused.status_code, "graph_store")
                return refused
            response = precondition_failed() if if_match_never_holds() else _write(found)
    except QueryError as problem:
        response = refusal(problem)
    except ConditionFalse:
        response = precondition_failed()
    except ProtectedGraphs as problem:  # the store's own, or another application's
        response = error(403, str(problem))
    except NothingThere as problem:
        response = error(404, str(problem))
    except AlreadyEmpty:
        response = _written(False, None, store_location().generation())
    except SameTriples as same:
        response = _written(False, same.graph, store_location().generation())
    except StoreBusy as problem:
        current_app.logger.warning("Graph Store write refused, the store busy: %s", problem)
        response = error(503, problem.public)
        response.headers["Retry-After"] = "5"
    except RemoteStoreError as problem:
        response = error(*remote_failure(problem, "write"))
    metrics.record(time.perf_counter() - start, response.status_code, "graph_store")
    return response


class ConditionFalse(Unchanged):
    """A condition of the write's request is false (412): nothing is written."""


class NothingThere(Unchanged):
    """The graph to delete is not there (404)."""


class AlreadyEmpty(Unchanged):
    """The default graph to empty is empty (204, as before, but no new generation)."""


class SameTriples(Unchanged):
    """The graph holds these very triples already: a PUT of the same graph, a POST of triples
    it holds (204, as before, but no new generation: stranger 47 saw g6 to g13 published by
    eight PUTs of one graph)."""

    def __init__(self, graph: str | None) -> None:
        super().__init__(graph)
        self.graph = graph


def changes(
    store: TripleStore, graph: str | None, ntriples: bytes, replace: bool, existed: bool
) -> bool:
    """Whether writing ``ntriples`` into ``graph`` (``replace``: a PUT, else a POST; ``existed``:
    whether the graph is there) changes the store. A blank node always does (it is a new node
    each time: any ``_:`` counts, in a literal too), a graph not there yet too (even empty: a
    PUT makes it); else the lines sent are compared with those of the triples held, both
    written by pyoxigraph (the upload by the confined worker that read it,
    ``read_graph_upload``: nothing is parsed here)."""
    if b"_:" in ntriples or not existed:
        return True
    held = store.triples(None if graph is None else ox.NamedNode(graph))
    lines = set(to_bytes(held, ox.RdfFormat.N_TRIPLES).splitlines())
    sent = set(ntriples.splitlines())
    return not sent <= lines if not replace else sent != lines


def _stored(store: TripleStore, graph: str | None, ntriples: bytes, replace: bool) -> bool:
    """``ntriples`` written into ``graph`` (``replace``: PUT, else POST); True if the graph is
    new. SameTriples when that would change nothing. Whether the graph is there is asked once
    (on an external store, a query of the graphs it manages)."""
    existed = graph_exists(store, graph)
    if not changes(store, graph, ntriples, replace, existed):
        raise SameTriples(graph)
    return (put_graph if replace else post_graph)(store, graph, ntriples, existed=existed)


#: whether a write's request conditions fail when its graph is there, and when it is not
Refused = tuple[bool, bool]


def refused_when(given: bool) -> Refused:
    """Whether the request's conditions (If-Match, If-None-Match, If-Unmodified-Since) fail
    when the graph written is there, and when it is not; ``given``: whether the request named
    the graph (one this server names is never there). Worked out here, from the request, and
    weighed in the write's worker against the primary database (``_check``), holding the
    write lock: checked before it, six ``If-None-Match: *`` PUTs of one new graph at once all
    found it absent and all wrote it."""
    absent = write_precondition_fails(lambda: False)
    there = write_precondition_fails(lambda: True) if given else absent
    return there, absent


def _check(store: TripleStore, graph: str | None, refused: Refused) -> None:
    """ConditionFalse when the conditions fail for ``graph`` as the store has it: a graph
    exists when the store holds it, empty or not, as GET serves it (a check through the query
    workers waited behind slow public reads with the lock held, and missed empty graphs:
    stranger 46)."""
    there, absent = refused
    if there == absent:  # the same either way: no need to look
        fails = there
    else:
        fails = there if graph_exists(store, graph) else absent
    if fails:
        raise ConditionFalse


def store_checked(
    store: TripleStore, graph: str | None, ntriples: bytes, replace: bool, refused: Refused
) -> bool:
    """In the write's worker: ``_stored``, unless the request's conditions fail."""
    refuse_foreign(store, [] if graph is None else [graph])
    _check(store, graph, refused)
    return _stored(store, graph, ntriples, replace)


def delete_checked(store: TripleStore, graph: str | None, refused: Refused) -> None:
    """In the write's worker: ``_deleted``, unless the request's conditions fail."""
    refuse_foreign(store, [] if graph is None else [graph])
    _check(store, graph, refused)
    _deleted(store, graph)


def _deleted(store: TripleStore, graph: str | None) -> None:
    """``graph`` removed, the default graph emptied; NothingThere or AlreadyEmpty when there is
    nothing to remove (no new generation is published for it: stranger 46)."""
    one = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    if graph is None and not list(
        store.query(one, default_graph=[ox.DefaultGraph()], named_graphs=[])
    ):
        raise AlreadyEmpty
    if not delete_graph(store, graph):
        raise NothingThere(f"no graph <{graph}> to delete")


def _base() -> str:
    return current_app.config["COWORKMED"]["base"]


def _confined(change: Callable[..., T], args: tuple[Any, ...], graph: str | None) -> tuple[T, int]:
    """``change(store, *args)`` of ``graph`` and its publication in a worker of its own
    (``endpoint.writes``); its failures said as an update's are (QueryError). One stopped at
    its time limit once its change was saved is a write made (``created``: whether it made
    the graph, what ``store_checked`` returns)."""
    try:
        return write_in_worker(change, args, graphs=(graph or "",))
    except SettledWrite as settled:
        if settled.left.applied:
            return cast(T, settled.left.created), settled.generation
        raise QueryError(*settled_answer(settled, "write")) from None
    except (WorkerCrashed, WorkerTimedOut) as problem:
        timeout = current_app.config["COWORKMED"]["query_timeout"]
        raise QueryError(*write_failure(problem, timeout, "write")) from None


def _write(found: Target) -> Response:
    if request.method == "DELETE":
        if not found.given:
            raise QueryError(400, "name the graph to delete: ?graph=IRI or ?default")
        _refuse_managed(found.graph)
        with write_turn():  # no other write between the conditions and this one
            _nothing, generation = _confined(
                delete_checked, (found.graph, refused_when(found.given)), found.graph
            )
        return _written(False, found.graph, generation)
    graph = found.graph
    if not found.given:
        if request.method == "PUT":
            raise QueryError(400, "name the graph to replace: ?graph=IRI or ?default")
        # named on this server (direct identification): its IRI is where it is served
        graph = f"{request_url().rstrip('/')}/{uuid.uuid4()}"
    _refuse_managed(graph)
    triples = uploaded_triples(graph or request_url())
    replace = request.method == "PUT"
    with write_turn():
        created, generation = _confined(
            store_checked, (graph, triples, replace, refused_when(found.given)), graph
        )
    return _written(created, graph, generation, minted=not found.given)


@blueprint.route("/store", methods=["GET", "PUT", "POST", "DELETE"])
def indirect() -> Response:
    return handle(None)


@blueprint.route("/store/<path:path>", methods=["GET", "PUT", "POST", "DELETE"])
def direct(path: str) -> Response:
    return handle(path)
