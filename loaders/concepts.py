"""Partner terms to SKOS concepts of the code lists.

A term matches a concept by its notation, preferred, alternative or hidden labels in any
language (case, accents and spacing aside); the source's own synonyms come second, exact terms
or patterns with ``*`` ("imprimante*"). A term that
matches nothing, or several concepts at once, is a problem, never dropped in silence.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from core import vocabulary
from core.diskcache import fingerprint, remembered
from core.namespaces import CODE
from core.problems import ValueProblem
from loaders import tables
from loaders.tables import fold

IGNORE = "ignore"


class ConceptIndex:
    """Labels and codes of every concept, by code list."""

    def __init__(self, graph: Graph) -> None:
        self._codes: dict[str, dict[str, str]] = defaultdict(dict)
        self._labels: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(set))
        )
        #: each concept's preferred label by language, by code list
        self._preferred: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
        for concept in graph.subjects(RDF.type, SKOS.Concept):
            for scheme in graph.objects(concept, SKOS.inScheme):
                codelist = str(scheme).removeprefix(CODE)
                self._preferred[codelist][str(concept)] = {
                    getattr(label, "language", None) or "": str(label)
                    for label in graph.objects(concept, SKOS.prefLabel)
                }
                for code in graph.objects(concept, SKOS.notation):
                    self._codes[codelist][str(code)] = str(concept)
                    self._labels[codelist][fold(str(code))][""].add(str(concept))
                for predicate in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
                    for label in graph.objects(concept, predicate):
                        language = getattr(label, "language", None) or ""
                        self._labels[codelist][fold(str(label))][language].add(str(concept))

    def __getstate__(self) -> dict[str, Any]:
        """Plain dictionaries (kept on disk by ``default_index``)."""
        labels = {
            codelist: {label: dict(by_language) for label, by_language in found.items()}
            for codelist, found in self._labels.items()
        }
        return {"codes": dict(self._codes), "labels": labels, "preferred": dict(self._preferred)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._codes = defaultdict(dict, state["codes"])
        self._preferred = defaultdict(dict, state["preferred"])
        self._labels = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
        for codelist, found in state["labels"].items():
            for label, by_language in found.items():
                self._labels[codelist][label].update(by_language)

    def codelists(self) -> list[str]:
        return sorted(self._codes)

    def codes(self, codelist: str) -> dict[str, str]:
        """Every code of the code list and the IRI of its concept."""
        return dict(self._codes[codelist])

    def concept(self, codelist: str, code: str) -> str:
        """The IRI of the concept with this code, or a problem naming the known codes."""
        try:
            return self._codes[codelist][code]
        except KeyError:
            known = ", ".join(sorted(self._codes.get(codelist, {})))
            raise ValueProblem(
                "unknown-code", f"{code!r} is not a code of the {codelist} list ({known})"
            ) from None

    def match(
        self,
        codelist: str,
        term: str,
        language: str | None = None,
        synonyms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[str]:
        """The concepts a partner term stands for (empty if the mapping says to ignore it)."""
        key = fold(term)
        by_language = self._labels[codelist].get(key)
        if by_language:
            candidates = set().union(*by_language.values())
            if len(candidates) > 1 and language in by_language:
                candidates = by_language[language]
            if len(candidates) == 1:
                return list(candidates)
            raise ValueProblem(
                "ambiguous-term",
                f"{term!r} names several concepts of {codelist}: {sorted(candidates)}",
            )
        for pattern, codes in (synonyms or {}).items():
            if pattern == key or ("*" in pattern and fnmatch.fnmatchcase(key, pattern)):
                return [self.concept(codelist, code) for code in codes]
        close = self.closest(codelist, key)
        raise ValueProblem(
            "unknown-term",
            f"{term!r} is not a label of the {codelist} list; add it to the column's synonyms "
            f"(or map it to 'ignore')",
            codelist=codelist,
            **({"close": close} if close else {}),
        )

    def closest(self, codelist: str, key: str) -> str | None:
        """The one concept a folded term that matches none likely means: the concept whose
        label's words the term holds all of, the longest such label ("telecentro rural":
        "telecentro"), else whose label is spelt nearly alike ("co-workin": "coworking");
        None when no concept, or several equally, fit."""
        labels = self._labels.get(codelist, {})
        words = set(key.split())
        held = [label for label in labels if label and set(label.split()) <= words]
        if held:
            longest = max(len(label) for label in held)
            chosen = [label for label in held if len(label) == longest]
        else:
            chosen = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.8)
        concepts = {iri for label in chosen for iris in labels[label].values() for iri in iris}
        return concepts.pop() if len(concepts) == 1 else None

    def label(self, codelist: str, concept: str, language: str) -> str:
        """A concept's preferred label in ``language`` (else English, else any)."""
        labels = self._preferred.get(codelist, {}).get(concept, {})
        return labels.get(language) or labels.get("en") or next(iter(labels.values()), concept)

    def labels(self, codelist: str, language: str) -> list[str]:
        """The preferred label of each concept of the code list in ``language``, sorted."""
        concepts = self._preferred.get(codelist, {})
        return sorted((self.label(codelist, c, language) for c in concepts), key=fold)


@cache
def default_index() -> ConceptIndex:
    """The index of the project's own code lists: built once from their files (0.5 s and
    more), then read from the cache directory while they and this code are unchanged."""
    files = vocabulary.codelist_files()
    key = fingerprint(*files, Path(__file__), Path(tables.__file__))
    return remembered("concept-index", key, lambda: ConceptIndex(vocabulary.load_graph(files)))
