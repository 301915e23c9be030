"""A validation report in four formats: HTML for people (printable), JSON for programs, CSV to
open beside the submission in a spreadsheet, and Turtle (a SHACL ``sh:ValidationReport``).

A report for people (HTML, CSV, the command's summary) is in its language end to end: each
finding's message, the headers, the checks' names. A finding's ``detail`` is the engine's own
words, in English, for developers: it is in the JSON report (and in Turtle, tagged ``@en``)
and nowhere else, but for the problems whose detail is the only way to fix them
(``DEVELOPER_DETAIL``: a mapping file's mistakes), shown under a heading in the report's
language that says it is for developers and in English (issue #18).

CSV cells that a spreadsheet would run as a formula (starting with = + - @) are written with a
leading apostrophe.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from babel.numbers import format_decimal
from markupsafe import Markup

from core.collection import paused_collection
from core.formulas import safe_cell
from core.namespaces import CWM, RDF_TYPE, SH, XSD
from core.rdf_bytes import to_bytes
from core.settings import setting
from core.translations import list_separator, punctuated, quoted
from validation.findings import MAPPING, Finding, Report
from validation.messages import catalogue, counted, ui, ui_words

if TYPE_CHECKING:
    from jinja2 import Environment

FORMATS = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
}
#: the CSV report's columns -> their header's words in ``ui`` (no English detail: see above)
CSV_COLUMNS = {
    "severity": "severity",
    "sheet": "sheet",
    "row": "row",
    "column": "column",
    "value": "value",
    "message": "message",
    "code": "code-column",
    "layer": "layer-column",
}
#: a finding's layer -> its words in ``ui`` (the CSV report's last column)
LAYERS = {
    "file": "layer-file",
    "table": "layer-table",
    "graph": "layer-graph",
    "records": "layer-records",
}
#: problems whose English detail is what a reader needs to fix them (a mapping file's mistakes,
#: each with its line): shown in every report, under ``ui``'s ``for-developers``
DEVELOPER_DETAIL = frozenset({MAPPING})


def as_json(report: Report) -> dict[str, Any]:
    return {**_json_head(report), "findings": [f.as_dict() for f in report.ordered()]}


def _json_head(report: Report) -> dict[str, Any]:
    """``as_json`` but for the findings."""
    errors, warnings = report.counts()
    return {
        "file": report.shown_file,
        "mapping": report.mapping,
        "language": report.language,
        "status": report.status_of(errors, warnings),
        "conforms": report.readable and errors == 0,
        "rows": report.rows,
        "records": report.records,
        "triples": report.triples,
        "errors": errors,
        "warnings": warnings,
        "seconds": round(report.seconds, 3),
        "summary": [
            {
                **{k: v for k, v in item.items() if k != "example"},
                "example": item["example"].as_dict(),
            }
            for item in report.summary()
        ],
    }


#: ``json.dumps`` of ``as_json`` as ``render`` writes it
JSON_OPTIONS: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


def json_text(report: Report) -> str:
    """``json.dumps(as_json(report), **JSON_OPTIONS)``, the same text, written faster: a
    finding's object is its row, value and node (its own) set in the JSON of its other fields,
    which is written once for each distinct run of them (a 10,000-row report has 52,000 findings
    saying a few dozen things, each in its own row and node: ``json.dumps`` encoded every
    message and detail again)."""
    head = json.dumps({**_json_head(report), "findings": []}, **JSON_OPTIONS)
    assert head.endswith("[]}"), "the findings are the last member"
    shared: dict[tuple[Any, ...], tuple[str, str, str, str]] = {}
    objects = []
    for values in map(_ALL_FIELDS, report.ordered()):
        key = values[:6] + values[7:8] + values[9:11] + values[12:]
        runs = shared.get(key)
        if runs is None:
            runs = shared[key] = _json_runs(key)
        first, column, named, shape = runs
        row, value, focus = values[6], values[8], values[11]
        text = first
        if row is not None:
            text += f',"row":{_json_value(row)}'
        text += column
        if value is not None and value != "":
            text += f',"value":{_json_value(value)}'
        text += named
        if focus is not None and focus != "":
            text += f',"focus":{_json_value(focus)}'
        text += shape
        objects.append("{" + text.removeprefix(",") + "}")
    return f"{head[:-3]}[{','.join(objects)}]}}"


#: a finding's fields in their order (``Finding.as_dict``), read in one call
_ALL_FIELDS = attrgetter(*(f.name for f in dataclasses.fields(Finding)))


def _json_runs(key: tuple[Any, ...]) -> tuple[str, str, str, str]:
    """The JSON members of the fields a finding shares with others (``json_text``'s key: all
    but its row, value and node) in four runs, each led by a comma when it writes something:
    the fields before the row, the column, the field and name, the shape and path."""
    return (
        _led(_json_members(("layer", "code", "severity", "message", "detail", "sheet"), key[:6])),
        _led(_json_members(("column",), key[6:7])),
        _led(_json_members(("field", "name"), key[7:9])),
        _led(_json_members(("shape", "path"), key[9:11])),
    )


def _led(members: str) -> str:
    return f",{members}" if members else ""


def _json_value(value: Any) -> str:
    """A value as ``json.dumps`` writes it (``JSON_OPTIONS``): texts and whole numbers straight
    from the encoder's own functions."""
    if type(value) is str:
        return str(encode_basestring(value))
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, **JSON_OPTIONS)


