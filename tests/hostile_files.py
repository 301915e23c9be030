"""Hostile submissions, built in code (too large or too binary for YAML): workbooks whose grid
is far larger than their bytes, tables past the row and cell caps, values past the readers'
own limits. Used by tests/test_hostile.py (MAKERS) and the real-server tests of uploads."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

HEADER = "Identifier,Name,Country,Town"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx(sheet_data: str, dimension: str | None = None) -> bytes:
    """A workbook of one sheet with ``sheet_data`` (the inside of <sheetData>), inline
    strings, and a <dimension ref> if given."""
    dimension_element = f'<dimension ref="{dimension}"/>' if dimension else ""
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                'org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
            "xl/workbook.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                'org/officeDocument/2006/relationships/worksheet" '
                'Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
                f"{dimension_element}<sheetData>{sheet_data}</sheetData></worksheet>"
            ),
        }
    )


def _cell(reference: str | None, text: str) -> str:
    r = f' r="{reference}"' if reference else ""
    return f'<c{r} t="inlineStr"><is><t>{text}</t></is></c>'


def far_cell_xlsx() -> bytes:
    """The issue's workbook: its only data cell at XFD1048576, named in the dimension too."""
    return xlsx(f'<row r="1048576">{_cell("XFD1048576", "x")}</row>', "A1:XFD1048576")


def far_dimension_xlsx() -> bytes:
    """A small sheet whose <dimension ref> alone claims the whole grid."""
    return xlsx(f'<row r="1">{_cell("A1", "Identifier")}</row>', "A1:XFD1048576")


def far_reference_xlsx() -> bytes:
    """No dimension: the far cell is known by its r= only."""
    return xlsx(f'<row r="1">{_cell("A1", "Name")}</row><row>{_cell("XFD1048576", "x")}</row>')


def far_row_xlsx() -> bytes:
    """A row numbered 1048576 whose cells carry no reference at all."""
    return xlsx(f'<row r="1">{_cell(None, "Name")}</row><row r="1048576">{_cell(None, "x")}</row>')


def wide_xlsx() -> bytes:
    """A header row reaching column XFD, then 100 rows: 1.6 million cells."""
    rows = "".join(f'<row r="{n}">{_cell(f"A{n}", "x")}</row>' for n in range(2, 102))
    return xlsx(f'<row r="1">{_cell("A1", "Name")}{_cell("XFD1", "x")}</row>{rows}')


