"""The submission routes: the validation page, the REST API with its OpenAPI description, the
templates, and publishing with a partner's token (a fresh app over a copy of the store)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from core.translations import quoted
from endpoint.app import create_app
from publishing.partners import add_partner
from tests.backends import Published
from triplestore.versions import writes_held
from validation.template import template_columns

ROOT = Path(__file__).parents[2]
SUBMISSIONS = ROOT / "tests" / "validation" / "submissions"
SAMPLE = ROOT / "examples" / "partners" / "fr-aura" / "tiers-lieux.tsv"


@pytest.fixture
def tokens(tmp_path: Path) -> dict[str, str]:
    partners = tmp_path / "partners.toml"
    return {
        "file": str(partners),
        "fr-aura": add_partner(partners, "fr-aura", "AURA"),
        "it-toscana": add_partner(partners, "it-toscana", "Toscana"),
    }


def _partners_app(writable: Published, tokens: dict[str, str], **more: Any) -> Flask:
    """An app over ``writable`` with the partners of ``tokens`` and their example mappings."""
    return create_app(
        writable.config(
            query_workers=1,
            partners_file=tokens["file"],
            mappings=str(ROOT / "examples" / "partners"),
            **more,
        )
    )


@pytest.fixture
def app(writable: Published, tokens: dict[str, str]) -> Iterator[Flask]:
    app = _partners_app(writable, tokens, max_upload=200_000)
    yield app
    app.extensions["coworkmed.pool"].close()


def _upload(path: Path, **fields: str) -> dict:
    return {"file": (io.BytesIO(path.read_bytes()), path.name), **fields}


def test_the_page_speaks_the_partners_language(client: FlaskClient) -> None:
    page = client.get("/validate?lang=hr").get_data(as_text=True)
    assert 'lang="hr"' in page and "Provjerite predaju" in page
    assert '<option value="fr-aura">' in page  # the partner mappings of the server
    # the reader who chose Croatian keeps it (a cookie); a new reader gets the browser's language
    newcomer = client.application.test_client()
    greek = newcomer.get("/validate", headers={"Accept-Language": "el, en;q=0.5"})
    assert "Έλεγχος υποβολής" in greek.get_data(as_text=True)


def test_the_page_shows_the_report(client: FlaskClient) -> None:
    response = client.post("/validate", data=_upload(SUBMISSIONS / "cells.csv", lang="fr"))
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Refusé" in html and "twelve" in html
    csv = client.post("/validate", data=_upload(SUBMISSIONS / "cells.csv", format="csv"))
    assert csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith('attachment; filename="cells-report.csv"')


def test_api_validate(client: FlaskClient) -> None:
    response = client.post("/api/validate", data=_upload(SAMPLE, mapping="fr-aura", lang="it"))
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "accepted-with-warnings"
    assert body["records"] == 8 and body["findings"][0]["message"]
    assert body["file"] == "tiers-lieux.tsv"


@pytest.mark.parametrize(
    ("data", "status", "error", "says"),
    [
        ({}, 400, "no-such-file", "Il file non si trova."),
        ({"file": (b"x", "notes.pdf")}, 415, "unknown-format", ".csv, .xlsx"),
        (
            {"file": (b"a,b\n1,2\n", "a.csv"), "mapping": "nowhere"},
            400,
            "unknown-mapping",
            "«nowhere»",
        ),
    ],
    ids=["no-file", "pdf", "unknown-mapping"],
)
def test_api_validate_refusals(
    client: FlaskClient, data: dict, status: int, error: str, says: str
) -> None:
    if "file" in data:  # a new file object for each run (the parameters serve every backend)
        content, name = data["file"]
        data = {**data, "file": (io.BytesIO(content), name)}
    response = client.post("/api/validate", data={**data, "lang": "it"})
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == error and says in body["message"]


def test_a_file_over_the_cap_is_413(client: FlaskClient) -> None:
    big = {"file": (io.BytesIO(b"Name\n" + b"x" * 300_000), "big.csv")}
    answer = client.post("/api/validate", data=big, query_string={"lang": "hr"})
    assert answer.status_code == 413
    # issue #18, stranger 40: one line of English text; the API's problem details in hr now
    assert answer.get_json()["error"] == "too-large" and answer.get_json()["language"] == "hr"
    assert answer.get_json()["message"].startswith("Datoteka je veća")
    big = {"file": (io.BytesIO(b"Name\n" + b"x" * 300_000), "big.csv"), "lang": "el"}
    answer = client.post("/api/submissions", data=big, headers={"Accept-Language": "fr"})
    assert answer.status_code == 413 and answer.get_json()["language"] == "fr"


def test_publishing_needs_the_partners_own_token(
    client: FlaskClient, tokens: dict[str, str], tmp_path: Path
) -> None:
    def publish(token: str | None, path: Path = SAMPLE, **fields: str) -> object:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = _upload(path, mapping="fr-aura", **fields)
        return client.post("/api/submissions", data=data, headers=headers)

    assert publish(None).status_code == 401
    assert publish("not-a-token").status_code == 401
    assert publish(tokens["it-toscana"], partner="fr-aura").status_code == 403
    # the very file the build loaded, with the same mapping: nothing published, and said so
    same = publish(tokens["fr-aura"], lang="el")
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["unchanged"] and not same.get_json()["published"]
    assert same.get_json()["message"].startswith("Αμετάβλητο")
    edited = tmp_path / SAMPLE.name  # one byte more (a blank line): a new version, no change
    edited.write_bytes(SAMPLE.read_bytes() + b"\n")
    response = publish(tokens["fr-aura"], edited)
    body = response.get_json()
    assert response.status_code == 201, body
    assert body["published"] and not body["unchanged"]
    assert body["dataset"].endswith("/dataset/fr-aura")
    assert body["changes"] == {"added": 0, "removed": 0, "modified": 0}
    # the generation it published, as readers see it now (stranger 100: the one its checks read,
    # a generation before)
    now = client.get("/health").get_json()["generation"]
    assert response.headers["Store-Generation"] == str(body["generation"]) == str(now)
    rejected = client.post(
        "/api/submissions",
        data=_upload(SUBMISSIONS / "cells.csv"),
        headers={"Authorization": f"Bearer {tokens['fr-aura']}"},
    )
    assert rejected.status_code == 422 and not rejected.get_json()["published"]
    listed = client.get("/api/submissions?partner=fr-aura").get_json()["submissions"]
    assert [s["conforms"] for s in listed] == [False, True]
    assert listed[1]["version"] == body["version"]
    # regression (stranger 39): each was recorded as "submission.csv", our copy's name
    assert [s["file"] for s in listed] == ["cells.csv", SAMPLE.name]
    # and another partner's mapping, with no partner named, is refused: nothing recorded
    other = publish(tokens["it-toscana"])
    assert other.status_code == 403 and other.get_json()["error"] == "mapping-other-partner"
    assert len(client.get("/api/submissions").get_json()["submissions"]) == len(listed)


def test_a_publication_behind_the_servers_own_writes_says_so(
    writable: Published, tokens: dict[str, str]
) -> None:
    """A publication that waited ``store_lock_wait`` for the server's own writes is a 503 that
    says so, in the partner's language (it said "a load is running", stranger 101)."""
    app = _partners_app(writable, tokens, store_lock_wait=1)
    client = app.test_client()
    before = client.get("/health").get_json()["generation"]
    edited = SAMPLE.read_bytes() + b"\n"
    with writes_held(60):  # the server's own write, in another thread
        sent = ThreadPoolExecutor(1).submit(
            client.post,
            "/api/submissions",
            data={"file": (io.BytesIO(edited), SAMPLE.name), "mapping": "fr-aura", "lang": "el"},
            headers={"Authorization": f"Bearer {tokens['fr-aura']}"},
        )
        answer = sent.result(timeout=60)
    body = answer.get_json()
    assert answer.status_code == 503 and answer.headers["Retry-After"], body
    assert body["error"] == "writes-ahead" and "άλλες αλλαγές" in body["message"], body
    assert client.get("/health").get_json()["generation"] == before
    app.extensions["coworkmed.pool"].close()