def _json_members(names: tuple[str, ...], values: tuple[Any, ...]) -> str:
    """The JSON members of fields (those that say something, as ``Finding.as_dict``)."""
    return ",".join(
        f"{encode_basestring(name)}:{_json_value(value)}"
        for name, value in zip(names, values, strict=True)
        if value not in (None, "")
    )


def as_csv(report: Report) -> str:
    """The report as a table a spreadsheet opens in the report's language: separated as that
    language's spreadsheets separate lists (``list_separator``: ";" in French), with a byte
    order mark (``render``) so that its accents are read as UTF-8."""
    buffer = io.StringIO()
    lang = report.language
    writer = csv.writer(buffer, delimiter=list_separator(lang))
    writer.writerow([ui(words, lang) for words in CSV_COLUMNS.values()])
    layers = {layer: ui(words, lang) for layer, words in LAYERS.items()}
    for finding in report.ordered():
        row = finding.as_dict()
        row["severity"] = ui(finding.severity, lang)
        row["layer"] = layers.get(finding.layer, finding.layer)
        writer.writerow([safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def as_turtle(report: Report) -> bytes:
    """The report as SHACL: sh:conforms, then one sh:ValidationResult per finding, with the
    place in the file (cwm:sourceRow, cwm:sourceColumn, cwm:sourceValue). The triples are
    written as N-Triples text and read by Oxigraph (making a term object in Python for each
    took seconds on a 10,000-row report), then written as Turtle."""
    node = ox.BlankNode().value
    boolean = str(report.conforms).lower()
    lines = [
        f"_:{node} <{RDF_TYPE}> <{SH}ValidationReport> .",
        f'_:{node} <{SH}conforms> "{boolean}"^^<{XSD}boolean> .',
    ]
    lang = report.language
    for finding in report.findings:
        result = f"_:{ox.BlankNode().value}"
        lines.append(f"_:{node} <{SH}result> {result} .")
        lines.append(f"{result} <{RDF_TYPE}> <{SH}ValidationResult> .")
        severity = "Violation" if finding.severity == "error" else "Warning"
        lines.append(f"{result} <{SH}resultSeverity> <{SH}{severity}> .")
        lines.append(f"{result} <{SH}resultMessage> {_text(finding.message)}@{lang} .")
        if finding.detail and finding.detail != finding.message:
            lines.append(f"{result} <{SH}resultMessage> {_text(finding.detail)}@en .")
        for predicate, iri in (
            (_FOCUS, finding.focus),
            (_PATH, finding.path),
            (_SHAPE, finding.shape),
        ):
            if iri:
                lines.append(f"{result} {predicate} <{iri}> .")
        if finding.row is not None:
            lines.append(f'{result} <{CWM}sourceRow> "{int(finding.row)}"^^<{XSD}integer> .')
        if finding.column:
            lines.append(f"{result} <{CWM}sourceColumn> {_text(finding.column)} .")
        if finding.value is not None:
            lines.append(f"{result} <{CWM}sourceValue> {_text(finding.value)} .")
    prefixes = {"sh": SH, "cwm": CWM, "xsd": XSD}
    try:
        text = "\n".join(lines).encode("utf-8")
        triples = ox.parse(text, format=ox.RdfFormat.N_TRIPLES)
        return to_bytes(triples, ox.RdfFormat.TURTLE, prefixes)
    except (UnicodeEncodeError, SyntaxError, ValueError):  # not a term as N-Triples text
        return to_bytes(_turtle_terms(report), ox.RdfFormat.TURTLE, prefixes)


_FOCUS, _PATH, _SHAPE = (f"<{SH}{name}>" for name in ("focusNode", "resultPath", "sourceShape"))


def _text(value: str) -> str:
    """A plain literal in N-Triples: JSON's escapes (quote, backslash, control characters) are
    N-Triples' own."""
    return json.dumps(value, ensure_ascii=False)


def _turtle_terms(report: Report) -> list[ox.Triple]:
    """``as_turtle``'s triples made term by term (a finding with a term N-Triples text cannot
    carry, as a lone surrogate in a value, or an IRI Oxigraph refuses)."""
    node, triples = ox.BlankNode(), []

    def add(subject: Any, predicate: str, value: Any) -> None:
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), value))

    add(node, RDF_TYPE, ox.NamedNode(SH + "ValidationReport"))
    conforms = str(report.conforms).lower()
    add(node, SH + "conforms", ox.Literal(conforms, datatype=ox.NamedNode(XSD + "boolean")))
    for finding in report.findings:
        result = ox.BlankNode()
        add(node, SH + "result", result)
        add(result, RDF_TYPE, ox.NamedNode(SH + "ValidationResult"))
        severity = "Violation" if finding.severity == "error" else "Warning"
        add(result, SH + "resultSeverity", ox.NamedNode(SH + severity))
        add(result, SH + "resultMessage", ox.Literal(finding.message, language=report.language))
        if finding.detail and finding.detail != finding.message:
            add(result, SH + "resultMessage", ox.Literal(finding.detail, language="en"))
        if finding.focus:
            add(result, SH + "focusNode", ox.NamedNode(finding.focus))
        if finding.path:
            add(result, SH + "resultPath", ox.NamedNode(finding.path))
        if finding.shape:
            add(result, SH + "sourceShape", ox.NamedNode(finding.shape))
        if finding.row is not None:
            row = ox.Literal(str(finding.row), datatype=ox.NamedNode(XSD + "integer"))
            add(result, CWM + "sourceRow", row)
        if finding.column:
            add(result, CWM + "sourceColumn", ox.Literal(finding.column))
        if finding.value is not None:
            add(result, CWM + "sourceValue", ox.Literal(finding.value))
    return triples


