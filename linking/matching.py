"""Records of different sources that describe the same real space, found by name and distance.

Two spaces of different sources are candidates when they lie within ``NEAR_METRES`` of each
other, or within ``SAME_NAME_METRES`` when their whole names are the same. Spaces without
coordinates are not matched. The confidence (``linking.places.confidence``) mixes how alike
their names are (once folded: accents, case, and the words that only say what a space is, such
as "coworking" or "fablab", left out) and how close they are. Pairs at or above ``SAME`` are
linked with ``owl:sameAs`` in the graph ``{base}links``; pairs between ``REVIEW`` and ``SAME``
go to a review list. The thresholds are the ``link`` rule of ``linking.places.RULES``.

Pure: the spaces are given as the solutions of ``SPACES``, which the caller runs on its store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from linking.places import RULES, Place, confidence, metres, place, same_name, whole_name

LINK = RULES["link"]
NEAR_METRES = LINK.near
SAME_NAME_METRES = LINK.same_name
SAME = LINK.sure
REVIEW = LINK.review
#: every space with coordinates (those without are not matched)
SPACES = """SELECT ?s ?name ?lat ?lon WHERE {
  ?s a <https://w3id.org/coworkmed/def/Space> ; <https://schema.org/name> ?name ;
     <https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?lon }"""
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"


@dataclass(frozen=True)
class Match:
    a: Place
    b: Place
    confidence: float
    metres: float


def places(solutions: Iterable[Any], base: str) -> list[Place]:
    """The spaces of ``solutions`` of ``SPACES`` (run by the caller on a store under ``base``)."""
    return [place(solution, base) for solution in solutions]


def candidates(found: list[Place]) -> list[Match]:
    """Pairs of spaces of different sources within NEAR_METRES, with their confidence."""
    cell = NEAR_METRES / 111_000  # degrees of latitude per cell; cells are checked 3 x 3
    wide = 2 * cell  # a degree of longitude is at least half a degree of latitude below 60°
    grid: dict[tuple[int, int], list[Place]] = defaultdict(list)
    for here in found:  # spaces without coordinates have no cell (SPACES gives none)
        if here.latitude is not None and here.longitude is not None:
            grid[(int(here.latitude // cell), int(here.longitude // wide))].append(here)
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
    for here in found:
        by_name[whole_name(here.name)].append(here)
    for same in by_name.values():
        for a in same:
            for b in same:
                if same_name(a, b):
                    consider(a, b, SAME_NAME_METRES)
    for (row, column), here_cell in grid.items():
        near = [
            p
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for p in grid.get((row + dr, column + dc), [])
        ]
        for a in here_cell:
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
