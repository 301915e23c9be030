"""A store built once from the shipped samples, shared by the endpoint tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.load import load_source, mapping_files, publish_vocabulary
from loaders.store import open_store

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store")
    store = open_store(path)
    publish_vocabulary(store)
    for mapping in mapping_files(ROOT / "data"):
        load_source(mapping, store, BASE, path)
    del store
    return path
