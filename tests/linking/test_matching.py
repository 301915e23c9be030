"""Matching records of different sources: the rules on made-up places, and precision and recall
on a labelled set of known pairs from the real files in ../shared/datasets."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from linking.matching import REVIEW, SAME, SPACES, candidates, links, places
from linking.places import Place, confidence, metres
from publishing.build import load_source
from tests.real import REAL_MAPPINGS
from triplestore.versions import open_store, query

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent
BASE = "https://w3id.org/coworkmed/id/"


def _place(source: str, name: str, lat: float, lon: float) -> Place:
    return Place(f"{BASE}space/{source}/{name.replace(' ', '-')}", source, name, lat, lon)


@pytest.mark.parametrize(
    ("a", "b", "decision"),
    [
        (("a", "Kvart Lab", 43.5089, 16.4453), ("b", "KVART LAB", 43.5090, 16.4452), "same"),
        (("a", "Fablab Kvart", 43.5089, 16.4453), ("b", "Kvart", 43.5092, 16.4455), "same"),
        (("a", "Makespace Madrid", 40.40, -3.69), ("b", "Makespace Madrid", 40.46, -3.70), "same"),
        (("a", "Hackerspace Valencia", 39.47, -0.37), ("b", "FabLab Valencia", 39.48, -0.36), None),
        (("a", "Kvart Lab", 43.50, 16.44), ("b", "Kvart Lab", 45.81, 15.98), None),  # Zagreb
        (("a", "Kvart Lab", 43.5089, 16.445), ("b", "Kvart Hub Split", 43.5089, 16.445), "review"),
        (("a", "Kvart Lab", 43.5089, 16.4453), ("a", "Kvart Lab", 43.5089, 16.4453), None),
    ],
    ids=["same-place", "generic-words", "same-name-in-town", "town-name-only", "other-town",
         "partly-alike", "same-source"],
)  # fmt: skip
def test_matching_rules(a: tuple, b: tuple, decision: str | None) -> None:
    found = candidates([_place(*a), _place(*b)])
    kept = [m for m in found if m.confidence >= REVIEW]
    if decision is None:
        assert not [m for m in found if m.confidence >= SAME], found
        return
    assert len(kept) == 1, found
    assert ("same" if kept[0].confidence >= SAME else "review") == decision, kept[0]


def test_links_are_owl_same_as_between_sources() -> None:
    a, b = _place("a", "Kvart Lab", 43.5089, 16.4453), _place("b", "Kvart Lab", 43.509, 16.4452)
    assert confidence(a, b, metres(a, b)) > SAME
    (link,) = links(candidates([a, b]))
    assert (link.subject.value, link.predicate.value, link.object.value) == (
        a.iri,
        "http://www.w3.org/2002/07/owl#sameAs",
        b.iri,
    )


@pytest.mark.shared("datasets/real")
def test_precision_and_recall_on_known_pairs(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    for mapping in [REAL_MAPPINGS[name] for name in sorted(REAL_MAPPINGS)]:
        load_source(mapping, store, BASE, tmp_path)
    spaces = places(query(store, BASE, SPACES), BASE)
    found = {(m.a.iri, m.b.iri): m.confidence for m in candidates(spaces)}
    with open(HERE / "known-pairs.csv", encoding="utf-8") as handle:
        known = {(r["iri_a"], r["iri_b"]): r["same"] == "yes" for r in csv.DictReader(handle)}

    def linked(pair: tuple[str, str], threshold: float) -> bool:
        return max(found.get(pair, 0), found.get(pair[::-1], 0)) >= threshold

    for threshold, name in ((SAME, "linked"), (REVIEW, "linked or for review")):
        true = sum(1 for pair, same in known.items() if same and linked(pair, threshold))
        false = sum(1 for pair, same in known.items() if not same and linked(pair, threshold))
        positives = sum(known.values())
        precision, recall = true / (true + false), true / positives
        print(f"{name}: precision {precision:.2f}, recall {recall:.2f} ({true}/{positives})")
        assert precision == 1.0
        assert recall >= (4 / 6 if threshold == SAME else 5 / 6)


def test_link_command_writes_the_links_graph_and_the_review_list(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coworkmed.cli import main
    from triplestore.versions import open_snapshot

    lines = "ID;Nom;Latitude;Longitude\n{rows}"
    for source, rows in (
        ("left", "L-1;Kvart Lab;43,5089;16,4453\nL-2;Kvart Hub;43,52;16,45\n"),
        ("right", "R-1;KVART LAB;43,5090;16,4452\nR-2;Kvart Studio Split;43,52;16,45\n"),
    ):
        folder = tmp_path / source
        folder.mkdir()
        # a load runs validate's checks: each space also has its kind and town, as a space must
        table = lines.format(rows=rows).replace("\n", ";coworking;Split\n")
        table = table.replace("Longitude;coworking;Split", "Longitude;Vrsta;Grad")
        (folder / "spaces.csv").write_text(table, encoding="utf-8")
        (folder / "mapping.yaml").write_text(MAPPING.format(source=source), encoding="utf-8")
        store = open_store(tmp_path / "store")
        load_source(folder / "mapping.yaml", store, BASE, tmp_path / "store")
        del store
    review = tmp_path / "review.csv"
    result = CliRunner().invoke(
        main, ["link", "--store", str(tmp_path / "store"), "--review", str(review)]
    )
    assert result.exit_code == 0, result.output
    assert "2 candidate pairs: 1 linked, 1 for review" in result.output
    _generation, snapshot = open_snapshot(tmp_path / "store")
    same_as = "<http://www.w3.org/2002/07/owl#sameAs>"
    same = list(snapshot.query(f"SELECT ?a ?b {{ GRAPH <{BASE}links> {{ ?a {same_as} ?b }} }}"))
    assert [(r["a"].value, r["b"].value) for r in same] == [
        (f"{BASE}space/left/L-1", f"{BASE}space/right/R-1")
    ]
    rows = list(csv.reader(review.read_text(encoding="utf-8").splitlines()))
    assert [row[1] for row in rows[1:]] == ["same", "review"]


MAPPING = """
source:
  id: {source}
  title: {{en: "{source}"}}
  partner: {{id: {source}, name: "{source}"}}
  licence: https://creativecommons.org/licenses/by/4.0/
file: {{path: spaces.csv}}
locale: {{language: hr, country: HR, decimal: ","}}
columns:
  ID: id
  Nom: name
  Latitude: latitude
  Longitude: longitude
  Vrsta: kinds
  Grad: city
"""
