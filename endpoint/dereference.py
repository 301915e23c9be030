"""Where an IRI of this server is described, or that it names nothing (issue #20, stranger 42).

Every IRI the service publishes (in a graph of the store, a dump, the VoID description, the
catalogue) answers 303 to a description that mentions it; any other is a 404 at once, for every
client. The kinds of IRI, tried in this order (``linkeddata._described_at``):

- an IRI the store holds triples about (``stored``): its own document, ``/doc/...``;
- the version IRI of a document served whole (the ontology's ``owl:versionIRI``,
  ``{def}0.1.0``): that document (``VERSIONED``);
- an IRI a generated document mints (VoID's partitions, linksets and targets; the catalogue's
  distributions, dumps, service and publisher): that document, when it holds the IRI
  (``GENERATED``), never for a name it could have minted but did not;
- the name of a published graph: its triples (``linkeddata._graph_document``);
- an IRI the published data only points to (a dataset version a newer one replaced: the
  catalogue keeps ``dcat:hasVersion`` and ``dcat:previousVersion`` to it): its own document,
  which gives the triples pointing to it (``pointed_to``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from core.namespaces import CWM, DCAT, DCTERMS, OWL
from endpoint.dumps import catalogue_triples
from endpoint.execution import QueryRequest
from endpoint.published import run
from endpoint.void import void_triples

#: documents served whole (not described by ``/doc/``) -> their path on this server
VERSIONED = {CWM: "/def/"}


@dataclass(frozen=True)
class Generated:
    """A document the server generates: its path, the names under the data base its IRIs
    start with (an IRI elsewhere is never looked for in it: VoID is counted once a generation,
    not for every unknown IRI), and its triples."""

    path: str
    minted: tuple[str, ...]
    triples: Callable[[], list[ox.Triple]]


#: the generated documents and what they mint, the first that holds an IRI describes it
GENERATED = (
    Generated("/.well-known/void", ("void",), void_triples),
    Generated(
        "/catalog", ("catalog", "dataset", "dump/", "agency/", "service/"), catalogue_triples
    ),
)


def _ask(sparql: str) -> bool:
    answer = run(QueryRequest(sparql, {"boolean": "json"}, max_rows=1))
    return json.loads(answer.body)["boolean"] is True


def stored(iri: str) -> bool:
    """Whether the published graph holds a triple about ``iri``."""
    return _ask(f"ASK {{ <{iri}> ?p ?o }}")


def published_graph(iri: str) -> bool:
    """Whether ``iri`` names a published graph that holds a triple (a text that is no IRI
    names none)."""
    try:
        name = ox.NamedNode(iri)
    except ValueError:
        return False
    return _ask(f"ASK {{ GRAPH {name} {{ ?s ?p ?o }} }}")


def pointed_to(iri: str) -> bool:
    """Whether the published graph holds a triple pointing to ``iri``."""
    return _ask(f"ASK {{ ?s ?p <{iri}> }}")


def mentioned(iri: str) -> bool:
    """Whether the published graph holds a triple about ``iri`` or pointing to it."""
    return _ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")


def versioned_document(iri: str) -> str | None:
    """The path of the document served whole whose version IRI ``iri`` is, or None."""
    for document, path in VERSIONED.items():
        if _ask(f"ASK {{ <{document}> <{OWL}versionIRI> <{iri}> }}"):
            return path
    return None


def _mentions(triples: list[ox.Triple], iri: str) -> bool:
    node = ox.NamedNode(iri)
    return any(node in (triple.subject, triple.object) for triple in triples)


def generated_document(base: str, iri: str) -> str | None:
    """The path of the generated document that holds ``iri`` (under the data ``base``)."""
    if not iri.startswith(base):
        return None
    name = iri[len(base) :]
    for document in GENERATED:
        if name.startswith(document.minted) and _mentions(document.triples(), iri):
            return document.path
    return None


def description_query(iri: str) -> str:
    """The CONSTRUCT of ``iri``'s description: its triples and its parts' (the IRIs under it:
    a space's address, geometry, offers); for an IRI the data only points to, the triples
    pointing to it, and, for a dataset version a newer one replaced, that one
    (``dcterms:isReplacedBy``, from the catalogue's ``dcat:previousVersion``) and its dataset's
    current version."""
    node = f"<{iri}>"
    return f"""CONSTRUCT {{
  {node} ?p ?o . ?part ?q ?v . ?s ?r {node} .
  {node} <{DCTERMS}isReplacedBy> ?next . ?dataset <{DCAT}hasCurrentVersion> ?current .
}}
WHERE {{
  {{ {node} ?p ?o }}
  UNION
  {{ {node} ?link ?part . ?part ?q ?v .
     FILTER (isIRI(?part) && STRSTARTS(STR(?part), "{iri}/")) }}
  UNION
  {{ ?s ?r {node} . FILTER NOT EXISTS {{ {node} ?any ?thing }} }}
  UNION
  {{ ?next <{DCAT}previousVersion> {node} }}
  UNION
  {{ ?dataset <{DCAT}hasVersion> {node} ; <{DCAT}hasCurrentVersion> ?current .
     FILTER (?current != {node}) }}
}}"""
