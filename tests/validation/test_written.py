"""Values as the partner wrote them: a report shows "2031", not "2031.0" (issue #18).

The cases (written-cases.yaml) give a cell as a reader gives it and what a report shows; the
regression tests read a workbook whose numbers are numbers, by the loader and by validation."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook

from loaders.readers import written
from validation.columns import column_header, template_mapping
from validation.submission import validate_submission

HERE = Path(__file__).parent
CASES = yaml.load((HERE / "written-cases.yaml").read_text(encoding="utf-8"), Loader=yaml.Loader)


@pytest.mark.parametrize("case", CASES, ids=[str(c["shown"]) for c in CASES])
def test_a_cell_is_shown_as_written(case: dict[str, Any]) -> None:
    cell = case["cell"]
    if isinstance(cell, datetime.datetime) and cell.tzinfo is not None:
        cell = cell.replace(tzinfo=None)
    assert written(cell) == case["shown"]


#: field -> a number as a spreadsheet keeps it -> how the report must show it
NUMBERS = {"opened": (2031, "2031"), "workstations": (-4, "-4"), "latitude": (37.9795, "37.9795")}


@pytest.mark.parametrize("lang", ["en", "el", "fr"])
def test_a_workbook_report_shows_numbers_as_written(tmp_path: Path, lang: str) -> None:
    mapping = template_mapping(lang)
    headers = {spec.field: column_header(spec, lang, mapping) for spec in mapping.columns}
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(headers.values()))
    row: dict[str, Any] = {"id": "S-1", "name": "Tiers-lieu", "city": "Lyon", "country": "FR"}
    row |= {"longitude": 4.8321, "postcode": "69001", "street": "1 rue X"}
    row |= {field: number for field, (number, _shown) in NUMBERS.items()}
    sheet.append([row.get(field) for field in headers])
    path = tmp_path / "numbers.xlsx"
    workbook.save(path)
    report = validate_submission(path, None, lang)
    shown = {f.field: f.value for f in report.findings if f.field in NUMBERS}
    assert shown.get("opened") == "2031", [f.as_dict() for f in report.findings]
    assert shown.get("workstations") == "-4", [f.as_dict() for f in report.findings]
    assert not any(f.value and f.value.endswith(".0") for f in report.findings)
