"""The blank submission template, in a partner's language, derived from the shapes and the code
lists: one column per field of the template mapping (``template/mapping.yaml``), and a
documentation of each column (meaning, required or recommended, allowed values, an example).

A template filled in with the examples validates with the template mapping (a test checks it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.numbers import get_decimal_symbol
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from core.formulas import safe_cell
from core.namespaces import CODE
from core.translations import collation_key, in_language, language, list_separator, quoted
from core.vocabulary import vocabulary_graph
from loaders import tables, territory
from loaders.values import cldr_locale
from validation.columns import (
    TEMPLATE_MAPPING,
    column_header,
    expand,
    required_fields,
    template_mapping,
)
from validation.messages import ui
from validation.shapes import shape_texts

EXAMPLES_FILE = Path(__file__).parent / "template" / "examples.yaml"
DEFINITIONS_FILE = Path(__file__).parent / "template" / "definitions.yaml"
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    field: str
    need: str  # required, recommended, optional
    meaning: str
    allowed: str
    example: str


@cache
def _vocabulary() -> Graph:
    return vocabulary_graph()


def _in(graph: Graph, node: Node, prop: URIRef, lang: str) -> str | None:
    texts = {getattr(o, "language", None): str(o) for o in graph.objects(node, prop)}
    return texts.get(lang) or texts.get("en")


#: fields whose meaning is best told by another property than the one they fill
MEANING_OF = {"network": "cwm:memberOf"}


@cache
def definitions() -> dict[str, dict[str, str]]:
    """Column -> its definition in the six languages (``template/definitions.yaml``)."""
    text = DEFINITIONS_FILE.read_text(encoding="utf-8")
    return yaml.load(text, Loader=tables.StringKeysLoader)


def _meaning(field_name: str, lang: str) -> str:
    """What a column means: its definition (``definitions.yaml``), else the definition of the
    property it fills; never a shape's message, which says what is wrong, not what it is."""
    if field_name in definitions():
        return in_language(definitions()[field_name], lang)
    definition = tables.fields()[field_name]
    if "property" in definition:
        prop = URIRef(expand(MEANING_OF.get(field_name, definition["property"])))
        return _in(_vocabulary(), prop, SKOS.definition, lang) or ""
    return ""


def _concepts(codelist: str) -> list[Node]:
    """The concepts of a code list, in the order of their IRIs."""
    return sorted(_vocabulary().subjects(SKOS.inScheme, URIRef(CODE + codelist)), key=str)


def choices(field_name: str, lang: str) -> list[str]:
    """What a coded column offers, in ``lang``: a code list's labels (the template mapping reads
    them back to their codes), the language's words for yes and no, the network's country
    codes; none for a free column."""
    definition = tables.fields()[field_name]
    if definition.get("codelist"):  # as the reader looks them up (stranger 90: by code)
        labels = (_label(c, lang) for c in _concepts(definition["codelist"]))
        return sorted(labels, key=lambda label: collation_key(label, lang))
    if definition["kind"] == "boolean":
        return [ui("yes", lang), ui("no", lang)]
    if definition["kind"] == "country":
        return list(territory.network_countries())
    return []


def _label(concept: Node, lang: str) -> str:
    """A concept's preferred label in ``lang`` (English when it has none there)."""
    return _in(_vocabulary(), concept, SKOS.prefLabel, lang) or ""


def _code_label(codelist: str, code: str, lang: str) -> str:
    """The label in ``lang`` of the concept whose code is ``code``."""
    graph = _vocabulary()
    (concept,) = (c for c in _concepts(codelist) if str(graph.value(c, SKOS.notation)) == code)
    return _label(concept, lang)


