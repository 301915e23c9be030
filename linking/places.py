"""The one rule of when two records are the same place (distances: ``core.geo``).

A place is a space's IRI, name and coordinates (``Place``). Two places are the same
(``same_place``) by a rule of the table ``RULES``, each a set of thresholds of the same tests:

- ``link``: spaces of different sources (``linking.matching``): within ``near`` metres of each
  other, or ``same_name`` metres when their whole distinctive names are the same, with a
  confidence (how alike their names are once generic words are left out, and how close they
  are) of at least ``sure``; from ``review`` a pair is worth a person's look. Never when the
  two contradict each other on where (``WHERE``: a name shared by sites says nothing then),
  unless they have the same address (``same_address``).
- ``duplicate``: records of a submission, and a submission against what other partners
  published (``validation.duplicates``): names equal once folded, within 200 metres, or one
  of them without coordinates.

Pure: the places are given (``place`` reads one from a SPARQL solution of ``PLACES`` or
``linking.matching.SPACES``); the caller runs the query on whatever store it has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
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
    """A space as the rule sees it; ``row``: the row of the submission it was read from. The
    fields after it are the evidence beyond name and distance (``linking.matching.SPACES`` reads
    them): postcode, town (folded), the website's host (``domain``), the telephone numbers'
    last nine digits and the kinds (local names of the space-kind concepts)."""

    iri: str
    source: str
    name: str
    latitude: float | None
    longitude: float | None
    row: int | None = None
    postcode: str | None = None
    town: str | None = None
    municipality: str | None = None
    street: frozenset[str] = frozenset()
    number: str | None = None  # the house number of its street address ("100", "6bis")
    domain: str | None = None
    phones: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    chain: bool = False  # its source has other records of its name or website: a chain's site
    shared: bool = False  # its source has another record whose name holds its name or is held in it


@dataclass(frozen=True)
class Rule:
    """The thresholds of one use of the same-place rule."""

    near: float  # metres: farther apart, two places are not the same...
    same_name: float  # ...unless their whole distinctive names are the same: then this far
    sure: float  # the least confidence of the same place
    together: float  # the least confidence of any two records of one cluster
    review: float  # the least confidence worth a person's look
    folded_names: bool  # the names must be equal once folded (case, accents, spacing)
    unlocated: bool  # a place without coordinates is the same as one of the same name
    where: bool = False  # records that contradict each other on where (``WHERE``) are two places


#: the rule's uses -> its thresholds
RULES = {
    "link": Rule(
        near=1_000,
        # one of the sources may place a space at its town's centre
        same_name=25_000,
        sure=0.8,
        review=0.55,
        # a cluster joins two others only when every record of one could be each of the other
        together=0.7,
        folded_names=False,
        unlocated=False,
        where=True,
    ),
    "duplicate": Rule(
        near=200,
        same_name=200,
        sure=0.0,
        review=0.0,
        together=0.0,
        folded_names=True,
        unlocated=True,
    ),
}


def metres(a: Place, b: Place) -> float:
    """How far apart two places are; infinite when one has no coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return math.inf
    return distance(a.latitude, a.longitude, b.latitude, b.longitude)


@lru_cache(maxsize=65536)
def words(name: str) -> str:
    """A name's distinctive words: folded, generic words left out (all of it if nothing else)."""
    folded = re.sub(r"[^a-z0-9]+", " ", tables.fold(name))
    kept = [w for w in folded.split() if w not in GENERIC]
    return " ".join(kept) or folded.strip()


@lru_cache(maxsize=65536)
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
    """The farthest apart ``a`` and ``b`` may be and still be the same place: farther for the
    same name, unless that name is shared by several sites of a source (``sites``) and both
    are located at a street address: then distance beats name."""
    limits = RULES[rule]
    addressed = bool(a.street and b.street) and sites(a, b)
    return limits.same_name if same_name(a, b) and not addressed else limits.near


#: how close two places are when one has no coordinates, by what their addresses share
UNLOCATED_CLOSENESS = {"postcode": 0.8, "town": 0.6}
#: what each piece of evidence beyond name and distance adds to (or takes from) a confidence
EVIDENCE = {
    "same_website": 0.25,  # the same site (a host only one record of a source uses, else its page)
    "same_phone": 0.25,  # the same telephone number (last nine digits)
    "same_town": 0.1,  # located: the same municipality, else the same town name
    "same_street": 0.1,  # the streets share a distinctive word
    "other_street": -0.05,  # both streets known and no distinctive word in common...
    "other_address": -0.1,  # ...and no coordinates to tell
    "other_town": -0.3,  # no coordinates to tell, and both towns known and different
    "other_kind": -0.15,  # both kinds known, none in common, and the whole names differ
    "chain_apart": -0.2,  # a chain's site, farther than CONTAINED_METRES and not on one street
}
#: the words of a street that say what kind of way it is, not which one
STREET_WORDS = {
    "rue", "avenue", "av", "ave", "boulevard", "bd", "blvd", "place", "pl", "allee", "allees",
    "quai", "impasse", "chemin", "route", "rte", "cours", "via", "viale", "piazza", "corso",
    "calle", "avenida", "plaza", "rua", "largo", "travessa", "ulica", "odos", "bis", "ter",
    "the", "le", "la", "les", "de", "du", "des", "di", "del", "da", "do", "et", "and", "l", "d",
}  # fmt: skip


