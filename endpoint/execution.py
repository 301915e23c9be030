"""Running one request in a query worker (or, for an external store, in the server): queries
(``execute``) and whole published graphs (``read_graph``) over the published data, and the
worker's loop (``serve``) that opens the store's current snapshot and follows new ones.

The worker processes are scheduled by ``endpoint.pool``; results are written in the formats of
``endpoint.formats``. A row cap keeps at most ``max_rows`` solutions (or triples); ``truncated``
says it happened.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import itertools
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

import pyoxigraph as ox

from core import sparql_reading
from core.namespaces import DCAT
from core.problems import LoadError
from core.rdf_bytes import to_bytes
from core.settings import isolation_required
from core.sparql_text import (
    dataset_clauses,
    inside,
    one_text,
    remote_access,
    silent_operations,
    tokens,
    undeclared_prefix,
)
from core.workers import Limits, confined_thread, errors_to, give_back_memory, preload
from endpoint.formats import (
    FORMATS,
    UnwritableAnswer,
    checked_xml,
    write_boolean,
    write_solutions,
)
from endpoint.streaming import spooled
from observatory.cube import data_graphs
from triplestore.backends import TripleStore
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore
from triplestore.merge import reading_default
from triplestore.protected import ProtectedGraphs, ReadOtherwise, guard_update
from triplestore.protected import read_again as read_again_update
from triplestore.versions import published_graphs

preload("endpoint.execution")

#: a worker without limits (tests, embedding)
NO_LIMITS = Limits(0, network=True)


def worker_limits(resolved: Mapping[str, Any]) -> Limits:
    """What a query or update worker may use: ``query_memory`` MB, and the network only when
    SERVICE peers are set (without them no query may reach another host, whatever its text);
    cut from it or not run at all, as ``worker_isolation`` asks."""
    return Limits(
        resolved["query_memory"] * 2**20,
        network=bool(resolved["service_peers"].split()),
        must_cut=isolation_required(resolved),
    )


#: how the query pool and an external store say that a query ran out of time
TIMED_OUT = 504
#: the status of a client's own query, update or write stopped at a time limit (ours, or an
#: external store's): the request was understood, and what it asks cannot be done within this
#: service's limits (RFC 9110 15.5.21); asked again, it would be stopped again. Not 504, a
#: gateway's status that proxies and clients take for a passing fault and try again (stranger
#: 92): no input may cause a 5xx. The server's own queries (pages, figures) keep 504.
TIME_LIMIT = 422


def clients_status(status: int) -> int:
    """The status a client's own request gets for ``status``, the status its query or write
    was answered with inside the service: a time limit is ``TIME_LIMIT``."""
    return TIME_LIMIT if status == TIMED_OUT else status


class QueryError(Exception):
    """A query that cannot be answered: ``status`` is the HTTP status it calls for, ``headers``
    what its answer says besides (``unsupported``)."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def encoded(coding: str | None) -> bool:
    """Whether a body's ``Content-Encoding`` names a coding (RFC 9110 8.4): anything but none
    and ``identity``, a name read in any case (stranger 95: IDENTITY was refused)."""
    return coding is not None and coding.strip().lower() != "identity"


def check_not_encoded(encoding: str | None) -> None:
    """415 for a body sent with a content coding (``encoded``): none is taken, and one read as
    it is would be written as sent (stranger 94: a Graph Store PUT labelled gzip or br was
    stored as if plain)."""
    if encoded(encoding):
        raise unsupported(
            f"a body encoded as {encoding} is not taken: send it as it is", codings=["identity"]
        )


def unsupported(message: str, types: Sequence[str] = (), codings: Sequence[str] = ()) -> QueryError:
    """A 415 for a body the route does not take, its answer naming what the route takes
    (stranger 92: the 415s named it in their text alone): the media ``types`` in ``Accept``
    (RFC 9110 12.5.1, 15.5.16) and ``Accept-Post`` (Linked Data Platform 1.0, 7.1: every route
    that refuses a body takes POST), or the content ``codings`` in ``Accept-Encoding`` (RFC 9110
    12.5.3)."""
    headers = {"Accept": ", ".join(types), "Accept-Post": ", ".join(types)} if types else {}
    if codings:
        headers["Accept-Encoding"] = ", ".join(codings)
    return QueryError(415, message, headers)


