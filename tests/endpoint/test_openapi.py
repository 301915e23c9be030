"""The check that holds every JSON answer of the API to openapi.json (``tests.openapi_check``,
run on every Flask client request of the endpoint tests) fails where it should."""

import json

import pytest

from tests.openapi_check import Undescribed, check


def test_an_answer_that_fits_its_schema_passes() -> None:
    check("GET", "/api/submissions", 200, "application/json", b'{"submissions": []}')


def test_an_answer_that_does_not_fit_fails() -> None:
    with pytest.raises(Undescribed, match="does not fit"):
        check("GET", "/api/submissions", 200, "application/json", b'{"submissions": 3}')


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/nowhere", 200),
        ("DELETE", "/api/submissions", 200),
        ("GET", "/api/submissions", 418),
    ],
)
def test_json_the_document_does_not_describe_fails(method: str, path: str, status: int) -> None:
    with pytest.raises(Undescribed):
        check(method, path, status, "application/json", json.dumps({}).encode())


def test_other_answers_are_not_held_to_it() -> None:
    check("GET", "/sparql", 200, "application/json", b"not json")
    check("GET", "/api/observatory/figures/1.csv", 200, "text/csv", b"a,b")
