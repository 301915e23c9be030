"""Loads into an external store are cut into documents of a bounded size
(``triplestore.backends.sparql.documents``): a blank node's label names it within one document
only, so every triple of one blank node (and of the blank nodes it shares a triple with) goes
in one document, whatever the order of the lines."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given
from hypothesis import strategies as st

from triplestore.backends.sparql import documents

NODE = st.sampled_from(["<urn:x>", "<urn:y>", "_:a", "_:b", "_:c", "_:d.1"])
OBJECT = st.one_of(NODE, st.sampled_from(['"_:a"', '"x _:b ."@en', '"1"^^<urn:t>']))
LINE = st.builds(lambda s, o: f"{s} <urn:p> {o} .\n".encode(), NODE, OBJECT)


def _blank_nodes(document: bytes) -> set[str]:
    """The labels of the blank nodes of ``document`` (pyoxigraph keeps N-Triples labels)."""
    quads = ox.parse(document, format=ox.RdfFormat.N_TRIPLES)
    terms = (term for quad in quads for term in (quad.subject, quad.object))
    return {term.value for term in terms if isinstance(term, ox.BlankNode)}


@given(st.lists(LINE, max_size=40), st.integers(min_value=1, max_value=8))
def test_documents_keep_each_blank_node_whole(lines: list[bytes], most: int) -> None:
    cut = documents(lines, most)
    assert sorted(line for document in cut for line in document.splitlines(True)) == sorted(lines)
    # one document per label: one node per label, as in the source
    for label in _blank_nodes(b"".join(lines)):
        holders = [document for document in cut if label in _blank_nodes(document)]
        assert len(holders) == 1, (label, cut)


def test_documents_without_blank_nodes_are_cut_at_the_size() -> None:
    lines = [f"<urn:s{i}> <urn:p> <urn:o> .\n".encode() for i in range(10)]
    assert [len(d.splitlines()) for d in documents(lines, 4)] == [4, 4, 2]