def _header_row(fmt: str, data: bytes) -> list[str]:
    """The first row of a downloaded template (CSV as UTF-8 with a BOM, or a workbook)."""
    if fmt == "csv":
        return next(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))  # Greek
    return [cell.value for cell in load_workbook(io.BytesIO(data)).active[1]]


@pytest.mark.parametrize(("fmt", "magic"), [("xlsx", b"PK"), ("csv", codecs.BOM_UTF8)])
def test_templates_can_be_downloaded(client: FlaskClient, fmt: str, magic: bytes) -> None:
    response = client.get(f"/template?lang=el&format={fmt}")
    assert response.status_code == 200 and response.data.startswith(magic)
    assert f"coworkmed-template-el.{fmt}" in response.headers["Content-Disposition"]
    greek = [column.header for column in template_columns("el")]
    assert greek[:2] == ["Αναγνωριστικό", "Όνομα"]
    assert _header_row(fmt, response.data) == greek


def test_openapi_describes_every_api_route(app: Flask, client: FlaskClient) -> None:
    document = json.loads(client.get("/api/openapi.json").data)
    routes = {  # Flask's <name> is OpenAPI's {name}
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert set(document["paths"]) == routes
    assert document["openapi"].startswith("3.1")


@pytest.mark.parametrize(
    ("lang", "status"),
    [("xx", 400), ("english", 400), ("zz-ZZ", 400), ("FR", 200), ("el-GR", 200), ("", 200)],
)
@pytest.mark.parametrize("route", ["/api/validate", "/api/submissions"])
def test_an_unknown_language_is_refused(
    client: FlaskClient, tokens: dict[str, str], route: str, lang: str, status: int
) -> None:
    """The API's description lists the six languages: another is a 400 that names them, told in
    the reader's language (Accept-Language), where it was a 200 in English without a word
    (issue 18, lane fixi); a language as a browser writes it (FR, el-GR) is read."""
    headers = {"Accept-Language": "fr", "Authorization": f"Bearer {tokens['fr-aura']}"}
    data = _upload(SUBMISSIONS / "cells.csv", lang=lang)
    response = client.post(route, data=data, headers=headers)
    if status == 400:
        body = response.get_json()
        assert response.status_code == 400 and body["error"] == "unknown-language"
        assert (
            body["message"].startswith(f"La langue {quoted(lang, 'fr')} n'est pas")
            and "el, hr" in body["message"]
        )
    else:
        assert response.status_code != 400


@pytest.mark.parametrize("outcome", ["published", "refused", "unchanged"])
def test_a_publication_opens_the_store_in_a_worker_never_in_the_server(
    client: FlaskClient,
    writable: Published,
    tokens: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    """Stranger 63: each publication through the API opened the store in the server process
    (for writing, and a snapshot to read what others published and what it held), and left
    about 40 MB there for good (471 to 830 MB over 16 publications of 8 records). Its change,
    checks and publication run in a write worker; what others published is asked of the query
    workers."""
    from triplestore import versions
    from triplestore.backends.oxigraph import OxigraphLocation

    edited = tmp_path / SAMPLE.name
    edited.write_bytes(SAMPLE.read_bytes() + b"\n")
    sent = {"published": edited, "refused": SUBMISSIONS / "cells.csv", "unchanged": SAMPLE}
    status = {"published": 201, "refused": 422, "unchanged": 200}

    def opened_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server process opened the store")

    # the query pool, which opens the store once as it starts, is started before
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    with monkeypatch.context() as patched:  # undone before the store is reset
        patched.setattr(OxigraphLocation, "writer", opened_here)
        patched.setattr(OxigraphLocation, "reader", opened_here)
        patched.setattr(versions, "open_snapshot", opened_here)
        response = client.post(
            "/api/submissions",
            data=_upload(sent[outcome], mapping="fr-aura"),
            headers={"Authorization": f"Bearer {tokens['fr-aura']}"},
        )
    assert response.status_code == status[outcome], response.get_json()


@pytest.mark.parametrize("route", ["/api/validate", "/api/submissions"])
def test_a_broken_mapping_of_the_server_is_said_without_its_folders(
    writable: Published, tokens: dict[str, str], tmp_path: Path, route: str
) -> None:
    """Stranger 84: a mapping of the server's that cannot be read answered a partner's
    submission with the absolute path of the server's mappings folder (and "could not
    publish", not what was wrong). It is ``bad-mapping``, its mistake named in the mapping's
    own folder."""
    mappings = tmp_path / "server-mappings"
    shutil.copytree(ROOT / "examples" / "partners" / "fr-aura", mappings / "fr-aura")
    written = mappings / "fr-aura" / "mapping.yaml"
    written.write_text(written.read_text(encoding="utf-8") + "\nkey: [\n", encoding="utf-8")
    config = writable.config(query_workers=1, partners_file=tokens["file"], mappings=str(mappings))
    app = create_app(config)
    try:
        answer = app.test_client().post(
            route,
            data=_upload(SAMPLE, mapping="fr-aura", lang="fr"),
            headers={"Authorization": f"Bearer {tokens['fr-aura']}"},
        )
    finally:
        app.extensions["coworkmed.pool"].close()
    said = answer.get_data(as_text=True)
    assert answer.status_code == 500 and answer.get_json()["error"] == "bad-mapping", said
    assert "fr-aura/mapping.yaml" in said and str(tmp_path) not in said
