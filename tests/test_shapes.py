"""The SHACL shapes against example files.

- ``ontology/examples``: the worked examples, read together, conform with no result at all;
- ``tests/shapes/valid``: each file conforms with no result at all;
- ``tests/shapes/invalid/<Shape>--<defect>.ttl``: each file trips exactly ``cwmsh:<Shape>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from core import vocabulary
from core.namespaces import CWMSH
from coworkmed import quality

HERE = Path(__file__).parent / "shapes"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))


def _shape_of(path: Path) -> URIRef:
    return URIRef(CWMSH + path.stem.split("--")[0])


def _also_tripped(path: Path) -> set[str]:
    """The warnings a defect cannot come without, named by the file ("# Also trips: cwmsh:X"): a
    space with neither address nor coordinates also lacks the recommended coordinates."""
    prefix = "# Also trips: cwmsh:"
    lines = path.read_text(encoding="utf-8").splitlines()
    return {CWMSH + line.removeprefix(prefix).strip() for line in lines if line.startswith(prefix)}


def test_worked_examples_conform_together(shapes: Graph) -> None:
    data = vocabulary.load_graph(vocabulary.example_files())
    assert quality.validate(data, shapes) == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(shapes: Graph, path: Path) -> None:
    assert quality.validate(Graph().parse(path), shapes) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_trips_exactly_its_shape(shapes: Graph, path: Path) -> None:
    results = quality.validate(Graph().parse(path), shapes)
    tripped = {r["shape"] for r in results}
    assert tripped == {str(_shape_of(path))} | _also_tripped(path), results


def test_there_are_enough_invalid_examples() -> None:
    assert len(INVALID) >= 25


def test_every_property_shape_has_an_invalid_example(shapes: Graph) -> None:
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    covered = {_shape_of(path) for path in INVALID}
    assert property_shapes - covered == set()
    assert covered - property_shapes == set(), (
        "an invalid example names a shape that does not exist"
    )


@pytest.mark.parametrize(
    ("filename", "severity"), [("required.ttl", SH.Violation), ("recommended.ttl", SH.Warning)]
)
def test_each_file_holds_one_severity(filename: str, severity: URIRef) -> None:
    graph = Graph().parse(vocabulary.SHAPES_DIR / filename)
    severities = {graph.value(s, SH.severity) for s in graph.subjects(RDF.type, SH.PropertyShape)}
    assert severities == {severity}


def test_messages_reach_the_report_in_every_language(shapes: Graph) -> None:
    """pyshacl copies sh:message into each result, so a report can speak the partner's language."""
    import pyshacl

    path = HERE / "invalid" / "Space-workstations--zero.ttl"
    _conforms, report, _ = pyshacl.validate(Graph().parse(path), shacl_graph=shapes)
    languages = {message.language for message in report.objects(None, SH.resultMessage)}
    assert languages == set(vocabulary.LANGUAGES)
