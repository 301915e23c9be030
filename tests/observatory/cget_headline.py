"""CGET's own headline figures, counted straight from its CSV with the standard library alone
(no loader, no RDF): records by kind (column TYPO) inside and outside metropoles (column METRO,
1 or 0; one record, La Kaftier, has no flag and is in no count). Run it to print them:
``python tests/observatory/cget_headline.py [file]``."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

CGET = Path(__file__).parents[3] / "shared" / "datasets" / "real" / "fr_cget_tiers_lieux_2019.csv"
KINDS = {
    "Tiers lieux à dominante coworking": "coworking",
    "Tiers lieux à dominante fablab": "fab-lab",
    # blank: a third place whose dominant activity CGET does not state (the mapping's
    # ``otherwise: third-place``)
    "": "third-place",
}


def headline(
    path: Path = CGET, leave_out: frozenset[str] = frozenset()
) -> dict[str, tuple[int, int, int]]:
    """Kind -> (inside metropoles, outside, records), without the records whose ID is in
    ``leave_out`` (those the project holds back)."""
    inside: Counter[str] = Counter()
    outside: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if row["ID"] in leave_out:
                continue
            kind = KINDS[row["TYPO"].strip()]
            flag = row["METRO"].strip()
            if flag:
                (inside if flag == "1" else outside)[kind] += 1
    counts = {k: (inside[k], outside[k], inside[k] + outside[k]) for k in KINDS.values()}
    return {k: v for k, v in counts.items() if v[2]}


def unflagged(path: Path = CGET) -> list[str]:
    """The IDs of the records with no METRO flag: in no count of the headline."""
    with path.open(encoding="utf-8", newline="") as file:
        return [row["ID"] for row in csv.DictReader(file) if not row["METRO"].strip()]


if __name__ == "__main__":
    for kind, (within, without, total) in headline(
        Path(*sys.argv[1:2]) if sys.argv[1:] else CGET
    ).items():
        print(f"{kind}: {within} inside metropoles, {without} outside, {total} in all")