#: the engine's words for a peer's answer it could not read (raised as a RuntimeError): a
#: Content-Type it does not read, or results it could not parse
PEER_ANSWER_WORDS = ("returned by service", "Parser error")


#: how a query or an update the engine could not end is told: what could not be done, and what
#: follows the engine's words
_NOT_DONE = {
    "query": ("the query cannot be evaluated", ""),
    "update": ("the update cannot be applied", "; nothing was changed"),
}


def evaluation_failure(
    text: str, error: Exception, kind: str = "query", peered: bool = False
) -> tuple[int, str]:
    """The status and words of a query or update (``kind``) the engine began and could not end
    with ``error``. In a text that calls SERVICE, an ``OSError`` (the engine's HTTP client: a
    peer that refuses the connection, answers an error, or does not answer) or an answer the
    engine could not read (``PEER_ANSWER_WORDS``) is its peer's failure, not the client's: 502,
    or 504 when the engine's own wait for the peer ran out (RFC 9110, 15.6.3 and 15.6.5; the
    query's time limit, shorter, is a 422 as for any query). It was a 400, which a client reads
    as its own mistake and never retries (stranger 110; an update's, stranger 111). Only where
    ``peered`` (``service_peers`` set: the worker has the network): without, the worker's own
    cut stopped a call no check should have let through, and the query is refused (400)."""
    said, after = _NOT_DONE[kind]
    unread = isinstance(error, RuntimeError) and any(w in str(error) for w in PEER_ANSWER_WORDS)
    if peered and (isinstance(error, OSError) or unread) and remote_access(text) == "SERVICE":
        status = 504 if isinstance(error, TimeoutError) else 502
        return status, (
            f"a SERVICE peer failed, not this {kind}: {error} "
            f"(SERVICE SILENT goes on without a peer that fails){after}"
        )
    return 400, f"{said}: {error}{after}"


# ---------------------------------------------------- a second reading, in a worker


def service_refusal(targets: Iterable[str | None], peers: Sequence[str]) -> str | None:
    """Why a text whose SERVICE calls go to ``targets`` (None: a variable, or a name that does
    not resolve) may not run where ``peers`` are the endpoints it may call, or None."""
    for target in targets:
        if target is None:
            return "SERVICE must name its endpoint by a full IRI <...> or a declared prefixed name"
        if target not in peers:
            allowed = ", ".join(peers) or "none"
            return f"SERVICE <{target}> is not allowed here; allowed peers: {allowed}"
    return None


def update_refusal(readings: Sequence[sparql_reading.Reading], peers: Sequence[str]) -> str | None:
    """Why an update whose operations a second reading found to be ``readings``
    (``core.sparql_reading``) may not run here: a LOAD, or a SERVICE call outside ``peers``."""
    if any(reading.loads for reading in readings):
        return "LOAD is not enabled on this service: it never fetches URLs"
    return service_refusal([s for reading in readings for s in reading.services], peers)


#: the largest text of each kind read a second time (``core.sparql_reading`` reads 20 to 60
#: microseconds a byte: a 939 KB query took 24 s, a 924 KB update 35 s, stranger 114, and a
#: 508 KB update still outlasted the 30 s limit, stranger 115): a query that holds the word
#: SERVICE, an update; a larger one is refused (a query 400, an update 413)
SECOND_READING_BYTES = {"query": 128 * 1024, "update": 128 * 1024}


def too_long_to_read_again(text: str, kind: str) -> str | None:
    """Why the ``kind`` (query or update) ``text`` is too long to be read a second time."""
    size, most = len(text.encode("utf-8")), SECOND_READING_BYTES[kind]
    if size <= most:
        return None
    why = "it names SERVICE" if kind == "query" else "it may write"
    door = "" if kind == "query" else " (bulk data goes in by the Graph Store Protocol, /store)"
    return (
        f"this {kind} is {size // 1024} KB; one is read twice before it runs, as {why}, and "
        f"may be at most {most // 1024} KB here{door}"
    )


