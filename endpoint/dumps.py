"""Dumps of the published graph and the DCAT catalogue that describes them.

``export`` writes, from the current snapshot, a dated pair of gzipped files: N-Quads (every
published graph, with its name) and Turtle (their union), each with its SHA-256 in
``SHA256SUMS``. The server lists them at ``/dumps/`` and serves them; ``/catalog`` is a DCAT
catalogue with one dataset per partner source (its current version), the whole graph as a
dataset whose distributions are the dumps, and the SPARQL endpoint as a data service.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, url_for

from endpoint.execution import QueryRequest
from endpoint.published import run
from endpoint.responses import rdf_answer
from endpoint.urls import external_url
from loaders.rdf import PREFIXES
from triplestore.versions import StoreLocation, default_dataset, open_snapshot, published_graphs

blueprint = Blueprint("dumps", __name__)

#: dump kind -> (file suffix, media type)
KINDS = {"nquads": (".nq.gz", "application/n-quads"), "turtle": (".ttl.gz", "text/turtle")}
CHECKSUMS = "SHA256SUMS"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SPDX = "http://spdx.org/rdf/terms#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Dump:
    name: str
    kind: str
    size: int
    sha256: str


def _write_gzip(path: Path, data: bytes) -> str:
    temporary = path.with_name(path.name + ".part")
    with gzip.open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)  # a half-written dump never shows under its name
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(
    store: StoreLocation | Path | str, base: str, folder: Path, today: dt.date | None = None
) -> list[Dump]:
    """Write today's dumps of what readers see now into ``folder``; return them."""
    generation, store = open_snapshot(store)
    graphs = published_graphs(store, base)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"coworkmed-{(today or dt.date.today()).isoformat()}-g{generation}"
    quads = [
        ox.Quad(triple.subject, triple.predicate, triple.object, graph or ox.DefaultGraph())
        for graph in [None, *graphs]
        for triple in store.triples(graph)
    ]
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    union = store.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        default_graph=default_dataset(graphs),
    )
    turtle = ox.serialize(union, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    written = []
    for kind, data in (("nquads", nquads), ("turtle", turtle)):
        path = folder / f"{stem}{KINDS[kind][0]}"
        written.append(Dump(path.name, kind, 0, _write_gzip(path, data)))
    sums = {dump.name: dump.sha256 for dump in list_dumps(folder)}
    sums.update({dump.name: dump.sha256 for dump in written})
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (folder / CHECKSUMS).write_text(lines, encoding="ascii")
    return [dump for dump in list_dumps(folder) if dump.name.startswith(stem)]


def list_dumps(folder: Path) -> list[Dump]:
    """The dumps of a folder, newest first, with their checksums from SHA256SUMS."""
    sums = {}
    if (folder / CHECKSUMS).is_file():
        for line in (folder / CHECKSUMS).read_text(encoding="ascii").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    dumps = []
    for path in sorted(folder.glob("coworkmed-*.gz"), reverse=True):
        kind = next((k for k, (suffix, _m) in KINDS.items() if path.name.endswith(suffix)), None)
        if kind and path.name in sums:
            dumps.append(Dump(path.name, kind, path.stat().st_size, sums[path.name]))
    return dumps


def _folder() -> Path:
    return Path(current_app.config["COWORKMED"]["dumps"])


@blueprint.get("/dumps/")
def dumps_index() -> Response:
    rows = "".join(
        f'<li><a href="{url_for("dumps.dump", name=d.name)}">{d.name}</a> '
        f"({d.size} bytes, SHA-256 {d.sha256})</li>"
        for d in list_dumps(_folder())
    )
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CoworkMed dumps'
        f'</title><link rel="icon" href="data:,"></head><body><h1>Dumps</h1><ul>{rows}</ul>'
        f'<p><a href="{url_for("dumps.dump", name=CHECKSUMS)}">{CHECKSUMS}</a></p></body></html>'
    )
    return Response(body, mimetype="text/html")


@blueprint.get("/dumps/<name>")
def dump(name: str) -> Response:
    known = {d.name for d in list_dumps(_folder())} | {CHECKSUMS}
    if name not in known or not (_folder() / name).is_file():
        abort(404)
    media = "text/plain" if name == CHECKSUMS else "application/gzip"
    with open(_folder() / name, "rb") as handle:
        data = handle.read()
    return Response(data, mimetype=media)


# ------------------------------------------------------------------------------ DCAT


FOAF = "http://xmlns.com/foaf/0.1/"
SOURCES = f"""CONSTRUCT {{
  ?d a <{DCAT}Dataset> ; <{DCTERMS}title> ?title ; <{DCTERMS}description> ?description ;
     <{DCTERMS}publisher> ?publisher ; <{DCTERMS}license> ?licence ;
     <{DCTERMS}modified> ?modified ; <{DCAT}hasCurrentVersion> ?v .
  ?publisher a <{FOAF}Agent> ; <{FOAF}name> ?publisherName .
}} WHERE {{
  ?d <{DCAT}hasCurrentVersion> ?v .
  OPTIONAL {{ ?d <{DCTERMS}title> ?title }}
  OPTIONAL {{ ?d <{DCTERMS}description> ?description }}
  OPTIONAL {{ ?d <{DCTERMS}modified> ?modified }}
  OPTIONAL {{ ?d <{DCTERMS}publisher> ?publisher .
             OPTIONAL {{ ?publisher <https://schema.org/name> ?publisherName }} }}
  OPTIONAL {{ ?d <{DCTERMS}license> ?licence }}
}}"""
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


