"""The SPARQL quality checks: the vocabulary passes each, and each catches its broken fixture."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from core import vocabulary
from coworkmed import quality

FIXTURES = Path(__file__).parent / "qc"
QUERIES = vocabulary.qc_query_files()


def _show(result: quality.CheckResult) -> str:
    return f"{result.name}: {result.description}\n" + "\n".join(map(str, result.problems))


@pytest.mark.parametrize("query_file", QUERIES, ids=quality.check_name)
def test_vocabulary_passes(vocabulary_store: ox.Store, query_file: Path) -> None:
    result = quality.run_check(vocabulary_store, query_file)
    assert result.passed, _show(result)


@pytest.mark.parametrize("query_file", QUERIES, ids=quality.check_name)
def test_check_catches_its_broken_fixture(query_file: Path) -> None:
    fixture = FIXTURES / f"{quality.check_name(query_file)}.trig"
    assert fixture.is_file(), f"each check needs a broken example it must catch: {fixture}"
    result = quality.run_check(quality.trig_store(fixture), query_file)
    assert not result.passed, f"{result.name} found nothing in {fixture.name}"


def test_every_fixture_belongs_to_a_check() -> None:
    names = {quality.check_name(q) for q in QUERIES}
    assert {f.stem for f in FIXTURES.glob("*.trig")} <= names


def test_every_check_says_what_it_looks_for() -> None:
    for query_file in QUERIES:
        assert quality.query_description(query_file), query_file.name


@pytest.mark.slow  # measured ~23 s under load
def test_shapes_pass_meta_validation() -> None:
    result = quality.check_shapes_meta()
    assert result.passed, _show(result)
