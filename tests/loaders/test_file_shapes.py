"""The shape of a partner's file (issue 18, lane fixm), driven by shape-cases.yaml: rows longer
than the header (a decimal comma, a separator inside an unquoted value), a quotation mark that
never closes, a header without records, a file whose name says another format, a header written
otherwise, records inside a JSON object; each validated with the template's mapping."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.translations import spaced_guillemets
from loaders import tables
from tests.loaders.sheet_files import ods_workbook, xlsx_workbook
from validation.findings import Finding
from validation.submission import validate_submission

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.load(
    (HERE / "shape-cases.yaml").read_text("utf-8"), Loader=tables.StringKeysLoader
)
#: the French template's header and three sound records of it, for the cases' lines
HEADER = (
    "Identifiant,Nom,Type d'espace,Commune,Pays,Postes de travail,Surface (m²),"
    "Salles de réunion,Prix journée (EUR),Prix mensuel (EUR)"
)
RECORDS = {
    "{R1}": "S-1,Lab Un,coworking,Marseille,FR,20,85,5,12,180",
    "{R2}": "S-2,Lab Deux,fab-lab,Lyon,FR,10,60,1,10,150",
    "{R3}": "S-3,Lab Trois,coworking,Nice,FR,8,40,1,9,120",
}
WORKBOOKS = {"xlsx": xlsx_workbook, "ods": ods_workbook}
#: a cell past the csv module's field limit (128 KiB), for the lines of a case
LONG = "a" * 140_000


def _line(line: str) -> str:
    for name, record in {"{F}": HEADER, "{LONG}": LONG, **RECORDS}.items():
        line = line.replace(name, record)
    return line


def file_bytes(case: dict[str, Any]) -> bytes:
    """The bytes of the case's file: its lines, its workbook or its JSON."""
    if "workbook" in case:
        book = case["workbook"]
        return WORKBOOKS[book["format"]]([{"name": "Lieux", "rows": book["rows"]}])
    if "json" in case:
        return json.dumps(case["json"], ensure_ascii=False).encode("utf-8")
    newline = case.get("newline", "\n")
    text = newline.join(_line(line) for line in case["text"]) + case.get("end", newline)
    return text.encode(case.get("encoding", "utf-8"))


def _matches(finding: Finding, expected: dict[str, Any], lang: str) -> bool:
    said = all(
        spaced_guillemets(words, lang) in finding.message for words in expected.get("says", ())
    )
    return said and all(
        getattr(finding, key) == value for key, value in expected.items() if key != "says"
    )


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_shape_of_a_file_is_told(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / case.get("name", "shape.csv")
    path.write_bytes(file_bytes(case))
    report = validate_submission(path, lang=case.get("lang", "fr"), workers=1)
    found = [finding.as_dict() for finding in report.findings]
    if "status" in case:
        assert report.status == case["status"], found
    for expected in case.get("findings", []):
        assert any(_matches(f, expected, report.language) for f in report.findings), (
            expected,
            found,
        )
    for unwanted in case.get("absent", []):
        assert not any(_matches(f, unwanted, report.language) for f in report.findings), (
            unwanted,
            found,
        )
    for row in case.get("alone", []):
        expected = {e["code"] for e in case.get("findings", []) if e.get("row") == row}
        assert {f.code for f in report.findings if f.row == row} == expected, (row, found)
    for finding in report.findings:
        assert finding.message, finding
        assert (
            finding.code not in ("extra-cells", "row-too-long")
            or report.language == "en"
            or ("cells" not in finding.message)
        ), f"an English message in a {report.language} report: {finding.message}"
