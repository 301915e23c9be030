"""The store backends the tests run on: the embedded Oxigraph store and Virtuoso (started by the
tests on loopback). ``Published`` is a store holding the vocabulary and the five samples of
``data/``; ``writable`` gives one that a test may change, on the same backend.

Oxigraph: a copy of the store directory. Virtuoso: one server for the session; a writable store
is the same server, reset to the samples before the test and again after it (the tests run one
at a time), with a new generation each time so that no cache mistakes one content for another.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask

from coworkmed.virtuoso import Virtuoso
from endpoint.app import create_app
from loaders.load import mapping_files
from publishing.build import load_source, publish_vocabulary
from triplestore.backends import StoreLocation, TripleStore
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.backends.sparql import SparqlLocation
from triplestore.merge import hidden_graphs
from triplestore.versions import commit

ROOT = Path(__file__).parents[1]
BASE = "https://w3id.org/coworkmed/id/"
BACKENDS = ["oxigraph", "virtuoso"]


@dataclass
class Published:
    """A store with the samples: its backend's name, where it is, and the settings naming it
    (for ``create_app``, the command line's environment...)."""

    backend: str
    location: StoreLocation
    settings: dict[str, Any] = field(default_factory=dict)

    def config(self, **more: Any) -> dict[str, Any]:
        """Settings for ``create_app``: the store's, then ``more``."""
        return {**self.settings, **more}

    def environment(self) -> dict[str, str]:
        """The store's settings as environment variables (for a server process)."""
        return {f"COWORKMED_{name.upper()}": str(value) for name, value in self.settings.items()}


def oxigraph_published(path: Path) -> Published:
    return Published("oxigraph", OxigraphLocation(path), {"store": str(path)})


@contextmanager
def app_on_a_copy(store: Path, folder: Path, **settings: Any) -> Iterator[Flask]:
    """An app over a copy, in ``folder``, of the embedded ``store`` (what a test writes, or a
    write stopped midway leaves, stays out of the session's store), with ``settings``; its
    query pool closed at the end of the block."""
    copy = folder / "store"
    shutil.copytree(store, copy)
    app = create_app(oxigraph_published(copy).config(**settings))
    try:
        yield app
    finally:
        app.extensions["coworkmed.pool"].close()


def build_samples(location: StoreLocation) -> None:
    """Publish the vocabulary and load every sample source."""
    with location.writer() as store:
        publish_vocabulary(store)
        for mapping in mapping_files(ROOT / "examples" / "partners"):
            load_source(mapping, store, BASE, location)


class VirtuosoSamples:
    """The samples on a Virtuoso server, and a way back to them after a test wrote."""

    def __init__(self, server: Virtuoso) -> None:
        self.server = server
        self.location = server.location(timeout=60)
        build_samples(self.location)
        self.published = Published("virtuoso", self.location, server.settings())
        store = self.location.client()
        hidden = hidden_graphs(BASE)
        self.graphs = {
            g.value: _ntriples(store, g) for g in store.named_graphs() if g.value not in hidden
        }
        self.default = _ntriples(store, None)
        _SAMPLES[server.http_port] = self

    def reset(self) -> None:
        """Back to the samples through the store interface: the graphs the service manages
        now and not then are removed, the samples' graphs and the stand-in default graph put
        back, and the merge of the published graphs rebuilt from them by a commit (a copy of
        the merge put back would hold other blank nodes than the graphs put back: the next
        commit could not take their triples out of it), which moves the generation on (no
        cache mistakes one content for another)."""
        with self.location.writer() as store:
            for graph in store.named_graphs():
                if graph.value not in self.graphs:
                    store.remove_graph(graph)
            for name, data in self.graphs.items():
                store.replace_graph(ox.NamedNode(name), data)
            store.replace_graph(None, self.default)
            commit(self.location, store, BASE, hooks=[])

    @contextmanager
    def writable(self) -> Iterator[Published]:
        """The samples, to change within the block."""
        self.reset()
        try:
            yield self.published
        finally:
            self.reset()


def _ntriples(store: TripleStore, graph: ox.NamedNode | None) -> bytes:
    return ox.serialize(store.triples(graph), format=ox.RdfFormat.N_TRIPLES)


#: the samples built on each session server (by its HTTP port)
_SAMPLES: dict[int, VirtuosoSamples] = {}


@contextmanager
def empty_virtuoso_store(server: Virtuoso) -> Iterator[Published]:
    """An empty store on the session's Virtuoso: a namespace of its own for the service's state;
    every graph it came to manage is dropped afterwards (the next test may use the same graph
    names). Graph names are the store's, not a namespace's: a build here writes the samples'
    vocabulary and territory graphs too, so the samples are put back after it."""
    namespace = f"urn:x-coworkmed:test-{uuid.uuid4()}:"
    location = server.location(namespace=namespace)
    try:
        yield Published("virtuoso", location, {**server.settings(), "store_namespace": namespace})
    finally:
        store = location.client()
        managed = store.named_graphs()
        for graph in managed:
            store.remove_graph(graph)
        for own in (location.default_graph, location.state_graph):
            store.remove_graph(ox.NamedNode(own))
        samples = _SAMPLES.get(server.http_port)
        if samples is not None and {graph.value for graph in managed} & samples.graphs.keys():
            samples.reset()


@contextmanager
def writable_copy(
    published: Published, folder: Path, samples: VirtuosoSamples | None
) -> Iterator[Published]:
    """A store with the samples that the block may change, on ``published``'s backend."""
    if published.backend == "oxigraph":
        copy = folder / "store"
        shutil.copytree(published.location.path, copy)  # type: ignore[attr-defined]
        yield oxigraph_published(copy)
        return
    assert samples is not None and isinstance(published.location, SparqlLocation)
    with samples.writable() as store:
        yield store