_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    """The HTML report's templates (jinja2 is imported for the HTML report only: a command
    line writing another format, or none, does without it)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"])
    )
    environment.globals["mark"] = punctuated  # "\u00a0:" in French (issue #18)
    return environment


#: the HTML report's style sheet, inline so that the report is one file a partner can keep
STYLE = (_TEMPLATES / "report.css").read_text(encoding="utf-8")
#: its CSP hash: a page served with a Content-Security-Policy may allow this style and no other
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'"


#: the most findings the HTML report's details table lists (errors first); the summary counts
#: them all and the CSV and JSON reports list every one: a 10,000-row file with five warnings a
#: row made a 50,000-line page that took longer to write than the file took to validate
HTML_DETAILS_MOST = 2_000


#: the largest report in another format the HTML report carries inside itself as a download
#: (a ``data:`` link, so that the report stays one file); a larger one is asked for on the form
EMBEDDED_MOST = 1_500_000
#: the formats the HTML report offers as downloads, in order: format -> its words in ``ui``
DOWNLOADS = {"csv": "format-csv", "json": "format-json", "ttl": "format-ttl"}
#: the report's status and the publish mode (``core.settings.PUBLISH_MODES``; None: any) -> the
#: words that say what to do next: a file with errors is published per record (its records
#: without errors) or not at all (all or nothing)
NEXT_STEPS: dict[tuple[str, str | None], str] = {
    ("rejected", "per-record"): "next-rejected-per-record",
    ("rejected", "all-or-nothing"): "next-rejected-all-or-nothing",
    ("accepted-with-warnings", None): "next-accepted-with-warnings",
    ("accepted", None): "next-accepted",
    ("unreadable", None): "next-unreadable",
    ("unreadable-mapping", None): "next-unreadable-mapping",
}


def next_step(status: str, mode: str | None = None) -> str:
    """The words that say what to do next with a report of ``status``, when publishing it would
    use ``mode`` (None: the ``publish_mode`` setting)."""
    mode = setting("publish_mode", mode)
    return NEXT_STEPS.get((status, mode)) or NEXT_STEPS[(status, None)]


@dataclass(frozen=True)
class Links:
    """Where a report served by the server leads: the form to check a file again, the home
    page, the blank template, the API's description and the form in the other languages (a
    report written by the command has none of them)."""

    form: str
    home: str
    template: str
    api: str
    #: the form in each language: (language code, its name in that language, the form's address)
    languages: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Download:
    """The report in another format, carried inside the HTML report as a ``data:`` link."""

    fmt: str
    label: str
    name: str
    href: str


def downloads(report: Report, most: int = EMBEDDED_MOST) -> tuple[list[Download], bool]:
    """The report in the other formats as ``data:`` links, and whether one was too large to
    carry (``most`` bytes) and was left out."""
    stem = Path(report.shown_file.rsplit("/", 1)[-1]).stem or "submission"
    given, left_out = [], False
    known: dict[str, int] = {}
    for fmt, words in DOWNLOADS.items():
        if least_size(report, fmt, known) > most:
            left_out = True
            continue
        body = render(report, fmt)
        if len(body) > most:
            left_out = True
            continue
        media_type = FORMATS[fmt].split(";")[0]
        href = f"data:{media_type};base64,{base64.b64encode(body).decode('ascii')}"
        given.append(Download(fmt, ui(words, report.language), f"{stem}-report.{fmt}", href))
    return given, left_out


#: bytes every finding takes at least in each format of ``DOWNLOADS`` besides its words
#: (``least_size``): the CSV's separators and line end; JSON's braces and comma; in Turtle,
#: "sh:result", "sh:ValidationResult", "sh:resultSeverity" and "sh:resultMessage"
LEAST_PER_FINDING = {"csv": 10, "json": 2, "ttl": 40}
#: the words of a finding each format writes whole (escaping, quoting and a spreadsheet's
#: apostrophe only add to them)
LEAST_WORDS = {
    "csv": ("message", "value", "code"),
    "json": ("message", "value", "code", "layer"),
    "ttl": ("message", "value"),
}


def least_size(report: Report, fmt: str, known: dict[str, int] | None = None) -> int:
    """Fewer bytes than ``render(report, fmt)`` gives (``LEAST_PER_FINDING``, ``LEAST_WORDS``,
    in UTF-8): a report known to be too large to carry is not written only to be left out (a
    10,000-row report took seconds to write in three formats, then to be left out).
    ``known``: the characters of each word already counted (by word), shared between formats."""
    known = {} if known is None else known
    for name in LEAST_WORDS[fmt]:
        if name not in known:
            # the words' characters: no more than their bytes in UTF-8, and counted without
            # putting them together or encoding them
            known[name] = sum(map(len, filter(None, map(attrgetter(name), report.findings))))
    words = sum(known[name] for name in LEAST_WORDS[fmt])
    return LEAST_PER_FINDING[fmt] * len(report.findings) + words


@dataclass(frozen=True)
class Published:
    """What a submission's publication did, for its report (``render``): ``outcome``, as the
    API answers it (``publishing.publish.Publication.as_dict``); ``said``, in the report's
    language, the lines the command prints of it."""

    outcome: dict[str, Any]
    said: tuple[str, ...]

    @property
    def status(self) -> str | None:
        """The status the HTML report shows in its validation's place, if any: published with
        records held back ("rejected" in red above "Published" said otherwise), or the same
        records as the current version, which holds them back (the same file published again
        said "published in part", then "rejected": stranger 88)."""
        outcome = self.outcome
        current = outcome["published"] or outcome["unchanged"]
        return "published-in-part" if current and outcome["held_back"] else None


def as_html(
    report: Report,
    most: int = HTML_DETAILS_MOST,
    links: Links | None = None,
    mode: str | None = None,
    said: Iterable[str] = (),
    shown: str | None = None,
) -> str:
    """The report as one HTML page: its style inline (allowed by ``STYLE_HASH``), no script,
    the other formats carried as downloads; ``links``: where a report served by the server
    leads; ``mode``: how the file would be published (``next_step``); ``said``: what its
    publication did, under its status; ``shown``: the status shown, if not its own."""
    template = _environment().get_template("report.html")
    ordered = report.ordered()
    given, left_out = downloads(report)
    errors, warnings = report.counts()
    status = report.status_of(errors, warnings)
    return template.render(
        report=report,
        errors=errors,
        warnings=warnings,
        status=status,
        status_shown=shown or status,
        headline=shown or report.headline_of(status),
        style=Markup(STYLE),
        links=links,
        downloads=given,
        left_out=left_out,
        next_step=next_step(report.headline_of(status), mode),
        said=list(said),
        words=ui_words(report.language),
        summary=report.summary(),
        findings=ordered[:most],
        cut=len(ordered) > most,
        shown=most,
        rows_text=compact_rows,
        values_text=values_text,
        counted=counted,
        number=lambda value: format_decimal(value, locale=report.language),
        rows_left_out=report.load.rows_skipped if report.load else 0,
        sheets=any(finding.sheet for finding in report.findings),
        developer_detail=DEVELOPER_DETAIL,
    )


def compact_rows(rows: Iterable[int], most: int = 12) -> str:
    """Row numbers as a reader takes them in: runs as ranges, at most ``most`` parts, then "…"
    (2, 3, 4, 5, 44, 46, 47 -> "2–5, 44, 46–47")."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs]
    return ", ".join(parts[:most] + (["…"] if len(parts) > most else []))