def update_read_again(
    text: str, base_iri: str | None, base: str, peers: tuple[str, ...], engine: bool
) -> tuple[int, str] | None:
    """In a worker without network: the status and words of a refusal of the update ``text``,
    or None. ``engine``: the store is external, sent the text as it is, and the engine's
    parser reads it first (``parse_error``). Then the scanner's rules as the write's worker
    applies them (``guard_update``: a glued ``DROP SILENTALL`` is told so), and rdflib's
    reading (``triplestore.protected.read_again``,
    ``update_refusal``: protected graphs 403, LOAD and SERVICE outside ``peers`` 400). Where
    rdflib cannot read a text the engine cannot read either, the engine's words are given."""
    refused = _engine_refusal(text, base_iri, True) if engine else None
    if refused is not None:
        return 400, refused.told(text, update=True)
    long = too_long_to_read_again(text, "update")
    if long is not None:
        return 413, long
    try:
        with one_text():  # the scanner's refusals first, in their words; it reads the text once
            guard_update(text, base, base_iri, [])
            said = update_refusal(read_again_update(text, base, base_iri), peers)
    except ProtectedGraphs as problem:
        return 403, str(problem)
    except ReadOtherwise as problem:
        refused = None if engine else _engine_refusal(text, base_iri, True)
        return 400, str(problem) if refused is None else refused.told(text, update=True)
    return None if said is None else (400, said)


#: the keyword the engine reads as SERVICE, casefolded: a text without it calls no endpoint (the
#: engine reads keywords in ASCII, and no escape spells one: ``\u0053ERVICE`` is a syntax error
#: to it), and is not read a second time (rdflib's reading took 10 to 90 ms a figure query)
SERVICE_WORD = "service"
#: the second readings a worker keeps, by the digest of the text, its base and its peers
READ_AGAIN_KEPT = 256
_read_again: collections.OrderedDict[bytes, str | None] = collections.OrderedDict()


def read_again(text: str, base_iri: str | None, peers: Sequence[str]) -> str | None:
    """In a worker: why the query ``text`` may not run, by a second reading of its SERVICE calls
    (``core.sparql_reading``, rdflib's parser, which shares nothing with the scanner that
    ``endpoint.sparql.check_text`` read it with), or None. A text that calls SERVICE and that
    this reading cannot read is refused: where it goes could not be checked twice. Strangers
    101 to 113 hid a call from the scanner five ways; each is seen by this reading too."""
    if SERVICE_WORD not in text.casefold():
        return None
    long = too_long_to_read_again(text, "query")
    if long is not None:
        return long
    key = hashlib.sha256("\0".join([text, base_iri or "", *peers]).encode()).digest()
    if key not in _read_again:
        try:
            said = service_refusal(sparql_reading.read_query(text, base_iri).services, peers)
        except sparql_reading.Unread as unread:
            said = (
                "this query holds the word SERVICE (in a string or a comment too), and is read "
                "a second time, by rdflib's SPARQL 1.1 parser, to check where it calls; that "
                f"reading stopped: {unread} ({sparql_reading.UNREAD_NOTE})"
            )
        _read_again[key] = said
        while len(_read_again) > READ_AGAIN_KEPT:
            _read_again.popitem(last=False)
    _read_again.move_to_end(key)
    return _read_again[key]


@dataclass(frozen=True)
class QueryRequest:
    """A query, the format wanted for each kind of result, its dataset and its limits."""

    sparql: str
    formats: dict[str, str | None]  # kind of result -> format name (None: none acceptable)
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000
    base_iri: str | None = None  # relative IRIs of the query resolve against it
    #: the data base: the default graph is then the store's and the data graphs only
    #: (observatory.cube.data_graphs), for the server's own queries about spaces
    data_of: str | None = None
    #: bytes above which the answer comes in a temporary file (``endpoint.streaming``);
    #: 0: never (the server's own queries read their answers whole)
    stream_above: int = 0
    #: where such an answer is written (``endpoint.spool.answer_file``)
    spool_to: str | None = None
    #: the store generation to read (a warm-up run reads one: ``endpoint.published.run``);
    #: None, or one no longer kept: the current one
    at: int | None = None
    #: the SERVICE peers of a client's query, which is read a second time before it runs
    #: (``read_again``); None: the server's own query
    peers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class GraphRequest:
    """One published graph, whole (Graph Store Protocol GET): ``graph`` None is the store's
    default graph; more than ``max_triples`` triples is refused rather than cut."""

    graph: str | None
    format: str
    max_triples: int = 10_000
    at: int | None = None  # as ``QueryRequest.at``


