"""The report in its four formats, and the blank template in every language and format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from core.vocabulary import LANGUAGES
from validation.report import render
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


def test_csv_report_neutralises_formulas(report) -> None:  # noqa: ANN001
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
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
    assert report.status == "accepted", [f.as_dict() for f in report.findings]
    assert report.records == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_documents_every_column(tmp_path: Path, lang: str) -> None:
    template, documentation = write_template(tmp_path / "t.csv", lang, "csv")
    header = next(csv.reader(io.StringIO(template.read_text(encoding="utf-8-sig"))))
    doc = list(csv.reader(io.StringIO(documentation.read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in doc[1:]] == header
    columns = template_columns(lang)
    assert all(c.meaning for c in columns), [c.header for c in columns if not c.meaning]
    assert {c.need for c in columns} == {"required", "recommended", "optional"}
    kinds = next(c for c in columns if c.field == "kinds")
    assert "fab-lab = " in kinds.allowed


def test_a_blank_template_is_refused_as_empty(tmp_path: Path) -> None:
    (blank, _doc) = write_template(tmp_path / "blank.csv", "es", "csv")
    report = validate_submission(blank, lang="es")
    assert report.status == "unreadable" and report.findings[0].code == "empty-file"
