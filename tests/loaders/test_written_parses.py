"""Whatever a partner writes in any column of the template, what the loader writes is RDF the
store reads: a value it cannot make a term of is a problem of its cell, never N-Triples the
store refuses (regression: a website "https://example.com:abc/" passed the loader's own check,
then Oxigraph's IRI grammar refused the line and `coworkmed validate` ended in a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.namespaces import DEFAULT_DATA_BASE
from loaders.load import record_builder
from loaders.readers import Row, read_rows
from validation.columns import template_mapping
from validation.report import render
from validation.submission import validate_submission

#: a row the template reads without a problem; each test changes one of its cells
GOOD = {
    "Identifier": "P-1",
    "Name": "Espace Un",
    "Kind of space": "coworking",
    "Status": "active",
    "Opening date": "2019-09-15",
    "Street address": "3 rue Neuve",
    "Postcode": "69001",
    "Town": "Lyon",
    "Country": "FR",
    "Latitude": "45.76",
    "Longitude": "4.83",
    "Website": "https://example.org",
    "E-mail": "contact@example.org",
}
COLUMNS = [column.label for column in template_mapping("en").columns]
#: texts made of what breaks IRIs and literals: ports, percent signs, brackets, quotes,
#: back-slashes, line ends, spaces, letters of other scripts, digits
PIECES = st.sampled_from(
    [
        "https://", "http://", "www.", "example", ".org", ".fr", ":", "80", "abc", "%", "%zz",
        "%41", "/", "?", "#", "[", "]", "{", "}", "<", ">", '"', "'", "\\", "^", "`", "|", " ",
        "\t", "\n", "\r", "@", "é", "Ω", "ü", "\u200b", "\ufeff", "12", "0", "-", ",", ".",
        "FR", "EL", "node/", "Q", "yes", "oui", "ναι", "+33", "2019", "/09/", "_:", "^^",
    ]
)  # fmt: skip
#: texts shaped like a web address, an e-mail address or a code, then anything
SHAPED = st.tuples(
    st.sampled_from(["https://", "http://", "www.", "", "node/", "mailto:a@"]),
    st.sampled_from(["example.org", "exa mple.org", "é.example", "example.org:", "FR"]),
    st.lists(PIECES, max_size=5).map("".join),
).map("".join)
TEXTS = st.one_of(
    SHAPED, st.lists(PIECES, min_size=1, max_size=8).map("".join), st.text(max_size=30)
)


def _written(cells: dict[str, str]) -> bytes:
    builder = record_builder(template_mapping("en"), DEFAULT_DATA_BASE)
    builder.add_row(Row(2, cells))
    return builder.triples.take()


@pytest.mark.slow
@pytest.mark.parametrize("column", COLUMNS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_any_cell_gives_rdf_the_store_reads(column: str, text: str) -> None:
    lines = _written({**GOOD, column: text})
    ox.Store().bulk_load(lines, format=ox.RdfFormat.N_TRIPLES)  # raises SyntaxError if not


@pytest.mark.parametrize(
    "website",
    ["https://example.com:abc/", "https://exa%zzmple.com", "https://example.org/100%"],
)
def test_a_web_address_the_store_refuses_is_a_problem_of_its_cell(website: str) -> None:
    builder = record_builder(template_mapping("en"), DEFAULT_DATA_BASE)
    builder.add_row(Row(2, {**GOOD, "Website": website}))
    lines = builder.triples.take()
    ox.Store().bulk_load(lines, format=ox.RdfFormat.N_TRIPLES)
    assert website.encode() not in lines
    assert [(p.column, p.code) for p in builder.problems] == [("Website", "malformed-url")]


#: a lone UTF-16 surrogate, through each door a JSON file has (a stranger's find: `validate`
#: and `load` ended in a UnicodeEncodeError, the server's /validate answered 500)
SURROGATES = {
    "in a name": ({"Name": "Atelier \ud800"}, "Name"),
    "in the identifier": ({"Identifier": "V\udfff"}, "Identifier"),
    "in a web address": ({"Website": "https://example.org/\udc00"}, "Website"),
    "in an e-mail address": ({"E-mail": "a\udbff@example.org"}, "E-mail"),
    "in a list": ({"Kind of space": ["coworking", "fab\ud800lab"]}, "Kind of space"),
    "in a column name": ({"Notes\udc80": "text"}, "Notes\ufffd"),
}


@pytest.mark.parametrize("change", SURROGATES.values(), ids=SURROGATES.keys())
def test_a_lone_surrogate_is_an_error_of_its_cell(
    change: tuple[dict[str, object], str], tmp_path: Path
) -> None:
    cells, column = change
    path = tmp_path / "records.json"
    path.write_text(json.dumps([{**GOOD, **cells}]), encoding="utf-8")  # written as \uXXXX
    rows = [row for row in read_rows(path, "json", {}) if row is not None]
    found = [(p.code, p.column) for p in rows[0].problems]
    assert ("not-a-character", column) in found
    builder = record_builder(template_mapping("en"), DEFAULT_DATA_BASE)
    builder.add_row(rows[0])
    ox.Store().bulk_load(builder.triples.take(), format=ox.RdfFormat.N_TRIPLES)
    report = validate_submission(path, lang="el", workers=1)
    assert "not-a-character" in {finding.code for finding in report.findings}
    for output in ("json", "html", "csv"):  # each report written, whatever the cell
        assert "\ufffd" in render(report, output).decode("utf-8")
