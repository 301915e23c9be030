"""OpenStreetMap records link to their element (cwm:osmElement) through their mapping alone: one
case of ``osm-element-cases.yaml`` per test."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from core.namespaces import CWM
from loaders.load import transform
from loaders.mapping import load_mapping

ROOT = Path(__file__).parents[2]
CASES = yaml.safe_load((Path(__file__).with_name("osm-element-cases.yaml")).read_text("utf-8"))
BASE = "https://example.org/id/"
CLOCK = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


def _mapping(case: dict[str, Any], folder: Path) -> Path:
    """The case's mapping, beside a GeoJSON file of its own features when it names some."""
    mapping = ROOT / case["mapping"]
    if "features" not in case:
        return mapping
    copy = folder / "mapping.yaml"
    shutil.copy(mapping, copy)
    read = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.35 + n / 100, 48.85]},
            "properties": {"@id": element, "office": "coworking", "name": f"Espace {n}"},
        }
        for n, element in enumerate(case["features"])
    ]
    (folder / read["file"]["path"]).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return copy


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_each_record_links_to_its_element(tmp_path: Path, case: dict[str, Any]) -> None:
    mapping = load_mapping(_mapping(case, tmp_path))
    data, _report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    store = ox.Store()
    store.load(data, ox.RdfFormat.N_TRIPLES)
    spaces = {
        quad.subject.value
        for quad in store.quads_for_pattern(None, None, ox.NamedNode(CWM + "Space"), None)
    }
    links = {
        quad.subject.value: quad.object.value
        for quad in store.quads_for_pattern(None, ox.NamedNode(CWM + "osmElement"), None, None)
    }
    assert len(spaces) == case["records"] and set(links) == spaces
    if "elements" in case:
        assert sorted(links.values()) == sorted(case["elements"])
