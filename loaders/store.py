"""The embedded Oxigraph store on disk, holding each source as versioned named graphs.

Oxigraph cannot rename a graph, and copying or deleting triples on disk is slow (about 30,000
triples/s here), so a load never rewrites the graph readers use. Instead:

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

The store directory holds ``primary/`` (the read-write database, opened by one process at a
time: loads and publishing) and ``snapshots/<generation>/``, read-only checkpoints taken after
each publish (hard links, about a millisecond), with ``current`` naming the latest. Query
processes open the current snapshot: Oxigraph forbids reading a database that another process
writes, but a checkpoint is never written, so readers and the writer never share a database.
The generation number is the store's version: it changes exactly when published data changes.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from loaders.cube import refresh_cube
from loaders.problems import LoadError

DCAT = "http://www.w3.org/ns/dcat#"


def catalog_graph(base: str) -> str:
    return f"{base}catalog"


#: how many snapshots are kept (readers move to the newest one at their next query)
KEEP_SNAPSHOTS = 3


def open_store(path: Path) -> ox.Store:
    """Open (creating if needed) the read-write database of the store directory ``path``."""
    try:
        (path / "snapshots").mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path / "primary"))
    except OSError as error:
        raise LoadError(f"{path}: cannot open the store ({error})") from None


def current_generation(path: Path) -> int:
    """The generation of the current snapshot (0 when nothing was ever published)."""
    try:
        return int((path / "current").read_text(encoding="ascii"))
    except FileNotFoundError:
        return 0


def take_snapshot(store: ox.Store, path: Path, base: str | None) -> int:
    """Checkpoint the primary database as the next generation, make it current, prune the old.
    With the data ``base``, the indicators cube is recomputed first (``loaders.cube``), so that
    every snapshot's cube matches its data."""
    if base is not None:
        refresh_cube(store, base, published_graphs(store, base))
    generation = current_generation(path) + 1
    snapshots = path / "snapshots"
    store.flush()
    store.backup(str(snapshots / str(generation)))
    pointer = path / "current.tmp"
    pointer.write_text(str(generation), encoding="ascii")
    os.replace(pointer, path / "current")
    for old in snapshots.iterdir():
        if old.name.isdigit() and int(old.name) <= generation - KEEP_SNAPSHOTS:
            shutil.rmtree(old)
    return generation


def open_snapshot(path: Path) -> tuple[int, ox.Store]:
    """The current snapshot, read-only, and its generation."""
    generation = current_generation(path)
    if generation == 0:
        raise LoadError(
            f"{path}: nothing has been published in this store yet (run coworkmed build)"
        )
    try:
        return generation, ox.Store.read_only(str(path / "snapshots" / str(generation)))
    except OSError as error:
        raise LoadError(f"{path}: cannot open snapshot {generation} ({error})") from None


def _column(store: ox.Store, sparql: str) -> list[ox.NamedNode]:
    return [solution[0] for solution in store.query(sparql)]


def current_versions(store: ox.Store, base: str) -> list[ox.NamedNode]:
    """The current version graph of every dataset."""
    catalog = catalog_graph(base)
    current = _column(
        store, f"SELECT ?g WHERE {{ GRAPH <{catalog}> {{ ?d <{DCAT}hasCurrentVersion> ?g }} }}"
    )
    return sorted(current, key=str)


def published_graphs(store: ox.Store, base: str) -> list[ox.NamedNode]:
    """The named graphs readers see: all of them except the version graphs (under
    ``{base}dataset/``) that are not the current version of their dataset."""
    current = {graph.value for graph in current_versions(store, base)}
    versions = f"{base}dataset/"
    return sorted(
        (
            graph
            for graph in store.named_graphs()
            if isinstance(graph, ox.NamedNode)
            and (graph.value in current or not graph.value.startswith(versions))
        ),
        key=str,
    )


def default_dataset(graphs: list[ox.NamedNode]) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph readers query: the store's default graph and the published graphs."""
    return [ox.DefaultGraph(), *graphs]


def query(store: ox.Store, base: str, sparql: str) -> object:
    """A SPARQL query over the published data: the union of the published graphs (and the
    store's default graph) as default graph, and the published graphs as named graphs."""
    graphs = published_graphs(store, base)
    return store.query(sparql, default_graph=default_dataset(graphs), named_graphs=graphs)


class StoreBusy(LoadError):
    """The primary database is open in another process (a load is running)."""


_WRITING = threading.Lock()
T = TypeVar("T")


def write(path: Path, change: Callable[[ox.Store], T], base: str | None) -> tuple[T, int]:
    """Apply ``change`` to the primary database of the store directory ``path``, then publish it
    as a new snapshot; return what ``change`` returned and the new generation.

    One write at a time in this process; the database is opened for the write only, so that a
    ``coworkmed load`` can run between writes (while one runs, this raises StoreBusy). ``change``
    must be atomic itself (one ``Store.update`` is) and must not keep the store. ``base``: the
    data base, for the indicators cube (see ``take_snapshot``)."""
    with _WRITING:
        try:
            store = ox.Store(str(path / "primary"))
        except OSError as error:
            raise StoreBusy(f"{path}: the store is busy, try again later ({error})") from None
        try:
            result = change(store)
            generation = take_snapshot(store, path, base)
        finally:
            del store  # closes the database now, releasing its lock for other processes
        return result, generation


