"""Every vocabulary file is well-formed Turtle, and the ontology header is complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from core import vocabulary
from core.namespaces import CODE, CWM

TURTLE_FILES = sorted(
    [
        vocabulary.ONTOLOGY_FILE,
        *vocabulary.codelist_files(),
        *vocabulary.shape_files(),
        *vocabulary.example_files(),
    ]
)
VANN = "http://purl.org/vocab/vann/"


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: str(p.relative_to(vocabulary.ROOT)))
def test_file_parses_and_is_not_empty(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


@pytest.mark.parametrize(
    "predicate",
    [
        DCTERMS.title,
        DCTERMS.description,
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
        URIRef(VANN + "preferredNamespacePrefix"),
        URIRef(VANN + "preferredNamespaceUri"),
    ],
    ids=lambda p: str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1],
)
def test_ontology_header_has(predicate: URIRef) -> None:
    graph = Graph().parse(vocabulary.ONTOLOGY_FILE)
    ontology = graph.value(predicate=RDF.type, object=OWL.Ontology)
    assert ontology == URIRef(CWM), "the ontology IRI is its namespace"
    assert graph.value(ontology, predicate) is not None


def test_licence_is_cc_by_4() -> None:
    graph = Graph().parse(vocabulary.ONTOLOGY_FILE)
    assert graph.value(URIRef(CWM), DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


def test_every_code_list_file_holds_exactly_one_scheme() -> None:
    from rdflib.namespace import SKOS

    for path in vocabulary.codelist_files():
        schemes = set(Graph().parse(path).subjects(RDF.type, SKOS.ConceptScheme))
        assert len(schemes) == 1, path
        assert str(next(iter(schemes))) == CODE + path.stem, path


def test_missing_vocabulary_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pip install -e"):
        vocabulary._files(tmp_path / "nowhere")
