"""The territorial indicators (observatory figures 13-23 and the regions cube) on real data:
CGET's count, the OpenStreetMap coworking places and the fablabs.io facilities loaded by their
mappings from ../shared/datasets, set against every NUTS-3 region of the reference.

    .venv/bin/python bench/bench_indicators.py

Until lane F's territory graph is merged, this script writes the reference
(../shared/datasets/reference/nuts3_2021_typologies.geojson) in the shape of its contract
(cwm:population, skos:broader to NUTS-2/1/0 by code prefix, typologies as stand-in concept
IRIs). It prints each figure's time in pyoxigraph, side by side with the peer: the existing
figure 03-nuts3 (spaces by NUTS-3 region) on the same store, and the ratio; then the headline
answers (places per 100,000 by country, rural regions without a place).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.namespaces import CODE, CWM, NUTS_CODE, SKOS, XSD  # noqa: E402
from observatory.cube import REGION_FIGURES, region_observations, regions_sparql  # noqa: E402
from observatory.figures import figure_sparql, table, with_filters  # noqa: E402
from publishing.build import load_source  # noqa: E402
from tests.real import REAL_MAPPINGS  # noqa: E402
from triplestore.versions import open_store, union_ntriples  # noqa: E402

BASE = "https://w3id.org/coworkmed/id/"
REFERENCE = ROOT.parent / "shared" / "datasets" / "reference" / "nuts3_2021_typologies.geojson"
SOURCES = ["cget.yaml", "osm-spotwork.yaml", "okw-fablabs.yaml"]
#: Eurostat's codes -> stand-in concepts (lane F publishes the real code lists)
TYPOLOGIES = {
    "URBN_TYPE": (
        "urbanRuralType",
        {"1": "predominantly-urban", "2": "intermediate", "3": "predominantly-rural"},
    ),
    "MOUNT_TYPE": (
        "mountainType",
        {"1": "mountain", "2": "mountain", "3": "mountain", "4": "non-mountain"},
    ),
    "COAST_TYPE": ("coastalType", {"1": "coastal", "2": "coastal", "3": "non-coastal"}),
}


def territory() -> list[ox.Quad]:
    """The reference's NUTS-3 regions in the shape of lane F's contract."""
    graph = ox.NamedNode(f"{BASE}territory")
    quads: list[ox.Quad] = []

    def add(subject: str, predicate: str, value: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(ox.NamedNode(subject), ox.NamedNode(predicate), value, graph))

    features = json.loads(REFERENCE.read_text(encoding="utf-8"))["features"]
    for feature in features:
        facts = feature["properties"]
        code = facts["NUTS_ID"]
        for level in range(2, 6):  # the region and its parents, by code prefix
            add(NUTS_CODE + code[:level], SKOS + "notation", ox.Literal(code[:level]))
            if level > 2:
                add(
                    NUTS_CODE + code[:level],
                    SKOS + "broader",
                    ox.NamedNode(NUTS_CODE + code[: level - 1]),
                )
        region = NUTS_CODE + code
        if facts.get("POP_2021"):
            population = str(int(facts["POP_2021"]))
            add(
                region,
                CWM + "population",
                ox.Literal(population, datatype=ox.NamedNode(XSD + "integer")),
            )
        for column, (prop, concepts) in TYPOLOGIES.items():
            if str(facts.get(column)) in concepts:
                concept = f"{CODE}{prop}/{concepts[str(facts[column])]}"
                add(region, CWM + prop, ox.NamedNode(concept))
    return quads


def timed(store: ox.Store, sparql: str) -> tuple[float, list[ox.QuerySolution]]:
    start = time.perf_counter()
    rows = list(store.query(sparql, use_default_graph_as_union=True))
    return time.perf_counter() - start, rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        loaded = open_store(Path(tmp) / "store")
        for name in SOURCES:
            report = load_source(REAL_MAPPINGS[name], loaded, BASE)
            print(
                f"{name}: {report.records_written} records read, {len(report.held_back)} held back"
            )
        store = ox.Store()
        store.load(
            union_ntriples(loaded, BASE),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(f"{BASE}data"),
        )
    store.extend(territory())
    print(f"{len(store)} quads with the territory\n")
    peer, _rows = timed(store, with_filters(figure_sparql("03-nuts3"), {}, BASE))
    print(f"{'figure':28} {'seconds':>8} {'/ 03-nuts3':>10} rows")
    print(f"{'03-nuts3 (peer)':28} {peer:8.3f} {1:10.1f}")
    answers = {}
    for figure_id in table()["figures"]:
        if figure_id < "13":
            continue
        seconds, rows = timed(store, with_filters(figure_sparql(figure_id), {}, BASE))
        answers[figure_id] = rows
        print(f"{figure_id:28} {seconds:8.3f} {seconds / peer:10.1f} {len(rows)}")
    start = time.perf_counter()
    observations = sum(
        len(
            region_observations(
                store.query(regions_sparql(BASE, f), use_default_graph_as_union=True), f, BASE
            )
        )
        for f in REGION_FIGURES
    )
    seconds = time.perf_counter() - start
    print(f"{'regions cube (3 figures)':28} {seconds:8.3f}  {observations} triples\n")
    for row in answers["15-country-per-100k"]:
        country, places, rate = (row[n].value for n in ("country", "places", "per_100k"))
        print(f"{country[-2:]}: {places} places, {rate} per 100,000")
    for row in answers["19-regions-without-place"]:
        print(
            f"{row['type'].value.rsplit('/', 1)[-1]}: {row['without_place'].value} of "
            f"{row['regions'].value} regions without a place ({row['share_without'].value} %), "
            f"{row['population_without'].value} inhabitants"
        )


if __name__ == "__main__":
    main()
