"""An external SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB...) as the backend, over HTTP.

One HTTP client (urllib) sends everything: queries (the SPARQL 1.1 Protocol's form, to the
public query endpoint), updates (the protocol's form) and whole-graph reads and writes (the Graph
Store HTTP Protocol), the last two with the service's account; one function (``_failure``) turns
what goes wrong on the way into the store's errors. Results come back as SPARQL XML (or
JSON) or N-Triples and are parsed by pyoxigraph, so the rest of the service handles them as it
handles the embedded store's.

The service keeps two graphs of its own on the store, named under ``namespace``:

- ``{namespace}state``: the generation (the published version number, moved on by every
  ``snapshot``) and the graphs the service manages. Only those are ever published: a store
  holds graphs of its own (Virtuoso's system graphs) and perhaps other applications' data.
- ``{namespace}default``: the stand-in for the store's default graph (the ``?default`` graph of
  the Graph Store Protocol, the target of an update that names no graph).

There is no snapshot to take: a publish becomes visible by the one update that moves the
catalogue's ``dcat:hasCurrentVersion`` (see ``triplestore.versions``), which the store applies
in one
transaction. Readers ask for the generation again when the one they read is older than
``state_seconds`` (a publish through this process updates it at once).

A store that is down or failing gives ``StoreUnavailable`` (503); one that does not answer in
time gives ``RemoteStoreError`` with status 504. Reads are tried again ``retries`` times when
the store refuses the connection or answers 502/503/504; writes never are (a write sent twice
could apply twice).
"""

from __future__ import annotations

import atexit
import functools
import html
import http.client
import io
import math
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import httptools
import pyoxigraph as ox
import yaml

from core.problems import LoadError, StoreBusy
from core.settings import STORE_AUTHS, SettingsError
from core.sparql_text import (
    absolute_iris,
    blank_data_as_template,
    declares_dataset,
    empty_graph_patterns,
    explicit_separators,
    graph_operations_for,
    graphs_outside_dataset,
    keywords,
    neutral_prefixes,
    plain_spelling,
    prologues,
    remembered,
    resolve_reference,
    without_comments,
    without_dataset_clauses,
)
from triplestore.backends import GraphName

#: response media type -> how pyoxigraph reads it
RESULT_FORMATS: dict[str, tuple[str, Any]] = {
    "application/sparql-results+json": ("solutions", ox.QueryResultsFormat.JSON),
    "application/sparql-results+xml": ("solutions", ox.QueryResultsFormat.XML),
    "application/n-triples": ("graph", ox.RdfFormat.N_TRIPLES),
    "text/plain": ("graph", ox.RdfFormat.N_TRIPLES),
    "text/turtle": ("graph", ox.RdfFormat.TURTLE),
    "application/rdf+xml": ("graph", ox.RdfFormat.RDF_XML),
}
#: query form -> what we ask the store for (the others: ACCEPT_SOLUTIONS)
ACCEPT = {
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5",
}
#: JSON first: pyoxigraph's reader of XML results trims a literal's text, and every literal
#: that began or ended with a space, a tab or a line break lost it (stranger 49: " padded " was
#: "padded", "a\n" was "a", the empty string stood for a space in a GROUP BY). Virtuoso's JSON
#: writes a stored xsd:boolean as 1 or 0 (``_boolean_words``)
ACCEPT_SOLUTIONS = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
#: the words that open a query's form
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
#: the body of the protocol's requests (queries and updates)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AGENT = "coworkmed"
#: answers of the store after which a read is worth trying again
RETRY_STATUSES = {502, 503, 504}
#: how a store says it stopped a request at its own time limit (Virtuoso: SQL state S1T00)
STORE_TIMEOUTS = ("S1T00", "Transaction timed out")
#: a store's words in a refusal -> what they mean for the query's author (store-refusals.yaml)
REFUSALS: dict[str, str] = {
    case["sign"]: case["advice"]
    for case in yaml.safe_load(
        (Path(__file__).with_name("store-refusals.yaml")).read_text(encoding="utf-8")
    )
}
#: seconds a write (a load's part, a publish) may take at least
WRITE_SECONDS = 600.0
#: most N-Triples lines sent in one Graph Store request of a load
BULK_LINES = 100_000
#: most N-Triples lines sent in one Graph Store request that replaces a graph (its first PUT,
#: then POSTs): small enough for a store's per-request time limit on a busy machine
REPLACE_LINES = 2_000
#: seconds before the first retry (doubled for each next one)
RETRY_PAUSE = 0.2
#: the blank nodes of an N-Triples line: its subject's, its object's (a literal never ends so)
_BLANK_ENDS = re.compile(rb"^_:(\S+)|\s_:(\S+)\s*\.\s*$")


def documents(lines: Sequence[bytes], most: int) -> list[bytes]:
    """The N-Triples ``lines`` cut into documents of at most ``most`` lines where they can be,
    never cutting the triples of one blank node apart: a blank node's label names it within one
    document only, so a store given two documents makes it two blank nodes (on Virtuoso the
    cube's structure then lost its measures once a graph longer than one request was put back).
    Lines joined by shared blank nodes form one group (a group longer than ``most`` is one
    document); a line with ``_:`` that is neither subject nor object joins the group of every
    such line (a literal that reads so, or a quoted triple)."""
    parent: dict[bytes, bytes] = {}

    def root(label: bytes) -> bytes:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    plain: list[bytes] = []
    blank: list[tuple[bytes, bytes]] = []
    for line in lines:
        if b"_:" not in line:
            plain.append(line)
            continue
        labels = [g for m in _BLANK_ENDS.finditer(line) for g in m.groups() if g is not None]
        if b"_:" in _BLANK_ENDS.sub(b"", line) or not labels:
            labels.append(b" ")  # not a node of the two ends: one group for all of them
        first = root(labels[0])
        for other in labels[1:]:
            parent[root(other)] = first
        blank.append((labels[0], line))
    groups: dict[bytes, list[bytes]] = {}
    for label, line in blank:
        groups.setdefault(root(label), []).append(line)
    out: list[bytes] = []
    current: list[bytes] = []
    for group in groups.values():
        if current and len(current) + len(group) > most:
            out.append(b"".join(current))
            current = []
        current.extend(group)
    room = max(0, most - len(current))  # the lines without a blank node fill the rest
    current.extend(plain[:room])
    if current:
        out.append(b"".join(current))
    out += [b"".join(plain[i : i + most]) for i in range(room, len(plain), most)]
    return out


