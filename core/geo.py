"""Distances on the Earth, for the two places that need one: the loaders' country from
coordinates (nearest town) and linking's "same place" rule."""

from __future__ import annotations

import math

#: the Earth's mean diameter, in metres (a sphere of radius 6,371 km)
EARTH_DIAMETER = 12_742_000


def distance(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle distance in metres between two points given in degrees (haversine)."""
    rad = math.radians
    dlat, dlon = rad(lat_b - lat_a), rad(lon_b - lon_a)
    h = math.sin(dlat / 2) ** 2 + math.cos(rad(lat_a)) * math.cos(rad(lat_b)) * (
        math.sin(dlon / 2) ** 2
    )
    return EARTH_DIAMETER * math.asin(math.sqrt(h))
