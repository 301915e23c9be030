"""What a command prints after a report is in the report's language (issue #18: "not published:
4 errors" in English after a Greek report), leads with errors, says what is wrong (not only the
field), and groups a problem repeated in many rows into one line listing the rows compactly."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from coworkmed.cli import main
from publishing.partners import add_partner
from validation.findings import Finding, Report
from validation.messages import ui
from validation.report import compact_rows, console_lines, render, summary_line
from validation.submission import validate_submission

HERE = Path(__file__).parent
CELLS = HERE / "submissions" / "cells.csv"
LANGUAGES = ("en", "fr", "it", "es", "el", "hr")
CASES = yaml.safe_load((HERE / "summary-cases.yaml").read_text(encoding="utf-8"))
#: English words that must not be printed after a report in another language
ENGLISH = ("not published", "errors", "warnings", "rows read", "warning ×", "Row ")


@pytest.mark.parametrize("case", CASES, ids=[c["shown"] or "none" for c in CASES])
def test_rows_are_listed_compactly(case: dict[str, Any]) -> None:
    assert compact_rows(case["rows"]) == case["shown"]


def _many_warnings(lang: str) -> Report:
    """A report with one error and the same warning in 612 rows (2–600, then every other row)."""
    rows = [*range(2, 601), *range(602, 628, 2)]
    warning = [
        Finding("graph", "Space-openingDate-missing", "warning", "missing", row=r, name="opening")
        for r in rows
    ]
    error = Finding("graph", "Space-name", "error", "A space needs a name.", row=700, name="name")
    return Report("f.csv", "m.yaml", lang, rows=700, findings=[*warning, error])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_repeated_warnings_are_one_line_after_the_errors(lang: str) -> None:
    report = _many_warnings(lang)
    lines = console_lines(report)
    assert lines[0] == ui("rejected", lang)
    assert ui("error", lang) in lines[2] and "A space needs a name." in lines[2]
    assert len(lines) == 4  # status, counts, the error, the 612 warnings in one line
    assert "612" in lines[3] and "2–600, 602, 604" in lines[3] and "…" in lines[3]
    html = render(report, "html").decode()
    assert html.index("A space needs a name.") < html.index(">missing<")  # errors first
    assert "2–600, 602, 604" in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_validate_command_speaks_the_report_language(lang: str, tmp_path: Path) -> None:
    arguments = ["validate", str(CELLS), "--lang", lang, "--store", str(tmp_path / "none")]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()  # the progress is on stderr
    report = validate_submission(CELLS, None, lang)
    assert lines == console_lines(report)
    assert lines[0] == ui("rejected", lang)
    counts = dict(errors=report.errors, warnings=report.warnings, rows=report.rows)
    assert lines[1] == summary_line("counts", lang, **counts)
    # a graph check says what is wrong, not only the field: the future opening date's sentence
    future = [line for line in lines if "2091-01-01" in line]
    assert future and " — " in future[0], result.output
    if lang != "en":
        for english in ENGLISH:
            assert english not in result.output, (english, result.output)


@pytest.mark.parametrize("lang", ["el", "hr", "it"])
def test_not_published_is_said_in_the_report_language(
    lang: str, store_path: Path, tmp_path: Path
) -> None:
    store, partners = tmp_path / "store", tmp_path / "partners.toml"
    shutil.copytree(store_path, store)
    add_partner(partners, "acme", "Acme")
    common = ["--partner", "acme", "--partners-file", str(partners), "--store", str(store)]
    result = CliRunner().invoke(main, ["publish", str(CELLS), *common, "--lang", lang])
    assert result.exit_code == 1, result.output
    last = result.output.rstrip().splitlines()[-1]
    errors = int("".join(ch for ch in last if ch.isdigit()))
    assert last == summary_line("nothing-published", lang, errors=errors)
    assert "Nothing published" not in result.output


WRONG = HERE / "submissions" / "present-but-wrong.csv"


@pytest.mark.parametrize("lang", ["hr", "it", "el"])
def test_each_wrong_value_has_its_summary_line_saying_what_is_wrong(lang: str) -> None:
    """Issue #21: «otvoreno» ×5 also covered «svemirska luka», then hidden; a summary line
    was only a field's name ("naziv")."""
    report = validate_submission(WRONG, None, lang)
    unknown = [item for item in report.summary() if item["code"] == "unknown-term"]
    assert sorted(item["example"].value for item in unknown) == ["otvoreno", "svemirska luka"]
    assert [item["count"] for item in unknown] == [4, 1]
    html = render(report, "html").decode()
    summary = html[html.index("<table") : html.index("</table>")]
    label = re.escape(ui("problem", lang))
    problems = [unescape(cell) for cell in re.findall(f'data-label="{label}">([^<]*)<', summary)]
    assert problems == [item["example"].message for item in report.summary()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_mapping_is_named_in_the_report_language(lang: str) -> None:
    report = Report("f.csv", "template", lang, rows=1)
    html = render(report, "html").decode()
    assert f"<dd>{ui('template-mapping', lang)}</dd>".replace("'", "&#39;") in html
    assert "<dd>template</dd>" not in html
