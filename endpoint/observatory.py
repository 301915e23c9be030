"""The observatory's dashboard routes (``/observatory`` and its API): thin shells over
``observatory.figures``, which defines the figures and computes them from query solutions.

Answers are cached per store generation (the store changes only on load or publish), filter
choice and language, so a warm dashboard costs no query.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import asdict, replace
from datetime import date as date_type
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from core.namespaces import EU_COUNTRY, NUTS_CODE
from core.translations import collation_key, in_language
from core.translations import long_date as translated_long_date
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.published import Kept, each_solution, generation, select, select_all
from endpoint.resource_page import LabelRow, label_rows, labels_in
from endpoint.responses import (
    api_problem,
    attachment,
    error,
    language_refused,
    problem_body,
    reader_language,
    store_problem_code,
)
from endpoint.urls import rooted
from endpoint.views import region_label
from observatory.cube import cube_dataset, regions_dataset
from observatory.figures import (
    ALL_ROWS,
    ATTRIBUTION,
    CLOSED_UNDATED,
    HEADLINE,
    POINTS,
    SOURCES,
    BadFilter,
    Credit,
    Figure,
    Solutions,
    allowed_values,
    answers,
    check_parameters,
    counted,
    country_labels,
    coverage_counts,
    coverage_sparql,
    credits,
    csv_metadata,
    csv_text,
    data_date,
    empty_reason,
    figure,
    figure_credits,
    filter_options,
    headline,
    iris,
    option_iris,
    plural_forms,
    point_rows,
    read_filters,
    recorded_codes,
    recorded_sparql,
    share_text,
    source_filters,
    source_options,
    table,
    territory_credit_sparql,
    with_filters,
)
from observatory.regions import regions_geojson
from publishing.catalogue import territory_dataset

blueprint = Blueprint("observatory", __name__)

#: how the warm-up asks each kind of question again after a change (``Kept``'s ``again``),
#: given the rest of its key after the generation: the filters as sorted pairs, a language
ANSWERS = Kept(
    again={
        "labels": lambda terms: term_label_rows(terms),
        "answers": lambda filters: _answers(dict(filters), generation()),
        "figures": lambda filters, lang: figures(dict(filters), lang),
        "figures-document": lambda filters, lang: figures_document(dict(filters), lang),
        "page-parts": lambda filters, lang: page_parts(dict(filters), lang),
        "figures-sources": lambda filters, lang: figures_sources(dict(filters), lang),
        "headline": lambda filters: view_headline(dict(filters)),
        "coverage": lambda filters: coverage(dict(filters)),
        "headline-texts": lambda filters, lang: headline_texts(dict(filters), lang),
        "credits": lambda filters: sources_shown(dict(filters)),
        "source-ids": lambda: source_ids(),
        "options": lambda lang: filter_choices(lang),
        "recorded-values": lambda: recorded_values(),
        "filter-labels": lambda lang: _labelled_options(lang),
    }
)
#: the most points the map's views keep together: a view's points grow with the data (100,000
#: spaces: 100,000 points, about 27 MB), and each filter gives a view of its own
MOST_POINTS = 250_000
POINTS_KEPT = Kept(
    size=64,
    weigh=len,
    most=MOST_POINTS,
    again={"points": lambda _pages, filters: points(dict(filters))},
)
#: the parameters each door of the API takes besides the filters (openapi.json lists the same);
#: any other name is refused there (the page, which shows its filters, ignores the others)
DOOR_PARAMETERS: dict[str, tuple[str, ...]] = {
    "observatory.figures_api": ("lang",),
    "observatory.points_api": ("lang",),
    "observatory.figure_csv": ("lang", "header"),
    "observatory.figure_metadata": ("lang", "header"),
}
#: the regions cube's observations, for the dashboard's link to it
REGIONS_CUBE = """PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX cwm: <https://w3id.org/coworkmed/def/>
SELECT ?region ?places ?per_100k WHERE {
  ?observation qb:dataSet <{dataset}> ; cwm:refRegion ?region ;
    cwm:placeCount ?places ; cwm:placesPer100k ?per_100k .
} ORDER BY DESC(?per_100k) LIMIT 100"""


def named(found: set[str], lang: str) -> dict[str, str]:
    """Labels of ``found`` in ``lang`` from the store, and the countries' names; a NUTS region
    the store does not name (levels 1 and 2: the reference names level 3 only) by its code, as
    its pages do (``endpoint.views.region_label``), not by its IRI."""
    if not found:
        return {}
    regions = {iri: region_label(iri, lang) for iri in found if iri.startswith(NUTS_CODE)}
    rows = term_label_rows(frozenset(found))  # in every language, read once for the six
    return {**regions, **country_labels(lang), **labels_in(rows, lang)}


def term_label_rows(terms: frozenset[str]) -> tuple[LabelRow, ...]:
    """The labels of ``terms`` in every language, as the store gives them (kept)."""
    return ANSWERS.get(("labels", generation(), terms), lambda: label_rows(terms, ALL_ROWS))


def _select(sparql: str) -> Solutions:
    return select(sparql, ALL_ROWS, data_only=True)[0]


def _select_all(sparqls: list[str]) -> list[Solutions]:
    return select_all(sparqls, ALL_ROWS, data_only=True)


def _answers(filters: dict[str, str], number: int) -> dict[str, tuple[str, Solutions]]:
    """Each figure's query and solutions for ``filters`` at store generation ``number`` (the
    same for every language)."""
    key = ("answers", number, tuple(sorted(filters.items())))
    return ANSWERS.get(key, lambda: answers(filters, _select_all, _base()))


def _base() -> str:
    base: str = current_app.config["COWORKMED"]["base"]
    return base


def _figure(
    figure_id: str,
    sparql: str,
    rows: Solutions,
    lang: str,
    filters: dict[str, str],
    unfiltered: Solutions,
    reporting: dict[str, int],
    places: int,
) -> Figure:
    title = in_language(table()["figures"][figure_id]["title"], lang)
    made = figure(figure_id, sparql, rows, title, named(iris(rows), lang), lang)
    shown = "reports" in table()["figures"][figure_id] and places > 0
    return replace(
        made,
        empty=empty_reason(rows, filters, unfiltered),
        coverage={"reporting": reporting.get(figure_id, 0), "places": places} if shown else None,
    )


def figures(filters: dict[str, str], lang: str) -> list[Figure]:
    """Every figure of the dashboard for ``filters``, labels in ``lang``; an empty one says why
    (``empty``), one counting by a field says how many places give it (``coverage``)."""
    key = ("figures", generation(), tuple(sorted(filters.items())), lang)
    return ANSWERS.get(key, lambda: _figures(filters, lang))


def figures_document(filters: dict[str, str], lang: str) -> tuple[list[Figure], dict[str, Any]]:
    """The figures of a view and its headline as the API gives them: one answer, so that its
    parts are of one generation, or it is the one before, whole (``Kept``; stranger 67, F4: a
    document with the headline of the new generation and the rows of the old)."""
    key = ("figures-document", generation(), tuple(sorted(filters.items())), lang)
    return ANSWERS.get(key, lambda: (figures(filters, lang), headline_texts(filters, lang)))


def figures_sources(filters: dict[str, str], lang: str) -> tuple[list[Figure], tuple[Credit, ...]]:
    """The figures of a view and the sources they count, as one answer (as
    ``figures_document``): what a figure's CSV and its metadata are made of."""
    key = ("figures-sources", generation(), tuple(sorted(filters.items())), lang)
    return ANSWERS.get(key, lambda: (figures(filters, lang), sources_shown(filters)))


