"""ORDER BY on the embedded store, in a total order (``order-cases.yaml``): the cases' rows,
and a sort that aborted the engine (a number beside a string, a gYear beside an integer, on
enough rows: a Rust panic, "does not correctly implement a total order") answered in full,
whichever door the column comes through (``order-doors.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from core.sparql_text import ORDER_KEYS, total_order
from triplestore.backends.oxigraph import OxigraphStore

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "order-cases.yaml").read_text("utf-8")
)
DOORS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "order-doors.yaml").read_text("utf-8")
)
INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
GYEAR = "<http://www.w3.org/2001/XMLSchema#gYear>"


def _rows(query: str) -> list[str | None]:
    found = OxigraphStore(ox.Store()).query(query)
    return [None if row[0] is None else str(row[0]) for row in found]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_order_by_is_the_order_sparql_gives(case: dict[str, Any]) -> None:
    rows = _rows(case["query"])
    if case.get("unordered"):
        assert sorted(map(str, rows)) == sorted(map(str, case["rows"]))
    else:
        assert rows == case["rows"]


#: value lists whose sort aborted the engine's process before (400 values each)
MIXED = {
    "integers and strings": " ".join(f'{i} "{i}"' for i in range(200)),
    "gYears and integers": " ".join(f'"2{i:03d}"^^{GYEAR} {i}' for i in range(200)),
    "integers and language strings": " ".join(f'{i} "{i}"@en' for i in range(200)),
}


@pytest.mark.parametrize("values", MIXED.values(), ids=list(MIXED))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_a_sort_of_mixed_literals_is_answered_whole(values: str, direction: str) -> None:
    rows = _rows(f"SELECT ?o WHERE {{ VALUES ?o {{ {values} }} }} ORDER BY {direction}(?o)")
    assert len(rows) == 400
    numbers = [int(row.split('"')[1]) for row in rows if row and row.endswith(INTEGER)]
    assert numbers == sorted(numbers, reverse=direction == "DESC")


@pytest.mark.parametrize("case", DOORS, ids=[case["name"] for case in DOORS])
def test_the_column_through_another_door_is_answered_whole(case: dict[str, Any]) -> None:
    """Numbers beside strings reaching the sort as an expression, a copy or an aggregate: the
    engine aborted this process before (the test run itself died)."""
    rows = _rows(case["query"].replace("{values}", MIXED["integers and strings"]))
    assert len(rows) == 400
    numbers = [int(row.split('"')[1]) for row in rows if row and row.endswith(INTEGER)]
    assert numbers == sorted(numbers, reverse=case.get("descending", False))


@pytest.mark.parametrize("apply", [False, True], ids=["update", "the service's own write"])
def test_an_updates_sub_query_sorts_in_the_same_order(apply: bool) -> None:
    """An update's sub-query sorting the mixed column: the engine aborted this process
    (updates were sent as written); keyed, the largest number comes first in DESC."""
    store = OxigraphStore(ox.Store())
    values = MIXED["integers and strings"]
    update = (
        "INSERT { <urn:a> <urn:p> ?o } WHERE { { SELECT ?o WHERE { VALUES ?o { "
        f"{values} }} }} ORDER BY DESC(?o) LIMIT 1 }} }}"
    )
    if apply:
        store.apply(update, [])
    else:
        store.update(update)
    assert [str(quad.object) for quad in store.raw] == [f'"199"^^{INTEGER}']


def test_a_query_that_cannot_be_read_is_refused_in_the_clients_words() -> None:
    with pytest.raises(SyntaxError, match="1:28"):
        _rows("SELECT * WHERE { ?s foo:bar ?o } ORDER BY ?o")


#: queries ``total_order`` leaves as they are (each key costs the sort): conditions that are a
#: number on every row or on none by their form
UNKEYED = {
    "a function that never gives a number": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY STR(?o)",
    "one that always does, in brackets": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY (STRLEN(?o))",
    "an aggregate that counts": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(COUNT(*))",
    "a boolean of arithmetic": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(?o * 2 + 1 > 3)",
    "a comparison": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY (?o < 3) ASC(?o IN (1, 2))",
    "a constant": 'SELECT ?o WHERE { ?s ?p ?o } ORDER BY ("a")',
    "a variable the projection counts": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o } ORDER BY DESC(?n)",
    "the same in a sub-query": "SELECT * { { SELECT (STR(?o) AS ?t) { ?s ?p ?o } ORDER BY ?t } }",
    "ORDER BY in a string and a comment": 'SELECT * { ?s ?p "ORDER BY ?o" } # ORDER BY ?o',
    "EXISTS without brackets": "SELECT * { ?s ?p ?o } ORDER BY NOT EXISTS { ?s ?p 1 }",
    # a variable only computed, by expressions of one kind (``_computed``)
    "a variable only BIND computes, a string": (
        'SELECT ?d WHERE { ?s ?p ?e BIND(LCASE(REPLACE(STR(?e), "^.*@", "")) AS ?d) } ORDER BY ?d'
    ),
    "a constant BIND names": 'SELECT ?d WHERE { BIND("a" AS ?d) } ORDER BY ?d',
    "numbers computed in two branches, once spelled with $": (
        "SELECT ?d { { ?s ?p ?e BIND(STRLEN(?e) AS ?d) } UNION { BIND(COUNT(?e) AS $d) } } "
        "ORDER BY DESC(?d)"
    ),
    "a variable read in FILTER, grouped and counted in HAVING": (
        'SELECT ?d { ?s ?p ?e BIND(STR(?e) AS ?d) FILTER regex(?d, "a") FILTER(?d != "b") } '
        "GROUP BY ?d HAVING (COUNT(?d) > 1) ORDER BY ?d"
    ),
    "a group key computed by GROUP BY": (
        "SELECT ?d { ?s ?p ?e } GROUP BY (STR(?e) AS ?d) ORDER BY ?d"
    ),
    "the projection copies a variable only computed": (
        "SELECT (?d AS ?t) { ?s ?p ?e BIND(UCASE(?e) AS ?d) } ORDER BY ?t"
    ),
}


@pytest.mark.parametrize("query", UNKEYED.values(), ids=list(UNKEYED))
def test_what_needs_no_key_is_left_as_written(query: str) -> None:
    assert total_order(query) == query


def test_a_key_in_the_conditions_direction_before_each_variable() -> None:
    query = "SELECT * { { SELECT ?s { ?s ?p ?o } ORDER BY ?o LIMIT 2 } } ORDER BY desc( ?s ) $p"
    assert total_order(query) == (
        f"SELECT * {{ {{ SELECT ?s {{ ?s ?p ?o }} ORDER BY {keys('ASC', '?o')}?o LIMIT 2 }} }} "
        f"ORDER BY {keys('DESC', '?s')}desc( ?s ) {keys('ASC', '$p')}$p"
    )


def keys(direction: str, expression: str) -> str:
    """The keys ``total_order`` sets before a condition sorting by ``expression``."""
    return "".join(f"{direction}({key.format(e=expression)}) " for key in ORDER_KEYS)


def test_the_key_puts_numbers_apart() -> None:
    assert keys("ASC", "?v") == "ASC(isNumeric(?v)) "


#: conditions keyed though the query computes them: what they compute may be numbers beside
#: other terms -> the key set before them
KEYED = {
    "a variable the projection copies from the data": (
        "SELECT (?o AS ?v) WHERE { ?s ?p ?o } ORDER BY DESC(?v)",
        ("DESC", "?v"),
    ),
    "a variable a sub-query counts, which another branch binds": (
        'SELECT ?n { { SELECT (COUNT(*) AS ?n) { } } UNION { VALUES ?n { 1 "1" } } } ORDER BY ?n',
        ("ASC", "?n"),
    ),
    "a variable BIND copies from the data": (
        "SELECT ?d WHERE { ?s ?p ?o BIND(?o AS ?d) } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    # computed, but bound elsewhere too, or of two kinds
    "a number and a string computed in two branches": (
        "SELECT ?d { { BIND(STRLEN(?e) AS ?d) } UNION { BIND(STR(?e) AS ?d) } } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed and named by a triple": (
        "SELECT ?d { BIND(STR(?e) AS ?d) ?s ?p ?d } ORDER BY DESC(?d)",
        ("DESC", "?d"),
    ),
    "computed and named in a collection": (
        "SELECT ?d { BIND(STR(?e) AS ?d) ?s ?p ( ?d ) } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed and named by VALUES after the query": (
        "SELECT ?d { BIND(STR(?e) AS ?d) } ORDER BY ?d VALUES ?d { 1 }",
        ("ASC", "?d"),
    ),
    "computed and named by a pattern in FILTER EXISTS": (
        "SELECT ?d { BIND(STR(?e) AS ?d) FILTER EXISTS { ?s ?p ?d } } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed and named by GRAPH": (
        "SELECT ?d { BIND(STR(?e) AS ?d) GRAPH ?d { } } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed and named by a blank node's property list": (
        "SELECT ?d { BIND(STR(?e) AS ?d) [ <urn:p> ?d ] } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed and copied by a sub-query's projection": (
        "SELECT ?d { { BIND(STR(?e) AS ?d) } UNION { SELECT (?o AS ?d) { ?s ?p ?o } } } "
        "ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed, and a SERVICE peer may answer it too (stranger 111)": (
        'SELECT ?d { { BIND(LCASE("A") AS ?d) } UNION { SERVICE <http://127.0.0.1:9/s> { } } } '
        "ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "computed, and SERVICE written glued and in lower case": (
        "SELECT ?d { BIND(STR(?e) AS ?d) OPTIONAL { servicesilent <urn:x> { } } } ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "a group key copied from the data": (
        "SELECT ?d { ?s ?p ?e } GROUP BY (?e AS ?d) ORDER BY ?d",
        ("ASC", "?d"),
    ),
    "two expressions named in one bracket (an error the engine tells)": (
        'SELECT ?d { BIND("a" AS ?c AS ?d) } ORDER BY ?d',
        ("ASC", "?d"),
    ),
    "an expression that gives back its argument": (
        'SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(COALESCE(?o, ""))',
        ("DESC", 'COALESCE(?o, "")'),
    ),
    "a variable in brackets": (
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ( ?o )",
        ("ASC", "( ?o )"),
    ),
    "arithmetic (a date plus a duration is a date)": (
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY (?o + ?d)",
        ("ASC", "(?o + ?d)"),
    ),
    "a call of a function of the data": (
        "SELECT ?o WHERE { ?s ?p ?o } ORDER BY <urn:f>(?o)",
        ("ASC", "<urn:f>(?o)"),
    ),
}


@pytest.mark.parametrize(("query", "key"), KEYED.values(), ids=list(KEYED))
def test_a_condition_that_may_mix_numbers_is_keyed(query: str, key: tuple[str, str]) -> None:
    clause = query.index("ORDER BY") + len("ORDER BY ")
    assert total_order(query) == query[:clause] + keys(*key) + query[clause:]