@dataclass(frozen=True)
class QueryResult:
    kind: str
    media_type: str
    body: bytes
    rows: int | None
    truncated: bool
    generation: int
    spool: str | None = None  # the body is in this temporary file (endpoint.streaming)


# ------------------------------------------------------------------------- in the worker


def _format(request: QueryRequest, kind: str) -> tuple[Any, str]:
    name = request.formats.get(kind)
    if name is None:
        offered = ", ".join(media for _fmt, media in FORMATS[kind].values())
        raise QueryError(406, f"this query gives {kind} results, which can be had as: {offered}")
    return FORMATS[kind][name]


def readable(
    store: TripleStore, published: list[ox.NamedNode], names: tuple[str, ...]
) -> list[ox.NamedNode]:
    """The graphs a query's dataset parameters name, refused (400) when one of them is in the
    store but not published (a replaced dataset version): what a reader can name is what a
    reader can see. A graph the store does not hold is an empty graph, as the protocol says."""
    try:
        graphs = [ox.NamedNode(name) for name in names]
    except ValueError as problem:
        raise QueryError(400, f"a dataset parameter is not an absolute IRI ({problem})") from None
    visible = set(published)
    for graph in graphs:
        if graph not in visible and _replaced(store, published, graph):
            raise QueryError(
                400,
                f"<{graph.value}> is not published here (a replaced dataset version, or a graph "
                "the server keeps for itself, such as the merge readers query as their default "
                "graph): name a published graph (a current version: dcat:hasCurrentVersion in "
                "/catalog) or leave the dataset out",
            )
    return graphs


def _replaced(store: TripleStore, published: list[ox.NamedNode], graph: ox.NamedNode) -> bool:
    """Whether ``graph`` is a dataset version the published catalogue names (``dcat:hasVersion``)
    or a graph the store holds, though it is not published: an embedded store's snapshot no
    longer holds replaced versions (``OxigraphLocation.snapshot``), its catalogue still names
    them."""
    named = store.query(
        f"ASK {{ GRAPH ?catalog {{ ?dataset <{DCAT}hasVersion> <{graph.value}> }} }}",
        named_graphs=published,
    )
    return bool(named) or store.contains_named_graph(graph)


@dataclass(frozen=True)
class Published:
    """What readers of a store generation see: its published ``graphs`` (the named graphs of a
    query) and the ``default`` graph of a query that names no dataset (``reading_default``: the
    merge of the published graphs). A query's own FROM / FROM NAMED is checked against
    ``graphs`` as the protocol's parameters are (``execute``)."""

    graphs: list[ox.NamedNode]
    default: list[ox.NamedNode | ox.DefaultGraph]

    @classmethod
    def of(cls, store: TripleStore, base: str) -> Published:
        graphs = published_graphs(store, base)
        return cls(graphs, reading_default(store, base, graphs))