def page_parts(
    filters: dict[str, str], lang: str
) -> tuple[dict[str, list[tuple[str, str]]], tuple[Credit, ...], dict[str, Any]]:
    """What the dashboard's page of a view reads of the store, as one answer (as
    ``figures_document``): the filters' choices, the sources shown and the headline. The page
    shows the territory reference's regions, populations and typologies (figures 02-03, 13-19,
    22, 24, the choropleth): it credits that dataset too (stranger 85: only the choropleth's
    caption named Eurostat)."""
    key = ("page-parts", generation(), tuple(sorted(filters.items())), lang)

    def read() -> tuple[dict[str, list[tuple[str, str]]], tuple[Credit, ...], dict[str, Any]]:
        shown = sources_shown(filters) + territory_credit()
        return filter_choices(lang), shown, headline_texts(filters, lang)

    return ANSWERS.get(key, read)


def _figures(filters: dict[str, str], lang: str) -> list[Figure]:
    """``figures``, made of the answers it reads here, in its maker: read before it, they were
    not the maker's, and an answer of the generation before among them was kept as the new
    generation's (stranger 67: 11 figures' coverage 16 generations old, tagged and 304'd)."""
    number = generation()
    found = _answers(filters, number)
    everything = _answers({}, number) if filters else found
    reporting = coverage(filters)
    places = view_headline(filters)["places"]
    return [
        _figure(i, sparql, rows, lang, filters, everything[i][1], reporting, places)
        for i, (sparql, rows) in found.items()
    ]


