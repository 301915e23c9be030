"""A code list's page is a page of the site in the reader's language (issue #21: it was English
whatever the language, outside the site's frame). Cases: codelist-pages.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from rdflib import Graph
from rdflib.namespace import SKOS

from core.vocabulary import CODELISTS_DIR, codelist_files
from endpoint.app import create_app
from tests.backends import Published

CASES = yaml.safe_load((Path(__file__).parent / "codelist-pages.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # no built documentation: the code list pages do not need it
    app = create_app(published.config(query_workers=1, docs=str(tmp_path_factory.mktemp("docs"))))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_a_code_list_page_is_in_the_readers_language(app: Flask, case: dict[str, Any]) -> None:
    client = app.test_client()
    if "cookie" in case:
        client.set_cookie("lang", case["cookie"])
    headers = {"Accept-Language": case["accept_language"]} if "accept_language" in case else {}
    response = client.get(case["path"], headers=headers)
    assert response.status_code == case.get("status", 200)
    if response.status_code != 200:
        return
    page = response.get_data(as_text=True)
    assert f'<html lang="{case["lang"]}">' in page
    for text in case["present"]:
        assert text in page, text
    for text in case["absent"]:
        assert text not in page, text


@pytest.mark.parametrize("path", codelist_files(), ids=lambda p: p.stem)
def test_every_code_list_has_its_page_with_every_concept(app: Flask, path: Path) -> None:
    page = app.test_client().get(f"/vocabulary/codelists/{path.stem}.html?lang=it")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    graph = Graph().parse(path, format="turtle")
    for concept in graph.subjects(SKOS.inScheme, None):
        assert f'id="{str(concept).rsplit("/", 1)[-1]}"' in text, concept
    with app.test_client().get(f"/vocabulary/codelists/{path.name}") as turtle:
        assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
        assert turtle.data == (CODELISTS_DIR / path.name).read_bytes()