def execute(
    store: TripleStore, seen: Published, request: QueryRequest, generation: int
) -> QueryResult:
    """Answer one query over the published data of ``store`` (``seen``: what is published). A
    client's query is read a second time first where the worker has the network (``peers``
    set; an external store's queries are read so in ``parse_error``)."""
    if request.peers and isinstance(store, OxigraphStore):
        said = read_again(request.sparql, request.base_iri, request.peers)
        if said is not None:
            raise QueryError(400, said)
    published = seen.graphs
    default: Sequence[ox.NamedNode | ox.DefaultGraph] = seen.default
    named = published
    given = request.default_graphs is not None or request.named_graphs is not None
    if request.default_graphs is not None:
        default = readable(store, published, request.default_graphs)
    elif request.data_of is not None:
        default = [ox.DefaultGraph(), *data_graphs(published, request.data_of)]
    if request.named_graphs is not None:
        named = readable(store, published, request.named_graphs)
    own = (
        None
        if given or request.data_of is not None
        else dataset_clauses(request.sparql, request.base_iri)
    )
    if own is not None:
        # the query's FROM / FROM NAMED, given as its dataset (pyoxigraph would replace them
        # by a dataset given) and checked as the protocol's: graphs the server keeps for
        # itself or replaced versions are refused, not read
        default = readable(store, published, own.default)
        named = readable(store, published, own.named)
    default = list(dict.fromkeys(default))  # a graph named twice is one graph
    apart: list[ox.NamedNode] = []
    if (given or own is not None) and not isinstance(store, OxigraphStore):
        # a graph an external store holds apart from what it publishes is read as the empty
        # graph the protocol reads for it: Virtuoso answered FROM <urn:x-coworkmed:store:state>
        # with the service's state, and FROM (or FROM NAMED) its own virtrdf# graph with its
        # quad maps (stranger 49; an embedded store's snapshot holds no such graph). Left out
        # of the default graph; named, it is named (GRAPH ?g { } lists it) and read as empty.
        visible = set(published)
        default = [g for g in default if not isinstance(g, ox.NamedNode) or g in visible]
        apart = [g for g in named if g not in visible]
    if (own is not None or request.default_graphs is not None) and len(default) > 1:
        store, default, named = merged_dataset(store, default, named, request.sparql)
    results = store.query(
        request.sparql,
        base_iri=request.base_iri,
        default_graph=list(default),
        named_graphs=named,
        empty=apart,
    )
    if isinstance(results, ox.QueryBoolean):
        fmt, media_type = _format(request, "boolean")
        return QueryResult(
            "boolean", media_type, write_boolean(results, fmt), None, False, generation
        )
    if isinstance(results, ox.QuerySolutions):
        fmt, media_type = _format(request, "solutions")
        body, rows, truncated = write_solutions(results, request.max_rows, fmt)
        body = _checked(body, fmt, media_type, "solutions")
        return QueryResult("solutions", media_type, body, rows, truncated, generation)
    fmt, media_type = _format(request, "graph")
    kept = list(itertools.islice(results, request.max_rows + 1))
    truncated = len(kept) > request.max_rows
    body = _graph_bytes(kept[: request.max_rows], fmt, media_type)
    return QueryResult(
        "graph", media_type, body, min(len(kept), request.max_rows), truncated, generation
    )


def _graph_bytes(triples: list[ox.Triple], fmt: Any, media_type: str) -> bytes:
    """``triples`` written in ``fmt``; 406 when that format cannot write them (JSON-LD and
    RDF 1.2's triple terms: a 400 said the query could not be evaluated, though the query was
    right and another format would do: stranger 48), naming the formats there are."""
    try:
        body = to_bytes(triples, fmt)
    except OSError as problem:
        others = ", ".join(media for f, media in FORMATS["graph"].values() if f != fmt)
        raise QueryError(
            406, f"this graph cannot be written as {media_type} ({problem}); ask for: {others}"
        ) from None
    return _checked(body, fmt, media_type, "graph")


def _checked(body: bytes, fmt: Any, media_type: str, kind: str) -> bytes:
    """``body``, unless its XML is not well-formed: 406 (``endpoint.formats.checked_xml``)."""
    try:
        return checked_xml(body, fmt, media_type, kind)
    except UnwritableAnswer as problem:
        raise QueryError(406, str(problem)) from None


#: the most triples a query's own default graph of several graphs may hold (they are copied)
MOST_MERGED = 1_000_000