class RemoteStoreError(LoadError):
    """The external store refused or could not answer: ``status`` is the HTTP status this
    service answers with (400 for a query the store rejects, 504 for a time-out).
    ``unfinished``: a write this service stopped waiting for, which the store may still apply
    (it goes on with a request whose sender is gone)."""

    def __init__(self, status: int, message: str, unfinished: bool = False) -> None:
        super().__init__(message, code="store-error")
        self.status = status
        self.unfinished = unfinished


#: what a request to the store is called (``SparqlStore._http``) when it writes
WRITES = re.compile(r"update|Graph Store (?:PUT|POST|DELETE)\b")


#: the namespaces of the graphs an external store keeps of its own (a fresh Virtuoso 7.2 holds
#: ``virtrdf#``, ``ldp#`` and ``http://localuriqaserver/sparql``)
STORE_OWN = (
    "http://www.openlinksw.com/",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/",
    "http://localhost:8890/",
)


#: the status of a query whose answer, in a format of SPARQL results, cannot be read: the
#: store took a text that is not standard SPARQL (an extension of its own) and wrote what it
#: gave as no standard answer can be (Virtuoso: ``SELECT COUNT(*)`` gave a variable named
#: ``callret-0``, ``"a"@abcdefghijk`` a language tag none can be; a 503 and a 502, stranger
#: 103): the request was understood and cannot be answered; asked again, it would fail again
UNREADABLE = 422


def unreadable_answer(problem: Exception) -> RemoteStoreError:
    """The error of a query whose answer cannot be read (``UNREADABLE``)."""
    return RemoteStoreError(
        UNREADABLE,
        f"the triple store's answer to this query cannot be read ({problem}): the query may "
        "use an extension of the store's (an aggregate without AS, a language tag SPARQL does "
        "not take); write it in standard SPARQL",
    )


class StoreUnavailable(StoreBusy):
    """The external store is down, unreachable or failing (this service answers 503).
    ``transient``: worth trying a read again (refused connection, 502/503/504). A web client
    is told ``public``, not the store's address (the server's log has it)."""

    status = 503
    public = (
        "the triple store cannot be reached, or refuses this service, just now; nothing was "
        "changed, try again in a few seconds"
    )

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message, code="store-unavailable")
        self.transient = transient


@dataclass(frozen=True)
class SparqlLocation:
    """An external SPARQL 1.1 store: its three endpoints, the account writes use, and how the
    service behaves towards it (time-out per request, retries of reads, its graphs' prefix)."""

    query_url: str
    update_url: str
    graph_store_url: str
    user: str = ""
    password: str = field(default="", repr=False)
    auth: str = "digest"
    timeout: float = 30.0
    retries: int = 2
    namespace: str = "urn:x-coworkmed:store:"
    #: seconds a process trusts the generation it last read (0: it asks at every request)
    state_seconds: float = 0.0
    #: each commit keeps the published default graph as one graph (``triplestore.merge``), in
    #: the store; the service's own updates name the stand-in default graph (``default_graph``)
    keeps_merge: ClassVar[bool] = True

    @classmethod
    def from_settings(cls, query_url: str, options: Mapping[str, Any]) -> SparqlLocation:
        """The store whose query endpoint is ``query_url``, the rest from the ``store_*``
        settings (``core.settings``)."""
        graph_store = options.get("store_graph_store_url") or ""
        if not graph_store:  # a setting missing, not a store that fails (stranger 73: exit 2)
            raise SettingsError(
                f"{query_url}: an external store also needs its Graph Store Protocol endpoint "
                "(setting store_graph_store_url, e.g. Virtuoso's .../sparql-graph-crud-auth)"
            )
        auth = options.get("store_auth") or "digest"
        if auth not in STORE_AUTHS:
            raise SettingsError(f"store_auth: {auth!r} is not {' or '.join(STORE_AUTHS)}")
        return cls(
            query_url=query_url,
            update_url=options.get("store_update_url") or query_url,
            graph_store_url=graph_store,
            user=options.get("store_user") or "",
            password=options.get("store_password") or "",
            auth=auth,
            timeout=float(options.get("query_timeout") or 30),
            retries=int(options.get("store_retries", 2)),
            namespace=options.get("store_namespace") or cls.namespace,
            state_seconds=float(options.get("store_state_seconds") or 0),
        )

    @property
    def state_graph(self) -> str:
        return f"{self.namespace}state"

    @property
    def default_graph(self) -> str:
        return f"{self.namespace}default"

    @property
    def staging_prefix(self) -> str:
        """What names the graphs a replacement in parts is written to first (``replace_graph``):
        never published, dropped by the next replacement if a stopped write left one."""
        return f"{self.namespace}staging:"

    def describe(self) -> str:
        return self.query_url

    def place(self) -> str:
        return self.identity()

    def identity(self) -> str:
        """Its query endpoint and the namespace of the service's state there: two services on
        one server, each with its own namespace (and base: the data graphs are named under it,
        docs/serving.md), publish their own generations (each counts from 1). Not yet: a
        token of the published state, as the embedded store has (its generations start again
        at 1 when the service's state graph is dropped and the store built again)."""
        return f"{self.query_url} {self.namespace}"

    def client(self, timeout: float | None = None) -> SparqlStore:
        return SparqlStore(self, self.timeout if timeout is None else timeout)

    def generation(self) -> int:
        """The published generation (0 when nothing was ever published here), as read at most
        ``state_seconds`` ago."""
        return self.client().generation(self.state_seconds)

    @contextmanager
    def hold(self, generation: int) -> Iterator[bool]:
        """False: the store keeps no generation but the current one, so readers always read
        what is current (a run of queries may span a change)."""
        yield False

    def state(self) -> tuple[str, int]:
        """``identity`` and ``generation``."""
        return self.identity(), self.generation()

    def replaced_at(self, generation: int) -> float | None:
        """None: the store keeps no times of its publications (its readers tell them as they
        see them)."""
        return None

    def reader(self) -> tuple[int, SparqlStore]:
        store = self.client()
        generation = store.generation(self.state_seconds)
        if generation == 0:
            raise LoadError(
                f"{self.query_url}: nothing has been published in this store yet "
                "(run coworkmed build)"
            )
        return generation, store

    @contextmanager
    def writer(self) -> Iterator[SparqlStore]:
        """A client for writes: loads and publishing may take far longer than a query."""
        yield self.client(max(self.timeout, WRITE_SECONDS))

    def snapshot(self, store: SparqlStore, unpublished: Sequence[ox.NamedNode] = ()) -> int:
        """Move the generation on: readers see the change and drop what they kept (the store's
        readers are given the published graphs by name: ``unpublished`` stay where they are)."""
        return store.next_generation()

    def pending(self) -> bool:
        """Never: an external store's changes are visible when made (``snapshot`` only moves
        the generation on, so that readers drop what they kept)."""
        return False

    def unmark(self) -> None:
        """Nothing to clear (``pending``)."""

    def marker(self) -> None:
        """None: an external store's generation lives in the store, not in a local file."""
        return None

    def published(self, generation: int) -> None:
        """``generation`` was published by another process for this one (a confined writer):
        this process knows it at once, as it knows its own publishes."""
        with _KNOWN_LOCK:
            _KNOWN[(self.query_url, self.namespace)] = (generation, time.monotonic())


