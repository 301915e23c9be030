"""Records of different sources that describe the same real place: candidates, links, clusters.

Candidates come from blocks (``blocks``), never from every pair: the records near each other
(a grid of ``NEAR_METRES`` cells), the records of the same whole name, of the same website or
telephone number, and the records of one town or postcode that share a distinctive word of
their names (records without coordinates are found this way). Each candidate pair of different
sources gets a confidence (``linking.places.confidence``: names once folded, distance or, without
coordinates, postcode and town, and the evidence of ``linking.places.EVIDENCE``: website, phone,
town, kind). Pairs at or above ``SAME`` are linked; pairs between ``REVIEW`` and ``SAME`` go to
a review list. The thresholds are the ``link`` rule of ``linking.places.RULES``.

Clusters (``clusters``) join linked pairs, surest first, but never chain: two clusters are
joined only when every pair of records across them could be the same place (``compatible``):
two records that contradict each other on where (``linking.places.WHERE``: two streets of one
source, a chain's name on two streets, two towns...), two records of one source that are not
sure duplicates (nor one address with one name held in the other), or two records farther
apart than the rule reaches, or a pair whose confidence is below ``REVIEW``, keep their
clusters apart. Each cluster is one canonical place (``canonical_iri``: a hash of its smallest
record IRI, stable across rebuilds while that record stays), named and derived from its
records, written with the owl:sameAs links in ``{base}links`` (``link_graph``).

Pure: the spaces are read by ``read_places`` through queries the caller runs on its store.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

from core.namespaces import CWM, LOCN, OWL, PROV, RDF_TYPE, SCHEMA
from linking.places import (
    RULES,
    Place,
    confidence,
    contradiction,
    held,
    house_number,
    metres,
    reach,
    same_address,
    score,
    street_words,
    town_name,
    whole_name,
    words,
)

LINK = RULES["link"]
NEAR_METRES = LINK.near
SAME_NAME_METRES = LINK.same_name
SAME = LINK.sure
REVIEW = LINK.review
TOGETHER = LINK.together
#: a block of more records than this (a common word in a big town) says too little to compare
LARGEST_BLOCK = 60
#: what the rule reads of each space: one single-pattern query per property (joins over the
#: union of the published graphs are slow; each pattern alone is fast), joined here
SPACE_PROPERTIES = {
    "name": f"{SCHEMA}name",
    "lat": f"{SCHEMA}latitude",
    "lon": f"{SCHEMA}longitude",
    "url": f"{SCHEMA}url",
    "phones": f"{SCHEMA}telephone",
    "kinds": f"{CWM}spaceKind",
    "municipality": f"{CWM}municipality",
    "address": f"{LOCN}address",
}
ADDRESS_PROPERTIES = {
    "postcode": f"{LOCN}postCode",
    "town": f"{LOCN}postName",
    "street": f"{LOCN}thoroughfare",
}
#: the spaces themselves
SPACES = f"SELECT ?s WHERE {{ ?s a <{CWM}Space> }}"


def property_query(iri: str) -> str:
    """The query of one property's values: ``?s`` and ``?o``."""
    return f"SELECT ?s ?o WHERE {{ ?s <{iri}> ?o }}"


def read_places(run: Callable[[str], Iterable[Any]], base: str) -> list[Place]:
    """Every space of the store that ``run`` queries (the caller's: it owns the store), with the
    evidence the rule weighs, read with ``SPACES`` and one ``property_query`` per property."""
    spaces = {str(row["s"].value) for row in run(SPACES)}
    values: dict[str, dict[str, list[str]]] = {iri: defaultdict(list) for iri in spaces}
    addresses: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for field, iri in SPACE_PROPERTIES.items():
        for row in run(property_query(iri)):
            subject = str(row["s"].value)
            if subject in values:
                values[subject][field].append(str(row["o"].value))
    for field, iri in ADDRESS_PROPERTIES.items():
        for row in run(property_query(iri)):
            addresses[str(row["s"].value)][field].append(str(row["o"].value))
    for fields in values.values():
        for address in fields.get("address", []):
            for field, found in addresses.get(address, {}).items():
                fields[field].extend(found)
    return in_context([_place(iri, values[iri], base) for iri in sorted(spaces)])


SAME_AS = OWL + "sameAs"
#: where the canonical places are named, under the data's base
PLACES_PATH = "place/"


@dataclass(frozen=True)
class Match:
    a: Place
    b: Place
    confidence: float
    metres: float
    score: float = 0.0  # the confidence unbounded (``linking.places.score``): ranks sure pairs


