"""Solutions under a row cap (``endpoint.formats.write_solutions``): below the cap the body is
what pyoxigraph writes for the whole result, in every format, whatever the values hold; at the
cap the result is cut after ``max_rows`` solutions and says so. In CSV, a row of one empty field
is quoted (``empty_rows_quoted``)."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from endpoint.formats import FORMATS, empty_rows_quoted, write_solutions

DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:says "plain", "tab\\there", "line\\nbreak", "quote \\" and \\\\ back"@en,
    "Καλημέρα"@el, "42"^^<http://www.w3.org/2001/XMLSchema#integer>, "emoji 🙂", _:b1 .
ex:b ex:says ex:a, "trailing space " .
"""
#: query -> rows it answers
CASES = {
    "SELECT ?s ?o WHERE { ?s ?p ?o }": 10,
    "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?none } }": 17,  # ex:a has 8
    "SELECT * WHERE { }": 1,  # one solution binding no variable
    "SELECT ?s WHERE { ?s <http://example.org/nothing> ?o }": 0,
    "SELECT ?t WHERE { BIND(<<( <http://example.org/a> <http://example.org/p> 1 )>> AS ?t) }": 1,
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("query", CASES)
@pytest.mark.parametrize("name", FORMATS["solutions"])
def test_below_the_cap_the_body_is_the_whole_result(store: ox.Store, query: str, name: str) -> None:
    fmt = FORMATS["solutions"][name][0]
    body, rows, truncated = write_solutions(store.query(query), 1000, fmt)
    assert (rows, truncated) == (CASES[query], False)
    whole = store.query(query).serialize(format=fmt)
    assert whole is not None
    assert body == whole


@pytest.mark.parametrize("cap", [0, 1, 3, 9, 10, 11])
def test_at_the_cap_the_result_is_cut_and_says_so(store: ox.Store, cap: int) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    body, rows, truncated = write_solutions(store.query(query), cap, ox.QueryResultsFormat.TSV)
    assert (rows, truncated) == (min(cap, 10), cap < 10)
    whole = store.query(query).serialize(format=ox.QueryResultsFormat.TSV)
    assert whole is not None
    assert body.splitlines() == whole.splitlines()[: cap + 1]


#: CSV as pyoxigraph writes it -> as it is answered: a row of one empty field is quoted
CSV_ROWS = {
    "empty and unbound rows": (b"x\r\n\r\n\r\na\r\n", b'x\r\n""\r\n""\r\na\r\n'),
    "a line end inside a quoted value is its text": (
        b'x\r\n"a\r\n\r\nb"\r\n\r\n',
        b'x\r\n"a\r\n\r\nb"\r\n""\r\n',
    ),
    "an escaped quote, then an empty row": (b'x\r\n""""\r\n\r\n', b'x\r\n""""\r\n""\r\n'),
    "two variables: commas on every row": (b"x,y\r\n,\r\n", b"x,y\r\n,\r\n"),
    "no variable: no field to quote": (b"\r\n\r\n", b"\r\n\r\n"),
    "no empty row": (b"x\r\na\r\n", b"x\r\na\r\n"),
}


@pytest.mark.parametrize(("written", "answered"), CSV_ROWS.values(), ids=list(CSV_ROWS))
def test_a_csv_row_of_one_empty_field_is_quoted(written: bytes, answered: bytes) -> None:
    assert empty_rows_quoted(written) == answered


#: values a CSV field must quote, beside an IRI holding a comma (stranger 86)
COMMAS = """
@prefix ex: <http://example.org/> .
<http://example.org/a,b> ex:says "x,y", "a \\"quote\\"", "line\\nend", <http://example.org/c,d> .
ex:plain ex:says "" .
"""
#: query -> what Python's csv reads of its CSV answer
COMMA_CASES = {
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s STR(?o)": [
        ["s", "o"],
        ["http://example.org/a,b", 'a "quote"'],
        ["http://example.org/a,b", "http://example.org/c,d"],
        ["http://example.org/a,b", "line\nend"],
        ["http://example.org/a,b", "x,y"],
        ["http://example.org/plain", ""],
    ],
    "SELECT ?o WHERE { ?s ?p ?o FILTER(isIRI(?o)) }": [["o"], ["http://example.org/c,d"]],
    "SELECT ?s (SAMPLE(?none) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY ?s": [
        ["s", "n"],
        ["http://example.org/a,b", ""],
        ["http://example.org/plain", ""],
    ],
}


@pytest.mark.parametrize("query", COMMA_CASES)
def test_a_csv_field_holding_a_comma_is_quoted(query: str) -> None:
    store = ox.Store()
    store.load(COMMAS.encode(), format=ox.RdfFormat.TURTLE)
    body, rows, _truncated = write_solutions(store.query(query), 1000, ox.QueryResultsFormat.CSV)
    read = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert read == COMMA_CASES[query]
    assert rows == len(read) - 1