def merged_dataset(
    store: TripleStore,
    default: list[ox.NamedNode | ox.DefaultGraph],
    named: list[ox.NamedNode],
    sparql: str,
) -> tuple[TripleStore, list[ox.NamedNode | ox.DefaultGraph], list[ox.NamedNode]]:
    """The dataset of a query whose own default graph is several graphs (``FROM`` twice,
    ``default-graph-uri`` twice), with that default graph their RDF merge (SPARQL 1.1 13.1):
    pyoxigraph reads them as a union, each triple once per graph holding it, and counts went
    wrong. They are copied into a store of the query's own (its named graphs too when the
    query says GRAPH); more than ``MOST_MERGED`` triples is refused (400). An external store's
    query is left to its own reading of several default graphs (not checked here)."""
    if not isinstance(store, OxigraphStore):
        return store, default, named
    copies: list[tuple[ox.NamedNode | ox.DefaultGraph, ox.NamedNode | ox.DefaultGraph]]
    copies = [(graph, ox.DefaultGraph()) for graph in default]
    if any(inside("GRAPH", token) for token in tokens(sparql)):
        copies += [(graph, graph) for graph in named]
    merged, held = ox.Store(), 0
    for graph, into in copies:
        batch = [
            ox.Quad(quad.subject, quad.predicate, quad.object, into)
            for quad in store.raw.quads_for_pattern(None, None, None, graph)
        ]
        held += len(batch)
        if held > MOST_MERGED:
            raise QueryError(
                400,
                f"a default graph of several graphs is their merge, made for the query; these "
                f"(and the named graphs a GRAPH reads) hold more than {MOST_MERGED:,} triples: "
                "name fewer graphs, or leave the dataset out (the default graph is then the "
                "merge of every published graph)",
            )
        merged.extend(batch)
    return OxigraphStore(merged), [ox.DefaultGraph()], named


def unpublished(graph: str) -> str:
    """What a reader of a graph that is not published is told."""
    return f"no graph <{graph}> is published here"


def read_graph(
    store: TripleStore, seen: Published, request: GraphRequest, generation: int
) -> QueryResult:
    """One published graph, serialised whole (404 when it is not published, or is no IRI)."""
    published_names = {graph.value for graph in seen.graphs}
    if request.graph is not None and request.graph not in published_names:
        raise QueryError(404, unpublished(request.graph))
    name = None if request.graph is None else ox.NamedNode(request.graph)
    triples = list(itertools.islice(store.triples(name), request.max_triples + 1))
    if len(triples) > request.max_triples:
        raise QueryError(
            403,
            f"the graph has more than {request.max_triples} triples (max_rows): take it from the "
            "N-Quads dump of the whole graph store (/dumps/latest.nq.gz, its graph named), page "
            "through it with CONSTRUCT ... LIMIT/OFFSET at /sparql, or ask with the update token",
        )
    fmt, media_type = FORMATS["graph"][request.format]
    body = _graph_bytes(triples, fmt, media_type)
    return QueryResult("graph", media_type, body, len(triples), False, generation)


class Refusal(NamedTuple):
    """Why the engine will not take a client's text for an external store: its words
    (``said``), and whether its parser could not read it (``syntax``) or the text calls a
    function by IRI that it does not have."""

    said: str
    syntax: bool

    def told(self, text: str, update: bool = False) -> str:
        """What the client is told of it, for the query (or the update) ``text``."""
        if not self.syntax:
            return f"{self.said}; nothing was changed" if update else self.said
        if update:
            return f"update syntax error: {self.said}; nothing was changed"
        return syntax_message(text, SyntaxError(self.said))


#: what the engine says of a function called by an IRI it does not have (pyoxigraph 0.5),
#: when it plans the query, before any data is read
_NO_FUNCTION = re.compile(r"The custom function <([^>]*)> is not supported")


def parse_error(
    text: str, base_iri: str | None, update: bool = False, peers: tuple[str, ...] | None = None
) -> Refusal | None:
    """In a worker without network: why the engine will not take the query (``update``: the
    update) ``text``, or None when it reads it; a query with ``peers`` (a client's, for an
    external store, which has the network whatever they are) is then read a second time
    (``read_again``)."""
    refused = _engine_refusal(text, base_iri, update)
    if refused is None and peers is not None and not update:
        said = read_again(text, base_iri, peers)
        return None if said is None else Refusal(said, syntax=False)
    return refused


