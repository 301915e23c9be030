"""SHACL validation of a submission's graph with the project's shapes, fast enough for 10,000 rows.

pyshacl validates on an rdflib graph, as the project requires. Three things make it fast here,
without changing a single result (a test compares with plain pyshacl on the same data):

1. **Each shape validates what it targets, once.** The shapes files hang property shapes under
   node shapes (``sh:property``); pyshacl then re-plans every property shape for every focus
   node. The compiled shapes give each property shape its node shape's targets instead, so it
   runs once over all its focus nodes (12x faster on the samples).
2. **SPARQL-based constraints run in bulk on Oxigraph.** pyshacl runs a ``sh:sparql`` query per
   focus node through rdflib's SPARQL engine (90% of the time). Each is run here once over the
   whole submission in pyoxigraph, with ``$this`` bound by the shape's target class.
3. **Records are validated in parallel.** The triples are split by record (a space, its address,
   geometry, offers, operator and source record stay together; shared resources such as
   networks go to every part) and each part is validated in its own process.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import re
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from core.namespaces import XSD
from core.vocabulary import LANGUAGES, shapes_graph
from core.workers import preload, worker_context

preload("pyshacl", "validation.engine")

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SEVERITIES = {str(SH.Violation): "error", str(SH.Warning): "warning", str(SH.Info): "warning"}
#: below this many triples a submission is validated in the calling process
PARALLEL_FROM = 20_000


@dataclass(frozen=True)
class ShapeText:
    """What a property shape says, by language: its name and its message."""

    names: dict[str, str]
    messages: dict[str, str]
    path: str | None
    severity: str
    min_count: int = 0


@dataclass(frozen=True)
class SparqlCheck:
    shape: str
    path: str
    severity: str
    query: str


@dataclass(frozen=True)
class Result:
    """One SHACL result: focus node and path IRIs, the value (N-Triples term), the shape."""

    focus: str
    path: str | None
    value: str | None
    shape: str
    severity: str
    detail: str  # the constraint that failed, as the engine names it


def _texts(graph: Graph, node: URIRef, prop: URIRef) -> dict[str, str]:
    texts = {}
    for literal in graph.objects(node, prop):
        lang = getattr(literal, "language", None) or "en"
        if lang in LANGUAGES:
            texts[lang] = str(literal)
    return texts


@cache
def shape_texts() -> dict[str, ShapeText]:
    """Every shape with a name or message: its words in the six languages."""
    graph = shapes_graph()
    texts = {}
    for shape in set(graph.subjects(SH.message, None)) | set(graph.subjects(SH.name, None)):
        path = graph.value(shape, SH.path)
        severity = graph.value(shape, SH.severity)
        min_count = graph.value(shape, SH.minCount)
        texts[str(shape)] = ShapeText(
            _texts(graph, shape, SH.name),
            _texts(graph, shape, SH.message),
            str(path) if isinstance(path, URIRef) else None,
            SEVERITIES.get(str(severity), "error"),
            int(min_count) if min_count is not None else 0,
        )
    return texts


def _targets_of_parents(graph: Graph) -> dict[URIRef, list[tuple[URIRef, URIRef]]]:
    """Property shape -> the targets of the node shapes that hold it."""
    parents: dict[URIRef, list[tuple[URIRef, URIRef]]] = {}
    for node, prop in graph.subject_objects(SH.property):
        targets = [(t, o) for t in TARGETS for o in graph.objects(node, t)]
        if targets:
            parents.setdefault(prop, []).extend(targets)
    return parents


@cache
def compiled_shapes() -> str:
    """The shapes for pyshacl, as N-Triples: property shapes lifted to their node shape's
    targets, SPARQL-based constraints left out (see ``sparql_checks``)."""
    graph = Graph()
    for triple in shapes_graph():
        graph.add(triple)
    for shape, constraint in list(graph.subject_objects(SH.sparql)):
        graph.remove((shape, SH.sparql, constraint))
    for prop, targets in _targets_of_parents(graph).items():
        for node in list(graph.subjects(SH.property, prop)):
            graph.remove((node, SH.property, prop))
        for target, value in targets:
            graph.add((prop, target, value))
    return graph.serialize(format="nt")


@cache
def sparql_checks() -> tuple[SparqlCheck, ...]:
    """The SPARQL-based constraints, each as one query over a whole submission."""
    graph = shapes_graph()
    parents = _targets_of_parents(graph)
    checks = []
    for shape, constraint in graph.subject_objects(SH.sparql):
        select = str(graph.value(constraint, SH.select))
        path = graph.value(shape, SH.path)
        classes = [o for t, o in parents.get(shape, []) if t == SH.targetClass]
        for target_class in classes:
            body = select.replace("$PATH", f"<{path}>").replace("$this", "?this")
            query = re.sub(r"WHERE\s*\{", f"WHERE {{ ?this a <{target_class}> . ", body, count=1)
            severity = SEVERITIES.get(str(graph.value(shape, SH.severity)), "error")
            checks.append(SparqlCheck(str(shape), str(path), severity, query))
    return tuple(checks)


def run_sparql_checks(store: ox.Store) -> list[Result]:
    results = []
    for check in sparql_checks():
        for solution in store.query(check.query):
            value = solution["value"]
            results.append(
                Result(
                    solution["this"].value,
                    check.path,
                    None if value is None else str(value),
                    check.shape,
                    check.severity,
                    f"sh:SPARQLConstraintComponent on <{check.path}>, value {value}",
                )
            )
    return results


# ------------------------------------------------------------------------- pyshacl, in parts

_SHAPES: Graph | None = None


def _shapes_for_worker() -> Graph:
    """The compiled shapes, loaded once per process the way pyshacl's entry point loads them."""
    global _SHAPES
    if _SHAPES is None:
        from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch
        from pyshacl.rdfutil import load_from_source

        rdflib_bool_patch()
        try:
            graph = Graph().parse(data=compiled_shapes(), format="nt")
            _SHAPES = load_from_source(graph, multigraph=True, do_owl_imports=False)
        finally:
            rdflib_bool_unpatch()
    return _SHAPES


