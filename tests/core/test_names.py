"""A file's name as shown and recorded is one line of valid text (``name-cases.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.names import shown_name

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("name-cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_name_is_shown_on_one_line_of_valid_text(case: dict[str, Any]) -> None:
    shown = shown_name(case["name"])
    assert shown == case["shown"]
    assert shown.encode("utf-8") and len(shown.splitlines()) == 1