def view_headline(filters: dict[str, str]) -> dict[str, int]:
    """The headline figures of a view: records, places, sources, countries, the places giving a
    territory type and the rural ones (``observatory/headline.rq``)."""
    base = _base()
    key = ("headline", generation(), tuple(sorted(filters.items())))
    sparql = with_filters(HEADLINE.read_text(encoding="utf-8"), filters, base)
    return ANSWERS.get(key, lambda: headline(_select(sparql)))


def coverage(filters: dict[str, str]) -> dict[str, int]:
    """How many places of a view give each figure's field, and the closed ones with no date."""
    base = _base()
    key = ("coverage", generation(), tuple(sorted(filters.items())))
    return ANSWERS.get(
        key, lambda: coverage_counts(_select(with_filters(coverage_sparql(), filters, base)))
    )


#: the filtered views worked out again after a change, at most: the last readers asked for
VIEWS_AGAIN = 4


def views_again() -> None:
    """Work out again, for the new generation, the filtered views readers asked for last (the
    figures of ``VIEWS_AGAIN`` of them, the headline of as many): a step of the warm-up after
    a change, so that their next readers do not wait for them once its run ends (stranger
    63: 23 to 28 s for ``?country=FRA`` at 15,000 spaces after the warm-up)."""
    for what, work_out in (("figures", figures), ("headline-texts", _page_parts)):
        views = [(dict(f), lang) for f, lang in ANSWERS.asked(what) if f]
        for filters, lang in views[-VIEWS_AGAIN:]:
            work_out(filters, lang)


def _page_parts(filters: dict[str, str], lang: str) -> None:
    """What the dashboard's page of a view reads of the store: its headline and sources."""
    headline_texts(filters, lang)
    sources_shown(filters)


def headline_texts(filters: dict[str, str], lang: str) -> dict[str, Any]:
    """The headline figures as the page shows them, counted words in ``lang`` (kept)."""
    key = ("headline-texts", generation(), tuple(sorted(filters.items())), lang)
    return ANSWERS.get(key, lambda: _headline_texts(filters, lang))


def _headline_texts(filters: dict[str, str], lang: str) -> dict[str, Any]:
    found = view_headline(filters)
    return {
        **found,
        "texts": [
            counted(name, found[name], lang)
            for name in ("places", "records", "sources", "countries")
        ],
        "rural_text": share_text("rural", found["rural"], found["territory_given"], lang),
        "degurba_text": share_text(
            "rural_degurba", found["degurba_rural"], found["degurba_given"], lang
        ),
        "closed_undated": coverage(filters).get(CLOSED_UNDATED, 0),
    }


def points(filters: dict[str, str]) -> list[list[Any]]:
    """The spaces to draw: latitude, longitude, the path of their page, name (read row by
    row, kept while they are at most ``MOST_POINTS`` with the other views' points)."""
    base = _base()
    pages = rooted("/id/")
    key = ("points", generation(), pages, tuple(sorted(filters.items())))

    def read() -> list[list[Any]]:
        rows, _generation = each_solution(with_filters(POINTS, filters, base), ALL_ROWS, True)
        return point_rows(rows, base, pages)

    return POINTS_KEPT.get(key, read)


def sources_shown(filters: dict[str, str]) -> tuple[Credit, ...]:
    """The sources of the records a view shows, with their licence and attribution."""
    base = _base()
    key = ("credits", generation(), tuple(sorted(filters.items())))
    return ANSWERS.get(
        key,
        lambda: tuple(
            credits(_select(with_filters(ATTRIBUTION.read_text(encoding="utf-8"), filters, base)))
        ),
    )


def territory_credit() -> tuple[Credit, ...]:
    """The territory reference's credit (its licence and attribution, as the build describes
    its dataset): none when the store holds no such dataset."""
    return ANSWERS.get(
        ("territory-credit", generation()),
        lambda: tuple(credits(_select(territory_credit_sparql(territory_dataset(_base()))))),
    )


