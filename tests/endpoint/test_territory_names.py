"""Country and region names in the reader's language on resource pages, from the territory graph
that ``coworkmed build`` publishes (``publishing.build.publish_territory``): countries named by
pycountry's translations, NUTS-3 regions by the names Eurostat's reference gives them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from endpoint.app import create_app
from loaders.territory import network_countries
from publishing.build import load_source, publish_territory, publish_vocabulary
from tests.backends import oxigraph_published
from triplestore.versions import open_store

ROOT = Path(__file__).resolve().parent.parent.parent
BASE = "https://w3id.org/coworkmed/id/"
SPACE = "space/fr-aura/AURA-001"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("territory-store")
    store = open_store(path)
    publish_vocabulary(store)
    publish_territory(store, BASE, network_countries())
    load_source(ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml", store, BASE, path)
    del store
    app = create_app(oxigraph_published(path).config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    ("lang", "country"),
    [
        ("en", "France"),
        ("fr", "France"),
        ("it", "Francia"),
        ("es", "Francia"),
        ("el", "Γαλλία"),
        ("hr", "Francuska"),
    ],
)
def test_a_space_page_names_its_country_and_region(app: Flask, lang: str, country: str) -> None:
    page = app.test_client().get(f"/doc/id/{SPACE}.html?lang={lang}").get_data(as_text=True)
    assert f">{country}<" in page, page
    assert ">Rhône (FRK26)<" in page  # its NUTS-3 region by the reference's name and its code
