"""Records of different sources that describe the same real space, found by name and distance.

Two spaces of different sources are candidates when they lie within ``NEAR_METRES`` of each
other, or within ``SAME_NAME_METRES`` when their whole names are the same. Spaces without
coordinates are not matched. The confidence mixes how alike their names are (once folded:
accents, case, and the words that only say what a space is, such as "coworking" or "fablab",
left out) and how close they are. Pairs at or above ``SAME`` are linked with ``owl:sameAs``
in the graph ``{base}links``; pairs between ``REVIEW`` and ``SAME`` go to a review list.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import pyoxigraph as ox

from core.namespaces import CWM, OWL, SCHEMA
from loaders import tables
from triplestore.versions import TripleStore, query

NEAR_METRES = 1_000
#: spaces with the very same distinctive name are candidates up to this far apart (one of the
#: sources may place a space at its town's centre)
SAME_NAME_METRES = 25_000
SAME = 0.8
REVIEW = 0.55
#: words that say what a place is, not which one it is (folded)
GENERIC = {
    "coworking", "cowork", "espace", "space", "spazio", "espacio", "fablab", "fab", "lab",
    "makerspace", "hackerspace", "hackspace", "tiers", "lieu", "the", "le", "la", "les", "il",
    "el", "de", "du", "des", "di", "del", "and", "et", "e", "y",
}  # fmt: skip
SPACES = f"""SELECT ?s ?name ?lat ?lon WHERE {{
  ?s a <{CWM}Space> ; <{SCHEMA}name> ?name ;
     <{SCHEMA}latitude> ?lat ; <{SCHEMA}longitude> ?lon }}"""
SAME_AS = OWL + "sameAs"


@dataclass(frozen=True)
class Place:
    iri: str
    source: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Match:
    a: Place
    b: Place
    confidence: float
    metres: float


def words(name: str) -> str:
    folded = re.sub(r"[^a-z0-9]+", " ", tables.fold(name))
    kept = [w for w in folded.split() if w not in GENERIC]
    return " ".join(kept) or folded.strip()


def distance(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle distance in metres (haversine, on a sphere of the Earth's mean radius)."""
    rad = math.radians
    dlat, dlon = rad(lat_b - lat_a), rad(lon_b - lon_a)
    h = math.sin(dlat / 2) ** 2 + math.cos(rad(lat_a)) * math.cos(rad(lat_b)) * (
        math.sin(dlon / 2) ** 2
    )
    return 12_742_000 * math.asin(math.sqrt(h))


def metres(a: Place, b: Place) -> float:
    return distance(a.latitude, a.longitude, b.latitude, b.longitude)


def confidence(a: Place, b: Place, distance: float) -> float:
    """How sure we are that a and b are the same space: 0 to 1."""
    name_a, name_b = words(a.name), words(b.name)
    tokens_a, tokens_b = set(name_a.split()), set(name_b.split())
    jaccard = len(tokens_a & tokens_b) / len(tokens_a | tokens_b) if tokens_a | tokens_b else 0
    similar = max(SequenceMatcher(None, name_a, name_b).ratio(), jaccard)
    reach = SAME_NAME_METRES if _same_name(a, b) else NEAR_METRES
    closeness = max(0.0, 1 - distance / reach)
    return round(0.75 * similar + 0.25 * closeness, 3)


def whole_name(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", tables.fold(name)).split())


def _same_name(a: Place, b: Place) -> bool:
    """The very same name, generic words included ("FabLab Valencia" is not "Hackerspace
    Valencia", though both leave "valencia" once generic words are dropped)."""
    name = whole_name(a.name)
    return len(words(a.name)) >= 5 and name == whole_name(b.name)


def places(store: TripleStore, base: str) -> list[Place]:
    found = []
    for solution in query(store, base, SPACES):
        iri = solution["s"].value
        source = iri[len(f"{base}space/") :].split("/", 1)[0]
        lat, lon = float(solution["lat"].value), float(solution["lon"].value)
        found.append(Place(iri, source, solution["name"].value, lat, lon))
    return found


def candidates(found: list[Place]) -> list[Match]:
    """Pairs of spaces of different sources within NEAR_METRES, with their confidence."""
    cell = NEAR_METRES / 111_000  # degrees of latitude per cell; cells are checked 3 x 3
    wide = 2 * cell  # a degree of longitude is at least half a degree of latitude below 60°
    grid: dict[tuple[int, int], list[Place]] = defaultdict(list)
    for place in found:
        grid[(int(place.latitude // cell), int(place.longitude // wide))].append(place)
    pairs: set[tuple[str, str]] = set()
    matches = []

    def consider(a: Place, b: Place, reach: float) -> None:
        if a.source >= b.source or (a.iri, b.iri) in pairs:
            return
        distance = metres(a, b)
        if distance <= reach:
            pairs.add((a.iri, b.iri))
            matches.append(Match(a, b, confidence(a, b, distance), round(distance)))

    by_name: dict[str, list[Place]] = defaultdict(list)
    for place in found:
        by_name[whole_name(place.name)].append(place)
    for same in by_name.values():
        for a in same:
            for b in same:
                if _same_name(a, b):
                    consider(a, b, SAME_NAME_METRES)
    for (row, column), here in grid.items():
        near = [
            p
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for p in grid.get((row + dr, column + dc), [])
        ]
        for a in here:
            for b in near:
                consider(a, b, NEAR_METRES)
    return sorted(matches, key=lambda m: (-m.confidence, m.a.iri, m.b.iri))


def links(matches: list[Match]) -> list[ox.Triple]:
    """The owl:sameAs links of the matches at or above SAME."""
    same_as = ox.NamedNode(SAME_AS)
    return [
        ox.Triple(ox.NamedNode(m.a.iri), same_as, ox.NamedNode(m.b.iri))
        for m in matches
        if m.confidence >= SAME
    ]


def review_rows(matches: list[Match]) -> list[list[str]]:
    """The review list: every candidate at or above REVIEW, with what was decided."""
    head = ["confidence", "decision", "metres", "name_a", "name_b", "iri_a", "iri_b"]
    rows = [
        [
            f"{m.confidence:.3f}",
            "same" if m.confidence >= SAME else "review",
            str(m.metres),
            m.a.name,
            m.b.name,
            m.a.iri,
            m.b.iri,
        ]
        for m in matches
        if m.confidence >= REVIEW
    ]
    return [head, *rows]
