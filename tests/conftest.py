"""Shared fixtures: the vocabulary is read once per session."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph

from coworkmed import quality
from loaders import vocabulary


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return vocabulary.shapes_graph()


@pytest.fixture(scope="session")
def vocabulary_store() -> ox.Store:
    return quality.vocabulary_store()
