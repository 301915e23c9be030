"""Content negotiation, as tables: which media types each kind of result can be written in."""

from __future__ import annotations

import re

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_list_header, parse_options_header

#: media type -> (kind of result it can carry, format name of endpoint.formats.FORMATS)
MEDIA_TYPES: dict[str, tuple[str, str]] = {
    "application/sparql-results+json": ("solutions", "json"),
    "application/json": ("solutions", "json"),
    "application/sparql-results+xml": ("solutions", "xml"),
    "application/xml": ("solutions", "xml"),
    "text/xml": ("solutions", "xml"),
    "text/csv": ("solutions", "csv"),
    "text/tab-separated-values": ("solutions", "tsv"),
    "text/turtle": ("graph", "turtle"),
    "application/x-turtle": ("graph", "turtle"),
    "application/n-triples": ("graph", "ntriples"),
    "text/plain": ("graph", "ntriples"),
    "application/rdf+xml": ("graph", "rdfxml"),
    "application/ld+json": ("graph", "jsonld"),
}
#: what a client gets when it accepts anything (or sends no Accept)
DEFAULTS = {"solutions": "json", "boolean": "json", "graph": "turtle"}
#: ?format= values browsers can put in a link, by kind (the format names of MEDIA_TYPES)
FORMAT_PARAMETER = {
    carrier: {fmt for kind, fmt in MEDIA_TYPES.values() if kind == carrier}
    for carrier in ("solutions", "graph")
}


#: a quality value as RFC 9110 writes it (werkzeug alone would also take "0.5000" or "٠.5")
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


#: a parameter named q, whatever werkzeug made of its value
NAMES_Q = re.compile(r";\s*q\s*(=|;|$)", re.IGNORECASE)


def quality(part: str, parameters: dict[str, str]) -> float:
    """The q of one media range: 1 when it names none, 0 when its value is not an RFC 9110
    qvalue (also when werkzeug dropped the value as malformed, e.g. ``q=`` or ``q=٠.5``)."""
    if "q" in parameters:
        value = parameters["q"]
        return float(value) if QVALUE.fullmatch(value.strip()) else 0.0
    return 0.0 if NAMES_Q.search(part) else 1.0


def parse_accept(header: str | None) -> MIMEAccept:
    """The ranges of an Accept header as werkzeug's ``MIMEAccept`` (most specific, then best q,
    first); malformed parts skipped, parameters other than q ignored, a bad q counting as 0."""
    if not header or not header.strip():
        return MIMEAccept([("*/*", 1.0)])
    ranges = []
    for part in parse_list_header(header):
        media_type, parameters = parse_options_header(part)
        if "/" in media_type:
            ranges.append((media_type.lower(), quality(part, parameters)))
    return MIMEAccept(ranges)


def choose(ranges: MIMEAccept, kind: str) -> tuple[str, str] | None:
    """The (format, media type) for a result of ``kind``, or None when nothing is acceptable:
    werkzeug's best match, the kind's default format winning a tie."""
    carrier = "solutions" if kind == "boolean" else kind
    candidates = [media for media, (k, _fmt) in MEDIA_TYPES.items() if k == carrier]
    candidates.sort(key=lambda media: MEDIA_TYPES[media][1] != DEFAULTS[kind])
    media = ranges.best_match(candidates)
    return (MEDIA_TYPES[media][1], media) if media else None


def formats_for(accept: str | None, format_parameter: str | None) -> dict[str, str | None]:
    """The format each kind of result would be written in, for this request."""
    if format_parameter:
        return {
            kind: format_parameter
            if format_parameter in FORMAT_PARAMETER["graph" if kind == "graph" else "solutions"]
            else None
            for kind in DEFAULTS
        }
    ranges = parse_accept(accept)
    chosen = {kind: choose(ranges, kind) for kind in DEFAULTS}
    return {kind: value[0] if value else None for kind, value in chosen.items()}


def prefers_html(accept: str | None) -> bool:
    """Whether the client names HTML explicitly and likes it better than any RDF format (a
    browser: it is sent to the query page rather than the Turtle service description)."""
    ranges = parse_accept(accept)
    html = max((q for media_type, q in ranges if media_type == "text/html"), default=0.0)
    rdf = max(
        (ranges.quality(media) for media, (kind, _fmt) in MEDIA_TYPES.items() if kind == "graph"),
        default=0.0,
    )
    return html > 0 and html > rdf
