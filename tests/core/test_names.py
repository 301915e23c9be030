"""A file's name as shown and recorded is one line of valid text, and a message holding names
prints no control character but its line ends (``name-cases.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.names import printed, shown_name

CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    Path(__file__).with_name("name-cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES["shown"], ids=[case["id"] for case in CASES["shown"]])
def test_a_name_is_shown_on_one_line_of_valid_text(case: dict[str, Any]) -> None:
    shown = shown_name(case["name"])
    assert shown == case["shown"]
    assert shown.encode("utf-8") and len(shown.splitlines()) == 1


@pytest.mark.parametrize("case", CASES["printed"], ids=[case["id"] for case in CASES["printed"]])
def test_a_message_is_printed_with_its_own_lines_only(case: dict[str, Any]) -> None:
    said = printed(case["message"])
    assert said == case["printed"]
    assert said.encode("utf-8") and len(said.splitlines()) == len(case["message"].splitlines())