def _engine_refusal(text: str, base_iri: str | None, update: bool) -> Refusal | None:
    """Why the engine will not take the query (``update``: the update) ``text``, or None when
    it reads it (an empty store of its own then runs it to its
    last solution, and whatever fails there is not the parser's to say, but for a function
    called by an IRI the engine does not have: its planning says so, where it plans the call;
    and what outgrows the worker's memory cap ends the worker, its caller is told). For an
    external store, sent the text as it is: Virtuoso took its own syntax (``MODIFY <g>`` wrote
    the catalogue, stranger 104; a subquery as a value read the service's state by its FROM,
    stranger 105) and ran XPath's ``fn:doc`` from a subquery's ORDER BY, which ended its
    process (stranger 107)."""
    store = OxigraphStore(ox.Store())  # as the engine runs a client's text: sorts in a total order
    try:
        if update:
            _read_update(store, text, base_iri)
        else:
            answer = store.query(text, base_iri=base_iri)
            if not isinstance(answer, ox.QueryBoolean):
                # every solution made, as the store would: what a query builds from no data
                # meets the worker's memory cap here (a SELECT of 32 doubling CONCATs was
                # read unmade, and took Virtuoso past 21 GB, stranger 108)
                collections.deque(answer, maxlen=0)
    except SyntaxError as error:
        return Refusal(str(error), syntax=True)
    except (OSError, RuntimeError, ValueError) as error:
        called = _NO_FUNCTION.search(str(error))
        if called is not None:
            return Refusal(
                f"<{called.group(1)}> is not standard SPARQL and is not allowed here: only the "
                "XSD casts are called by IRI",
                syntax=False,
            )
        return None  # read, then failed on an empty store with no network: the store decides
    return None


def _read_update(store: OxigraphStore, text: str, base_iri: str | None) -> None:
    """Run the update ``text`` on ``store`` (empty); when one of its operations fails there
    (a graph dropped that is not there), again on an empty store with every such operation
    SILENT, so that the operations after it are planned too (a function call after a failing
    ``DROP GRAPH`` was never planned, stranger 108)."""
    try:
        store.update(text, base_iri=base_iri)
    except (OSError, RuntimeError, ValueError) as failed:
        silent = silent_operations(text)
        if _NO_FUNCTION.search(str(failed)) or silent == text:
            raise
        OxigraphStore(ox.Store()).update(silent, base_iri=base_iri)


def syntax_message(text: str, error: SyntaxError) -> str:
    """What a query the engine cannot read is told: the engine's words, led by what they mean
    when they list the characters it expected (stranger 48: "expected one of Prefix not found,
    ['%'], ['-' | '0' ..= '9' ..." for an undeclared prefix)."""
    said = f"query syntax error: {error}"
    prefix = undeclared_prefix(text) if "Prefix not found" in str(error) else None
    if prefix is not None:
        return (
            f"the prefix {prefix}: is not declared: add PREFIX {prefix}: <...> before the "
            f"query ({said})"
        )
    return said


#: what a worker does with each kind of request
HANDLERS: dict[type, Callable[[TripleStore, Published, Any, int], QueryResult]] = {
    QueryRequest: execute,
    GraphRequest: read_graph,
}


Reading = tuple[str, int, TripleStore, Published]


def _open(location: OxigraphLocation, base: str) -> Reading:
    """The current snapshot: its store's identity, its generation, the snapshot and what it
    publishes (LoadError when there is none: the store's folder removed, nothing published)."""
    identity = location.identity()
    generation, store = location.reader()
    return identity, generation, store, Published.of(store, base)


def _at(location: OxigraphLocation, base: str, number: int, held: Reading | None) -> Reading | None:
    """The snapshot of generation ``number`` a request asks for (``QueryRequest.at``), ``held``
    when it is that one already; None when it is no longer kept (the request then reads the
    current one, and its answer says which it read)."""
    if held is not None and held[1] == number:
        return held
    try:
        store = location.reader_at(number)
        return "", number, store, Published.of(store, base)
    except LoadError:
        return None


def serve(
    location: OxigraphLocation,
    base: str,
    limits: Limits,
    connection: Connection,
    errors: str | None = None,
) -> None:
    """The worker's loop: confine itself (memory cap; no network unless SERVICE peers are
    set), open the current snapshot, answer queries, follow new snapshots (in a thread of its
    own: ``core.workers.confined_thread``, or UUID() would repeat from worker to worker).
    ``errors``: the file its standard error goes to (``core.workers.errors_to``)."""
    if errors is not None:
        errors_to(errors)
    confined_thread(limits, _answer_queries, location, base, connection, limits.network)


