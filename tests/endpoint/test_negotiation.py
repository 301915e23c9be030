"""Content negotiation on werkzeug's MIMEAccept gives the choices recorded in accept-cases.yaml
(recorded from the hand-written parser it replaced: q-values, wildcards, parameters, junk)."""

from pathlib import Path

import pytest
import yaml

from endpoint.negotiation import negotiate, prefers_html

CASES = yaml.safe_load((Path(__file__).parent / "accept-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[repr(case["accept"]) for case in CASES])
def test_the_choices_for_an_accept_header(case: dict) -> None:
    chosen = {k: list(c) if c else None for k, c in negotiate(case["accept"]).items()}
    assert chosen == case["choices"]
    assert prefers_html(case["accept"]) is case["prefers_html"]


def test_the_cases_cover_q_values_wildcards_parameters_and_junk() -> None:
    headers = [case["accept"] or "" for case in CASES]
    assert len(headers) >= 10
    for mark in (";q=", "*", ";charset=", "junk"):
        assert any(mark in header for header in headers), mark
