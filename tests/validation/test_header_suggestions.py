"""What a column the template does not know is told it may mean (header-suggestion-cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders.mapping import load_mapping
from validation.columns import TEMPLATE_MAPPING, closest_header, suggested_headers

CASES = yaml.safe_load(
    (Path(__file__).with_name("header-suggestion-cases.yaml")).read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['lang']}:{c['header']}")
def test_an_unknown_header_is_told_the_one_of_its_files_language(case: dict[str, Any]) -> None:
    mapping = load_mapping(TEMPLATE_MAPPING)
    headers = [*case["file"], case["header"]]
    candidates = suggested_headers(headers, mapping, case["lang"])
    lacking = set(case.get("lacking", []))
    assert closest_header(case["header"], candidates, lacking) == case["means"]