def _site(url: str | None) -> str | None:
    """A website as host and page, folded: ``www.`` and the scheme, query and last slash left
    out (``in_context`` keeps only the host when no other record of the source shares it)."""
    if not url:
        return None
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/').lower()}" if host else None


def _first(fields: dict[str, list[str]], name: str) -> str | None:
    found = sorted(v for v in fields.get(name, []) if v)
    return found[0] if found else None


def _place(iri: str, fields: dict[str, list[str]], base: str) -> Place:
    """A space as the rule sees it, from the values ``read_places`` found for it."""
    source = iri[len(f"{base}space/") :].split("/", 1)[0]
    town, lat, lon = _first(fields, "town"), _first(fields, "lat"), _first(fields, "lon")
    phones = fields.get("phones", [])
    return Place(
        iri,
        source,
        _first(fields, "name") or "",
        None if lat is None or lon is None else float(lat),
        None if lat is None or lon is None else float(lon),
        postcode=(_first(fields, "postcode") or "").replace(" ", "") or None,
        town=town_name(town) if town else None,
        municipality=_first(fields, "municipality"),
        street=street_words(_first(fields, "street") or ""),
        number=house_number(_first(fields, "street") or ""),
        domain=_site(_first(fields, "url")),
        phones=frozenset(re.sub(r"\D", "", p)[-9:] for p in phones if re.search(r"\d{6}", p)),
        kinds=frozenset(k.rsplit("/", 1)[-1] for k in fields.get("kinds", [])),
    )


def in_context(found: list[Place]) -> list[Place]:
    """The places as the other records of their source tell: a website reduced to its host
    unless two records of one source share that host (fablabs.io, a directory, a chain's site:
    then the page stays), and ``chain`` set on a record whose source has others of its
    distinctive name or of its very page (a chain's home page; a directory's pages differ)."""
    hosts: Counter[tuple[str, str]] = Counter()
    pages: Counter[tuple[str, str]] = Counter()
    names: Counter[tuple[str, str]] = Counter()
    for here in found:
        names[(here.source, words(here.name))] += 1
        if here.domain:
            hosts[(here.source, here.domain.split("/", 1)[0])] += 1
            pages[(here.source, here.domain)] += 1
    shared = {host for (_source, host), count in hosts.items() if count > 1}

    held_names = _held_names(found)

    def context(here: Place) -> Place:
        chain = names[(here.source, words(here.name))] > 1 or (
            here.domain is not None and pages[(here.source, here.domain)] > 1
        )
        host = here.domain.split("/", 1)[0] if here.domain else None
        site = here.domain if host is None or host in shared else host
        return _replace(here, domain=site, chain=chain, shared=here.iri in held_names)

    return [context(here) for here in found]


def _held_names(found: list[Place]) -> set[str]:
    """The records whose source has another record of the same website's host, of another
    distinctive name that holds theirs or is held in it ("Le 10h10" and "Le 10h10
    Saint-Martin", both of le10h10.com): compared only within a source, a town, a host and a
    first distinctive word."""
    groups: dict[tuple[str, str, str, str], list[Place]] = defaultdict(list)
    for here in found:
        first = words(here.name).split()
        if first and here.town and here.domain:
            host = here.domain.split("/", 1)[0]
            groups[(here.source, here.town, host, first[0])].append(here)
    marked: set[str] = set()
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if words(a.name) != words(b.name) and held(a, b):
                    marked.update((a.iri, b.iri))
    return marked


def _replace(here: Place, **changes: Any) -> Place:
    from dataclasses import replace

    return replace(here, **changes)


