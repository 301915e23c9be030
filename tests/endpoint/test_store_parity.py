"""The same query through our /sparql gives the same answer on the embedded store and on an
external Virtuoso, over the same published samples (issue #20: a researcher must get the same
answer from either). The cases (parity-cases.yaml) are where a stranger found them different;
the answers are compared as sets of rows, blank nodes up to their labels."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from endpoint.app import create_app
from tests.backends import oxigraph_published

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "parity-cases.yaml").read_text("utf-8"))
JSON = "application/sparql-results+json"


#: a dataset version's IRI names its load (the second, and a digest of the file, the mapping and
#: the moment: ``loaders.provenance.version_id``): the two stores loaded the samples apart
_LOADED = re.compile(r"/\d{8}T\d{6}Z-[0-9a-f]{8}")


def _post(app: Flask, case: dict[str, Any]) -> TestResponse:
    fields = [("query", case["query"])]
    fields += [(name, graph) for name in ("default-graph-uri", "named-graph-uri")
               for graph in case.get(name, [])]  # fmt: skip
    return app.test_client().post(
        "/sparql", data=MultiDict(fields), headers={"Accept": JSON, "Cache-Control": "no-cache"}
    )


def _answer(app: Flask, case: dict[str, Any]) -> Any:
    """The case's answer: a boolean, or the rows as a sorted list of (variable, term) sets."""
    answer = _post(app, case)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    said = json.loads(answer.data)
    if "boolean" in said:
        return said["boolean"]
    rows = said["results"]["bindings"]
    return sorted(
        sorted(
            (
                name,
                term["type"],
                "" if term["type"] == "bnode" else _LOADED.sub("/-", term["value"]),
                term.get("xml:lang", ""),
                term.get("datatype", ""),
            )  # fmt: skip
            for name, term in row.items()
        )
        for row in rows
    )


@pytest.fixture(scope="module")
def apps(store_path: Path, virtuoso_samples: Any) -> tuple[Flask, Flask]:
    embedded = create_app(oxigraph_published(store_path).config(query_workers=1))
    external = create_app(virtuoso_samples.published.config(query_workers=1))
    return embedded, external


SAME = [case for case in CASES if "refused_by_virtuoso" not in case and "not_sparql" not in case]
REFUSED = [case for case in CASES if "refused_by_virtuoso" in case]
NOT_SPARQL = [case for case in CASES if "not_sparql" in case]


@pytest.mark.parametrize("case", SAME, ids=[case["name"] for case in SAME])
def test_both_stores_give_the_same_answer(apps: tuple[Flask, Flask], case: dict[str, Any]) -> None:
    embedded, external = apps
    found = _answer(embedded, case)
    assert _answer(external, case) == found
    assert isinstance(found, bool) or len(found) >= case.get("at_least", 0)  # not vacuous


@pytest.mark.parametrize("case", REFUSED, ids=[case["name"] for case in REFUSED])
def test_what_virtuoso_would_answer_wrongly_is_refused_with_its_reason(
    apps: tuple[Flask, Flask], case: dict[str, Any]
) -> None:
    """Where Virtuoso 7.2 has no right answer (an internal error of its compiler for the
    standard's meaning of the query), the client gets a 400 saying so, never a wrong answer;
    the embedded store answers."""
    embedded, external = apps
    refused = _post(external, case)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert case["refused_by_virtuoso"] in refused.get_data(as_text=True)
    assert _post(embedded, case).status_code == 200


@pytest.mark.parametrize("case", NOT_SPARQL, ids=[case["name"] for case in NOT_SPARQL])
def test_what_is_not_sparql_is_refused_by_both_stores_never_a_5xx(
    apps: tuple[Flask, Flask], case: dict[str, Any]
) -> None:
    for app in apps:
        answer = _post(app, case)
        assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
        assert b"results" not in answer.data
