"""Regressions of issue 18's classes of bad input a stranger found (lane fixc), through the
loader as `coworkmed load` runs it: what reaches the graph, and what the report says. The values
themselves are cases of value-cases.yaml and personal-cases.yaml; the reports, golden cases of
tests/validation/cases.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders.load import transform
from loaders.readers import read_rows
from validation.columns import template_mapping

SUBMISSIONS = Path(__file__).parents[1] / "validation" / "submissions"
BASE = "https://example.org/id/"


def _load(name: str, lang: str = "fr") -> tuple[str, list]:
    mapping = template_mapping(lang)
    triples, report = transform(
        mapping, SUBMISSIONS / name, BASE, lambda: dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    return triples.decode("utf-8"), report.problems


def test_an_email_inside_a_web_address_is_not_published() -> None:
    """A person's e-mail in a website's query (percent-encoded) or path was published."""
    ntriples, problems = _load("stranger-values.csv")
    for person in ("dupont", "curie", "%40gmail", "outlook"):
        assert person not in ntriples
    held = {(p.row, p.column) for p in problems if p.code == "personal-email-in-url"}
    assert held == {(2, "Website"), (7, "Website")}


def test_a_reinterpreted_web_address_is_published_as_the_notice_says() -> None:
    """A space in a host was published percent-encoded without a word; elsewhere it is
    encoded and the notice gives the result that is published."""
    ntriples, problems = _load("stranger-values.csv")
    assert "quatre%20lab" not in ntriples and "quatre lab" not in ntriples
    (notice,) = [p for p in problems if p.code == "url-encoded"]
    result = dict(notice.params or ())["result"]
    assert result == "https://cinq.example.org/nos%20espaces"
    assert f"<{result}>" in ntriples


def test_implausible_years_and_exponents_are_not_published() -> None:
    ntriples, problems = _load("stranger-values.csv")
    assert '"0000"' not in ntriples and '"-12"' not in ntriples
    assert '"4.57"' not in ntriples  # 4.57e1 was read as 4.57
    codes = {(p.row, p.code) for p in problems if p.severity == "error"}
    assert {(3, "implausible-year"), (7, "implausible-year")} <= codes
    assert {(4, "number-with-exponent"), (5, "number-with-exponent")} <= codes


@pytest.mark.parametrize(
    "name", ["utf16le-bom-tabs.csv", "utf16be-bom.csv", "utf16le-no-bom.csv", "utf16be-no-bom.csv"]
)
def test_utf16_text_is_read_as_written(name: str) -> None:
    """UTF-16 (Excel's "Unicode text"), with a BOM or without, was refused as a binary file."""
    rows = [row for row in read_rows(SUBMISSIONS / name, "csv", {}) if row is not None]
    assert [row.values["Name"] for row in rows] == ["Χώρος Συνεργασίας Πλάκα", "Café Lumière"]
    assert rows[0].values["Identifier"] == "U-01"  # no byte order mark left in the header
    assert rows[1].values["Workstations"] == "8"  # the last column: no stray NUL or CR
