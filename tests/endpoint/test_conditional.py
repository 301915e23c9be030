"""Conditional and range headers read as RFC 9110 says (``endpoint.conditional``): HTTP dates
(``http-dates.yaml``), the headers every route sees (``exact-conditions.yaml``), and the doors
that read them: a static asset (werkzeug's ``send_file``) and the kept answers
(``endpoint.caching``, also tested in ``test_caching.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint.app import create_app
from endpoint.conditional import exact_conditions, read_http_date
from endpoint.pages import ASSETS
from tests.backends import oxigraph_published

HERE = Path(__file__).parent
DATES: list[dict[str, Any]] = yaml.safe_load((HERE / "http-dates.yaml").read_text("utf-8"))
HEADERS: list[dict[str, Any]] = yaml.safe_load((HERE / "exact-conditions.yaml").read_text("utf-8"))
#: the day the cases' two-digit years are read on
TODAY = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize("case", DATES, ids=[repr(case["text"]) for case in DATES])
def test_an_http_date_is_one_of_its_three_forms_or_nothing(case: dict[str, Any]) -> None:
    expected = case["date"]
    read = read_http_date(case["text"], TODAY)
    if expected is None:
        assert read is None
    else:
        assert read == datetime.fromisoformat(expected).replace(tzinfo=UTC).timestamp()


def test_no_header_is_no_date() -> None:
    assert read_http_date(None) is None


def _wsgi(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


@pytest.mark.parametrize("case", HEADERS, ids=[case["name"] for case in HEADERS])
def test_conditions_reach_every_route_as_they_are_read(case: dict[str, Any]) -> None:
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET", **_wsgi(case["given"])}
    exact_conditions(environ)
    assert environ == {"REQUEST_METHOD": "GET", **_wsgi(case["after"])}


@pytest.fixture(scope="module")
def app(store_path: Path) -> Iterator[Flask]:
    app = create_app(oxigraph_published(store_path).config(query_workers=1))
    yield app
    app.extensions["coworkmed.pool"].close()


#: conditions on a static asset and what they get, {date}: its Last-Modified, {tag}: its ETag
ASSET_CONDITIONS: list[tuple[dict[str, str], int]] = [
    ({"If-Modified-Since": "{date}"}, 304),
    ({"If-Modified-Since": "{date}, Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": "{zoned}"}, 200),
    ({"If-Modified-Since": "Mon, 01 Jan 0001 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"}, 304),
    ({"If-None-Match": "{tag}"}, 304),
    ({"Range": "bytes=0-9"}, 206),
    ({"Range": "bytes=0-0,-1"}, 200),
    ({"Range": "bytes=0-9", "If-Range": "{tag}"}, 206),
    ({"Range": "bytes=0-9", "If-Range": "W/{tag}"}, 200),
    ({"Range": "bytes=0-9", "If-Range": "{date}"}, 206),
    ({"Range": "bytes=0-9", "If-Range": "{date}, garbage"}, 200),
    ({"Range": "bytes=0-9", "If-Range": "Sat, 01 Jan 2000 00:00:00 GMT"}, 200),
]


@pytest.mark.parametrize(("condition", "status"), ASSET_CONDITIONS)
def test_a_static_asset_answers_conditions_as_they_are_read(
    app: Flask, condition: dict[str, str], status: int
) -> None:
    """Regression (issue #20): through werkzeug's send_file, a list of dates and a numeric zone
    got 304, several ranges 416, and a weak tag or garbage in If-Range a part (206)."""
    client = app.test_client()
    path = f"/assets/{sorted(ASSETS)[0]}"
    with client.get(path) as whole:  # a file sent as it is read: closed after
        body, date, tag = whole.data, whole.headers["Last-Modified"], whole.headers["ETag"]
    values = {"date": date, "tag": tag, "zoned": date.replace("GMT", "+0000")}
    headers = {name: value.format(**values) for name, value in condition.items()}
    with client.get(path, headers=headers) as answer:
        assert answer.status_code == status, headers
        assert answer.data == {304: b"", 206: body[:10], 200: body}[status]
