"""The mapping language of issue 18, driven by mapping-language-cases.yaml: include: on
normalised values, column templates, column shorthands and when_true by kind of field."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import DCTERMS, Graph, URIRef

from core.namespaces import PREFIXES
from core.translations import quoted
from core.vocabulary import LANGUAGES
from loaders import tables
from loaders.concepts import default_index
from loaders.load import transform
from loaders.mapping import fill, load_mapping, normalised, option_kinds, required_fields
from loaders.readers import Row, _kept
from loaders.values import ColumnSpec, Context, Iri, Locale, parser_for
from tests.mappings import write_mapping
from validation.columns import cell_message
from validation.messages import problem_message

CASES = yaml.load(
    (Path(__file__).parent / "mapping-language-cases.yaml").read_text(encoding="utf-8"),
    Loader=tables.StringKeysLoader,
)


@pytest.mark.parametrize("case", CASES["include"], ids=lambda c: f"{c['condition']}-{c['value']}")
def test_include_compares_normalised_values(case: dict[str, Any]) -> None:
    missing = frozenset(tables.fold(token) for token in case.get("missing", []))
    row = Row(1, {"c": case["value"]})
    assert _kept(row, [case["condition"]], missing) is case["kept"]


@pytest.mark.parametrize("case", CASES["template"], ids=lambda c: c["template"])
def test_a_template_is_filled_from_the_row(case: dict[str, Any]) -> None:
    assert fill(case["template"], case["values"], Locale()) == case["result"]


@pytest.mark.parametrize("case", CASES["shorthand"], ids=lambda c: str(c["written"]))
def test_a_shorthand_stands_for_the_long_form(case: dict[str, Any]) -> None:
    assert normalised({"columns": {"C": case["written"]}})["columns"]["C"] == case["means"]


@pytest.mark.parametrize("case", CASES["when_true"], ids=lambda c: f"{c['field']}-{c['yes']}")
def test_when_true_adds_its_value_when_the_cell_says_yes(case: dict[str, Any]) -> None:
    spec = ColumnSpec(label="C", field=case["field"], sources=("C",), when_true=case["value"])
    terms = parser_for(case["field"])(case["yes"], spec, Context(Locale(), default_index()))
    assert [t.value if isinstance(t, Iri) else t.lexical for t in terms] == case["result"]


def test_every_field_of_a_when_true_kind_is_covered() -> None:
    """The sibling fields: each kind when_true applies to has a case (network was refused)."""
    kinds = set(option_kinds()["when_true"]["kinds"])
    covered = {tables.fields()[case["field"]]["kind"] for case in CASES["when_true"]}
    assert kinds <= covered, kinds - covered


# -- otherwise and unreadable: a one-row file loaded through a mapping ---------------------------

BASE = "https://example.org/id/"


def _loaded(
    tmp_path: Path,
    column: dict[str, Any],
    cells: dict[str, Any] | list[list[Any]],
    locale: dict[str, Any] | None = None,
) -> tuple[Any, list]:
    """The graph and the problems of a one-row CSV (ID, Nom and ``cells``: a mapping, or
    [header, value] pairs when a header is written twice) whose column C (or the first of
    ``cells``) is mapped as ``column``; ``locale``: the mapping's (French by default)."""
    pairs = list(cells.items()) if isinstance(cells, dict) else [tuple(c) for c in cells]
    columns = {"ID": "id", "Nom": "name", "C": column}
    write_mapping(tmp_path, columns, locale or {"language": "fr", "country": "FR"})
    with (tmp_path / "data.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["ID", "Nom", *(header for header, _value in pairs)])
        writer.writerow(["1", "Espace test", *(value for _header, value in pairs)])
    loaded = load_mapping(tmp_path / "mapping.yaml")
    triples, report = transform(
        loaded, tmp_path / "data.csv", BASE, lambda: dt.datetime.now(dt.UTC)
    )
    graph = Graph().parse(data=triples.decode("utf-8"), format="nt")
    return graph, report.problems


def _values(graph: Graph, field_name: str) -> list[str]:
    prefix, _, local = tables.fields()[field_name]["property"].partition(":")
    spaces = f"{BASE}space/"  # the space and its address, not the partner
    return sorted(
        str(o)
        for s, o in graph.subject_objects(URIRef(PREFIXES[prefix] + local))
        if str(s).startswith(spaces)
    )


@pytest.mark.parametrize("case", CASES["otherwise"], ids=lambda c: f"{c['column']}-{c['cells']}")
def test_otherwise_is_the_value_of_a_column_whose_cells_are_empty(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    graph, problems = _loaded(tmp_path, case["column"], case["cells"])
    assert _values(graph, case["column"]["field"]) == sorted(case["result"])
    assert [p for p in problems if p.column in case["cells"]] == []  # the mapping says it
    # ... and the load's provenance says it: the plan (the mapping) names the rule
    rule = f"columns.C.otherwise: {case['column']['otherwise']}"
    assert rule in {str(o) for o in graph.objects(None, DCTERMS.description)}


@pytest.mark.parametrize("case", CASES["unreadable"], ids=lambda c: f"{c['column']}-{c['cell']}")
def test_unreadable_says_what_an_unreadable_cell_does(tmp_path: Path, case: dict[str, Any]) -> None:
    graph, problems = _loaded(tmp_path, case["column"], {"C": case["cell"]})
    assert _values(graph, case["column"]["field"]) == sorted(case["result"])
    found = [p for p in problems if p.column == "C"]
    if case["problem"] is None:
        assert found == []
        return
    (problem,) = found
    assert (problem.code, problem.severity, problem.row) == (
        case["problem"],
        case["severity"],
        2,
    )
    assert problem.value == case.get("value", case["cell"])
    assert dict(problem.params or ()).get("because") == case.get("because")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_value_left_out_says_why_in_each_language(tmp_path: Path, lang: str) -> None:
    """The warning names the column and the value and says the cell's own problem in the
    reader's language (not a placeholder, not English in another language's sentence)."""
    _graph, problems = _loaded(
        tmp_path,
        {"field": "website", "unreadable": "leave-out"},
        {"C": "www.la-cordee.netla-cordee-opera"},
    )
    (problem,) = [p for p in problems if p.column == "C"]
    because = problem_message("not-a-url", lang, value=problem.value, column="C")
    message = cell_message(problem, lang)
    assert message is not None and because is not None
    assert because in message and quoted("C", lang) in message and "…" not in message


def test_the_mapping_reader_knows_the_required_fields_as_the_checks_do() -> None:
    """``unreadable: leave-out`` is refused on the fields the shapes of severity Violation
    require; the reader and the checks find the same (the town by a SPARQL constraint)."""
    assert required_fields() == frozenset({"city", "country", "kinds", "name"})


@pytest.mark.parametrize("case", CASES["aliases"], ids=lambda c: f"{c['column']}-{c['cells']}")
def test_two_headers_of_one_column_are_reported(tmp_path: Path, case: dict[str, Any]) -> None:
    """Regression (issue 18, a stranger's find): the second of "Name" and "Nom" was ignored
    without a word."""
    graph, problems = _loaded(tmp_path, case["column"], case["cells"], case.get("locale"))
    assert _values(graph, case["column"]["field"]) == case["result"]
    found = sorted(p.code for p in problems if p.column in case["cells"])
    assert found == case["codes"], problems
    for problem in problems:
        if problem.code in ("duplicate-column", "conflicting-columns"):
            named = {problem.column, *(dict(problem.params or ()).get("other", "").split(", "))}
            assert len(named & set(case["cells"])) >= 2, problem  # both columns named


@pytest.mark.parametrize("case", CASES["repeated"], ids=lambda c: str(c["cells"]))
def test_a_header_written_twice_is_one_column_told_twice(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    """Regression (issue 18, a stranger's find): "Name,Name" with two values was read as the
    first and an unknown column "Name (3)" whose value was ignored; it is a duplicate-column
    (and a conflicting-columns error where the values differ), as Name and Nom are."""
    graph, problems = _loaded(tmp_path, case["column"], case["cells"], case.get("locale"))
    assert _values(graph, case["field"]) == case["result"]
    told = sorted((p.code, p.column, dict(p.params or ()).get("other")) for p in problems)
    assert told == sorted(tuple(t) for t in case["told"]), problems
