"""Every error answer of the API in the reader's language (lang=, else Accept-Language): JSON
problem details with a stable code (api-error-cases.yaml), 429 included (issue #18)."""

from __future__ import annotations

import html
import importlib
import io
import string
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from core.problems import LoadError, StoreBusy
from core.vocabulary import LANGUAGES
from core.workers import WorkerCrashed, WorkerFailed, WorkerTimedOut
from endpoint.app import create_app
from endpoint.auth import WriteLimiter
from endpoint.execution import QueryError
from endpoint.rooms import VALIDATING, validation_room
from endpoint.writes import SettledWrite, StoreMayGoOn
from publishing.partners import add_partner
from publishing.publish import SentAgainTooSoon
from tests.backends import oxigraph_published
from triplestore.backends.sparql import RemoteStoreError, StoreUnavailable
from triplestore.versions import Left
from validation.messages import catalogue

HERE = Path(__file__).parent
SUBMISSIONS = HERE.parent / "validation" / "submissions"
CASES = yaml.safe_load((HERE / "api-error-cases.yaml").read_text(encoding="utf-8"))
#: what publishing raises in a case's ``raises``
RAISED: dict[str, Callable[[], Exception]] = {
    "busy": lambda: StoreBusy("the store is locked by another process"),
    "down": lambda: StoreUnavailable("http://127.0.0.1:1/sparql: connection refused"),
    "refused": lambda: RemoteStoreError(502, "the store answered 500"),
    "store-too-slow": lambda: RemoteStoreError(504, "the store did not answer within 30 s"),
    "failed": lambda: LoadError("a graph could not be written"),
    "busy-query": lambda: QueryError(503, "the service is answering as many queries as it can"),
    "slow-query": lambda: QueryError(504, "the query was stopped after 30 s (the time limit)"),
    "publication-unpublished": lambda: _passed(WorkerCrashed("out of memory", 9)),
    "publication-too-slow": lambda: WorkerTimedOut("the worker was stopped after 120 s"),
    "publication-settled-saved": lambda: SettledWrite(WorkerTimedOut("stopped"), Left(True), 7),
    "publication-settled-unsaved": lambda: SettledWrite(WorkerTimedOut("stopped"), Left(False), 7),
    "store-goes-on": lambda: RemoteStoreError(
        504, "the triple store did not answer the update within 30 s", unfinished=True
    ),
    "publication-store-goes-on": lambda: StoreMayGoOn("the worker was stopped after 120 s"),
    "publication-crashed": lambda: WorkerCrashed("the worker ended with signal 11", 11),
    "sent-again-too-soon": lambda: SentAgainTooSoon("https://w3id.org/coworkmed/id/dataset/x/v"),
}


def _passed(failed: WorkerFailed) -> WorkerFailed:
    """``failed`` after its change was committed."""
    failed.passed = True
    return failed


#: a case's route's limiter (``endpoint.submissions``)
LIMITERS = {"/api/validate": "coworkmed.validations", "/api/submissions": "coworkmed.writes"}


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    partners = tmp_path_factory.mktemp("partners") / "partners.toml"
    return {
        "file": str(partners),
        "fr-aura": add_partner(partners, "fr-aura", "AURA"),
        "it-toscana": add_partner(partners, "it-toscana", "Toscana"),
        "stranger": "not-a-partners-token",
        "": "",
    }


@pytest.fixture(scope="module")
def app(store_path: Path, tokens: dict[str, str]) -> Iterator[Flask]:
    """The app over the samples in the embedded store (no case publishes or reads the store:
    the answers are the same on every backend)."""
    app = create_app(
        oxigraph_published(store_path).config(
            query_workers=1,
            partners_file=tokens["file"],
            mappings=str(HERE.parents[1] / "examples" / "partners"),
        )
    )
    yield app
    app.extensions["coworkmed.pool"].close()


def _opening(text: str) -> str:
    """A sentence's words before its first placeholder (what every message of it starts with)."""
    return next(iter(string.Formatter().parse(text)))[0]


