"""The template in each language (issue #18): each column's meaning is a definition, not an
error sentence; the example row is a space of the language's country, with its words for yes and
no; the XLSX template has a frozen header, a note with each column's definition, and drop-down
lists on its coded columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from core.vocabulary import LANGUAGES
from loaders import tables
from validation.shapes import shape_texts
from validation.template import LISTS_SHEET, choices, template_columns, write_template

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
