"""The mappings of the real public files, wherever they live: those whose licence allows
redistribution are copied byte for byte into ``data/<source>/`` (the default build); the others
(no licence for their content stated) are read from ../shared/datasets by the mappings under
``examples/shared-datasets/``, in tests only. Keyed by the mapping's earlier name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[1]
DATA = ROOT / "data"
NOT_COPIED = ROOT / "examples" / "shared-datasets"
#: the copies in data/: earlier mapping name -> source folder
COPIED = {
    "cget.yaml": "fr-cget-tiers-lieux",
    "osm-spotwork.yaml": "osm-spotwork",
    "lisbon-osm.yaml": "osm-lisbon",
    "paca-mednum.yaml": "paca-mednum",
}
REAL_MAPPINGS: dict[str, Path] = {
    **{name: DATA / folder / "mapping.yaml" for name, folder in COPIED.items()},
    **{path.name: path for path in sorted(NOT_COPIED.glob("*.yaml"))},
}


@dataclass(frozen=True)
class DefaultBuild:
    """What ``make run`` builds from the real files of ``data/``: the store, its dumps, the
    vocabulary's documentation, and what ``coworkmed build`` printed."""

    store: Path
    dumps: Path
    docs: Path
    output: str
