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
from validation import engine, pipeline

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

    mapping = load_mapping(ROOT / "examples" / "partners" / "it-toscana" / "mapping.yaml")
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


# -- the engine of validation/engine.py on whole submissions --------------------------------------

HEADER = [
    "Identifiant", "Nom", "Type d'espace", "Statut", "Date d'ouverture", "Commune",
    "Code postal", "Pays", "Latitude", "Longitude", "Postes de travail",
]  # fmt: skip
GOOD_ROW = [
    "F-{n}", "Espace {n}", "coworking", "ouvert", "15/09/2019", "Lyon", "69001", "FR",
    "45.76", "4.83", "12",
]  # fmt: skip
#: column -> values that the loaders accept but a shape may refuse (or the table check refuses)
PROBLEMS: dict[int, list[str]] = {
    1: [""],  # no name
    2: ["fab-lab|makerspace", "vaisseau spatial", ""],
    3: ["en projet", "fermé", "fermé temporairement", "perdu"],
    4: ["2031", "03/2019", "1850", "", "31/02/2019"],
    5: ["", "Lyon 3e"],
    6: ["69", "ABCDE", "6900100", ""],
    7: ["", "XX", "IT", "PT"],
    8: ["95.5", "-91", "", "45,76", "39.9"],
    9: ["116.4", "181", ""],
    10: ["-4", "0", "beaucoup", "100000", "12.5"],
}


def _sprinkled(path: Path, rows: int, seed: int) -> None:
    import csv
    import random

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            row = [cell.format(n=n) for cell in GOOD_ROW]
            for column in rng.sample(sorted(PROBLEMS), rng.randint(0, 3)):
                row[column] = rng.choice(PROBLEMS[column])
            if n % 17 == 5:
                row[0] = "F-1"  # the same identifier twice: one record, values merged
            writer.writerow(row)


def _submission_graph(path: Path, mapping_path: Path | None, lang: str) -> bytes:
    from loaders.load import transform
    from loaders.mapping import load_mapping
    from validation.columns import template_mapping

    mapping = load_mapping(mapping_path) if mapping_path else template_mapping(lang)
    moment = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    ntriples, _report = transform(mapping, path, "https://example.org/", lambda: moment)
    return ntriples


