"""A result cut at ``max_rows`` says so in its body too, where the format has a place for it
that clients skip: SPARQL JSON and XML results a ``link`` in their head (SPARQL 1.1 Query
Results JSON section 3.1, XML section 2.2: a link to metadata about the results), Turtle,
N-Triples, N-Quads, TriG and N3 a comment line first, RDF/XML a comment after its XML
declaration. CSV, TSV and JSON-LD have no such place: the ``Result-Truncated`` header (exposed
to web pages) says it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.sax.saxutils import quoteattr

#: the fragment of the service's /sparql URL that the ``link`` of a cut result names
FRAGMENT = "max_rows"


def _json_link(body: bytes, note: str, link: str) -> bytes:
    # the head is the first object: {"head":{"vars":[...]} -- variable names hold no brace
    end = body.index(b"}")
    return body[:end] + b',"link":' + json.dumps([link]).encode("utf-8") + body[end:]


def _xml_link(body: bytes, note: str, link: str) -> bytes:
    end = body.index(b"</head>")
    return body[:end] + f"<link href={quoteattr(link)}/>".encode() + body[end:]


def _comment_first(body: bytes, note: str, link: str) -> bytes:
    return f"# {note} ({link})\n".encode() + body


def _xml_comment(body: bytes, note: str, link: str) -> bytes:
    declaration = body.index(b"?>") + 2 if body.startswith(b"<?xml") else 0
    text = f"{note} ({link})".replace("--", "- -")  # "--" may not appear in an XML comment
    return body[:declaration] + f"\n<!-- {text} -->".encode() + body[declaration:]


#: media type -> how a cut result of that type says so in its body
NOTES: dict[str, Callable[[bytes, str, str], bytes]] = {
    "application/sparql-results+json": _json_link,
    "application/sparql-results+xml": _xml_link,
    "text/turtle": _comment_first,
    "application/n-triples": _comment_first,
    "application/n-quads": _comment_first,
    "application/trig": _comment_first,
    "text/n3": _comment_first,
    "application/rdf+xml": _xml_comment,
}


def noted(body: bytes, media_type: str, note: str, service: str) -> bytes:
    """``body`` of a cut result with ``note`` in it, and a link to ``service``'s ``max_rows``
    (unchanged for the formats without a place for it)."""
    write = NOTES.get(media_type)
    link = f"{service}#{FRAGMENT}"
    return body if write is None else write(body, note, link)
