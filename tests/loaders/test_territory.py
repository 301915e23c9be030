"""The network's territory: NUTS-3 regions of the network's countries (setting
``network_countries``), driven by territory-cases.yaml; and what a load reports about it."""

from __future__ import annotations

import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph
from rdflib.namespace import SH

from core.geo import distance_to_rings, inside
from core.settings import SettingsError
from loaders import enrich, tables, territory
from loaders.load import transform
from loaders.mapping import load_mapping

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "territory-cases.yaml").read_text(encoding="utf-8"))
BASE = "https://example.org/id/"
CLOCK = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
FIVE = "FR IT ES GR HR"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['country']}:{c['lat']},{c['lon']}")
def test_territory(case: dict[str, Any]) -> None:
    problem = territory.place_problem(case["lat"], case["lon"], case["country"])
    assert (problem.code if problem else None) == case["problem"], problem
    if problem:
        assert f"{case['lat']:g}, {case['lon']:g}" in problem.reason


def test_outermost_regions_are_placed_where_they_are() -> None:
    """Every outermost region's extent lies far from the mainland insets of its polygons, and
    each case above of an outermost region finds that very region."""
    outermost = tables.table("outermost-regions")
    assert enrich.region_near(-12.7806, 45.2279) == "FRY50"
    assert enrich.region_near(28.1235, -15.4363) == "ES705"
    for code, (west, south, east, north) in outermost.items():
        centre = ((south + north) / 2, (west + east) / 2)
        assert enrich.region_near(*centre) == code, code


def test_network_countries_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert territory.network_countries() == ("FR", "IT", "ES", "GR", "HR", "PT", "SI", "CY", "MT")
    assert territory.network_countries("fr, it; EL  hr") == ("FR", "IT", "GR", "HR")
    monkeypatch.setenv("COWORKMED_NETWORK_COUNTRIES", FIVE)
    assert territory.network_countries() == ("FR", "IT", "ES", "GR", "HR")
    with pytest.raises(SettingsError, match="'DE'"):
        territory.network_countries("FR DE")


def test_template_lists_the_network_countries(monkeypatch: pytest.MonkeyPatch) -> None:
    from validation.template import template_columns

    monkeypatch.setenv("COWORKMED_NETWORK_COUNTRIES", FIVE)
    country = next(c for c in template_columns("en") if c.field == "country")
    assert country.allowed == "FR, IT, ES, GR, HR"


MAPPING = """\
source:
  id: territory
  title: {en: "Territory"}
  partner: {id: test, name: "Test partner"}
  licence: https://creativecommons.org/licenses/by/4.0/
file:
  path: spaces.csv
locale:
  language: en
columns:
  id: id
  name: name
  country: country
  address: full_address
  lat: latitude
  lon: longitude
constants:
  kinds: coworking
"""


def _load(tmp_path: Path, rows: str) -> tuple[Graph, list[Any]]:
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "spaces.csv").write_text(
        "id,name,country,address,lat,lon\n" + rows, encoding="utf-8"
    )
    mapping = load_mapping(tmp_path / "mapping.yaml")
    data, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    return Graph().parse(data=data, format="nt"), report.problems


def test_mayotte_and_the_canaries_load_without_a_problem(tmp_path: Path) -> None:
    rows = (
        '1,Espace numérique,FR,"BP 12, 97600 Mamoudzou",-12.7806,45.2279\n'
        '2,Coworking Canarias,ES,"Calle Triana 5, 35002 Las Palmas de Gran Canaria",'
        "28.1045,-15.4157\n"
    )
    _graph, problems = _load(tmp_path, rows)
    assert [p.code for p in problems] == []


def test_a_swapped_pair_gets_one_message(tmp_path: Path) -> None:
    _graph, problems = _load(tmp_path, '1,Le Lab,FR,"12 rue X, 69001 Lyon",4.8357,45.7640\n')
    assert [(p.code, p.value) for p in problems] == [("coordinates-swapped", "4.8357, 45.7640")]
    assert dict(problems[0].params or ())["region"] == "Rhône (FRK26)"


def test_portugal_outside_the_network_gets_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COWORKMED_NETWORK_COUNTRIES", FIVE)
    rows = '1,Cowork Lisboa,PT,"Rua X 12, 1050-191 Lisboa",38.7223,-9.1393\n'
    _graph, problems = _load(tmp_path, rows)
    assert [(p.code, p.value, p.severity) for p in problems] == [
        ("country-not-in-network", "PT", "error")
    ]


def test_an_address_kept_whole_gets_one_warning_and_no_town_error(tmp_path: Path) -> None:
    from coworkmed import quality

    graph, problems = _load(tmp_path, '1,Le Lab,FR,"Zone artisanale, lot 12",45.7640,4.8357\n')
    assert [(p.code, p.severity) for p in problems] == [("address-kept-whole", "warning")]
    violations = [r["shape"] for r in quality.validate(graph) if r["severity"] == str(SH.Violation)]
    assert not [shape for shape in violations if "Address" in shape], violations


def test_a_postcode_read_from_an_address_is_reported(tmp_path: Path) -> None:
    _graph, problems = _load(tmp_path, '1,Le Lab,FR,"5 rue des Écoles 75 005 Paris",48.85,2.35\n')
    assert [(p.code, dict(p.params or ())["result"]) for p in problems] == [
        ("address-postcode-read", "75005")
    ]


def _holding_every_region(lat: float, lon: float, prefixes: tuple[str, ...], tolerance: float):
    """``enrich._region_holding`` as a plain loop over every region of the countries, each
    point tested against the rings themselves (``core.geo.inside``)."""
    margin = 0.1 if tolerance else 0.0
    near = []
    for region in enrich._regions_of(prefixes):
        west, south, east, north = region.box
        if not (west - margin <= lon <= east + margin and south - margin <= lat <= north + margin):
            continue
        if inside(lon, lat, region.rings):
            return region.code
        near.append(region)
    for region in near if tolerance else ():
        if distance_to_rings(lon, lat, region.rings) <= tolerance:
            return region.code
    return None


@pytest.mark.parametrize("tolerance", [0.0, enrich.BORDER_TOLERANCE_METRES])
@pytest.mark.parametrize("countries", [("FR",), ("IT", "GR"), None])
def test_regions_by_cell_place_points_as_every_region_does(
    countries: tuple[str, ...] | None, tolerance: float
) -> None:
    """Placing a point tests only the regions whose box meets its one-degree cell, with each
    region's edges made once: the same region as testing every region of the countries, for
    thousands of seeded points over the partner countries (many near borders and coasts, and
    on whole degrees: a cell's edge)."""
    rows = tables.countries()
    prefixes = tuple(rows[c]["nuts"] for c in (countries or rows))
    rng = random.Random(18)
    points = [(rng.uniform(27.0, 52.0), rng.uniform(-18.0, 30.0)) for _ in range(3000)]
    points += [(float(rng.randint(35, 50)), rng.uniform(-5.0, 28.0)) for _ in range(300)]
    points += [(rng.uniform(35.0, 50.0), float(rng.randint(-5, 28))) for _ in range(300)]
    points += [(math.nan, 2.0), (45.0, math.inf)]
    placed = 0
    for lat, lon in points:
        expected = _holding_every_region(lat, lon, prefixes, tolerance)
        assert enrich._region_holding(lat, lon, prefixes, tolerance) == expected, (lat, lon)
        placed += expected is not None
    assert placed > 100  # the points fall in regions, not only around them