def long_date(iso: str | None, lang: str) -> str | None:
    """An ISO date as ``lang`` writes it in full ("3 Δεκεμβρίου 2026", babel's long format, as
    the page's date of the data); a year or a month alone ("2025", "2025-06") as it is."""
    if not iso:
        return None
    try:
        return translated_long_date(date_type.fromisoformat(iso), lang)
    except ValueError:
        return iso


def credit_answer(credit: Credit, lang: str) -> dict[str, Any]:
    """A source shown, with its dates as ``lang`` writes them (``issued_text``,
    ``modified_text``; the ISO dates stay in ``issued`` and ``modified``)."""
    return {
        **asdict(credit),
        "issued_text": long_date(credit.issued, lang),
        "modified_text": long_date(credit.modified, lang),
    }


def licence_links(shown: tuple[Credit, ...]) -> list[tuple[str, str]]:
    """HTTP Link headers naming the licence of each source shown (rel=license, RFC 8288)."""
    licences = sorted({c.licence for c in shown if c.licence})
    return [("Link", f'<{licence}>; rel="license"') for licence in licences]


@blueprint.before_request
def refuse_unknown_parameters() -> Response | None:
    """The API's 400 for a parameter its door does not take, or ``lang``/``header`` given
    several values; None to go on."""
    others = DOOR_PARAMETERS.get(request.endpoint or "")
    if others is None:
        return None
    try:
        check_parameters(request.args.to_dict(flat=False), others)
    except BadFilter as refused:
        return filter_refused(refused)
    return None


def _read_filters() -> dict[str, str]:
    """The request's filters, checked (BadFilter if one is not allowed, names a source with no
    record in the store, or is given twice with different values)."""
    given = request.args.to_dict(flat=False)
    # the sources' ids only when a source is asked for (a query, once per store generation)
    asked = any(value for name in source_filters() for value in given.get(name, []))
    return read_filters(given, source_ids() if asked else None)


def source_ids() -> list[str]:
    """The ids of the sources with records in the store (the source filter's values)."""
    key = ("source-ids", generation())
    return ANSWERS.get(
        key, lambda: source_options(_select(SOURCES.read_text(encoding="utf-8")), _base())
    )


def filter_refused(problem: BadFilter, page: bool = False) -> Response:
    """A filter refused, in the reader's language (issue #18: English whatever the reader's):
    the API's problem details, or the site's error page (``page``)."""
    lang = reader_language()
    values = {**problem.values, **_known_labelled(problem, lang)}
    body = problem_body(problem.code, lang, str(problem), **values)
    if page:
        return error(400, body["message"], said_in=lang)
    return api_problem(400, problem.code, lang, str(problem), **values)


def _known_labelled(problem: BadFilter, lang: str) -> dict[str, str]:
    """For a code-list filter's unknown value, the codes it takes each with its label in
    ``lang`` (``1 (cities), 2 (towns and suburbs), 3 (rural areas)``: the codes alone do not say
    what they stand for); nothing for another problem."""
    name = problem.values.get("name", "")
    if problem.code != "unknown-filter-value" or name not in allowed_values():
        return {}
    coded = sorted(_labelled_options(lang)[name])
    return {
        "known": ", ".join(code if label == code else f"{code} ({label})" for code, label in coded)
    }


def _query_link(sparql: str) -> str:
    return url_for("pages.query_page", query=sparql)


