"""Whatever a partner writes in any column of the template, what the loader writes is RDF the
store reads: a value it cannot make a term of is a problem of its cell, never N-Triples the
store refuses (regression: a website "https://example.com:abc/" passed the loader's own check,
then Oxigraph's IRI grammar refused the line and `coworkmed validate` ended in a traceback)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.namespaces import DEFAULT_DATA_BASE
from loaders.load import record_builder
from loaders.readers import Row
from validation.columns import template_mapping

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
