"""The blank submission template, in a partner's language, derived from the shapes and the code
lists: one column per field of the template mapping (``template/mapping.yaml``), and a
documentation of each column (meaning, required or recommended, allowed values, an example).

A template filled in with the examples validates with the template mapping (a test checks it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from core.formulas import safe_cell
from core.namespaces import CODE
from core.translations import language
from core.vocabulary import vocabulary_graph
from loaders import tables, territory
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
FORMATS = ("csv", "xlsx")
#: node of the field table -> the start of the names of the shapes about it
SHAPE_PREFIXES = {
    "space": "Space",
    "address": "Address",
    "operator": "Operator",
    "offer": "AccessOffer",
}


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


def _meaning(field_name: str, lang: str) -> str:
    definition = tables.fields()[field_name]
    if "property" in definition:
        prop = URIRef(expand(MEANING_OF.get(field_name, definition["property"])))
        text = _in(_vocabulary(), prop, SKOS.definition, lang)
        if text:
            return text
        prefix = SHAPE_PREFIXES.get(definition["node"], "")
        for iri, shape in sorted(shape_texts().items()):
            if shape.path == str(prop) and shape.messages and f"/{prefix}-" in iri:
                return shape.messages.get(lang) or shape.messages["en"]
    return ""


def _allowed(field_name: str, lang: str) -> str:
    definition = tables.fields()[field_name]
    several = f" ({ui('several', lang)})" if definition.get("multi") else ""
    if definition.get("codelist"):
        graph = _vocabulary()
        scheme = URIRef(CODE + definition["codelist"])
        concepts = sorted(graph.subjects(SKOS.inScheme, scheme), key=str)
        labels = [
            f"{graph.value(c, SKOS.notation)} = {_in(graph, c, SKOS.prefLabel, lang)}"
            for c in concepts
        ]
        return "; ".join(labels) + several
    if definition["kind"] == "boolean":
        return f"{ui('yes', lang)} / {ui('no', lang)}"
    if definition["kind"] == "country":
        return ", ".join(territory.network_countries()) + several
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
def examples() -> dict[str, str]:
    return yaml.load(EXAMPLES_FILE.read_text(encoding="utf-8"), Loader=tables.StringKeysLoader)


def template_columns(lang: str) -> list[TemplateColumn]:
    """The template's columns, described in ``lang``."""
    lang = language(lang)
    mapping = template_mapping(lang)
    return [
        TemplateColumn(
            column_header(spec, lang, mapping),
            spec.field,
            _need(spec.field),
            _meaning(spec.field, lang),
            _allowed(spec.field, lang),
            examples().get(spec.field, ""),
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
            csv.writer(buffer).writerows([[safe_cell(c) for c in row] for row in rows])
            path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        return [output, documentation]
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
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
        workbook.save(output)
        return [output]
    raise ValueError(f"format {fmt!r}: give one of {', '.join(FORMATS)}")


__all__ = ["TEMPLATE_MAPPING", "template_columns", "write_template"]