def summary_line(key: str, lang: str, **values: object) -> str:
    """A line of a command's summary (``key`` of the ``ui`` words: nothing-published, counts, ...),
    in ``lang``, filled with ``values``: what a command prints after a report is in the
    report's language. A number with words of its own (``key/field`` in ``counted``) is said
    with them in the plural form it takes in ``lang`` ("1 erreur", "3 pogreške"); every number
    is written as ``lang`` writes numbers ("1,512", "1 512")."""
    numbers = catalogue()["counted"]
    said = {
        name: (
            counted(f"{key}/{name}", lang, value)
            if f"{key}/{name}" in numbers
            else format_decimal(value, locale=lang)
        )
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }
    return ui(key, lang).format(**said)


def values_text(item: dict[str, Any], lang: str = "en") -> str:
    """A summary line's values as written, each in «» (as ``lang`` spaces them), with how many
    rows have it when more than one, then "…" when it has more ("«otvoreno» ×4, «svemirska
    luka»")."""
    if item["distinct_values"] == 1 and quoted(item["values"][0]["value"], lang) in item["message"]:
        return ""  # the one value, quoted by the message already
    shown = [
        quoted(value["value"], lang) + (f" ×{value['count']}" if value["count"] > 1 else "")
        for value in item["values"]
    ]
    more = ["…"] if item["distinct_values"] > len(shown) else []
    return ", ".join(shown + more)


