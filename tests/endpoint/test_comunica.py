"""Comunica, the SPARQL client of browser pages (@comunica/query-sparql from npm, run by Node.js:
``tests/clients/comunica-query.mjs``), against a live server on loopback. Each query of
comunica-cases.yaml is asked by Comunica and by SPARQLWrapper of the same server: the answers must
be the same. Comunica is given the endpoint's URL alone; every request it makes must reach this
server (the script refuses any other origin, the server counts what it was sent) and be one a
browser page may send to another origin without a CORS preflight.

Without Node.js or ``tests/clients/node_modules`` (``make test-all`` installs it) the tests are
skipped, unless COWORKMED_REQUIRE_BROWSER is set (CI): then they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox
import pytest
import yaml
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import Published
from tests.endpoint.browser import REQUIRE_BROWSER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: the full suite's tier: each test runs a Node.js process of its own (measured 1.5-2.5 s)
pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
CLIENTS = HERE.parent / "clients"
SCRIPT = CLIENTS / "comunica-query.mjs"
NODE = shutil.which("node")
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "comunica-cases.yaml").read_text("utf-8"))
#: seconds a run of Comunica may take (it starts in about one)
TIMEOUT = 120
#: Comunica GETs a query whose URL would be shorter than this, and POSTs the others as a form
#: (forceGetIfUrlLengthBelow, in @comunica/query-sparql's engine-default.js)
GET_BELOW = 600
#: what JavaScript's encodeURIComponent leaves as it is, besides letters and digits
SAFE_IN_COMPONENT = "-_.!~*'()"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: the headers a page's script may set on a cross-origin request that needs no preflight (Fetch's
#: CORS-safelisted request headers), and those the browser sets itself (forbidden to scripts)
SAFELISTED = {"accept", "accept-language", "content-language", "content-type"}
BROWSER_SET = {"accept-encoding", "user-agent"}
SIMPLE_CONTENT_TYPES = {
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
}
#: bytes that make a safelisted header's value need a preflight after all
CORS_UNSAFE = set('"():<>?@[\\]{}\x7f') | {chr(c) for c in range(0x20) if c != 0x09}


def _installed_version() -> str | None:
    """The version of @comunica/query-sparql in tests/clients/node_modules, if any."""
    package = CLIENTS / "node_modules" / "@comunica" / "query-sparql" / "package.json"
    if not package.exists():
        return None
    return str(json.loads(package.read_text("utf-8"))["version"])


def _missing() -> str | None:
    """Why Comunica cannot run here, or None."""
    if NODE is None:
        return "Node.js is not installed (apt-get install nodejs npm)"
    wanted = json.loads((CLIENTS / "package.json").read_text("utf-8"))["dependencies"]
    installed = _installed_version()
    if installed != wanted["@comunica/query-sparql"]:
        return (
            f"@comunica/query-sparql {wanted['@comunica/query-sparql']} is not installed in "
            f"tests/clients/node_modules (found {installed}): "
            "make tests/clients/node_modules/.package-lock.json"
        )
    return None


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, with Comunica installed beside the script: skipped without them, failed where
    COWORKMED_REQUIRE_BROWSER is set."""
    reason = _missing()
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"COWORKMED_REQUIRE_BROWSER is set: {reason}")
        pytest.skip(reason)
    assert NODE is not None
    return NODE


