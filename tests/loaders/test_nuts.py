"""The territory graph (loaders.nuts): NUTS regions of levels 0 to 3 of the network's countries,
with names, population, area and typologies, driven by nuts-cases.yaml and checked against
Eurostat's reference in ../shared/datasets."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from core.namespaces import CODE, CWM, NUTS_CODE, SKOS
from loaders import nuts
from loaders.territory import network_countries

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "nuts-cases.yaml").read_text(encoding="utf-8"))
REFERENCE = HERE.parent.parent.parent / "shared/datasets/reference/nuts3_2021_typologies.geojson"
SCHEMES = {
    "urban_rural": "urban-rural-type",
    "mountain": "mountain-type",
    "coastal": "coastal-type",
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(t.subject, t.predicate, t.object)
        for t in nuts.territory_triples(network_countries())
    )
    return store


def _values(store: ox.Store, code: str, predicate: str) -> list[ox.NamedNode | ox.Literal]:
    subject = ox.NamedNode(NUTS_CODE + code)
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _one(store: ox.Store, code: str, predicate: str) -> Any:
    found = _values(store, code, predicate)
    assert len(found) == 1, (code, predicate, found)
    return found[0]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['code']}-{c.get('lang', '')}")
def test_region(store: ox.Store, case: dict[str, Any]) -> None:
    code = case["code"]
    assert _one(store, code, SKOS + "notation").value == code
    population = _one(store, code, CWM + "population")
    assert population.datatype.value.endswith("#integer")
    area = _one(store, code, CWM + "area")
    assert area.datatype.value.endswith("#decimal")
    if "population" in case:
        assert int(population.value) == case["population"]
    if "area" in case:
        assert Decimal(area.value) == Decimal(case["area"])
    broader = _values(store, code, SKOS + "broader")
    assert broader == ([ox.NamedNode(NUTS_CODE + case["broader"])] if "broader" in case else [])
    if "name" in case:
        labels = {
            (label.value, label.language) for label in _values(store, code, SKOS + "prefLabel")
        }
        lang = case.get("lang")
        assert (case["name"], lang) in labels, labels
        assert nuts.region_name(code, lang or "en") == case["name"]
    for name, scheme in SCHEMES.items():
        predicate = nuts.TYPOLOGIES[name][0]
        if name in case:
            assert _one(store, code, predicate).value == f"{CODE}{scheme}/{case[name]}"
        if nuts.level(code) < 3:
            assert _values(store, code, predicate) == []
    for part in case.get("sum_of", []):
        assert nuts.parent(part) == code
    if "sum_of" in case:
        total = sum(int(_one(store, part, CWM + "population").value) for part in case["sum_of"])
        assert total == int(population.value)


def test_every_level_3_region_has_its_three_typologies_and_a_name(store: ox.Store) -> None:
    regions = nuts.regions(network_countries())
    level3 = [code for code in regions if nuts.level(code) == 3]
    assert len(level3) == 380
    for code in level3:
        for name in SCHEMES:
            assert _values(store, code, nuts.TYPOLOGIES[name][0]), (code, name)
        assert _values(store, code, SKOS + "prefLabel"), code
    countries = [code for code in regions if nuts.level(code) == 0]
    assert countries == sorted(["FR", "IT", "ES", "EL", "HR", "PT", "SI", "CY", "MT"])
    for code in countries:  # a name in each of the six languages
        assert len(_values(store, code, SKOS + "prefLabel")) == 6, code


def test_only_the_network_countries() -> None:
    codes = nuts.regions(("FR", "GR"))
    assert {code[:2] for code in codes} == {"FR", "EL"}


@pytest.mark.shared("datasets/reference")
def test_figures_are_the_references(store: ox.Store) -> None:
    """Population, area and typology codes of every NUTS-3 region of the network, as the
    reference file gives them."""
    features = json.loads(REFERENCE.read_text(encoding="utf-8"))["features"]
    by_code = {f["properties"]["NUTS_ID"]: f["properties"] for f in features}
    regions = nuts.regions(network_countries())
    checked = 0
    for code, region in regions.items():
        if nuts.level(code) != 3:
            continue
        given = by_code[code]
        assert region.population == int(given["POP_2021"])
        assert region.area == Decimal(
            str(given["AREA_2021"])
        ).normalize() or region.area == Decimal(str(int(given["AREA_2021"])))
        codes = {"urban_rural": "URBN_TYPE", "mountain": "MOUNT_TYPE", "coastal": "COAST_TYPE"}
        assert region.types == {name: given[column] for name, column in codes.items()}
        assert nuts.region_name(code, "fr") == given["NAME_LATN"]
        checked += 1
    network = ("FR", "IT", "ES", "EL", "HR", "PT", "SI", "CY", "MT")
    assert checked == sum(1 for code in by_code if code.startswith(network))


def test_the_territory_graph_conforms_to_the_shapes(shapes: Any) -> None:
    from rdflib import Graph

    from coworkmed import quality

    triples = nuts.territory_triples(("FR", "GR", "MT"))
    data = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert quality.validate(data, shapes) == []
