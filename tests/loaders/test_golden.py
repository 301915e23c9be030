"""Golden loads: each folder of golden/ holds a partner file, its mapping, the graph the load
must produce (expected.ttl, compared by isomorphism) and the problems it must report
(expected-problems.yaml: row, column, code). Set COWORKMED_UPDATE_GOLDEN=1 to rewrite the
expected files after a deliberate change, then review the diff."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from core.namespaces import PREFIXES
from loaders.load import transform
from loaders.mapping import load_mapping

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "mapping.yaml").is_file())
BASE = "https://example.org/id/"
CLOCK = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


def _load(case: Path) -> tuple[Graph, list[dict[str, object]]]:
    mapping = load_mapping(case / "mapping.yaml")
    data, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    graph = Graph().parse(data=data, format="nt")
    problems = [{"row": p.row, "column": p.column, "code": p.code} for p in report.problems]
    return graph, problems


def _readable_diff(actual: Graph, expected: Graph) -> str:
    _both, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(missing)]
    lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(extra)]
    return "graphs differ (- expected but missing, + produced but not expected):\n" + "\n".join(
        lines
    )


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_load(case: Path) -> None:
    graph, problems = _load(case)
    if os.environ.get("COWORKMED_UPDATE_GOLDEN"):
        for prefix, namespace in PREFIXES.items():
            graph.namespace_manager.bind(prefix, namespace, replace=True)
        graph.serialize(case / "expected.ttl", format="longturtle")
        (case / "expected-problems.yaml").write_text(yaml.safe_dump(problems, allow_unicode=True))
    expected = Graph().parse(case / "expected.ttl", format="turtle")
    assert to_isomorphic(graph) == to_isomorphic(expected), _readable_diff(graph, expected)
    assert problems == yaml.safe_load((case / "expected-problems.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_loading_twice_gives_the_same_graph(case: Path) -> None:
    first, _ = _load(case)
    second, _ = _load(case)
    assert to_isomorphic(first) == to_isomorphic(second)
