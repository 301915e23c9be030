"""Workbooks of several sheets for sheet-cases.yaml, and damaged ones for damaged-cases.yaml,
written byte for byte (issue 18, lane fixi): a sheet may be hidden, very hidden, empty or a
chart sheet; an archive may be cut short, altered, lack a part or be no archive at all. Run it
to write them into a folder: ``python -m tests.loaders.sheet_files DIR``."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml

from tests.hostile_files import MAIN, OFFICE, TABLE, TEXT, _zip, ods_package
from tests.loaders.workbook_files import _members

HERE = Path(__file__).parent
SHEET_CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "sheet-cases.yaml").read_text("utf-8"))
DAMAGED_CASES: list[dict[str, Any]] = yaml.safe_load(
    (HERE / "damaged-cases.yaml").read_text("utf-8")
)
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
#: a header and a record of the template's columns, for a sheet written `rows: inventory`
INVENTORY = [["Identifier", "Name", "Town"], ["S-1", "Kvart Lab", "Split"]]


def _rows(sheet: dict[str, Any]) -> list[list[str]]:
    rows = sheet.get("rows", [])
    return INVENTORY if rows == "inventory" else [[str(c) for c in row] for row in rows]


def _letters(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xlsx_sheet(rows: list[list[str]]) -> str:
    cells = "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{_letters(i)}{number}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
            for i, text in enumerate(row)
            if text
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    )


def xlsx_workbook(sheets: list[dict[str, Any]]) -> bytes:
    """An XLSX workbook of ``sheets``: each a name, a ``state`` (visible, hidden, veryHidden),
    ``rows`` (lists of texts, or ``inventory``) or ``chart: true`` for a chart sheet."""
    entries, relations, members, overrides = [], [], {}, []
    for number, sheet in enumerate(sheets, start=1):
        state = sheet.get("state", "visible")
        entries.append(
            f'<sheet name={quoteattr(sheet["name"])} sheetId="{number}" state="{state}" '
            f'r:id="rId{number}"/>'
        )
        if sheet.get("chart"):
            target, kind = f"chartsheets/sheet{number}.xml", "chartsheet"
            members[f"xl/{target}"] = (
                f'<?xml version="1.0" encoding="UTF-8"?><chartsheet xmlns="{MAIN}">'
                '<sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>'
            )
        else:
            target, kind = f"worksheets/sheet{number}.xml", "worksheet"
            members[f"xl/{target}"] = _xlsx_sheet(_rows(sheet))
        relations.append(
            f'<Relationship Id="rId{number}" Type="{RELATIONSHIPS}/{kind}" Target="{target}"/>'
        )
        overrides.append(
            f'<Override PartName="/xl/{target}" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.{kind}+xml"/>'
        )
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                'package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                f'sheet.main+xml"/>{"".join(overrides)}</Types>'
            ),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}">'
                f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
                'Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                f'xmlns:r="{RELATIONSHIPS}"><sheets>{"".join(entries)}</sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE}">'
                f"{''.join(relations)}</Relationships>"
            ),
            **members,
        }
    )


def ods_workbook(sheets: list[dict[str, Any]]) -> bytes:
    """An ODS workbook of ``sheets`` (tables; ``state: hidden`` is a table style whose
    ``table:display`` is false)."""
    tables = []
    for sheet in sheets:
        style = ' table:style-name="hidden"' if sheet.get("state") == "hidden" else ""
        rows = "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(text)}'
                "</text:p></table:table-cell>"
                if text
                else "<table:table-cell/>"
                for text in row
            )
            + "</table:table-row>"
            for row in _rows(sheet) or [[""]]
        )
        tables.append(
            f"<table:table table:name={quoteattr(sheet['name'])}{style}>{rows}</table:table>"
        )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{OFFICE}" '
        f'xmlns:table="{TABLE}" xmlns:text="{TEXT}" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2">'
        '<office:automatic-styles><style:style style:name="hidden" style:family="table">'
        '<style:table-properties table:display="false"/></style:style>'
        "</office:automatic-styles><office:body>"
        f"<office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    return ods_package(content)


def sheet_workbook(case: dict[str, Any]) -> tuple[str, bytes]:
    """The format and bytes of a sheet case's workbook."""
    kind = case.get("format", "xlsx")
    build = ods_workbook if kind == "ods" else xlsx_workbook
    return kind, build(case["sheets"])


def _stored(members: dict[str, bytes | str]) -> bytes:
    return _zip(members, zipfile.ZIP_STORED)


def damaged_workbook(case: dict[str, Any]) -> tuple[str, bytes]:
    """The format and bytes of a damaged case: a sound one-sheet workbook ``cut`` to a share of
    its bytes, with a byte of a member ``altered`` (its CRC no longer matches), a member
    ``dropped`` or ``halved``, or ``bytes`` that are no archive at all."""
    kind = case.get("format", "xlsx")
    sound = sheet_workbook({"format": kind, "sheets": [{"name": "Spaces", "rows": "inventory"}]})[1]
    if "bytes" in case:
        return kind, case["bytes"].encode("utf-8")
    if "cut" in case:
        return kind, sound[: int(len(sound) * case["cut"])]
    members = _members(sound)
    if "dropped" in case:
        del members[case["dropped"]]
    if "halved" in case:
        members[case["halved"]] = members[case["halved"]][: len(members[case["halved"]]) // 2]
    if "altered" in case:
        data = _stored(members)
        at = data.index(b"Kvart")
        return kind, data[:at] + b"Xvart" + data[at + 5 :]
    return kind, _stored(members)


HEADER_CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "header-cases.yaml").read_text("utf-8"))


def header_file(case: dict[str, Any]) -> tuple[str, bytes]:
    """The format and bytes of a header case: the rows ``above`` and the inventory, as a
    workbook of one sheet or a CSV file."""
    rows = [[str(cell) for cell in row] for row in case["above"]] + INVENTORY
    kind = case.get("format", "xlsx")
    if kind == "csv":
        return kind, "".join(",".join(row) + "\r\n" for row in rows).encode("utf-8")
    return sheet_workbook({"format": kind, "sheets": [{"name": "Spaces", "rows": rows}]})


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for case in SHEET_CASES:
        kind, data = sheet_workbook(case)
        (folder / f"{case['id']}.{kind}").write_bytes(data)
    for case in DAMAGED_CASES:
        kind, data = damaged_workbook(case)
        (folder / f"{case['id']}.{kind}").write_bytes(data)
    for case in HEADER_CASES:
        kind, data = header_file(case)
        (folder / f"{case['id']}.{kind}").write_bytes(data)
