"""The fast SHACL engine gives exactly the results of plain pyshacl with the project's shapes:
on every invalid and valid shape example, and on the partner samples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from core.vocabulary import shapes_graph, vocabulary_graph
from validation import pipeline

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "tests" / "shapes").glob("*/*.ttl"))


def _plain(data: Graph) -> set[tuple[str, str | None, str | None, str]]:
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes_graph())
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
        found.add(
            (
                str(report.value(result, SH.focusNode)),
                None if path is None else str(path),
                None if value is None else value.n3(),
                str(report.value(result, SH.sourceShape)),
            )
        )
    return found


def _fast(ntriples: bytes, workers: int) -> set[tuple[str, str | None, str | None, str]]:
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    results = pipeline.validate(ntriples, store, workers)
    return {(r.focus, r.path, r.value, r.shape) for r in results}


@pytest.mark.slow  # ~2.6 s an example (plain pyshacl is the slow side)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_as_plain_pyshacl(example: Path) -> None:
    data = Graph().parse(example, format="turtle")
    data += vocabulary_graph()  # the examples refer to concepts by IRI, as loads do
    ntriples = data.serialize(format="nt", encoding="utf-8")
    assert _fast(ntriples, workers=1) == _plain(data)


@pytest.mark.slow  # measured ~5 s
def test_parallel_parts_give_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    from loaders.load import transform
    from loaders.mapping import load_mapping

    mapping = load_mapping(ROOT / "data" / "it-toscana" / "mapping.yaml")
    moment = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    ntriples, _report = transform(
        mapping, mapping.file_path(), "https://example.org/", lambda: moment
    )
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 0)
    try:
        assert _fast(ntriples, workers=2) == _fast(ntriples, workers=1)
    finally:
        pipeline.close_pools()
    assert _fast(ntriples, workers=1) == _plain(Graph().parse(data=ntriples, format="nt"))
