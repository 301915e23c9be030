"""The NUTS-3 regions' outlines for the observatory's choropleth, as GeoJSON: from the
project's own generalised table (``loaders/tables/nuts3-regions.json``, derived from the
territory reference: Eurostat NUTS 2021, © EuroGeographics), so that no map asset comes from
the internet. Each feature is named by its region's IRI, as figure 13 counts it."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from core.namespaces import NUTS_CODE
from loaders import tables

OUTLINES = tables.TABLES_DIR / "nuts3-regions.json"


def feature(code: str, region: dict[str, Any]) -> dict[str, Any]:
    """One region as a GeoJSON feature: a multipolygon of its rings (each ring one polygon; the
    generalised table has no holes), its code, IRI and name."""
    return {
        "type": "Feature",
        "id": NUTS_CODE + code,
        "properties": {"code": code, "name": region["name"]},
        "geometry": {"type": "MultiPolygon", "coordinates": [[ring] for ring in region["rings"]]},
    }


@cache
def regions_geojson() -> str:
    """Every NUTS-3 region of the network's countries, as GeoJSON text (read once)."""
    regions = json.loads(OUTLINES.read_text(encoding="utf-8"))["regions"]
    features = [feature(code, region) for code, region in sorted(regions.items())]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