T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One HTTP request to the store, as ``SparqlStore._http`` sends it."""

    method: str
    url: str
    body: bytes | None
    headers: Mapping[str, str]
    timeout: float


class SparqlStore:
    """The ``TripleStore`` interface over an external store's endpoints."""

    def __init__(self, location: SparqlLocation, timeout: float) -> None:
        self.location = location
        self.timeout = timeout
        self._state = location.state_graph
        self._vocab = location.namespace
        self._nothing = f"{location.namespace}nothing"
        #: whether this client changed the store since its last ``next_generation`` (the
        #: commit that keeps the merge then publishes): the merge is then behind
        self._changed = False
        #: where a query's text is rewritten for the store (``query_sent``): here, unless the
        #: caller confines it (``endpoint.pool.RemotePool``: a long text's rewrites cost
        #: seconds, stranger 107)
        self.rewriting: Rewriting = rewritten_here

    # ----------------------------------------------------------------- the protocol, by HTTP

    def _failure(self, error: BaseException, what: str) -> LoadError:
        """The error that ``error`` (raised while doing ``what``) stands for: the store's own
        refusal of a request (400, with what it said), a time-out (504), or the store being
        out of reach, failing or refusing the service's account (503)."""
        where = self.location.describe()
        if isinstance(error, urllib.error.HTTPError):
            status, said = error.code, _text(error.read())
            _close_answers(error)
        elif _timed_out(error):
            return RemoteStoreError(
                504,
                f"the triple store did not answer the {what} within {self.timeout:g} s",
                unfinished=WRITES.match(what) is not None,
            )
        else:
            reason = getattr(error, "reason", error)
            return StoreUnavailable(
                f"the triple store at {where} cannot be reached ({reason})", transient=True
            )
        if status in (401, 403):
            return StoreUnavailable(
                f"the triple store at {where} refused this service's account ({status}); "
                "check store_user and store_password"
            )
        if status == 404:
            return StoreUnavailable(
                f"the triple store has no endpoint where this service sends the {what} (404); "
                "check the store and store_*_url settings"
            )
        if status in RETRY_STATUSES:
            return StoreUnavailable(
                f"the triple store at {where} is unavailable ({status}): {said}", transient=True
            )
        if any(sign in said for sign in STORE_TIMEOUTS):
            return RemoteStoreError(
                504, f"the triple store stopped the {what} at its own time limit: {said}"
            )
        done = {"query": "evaluated", "update": "applied"}.get(what, "done")
        advice = "".join(f"; {meant}" for sign, meant in REFUSALS.items() if sign in said)
        return RemoteStoreError(
            400, f"the {what} cannot be {done} by the triple store: {said}{advice}"
        )

    def _attempt(self, call: Callable[[], T], what: str, retry: bool) -> T:
        """``call``, its errors turned into ours; reads tried again while the store is down."""
        tries = 1 + (self.location.retries if retry else 0)
        for attempt in range(tries):
            try:
                return call()
            except OSError as error:  # urllib's errors (HTTPError, URLError) and the socket's
                failure = self._failure(error, what)
                again = isinstance(failure, StoreUnavailable) and failure.transient
                if not again or attempt == tries - 1:
                    raise failure from None
            time.sleep(RETRY_PAUSE * 2**attempt)
        raise AssertionError("unreachable")

    def _query(
        self, sparql: str, default: list[str] | None, named: list[str] | None
    ) -> tuple[bytes, str]:
        """A query, sent as the protocol's form to the public query endpoint (no account:
        queries need none); the answer and its media type."""
        body = _query_field(sparql) + _dataset_form(tuple(default or ()), tuple(named or ()))
        headers = {**FORM, "Accept": ACCEPT.get(query_form(sparql) or "", ACCEPT_SOLUTIONS)}
        # whole seconds, at least one, as the store's own time limit is counted
        timeout = max(1, math.ceil(self.timeout))
        request = Request("POST", self.location.query_url, body, headers, timeout)
        _status, answer, body = self._http(request, "query", retry=True, account=False)
        state = answer.get("X-SQL-State")
        if state:  # Virtuoso's "anytime" answer: partial results at its time limit
            said = answer.get("X-SQL-Message") or state
            raise RemoteStoreError(
                504, f"the triple store stopped the query at its own time limit ({said})"
            )
        return body, answer.get("Content-Type", "").split(";")[0].strip().lower()

    def _update(self, sparql: str, default: str | None, named: list[str] | None) -> None:
        """An update, sent as the protocol's form (with the using graphs), with the store's
        account."""
        fields = [("update", sparql)]
        if default is not None:
            fields += [("using-graph-uri", default)]
            fields += [("using-named-graph-uri", graph) for graph in named or []]
        request = Request("POST", self.location.update_url, _form(fields), FORM, self.timeout)
        self._http(request, "update", retry=False)

    def _http(
        self, request: Request, what: str, retry: bool, account: bool = True, absent: bool = False
    ) -> tuple[int, Message, bytes]:
        """One HTTP request (with the service's account unless ``account`` is false): its
        status, headers and body. With ``absent``, a 404 is an answer, not an error."""
        if not account and not absent and KEPT.usable(request.url):  # a read, on a kept connection
            return self._attempt(lambda: KEPT.send(request), what, retry)
        opener = _opener(self.location, request.url) if account else urllib.request.build_opener()

        def call() -> tuple[int, Message, bytes]:
            sent = urllib.request.Request(
                request.url,
                data=request.body,
                method=request.method,
                headers={"User-Agent": AGENT, **request.headers},
            )
            try:
                with opener.open(sent, timeout=request.timeout) as response:
                    return response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                if not (absent and error.code == 404):
                    raise
                _close_answers(error)
                return 404, error.headers, b""

        return self._attempt(call, what, retry)

    def _graph_store(
        self, method: str, graph: str, body: bytes | None = None, retry: bool = False
    ) -> tuple[int, bytes]:
        """One Graph Store Protocol request about ``graph``."""
        url = f"{self.location.graph_store_url}?{urllib.parse.urlencode({'graph': graph})}"
        headers = {"Accept": "application/n-triples"} if method == "GET" else {}
        if body is not None:
            headers["Content-Type"] = "application/n-triples"
        request = Request(method, url, body, headers, self.timeout)
        status, _headers, answer = self._http(
            request, f"Graph Store {method} of <{graph}>", retry, absent=True
        )
        return status, answer

    # ----------------------------------------------------------------- the TripleStore interface

    def _stand_in(self, graph: GraphName | None) -> str:
        return (
            self.location.default_graph
            if graph is None or graph == ox.DefaultGraph()
            else (
                graph.value  # type: ignore[union-attr]
            )
        )

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        empty: list[ox.NamedNode] | None = None,
    ) -> Any:
        """Like pyoxigraph's ``Store.query``: no ``default_graph`` is the store's default graph,
        no ``named_graphs`` every graph the service manages. ``empty``: named graphs read as
        empty graphs: ``GRAPH ?g { }`` names them, nothing is read from them (the store is not
        sent them: Virtuoso read its own virtrdf# graph and the service's state through
        ``FROM NAMED``, stranger 49)."""
        given = [ox.DefaultGraph()] if default_graph is None else default_graph
        default = [self._stand_in(g) for g in given]
        named = [g.value for g in (self.named_graphs() if named_graphs is None else named_graphs)]
        replaced = default_graph is not None or named_graphs is not None
        apart = sorted(graph.value for graph in empty or [])
        work = (sparql, base_iri, replaced, named, apart, self._nothing)
        text, named = self.rewriting(query_sent, work)
        body, media = self._query(text, default or [self._nothing], named)
        body = _blank_labels(body)
        if media == JSON_RESULTS:
            body = _resolved_iris(_boolean_words(body), sparql, base_iri)
        if media not in RESULT_FORMATS:
            raise StoreUnavailable(
                f"the triple store at {self.location.describe()} answered {media or 'nothing'}, "
                "not SPARQL results or N-Triples"
            )
        kind, fmt = RESULT_FORMATS[media]
        try:
            if kind == "solutions":
                return _boolean_or_solutions(ox.parse_query_results(body, format=fmt))
            return [quad.triple for quad in ox.parse(body, format=fmt)]
        except SyntaxError as error:
            raise unreadable_answer(error) from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """An update as a client sends it: unnamed graphs are the stand-in default graph, the
        graphs it creates or empties become (or stop being) managed ones."""
        managed = self.named_graphs()
        names = [g.value for g in managed]
        # its relative IRIs resolved here, as for a query: a BASE of ours before the update's
        # own was a second one, which Virtuoso refused (a valid update, a 400)
        plain = spelled_for_the_store(without_comments(sparql), base_iri)
        plain = blank_data_as_template(plain)
        text = graph_operations_for(plain, names, self.location.default_graph, self._nothing)
        before = self._graph_names()
        self._changed = True
        try:
            if declares_dataset(sparql):  # USING or WITH: the update's own dataset
                self._update(text, None, None)
            else:
                self._update(text, self.location.default_graph, names)
        except RemoteStoreError as refused:
            # Virtuoso keeps the operations done before one it refuses: the graphs they made
            # are the service's too, published with its next write (left out of the managed
            # ones, a graph so made took every later write to it, 204, and showed none,
            # stranger 108). Not when the store stopped answering: it cannot be asked.
            if refused.status < 500:
                self._follow(before, {g.value for g in managed})
            raise
        self._follow(before, {g.value for g in managed})

    def _follow(self, before: set[str], managed: set[str]) -> None:
        """After an update: the graphs it made (not there ``before``) become managed ones,
        the ``managed`` ones it dropped stop being."""
        after = self._graph_names()
        self._register(after - before - {self._state, self.location.default_graph})
        self._unregister((before - after) & managed)

    def apply(self, sparql: str, graphs: list[str]) -> None:
        """An update of the service's own, naming every graph it touches (``graphs``, which
        become managed ones)."""
        self._changed = True
        self._update(sparql, None, None)
        self._register(set(graphs))

    def bulk_load(self, ntriples: bytes, graph: ox.NamedNode) -> None:
        """Add the triples by Graph Store POSTs of about BULK_LINES lines each (``documents``;
        each one transaction of the store: smaller ones keep its transaction log and locks
        short)."""
        self._register({graph.value})
        self._changed = True
        for document in documents(ntriples.splitlines(keepends=True), BULK_LINES):
            self._graph_store("POST", graph.value, document)

    def replace_graph(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        """Replace the graph: a Graph Store PUT of its triples when they are one document of
        about REPLACE_LINES lines (``documents``); else a PUT of the first and POSTs of the
        others to a graph of their own (``_staging``), then moved onto the graph by one update
        (a store stops one request at its own time limit: Virtuoso's applies to a Graph Store
        load, and 5,000 lines of the NUTS regions passed a 5 s limit)."""
        # the graph is listed as a managed one once its triples are there: listed first, a
        # write stopped before them left a new graph listed, empty (stranger 98: a 200 where
        # nothing was written; now an unlisted graph, which no reader sees, is left instead)
        listed = set() if graph is None else {graph.value}
        self._changed = True
        if ntriples.strip():
            target = self._stand_in(graph)
            first, *rest = documents(ntriples.splitlines(keepends=True), REPLACE_LINES)
            if not rest:  # one request: one transaction of the store
                self._graph_store("PUT", target, first)
                self._register(listed)
                return
            # each part is a transaction of the store's: written to a graph of their own, then
            # moved onto the target, listed, by one update, a write stopped between its parts
            # leaves the target as it was (stranger 97: a graph cut at 12,000 of its 14,000
            # triples, which the next write published)
            staging = self._staging()
            self._graph_store("PUT", staging, first)
            for document in rest:
                self._graph_store("POST", staging, document)
            moved = f"MOVE SILENT <{staging}> TO <{target}>"
            self._update(";\n".join([moved, *self._managing("INSERT", listed)]), None, None)
        else:  # an empty graph: it stays a managed one, with no triples in the store
            self._graph_store("DELETE", self._stand_in(graph))
            self._register(listed)

    def _staging(self) -> str:
        """A new graph to write a replacement's parts to, the graphs of stopped replacements
        dropped (writes are one at a time: no other is being written)."""
        prefix = self.location.staging_prefix
        for left in sorted(g for g in self._graph_names() if g.startswith(prefix)):
            self._graph_store("DELETE", left)
        return f"{prefix}{uuid.uuid4().hex}"

    def add_triples(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        if graph is not None:
            self._register({graph.value})
        self._changed = True
        if ntriples.strip():
            self._graph_store("POST", self._stand_in(graph), ntriples)

    def named_graphs(self) -> list[ox.NamedNode]:
        state = self._state
        graphs = self._column(
            f"SELECT ?g WHERE {{ GRAPH <{state}> {{ <{state}> <{self._vocab}graph> ?g }} }}"
        )
        return sorted(graphs, key=str)

    def default_stand_in(self) -> str | None:
        """The graph standing in for the store's default graph (``SparqlLocation``)."""
        return self.location.default_graph

    def merge_is_current(self) -> bool:
        """Whether this client made no change since its last ``next_generation``: a reader's
        client (a new one per request) reads the merge the last commit kept; the writer,
        before its commit, reads the published graphs themselves (its hooks see its change)."""
        return not self._changed

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return graph in self.named_graphs()

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self._changed = True
        self._graph_store("DELETE", graph.value)
        self._unregister({graph.value})

    def triples(self, graph: ox.NamedNode | None) -> Iterator[ox.Triple]:
        status, body = self._graph_store("GET", self._stand_in(graph), retry=True)
        if status == 404:
            return iter([])
        return (quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))

    # ----------------------------------------------------------------- the service's own state

    def _column(self, sparql: str) -> list[Any]:
        """The first column of a SELECT over the whole store (no dataset restriction)."""
        body, media = self._query(sparql, None, None)
        results = ox.parse_query_results(body, format=RESULT_FORMATS[media][1])
        assert isinstance(results, ox.QuerySolutions)  # a SELECT's results are solutions
        return [row[0] for row in results]

    def foreign_graphs(self, graphs: Iterable[str]) -> list[str]:
        """Those of ``graphs`` under the service's namespace (its state, the stand-in for the
        default graph), or held by the store under its own namespaces (``STORE_OWN``) and not
        managed by the service. A client's write emptied the state graph, and readers saw 8
        triples of 78,144 (stranger 103), or dropped Virtuoso's ``virtrdf#``. Another
        graph the store holds and the service does not manage may be one of the service's
        own, saved after its time limit (never registered): it is not refused."""
        wanted = set(graphs)
        foreign = {graph for graph in wanted if graph.startswith(self.location.namespace)}
        own = {graph for graph in wanted - foreign if graph.startswith(STORE_OWN)}
        if own:
            managed = {graph.value for graph in self.named_graphs()}
            foreign |= (own & self._graph_names()) - managed
        return sorted(foreign)

    def _graph_names(self) -> set[str]:
        """Every graph holding triples in the store (its own graphs too)."""
        # GROUP BY, not DISTINCT: Virtuoso 7 answers this one from its graph index (1 ms, not
        # a scan of every quad)
        graphs = self._column("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {g.value for g in graphs}

    def _register(self, graphs: set[str]) -> None:
        self._manage("INSERT", graphs)

    def _unregister(self, graphs: set[str]) -> None:
        self._manage("DELETE", graphs)

    def _manage(self, operation: str, graphs: set[str]) -> None:
        """Add ``graphs`` to the managed ones (INSERT) or take them off (DELETE)."""
        for update in self._managing(operation, graphs):
            self._update(update, None, None)

    def _managing(self, operation: str, graphs: set[str]) -> list[str]:
        """The update (none for no graph) that adds ``graphs`` to the managed ones (INSERT) or
        takes them off (DELETE)."""
        if not graphs:
            return []
        values = ", ".join(f"<{g}>" for g in sorted(graphs))
        state = f"<{self._state}>"
        return [f"{operation} DATA {{ GRAPH {state} {{ {state} <{self._vocab}graph> {values} }} }}"]

    def generation(self, max_age: float = 0.0) -> int:
        """The published generation; one this process read less than ``max_age`` seconds ago
        (or wrote itself) will do."""
        key, now = (self.location.query_url, self._vocab), time.monotonic()
        with _KNOWN_LOCK:
            known = _KNOWN.get(key)
        if known is not None and now - known[1] < max_age:
            return known[0]
        numbers = self._column(
            f"SELECT ?n WHERE {{ GRAPH <{self._state}> {{ <{self._state}> "
            f"<{self._vocab}generation> ?n }} }}"
        )
        generation = max((int(n.value) for n in numbers), default=0)
        with _KNOWN_LOCK:
            _KNOWN[key] = (generation, now)
        return generation

    def next_generation(self) -> int:
        """Move the generation on by one, in one request; the new one."""
        state, predicate = self._state, f"<{self._vocab}generation>"
        old = self.generation()
        self._update(
            f"DELETE DATA {{ GRAPH <{state}> {{ <{state}> {predicate} {old} }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{state}> {{ <{state}> {predicate} {old + 1} }} }}",
            None,
            None,
        )
        with _KNOWN_LOCK:
            _KNOWN[(self.location.query_url, self._vocab)] = (old + 1, time.monotonic())
        self._changed = False
        return old + 1


#: (query URL, namespace) -> the generation this process last read or wrote there, and when
_KNOWN: dict[tuple[str, str], tuple[int, float]] = {}
_KNOWN_LOCK = threading.Lock()


def _boolean_or_solutions(results: Any) -> Any:
    """Results as pyoxigraph reads them; Virtuoso answers ASK as a solution set of one variable,
    ``__ASK_RETVAL`` (a row with 1: true), which becomes the boolean it stands for."""
    if not isinstance(results, ox.QuerySolutions):
        return results
    if [v.value for v in results.variables] != ["__ASK_RETVAL"]:
        return results
    true = any(row[0] is not None and row[0].value == "1" for row in results)
    answer = b'{"head": {}, "boolean": ' + (b"true" if true else b"false") + b"}"
    return ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)


class _DigestAuth(urllib.request.HTTPDigestAuthHandler):
    """urllib's digest authentication, closing the 401 answer it replies to (urllib leaves
    that connection open)."""

    def http_error_401(self, req, fp, code, msg, headers):  # noqa: ANN001, ANN201
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        finally:
            fp.close()


def _opener(location: SparqlLocation, url: str) -> urllib.request.OpenerDirector:
    """An opener that sends the service's account to ``url`` (none: a plain one)."""
    if not location.user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, location.user, location.password)
    handler = _DigestAuth if location.auth == "digest" else urllib.request.HTTPBasicAuthHandler
    return urllib.request.build_opener(handler(passwords))


