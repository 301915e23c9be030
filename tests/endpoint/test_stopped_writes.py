"""A write stopped at its time limit says what it left (stranger 94: a Graph Store PUT answered
422 "nothing was changed" was committed, and showed with the next write). The embedded store's
mark says a change was begun; the store is then compared with what readers see, and published
at once: a change saved is a write made (201, 204), one not saved is 422, nothing changed. The
changes here are the real ones, made to outlast a 1-second limit before or after they commit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from endpoint import graphstore, sparql
from tests.backends import app_on_a_copy

pytestmark = pytest.mark.slow  # confined workers that outlast their limits

TOKEN = "token-of-the-stopped-writes-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "http://example.org/stopped/g"
TRIPLES = '<http://example.org/s> <http://example.org/p> _:b .\n_:b <http://example.org/q> "1" .\n'
UPDATE = f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/u> <http://example.org/p> 2 }} }}"
#: an update that keeps every graph's size: one triple's object for another
SAME_SIZES = (
    f'DELETE {{ GRAPH <{G}> {{ ?b <http://example.org/q> "1" }} }} '
    f'INSERT {{ GRAPH <{G}> {{ ?b <http://example.org/q> "2" }} }} '
    f'WHERE {{ GRAPH <{G}> {{ ?b <http://example.org/q> "1" }} }}'
)
#: seconds a change outlasts the 1-second limit by
PAST = 4.0


def committed_then_hung(store: Any, *args: Any) -> Any:
    """The Graph Store's change, then work past the limit (freeing a large transaction)."""
    done = graphstore.store_checked(store, *args)
    time.sleep(PAST)
    return done


def deleted_then_hung(store: Any, *args: Any) -> None:
    graphstore.delete_checked(store, *args)
    time.sleep(PAST)


def marked_then_hung(store: Any, *_args: Any) -> None:
    """A change begun (the store marked), stopped before its commit."""
    store._changing()
    time.sleep(PAST)


def updated_then_hung(store: Any, *args: Any) -> None:
    sparql.apply_update(store, *args)
    time.sleep(PAST)


#: case -> (module patched, its change, what stands for it, request, status, graph after)
CASES: dict[str, tuple[Any, str, Any, tuple[str, str, dict[str, Any]], int, bool]] = {
    "put-saved-makes-the-graph": (
        graphstore, "store_checked", committed_then_hung,
        ("put", f"/store?graph={G}", {"data": TRIPLES, "content_type": "application/n-triples"}),
        201, True,
    ),
    "post-saved-to-the-graph": (
        graphstore, "store_checked", committed_then_hung,
        ("post", f"/store?graph={G}", {"data": TRIPLES, "content_type": "application/n-triples"}),
        201, True,
    ),
    "put-begun-not-saved": (
        graphstore, "store_checked", marked_then_hung,
        ("put", f"/store?graph={G}", {"data": TRIPLES, "content_type": "application/n-triples"}),
        422, False,
    ),
    "delete-saved": (
        graphstore, "delete_checked", deleted_then_hung, ("delete", f"/store?graph={G}", {}),
        204, False,
    ),
    "update-saved": (
        sparql, "apply_update", updated_then_hung,
        ("post", "/sparql", {"data": UPDATE, "content_type": "application/sparql-update"}),
        204, True,
    ),
    "update-begun-not-saved": (
        sparql, "apply_update", marked_then_hung,
        ("post", "/sparql", {"data": UPDATE, "content_type": "application/sparql-update"}),
        422, False,
    ),
    # every size kept: the change is found by the graphs' triples (stranger 100: sizes alone
    # could not tell, and an update that left nothing made a new generation)
    "update-saved-every-size-kept": (
        sparql, "apply_update", updated_then_hung,
        ("post", "/sparql", {"data": SAME_SIZES, "content_type": "application/sparql-update"}),
        204, True,
    ),
    "update-begun-not-saved-on-a-graph-there": (
        sparql, "apply_update", marked_then_hung,
        ("post", "/sparql", {"data": SAME_SIZES, "content_type": "application/sparql-update"}),
        422, True,
    ),
}  # fmt: skip
#: the cases whose graph is written first
GIVEN = ("delete-saved", "update-saved-every-size-kept", "update-begun-not-saved-on-a-graph-there")


@pytest.fixture
def app(store_path: Path, tmp_path: Path) -> Iterator[Flask]:
    with app_on_a_copy(
        store_path, tmp_path, query_workers=1, query_timeout=1, update_token=TOKEN
    ) as app:
        yield app


def _holds_g(app: Flask) -> bool:
    asked = app.test_client().get("/sparql", query_string={"query": f"ASK {{ GRAPH <{G}> {{}} }}"})
    return b"true" in asked.data


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_write_stopped_at_its_limit_says_what_it_left(
    app: Flask, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, name, standing, (method, path, arguments), status, there = CASES[case]
    client = app.test_client()
    if case in GIVEN:  # the graph to change, written first
        made = client.put(
            f"/store?graph={G}", data=TRIPLES, content_type="application/n-triples", headers=AUTH
        )  # noqa: E501
        assert made.status_code == 201, made.data
    monkeypatch.setattr(module, name, standing)
    before = int(
        client.get("/sparql", query_string={"query": "ASK {}"}).headers["Store-Generation"]
    )
    answer = getattr(client, method)(path, headers=AUTH, **arguments)
    said = answer.get_data(as_text=True)
    assert answer.status_code == status, said
    if status == 422:  # whatever graphs it may write, what it left is known
        assert "nothing was changed" in said
    # what readers see now is what the store holds: published at once, not at the next write
    assert _holds_g(app) is there
    now = int(client.get("/sparql", query_string={"query": "ASK {}"}).headers["Store-Generation"])
    if status < 300:  # published with the write's answer
        assert now == int(answer.headers["Store-Generation"]) > before
    else:  # it left nothing: readers keep their generation (stranger 95: a new one each time;
        assert now == before  # stranger 100, for an update)
    monkeypatch.undo()
    other = client.put(
        "/store?graph=http://example.org/other",
        data=TRIPLES,
        content_type="application/n-triples",
        headers=AUTH,
    )
    assert other.status_code == 201, other.data
    assert _holds_g(app) is there  # the next write changes nothing of it
