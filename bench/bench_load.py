"""Loader throughput: a seeded inventory of N spaces, loaded end to end into an on-disk store.

    .venv/bin/python bench/bench_load.py [N ...]        (default: 10000 100000)

Prints, for each N, side by side: the transformation alone (file -> N-Triples), the store write
alone (Oxigraph bulk-loading those same triples into an empty on-disk store, nothing else
running), and the whole load end to end (mapping, file, parsing, enrichment, provenance, the
write of the new version overlapped with the transformation, and the switch).

Target (issue #3): 100,000 triples/s end to end. For scale: morph-kgc 2.10, the fastest Python
RML engine, made ~137,000 triples/s on clean CSV with no value normalisation and no store write
on this kind of machine (shared/GUIDE.md); it is not run here (it pins rdflib<7.3).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyoxigraph import NamedNode  # noqa: E402

from loaders.load import transform  # noqa: E402
from loaders.mapping import load_mapping  # noqa: E402
from publishing.build import load_source, publish_vocabulary  # noqa: E402
from triplestore.versions import open_store  # noqa: E402

BASE = "https://w3id.org/coworkmed/id/"
TOWNS = [  # (city, postcode, lat, lon)
    ("Lyon", "69001", 45.767, 4.834),
    ("Marseille", "13002", 43.299, 5.370),
    ("Grenoble", "38000", 45.188, 5.724),
    ("Nice", "06000", 43.703, 7.266),
    ("Toulouse", "31000", 43.604, 1.444),
    ("Montpellier", "34000", 43.611, 3.877),
    ("Bordeaux", "33000", 44.837, -0.579),
    ("Annecy", "74000", 45.899, 6.129),
    ("Die", "26150", 44.753, 5.370),
    ("Aurillac", "15000", 44.927, 2.441),
]
KINDS = [
    "Coworking",
    "Fab lab",
    "Centre d'affaires",
    "Tiers-lieu culturel",
    "Atelier partagé",
    "Living lab",
]
SERVICES = [
    "Internet haut débit",
    "Cuisine",
    "Salle de réunion",
    "Impression 3D",
    "Découpe laser",
    "Accueil par une personne",
    "Domiciliation",
    "Climatisation",
    "Local vélo",
    "Casiers",
]
PUBLICS = [
    "Jeunes",
    "Femmes",
    "Indépendants",
    "Salariés en télétravail",
    "Demandeurs d'emploi",
    "Seniors",
]
STATUS = ["Ouvert", "Ouvert", "Ouvert", "En projet", "Fermé"]
FORMS = ["Association", "SAS", "SARL", "SCIC", "Collectivité territoriale"]
HEADER = [
    "ID",
    "Nom",
    "Type",
    "Rue",
    "CP",
    "Ville",
    "Latitude",
    "Longitude",
    "Postes",
    "Surface",
    "Services",
    "Publics",
    "Ouverture",
    "Statut",
    "Accueil nomade",
    "Site web",
    "Courriel",
    "Téléphone",
    "Gestionnaire",
    "Forme juridique",
    "Prix journée",
]
MAPPING = """
source:
  id: bench
  title: {fr: "Inventaire de test"}
  partner: {id: bench, name: "Bench"}
  licence: https://creativecommons.org/licenses/by/4.0/
file: {path: inventaire.csv, format: csv, delimiter: ";"}
locale: {language: fr, country: FR, decimal: ",", dates: ["%d/%m/%Y"]}
columns:
  ID: id
  Nom: name
  Type: {field: kinds, split: "//"}
  Rue: street
  CP: postcode
  Ville: city
  Latitude: latitude
  Longitude: longitude
  Postes: workstations
  Surface: floor_area
  Services: {field: services, split: "//"}
  Publics: {field: publics, split: "//"}
  Ouverture: opened
  Statut: status
  Accueil nomade: drop_in
  Site web: website
  Courriel: email
  Téléphone: phone
  Gestionnaire: operator_name
  Forme juridique: legal_form
  Prix journée: day_price
