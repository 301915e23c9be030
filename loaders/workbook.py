"""What a workbook's grid (python-calamine) does not give as written, read from the sheet's
XML itself: an error cell (``#N/A``, ``#DIV/0!``...; LibreOffice's ``Err:502``: calamine gives
an empty cell), a formula whose result was never computed (a file written by a program that does
not compute, such as openpyxl: empty too), in XLSX a date before 1900 (a negative serial
number: calamine gives the time 00:00:00), a percentage (calamine gives 0.5 for a cell showing
50%: it is read as shown), a sum of money (calamine gives 175 for a cell showing £175.00: it
is read as shown, with its currency: ``loaders.values.Amount``), and in ODS a line break or a
tab inside a text (calamine drops them). The archive has been checked by
``loaders.guards.check_archive`` and ``loaders.caps.check_workbook`` (no DTD) before.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from loaders.prices import currency_named, is_shared_sign, is_unit_in_formats, locale_currency
from loaders.values import UNTOLD_CURRENCY, Amount

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}"

#: the built-in number formats that show a date or a time (ECMA-376 18.8.30, and the East
#: Asian ones)
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
#: what a format code holds besides its date and time letters: quoted text, escaped
#: characters, [colours] and [conditions]
_NOT_DATE_LETTERS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
#: the built-in number formats that show a percentage, and the decimals each shows (0%, 0.00%)
PERCENT_FORMAT_IDS = {9: 0, 10: 2}
#: the built-in number formats that show a sum of money, and the decimals each shows: they
#: carry no format code in the file and show the currency of the computer that opens it, so
#: the file does not tell which (ECMA-376 18.8.30: 5-8 currency, 42 and 44 accounting)
CURRENCY_FORMAT_IDS = {5: 0, 6: 0, 7: 2, 8: 2, 42: 0, 44: 2}
#: the decimals of a number format's first section (``0.00%`` shows two)
_DECIMALS = re.compile(r"\.([0#?]+)")
#: a number format's currency tag, its sign before the locale: [$£-809], [$CHF], [$€-40C] (one
#: without a sign, [$-409], names a locale: the date formats have them)
_CURRENCY_TAG = re.compile(r"\[\$([^\]\-]+)(?:-([^\]]*))?\]")
#: what a number format code writes as it is: quoted text, an escaped character, or a character
#: outside brackets (a space or fill width, _) or *-, is skipped)
_WRITTEN = re.compile(r'"([^"]*)"|\\(.)|\[[^\]]*\]|[_*].|(.)')
#: a word or a sign of what a format writes
_WORD = re.compile(r"[^\W\d_]+|[^\w\s]")


@dataclass(frozen=True)
class Shown:
    """How a number style shows its number: as a percentage (``currency`` None), or as a sum of
    money in ``currency`` (ISO 4217, or the sign its format writes when it names no currency
    the loader knows), with ``decimals``."""

    decimals: int
    currency: str | None = None
    #: the format of a sum of money whose currency it does not tell (``numFmtId 7``), else ""
    format: str = ""


#: no style shows a percentage or a sum of money
NOT_SHOWN: Mapping[int, Shown] = {}
#: the serial number 0 of each date system
EPOCHS = {False: datetime.datetime(1899, 12, 30), True: datetime.datetime(1904, 1, 1)}


@dataclass(frozen=True)
class Unread:
    """A cell the grid does not give as written: ``code`` (``cell-error``,
    ``formula-not-computed``, or None for a cell read again), what the partner wrote, and the
    value that stands in the grid."""

    code: str | None
    written: str
    value: Any


def unread_cells(path: Path, sheet: str) -> dict[tuple[int, int], Unread]:
    """The cells of ``sheet`` of the XLSX workbook ``path`` that its grid does not give as
    written, by (row, column) numbered from 0 as in the grid; ValueError for XML that cannot
    be read (or holds a document type)."""
    try:
        return _unread_cells(path, sheet)
    except (expat.ExpatError, ElementTree.ParseError, KeyError, zipfile.BadZipFile) as error:
        raise ValueError(f"{type(error).__name__}: {error}") from None


def _unread_cells(path: Path, sheet: str) -> dict[tuple[int, int], Unread]:
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "content.xml" in names and "xl/workbook.xml" not in names:  # OpenDocument
            content = archive.read("content.xml")
            if not _ODS_MARKS.search(content):  # no formula, percentage, line break or tab
                return {}
            return _ods_unread(content, sheet)
        member = _sheet_member(archive, names, sheet)
        if member is None:
            return {}
        data = archive.read(member)
        formats = _number_formats(archive, names)  # styles.xml, read once for both
        dates, shown = _date_styles(formats), _shown_styles(formats)
        if not _may_hold_unread(data, bool(dates), shown):  # most sheets: not scanned
            return {}
        return _unread(data, dates, EPOCHS[_date1904(archive, names)], shown)


#: what a sheet holding a cell to scan holds somewhere: an error cell, a formula, a negative
#: number (which a date style may show)
_ERROR_CELL = re.compile(rb"""\st=["']e["']""")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_NEGATIVE = re.compile(rb"<(?:\w+:)?v>\s*-")


def _may_hold_unread(data: bytes, dates: bool, shown: Mapping[int, Shown] = NOT_SHOWN) -> bool:
    return bool(
        _ERROR_CELL.search(data)
        or _FORMULA.search(data)
        or (dates and _NEGATIVE.search(data))
        or (shown and _styled(shown).search(data))
    )


def _styled(styles: Mapping[int, Any]) -> re.Pattern[bytes]:
    """The mark of a cell of one of ``styles`` (its ``s`` attribute)."""
    numbers = "|".join(str(style) for style in sorted(styles)).encode()
    return re.compile(rb"""\ss=["'](?:""" + numbers + rb""")["']""")


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    """A small part of the workbook (workbook.xml, styles.xml), refused with a document type."""
    data = archive.read(name)
    _parser().Parse(data, True)  # raises on a document type or an entity
    return ElementTree.fromstring(data)


def _sheet_member(archive: zipfile.ZipFile, names: set[str], sheet: str) -> str | None:
    """The archive member of the sheet named ``sheet`` (workbook.xml and its relationships)."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    ids = {
        element.get("name"): element.get(RELATIONSHIP)
        for element in _xml(archive, "xl/workbook.xml").iter(f"{MAIN}sheet")
    }
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in _xml(archive, "xl/_rels/workbook.xml.rels").iter(
            f"{PACKAGE_RELATIONSHIP}Relationship"
        )
    }
    target = targets.get(ids.get(sheet))
    if not target:
        return None
    member = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    member = posixpath.normpath(member)
    return member if member in names else None


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or a time (its letters y, m, d, h, s outside
    quoted text and brackets)."""
    return bool(re.search(r"[ymdhs]", _NOT_DATE_LETTERS.sub("", code), re.IGNORECASE))


#: the number format of each style by index (``_number_formats``)
NumberFormats = list[tuple[int, str | None]]


def _number_formats(archive: zipfile.ZipFile, names: set[str]) -> NumberFormats:
    """The number format of each style (``s`` of a cell) by index: its id and, for a custom
    one, its code."""
    if "xl/styles.xml" not in names:
        return []
    styles = _xml(archive, "xl/styles.xml")
    codes = {
        int(element.get("numFmtId", "-1")): element.get("formatCode", "")
        for element in styles.iter(f"{MAIN}numFmt")
    }
    cell_formats = styles.find(f"{MAIN}cellXfs")
    if cell_formats is None:
        return []
    numbers = [int(style.get("numFmtId", "0")) for style in cell_formats.iter(f"{MAIN}xf")]
    return [(number, codes.get(number)) for number in numbers]


def _date_styles(formats: NumberFormats) -> frozenset[int]:
    """The style indexes (``s`` of a cell) whose number format shows a date or a time."""
    return frozenset(
        index
        for index, (number, code) in enumerate(formats)
        if number in DATE_FORMAT_IDS or (code is not None and is_date_format(code))
    )


def percent_decimals(code: str) -> int | None:
    """The decimals a number format code shows a percentage with (``0.0%``: 1), or None for a
    code that shows none (its % quoted, escaped or in brackets, or none)."""
    # the % and the decimals outside quoted text, escapes and brackets (``0" %"`` shows none)
    shown = _NOT_DATE_LETTERS.sub("", code.split(";", 1)[0])
    if "%" not in shown:
        return None
    decimals = _DECIMALS.search(shown)
    return 0 if decimals is None else len(decimals.group(1))


def format_currency(code: str) -> str | None:
    """The currency a number format code shows a number with: the ISO 4217 code of its
    currency tag (``[$£-809]``, ``[$CHF]``), of a quoted or escaped word or sign (``"€"#,##0``,
    ``#,##0 "kn"``, ``\\€``) or of a currency sign written as it is (``$#,##0``), or the sign
    of a tag that names a currency the loader does not know (``[$zł-415]``: then the price says
    so). A tag's locale decides a sign several currencies share (``[$$-C09]``: AUD,
    ``loaders.prices.locale_currency``); in a locale the loader does not know, the currency is
    ``UNTOLD_CURRENCY`` (``[$$-1409]``). None for a code that shows none (``0" m²"``, a date's
    locale tag ``[$-409]``). A word that is also a unit (``km``) names its currency only in
    capitals (``KM``)."""
    section = code.split(";", 1)[0]
    tag = _CURRENCY_TAG.search(section)
    if tag is not None:
        sign, locale_id = tag.group(1).strip(), (tag.group(2) or "").strip()
        if not locale_id:
            return currency_named(sign) or sign
        found = locale_currency(sign, locale_id)
        if found is None and is_shared_sign(sign):
            return UNTOLD_CURRENCY  # $ in a locale the table does not know: not told
        return found or sign
    if is_date_format(section):
        return None
    for match in _WRITTEN.finditer(section):
        quoted, escaped, character = match.groups()
        if character is not None and unicodedata.category(character) != "Sc":
            continue  # a digit placeholder, a separator, a space: only a currency sign counts
        text = next(part for part in (quoted, escaped, character, "") if part is not None)
        for word in _WORD.findall(text):
            found = currency_named(word)
            if found and not (is_unit_in_formats(word) and not word.isupper()):
                return found
    return None


def _decimals(code: str) -> int:
    """The decimals a number format code's first section shows (``#,##0.00``: 2)."""
    decimals = _DECIMALS.search(_NOT_DATE_LETTERS.sub("", code.split(";", 1)[0]))
    return 0 if decimals is None else len(decimals.group(1))


def _shown_styles(formats: NumberFormats) -> dict[int, Shown]:
    """The style indexes whose number format shows a percentage or a sum of money, and how.
    (The built-in currency formats, ``CURRENCY_FORMAT_IDS``, show the currency of the computer
    that opens the file: theirs is ``UNTOLD_CURRENCY``, which a price reports.)"""
    found = {}
    for index, (number, code) in enumerate(formats):
        decimals = PERCENT_FORMAT_IDS.get(number)
        if decimals is None and code is not None:
            decimals = percent_decimals(code)
        if decimals is not None:
            found[index] = Shown(decimals)
            continue
        if code is None and number in CURRENCY_FORMAT_IDS:
            found[index] = Shown(CURRENCY_FORMAT_IDS[number], UNTOLD_CURRENCY, f"numFmtId {number}")
            continue
        currency = None if code is None else format_currency(code)
        if code is not None and currency is not None:
            told = code if currency == UNTOLD_CURRENCY else ""
            found[index] = Shown(_decimals(code), currency, told)
    return found


def shown_amount(value: str, shown: Shown) -> Amount | None:
    """A number cell's value as a currency format shows it (``175``, 2 decimals, GBP:
    ``175.00 GBP``)."""
    try:
        number = Decimal(value).quantize(Decimal(1).scaleb(-shown.decimals), ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return Amount(number, shown.currency or "", shown.format)


def shown_percentage(value: str, decimals: int) -> str | None:
    """A number cell's value as a percent format shows it (``0.5``, 0 decimals: ``50%``)."""
    try:
        number = Decimal(value) * 100
        return f"{number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)}%"
    except (InvalidOperation, ValueError):
        return None


def _date1904(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "xl/workbook.xml" not in names:
        return False
    properties = _xml(archive, "xl/workbook.xml").find(f"{MAIN}workbookPr")
    return properties is not None and properties.get("date1904", "0") in ("1", "true")


_REFERENCE = re.compile(r"([A-Z]+)(\d+)")


def _position(reference: str | None, row: int, column: int) -> tuple[int, int]:
    """A cell's (row, column) from 0, from its reference (``F11``), else the next one."""
    match = _REFERENCE.fullmatch(reference or "")
    if match is None:
        return row, column + 1
    number = 0
    for letter in match.group(1):
        number = number * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, number - 1


class _Scan:
    """The cells of a sheet's XML as expat reads it (no document type, hence no entity, is
    allowed: a workbook has none): each ``<c>`` with its type, style, ``<f>`` and ``<v>``."""

    def __init__(
        self,
        dates: frozenset[int],
        epoch: datetime.datetime,
        shown: Mapping[int, Shown] = NOT_SHOWN,
    ) -> None:
        self.dates, self.epoch, self.shown = dates, epoch, shown
        self.found: dict[tuple[int, int], Unread] = {}
        self.row, self.column = -1, -1
        self.cell: dict[str, str] = {}
        self.text: list[str] | None = None
        self.parts: dict[str, str] = {}

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(" ")[2]
        if name == "row":
            reference = attributes.get("r", "")
            self.row = int(reference) - 1 if reference.isdigit() else self.row + 1
            self.column = -1
        elif name == "c":
            self.row, self.column = _position(attributes.get("r"), self.row, self.column)
            self.cell, self.parts = attributes, {}
        elif name in ("v", "f"):
            self.text = []

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        name = tag.rpartition(" ")[2]
        if name in ("v", "f") and self.text is not None:
            self.parts[name] = "".join(self.text)
            self.text = None
        elif name == "c":
            unread = _cell(self.cell, self.parts, self.dates, self.epoch, self.shown)
            if unread is not None:
                self.found[(self.row, self.column)] = unread


def _refuse(*_arguments: Any) -> None:
    raise ValueError("a document type or entity in a workbook's XML")


def _parser(scan: _Scan | None = None) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    if scan is not None:
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
        parser.CharacterDataHandler = scan.data
    return parser


def _unread(
    data: bytes,
    dates: frozenset[int],
    epoch: datetime.datetime,
    shown: Mapping[int, Shown] = NOT_SHOWN,
) -> dict[Any, Unread]:
    """The unread cells of a sheet: found by their marks (an error type, a formula, a negative
    value, a percent or currency style) when every cell begins with its reference and has no
    prefix, as Excel, LibreOffice and openpyxl write them (a scan of every element costs
    seconds for 10,000 rows), else by the scan."""
    if data.count(b"<c ") != data.count(b'<c r="') or _PREFIXED_CELL.search(data):
        scan = _Scan(dates, epoch, shown)
        _parser(scan).Parse(data, True)
        return scan.found
    found: dict[tuple[int, int], Unread] = {}
    starts: set[int] = set()
    marks = [
        _ERROR_CELL,
        _FORMULA,
        *([_NEGATIVE] if dates else []),
        *([_styled(shown)] if shown else []),
    ]
    for mark in marks:
        for match in mark.finditer(data):
            start = data.rfind(b"<c ", 0, match.start())
            if start < 0 or start in starts:
                continue
            starts.add(start)
            unread = _marked_cell(_cell_bytes(data, start), dates, epoch, shown)
            if unread is not None:
                found[unread[0]] = unread[1]
    return found


def _cell_bytes(data: bytes, start: int) -> bytes:
    """The ``<c>`` element that begins at ``start``."""
    tag_end = data.find(b">", start)
    if data[tag_end - 1 : tag_end] == b"/":
        return data[start : tag_end + 1]
    return data[start : data.find(b"</c>", tag_end) + 4]


def _marked_cell(
    cell: bytes,
    dates: frozenset[int],
    epoch: datetime.datetime,
    shown: Mapping[int, Shown] = NOT_SHOWN,
) -> tuple[tuple[int, int], Unread] | None:
    """The position and ``Unread`` of one cell element, or None."""
    element = ElementTree.fromstring(cell.replace(b"<c ", _WITH_NAMESPACE, 1))
    parts = {
        name: child.text or ""
        for name in ("v", "f")
        if (child := element.find(MAIN + name)) is not None
    }
    attributes = dict(element.attrib)
    unread = _cell(attributes, parts, dates, epoch, shown)
    if unread is None:
        return None
    return _position(attributes.get("r"), -1, -1), unread


_WITH_NAMESPACE = f'<c xmlns="{MAIN[1:-1]}" '.encode()
#: a cell written with a namespace prefix (<x:c>): the scan reads those
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s>/]")


def _cell(
    attributes: dict[str, str],
    parts: dict[str, str],
    dates: frozenset[int],
    epoch: Any,
    shown: Mapping[int, Shown] = NOT_SHOWN,
) -> Unread | None:
    """The ``Unread`` of one ``<c>`` element, or None for a cell the grid gives as written."""
    value = parts.get("v", "").strip()
    kind = attributes.get("t", "n")
    if kind == "e":
        return Unread("cell-error", value or "#N/A", None)
    # a text result may be empty (t="str", <v></v>); a number is never (openpyxl writes <v/>)
    if "f" in parts and not value and not ("v" in parts and kind == "str"):
        return Unread("formula-not-computed", "=" + (parts["f"] or "…"), None)
    style = attributes.get("s", "0")
    if kind == "n" and value and style.isdigit() and int(style) in shown:
        how = shown[int(style)]
        text: str | None = (
            shown_percentage(value, how.decimals)
            if how.currency is None
            else shown_amount(value, how)
        )
        return None if text is None else Unread(None, str(text), text)
    if kind == "n" and value and style.isdigit() and int(style) in dates:
        try:
            serial = float(value)
        except ValueError:
            return None
        if serial < 0:
            return _before_1900(serial, epoch)
    return None


def _before_1900(serial: float, epoch: datetime.datetime) -> Unread | None:
    """A negative serial number (a date before the date system's first day, which a program
    such as openpyxl writes) as the date and time it counts from the epoch."""
    try:
        moment = epoch + datetime.timedelta(days=serial)
    except OverflowError:
        return None
    moment = moment.replace(microsecond=0)
    if moment.time() == datetime.time():
        return Unread(None, moment.date().isoformat(), moment.date())
    return Unread(None, moment.isoformat(" "), moment)


# --------------------------------------------------------------------------- OpenDocument

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
TEXT_P = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 p"
#: how LibreOffice shows an error (``#DIV/0!``, ``#N/A``, ``Err:502``)
_ODS_ERROR = re.compile(r"#[A-Z0-9/]+[!?]?|Err:\d+")
#: the most copies of one repeated cell told (a formula repeated over a whole row is one cell)
REPEATS_TOLD = 1000


TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
ANNOTATION = OFFICE + "annotation"
#: what an ODS content.xml holds when a cell needs the scan: a formula (an error, or never
#: computed), a percentage, a sum of money, a line break or a tab inside a text (calamine drops
#: those two)
_ODS_MARKS = re.compile(rb"formula|percentage|currency|:line-break\b|:tab\b")
#: what a text element inside a paragraph stands for (``text:s`` repeats its space ``text:c``
#: times)
ODS_TEXT_ELEMENTS = {TEXT + "line-break": "\n", TEXT + "tab": "\t", TEXT + "s": " "}


class _OdsScan:
    """The cells of the table ``sheet`` of an ODS ``content.xml`` calamine does not give as
    written: a formula's error (its shown text) or a formula never computed (no value type), a
    percentage (as shown: ``50 %``), a text with a line break or a tab (calamine drops them)."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.inside = False
        self.row, self.column = 0, 0
        self.rows_repeated = 1
        self.cell: dict[str, str] | None = None
        self.paragraphs: list[str] = []
        self.paragraph: list[str] | None = None  # the text of the paragraph being read
        self.annotations = 0  # the depth of comments (whose paragraphs are no cell text)
        self.breaks = False  # whether the cell's text has a line break or a tab
        self.found: dict[tuple[int, int], Unread] = {}

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == TABLE + "table":
            self.inside = attributes.get(TABLE + "name") == self.sheet
            self.row = 0
        elif not self.inside:
            return
        elif tag == TABLE + "table-row":
            self.column = 0
            self.rows_repeated = _count(attributes.get(TABLE + "number-rows-repeated"))
        elif tag in (TABLE + "table-cell", TABLE + "covered-table-cell"):
            self.cell, self.paragraphs, self.paragraph = attributes, [], None
            self.annotations, self.breaks = 0, False
        elif self.cell is None:
            return
        elif tag == ANNOTATION:
            self.annotations += 1
        elif self.annotations:
            return
        elif tag == TEXT_P:
            self.paragraph = []
        elif tag in ODS_TEXT_ELEMENTS and self.paragraph is not None:
            times = _count(attributes.get(TEXT + "c")) if tag == TEXT + "s" else 1
            self.paragraph.append(ODS_TEXT_ELEMENTS[tag] * times)
            self.breaks = self.breaks or tag != TEXT + "s"

    def data(self, text: str) -> None:
        if self.paragraph is not None and not self.annotations:
            self.paragraph.append(text)

    def end(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == TABLE + "table":
            self.inside = False
        elif tag == TABLE + "table-row":
            self.row += self.rows_repeated
        elif tag in (TABLE + "table-cell", TABLE + "covered-table-cell") and self.cell is not None:
            repeated = _count(self.cell.get(TABLE + "number-columns-repeated"))
            unread = _ods_cell(self.cell, "\n".join(self.paragraphs), self.breaks)
            if unread is not None:
                for offset in range(min(repeated, REPEATS_TOLD)):
                    self.found[(self.row, self.column + offset)] = unread
            self.column += repeated
            self.cell = None
        elif tag == ANNOTATION and self.annotations:
            self.annotations -= 1
        elif tag == TEXT_P and self.paragraph is not None and not self.annotations:
            self.paragraphs.append("".join(self.paragraph))
            self.paragraph = None


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _ods_cell(attributes: dict[str, str], text: str, breaks: bool = False) -> Unread | None:
    """The ``Unread`` of one ODS cell (``text``: its paragraphs as shown, ``breaks``: with a
    line break or a tab), or None for a cell calamine gives as written."""
    kind = attributes.get(OFFICE + "value-type")
    formula = attributes.get(TABLE + "formula")
    if formula is not None:
        written = "=" + formula.split(":", 1)[1].lstrip("=") if ":" in formula else formula
        if kind is None:
            return Unread("formula-not-computed", written, None)
        shown = text.strip()
        error = any(
            name.endswith(" value-type") and value == "error" for name, value in attributes.items()
        )
        blank = attributes.get(OFFICE + "string-value") == ""  # LibreOffice's error cells
        if error or (kind == "string" and blank and _ODS_ERROR.fullmatch(shown)):
            return Unread("cell-error", shown or "#N/A", None)
    if kind == "percentage":
        percentage = text.strip() or shown_percentage(attributes.get(OFFICE + "value", ""), 0)
        return None if not percentage else Unread(None, percentage, percentage)
    if kind == "currency":
        return _ods_amount(attributes, text)
    if breaks and kind in (None, "string"):
        return Unread(None, text, text)
    return None


def _ods_amount(attributes: dict[str, str], text: str) -> Unread | None:
    """A currency cell (``office:value-type="currency"``) as a sum of money in its own currency
    (``office:currency``: GBP), its number as the cell holds it; one that names no currency, as
    the text it shows."""
    currency = attributes.get(OFFICE + "currency", "").strip()
    try:
        number = Decimal(attributes.get(OFFICE + "value", "").strip())
    except InvalidOperation:
        number = None
    if currency and number is not None and number.is_finite():
        amount = Amount(number, currency_named(currency) or currency)
        return Unread(None, str(amount), amount)
    shown = text.strip()
    return Unread(None, shown, shown) if shown else None


def _ods_unread(content: bytes, sheet: str) -> dict[tuple[int, int], Unread]:
    scan = _OdsScan(sheet)
    parser = _parser()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.data
    parser.Parse(content, True)
    return scan.found
