"""Content negotiation, as tables: which media types each kind of result can be written in."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: media type -> (kind of result it can carry, format name of endpoint.executor.FORMATS)
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


@dataclass(frozen=True)
class Range:
    media_type: str
    q: float

    def matches(self, media_type: str) -> bool:
        kind, _, sub = self.media_type.partition("/")
        wanted_kind, _, wanted_sub = media_type.partition("/")
        return kind in ("*", wanted_kind) and sub in ("*", wanted_sub)

    @property
    def specificity(self) -> int:
        return 2 - self.media_type.count("*")


#: a quality value as RFC 9110 writes it
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def parse_accept(header: str | None) -> list[Range]:
    """The ranges of an Accept header, best first (q, then specificity); malformed parts skipped."""
    if not header or not header.strip():
        return [Range("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        media_type, *parameters = [piece.strip() for piece in part.split(";")]
        if "/" not in media_type:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                # RFC 9110 qvalue: 0 to 1, three decimals at most (not "nan", "1e3", "٠.5")
                q = float(value) if QVALUE.fullmatch(value.strip()) else 0.0
        ranges.append(Range(media_type.lower(), q))
    return sorted(ranges, key=lambda r: (-r.q, -r.specificity))


def choose(ranges: list[Range], kind: str) -> tuple[str, str] | None:
    """The (format, media type) for a result of ``kind``, or None when nothing is acceptable."""
    carrier = "solutions" if kind == "boolean" else kind
    candidates = [(media, fmt) for media, (k, fmt) in MEDIA_TYPES.items() if k == carrier]
    best: tuple[float, int, str, str] | None = None
    for media, fmt in candidates:
        quality = next(((r.q, r.specificity) for r in ranges if r.matches(media)), (0.0, 0))
        if quality[0] <= 0:
            continue
        preferred = fmt == DEFAULTS[kind]
        key = (quality[0], quality[1] + (1 if preferred else 0), fmt, media)
        if best is None or key[:2] > best[:2]:
            best = key
    return (best[2], best[3]) if best else None


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
    html = next((r.q for r in ranges if r.media_type == "text/html"), 0.0)
    rdf = max(
        (
            r.q
            for r in ranges
            for media, (kind, _fmt) in MEDIA_TYPES.items()
            if kind == "graph" and r.matches(media)
        ),
        default=0.0,
    )
    return html > 0 and html > rdf
