"""The SPARQL 1.1 Service Description, answered on a GET of /sparql without a query. It lists
only what this service really does: the query language (and the update language when an update
token is configured), the union default graph, the base IRI being the endpoint, and the result
formats of endpoint.formats.FORMATS; it points at the VoID and DCAT descriptions."""

from __future__ import annotations

import pyoxigraph as ox

from core.namespaces import FORMATS as FORMATS_NS
from core.namespaces import RDF_TYPE, RDFS_SEE_ALSO, SD
from endpoint.formats import FORMATS

FORMAT_IRIS = {
    "json": FORMATS_NS + "SPARQL_Results_JSON",
    "xml": FORMATS_NS + "SPARQL_Results_XML",
    "csv": FORMATS_NS + "SPARQL_Results_CSV",
    "tsv": FORMATS_NS + "SPARQL_Results_TSV",
    "turtle": FORMATS_NS + "Turtle",
    "ntriples": FORMATS_NS + "N-Triples",
    "rdfxml": FORMATS_NS + "RDF_XML",
    "jsonld": FORMATS_NS + "JSON-LD",
}


def description(endpoint_url: str, updates: bool = False) -> list[ox.Triple]:
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    graph = ox.BlankNode("defaultGraph")
    a = ox.NamedNode(RDF_TYPE)
    triples = [
        ox.Triple(service, a, ox.NamedNode(SD + "Service")),
        ox.Triple(service, ox.NamedNode(SD + "endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(
            service, ox.NamedNode(SD + "supportedLanguage"), ox.NamedNode(SD + "SPARQL11Query")
        ),
        ox.Triple(service, ox.NamedNode(SD + "feature"), ox.NamedNode(SD + "UnionDefaultGraph")),
        ox.Triple(service, ox.NamedNode(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, ox.NamedNode(SD + "Dataset")),
        ox.Triple(dataset, ox.NamedNode(SD + "defaultGraph"), graph),
        ox.Triple(graph, a, ox.NamedNode(SD + "Graph")),
    ]
    root = endpoint_url.rsplit("/sparql", 1)[0]
    for described in (f"{root}/.well-known/void", f"{root}/catalog"):
        see_also = ox.NamedNode(RDFS_SEE_ALSO)
        triples.append(ox.Triple(service, see_also, ox.NamedNode(described)))
    if updates:
        language = ox.NamedNode(SD + "SPARQL11Update")
        triples.append(ox.Triple(service, ox.NamedNode(SD + "supportedLanguage"), language))
    names = {name for kind in FORMATS.values() for name in kind}
    triples += [
        ox.Triple(service, ox.NamedNode(SD + "resultFormat"), ox.NamedNode(FORMAT_IRIS[name]))
        for name in sorted(names)
    ]
    return triples
