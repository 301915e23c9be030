"""The links between the records of one real place (``linking.matching``), rewritten with every
change of the published data: registered by ``publishing`` to run on each commit before the
indicators cube's refresh, so that the graph ``{base}links`` always holds, for every published
space, its canonical place (``cwm:canonicalPlace``, a ``cwm:Place``) and the owl:sameAs links
between the records of a cluster, and the cube counts places of this very generation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from core.rdf_bytes import to_bytes
from linking.places import Place
from observatory.cube import data_graphs

if TYPE_CHECKING:
    from triplestore.backends import TripleStore


def links_graph(base: str) -> str:
    return f"{base}links"


def published_spaces(store: TripleStore, base: str, published: list[ox.NamedNode]) -> list[Place]:
    """Every space of the graphs ``published`` (not the links' own graph), as linking reads it."""
    graphs = [g for g in data_graphs(published, base) if g.value != links_graph(base)]
    default: list[ox.NamedNode | ox.DefaultGraph] = [*graphs] if graphs else [ox.DefaultGraph()]

    def run(sparql: str) -> Iterable[Any]:
        return store.query(sparql, default_graph=default, named_graphs=graphs)

    from linking.matching import read_places  # here: validating a file needs none of it

    return read_places(run, base)


def refresh_links(store: TripleStore, base: str, published: list[ox.NamedNode]) -> None:
    """Recompute the clusters of the published spaces and replace the graph ``{base}links``
    with their canonical places and owl:sameAs links (one transaction)."""
    triples = links_triples(published_spaces(store, base, published), base)
    store.replace_graph(ox.NamedNode(links_graph(base)), to_bytes(triples, ox.RdfFormat.N_TRIPLES))


def links_triples(places: list[Place], base: str) -> list[ox.Triple]:
    """What ``refresh_links`` writes in the graph ``{base}links`` for the published
    ``places``: the canonical places and owl:sameAs links of their clusters."""
    from linking.matching import candidates, clusters, link_graph

    return link_graph(clusters(places, candidates(places, within_sources=True)), base)


def links_current(store: TripleStore, base: str, places: list[Place]) -> bool:
    """Whether the graph ``{base}links`` of ``store`` holds what ``refresh_links`` would write
    now for its published ``places`` (stranger 75: ``link`` published a new generation when
    nothing had changed)."""
    held = set(store.triples(ox.NamedNode(links_graph(base))))
    return held == set(links_triples(places, base))
