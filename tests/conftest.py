"""Shared fixtures: the vocabulary is read once per session, and a store is built once from
the shipped samples for the tests that need published data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from coworkmed import quality
from loaders import vocabulary
from loaders.load import load_source, mapping_files, publish_vocabulary
from loaders.store import open_store

ROOT = Path(__file__).parents[1]
BASE = "https://w3id.org/coworkmed/id/"


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return vocabulary.shapes_graph()


@pytest.fixture(scope="session")
def vocabulary_store() -> ox.Store:
    return quality.vocabulary_store()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the vocabulary and the five samples of data/ (copy it before writing)."""
    path = tmp_path_factory.mktemp("store")
    store = open_store(path)
    publish_vocabulary(store)
    for mapping in mapping_files(ROOT / "data"):
        load_source(mapping, store, BASE, path)
    del store
    return path
