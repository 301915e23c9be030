"""Quality checks of the shared vocabulary.

Three families, all driven by files: the SPARQL checks in ``ontology/qc/*-violation.rq`` (any
row is a problem), pyshacl's meta-validation of the shapes against SHACL-SHACL, and the
validation of the worked examples, which together must conform with no result at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import Graph
from rdflib.namespace import SH

from core import vocabulary


def qc_graphs() -> dict[str, list[Path]]:
    """The named graphs the SPARQL checks query, and the files each one is read from."""
    return {
        "urn:coworkmed:ontology": [vocabulary.ONTOLOGY_FILE],
        "urn:coworkmed:cube": [vocabulary.CUBE_FILE],
        "urn:coworkmed:codelists": vocabulary.codelist_files(),
        "urn:coworkmed:shapes": vocabulary.shape_files(),
        "urn:coworkmed:examples": vocabulary.example_files(),
    }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: its name, what it looks for, and the problems it found."""

    name: str
    description: str
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def vocabulary_store(graphs: Mapping[str, Iterable[Path]] | None = None) -> ox.Store:
    """An in-memory Oxigraph store holding each group of files in its named graph."""
    store = ox.Store()
    for graph_name, paths in (graphs if graphs is not None else qc_graphs()).items():
        for path in paths:
            store.load(
                path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_name)
            )
    return store


def trig_store(path: Path) -> ox.Store:
    """An in-memory store loaded from one TriG file (used for the checks' own test fixtures)."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return store


def check_name(query_file: Path) -> str:
    return query_file.name.removesuffix("-violation.rq")


def query_description(query_file: Path) -> str:
    """The leading comment of a check's query, which says what the check looks for."""
    lines = []
    for line in query_file.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").rstrip())
    return " ".join(lines)


def _text(term: object) -> str:
    return getattr(term, "value", str(term))


def run_check(store: ox.Store, query_file: Path) -> CheckResult:
    """Run one ``*-violation.rq`` query; every solution is reported as a problem."""
    solutions = store.query(query_file.read_text(encoding="utf-8"))
    assert isinstance(solutions, ox.QuerySolutions)  # the checks are SELECT queries
    names = [variable.value for variable in solutions.variables]
    problems = [
        {name: _text(solution[name]) for name in names if solution[name] is not None}
        for solution in solutions
    ]
    return CheckResult(check_name(query_file), query_description(query_file), problems)


def run_sparql_checks(store: ox.Store | None = None) -> list[CheckResult]:
    """Run every SPARQL quality check over the vocabulary (or over ``store`` if given)."""
    store = store if store is not None else vocabulary_store()
    return [run_check(store, query_file) for query_file in vocabulary.qc_query_files()]


def validation_problems(report: Graph) -> list[dict[str, str]]:
    """The results of a SHACL validation report, one dict per result."""
    keys = {
        "focus": SH.focusNode,
        "path": SH.resultPath,
        "shape": SH.sourceShape,
        "severity": SH.resultSeverity,
        "value": SH.value,
        "message": SH.resultMessage,
    }
    return [
        {
            key: str(report.value(result, predicate))
            for key, predicate in keys.items()
            if report.value(result, predicate) is not None
        }
        for result in report.subjects(SH.resultSeverity, None)
    ]


def validate(data: Graph, shapes: Graph | None = None) -> list[dict[str, str]]:
    """Validate ``data`` against the project's shapes (both severities); return every result."""
    shapes = shapes if shapes is not None else vocabulary.shapes_graph()
    _conforms, report, _text_report = pyshacl.validate(data, shacl_graph=shapes)
    return validation_problems(report)


def check_shapes_meta() -> CheckResult:
    """The shapes graph must itself conform to the SHACL-SHACL shapes."""
    conforms, report, _text_report = pyshacl.validate(
        Graph(), shacl_graph=vocabulary.shapes_graph(), meta_shacl=True
    )
    problems = [] if conforms else validation_problems(report) or [{"message": _text_report}]
    return CheckResult(
        "shapes-meta-validation",
        "The shapes conform to SHACL-SHACL (pyshacl meta-validation).",
        problems,
    )


def check_examples() -> CheckResult:
    """The worked examples, read together, conform to the shapes with no result at all."""
    problems = validate(vocabulary.load_graph(vocabulary.example_files()))
    return CheckResult(
        "examples-conform",
        "The worked examples in ontology/examples conform, without even a warning.",
        problems,
    )


def run_all_checks() -> list[CheckResult]:
    """Every quality check of the vocabulary, in a stable order."""
    return [*run_sparql_checks(), check_shapes_meta(), check_examples()]