def _close_answers(error: BaseException | None) -> None:
    """Close the HTTP answers an error carries, and those of the errors it arose from."""
    while error is not None:
        if isinstance(error, urllib.error.HTTPError):
            error.close()
        error = error.__context__


#: a tag of an HTML page (Virtuoso answers some errors with one: a Graph Store PUT of a
#: 70,000-character literal was refused with its page inside the message, stranger 103)
_TAG = re.compile(r"<[^<>]*>")


def _text(said: object) -> str:
    """An answer of the store, on one line, without the query it echoes (Virtuoso does), and
    without the tags of an HTML page."""
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
    text = text.split("\nSPARQL query:")[0]
    if text.lstrip()[:1] == "<" and "<html" in text[:500].lower():
        text = html.unescape(_TAG.sub(" ", text.split("</head>")[-1]))
    return " ".join(text.split())[:500]


def query_form(sparql: str) -> str | None:
    """The form of a query (SELECT, CONSTRUCT, DESCRIBE, ASK): its first such word."""
    return next((k.word for k in keywords(sparql) if k.word in QUERY_FORMS), None)


#: a blank node's label in the store's answer: Virtuoso writes ``nodeID://b10000``, which no
#: results format allows (pyoxigraph refused the whole answer: a 500)
_BLANK = re.compile(rb'(<bnode>|"type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")([^<"]*)')
_LABEL = re.compile(rb"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def _blank_labels(body: bytes) -> bytes:
    """The store's answer with each blank node label no results format allows written as one
    that is (its bytes in hexadecimal: distinct labels stay distinct), in SPARQL XML and JSON
    results (the others are read as they are)."""
    if b"bnode" not in body:
        return body

    def label(found: re.Match[bytes]) -> bytes:
        given = found.group(2)
        return found.group(1) + (given if _LABEL.fullmatch(given) else b"x" + given.hex().encode())

    return _BLANK.sub(label, body)


JSON_RESULTS = "application/sparql-results+json"
#: a literal typed xsd:boolean in SPARQL JSON results, its value 1 or 0 (Virtuoso's way)
_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")'
    rb'([01])"'
)
_BOOLEAN_WORDS = {b"1": b"true", b"0": b"false"}


