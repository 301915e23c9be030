"""A row of totals is held back with one error saying what it is (``totals-cases.yaml``; the
words: ``loaders/tables/totals.yaml``), the rows above published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from core.vocabulary import LANGUAGES
from tests.loaders.mapping_files import mapping_text, written_source
from validation.messages import problem_message
from validation.submission import validate_submission

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load(
    (HERE / "totals-cases.yaml").read_text(encoding="utf-8")
)
MAPPING = mapping_text(
    {"ID": "id", "Nome": "name", "Comune": "city", "Postazioni": "workstations"}, "it", "IT"
)


def _id(case: dict[str, Any]) -> str:
    return " / ".join(case.get(cell) or "" for cell in ("name", "city", "id"))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_a_row_of_totals_is_told_and_held_back(tmp_path: Path, case: dict[str, Any]) -> None:
    cells = [case.get("id", ""), case.get("name", ""), case.get("city", ""), "32"]
    rows = [
        ["ID", "Nome", "Comune", "Postazioni"],
        ["LZ1", "Spazio Uno", "Roma", "20"],
        ["LZ2", "Spazio Due", "Latina", "12"],
        cells,
    ]
    mapping = written_source(tmp_path, MAPPING, rows)
    report = validate_submission(tmp_path / "spaces.csv", mapping, "it")
    last = [f for f in report.findings if f.row == 4]
    if case["total"]:
        column = "Nome" if case.get("name") else "Comune"
        assert [(f.code, f.severity, f.column) for f in last] == [("totals-row", "error", column)]
        written = case.get("name") or case["city"]
        for lang in LANGUAGES:
            said = problem_message("totals-row", lang, value=written)
            assert said and written in said
    else:
        assert "totals-row" not in {f.code for f in report.findings}
    assert not [f for f in report.findings if f.row in (2, 3) and f.severity == "error"]
