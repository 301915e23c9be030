"""The template route (``GET /template``): a language or a format it does not have is a 400 with
the API's problem details in the reader's language, never a template in another language or
format than the one asked for (cases: ``template-download-cases.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from validation.messages import catalogue

CASES = yaml.safe_load(
    (Path(__file__).with_name("template-download-cases.yaml")).read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def app(partner_app: Flask) -> Flask:
    return partner_app


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_template_route_answers_what_it_has_or_a_problem(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    headers = {"Accept-Language": case["accept"]} if "accept" in case else {}
    answer = client.get("/template", query_string=case["query"], headers=headers)
    assert answer.status_code == case["status"], answer.get_data(as_text=True)[:300]
    if "code" not in case:
        assert answer.mimetype == case["type"]
        disposition = answer.headers["Content-Disposition"]
        assert f"-{case['language']}." in disposition, disposition
        return
    assert answer.mimetype == "application/json"
    body = answer.get_json()
    assert body["error"] == case["code"] and body["language"] == case["language"], body
    sentence = catalogue()["problems"][case["code"]][case["language"]]
    assert body["message"].startswith(sentence.split("{")[0]), body
    assert len(body["message"]) < 400, "a value given is cut short"


def test_a_template_is_written_once_per_language_and_format(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing a workbook costs 0.3 s of CPU, and any client may ask for it again and again
    (stranger 91): the same template asked twice is written at most once, and is the same."""
    from endpoint import submissions

    written: list[tuple[str, str]] = []
    original = submissions.write_template

    def counted(output: Path, lang: str, fmt: str = "csv", filled: bool = False) -> list[Path]:
        written.append((lang, fmt))
        return original(output, lang, fmt, filled)

    monkeypatch.setattr(submissions, "write_template", counted)
    submissions.template_bytes.cache_clear()
    answers = [client.get("/template?lang=hr&format=xlsx").get_data() for _ in range(3)]
    assert written == [("hr", "xlsx")]
    assert answers[0] == answers[1] == answers[2] and answers[0].startswith(b"PK")
