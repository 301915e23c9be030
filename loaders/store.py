"""The embedded Oxigraph store on disk, and how a source's named graph is replaced atomically.

A load first writes into a staging graph (one transaction), then moves it onto the source's
graph (a second transaction, a SPARQL ``MOVE``): readers see the old graph or the new one,
never a mix; if anything fails before the move, the published graph is untouched. Staging
graphs left by a process killed in between are removed at the next load.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyoxigraph as ox

from loaders.problems import LoadError

STAGING_PREFIX = "urn:coworkmed:staging:"


def open_store(path: Path) -> ox.Store:
    """Open (creating if needed) the store directory, with a clear error if it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(path))
    except OSError as error:
        raise LoadError(f"{path}: cannot open the store ({error})") from None


def drop_staging(store: ox.Store) -> None:
    for graph in list(store.named_graphs()):
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX):
            store.remove_graph(graph)


def replace_graph(store: ox.Store, graph: str, ntriples: bytes) -> int:
    """Make ``graph`` hold exactly the given N-Triples; return its number of triples."""
    drop_staging(store)
    staging = ox.NamedNode(STAGING_PREFIX + uuid.uuid4().hex)
    try:
        store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=staging)
    except SyntaxError as error:
        raise LoadError(f"the load produced invalid RDF ({error}); nothing was written") from None
    store.update(f"MOVE SILENT GRAPH <{staging.value}> TO GRAPH <{graph}>")
    return count(store, graph)


def count(store: ox.Store, graph: str) -> int:
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(result))["n"].value)


def union_ntriples(store: ox.Store) -> bytes:
    """All named graphs together, as N-Triples (for tools that want one plain graph)."""
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
