"""A long operation text is read once per request, not once per check (issue #20, stranger 86:
a 350 KB query was tokenised eleven times by the server's checks and again by the worker's
rewrites, 3.7 s against 0.2 s in the engine), what is held is the reading, and nothing is
held once the request is answered. The time is measured by bench/bench_large_queries.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import sparql_text
from core.sparql_text import (
    REMEMBERED_CHARS,
    dataset_clauses,
    declared_versions,
    lists,
    measure,
    one_text,
    prologues,
    remote_access,
    sparql_12_feature,
    store_own_syntax,
    total_order,
    volatile,
    without_dataset_clauses,
)

#: long texts of each shape a study sends (each longer than what is remembered across requests)
LONG: dict[str, str] = {
    "an IN list": "ASK { FILTER(1 IN (" + ",".join(map(str, range(3_000))) + ")) }",
    "VALUES of IRIs, ordered": "SELECT ?s { VALUES ?s { "
    + " ".join(f"<urn:s:{i}>" for i in range(800))
    + " } ?s ?p ?o } ORDER BY ?s",
    "a dataset and prefixes": "PREFIX ex: <http://example.org/>\n"
    + "".join(f"FROM <urn:g:{i}> " for i in range(300))
    + "SELECT * { ?s ex:p ?o } GROUP BY ?s",
    "one long string": 'SELECT (STRLEN("' + "é" * 9_000 + '") AS ?n) { }',
    "comments": "".join(f"# line {i}\n" for i in range(600)) + "SELECT * { ?s ?p ?o }",
    "an update": "INSERT DATA { "
    + " ".join(f"<urn:s:{i}> <urn:p> {i} ." for i in range(400))
    + " }",
}


def _checks(text: str) -> tuple[object, ...]:
    """What the server's checks and the worker's rewrites read of a text."""
    return (
        measure(text),
        lists(text),
        remote_access(text),
        store_own_syntax(text, "http://127.0.0.1/sparql"),
        volatile(text),
        declared_versions(text),
        sparql_12_feature(text),
        dataset_clauses(text, "http://127.0.0.1/sparql"),
        without_dataset_clauses(text),
        prologues(text),
        total_order(text),
    )


class _Counting:
    """``_TOKEN`` with a count of the whole readings of long texts it made."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.whole: list[int] = []

    def finditer(self, text: str, start: int = 0) -> Iterator[re.Match[str]]:
        if start == 0 and len(text) > REMEMBERED_CHARS:
            self.whole.append(len(text))
        return self.pattern.finditer(text, start)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    counting = _Counting(sparql_text._TOKEN)
    monkeypatch.setattr(sparql_text, "_TOKEN", counting)
    return counting


@pytest.mark.parametrize("shape", LONG)
def test_a_long_text_is_read_once_while_held(shape: str, counted: _Counting) -> None:
    text = LONG[shape]
    assert len(text) > REMEMBERED_CHARS
    plain = _checks(text)
    assert len(counted.whole) > 1  # each check reads it again (why it is held)
    counted.whole.clear()
    with one_text():
        held = _checks(text)
        assert _checks(text) == held
    assert len(counted.whole) <= 1
    assert held == plain  # what is held is the reading
    assert sparql_text._held.readings is None  # and nothing is kept once left


def test_only_the_first_long_text_is_held(counted: _Counting) -> None:
    first, second = LONG["an IN list"], LONG["comments"]
    with one_text():
        _checks(first)
        _checks(second)  # another text in the same request: read each time, not held
        _checks(first)
        assert sparql_text._held.text == first
    assert counted.whole.count(len(first)) == 1
    assert counted.whole.count(len(second)) > 1


def test_holds_nest_and_threads_hold_their_own() -> None:
    import threading

    seen: list[object] = []
    with one_text():
        measure(LONG["an IN list"])
        worker = threading.Thread(target=lambda: seen.append(sparql_text._held.readings))
        worker.start()
        worker.join()
        with one_text():
            assert sparql_text._held.text is None
        assert sparql_text._held.text == LONG["an IN list"]
    assert seen == [None]


