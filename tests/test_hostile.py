"""Hostile input, one case per entry of the files tests/hostile/*.yaml: every answer is 4xx or
what the case expects, never a 5xx, carries the security headers, and never shows a token.

The app serves a copy of the samples in which fr-aura has published, with its own token, a
file whose space names are HTML and JavaScript. Bodies that are too large or too odd to write
in YAML are built by ``MAKERS``.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.security import security_headers
from publishing.partners import add_partner
from tests.backends import Published, oxigraph_published, writable_copy
from tests.engine_faults import MIXED_ZONES, temporal_beside_strings
from tests.hostile_files import MAKERS as UPLOAD_MAKERS
from tests.runs import sample_rows, write_sample

ROOT = Path(__file__).parents[1]
#: every case file of tests/hostile/ (one per kind of threat), in name order
CASES = [
    case
    for path in sorted((ROOT / "tests" / "hostile").glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]
UPDATE_TOKEN = "s3cret-update-token-for-the-hostile-tests"
WRONG_TOKEN = "not-the-token-at-all"
SCRIPT_NAME = "<script>alert(1)</script>"
ATTRIBUTE_NAME = '"><img src=x onerror=alert(2)>'


# ------------------------------------------------------------------ bodies built in code


def _rdf_xml(doctype: str, value: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{doctype}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        f'<rdf:Description rdf:about="http://example.org/a"><ex:p>{value}</ex:p>'
        "</rdf:Description></rdf:RDF>\n"
    ).encode()


def _billion_laughs() -> bytes:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    return _rdf_xml(entities, "&l9;")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A workbook whose one sheet inflates to 8 MB (the app allows 4 MB unpacked)."""
    sheet = b"<sheetData>" + b" " * 8_000_000 + b"</sheetData>"
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": sheet})