"""


def generate(folder: Path, rows: int, seed: int = 2026) -> Path:
    """The seeded inventory of ``rows`` spaces in one file, and its mapping. A file that long is
    beyond what one partner submission may hold (``upload_rows``, ``upload_cells``): the caps
    are raised to fit it in this process and the workers it starts."""
    os.environ["COWORKMED_UPLOAD_ROWS"] = str(max(rows, 10_000))
    os.environ["COWORKMED_UPLOAD_CELLS"] = str(max((rows + 1) * len(HEADER), 500_000))
    rng = random.Random(seed)
    with open(folder / "inventaire.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            city, postcode, lat, lon = rng.choice(TOWNS)
            writer.writerow(
                [
                    f"B-{n}",
                    f"Espace {n}",
                    "//".join(rng.sample(KINDS, rng.randint(1, 2))),
                    f"{rng.randint(1, 200)} rue de la République",
                    postcode,
                    city,
                    f"{lat + rng.uniform(-0.05, 0.05):.5f}".replace(".", ","),
                    f"{lon + rng.uniform(-0.05, 0.05):.5f}".replace(".", ","),
                    rng.randint(4, 120),
                    f"{rng.randint(40, 2000)} m²",
                    "//".join(rng.sample(SERVICES, 3)),
                    "//".join(rng.sample(PUBLICS, 2)),
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2005, 2025)}",
                    rng.choice(STATUS),
                    rng.choice(["Oui", "Non"]),
                    f"https://espace-{n}.example.org",
                    f"contact@espace-{n}.example.org",
                    "04 " + " ".join(str(rng.randint(10, 99)) for _ in range(4)),
                    f"Gestion {n}",
                    rng.choice(FORMS),
                    f"{rng.randint(0, 30)} €",
                ]
            )
    (folder / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return folder / "mapping.yaml"


def build_store(folder: Path, spaces: int, vocabulary: bool = False) -> tuple[Path, int, float]:
    """A published store in ``folder`` of ``spaces`` generated spaces (and the vocabulary):
    its path, its number of data triples and the seconds the load took."""
    mapping = generate(folder, spaces)
    store_path = folder / "store"
    store = open_store(store_path)
    if vocabulary:
        publish_vocabulary(store)
    start = time.perf_counter()
    report = load_source(mapping, store, BASE, store_path)
    seconds = time.perf_counter() - start
    del store  # closes the database: the benchmark opens it again
    return store_path, report.triples, seconds


def run(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mapping_path = generate(folder, rows)
        clock = lambda: dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # noqa: E731
        mapping = load_mapping(mapping_path)
        start = time.perf_counter()
        data, report = transform(mapping, mapping.file_path(), BASE, clock)
        transform_seconds = time.perf_counter() - start
        assert not report.problems, report.problems[:3]

        store = open_store(folder / "store")
        start = time.perf_counter()
        report = load_source(mapping_path, store, BASE, now=clock)
        total_seconds = time.perf_counter() - start
        del store
        writer_only = open_store(folder / "write-only")
        start = time.perf_counter()
        writer_only.bulk_load(data, NamedNode("urn:bench"))
        write_seconds = time.perf_counter() - start
        del writer_only

    built = len(data.splitlines())
    print(
        f"{rows:>7} rows {report.triples:>8} triples | "
        f"transform alone {built / transform_seconds:>7.0f} triples/s | "
        f"store write alone {built / write_seconds:>7.0f} triples/s | "
        f"end to end {total_seconds:6.2f} s {rows / total_seconds:>6.0f} rows/s "
        f"{report.triples / total_seconds:>7.0f} triples/s"
    )


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print("loader benchmark (seeded; on-disk Oxigraph store; target 100,000 triples/s end to end)")
    for size in sizes:
        run(size)
