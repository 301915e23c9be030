"""The observatory: a dashboard of figures about the published spaces, with a map, filters
(country, kind of space, territory type, public) applied to every figure at once, a CSV and the
SPARQL query behind each figure, in the six languages.

The figures and filters are a table (``observatory.yaml``) and SPARQL files (``figures/``).
Answers are cached per store generation (the store changes only on load or publish), filter
choice and language, so a warm dashboard costs no query. Filter values are checked against the
code lists and the countries of the network before they reach a query.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from core.formulas import safe_cell
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.published import Kept, generation, select
from endpoint.resource_page import in_language, labels
from endpoint.responses import attachment, error, reader_language
from loaders import tables
from loaders.concepts import default_index
from loaders.values import EU_COUNTRY
from observatory.cube import cube_dataset

blueprint = Blueprint("observatory", __name__)

HERE = Path(__file__).parent
TABLE = HERE / "observatory.yaml"
FIGURES_DIR = HERE / "figures"
#: the largest answer an internal query may give (every space of the graph, for the map)
ALL_ROWS = 10_000_000
POINTS = """PREFIX cwm: <https://w3id.org/coworkmed/def/>
PREFIX schema: <https://schema.org/>
SELECT ?space ?name ?lat ?lon
WHERE {
  ?space schema:latitude ?lat ; schema:longitude ?lon .
  #FILTERS
  OPTIONAL { ?space schema:name ?name }
}"""


@cache
def table() -> dict[str, Any]:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@cache
def allowed_values() -> dict[str, dict[str, str]]:
    """For each filter, its allowed codes and the IRI each stands for."""
    countries = {row["eu"]: EU_COUNTRY + row["eu"] for row in tables.countries().values()}
    return {
        name: countries if spec["values"] == "country" else default_index().codes(spec["values"])
        for name, spec in table()["filters"].items()
    }


def read_filters(args: Any) -> dict[str, str]:
    """The filters of a request (``country=FRA&territory=rural``), checked; QueryError if not."""
    chosen = {}
    for name, allowed in allowed_values().items():
        value = args.get(name, "")
        if not value:
            continue
        if value not in allowed:
            known = ", ".join(sorted(allowed))
            raise QueryError(400, f"{name}={value!r} is not one of: {known}")
        chosen[name] = value
    return chosen


def with_filters(sparql: str, filters: dict[str, str]) -> str:
    """``sparql`` with its ``#FILTERS`` line replaced by the patterns of ``filters``."""
    patterns = " ".join(
        f"?space <{table()['filters'][name]['property']}> <{allowed_values()[name][value]}> ."
        for name, value in sorted(filters.items())
    )
    return sparql.replace("#FILTERS", patterns)


@cache
def figure_sparql(figure_id: str) -> str:
    return (FIGURES_DIR / f"{figure_id}.rq").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Figure:
    id: str
    title: str
    chart: str
    columns: list[str]
    rows: list[list[Any]]
    labels: dict[str, str]
    query: str


@cache
def country_labels() -> dict[str, str]:
    """The countries of the network by their EU authority IRI, named in English (the store has
    no labels for them)."""
    return {EU_COUNTRY + row["eu"]: row["names"][0].title() for row in tables.countries().values()}


def named(iris: set[str], lang: str) -> dict[str, str]:
    """Labels of ``iris`` in ``lang`` from the store, and the countries' names."""
    return {**country_labels(), **labels(iris, lang, ALL_ROWS)} if iris else {}


def _value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith(
        ("#integer", "#decimal", "#double", "#float")
    ):
        number = float(term.value)
        return int(number) if number.is_integer() else round(number, 2)
    return term.value


ANSWERS = Kept()


