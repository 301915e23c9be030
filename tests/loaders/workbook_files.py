"""Tiny XLSX workbooks for workbook-cases.yaml, written byte for byte (a program such as
openpyxl cannot write a formula's computed value, nor an Excel error cell as Excel does): a
header row and one row whose cell under test is given as its XML. Run it to write them into a
folder: ``python -m tests.loaders.workbook_files DIR``."""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import yaml

from tests.hostile_files import MAIN, _zip, ods, xlsx

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "workbook-cases.yaml").read_text("utf-8"))
#: the columns and the second row's cells but the one under test
COLUMNS = {
    "Identifier": "S-1",
    "Name": "Kvart Lab",
    "Opening date": "2019-03-01",
    "Workstations": "8",
}
#: the custom number formats of the styles 11 and up (s="11"...): sums of money as Excel and
#: LibreOffice write them, in several locales, and formats whose text names no currency
CURRENCY_FORMATS = (
    "[$£-809]#,##0.00",  # 11: en-GB pounds, tagged
    '"€"#,##0',  # 12: euros, quoted
    "#,##0.00\\ [$€-40C]",  # 13: fr-FR euros after the number, tagged
    "$#,##0",  # 14: dollars, the sign written as it is
    "[$CHF] #,##0",  # 15: Swiss francs, a code in the tag
    '#,##0 "kn"',  # 16: kuna, quoted after the number
    "[$zł-415] #,##0.00",  # 17: złoty: a currency the loader does not know
    '#,##0.0" km"',  # 18: kilometres, no currency
    '#,##0.00 "KM";[Red]-#,##0.00 "KM"',  # 19: Bosnian marks, in capitals, two sections
    "\\€ #,##0.00",  # 20: euros, escaped
    "#,##0.00\\ [$€-410];[Red]-#,##0.00\\ [$€-410]",  # 21: it-IT euros, two sections
    '#,##0.00 "€"',  # 22: es-ES euros, quoted after the number
    "[$-409]d-mmm-yy",  # 23: a date whose tag names a locale, no currency
    "[$$-C09]#,##0.00",  # 24: en-AU dollars: the locale decides (AUD)
    "[$$-1009]#,##0.00",  # 25: en-CA dollars (CAD)
    "[$$-409]#,##0.00",  # 26: en-US dollars (USD)
    "[$$-1409]#,##0.00",  # 27: en-NZ dollars, a locale the loader does not know: not told
    "[$€-C09]#,##0.00",  # 28: euros in an en-AU tag: the sign alone names its currency
    "[$¥-411]#,##0",  # 29: ja-JP yen
    "#,##0.00 [$fr.-100C]",  # 30: fr-CH francs
    "[$kn-41A] #,##0.00",  # 31: hr-HR kuna, by its sign
)
#: Excel's built-in currency formats, styles after the custom ones (s="32"...): no format code
BUILT_IN_CURRENCY_IDS = (5, 6, 7, 8, 42, 44)
#: the styles a case's cell may take (s="N"): general, built-in date 14, a custom date, the
#: built-in time 20, a custom format whose d and y are quoted text (not a date); the built-in
#: percentages 9 (0%) and 10 (0.00%), custom ones 0.0% and [Blue]#,##0.000%, and custom formats
#: whose % is quoted or escaped (a unit written, not a percentage); the currency formats from 11,
#: then the built-in currency formats
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="&quot;Day &quot;0"/>'
    '<numFmt numFmtId="166" formatCode="0.0%"/>'
    '<numFmt numFmtId="167" formatCode="[Blue]#,##0.000%;[Red]-#,##0.000%"/>'
    '<numFmt numFmtId="168" formatCode="0&quot; %&quot;"/>'
    '<numFmt numFmtId="169" formatCode="0\\%"/>'
    + "".join(
        f'<numFmt numFmtId="{170 + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate(CURRENCY_FORMATS)
    )
    + "</numFmts>"
    '<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="20"/><xf numFmtId="165"/><xf numFmtId="9"/><xf numFmtId="10"/>'
    '<xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="168"/><xf numFmtId="169"/>'
    + "".join(f'<xf numFmtId="{170 + i}"/>' for i in range(len(CURRENCY_FORMATS)))
    + "".join(f'<xf numFmtId="{number}"/>' for number in BUILT_IN_CURRENCY_IDS)
    + "</cellXfs></styleSheet>"
)


def _text(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def ods_workbook(column: str, cell: str, alone: bool = False) -> bytes:
    """The ODS workbook of a case: ``cell`` (a ``table:table-cell`` element) in ``column`` of
    row 2 (``alone``: its other cells empty)."""
    header = "".join(_ods_text(name) for name in COLUMNS)
    cells = "".join(
        cell if name == column else "<table:table-cell/>" if alone else _ods_text(value)
        for name, value in COLUMNS.items()
    )
    return ods(
        f"<table:table-row>{header}</table:table-row><table:table-row>{cells}</table:table-row>"
    )


def _ods_text(text: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def workbook_of(case: dict[str, Any]) -> tuple[str, bytes]:
    """The format and bytes of a case's workbook."""
    alone = case.get("alone", False)
    if case.get("format") == "ods":
        return "ods", ods_workbook(case["column"], case["cell"], alone)
    return "xlsx", workbook(case["column"], case["cell"], alone)


def workbook(column: str, cell: str, alone: bool = False) -> bytes:
    """The XLSX workbook of a case: ``cell`` (a ``<c>`` element without its reference) in
    ``column`` of row 2 (``alone``: its other cells empty)."""
    letters = "ABCD"
    header = "".join(_text(f"{letters[i]}1", name) for i, name in enumerate(COLUMNS))
    cells = []
    for i, (name, value) in enumerate(COLUMNS.items()):
        reference = f"{letters[i]}2"
        cells.append(
            re.sub(r"^<c\b", f'<c r="{reference}"', cell)
            if name == column
            else _text(reference, "" if alone else value)
        )
    sheet = f'<row r="1">{header}</row><row r="2">{"".join(cells)}</row>'
    members = _members(xlsx(sheet))
    members["xl/styles.xml"] = STYLES
    return _zip(members)


def _members(data: bytes) -> dict[str, bytes | str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        kind, data = workbook_of(case)
        (folder / f"{case['id']}.{kind}").write_bytes(data)
