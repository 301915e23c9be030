"""The tests' own Virtuoso stores keep out of each other's way. Graph names belong to the store,
not to a service's namespace: an empty store's build writes (and afterwards drops) the same
vocabulary graphs as the session's samples. Regression: after such a test, a later one read the
samples without their code lists (an ASK on a space kind was false in a full CI run)."""

from __future__ import annotations

from coworkmed.virtuoso import Virtuoso
from endpoint.app import create_app
from publishing.build import publish_vocabulary
from tests.backends import BASE, VirtuosoSamples, empty_virtuoso_store
from triplestore.versions import write

ASK = "ASK { <https://w3id.org/coworkmed/code/space-kind/fab-lab> ?p ?o }"


def _kind_is_there(samples: VirtuosoSamples) -> bool:
    """As a client of the samples' /sparql reads it (a new app: nothing kept from before)."""
    app = create_app(samples.published.config(query_workers=1))
    answer = app.test_client().post(
        "/sparql", data={"query": ASK}, headers={"Accept": "application/sparql-results+json"}
    )
    return bool(answer.get_json()["boolean"])


def test_a_build_on_an_empty_store_leaves_the_samples_whole(
    virtuoso_server: Virtuoso, virtuoso_samples: VirtuosoSamples
) -> None:
    graphs = {g.value for g in virtuoso_samples.location.client().named_graphs()}
    assert _kind_is_there(virtuoso_samples)
    with empty_virtuoso_store(virtuoso_server) as empty:
        write(empty.location, publish_vocabulary, BASE)
        shared = {g.value for g in empty.location.client().named_graphs()} & graphs
    assert shared, "the vocabulary's graphs have the same names on both stores"
    assert _kind_is_there(virtuoso_samples)
    assert {g.value for g in virtuoso_samples.location.client().named_graphs()} == graphs
