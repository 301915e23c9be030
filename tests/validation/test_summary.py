"""What a command prints after a report is in the report's language (issue #18: "not published:
4 errors" in English after a Greek report), leads with errors, says what is wrong (not only the
field), and groups a problem repeated in many rows into one line listing the rows compactly."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from core.translations import punctuated
from coworkmed.cli import main
from publishing.partners import add_partner
from validation.findings import Finding, Report, shared_sentences
from validation.messages import problem_message, ui
from validation.report import (
    compact_rows,
    console_lines,
    render,
    summary_line,
    values_text,
)
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


GROUPING = yaml.safe_load((HERE / "grouping-cases.yaml").read_text(encoding="utf-8"))


def _grouping_report(case: dict[str, Any]) -> Report:
    """The case's findings, each message the problem's sentence quoting the row's value."""
    lang = case["lang"]
    findings = [
        Finding(
            "table",
            group["code"],
            group.get("severity", "warning"),
            group.get("message")
            or problem_message(group["code"], lang, value=value, **group.get("also", {}))
            or "",
            row=row,
            column=group["column"],
            value=value,
        )
        for group in case["findings"]
        for row, value in zip(group["rows"], group["values"], strict=True)
    ]
    return Report("f.csv", "m.yaml", lang, rows=10, findings=findings)


@pytest.mark.parametrize("case", GROUPING, ids=lambda c: c["id"])
def test_a_problem_in_many_rows_is_one_line_whatever_its_values(case: dict[str, Any]) -> None:
    """Grouped by code and column, not by value (issue #18), in the command's summary, the
    HTML report and the JSON report's summary; the JSON keeps every finding."""
    report = _grouping_report(case)
    summary = report.summary()
    assert len(summary) == case["lines"]
    first = summary[0]
    assert first["count"] == case["count"]
    if "message" in case:
        assert first["message"] == case["message"]
    shown = values_text(first, case["lang"])
    assert shown == ", ".join(case["shown"])
    lines = console_lines(report)
    assert len(lines) == 2 + case["lines"]
    assert (
        f"×{case['count']}{punctuated(':', report.language)} " in lines[2]
        and first["message"] in lines[2]
    )
    assert shown in lines[2]
    html = unescape(render(report, "html").decode())
    assert first["message"] in html and shown in html
    data = json.loads(render(report, "json"))
    assert len(data["summary"]) == case["lines"]
    assert len(data["findings"]) == len(report.findings)
    assert data["summary"][0]["values"] == first["values"]


CGET = HERE.parents[1].parent / "shared" / "datasets" / "real" / "fr_cget_tiers_lieux_2019.csv"
CGET_MAPPINGS = ["data/fr-cget-tiers-lieux/mapping.yaml", "tests/loaders/real/cget-territory.yaml"]


@pytest.mark.shared("datasets/real")
@pytest.mark.parametrize("mapping", CGET_MAPPINGS)
def test_the_real_cget_file_has_one_summary_line_per_problem_and_column(mapping: str) -> None:
    """CGET's 2019 census gave 70 (73) summary lines, 21 of them one unknown postcode each: a
    line per problem and column, at most 42 (40, and since stop 54 the towns not in their
    record's region and the streets that read as sentences)."""
    report = validate_submission(CGET, HERE.parents[1] / mapping, "fr")
    summary = report.summary()
    places = [(item["severity"], item["code"], item["column"]) for item in summary]
    assert len(places) == len(set(places))
    assert len(summary) <= 42, len(summary)
    unknown = [item for item in summary if item["code"] == "unknown-postcode"]
    assert len(unknown) == 1 and unknown[0]["count"] == 21


SHARED_SENTENCES = yaml.safe_load((HERE / "shared-sentence-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SHARED_SENTENCES, ids=lambda c: c["messages"][0][:30])
def test_a_summary_line_keeps_the_sentences_its_rows_share(case: dict[str, Any]) -> None:
    assert shared_sentences(set(case["messages"])) == case["shared"]


@pytest.mark.parametrize("case", GROUPING, ids=lambda c: c["id"])
def test_a_summary_cell_ends_with_what_it_shows(case: dict[str, Any]) -> None:
    """Regression (stranger 40): a line whose one value its message quotes ended its example
    cell with a separator and nothing after it ("Riga 6 · Paese · ")."""
    html = render(_grouping_report(case), "html").decode("utf-8")
    assert not re.search(r"·\s*</td>", html)


@pytest.mark.parametrize("lang", ["en", "hr", "fr"])
def test_a_place_left_at_a_grouped_sentences_end_is_not_followed_by_a_full_stop(lang: str) -> None:
    """Stranger 89: "Drugi partner već je objavio prostor ovog imena u blizini: …." — the
    places differ per row, so the summary line leaves them as "…", which ends it."""
    findings = [
        Finding(
            "graph",
            "already-published",
            "warning",
            problem_message("already-published", lang, other=other) or "",
            row=row,
        )
        for row, other in ((2, "Kvart Lab (hr-split)"), (3, "Hub 21 (hr-split)"))
    ]
    report = Report("f.csv", "m.yaml", lang, rows=3, findings=findings)
    (line,) = report.summary()
    assert line["message"].endswith("…") and "…." not in line["message"], line["message"]
