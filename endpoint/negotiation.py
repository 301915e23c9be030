"""Content negotiation, as tables: which media types each kind of result can be written in."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_list_header, parse_options_header

from endpoint.formats import FORMATS

#: media type -> kind of result it can carry -> format name of endpoint.formats.FORMATS. The
#: formats' own media types (``CANONICAL``) are matched by wildcards too; the other names here
#: (aliases) only when a client names them, and the answer then carries the name it asked for
MEDIA_TYPES: dict[str, dict[str, str]] = {
    "application/sparql-results+json": {"solutions": "json"},
    "application/json": {"solutions": "json", "graph": "jsonld"},
    "application/sparql-results+xml": {"solutions": "xml"},
    # XML asked of a graph is RDF/XML (stranger 78: a CONSTRUCT asked as application/xml was
    # written Turtle, as for a client that asks results types of every query)
    "application/xml": {"solutions": "xml", "graph": "rdfxml"},
    "text/xml": {"solutions": "xml", "graph": "rdfxml"},
    "text/csv": {"solutions": "csv"},
    "text/tab-separated-values": {"solutions": "tsv"},
    "text/turtle": {"graph": "turtle"},
    "application/x-turtle": {"graph": "turtle"},
    "application/turtle": {"graph": "turtle"},
    "application/n-triples": {"graph": "ntriples"},
    "text/plain": {"graph": "ntriples"},
    "application/rdf+xml": {"graph": "rdfxml"},
    "application/ld+json": {"graph": "jsonld"},
    "application/x-json+ld": {"graph": "jsonld"},
    "application/n-quads": {"graph": "nquads"},
    "text/x-nquads": {"graph": "nquads"},  # the names before their registration (stranger 42)
    "application/trig": {"graph": "trig"},
    "application/x-trig": {"graph": "trig"},
    "text/n3": {"graph": "n3"},
    "text/rdf+n3": {"graph": "n3"},
    "application/n3": {"graph": "n3"},
}
#: each kind's formats, best first: the first is what a client gets when it accepts anything
PREFERENCE: dict[str, tuple[str, ...]] = {
    "solutions": ("json", "xml", "csv", "tsv"),
    "graph": ("turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig", "n3"),
}
PREFERENCE["boolean"] = PREFERENCE["solutions"]
#: what a client gets when it accepts anything (or sends no Accept)
DEFAULTS = {kind: formats[0] for kind, formats in PREFERENCE.items()}
#: the media types a wildcard (``*/*``, ``text/*``) stands for: the formats' own
CANONICAL = frozenset(media for kind in FORMATS.values() for _fmt, media in kind.values())

#: a ``format=`` or ``output=`` value, as clients send it (SPARQLWrapper: ``xml``, ``n3``,
#: ``json-ld``, ``rdf+xml`` and full media types; Fuseki-style ``output=json``; the short names
#: this server's own links use) -> kind of result -> format name. A value that names no format
#: of a kind makes that kind 406; a full media type means what it means in ``Accept``.
FORMAT_VALUES: dict[str, dict[str, str]] = {
    "json": {"solutions": "json", "graph": "jsonld"},
    "xml": {"solutions": "xml", "graph": "rdfxml"},
    "csv": {"solutions": "csv"},
    "tsv": {"solutions": "tsv"},
    "turtle": {"graph": "turtle"},
    "ttl": {"graph": "turtle"},
    "n3": {"graph": "n3"},
    "ntriples": {"graph": "ntriples"},
    "n-triples": {"graph": "ntriples"},
    "nt": {"graph": "ntriples"},
    "rdfxml": {"graph": "rdfxml"},
    "rdf+xml": {"graph": "rdfxml"},
    "rdf": {"graph": "rdfxml"},
    "jsonld": {"graph": "jsonld"},
    "json-ld": {"graph": "jsonld"},
    "nquads": {"graph": "nquads"},
    "n-quads": {"graph": "nquads"},
    "nq": {"graph": "nquads"},
    "trig": {"graph": "trig"},
    **MEDIA_TYPES,
}
#: the request parameters that name a format (``format``: Virtuoso, SPARQLWrapper; ``output``:
#: Fuseki, SPARQLer, SPARQLWrapper)
FORMAT_PARAMETERS = ("format", "output")


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


#: how specific a media range is: a named type, ``type/*``, ``*/*``
def specificity(media_range: str) -> int:
    return 0 if media_range == "*/*" else 1 if media_range.endswith("/*") else 2


def matches(media_range: str, media_type: str) -> bool:
    """Whether ``media_range`` takes ``media_type``: by name, or, for a wildcard, when the type
    is one of the formats' own (``CANONICAL``) within the range."""
    if media_range == media_type:
        return True
    if media_type not in CANONICAL:
        return False
    return media_range == "*/*" or (
        media_range.endswith("/*") and media_type.startswith(media_range[:-1])
    )


def accepted(ranges: MIMEAccept, media_type: str) -> tuple[float, int]:
    """(q, specificity) of ``media_type`` under ``ranges``: the q of the most specific range
    that takes it (RFC 9110 12.5.1), so ``text/csv;q=0, */*`` excludes CSV; (0, -1) when none."""
    taking = [(specificity(r), q) for r, q in ranges if matches(r, media_type)]
    if not taking:
        return 0.0, -1
    most = max(level for level, _q in taking)
    return max(q for level, q in taking if level == most), most


