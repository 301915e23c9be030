"""A dataset published from the CoworkMed template is titled with its partner's name in the six
languages (issue #18, stranger 40: all were "Submission on the CoworkMed template", in English):
in the store, on /catalog, on the dataset's page and in the observatory's source filter
(template-title/cases.yaml)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask

from endpoint.app import create_app
from publishing.partners import Partner
from publishing.publish import publish_submission
from tests.backends import Published
from triplestore.versions import open_snapshot
from validation.pipeline import close_pools
from validation.template import write_template

HERE = Path(__file__).parent / "template-title"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
BASE = "https://w3id.org/coworkmed/id/"
#: where a dataset's title is shown: a page, in the reader's language
PAGES = {
    "catalog": "/catalog",
    "dataset": "/doc/id/dataset/{id}.html",
    "observatory": "/observatory",
}


@pytest.fixture(autouse=True, scope="module")
def _pools() -> Iterator[None]:
    yield
    close_pools()


@pytest.fixture
def published(empty: Published, tmp_path: Path) -> Iterator[Flask]:
    """Each partner's filled template, in its language, published; the app over them."""
    for partner in CASES["partners"]:
        (file,) = write_template(tmp_path / f"{partner['id']}.csv", partner["lang"], "csv")[:1]
        write_template(file, partner["lang"], "csv", filled=True)
        who = Partner(partner["id"], partner["name"], "unused")
        outcome = publish_submission(file, who, empty.location, BASE, None, partner["lang"])
        assert outcome.published, [f.as_dict() for f in outcome.report.findings]
    app = create_app(empty.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


def _titles(empty: Published, partner_id: str) -> dict[str, str]:
    _generation, snapshot = open_snapshot(empty.location)
    query = (
        "SELECT ?title WHERE { GRAPH ?g { "
        f"<{BASE}dataset/{partner_id}> <http://purl.org/dc/terms/title> ?title }} }}"
    )
    return {s["title"].language: s["title"].value for s in snapshot.query(query)}


def test_a_template_dataset_is_titled_with_its_partner(published: Flask, empty: Published) -> None:
    client = published.test_client()
    for partner in CASES["partners"]:
        titles = _titles(empty, partner["id"])
        assert CASES["old"] not in titles.values()
        for lang, title in partner["titles"].items():
            assert titles[lang] == title, (partner["id"], lang)
            for page, path in PAGES.items():
                answer = client.get(
                    path.format(id=partner["id"]),
                    query_string={"lang": lang},
                    headers={"Accept": "text/html"},
                )
                text = html.unescape(answer.get_data(as_text=True))
                assert answer.status_code == 200, (page, lang)
                assert title in text, (partner["id"], page, lang)
                assert CASES["old"] not in text, (partner["id"], page, lang)
