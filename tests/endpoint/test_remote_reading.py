"""An external store is sent only what the engine's parser reads, each new text read in the
worker its query slot keeps (``endpoint.pool.RemotePool._standard``, ``core.workers.KeptWorker``):
the readings of ``remote-readings.yaml`` in turn, on one pool, so that each case also reads
after the one before it (a worker an abort ended is replaced at the next reading)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.workers import Limits
from endpoint.execution import TIME_LIMIT, QueryError, QueryRequest, parse_error
from endpoint.pool import REWRITTEN_HERE, RemotePool
from tests.backends import BASE, VirtuosoSamples
from triplestore.backends.sparql import SparqlLocation

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("remote-readings.yaml").read_text(encoding="utf-8")
)
#: an address where nothing listens: a reading that passes is then refused by the store (503)
NOWHERE = "http://127.0.0.1:9/sparql"
#: what the reading worker may use here, as a server's query workers may (``query_memory``)
READING_LIMITS = Limits(memory=768 * 2**20)


@pytest.fixture(scope="module")
def pool() -> Iterator[RemotePool]:
    location = SparqlLocation(NOWHERE, NOWHERE, NOWHERE)
    found = RemotePool(location, BASE, workers=1, limits=READING_LIMITS)
    try:
        yield found
    finally:
        found.close()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_query_is_read_before_the_store_is_sent_it(
    pool: RemotePool, case: dict[str, Any]
) -> None:
    request = QueryRequest(case["text"], {"boolean": "json", "solutions": "json"})
    if "base" in case:
        request = QueryRequest(case["text"], request.formats, base_iri=case["base"])
    with pytest.raises(QueryError) as refused:
        pool.run(request, 30)
    assert refused.value.status == case["status"], refused.value.message
    if case["status"] == 503:
        assert "syntax" not in refused.value.message
    assert case.get("said", "") in refused.value.message


#: a query that builds 10^9 rows from no data: its reading made them all, in its slot, for the
#: whole time limit before the store was asked (stranger 109, I)
BUILT = "SELECT * {{ {} }}".format(
    " ".join(f"VALUES ?{name} {{ {' '.join(map(str, range(1000)))} }}" for name in "abc")
)
#: the reading's own time limit here (``endpoint.pool.READING_SECONDS``), and the query's
READING, WHOLE = 1.0, 20.0


def test_a_reading_has_a_time_limit_of_its_own() -> None:
    """The slot is given back once the reading's own time is spent, not the query's, with words
    that say why; the next text is read in a fresh worker."""
    location = SparqlLocation(NOWHERE, NOWHERE, NOWHERE)
    found = RemotePool(location, BASE, workers=1, limits=READING_LIMITS, reading_seconds=READING)
    try:
        begun = time.monotonic()
        with pytest.raises(QueryError) as refused:
            found.run(QueryRequest(BUILT, {"solutions": "json"}), WHOLE)
        took = time.monotonic() - begun
        assert refused.value.status == TIME_LIMIT
        assert "not read within 1 s" in refused.value.message
        assert "builds too many" in refused.value.message
        assert took < WHOLE / 2, took
        with pytest.raises(QueryError) as next_one:  # read, then sent where nothing listens
            found.run(QueryRequest("ASK {}", {"boolean": "json"}), WHOLE)
        assert next_one.value.status == 503, next_one.value.message
    finally:
        found.close()


#: a text the engine reads at once (0.3 s) and the rewrites for the store took 10 to 13 s of
#: the server's processor to make (stranger 107: four of them held every slot past the time
#: limit, and light queries were refused for 40 s)
LONG = "PREFIX e: <urn:e:> ASK { ?s ?p ?o VALUES ?o { " + "e:a " * 260_000 + "} }"
#: the time limit of its query here, and how much later than it the slot may be given back
LIMIT, LATE = 3.0, 3.0
#: a text longer than the server rewrites itself (``endpoint.pool.REWRITTEN_HERE``), and what
#: it counts on the samples: spaces, operators and source records, each named 500 times
KINDS = (
    "PREFIX cwm: <https://w3id.org/coworkmed/def/> "
    "SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a ?k VALUES ?k {{ {} }} }}"
)


@pytest.fixture(scope="module")
def on_virtuoso(virtuoso_samples: VirtuosoSamples) -> Iterator[RemotePool]:
    found = RemotePool(virtuoso_samples.published.location, BASE, workers=1, limits=READING_LIMITS)
    try:
        yield found
    finally:
        found.close()


@pytest.mark.xdist_group("virtuoso")
def test_a_long_text_is_rewritten_within_its_time_limit_not_in_the_server(
    on_virtuoso: RemotePool,
) -> None:
    started = time.process_time(), time.monotonic()
    with pytest.raises(QueryError) as stopped:
        on_virtuoso.run(QueryRequest(LONG, {"boolean": "json"}), LIMIT)
    spent, waited = time.process_time() - started[0], time.monotonic() - started[1]
    assert stopped.value.status == TIME_LIMIT, stopped.value.message
    assert waited < LIMIT + LATE
    assert spent < LIMIT  # the rewrites ran in the slot's worker, not in this process
    # the slot and its worker answer the next query, a long one rewritten in the worker too
    kinds = " ".join(["cwm:Space cwm:Operator cwm:SourceRecord"] * 500)
    text = KINDS.format(kinds)
    assert len(text) > REWRITTEN_HERE
    short = KINDS.format("cwm:Space cwm:Operator cwm:SourceRecord")
    answers = [
        on_virtuoso.run(QueryRequest(each, {"solutions": "json"}), 60) for each in (text, short)
    ]
    assert answers[0].body == answers[1].body and b'"value":"0"' not in answers[0].body


UPDATES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("update-readings.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", UPDATES, ids=[case["name"] for case in UPDATES])
def test_an_update_is_read_to_its_last_operation(case: dict[str, Any]) -> None:
    said = parse_error(case["text"], BASE, update=True)
    if "refused" not in case:
        assert said is None
    else:
        assert said is not None and case["refused"] in said.told(case["text"], update=True)
