"""The observatory's dashboard routes (``/observatory`` and its API): thin shells over
``observatory.figures``, which defines the figures and computes them from query solutions.

Answers are cached per store generation (the store changes only on load or publish), filter
choice and language, so a warm dashboard costs no query.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from core.translations import in_language
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.published import Kept, generation, select
from endpoint.resource_page import labels
from endpoint.responses import attachment, error, reader_language
from observatory.cube import cube_dataset, regions_dataset
from observatory.figures import (
    ALL_ROWS,
    ATTRIBUTION,
    POINTS,
    SOURCES,
    BadFilter,
    Credit,
    Figure,
    Solutions,
    answers,
    country_labels,
    credits,
    csv_text,
    figure,
    filter_options,
    iris,
    option_iris,
    point_rows,
    read_filters,
    source_filters,
    source_options,
    table,
    with_filters,
)
from observatory.regions import regions_geojson

blueprint = Blueprint("observatory", __name__)

ANSWERS = Kept()
#: the regions cube's observations, for the dashboard's link to it
REGIONS_CUBE = """PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX cwm: <https://w3id.org/coworkmed/def/>
SELECT ?region ?places ?per_100k WHERE {
  ?observation qb:dataSet <{dataset}> ; cwm:nutsRegion ?region ;
    cwm:placeCount ?places ; cwm:placesPer100k ?per_100k .
} ORDER BY DESC(?per_100k) LIMIT 100"""


def named(found: set[str], lang: str) -> dict[str, str]:
    """Labels of ``found`` in ``lang`` from the store, and the countries' names."""
    return {**country_labels(lang), **labels(found, lang, ALL_ROWS)} if found else {}


def _select(sparql: str) -> Solutions:
    return select(sparql, ALL_ROWS, data_only=True)[0]


def _answers(filters: dict[str, str], number: int) -> dict[str, tuple[str, Solutions]]:
    """Each figure's query and solutions for ``filters`` at store generation ``number`` (the
    same for every language)."""
    key = ("answers", number, tuple(sorted(filters.items())))
    return ANSWERS.get(key, lambda: answers(filters, _select, _base()))


def _base() -> str:
    base: str = current_app.config["COWORKMED"]["base"]
    return base


def _figure(figure_id: str, sparql: str, rows: Solutions, lang: str) -> Figure:
    title = in_language(table()["figures"][figure_id]["title"], lang)
    return figure(figure_id, sparql, rows, title, named(iris(rows), lang))


def figures(filters: dict[str, str], lang: str) -> list[Figure]:
    """Every figure of the dashboard for ``filters``, labels in ``lang``."""
    number = generation()
    found = _answers(filters, number)
    key = ("figures", number, tuple(sorted(filters.items())), lang)
    return ANSWERS.get(
        key, lambda: [_figure(i, sparql, rows, lang) for i, (sparql, rows) in found.items()]
    )


def points(filters: dict[str, str]) -> list[list[Any]]:
    """The spaces to draw: latitude, longitude, the path of their page, name."""
    base = _base()
    key = ("points", generation(), tuple(sorted(filters.items())))
    return ANSWERS.get(key, lambda: point_rows(_select(with_filters(POINTS, filters, base)), base))


def sources_shown(filters: dict[str, str]) -> tuple[Credit, ...]:
    """The sources of the records a view shows, with their licence and attribution."""
    base = _base()
    key = ("credits", generation(), tuple(sorted(filters.items())))
    sparql = with_filters(ATTRIBUTION.read_text(encoding="utf-8"), filters, base)
    return ANSWERS.get(key, lambda: tuple(credits(_select(sparql))))


def licence_links(shown: tuple[Credit, ...]) -> list[tuple[str, str]]:
    """HTTP Link headers naming the licence of each source shown (rel=license, RFC 8288)."""
    licences = sorted({c.licence for c in shown if c.licence})
    return [("Link", f'<{licence}>; rel="license"') for licence in licences]