@dataclass
class Seen:
    """One request as the server got it, and its answer's status, media type and
    Access-Control-Allow-Origin (what lets a page on another origin read it)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int = 0
    media_type: str = ""
    allowed_origin: str | None = None


@dataclass
class Live:
    """The /sparql of a server in a thread, and the requests it got, in order."""

    url: str
    seen: list[Seen] = field(default_factory=list)


def _recording(app: WSGIApplication, seen: list[Seen]) -> WSGIApplication:
    """``app``, noting each request it gets in ``seen`` (outside every middleware of the app)."""

    def recorded(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = Seen(
            environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"], headers
        )
        seen.append(request)

        def start(status: str, answer: list[tuple[str, str]], *more: Any) -> Any:
            request.status = int(status.split()[0])
            given = {name.lower(): value for name, value in answer}
            request.media_type = given.get("content-type", "").split(";")[0]
            request.allowed_origin = given.get("access-control-allow-origin")
            return start_response(status, answer, *more)

        return app(environ, start)

    return recorded


@pytest.fixture(scope="module")
def live(node: str, published: Published) -> Iterator[Live]:
    """The app over the samples served on loopback, every request it gets recorded."""
    app = create_app(published.config(query_workers=2))
    served = Live("")
    app.wsgi_app = _recording(app.wsgi_app, served.seen)  # type: ignore[method-assign,assignment]
    with serve_in_thread(app) as base:
        served.url = f"{base}/sparql"
        yield served
    app.extensions["coworkmed.pool"].close()


@dataclass
class Run:
    """What one run of the script printed (its JSON lines) and the requests it made."""

    lines: list[dict[str, Any]]
    fetched: list[dict[str, Any]]


def _comunica(node: str, url: str, query: str, log: Path, *, argv: bool = False) -> Run:
    """Comunica's answer to ``query`` on ``url`` (given on stdin, or as an argument with
    ``argv``); fails the test with its message if it exits with an error."""
    done = subprocess.run(
        [node, str(SCRIPT), url, *([query] if argv else [])],
        input=None if argv else query,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=CLIENTS,
        env={**os.environ, "COMUNICA_REQUEST_LOG": str(log)},
        check=False,
    )
    fetched = _json_lines(log.read_text("utf-8")) if log.exists() else []
    assert done.returncode == 0, f"Comunica failed: {done.stderr.strip()}\nrequests: {fetched}"
    return Run(_json_lines(done.stdout), fetched)


def _json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON values of ``text``, one a line (split at line feeds only: str.splitlines would
    split at the U+2028, U+0085... that JSON.stringify leaves in a string as they are)."""
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def _json_term(term: dict[str, str]) -> str:
    """A SPARQL JSON results term as the script writes one."""
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    lexical = json.dumps(term["value"], ensure_ascii=False)
    if "xml:lang" in term:
        return f"{lexical}@{term['xml:lang']}"
    datatype = term.get("datatype", XSD_STRING)
    return lexical if datatype == XSD_STRING else f"{lexical}^^<{datatype}>"