def _with_shared_strings(sheet_data: str, strings: str) -> bytes:
    """A workbook of one sheet with ``sheet_data`` whose cells may point (t="s") into the
    shared strings ``strings`` (the whole sharedStrings.xml)."""
    data = xlsx(sheet_data)
    relation = (
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            body = source.read(name)
            if name == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", relation)
            archive.writestr(name, body, zipfile.ZIP_DEFLATED)
        archive.writestr("xl/sharedStrings.xml", strings, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def huge_shared_strings_xlsx() -> bytes:
    """One shared string declared as two billion (the reader allocates room for them: 48 GB)."""
    return _with_shared_strings(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="2000000000" '
        'uniqueCount="2000000000"><si><t>Name</t></si></sst>',
    )


def one_long_value_everywhere_csv() -> bytes:
    """Found by a stranger (as a workbook of one shared string): 20 rows whose latitude is a
    value of 100,000 characters; each finding repeated the whole cell, a report of 100 MB."""
    rows = ["Nom;Commune;Latitude"] + [f"Lieu {n};Lyon;{'A' * 100_000}" for n in range(20)]
    return ("\n".join(rows) + "\n").encode()


def unreferenced_wide_row_xlsx() -> bytes:
    """Found by a stranger (with 200,000): cells without references in one row; one finding
    per unknown column kept a worker busy for two minutes."""
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 50_000
    return xlsx(f'<row r="1">{_cell(None, "Nom")}</row><row r="2">{cells}</row>')


OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def ods(rows: str) -> bytes:
    """An ODS workbook of one table with ``rows`` (table:table-row elements)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{OFFICE}" '
        f'xmlns:table="{TABLE}" xmlns:text="{TEXT}" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    return ods_package(content)


def ods_package(content: str) -> bytes:
    """An ODS file of ``content.xml`` ``content``: its mimetype first, stored, and a manifest."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _ods_cell(text: str, repeated: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{times}><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def _ods_header() -> str:
    return (
        "<table:table-row>"
        + "".join(_ods_cell(h) for h in HEADER.split(","))
        + "</table:table-row>"
    )


def repeated_rows_ods(times: int) -> Callable[[], bytes]:
    """The issue's workbook: one record row repeated ``times`` times."""

    def make() -> bytes:
        cells = "".join(_ods_cell(v) for v in ("x1", "Espace", "FR", "Lyon"))
        row = f'<table:table-row table:number-rows-repeated="{times}">{cells}</table:table-row>'
        return ods(_ods_header() + row)

    return make


def far_column_ods() -> bytes:
    """One non-empty cell repeated across 16,384 columns."""
    return ods(_ods_header() + f"<table:table-row>{_ods_cell('x', 16_384)}</table:table-row>")


def empty_rows_then_data_ods() -> bytes:
    """A million empty rows, then one record: the grid reaches row 1,000,002."""
    empty = (
        '<table:table-row table:number-rows-repeated="1000000">'
        "<table:table-cell/></table:table-row>"
    )
    record = "<table:table-row>" + _ods_cell("x") + "</table:table-row>"
    return ods(_ods_header() + empty + record)


def trailing_empty_rows_ods() -> bytes:
    """What LibreOffice writes: records, then empty rows and cells repeated to the sheet's end.
    Must be read as usual."""
    record = (
        "<table:table-row>"
        + "".join(_ods_cell(v) for v in ("x1", "Espace", "FR", "Lyon"))
        + '<table:table-cell table:number-columns-repeated="1020"/></table:table-row>'
    )
    tail = (
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    return ods(_ods_header() + record + tail)


def many_rows_csv(rows: int = 30_000) -> bytes:
    """The issue's CSV: 30,000 records (3.9 MB in the issue; shorter rows here)."""
    lines = [HEADER] + [f"r{n},Espace {n},FR,Lyon" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def empty_header_columns_csv() -> bytes:
    """Found by a stranger: 20,000 empty header columns (40 KB)."""
    return ("Nom" + "," * 20_000 + "\nLa Ruche" + "," * 20_000 + "\n").encode()


def tall_and_wide_csv() -> bytes:
    """900 columns (within the column cap) by 600 rows: 540,900 cells, past the cell cap."""
    row = ";".join(["x"] * 900)
    return ("\n".join([row] * 601) + "\n").encode()


def wide_csv() -> bytes:
    """Two rows of 600,000 cells each."""
    return (HEADER + "\n" + ",".join(["x"] * 600_000) + "\n").encode()


def blank_lines_csv() -> bytes:
    """A header then 50,000 blank-looking lines (separators only): they cost reading too."""
    return (HEADER + "\n" + ",,,\n" * 50_000).encode()


def big_field_csv() -> bytes:
    """One field of 140 KiB (past the csv module's 128 KiB field limit)."""
    return (HEADER + "\nx1," + "a" * 140_000 + ",FR,Lyon\n").encode()


def big_quoted_field_tsv() -> bytes:
    """The same in a quoted TSV field, with newlines inside."""
    return ("Identifier\tName\n" + 'x1\t"' + "a\n" * 70_000 + '"\n').encode()


def big_integer_json() -> bytes:
    """A JSON number of 5,000 digits (past Python's int-digits limit)."""
    return ('[{"Identifier": "x1", "Name": ' + "9" * 5_000 + "}]").encode()


def big_negative_integer_json() -> bytes:
    return ('{"records": [{"Identifier": -' + "1" * 4_400 + "}]}").encode()


def many_records_json() -> bytes:
    records = [{"Identifier": f"r{n}", "Name": f"Espace {n}"} for n in range(30_000)]
    return json.dumps(records).encode()


def no_identifier_csv() -> bytes:
    """The template's identifier is optional: a file without that column."""
    return b"Name,Country,Town\nEspace,FR,Lyon\n"


def empty_identifier_csv() -> bytes:
    return b"Identifier,Name,Country,Town\n,Espace,FR,Lyon\n,Autre,FR,Nice\n"


MAKERS: dict[str, Callable[[], bytes]] = {
    "far_cell_xlsx": far_cell_xlsx,
    "far_dimension_xlsx": far_dimension_xlsx,
    "far_reference_xlsx": far_reference_xlsx,
    "far_row_xlsx": far_row_xlsx,
    "wide_xlsx": wide_xlsx,
    "huge_shared_strings_xlsx": huge_shared_strings_xlsx,
    "one_long_value_everywhere_csv": one_long_value_everywhere_csv,
    "unreferenced_wide_row_xlsx": unreferenced_wide_row_xlsx,
    "empty_header_columns_csv": empty_header_columns_csv,
    "tall_and_wide_csv": tall_and_wide_csv,
    "repeated_rows_ods_2000": repeated_rows_ods(2_000),
    "repeated_rows_ods_1000000": repeated_rows_ods(1_000_000),
    "far_column_ods": far_column_ods,
    "empty_rows_then_data_ods": empty_rows_then_data_ods,
    "trailing_empty_rows_ods": trailing_empty_rows_ods,
    "many_rows_csv": many_rows_csv,
    "wide_csv": wide_csv,
    "blank_lines_csv": blank_lines_csv,
    "big_field_csv": big_field_csv,
    "big_quoted_field_tsv": big_quoted_field_tsv,
    "big_integer_json": big_integer_json,
    "big_negative_integer_json": big_negative_integer_json,
    "many_records_json": many_records_json,
    "no_identifier_csv": no_identifier_csv,
    "empty_identifier_csv": empty_identifier_csv,
}
