"""Which sheet of a workbook is read, what a sheet without records says, and a damaged workbook
(issue 18, lane fixi). The cases are in sheet-cases.yaml and damaged-cases.yaml, their
workbooks written by sheet_files.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core.problems import LoadError
from core.translations import punctuated, spaced_guillemets
from core.vocabulary import LANGUAGES
from coworkmed.cli import main
from loaders.readers import read_rows
from tests.loaders.sheet_files import (
    DAMAGED_CASES,
    HEADER_CASES,
    SHEET_CASES,
    damaged_workbook,
    header_file,
    sheet_workbook,
)
from tests.mappings import write_mapping
from validation.files import file_finding
from validation.messages import problem_message, ui
from validation.report import console_lines, render
from validation.submission import validate_submission


def _read(path: Path, kind: str, spec: dict[str, Any]) -> list[Any]:
    return [row for row in read_rows(path, kind, spec) if row is not None]


READ = [case for case in SHEET_CASES if "read" in case]
REFUSED = [case for case in SHEET_CASES if "error" in case]


@pytest.mark.parametrize("case", READ, ids=[case["id"] for case in READ])
def test_the_sheet_with_the_data_is_read_and_named(tmp_path: Path, case: dict[str, Any]) -> None:
    kind, data = sheet_workbook(case)
    path = tmp_path / f"spaces.{kind}"
    path.write_bytes(data)
    rows = _read(path, kind, case.get("file", {}))
    assert [(row.sheet, row.number, row.values["Name"]) for row in rows] == [
        (case["read"], 2, "Kvart Lab")
    ]
    assert [problem.code for problem in rows[0].problems] == case["told"]
    for problem in rows[0].problems:
        assert dict(problem.params or ())["sheet"] == f"«{case['read']}»"


@pytest.mark.parametrize("case", REFUSED, ids=[case["id"] for case in REFUSED])
def test_a_sheet_without_record_names_the_sheets(tmp_path: Path, case: dict[str, Any]) -> None:
    kind, data = sheet_workbook(case)
    path = tmp_path / f"spaces.{kind}"
    path.write_bytes(data)
    with pytest.raises(LoadError) as raised:
        _read(path, kind, case.get("file", {}))
    assert raised.value.code == case["error"]
    assert raised.value.values == case["values"]  # type: ignore[attr-defined]
    for lang in LANGUAGES:  # said in each language, the sheets named, no English beside it
        finding = file_finding(raised.value, lang)
        said = [spaced_guillemets(str(value), lang) for value in case["values"].values()]
        assert all(value in finding.message for value in said)
        assert finding.detail == ""


@pytest.mark.parametrize("case", DAMAGED_CASES, ids=[case["id"] for case in DAMAGED_CASES])
def test_a_damaged_workbook_is_said_damaged(tmp_path: Path, case: dict[str, Any]) -> None:
    kind, data = damaged_workbook(case)
    path = tmp_path / f"spaces.{kind}"
    path.write_bytes(data)
    with pytest.raises(LoadError) as raised:
        _read(path, kind, {})
    assert raised.value.code == "damaged-workbook"


BY_CLI = [case for case in DAMAGED_CASES if case.get("cli")]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", BY_CLI, ids=[case["id"] for case in BY_CLI])
def test_a_damaged_workbook_is_said_damaged_in_the_language_of_load_and_validate(
    tmp_path: Path, case: dict[str, Any], lang: str
) -> None:
    """``coworkmed load --lang it`` said a damaged workbook in English, and ``validate``'s
    finding had an English detail under its translated message: both now say it in the
    report's language (``load``: the library's own words last, as a technical detail)."""
    kind, data = damaged_workbook(case)
    path = tmp_path / f"spaces.{kind}"
    path.write_bytes(data)
    sentence = problem_message("damaged-workbook", lang) or ""
    detail = ui("technical-detail", lang).format(file=path.name, technical="")
    validated = CliRunner().invoke(main, ["validate", str(path), "--lang", lang, "-q"])
    columns = {"Identifier": "id", "Name": "name"}
    mapping = write_mapping(tmp_path, columns, {"language": "hr"}, file={"path": path.name})
    store = ["--store", str(tmp_path / "store")]
    loaded = CliRunner().invoke(main, ["load", str(mapping), *store, "--lang", lang, "-q"])
    assert (validated.exit_code, loaded.exit_code) == (2, 2)  # cannot be read: 2 for both
    # validate's summary is the partner's report: its sentence alone, the library's words only
    # in the JSON report's detail (validation.report)
    assert sentence in validated.output and case["technical"] not in validated.output
    output = loaded.output  # load's error: the sentence, then the library's words, told as such
    assert sentence in output and detail in output
    said = output.split(detail, 1)[0]  # all but the library's words, which come last
    assert case["technical"] not in said and case["technical"] in output
    for output in (validated.output, loaded.output):
        assert lang == "en" or "damaged" not in output
    assert loaded.output.startswith(ui("error", lang).capitalize() + punctuated(":", lang) + " ")


@pytest.mark.parametrize("lang", ["fr", "el"])
def test_the_partner_reads_it_in_the_report_language(tmp_path: Path, lang: str) -> None:
    """The stranger's files: a workbook whose first sheet has only notes (was "the file is
    empty" with "no record in the file" in English), a truncated one (was "empty" too)."""
    notes = next(case for case in SHEET_CASES if case["id"] == "ods-notes-first")
    damaged = next(case for case in DAMAGED_CASES if case["id"] == "ods-cut-before-the-end")
    expected = {
        "notes": (
            "records-in-other-sheet",
            {"fr": "La feuille «\u00a0Notes\u00a0»", "el": "Το φύλλο «Notes»"},
        ),
        "cut": ("damaged-workbook", {"fr": "endommagé", "el": "κατεστραμμένο"}),
    }
    for name, (_kind, data) in {
        "notes": sheet_workbook(notes),
        "cut": damaged_workbook(damaged),
    }.items():
        path = tmp_path / f"{name}.ods"
        path.write_bytes(data)
        report = validate_submission(path, lang=lang)
        code, words = expected[name]
        (finding,) = report.findings
        assert report.status == "unreadable" and finding.code == code
        assert words[lang] in finding.message


