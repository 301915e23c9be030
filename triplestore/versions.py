"""The published graph: each source as versioned named graphs, in any store backend.

Copying or deleting triples is slow (about 30,000 triples/s in Oxigraph on disk), and some
stores cannot rename a graph, so a load never rewrites the graph readers use. Instead:

1. the new data is bulk-loaded into a fresh graph named after a dataset version,
   ``{base}dataset/{source}/{version}`` (invisible: nothing points at it yet);
2. one small transaction in the catalogue graph ``{base}catalog`` moves the dataset's
   ``dcat:hasCurrentVersion`` to it (``dcat:hasVersion``, ``dcat:previousVersion`` keep the
   history, as DCAT 3 versioning says);
3. versions older than the previous one are removed.

Readers see every graph except the version graphs that are not current (``published_graphs``,
``query``): the old version or the new one, never a mix, and never a half-loaded graph. A load
killed before step 2 leaves only an unreferenced graph, which the next load removes. Graphs
outside ``{base}dataset/`` (written through SPARQL Update or the Graph Store Protocol, see
``write``) and the store's default graph are published as they are.

Only the loader writes the vocabulary, catalogue, cube, submissions and version graphs
(``triplestore.protected``): the Graph Store Protocol and SPARQL Update refuse
them. The embedded store marks a change before making it and clears the mark with its snapshot;
a server that opens a store still marked (a writer was killed between its commit and its
snapshot) publishes what was committed at once (``recover``).

Where the store lives is a ``triplestore.backends.StoreLocation``: the embedded Oxigraph store in a
directory (with read-only snapshots for readers) or an external SPARQL 1.1 store. Its generation
number is the published version: it changes exactly when published data changes (``commit``).

What must follow every change of the data before it is published (the indicators cube) is not
this module's to know: the layers above register it with ``on_change`` (``publishing`` does,
when it is imported), and ``commit`` runs it, in this process or in the confined worker of
``write_confined``, which is given the hooks registered here.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from core.namespaces import DCAT
from core.problems import LoadError, StoreBusy, StoreFault
from core.rdf_bytes import to_bytes
from core.rdf_templates import is_iri, update
from core.workers import Limits, passed, run_confined
from triplestore.backends import StoreLocation, TripleStore, locate
from triplestore.merge import hidden_graphs, keep_merged, own_dataset, reading_default

__all__ = ["StoreBusy", "StoreLocation", "TripleStore", "locate"]


def catalog_graph(base: str) -> str:
    return f"{base}catalog"


def foreign_base(store: TripleStore, base: str) -> str | None:
    """Why ``store``'s published graph is not one published under ``base``, or None: it holds
    named graphs, but no catalogue of ``base`` (it was built under another base, and its data,
    catalogue and dumps would be looked for where there are none: stranger 73, a server given
    another base than its store's answered its catalogue and dumps 504 after 30 s)."""
    names = {graph.value for graph in store.named_graphs()}
    if not names or catalog_graph(base) in names:
        return None
    built = sorted(name[: -len("catalog")] for name in names if name.endswith("/catalog"))
    under = f" (it was published under {', '.join(built)})" if built else ""
    return (
        f"the store holds no graph published under the base {base}{under}: set base to the "
        "one it was built with, or build it again under this one"
    )


def current_generation(where: StoreLocation | Path | str) -> int:
    """The generation readers see (0 when nothing was ever published)."""
    return locate(where).generation()


def open_snapshot(where: StoreLocation | Path | str) -> tuple[int, TripleStore]:
    """What readers see now, read-only where the backend allows it, and its generation."""
    return locate(where).reader()


def open_store(path: Path) -> TripleStore:
    """The read-write database of the embedded store in ``path`` (created if needed), open
    until dropped: for a whole build; ``write`` opens it for one change only."""
    from triplestore.backends.oxigraph import OxigraphLocation

    return OxigraphLocation(Path(path)).open()


def take_snapshot(store: TripleStore, where: StoreLocation | Path | str, base: str | None) -> int:
    """``commit`` for a store opened with ``open_store`` (or a location's writer)."""
    return commit(locate(where), store, base)


#: what runs after a change, before its snapshot: ``hook(store, base, published graphs)``
AfterChange = Callable[[TripleStore, str, list[ox.NamedNode]], object]
#: the hooks ``commit`` runs, in the order they were registered (``on_change``)
AFTER_CHANGE: list[AfterChange] = []


def on_change(hook: AfterChange) -> None:
    """Have ``hook`` run on every commit with a data base, before the snapshot, so that what it
    writes is published with the change (once: registering it again changes nothing). A hook
    run in a confined writer (``write_confined``) must be a module-level function."""
    if hook not in AFTER_CHANGE:
        AFTER_CHANGE.append(hook)


def commit(
    location: StoreLocation,
    store: TripleStore,
    base: str | None,
    hooks: Sequence[AfterChange] | None = None,
) -> int:
    """Publish what was written to ``store`` as the next generation. With the data ``base``, the
    after-change ``hooks`` (default: those registered with ``on_change``, such as the
    indicators cube's refresh) run first, so that every generation's cube matches its data."""
    hooks = AFTER_CHANGE if hooks is None else hooks
    if base is not None and hooks:
        graphs = published_graphs(store, base)
        for hook in hooks:
            hook(store, base, graphs)
    unpublished: list[ox.NamedNode] = []
    if base is not None:
        visible = published_graphs(store, base)
        if location.keeps_merge:
            keep_merged(store, base, visible)
        kept = set(visible) | {ox.NamedNode(graph) for graph in hidden_graphs(base)}
        unpublished = [graph for graph in store.named_graphs() if graph not in kept]
    _pause_before_snapshot()
    return location.snapshot(store, unpublished)


#: tests only: the file this environment variable names is written, then the process waits,
#: between a commit and its snapshot (where tests/endpoint/test_recovery.py kills it)
PAUSE_BEFORE_SNAPSHOT = "COWORKMED_TEST_PAUSE_BEFORE_SNAPSHOT"


def _pause_before_snapshot() -> None:
    signal = os.environ.get(PAUSE_BEFORE_SNAPSHOT)
    if signal:  # written whole, then named: the test never reads it half written
        partial = Path(f"{signal}.partial")
        partial.write_text(str(os.getpid()), encoding="ascii")
        os.replace(partial, signal)
        time.sleep(3600)


def recover(where: StoreLocation | Path | str, base: str | None) -> int | None:
    """Publish at once what a writer killed between its commit and its snapshot left in the
    store (``pending``), as the next generation; return it (None: nothing was pending, or a
    writer holds the store now and will publish its work itself). Run when a store is opened
    for serving."""
    location = locate(where)
    if not location.pending():
        return None
    try:
        with _WRITING, location.writer() as store:
            if not location.pending():  # a write of this process published it meanwhile
                return None
            return commit(location, store, base)
    except StoreBusy:
        return None


def _column(store: TripleStore, sparql: str) -> list[ox.NamedNode]:
    return [solution[0] for solution in store.query(sparql)]


def current_versions(store: TripleStore, base: str) -> list[ox.NamedNode]:
    """The current version graph of every dataset."""
    catalog = catalog_graph(base)
    current = _column(
        store, f"SELECT ?g WHERE {{ GRAPH <{catalog}> {{ ?d <{DCAT}hasCurrentVersion> ?g }} }}"
    )
    return sorted(current, key=str)


def published_graphs(store: TripleStore, base: str) -> list[ox.NamedNode]:
    """The named graphs readers see: all of them except the version graphs (under
    ``{base}dataset/``) that are not the current version of their dataset."""
    current = {graph.value for graph in current_versions(store, base)}
    versions, hidden = f"{base}dataset/", hidden_graphs(base)
    return sorted(
        (
            graph
            for graph in store.named_graphs()
            if isinstance(graph, ox.NamedNode)
            and (graph.value in current or not graph.value.startswith(versions))
            and graph.value not in hidden
        ),
        key=str,
    )


def default_dataset(graphs: list[ox.NamedNode]) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph readers query: the store's default graph and the published graphs."""
    return [ox.DefaultGraph(), *graphs]


def query(store: TripleStore, base: str, sparql: str) -> Any:
    """A SPARQL query over the published data: their merge as default graph (the graph
    ``triplestore.merge`` keeps, else the published graphs and the store's default graph), and
    the published graphs as named graphs. A query that sets its own dataset (FROM, FROM NAMED)
    keeps it."""
    if own_dataset(sparql):
        return store.query(sparql)
    graphs = published_graphs(store, base)
    return store.query(
        sparql, default_graph=reading_default(store, base, graphs), named_graphs=graphs
    )


#: one write at a time in this process; re-entrant, so that a caller holding it (``writes_held``)
#: may write inside
_WRITING = threading.RLock()


class _Announced:
    """How many requests of this process will write once their own work is done."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self, number: int) -> None:
        with self._lock:
            self.count += number


_ANNOUNCED = _Announced()


@contextmanager
def announced() -> Iterator[None]:
    """Inside, this process counts as writing (``writing``) before it takes the write lock: a
    partner's upload is validated first (up to ``validation_timeout``), then published. A server
    asked to stop did not wait for one still validating past its ``stop_wait``, which then
    published while the server ended: its client got no answer, and the next server published
    it (stranger 56, 6 of 6)."""
    _ANNOUNCED.add(1)
    try:
        yield
    finally:
        _ANNOUNCED.add(-1)


def writing() -> bool:
    """Whether a write of this process runs now, or is announced (``announced``): a server
    asked to stop waits for it."""
    if _ANNOUNCED.count:
        return True
    if _WRITING.acquire(blocking=False):
        _WRITING.release()
        return False
    return True


class Unchanged(Exception):  # noqa: N818  (what happened, not a failure)
    """Raised by a change that changes nothing (a condition of its request is false, nothing is
    there to delete): ``write`` publishes no new generation, and raises it again for its
    caller to answer. Readers keep their kept answers (a new generation for nothing dropped
    them)."""


@contextmanager
def writes_held(wait: float) -> Iterator[None]:
    """No other write of this process while inside: what a writer checks there (the conditions
    of a conditional request: If-Match, If-None-Match, If-Unmodified-Since) still holds when it
    writes there (``write``, ``write_confined``). Checked before the lock instead, two
    ``If-None-Match: *`` PUTs of one graph at once both found it absent and both wrote it.
    Between processes (two servers writing one store), the store's own lock only keeps their
    writes apart, not their checks. Waits ``wait`` seconds at most for the writes before it
    (``store_lock_wait``), then raises ``WritesAhead``: a server's writes queued one behind the
    other with no bound (stranger 100: ten PUTs at once, the last answered after 116 s)."""
    if not _WRITING.acquire(timeout=max(wait, 0.0)):
        raise WritesAhead(
            f"the writes before this one still ran after {wait:g} s (store_lock_wait)",
            code="writes-ahead",
        )
    try:
        yield
    finally:
        _WRITING.release()


class WritesAhead(StoreBusy):
    """The writes of this process before this one did not end within ``store_lock_wait``."""

    public = (
        "the server is writing other changes just now; nothing was changed, try again in a "
        "few seconds"
    )


T = TypeVar("T")
#: seconds a confined write's publication (after-change hooks, the merge, the snapshot) may
#: take once its change is committed: it is not cut off at the change's own time limit
PUBLISHING_TIME = 900.0


def write(
    where: StoreLocation | Path | str, change: Callable[[TripleStore], T], base: str | None
) -> tuple[T, int]:
    """Apply ``change`` to the store, then publish it as a new generation; return what
    ``change`` returned and the new generation.

    One write at a time in this process; an embedded store is opened for the write only, so
    that a ``coworkmed load`` can run between writes (while one runs, this raises StoreBusy).
    ``change`` must be atomic itself (one update is) and must not keep the store. ``base``: the
    data base, for the after-change hooks (see ``commit``)."""
    location = locate(where)
    with _WRITING:
        return _write_here(location, change, (), base)


def write_confined(
    where: StoreLocation | Path | str,
    change: Callable[..., T],
    args: tuple[Any, ...],
    base: str | None,
    limits: Limits,
    timeout: float,
) -> tuple[T, int]:
    """``write``, with ``change(store, *args)`` and the publication run in a confined worker
    process (``core.workers.run_confined``): for a change that parses untrusted text (a
    SPARQL update), whose crash must cost the worker only. The embedded store's primary
    database is opened by the worker for this write only; this process holds the write lock
    meanwhile. ``change`` must be a module-level function; the worker runs the after-change
    hooks registered in this process (``on_change``), whatever it imported itself. ``timeout``
    bounds the change; once it is committed, its publication has ``PUBLISHING_TIME``. Raises
    ``WorkerCrashed`` or ``WorkerTimedOut``: with ``passed`` False nothing was committed (the
    change is one transaction); with ``passed`` True the change was committed but not
    published, and will be by the next write (or ``recover``, when a server opens the store)."""
    location = locate(where)
    with _WRITING:
        work = (location, change, args, base, tuple(AFTER_CHANGE))
        result, generation = run_confined(_write_here, work, limits, timeout, PUBLISHING_TIME)
    location.published(generation)
    return result, generation


def _write_here(
    location: StoreLocation,
    change: Callable[..., T],
    args: tuple[Any, ...],
    base: str | None,
    hooks: Sequence[AfterChange] | None = None,
) -> tuple[T, int]:
    """``change(store, *args)`` on the store opened for writing, then its publication with
    ``hooks`` (default: the registered ones); the caller holds the write lock: this process's,
    or the server's for a confined worker (told when the change is committed: its publication
    is then bound by ``PUBLISHING_TIME``, not by the change's own time limit)."""
    with location.writer() as store:
        try:
            result = change(store, *args)
        except Unchanged:
            if location.pending():  # an earlier change, committed but never published: now
                passed()
                commit(location, store, base, hooks)
            raise
        passed()
        generation = commit(location, store, base, hooks)
    return result, generation


@dataclass(frozen=True)
class Left:
    """What a write stopped at its time limit left in the primary database (``left_by``):
    ``applied`` True (its change is there; when it left nothing, ``left_by`` raises
    Unchanged); ``created``: a graph it names is there and was not before."""

    applied: bool
    created: bool = False


def left_by(
    store: TripleStore, location: StoreLocation, graphs: Sequence[str] | None, base: str
) -> Left:
    """In a writer: whether the primary database ``store`` holds a change that the snapshot
    readers see does not, the only change it can hold being a write stopped at its time limit
    (killed between its commit and its word that it was committed: stranger 94, a Graph Store
    PUT answered "nothing was changed" showed at the next write). ``graphs``: the graphs the
    write names ("" for the default graph), compared triple by triple (a snapshot keeps the
    primary's blank nodes; when they are alike, the mark is cleared and Unchanged raised: no
    new generation); None: any graph a client may write, whose sizes are compared (a
    change that keeps every size is then looked for by a digest of each graph's triples), the
    dataset versions left out (only a load writes them, and a snapshot holds the current ones
    alone)."""
    _generation, snapshot = open_snapshot(location)
    if graphs is not None:
        named = [_name(graph or None) for graph in graphs]
        applied = any(set(store.triples(g)) != set(snapshot.triples(g)) for g in named)
        if not applied:  # its graphs as readers see them: nothing to publish (stranger 95:
            location.unmark()  # each such 422 made a new generation, and readers' tags changed)
            raise Unchanged
        before = set(snapshot.named_graphs())
        return Left(True, any(g is not None and g not in before for g in named))
    versions = f"{base}dataset/"
    sizes = [
        {
            graph.value: count(source, graph.value)
            for graph in source.named_graphs()
            if not graph.value.startswith(versions)
        }
        | {"": _size(source, "")}
        for source in (store, snapshot)
    ]
    if sizes[0] != sizes[1]:
        return Left(True)
    # the sizes alike: the triples, graph by graph (a digest each, not a set in memory)
    if any(_digest(store, graph) != _digest(snapshot, graph) for graph in sizes[0]):
        return Left(True)
    location.unmark()  # it left nothing (stranger 100: an update stopped in its WHERE clause
    raise Unchanged  # was said "may have been applied", and made a new generation of the same)


#: triples, in the graphs an update names, up to which its worker tells whether it changed
#: anything (a digest of each, before and after it: about 10 µs a triple each time, 0.1 s for
#: the 9,515 links of the 2,400 spaces of data/); an update of larger graphs is published as
#: a change, as every update was before
UNCHANGED_CHECK_LIMIT = 100_000


@dataclass(frozen=True)
class Footprint:
    """What tells whether a write changed a store (``footprint``): its named graphs, the size
    of each graph ``sized`` and a digest of each graph ``digested`` ("" for the default
    graph)."""

    graphs: frozenset[str]
    sizes: tuple[tuple[str, int], ...]
    digests: tuple[tuple[str, int], ...]


def footprint(
    store: TripleStore, sized: Iterable[str], digested: Iterable[str]
) -> Footprint | None:
    """The ``Footprint`` of ``store``: taken before and after a write whose every change lies
    in the graphs ``digested`` (and the default graph), they are equal exactly when it changed
    nothing; ``sized``: graphs whose size is compared as well, the cheap check that a graph
    the write was not thought to change did not. None (it cannot be told cheaply) when the
    graphs digested hold more than ``UNCHANGED_CHECK_LIMIT`` triples. A name that is no IRI is
    no graph of the store (the write's parser refuses it): left out."""
    digest = sorted({"", *(graph for graph in digested if is_iri(graph))})
    sizes = {graph: _size(store, graph) for graph in sorted({*sized, *digest})}
    if sum(sizes[graph] for graph in digest) > UNCHANGED_CHECK_LIMIT:
        return None
    return Footprint(
        frozenset(graph.value for graph in store.named_graphs()),
        tuple(sizes.items()),
        tuple((graph, _digest(store, graph)) for graph in digest),
    )


def _size(store: TripleStore, graph: str) -> int:
    """The triples of ``graph`` ("" for the default graph) in ``store``."""
    return count(store, graph) if graph else sum(1 for _ in store.triples(None))


def _digest(store: TripleStore, graph: str) -> int:
    """A digest of the triples of ``graph`` ("" for the default graph) in ``store``, whatever
    their order: the sum of a hash of each (a snapshot keeps the primary's blank nodes)."""
    return sum(
        int.from_bytes(hashlib.blake2b(str(triple).encode(), digest_size=16).digest(), "big")
        for triple in store.triples(_name(graph or None))
    )


def _known_versions(store: TripleStore, base: str) -> set[str]:
    kept = _column(
        store,
        f"""SELECT ?g WHERE {{ GRAPH <{catalog_graph(base)}> {{
              {{ ?d <{DCAT}hasCurrentVersion> ?g }} UNION
              {{ ?d <{DCAT}hasCurrentVersion> ?c . ?c <{DCAT}previousVersion> ?g }} }} }}""",
    )
    return {graph.value for graph in kept}


def remove_unreferenced(store: TripleStore, base: str) -> list[str]:
    """Remove the version graphs that are neither current nor previous (older versions, and
    graphs left by a load that was killed before its switch)."""
    keep = _known_versions(store, base) | {catalog_graph(base)}
    prefix = f"{base}dataset/"
    removed = []
    for graph in list(store.named_graphs()):
        if (
            isinstance(graph, ox.NamedNode)
            and graph.value.startswith(prefix)
            and graph.value not in keep
        ):
            store.remove_graph(graph)
            removed.append(graph.value)
    if removed:
        drop = " ".join(f"<{g}>" for g in removed)
        catalog = catalog_graph(base)
        store.apply(
            f"""DELETE {{ GRAPH <{catalog}> {{ ?s ?p ?v }} }}
                WHERE {{ VALUES ?v {{ {drop} }} GRAPH <{catalog}> {{ ?s ?p ?v }} }}""",
            [catalog],
        )
    return removed


def publish_version(
    store: TripleStore,
    base: str,
    dataset: str,
    version: str,
    chunks: Iterable[bytes],
    also: str = "",
    also_graphs: Iterable[str] = (),
) -> int:
    """Write ``chunks`` (N-Triples) into the graph ``version`` and make it the current version
    of ``dataset``; return its number of triples. Each chunk is written while the next one is
    being produced (Oxigraph writes without holding Python's lock). ``also``: SPARQL update
    operations applied in the same transaction as the switch (a record of the submission), which
    write into ``also_graphs``."""
    remove_unreferenced(store, base)
    graph = ox.NamedNode(version)
    if graph in current_versions(store, base):
        for _chunk in chunks:  # the very same load again: nothing to write, but report it all
            continue
        if also:
            store.apply(also, list(also_graphs))
        return count(store, version)
    try:
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            for chunk in chunks:
                if pending is not None:
                    pending.result()
                pending = writer.submit(store.bulk_load, chunk, graph)
            if pending is not None:
                pending.result()
    except BaseException as error:
        _remove_unpublished(store, graph, error)
        if isinstance(error, SyntaxError | OSError):
            raise StoreFault(
                f"the load could not be written ({error}); nothing published"
            ) from None
        raise
    store.apply(
        switch_update(store, base, dataset, version) + (f" ;\n{also}" if also else ""),
        [catalog_graph(base), *also_graphs],
    )
    remove_unreferenced(store, base)
    return count(store, version)


def _remove_unpublished(store: TripleStore, graph: ox.NamedNode, cause: BaseException) -> None:
    """Remove the version graph a failed load left. If the store fails that too (it went away),
    the error raised is the load's own, and the graph stays unreferenced: the next load removes
    it (``remove_unreferenced``)."""
    try:
        store.remove_graph(graph)
    except LoadError:
        raise cause from None


#: the SPARQL update templates of the catalogue (``.ru``)
TEMPLATES = Path(__file__).parent / "templates"


def switch_update(store: TripleStore, base: str, dataset: str, version: str) -> str:
    """The update that makes ``version`` the current version of ``dataset`` (the one current
    now becomes its previous version): ``templates/first-version.ru`` or, when it has one,
    ``templates/next-version.ru``. Plain data operations, which every store runs alike."""
    catalog, current = catalog_graph(base), f"<{DCAT}hasCurrentVersion>"
    old = _column(store, f"SELECT ?v WHERE {{ GRAPH <{catalog}> {{ <{dataset}> {current} ?v }} }}")
    terms = {
        "catalog": ox.NamedNode(catalog),
        "dataset": ox.NamedNode(dataset),
        "version": ox.NamedNode(version),
    }
    if not old:
        return update(TEMPLATES / "first-version.ru", **terms)
    return update(TEMPLATES / "next-version.ru", **terms, current=old)


def count(store: TripleStore, graph: str) -> int:
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(result))["n"].value)


