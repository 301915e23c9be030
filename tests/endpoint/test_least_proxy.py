"""The floor ``bench/bench_backends.py`` sets our /sparql on Virtuoso against, stack (e): the
least a Python front can do must still send each query on as the benchmark's other stacks do
(the form, over the graph (d) reads) and give the store's bytes back untouched, or its p50s
would not be a floor of the same work."""

from __future__ import annotations

import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_backends import least_proxy  # noqa: E402

from tests.listener import SPARQL_JSON, listening  # noqa: E402

#: a store's answer, with bytes a proxy that reads and writes results would change
ANSWER = (
    b'{ "head": { "vars": ["one"] }, "results": { "bindings": [ { "one": { "type": '
    b'"typed-literal", "value": "1" } } ] } }\n'
)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (1 AS ?one) {}",
        "# é ünïcode\nASK { ?s ?p 'x & y = z' }",
        "SELECT * {" + "?s ?p ?o ." * 400 + "}",
    ],
)
def test_the_least_proxy_sends_the_form_on_and_gives_the_bytes_back(query: str) -> None:
    graph = "https://example.org/published"
    with listening(ANSWER) as store, least_proxy(f"{store.url}/sparql", graph) as url:
        for _ in range(3):  # on the connection its thread keeps
            form = urllib.parse.urlencode({"query": query}).encode()
            with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=30) as got:
                assert got.status == 200
                assert got.headers["Content-Type"] == SPARQL_JSON
                assert got.read() == ANSWER
    assert store.heard == ["/sparql"] * 3
    for body, accept in store.bodies:
        assert urllib.parse.parse_qs(body.decode()) == {
            "query": [query],
            "default-graph-uri": [graph],
        }
        assert accept == SPARQL_JSON