@pytest.mark.parametrize("case", HEADER_CASES, ids=[case["id"] for case in HEADER_CASES])
def test_empty_rows_do_not_hide_the_header(tmp_path: Path, case: dict[str, Any]) -> None:
    kind, data = header_file(case)
    path = tmp_path / f"spaces.{kind}"
    path.write_bytes(data)
    row = _read(path, kind, case.get("file", {}))[0]  # the first row read bears the notices
    if case["header"] == len(case["above"]) + 1:  # the inventory's header: the record read
        assert (row.number, row.values["Name"]) == (case["header"] + 1, "Kvart Lab")
    else:  # a title taken for the header: the row below it is the first row read
        assert case.get("first_read", "Identifier") in list(row.values.values())
    assert [problem.code for problem in row.problems] == case["told"]
    for problem in row.problems:
        params = dict(problem.params or ())
        if problem.code == "header-row-found":
            assert problem.value == params["row"] == str(case["header"])
        elif problem.code == "title-row":
            assert params["header_row"] == str(case["title_header_row"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_column_without_header_is_named_in_the_report_language(tmp_path: Path, lang: str) -> None:
    """A column whose header cell is blank was "column 2" in English in every report."""
    path = tmp_path / "spaces.csv"
    path.write_text("Identifier,,Name,Town\nS-1,x,Kvart Lab,Split\n", encoding="utf-8")
    report = validate_submission(path, lang=lang)
    (finding,) = [f for f in report.findings if f.code == "unknown-column"]
    shown = ui("blank-header", lang).format(position=2)
    assert shown in finding.message
    assert lang == "en" or "column 2" not in finding.message
    # and in the report's column and value cells, in each format (stranger 79: "column 10" in
    # an Italian CSV and JSON report)
    assert finding.column == finding.value == shown
    for fmt in ("csv", "json"):
        text = render(report, fmt).decode("utf-8-sig")
        assert shown in text and (lang == "en" or "column 2" not in text), (fmt, text)


@pytest.mark.parametrize("lang", ["it", "el"])
def test_the_row_of_the_names_is_told_first(tmp_path: Path, lang: str) -> None:
    """Stranger 79: a title row and a row of group headings above 12 column names; the hint
    (``title-row``) named the group row and came after the missing columns and one line per
    column without a header, cut off. It names the row of names, and comes first."""
    names = ["Identifier", "Name", "Town", "Postcode", "Address", "Kind", "Website", "E-mail",
             "Phone", "Opened", "Workstations", "Area"]  # fmt: skip
    groups = ["Who", "", "", "Where", "", "", "What", "", "", "", "", ""]
    record = ["S-1", "Kvart Lab", "Split", "21000", "Ulica 1", "coworking", "", "", "", "",
              "12", "80"]  # fmt: skip
    path = tmp_path / "spaces.csv"
    rows = [["Inventory of spaces 2026"], groups, names, record]
    path.write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    report = validate_submission(path, lang=lang)
    first = report.summary()[0]
    assert first["code"] == "title-row", [item["code"] for item in report.summary()]
    assert "header_row: 3" in first["message"]
    assert first["message"] in console_lines(report)[2]  # after the status and the counts


@pytest.mark.parametrize("lang", ["el", "hr", "it"])
def test_a_cell_of_a_column_without_header_is_named_in_the_report_language(
    tmp_path: Path, lang: str
) -> None:
    """Stranger 80: a cell's warning (a formula never computed) in a column whose header cell is
    blank said "column 4" in a Greek report, in every format."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Identifier", None, "Name", "Town"])
    sheet.append(["S-1", "=C2&D2", "Kvart Lab", "Split"])  # written, never computed
    path = tmp_path / "spaces.xlsx"
    book.save(path)
    report = validate_submission(path, lang=lang)
    shown = ui("blank-header", lang).format(position=2)
    in_column = [f.code for f in report.findings if f.row == 2 and f.column == shown]
    assert in_column == ["formula-not-computed"], [(f.code, f.column) for f in report.findings]
    for fmt in ("csv", "json", "html", "ttl"):
        text = render(report, fmt).decode("utf-8-sig")
        assert "column 2" not in text, fmt