def _where(finding: Finding, lang: str) -> str:
    """Row, column and value of a finding (the value when its message does not quote it)."""
    value = finding.value if finding.value and finding.value not in finding.message else ""
    parts = (
        f"{ui('row', lang)} {finding.row}" if finding.row is not None else "",
        finding.column or "",
        quoted(value, lang) if value else "",
    )
    return ", ".join(part for part in parts if part)


def console_lines(report: Report, most: int = 20, errors_only: bool = False) -> list[str]:
    """What a command prints after a report, all in the report's language: the status, the
    counts, then each kind of problem (errors first) with what is wrong, how many, which rows
    and an example of where; ``errors_only``: only the kinds of error (a load's summary, which
    says itself what was published)."""
    lang = report.language
    lines = [
        ui(report.headline_of(report.status), lang),
        summary_line(
            "counts", lang, errors=report.errors, warnings=report.warnings, rows=report.rows
        ),
    ]
    summary = report.summary()
    if errors_only:
        lines, summary = [], [item for item in summary if item["severity"] == "error"]
    for item in summary[:most]:
        example: Finding = item["example"]
        what = item["name"]
        if item["message"] and item["message"] != what:
            what = f"{what} — {item['message']}"
        times = format_decimal(item["count"], locale=lang)
        line = f"  {ui(item['severity'], lang)} ×{times}{punctuated(':', lang)} {what}"
        if len(item["rows"]) > 1:
            count, rows = len(item["rows"]), compact_rows(item["rows"])
            in_rows = counted("in-rows", lang, count, rows=rows)
            where = ", ".join(filter(None, (item["column"], in_rows)))
            values = values_text(item, lang)
            line += f" ({where}{punctuated(';', lang)} {values})" if values else f" ({where})"
        else:
            where = _where(example, lang)
            line += f" ({where})" if where else ""
        lines.append(line)
        if example.code in DEVELOPER_DETAIL and example.detail:  # a mapping's mistakes, in full
            lines.append(f"    {ui('for-developers', lang)}")
            lines += [f"    {detail}" for detail in example.detail.splitlines()]
    if len(summary) > most:
        lines.append("  " + summary_line("more-kinds", lang, count=len(summary) - most))
    return lines


