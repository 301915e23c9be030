"""The SPARQL 1.1 Protocol at /sparql: request forms, dataset, negotiation, errors.

Queries come by GET (``query`` parameter), by POST as a form, or by POST with the query as an
``application/sparql-query`` body; ``default-graph-uri`` and ``named-graph-uri`` set the
dataset (by default: the union of the published graphs). A GET without a query answers the
service description. Updates come by POST, as a form (``update``) or as an
``application/sparql-update`` body, with ``using-graph-uri``/``using-named-graph-uri``; they
need the bearer token (``endpoint.auth``) and are published as a new snapshot when done.
``LOAD`` is refused, and ``SERVICE`` unless to a peer endpoint of the ``service_peers`` setting;
operations too large or too deeply nested for the parser are refused before it sees them.
Client mistakes are 4xx with a message, never a 500.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from core.rdf_templates import is_iri
from core.sparql_text import (
    DatasetConflict,
    ambiguous_less_than,
    declarations,
    declared_versions,
    forget_text,
    lists,
    measure,
    one_text,
    remote_access,
    service_targets,
    sparql_12_feature,
    store_own_syntax,
    stray_quote,
    update_operations,
    with_using,
)
from core.workers import WorkerCrashed, WorkerTimedOut
from endpoint.auth import write_refusal
from endpoint.caching import (
    changes_each_run,
    if_match_never_holds,
    precondition_failed,
    write_precondition_fails,
)
from endpoint.context import current_request, end_turn
from endpoint.execution import (
    QueryError,
    QueryRequest,
    QueryResult,
    check_not_encoded,
    evaluation_failure,
    service_refusal,
    unsupported,
)
from endpoint.forms import check_encoded
from endpoint.negotiation import asks_html, format_values, negotiate, prefers_html
from endpoint.published import Kept, select, store_location
from endpoint.published import generation as store_generation
from endpoint.responses import error, keeping_language, rdf_answer, read_headers, refusal
from endpoint.service import description
from endpoint.spool import answer_file
from endpoint.streaming import opened
from endpoint.truncation import noted
from endpoint.urls import request_url
from endpoint.writes import (
    SettledWrite,
    remote_failure,
    settled_answer,
    update_read,
    write_failure,
    write_in_worker,
    write_turn,
)
from triplestore.backends import StoreLocation, TripleStore
from triplestore.backends.sparql import RemoteStoreError
from triplestore.protected import (
    ProtectedGraphs,
    graphs_named,
    guard_update,
    protected_graph,
    protected_update,
    refuse_foreign,
)
from triplestore.versions import StoreBusy, Unchanged, footprint, published_graphs

blueprint = Blueprint("sparql", __name__)

#: POST body media type -> the operation the body is (None: a form naming it)
BODY_TYPES: dict[str, str | None] = {
    "application/sparql-query": "query",
    "application/sparql-update": "update",
    "application/x-www-form-urlencoded": None,
}
#: what a POST to /sparql may be sent as, named by its 415s
TAKEN = [f"{media}; charset=utf-8" for media in BODY_TYPES]
#: operation -> its dataset parameters (default graphs, named graphs)
DATASET_PARAMETERS = {
    "query": ("default-graph-uri", "named-graph-uri"),
    "update": ("using-graph-uri", "using-named-graph-uri"),
}


@dataclass(frozen=True)
class Operation:
    kind: str  # query or update
    text: str | None  # None: a GET without a query
    default_graphs: list[str]
    named_graphs: list[str]


#: the charsets a body may be labelled with: UTF-8, as the protocol requires, and US-ASCII (its
#: IANA names), which is UTF-8 when its bytes are ASCII (a client's HTTP stack labelled a query
#: so, and it was refused: stranger 48)
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    **dict.fromkeys(("us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "csascii"), "ascii"),
}


def declared_charset() -> str:
    """The charset the request's body is labelled with (a name ``CHARSETS`` knows; UTF-8 when
    none is given); 415 for another. A form labelled ``charset=iso-8859-1`` was read as UTF-8,
    its query not the one sent (stranger 86): a form is refused as a body is."""
    charset = current_request().mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in CHARSETS:
        raise unsupported(f"the body must be encoded in UTF-8, not {charset}", TAKEN)
    return charset


def body_text() -> str:
    """The request body as text: UTF-8, as the protocol requires, or ASCII labelled so (415 for
    another charset; 400 for bytes its label does not allow)."""
    charset = declared_charset()
    data = request.get_data()
    try:
        return data.decode(CHARSETS[charset])
    except UnicodeDecodeError as problem:
        said = "UTF-8" if CHARSETS[charset] == "utf-8" else f"{charset} (ASCII)"
        raise QueryError(400, f"the body is not valid {said} (byte {problem.start})") from None


def _operation_not_in_the_url() -> None:
    """A form POST carries its query or update in its body: the same in the URL is refused (it
    would be a second operation, or one the body does not hold)."""
    request = current_request()
    given = sorted(name for name in ("query", "update") if name in request.args)
    if given:
        raise QueryError(
            400, f"a form POST carries its {given[0]} in its body, not in the URL: move it there"
        )


def read_operation() -> Operation:
    """The query or update of the request, with its dataset, from whichever form was used."""
    request = current_request()
    if request.method not in ("GET", "HEAD"):
        check_not_encoded(request.content_encoding)
    check_encoded(request.query_string, "query string")
    if request.method in ("GET", "HEAD"):  # HEAD: a GET without the body
        if "update" in request.args:
            raise QueryError(400, "an update must be sent by POST, not GET")
        fields, kind, body = request.args, "query", None
    elif request.mimetype not in BODY_TYPES:
        given = request.mimetype or "no content type"
        raise unsupported(
            f"POST a query or update as {' or '.join(BODY_TYPES)}, not {given}", TAKEN
        )
    elif (body_kind := BODY_TYPES[request.mimetype]) is None:
        check_encoded(request.get_data(cache=True), "form", CHARSETS[declared_charset()])
        fields, body = request.form, None
        _operation_not_in_the_url()
        named = [k for k in ("query", "update") if k in fields]
        if len(named) > 1:
            raise QueryError(400, "a form with both a query and an update: send one")
        kind = named[0] if named else "query"
    else:
        fields, kind, body = request.args, body_kind, body_text()
        if "query" in fields or "update" in fields:
            raise QueryError(400, f"a {kind} in the body and another in the URL: send one")
    texts = fields.getlist(kind) if body is None else [body]
    if len(texts) > 1:
        raise QueryError(400, f"several {kind} parameters: send exactly one {kind}")
    default_key, named_key = DATASET_PARAMETERS[kind]
    # a form's dataset: its body's and its URL's (the W3C protocol tests send it in the URL;
    # it was dropped, the query answered over the whole graph: stranger 42)
    places = [fields] if fields is request.args else [fields, request.args]
    misspelt = dataset_misspelt([name for where in places for name in where])
    if misspelt is not None:
        raise QueryError(400, misspelt)
    defaults = list(dict.fromkeys(i for where in places for i in where.getlist(default_key)))
    named = list(dict.fromkeys(i for where in places for i in where.getlist(named_key)))
    return Operation(kind, texts[0] if texts else None, defaults, named)


#: how complex a query or update may be (``core.sparql_text.measure``): pyoxigraph's parser
#: recurses, and ~3,000 nested braces, ~10,000 chained operators or a chain of UNION, MINUS...
#: worth ``CHAIN_UNIT`` (``core.sparql_text.CHAINED``) overflow its stack; a fifth of that
LIMITS = {"depth": 64, "operators": 2_000, "chained": 2_000, "terms": 300}
#: what each of ``LIMITS`` counts, in a refusal's words. ``terms``: the terms of the graph
#: patterns and their groups (``core.sparql_text.measure``), whose join the engine
#: plans in a time that grows faster than their number (300 patterns took more than 20 s
#: before any data was read, and held a query slot for its time limit, strangers 108 and
#: 109); 100 triple patterns are 300 terms, planned in about 0.8 s
LIMIT_WORDS = {
    "depth": "brackets nested",
    "operators": "operators",
    "chained": "patterns chained (weighted)",
    "terms": (
        "terms in graph patterns (three a triple pattern, one a group, six a collection's item)"
    ),
}
#: the most an operation's lists may hold (``core.sparql_text.lists``: order and group
#: conditions, expressions named by AS, graphs named by FROM), and the graphs its request names
#: (the protocol's dataset): the engine's stack overflowed on about 3,000 order conditions,
#: 2,700 variables once keyed (``core.sparql_text.total_order`` sets calls before each), 3,000
#: group conditions and 2,750 projected expressions; none was counted (strangers 50 and 51)
MOST_IN_A_LIST = 1_000


#: the most BASE and PREFIX declarations an operation may make (``core.sparql_text.declarations``):
#: the states of its declarations grow with the square of their number (8,600 took 1 GB of the
#: server's memory, a chain of 8,000 BASE 39 s to resolve: stranger 87); a query rarely
#: declares more than a few dozen prefixes
MOST_DECLARATIONS = 256


def check_text(text: str, base_iri: str | None = None) -> None:
    """Refuse, before any parser sees it, an operation that begins with a byte order mark, that
    is too large or too deep for this service, that would fetch a URL (LOAD; SERVICE to an
    endpoint outside ``service_peers``), or that calls a store's own functions (Virtuoso's
    ``bif:`` reads files). ``base_iri``: what the operation's relative IRIs resolve against
    (the request's URL)."""
    settings = current_app.config["COWORKMED"]
    if text.startswith("\ufeff"):  # invisible: the engines said they expected PREFIX or
        # SELECT, or that a character was bad (stranger 48)
        raise QueryError(
            400,
            "the operation begins with a byte order mark (U+FEFF), which SPARQL does not "
            "allow: save the text without it",
        )
    size = len(text.encode("utf-8"))
    if size > settings["max_body"]:
        raise QueryError(413, f"the operation is {size} bytes; at most {settings['max_body']}")
    declared = declarations(text)  # before any reading of them (``core.sparql_text.prologues``)
    if declared > MOST_DECLARATIONS:
        raise QueryError(
            400,
            f"the operation is too complex for this service: {declared} BASE and PREFIX "
            f"declarations, at most {MOST_DECLARATIONS}",
        )
    measured = measure(text)
    for name, limit in LIMITS.items():
        if getattr(measured, name) > limit:
            raise QueryError(
                400,
                f"the operation is too complex for this service: {getattr(measured, name)} "
                f"{LIMIT_WORDS[name]}, at most {limit}",
            )
    for name, length in lists(text).items():
        if length > MOST_IN_A_LIST:
            raise QueryError(
                400,
                f"the operation is too complex for this service: {length} {name}, "
                f"at most {MOST_IN_A_LIST}",
            )
    stray = stray_quote(text)
    if stray is not None:  # read otherwise by the engine, or refused by it (stranger 112)
        raise QueryError(
            400,
            f"the {stray.text} at character {stray.start + 1} begins no string SPARQL reads: "
            "an escape a string may not hold (such as \\q), or an unclosed string",
        )
    ambiguous = ambiguous_less_than(text)
    if ambiguous is not None:  # read as an IRI, it hid from these checks what the engine reads
        raise QueryError(
            400,
            f"{ambiguous.text[:60]} may be read as an IRI or as a less-than and what follows: "
            "write a less-than with a space after it (?a < ?b)",
        )
    keyword = remote_access(text)
    if keyword == "LOAD":
        raise QueryError(400, "LOAD is not enabled on this service: it never fetches URLs")
    if keyword == "SERVICE":
        refused = service_refusal(
            service_targets(text, base_iri), settings["service_peers"].split()
        )
        if refused is not None:
            raise QueryError(400, refused)
    own = store_own_syntax(text, base_iri)
    if own:
        raise QueryError(400, f"{own} is not standard SPARQL and is not allowed here")


def check_dataset(operation: Operation) -> None:
    """Refuse a request that names more graphs by the protocol's parameters (default-graph-uri,
    named-graph-uri, their using- forms) than an operation may name by FROM (``MOST_IN_A_LIST``):
    each is checked and looked up in the worker."""
    named = len(operation.default_graphs) + len(operation.named_graphs)
    if named > MOST_IN_A_LIST:
        raise QueryError(
            400,
            f"the request names {named} graphs (the protocol's dataset parameters), "
            f"at most {MOST_IN_A_LIST}",
        )
    # each is written into an update's text (USING <...>): an IRI, or text that would run as
    # more of the update (stranger 102: "urn:a> WHERE {} ; INSERT DATA {...}")
    wrong = next(
        (g for g in [*operation.default_graphs, *operation.named_graphs] if not is_iri(g)), None
    )
    if wrong is not None:
        raise QueryError(400, f"a dataset parameter is not an absolute IRI: {wrong[:200]!r}")


#: the SPARQL versions an operation may say it is written in (SPARQL 1.2 Protocol's ``version``
#: parameter, the ``version`` of its media type, its own VERSION declaration): this engine reads
#: each (1.2-basic: SPARQL 1.2 without triple terms)
VERSIONS = ("1.1", "1.2", "1.2-basic")


#: the media types of a query or update sent as the body, whose ``version`` parameter counts
DIRECT_TYPES = ("application/sparql-query", "application/sparql-update")


def media_type_versions(header: str) -> list[str]:
    """Every ``version`` parameter of a Content-Type ``header``: werkzeug's parameters keep the
    last of two, and ``version=1.1; version=1.2`` was run (stranger 86)."""
    _media_type, _, parameters = header.partition(";")
    found = []
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "version":
            found.append(value.strip().strip('"').strip())
    return found


def check_version(kind: str, text: str = "") -> None:
    """QueryError 400 when the request names two different SPARQL versions (as parameters, in
    the body's media type, SPARQL 1.2 Protocol, or in the text's VERSION declarations), a
    version this service does not know, or version 1.1 for a ``text`` that uses SPARQL 1.2
    (``core.sparql_text.sparql_12_feature``). A VERSION in the text was not weighed:
    ``VERSION "9.9"`` was run, and ``version=1.2`` with ``VERSION "1.1"`` (stranger 48)."""
    request = current_request()
    named = [value.strip() for value in request.values.getlist("version")]
    if request.method == "POST" and request.mimetype in DIRECT_TYPES:  # a GET has no body
        named += media_type_versions(request.headers.get("Content-Type", ""))
    if "" in named:  # ``version=`` (it was said not to be a known version, named '')
        raise QueryError(400, f"the version parameter is empty: give one of {', '.join(VERSIONS)}")
    asked = sorted(set(named))  # by the request; with the text's own, all it names
    given = sorted(set(named + declared_versions(text)))
    if len(given) > 1:
        raise QueryError(
            400, f"the {kind} names several SPARQL versions ({', '.join(given)}): give one"
        )
    if given and given[0] not in VERSIONS:
        raise QueryError(
            400, f"SPARQL version {given[0]!r} is not known here; known: {', '.join(VERSIONS)}"
        )
    feature = sparql_12_feature(text) if asked == ["1.1"] else None
    if feature is not None:
        raise QueryError(400, f"the {kind} names SPARQL version 1.1 but uses 1.2's {feature}")


#: the names other services give their query parameter, which this one does not take
#: (stranger 87: ``?q=`` and ``?sparql=`` got the service description)
QUERY_ALIASES = {"q": "query", "sparql": "query", "qry": "query", "sparql-query": "query"}


def query_missed(names: list[str]) -> str | None:
    """Why a GET without a query, whose parameters are ``names``, is refused: a name that looks
    like ``query`` or ``update`` misspelt, or a dataset given for no operation. None: it asks
    for the service description. A client that misspelt ``query`` got the description, 200,
    and read RDF where it expected its answer (stranger 86)."""
    datasets = {name for pair in DATASET_PARAMETERS.values() for name in pair}
    for name in dict.fromkeys(names):
        close = [QUERY_ALIASES[name]] if name in QUERY_ALIASES else []
        close = close or difflib.get_close_matches(name.lower(), list(DATASET_PARAMETERS), 1, 0.6)
        if close:
            return f"no query: the parameter {name!r} is not one; did you mean {close[0]!r}?"
        if name in datasets:
            return f"no query: {name} names the dataset of a query; give the query too"
    return None


#: the names other services or habits give the dataset parameters, which this one does not
#: take (SPARQL 1.1 Protocol 2.1.1; stranger 111: each ignored, the whole dataset queried)
DATASET_ALIASES = {
    "from": "default-graph-uri",
    "graph-uri": "default-graph-uri",
    "default-uri": "default-graph-uri",
    "from-named": "named-graph-uri",
    "named-uri": "named-graph-uri",
}


def dataset_misspelt(names: list[str]) -> str | None:
    """Why an operation whose parameters are ``names`` is refused: one of them is a dataset
    parameter written otherwise (``DEFAULT-GRAPH-URI``, ``default_graph_uri``,
    ``named-graph``), which would be ignored, and the operation run over the whole dataset
    while its client believes it named one graph (stranger 110: a count of every graph for the
    132 triples of one). None when each is a dataset parameter as written, or looks like none."""
    datasets = [name for pair in DATASET_PARAMETERS.values() for name in pair]
    for name in dict.fromkeys(names):
        if name in datasets or len(name) > 64:
            continue
        spelled = name.lower().replace("_", "-")
        close = [DATASET_ALIASES[spelled]] if spelled in DATASET_ALIASES else []
        close = close or difflib.get_close_matches(spelled, datasets, 1, 0.8)
        if close:
            return (
                f"the parameter {name[:64]!r} is not one (parameter names are written in lower "
                f"case, with hyphens); did you mean {close[0]!r}?"
            )
    return None


def answered_type(chosen: dict[str, tuple[str, str] | None], kind: str, written: str) -> str:
    """The Content-Type of a result of ``kind``: the media type the client asked for (an alias
    such as ``application/json`` or ``text/plain`` included), else the writer's own."""
    asked = chosen.get(kind)
    return asked[1] if asked else written


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def sparql() -> BaseResponse:
    request = current_request()
    if request.method == "OPTIONS":  # a CORS preflight was answered before (endpoint.protocol)
        return sparql_options()
    try:
        operation = read_operation()
    except QueryError as problem:
        return refusal(problem)
    g.sparql_operation = operation.kind  # a write or not, for endpoint.protocol
    # an answer that changes at each run (NOW(), RAND()...), or with a peer's data (SERVICE),
    # not with this store's generation, is never kept nor validated (endpoint.caching)
    g.coworkmed_volatile = operation.text is not None and changes_each_run(operation.text)
    if operation.kind == "update":
        return update(operation)
    if operation.text is None:
        missed = query_missed(list(request.form if request.method == "POST" else request.args))
        if missed is not None:
            return error(400, missed)
        if request.method == "POST":
            return error(400, "no query: give it as the query parameter or as the body")
        named = format_values(request.values)
        html = not named and prefers_html(request.headers.get("Accept"))  # a browser
        if html or asks_html(named):
            # the query page, for format=html too, as /catalog and VoID take it (stranger 110)
            return read_headers(redirect(keeping_language(url_for("pages.query_page")), 303))
        updates = bool(current_app.config["COWORKMED"]["update_token"])
        return rdf_answer(
            "the service description",
            lambda: description(
                request_url(),
                updates,
                published_names(),
                max_rows=current_app.config["COWORKMED"]["max_rows"],
            ),
            named=named,
        )
    try:
        check_version(operation.kind, operation.text)
        check_text(operation.text, request_url())
        check_dataset(operation)
    except QueryError as problem:
        return refusal(problem)
    chosen = negotiate(request.headers.get("Accept"), format_values(request.values))
    formats = {kind: c[0] if c else None for kind, c in chosen.items()}
    settings = current_app.config["COWORKMED"]
    given = bool(operation.default_graphs or operation.named_graphs)
    metrics = current_app.extensions["coworkmed.metrics"]
    start = time.perf_counter()
    try:
        end_turn()  # checked: the engine's run needs no turn among long operations
        pool = current_app.extensions["coworkmed.pool"].get()
        with answer_file(settings["stream_above"] > 0 and pool.spools) as spool_to:
            query_request = QueryRequest(
                operation.text,
                formats,
                tuple(operation.default_graphs) if given else None,
                tuple(operation.named_graphs) if given else None,
                settings["max_rows"],
                request_url(),
                stream_above=settings["stream_above"],
                spool_to=spool_to,
                peers=tuple(settings["service_peers"].split()),
            )
            result = pool.run(
                query_request,
                settings["query_timeout"],
                gone=request.environ.get("waitress.client_disconnected"),
            )
    except QueryError as problem:
        metrics.record(time.perf_counter() - start, problem.status)
        return refusal(problem)  # a 503's Retry-After: endpoint.protocol.retry_later
    metrics.record(time.perf_counter() - start, 200)
    response = _cut_said(result, answered_type(chosen, result.kind, result.media_type))
    response.headers["Store-Generation"] = str(result.generation)
    return read_headers(response)


def _cut_said(result: QueryResult, media_type: str) -> Response:
    """The answer of ``result``; one cut at max_rows says so in a header and, where its format
    has a place for it, in its body (``endpoint.truncation``); a large one is streamed
    (``endpoint.streaming``)."""
    note = f"only the first {result.rows} results are given (max_rows)"
    service = request_url()

    def first(head: bytes) -> bytes:
        return noted(head, result.media_type, note, service) if result.truncated else head

    body, close = opened(result, first)
    response = Response(body, mimetype=media_type)
    if close is not None:
        response.call_on_close(close)
    if result.truncated:
        response.headers["Result-Truncated"] = note
    return response


#: the named graphs a query sees, per store generation (the service description lists them)
_GRAPHS = Kept(16, again={"named graphs": lambda: published_names()})
#: how they are found, on every backend (Virtuoso finds no graph for ``GRAPH ?g {}``)
GRAPHS_QUERY = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def published_names() -> list[str]:
    """The named graphs a query sees (the published graphs), for the service description."""

    def find() -> list[str]:
        rows, _generation = select(GRAPHS_QUERY, current_app.config["COWORKMED"]["max_rows"])
        return sorted(row["g"].value for row in rows if row["g"] is not None)

    return _GRAPHS.get(("named graphs", store_generation()), find)


class NothingChanged(Unchanged):
    """An update that changed nothing: a DELETE DATA of triples not there, an INSERT DATA of
    triples there, a CLEAR SILENT of a graph not there, a DELETE WHERE that matched nothing
    (204 as before, but no new generation: stranger 101 saw each publish one, and readers'
    tags and kept answers go with it)."""


def apply_update(
    store: TripleStore, text: str, base_iri: str, base: str, location: StoreLocation
) -> None:
    """Apply ``text`` to ``store``: run in the update's worker
    (``triplestore.versions.write_confined``),
    where a parser crash costs that worker only. Wide CLEAR/DROP are limited to the graphs an
    update may write (``triplestore.protected.guard_update``). Raises NothingChanged when the
    embedded store is as it was (the graphs it names, by a digest each; the size of every
    graph a client may write; the list of graphs), unless the graphs it names are too large to
    tell cheaply (``triplestore.versions.footprint``)."""
    published = [graph.value for graph in published_graphs(store, base)]
    sized = [graph for graph in published if protected_graph(graph, base) is None]
    with one_text():  # its checks and rewrites read a long text once
        limited = guard_update(text, base, base_iri, published)
        named = list(graphs_named(limited, base_iri))
        refuse_foreign(store, named)
        # an external store is not compared: it may hold what it is sent otherwise than it
        # gives it back (Virtuoso: "x" and "x"^^xsd:string, two terms to it, one in its answers;
        # an update swapping them was taken for none, stranger 104)
        told = location.pending() or location.marker() is None
        before = None if told else footprint(store, sized, named)
        try:
            store.update(limited, base_iri=base_iri)
        except (OSError, RuntimeError, ValueError, SyntaxError):
            if before is not None:  # the engine's update is one transaction, not committed:
                location.unmark()  # the mark left made the next start publish a generation
            raise
    if before is not None and footprint(store, sized, named) == before:
        location.unmark()  # its transaction changed nothing: no commit to publish
        raise NothingChanged


def update(operation: Operation) -> Response:
    """Apply a SPARQL 1.1 Update to the primary database and publish it (token required)."""
    refused = write_refusal()
    if refused is not None:
        return refused
    if not operation.text:
        return error(400, "no update: give it as the update parameter or as the body")
    settings, base_iri = current_app.config["COWORKMED"], request_url()
    try:
        check_version(operation.kind, operation.text)
        check_text(operation.text, base_iri)
        check_dataset(operation)
        # the protocol's using-(named-)graph-uri are USING clauses: checked as written ones
        text = with_using(operation.text, operation.default_graphs, operation.named_graphs)
        if text is not operation.text:  # rewritten: what is read from now on is the new text
            forget_text()  # (it was read six times more, stranger 87)
        refusal_reason = protected_update(text, settings["base"], base_iri)
        if refusal_reason is not None:
            raise QueryError(403, refusal_reason)
    except QueryError as problem:
        return refusal(problem)
    except DatasetConflict as problem:
        return error(400, str(problem))
    forget_text()  # checked: its readings are not held while the update runs
    end_turn()
    try:
        said = update_read(text, base_iri)
    except (WorkerCrashed, WorkerTimedOut) as problem:
        return error(*write_failure(problem, settings["query_timeout"], "update"))
    if said is not None:
        return error(*said)
    if if_match_never_holds():
        return precondition_failed()
    return _conditioned_update(text, base_iri)


def _conditioned_update(text: str, base_iri: str) -> Response:
    """Apply the update ``text`` unless a condition of the request is false (412); no other
    write between the conditions and this one (``write_turn``: a 503 when the writes before
    it outlast ``store_lock_wait``)."""
    settings = current_app.config["COWORKMED"]
    metrics = current_app.extensions["coworkmed.metrics"]
    start = time.perf_counter()
    try:
        with write_turn():
            # the dataset the update changes exists, and has no representation a tag names
            if write_precondition_fails(lambda: True, represented=False):
                return precondition_failed()
            work = (text, base_iri, settings["base"], store_location())
            _nothing, generation = write_in_worker(apply_update, work)
    except NothingChanged:
        status, message, generation = 204, "", store_location().generation()
    except ProtectedGraphs as problem:
        status, message = 403, str(problem)
    except SettledWrite as settled:  # stopped at its time limit, its change saved or not
        status, message = settled_answer(settled, "update")
        generation = settled.generation
    except (WorkerCrashed, WorkerTimedOut) as problem:
        status, message = write_failure(problem, settings["query_timeout"], "update")
    except SyntaxError as problem:
        status, message = 400, f"update syntax error: {problem}"
    except (RuntimeError, ValueError, OSError) as problem:
        peered = bool(settings["service_peers"].split())
        status, message = evaluation_failure(text, problem, "update", peered=peered)
    except StoreBusy as problem:
        current_app.logger.warning("update refused, the store busy: %s", problem)
        status, message = 503, problem.public
    except RemoteStoreError as problem:
        status, message = remote_failure(problem, "update", update_operations(text))
    else:
        status, message = 204, ""
    status = 204 if status < 300 else status  # a settled one is done as any other
    metrics.record(time.perf_counter() - start, status, "update")
    if status >= 300:
        return error(status, message)
    response = Response(status=204)  # done (an update creates no resource of its own)
    response.headers["Store-Generation"] = str(generation)
    return response


#: the methods /sparql answers; any other is a 405 from the routing, which lists these (a route
#: of its own for PUT, DELETE and PATCH put those in the Allow of every other method's 405:
#: stranger 48)
SPARQL_METHODS = "GET, HEAD, POST, OPTIONS"


def sparql_options() -> Response:
    """The methods of /sparql, for ``OPTIONS``."""
    response = Response(status=204)
    response.headers["Allow"] = SPARQL_METHODS
    return response
