"""The project's shapes as the fast SHACL engine uses them, and what a check of them finds.

- ``shape_texts``: what each shape says (its name and message, in the six languages), for the
  reports and the template's documentation;
- ``compiled_shapes``: the shapes for pyshacl (``validation.pyshacl_run``), each property shape
  given its node shape's targets, so that it runs once over all its focus nodes instead of
  being re-planned for every focus node (12x faster on the samples);
- ``sparql_checks``: the SPARQL-based constraints, each as one query run in bulk on Oxigraph
  over a whole submission, with ``$this`` bound by the shape's target class (pyshacl runs
  them per focus node through rdflib's SPARQL engine: 90% of its time);
- ``Result``: one SHACL result, whichever of the two found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from core import rdflib_terms
from core.diskcache import fingerprint, remembered
from core.vocabulary import LANGUAGES, shape_files, shapes_graph

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SEVERITIES = {str(SH.Violation): "error", str(SH.Warning): "warning", str(SH.Info): "warning"}


@dataclass(frozen=True)
class ShapeText:
    """What a property shape says, by language: its name and its message."""

    names: dict[str, str]
    messages: dict[str, str]
    path: str | None
    severity: str
    min_count: int = 0


@dataclass(frozen=True)
class SparqlCheck:
    shape: str
    path: str
    severity: str
    query: str


@dataclass(frozen=True)
class Result:
    """One SHACL result: focus node and path IRIs, the value (N-Triples term), the shape."""

    focus: str
    path: str | None
    value: str | None
    shape: str
    severity: str
    detail: str  # the constraint that failed, as the engine names it


def _texts(graph: Graph, node: Node, prop: URIRef) -> dict[str, str]:
    texts = {}
    for literal in graph.objects(node, prop):
        lang = getattr(literal, "language", None) or "en"
        if lang in LANGUAGES:
            texts[lang] = str(literal)
    return texts


@cache
def _shapes() -> Graph:
    """The shapes graph, read once for the three readings below (none changes it)."""
    return shapes_graph()


@cache
def readings_key() -> bytes:
    """What the readings below are made from: the shapes files, and the code that reads them."""
    return fingerprint(
        *shape_files(), Path(__file__), Path(rdflib_terms.__file__), rdflib.__version__
    )


@cache
def shape_texts() -> dict[str, ShapeText]:
    """Every shape with a name or message: its words in the six languages (kept on disk
    between runs, ``core.diskcache.remembered``: a cold command need not read the shapes)."""
    return remembered("shape-texts", readings_key(), _shape_texts)


def _shape_texts() -> dict[str, ShapeText]:
    graph = _shapes()
    texts = {}
    for shape in set(graph.subjects(SH.message, None)) | set(graph.subjects(SH.name, None)):
        path = graph.value(shape, SH.path)
        severity = graph.value(shape, SH.severity)
        min_count = graph.value(shape, SH.minCount)
        texts[str(shape)] = ShapeText(
            _texts(graph, shape, SH.name),
            _texts(graph, shape, SH.message),
            str(path) if isinstance(path, URIRef) else None,
            SEVERITIES.get(str(severity), "error"),
            int(min_count) if isinstance(min_count, Literal) else _required_by_sparql(graph, shape),
        )
    return texts


#: a SPARQL constraint that finds the focus nodes without a value of the path requires one
_REQUIRES_PATH = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{\s*\$this\s+\$PATH\s")


def _required_by_sparql(graph: Graph, shape: Node) -> int:
    """1 when a SPARQL constraint of the shape requires its path (the municipality of an address
    not kept whole), else 0: such a field is required, as with sh:minCount 1."""
    selects = (str(graph.value(c, SH.select)) for c in graph.objects(shape, SH.sparql))
    return 1 if any(_REQUIRES_PATH.search(select) for select in selects) else 0


def _targets_of_parents(graph: Graph) -> dict[Node, list[tuple[URIRef, Node]]]:
    """Property shape -> the targets of the node shapes that hold it."""
    parents: dict[Node, list[tuple[URIRef, Node]]] = {}
    for node, prop in graph.subject_objects(SH.property):
        targets = [(t, o) for t in TARGETS for o in graph.objects(node, t)]
        if targets:
            parents.setdefault(prop, []).extend(targets)
    return parents


@cache
def compiled_shapes() -> str:
    """The shapes for pyshacl, as N-Triples: property shapes lifted to their node shape's
    targets, SPARQL-based constraints left out (see ``sparql_checks``)."""
    return compiled_graph().serialize(format="nt")


@cache
def compiled_graph() -> Graph:
    """``compiled_shapes`` as an rdflib graph (read by ``validation.engine``, which writes the
    N-Triples only for the shapes it leaves to pyshacl); shared: never to be changed. Its
    triples are kept on disk between runs (reading the shapes' Turtle and compiling them was
    a third of a cold ``coworkmed validate`` of 15 rows)."""
    graph = Graph()
    for triple in remembered("compiled-shapes", readings_key(), _compiled_triples):
        graph.add(triple)
    return graph


def _compiled_triples() -> list[tuple[Node, Node, Node]]:
    graph = Graph()
    for triple in _shapes():
        graph.add(triple)
    for shape, constraint in list(graph.subject_objects(SH.sparql)):
        graph.remove((shape, SH.sparql, constraint))
    for prop, targets in _targets_of_parents(graph).items():
        for node in list(graph.subjects(SH.property, prop)):
            graph.remove((node, SH.property, prop))
        for target, value in targets:
            graph.add((prop, target, value))
    return list(graph)


@cache
def sparql_checks() -> tuple[SparqlCheck, ...]:
    """The SPARQL-based constraints, each as one query over a whole submission (kept on disk
    between runs, as ``shape_texts``)."""
    return remembered("sparql-checks", readings_key(), _sparql_checks)


def _sparql_checks() -> tuple[SparqlCheck, ...]:
    graph = _shapes()
    parents = _targets_of_parents(graph)
    checks = []
    for shape, constraint in graph.subject_objects(SH.sparql):
        select = str(graph.value(constraint, SH.select))
        path = graph.value(shape, SH.path)
        classes = [o for t, o in parents.get(shape, []) if t == SH.targetClass]
        for target_class in classes:
            body = select.replace("$PATH", f"<{path}>").replace("$this", "?this")
            query = re.sub(r"WHERE\s*\{", f"WHERE {{ ?this a <{target_class}> . ", body, count=1)
            severity = SEVERITIES.get(str(graph.value(shape, SH.severity)), "error")
            checks.append(SparqlCheck(str(shape), str(path), severity, query))
    return tuple(checks)


def run_sparql_checks(store: ox.Store) -> list[Result]:
    return [result for group in sparql_check_groups(store) for result in group]


def sparql_check_groups(store: ox.Store) -> list[list[Result]]:
    """The results of each SPARQL-based check, ordered by focus node and value (not in the
    store's order, so that the results of a graph validated in parts, ``validation.split``,
    come in the same order as the whole graph's)."""
    groups = []
    for check in sparql_checks():
        solutions = store.query(check.query)
        assert isinstance(solutions, ox.QuerySolutions)  # the checks are SELECT queries
        results = []
        for solution in solutions:
            value = solution["value"]
            results.append(
                Result(
                    solution["this"].value,
                    check.path,
                    None if value is None else str(value),
                    check.shape,
                    check.severity,
                    f"sh:SPARQLConstraintComponent on <{check.path}>, value {value}",
                )
            )
        groups.append(sorted(results, key=lambda r: (r.focus, r.value or "")))
    return groups