def _allowed(field_name: str, lang: str) -> str:
    definition = tables.fields()[field_name]
    several = f" ({ui('several', lang)})" if definition.get("multi") else ""
    if definition.get("codelist"):
        graph = _vocabulary()
        labels = [
            f"{graph.value(c, SKOS.notation)} = {_label(c, lang)}"
            for c in _concepts(definition["codelist"])
        ]
        return "; ".join(labels) + several
    if definition["kind"] == "boolean":
        return " / ".join(choices(field_name, lang))
    if definition["kind"] == "country":
        return ", ".join(choices(field_name, lang)) + several
    return several.strip(" ()")


def _need(field_name: str) -> str:
    if field_name in required_fields():
        return "required"
    definition = tables.fields()[field_name]
    if "property" in definition:
        path = expand(definition["property"])
        if any(
            text.path == path and text.severity == "warning" and text.min_count
            for text in shape_texts().values()
        ):
            return "recommended"
    return "optional"


@cache
def _example_table() -> dict[str, dict]:
    text = EXAMPLES_FILE.read_text(encoding="utf-8")
    return yaml.load(text, Loader=tables.StringKeysLoader)


def examples(lang: str = "en") -> dict[str, str]:
    """The example row of the template in ``lang``: a space of a country where it is spoken,
    written as the template's mapping reads ``lang``: numbers with its decimal mark, days in
    its order, coded values as its labels (issue #18: the same in every language before)."""
    lang = language(lang)
    table = _example_table()
    row = {**table["common"], **table["local"].get(lang, table["local"]["en"])}
    return {name: _written(name, value, lang) for name, value in row.items()}


def _written(field_name: str, value: str, lang: str) -> str:
    """An example value (written as ``examples.yaml`` has it: ISO 8601 days, decimal points,
    codes) as a partner writing ``lang`` writes it."""
    if not value:
        return value
    definition = tables.fields()[field_name]
    kind, formats = definition["kind"], _example_table()["written"]
    if definition.get("codelist"):
        split = "|" if definition.get("multi") else None
        codes = value.split(split) if split else [value]
        return "|".join(_code_label(definition["codelist"], code, lang) for code in codes)
    if kind in formats["dates"]:
        day = dt.date.fromisoformat(value)
        return day.strftime(formats["day_formats"][lang])
    if kind in formats["numbers"]:
        return value.replace(".", get_decimal_symbol(cldr_locale(lang, None) or "en_001"))
    return value


def template_columns(lang: str) -> list[TemplateColumn]:
    """The template's columns, described in ``lang``."""
    lang = language(lang)
    mapping = template_mapping(lang)
    row = examples(lang)
    return [
        TemplateColumn(
            column_header(spec, lang, mapping),
            spec.field,
            _need(spec.field),
            _meaning(spec.field, lang),
            _allowed(spec.field, lang),
            row.get(spec.field, ""),
        )
        for spec in mapping.columns
    ]


def _documentation_rows(columns: list[TemplateColumn], lang: str) -> list[list[str]]:
    head = [ui(k, lang) for k in ("column", "meaning", "need", "allowed", "example")]
    return [head] + [[c.header, c.meaning, ui(c.need, lang), c.allowed, c.example] for c in columns]


def write_template(output: Path, lang: str, fmt: str = "csv", filled: bool = False) -> list[Path]:
    """Write the template (``filled``: with the example row) and its documentation; return the
    files written: for CSV, the template and ``<name>-documentation.csv``; for XLSX, one
    workbook with a data sheet and a documentation sheet."""
    lang = language(lang)
    columns = template_columns(lang)
    data = [[c.header for c in columns]] + ([[c.example for c in columns]] if filled else [])
    doc = _documentation_rows(columns, lang)
    if fmt == "csv":
        documentation = output.with_name(f"{output.stem}-documentation.csv")
        for path, rows in ((output, data), (documentation, doc)):
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=list_separator(lang))
            writer.writerows([[safe_cell(c) for c in row] for row in rows])
            path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return [output, documentation]
    if fmt == "xlsx":
        _write_workbook(output, columns, data, doc, lang)
        return [output]
    raise ValueError(f"format {fmt!r}: give one of {', '.join(FORMATS)}")


