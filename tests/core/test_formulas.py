"""Cells a spreadsheet could run as formulas get an apostrophe; numbers, with a decimal point or
a decimal comma, are left as they are (cases: ``formula-cases.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.formulas import safe_cell

CASES = yaml.safe_load((Path(__file__).with_name("formula-cases.yaml")).read_text("utf-8"))


@pytest.mark.parametrize(
    ("text", "guarded"),
    [(text, False) for text in CASES["kept"]] + [(text, True) for text in CASES["guarded"]],
)
def test_a_cell_is_guarded_only_when_it_could_be_a_formula(text: str, guarded: bool) -> None:
    assert safe_cell(text) == ("'" + text if guarded else text)
