"""A query answers the same whatever its prefixes are named (``keyword-prefixes.yaml``): the
server reads parts of a query's text itself (its dataset, its calls, its order), and a prefix
named as a keyword must not read as one where the engine reads a name (stranger 99)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from endpoint.app import create_app
from tests.backends import Published

TABLE: dict[str, Any] = yaml.safe_load(
    Path(__file__).with_name("keyword-prefixes.yaml").read_text(encoding="utf-8")
)
#: the answer's type for each form of query, so that both are written alike
ACCEPT = "text/csv, application/n-triples;q=0.9"


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


def _answer(client: FlaskClient, query: str) -> tuple[int, list[str]]:
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": ACCEPT})
    lines = answer.get_data(as_text=True).splitlines()
    return answer.status_code, sorted(lines) if answer.mimetype != "text/csv" else lines


@pytest.mark.parametrize("form", TABLE["queries"])
def test_a_prefix_named_as_a_keyword_is_a_prefix(client: FlaskClient, form: str) -> None:
    template = TABLE["queries"][form]
    expected = _answer(client, template.replace("{p}", TABLE["neutral"]))
    assert expected[0] == 200 and len(expected[1]) > 1, expected  # a header and a row at least
    differing = {
        keyword: seen
        for keyword in TABLE["keywords"]
        if (seen := _answer(client, template.replace("{p}", keyword))) != expected
    }
    assert not differing, differing
