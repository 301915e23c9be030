"""Every IRI minted from a partner identifier dereferences on a real server (issue #18/#20,
stranger 40): an identifier holding ``/``, ``<``, ``:``, ``%``, spaces or dots is minted with
percent-encoding (``S-001/address`` -> ``.../hr-split/S-001%2Faddress``), and the server, which
Werkzeug hands the path already decoded, read it back as another IRI (404). Each identifier of
iri-identifier-cases.yaml replaces one row of hr-split's sample; its IRI must answer 303 to a
document answering 200 in HTML, Turtle and JSON-LD, as must the links of the dataset page and of
/search; and no identifier or hand-written path reaches another partner's record."""

from __future__ import annotations

import http.client
import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from coworkmed.cli import main
from coworkmed.serving import serve_process
from loaders.rdf import segment
from publishing.build import load_source, publish_vocabulary
from triplestore.versions import open_store

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
SAMPLE = ROOT / "examples" / "partners" / "hr-split"
CASES = yaml.safe_load((Path(__file__).parent / "iri-identifier-cases.yaml").read_text("utf-8"))
BY_NAME = {case["name"]: case for case in CASES["identifiers"]}
ACCEPTS = {
    "text/html": "text/html",
    "text/turtle": "text/turtle",
    "application/ld+json": "application/ld+json",
}
#: the row whose name is left out: held back, listed with its link on the dataset page
HELD_BACK = "held/back<1>"
HREF = re.compile(r'href="(/(?:id|doc)/[^"]*)"')


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def _sample(folder: Path) -> Path:
    """hr-split's mapping beside its file, the first row copied once per identifier (named
    ``Case <name>``), and once more without a name (held back)."""
    folder.mkdir()
    shutil.copy(SAMPLE / "mapping.yaml", folder / "mapping.yaml")
    lines = (SAMPLE / "coworking-prostori.csv").read_text("cp1250").splitlines()
    header, first = lines[0], lines[1].split(";")
    rows = [";".join([case["id"], f"Case {case['name']}", *first[2:]]) for case in BY_NAME.values()]
    rows.append(";".join([HELD_BACK, "", *first[2:]]))
    text = "\r\n".join([header, *rows]) + "\r\n"
    (folder / "coworking-prostori.csv").write_bytes(text.encode("cp1250"))
    return folder / "mapping.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `coworkmed serve` over the vocabulary, fr-aura's sample (the other partner) and
    hr-split's made of the cases' rows."""
    folder = tmp_path_factory.mktemp("identifier-iris")
    store = folder / "store"
    opened = open_store(store)
    publish_vocabulary(opened)
    load_source(ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml", opened, BASE, store)
    load_source(_sample(folder / "hr-split"), opened, BASE, store)
    del opened
    with serve_process(store) as base:
        yield base


def _get(base: str, path: str, accept: str = "text/turtle") -> tuple[int, str, str]:
    """Status, Location and body of a GET of ``path`` sent as written (no client normalises
    its dot segments or re-encodes it)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.putheader("Accept", accept)
        connection.endheaders()
        answer = connection.getresponse()
        body = answer.read().decode("utf-8", "replace")
        return answer.status, answer.getheader("Location") or "", body
    finally:
        connection.close()


def _dereferenced(base: str, path: str, accept: str) -> str:
    """The body of the document ``path`` (an IRI's path) is 303 to, which must be a 200."""
    status, location, _ = _get(base, path, accept)
    assert status == 303, (path, status)
    assert location.startswith("/doc/"), location
    status, _, body = _get(base, location, accept)
    assert status == 200, (location, status)
    return body


@pytest.mark.parametrize("case", CASES["identifiers"], ids=_ids(CASES["identifiers"]))
@pytest.mark.parametrize("accept", list(ACCEPTS))
def test_the_minted_iri_of_an_identifier_dereferences(
    server: str, case: dict[str, Any], accept: str
) -> None:
    assert segment(case["id"]) == case["iri"]
    path = f"/id/space/hr-split/{case['iri']}"
    body = _dereferenced(server, path, accept)
    assert f"Case {case['name']}" in body  # its own record, not another
    if accept == "text/turtle":
        assert f"<{BASE}space/hr-split/{case['iri']}>" in body


@pytest.mark.parametrize("case", CASES["requests"], ids=_ids(CASES["requests"]))
def test_a_path_written_by_hand_names_the_iri_it_encodes_or_none(
    server: str, case: dict[str, Any]
) -> None:
    path = f"/id/{case['path']}"
    status, location, _ = _get(server, path)
    assert status == case["status"], (path, status, location)
    if status == 303:
        status, _, body = _get(server, location)
        assert status == 200
        assert f"Case {case['record']}" in body
        assert location == f"/doc/id/space/hr-split/{BY_NAME[case['record']]['iri']}.ttl"
    else:
        assert "AURA-001" not in location


def _links(server: str, path: str) -> set[str]:
    status, _, body = _get(server, path, "text/html")
    assert status == 200, (path, status)
    return {unescape(link) for link in HREF.findall(body)}


def _answers(server: str, link: str) -> None:
    status, location, _ = _get(server, link, "text/html")
    if status == 303:
        status, location, _ = _get(server, location, "text/html")
    assert status == 200, (link, status, location)


def test_the_links_of_the_dataset_page_and_of_search_answer(server: str) -> None:
    dataset = _dereferenced(server, "/id/dataset/hr-split", "text/html")
    links = {unescape(link) for link in HREF.findall(dataset)}
    held = [link for link in links if "/held-back/" in link]
    assert held, sorted(links)
    found = _links(server, f"/search?q={quote('Case')}")
    for case in BY_NAME.values():
        assert f"/id/space/hr-split/{case['iri']}" in found, case["name"]
    for link in sorted(links | found):
        _answers(server, link)
    assert HELD_BACK in unescape(dataset)  # its identifier, as the partner wrote it


@pytest.mark.parametrize("case", CASES["identifiers"], ids=_ids(CASES["identifiers"]))
def test_the_links_of_a_space_page_answer(server: str, case: dict[str, Any]) -> None:
    """Its source record (``/id/record/hr-split/...``), its parts, its downloads."""
    page = _dereferenced(server, f"/id/space/hr-split/{case['iri']}", "text/html")
    links = {unescape(link) for link in HREF.findall(page)}
    assert f"/id/record/hr-split/{case['iri']}" in links, sorted(links)
    assert f"/doc/id/space/hr-split/{case['iri']}.ttl" in links, sorted(links)
    for link in sorted(links):
        _answers(server, link)


def test_the_command_line_names_a_held_back_record_by_its_identifier(tmp_path: Path) -> None:
    """``load`` listed it as its IRIs encode it (``held%2Fback%3C1%3E``), which the partner never
    wrote; the dataset page did the same (test above)."""
    mapping = _sample(tmp_path / "hr-split")
    ran = CliRunner().invoke(
        main, ["load", str(mapping), "--store", str(tmp_path / "store"), "--lang", "en"]
    )
    assert f"({HELD_BACK})" in ran.output, ran.output
    assert segment(HELD_BACK) not in ran.output
