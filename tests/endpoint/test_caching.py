"""HTTP caching, compression and cut results, against a live server on loopback with real
clients (http.client, SPARQLWrapper, rdflib, curl): validators from the store generation, 304s,
Cache-Control, gzip, and a result cut at max_rows saying so where browsers and parsers see it."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from flask import Flask
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.query import Result
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.caching import MOST_LOOKED_UP, NO_STORE, READS
from endpoint.dumps import CHECKSUMS, export, list_dumps
from tests.backends import Published

BASE = "https://w3id.org/coworkmed/id/"
SPACE = "space/fr-aura/AURA-001"
TOKEN = "correct horse battery staple"
CASES = yaml.safe_load((Path(__file__).parent / "caching-cases.yaml").read_text("utf-8"))
ETAG = re.compile(r'^W/"g(\d+)-[0-9a-f]{8}-[0-9a-f]{24}(-gzip)?"$')
SPACES = "SELECT ?s WHERE { ?s a <https://w3id.org/coworkmed/def/Space> }"
CONSTRUCT = "CONSTRUCT WHERE { ?s a <https://w3id.org/coworkmed/def/Space> }"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def vary(self) -> set[str]:
        return {v.strip().lower() for v in self.headers.get("Vary", "").split(",")}


def fetch(
    base: str, path: str, headers: dict[str, str], method: str = "GET", body: bytes | None = None
) -> Answer:
    """One request by http.client (which decodes nothing: what the server sent is seen)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


#: RDF media type -> rdflib parser: two writings of one graph may name blank nodes differently
PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}


def _same(body: bytes, answer: Answer) -> bool:
    """Whether ``body`` is ``answer``'s: the same bytes, or the same graph."""
    parser = PARSERS.get(answer.headers.get_content_type())
    if body == answer.body or parser is None:
        return body == answer.body
    return isomorphic(
        Graph().parse(data=body, format=parser), Graph().parse(data=answer.body, format=parser)
    )


