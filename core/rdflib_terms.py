"""rdflib graphs read by pyoxigraph: its parsers are many times faster than rdflib's own.

pyshacl, pyLODE and the vocabulary checks work on rdflib graphs; the files they read (the
ontology, the code lists, the shapes, a submission's N-Triples) are parsed here by pyoxigraph
and each term made into the rdflib term that rdflib's own parser would make (simple literals
stay without a datatype, as rdflib reads them), with the files' prefixes bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from core.namespaces import XSD

XSD_STRING = XSD + "string"

#: a pyoxigraph term -> its rdflib term
Converter = Callable[[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple], Node]


def term_converter() -> Converter:
    """pyoxigraph term -> the rdflib term rdflib's parser would make, each distinct term made
    once; simple literals stay without datatype, as rdflib reads them."""
    terms: dict[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, Node] = {}

    def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        found = terms.get(node)
        if found is None:
            if isinstance(node, ox.NamedNode):
                found = URIRef(node.value)
            elif isinstance(node, ox.BlankNode):
                found = BNode(node.value)
            elif isinstance(node, ox.Triple):
                raise TypeError(f"an RDF-star triple term: {node}")
            elif node.language:
                found = Literal(node.value, lang=node.language)
            elif node.datatype.value == XSD_STRING:
                found = Literal(node.value)
            else:
                found = Literal(node.value, datatype=URIRef(node.datatype.value))
            terms[node] = found
        return found

    return term


def _add(graph: Graph, quads: Iterable[ox.Quad], term: Converter) -> None:
    store = graph.store
    for quad in quads:
        store.add((term(quad.subject), term(quad.predicate), term(quad.object)), graph, False)


def ntriples_graph(ntriples: bytes) -> Graph:
    """An rdflib graph of N-Triples."""
    graph = Graph()
    _add(graph, ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), term_converter())
    return graph


def turtle_graph(paths: Iterable[Path]) -> Graph:
    """One rdflib graph of Turtle files, with their prefixes bound; a blank node label is the
    file's own (pyoxigraph keeps two files' ``_:a`` apart)."""
    graph, term = Graph(), term_converter()
    for path in paths:
        quads = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        _add(graph, quads, term)
        for prefix, namespace in quads.prefixes.items():
            graph.bind(prefix, namespace, override=False)
    return graph
