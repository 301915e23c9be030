"""SPARQL queries in worker processes that a timeout really stops.

pyoxigraph cannot cancel a running query, so each query runs in a worker process that is killed
(and replaced) when the query outlives its timeout. Workers read the store's current snapshot,
never the primary database (see ``loaders.store``), and move to a newer snapshot before the next
query once one is published. A slow query occupies one worker; the others go on serving.

Results are written by pyoxigraph's own writers. A row cap keeps at most ``max_rows`` solutions
(or triples): the kept solutions go through SPARQL TSV, whose cells are N-Triples terms, and are
parsed back by pyoxigraph to be written in the requested format; ``truncated`` says it happened.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from loaders.cube import data_graphs
from loaders.problems import LoadError
from loaders.store import current_generation, default_dataset, open_snapshot, published_graphs

#: result kind -> format name -> (pyoxigraph format, media type)
FORMATS: dict[str, dict[str, tuple[Any, str]]] = {
    "solutions": {
        "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
        "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
        "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
        "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
    },
    "graph": {
        "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
        "ntriples": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
        "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
        "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    },
}
FORMATS["boolean"] = FORMATS["solutions"]


class QueryError(Exception):
    """A query that cannot be answered: ``status`` is the HTTP status it calls for."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryRequest:
    """A query, the format wanted for each kind of result, its dataset and its limits."""

    sparql: str
    formats: dict[str, str]
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int = 10_000
    base_iri: str | None = None  # relative IRIs of the query resolve against it
    #: the data base: the default graph is then the store's and the data graphs only
    #: (loaders.cube.data_graphs), for the server's own queries about spaces
    data_of: str | None = None


@dataclass(frozen=True)
class GraphRequest:
    """One published graph, whole (Graph Store Protocol GET): ``graph`` None is the store's
    default graph; more than ``max_triples`` triples is refused rather than cut."""

    graph: str | None
    format: str
    max_triples: int = 10_000


@dataclass(frozen=True)
class QueryResult:
    kind: str
    media_type: str
    body: bytes
    rows: int | None
    truncated: bool
    generation: int


# ------------------------------------------------------------------------- in the worker


def _solutions(
    results: ox.QuerySolutions, request: QueryRequest, fmt: Any
) -> tuple[bytes, int, bool]:
    variables = list(results.variables)
    kept = list(itertools.islice(results, request.max_rows + 1))
    truncated = len(kept) > request.max_rows
    kept = kept[: request.max_rows]
    lines = ["\t".join(str(v) for v in variables)]
    lines += ["\t".join("" if row[v] is None else str(row[v]) for v in variables) for row in kept]
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    reparsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    return reparsed.serialize(format=fmt), len(kept), truncated


def _format(request: QueryRequest, kind: str) -> tuple[Any, str]:
    name = request.formats.get(kind)
    if name is None:
        offered = ", ".join(media for _fmt, media in FORMATS[kind].values())
        raise QueryError(406, f"this query gives {kind} results, which can be had as: {offered}")
    return FORMATS[kind][name]


def execute(
    store: ox.Store, published: list[ox.NamedNode], request: QueryRequest, generation: int
) -> QueryResult:
    """Answer one query over the published data of ``store`` (``published``: its graphs)."""
    default, named = default_dataset(published), published
    if request.default_graphs is not None:
        default = [ox.NamedNode(name) for name in request.default_graphs]
    elif request.data_of is not None:
        default = [ox.DefaultGraph(), *data_graphs(published, request.data_of)]
    if request.named_graphs is not None:
        named = [ox.NamedNode(name) for name in request.named_graphs]
    results = store.query(
        request.sparql, base_iri=request.base_iri, default_graph=default, named_graphs=named
    )
    if isinstance(results, ox.QueryBoolean):
        fmt, media_type = _format(request, "boolean")
        return QueryResult(
            "boolean", media_type, results.serialize(format=fmt), None, False, generation
        )
    if isinstance(results, ox.QuerySolutions):
        fmt, media_type = _format(request, "solutions")
        body, rows, truncated = _solutions(results, request, fmt)
        return QueryResult("solutions", media_type, body, rows, truncated, generation)
    fmt, media_type = _format(request, "graph")
    kept = list(itertools.islice(results, request.max_rows + 1))
    truncated = len(kept) > request.max_rows
    body = ox.serialize(kept[: request.max_rows], format=fmt)
    return QueryResult(
        "graph", media_type, body, min(len(kept), request.max_rows), truncated, generation
    )


def read_graph(
    store: ox.Store, published: list[ox.NamedNode], request: GraphRequest, generation: int
) -> QueryResult:
    """One published graph, serialised whole (404 when it is not published)."""
    if request.graph is None:
        name: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
    else:
        name = ox.NamedNode(request.graph)
        if name not in published:
            raise QueryError(404, f"no graph <{request.graph}> is published here")
    quads = itertools.islice(
        store.quads_for_pattern(None, None, None, name), request.max_triples + 1
    )
    triples = [quad.triple for quad in quads]
    if len(triples) > request.max_triples:
        raise QueryError(
            403,
            f"the graph has more than {request.max_triples} triples (max_rows): page through it "
            "with CONSTRUCT ... LIMIT/OFFSET at /sparql, or ask with the update token",
        )
    fmt, media_type = FORMATS["graph"][request.format]
    body = ox.serialize(triples, format=fmt)
    return QueryResult("graph", media_type, body, len(triples), False, generation)


#: what a worker does with each kind of request
HANDLERS = {QueryRequest: execute, GraphRequest: read_graph}


def _serve(store_path: str, base: str, connection: Connection) -> None:
    """The worker's loop: open the current snapshot, answer queries, follow new snapshots."""
    path = Path(store_path)
    generation, store = open_snapshot(path)
    current = published_graphs(store, base)
    while True:
        request = connection.recv()
        if current_generation(path) != generation:
            generation, store = open_snapshot(path)
            current = published_graphs(store, base)
        try:
            answer = HANDLERS[type(request)](store, current, request, generation)
            connection.send(("ok", answer))
        except QueryError as error:
            connection.send(("error", error.status, error.message))
        except SyntaxError as error:
            connection.send(("error", 400, f"query syntax error: {error}"))
        except (ValueError, OSError, LoadError) as error:
            connection.send(("error", 400, f"the query cannot be evaluated: {error}"))


# ------------------------------------------------------------------------- in the server


class _Worker:
    def __init__(self, context: Any, store_path: Path, base: str) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(str(store_path), base, child), daemon=True
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryPool:
    """A fixed number of worker processes; ``run`` lends one to a query for at most ``timeout``
    seconds, then kills and replaces it if the query is still running."""

    def __init__(self, store_path: Path, base: str, workers: int = 2) -> None:
        open_snapshot(store_path)  # fail now, clearly, if nothing was published
        self._context = multiprocessing.get_context("spawn")
        self._store_path, self._base = store_path, base
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(workers):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self._context, self._store_path, self._base)
        with self._lock:
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)
        self._add()

    def run(self, request: QueryRequest | GraphRequest, timeout: float) -> QueryResult:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryError(
                503, f"every query worker stayed busy for {timeout:g} s; try again"
            ) from None
        try:
            worker.connection.send(request)
            if not worker.connection.poll(timeout):
                self._replace(worker)
                raise QueryError(504, f"the query was stopped after {timeout:g} s (the time limit)")
            answer = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise QueryError(500, "the query worker died; it has been replaced") from None
        self._idle.put(worker)
        if answer[0] == "error":
            raise QueryError(answer[1], answer[2])
        return answer[1]

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()
