"""Where the graph is kept: one small store interface and its two implementations.

Loaders, publishing and the endpoint talk to a ``TripleStore`` (query, update, graph-level
writes and reads) found at a ``StoreLocation`` (its version, a reader, a writer, a snapshot):

- ``oxigraph.OxigraphLocation``: the embedded Oxigraph store in a directory (the default), with
  read-only snapshots that query worker processes open;
- ``sparql.SparqlLocation``: an external SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB...) reached
  over HTTP (one client, urllib): the query and update protocol, and the Graph Store Protocol.

``locate`` picks one from the settings: a ``store`` that is an http(s) URL is an external store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

import pyoxigraph as ox

GraphName = ox.NamedNode | ox.DefaultGraph


class TripleStore(Protocol):
    """A quad store: SPARQL over it, and whole-graph writes. ``None`` as a graph is the store's
    default graph. Query results are pyoxigraph's (solutions, boolean, or triples)."""

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        empty: list[ox.NamedNode] | None = None,
    ) -> Any:
        """``empty``: named graphs of the dataset read as empty graphs, whatever the store holds
        under their names (an external store's graphs held apart from what is published)."""

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """An update as a client sends it (graphs it names or creates are the store's)."""

    def apply(self, sparql: str, graphs: list[str]) -> None:
        """An update of the service's own, which writes only into the named ``graphs``."""

    def bulk_load(self, ntriples: bytes, graph: ox.NamedNode) -> None:
        """Add N-Triples to ``graph`` (fast, not transactional: for graphs no one reads yet)."""

    def replace_graph(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        """Replace the content of ``graph`` by N-Triples, atomically."""

    def add_triples(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        """Add N-Triples to ``graph`` (created if needed), atomically."""

    def named_graphs(self) -> list[ox.NamedNode]: ...

    def contains_named_graph(self, graph: ox.NamedNode) -> bool: ...

    def default_stand_in(self) -> str | None:
        """The named graph that stands in for the store's default graph in the service's own
        updates (``apply``), None where the store's default graph is addressed as such."""

    def merge_is_current(self) -> bool:
        """Whether the merge of the published graphs the store may hold
        (``triplestore.merge``) is what it publishes: no change since the last commit."""

    def remove_graph(self, graph: ox.NamedNode) -> None: ...

    def triples(self, graph: ox.NamedNode | None) -> Iterator[ox.Triple]: ...

    def foreign_graphs(self, graphs: Iterable[str]) -> list[str]:
        """Those of ``graphs`` that are not this service's to write, beyond the protected ones
        (``triplestore.protected``): an external store's own graphs and the service's
        bookkeeping there."""


#: the kind of store a location holds (``snapshot`` takes the one its ``writer`` gave)
Store = TypeVar("Store", bound=TripleStore)


@runtime_checkable
class StoreLocation(Protocol[Store]):
    """Where a store lives: its generation (the published version number, which changes exactly
    when published data changes), a reader of what is published, a writer, and ``snapshot``,
    which publishes what the writer wrote as the next generation. ``keeps_merge``: whether
    each commit keeps the merge of the published graphs as one graph (``triplestore.merge``)."""

    keeps_merge: ClassVar[bool]

    def generation(self) -> int: ...

    def reader(self) -> tuple[int, Store]: ...

    def writer(self) -> AbstractContextManager[Store]: ...

    def snapshot(self, store: Store, unpublished: Sequence[ox.NamedNode] = ()) -> int:
        """Publish what the writer wrote as the next generation; ``unpublished``: the store's
        graphs that readers must not see (a backend may leave them out of what they read)."""

    def pending(self) -> bool: ...

    def unmark(self) -> None:
        """Clear what ``pending`` reads: the primary database holds nothing its snapshot does
        not (a write stopped before its commit left it so: ``versions.left_by``)."""

    def state(self) -> tuple[str, int]:
        """``identity`` and ``generation``, read together."""

    def hold(self, generation: int) -> AbstractContextManager[bool]:
        """Keep ``generation`` readable until the block ends, whatever is published meanwhile
        (``QueryRequest.at``): whether it is (never where a store keeps no generation but the
        current one)."""

    def replaced_at(self, generation: int) -> float | None:
        """When ``generation`` was replaced by a later one (``time.time``), when the store keeps
        the times of its publications; else None."""

    def published(self, generation: int) -> None: ...

    def marker(self) -> Path | None:
        """A local file that every publish replaces (its inode or modification time changes),
        which a process beside the writer may watch cheaply (``endpoint.exporter``); None where
        there is none."""

    def describe(self) -> str: ...

    def place(self) -> str:
        """Where the store is (its folder, its endpoint and namespace): one place may hold
        another store at another time (built again, put back from a copy)."""

    def identity(self) -> str:
        """What tells the data readers see now apart from any other a process may serve, with
        the generation: what it keeps per store generation keys on it (two stores, or one
        store built again in its place, may be at the same generation with other data)."""


def is_remote(store: str | Path) -> bool:
    """Whether the ``store`` setting names an external store (an http or https URL)."""
    return str(store).startswith(("http://", "https://"))


def locate(
    store: str | Path | StoreLocation, options: Mapping[str, Any] | None = None
) -> StoreLocation:
    """The store that the ``store`` setting names: an Oxigraph directory, or an external SPARQL
    1.1 store's query URL (its other endpoints and credentials come from ``options``, the
    resolved settings ``store_*``; for a directory, ``store_lock_wait``). A location given is
    returned as it is."""
    if not isinstance(store, str | Path):
        if isinstance(store, StoreLocation):
            return store
        raise TypeError(f"not a store location: {store!r}")
    if is_remote(store):  # the external store's client is imported only for one
        from triplestore.backends.sparql import SparqlLocation

        return SparqlLocation.from_settings(str(store), options or {})
    from triplestore.backends.oxigraph import OxigraphLocation

    wait = (options or {}).get("store_lock_wait") or 0.0
    return OxigraphLocation(Path(store), lock_wait=float(wait))
