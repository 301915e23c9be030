"""The network's territory: its countries (the ``network_countries`` setting) and, for each, its
NUTS-3 regions, outermost regions included (``tables/nuts3-regions.json``, point in polygon by
``enrich``). A record's coordinates must fall in a region of its country; one that does not is
told where the point does fall, and that latitude and longitude look swapped only when the
swapped point does land in the country."""

from __future__ import annotations

import re

from core.problems import ValueProblem
from core.settings import SettingsError, setting
from loaders import enrich, tables


def network_countries(given: str | None = None) -> tuple[str, ...]:
    """The ISO codes of the network's countries, from the setting (or ``given``), in the order
    written; a code the loaders have no table for is refused, naming it."""
    raw = setting("network_countries", given)
    codes: list[str] = []
    for word in re.split(r"[\s,;]+", raw.strip()):
        if not word:
            continue
        code = tables.country_names().get(tables.fold(word))
        if code is None:
            known = " ".join(tables.countries())
            raise SettingsError(
                f"setting network_countries: {word!r} is not a country the loaders know ({known})"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise SettingsError("setting network_countries: no country given")
    return tuple(codes)


def _region_text(code: str) -> str:
    name = enrich.region_name(code)
    return f"{name} ({code})" if name else code


def _figure(value: float) -> str:
    return f"{value:g}"


def country_problem(country: str, network: tuple[str, ...]) -> ValueProblem | None:
    """Why a record of ``country`` is outside the network, or None when it is in it."""
    if country in network:
        return None
    return ValueProblem(
        "country-not-in-network",
        f"{country} is not one of the network's countries ({', '.join(network)})",
        network=", ".join(network),
    )


def place_problem(lat: float, lon: float, country: str) -> ValueProblem | None:
    """Why the point (lat, lon) is not in a NUTS-3 region of ``country``, or None when it is (or
    lies within the polygons' generalisation tolerance of one)."""
    if enrich.region_near(lat, lon, (country,)):
        return None
    where = f"{_figure(lat)}, {_figure(lon)}"
    if -90 <= lon <= 90 and (swapped := enrich.region_near(lon, lat, (country,))):
        return ValueProblem(
            "coordinates-swapped",
            f"{where} is in no region of {country}, but {_figure(lon)}, {_figure(lat)} is in "
            f"{_region_text(swapped)}: latitude and longitude look swapped",
            coordinates=where,
            swapped=f"{_figure(lon)}, {_figure(lat)}",
            region=_region_text(swapped),
            country=country,
        )
    found = enrich.region_near(lat, lon)
    if found:
        other = enrich.country_of_region(found) or found[:2]
        return ValueProblem(
            "coordinates-in-other-country",
            f"{where} is in {_region_text(found)}, a region of {other}, not of {country}",
            coordinates=where,
            region=_region_text(found),
            other_country=other,
            country=country,
        )
    return ValueProblem(
        "coordinates-outside-territory",
        f"{where} is in no NUTS-3 region of {country} nor of another country of the loaders' "
        "tables",
        coordinates=where,
        country=country,
    )
