"""Where the shared vocabulary lives, and how to read it.

The ontology, the SKOS code lists and the SHACL shapes are plain Turtle files at the top of the
repository (``ontology/`` and ``shapes/``); every layer reads them from here rather than keeping
its own copy or path.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from core.rdflib_terms import turtle_graph

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY_FILE = ONTOLOGY_DIR / "coworkmed.ttl"
CUBE_FILE = ONTOLOGY_DIR / "cube.ttl"
CODELISTS_DIR = ONTOLOGY_DIR / "codelists"
EXAMPLES_DIR = ONTOLOGY_DIR / "examples"
QC_DIR = ONTOLOGY_DIR / "qc"

#: The languages of the network, English first (it is the fallback everywhere).
LANGUAGES: tuple[str, ...] = ("en", "fr", "it", "es", "el", "hr")


def _files(folder: Path, pattern: str = "*.ttl") -> list[Path]:
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} not found: the vocabulary files are read from the repository, so install "
            "the project from its checkout (pip install -e .)"
        )
    return sorted(folder.glob(pattern))


def codelist_files() -> list[Path]:
    """The Turtle files of the SKOS code lists, one concept scheme each."""
    return _files(CODELISTS_DIR)


def shape_files() -> list[Path]:
    """The SHACL shapes files: required (sh:Violation) and recommended (sh:Warning)."""
    return [SHAPES_DIR / "required.ttl", SHAPES_DIR / "recommended.ttl"]


def example_files() -> list[Path]:
    """The worked examples, one topic per file, which together form one valid dataset."""
    return _files(EXAMPLES_DIR)


def qc_query_files() -> list[Path]:
    """The quality checks, one SPARQL SELECT per file: any row is a problem."""
    return _files(QC_DIR, "*-violation.rq")


def load_graph(paths: Iterable[Path]) -> Graph:
    """Parse Turtle files into one rdflib graph (by pyoxigraph: ``core.rdflib_terms``)."""
    return turtle_graph(paths)


def vocabulary_graph() -> Graph:
    """The ontology and all code lists in one graph."""
    return load_graph([ONTOLOGY_FILE, *codelist_files()])


def shapes_graph() -> Graph:
    """Both shapes files in one graph, ready for pyshacl."""
    return load_graph(shape_files())