#: the hidden sheet holding the lists the drop-downs offer
LISTS_SHEET = "lists"


#: kinds of field whose cells are text in the XLSX template: a spreadsheet would otherwise take
#: the postcode 00184 for the number 184, or a phone +30 210... for a formula
TEXT_KINDS = frozenset(
    {"identifier", "phone", "postcode", "text", "text_lang", "email", "url", "osm", "address",
     "opening_hours", "price"}
)  # fmt: skip


#: the rows of the data sheet whose coded columns offer the drop-down list
TEMPLATE_ROWS = 10_000
#: the rows whose text cells are written as text one by one (beyond them, the column's style
#: alone: each cell costs the download time and size, 10,000 rows made it 20 times larger)
TEXT_ROWS = 2_000
#: Excel's limits on a drop-down's texts: its error and prompt, and their titles
TEXT_LIMIT, TITLE_LIMIT = 255, 32


def fitted(text: str, limit: int) -> str:
    """``text`` as a drop-down's text of at most ``limit`` characters: whole, or cut at the end
    of a word with an ellipsis (issue #18: cut mid-word, "terzo luogo del")."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ;,:") + "…"


def refusal_text(allowed: str, lang: str) -> str:
    """The error of a drop-down: its allowed values when Excel can show them all, else a
    sentence sending the reader to the list and to the documentation sheet."""
    if len(allowed) <= TEXT_LIMIT:
        return allowed
    sheet = quoted(ui("documentation", lang), lang)
    return fitted(ui("see-the-list", lang).format(sheet=sheet), TEXT_LIMIT)


def _write_workbook(
    output: Path, columns: list[TemplateColumn], data: list[list[str]], doc: list[list[str]],
    lang: str,
) -> None:  # fmt: skip
    """The XLSX template: a data sheet (header frozen, each header with its definition as a
    note, a drop-down list on each coded column), the documentation sheet, and a hidden sheet
    of the lists. A column of several values (a|b) offers its codes but accepts any text."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one sheet, active
    sheet.title = "CoworkMed"
    doc_sheet = workbook.create_sheet(ui("documentation", lang))
    for target, rows in ((sheet, data), (doc_sheet, doc)):
        for row in rows:
            target.append(row)
        for cells in target.iter_rows():
            for cell in cells:
                if cell.data_type == "f":  # text that openpyxl took for a formula
                    cell.data_type = "s"
        for cell in target[1]:
            cell.font = Font(bold=True)
        target.freeze_panes = "A2"
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        header = sheet.cell(row=1, column=number)
        if column.meaning:
            header.comment = Comment(column.meaning, "CoworkMed", width=300, height=120)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header) + 4))
        if tables.fields()[column.field]["kind"] in TEXT_KINDS:
            # the column's style, and each row's cell: a spreadsheet that reads no column style
            # (Google Sheets, openpyxl) would otherwise take a typed 00185 for the number 185
            sheet.column_dimensions[letter].number_format = "@"
            for line in range(2, TEXT_ROWS + 1):
                sheet.cell(row=line, column=number).number_format = "@"
        offered = choices(column.field, lang)
        if not offered:
            continue
        for line, value in enumerate(offered, start=1):
            lists.cell(row=line, column=number, value=value).data_type = "s"
        several = bool(tables.fields()[column.field].get("multi"))
        source = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(offered)}"
        validation = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showErrorMessage=not several,
            errorTitle=fitted(column.header, TITLE_LIMIT),
            error=refusal_text(column.allowed, lang),
            promptTitle=fitted(column.header, TITLE_LIMIT),
            prompt=fitted(column.meaning, TEXT_LIMIT),
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        sheet.add_data_validation(validation)
    workbook.save(output)


__all__ = ["TEMPLATE_MAPPING", "choices", "template_columns", "write_template"]
