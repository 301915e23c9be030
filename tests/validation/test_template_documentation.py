"""The template in each language (issue #18): each column's meaning is a definition, not an
error sentence; the example row is a space of the language's country, with its words for yes and
no; the XLSX template has a frozen header, a note with each column's definition, and drop-down
lists on its coded columns."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.vocabulary import LANGUAGES
from loaders import tables
from loaders.concepts import default_index
from validation.columns import template_mapping
from validation.shapes import shape_texts
from validation.submission import validate_submission
from validation.template import (
    LISTS_SHEET,
    TEXT_LIMIT,
    choices,
    fitted,
    refusal_text,
    template_columns,
    write_template,
)

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "template-cases.yaml").read_text(encoding="utf-8"))
#: every sentence a shape says when something is wrong, in every language
SHAPE_SENTENCES = {text for shape in shape_texts().values() for text in shape.messages.values()}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_meaning_is_a_definition(lang: str) -> None:
    for column in template_columns(lang):
        assert column.meaning, f"{lang}: {column.field} has no meaning"
        assert column.meaning not in SHAPE_SENTENCES, f"{lang}: {column.field}: {column.meaning}"


@pytest.mark.parametrize("lang", sorted(CASES))
def test_the_example_row_is_of_the_language(lang: str) -> None:
    case: dict[str, Any] = CASES[lang]
    columns = {c.field: c for c in template_columns(lang)}
    assert columns["country"].example == case["country"]
    assert columns["city"].example == case["town"]
    for field in ("opened", "floor_area", "status"):
        assert columns[field].example == case[field], field
    yes = case["yes_no"].split(" / ")[0]
    for field, definition in tables.fields().items():
        if definition["kind"] == "boolean" and field in columns:
            assert columns[field].allowed == case["yes_no"]
            assert columns[field].example == yes
    if lang not in ("en", "fr"):  # no French example left in another language's template
        assert "Lyon" not in {c.example for c in columns.values()}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_the_workbook_has_lists_notes_and_a_frozen_header(tmp_path: Path, lang: str) -> None:
    (path,) = write_template(tmp_path / "t.xlsx", lang, "xlsx")
    workbook = load_workbook(path)
    sheet, lists = workbook.worksheets[0], workbook[LISTS_SHEET]
    assert isinstance(sheet, Worksheet) and isinstance(lists, Worksheet)
    assert sheet.freeze_panes == "A2" and lists.sheet_state == "hidden"
    columns = template_columns(lang)
    validations = {
        str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation
    }
    for number, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=number)
        assert header.value == column.header
        assert header.comment is not None and header.comment.text == column.meaning
        letter = header.column_letter
        # regression: a postcode 00184 typed in a General column became the number 184, a phone
        # +30 210... a formula; text columns are formatted as text
        text = tables.fields()[column.field]["kind"] in {"postcode", "phone", "identifier"}
        assert (sheet.column_dimensions[letter].number_format == "@") or not text, column.field
        offered = choices(column.field, lang)
        if not offered:
            assert letter not in validations, column.field
            continue
        validation = validations[letter]
        assert validation.type == "list" and LISTS_SHEET in validation.formula1
        listed = [lists.cell(row=r, column=number).value for r in range(1, len(offered) + 1)]
        assert listed == offered, column.field
    booleans = [c for c in columns if tables.fields()[c.field]["kind"] == "boolean"]
    assert booleans and all(
        choices(c.field, lang) == CASES[lang]["yes_no"].split(" / ") for c in booleans
    )


def write_rows(path: Path, rows: list[list[str]]) -> None:
    """``rows`` as a CSV file or as a workbook of text cells, by ``path``'s extension."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        return
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def _coded_fields() -> list[str]:
    return [f for f, d in tables.fields().items() if d.get("codelist")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_drop_downs_offer_labels_the_loader_reads_back_to_their_codes(lang: str) -> None:
    """Issue #18: the XLSX lists offered codes ("fab-lab") in every language; they offer the
    labels of the template's language, and the template's mapping reads each back to its code
    (no label of one concept is another concept's, in its language or in any other)."""
    index, mapping = default_index(), template_mapping(lang)
    for field in _coded_fields():
        codelist = tables.fields()[field]["codelist"]
        codes = index.codes(codelist)
        offered = choices(field, lang)
        assert len(offered) == len(codes) and set(offered) != set(codes), (field, offered)
        read = [index.match(codelist, label, mapping.locale.language) for label in offered]
        assert sorted(iri for (iri,) in read) == sorted(codes.values()), field


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_label_offered_validates_in_a_filled_template(
    tmp_path: Path, lang: str, fmt: str
) -> None:
    """The same through the whole validation: one row per label of the longest list, every
    coded column taking its labels in turn; zero errors, nothing reinterpreted."""
    columns = template_columns(lang)
    longest = max(len(choices(f, lang)) for f in _coded_fields())
    rows = []
    for number in range(longest):
        row = {c.field: c.example for c in columns}
        row["id"], row["name"] = f"S-{number}", f"{row['name']} {number}"
        row["latitude"] = row["latitude"][:-1] + str(number % 10)
        for field in _coded_fields():
            if field in row:
                offered = choices(field, lang)
                row[field] = offered[number % len(offered)]
        rows.append([row[c.field] for c in columns])
    path = tmp_path / f"labels.{fmt}"
    write_rows(path, [[c.header for c in columns], *rows])
    report = validate_submission(path, lang=lang)
    assert report.errors == 0, [f.as_dict() for f in report.findings if f.severity == "error"]
    assert not [f for f in report.findings if f.code in ("unknown-term", "ambiguous-term")]


FITTED = yaml.safe_load((HERE / "drop-down-text-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", FITTED, ids=[str(case["fitted"]) for case in FITTED])
def test_a_drop_down_text_is_cut_at_a_word(case: dict[str, Any]) -> None:
    assert fitted(case["text"], case["limit"]) == case["fitted"]
    assert len(case["fitted"]) <= case["limit"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_drop_downs_texts_fit_and_the_text_cells_are_text(tmp_path: Path, lang: str) -> None:
    """Issue #18, stranger 40: errors over Excel's 255 characters were cut mid-word ("...terzo
    luogo del"), and a typed 00185 in the postcode column became 185 where a spreadsheet reads
    no column style: each error is whole (its allowed values) or sends to the list, each text
    column's cells of the rows a partner fills are text."""
    (path,) = write_template(tmp_path / "t.xlsx", lang, "xlsx")
    sheet = load_workbook(path).worksheets[0]
    assert isinstance(sheet, Worksheet)
    columns = {c.header: c for c in template_columns(lang)}
    validations = sheet.data_validations.dataValidation
    assert validations
    for validation in validations:
        column = columns[validation.errorTitle]
        assert len(validation.error) <= TEXT_LIMIT and len(validation.prompt) <= TEXT_LIMIT
        assert validation.error in (column.allowed, refusal_text(column.allowed, lang))
        assert validation.error == column.allowed or "…" not in validation.error
        assert validation.prompt == column.meaning or validation.prompt.endswith("…")
    for number, column in enumerate(template_columns(lang), start=1):
        if tables.fields()[column.field]["kind"] in {"postcode", "phone", "identifier"}:
            for row in (2, 185, 2000):
                assert sheet.cell(row=row, column=number).number_format == "@", column.field
