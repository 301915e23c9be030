"""The data folder's catalogue table (``data/catalogue.csv``): one row per source copied into
the folder byte for byte, with its title, publisher, licence, the attribution its licence asks
for, where it came from (address and commit) and its SHA-256. ``coworkmed build`` checks every
copy against its row (the file's checksum, the mapping's licence, title and publisher) and
writes what the rows say (``templates/source.ttl``) in the graph ``{base}sources``, which the
DCAT catalogue, the dataset pages and the resource pages read."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from core.namespaces import DCTERMS, NUTS_CODE, XSD
from core.rdf_templates import fill
from loaders import nuts, provenance
from loaders.mapping import load_mapping

#: the table's name inside a data folder
TABLE = "catalogue.csv"
TEMPLATE = Path(__file__).parent / "templates" / "source.ttl"
LICENCES = Path(__file__).parent / "tables" / "redistributable-licences.yaml"
#: the licences that may govern the combined database, the strongest first
COMBINED = Path(__file__).parent / "tables" / "combined-licence.yaml"
TERRITORY_TEMPLATE = Path(__file__).parent / "templates" / "territory-dataset.ttl"
#: the attribution of the territory graph (NUTS regions and typologies, degree of urbanisation)
TERRITORY_ATTRIBUTION = (
    "NUTS 2021 regions, population and typologies: © Eurostat; administrative boundaries: "
    "© EuroGeographics (GISCO); degree of urbanisation (LAU 2014): © Eurostat"
)


@cache
def redistributable() -> dict[str, str]:
    """The licences that allow a file to be copied into data/ (IRI -> name)."""
    table: dict[str, str] = yaml.safe_load(LICENCES.read_text(encoding="utf-8"))
    return table


@cache
def _combined() -> dict[str, list[str]]:
    table: dict[str, list[str]] = yaml.safe_load(COMBINED.read_text(encoding="utf-8"))
    return table


def combined_licence(licences: set[str]) -> str | None:
    """The licence of a database combining sources under ``licences``: the first of
    ``COMBINED`` they hold (ODbL's share-alike governs the whole), None when none is known."""
    return next((licence for licence in _combined()["order"] if licence in licences), None)


def is_share_alike(licence: str | None) -> bool:
    """Whether ``licence`` asks that what is made from the data be shared under it (the ODbL):
    the dumps page says so of the whole only then (stranger 89: it said "one source is under
    the ODbL" of a whole under CC BY 4.0)."""
    return licence in _combined()["share_alike"]


def territory_dataset(base: str) -> str:
    return f"{base}dataset/territory"


def territory_description(base: str) -> list[ox.Triple]:
    """The territory graph as a dataset: title, licence and attribution
    (``templates/territory-dataset.ttl``)."""
    return fill(
        TERRITORY_TEMPLATE,
        dataset=ox.NamedNode(territory_dataset(base)),
        publisher=ox.NamedNode(f"{base}agency/eurostat"),
        attribution=ox.Literal(TERRITORY_ATTRIBUTION),
    )


@dataclass(frozen=True)
class Row:
    """One source of the catalogue table (its columns, in order)."""

    source: str
    file: str
    title: str
    publisher: str
    licence: str
    attribution: str
    #: the territory the source covers: NUTS codes of any level, separated by spaces ("FR",
    #: "PT170", "FRL0"), published as dcterms:spatial; the observatory's per-100,000 figures
    #: count the inhabitants of covered regions only
    coverage: str
    origin: str
    commit: str
    sha256: str


def read_table(data: Path) -> list[Row]:
    """The rows of ``data``'s catalogue table (none if the folder has no table)."""
    path = data / TABLE
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = [f.name for f in fields(Row)]
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: the columns are {reader.fieldnames}, expected {expected}")
        return [Row(**row) for row in reader]


def coverage_iris(row: Row) -> list[ox.NamedNode]:
    """The regions a row's source covers, as NUTS IRIs."""
    return [ox.NamedNode(NUTS_CODE + code) for code in row.coverage.split()]


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hexadecimal."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def problems(data: Path, row: Row) -> list[str]:
    """What is wrong with a row's copy in ``data``: a missing file, a checksum that differs
    (the copy is not byte for byte), a mapping whose licence, English title or publisher is not
    the row's."""
    folder = data / row.source
    copy = folder / row.file
    if not copy.is_file():
        return [f"{copy}: the file of catalogue row {row.source!r} is missing"]
    found: list[str] = []
    if row.licence not in redistributable():
        found.append(
            f"{copy}: {row.licence or 'no licence'} does not allow copying it here "
            f"(allowed: {LICENCES.name}); read it from ../shared/datasets in tests only"
        )
    if not row.attribution.strip():
        found.append(f"{copy}: no attribution text in the catalogue row")
    found += [
        f"{copy}: coverage {code!r} is not a NUTS code of the territory reference"
        for code in row.coverage.split() or [""]
        if code not in nuts.known_regions()
    ]
    if (digest := sha256(copy)) != row.sha256:
        found.append(f"{copy}: SHA-256 {digest}, the catalogue says {row.sha256}")
    source = load_mapping(folder / "mapping.yaml").source
    title = source["title"]
    said = {
        "source id": source["id"],
        "licence": source["licence"],
        "title": title.get("en") if isinstance(title, dict) else title,
        "publisher": source["partner"]["name"],
    }
    wanted = {
        "source id": row.source,
        "licence": row.licence,
        "title": row.title,
        "publisher": row.publisher,
    }
    for name, value in wanted.items():
        if said[name] != value:
            found.append(
                f"{folder}/mapping.yaml: {name} {said[name]!r}, the catalogue says {value!r}"
            )
    return found


def check(data: Path) -> list[str]:
    """Every problem of ``data``'s catalogue table and copies; also a source folder the table
    does not list."""
    try:
        rows = read_table(data)
    except (ValueError, TypeError, csv.Error) as error:
        return [f"{data / TABLE}: {error}"]
    if not rows:
        return []
    listed = {row.source for row in rows}
    unlisted = [
        f"{m.parent}: a source without a row in {data / TABLE}"
        for m in sorted(data.glob("*/mapping.yaml"))
        if m.parent.name not in listed
    ]
    return unlisted + [p for row in rows for p in problems(data, row)]


def triples(row: Row, base: str, partner: str) -> list[ox.Triple]:
    """What the catalogue says of a row's dataset (``templates/source.ttl``); the rights holder
    is the source's partner agency (``partner``, its id in the mapping), its publisher."""
    dataset = provenance.dataset_iri(base, row.source)
    spatial = ox.NamedNode(DCTERMS + "spatial")
    covered = [ox.Triple(ox.NamedNode(dataset), spatial, area) for area in coverage_iris(row)]
    return covered + fill(
        TEMPLATE,
        dataset=ox.NamedNode(dataset),
        licence=ox.NamedNode(row.licence),
        holder=ox.NamedNode(f"{base}agency/{partner}"),
        publisher=ox.Literal(row.publisher),
        attribution=ox.Literal(row.attribution),
        origin=ox.NamedNode(row.origin),
        original=ox.NamedNode(f"{dataset}/original"),
        fileName=ox.Literal(row.file),
        checksum=ox.NamedNode(f"{dataset}/original/checksum"),
        sha256=ox.Literal(row.sha256, datatype=ox.NamedNode(XSD + "hexBinary")),
    )


def catalogue_triples(data: Path, base: str) -> list[ox.Triple]:
    """What ``data``'s catalogue table says of all its sources."""
    return [
        triple
        for row in read_table(data)
        for triple in triples(row, base, _partner(data / row.source / "mapping.yaml"))
    ]


def _partner(mapping: Path) -> str:
    partner: str = load_mapping(mapping).source["partner"]["id"]
    return partner
