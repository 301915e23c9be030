"""A row of totals is held back with one error saying what it is (``totals-cases.yaml``; the
words: ``loaders/tables/totals.yaml``), the rows above published."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.vocabulary import LANGUAGES
from validation.messages import problem_message
from validation.submission import validate_submission

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load(
    (HERE / "totals-cases.yaml").read_text(encoding="utf-8")
)
MAPPING = """\
source:
  id: totals
  title: {en: "Totals"}
  partner: {id: test, name: "Test partner"}
  licence: https://creativecommons.org/licenses/by/4.0/
file:
  path: spaces.csv
locale:
  language: it
  country: IT
columns:
  ID: id
  Nome: name
  Comune: city
  Postazioni: workstations
constants:
  kinds: coworking
"""


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["cell"])
def test_a_row_of_totals_is_told_and_held_back(tmp_path: Path, case: dict[str, Any]) -> None:
    rows = [
        ["ID", "Nome", "Comune", "Postazioni"],
        ["LZ1", "Spazio Uno", "Roma", "20"],
        ["LZ2", "Spazio Due", "Latina", "12"],
        ["", case["cell"], "", "32"],
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    (tmp_path / "spaces.csv").write_text(text.getvalue(), encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    report = validate_submission(tmp_path / "spaces.csv", tmp_path / "mapping.yaml", "it")
    last = [f for f in report.findings if f.row == 4]
    if case["total"]:
        assert [(f.code, f.severity, f.column) for f in last] == [("totals-row", "error", "Nome")]
        for lang in LANGUAGES:
            said = problem_message("totals-row", lang, value=case["cell"])
            assert said and case["cell"] in said
    else:
        assert "totals-row" not in {f.code for f in report.findings}
    assert not [f for f in report.findings if f.row in (2, 3) and f.severity == "error"]
