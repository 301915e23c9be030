"""A client's text is read twice before it runs: by the server's scanner, and in a worker by
another parser (``core.sparql_reading``). Blinded here (a scanner that sees no SERVICE, LOAD or
protected graph, as strangers 101 to 113 made it miss them through texts it read otherwise
than the engine), the scanner lets a text through, and the second reading alone refuses it: no
request reaches the loopback listener that stands for another host, the catalogue is as it
was. Cases: ``read-twice.yaml``, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint import execution, sparql, writes
from endpoint.app import create_app
from tests.backends import BASE, Published
from tests.listener import Listener, listening

CASES = yaml.safe_load(Path(__file__).with_name("read-twice.yaml").read_text("utf-8"))
TOKEN = "token-of-the-read-twice-test"
CATALOG = f"{BASE}catalog"
#: 600 KB of short strings: more than the second reading reads, less than max_body
PADDING = " ".join(f'"{n}"' for n in range(80_000))
COUNT_CATALOG = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{CATALOG}> {{ ?s ?p ?o }} }}"


def blinded_apply(store: Any, *args: Any) -> None:
    """``apply_update`` in its worker, with the scanner's rules there blinded too (its text
    runs as written: the wide operations and protected graphs the scanner sees are let be)."""
    sparql.guard_update = lambda update, _base, _base_iri, _graphs: update  # type: ignore[assignment]
    sparql.apply_update(store, *args)


def blinded_read(*args: Any) -> tuple[int, str] | None:
    """``update_read_again`` in its worker, the scanner's rules there blinded: the second
    reading alone."""
    execution.guard_update = lambda update, _base, _base_iri, _graphs: update  # type: ignore[assignment]
    return execution.update_read_again(*args)


def _blind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's scanner sees no SERVICE, no LOAD, no protected graph, in the server and in
    the update's workers."""
    monkeypatch.setattr(sparql, "remote_access", lambda _text: None)
    monkeypatch.setattr(sparql, "protected_update", lambda *_args: None)
    monkeypatch.setattr(sparql, "apply_update", blinded_apply)
    monkeypatch.setattr(writes, "update_read_again", blinded_read)


@pytest.fixture(scope="module")
def listeners() -> Iterator[tuple[Listener, Listener]]:
    """The allowed peer, and the host no text may reach."""
    with listening() as peer, listening() as evil:
        yield peer, evil


@pytest.fixture
def app(writable_module: Published, listeners: tuple[Listener, Listener]) -> Iterator[Flask]:
    peer, _evil = listeners
    config = writable_module.config(
        query_workers=1, service_peers=f"{peer.url}/sparql", update_token=TOKEN
    )
    app = create_app(config)
    try:
        yield app
    finally:
        app.extensions["coworkmed.pool"].close()


def _text(template: str, listeners: tuple[Listener, Listener]) -> str:
    peer, evil = listeners
    values = {
        "peer": f"{peer.url}/sparql",
        "evil": evil.url,
        "catalog": CATALOG,
        "base": BASE,
        "padding": PADDING,
    }
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _catalogue(app: Flask) -> bytes:
    answer = app.test_client().get(
        "/sparql", query_string={"query": COUNT_CATALOG}, headers={"Accept": "text/csv"}
    )
    assert answer.status_code == 200, answer.data
    return answer.data


@pytest.mark.parametrize("name", list(CASES["queries"]))
def test_a_query_is_refused_by_its_second_reading(
    app: Flask,
    listeners: tuple[Listener, Listener],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    case = CASES["queries"][name]
    if case.get("blind"):
        _blind(monkeypatch)
    heard = len(listeners[1].heard)
    text = _text(case["text"], listeners)
    answer = app.test_client().get("/sparql", query_string={"query": text})
    said = answer.get_data(as_text=True)
    assert answer.status_code == case["status"], said
    assert case["words"] in said
    assert len(listeners[1].heard) == heard  # the other host was never asked


@pytest.mark.parametrize("name", list(CASES["updates"]))
def test_an_update_is_refused_by_its_second_reading(
    app: Flask,
    listeners: tuple[Listener, Listener],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    case = CASES["updates"][name]
    catalogue = _catalogue(app)
    if case.get("blind"):
        _blind(monkeypatch)
    heard = len(listeners[1].heard)
    answer = app.test_client().post(
        "/sparql",
        data=_text(case["text"], listeners),
        content_type="application/sparql-update",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    said = answer.get_data(as_text=True)
    assert answer.status_code == case["status"], said
    assert case["words"] in said
    assert len(listeners[1].heard) == heard
    assert _catalogue(app) == catalogue