def street_words(street: str) -> frozenset[str]:
    """A street's distinctive words: folded, without numbers and the words of ``STREET_WORDS``."""
    folded = re.sub(r"[^a-z]+", " ", tables.fold(street)).split()
    return frozenset(w for w in folded if len(w) > 2 and w not in STREET_WORDS)


def _compact(name: str) -> str:
    return whole_name(name).replace(" ", "")


def closeness(a: Place, b: Place, distance: float, rule: str = "link") -> float:
    """0 to 1: how close two places are, within the rule's ``near`` metres; from their
    addresses when one has no coordinates. Farther apart (two places of the same whole name
    may be up to ``same_name`` metres apart), the town and the street have to tell."""
    if not math.isinf(distance):
        return max(0.0, 1 - distance / RULES[rule].near)
    if a.postcode and a.postcode == b.postcode:
        return UNLOCATED_CLOSENESS["postcode"]
    if a.town and a.town == b.town and not (a.postcode and b.postcode):
        return UNLOCATED_CLOSENESS["town"]
    return 0.0


def same_town(a: Place, b: Place) -> bool:
    """Whether two places lie in the same town: by municipality when both have one, else by
    their towns' names."""
    if a.municipality and b.municipality:
        return a.municipality == b.municipality
    return bool(a.town) and a.town == b.town


def other_town(a: Place, b: Place) -> bool:
    """Whether two places are known to lie in different towns (the opposite of ``same_town``
    when both towns are known)."""
    if a.municipality and b.municipality:
        return a.municipality != b.municipality
    return bool(a.town and b.town) and a.town != b.town


def other_streets(a: Place, b: Place) -> bool:
    """Whether both streets are known and share no distinctive word."""
    return bool(a.street and b.street) and not a.street & b.street


def other_postcodes(a: Place, b: Place) -> bool:
    """Whether both postcodes are known and differ."""
    return bool(a.postcode and b.postcode) and a.postcode != b.postcode


def same_address(a: Place, b: Place) -> bool:
    """Whether two places have the same street address: the same house number on a street of
    a distinctive word in common, in the same town (a postcode may be mistyped: "100 boulevard
    Beaumarchais" is 75011 and one record says 75003)."""
    return (
        bool(a.number)
        and a.number == b.number
        and bool(a.street & b.street)
        and not (other_town(a, b))
    )


def sites(a: Place, b: Place) -> bool:
    """Whether the name of one of two places is shared by several sites of its source (a chain,
    or "Le 10h10" beside "Le 10h10 Saint-Martin"): then the name alone does not say which."""
    return a.chain or b.chain or a.shared or b.shared


#: when two records contradict each other on where they are: then a name they share says
#: nothing and they are two places (the ``link`` rule), within one source and across sources
#: alike. Each test: the two places and how far apart they are (infinite when one has no
#: coordinates). Across sources, a name only one site of each source has may keep its place
#: though one source gives an old address (a fab lab that moved): streets and distance then
#: weigh in ``EVIDENCE``, not here.
WHERE: dict[str, Callable[[Place, Place, float], bool]] = {
    # a source that gives two records different streets lists two sites, however close
    "one_source_two_streets": lambda a, b, far: a.source == b.source and other_streets(a, b),
    # a name of several sites: different streets, farther apart than a building's corners
    "sites_on_two_streets": lambda a, b, far: (
        sites(a, b) and other_streets(a, b) and far > CONTAINED_METRES
    ),
    # a name of several sites, both at a street address and farther apart than ``near``
    "sites_far_apart": lambda a, b, far: (
        sites(a, b)
        and bool(a.street and b.street)
        and not math.isinf(far)
        and far > RULES["link"].near
    ),
    # two towns, and no close points to say it is a town's edge
    "two_towns": lambda a, b, far: other_town(a, b) and far > CONTAINED_METRES,
    # two postcodes and two streets, of one source or without coordinates to tell
    "two_postcodes": lambda a, b, far: (
        other_postcodes(a, b)
        and not a.street & b.street
        and (a.source == b.source or math.isinf(far))
    ),
}


def contradiction(a: Place, b: Place, far: float) -> str | None:
    """The first test of ``WHERE`` that two places ``far`` metres apart meet, unless they have
    the same address (``same_address``): then they are where each other is."""
    if same_address(a, b):
        return None
    return next((name for name, test in WHERE.items() if test(a, b, far)), None)


def held(a: Place, b: Place) -> bool:
    """Whether the distinctive words of one name are all in the other's (the towns' names left
    out: "Coworking Bordeaux" is not in "Now Coworking Bordeaux")."""
    towns = set(f"{a.town or ''} {b.town or ''}".split())
    tokens_a, tokens_b = set(words(a.name).split()) - towns, set(words(b.name).split()) - towns
    return bool(tokens_a and tokens_b) and (tokens_a <= tokens_b or tokens_b <= tokens_a)


