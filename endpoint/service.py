"""The SPARQL 1.1 Service Description, answered on a GET of /sparql without a query. It lists
only what this service really does: the query language (and the update language when an update
token is configured), the union default graph, the base IRI being the endpoint, and the result
formats of endpoint.formats.FORMATS; it points at the VoID and DCAT descriptions."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from core.namespaces import FORMATS as FORMATS_NS
from core.namespaces import SD, XSD
from core.rdf_templates import fill
from endpoint.formats import FORMATS
from endpoint.truncation import FRAGMENT

FORMAT_IRIS = {
    "json": FORMATS_NS + "SPARQL_Results_JSON",
    "xml": FORMATS_NS + "SPARQL_Results_XML",
    "csv": FORMATS_NS + "SPARQL_Results_CSV",
    "tsv": FORMATS_NS + "SPARQL_Results_TSV",
    "turtle": FORMATS_NS + "Turtle",
    "ntriples": FORMATS_NS + "N-Triples",
    "rdfxml": FORMATS_NS + "RDF_XML",
    "jsonld": FORMATS_NS + "JSON-LD",
    "nquads": FORMATS_NS + "N-Quads",
    "trig": FORMATS_NS + "TriG",
    "n3": FORMATS_NS + "N3",
}


TEMPLATE = Path(__file__).parent / "templates" / "service.ttl"


def named_graphs(dataset: ox.BlankNode | ox.NamedNode, graphs: list[str]) -> list[ox.Triple]:
    """``dataset sd:namedGraph [ a sd:NamedGraph ; sd:name <graph> ]`` for each of ``graphs``."""
    triples = []
    for graph in graphs:
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, ox.NamedNode(SD + "namedGraph"), node),
            ox.Triple(node, RDF_TYPE, ox.NamedNode(SD + "NamedGraph")),
            ox.Triple(node, ox.NamedNode(SD + "name"), ox.NamedNode(graph)),
        ]
    return triples


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def description(
    endpoint_url: str, updates: bool = False, graphs: list[str] | None = None, *, max_rows: int
) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint_url`` (``templates/service.ttl``),
    with the published named ``graphs`` of its default dataset, the Graph Store endpoint and
    the row limit a cut result links to (``endpoint.truncation``: ``#max_rows``)."""
    root = endpoint_url.rsplit("/sparql", 1)[0]
    languages = ["SPARQL11Query", *(["SPARQL11Update"] if updates else [])]
    names = sorted({name for kind in FORMATS.values() for name in kind})
    triples = fill(
        TEMPLATE,
        endpoint=ox.NamedNode(endpoint_url),
        languages=[ox.NamedNode(SD + language) for language in languages],
        void=ox.NamedNode(f"{root}/.well-known/void"),
        catalog=ox.NamedNode(f"{root}/catalog"),
        formats=[ox.NamedNode(FORMAT_IRIS[name]) for name in names],
        graphStore=ox.NamedNode(f"{root}/store"),
        rowLimit=ox.NamedNode(f"{endpoint_url}#{FRAGMENT}"),
        maxRows=ox.Literal(str(max_rows), datatype=ox.NamedNode(XSD + "integer")),
    )
    dataset = next(
        t.subject
        for t in triples
        if t.predicate == RDF_TYPE and t.object == ox.NamedNode(SD + "Dataset")
    )
    assert isinstance(dataset, ox.BlankNode | ox.NamedNode)  # the template's _:dataset
    return triples + named_graphs(dataset, graphs or [])
