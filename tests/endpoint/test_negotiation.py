"""Content negotiation on werkzeug's MIMEAccept gives the choices recorded in accept-cases.yaml
(recorded from the hand-written parser it replaced: q-values, wildcards, parameters, junk)."""

from pathlib import Path

import pytest
import yaml

from endpoint.negotiation import DEFAULTS, choose, parse_accept, prefers_html

CASES = yaml.safe_load((Path(__file__).parent / "accept-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[repr(case["accept"]) for case in CASES])
def test_the_choices_for_an_accept_header(case: dict) -> None:
    ranges = parse_accept(case["accept"])
    chosen = {kind: list(c) if (c := choose(ranges, kind)) else None for kind in DEFAULTS}
    assert chosen == case["choices"]
    assert prefers_html(case["accept"]) is case["prefers_html"]


def test_the_cases_cover_q_values_wildcards_parameters_and_junk() -> None:
    headers = [case["accept"] or "" for case in CASES]
    assert len(headers) >= 10
    for mark in (";q=", "*", ";charset=", "junk"):
        assert any(mark in header for header in headers), mark
