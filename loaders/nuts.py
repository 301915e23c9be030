"""The NUTS regions of the network's countries as RDF, and their names in the six languages.

Levels 0 to 3 as ``http://data.europa.eu/nuts/code/{CODE}``, each linked by ``skos:broader``
to the level above. The NUTS-3 regions carry what Eurostat's reference gives for them
(``tables/nuts3-regions.json``, derived from GISCO's NUTS 2021 tables: name, population 2021,
area in km², urban-rural, mountain and coastal typology codes, the codes turned into the
concepts of the code lists of the same name); a region of level 0 to 2 carries the sums of its
NUTS-3 regions. Countries are named from pycountry's translations of ISO 3166; a NUTS-3 region
by the name the reference gives it (in its own language, one name for every language); levels 1
and 2 have no name in the reference and are shown by their code.

Data © Eurostat, administrative boundaries © EuroGeographics (GISCO terms of use: reuse with
attribution); see ``ATTRIBUTION``.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import pyoxigraph as ox

from core.namespaces import CWM, DCTERMS, EU_COUNTRY, NUTS_CODE, RDF_TYPE, SKOS, XSD
from core.vocabulary import LANGUAGES
from loaders import enrich, tables
from loaders.concepts import default_index

#: the attribution the reference's terms ask for, in every place the regions are published
ATTRIBUTION = (
    "NUTS 2021 regions and typologies: © Eurostat; administrative boundaries: © EuroGeographics "
    "(GISCO), via riatelab/map-templates (CC0)"
)

#: the typologies of a NUTS-3 region: field of the table -> (property, code list)
TYPOLOGIES: dict[str, tuple[str, str]] = {
    "urban_rural": (CWM + "urbanRuralType", "urban-rural-type"),
    "mountain": (CWM + "mountainType", "mountain-type"),
    "coastal": (CWM + "coastalType", "coastal-type"),
}

#: the length of a NUTS code at each level (the country prefix is two letters)
LEVEL_LENGTHS = (2, 3, 4, 5)


@cache
def known_regions() -> frozenset[str]:
    """Every NUTS code of the territory reference, levels 0 to 3: what a source's coverage may
    name (the catalogue's ``coverage``, a mapping's ``source.coverage``)."""
    return frozenset(code[:n] for code in enrich.figures() for n in LEVEL_LENGTHS)


def level(code: str) -> int:
    """The NUTS level of a code ("FR" 0, "FRK" 1, "FRK2" 2, "FRK26" 3)."""
    return LEVEL_LENGTHS.index(len(code))


def parent(code: str) -> str | None:
    """The code of the region one level up, None for a country."""
    return code[:-1] if len(code) > LEVEL_LENGTHS[0] else None


@dataclass
class Region:
    """A NUTS region of any level: its figures (summed up from NUTS-3 for levels 0-2)."""

    code: str
    population: int = 0
    area: Decimal = Decimal(0)
    types: dict[str, str] = field(default_factory=dict)  # field -> Eurostat code (NUTS-3 only)


def regions(countries: tuple[str, ...]) -> dict[str, Region]:
    """Every NUTS region, levels 0 to 3, of the countries (ISO codes), by code."""
    prefixes = tuple(tables.countries()[country]["nuts"] for country in countries)
    found: dict[str, Region] = {}
    for code, row in enrich.figures().items():
        if not code.startswith(prefixes):
            continue
        types = {name: str(row[name]) for name in TYPOLOGIES if row.get(name)}
        found[code] = Region(code, int(row["population"]), Decimal(str(row["area"])), types)
        up = parent(code)
        while up is not None:
            total = found.setdefault(up, Region(up))
            total.population += int(row["population"])
            total.area += Decimal(str(row["area"]))
            up = parent(up)
    return dict(sorted(found.items()))


@cache
def _iso_of_nuts() -> dict[str, str]:
    return {row["nuts"]: code for code, row in tables.countries().items()}


def country_name(iso: str, lang: str) -> str:
    """The name of a country (ISO alpha-2) in a language, from pycountry's translations of ISO
    3166-1 (its English name when the language has none); the code itself if unknown."""
    import pycountry

    country = pycountry.countries.get(alpha_2=iso)
    if country is None:
        return iso
    name = getattr(country, "common_name", None) or country.name
    return _translations(lang).gettext(name)


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    import pycountry

    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def region_name(code: str, lang: str) -> str:
    """The name of a NUTS region in a language: a country's from pycountry, a NUTS-3 region's as
    the reference gives it; the code itself where neither has one (levels 1 and 2)."""
    if len(code) == LEVEL_LENGTHS[0]:
        iso = _iso_of_nuts().get(code)
        return country_name(iso, lang) if iso else code
    return enrich.region_name(code) or code


def labelled(code: str, lang: str) -> str:
    """A region's name and code for people ("Rhône (FRK26)"; "FRK2" when it has no name)."""
    name = region_name(code, lang)
    return code if name == code else f"{name} ({code})"


def _literal(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype))


def territory_triples(countries: tuple[str, ...]) -> list[ox.Triple]:
    """The NUTS regions of the countries, levels 0 to 3, as RDF (what the graph
    ``{base}territory`` holds)."""
    index = default_index()
    concepts = {name: index.codes(codelist) for name, (_, codelist) in TYPOLOGIES.items()}
    iso = _iso_of_nuts()
    triples: list[ox.Triple] = []
    for code, region in regions(countries).items():
        subject = ox.NamedNode(NUTS_CODE + code)

        def add(
            predicate: str, value: ox.NamedNode | ox.Literal, s: ox.NamedNode = subject
        ) -> None:
            triples.append(ox.Triple(s, ox.NamedNode(predicate), value))

        add(RDF_TYPE, ox.NamedNode(SKOS + "Concept"))
        add(RDF_TYPE, ox.NamedNode(DCTERMS + "Location"))
        add(SKOS + "notation", ox.Literal(code))
        add(CWM + "population", _literal(region.population, XSD + "integer"))
        add(CWM + "area", _literal(region.area, XSD + "decimal"))
        up = parent(code)
        if up is not None:
            add(SKOS + "broader", ox.NamedNode(NUTS_CODE + up))
        if level(code) == 0:
            for lang in LANGUAGES:
                add(SKOS + "prefLabel", ox.Literal(region_name(code, lang), language=lang))
            country = ox.NamedNode(EU_COUNTRY + tables.countries()[iso[code]]["eu"])
            add(SKOS + "exactMatch", country)
            for lang in LANGUAGES:  # what spaces link to (cwm:country), named where shown
                add(SKOS + "prefLabel", ox.Literal(region_name(code, lang), language=lang), country)
        elif level(code) == 3 and (name := enrich.region_name(code)):
            add(SKOS + "prefLabel", ox.Literal(name))
        for name, value in region.types.items():
            predicate, _ = TYPOLOGIES[name]
            add(predicate, ox.NamedNode(concepts[name][value]))
    return triples