def choose(ranges: MIMEAccept, kind: str) -> tuple[str, str] | None:
    """The (format, media type) for a result of ``kind``, or None when nothing is acceptable:
    the best q, then the most specific range, then the kind's ``PREFERENCE``, then the format's
    own media type before an alias."""
    carrier = "solutions" if kind == "boolean" else kind
    order = PREFERENCE[kind]
    best: tuple[tuple[float, int, int, bool], str, str] | None = None
    for media, kinds in MEDIA_TYPES.items():
        if carrier not in kinds:
            continue
        q, level = accepted(ranges, media)
        if q <= 0:
            continue
        score = (q, level, -order.index(kinds[carrier]), media in CANONICAL)
        if best is None or score > best[0]:
            best = (score, kinds[carrier], media)
    return None if best is None else (best[1], best[2])


def names_only_results(ranges: MIMEAccept) -> bool:
    """Whether every range ``ranges`` accept is a named SPARQL results type (no RDF type and no
    wildcard): what a client that reads every answer as results sends for any query (rdflib's
    SPARQLStore in its json mode)."""
    named = [media for media, q in ranges if q > 0]
    return bool(named) and all(
        "graph" not in MEDIA_TYPES.get(media, {"graph": ""}) for media in named
    )


def unrefused(ranges: MIMEAccept, kind: str) -> tuple[str, str] | None:
    """The first of ``kind``'s formats (``PREFERENCE``) that no range of ``ranges`` names or
    covers, so that none refuses it with q=0; None when each is refused."""
    for name in PREFERENCE[kind]:
        media = FORMATS[kind][name][1]
        if accepted(ranges, media)[1] < 0:
            return name, media
    return None


def _parameter_values(values: str | Sequence[str] | None) -> list[str]:
    """The format names and media types ``values`` give, lower case, without their parameters.
    A ``+`` typed in a URL (``format=application/sparql-results+json``, ``format=rdf+xml``)
    arrives as a space, as a query string decodes it; a media type holds no space, so a space
    between its words is read as the ``+`` it was (stranger 110: a 406 that offered the very
    type asked for)."""
    listed = [values] if isinstance(values, str) else list(values or ())
    return [
        "+".join(parse_options_header(value)[0].lower().split())
        for value in listed
        if value.strip()
    ]


#: the longest Accept whose choices are remembered (clients send a handful of Accept values,
#: again and again: working them out took ~40 microseconds of each /sparql request)
MOST_REMEMBERED = 1024


@functools.lru_cache(maxsize=256)
def _by_accept(accept: str | None) -> dict[str, tuple[str, str] | None]:
    """What ``negotiate`` chooses by ``accept`` alone (no format parameter)."""
    ranges = parse_accept(accept)
    chosen = {kind: choose(ranges, kind) for kind in DEFAULTS}
    if chosen["graph"] is None and names_only_results(ranges):
        chosen["graph"] = unrefused(ranges, "graph")
    return chosen


def negotiate(
    accept: str | None, format_values: str | Sequence[str] | None = None
) -> dict[str, tuple[str, str] | None]:
    """The (format, media type) each kind of result would be written in, for this request:
    by the ``format=``/``output=`` values when there are any (the first that names a format of
    the kind; ``FORMAT_VALUES``), else by ``accept``. A graph asked with an Accept that names
    only SPARQL results types is written in the first RDF format the Accept does not refuse
    (Turtle, unless ``text/*;q=0``...), not refused: the client reads the Content-Type."""
    values = _parameter_values(format_values)
    chosen: dict[str, tuple[str, str] | None] = {}
    if not values:
        if len(accept or "") <= MOST_REMEMBERED:  # no Accept too: the same choice each time
            return dict(_by_accept(accept))
        return _by_accept.__wrapped__(accept)
    for kind in DEFAULTS:
        carrier = "solutions" if kind == "boolean" else kind
        names = [FORMAT_VALUES.get(v, {}).get(carrier) for v in values]
        name = next((n for n in names if n is not None), None)
        chosen[kind] = None if name is None else (name, FORMATS[kind][name][1])
    return chosen


def formats_for(
    accept: str | None, format_values: str | Sequence[str] | None = None
) -> dict[str, str | None]:
    """The format name each kind of result would be written in, for this request."""
    return {kind: c[0] if c else None for kind, c in negotiate(accept, format_values).items()}


#: the format values that ask for a page, not RDF
HTML_VALUES = frozenset({"html", "text/html"})


def asks_html(values: Sequence[str]) -> bool:
    """Whether format values (``format_values``) ask for the HTML page (``format=html``,
    ``output=text/html``)."""
    return not HTML_VALUES.isdisjoint(_parameter_values(values))


def format_values(args: MultiDict[str, str]) -> list[str]:
    """The values of a request's format-naming parameters (``FORMAT_PARAMETERS``), in order."""
    return [value for name in FORMAT_PARAMETERS for value in args.getlist(name)]


#: RFC 9457's problem details, which an error is written as for a client that names them
PROBLEM_JSON = "application/problem+json"


def prefers_problem(accept: str | None) -> bool:
    """Whether the client names ``application/problem+json`` itself (no wildcard takes it) and
    weighs it no lower than plain text, the errors' other form (RFC 9457, 3)."""
    ranges = parse_accept(accept)
    named = max((q for media_type, q in ranges if media_type == PROBLEM_JSON), default=0.0)
    text = max(
        (q for media_type, q in ranges if media_type in ("text/plain", "text/*", "*/*")),
        default=0.0,
    )
    return named > 0 and named >= text


def prefers_html(accept: str | None) -> bool:
    """Whether the client names HTML explicitly and likes it better than any RDF format (a
    browser: it is sent to the query page rather than the Turtle service description)."""
    ranges = parse_accept(accept)
    html = max((q for media_type, q in ranges if media_type == "text/html"), default=0.0)
    rdf = max(
        (accepted(ranges, media)[0] for media, kinds in MEDIA_TYPES.items() if "graph" in kinds),
        default=0.0,
    )
    return html > 0 and html > rdf
