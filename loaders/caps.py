"""Caps on what a submission costs to read: rows, cells, and rows or cells repeated, counted
while reading, before a reader allocates.

Bytes (``max_upload``, ``max_unpacked``) do not say what a file costs: a 9 KB workbook whose
one cell sits at ``XFD1048576`` makes the workbook reader size a grid of 17 billion cells, and
an 876-byte ODS row repeated a million times (``table:number-rows-repeated``) becomes a million
rows. So:

- a workbook is pre-scanned before the workbook reader sees it (``check_workbook``): its sheets'
  XML is streamed (expat, no DTD allowed) and the grid the reader would build is measured from
  what it is sized by, the ``<dimension ref>`` and the cell and row addresses of an XLSX sheet,
  the repeated rows and cells of an ODS table;
- delimited text and JSON count rows and cells as they are read (``Counter``).

Beyond a cap a file is refused with ``TooBig``, a ``LoadError`` whose code says which cap
(``too-many-rows``, ``too-many-cells``, ``too-many-columns``, ``too-much-repeated``) and
whose values fill the partner's message.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from core.problems import LoadError
from core.settings import setting

_CHUNK = 1 << 16


@dataclass(frozen=True)
class TableCaps:
    """The most a submission may hold: data ``rows``, ``cells`` (rows x columns of the grid a
    reader builds), and times one non-empty row or cell may be ``repeated`` (ODS)."""

    rows: int
    cells: int
    repeated: int

    @classmethod
    def from_settings(cls, values: dict[str, Any] | None = None) -> TableCaps:
        """The caps of the settings (``values``: resolved settings, else each is looked up)."""
        get = (lambda name: values[name]) if values else setting
        return cls(get("upload_rows"), get("upload_cells"), get("upload_repeated"))


#: the caps of the submission being read, when a caller has set its own (else the settings)
TABLE_CAPS: ContextVar[TableCaps | None] = ContextVar("table_caps", default=None)


@contextmanager
def table_caps(caps: TableCaps) -> Iterator[None]:
    """Within this block, submissions are read under ``caps``."""
    token = TABLE_CAPS.set(caps)
    try:
        yield
    finally:
        TABLE_CAPS.reset(token)


def current_caps() -> TableCaps:
    return TABLE_CAPS.get() or TableCaps.from_settings()


class TooBig(LoadError):
    """A submission past one of the caps; ``values`` fill the partner's message."""

    def __init__(self, message: str, code: str, **values: Any) -> None:
        super().__init__(message, code)
        self.values = values


def too_many_rows(name: str, rows: int, caps: TableCaps) -> TooBig:
    return TooBig(
        f"{name}: more than {caps.rows} rows ({rows} at least); refused",
        "too-many-rows",
        limit=caps.rows,
    )


def too_many_cells(name: str, cells: int, caps: TableCaps) -> TooBig:
    return TooBig(
        f"{name}: more than {caps.cells} cells ({cells} at least); refused",
        "too-many-cells",
        limit=caps.cells,
    )


#: the most columns a submission may have: each column a reader does not know costs a finding
#: (the template has about forty; 200,000 cells of one row kept a worker busy for two minutes)
COLUMNS = 1_000


def too_many_columns(name: str, columns: int) -> TooBig:
    return TooBig(
        f"{name}: more than {COLUMNS} columns ({columns} at least); refused",
        "too-many-columns",
        limit=COLUMNS,
    )


class Counter:
    """Counts rows and cells as a reader yields them; raises ``TooBig`` past the caps (the
    first ``header`` rows are not counted as rows: they are no records)."""

    def __init__(self, name: str, caps: TableCaps | None = None, header: int = 0) -> None:
        self.name, self.caps = name, caps or current_caps()
        self.rows, self.cells = -header, 0

    def add(self, cells: int) -> None:
        self.rows += 1
        self.cells += cells
        if cells > COLUMNS:
            raise too_many_columns(self.name, cells)
        if self.rows > self.caps.rows:
            raise too_many_rows(self.name, self.rows, self.caps)
        if self.cells > self.caps.cells:
            raise too_many_cells(self.name, self.cells, self.caps)


# ------------------------------------------------------------------------------ workbooks


class _Grid:
    """The extent of one sheet as the workbook reader would size it."""

    def __init__(self, name: str, caps: TableCaps) -> None:
        self.name, self.caps = name, caps
        self.rows = self.columns = 0

    def reach(self, rows: int, columns: int) -> None:
        self.rows, self.columns = max(self.rows, rows), max(self.columns, columns)
        # one row is the header; the caps count data rows
        if self.rows > self.caps.rows + 1:
            raise too_many_rows(self.name, self.rows - 1, self.caps)
        if self.columns > COLUMNS:
            raise too_many_columns(self.name, self.columns)
        if self.rows * self.columns > self.caps.cells:
            raise too_many_cells(self.name, self.rows * self.columns, self.caps)


CELL_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,12})$")


def cell_position(reference: str) -> tuple[int, int] | None:
    """``"XFD1048576"`` -> (1048576, 16384): the row and column of an A1 reference (None when
    it is not one)."""
    match = CELL_REFERENCE.match(reference.strip())
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _refuse_doctype(*_args: Any) -> None:
    raise LoadError("a workbook part declares a DTD; refused", "unsafe-file")