def _answer_queries(
    location: OxigraphLocation, base: str, connection: Connection, peered: bool = False
) -> None:
    reading: Reading | None = None
    held: Reading | None = None  # the last generation asked for by number (``QueryRequest.at``)
    with contextlib.suppress(LoadError):  # opened now if it can be; else at the first query
        reading = _open(location, base)
    while True:
        try:
            request = connection.recv()
        except EOFError:  # the server is gone (stopped or killed): so is this worker
            return
        # another generation, or another store at the same one (built again in its place, or a
        # link moved to another store: stranger 44)
        if reading is None or location.state() != reading[:2]:
            try:
                reading = _open(location, base)
            except LoadError as problem:  # the store is gone or not published: say so, go on
                reading = None
                connection.send(("error", 503, str(problem)))
                continue
        at: int | None = request.at
        used = reading
        if at is None or at == reading[1]:
            held = _kept(location, held)
        else:
            held = _at(location, base, at, held)
            used = reading if held is None else held
        _identity, generation, store, current = used
        worked = time.thread_time()
        try:
            with one_text():  # its text's checks and rewrites read it once
                answer = HANDLERS[type(request)](store, current, request, generation)
            if isinstance(request, QueryRequest):
                answer = spooled(answer, request.stream_above, request.spool_to)
            connection.send(("ok", answer))
        except QueryError as error:
            connection.send(("error", error.status, error.message))
        except SyntaxError as error:
            said = syntax_message(
                request.sparql if isinstance(request, QueryRequest) else "", error
            )
            connection.send(("error", 400, said))
        except (ValueError, OSError, LoadError, RuntimeError) as error:
            # RuntimeError: what Oxigraph raises for a query it cannot evaluate (a function it
            # does not know); the worker goes on
            text = request.sparql if isinstance(request, QueryRequest) else ""
            connection.send(("error", *evaluation_failure(text, error, peered=peered)))
        except MemoryError:
            connection.send(("error", 400, EXHAUSTED + "it ran out of memory (query_memory)"))
        if time.thread_time() - worked >= GIVE_BACK_AFTER:  # its answer sent: not waited for
            give_back_memory()


#: the processor seconds of a query after which its worker hands the memory it freed back to
#: the system (``core.workers.give_back_memory``): its hash tables grow with the data, and a
#: worker otherwise kept the peak of its largest query (320 MB each at 100,000 spaces)
GIVE_BACK_AFTER = 0.1


def _kept(location: OxigraphLocation, held: Reading | None) -> Reading | None:
    """``held`` while its snapshot is kept; None (closed) once it was pruned: its files, removed,
    would otherwise stay on the disk for as long as it is open."""
    if held is None or (location.path / "snapshots" / str(held[1])).is_dir():
        return held
    return None


#: how a query that killed its worker is answered (a 4xx: the query is at fault, not the server)
EXHAUSTED = "the query exhausted the query worker: "
#: what a client may do about an engine fault, by words of its message
ENGINE_HINTS = {
    "total order": (
        " Its sort cannot order these values one way (known to happen with dates, times or "
        "durations beside strings or beside each other with and without a time zone, numbers "
        "of several datatypes near 2^53, triple terms holding numbers and strings): sort by "
        "STR(...) of them, or by values of one kind."
    ),
}


def engine_failed(fault: str, what: str = "query") -> str:
    """What a client is told of the engine's ``fault`` (its panic: ``core.workers.ErrorOutput``)
    on its ``what`` (query or update): the engine's words, whose fault it is, what may avoid it.
    It was told "most often an allocation past its memory cap ... Simplify the query" (stranger
    50)."""
    hint = next((said for words, said in ENGINE_HINTS.items() if words in fault), "")
    return (
        f"the SPARQL engine (pyoxigraph {ox.__version__}) failed on this {what} and its worker "
        f"stopped: {fault}. This is a fault of the engine, not of the {what}.{hint}"
    )
