"""The VoID description of the published graph, at /.well-known/void (RFC 8615, VoID §7).

Counted with SPARQL over what readers see, once per store generation (the counts change only
when something is published): triples, entities, distinct subjects and objects, a partition per
class (entities) and per property (triples), the SPARQL endpoint, and a linkset per outside
dataset the graph points to (NUTS, GeoNames, Wikidata, OpenStreetMap) with its predicate and
its number of links.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app

from core.namespaces import DCTERMS, GEONAMES, NUTS, OSM, RDF_TYPE, VOID, WIKIDATA
from core.namespaces import RDFS_SEE_ALSO as SEE_ALSO
from endpoint.dumps import DESCRIPTION_PREFIXES, list_dumps
from endpoint.published import Kept, generation, select
from endpoint.responses import rdf_answer
from endpoint.urls import external_url

blueprint = Blueprint("void", __name__)

#: outside datasets the graph links to: name -> (IRI prefix of their resources, their homepage)
LINK_TARGETS = {
    "nuts": (NUTS, "https://ec.europa.eu/eurostat/web/nuts"),
    "geonames": (GEONAMES, "https://www.geonames.org/"),
    "wikidata": (WIKIDATA, "https://www.wikidata.org/"),
    "osm": (OSM, "https://www.openstreetmap.org/"),
}
COUNTS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER (isIRI(?s)) }",
    "distinctSubjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    "distinctObjects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
}
CLASSES = "SELECT ?key (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?key } GROUP BY ?key"
PROPERTIES = "SELECT ?key (COUNT(*) AS ?n) WHERE { ?s ?key ?o } GROUP BY ?key"
#: partition, its key property, the property counting them, the query, what each counts
PARTITIONS = (
    ("classPartition", "class", "classes", CLASSES, "entities"),
    ("propertyPartition", "property", "properties", PROPERTIES, "triples"),
)
LINKS = (
    "SELECT ?key (COUNT(*) AS ?n) WHERE {{ ?s ?key ?o "
    'FILTER (isIRI(?o) && STRSTARTS(STR(?o), "{prefix}")) }} GROUP BY ?key'
)

_KEPT = Kept()


def _rows(sparql: str) -> tuple[list[dict[str, Any]], int]:
    return select(sparql, max_rows=1_000_000)


INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=INTEGER)


def description(dataset: str, endpoint: str) -> list[ox.Triple]:
    """The VoID triples of the published graph (computed once per generation)."""
    return _KEPT.get((dataset, endpoint, generation()), lambda: _counted(dataset, endpoint))


def _counted(dataset: str, endpoint: str) -> list[ox.Triple]:
    first, _generation = _rows(COUNTS["triples"])
    node = ox.NamedNode(dataset)
    triples = [
        ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset")),
        ox.Triple(node, ox.NamedNode(VOID + "sparqlEndpoint"), ox.NamedNode(endpoint)),
        ox.Triple(node, ox.NamedNode(VOID + "triples"), _integer(int(first[0]["n"].value))),
    ]
    for name, sparql in list(COUNTS.items())[1:]:
        rows, _generation = _rows(sparql)
        count = _integer(int(rows[0]["n"].value))
        triples.append(ox.Triple(node, ox.NamedNode(VOID + name), count))
    for kind, key, total, sparql, measure in PARTITIONS:
        rows, _generation = _rows(sparql)
        triples.append(ox.Triple(node, ox.NamedNode(VOID + total), _integer(len(rows))))
        for row in rows:
            part = ox.NamedNode(f"{dataset}/{kind}/{_slug(row['key'].value)}")
            triples += [
                ox.Triple(node, ox.NamedNode(VOID + kind), part),
                ox.Triple(part, ox.NamedNode(VOID + key), row["key"]),
                ox.Triple(part, ox.NamedNode(VOID + measure), _integer(int(row["n"].value))),
            ]
    for name, (prefix, homepage) in LINK_TARGETS.items():
        rows, _generation = _rows(LINKS.format(prefix=prefix))
        target = ox.NamedNode(f"{dataset}/target/{name}")
        for row in rows:
            linkset = ox.NamedNode(f"{dataset}/linkset/{name}/{_slug(row['key'].value)}")
            triples += [
                ox.Triple(node, ox.NamedNode(VOID + "subset"), linkset),
                ox.Triple(linkset, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Linkset")),
                ox.Triple(linkset, ox.NamedNode(VOID + "subjectsTarget"), node),
                ox.Triple(linkset, ox.NamedNode(VOID + "objectsTarget"), target),
                ox.Triple(linkset, ox.NamedNode(VOID + "linkPredicate"), row["key"]),
                ox.Triple(linkset, ox.NamedNode(VOID + "triples"), _integer(int(row["n"].value))),
                ox.Triple(target, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset")),
                ox.Triple(target, ox.NamedNode(VOID + "uriSpace"), ox.Literal(prefix)),
                ox.Triple(target, ox.NamedNode(f"{DCTERMS}source"), ox.NamedNode(homepage)),
            ]
    return triples


def _slug(iri: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in iri.split("://", 1)[-1]).strip("-")


@blueprint.get("/.well-known/void")
def void() -> Response:
    return rdf_answer("the VoID description", _with_dumps, DESCRIPTION_PREFIXES)


def _with_dumps() -> list[ox.Triple]:
    """The VoID description of this generation, with today's dumps and the catalogue."""
    dataset = f"{current_app.config['COWORKMED']['base']}void"
    triples = list(description(dataset, external_url("sparql.sparql")))
    node = ox.NamedNode(dataset)
    for dump in list_dumps(Path(current_app.config["COWORKMED"]["dumps"])):
        url = ox.NamedNode(external_url("dumps.dump", name=dump.name))
        triples.append(ox.Triple(node, ox.NamedNode(VOID + "dataDump"), url))
    catalog = ox.NamedNode(external_url("dumps.catalog"))
    triples.append(ox.Triple(node, ox.NamedNode(SEE_ALSO), catalog))
    return triples