def _read_filters() -> dict[str, str]:
    """The request's filters, checked (QueryError 400 if one is not allowed)."""
    try:
        return read_filters(request.args)
    except BadFilter as problem:
        raise QueryError(400, str(problem)) from None


def _query_link(sparql: str) -> str:
    return url_for("pages.query_page", query=sparql)


def _options(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices (code, label in ``lang``), from the code lists in the store."""
    key = ("options", generation(), lang)
    return ANSWERS.get(
        key, lambda: {**filter_options(named(option_iris(), lang)), **_sources(lang)}
    )


def _sources(lang: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of the source filters: the sources with records in the graph, by title."""
    base = _base()
    ids = source_options(_select(SOURCES.read_text(encoding="utf-8")), base)
    titles = named({f"{base}dataset/{i}" for i in ids}, lang)
    choices = sorted(((i, titles.get(f"{base}dataset/{i}", i)) for i in ids), key=lambda c: c[1])
    return {name: choices for name in source_filters()}


@blueprint.get("/observatory")
def dashboard() -> Response:
    lang = reader_language()
    words = {key: in_language(texts, lang) for key, texts in table()["words"].items()}
    try:
        filters = _read_filters()
        options = _options(lang)
        shown = sources_shown(filters)
    except QueryError as problem:
        return error(problem.status, problem.message)
    cube_query = (
        "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
        "SELECT * WHERE {\n"
        f"  ?observation qb:dataSet <{cube_dataset(current_app.config['COWORKMED']['base'])}> ;\n"
        "    ?dimension ?value .\n} LIMIT 100"
    )
    page = render_template(
        "observatory.html",
        lang=lang,
        languages=LANGUAGES,
        words=words,
        filters=filters,
        options=options,
        config={
            "figures": url_for("observatory.figures_api"),
            "points": url_for("observatory.points_api"),
            "regions": url_for("observatory.regions_api"),
            "choropleth": table()["choropleth"],
            "csv": url_for("observatory.figure_csv", figure_id="FIGURE"),
            "query": url_for("pages.query_page"),
            "lang": lang,
            "words": words,
        },
        credits=shown,
        cube_link=_query_link(cube_query),
        regions_cube_link=_query_link(REGIONS_CUBE.replace("{dataset}", regions_dataset(_base()))),
    )
    return Response(page, mimetype="text/html", headers=licence_links(shown))


@blueprint.get("/api/observatory/figures")
def figures_api() -> Response:
    try:
        filters = _read_filters()
        found = figures(filters, reader_language())
    except QueryError as problem:
        return error(problem.status, problem.message)
    body = [{**asdict(each), "query_page": _query_link(each.query)} for each in found]
    return jsonify({"filters": filters, "figures": body})


@blueprint.get("/api/observatory/points")
def points_api() -> Response:
    try:
        filters = _read_filters()
        found = points(filters)
        shown = sources_shown(filters)
    except QueryError as problem:
        return error(problem.status, problem.message)
    answer = jsonify({"points": found, "sources": [asdict(c) for c in shown]})
    answer.headers.extend(licence_links(shown))
    return answer


@blueprint.get("/api/observatory/figures/<figure_id>.csv")
def figure_csv(figure_id: str) -> Response:
    """One figure as CSV: its columns, and a label column for each IRI column."""
    if figure_id not in table()["figures"]:
        return error(404, f"no figure {figure_id!r}")
    try:
        lang = reader_language()
        filters = _read_filters()
        found = next(f for f in figures(filters, lang) if f.id == figure_id)
        shown = sources_shown(filters)
    except QueryError as problem:
        return error(problem.status, problem.message)
    missing = in_language(table()["words"]["no_source"], lang)
    text = csv_text(found, shown, missing)
    answer = Response(text, mimetype="text/csv", headers=licence_links(shown))
    return attachment(answer, f"{figure_id}.csv")


@blueprint.get("/api/observatory/regions.geojson")
def regions_api() -> Response:
    """The NUTS-3 regions' outlines the choropleth colours (the project's own table)."""
    return Response(regions_geojson(), mimetype="application/geo+json")
