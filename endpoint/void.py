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
from flask import Blueprint, Response, current_app, render_template

from core.namespaces import GEONAMES, NUTS, OSM, WIKIDATA
from core.rdf_templates import fill
from endpoint.dumps import DESCRIPTION_PREFIXES, served, source_descriptions, whole_rights
from endpoint.execution import QueryError
from endpoint.published import Kept, generation, select
from endpoint.responses import error, rdf_answer, read_headers, reader_language
from endpoint.urls import external_url
from endpoint.views import view_words, void_view, wants_page

blueprint = Blueprint("void", __name__)

TEMPLATES = Path(__file__).parent / "templates"
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
#: partition (``templates/void-{kind}.ttl``) -> the count of them the dataset gives, its query
PARTITIONS = {"class": ("classes", CLASSES), "property": ("properties", PROPERTIES)}
LINKS = (
    "SELECT ?key (COUNT(*) AS ?n) WHERE {{ ?s ?key ?o "
    'FILTER (isIRI(?o) && STRSTARTS(STR(?o), "{prefix}")) }} GROUP BY ?key'
)

_KEPT = Kept(again={"counts": lambda dataset, endpoint: description(dataset, endpoint)})


def _rows(sparql: str) -> tuple[list[dict[str, Any]], int]:
    return select(sparql, max_rows=1_000_000)


INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=INTEGER)


def description(dataset: str, endpoint: str) -> list[ox.Triple]:
    """The VoID triples of the published graph (computed once per generation)."""
    return _KEPT.get(
        ("counts", generation(), dataset, endpoint), lambda: _counted(dataset, endpoint)
    )


def _count(sparql: str) -> ox.Literal:
    rows, _generation = _rows(sparql)
    return _integer(int(rows[0]["n"].value))


def _counted(dataset: str, endpoint: str) -> list[ox.Triple]:
    node = ox.NamedNode(dataset)
    counts = {name: _count(sparql) for name, sparql in COUNTS.items()}
    partitions = {kind: _rows(sparql)[0] for kind, (_total, sparql) in PARTITIONS.items()}
    for kind, (total, _sparql) in PARTITIONS.items():
        counts[total] = _integer(len(partitions[kind]))
    triples = fill(TEMPLATES / "void.ttl", dataset=node, endpoint=ox.NamedNode(endpoint), **counts)
    for kind, rows in partitions.items():
        for row in rows:
            part = ox.NamedNode(f"{dataset}/{kind}Partition/{_slug(row['key'].value)}")
            triples += fill(
                TEMPLATES / f"void-{kind}.ttl",
                dataset=node,
                partition=part,
                key=row["key"],
                count=_integer(int(row["n"].value)),
            )
    for name, (prefix, homepage) in LINK_TARGETS.items():
        rows, _generation = _rows(LINKS.format(prefix=prefix))
        for row in rows:
            triples += fill(
                TEMPLATES / "void-linkset.ttl",
                dataset=node,
                linkset=ox.NamedNode(f"{dataset}/linkset/{name}/{_slug(row['key'].value)}"),
                target=ox.NamedNode(f"{dataset}/target/{name}"),
                predicate=row["key"],
                count=_integer(int(row["n"].value)),
                prefix=ox.Literal(prefix),
                homepage=ox.NamedNode(homepage),
            )
    return triples


def _slug(iri: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in iri.split("://", 1)[-1]).strip("-")


@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID description: RDF for RDF clients, a page for browsers (``?format=html``)."""
    if not wants_page():
        return rdf_answer("the VoID description", void_triples, DESCRIPTION_PREFIXES)
    lang = reader_language()
    dataset = f"{current_app.config['COWORKMED']['base']}void"
    try:
        view = void_view(void_triples(), dataset, lang)
    except QueryError as problem:
        return error(problem.status, problem.message)
    body = render_template("void.html", lang=lang, words=view_words(lang), view=view)
    return read_headers(Response(body, mimetype="text/html"))


def void_triples() -> list[ox.Triple]:
    """The VoID description of this generation, with its dumps (``endpoint.dumps.served``: the
    current generation's, or the previous complete set while those are being written) and the
    catalogue."""
    dataset = f"{current_app.config['COWORKMED']['base']}void"
    triples = list(description(dataset, external_url("sparql.sparql")))
    node = ox.NamedNode(dataset)
    dumps = served().dumps
    if dumps:
        urls = [ox.NamedNode(external_url("dumps.dump", name=dump.name)) for dump in dumps]
        triples += fill(TEMPLATES / "void-dumps.ttl", dataset=node, dumps=urls)
    triples += whole_rights(node, source_descriptions())
    catalog = ox.NamedNode(external_url("dumps.catalog"))
    return triples + fill(TEMPLATES / "void-catalog.ttl", dataset=node, catalog=catalog)
