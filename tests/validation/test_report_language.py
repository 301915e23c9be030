"""A report for people (HTML, CSV, the command's summary) in one language end to end: no English
detail beside the message (the JSON report keeps it, for developers), translated headers and
checks (issue #18, report-language-cases.yaml)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.translations import list_separator
from core.vocabulary import LANGUAGES
from validation.findings import Finding, Report
from validation.messages import catalogue, problem_message, ui
from validation.report import CSV_COLUMNS, DEVELOPER_DETAIL, LAYERS, console_lines, render
from validation.submission import validate_submission

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "report-language-cases.yaml").read_text(encoding="utf-8"))
OTHERS = [lang for lang in LANGUAGES if lang != "en"]
#: the developers' block of the HTML report (``DEVELOPER_DETAIL``), labelled in its language
DEVELOPERS = re.compile(r'<details class="detail"><summary>([^<]*)</summary>.*?</details>', re.S)


def _html_text(report: Report) -> str:
    """The HTML report's text as a reader sees it, without the developers' blocks (each checked
    to be labelled in the report's language)."""
    page = render(report, "html").decode("utf-8")
    for label in DEVELOPERS.findall(page):
        assert html.unescape(label) == ui("for-developers", report.language)
    return html.unescape(DEVELOPERS.sub("", page))


def _csv_rows(report: Report) -> list[list[str]]:
    text = render(report, "csv").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=list_separator(report.language)))


def _english(report: Report) -> set[str]:
    """The English a partner's report must not show: its findings' details (but a mapping's
    mistakes) and the sentences of the cases."""
    details = {f.detail for f in report.findings if f.detail and f.code not in DEVELOPER_DETAIL}
    return details | set(CASES["english"])


def _assert_in_language(report: Report) -> None:
    lang, english = report.language, _english(report)
    page = _html_text(report)
    rows = _csv_rows(report)
    table = "\n".join(",".join(row) for row in rows)
    summary = "\n".join(console_lines(report))
    for text in english:
        assert text not in page, (lang, "html", text)
        assert text not in table, (lang, "csv", text)
        assert text not in summary, (lang, "summary", text)
    assert rows[0] == [ui(words, lang) for words in CSV_COLUMNS.values()]
    named = {ui(words, lang) for words in LAYERS.values()}
    assert {row[-1] for row in rows[1:]} <= named, "each check named in the report's language"
    # the developers' English stays in the JSON report
    found = json.loads(render(report, "json"))["findings"]
    assert [f.get("detail", "") for f in found] == [f.detail for f in report.ordered()]


SUBMITTED = [(case, lang) for case in CASES["submissions"] for lang in case["langs"]]


@pytest.mark.parametrize(
    ("case", "lang"),
    SUBMITTED,
    ids=[f"{case['file']}-{lang}{'-mapping' * ('mapping' in case)}" for case, lang in SUBMITTED],
)
def test_a_submissions_report_is_in_its_language(case: dict[str, Any], lang: str) -> None:
    mapping = ROOT / case["mapping"] if "mapping" in case else None
    report = validate_submission(HERE / "submissions" / case["file"], mapping, lang=lang)
    assert report.findings, "the case finds something to say"
    _assert_in_language(report)


def _every_problem(lang: str) -> Report:
    """A report with one finding of every problem code, its English message and a technical
    sentence as its detail (as the engine writes them), in each layer in turn."""
    findings = [
        Finding(
            layer,
            code,
            "error",
            problem_message(code, lang, value="x", column="Name") or "",
            detail=f"{problem_message(code, 'en', value='x', column='Name')} "
            f"[sh:MinCountConstraintComponent on <https://w3id.org/coworkmed/def/{code}>]",
            row=number,
            column="Name",
            value="x",
        )
        for number, (code, layer) in enumerate(
            zip(catalogue()["problems"], cycle(LAYERS), strict=False), start=2
        )
    ]
    return Report("submission.csv", "template", lang, rows=len(findings), findings=findings)


@pytest.mark.parametrize("lang", OTHERS)
def test_every_problems_report_is_in_its_language(lang: str) -> None:
    """Every message code's HTML and CSV report and summary in each language but English: none
    of the English details; a mapping's mistakes under "for developers" in that language."""
    report = _every_problem(lang)
    _assert_in_language(report)
    page = render(report, "html").decode("utf-8")
    shown = DEVELOPERS.findall(page)
    assert len(shown) == len(DEVELOPER_DETAIL), "a mapping's mistakes are shown"


@pytest.mark.parametrize("lang", OTHERS)
def test_a_mappings_mistakes_are_said_for_developers(lang: str) -> None:
    """The command's summary of a bad mapping: its mistakes (English, with their lines) under a
    line that says, in the report's language, that they are for developers."""
    detail = "line 3: columns: 'x' is not of type 'array'"
    message = problem_message("bad-mapping", lang) or ""
    report = Report("a.csv", "m.yaml", lang, readable=False)
    report.findings = [Finding("file", "bad-mapping", "error", message, detail=detail)]
    lines = console_lines(report)
    assert lines[-2:] == [f"    {ui('for-developers', lang)}", f"    {detail}"]
