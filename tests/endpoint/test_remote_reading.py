"""An external store is sent only what the engine's parser reads, each new text read in the
worker its query slot keeps (``endpoint.pool.RemotePool._standard``, ``core.workers.KeptWorker``):
the readings of ``remote-readings.yaml`` in turn, on one pool, so that each case also reads
after the one before it (a worker an abort ended is replaced at the next reading)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from endpoint.execution import QueryError, QueryRequest
from endpoint.pool import RemotePool
from tests.backends import BASE
from triplestore.backends.sparql import SparqlLocation

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("remote-readings.yaml").read_text(encoding="utf-8")
)
#: an address where nothing listens: a reading that passes is then refused by the store (503)
NOWHERE = "http://127.0.0.1:9/sparql"


@pytest.fixture(scope="module")
def pool() -> Iterator[RemotePool]:
    found = RemotePool(SparqlLocation(NOWHERE, NOWHERE, NOWHERE), BASE, workers=1)
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
