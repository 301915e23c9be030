"""Geometry on the Earth, for the places that need it: distances (the loaders' country from
coordinates, linking's "same place" rule) and whether a point lies in a region's polygons."""

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


Ring = list[list[float]]


def inside(lon: float, lat: float, rings: list[Ring]) -> bool:
    """Whether a point lies inside polygons given as rings of [lon, lat] (even-odd rule over every
    ring, so holes and several parts are handled alike; ray cast towards growing longitudes)."""
    return inside_edges(lon, lat, edges(rings))


#: an edge of a polygon's ring: x1, y1, x2, y2 (longitudes and latitudes)
Edge = tuple[float, float, float, float]


def edges(rings: list[Ring]) -> tuple[Edge, ...]:
    """The edges of every ring, each ring closed (for ``inside_edges``: a region's edges are
    made once, then tested against every point of a file)."""
    return tuple(
        (x1, y1, x2, y2)
        for ring in rings
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def inside_edges(lon: float, lat: float, outline: tuple[Edge, ...]) -> bool:
    """``inside`` over the edges ``edges`` made of the rings."""
    crossings = 0
    for x1, y1, x2, y2 in outline:
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            crossings += 1
    return crossings % 2 == 1


def distance_to_rings(lon: float, lat: float, rings: list[Ring]) -> float:
    """About how far, in metres, a point lies from the nearest edge of polygons given as rings of
    [lon, lat] (flat within the region: longitudes scaled by the cosine of the latitude)."""
    scale = math.cos(math.radians(lat))
    nearest = math.inf
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            ax, ay, bx, by = (x1 - lon) * scale, y1 - lat, (x2 - lon) * scale, y2 - lat
            dx, dy = bx - ax, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
            nearest = min(nearest, math.hypot(ax + t * dx, ay + t * dy))
    return nearest * EARTH_DIAMETER * math.pi / 360
