"""The store backends the tests run on: the embedded Oxigraph store and Virtuoso (started by the
tests on loopback). ``Published`` is a store holding the vocabulary and the five samples of
``data/``; ``writable`` gives one that a test may change, on the same backend.

Oxigraph: a copy of the store directory. Virtuoso: one server for the session; a writable store
is the same server, reset to the samples before the test and again after it (the tests run one
at a time), with a new generation each time so that no cache mistakes one content for another.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from coworkmed.virtuoso import Virtuoso
from loaders.backends import StoreLocation
from loaders.backends.oxigraph import OxigraphLocation
from loaders.backends.sparql import SparqlLocation, forget_generations
from loaders.load import load_source, mapping_files, publish_vocabulary

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


def build_samples(location: StoreLocation) -> None:
    """Publish the vocabulary and load every sample source."""
    with location.writer() as store:
        publish_vocabulary(store)
        for mapping in mapping_files(ROOT / "data"):
            load_source(mapping, store, BASE, location)


class VirtuosoSamples:
    """The samples on a Virtuoso server, and a way back to them after a test wrote."""

    def __init__(self, server: Virtuoso) -> None:
        self.server = server
        self.location = server.location(timeout=60)
        build_samples(self.location)
        self.published = Published("virtuoso", self.location, server.settings())
        store = self.location.client()
        names = [g.value for g in store.named_graphs()]
        self.graphs = {name: self._read(name) for name in names}
        self.default = self._read(self.location.default_graph)

    def _graph_store(self, method: str, graph: str, body: bytes | None = None) -> bytes:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        url = self.location.graph_store_url
        passwords.add_password(None, url, self.location.user, self.location.password)
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        headers = {"Content-Type": "application/n-triples"} if body else {}
        if method == "GET":
            headers["Accept"] = "application/n-triples"
        request = urllib.request.Request(
            f"{url}?{urllib.parse.urlencode({'graph': graph})}",
            data=body,
            method=method,
            headers=headers,
        )
        try:
            with opener.open(request, timeout=60) as answer:
                return answer.read()
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            error.close()
            return b""

    def _read(self, graph: str) -> bytes:
        return self._graph_store("GET", graph)

    def reset(self) -> None:
        """Back to the samples: every graph the service manages now or managed then, the
        stand-in default graph and the state, under a new generation."""
        store = self.location.client()
        generation = store.generation()
        now = {g.value for g in store.named_graphs()}
        for graph in now | set(self.graphs) | {self.location.default_graph}:
            self._graph_store("DELETE", graph)
        for graph, data in self.graphs.items():
            if data.strip():
                self._graph_store("PUT", graph, data)
        if self.default.strip():
            self._graph_store("PUT", self.location.default_graph, self.default)
        state = ox.NamedNode(self.location.state_graph)
        triples = [
            ox.Triple(state, ox.NamedNode(f"{self.location.namespace}graph"), ox.NamedNode(g))
            for g in sorted(self.graphs)
        ]
        triples.append(
            ox.Triple(
                state,
                ox.NamedNode(f"{self.location.namespace}generation"),
                ox.Literal(str(generation + 1), datatype=ox.NamedNode(XSD_INTEGER)),
            )
        )
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        self._graph_store("PUT", self.location.state_graph, data)
        forget_generations()  # the state changed behind the service's back

    @contextmanager
    def writable(self) -> Iterator[Published]:
        """The samples, to change within the block."""
        self.reset()
        try:
            yield self.published
        finally:
            self.reset()


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


@contextmanager
def empty_virtuoso_store(server: Virtuoso) -> Iterator[Published]:
    """An empty store on the session's Virtuoso: a namespace of its own; every graph it came to
    manage is dropped afterwards (the next test may use the same graph names)."""
    namespace = f"urn:x-coworkmed:test-{uuid.uuid4()}:"
    location = server.location(namespace=namespace)
    try:
        yield Published("virtuoso", location, {**server.settings(), "store_namespace": namespace})
    finally:
        store = location.client()
        for graph in store.named_graphs():
            store.remove_graph(graph)
        for own in (location.default_graph, location.state_graph):
            store.remove_graph(ox.NamedNode(own))


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