def filter_choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices (code, label in ``lang``), from the code lists in the store."""
    key = ("options", generation(), lang)
    return ANSWERS.get(key, lambda: _choices(lang))


def recorded_values() -> dict[str, set[str]]:
    """For each code-list filter, the codes some record has (one light query per store
    generation; the page once ran every figure's query to learn the countries)."""
    key = ("recorded-values", generation())
    return ANSWERS.get(key, lambda: recorded_codes(_select(recorded_sparql())))


def _labelled_options(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Every code of each code-list filter with its label in ``lang`` (kept)."""
    key = ("filter-labels", generation(), lang)
    return ANSWERS.get(key, lambda: filter_options(named(option_iris(), lang), lang))


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    """The filters' choices: a code only when some record has it (stranger 43: 12 of the 17
    kinds and every territory type gave an empty page), and the sources with records; a filter
    with no choice is not offered."""
    recorded = recorded_values()
    choices = {
        name: [(code, label) for code, label in options if code in recorded.get(name, set())]
        for name, options in _labelled_options(lang).items()
    }
    return {**choices, **_sources(lang)}


def _sources(lang: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of the source filters: the sources with records in the graph, by title."""
    base = _base()
    ids = source_ids()
    titles = named({f"{base}dataset/{i}" for i in ids}, lang)
    choices = sorted(
        ((i, titles.get(f"{base}dataset/{i}", i)) for i in ids),
        key=lambda c: collation_key(c[1], lang),
    )
    return {name: choices for name in source_filters()}


def with_chosen(
    options: dict[str, list[tuple[str, str]]], filters: dict[str, str], lang: str
) -> dict[str, list[tuple[str, str]]]:
    """The choices, with a chosen value kept even when no record has it (a link may name one:
    the page then says once that nothing is shown), and without the filters that offer none."""
    everything = _labelled_options(lang)
    kept = {}
    for name, choices in options.items():
        chosen = filters.get(name)
        if chosen and all(code != chosen for code, _label in choices):
            label = dict(everything.get(name, [])).get(chosen, chosen)
            if name == "country":
                label = country_labels(lang).get(EU_COUNTRY + chosen, label)
            choices = [*choices, (chosen, label)]
        if choices:
            kept[name] = choices
    return kept


@blueprint.get("/observatory")
def dashboard() -> Response:
    lang = reader_language()
    words = {key: in_language(texts, lang) for key, texts in table()["words"].items()}
    try:
        filters = _read_filters()
        choices, shown, glance = page_parts(filters, lang)
        options = with_chosen(choices, filters, lang)
    except BadFilter as refused:
        return filter_refused(refused, page=True)
    except QueryError as problem:
        return error(problem.status, problem.message)
    date = data_date(shown)
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
            "plurals": {word: plural_forms(word, lang) for word in table()["counted"]},
            "units": {
                name: in_language(spec["label"], lang)
                for name, spec in table()["columns"].items()
                if spec["unit"] != "key"
            },
        },
        credits=[credit_answer(credit, lang) for credit in shown],
        glance=glance,
        date=long_date(date, lang),
        cube_link=_query_link(cube_query),
        regions_cube_link=_query_link(REGIONS_CUBE.replace("{dataset}", regions_dataset(_base()))),
    )
    return Response(page, mimetype="text/html", headers=licence_links(shown))


def engine_problem(problem: QueryError) -> Response:
    """The API's answer when the store could not answer: problem details in the reader's
    language, ``service-busy`` for a 503 (busy, or the data being worked out: try again,
    ``Retry-After``), ``store-error`` otherwise (stranger 61: one line of English plain text,
    whatever the reader's language)."""
    code = store_problem_code(problem.status)
    return api_problem(problem.status, code, reader_language(), problem.message)


@blueprint.get("/api/observatory/figures")
def figures_api() -> Response:
    unknown = language_refused()
    if unknown is not None:
        return unknown
    try:
        filters = _read_filters()
        found, glance = figures_document(filters, reader_language())
    except BadFilter as refused:
        return filter_refused(refused)
    except QueryError as problem:
        return engine_problem(problem)
    return Response(_document_json(filters, found, glance), mimetype="application/json")


#: the JSON bodies of the figures documents given last, with the answers they were written of
#: (``_document_json``), at most ``BODIES_MOST``
_BODIES: OrderedDict[tuple[Any, ...], tuple[object, bytes]] = OrderedDict()
_BODIES_LOCK = threading.Lock()
BODIES_MOST = 32


def _document_json(filters: dict[str, str], found: list[Figure], glance: dict[str, Any]) -> bytes:
    """The API's JSON of a figures document (``figures_document``'s ``found`` and ``glance``),
    written once for the readers of the same answer, kept or before: each reader had it
    written again (5 ms of the server's time for the whole network, in the thread the warm-up
    shares; while answers before are given, each reader's, stranger 68, F2). Keyed by the
    answer's objects, which it holds while it keeps their JSON (so that no other takes their
    place), by the app and the path the service is under (the figures' query links)."""
    key = (id(current_app), request.script_root, id(found), id(glance), *sorted(filters.items()))
    with _BODIES_LOCK:
        written = _BODIES.get(key)
        if written is not None:
            _BODIES.move_to_end(key)
            return written[1]
    body = [{**asdict(each), "query_page": _query_link(each.query)} for each in found]
    document = {"filters": filters, "headline": glance, "figures": body}
    data = jsonify(document).get_data()
    with _BODIES_LOCK:
        _BODIES[key] = ((found, glance), data)
        while len(_BODIES) > BODIES_MOST:
            _BODIES.popitem(last=False)
    return data


