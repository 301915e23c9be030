"""The IRI namespaces the project writes and reads, each defined once.

Every module takes its namespaces from here as plain strings (``CWM + "Space"``); the
``PREFIXES`` table gives the prefixed names of the mapping and the graph (``cwm:floorArea``) and
the prefixes of the Turtle the service writes. Terms used in several places (``RDF_TYPE``) are
here too; a term one module needs stays in that module, built from its namespace.
"""

from __future__ import annotations

# -- the project's own
#: the ontology (classes and properties); also the name of its graph
CWM = "https://w3id.org/coworkmed/def/"
#: the SHACL shapes
CWMSH = "https://w3id.org/coworkmed/shapes/"
#: the SKOS code lists (``CODE + "space-kind"`` is a scheme)
CODE = "https://w3id.org/coworkmed/code/"
#: the data (spaces, datasets, versions): the default of the ``base`` setting
DEFAULT_DATA_BASE = "https://w3id.org/coworkmed/id/"

# -- W3C and other vocabularies
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"
LOCN = "http://www.w3.org/ns/locn#"
SD = "http://www.w3.org/ns/sparql-service-description#"
#: the W3C's names of the result and RDF formats (``FORMATS + "Turtle"``)
FORMATS = "http://www.w3.org/ns/formats/"
DCTERMS = "http://purl.org/dc/terms/"
QB = "http://purl.org/linked-data/cube#"
VANN = "http://purl.org/vocab/vann/"
VOID = "http://rdfs.org/ns/void#"
SPDX = "http://spdx.org/rdf/terms#"
FOAF = "http://xmlns.com/foaf/0.1/"
#: Creative Commons Rights Expression Language (``cc:attributionName``: the attribution asked for)
CC = "http://creativecommons.org/ns#"
SCHEMA = "https://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"

# -- datasets the data links to
#: the NUTS datasets (regions are under ``NUTS_CODE``)
NUTS = "http://data.europa.eu/nuts/"
NUTS_CODE = NUTS + "code/"
#: the EU's authority table of countries (``EU_COUNTRY + "FRA"``)
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"
GEONAMES = "https://sws.geonames.org/"
WIKIDATA = "http://www.wikidata.org/entity/"
OSM = "https://www.openstreetmap.org/"
#: IANA's registry of media types (``IANA_MEDIA_TYPES + "text/csv"``)
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

# -- terms used in several modules
RDF_TYPE = RDF + "type"
RDFS_SEE_ALSO = RDFS + "seeAlso"

#: prefix -> namespace of the prefixed names of the mappings and of the Turtle dumps
PREFIXES = {
    "cwm": CWM,
    "schema": SCHEMA,
    "locn": LOCN,
    "geo": GEO,
    "prov": PROV,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "xsd": XSD,
    "spdx": SPDX,
    "foaf": FOAF,
    "owl": OWL,
}


def sparql_prefixes(*names: str) -> str:
    """``PREFIX name: <namespace>`` lines for a SPARQL query, one a line, in the order given."""
    known = {**PREFIXES, "rdfs": RDFS, "skos": SKOS, "qb": QB, "sh": SH, "void": VOID}
    return "".join(f"PREFIX {name}: <{known[name]}>\n" for name in names)
