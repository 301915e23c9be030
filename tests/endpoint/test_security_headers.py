"""Which security headers each kind of answer carries (``endpoint.security``): a page the page
policy, a data answer one that lets nothing run (cases: security-headers.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint.app import create_app
from endpoint.security import DATA_HEADERS, SECURITY_HEADERS
from tests.backends import Published

CASES = yaml.safe_load((Path(__file__).parent / "security-headers.yaml").read_text("utf-8"))
#: kind of answer -> the headers it carries
KINDS: dict[str, dict[str, str]] = {
    "page": SECURITY_HEADERS,
    "data": DATA_HEADERS,
    "unsaid": SECURITY_HEADERS,
    "none": {},
}


@pytest.fixture(scope="module")
def app(published: Published) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_each_kind_of_answer_carries_its_security_headers(app: Flask, case: dict[str, Any]) -> None:
    headers = {
        **case.get("headers", {}),
        **({"Accept": case["accept"]} if "accept" in case else {}),
    }
    client = app.test_client()
    response = client.open(case["path"], method=case.get("method", "GET"), headers=headers)
    response.close()  # a file's answer holds it open
    if case.get("revalidated"):
        headers["If-None-Match"] = response.headers["ETag"]
        response = client.open(case["path"], headers=headers)
        response.close()
        assert response.status_code == 304
    assert response.status_code < 500
    kind = KINDS[case["kind"]]
    carried = {name: response.headers.get(name) for name in kind}
    expected = dict(kind)
    if case["path"] == "/query":  # YASGUI's inline styles (endpoint.security.RELAXED)
        assert "'unsafe-inline'" in carried.pop("Content-Security-Policy", "")
        del expected["Content-Security-Policy"]
    assert carried == expected, response.headers
    for name in (set(SECURITY_HEADERS) | set(DATA_HEADERS)) - set(kind):
        assert name not in response.headers, name