def _plain_term(value: object) -> object:
    """pyshacl's result triples point at (graph, node) pairs; the node."""
    return value[1] if isinstance(value, tuple) else value


def _collecting_validator() -> type:
    import pyshacl

    class Collecting(pyshacl.Validator):
        """pyshacl, keeping its results as they come instead of building a report graph (which
        costs more than the validation when a submission has thousands of warnings)."""

        @classmethod
        def create_validation_report(cls, sg: object, conforms: bool, results: list) -> tuple:
            return results, ""

    return Collecting


_QUIET = threading.Lock()


@contextmanager
def _without_descriptions() -> Iterator[None]:
    """pyshacl writes a sentence for each result for its text report, which costs a third of
    the time on a submission with thousands of warnings; the engine does not use it."""
    from pyshacl.constraints.constraint_component import ConstraintComponent

    with _QUIET:
        original = ConstraintComponent.make_v_result_description
        ConstraintComponent.make_v_result_description = lambda *_args, **_kwargs: ""
        try:
            yield
        finally:
            ConstraintComponent.make_v_result_description = original


XSD_STRING = XSD + "string"


def rdflib_graph(ntriples: bytes) -> Graph:
    """An rdflib graph of N-Triples, parsed by pyoxigraph (twice as fast as rdflib's parser),
    each distinct term made once; simple literals stay without datatype, as rdflib reads them."""
    terms: dict[object, object] = {}

    def term(node: object) -> object:
        found = terms.get(node)
        if found is None:
            if isinstance(node, ox.NamedNode):
                found = URIRef(node.value)
            elif isinstance(node, ox.BlankNode):
                found = BNode(node.value)
            elif node.language:
                found = Literal(node.value, lang=node.language)
            elif node.datatype.value == XSD_STRING:
                found = Literal(node.value)
            else:
                found = Literal(node.value, datatype=URIRef(node.datatype.value))
            terms[node] = found
        return found

    graph = Graph()
    store = graph.store
    for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        store.add((term(quad.subject), term(quad.predicate), term(quad.object)), graph, False)
    return graph


def validate_part(ntriples: bytes) -> list[Result]:
    """pyshacl over one part of a submission (N-Triples), with the compiled shapes."""
    from pyshacl.graph_abstraction import DataGraph
    from pyshacl.rdfutil import load_from_source

    data = rdflib_graph(ntriples)
    graph = DataGraph.from_rdflib(load_from_source(data, multigraph=True, do_owl_imports=False))
    options = {"inference": "none", "advanced": False, "inplace": True}
    validator = _collecting_validator()(graph, shacl_graph=_shapes_for_worker(), options=options)
    with _without_descriptions():
        _conforms, raw, _text = validator.run()
    results = []
    for _description, _node, triples in raw:
        fields = {}
        for _subject, predicate, value in triples:
            fields.setdefault(predicate, _plain_term(value))
        path, value = fields.get(SH.resultPath), fields.get(SH.value)
        component = str(fields.get(SH.sourceConstraintComponent, "")).rsplit("#", 1)[-1]
        shown = None if value is None else value.n3()
        detail = f"sh:{component}" + (f" on <{path}>" if path is not None else "")
        results.append(
            Result(
                str(fields[SH.focusNode]),
                str(path) if isinstance(path, URIRef) else None,
                shown,
                str(fields[SH.sourceShape]),
                SEVERITIES.get(str(fields.get(SH.resultSeverity)), "error"),
                detail + (f", value {shown}" if shown else ""),
            )
        )
    return results


