"""The SPARQL quality checks: the vocabulary passes each, and each catches its broken fixture."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from core import vocabulary
from core.namespaces import CWM
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


CWM_PREFIX = "cwm:"


def _expected(fixture: Path) -> set[str]:
    """The terms a fixture's ``# expect:`` line says its check must report (cwm: names)."""
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            return {
                vocabulary_term.replace(CWM_PREFIX, CWM)
                for vocabulary_term in line.removeprefix("# expect:").split()
            }
    return set()


@pytest.mark.parametrize(
    "fixture",
    [f for f in sorted(FIXTURES.glob("*.trig")) if _expected(f)],
    ids=lambda f: f.stem,
)
def test_check_reports_every_term_its_fixture_expects(fixture: Path) -> None:
    """Every term the project mints is checked, whatever its kind and whichever file mints it
    (the cube's terms went unchecked: cubeTerritoryTypes and territoryNotReported had no
    definition and no check noticed)."""
    query_file = next(q for q in QUERIES if quality.check_name(q) == fixture.stem)
    result = quality.run_check(quality.trig_store(fixture), query_file)
    assert {problem["term"] for problem in result.problems} == _expected(fixture)