@pytest.fixture(scope="module")
def dumps(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dumps")
    export(published.location, BASE, folder)
    return folder


@pytest.fixture(scope="module")
def app(published: Published, dumps: Path) -> Iterator[Flask]:
    app = create_app(published.config(query_workers=1, dumps=str(dumps)))
    yield app
    app.extensions["coworkmed.pool"].close()


def _path(case: dict[str, Any], dumps: Path) -> str:
    return case["path"].format(space=SPACE, dump=list_dumps(dumps)[0].name)


EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"
#: (preconditions, the status they give): {etag} and {modified} are the answer's validators
PRECONDITIONS: list[tuple[dict[str, str], int]] = [
    ({"If-Match": "{etag}"}, 412),  # weak: never equal under the strong comparison
    ({"If-Match": '"g0-strong-other", {etag}'}, 412),
    ({"If-Match": "*"}, 200),
    ({"If-Match": "no tag at all"}, 412),
    ({"If-Match": "{etag}", "If-None-Match": "{etag}"}, 412),  # If-Match first (step 1)
    ({"If-Unmodified-Since": "{modified}"}, 200),
    ({"If-Unmodified-Since": "{later}"}, 200),
    ({"If-Unmodified-Since": "{earlier}"}, 412),
    ({"If-Unmodified-Since": "yesterday"}, 200),  # not a date: ignored
    # one HTTP-date or nothing (RFC 9110 13.1.4): werkzeug read a list as its first date
    ({"If-Unmodified-Since": "{earlier}, {later}"}, 200),
    ({"If-Unmodified-Since": "{later}, {earlier}"}, 200),
    ({"If-Unmodified-Since": "{earlier} (a comment)"}, 200),
    ({"If-Unmodified-Since": "{earlier_zone}"}, 200),
    ({"If-Unmodified-Since": "{earlier_rfc850}"}, 412),  # the obsolete forms are dates
    ({"If-Unmodified-Since": "{earlier_asctime}"}, 412),
    ({"If-Match": "*", "If-Unmodified-Since": "{earlier}"}, 200),  # ignored after If-Match
]


#: reads the view refuses or does not find (stranger 47: with ``If-None-Match: *``, each was a
#: 304 with the generation's tag and a public policy, before the view could say so)
REFUSED_READS = [
    "/dumps/no-such-dump.nq.gz",
    "/doc/id/space/fr-aura/NO-SUCH-SPACE.ttl",
    "/sparql?query=SELECT%20WHERE%20%7B",
    "/search?page=0",
    "/api/observatory/figures/nope.csv",
    "/catalog?format=bogus",
    "/store?graph=https%3A//example.org/none",
]


@pytest.mark.parametrize("path", REFUSED_READS)
def test_if_none_match_star_leaves_a_refusal_as_it_is(live: str, path: str) -> None:
    """RFC 9110 13.1.2 and 13.2.1: ``*`` is false without a current representation, and no
    precondition is weighed when the answer would not be 2xx; for an answer there, ``*`` is a
    304, whether it was kept (the second time) or not (the first)."""
    plain = fetch(live, path, {})
    assert plain.status >= 400, plain.status
    for method in ("GET", "HEAD"):
        starred = fetch(live, path, {"If-None-Match": "*"}, method)
        assert starred.status == plain.status, (method, starred.status)
        assert "ETag" not in starred.headers
    for _ in range(2):
        found = fetch(live, "/catalog", {"If-None-Match": "*", "Cache-Control": "no-cache"})
        assert found.status == 304 and found.body == b""
        assert fetch(live, "/catalog", {"If-None-Match": "*"}).status == 304


def other_forms(when: datetime) -> dict[str, str]:
    """``when`` written as the obsolete HTTP-dates (RFC 850, asctime), and with a numeric zone,
    which no HTTP-date has."""
    return {
        "rfc850": f"{when:%A, %d-%b-%y %H:%M:%S} GMT",
        "asctime": f"{when:%a %b} {when.day:>2} {when:%H:%M:%S %Y}",
        "zone": f"{when:%a, %d %b %Y %H:%M:%S} +0000",
    }


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_every_read_is_cached_and_revalidated(live: str, dumps: Path, case: dict[str, Any]) -> None:
    path, headers = _path(case, dumps), dict(case["headers"])
    plain = fetch(live, path, {**headers, "Accept-Encoding": "identity"})
    assert plain.status == 200, plain.body[:300]
    etag, modified = plain.headers["ETag"], plain.headers["Last-Modified"]
    assert ETAG.match(etag) and not etag.endswith('-gzip"'), etag
    assert parsedate_to_datetime(modified).timestamp() > 0
    assert plain.headers["Cache-Control"] == "public, max-age=60"
    assert "Content-Encoding" not in plain.headers
    # what the answer was chosen by: the encoding always; the format and the language where the
    # route negotiates them (endpoint.responses, endpoint.protocol.language_vary)
    assert "accept-encoding" in plain.vary()
    # the same request, conditional: 304, no body, the same validators
    # (HEAD with If-Modified-Since reaches the view: HEAD /sparql is lane 20 B's to mend)
    conditions = [({"If-None-Match": etag}, "GET"), ({"If-None-Match": etag}, "HEAD")]
    for condition, method in [*conditions, ({"If-Modified-Since": modified}, "GET")]:
        again = fetch(live, path, {**headers, "Accept-Encoding": "identity", **condition}, method)
        assert again.status == 304, (condition, method, again.body[:200])
        assert again.body == b""
        assert again.headers["ETag"] == etag  # (Last-Modified: not on a 304, RFC 9110 15.4.5)
        assert again.headers["Cache-Control"] == "public, max-age=60"
        assert plain.vary() == again.vary()  # a 304 varies as its 200 does (RFC 9110 15.4.5)
    # validators that do not match: the answer itself; nor does what is not one HTTP-date
    # (RFC 9110 13.1.3; werkzeug read "date, date" as its first date: a 304); the obsolete
    # forms of the answer's own date do
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    own = other_forms(parsedate_to_datetime(modified))
    for condition in (
        {"If-None-Match": 'W/"g0-other"'},
        {"If-Modified-Since": earlier},
        {"If-Modified-Since": f"{modified}, {earlier}"},
        {"If-Modified-Since": own["zone"]},
    ):
        assert fetch(live, path, {**headers, **condition}).status == 200, condition
    for form in ("rfc850", "asctime"):
        assert fetch(live, path, {**headers, "If-Modified-Since": own[form]}).status == 304, form
    # preconditions (RFC 9110 13.2.2): If-Match compares strongly, which no weak tag passes;
    # If-Unmodified-Since fails once the answer changed after it (both were ignored)
    later = format_datetime(parsedate_to_datetime(modified).replace(year=2100), usegmt=True)
    forms = {f"earlier_{k}": v for k, v in other_forms(parsedate_to_datetime(earlier)).items()}
    for condition, status in PRECONDITIONS:
        given = {k: v.format(etag=etag, modified=modified, earlier=earlier, later=later, **forms)
                 for k, v in condition.items()}  # fmt: skip
        for method in ("GET", "HEAD"):
            answer = fetch(live, path, {**headers, **given}, method)
            assert answer.status == status, (given, method, answer.body[:200])
            if status == 412:
                assert (
                    answer.headers["Cache-Control"] == "no-store" and "ETag" not in answer.headers
                )
    # gzip when accepted, a tag of its own, the same bytes once decoded
    packed = fetch(live, path, {**headers, "Accept-Encoding": "gzip, deflate"})
    assert packed.status == 200
    if case.get("compress", True):
        assert packed.headers["Content-Encoding"] == "gzip"
        assert _same(gzip.decompress(packed.body), plain)
        assert packed.headers["ETag"] == etag[:-1] + '-gzip"'
        assert int(packed.headers["Content-Length"]) == len(packed.body)
        again = fetch(live, path, {**headers, "Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status == 200, "the identity tag does not validate the gzip answer"
        refused = fetch(live, path, {**headers, "Accept-Encoding": "gzip;q=0, identity"})
        assert "Content-Encoding" not in refused.headers and _same(refused.body, plain)
    else:
        assert "Content-Encoding" not in packed.headers and _same(packed.body, plain)
    assert "Result-Truncated" in plain.headers["Access-Control-Expose-Headers"]


#: requests for the same resource that must get different validators (what changes the bytes)
DIFFERENT: dict[str, list[tuple[str, dict[str, str]]]] = {
    "query text": [
        ("/sparql?" + urllib.parse.urlencode({"query": SPACES}), {}),
        ("/sparql?" + urllib.parse.urlencode({"query": SPACES + " LIMIT 2"}), {}),
    ],
    "format by Accept": [
        ("/sparql?" + urllib.parse.urlencode({"query": SPACES}), {"Accept": "text/csv"}),
        (
            "/sparql?" + urllib.parse.urlencode({"query": SPACES}),
            {"Accept": "text/tab-separated-values"},
        ),
    ],
    "format by parameter": [
        ("/sparql?" + urllib.parse.urlencode({"query": SPACES, "format": "json"}), {}),
        ("/sparql?" + urllib.parse.urlencode({"query": SPACES, "format": "xml"}), {}),
    ],
    "language by parameter": [
        (f"/doc/id/{SPACE}.html?lang=fr", {}),
        (f"/doc/id/{SPACE}.html?lang=hr", {}),
    ],
    "language by Accept-Language": [
        ("/observatory", {"Accept-Language": "es"}),
        ("/observatory", {"Accept-Language": "el"}),
    ],
    "RDF format of a page": [
        (f"/doc/id/{SPACE}", {"Accept": "text/turtle"}),
        (f"/doc/id/{SPACE}", {"Accept": "application/rdf+xml"}),
    ],
}


@pytest.mark.parametrize("kind", DIFFERENT)
def test_validators_differ_with_what_changes_the_answer(live: str, kind: str) -> None:
    tags = []
    for path, headers in DIFFERENT[kind]:
        first, second = (fetch(live, path, headers) for _ in range(2))
        assert first.status == second.status == 200, first.body[:200]
        assert first.headers["ETag"] == second.headers["ETag"]  # stable for the same request
        tags.append(first.headers["ETag"])
    assert len(set(tags)) == len(tags), tags
    # and each validator is refused for the other request
    path, headers = DIFFERENT[kind][1]
    assert fetch(live, path, {**headers, "If-None-Match": tags[0]}).status == 200


#: a query sent by POST: small (looked up among the kept answers before the view), long (past
#: ``MOST_LOOKED_UP``: weighed after it), and as a form
POSTED_QUERIES = {
    "small": ({"Content-Type": "application/sparql-query"}, SPACES.encode()),
    "long": (
        {"Content-Type": "application/sparql-query"},
        (SPACES + "#" + "x" * (MOST_LOOKED_UP + 10) + "\n").encode(),
    ),
    "form": (
        {"Content-Type": "application/x-www-form-urlencoded"},
        urllib.parse.urlencode({"query": SPACES}).encode(),
    ),
}


@pytest.mark.parametrize("kind", POSTED_QUERIES)
def test_a_query_by_post_weighs_its_conditions(live: str, kind: str) -> None:
    """A query sent by POST is a read: its conditions are weighed as a GET's, a condition that
    fails being a 412, not a 304 (RFC 9110 13.1.2, 13.2.2); If-Modified-Since is not weighed
    (13.1.3). It weighed none, though its answer carried a tag (strangers 86 and 92)."""
    headers, body = POSTED_QUERIES[kind]
    first = fetch(live, "/sparql", headers, "POST", body)
    assert first.status == 200 and ETAG.match(first.headers["ETag"]), first.body[:200]
    tag = first.headers["ETag"]
    failing = [
        {"If-None-Match": tag},
        {"If-None-Match": "*"},
        {"If-Match": '"nope"'},
        {"If-Match": tag},  # weak: the strong comparison fails it
        {"If-Unmodified-Since": EPOCH},
    ]
    for condition in failing:
        again = fetch(live, "/sparql", {**headers, **condition}, "POST", body)
        assert again.status == 412, (condition, again.body[:200])
    holding = [
        {"If-None-Match": 'W/"g1-000000000000000000000000"'},
        {"If-Match": "*"},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
        {"If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ]
    for condition in holding:
        again = fetch(live, "/sparql", {**headers, **condition}, "POST", body)
        assert again.status == 200 and again.body == first.body, condition


def test_a_304_lets_a_page_on_another_origin_read_what_its_200_did(live: str) -> None:
    """A page that revalidates its own copy (If-None-Match) reads the 304's tag and state: they
    were not exposed, as on the 200, and the 304 named no generation (stranger 110)."""
    path = "/sparql?" + urllib.parse.urlencode({"query": SPACES})
    origin = {"Origin": "https://page.test", "Accept": "application/sparql-results+json"}
    first = fetch(live, path, origin)
    again = fetch(live, path, {**origin, "If-None-Match": first.headers["ETag"]})
    assert (first.status, again.status) == (200, 304)
    for answer in (first, again):
        exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"ETag", "Store-Generation"} <= exposed
        assert answer.headers["Store-Generation"] == first.headers["Store-Generation"]
    assert again.headers["ETag"] == first.headers["ETag"]


def test_curl_gets_gzip_and_304(live: str) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    url = f"{live}/sparql?" + urllib.parse.urlencode({"query": SPACES})
    dumped = subprocess.run(
        [curl, "-sS", "--compressed", "-D", "-", "-o", "/dev/null", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert re.search(r"(?im)^content-encoding: gzip\r?$", dumped)
    etag = re.search(r"(?im)^etag: (.+?)\r?$", dumped)
    assert etag is not None
    decoded = subprocess.run(
        [curl, "-sS", "--compressed", url], capture_output=True, check=True, timeout=60
    ).stdout
    assert len(json.loads(decoded)["results"]["bindings"]) > 0
    status = subprocess.run(
        [
            curl,
            "-sS",
            "--compressed",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            f"If-None-Match: {etag.group(1)}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert status == "304"


def test_private_and_server_state_answers_are_not_stored(live: str) -> None:
    query = "/sparql?" + urllib.parse.urlencode({"query": SPACES})
    with_token = fetch(live, query, {"Authorization": f"Bearer {TOKEN}"})
    assert with_token.headers["Cache-Control"] == "no-store"
    assert "ETag" not in with_token.headers
    with_token_parameter = fetch(live, query + "&token=x", {})
    assert with_token_parameter.headers["Cache-Control"] == "no-store"
    for path in ("/health", "/metrics", "/api/submissions"):
        assert fetch(live, path, {}).headers["Cache-Control"] == "no-store", path
    update = fetch(
        live,
        "/sparql",
        {"Content-Type": "application/sparql-update"},
        "POST",
        b"INSERT DATA { <urn:a> <urn:b> 1 }",
    )
    assert update.status in (401, 403) and update.headers["Cache-Control"] == "no-store"
    validate = fetch(live, "/api/validate", {"Content-Type": "text/csv"}, "POST", b"a,b\n")
    assert validate.headers["Cache-Control"] == "no-store"


def test_every_listed_route_exists(app: Flask) -> None:
    """The caching tables name routes of the app (a renamed view would silently lose them)."""
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(READS) <= routes and set(NO_STORE) <= routes


# ------------------------------------------------------------------- a publish moves them


def test_a_publish_fails_the_old_validators(writable: Published) -> None:
    app = create_app(writable.config(query_workers=1, update_token=TOKEN))
    try:
        with serve_in_thread(app) as base:
            path = "/sparql?" + urllib.parse.urlencode(
                {"query": "SELECT * WHERE { <urn:a> ?p ?o }"}
            )
            page = f"/doc/id/{SPACE}.ttl"
            before = {p: fetch(base, p, {}) for p in (path, page)}
            for answer in before.values():
                assert answer.status == 200
            update = fetch(
                base,
                "/sparql",
                {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
                "POST",
                b"INSERT DATA { GRAPH <http://example.org/g> { <urn:a> <urn:b> 1 } }",
            )
            assert update.status == 204, update.body
            assert update.headers["Cache-Control"] == "no-store"
            for p, old in before.items():
                for condition in (
                    {"If-None-Match": old.headers["ETag"]},
                    {"If-Modified-Since": old.headers["Last-Modified"]},
                ):
                    after = fetch(base, p, condition)
                    assert after.status == 200, (p, condition)
                    assert after.headers["ETag"] != old.headers["ETag"]
                    # later, or the second before's, which then stands for either: weakly
                    new = parsedate_to_datetime(after.headers["Last-Modified"])
                    assert new >= parsedate_to_datetime(old.headers["Last-Modified"])
                    assert new <= parsedate_to_datetime(after.headers["Date"])
            # the written graph, read with the Graph Store Protocol: validated like any read
            graph = "/store?graph=" + urllib.parse.quote("http://example.org/g", safe="")
            read = fetch(base, graph, {"Accept": "text/turtle"})
            assert read.status == 200 and ETAG.match(read.headers["ETag"])
            assert read.headers["Cache-Control"] == "public, max-age=60"
            same = fetch(
                base, graph, {"Accept": "text/turtle", "If-None-Match": read.headers["ETag"]}
            )
            assert same.status == 304
    finally:
        app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("writes", [1, 3, 6])
def test_generations_faster_than_one_a_second_are_never_dated_ahead(
    writable: Published, writes: int
) -> None:
    """Stranger 67, F7: generations published faster than one a second were each dated a
    second after the one before, ahead of the clock (a Last-Modified 6 s later than its Date).
    Now a Last-Modified is never later than its Date (RFC 9110 8.8.2.1); one shared by two
    generations is weak: If-Modified-Since or If-Range with it never names the newer, and
    If-Unmodified-Since with it fails; so does the Date of an answer before (stranger 68)."""
    app = create_app(writable.config(query_workers=1, update_token=TOKEN))
    page = f"/doc/id/{SPACE}.ttl"
    write = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    try:
        with serve_in_thread(app) as base:
            before = fetch(base, page, {})
            for n in range(writes):
                body = f"INSERT DATA {{ GRAPH <urn:f7> {{ <urn:a> <urn:b> {n} }} }}".encode()
                assert fetch(base, "/sparql", write, "POST", body).status == 204
                after = fetch(base, page, {})
                dated = parsedate_to_datetime(after.headers["Last-Modified"])
                assert dated <= parsedate_to_datetime(after.headers["Date"])
                assert dated >= parsedate_to_datetime(before.headers["Last-Modified"])
                # the date before, as its Last-Modified or as its Date (stranger 68: a 304 for
                # the Date of the last answer before a write, which named that second too)
                for old in (before.headers["Last-Modified"], before.headers["Date"]):
                    assert fetch(base, page, {"If-Modified-Since": old}).status == 200, old
                    assert fetch(base, page, {"If-Unmodified-Since": old}).status == 412, old
                # a write conditioned on the date before is refused too (nothing written)
                conditioned = {**write, "If-Unmodified-Since": before.headers["Date"]}
                body = b"INSERT DATA { GRAPH <urn:f7> { <urn:a> <urn:b> -1 } }"
                refused = fetch(base, "/sparql", conditioned, "POST", body)
                assert refused.status == 412
                before = after
            # the newest date names the newest generation when no other was dated its second
            shared = fetch(base, page, {"If-Modified-Since": before.headers["Last-Modified"]})
            assert shared.status in (200, 304)
            if shared.status == 200:  # dated in the second of the one before: weak, or since
                # dated again, exactly, the second after (``FirstSeen``): the same answer
                assert shared.headers["ETag"] == before.headers["ETag"]
                newest = parsedate_to_datetime(shared.headers["Last-Modified"])
                assert newest >= parsedate_to_datetime(before.headers["Last-Modified"])
    finally:
        app.extensions["coworkmed.pool"].close()


def test_a_clock_stepped_back_never_dates_an_answer_after_its_date(
    writable: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer state is never dated before the one before (``FirstSeen``), so after the clock
    stepped back its date was later than the answer's Date, which RFC 9110 8.8.2.1 forbids: a
    Last-Modified is now never later than its Date, and If-Modified-Since with the date
    before still names the newer state (200)."""
    app = create_app(writable.config(query_workers=1, update_token=TOKEN))
    page = f"/doc/id/{SPACE}.ttl"
    write = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    real, behind = time.time, [0.0]
    monkeypatch.setattr("endpoint.caching.time.time", lambda: real() - behind[0])
    try:
        with serve_in_thread(app) as base:
            before = fetch(base, page, {})
            behind[0] = 90.0  # the clock steps back a minute and a half
            body = b"INSERT DATA { GRAPH <urn:back> { <urn:a> <urn:b> 1 } }"
            assert fetch(base, "/sparql", write, "POST", body).status == 204
            for _ in range(2):  # its first answer, and one kept
                after = fetch(base, page, {})
                assert after.headers["ETag"] != before.headers["ETag"]
                dated = parsedate_to_datetime(after.headers["Last-Modified"])
                assert dated <= parsedate_to_datetime(after.headers["Date"])
                old = {"If-Modified-Since": before.headers["Last-Modified"]}
                assert fetch(base, page, old).status == 200
    finally:
        app.extensions["coworkmed.pool"].close()


# ------------------------------------------------------------------------ cut results


@pytest.fixture(scope="module")
def cut(published: Published) -> Iterator[str]:
    """A live server whose answers are cut at 3 rows."""
    app = create_app(published.config(query_workers=1, max_rows=3))
    with serve_in_thread(app) as base:
        yield base
    app.extensions["coworkmed.pool"].close()


def _said(answer: Answer) -> None:
    assert answer.status == 200
    assert "only the first 3 results" in answer.headers["Result-Truncated"]
    exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Result-Truncated", "ETag", "Store-Generation"} <= exposed


def test_a_cut_select_says_so_to_browsers_and_in_its_head(cut: str) -> None:
    path = "/sparql?" + urllib.parse.urlencode({"query": SPACES})
    answer = fetch(cut, path, {"Accept": "application/sparql-results+json", "Origin": "http://x"})
    _said(answer)
    document = json.loads(answer.body)
    [link] = document["head"]["link"]  # the service's public URL (public_url), not the socket's
    assert link.startswith("http") and link.endswith("/sparql#max_rows")
    assert len(document["results"]["bindings"]) == 3
    xml = fetch(cut, path, {"Accept": "application/sparql-results+xml"})
    _said(xml)
    assert f'<link href="{link}"/></head>'.encode() in xml.body
    for body, fmt in ((answer.body, "json"), (xml.body, "xml")):  # rdflib's parsers read them
        assert len(list(Result.parse(io.BytesIO(body), format=fmt))) == 3
    csv = fetch(cut, path, {"Accept": "text/csv"})
    _said(csv)
    assert len(csv.body.decode().strip().splitlines()) == 4  # no place for it: header only


@pytest.mark.parametrize("lang", ["en", "fr", "el"])
def test_the_link_of_a_cut_result_says_what_the_row_limit_is(cut: str, lang: str) -> None:
    """The link a cut result gives leads somewhere that says what was cut and why: the
    service description describes it with its number, and a browser (sent on to the query
    page) finds the fragment there, in its language (stranger 86: it led nowhere)."""
    path = "/sparql?" + urllib.parse.urlencode({"query": SPACES})
    answer = fetch(cut, path, {"Accept": "application/sparql-results+json"})
    [link] = json.loads(answer.body)["head"]["link"]
    page, _, fragment = link.partition("#")
    described = fetch(cut, urllib.parse.urlsplit(page).path, {"Accept": "application/n-triples"})
    assert described.status == 200
    value = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
    said = [
        q.object.value
        for q in ox.parse(described.body, format=ox.RdfFormat.N_TRIPLES)
        if q.subject == ox.NamedNode(link) and q.predicate == value
    ]
    assert said == ["3"]
    html = fetch(cut, f"/query?lang={lang}", {"Accept": "text/html"}).body.decode()
    shown = re.search(rf'<p id="{fragment}" class="note">([^<]*3[^<]*)</p>', html)
    assert shown is not None and "LIMIT" in shown.group(1)


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_reads_a_cut_select(cut: str, fmt: str) -> None:
    client = SPARQLWrapper(f"{cut}/sparql")
    client.setQuery(SPACES)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if fmt == JSON:
        assert len(result["results"]["bindings"]) == 3
    else:
        assert len(result.getElementsByTagName("result")) == 3


@pytest.mark.parametrize(
    ("accept", "parser", "said"),
    [
        ("text/turtle", "turtle", b"# only the first 3 results"),
        ("application/n-triples", "nt", b"# only the first 3 results"),
        ("application/rdf+xml", "xml", b"<!-- only the first 3 results"),
        ("application/ld+json", "json-ld", None),
    ],
)
def test_rdflib_reads_a_cut_construct(
    cut: str, accept: str, parser: str, said: bytes | None
) -> None:
    answer = fetch(
        cut, "/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), {"Accept": accept}
    )
    _said(answer)
    assert len(Graph().parse(data=answer.body, format=parser)) == 3
    if said is not None:
        assert said in answer.body


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
        ("text/n3", ox.RdfFormat.N3),
    ],
)
def test_a_cut_construct_in_n_quads_trig_or_n3_says_so_in_its_body(
    cut: str, accept: str, fmt: ox.RdfFormat
) -> None:
    """Regression (issue #20): these said it only in the header."""
    answer = fetch(
        cut, "/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), {"Accept": accept}
    )
    _said(answer)
    assert answer.body.startswith(b"# only the first 3 results")
    assert len(list(ox.parse(answer.body, format=fmt))) == 3


# ------------------------------------------------------------------------ streamed answers


@pytest.fixture(scope="module")
def streaming(published: Published) -> Iterator[str]:
    """A live server that streams every answer above 1,000 bytes, and cuts at 40 rows."""
    app = create_app(published.config(query_workers=1, stream_above=1_000, max_rows=40))
    with serve_in_thread(app) as base:
        yield base
    app.extensions["coworkmed.pool"].close()


def _spooled() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("coworkmed-server-*/answer-*")}


#: (query, Accept) answered above 1,000 bytes: streamed; the twin of each is read whole
STREAMED = [
    (SPACES, "application/sparql-results+json"),
    (SPACES, "application/sparql-results+xml"),
    (SPACES, "text/csv"),
    (CONSTRUCT, "text/turtle"),
    (CONSTRUCT, "application/rdf+xml"),
]


@pytest.mark.parametrize(("query", "accept"), STREAMED, ids=[a for _q, a in STREAMED])
def test_a_large_answer_is_streamed_the_same(
    published: Published, streaming: str, query: str, accept: str
) -> None:
    whole_app = create_app(published.config(query_workers=1, stream_above=0, max_rows=40))
    before = _spooled()
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    try:
        with serve_in_thread(whole_app) as whole:
            kept = fetch(whole, path, {"Accept": accept})
    finally:
        whole_app.extensions["coworkmed.pool"].close()
    sent = fetch(streaming, path, {"Accept": accept})
    assert sent.status == kept.status == 200
    if published.backend == "oxigraph":  # an external store's answers are never spooled
        assert sent.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in sent.headers
    assert "Transfer-Encoding" not in kept.headers and "Content-Length" in kept.headers
    assert len(sent.body) > 1_000
    assert _same(sent.body, kept) or sent.body.count(b"\n") == kept.body.count(b"\n")
    assert sent.headers["Result-Truncated"] == kept.headers["Result-Truncated"]
    packed = fetch(streaming, path, {"Accept": accept, "Accept-Encoding": "gzip"})
    assert _same(gzip.decompress(packed.body), sent)
    for headers in ({"If-None-Match": sent.headers["ETag"]}, {}):
        fetch(streaming, path, {"Accept": accept, **headers}, "HEAD")
    assert _spooled() <= before  # each spooled answer's file is gone, sent or not


def test_a_client_leaving_mid_answer_leaves_no_file(streaming: str) -> None:
    before = _spooled()
    parsed = urllib.parse.urlsplit(streaming)
    path = "/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT})
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=60)
    connection.request("GET", path, headers={"Accept": "application/n-triples"})
    response = connection.getresponse()
    assert response.status == 200 and response.read(100)
    connection.close()
    assert fetch(streaming, "/health", {}).status == 200  # the server goes on
    assert _spooled() <= before


#: requests the caching hooks must not turn into a 5xx (method, path, headers, body)
ODD: dict[str, tuple[str, str, dict[str, str], bytes | None]] = {
    "form body too large": (
        "POST",
        "/sparql",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"query=" + b"x" * 3_000_000,
    ),
    "query body too large": (
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query"},
        b"#" * 3_000_000,
    ),
    "garbage If-None-Match": ("GET", "/catalog", {"If-None-Match": 'W/"\x01, "", ,,"'}, None),
    "garbage If-Modified-Since": ("GET", "/catalog", {"If-Modified-Since": "yesterday"}, None),
    "If-Modified-Since far ahead": (
        "GET",
        "/sparql?query=ASK%7B%7D",
        {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"},
        None,
    ),
    "garbage Accept-Encoding": ("GET", "/catalog", {"Accept-Encoding": "gzip;q=abc, *;q=-1"}, None),
    "If-None-Match star on a bad query": (
        "GET",
        "/sparql?query=SELEC",
        {"If-None-Match": "*"},
        None,
    ),
    "POST form without a query": (
        "POST",
        "/sparql",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"%%%=&&",
    ),
}


@pytest.mark.parametrize("name", ODD)
def test_odd_requests_never_get_a_5xx(live: str, name: str) -> None:
    method, path, headers, body = ODD[name]
    answer = fetch(live, path, headers, method, body)
    assert answer.status < 500, answer.body[:300]


def test_apps_with_other_settings_give_other_validators(published: Published) -> None:
    """Two apps on one store in one process, cutting at other row counts: the same request has
    other answers, so other validators (the app's token is in the digest)."""
    apps = [create_app(published.config(query_workers=1, max_rows=n)) for n in (3, 5)]
    path = "/sparql?" + urllib.parse.urlencode({"query": SPACES})
    try:
        first, second = (app.test_client().get(path) for app in apps)
        assert first.status_code == second.status_code == 200
        assert first.headers["ETag"] != second.headers["ETag"]
        again = apps[1].test_client().get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200
    finally:
        for app in apps:
            app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("pause", [1.2, 0], ids=["a second later", "at once"])
@pytest.mark.parametrize("path", ["/dumps/", "/catalog", "/.well-known/void"])
def test_a_listing_of_the_dumps_is_dated_by_them(
    live: str, dumps: Path, path: str, pause: float
) -> None:
    """The dumps of a generation are written after it is published: a listing of them changes
    within the generation, and its Last-Modified with it (stranger 44, M2: If-Modified-Since
    with the date of the listing before the dumps got 304), never later than its Date
    (stranger 67, F7). A listing dated in the second of the one before shares its date, which
    then gives no 304 (until it is dated again, exactly, a second later)."""
    first = fetch(live, path, {"Accept-Encoding": "identity"})
    modified = first.headers["Last-Modified"]
    time.sleep(pause)
    written = time.time()
    os.utime(dumps / CHECKSUMS, (written, written))  # the exporter writes the folder again
    again = fetch(live, path, {"Accept-Encoding": "identity", "If-Modified-Since": modified})
    assert again.status == 200
    before, now = (parsedate_to_datetime(d) for d in (modified, again.headers["Last-Modified"]))
    assert before <= now <= parsedate_to_datetime(again.headers["Date"])
    confirmed = fetch(
        live,
        path,
        {"Accept-Encoding": "identity", "If-Modified-Since": again.headers["Last-Modified"]},
    )
    if now == before:  # a date shared with the listing before names neither alone: no 304
        assert confirmed.status == 200
    if confirmed.status == 200:  # the same listing, its weak date shared, or dated again after
        assert confirmed.headers["ETag"] == again.headers["ETag"]
        assert parsedate_to_datetime(confirmed.headers["Last-Modified"]) >= now
    else:
        assert confirmed.status == 304


@pytest.mark.parametrize("path", ["/dumps/", "/catalog", "/.well-known/void"])
def test_a_dump_being_written_does_not_change_the_listing(
    live: str, dumps: Path, path: str
) -> None:
    """An export writes ``*.part`` files, never listed: the listing's ETag changed at each
    request while one ran, the same listing each time (stranger 62)."""
    tag = fetch(live, path, {"Accept-Encoding": "identity"}).headers["ETag"]
    part = dumps / "coworkmed-2099-01-01-g99.nq.gz.part"
    try:
        for size in (1, 1000):  # the export writes on
            part.write_bytes(b"x" * size)
            assert fetch(live, path, {"Accept-Encoding": "identity"}).headers["ETag"] == tag
    finally:
        part.unlink(missing_ok=True)


#: reads the view answers otherwise than 200, with conditions that would fail: the view's answer,
#: not a 412 (RFC 9110 13.2.1: conditions are ignored when the answer without them is not 2xx;
#: stranger 45)
REFUSED_READS = [
    ("/doc/id/space/no-such-place/zzz", 404),
    ("/api/observatory/figures/99-nope.csv", 404),
    ("/sparql?query=SELECT%20%7B", 400),
]


@pytest.mark.parametrize(("path", "status"), REFUSED_READS)
@pytest.mark.parametrize(
    "condition",
    [{"If-Match": '"x"'}, {"If-Unmodified-Since": EPOCH}],
    ids=["if-match", "if-unmodified-since"],
)
def test_conditions_do_not_hide_the_views_own_answer(
    live: str, path: str, status: int, condition: dict[str, str]
) -> None:
    assert fetch(live, path, {"Accept": "text/plain", **condition}).status == status


@pytest.mark.parametrize(
    "path", ["/sparql?query=ASK%7B%7D", f"/doc/id/{SPACE}", "/observatory", "/catalog"]
)
def test_two_servers_of_one_release_and_settings_give_the_same_tags(
    published: Published, dumps: Path, path: str
) -> None:
    """A tag one server gave is answered 304 by another of the same release and settings on
    the same store (behind a load balancer; after a restart), and not by one whose settings
    differ (stranger 86: each process drew a random token into its tags)."""
    config = published.config(query_workers=1, dumps=str(dumps))
    apps = [create_app(config), create_app(config), create_app({**config, "cache_max_age": 7})]
    try:
        first = apps[0].test_client().get(path)
        assert first.status_code == 200, first.data[:200]
        tag = first.headers["ETag"]
        again = apps[1].test_client().get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["ETag"] == tag
        other = apps[2].test_client().get(path, headers={"If-None-Match": tag})
        assert other.status_code == 200 and other.headers["ETag"] != tag
    finally:
        for app in apps:
            app.extensions["coworkmed.pool"].close()


def _undated(cookie: str) -> str:
    """``cookie`` (a Set-Cookie value) without its Expires attribute."""
    return re.sub(r";\s*Expires=[^;]*", "", cookie)


@pytest.mark.parametrize(
    "path", [f"/doc/id/{SPACE}.html?lang=fr", "/catalog?lang=el", "/dumps/?lang=hr"]
)
def test_a_304_for_a_page_that_sets_the_language_says_what_its_200_says(
    live: str, path: str
) -> None:
    """A page asked with ``lang=`` sets the reader's cookie and tells shared caches not to give
    it to others (``no-cache="Set-Cookie"``); its 304 carries the same Cache-Control and cookie
    (RFC 9110 15.4.5: a cache takes the 304's headers for the stored 200's; stranger 96, L2:
    the 304 had ``public, max-age`` alone)."""
    page = fetch(live, path, {"Accept": "text/html"})
    assert page.status == 200 and 'no-cache="Set-Cookie"' in page.headers["Cache-Control"]
    again = fetch(live, path, {"Accept": "text/html", "If-None-Match": page.headers["ETag"]})
    assert again.status == 304
    assert again.headers["Cache-Control"] == page.headers["Cache-Control"]
    # the same cookie (its Expires counted from each answer: a second apart at most)
    assert _undated(again.headers["Set-Cookie"]) == _undated(page.headers["Set-Cookie"])