RECORD_SUBJECT = re.compile(rb"^<[^>]*/(?:space|operator|record)/[^/>]+/([^/>]+)")


def partition(ntriples: bytes, parts: int) -> list[bytes]:
    """Split N-Triples lines by record (the key in space/S/K..., operator/S/K, record/S/K);
    lines about anything else (networks, the dataset) go to every part."""
    buckets: list[list[bytes]] = [[] for _ in range(parts)]
    for line in ntriples.splitlines():
        if not line.strip():
            continue
        match = RECORD_SUBJECT.match(line)
        if match:
            buckets[zlib.crc32(match.group(1)) % parts].append(line)
        else:
            for bucket in buckets:
                bucket.append(line)
    return [b"\n".join(bucket) + b"\n" for bucket in buckets]


_POOLS: dict[int, concurrent.futures.ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes, started once (forkserver: safe from a threaded server, quick to fork)."""
    with _POOLS_LOCK:
        return _start_pool(workers)


#: validation workers yield the processors to queries and pages: an upload may take a second
#: longer under load, a reader should not
WORKER_NICENESS = 5


def _start_worker(owner: int) -> None:
    """A worker's start: end it when the process that started the pool is gone (a process
    killed with SIGKILL shuts nothing down, and a worker's parent is the fork server, which
    outlives it), then load the shapes."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()
    os.nice(WORKER_NICENESS)
    _shapes_for_worker()


def _start_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    if workers not in _POOLS:
        context = worker_context()
        _POOLS[workers] = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        atexit.register(close_pools)
    return _POOLS[workers]


def close_pools() -> None:
    """Stop the worker processes (commands and tests call it when done; also at exit)."""
    with _POOLS_LOCK:
        while _POOLS:
            _POOLS.popitem()[1].shutdown(cancel_futures=True)


#: triples per chunk of records sent to a worker while the rest of the file is transformed
CHUNK_TRIPLES = 20_000


#: set in a threaded server: every validation runs in a worker process, none in the calling
#: thread, which would hold Python's lock (and every other request) for the whole of it
IN_WORKERS = threading.Event()


class Pipeline:
    """Validates a submission's graph while the loaders are still producing it: each chunk of
    whole records goes to a worker process as soon as it is ready, so that transforming and
    validating overlap. A submission that fits in one chunk is validated in the calling process
    (no process to wait for)."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.waiting: list[bytes] = []
        self.running: list[concurrent.futures.Future[list[Result]]] = []

    def add(self, chunk: bytes) -> None:
        self.waiting.append(chunk)
        if self.workers > 1 and (self.running or len(self.waiting) > 1):
            pool = _pool(self.workers)
            self.running += [pool.submit(validate_part, part) for part in self.waiting]
            self.waiting = []

    def results(self, store: ox.Store) -> list[Result]:
        """Every SHACL result; ``store`` holds the whole graph (for the SPARQL constraints)."""
        found = run_sparql_checks(store)
        if not self.running and IN_WORKERS.is_set() and self.workers > 0:
            self.running = [_pool(self.workers).submit(validate_part, b"".join(self.waiting))]
        if not self.running:
            return found + validate_part(b"".join(self.waiting))
        parts = [future.result() for future in self.running]
        return found + list(dict.fromkeys(result for part in parts for result in part))

    def cancel(self) -> None:
        for future in self.running:
            future.cancel()


def validate(ntriples: bytes, store: ox.Store, workers: int = 2) -> list[Result]:
    """Every SHACL result for a submission: ``ntriples`` is its graph, ``store`` the same graph
    loaded in pyoxigraph (for the SPARQL-based constraints)."""
    results = run_sparql_checks(store)
    if workers <= 1 or ntriples.count(b"\n") < PARALLEL_FROM:
        return results + validate_part(ntriples)
    parts = partition(ntriples, workers)
    found: Iterable[list[Result]] = _pool(workers).map(validate_part, parts)
    unique = dict.fromkeys(result for part in found for result in part)
    return results + list(unique)