@pytest.mark.slow  # plain pyshacl takes ~10 s on 50 rows
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_submissions_give_plain_pyshacls_results(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "soumission.csv"
    _sprinkled(path, 50, seed)
    ntriples = _submission_graph(path, None, "fr")
    fast = _fast(ntriples, workers=1)
    assert fast == _plain(Graph().parse(data=ntriples, format="nt"))
    assert len({shape for _f, _p, _v, shape in fast}) >= 5  # the problems reached the shapes


def _golden_cases() -> list[tuple[str, Path, Path | None, str]]:
    import yaml

    from loaders import tables

    here = ROOT / "tests" / "validation"
    cases = yaml.load((here / "cases.yaml").read_text("utf-8"), Loader=tables.StringKeysLoader)
    found = []
    for name, case in sorted(cases.items()):
        if case["status"] == "unreadable" or "columns" in name:
            continue
        file = (here if case["file"].startswith("submissions/") else ROOT) / case["file"]
        mapping = ROOT / case["mapping"] if "mapping" in case else None
        found.append((name, file, mapping, case["lang"]))
    return found


@pytest.mark.slow  # plain pyshacl side
@pytest.mark.parametrize("case", _golden_cases(), ids=lambda case: case[0])
def test_golden_validation_cases_give_plain_pyshacls_results(
    case: tuple[str, Path, Path | None, str],
) -> None:
    _name, file, mapping, lang = case
    ntriples = _submission_graph(file, mapping, lang)
    assert _fast(ntriples, workers=1) == _plain(Graph().parse(data=ntriples, format="nt"))


def test_a_shape_the_engine_cannot_run_is_left_to_pyshacl() -> None:
    from validation import engine

    checks, left, classes = engine.plan()
    checked = {check.shape for check in checks}
    assert "https://w3id.org/coworkmed/shapes/OpeningHours-opens" not in checked  # sh:lessThan
    assert "https://schema.org/OpeningHoursSpecification" in classes
    assert "OpeningHours-opens> <http://www.w3.org/ns/shacl#targetClass>" in left
    graph = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S sh:path ex:p ; sh:targetClass ex:C ; sh:qualifiedMinCount 1 .
        ex:T sh:path ex:p ; sh:targetClass ex:C ; sh:or ( [ sh:path ex:q ; sh:minCount 1 ] ) .
        ex:U sh:path ( ex:p ex:q ) ; sh:targetClass ex:C ; sh:minCount 1 .""",
        format="turtle",
    )
    for shape in ("S", "T", "U"):
        with pytest.raises(engine.Unsupported):
            engine._rules(graph, graph.namespace_manager.expand_curie(f"ex:{shape}"))


def test_the_plan_kept_on_disk_is_the_plan_read_from_the_shapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold command reads what the engine checks from the disk cache (``_read_plan``): the
    checks made from it test values as those made from the shapes do."""
    import pickle

    from validation import engine

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    read = engine._read_plan()
    engine._plan.cache_clear()
    try:
        built = engine._plan()  # builds the entry
        (entry,) = (tmp_path / "coworkmed").glob("engine-plan-*.pickle")
        assert pickle.loads(entry.read_bytes()) == read
        engine._plan.cache_clear()
        kept = engine._plan()  # reads it back
    finally:
        engine._plan.cache_clear()
    assert [c.shape for c in kept[0]] == [c.shape for c in built[0]] == [r.shape for r in read[0]]
    assert kept[1:] == built[1:] == read[1:]
    data = vocabulary_graph()
    for example in EXAMPLES:
        data += Graph().parse(example, format="turtle")
    store = ox.Store()
    store.bulk_load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    with monkeypatch.context() as patched:
        patched.setattr(engine, "_plan", lambda: kept)
        from_disk = engine.run(store)
    with monkeypatch.context() as patched:
        patched.setattr(engine, "_plan", lambda: built)
        from_shapes = engine.run(store)
    assert from_disk == from_shapes and from_disk


def test_a_submission_without_leftover_shapes_needs_no_pyshacl() -> None:
    from validation import engine

    store = ox.Store()
    store.bulk_load(
        b"<https://example.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://w3id.org/coworkmed/def/Space> .\n",
        format=ox.RdfFormat.N_TRIPLES,
    )
    assert not engine.needs_pyshacl(store)
    store.add(
        ox.Quad(
            ox.NamedNode("https://example.org/h"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://schema.org/OpeningHoursSpecification"),
        )
    )
    assert engine.needs_pyshacl(store)


def _store_says(ntriples: bytes) -> bool:
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return engine.needs_pyshacl(store)


TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


@pytest.mark.parametrize(
    "lines",
    [
        [f"<https://x.test/h> {TYPE} <{klass}> ." for klass in engine.plan()[2]],
        [f"<https://x.test/h>  {TYPE}\t<{klass}>  ." for klass in engine.plan()[2]],
        [f"<https://x.test/s> {TYPE} <https://w3id.org/coworkmed/def/Space> ."],
        ['<https://x.test/s> <https://schema.org/name> "a type <https://schema.org/x>" .'],
        [
            f"<https://x.test/K> {SUBCLASS} <{engine.plan()[2][0]}> .",
            f"<https://x.test/h> {TYPE} <https://x.test/K> .",
        ],
        [f"<https://x.test/K> {SUBCLASS} <https://x.test/L> ."],
    ],
    ids=["typed", "spacing", "other-class", "in-a-literal", "subclass", "unrelated-subclass"],
)
def test_a_part_needs_pyshacl_as_its_store_says(lines: list[str]) -> None:
    """The pipeline decides from a part's bytes whether to start pyshacl early (no store per
    part): it says what the part loaded in a store says."""
    ntriples = "\n".join(lines).encode() + b"\n"
    assert engine.may_need_pyshacl(ntriples) == _store_says(ntriples)
