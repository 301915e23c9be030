"""The one rule of when two records are the same place (distances: ``core.geo``).

A place is a space's IRI, name and coordinates (``Place``). Two places are the same
(``same_place``) by a rule of the table ``RULES``, each a set of thresholds of the same tests:

- ``link``: spaces of different sources (``linking.matching``): within ``near`` metres of each
  other, or ``same_name`` metres when their whole distinctive names are the same, with a
  confidence (how alike their names are once generic words are left out, and how close they
  are) of at least ``sure``; from ``review`` a pair is worth a person's look.
- ``duplicate``: records of a submission, and a submission against what other partners
  published (``validation.duplicates``): names equal once folded, within 200 metres, or one
  of them without coordinates.

Pure: the places are given (``place`` reads one from a SPARQL solution of ``PLACES`` or
``linking.matching.SPACES``); the caller runs the query on whatever store it has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from core.geo import distance
from loaders import tables

#: every space with its name, and its coordinates when it has them
PLACES = (
    "SELECT ?s ?name ?lat ?lon WHERE { ?s a <https://w3id.org/coworkmed/def/Space> ; "
    "<https://schema.org/name> ?name . "
    "OPTIONAL { ?s <https://schema.org/latitude> ?lat ; <https://schema.org/longitude> ?lon } }"
)
#: words that say what a place is, not which one it is (folded)
GENERIC = {
    "coworking", "cowork", "espace", "space", "spazio", "espacio", "fablab", "fab", "lab",
    "makerspace", "hackerspace", "hackspace", "tiers", "lieu", "the", "le", "la", "les", "il",
    "el", "de", "du", "des", "di", "del", "and", "et", "e", "y",
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A space as the rule sees it; ``row``: the row of the submission it was read from."""

    iri: str
    source: str
    name: str
    latitude: float | None
    longitude: float | None
    row: int | None = None


@dataclass(frozen=True)
class Rule:
    """The thresholds of one use of the same-place rule."""

    near: float  # metres: farther apart, two places are not the same...
    same_name: float  # ...unless their whole distinctive names are the same: then this far
    sure: float  # the least confidence of the same place
    review: float  # the least confidence worth a person's look
    folded_names: bool  # the names must be equal once folded (case, accents, spacing)
    unlocated: bool  # a place without coordinates is the same as one of the same name


#: the rule's uses -> its thresholds
RULES = {
    "link": Rule(
        near=1_000,
        # one of the sources may place a space at its town's centre
        same_name=25_000,
        sure=0.8,
        review=0.55,
        folded_names=False,
        unlocated=False,
    ),
    "duplicate": Rule(
        near=200, same_name=200, sure=0.0, review=0.0, folded_names=True, unlocated=True
    ),
}


def metres(a: Place, b: Place) -> float:
    """How far apart two places are; infinite when one has no coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return math.inf
    return distance(a.latitude, a.longitude, b.latitude, b.longitude)


def words(name: str) -> str:
    """A name's distinctive words: folded, generic words left out (all of it if nothing else)."""
    folded = re.sub(r"[^a-z0-9]+", " ", tables.fold(name))
    kept = [w for w in folded.split() if w not in GENERIC]
    return " ".join(kept) or folded.strip()


def whole_name(name: str) -> str:
    """A name folded, generic words included."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", tables.fold(name)).split())


def same_name(a: Place, b: Place) -> bool:
    """The very same name, generic words included ("FabLab Valencia" is not "Hackerspace
    Valencia", though both leave "valencia" once generic words are dropped), whose distinctive
    part (``words``) has at least five characters: "Lab 42" alone says too little."""
    name = whole_name(a.name)
    return len(words(a.name)) >= 5 and name == whole_name(b.name)


def reach(a: Place, b: Place, rule: str = "link") -> float:
    """The farthest apart ``a`` and ``b`` may be and still be the same place."""
    limits = RULES[rule]
    return limits.same_name if same_name(a, b) else limits.near


def confidence(a: Place, b: Place, distance: float, rule: str = "link") -> float:
    """How sure we are that a and b, ``distance`` metres apart, are the same space: 0 to 1."""
    name_a, name_b = words(a.name), words(b.name)
    tokens_a, tokens_b = set(name_a.split()), set(name_b.split())
    jaccard = len(tokens_a & tokens_b) / len(tokens_a | tokens_b) if tokens_a | tokens_b else 0
    similar = max(SequenceMatcher(None, name_a, name_b).ratio(), jaccard)
    closeness = max(0.0, 1 - distance / reach(a, b, rule))
    return round(0.75 * similar + 0.25 * closeness, 3)


def same_place(a: Place, b: Place, rule: str = "link") -> bool:
    """Whether ``a`` and ``b`` are the same place, by the thresholds ``RULES[rule]``."""
    limits = RULES[rule]
    if limits.folded_names and tables.fold(a.name) != tables.fold(b.name):
        return False
    apart = metres(a, b)
    if math.isinf(apart):
        return limits.unlocated
    return apart <= reach(a, b, rule) and confidence(a, b, apart, rule) >= limits.sure


def _number(term: Any) -> float | None:
    return None if term is None else float(term.value)


def place(solution: Any, base: str, row: int | None = None) -> Place:
    """The place of one solution of ``PLACES`` (or ``linking.matching.SPACES``)."""
    iri = solution["s"].value
    source = iri[len(f"{base}space/") :].split("/", 1)[0]
    latitude, longitude = _number(solution["lat"]), _number(solution["lon"])
    return Place(iri, source, solution["name"].value, latitude, longitude, row)


def published_places(solutions: Iterable[Any], base: str, source: str) -> list[Place]:
    """The spaces other sources than ``source`` published: ``solutions`` of ``PLACES`` run on
    the published store (by the caller, which owns the store)."""
    mine = f"{base}space/{source}/"
    found = [place(solution, base) for solution in solutions]
    return [p for p in found if not p.iri.startswith(mine)]
