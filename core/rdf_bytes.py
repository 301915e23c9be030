"""RDF written to bytes with pyoxigraph, typed as bytes, and triples as a store holds them.

``ox.serialize`` returns the bytes when it is given no output (``None`` only when it writes to
a file), but its stubs say ``bytes | None`` for both; ``to_bytes`` is the one place that knows.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox


def to_bytes(
    data: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``data`` serialized in ``format`` (with ``prefixes``, where the format has them)."""
    if prefixes is None:
        body = ox.serialize(data, format=format)
    else:
        body = ox.serialize(data, format=format, prefixes=prefixes)
    assert body is not None, "ox.serialize returns bytes when it is given no output"
    return body


def results_bytes(
    results: ox.QuerySolutions | ox.QueryBoolean, format: ox.QueryResultsFormat
) -> bytes:
    """Query results (solutions or a boolean) serialized in ``format``: bytes, as above."""
    body = results.serialize(format=format)
    assert body is not None, "serialize returns bytes when it is given no output"
    return body


#: the datatype of a plain string, held as written
STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def as_stored(triples: Iterable[ox.Triple]) -> set[ox.Triple]:
    """``triples`` as a store holds them, read back from a store in memory: a typed literal in
    its canonical form ("1.50" of xsd:decimal is held as "1.5", "+05" of xsd:integer as "5",
    "1" of xsd:boolean as "true"), a language tag in lower case. Stranger 67: a PUT of the
    triples a graph held, a number written "1.50", was taken for a change and published a new
    generation each time. Only the triples with such a literal go through the store (80,000
    links: 0.08 s, not 0.45 s)."""
    given = set(triples)
    written = {t for t in given if isinstance(t.object, ox.Literal) and t.object.datatype != STRING}
    if not written:
        return given
    held = ox.Store()
    held.extend(ox.Quad(t.subject, t.predicate, t.object) for t in written)
    return (given - written) | {quad.triple for quad in held}