def catalogue(base: str, endpoint: str, dumps: list[Dump], dump_url: str) -> list[ox.Triple]:
    """The DCAT catalogue (DCAT-AP 3, checked against shapes/dcat-ap.ttl): one dataset per
    partner source (from the store) and the whole graph, each with a distribution through the
    SPARQL endpoint; the dumps as distributions of the whole graph; the endpoint as a data
    service."""
    sources = run(QueryRequest(SOURCES, {"graph": "ntriples"}, max_rows=1_000_000)).body
    triples = [quad.triple for quad in ox.parse(sources, format=ox.RdfFormat.N_TRIPLES)]
    catalog, whole = ox.NamedNode(f"{base}catalog"), ox.NamedNode(f"{base}dataset")
    service, network = (
        ox.NamedNode(f"{base}service/sparql"),
        ox.NamedNode(f"{base}agency/coworkmed"),
    )
    a = ox.NamedNode(RDF_TYPE)

    def add(s: ox.NamedNode | ox.BlankNode, p: str, o: object) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    def text(value: str) -> ox.Literal:
        return ox.Literal(value, language="en")

    def through_endpoint(dataset: ox.NamedNode) -> None:
        distribution = ox.NamedNode(f"{dataset.value}/sparql")
        add(dataset, DCAT + "distribution", distribution)
        add(distribution, RDF_TYPE, ox.NamedNode(DCAT + "Distribution"))
        add(distribution, DCTERMS + "title", text("Through the SPARQL endpoint"))
        add(distribution, DCAT + "accessURL", ox.NamedNode(endpoint))
        add(distribution, DCAT + "accessService", service)
        add(distribution, DCTERMS + "conformsTo", ox.NamedNode(SPARQL_PROTOCOL))

    add(catalog, RDF_TYPE, ox.NamedNode(DCAT + "Catalog"))
    add(catalog, DCTERMS + "title", text("CoworkMed catalogue"))
    add(catalog, DCTERMS + "description", text(
        "The datasets of the CoworkMed network: coworking spaces and third places of the "
        "partner regions, one dataset per partner source, and the whole graph."
    ))  # fmt: skip
    add(catalog, DCTERMS + "publisher", network)
    add(network, RDF_TYPE, ox.NamedNode(FOAF + "Agent"))
    add(network, FOAF + "name", text("CoworkMed network of partner agencies"))
    kind = ox.NamedNode(DCAT + "Dataset")
    described = {t.subject for t in triples if t.predicate.value == DCTERMS + "description"}
    for dataset in sorted(
        {t.subject for t in triples if (t.predicate, t.object) == (a, kind)}, key=str
    ):
        add(catalog, DCAT + "dataset", dataset)
        if dataset not in described:
            add(dataset, DCTERMS + "description", text(
                "The coworking spaces and third places of one partner source, as last loaded "
                "into the CoworkMed graph from the partner's file."
            ))  # fmt: skip
        through_endpoint(dataset)
    add(catalog, DCAT + "dataset", whole)
    add(catalog, DCAT + "service", service)
    add(whole, RDF_TYPE, ox.NamedNode(DCAT + "Dataset"))
    add(whole, DCTERMS + "title", text("CoworkMed: the whole graph"))
    add(whole, DCTERMS + "description", text(
        "Every published dataset of the network, with the ontology and the code lists."
    ))  # fmt: skip
    add(whole, DCTERMS + "publisher", network)
    through_endpoint(whole)
    for dump_ in dumps:
        distribution = ox.NamedNode(f"{base}dump/{dump_.name}")
        url = ox.NamedNode(dump_url + dump_.name)
        checksum = ox.BlankNode()
        add(whole, DCAT + "distribution", distribution)
        add(distribution, RDF_TYPE, ox.NamedNode(DCAT + "Distribution"))
        add(distribution, DCAT + "accessURL", url)
        add(distribution, DCAT + "downloadURL", url)
        add(distribution, DCAT + "mediaType", ox.NamedNode(
            "http://www.iana.org/assignments/media-types/" + KINDS[dump_.kind][1]
        ))  # fmt: skip
        add(distribution, DCAT + "compressFormat", ox.NamedNode(
            "http://www.iana.org/assignments/media-types/application/gzip"
        ))  # fmt: skip
        size = ox.Literal(str(dump_.size), datatype=ox.NamedNode(XSD + "nonNegativeInteger"))
        digest = ox.Literal(dump_.sha256, datatype=ox.NamedNode(XSD + "hexBinary"))
        add(distribution, DCAT + "byteSize", size)
        add(distribution, SPDX + "checksum", checksum)
        add(checksum, RDF_TYPE, ox.NamedNode(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", digest)
    add(service, RDF_TYPE, ox.NamedNode(DCAT + "DataService"))
    add(service, DCTERMS + "title", text("CoworkMed SPARQL endpoint"))
    add(service, DCAT + "endpointURL", ox.NamedNode(endpoint))
    add(service, DCAT + "endpointDescription", ox.NamedNode(endpoint))
    add(service, DCTERMS + "conformsTo", ox.NamedNode(SPARQL_PROTOCOL))
    add(service, DCAT + "servesDataset", whole)
    return triples


#: prefixes of the Turtle descriptions (VoID, DCAT)
DESCRIPTION_PREFIXES = {
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "spdx": SPDX,
    "void": "http://rdfs.org/ns/void#",
    "xsd": XSD,
    "foaf": FOAF,
}


@blueprint.get("/catalog")
def catalog() -> Response:
    return rdf_answer(
        "the catalogue",
        lambda: catalogue(
            current_app.config["COWORKMED"]["base"],
            external_url("sparql.sparql"),
            list_dumps(_folder()),
            external_url("dumps.dumps_index"),
        ),
        DESCRIPTION_PREFIXES,
    )
