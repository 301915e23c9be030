"""A store built again in its place while the server runs (its folder removed and made again):
its generations count from 1 again, so a generation's number names other data than it did. Kept
answers, validators, Last-Modified, the query workers' open snapshot and the dumps all went on
serving the old store's (stranger 44, H1): they key on the snapshot's token now
(``OxigraphLocation.identity``)."""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from collections.abc import Iterator
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.dumps import export, served_dumps
from tests.backends import oxigraph_published
from tests.endpoint.test_caching import fetch
from triplestore.backends.oxigraph import OxigraphLocation

TOKEN = "a token for the rebuilt store"
BASE = "https://w3id.org/coworkmed/id/"
ASKED = "SELECT ?says WHERE { <urn:probe> <urn:says> ?says }"
QUERY = "/sparql?" + urllib.parse.urlencode({"query": ASKED})
JSON = {"Accept": "application/sparql-results+json"}


def _built_again(folder: Path, samples: Path) -> None:
    """The store's folder removed and made again (the samples, then one publish)."""
    shutil.rmtree(folder)
    shutil.copytree(samples, folder)


def _link_moved(folder: Path, samples: Path) -> None:
    """The store's folder a link, moved to another store (the samples, then one publish)."""
    other = folder.parent / f"other-{len(list(folder.parent.iterdir()))}"
    shutil.copytree(samples, other)
    moved = folder.parent / "link.tmp"
    moved.symlink_to(other)
    os.replace(moved, folder)


#: how the store is replaced while the server runs
REPLACED = {"built again in its place": _built_again, "a link moved to another": _link_moved}


@pytest.fixture(params=REPLACED)
def rebuilt(
    request: pytest.FixtureRequest, store_path: Path, tmp_path: Path
) -> Iterator[tuple[str, Path, Path]]:
    """A server over a copy of the samples (its folder a link to it, or the copy itself), and
    its dumps folder: its base URL, the store's folder and the dumps'."""
    folder, dumps = tmp_path / "store", tmp_path / "dumps"
    if request.param == "a link moved to another":
        shutil.copytree(store_path, tmp_path / "first")
        folder.symlink_to(tmp_path / "first")
    else:
        shutil.copytree(store_path, folder)
    settings = oxigraph_published(folder).config(
        query_workers=1, update_token=TOKEN, dumps=str(dumps), dumps_refresh=0
    )
    app = create_app(settings)
    with serve_in_thread(app) as base:
        yield base, folder, dumps
    app.extensions["coworkmed.pool"].close()


def _says(base: str, text: str) -> None:
    """Publish ``text`` as what <urn:probe> says (one update: one new generation)."""
    update = f'INSERT DATA {{ GRAPH <{BASE}graph/probe> {{ <urn:probe> <urn:says> "{text}" }} }}'
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    answer = fetch(base, "/sparql", headers, "POST", update.encode())
    assert answer.status == 204, answer.body[:300]


def _said(base: str, headers: dict[str, str] | None = None) -> tuple[int, list[str], Message]:
    answer = fetch(base, QUERY, {**JSON, **(headers or {})})
    if answer.status != 200:
        return answer.status, [], answer.headers
    rows = json.loads(answer.body)["results"]["bindings"]
    return 200, [row["says"]["value"] for row in rows], answer.headers


def _dumped(dumps: Path, generation: int, location: OxigraphLocation) -> bool:
    return served_dumps(dumps, generation, location.identity()).current


def test_a_store_replaced_in_its_place_is_never_taken_for_the_old_one(
    rebuilt: tuple[str, Path, Path], store_path: Path, request: pytest.FixtureRequest
) -> None:
    base, folder, dumps = rebuilt
    location = OxigraphLocation(folder)
    _says(base, "first")
    status, said, first = _said(base)
    assert (status, said) == (200, ["first"])
    generation = location.generation()
    export(location, BASE, dumps)
    assert _dumped(dumps, generation, location)
    # replaced: the same number of publishes, other data
    REPLACED[request.node.callspec.params["rebuilt"]](folder, store_path)
    _says(base, "second")
    assert location.generation() == generation
    # the query workers read the new snapshot, and no kept answer of the old one is given
    status, said, second = _said(base)
    assert (status, said) == (200, ["second"])
    assert second["ETag"] != first["ETag"]
    # the old validators do not validate the new data
    assert _said(base, {"If-None-Match": first["ETag"]})[0] == 200
    assert _said(base, {"If-Modified-Since": first["Last-Modified"]})[0] == 200
    # dated later, or in the second before's, which it then shares weakly (the condition
    # above got 200 all the same), never after its Date
    dates = [parsedate_to_datetime(d) for d in (first["Last-Modified"], second["Last-Modified"])]
    assert dates[0] <= dates[1] <= parsedate_to_datetime(second["Date"])
    # the old store's dumps of that generation are not the new store's
    assert not _dumped(dumps, generation, location)
    export(location, BASE, dumps)
    assert _dumped(dumps, generation, location)


def test_a_store_gone_for_a_while_is_unavailable_then_served_again(
    rebuilt: tuple[str, Path, Path], store_path: Path, request: pytest.FixtureRequest
) -> None:
    """While the store's folder is removed (being built again), a query is 503, the store's
    state, not 400 "the query exhausted the query worker": the workers died at each query
    trying to open it, and were started again in a loop (stranger 44, L7)."""
    if request.node.callspec.params["rebuilt"] != "built again in its place":
        pytest.skip("one way to lose the store is enough")
    base, folder, _dumps = rebuilt
    _says(base, "first")
    shutil.rmtree(folder)
    for _ in range(3):
        answer = fetch(base, QUERY, {**JSON, "Cache-Control": "no-cache"})
        assert answer.status == 503, answer.body[:300]
    shutil.copytree(store_path, folder)
    _says(base, "second")
    assert _said(base)[:2] == (200, ["second"])
