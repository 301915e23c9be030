"""A code list as a page of the site, in the reader's language (``codelist-page.yaml``).

Read live from the code list's Turtle file (``ontology/codelists``), so it needs no built
documentation: the scheme's label and definition in the page's language, then each concept with
its code, its place in the hierarchy, its alignments and its labels and definitions in the six
languages (each row saying which language it is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from babel import Locale

from core.namespaces import DCTERMS, RDF_TYPE, SKOS
from core.translations import collation_key, load_catalogue
from core.vocabulary import LANGUAGES, codelist_files

TABLE = Path(__file__).with_name("codelist-page.yaml")
#: the licences a code list may carry -> their name
LICENCE_NAMES = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}


@dataclass
class Concept:
    iri: str
    anchor: str
    label: str
    definition: str
    codes: list[str]
    broader: list[tuple[str, str]]
    matches: list[tuple[str, str]]
    #: (language code, language name in the page's language, labels, alternatives, definition)
    languages: list[tuple[str, str, str, str, str]] = field(default_factory=list)


@dataclass
class CodeList:
    iri: str
    stem: str
    turtle: str
    label: str
    definition: str
    licence: str | None
    licence_name: str | None
    concepts: list[Concept]


def table() -> Any:
    """The words of the page (``codelist-page.yaml``)."""
    return load_catalogue(TABLE)


@cache
def _triples(path: Path) -> dict[str, dict[str, list[ox.NamedNode | ox.Literal]]]:
    """subject -> predicate -> objects, of the code list file ``path``."""
    found: dict[str, dict[str, list[ox.NamedNode | ox.Literal]]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if isinstance(triple.object, ox.NamedNode | ox.Literal):
            objects = found.setdefault(triple.subject.value, {})
            objects.setdefault(triple.predicate.value, []).append(triple.object)
    return found


def _texts(facts: dict[str, list[Any]], predicate: str, lang: str) -> list[str]:
    return sorted(
        o.value
        for o in facts.get(predicate, [])
        if isinstance(o, ox.Literal) and o.language == lang
    )


def _text(facts: dict[str, list[Any]], predicate: str, lang: str) -> str:
    """The text of ``predicate`` in ``lang``, else in English, else empty."""
    return " ".join(_texts(facts, predicate, lang) or _texts(facts, predicate, "en"))


def _label(triples: dict[str, dict[str, list[Any]]], iri: str, lang: str) -> str:
    return _text(triples.get(iri, {}), SKOS + "prefLabel", lang) or iri


def codelist_path(stem: str) -> Path | None:
    """The code list file named ``stem`` (``space-kind``), None when there is none."""
    return next((path for path in codelist_files() if path.stem == stem), None)


def codelist_page(stem: str, lang: str) -> CodeList | None:
    """The code list ``stem`` as the page shows it in ``lang``; None when there is none."""
    path = codelist_path(stem)
    if path is None:
        return None
    triples = _triples(path)
    scheme = next(
        s
        for s, facts in triples.items()
        if any(o.value == SKOS + "ConceptScheme" for o in facts.get(RDF_TYPE, []))
    )
    names = Locale.parse(lang).languages
    concepts = []
    for iri, facts in triples.items():
        if not any(o.value == scheme for o in facts.get(SKOS + "inScheme", [])):
            continue
        concepts.append(
            Concept(
                iri=iri,
                anchor=iri.rsplit("/", 1)[-1],
                label=_text(facts, SKOS + "prefLabel", lang) or iri,
                definition=_text(facts, SKOS + "definition", lang),
                codes=sorted(o.value for o in facts.get(SKOS + "notation", [])),
                broader=[
                    (
                        b.value.rsplit("/", 1)[-1],
                        _text(triples.get(b.value, {}), SKOS + "prefLabel", lang),
                    )
                    for b in facts.get(SKOS + "broader", [])
                ],
                matches=sorted(
                    (kind, o.value)
                    for kind in ("exactMatch", "closeMatch")
                    for o in facts.get(SKOS + kind, [])
                ),
                languages=[
                    (
                        code,
                        names.get(code, code),
                        ", ".join(_texts(facts, SKOS + "prefLabel", code)),
                        ", ".join(_texts(facts, SKOS + "altLabel", code)),
                        " ".join(_texts(facts, SKOS + "definition", code)),
                    )
                    for code in LANGUAGES
                ],
            )
        )
    concepts.sort(key=lambda concept: collation_key(concept.label, lang))
    facts = triples[scheme]
    licence = next((o.value for o in facts.get(DCTERMS + "license", [])), None)
    return CodeList(
        iri=scheme,
        stem=stem,
        turtle=path.name,
        label=_text(facts, SKOS + "prefLabel", lang) or stem,
        definition=_text(facts, SKOS + "definition", lang),
        licence=licence,
        licence_name=LICENCE_NAMES.get(licence or ""),
        concepts=concepts,
    )