def _ox_term(term: Any) -> str:
    """A pyoxigraph term (or the default graph) as the script writes one."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        lexical = json.dumps(term.value, ensure_ascii=False)
        if term.language:
            return f"{lexical}@{term.language}"
        datatype = term.datatype.value
        return lexical if datatype == XSD_STRING else f"{lexical}^^<{datatype}>"
    return ""


def _sparqlwrapper(url: str, query: str) -> list[dict[str, Any]]:
    """SPARQLWrapper's answer to ``query`` on ``url``, in the script's JSON lines: solutions
    from SPARQL JSON results, a boolean, or the triples of a graph read from Turtle."""
    client = SPARQLWrapper(url)
    client.setQuery(query)
    if client.queryType in ("CONSTRUCT", "DESCRIBE"):
        client.setReturnFormat(TURTLE)
        data = client.query().convert()
        assert isinstance(data, bytes)
        return [
            {
                "subject": _ox_term(quad.subject),
                "predicate": _ox_term(quad.predicate),
                "object": _ox_term(quad.object),
                "graph": "",
            }
            for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)
        ]
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    assert isinstance(answer, dict)
    if "boolean" in answer:
        return [{"boolean": answer["boolean"]}]
    return [
        {name: _json_term(term) for name, term in solution.items()}
        for solution in answer["results"]["bindings"]
    ]


def _blank_blind(lines: list[dict[str, Any]]) -> Counter[tuple[tuple[str, Any], ...]]:
    """The multiset of ``lines`` with every blank node as ``_:`` (Comunica renames them)."""
    return Counter(
        tuple(
            sorted(
                (name, "_:" if isinstance(value, str) and value.startswith("_:") else value)
                for name, value in line.items()
            )
        )
        for line in lines
    )


def _blank_labels(lines: list[dict[str, Any]]) -> set[str]:
    return {
        value
        for line in lines
        for value in line.values()
        if isinstance(value, str) and value.startswith("_:")
    }


def _method(url: str, query: str) -> str:
    """How Comunica sends ``query`` to ``url``: its URL as encodeURIComponent writes it."""
    return (
        "GET" if len(f"{url}?query={quote(query, safe=SAFE_IN_COMPONENT)}") < GET_BELOW else "POST"
    )


def _check_requests(live: Live, run: Run, seen: list[Seen], method: str) -> None:
    """Every request Comunica made reached this server's /sparql (and only those), each a
    ``method`` that a page could send across origins without a preflight, answered 200 with
    an answer any origin may read."""
    assert run.fetched, "Comunica made no request"
    assert not [r for r in run.fetched if r["refused"]], "Comunica went beyond the endpoint"
    assert [urlsplit(r["url"])._replace(query="").geturl() for r in run.fetched] == [
        live.url
    ] * len(run.fetched)
    assert [(r.method, r.path) for r in seen] == [(r["method"], "/sparql") for r in run.fetched]
    for sent, got in zip(run.fetched, seen, strict=True):
        assert got.method == method, (got.method, got.headers)
        assert got.status == 200, (got.status, got.method, got.query, got.headers)
        assert got.allowed_origin == "*"
        if method == "GET":
            assert "query" in parse_qs(got.query) and sent["body"] is None
            assert "content-type" not in sent["headers"]
        else:
            assert got.headers["content-type"] == "application/x-www-form-urlencoded"
            assert "query" in parse_qs(sent["body"]) and got.query == ""
        for name, value in sent["headers"].items():
            assert name in SAFELISTED | BROWSER_SET, f"a preflight for {name}: {value}"
            if name == "content-type":
                assert value.split(";")[0].strip() in SIMPLE_CONTENT_TYPES, value
            elif name in SAFELISTED:
                assert len(value) <= 128 and not CORS_UNSAFE & set(value), f"{name}: {value}"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_comunica_answers_as_sparqlwrapper(
    node: str, live: Live, case: dict[str, Any], tmp_path: Path
) -> None:
    before = len(live.seen)
    run = _comunica(node, live.url, case["query"], tmp_path / "requests.jsonl")
    seen = live.seen[before:]
    method = _method(live.url, case["query"])
    assert case.get("method", method) == method, "the case is not sent the way it says"
    _check_requests(live, run, seen, method)
    reference = _sparqlwrapper(live.url, case["query"])
    assert _blank_blind(run.lines) == _blank_blind(reference)
    assert len(_blank_labels(run.lines)) == len(_blank_labels(reference))
    if "boolean" in case:
        assert run.lines == [{"boolean": case["boolean"]}]
    if "rows" in case:
        assert len(run.lines) == case["rows"]
    if "answer" in case:
        assert run.lines == case["answer"]
    values = {value for line in run.lines for value in line.values()}
    assert set(case.get("terms", [])) <= values
    if "blank" in case:
        assert bool(_blank_labels(run.lines)) == case["blank"]


def test_comunica_exits_with_the_error(node: str, live: Live, tmp_path: Path) -> None:
    """A query Comunica cannot parse: the script exits 1 with Comunica's message, and nothing
    was sent (the query is read before any request)."""
    before = len(live.seen)
    done = subprocess.run(
        [node, str(SCRIPT), live.url, "SELEC ?s WHERE { ?s ?p ?o }"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=CLIENTS,
        env={**os.environ, "COMUNICA_REQUEST_LOG": str(tmp_path / "requests.jsonl")},
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("unexpected character: ->S<- at offset: 0"), done.stderr
    assert live.seen[before:] == [] and not (tmp_path / "requests.jsonl").exists()


def test_comunica_query_as_an_argument(node: str, live: Live, tmp_path: Path) -> None:
    """The query given on the command line instead of stdin."""
    run = _comunica(node, live.url, "ASK { ?s ?p ?o }", tmp_path / "requests.jsonl", argv=True)
    assert run.lines == [{"boolean": True}]