def _known_versions(store: ox.Store, base: str) -> set[str]:
    kept = _column(
        store,
        f"""SELECT ?g WHERE {{ GRAPH <{catalog_graph(base)}> {{
              {{ ?d <{DCAT}hasCurrentVersion> ?g }} UNION
              {{ ?d <{DCAT}hasCurrentVersion> ?c . ?c <{DCAT}previousVersion> ?g }} }} }}""",
    )
    return {graph.value for graph in kept}


def remove_unreferenced(store: ox.Store, base: str) -> list[str]:
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
        store.update(
            f"""DELETE {{ GRAPH <{catalog_graph(base)}> {{ ?s ?p ?v }} }}
                WHERE {{ VALUES ?v {{ {drop} }} GRAPH <{catalog_graph(base)}> {{ ?s ?p ?v }} }}"""
        )
    return removed


def publish_version(
    store: ox.Store,
    base: str,
    dataset: str,
    version: str,
    chunks: Iterable[bytes],
    also: str = "",
) -> int:
    """Write ``chunks`` (N-Triples) into the graph ``version`` and make it the current version
    of ``dataset``; return its number of triples. Each chunk is written while the next one is
    being produced (Oxigraph writes without holding Python's lock). ``also``: SPARQL update
    operations applied in the same transaction as the switch (a record of the submission)."""
    remove_unreferenced(store, base)
    graph = ox.NamedNode(version)
    if graph in current_versions(store, base):
        for _chunk in chunks:  # the very same load again: nothing to write, but report it all
            continue
        if also:
            store.update(also)
        return count(store, version)
    try:
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending = None
            for chunk in chunks:
                if pending is not None:
                    pending.result()
                pending = writer.submit(
                    store.bulk_load, chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=graph
                )
            if pending is not None:
                pending.result()
    except BaseException as error:
        store.remove_graph(graph)
        if isinstance(error, SyntaxError | OSError):
            raise LoadError(f"the load could not be written ({error}); nothing published") from None
        raise
    catalog, current = catalog_graph(base), f"<{DCAT}hasCurrentVersion>"
    store.update(
        f"""DELETE {{ GRAPH <{catalog}> {{ <{dataset}> {current} ?old }} }}
            INSERT {{ GRAPH <{catalog}> {{
                <{dataset}> {current} <{version}> ; <{DCAT}hasVersion> <{version}> .
                <{version}> <{DCAT}previousVersion> ?old . }} }}
            WHERE {{ OPTIONAL {{ GRAPH <{catalog}> {{ <{dataset}> {current} ?old }} }} }}"""
        + (f" ;\n{also}" if also else "")
    )
    remove_unreferenced(store, base)
    return count(store, version)


def count(store: ox.Store, graph: str) -> int:
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(result))["n"].value)


def union_ntriples(store: ox.Store, base: str) -> bytes:
    """The published data as one plain graph, in N-Triples."""
    triples = query(store, base, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


# ------------------------------------------------------------------ graph writes (inside write)


def _graph_clause(graph: str | None, body: str) -> str:
    return body if graph is None else f"GRAPH <{graph}> {{ {body} }}"


def graph_exists(store: ox.Store, graph: str | None) -> bool:
    """Whether ``graph`` is in the store (None: the default graph, which always is)."""
    return graph is None or store.contains_named_graph(ox.NamedNode(graph))


def put_graph(store: ox.Store, graph: str | None, triples: list[ox.Triple]) -> bool:
    """Replace the content of ``graph`` by ``triples`` in one transaction; True if it is new."""
    created = not graph_exists(store, graph)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    target = "DEFAULT" if graph is None else f"GRAPH <{graph}>"
    create = "" if graph is None else f"CREATE SILENT GRAPH <{graph}> ;"
    store.update(f"DROP SILENT {target} ; {create} INSERT DATA {{ {_graph_clause(graph, data)} }}")
    return created


def post_graph(store: ox.Store, graph: str | None, triples: list[ox.Triple]) -> bool:
    """Add ``triples`` to ``graph`` in one transaction (creating it); True if it is new."""
    created = not graph_exists(store, graph)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    create = "" if graph is None else f"CREATE SILENT GRAPH <{graph}> ;"
    store.update(f"{create} INSERT DATA {{ {_graph_clause(graph, data)} }}")
    return created


def delete_graph(store: ox.Store, graph: str | None) -> bool:
    """Remove ``graph`` (empty the default graph); False when there was no such graph."""
    if not graph_exists(store, graph):
        return False
    store.update("CLEAR DEFAULT" if graph is None else f"DROP GRAPH <{graph}>")
    return True
