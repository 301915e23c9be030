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
    dataset_clauses,
    declared_versions,
    lists,
    measure,
    remote_access,
    store_own_syntax,
    total_order,
    volatile,
    without_dataset_clauses,
)
from triplestore.backends.sparql import _query_field

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
    store_own_syntax(text, "http://127.0.0.1/sparql")
    volatile(text)
    without_dataset_clauses(text)
    lists(text)
    dataset_clauses(text, "http://127.0.0.1/sparql")
    declared_versions(text)
    total_order(text)
    _query_field(text)


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
        "SELECT ?o FROM <urn:g> FROM NAMED <urn:n> { ?s ?p ?o } ORDER BY ?o",
        'VERSION "1.2" SELECT (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n)',
    ],
)
def test_a_remembered_reading_is_the_reading(text: str) -> None:
    """Read twice, a text reads the same; the same query written another way is read afresh
    and reads the same too; a reading handed out and changed does not change what is kept."""

    def read(text: str) -> tuple[object, ...]:
        return (
            measure(text),
            remote_access(text),
            volatile(text),
            lists(text),
            dataset_clauses(text),
            declared_versions(text),
        )

    first = (*read(text), without_dataset_clauses(text), total_order(text), _query_field(text))
    lists(text).clear()  # what a caller does with its copy
    declared_versions(text).append("9.9")
    again = (*read(text), without_dataset_clauses(text), total_order(text), _query_field(text))
    fresh = text + " "  # the same query, another text: read afresh
    assert first == again
    assert read(text) == read(fresh)