def _stream(archive: zipfile.ZipFile, member: str, parser: Any) -> None:
    parser.StartDoctypeDeclHandler = _refuse_doctype
    with archive.open(member) as stream:
        try:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise LoadError(f"{member}: not well-formed XML ({error})") from None


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _attribute(attributes: dict[str, str], local: str) -> str | None:
    for name, value in attributes.items():
        if _local(name) == local:
            return value
    return None


def scan_xlsx_sheet(archive: zipfile.ZipFile, member: str, caps: TableCaps) -> None:
    """Measure one XLSX sheet from its ``<dimension ref>`` and the ``r`` of its rows and cells
    (a cell without one follows the previous; a row without one, the previous row); and the
    shared strings a part declares (``<sst count uniqueCount>``), which the reader allocates
    room for before reading any."""
    grid = _Grid(member, caps)
    at = {"row": 0, "column": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "dimension":
            for end in (_attribute(attributes, "ref") or "").split(":"):
                position = cell_position(end)
                if position:
                    grid.reach(*position)
        elif local == "row":
            given = _attribute(attributes, "r")
            at["row"] = (
                int(given) if given and given.isascii() and given.isdigit() else at["row"] + 1
            )
            at["column"] = 0
            grid.reach(at["row"], 1)
        elif local == "c":
            position = cell_position(_attribute(attributes, "r") or "")
            row, column = position if position else (at["row"], at["column"] + 1)
            at["row"], at["column"] = row, column
            grid.reach(row, column)
        elif local == "sst":  # the reader makes room for as many shared strings as declared
            for name in ("count", "uniqueCount"):
                declared = _attribute(attributes, name) or "0"
                count = int(declared) if declared.isascii() and declared.isdigit() else 0
                if count > caps.cells:
                    raise too_many_cells(member, count, caps)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    _stream(archive, member, parser)


ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _repeat(attributes: dict[str, str], name: str, grid: _Grid) -> int:
    raw = attributes.get(f"{ODS_TABLE} {name}", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise LoadError(f"{grid.name}: {name}={raw[:20]!r} is not a count")
    return max(int(raw), 1)


def scan_ods_content(archive: zipfile.ZipFile, member: str, caps: TableCaps) -> None:
    """Measure every table of an ODS ``content.xml``: rows and cells repeated count as many as
    they stand for; empty ones (LibreOffice repeats them to the sheet's end) only when
    something non-empty follows them; a non-empty row or cell may be repeated at most
    ``caps.repeated`` times."""
    state: dict[str, Any] = {}

    def refuse_repeat(what: str, times: int) -> None:
        raise TooBig(
            f"{member}: a non-empty {what} repeated {times} times (at most {caps.repeated})",
            "too-much-repeated",
            limit=caps.repeated,
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == f"{ODS_TABLE} table":
            state.update(grid=_Grid(member, caps), row=0, depth=0)
        elif name == f"{ODS_TABLE} table-row" and "grid" in state:
            state.update(repeat=_repeat(attributes, "number-rows-repeated", state["grid"]))
            state.update(column=0, extent=0)
        elif name in (f"{ODS_TABLE} table-cell", f"{ODS_TABLE} covered-table-cell"):
            if "grid" in state:
                times = _repeat(attributes, "number-columns-repeated", state["grid"])
                full = f"{ODS_OFFICE} value-type" in attributes
                state.update(cell_repeat=times, full=full, in_cell=True)
        elif state.get("in_cell"):
            state["full"] = True  # a paragraph, a link, an annotation: content

    def text(data: str) -> None:
        if state.get("in_cell") and data.strip():
            state["full"] = True

    def end(name: str) -> None:
        if name in (f"{ODS_TABLE} table-cell", f"{ODS_TABLE} covered-table-cell"):
            if not state.get("in_cell"):
                return
            state["in_cell"] = False
            state["column"] += state["cell_repeat"]
            if state["full"]:
                if state["cell_repeat"] > caps.repeated:
                    refuse_repeat("cell", state["cell_repeat"])
                state["extent"] = state["column"]
        elif name == f"{ODS_TABLE} table-row" and "grid" in state:
            state["row"] += state["repeat"]
            if state["extent"]:
                if state["repeat"] > caps.repeated:
                    refuse_repeat("row", state["repeat"])
                state["grid"].reach(state["row"], state["extent"])
        elif name == f"{ODS_TABLE} table":
            state.pop("grid", None)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = text
    _stream(archive, member, parser)


def check_workbook(path: Path, caps: TableCaps | None = None) -> None:
    """Refuse a workbook (XLSX or ODS) whose sheets the reader would build past ``caps``,
    streaming their XML: ``content.xml`` of an ODS; every XML part of an XLSX (sheets may be
    stored under any name, and the reader knows elements by their local name)."""
    caps = caps or current_caps()
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "content.xml" in names:
                scan_ods_content(archive, "content.xml", caps)
                return
            for name in names:
                if name.endswith(".xml"):
                    scan_xlsx_sheet(archive, name, caps)
    except zipfile.BadZipFile as error:
        raise LoadError(f"{path.name}: not a readable workbook ({error})") from None
