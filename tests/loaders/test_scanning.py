"""The lexical rewrites an external store needs (``loaders.scanning``), case by case."""

from __future__ import annotations

import pytest

from loaders.scanning import graph_operations_for, graphs_outside_dataset

NOTHING = "urn:nothing"
DEFAULT = "urn:default"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ASK { GRAPH <urn:g> { ?s ?p ?o } }", f"ASK {{ GRAPH <{NOTHING}> {{ ?s ?p ?o }} }}"),
        ("ASK { GRAPH <urn:kept> { ?s ?p ?o } }", "ASK { GRAPH <urn:kept> { ?s ?p ?o } }"),
        ("ASK { graph<urn:g> {} }", f"ASK {{ graph<{NOTHING}> {{}} }}"),
        ("SELECT * { GRAPH <relative> {} }", "SELECT * { GRAPH <relative> {} }"),
        ('SELECT * { ?s ?p "GRAPH <urn:g>" }', 'SELECT * { ?s ?p "GRAPH <urn:g>" }'),
        ("SELECT * { # GRAPH <urn:g>\n }", "SELECT * { # GRAPH <urn:g>\n }"),
    ],
    ids=["outside", "inside", "lower-case", "relative", "in-a-string", "in-a-comment"],
)
def test_graphs_outside_the_dataset_become_the_empty_graph(query: str, expected: str) -> None:
    assert graphs_outside_dataset(query, {"urn:kept"}, NOTHING) == expected


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ("DROP ALL", f"DROP SILENT GRAPH <urn:a> ;\nDROP SILENT GRAPH <{DEFAULT}>"),
        ("CLEAR SILENT NAMED", "CLEAR SILENT GRAPH <urn:a>"),
        ("DROP DEFAULT", f"CLEAR SILENT GRAPH <{DEFAULT}>"),
        ("DROP GRAPH <urn:a>", "DROP SILENT GRAPH <urn:a>"),
        ("DROP GRAPH <urn:other>", "DROP GRAPH <urn:other>"),
        ("COPY DEFAULT TO <urn:a>", f"COPY <{DEFAULT}> TO <urn:a>"),
    ],
    ids=["drop-all", "clear-named", "drop-default", "managed", "unmanaged", "copy-default"],
)
def test_graph_operations_apply_to_the_managed_graphs_only(update: str, expected: str) -> None:
    assert graph_operations_for(update, ["urn:a"], DEFAULT, NOTHING) == expected