def _answers(filters: dict[str, str], number: int) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Each figure's query and solutions for ``filters`` at store generation ``number`` (the
    same for every language)."""

    def make() -> dict[str, tuple[str, list[dict[str, Any]]]]:
        found = {}
        for figure_id in table()["figures"]:
            sparql = with_filters(figure_sparql(figure_id), filters)
            found[figure_id] = (sparql, select(sparql, ALL_ROWS, data_only=True)[0])
        return found

    return ANSWERS.get(("answers", number, tuple(sorted(filters.items()))), make)


def _figure(figure_id: str, sparql: str, rows: list[dict[str, Any]], lang: str) -> Figure:
    spec = table()["figures"][figure_id]
    iris = {term.value for row in rows for term in row.values() if isinstance(term, ox.NamedNode)}
    return Figure(
        id=figure_id,
        title=in_language(spec["title"], lang),
        chart=spec["chart"],
        columns=list(rows[0]) if rows else [],
        rows=[[_value(term) for term in row.values()] for row in rows],
        labels={k: v for k, v in named(iris, lang).items() if k in iris},
        query=sparql,
    )


def figures(filters: dict[str, str], lang: str) -> list[Figure]:
    """Every figure of the dashboard for ``filters``, labels in ``lang``."""
    number = generation()
    answers = _answers(filters, number)
    key = ("figures", number, tuple(sorted(filters.items())), lang)
    return ANSWERS.get(
        key, lambda: [_figure(i, sparql, rows, lang) for i, (sparql, rows) in answers.items()]
    )


def points(filters: dict[str, str]) -> list[list[Any]]:
    """The spaces to draw: latitude, longitude, the path of their page, name."""
    base = current_app.config["COWORKMED"]["base"]

    def make() -> list[list[Any]]:
        rows, _generation = select(with_filters(POINTS, filters), ALL_ROWS, data_only=True)
        return [
            [
                float(row["lat"].value),
                float(row["lon"].value),
                "/id/" + row["space"].value.removeprefix(base),
                row["name"].value if row["name"] is not None else "",
            ]
            for row in rows
            if row["space"].value.startswith(base)
        ]

    return ANSWERS.get(("points", generation(), tuple(sorted(filters.items()))), make)


def _query_link(sparql: str) -> str:
    return url_for("pages.query_page", query=sparql)


def _options(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices (code, label in ``lang``), from the code lists in the store."""
    values = allowed_values()

    def make() -> dict[str, list[tuple[str, str]]]:
        names = named({iri for choices in values.values() for iri in choices.values()}, lang)
        return {
            name: sorted(
                ((code, names.get(iri, code)) for code, iri in choices.items()),
                key=lambda c: c[1],
            )
            for name, choices in values.items()
        }

    return ANSWERS.get(("options", generation(), lang), make)


@blueprint.get("/observatory")
def dashboard() -> Response | str:
    lang = reader_language()
    words = {key: in_language(texts, lang) for key, texts in table()["words"].items()}
    try:
        filters = read_filters(request.args)
        options = _options(lang)
    except QueryError as problem:
        return error(problem.status, problem.message)
    cube_query = (
        "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
        "SELECT * WHERE {\n"
        f"  ?observation qb:dataSet <{cube_dataset(current_app.config['COWORKMED']['base'])}> ;\n"
        "    ?dimension ?value .\n} LIMIT 100"
    )
    return render_template(
        "observatory.html",
        lang=lang,
        languages=LANGUAGES,
        words=words,
        filters=filters,
        options=options,
        config={
            "figures": url_for("observatory.figures_api"),
            "points": url_for("observatory.points_api"),
            "csv": url_for("observatory.figure_csv", figure_id="FIGURE"),
            "query": url_for("pages.query_page"),
            "lang": lang,
            "words": words,
        },
        cube_link=_query_link(cube_query),
    )


@blueprint.get("/api/observatory/figures")
def figures_api() -> Response:
    try:
        filters = read_filters(request.args)
        found = figures(filters, reader_language())
    except QueryError as problem:
        return error(problem.status, problem.message)
    body = [{**asdict(figure), "query_page": _query_link(figure.query)} for figure in found]
    return jsonify({"filters": filters, "figures": body})


@blueprint.get("/api/observatory/points")
def points_api() -> Response:
    try:
        found = points(read_filters(request.args))
    except QueryError as problem:
        return error(problem.status, problem.message)
    return jsonify({"points": found})


@blueprint.get("/api/observatory/figures/<figure_id>.csv")
def figure_csv(figure_id: str) -> Response:
    """One figure as CSV: its columns, and a label column for each IRI column."""
    if figure_id not in table()["figures"]:
        return error(404, f"no figure {figure_id!r}")
    try:
        lang = reader_language()
        figure = next(f for f in figures(read_filters(request.args), lang) if f.id == figure_id)
    except QueryError as problem:
        return error(problem.status, problem.message)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["label", *figure.columns])
    for row in figure.rows:
        writer.writerow([safe_cell(figure.labels.get(row[0], row[0])), *map(safe_cell, row)])
    return attachment(Response(buffer.getvalue(), mimetype="text/csv"), f"{figure_id}.csv")