@paused_collection()
def render(
    report: Report,
    fmt: str,
    links: Links | None = None,
    mode: str | None = None,
    published: Published | None = None,
) -> bytes:
    """The report in ``fmt`` (html, json, csv, ttl); ``links``: where the HTML report leads
    when the server gives it; ``mode``: how the file would be published (None: the
    ``publish_mode`` setting), which the HTML report's next step says; ``published``: what its
    publication did, which the JSON gives around the report (as the API answers a publication)
    and the HTML says under its status (stranger 75: a submission published with records held
    back was said "rejected", its validation's status, and nothing more)."""
    if fmt == "json":
        text = json_text(report)
        if published is not None:
            around = json.dumps(published.outcome, **JSON_OPTIONS)
            text = f'{around[:-1]},"report":{text}}}' if published.outcome else text
        return text.encode("utf-8")
    if fmt == "csv":
        return as_csv(report).encode("utf-8-sig")
    if fmt == "ttl":
        return as_turtle(report)
    if fmt == "html":
        said = published.said if published is not None else ()
        shown = published.status if published is not None else None
        return as_html(report, links=links, mode=mode, said=said, shown=shown).encode("utf-8")
    raise ValueError(f"format {fmt!r}: give one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "STYLE_HASH",
    "Links",
    "Finding",
    "Published",
    "compact_rows",
    "console_lines",
    "render",
    "summary_line",
]
