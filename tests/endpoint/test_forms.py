"""endpoint.forms reads URL-encoded texts (query strings, form bodies) exactly as werkzeug does,
faster: the cases of form-texts.yaml, seeded random texts, and a real request through the app
(issue #20: decoding the query of a form took about 0.4 ms of each /sparql request)."""

from __future__ import annotations

import random
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from endpoint.forms import FastRequest, pairs, percent_decoded

CASES = yaml.safe_load((Path(__file__).parent / "form-texts.yaml").read_text(encoding="utf-8"))
#: pieces random texts are made of: escapes whole, cut and wrong, backslashes, separators
PIECES = [
    "%", "%2", "%41", "%zz", "%e9", "%C3%A9", "%FF", "%C3", "\\", "\\x41", "\\\\", "a", "+",
    "=", "&", ";", "é", "😀", "%0A", "%25", "%5C", "%%", "x%4",
]  # fmt: skip


def werkzeug_pairs(text: str) -> list[tuple[str, str]]:
    return urllib.parse.parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


@pytest.mark.parametrize("case", CASES, ids=[case["why"] for case in CASES])
def test_each_text_is_read_as_werkzeug_reads_it(case: dict[str, Any]) -> None:
    assert pairs(case["text"]) == werkzeug_pairs(case["text"])


def test_random_texts_are_read_as_werkzeug_reads_them() -> None:
    chosen = random.Random(20)
    for _ in range(20_000):
        text = "".join(chosen.choice(PIECES) for _ in range(chosen.randint(0, 12)))
        assert pairs(text) == werkzeug_pairs(text), text
        raw = text.encode("utf-8")
        assert percent_decoded(raw) == urllib.parse.unquote_to_bytes(raw), text


@pytest.mark.parametrize("case", CASES, ids=[case["why"] for case in CASES])
def test_a_request_has_the_parameters_and_form_werkzeug_gives(case: dict[str, Any]) -> None:
    """The app's request class: its URL parameters and its form body, as werkzeug's."""
    body = case["text"].encode("utf-8")
    query = urllib.parse.quote(case["text"], safe="%=&+;")

    def made() -> dict[str, Any]:  # each request reads its own body
        return EnvironBuilder(
            path=f"/sparql?{query}",
            method="POST",
            data=body,
            content_type="application/x-www-form-urlencoded",
        ).get_environ()

    ours, theirs = FastRequest(made()), WerkzeugRequest(made())
    assert list(ours.args.items(multi=True)) == list(theirs.args.items(multi=True))
    assert list(ours.form.items(multi=True)) == list(theirs.form.items(multi=True))


def test_a_body_that_is_not_utf8_is_an_empty_form_as_in_werkzeug() -> None:
    for request_class in (FastRequest, WerkzeugRequest):
        made = EnvironBuilder(
            method="POST", data=b"query=\xff", content_type="application/x-www-form-urlencoded"
        )
        assert not request_class(made.get_environ()).form
