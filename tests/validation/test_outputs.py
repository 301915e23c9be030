"""The report in its four formats, and the blank template in every language and format."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from core.translations import list_separator
from core.vocabulary import LANGUAGES
from validation.findings import Finding
from validation.messages import ui
from validation.report import (
    CSV_COLUMNS,
    _turtle_terms,
    as_json,
    downloads,
    least_size,
    render,
)
from validation.submission import validate_submission
from validation.template import template_columns, write_template

HERE = Path(__file__).parent
HOSTILE = HERE / "submissions" / "hostile.csv"
CWM = "https://w3id.org/coworkmed/def/"


@pytest.fixture(scope="module")
def report():  # noqa: ANN201
    return validate_submission(HOSTILE, lang="fr")


def test_json_report(report) -> None:  # noqa: ANN001
    body = json.loads(render(report, "json"))
    assert body["status"] == "rejected" and body["errors"] == report.errors
    assert body["summary"][0]["count"] >= 1 and "example" in body["summary"][0]
    assert {f["code"] for f in body["findings"]} >= {"not-a-number", "not-an-email"}


#: findings whose JSON must be written exactly as ``json.dumps`` writes it: quotes, back
#: slashes, control characters, non-Latin scripts, a row 0, empty texts, values cut short
ODD_FINDINGS = [
    Finding("table", "x", "error", 'a "quoted" \\ back\\slash\nnew line\t\x01', row=0),
    Finding("graph", "y", "warning", "Ελληνικά · Hrvatski čćž", value="", column="", sheet="Φ"),
    Finding("table", "z", "error", "m", value="x" * 5000, detail="\u2028\u2029 \x7f", row=12),
    Finding("graph", "w", "warning", "", focus="", shape="s", path="", field="f", name=""),
    Finding("records", "v", "error", "m", detail="", focus="https://x.test/1", name="N"),
]


@pytest.mark.parametrize("extra", [[], ODD_FINDINGS], ids=["as found", "odd findings"])
def test_json_report_is_what_json_dumps_writes(report, extra: list[Finding]) -> None:  # noqa: ANN001
    """``render`` writes the JSON of each finding itself (for speed): the same bytes."""
    report = dataclasses.replace(report, findings=[*report.findings, *extra, *report.findings])
    expected = json.dumps(as_json(report), ensure_ascii=False, separators=(",", ":"))
    assert render(report, "json") == expected.encode("utf-8")


def test_csv_report_neutralises_formulas(report) -> None:  # noqa: ANN001
    text = render(report, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=list_separator(report.language)))
    values = [row[4] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example")' in values
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row)
    assert rows[0][:3] == ["Gravité", "Feuille", "Ligne"]


def test_html_report_escapes_partner_values(report) -> None:  # noqa: ANN001
    html = render(report, "html").decode("utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Refusé" in html and 'lang="fr"' in html


def test_turtle_report_is_a_shacl_report(report) -> None:  # noqa: ANN001
    graph = Graph().parse(data=render(report, "ttl"), format="turtle")
    (validation,) = graph.subjects(None, SH.ValidationReport)
    assert graph.value(validation, SH.conforms) == Literal(False)
    results = list(graph.objects(validation, SH.result))
    assert len(results) == len(report.findings)
    rows = {graph.value(r, URIRef(CWM + "sourceRow")) for r in results}
    assert Literal(2) in rows
    columns = {str(graph.value(r, URIRef(CWM + "sourceColumn"))) for r in results}
    assert "Workstations" in columns


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_filled_template_validates(tmp_path: Path, lang: str, fmt: str) -> None:
    written = write_template(tmp_path / f"template.{fmt}", lang, fmt, filled=True)
    report = validate_submission(written[0], lang=lang)
    # nothing at all: no error, and no example value reinterpreted (a day read in another
    # order, a number with another mark, a formula guard's apostrophe on "-5,9905")
    assert report.findings == [], [f.as_dict() for f in report.findings]
    assert report.status == "accepted" and report.records == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_documents_every_column(tmp_path: Path, lang: str) -> None:
    template, documentation = write_template(tmp_path / "t.csv", lang, "csv")
    separator = list_separator(lang)  # as the language's spreadsheets separate lists
    header = next(
        csv.reader(io.StringIO(template.read_text(encoding="utf-8-sig")), delimiter=separator)
    )
    doc = list(
        csv.reader(io.StringIO(documentation.read_text(encoding="utf-8-sig")), delimiter=separator)
    )
    assert [row[0] for row in doc[1:]] == header
    columns = template_columns(lang)
    assert all(c.meaning for c in columns), [c.header for c in columns if not c.meaning]
    assert {c.need for c in columns} == {"required", "recommended", "optional"}
    kinds = next(c for c in columns if c.field == "kinds")
    assert "fab-lab = " in kinds.allowed


def test_a_blank_template_is_refused_as_a_header_without_records(tmp_path: Path) -> None:
    """It said "the file is empty" (issue 18, lane fixm): it has its header."""
    (blank, _doc) = write_template(tmp_path / "blank.csv", "es", "csv")
    report = validate_submission(blank, lang="es")
    assert report.status == "unreadable" and report.findings[0].code == "header-only"


@pytest.mark.parametrize("fmt", ["csv", "json", "ttl"])
def test_least_size_is_below_the_size_written(report, fmt: str) -> None:  # noqa: ANN001
    """``least_size`` lets the HTML report leave out a format without writing it: it must never
    be more than what is written, escapes and quotes included (the hostile file has them)."""
    assert 0 < least_size(report, fmt) <= len(render(report, fmt))


@pytest.mark.parametrize("most", [0, 20_000, 60_000, 10_000_000])
def test_downloads_carry_the_formats_that_fit(report, most: int) -> None:  # noqa: ANN001
    """The HTML report carries exactly the formats whose body is at most ``most`` bytes,
    whether or not ``least_size`` spared writing the others."""
    given, left_out = downloads(report, most)
    fitting = [fmt for fmt in ("csv", "json", "ttl") if len(render(report, fmt)) <= most]
    assert [download.fmt for download in given] == fitting
    assert left_out == (len(fitting) < 3)


def test_turtle_text_and_terms_make_the_same_graph(report) -> None:  # noqa: ANN001
    """The Turtle report written from N-Triples text is the graph made term by term."""
    fast = Graph().parse(data=render(report, "ttl"), format="turtle")
    terms = ox.serialize(_turtle_terms(report), format=ox.RdfFormat.TURTLE)
    assert isomorphic(fast, Graph().parse(data=terms, format="turtle"))


@pytest.mark.parametrize(
    "value", ['a "b" \\ c', "line\nbreak\r\ttab", "bell\x07 del\x7f", "Ελλάδα 🏝"]
)
def test_turtle_keeps_a_value_as_written(report, value: str) -> None:  # noqa: ANN001
    """A cell's value comes back from the Turtle report as it was, whatever its characters
    (the report is written as N-Triples text first: quotes, backslashes, line ends, controls)."""
    odd = dataclasses.replace(report.findings[0], value=value)
    changed = dataclasses.replace(report, findings=[odd, *report.findings[1:]])
    graph = Graph().parse(data=render(changed, "ttl"), format="turtle")
    values = {str(v) for v in graph.objects(None, URIRef(CWM + "sourceValue"))}
    assert value in values


@pytest.mark.parametrize(
    ("lang", "separator"),
    [("en", ","), ("fr", ";"), ("it", ";"), ("es", ";"), ("el", ";"), ("hr", ";")],
)
def test_a_csv_for_a_spreadsheet_is_separated_as_its_language_separates_lists(
    tmp_path: Path, lang: str, separator: str
) -> None:
    """Strangers 88 and 89: the CSV report and template were comma-separated, which French,
    Spanish and Croatian Excel opens as one column. Each is separated as the language's
    spreadsheets separate lists, and a filled template so written is read back."""
    template, _documentation = write_template(tmp_path / "t.csv", lang, "csv", filled=True)
    header = template.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.count(separator) == len(template_columns(lang)) - 1
    report = validate_submission(template, lang=lang, workers=1)
    assert report.status in ("accepted", "accepted-with-warnings"), [
        f.as_dict() for f in report.findings
    ]
    text = render(report, "csv").decode("utf-8-sig")
    head = next(csv.reader(io.StringIO(text), delimiter=separator))
    assert head == [ui(words, lang) for words in CSV_COLUMNS.values()]


@pytest.mark.parametrize("lang", ["it", "el", "fr", "hr"])
def test_the_templates_drop_downs_are_in_the_readers_order(lang: str) -> None:
    """Stranger 90: the XLSX template offered each code list in the order of its English codes
    ("spazio di coworking, caffè coworking, terzo luogo culturale…")."""
    from core.translations import collation_key
    from validation.template import choices

    for field in ("kinds", "services", "publics", "legal_form"):
        offered = choices(field, lang)
        assert len(offered) > 2
        assert offered == sorted(offered, key=lambda label: collation_key(label, lang)), field