@blueprint.get("/api/observatory/points")
def points_api() -> Response:
    unknown = language_refused()
    if unknown is not None:
        return unknown
    try:
        filters = _read_filters()
        found = points(filters)
        shown = sources_shown(filters)
    except BadFilter as refused:
        return filter_refused(refused)
    except QueryError as problem:
        return engine_problem(problem)
    lang = reader_language()
    answer = jsonify({"points": found, "sources": [credit_answer(c, lang) for c in shown]})
    answer.headers.extend(licence_links(shown))
    return answer


#: the header rows a CSV offers (``header``): in the reader's language (the default) or the
#: query's names; "" is the default
HEADER_CHOICES = ("", "names", "codes")
#: the media type of a CSVW metadata document (W3C Model for Tabular Data, section C)
CSVW_MEDIA_TYPE = "application/csvm+json"


def _one_figure(figure_id: str) -> tuple[Figure, tuple[Credit, ...], str, str] | Response:
    """The figure ``figure_id`` for the request's filters, its sources, the reader's language
    and the query string naming the same view (the filters, lang and header checked and
    encoded); else the problem to answer (a language, figure or filter refused)."""
    unknown = language_refused()
    if unknown is not None:
        return unknown
    if figure_id not in table()["figures"]:
        detail = f"no figure {figure_id[:60]!r}"
        return api_problem(404, "unknown-figure", reader_language(), detail, value=figure_id[:60])
    header = request.args.get("header", "")
    if header not in HEADER_CHOICES:
        detail = f"header: one of {', '.join(HEADER_CHOICES[1:])}, not {header[:40]!r}"
        return api_problem(
            400, "unknown-header-choice", reader_language(), detail, value=header[:40]
        )
    try:
        lang = reader_language()
        filters = _read_filters()
        every, shown = figures_sources(filters, lang)
        found = next(f for f in every if f.id == figure_id)
        shown = figure_credits(figure_id, shown, territory_credit())
    except BadFilter as refused:
        return filter_refused(refused)
    except QueryError as problem:
        return engine_problem(problem)
    # the language always: a CSV whose language came from Accept-Language linked metadata a
    # CSVW processor (which sends none) read in English (stranger 42)
    kept = {"lang": lang, **({"header": header} if header else {})}
    return found, shown, lang, urlencode({**filters, **kept})


@blueprint.get("/api/observatory/figures/<figure_id>.csv")
def figure_csv(figure_id: str) -> Response:
    """One figure as CSV: a header row and the rows, a label column before each IRI column; its
    sources and licences in its CSVW metadata, linked by a ``rel="describedby"`` header."""
    answered = _one_figure(figure_id)
    if isinstance(answered, Response):
        return answered
    found, shown, lang, query = answered
    text = csv_text(found, _missing(lang), lang, codes=request.args.get("header") == "codes")
    metadata = url_for("observatory.figure_metadata", figure_id=figure_id)
    metadata += f"?{query}" if query else ""
    described = f'<{metadata}>; rel="describedby"; type="{CSVW_MEDIA_TYPE}"'
    links = [*licence_links(shown), ("Link", described)]
    answer = Response(text, mimetype="text/csv", headers=links)
    return attachment(answer, f"{figure_id}.csv")


@blueprint.get("/api/observatory/figures/<figure_id>.csv-metadata.json")
def figure_metadata(figure_id: str) -> Response:
    """The CSVW metadata of one figure's CSV (the same filters, language and header): its
    title, sources with their attribution and licence, and columns."""
    answered = _one_figure(figure_id)
    if isinstance(answered, Response):
        return answered
    found, shown, lang, query = answered
    # relative: resolved against the metadata's own URL, as CSVW says (a proxy keeps it right)
    table_url = f"{figure_id}.csv" + (f"?{query}" if query else "")
    codes = request.args.get("header") == "codes"
    body = csv_metadata(found, table_url, shown, lang, _missing(lang), codes)
    text = json.dumps(body, ensure_ascii=False, indent=2)
    return Response(text, mimetype=CSVW_MEDIA_TYPE, headers=licence_links(shown))


def _missing(lang: str) -> str:
    """What the note column says of a region no source covers, in ``lang``."""
    return in_language(table()["words"]["no_source"], lang)


@blueprint.get("/api/observatory/regions.geojson")
def regions_api() -> Response:
    """The NUTS-3 regions' outlines the choropleth colours (the project's own table)."""
    return Response(regions_geojson(), mimetype="application/geo+json")