def _boolean_words(body: bytes) -> bytes:
    """SPARQL JSON results with each xsd:boolean Virtuoso wrote 1 or 0 written true or false,
    as the data holds it and its XML results write it (1 and 0 are of the same value, but
    another literal)."""
    if b"XMLSchema#boolean" not in body:
        return body
    return _BOOLEAN.sub(lambda found: found.group(1) + _BOOLEAN_WORDS[found.group(2)] + b'"', body)


#: an IRI in SPARQL JSON results: what precedes its value, and its value
_IRI_VALUE = re.compile(rb'("type"\s*:\s*"uri"\s*,\s*"value"\s*:\s*")([^"]*)"')
_SCHEME = re.compile(rb"[A-Za-z][A-Za-z0-9+.-]*:")


#: how a client's text is rewritten for the store: ``rewriting(function, args)`` gives
#: ``function(*args)``, run here or wherever the caller confines it
Rewriting = Callable[[Callable[..., Any], tuple[Any, ...]], Any]


def rewritten_here(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``function(*args)``, in this process (a ``Rewriting``)."""
    return function(*args)


def spelled_for_the_store(text: str, base_iri: str | None) -> str:
    """``text`` (a query or an update, without its comments) as Virtuoso reads it with the
    meaning the engine gives it: its prefixes renamed (``neutral_prefixes``: Virtuoso misread a
    prefix named as a keyword), GROUP_CONCAT given its separator, its relative IRIs resolved
    here (Virtuoso refused a second BASE, ours put before the text's own), and the spellings it
    does not read written otherwise (``plain_spelling``)."""
    text = absolute_iris(explicit_separators(neutral_prefixes(text)), base_iri)
    return plain_spelling(text, base_iri)


def query_sent(
    sparql: str,
    base_iri: str | None,
    replaced: bool,
    named: list[str],
    apart: list[str],
    nothing: str,
) -> tuple[str, list[str]]:
    """The text the store is sent for the query ``sparql``, and the named graphs it is sent
    with. ``replaced``: a dataset is given, which replaces the query's own FROM / FROM NAMED,
    as pyoxigraph's does (Virtuoso merged them with the protocol's parameters); ``named``: the
    named graphs of the dataset, ``apart`` those of them read as empty graphs; ``nothing``: the
    empty graph that stands in for the graphs outside the dataset
    (``core.sparql_text.graphs_outside_dataset``; an empty list is no graph: a request
    without one would mean every graph)."""
    text = without_comments(sparql)  # the store cannot read one otherwise than we do
    if replaced:
        text = without_dataset_clauses(text)
    text = empty_graph_patterns(spelled_for_the_store(text, base_iri), named)
    sent = [*(name for name in named if name not in apart), nothing]
    text = graphs_outside_dataset(text, set(sent), nothing)
    # the named graphs only to a query that may read them (Virtuoso took about 0.45 ms more
    # per query given them all)
    return text, sent if reads_named_graphs(text) else []


def _resolved_iris(body: bytes, sparql: str, base_iri: str | None) -> bytes:
    """SPARQL JSON results of ``sparql`` with each relative IRI resolved against the query's
    base (its last BASE, else ``base_iri``), as SPARQL 1.1 17.4.2.8 says ``IRI()`` does: Virtuoso
    gave ``IRI("rel")`` back relative, which no results format allows, and our reading of its
    answer failed (a 502; stranger 49). Only for a query that calls IRI or URI."""
    if not any(k.word in ("IRI", "URI") for k in keywords(sparql)):
        return body
    base = prologues(sparql, base_iri)[-1].base
    if base is None:
        return body

    def resolved(found: re.Match[bytes]) -> bytes:
        value = found.group(2)
        if _SCHEME.match(value):
            return found.group()
        joined = resolve_reference(base, value.decode("utf-8")).encode("utf-8")
        return found.group(1) + joined + b'"'

    return _IRI_VALUE.sub(resolved, body)


def reads_named_graphs(sparql: str) -> bool:
    """Whether a query may read the dataset's named graphs: by a GRAPH pattern (or a word that
    looks like one, such as a ``graph:`` prefix), or as a DESCRIBE, which a store may answer
    from any graph. Any other query is sent without the named graphs: its answer is the same,
    and Virtuoso took about 0.45 ms more per query given our 19 ``named-graph-uri`` fields."""
    return query_form(sparql) == "DESCRIBE" or any(k.word == "GRAPH" for k in keywords(sparql))


def _form(fields: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(fields).encode("utf-8")


@remembered
def _query_field(sparql: str) -> bytes:
    """The form's query field: a query asked again is not encoded again (the encoding of a
    2 KB text, some 60 microseconds, was a tenth of our own work on a small query)."""
    return _form([("query", sparql)])


@functools.lru_cache(maxsize=32)
def _dataset_form(default: tuple[str, ...], named: tuple[str, ...]) -> bytes:
    """The protocol's dataset fields of a query, encoded once per dataset (readers name the
    same published graphs, dozens of them, at every query of a generation)."""
    fields = [("default-graph-uri", graph) for graph in default]
    fields += [("named-graph-uri", graph) for graph in named]
    return b"&" + _form(fields) if fields else b""


#: the most idle connections kept per store host: as many as reads ran at once lately, up to
#: the store's own limit (Virtuoso closes kept-alive connections beyond its MaxKeepAlives, 10)
MOST_IDLE = 8


class _Answer:
    """One answer of the store as ``httptools`` reads it: its headers, its body's parts, whether
    its headers and the whole of it were read, and whether its connection may be used again
    (asked of the parser as the answer ends: it says no once it has moved on)."""

    def __init__(self) -> None:
        self.headers = Message()
        self.parts: list[bytes] = []
        self.headed = False
        self.whole = False
        self.again = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1")] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.headed = True

    def on_body(self, data: bytes) -> None:
        self.parts.append(data)

    def on_message_complete(self) -> None:
        self.whole = True
        self.again = self.parser.should_keep_alive()


#: how much of an answer one read of the socket takes
READ_SIZE = 256 * 1024


def request_bytes(request: Request, parts: urllib.parse.SplitResult) -> bytes:
    """``request`` as HTTP/1.1 sends it, in one piece (its headers, then its body)."""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
    lines += [
        f"{name}: {value}" for name, value in {"User-Agent": AGENT, **request.headers}.items()
    ]
    if request.body is not None:
        lines.append(f"Content-Length: {len(request.body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (request.body or b"")


def read_answer(sock: socket.socket) -> tuple[int, Message, bytes, bool]:
    """The answer that comes on ``sock``: its status, headers, body, and whether the connection
    may be used again. ``http.client.RemoteDisconnected`` when the store closes it first; an
    answer that is no HTTP is a ``ConnectionError``."""
    answer = _Answer()
    parser = answer.parser
    while not answer.whole:
        data = sock.recv(READ_SIZE)
        if not data:
            delimited = "Content-Length" in answer.headers or "Transfer-Encoding" in answer.headers
            if answer.headed and not delimited:  # a body that ends with its connection
                return parser.get_status_code(), answer.headers, b"".join(answer.parts), False
            raise http.client.RemoteDisconnected("the store closed the connection before answering")
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as error:
            raise ConnectionError(f"the store's answer is not HTTP ({error})") from None
    return parser.get_status_code(), answer.headers, b"".join(answer.parts), answer.again


class KeptConnections:
    """HTTP connections to the store kept open between reads and shared by the server's
    threads: a read takes the connection the last read gave back (or opens one when every kept
    one is in use) and gives it back when its answer is read, so that reads one after another
    go on one connection, whatever thread makes them, and reads at the same time on as many
    as run at once. A query then costs no new TCP connection, nor a new urllib opener
    (measured on a loaded machine: 20-40 ms of a 50 ms query of our /sparql on Virtuoso).
    One connection per thread (as before) opened and closed a connection at most reads: the
    server's 32 threads take turns, and Virtuoso keeps 10 connections alive. Only for reads
    (queries; Graph Store reads are sent the other way), sent again once on a fresh
    connection when the store closed the kept one; not through a proxy (urllib's way is kept
    for those).

    A request is sent in one piece and its answer read by ``httptools`` (llhttp, in C):
    ``http.client`` read each answer's headers with the ``email`` package, a tenth of our own
    work per query on Virtuoso (issue 20)."""

    def __init__(self, most_idle: int = MOST_IDLE) -> None:
        self.most_idle = most_idle
        self._lock = threading.Lock()
        self._idle: dict[str, list[socket.socket]] = {}  # by host, last in first

    @staticmethod
    @functools.lru_cache(maxsize=16)
    def usable(url: str) -> bool:
        """Whether reads of ``url`` may go on a kept connection (http or https, no proxy)."""
        parts = urllib.parse.urlsplit(url)
        proxied = parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(
            parts.hostname or ""
        )
        return parts.scheme in ("http", "https") and not proxied

    def idle(self) -> int:
        """How many connections are kept open, unused, now."""
        with self._lock:
            return sum(len(kept) for kept in self._idle.values())

    def _take(
        self, parts: urllib.parse.SplitResult, fresh: bool, timeout: float
    ) -> tuple[socket.socket, bool]:
        """The connection given back last to ``parts``' host, or a new one (``fresh``: new);
        and whether it was used before."""
        if not fresh:
            with self._lock:
                kept = self._idle.get(parts.netloc)
                if kept:
                    return kept.pop(), True
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        sock = socket.create_connection((parts.hostname or "", port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if secure:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        return sock, False

    def _give_back(self, netloc: str, sock: socket.socket) -> None:
        with self._lock:
            kept = self._idle.setdefault(netloc, [])
            if len(kept) < self.most_idle:
                kept.append(sock)
                return
        sock.close()

    def close(self) -> None:
        """Close every kept connection; the next read opens one again."""
        with self._lock:
            every = [sock for kept in self._idle.values() for sock in kept]
            self._idle = {}
        for sock in every:
            sock.close()

    def send(self, request: Request) -> tuple[int, Message, bytes]:
        """``request`` on a kept connection: status, headers and body; an error status raises
        urllib's HTTPError, as urllib's way does."""
        parts = urllib.parse.urlsplit(request.url)
        sent = request_bytes(request, parts)
        for fresh in (False, True):
            sock, reused = self._take(parts, fresh, request.timeout)
            try:
                if sock.gettimeout() != request.timeout:
                    sock.settimeout(request.timeout)  # a system call: only when it changes
                sock.sendall(sent)
                status, headers, body, again = read_answer(sock)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                sock.close()
                if reused and not fresh:  # the store closed the kept connection: once more
                    continue
                raise
            except BaseException:
                sock.close()
                raise
            if again:
                self._give_back(parts.netloc, sock)
            else:
                sock.close()
            if status >= 400:
                reason = http.client.responses.get(status, "")
                raise urllib.error.HTTPError(request.url, status, reason, headers, io.BytesIO(body))
            return status, headers, body
        raise AssertionError("unreachable")


#: the kept connections of this process, closed when it ends
KEPT = KeptConnections()
atexit.register(KEPT.close)


def _timed_out(error: BaseException) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, socket.timeout | TimeoutError) or "timed out" in str(reason)