def _ask(
    client: FlaskClient, case: dict[str, Any], tokens: dict[str, str], lang: str, by_header: bool
) -> Any:
    data: dict[str, Any] = {**case.get("fields", {})}
    if "file" in case:
        content = (SUBMISSIONS / case["file"]).read_bytes()
        data["file"] = (io.BytesIO(content), case.get("name", case["file"]))
    headers = {"Accept-Language": f"{lang}, en;q=0.1"} if by_header or "lang" in case else {}
    if not by_header or "lang" in case:
        data["lang"] = case.get("lang", lang)
    if "token" in case:
        headers["Authorization"] = f"Bearer {tokens[case['token']]}"
    headers.update(case.get("headers", {}))
    if "patch" in case:  # answered afresh: an answer kept from another test would be served
        headers["Cache-Control"] = "no-cache"
    method = case.get("method", "POST")
    if method == "POST":
        url = {"lang": data.pop("lang")} if case.get("url_lang") and "lang" in data else {}
        return client.post(case["route"], data=data, headers=headers, query_string=url)
    return client.open(case["route"], method=method, query_string=data, headers=headers)


#: each case asked in the six languages by lang=, and in two by Accept-Language alone
ASKED = [(lang, False) for lang in LANGUAGES] + [("fr", True), ("el", True)]


@pytest.mark.parametrize(
    ("lang", "by_header"), ASKED, ids=[f"{code}-{'header' if h else 'lang'}" for code, h in ASKED]
)
@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_an_api_error_is_in_the_readers_language(
    app: Flask,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    case: dict[str, Any],
    lang: str,
    by_header: bool,
) -> None:
    if "raises" in case:

        def publish(*_args: Any, **_kwargs: Any) -> None:
            raise RAISED[case["raises"]]()

        module, name = case.get("patch", "endpoint.submissions:publish_submission").split(":")
        monkeypatch.setattr(importlib.import_module(module), name, publish)
    client = app.test_client()
    for limiter in LIMITERS.values():  # the module's app serves 200 requests: none limited...
        monkeypatch.setitem(app.extensions, limiter, WriteLimiter(0))
    if "rate" in case:  # ...but the case's
        limiter = LIMITERS[case["route"]]
        monkeypatch.setitem(app.extensions, limiter, WriteLimiter(case["rate"]))
        for _ in range(case["rate"]):
            _ask(client, case, tokens, lang, by_header)
    room = validation_room(1)
    monkeypatch.setitem(app.extensions, VALIDATING, room)
    with room.entered() if case.get("full") else nullcontext():
        response = _ask(client, case, tokens, lang, by_header)
    assert response.status_code == case["status"], response.get_data(as_text=True)
    assert response.mimetype == "application/json", response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == case["code"] and body["language"] == lang
    sentence = catalogue()["problems"][case["code"]][lang]
    assert body["message"].startswith(_opening(sentence)), body
    assert body["status"] == case.get("kind", body["status"]) in ("refused", "unreadable")
    for name, value in case.get("answer_headers", {}).items():
        assert response.headers.get(name) == value, name
    if case["status"] in (409, 429, 503):
        assert int(response.headers["Retry-After"]) >= 1
    if case["status"] == 429:
        assert str(case["rate"]) in body["message"]
    if case["status"] == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("limit", "status"), [("too-many-requests", 429), ("validations-busy", 503)]
)
def test_the_pages_refusal_is_the_form_in_the_readers_language(
    app: Flask, monkeypatch: pytest.MonkeyPatch, lang: str, limit: str, status: int
) -> None:
    """The validation page past its rate, or while every validation place is taken: the form
    saying so in the reader's language, where it was one line of English plain text."""
    monkeypatch.setitem(app.extensions, LIMITERS["/api/validate"], WriteLimiter(1))
    room = validation_room(1)
    monkeypatch.setitem(app.extensions, VALIDATING, room)
    client = app.test_client()
    data = {"lang": lang}
    if limit == "too-many-requests":
        client.post("/validate", data=data)
        response = client.post("/validate", data=data)
    else:  # refused before the body is read: the language from the URL
        data = {"file": (io.BytesIO((SUBMISSIONS / "cells.csv").read_bytes()), "cells.csv")}
        with room.entered():
            response = client.post("/validate", data=data, query_string={"lang": lang})
    assert response.status_code == status and response.mimetype == "text/html"
    sentence = catalogue()["problems"][limit][lang]
    assert _opening(sentence) in html.unescape(response.get_data(as_text=True))
    assert int(response.headers["Retry-After"]) >= 1
