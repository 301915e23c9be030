"""Loads that fail as a whole: a clear message naming the file, and nothing written.

Each case of bad-files/cases.yaml is loaded over a store that already holds that source's graph
from a good file; after the failure the graph must be exactly what it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from loaders.load import load_source
from loaders.problems import LoadError
from loaders.store import STAGING_PREFIX, count, open_store, replace_graph

HERE = Path(__file__).parent / "bad-files"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
BASE = "https://example.org/id/"
GRAPH = BASE + "graph/failing-source"
GOOD_ROWS = "id,nom\n1,Espace un\n2,Espace deux\n"


def _mapping(folder: Path, file: str, options: dict[str, Any]) -> Path:
    mapping = {
        "source": {
            "id": "failing-source",
            "title": "A source that fails",
            "partner": {"id": "test", "name": "Test partner"},
            "licence": "https://creativecommons.org/licenses/by/4.0/",
        },
        "file": {"path": file, **options},
        "columns": {"id": "id", "nom": "name"},
    }
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path


def _quads(store: ox.Store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH))}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['file']}:{c['expect']}")
def test_failed_load_says_why_and_keeps_the_published_graph(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    store = open_store(tmp_path / "store")
    (tmp_path / "good.csv").write_text(GOOD_ROWS, encoding="utf-8")
    load_source(_mapping(tmp_path, "good.csv", {"format": "csv"}), store, BASE)
    before = _quads(store)
    assert len(before) > 10

    source = HERE / case["file"]
    if source.exists():
        shutil.copy(source, tmp_path / case["file"])
    with pytest.raises(LoadError) as caught:
        load_source(_mapping(tmp_path, case["file"], case["options"]), store, BASE)
    assert case["expect"].lower() in str(caught.value).lower()
    assert case["file"] in str(caught.value), "the message names the file"
    assert _quads(store) == before


def test_invalid_rdf_never_reaches_the_graph(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    replace_graph(store, GRAPH, b"<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(LoadError):
        replace_graph(store, GRAPH, b"<urn:a> <urn:b> <urn:d> .\n<urn:broken <urn:b> .\n")
    assert _quads(store) == {"<urn:a> <urn:b> <urn:c> <" + GRAPH + ">"}
    assert count(store, GRAPH) == 1


def test_leftover_staging_graphs_are_removed(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    store.add(
        ox.Quad(
            ox.NamedNode("urn:x"),
            ox.NamedNode("urn:y"),
            ox.Literal("z"),
            ox.NamedNode(STAGING_PREFIX + "dead"),
        )
    )
    replace_graph(store, GRAPH, b"<urn:a> <urn:b> <urn:c> .\n")
    graphs = {g.value for g in store.named_graphs()}
    assert graphs == {GRAPH}


def test_a_store_in_use_gives_a_clear_error(tmp_path: Path) -> None:
    first = open_store(tmp_path / "store")
    assert first is not None
    with pytest.raises(LoadError, match="cannot open the store"):
        open_store(tmp_path / "store")
