"""The indicators cube: recomputed with every snapshot, it passes the integrity constraints of
the RDF Data Cube vocabulary that apply (``ontology/qc/cube/*.rq``, ASK queries true when a
constraint is broken), and each constraint query is shown to catch its own breakage
(``tests/cube/broken.yaml`` on top of ``tests/cube/valid.ttl``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from loaders.cube import cube_graph
from loaders.load import load_source, mapping_files, publish_vocabulary
from loaders.store import open_snapshot, open_store, query
from loaders.vocabulary import CUBE_FILE, ONTOLOGY_FILE, codelist_files

ROOT = Path(__file__).parents[1]
HERE = Path(__file__).parent / "cube"
BASE = "https://w3id.org/coworkmed/id/"
CONSTRAINTS = sorted((ROOT / "ontology" / "qc" / "cube").glob("ic-*.rq"))
BROKEN = yaml.safe_load((HERE / "broken.yaml").read_text(encoding="utf-8"))
PREFIXES = "".join(
    line + "\n" for line in (HERE / "valid.ttl").read_text().splitlines() if line.startswith("@")
)
QB = "http://purl.org/linked-data/cube#"
CWM = "https://w3id.org/coworkmed/def/"


def _ask(store: ox.Store, path: Path) -> bool:
    return bool(store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True))


@pytest.fixture(scope="module")
def published(store_path: Path) -> ox.Store:
    _generation, snapshot = open_snapshot(store_path)
    return snapshot


def test_every_constraint_has_a_broken_case() -> None:
    assert {path.stem for path in CONSTRAINTS} == set(BROKEN)


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=lambda p: p.stem)
def test_the_published_cube_meets_the_constraint(published: ox.Store, constraint: Path) -> None:
    broken = bool(
        query(published, BASE, constraint.read_text(encoding="utf-8"))
    )  # what readers see
    assert not broken, f"{constraint.stem} is broken in the samples' cube"


def _small_cube(case: dict[str, str]) -> ox.Store:
    store = ox.Store()
    for path in [ONTOLOGY_FILE, CUBE_FILE, *codelist_files()]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    store.load(path=str(HERE / "valid.ttl"), format=ox.RdfFormat.TURTLE)
    for key, change in (("remove", store.remove), ("add", store.add)):
        if key in case:
            for triple in ox.parse(PREFIXES + case[key], format=ox.RdfFormat.TURTLE):
                change(ox.Quad(triple.subject, triple.predicate, triple.object))
    return store


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=lambda p: p.stem)
def test_each_constraint_catches_its_breakage_and_only_it(constraint: Path) -> None:
    assert not any(_ask(_small_cube({}), other) for other in CONSTRAINTS)
    broken = _small_cube(BROKEN[constraint.stem])
    assert [other.stem for other in CONSTRAINTS if _ask(broken, other)] == [constraint.stem]


def test_the_cube_counts_every_published_space_and_follows_each_load(
    store_path: Path, tmp_path: Path
) -> None:
    spaces = (
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/coworkmed/def/Space> ;"
        " <https://w3id.org/coworkmed/def/spaceKind> ?k }"
    )
    graph = cube_graph(BASE)
    counted = f"SELECT (SUM(?c) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?o <{CWM}spaceCount> ?c }} }}"
    kinds = (  # a space counts under each of its kinds, when region and year are known
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{CWM}Space> ; <{CWM}spaceKind> ?k ; "
        f"<{CWM}nutsRegion> ?r ; <{CWM}openingDate> ?d }}"
    )

    def number(store: ox.Store, sparql: str) -> int:
        return int(next(iter(query(store, BASE, sparql)))["n"].value)

    _generation, snapshot = open_snapshot(store_path)
    assert number(snapshot, counted) == number(snapshot, kinds) > 40
    assert number(snapshot, spaces) >= number(snapshot, counted) / 2
    # one source less: the next snapshot's cube has fewer spaces
    path = tmp_path / "store"
    store = open_store(path)
    publish_vocabulary(store)
    for mapping in mapping_files(ROOT / "data")[1:]:
        load_source(mapping, store, BASE, path)
    del store
    _generation, smaller = open_snapshot(path)
    assert 0 < number(smaller, counted) == number(smaller, kinds) < number(snapshot, counted)
    shutil.rmtree(path)