def union_ntriples(store: TripleStore, base: str) -> bytes:
    """The published data as one plain graph, in N-Triples."""
    triples = query(store, base, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES)


# ------------------------------------------------------------------ graph writes (inside write)


def graph_exists(store: TripleStore, graph: str | None) -> bool:
    """Whether ``graph`` is in the store (None: the default graph, which always is)."""
    return graph is None or store.contains_named_graph(ox.NamedNode(graph))


def _name(graph: str | None) -> ox.NamedNode | None:
    return None if graph is None else ox.NamedNode(graph)


def _ntriples(triples: list[ox.Triple] | bytes) -> bytes:
    """Triples as N-Triples (``bytes``: N-Triples already)."""
    if isinstance(triples, bytes):
        return triples
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES)


def put_graph(
    store: TripleStore,
    graph: str | None,
    triples: list[ox.Triple] | bytes,
    *,
    existed: bool | None = None,
) -> bool:
    """Replace the content of ``graph`` by ``triples`` (or N-Triples) in one transaction; True
    if it is new (``existed``: whether it is there, when the caller asked already)."""
    created = not (graph_exists(store, graph) if existed is None else existed)
    store.replace_graph(_name(graph), _ntriples(triples))
    return created


def post_graph(
    store: TripleStore,
    graph: str | None,
    triples: list[ox.Triple] | bytes,
    *,
    existed: bool | None = None,
) -> bool:
    """Add ``triples`` (or N-Triples) to ``graph`` in one transaction (creating it); True if it
    is new (``existed``: whether it is there, when the caller asked already)."""
    created = not (graph_exists(store, graph) if existed is None else existed)
    store.add_triples(_name(graph), _ntriples(triples))
    return created


def delete_graph(store: TripleStore, graph: str | None) -> bool:
    """Remove ``graph`` (empty the default graph); False when there was no such graph."""
    if graph is None:
        store.replace_graph(None, b"")
        return True
    if not graph_exists(store, graph):
        return False
    store.remove_graph(ox.NamedNode(graph))
    return True