def _lying_zip() -> bytes:
    """A ZIP whose member declares 100 bytes and inflates to 2 MB."""
    data = bytearray(_zip({"xl/worksheets/sheet1.xml": b"A" * 2_000_000}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    return bytes(data)


MAKERS: dict[str, Callable[[], bytes | str]] = {
    "xxe": lambda: _rdf_xml('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
    "billion_laughs": _billion_laughs,
    "wide_entities": lambda: _rdf_xml(f'<!ENTITY w "{"w" * 10_000}">', "&w;" * 2_000),
    "plain_entity": lambda: _rdf_xml('<!ENTITY ex "http://example.org/">', "&ex;thing"),
    "deep_xml": lambda: _rdf_xml("", "<ex:q>" * 60_000 + "</ex:q>" * 60_000),
    "deep_turtle": lambda: "<http://example.org/s> <http://example.org/p> " + "(" * 200_000,
    "deep_json": lambda: "[" * 200_000 + "]" * 200_000,
    "zip_bomb": _zip_bomb,
    "lying_zip": _lying_zip,
    "small_text": lambda: "<?php system($_GET['c']); ?>",
    # --- issue #16, part C (graphs, XML, parameters, Host): bodies YAML cannot hold
    "utf16_entity_xml": lambda: (
        _rdf_xml('<!ENTITY e "x">', "&e;")
        .decode()
        .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
        .encode("utf-16")
    ),
    "utf16_external_dtd": lambda: (
        _rdf_xml("", "x")
        .decode()
        .replace("<!DOCTYPE rdf:RDF []>", '<!DOCTYPE rdf:RDF SYSTEM "http://127.0.0.1:9/dtd">')
        .encode("utf-16")
    ),
    # --- end of part C
    "deep_braces": lambda: "SELECT * WHERE " + "{" * 5_000 + "}" * 5_000,
    "deep_parentheses": lambda: "ASK { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }",
    "operator_chain": lambda: "ASK { FILTER(1" + "+1" * 20_000 + ") }",
    "long_path": lambda: "ASK { ?s <http://e/p>" + "/<http://e/p>" * 20_000 + " ?o }",
    "deep_update": lambda: "INSERT { ?s ?p ?o } WHERE " + "{" * 5_000 + "}" * 5_000,
    "huge_query": lambda: "ASK {}" + " " * 2_000_000,
    # --- stranger 87: texts whose reading in the server's process was quadratic or worse (each
    # took from 27 s to hours of the server's processor, or gigabytes, before the engine saw it)
    "letter_run": lambda: "SELECT * WHERE { } " + "é" * 128_000,
    "dotted_run": lambda: "SELECT * WHERE { } " + "a." * 128_000,
    "unclosed_order": lambda: "SELECT * WHERE { } " + "ORDER BY(]" * 25_000,
    "unclosed_group": lambda: "SELECT * WHERE { } " + "GROUP BY(]" * 25_000,
    # the reading of where a variable is only computed (``core.sparql_text._computed``), in
    # the worker before the engine, was quadratic in these words (145 s when first written)
    "select_run": lambda: "SELECT " * 30_000 + "?d { BIND(STR(?e) AS ?d) } ORDER BY ?d",
    "group_run": lambda: "SELECT ?d { BIND(STR(?e) AS ?d) } " + "GROUP " * 30_000 + "ORDER BY ?d",
    # each AS of a projection looked back for its "(" to the projection's start (stranger 111)
    "as_run": lambda: "SELECT " + "?v " * 300_000 + "AS ?a " * 900 + "{} ORDER BY ?a",
    "base_chain": lambda: "BASE<a/>" * 8_000 + "SELECT * WHERE { } LIMIT 1",
    "prefix_flood": lambda: "".join(f"PREFIX p{i}:<>" for i in range(16_000)) + "ASK {}",
    "dotted_iri": lambda: "SELECT * WHERE { ?s ?p <" + "./" * 499_000 + "a> } LIMIT 1",
    "where_blocks": lambda: "INSERT { <urn:a> <urn:b> <urn:c> } " + "WHERE{}" * 3_000,
    "huge_query_parameter": lambda: "ASK {}" + "#" * 2_000_000,
    "huge_csv": lambda: "Name\n" + "x" * 5_000_000,
    # -- SPARQL queries and updates (issue #16, items 3, 4, 7, 8: tests/hostile/sparql.yaml)
    "union_chain": lambda: "SELECT * { " + " UNION ".join(["{?s ?p ?o}"] * 20_000) + " }",
    "optional_chain": lambda: "SELECT * { ?s ?p ?o" + " OPTIONAL {?s ?p ?o}" * 20_000 + " }",
    "glued_minus_chain": lambda: "SELECT * { ?s ?p ?o" + " ?s ?p trueMINUS{}" * 20_000 + " }",
    "bind_chain_parameter": lambda: (
        "SELECT * {" + "".join(f" BIND(1 AS ?v{n})" for n in range(5_000)) + " }"
    ),
    "union_update": lambda: (
        "INSERT { <urn:a> <urn:b> 1 } WHERE { " + " UNION ".join(["{?s ?p ?o}"] * 20_000) + " }"
    ),
    "triple_chain": lambda: "SELECT * { " + " . ".join(["?s ?p ?o"] * 10_000) + " }",
    "unjoined_patterns": lambda: (
        "SELECT (COUNT(*) AS ?n) { " + " ".join(f"?s{i} ?p{i} 1 ." for i in range(300)) + " }"
    ),
    "not_chain": lambda: "ASK { FILTER(" + "!" * 20_000 + "true) }",
    "collection_of_booleans": lambda: "ASK { <urn:s> <urn:p> (" + "true " * 5_000 + ") }",
    "collection_of_numbers": lambda: "ASK { <urn:s> <urn:p> (" + "1 " * 290 + ") }",
    "blank_node_patterns_form": lambda: "query=" + quote("ASK { " + "[] a [] . " * 600 + "}"),
    "label_paths": lambda: (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * { ?s a ?kind "
        + " ".join(
            f"OPTIONAL {{ ?s <urn:hostile:k{n}>/(skos:prefLabel|rdfs:label|<urn:n>) ?l{n} "
            f'FILTER(LANGMATCHES(LANG(?l{n}), "en") || LANG(?l{n}) = "") }}'
            for n in range(14)
        )
        + " } LIMIT 100"
    ),
    "typed_data": lambda: (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> INSERT DATA { GRAPH <urn:hostile:typed> { "
        + " . ".join(
            f'<urn:hostile:s{n}> <urn:hostile:d> "2024-01-01"^^xsd:date' for n in range(1_500)
        )
        + " } }"
    ),
    "signed_coordinates": lambda: (
        "SELECT (COUNT(*) AS ?n) { VALUES (?lat ?long) { "
        + " ".join(f"(-{n % 90}.5 -0.{n})" for n in range(1_500))
        + " } }"
    ),
    "typed_patterns": lambda: (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT * { "
        + " ".join(f'?s <urn:hostile:p{n}> "1"^^xsd:int .' for n in range(90))
        + " } LIMIT 1"
    ),
    "mixed_zones": lambda: MIXED_ZONES,
    "dates_beside_strings": lambda: (
        "SELECT ?o { VALUES ?o { " + temporal_beside_strings("dateTime", 0) + " } } ORDER BY ?o"
    ),
    "mixed_zones_update": lambda: (
        "INSERT { <urn:a> <urn:b> ?o } WHERE { { "
        + MIXED_ZONES.removesuffix("ORDER BY ?o")
        + "ORDER BY ?o LIMIT 1 } }"
    ),
    "projected_expressions": lambda: (
        "SELECT " + " ".join(f"(1 AS ?v{n})" for n in range(2_750)) + " { }"
    ),
    "group_conditions": lambda: (
        "SELECT * { } GROUP BY " + " ".join(f"(?o{n})" for n in range(3_000))
    ),
    "from_named_clauses": lambda: (
        "SELECT * " + " ".join(f"FROM NAMED <urn:g{n}>" for n in range(2_000)) + " { }"
    ),
    "named_graph_parameters": lambda: (
        "query=ASK%20%7B%7D&" + "&".join(f"named-graph-uri=urn%3Ag{n}" for n in range(1_001))
    ),
    "order_by_calls": lambda: (
        "SELECT * {} ORDER BY " + " ".join(f"STR(?o{n})" for n in range(3_000))
    ),
    "order_by_variables": lambda: (
        "SELECT * {} ORDER BY " + " ".join(f"?o{n}" for n in range(2_700))
    ),
    "glued_order_by_in_an_update": lambda: (
        "INSERT { <urn:a> <urn:b> ?o0 } WHERE { { SELECT * { } ORDERBY "
        + " ".join(f"?o{n}" for n in range(2_700))
        + " } }"
    ),
    "doubling_query": lambda: (
        'SELECT (STRLEN(?v28) AS ?n) { BIND("aaaaaaaaaa" AS ?v0) '
        + " ".join(f"BIND(CONCAT(?v{n}, ?v{n}) AS ?v{n + 1})" for n in range(28))
        + " }"
    ),
    "doubling_update": lambda: (
        'INSERT { <urn:a> <urn:b> ?z } WHERE { BIND("aaaaaaaaaa" AS ?a) '
        + " ".join(f"BIND(CONCAT(?v{n}, ?v{n}) AS ?v{n + 1})" for n in range(26)).replace(
            "?v0", "?a"
        )
        + " BIND(?v26 AS ?z) }"
    ),
}

# part A of issue #16 (uploads): hostile submissions, built in tests/hostile_files.py
MAKERS.update(UPLOAD_MAKERS)


# ------------------------------------------------------------------ the app under attack


def _hostile_submission(folder: Path) -> Path:
    """fr-aura's sample with HTML and JavaScript as the names of its first two spaces."""
    rows = sample_rows()
    name = rows[0].index("Nom")
    rows[1][name], rows[2][name] = SCRIPT_NAME, ATTRIBUTE_NAME
    return write_sample(folder / "tiers-lieux.tsv", rows)


class Attacked:
    """The app, its tokens, and the local paths of the spaces with hostile names."""

    def __init__(self, folder: Path, store: Published) -> None:
        partners = folder / "partners.toml"
        self.tokens = {
            "update": UPDATE_TOKEN,
            "wrong": WRONG_TOKEN,
            "fr-aura": add_partner(partners, "fr-aura", "AURA"),
            "it-toscana": add_partner(partners, "it-toscana", "Toscana"),
        }
        self.config = store.config(
            update_token=UPDATE_TOKEN,
            partners_file=str(partners),
            mappings=str(ROOT / "examples" / "partners"),
            query_workers=1,
            query_timeout=20,
            max_upload=4_000_000,
            max_unpacked=4_000_000,
            write_rate=0,
            validate_rate=0,
        )
        self.apps: list[Flask] = []
        self.app = self.make_app({})
        self.paths = self._publish_hostile(folder)

    def make_app(self, settings: dict[str, Any]) -> Flask:
        app = create_app({**self.config, **settings})
        self.apps.append(app)
        return app

    def _publish_hostile(self, folder: Path) -> dict[str, str]:
        client = self.app.test_client()
        path = _hostile_submission(folder)
        response = client.post(
            "/api/submissions",
            data={"file": (io.BytesIO(path.read_bytes()), "tiers-lieux.tsv"), "mapping": "fr-aura"},
            headers={"Authorization": f"Bearer {self.tokens['fr-aura']}"},
        )
        assert response.status_code == 201, response.get_json()
        paths = {}
        for key, name in (("space", SCRIPT_NAME), ("space2", ATTRIBUTE_NAME)):
            literal = json.dumps(name)
            query = (
                "PREFIX cwm: <https://w3id.org/coworkmed/def/>"
                f" SELECT ?s {{ ?s a cwm:Space ; ?label {literal} }} LIMIT 1"
            )
            answer = client.get(
                "/sparql",
                query_string={"query": query},
                headers={"Accept": "application/sparql-results+json"},
            )
            iri = answer.get_json()["results"]["bindings"][0]["s"]["value"]
            paths[key] = "/" + iri.removeprefix("https://w3id.org/coworkmed/")
        return paths

    def close(self) -> None:
        for app in self.apps:
            app.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def attacked(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attacked]:
    folder = tmp_path_factory.mktemp("hostile")
    with writable_copy(oxigraph_published(store_path), folder, None) as store:
        attacked = Attacked(folder, store)
        yield attacked
        attacked.close()


# ------------------------------------------------------------------ the cases


def _body(request: dict[str, Any]) -> bytes | str | None:
    if "make" in request:
        return MAKERS[request["make"]]()
    return request.get("body")


def _upload(spec: dict[str, Any]) -> tuple[io.BytesIO, str]:
    if "make" in spec:
        data = MAKERS[spec["make"]]()
    else:
        data = (ROOT / spec["path"]).read_bytes()
    data = data.encode() if isinstance(data, str) else data
    return io.BytesIO(data), spec["name"]


def send(client: FlaskClient, request: dict[str, Any], attacked: Attacked) -> TestResponse:
    """Send one case's request."""

    def fill(text: str) -> str:
        return text.format(**attacked.paths) if "{space" in text else text

    headers = dict(request.get("headers", {}))
    if "token" in request:
        headers["Authorization"] = f"Bearer {attacked.tokens[request['token']]}"
    query = {k: fill(str(v)) for k, v in request.get("query", {}).items()}
    method = request.get("method", "GET")
    body = _body(request)
    if method == "GET" and request.get("make") in (
        "huge_query_parameter",
        "bind_chain_parameter",
        "doubling_query",
    ):
        query["query"], body = body, None
    options: dict[str, Any] = {"query_string": query, "headers": headers}
    if "file" in request:
        options["data"] = {"file": _upload(request["file"]), **query}
        options["content_type"] = "multipart/form-data"
    elif body is not None:
        options["data"] = body
        options["content_type"] = request.get("content_type")
    response = client.open(fill(request["path"]), method=method, **options)
    # the test client spools a large multipart body to a file; a refused one is never read
    response.request.environ["wsgi.input"].close()
    return response


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c["id"], marks=pytest.mark.slow if c.get("slow") else ()) for c in CASES],
)
def test_a_hostile_request_gets_a_safe_answer(attacked: Attacked, case: dict[str, Any]) -> None:
    app = attacked.make_app(case["settings"]) if "settings" in case else attacked.app
    client = app.test_client()
    for _ in range(case.get("repeat", 1)):
        response = send(client, case["request"], attacked)
    expect, body = case["expect"], response.get_data(as_text=True)
    statuses = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
    assert response.status_code in statuses, f"{response.status_code}: {body[:500]}"
    assert response.status_code < 500
    for text in expect.get("contains", []):
        assert text in body, f"{text!r} missing from: {body[:800]}"
    for text in expect.get("absent", []):
        assert text not in body, f"{text!r} in the answer"
    for name, value in expect.get("headers", {}).items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    for name, (low, high) in expect.get("header_between", {}).items():
        number = int(response.headers.get(name, "-1"))
        assert low <= number <= high, (name, number)
    for name in security_headers(response.mimetype, response.status_code):
        assert name in response.headers, f"no {name} header"
    for token in attacked.tokens.values():
        assert token not in body, "a token is shown in the answer"
    for path in expect.get("files_absent", []):
        assert not Path(path).exists(), f"{path} was written"


def test_there_are_at_least_forty_hostile_cases() -> None:
    assert len(CASES) >= 40 and len({c["id"] for c in CASES}) == len(CASES)


def test_the_server_still_answers_after_every_hostile_case(attacked: Attacked) -> None:
    """Run after the cases (same module): nothing they sent took a worker or the store down."""
    client = attacked.app.test_client()
    assert client.get("/health").status_code == 200
    answer = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert answer.status_code == 200 and b"true" in answer.data


def test_tokens_never_reach_the_logs(attacked: Attacked, caplog: pytest.LogCaptureFixture) -> None:
    """Writes with right, wrong and partner tokens through a real server: no token in any log
    record (waitress, Flask, ours), whatever the answer."""
    caplog.set_level(logging.DEBUG)
    import urllib.error
    import urllib.request

    with serve_in_thread(attacked.app) as base:
        for token in attacked.tokens.values():
            request = urllib.request.Request(
                f"{base}/sparql",
                data=b"INSERT DATA { GRAPH <http://example.org/log> { <a:s> <a:p> <a:o> } }",
                headers={
                    "Content-Type": "application/sparql-update",
                    "Authorization": f"Bearer {token}",
                },
                method="POST",
            )
            try:
                urllib.request.urlopen(request, timeout=30).close()
            except urllib.error.HTTPError as refused:
                refused.close()
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for token in attacked.tokens.values():
        assert token not in logged