def _grid(found: list[Place]) -> Iterator[list[Place]]:
    """Blocks of the places within reach of each other: each cell with its eight neighbours."""
    cell = NEAR_METRES / 111_000  # degrees of latitude per cell
    wide = 2 * cell  # a degree of longitude is at least half a degree of latitude below 60°
    grid: dict[tuple[int, int], list[Place]] = defaultdict(list)
    for here in found:
        if here.latitude is not None and here.longitude is not None:
            grid[(int(here.latitude // cell), int(here.longitude // wide))].append(here)
    for row, column in grid:
        yield [
            p
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for p in grid.get((row + dr, column + dc), [])
        ]


def _keys(here: Place) -> set[tuple[str, ...]]:
    """The blocks a place belongs to beside the grid: whole name, website, phones, and in its
    town, postcode and municipality: all their records, its distinctive name, and each
    distinctive word of it."""
    keys: set[tuple[str, ...]] = {("phone", p) for p in here.phones}
    if len(words(here.name)) >= 5:
        keys.add(("name", whole_name(here.name)))
    if here.domain:
        keys.add(("site", here.domain))
    for where in (here.town, here.postcode, here.municipality):
        if where:
            keys.add(("in", where))  # a small town's records (a big town's block is too big)
            keys.add(("name", where, words(here.name)))  # "Le 50", "Le 50 Coworking"
            keys.update(("word", where, word) for word in words(here.name).split() if len(word) > 2)
    return keys


def blocks(found: list[Place]) -> Iterator[list[Place]]:
    """Groups of places worth comparing with each other (``_keys`` and the grid)."""
    yield from _grid(found)
    keyed: dict[tuple[str, ...], list[Place]] = defaultdict(list)
    for here in found:
        for key in _keys(here):
            keyed[key].append(here)
    for members in keyed.values():
        if 1 < len(members) <= LARGEST_BLOCK:
            yield members


def possible(a: Place, b: Place, distance: float) -> bool:
    """Whether two places may be the same at all: not when they contradict each other on where
    (``linking.places.WHERE``), else within the rule's reach when both have coordinates, else
    in the same town or postcode, or with the same site or phone."""
    if contradiction(a, b, distance):
        return False
    if not math.isinf(distance):
        return distance <= reach(a, b)
    return bool(
        (a.postcode and a.postcode == b.postcode)
        or (a.town and a.town == b.town)
        or (a.municipality and a.municipality == b.municipality)
        or (a.domain and a.domain == b.domain)
        or a.phones & b.phones
    )


def _match(a: Place, b: Place) -> Match | None:
    distance = metres(a, b)
    if not possible(a, b, distance):
        return None
    strength = score(a, b, distance)
    apart = distance if math.isinf(distance) else round(distance)
    return Match(a, b, round(min(1.0, max(0.0, strength)), 3), apart, strength)


def candidates(found: list[Place], within_sources: bool = False) -> list[Match]:
    """Pairs of spaces of different sources (and of one source too with ``within_sources``)
    that share a block and may be the same place, with their confidence, surest first."""
    seen: set[tuple[str, str]] = set()
    matches = []
    for members in blocks(found):
        for a, b in _pairs(members, within_sources):
            first, second = (a, b) if a.iri < b.iri else (b, a)
            if first.source == second.source and not one_name(first, second):
                continue  # within a source, only records of one name may be one place
            if (first.iri, second.iri) in seen:
                continue
            seen.add((first.iri, second.iri))
            found_match = _match(first, second)
            if found_match is not None:
                matches.append(found_match)
    return sorted(matches, key=lambda m: (-m.confidence, m.a.iri, m.b.iri))


def _pairs(members: list[Place], within_sources: bool) -> Iterator[tuple[Place, Place]]:
    """The pairs of a block worth comparing: every pair of records of two sources, and with
    ``within_sources`` the pairs of one source that ``one_name`` may accept, found through what
    it requires (the same distinctive words, or the same house number), not by trying every
    pair: a block of the grid in a dense town holds thousands of one source's records."""
    by_source: dict[str, list[Place]] = defaultdict(list)
    for here in members:
        by_source[here.source].append(here)
    sources = list(by_source.values())
    for i, ours in enumerate(sources):
        for theirs in sources[i + 1 :]:
            yield from ((a, b) for a in ours for b in theirs)
    if not within_sources:
        return
    for ours in sources:
        alike: dict[tuple[str, str], list[Place]] = defaultdict(list)
        for here in ours:
            alike[("words", words(here.name))].append(here)
            if here.number:
                alike[("number", here.number)].append(here)
        for group in alike.values():
            yield from ((a, b) for i, a in enumerate(group) for b in group[i + 1 :])


def naive_candidates(found: list[Place]) -> list[Match]:
    """``candidates`` by comparing every pair of different sources: the benchmark's peer."""
    matches = []
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            first, second = (a, b) if a.iri < b.iri else (b, a)
            if first.source != second.source:
                found_match = _match(first, second)
                if found_match is not None:
                    matches.append(found_match)
    return sorted(matches, key=lambda m: (-m.confidence, m.a.iri, m.b.iri))


def one_name(a: Place, b: Place) -> bool:
    """Whether two records of one source may name one place: the same distinctive name, or at
    the same address one name held in the other ("Start-Way", "Start-way Bastille")."""
    return words(a.name) == words(b.name) or (same_address(a, b) and held(a, b))


def compatible(a: Place, b: Place) -> bool:
    """Whether two records may share a cluster: never when they contradict each other on where
    (``linking.places.WHERE``); of one source only as sure duplicates (``one_name``, a
    confidence at or above SAME, coordinates, and kinds in common when both have some:
    "Fablab X" and "Coworking X" in one building are two places), and never farther apart
    than the rule's reach or below TOGETHER."""
    distance = metres(a, b)
    if not possible(a, b, distance):
        return False
    sure = confidence(a, b, distance)
    if a.source == b.source:
        kinds = not (a.kinds and b.kinds) or bool(a.kinds & b.kinds)
        # two of one town's records may be two sites, unless they have the same address
        located = not math.isinf(distance) or same_address(a, b)
        return one_name(a, b) and sure >= SAME and kinds and located
    return sure >= TOGETHER


def mutual(matches: list[Match]) -> list[Match]:
    """The matches at or above SAME where each record is the other's one best candidate in
    the other's source: a record with two equally good candidates in a source (two sites of a
    chain of the same name) is linked to neither."""
    best: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    for m in matches:
        best[(m.a.iri, m.b.source)].append((m.score, m.b.iri))
        best[(m.b.iri, m.a.source)].append((m.score, m.a.iri))

    def chosen(iri: str, source: str, other: str) -> bool:
        ranked = sorted(best[(iri, source)], reverse=True)
        top = ranked[0][0]
        return ranked[0][1] == other and (len(ranked) == 1 or ranked[1][0] < top)

    return [
        m
        for m in matches
        if m.confidence >= SAME
        and chosen(m.a.iri, m.b.source, m.b.iri)
        and chosen(m.b.iri, m.a.source, m.a.iri)
    ]


def clusters(found: list[Place], matches: list[Match] | None = None) -> list[list[Place]]:
    """Every place in exactly one cluster: the mutual best links (``mutual``) joined surest
    first, two clusters only when all their records are ``compatible``; sorted by IRI."""
    matches = candidates(found, within_sources=True) if matches is None else matches
    linked = sorted(
        (m for m in mutual(matches) if m.a.source != m.b.source or compatible(m.a, m.b)),
        key=lambda m: (-m.score, m.a.iri, m.b.iri),
    )
    cluster_of: dict[str, int] = {p.iri: i for i, p in enumerate(found)}
    members: dict[int, list[Place]] = {i: [p] for i, p in enumerate(found)}
    for m in linked:
        left, right = cluster_of[m.a.iri], cluster_of[m.b.iri]
        if left == right:
            continue
        if all(compatible(a, b) for a in members[left] for b in members[right]):
            for moved in members[right]:
                cluster_of[moved.iri] = left
            members[left].extend(members.pop(right))
    return sorted(
        (sorted(group, key=lambda p: p.iri) for group in members.values()),
        key=lambda group: group[0].iri,
    )


def canonical_iri(cluster: list[Place], base: str) -> str:
    """The canonical place of a cluster, ``{base}place/{key}``: the key is the first 16 hex
    digits of the SHA-256 of its smallest record IRI (stable while that record is published)."""
    smallest = min(p.iri for p in cluster)
    return f"{base}{PLACES_PATH}{hashlib.sha256(smallest.encode('utf-8')).hexdigest()[:16]}"


def place_name(cluster: list[Place]) -> str:
    """A canonical place's name: the most common name of its records, of the smallest record
    IRI among the names as common."""
    ordered = sorted(cluster, key=lambda p: p.iri)
    counts = Counter(p.name for p in ordered if p.name)
    if not counts:
        return ""
    first = {name: i for i, name in reversed(list(enumerate(p.name for p in ordered)))}
    return max(counts, key=lambda name: (counts[name], -first[name]))


def link_graph(groups: list[list[Place]], base: str) -> list[ox.Triple]:
    """The graph ``{base}links``: each record's canonical place (a cwm:Place named by
    ``place_name`` and derived from each of its records, ``prov:wasDerivedFrom``: the place's
    page lists them with their datasets), and owl:sameAs from the smallest record of each
    cluster of two or more to each of the others."""
    same_as, canonical = ox.NamedNode(SAME_AS), ox.NamedNode(CWM + "canonicalPlace")
    a, place_class = ox.NamedNode(RDF_TYPE), ox.NamedNode(CWM + "Place")
    name, derived = ox.NamedNode(SCHEMA + "name"), ox.NamedNode(PROV + "wasDerivedFrom")
    triples = []
    for group in groups:
        place_iri = ox.NamedNode(canonical_iri(group, base))
        triples.append(ox.Triple(place_iri, a, place_class))
        named = place_name(group)
        if named:
            triples.append(ox.Triple(place_iri, name, ox.Literal(named)))
        first = ox.NamedNode(group[0].iri)
        for record in group:
            triples.append(ox.Triple(ox.NamedNode(record.iri), canonical, place_iri))
            triples.append(ox.Triple(place_iri, derived, ox.NamedNode(record.iri)))
            if record.iri != group[0].iri:
                triples.append(ox.Triple(first, same_as, ox.NamedNode(record.iri)))
    return triples


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
