"""What the dashboard's figure queries may not say, whatever the store: forms a supported store
refuses at scale, found by ``bench/bench_backends.py`` and kept out of every figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.sparql_text import tokens
from observatory.figures import FIGURES_DIR

FIGURES = sorted(FIGURES_DIR.glob("*.rq"))
#: a variable bound to an IRI made per row: BIND (IRI(...) AS ?v)
MADE_IRI = re.compile(r"BIND\s*\(\s*(?:IRI|URI)\s*\(.*?\)\s+AS\s+(\?\w+)\s*\)", re.I | re.S)
GROUP_BY = re.compile(r"GROUP\s+BY\s+([^{}]*?)(?:ORDER|HAVING|LIMIT|OFFSET|\}|$)", re.I | re.S)


@pytest.mark.parametrize("path", FIGURES, ids=lambda path: path.stem)
def test_no_distinct_count_grouped_by_an_iri_made_per_row(path: Path) -> None:
    """Regression (issue #20): at 100,000 spaces Virtuoso refused 02-nuts2, a COUNT(DISTINCT)
    grouped by ``BIND (IRI(SUBSTR(...)) AS ?region)`` (SR319: max row length exceeded); grouped
    by the text and made an IRI once per group, it answers. The text is read as the endpoint
    reads queries (``core.sparql_text.tokens``: comments left out, a ``#`` in an IRI or a
    string kept)."""
    text = " ".join(token.text for token in tokens(path.read_text(encoding="utf-8")))
    if not re.search(r"COUNT\s*\(\s*DISTINCT", text, re.I):
        return
    made = set(MADE_IRI.findall(text))
    grouped = {name for found in GROUP_BY.findall(text) for name in re.findall(r"\?\w+", found)}
    assert not made & grouped, f"{path.name} groups by {sorted(made & grouped)}, made by IRI()"