def house_number(street: str) -> str | None:
    """The house number of a street address, folded ("100 bd X": "100"; "Via Roma, 32": "32";
    "6bis rue": "6bis"); None without one."""
    found = re.search(r"\b(\d+)\s*(bis|ter|[a-z])?\b", tables.fold(street))
    return f"{found.group(1)}{found.group(2) or ''}" if found else None


def town_name(name: str) -> str:
    """A town's name folded, its district numbers and "cedex" left out ("Paris 11e": "paris";
    "St" written out: "st georges" is "saint georges")."""
    kept = [TOWN_WORDS.get(w, w) for w in whole_name(name).split() if not TOWN_NOISE.fullmatch(w)]
    return " ".join(kept)


#: the words of a town's name that say which district or sorting office, not which town
TOWN_NOISE = re.compile(r"\d+\w*|cedex|arrondissement|arr|er|e|eme")
#: abbreviations in towns' names, written out
TOWN_WORDS = {"st": "saint", "ste": "sainte"}


def evidence(a: Place, b: Place, distance: float) -> dict[str, bool]:
    """Which pieces of ``EVIDENCE`` hold for two places ``distance`` metres apart."""
    return {
        "same_website": bool(a.domain) and a.domain == b.domain,
        "same_phone": bool(a.phones & b.phones),
        "same_town": not math.isinf(distance) and same_town(a, b),
        "same_street": bool(a.street & b.street),
        "other_street": bool(a.street and b.street) and not a.street & b.street,
        "other_address": math.isinf(distance)
        and bool(a.street and b.street)
        and not a.street & b.street,
        "other_town": math.isinf(distance) and other_town(a, b),
        "chain_apart": (a.chain or b.chain)
        and distance > CONTAINED_METRES
        and not a.street & b.street,
        "other_kind": bool(a.kinds and b.kinds)
        and not a.kinds & b.kinds
        and whole_name(a.name) != whole_name(b.name),
    }


def similarity(a: Place, b: Place, near: bool = False) -> float:
    """How alike two names are: 0 to 1, the best of the characters' ratio and the share of
    common words once generic words are left out, and 1 when the whole names are the same
    written without spaces ("QUAI-LAB", "Quailab"). With ``near`` (the places are known to be
    close), a name whose distinctive words are all in the other's counts as 0.9 ("FunLab", "FunLab
    Tours"; the towns' names do not count: "Coworking Bordeaux" is not in "Now Coworking
    Bordeaux")."""
    name_a, name_b = words(a.name), words(b.name)
    alike = max(_similarity(name_a, name_b), float(_compact(a.name) == _compact(b.name)))
    if near and held(a, b):
        alike = max(alike, CONTAINED)
    return alike


#: how alike a name is to one that holds all its distinctive words, when both are close
CONTAINED = 0.9
#: metres within which two places are close enough for one name to hold the other (a chain's
#: sites, whose names all hold the chain's, have to be closer still)
CONTAINED_METRES = 200
CONTAINED_CHAIN_METRES = 50


@lru_cache(maxsize=65536)
def _ratio(name_a: str, name_b: str) -> float:
    return SequenceMatcher(None, name_a, name_b).ratio()


@lru_cache(maxsize=65536)
def _similarity(name_a: str, name_b: str) -> float:
    tokens_a, tokens_b = set(name_a.split()), set(name_b.split())
    jaccard = len(tokens_a & tokens_b) / len(tokens_a | tokens_b) if tokens_a | tokens_b else 0
    return max(_ratio(name_a, name_b), jaccard)


def confidence(a: Place, b: Place, distance: float, rule: str = "link") -> float:
    """How sure we are that a and b, ``distance`` metres apart, are the same space: 0 to 1."""
    return round(min(1.0, max(0.0, score(a, b, distance, rule))), 3)


def score(a: Place, b: Place, distance: float, rule: str = "link") -> float:
    """``confidence`` before it is bounded to 0 to 1: it ranks two sure candidates."""
    found = evidence(a, b, distance)
    within = CONTAINED_CHAIN_METRES if a.chain or b.chain else CONTAINED_METRES
    near = (
        distance <= within
        or same_address(a, b)
        or (found["same_street"] and not (a.chain or b.chain))
        or (math.isinf(distance) and bool(a.postcode) and a.postcode == b.postcode)
    )
    base = 0.75 * similarity(a, b, near) + 0.25 * closeness(a, b, distance, rule)
    extra = sum(EVIDENCE[name] for name, true in found.items() if true)
    return base + extra


def same_place(a: Place, b: Place, rule: str = "link") -> bool:
    """Whether ``a`` and ``b`` are the same place, by the thresholds ``RULES[rule]``."""
    limits = RULES[rule]
    if limits.folded_names and tables.fold(a.name) != tables.fold(b.name):
        return False
    apart = metres(a, b)
    if limits.where and contradiction(a, b, apart):
        return False
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
