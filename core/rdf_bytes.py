"""RDF written to bytes with pyoxigraph, typed as bytes.

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
