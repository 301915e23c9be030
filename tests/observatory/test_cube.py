"""The indicators cube: recomputed with every snapshot, it passes the integrity constraints of
the RDF Data Cube vocabulary that apply (``ontology/qc/cube/*.rq``, ASK queries true when a
constraint is broken), and each constraint query is shown to catch its own breakage
(``tests/observatory/cube/broken.yaml`` on top of ``tests/observatory/cube/valid.ttl``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from core.vocabulary import CUBE_FILE, ONTOLOGY_FILE, codelist_files
from observatory.cube import cube_graph
from tests.backends import Published
from triplestore.versions import TripleStore, open_snapshot, publish_version, query, write

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent / "cube"
BASE = "https://w3id.org/coworkmed/id/"
CONSTRAINTS = sorted((ROOT / "ontology" / "qc" / "cube").glob("ic-*.rq"))
BROKEN = yaml.safe_load((HERE / "broken.yaml").read_text(encoding="utf-8"))
PREFIXES = "".join(
    line + "\n" for line in (HERE / "valid.ttl").read_text().splitlines() if line.startswith("@")
)
QB = "http://purl.org/linked-data/cube#"
CWM = "https://w3id.org/coworkmed/def/"
PLANNED = "https://w3id.org/coworkmed/code/activity-status/planned"


def _ask(store: ox.Store, path: Path) -> bool:
    return bool(store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True))


@pytest.fixture(scope="module")
def snapshot(published: Published) -> TripleStore:
    """What readers of the samples see, on each backend."""
    _generation, store = open_snapshot(published.location)
    return store


def test_every_constraint_has_a_broken_case() -> None:
    assert {path.stem for path in CONSTRAINTS} == set(BROKEN)


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=lambda p: p.stem)
def test_the_published_cube_meets_the_constraint(snapshot: TripleStore, constraint: Path) -> None:
    broken = bool(query(snapshot, BASE, constraint.read_text(encoding="utf-8")))
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


def test_the_cube_counts_every_published_space_and_follows_each_load(writable: Published) -> None:
    spaces = (
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/coworkmed/def/Space> ;"
        " <https://w3id.org/coworkmed/def/spaceKind> ?k }"
    )
    graph = cube_graph(BASE)
    counted = f"SELECT (SUM(?c) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?o <{CWM}spaceCount> ?c }} }}"
    kinds = (  # a space counts under each of its kinds, when region and year are known, once
        # it has opened (a planned space's date is when it is to open)
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{CWM}Space> ; <{CWM}spaceKind> ?k ; "
        f"<{CWM}nutsRegion> ?r ; <{CWM}openingDate> ?d "
        f"FILTER NOT EXISTS {{ ?s <{CWM}activityStatus> <{PLANNED}> }} }}"
    )

    def number(store: TripleStore, sparql: str) -> int:
        return int(next(iter(query(store, BASE, sparql)))["n"].value)

    _generation, before = open_snapshot(writable.location)
    counted_before = number(before, counted)  # an external store's reader sees later writes
    assert counted_before == number(before, kinds) > 40
    assert number(before, spaces) >= counted_before / 2
    # one source emptied: the next generation's cube has fewer spaces
    dataset = f"{BASE}dataset/fr-aura"
    write(
        writable.location,
        lambda store: publish_version(store, BASE, dataset, f"{dataset}/emptied", [b""]),
        BASE,
    )
    _generation, after = open_snapshot(writable.location)
    assert 0 < number(after, counted) == number(after, kinds) < counted_before


def test_no_published_subject_has_a_property_of_another_domain(snapshot: TripleStore) -> None:
    """Regression: the cube's observations had cwm:nutsRegion, cwm:spaceKind and
    cwm:territoryType, whose domain is cwm:Space, so a query about spaces over the published
    graphs counted them as spaces (the figures at /sparql). Every subject of a property of the
    ontology with a domain is of that class, in every published graph."""
    # two NOT EXISTS, not one over `a/rdfs:subClassOf*`: Virtuoso 7.2 found 38 properties
    # "of another domain" with the path, none without it
    sparql = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?p ?domain (COUNT(DISTINCT ?s) AS ?n) (SAMPLE(?s) AS ?example) WHERE {{
  ?p rdfs:domain ?domain . FILTER (STRSTARTS(STR(?p), "{CWM}"))
  ?s ?p ?o .
  FILTER NOT EXISTS {{ ?s a ?domain }}
  FILTER NOT EXISTS {{ ?s a ?class . ?class rdfs:subClassOf+ ?domain }}
}} GROUP BY ?p ?domain"""
    found = [
        {k: row[k].value for k in ("p", "domain", "n", "example")}
        for row in query(snapshot, BASE, sparql)
    ]
    assert found == []


def test_each_total_says_how_many_spaces_give_it(snapshot: TripleStore) -> None:
    """A cell's workstation and floor area totals come with how many of its spaces give them,
    recounted here from the spaces: a total over none of them is unknown, and the samples have
    such cells (stranger 83: every Attiki cell said 0 m², read as "no floor area")."""
    spaces = f"""SELECT ?nuts ?kind ?territory ?opened ?ws ?fa ?status WHERE {{
      ?s a <{CWM}Space> ; <{CWM}nutsRegion> ?nuts ; <{CWM}spaceKind> ?kind ;
         <{CWM}openingDate> ?opened .
      OPTIONAL {{ ?s <{CWM}activityStatus> ?status }}
      OPTIONAL {{ ?s <{CWM}territoryType> ?territory }}
      OPTIONAL {{ ?s <{CWM}workstations> ?ws }}
      OPTIONAL {{ ?s <{CWM}floorArea> ?fa }} }}"""
    recount: dict[tuple[str, ...], list[int]] = {}
    for row in query(snapshot, BASE, spaces):
        if row["status"] is not None and row["status"].value == PLANNED:  # not opened yet
            continue
        territory = row["territory"].value if row["territory"] else f"{CWM}territoryNotReported"
        cell = (row["nuts"].value, row["kind"].value, territory, row["opened"].value[:4])
        counts = recount.setdefault(cell, [0, 0])
        counts[0] += row["ws"] is not None
        counts[1] += row["fa"] is not None
    graph = cube_graph(BASE)
    cube = f"""SELECT ?nuts ?kind ?territory ?year ?ws ?fa ?area WHERE {{ GRAPH <{graph}> {{
      ?o <{CWM}refRegion> ?nuts ; <{CWM}refSpaceKind> ?kind ; <{CWM}refTerritoryType> ?territory ;
         <{CWM}openingYear> ?year ; <{CWM}floorAreaTotal> ?area .
      OPTIONAL {{ ?o <{CWM}spacesGivingWorkstations> ?ws }}
      OPTIONAL {{ ?o <{CWM}spacesGivingFloorArea> ?fa }} }} }}"""
    published: dict[tuple[str, ...], list[int | None]] = {}
    unknown_areas = 0
    for row in query(snapshot, BASE, cube):
        cell = (row["nuts"].value, row["kind"].value, row["territory"].value, row["year"].value)
        given = [None if row[v] is None else int(row[v].value) for v in ("ws", "fa")]
        published[cell] = given
        unknown_areas += given[1] == 0 and float(row["area"].value) == 0
    assert published == recount
    assert unknown_areas > 0  # the samples have cells whose spaces give no floor area