#: strings and IRIs as the SPARQL 1.1 grammar (19.8) writes them, one character or escape at a
#: time: the scanner reads runs of plain characters (linear on a long literal), the same language
REFERENCE: dict[str, re.Pattern[str]] = {
    "string": re.compile(
        r'"""(?:[^"\\]|\\.|"(?!""))*"""'
        r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
        r'|"(?:[^"\\\n\r]|\\[tbnrf\\"' + "']|" + r'\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*"'
        r"|'(?:[^'\\\n\r]|\\[tbnrf\\\"']|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*'",
        re.DOTALL,
    ),
    "iri": re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'),
}
OPENERS: dict[str, Callable[[str], bool]] = {
    "string": lambda c: c in "\"'",
    "iri": lambda c: c == "<",
}


@given(st.text(alphabet="\"'\\<>tbnuU0aF1 \n{}#x", max_size=40))
def test_strings_and_iris_are_read_as_the_grammar_writes_them(text: str) -> None:
    for match in sparql_text._TOKEN.finditer(text):
        kind: Any = match.lastgroup
        for name, reference in REFERENCE.items():
            if not OPENERS[name](text[match.start()]) or kind == "comment":
                continue
            expected = reference.match(text, match.start())
            if kind == name:
                assert expected is not None and expected.end() == match.end(), (text, match)
            elif kind != "string":  # a string is tried before an IRI
                assert expected is None, (text, match, kind)


def test_a_forgotten_text_is_held_no_more(counted: _Counting) -> None:
    """``forget_text``: what a request held is dropped once its checks are done (a query's
    engine may run for minutes), and the next long text read is held again."""
    text = LONG["an IN list"]
    with one_text():
        _checks(text)
        sparql_text.forget_text()
        assert sparql_text._held.readings == {} and sparql_text._held.text is None
        _checks(text)
        assert sparql_text._held.text == text
    assert counted.whole.count(len(text)) == 2
    sparql_text.forget_text()  # outside any hold: nothing to drop, nothing held after
    assert sparql_text._held.readings is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("é" * 5_000, [("word", "é" * 5_000)]),
        # a name never ends with a dot: it is a token of its own (stranger 101)
        ("a." * 5_000, [("word", "a." * 4_999 + "a"), ("punct", ".")]),
        ("ex:a.b..", [("pname", "ex:a.b"), ("punct", "."), ("punct", ".")]),
        ("ex:a\\.", [("pname", "ex:a\\.")]),
        ("ex:a.b", [("pname", "ex:a.b")]),
        ("éé:z", [("pname", "éé:z")]),
        ("a.b ex:y", [("word", "a.b"), ("pname", "ex:y")]),
        ("SERVICE.x", [("word", "SERVICE.x")]),
        ("_:b", [("word", "_"), ("pname", ":b")]),  # as before: a blank node label
    ],
    ids=[
        "letters",
        "dotted",
        "pname-dots",
        "pname-escaped-dot",
        "pname",
        "accented-pname",
        "run-then-pname",
        "glued",
        "blank",
    ],
)
def test_a_run_of_name_characters_is_one_token(text: str, expected: list[tuple[str, str]]) -> None:
    """A run of name characters that no ":" follows is one token, read as a word: it was looked
    at as a prefixed name from each of its characters to its end, quadratic (stranger 87)."""
    assert [(token.kind, token.text) for token in sparql_text.tokens(text)] == expected


def test_a_word_inside_a_run_is_still_found() -> None:
    """A fetching keyword inside a run is found as inside any word (the scanner errs towards
    seeing one): ``SERVICE.x`` is one token, and SERVICE is in it."""
    assert remote_access("SELECT * { SERVICE.x }") == "SERVICE"
