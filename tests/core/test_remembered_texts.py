"""What ``core.sparql_text`` remembers of the texts it read stays bounded whatever clients send
(regression: remembering more texts, to answer a query asked again without reading it again,
must not let a client fill the server's memory with long texts), and a remembered reading is
the reading."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest

from core.sparql_text import (
    REMEMBERED_CHARS,
    REMEMBERED_TEXTS,
    measure,
    remote_access,
    vendor_call,
    volatile,
    without_dataset_clauses,
)

#: texts built to make the most tokens per character (each a distinct text: ``{n}`` numbers it)
HEAVY: dict[str, Callable[[int, int], str]] = {
    "braces": lambda n, size: f"# {n}\n" + "{}" * (size // 2),
    "words": lambda n, size: f"# {n}\n" + "a " * (size // 2),
    "prefixed names": lambda n, size: f"# {n}\n" + "p:x " * (size // 4),
    "variables": lambda n, size: f"# {n}\n" + "?v " * (size // 3),
}


def _read(text: str) -> None:
    """What a query's checks and rewrites read of it (``endpoint.sparql.check_text``, the
    external store's rewrites)."""
    measure(text)
    remote_access(text)
    vendor_call(text, "http://127.0.0.1/sparql")
    volatile(text)
    without_dataset_clauses(text)


def _grown_by(texts: list[str]) -> float:
    """MB still held after reading ``texts``."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for text in texts:
            _read(text)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / 1e6
    finally:
        tracemalloc.stop()


@pytest.mark.slow  # tracemalloc: 5-15 s a kind
@pytest.mark.parametrize("kind", HEAVY)
def test_what_is_remembered_stays_bounded(kind: str) -> None:
    make = HEAVY[kind]
    # the most a client can have remembered: as many texts as are kept, each as long as kept
    longest = [make(n, REMEMBERED_CHARS - 16) for n in range(REMEMBERED_TEXTS + 8)]
    assert all(len(text) <= REMEMBERED_CHARS for text in longest)
    assert _grown_by(longest) < 60
    # longer texts are read each time and kept by no one (8 of 40 KB held 20 to 40 MB before)
    longer = [make(n, 40_000) for n in range(REMEMBERED_TEXTS + 8, REMEMBERED_TEXTS + 18)]
    assert _grown_by(longer) < 2


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { ?s ?p ?o FILTER(?o < NOW()) }",
        "SELECT * { ?s ?p 'NOW()' }",  # a word in a string is no call
        "SELECT * { ?s ?p <urn:RAND> }",  # nor in an IRI
        "SELECT (STRUUID() AS ?u) {}",
        "SELECT * { ?s ?p ?o } # NOW()",  # nor in a comment
        "SELECT * { ?s <urn:straße> ?o BIND(rand() AS ?r) }",  # "ß".upper() is "SS"
        "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o } LIMIT 1",
    ],
)
def test_a_remembered_reading_is_the_reading(text: str) -> None:
    first = (measure(text), remote_access(text), volatile(text), without_dataset_clauses(text))
    again = (measure(text), remote_access(text), volatile(text), without_dataset_clauses(text))
    fresh = text + " "  # the same query, another text: read afresh
    afresh = (measure(fresh), remote_access(fresh), volatile(fresh))
    assert first == again
    assert first[:3] == afresh
