"""The search page: spaces by name, municipality, kind of space and country, with SPARQL.

What the reader types goes into the query only as an escaped string literal; a kind of space
must look like a code (letters, digits, hyphens) and a country like its three capital letters,
or they are ignored. Results link to the spaces'
own pages; the page gives the SPARQL query it ran.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, render_template, request, url_for

from core.namespaces import CODE, EU_COUNTRY, sparql_prefixes
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.linkeddata import local_path
from endpoint.parameters import MAX_PAGE, whole_number
from endpoint.published import select
from endpoint.responses import error, reader_language
from loaders.rdf import literal

blueprint = Blueprint("search", __name__)

PAGE = 50
KIND = re.compile(r"^[a-z0-9-]{2,64}$")
COUNTRY = re.compile(r"^[A-Z]{3}$")
PREFIXES = sparql_prefixes("cwm", "schema", "locn", "skos")


def search_query(name: str, town: str, kind: str | None, country: str | None, page: int) -> str:
    """The SELECT behind a search (the values checked or escaped before)."""
    filters = []
    if name:
        filters.append(f"FILTER (CONTAINS(LCASE(STR(?name)), LCASE({literal(name)})))")
    if town:
        filters.append(f"FILTER (CONTAINS(LCASE(STR(?town)), LCASE({literal(town)})))")
    if kind:
        filters.append(f"?space cwm:spaceKind <{CODE}space-kind/{kind}> .")
    if country:
        filters.append(f"?space cwm:country <{EU_COUNTRY}{country}> .")
    town_pattern = (
        "?space locn:address/locn:postName ?town ."
        if town
        else ("OPTIONAL { ?space locn:address/locn:postName ?town }")
    )
    body = "\n  ".join(filters)
    return f"""{PREFIXES}SELECT ?space ?name ?town ?country WHERE {{
  ?space a cwm:Space ; schema:name ?name .
  {town_pattern}
  OPTIONAL {{ ?space cwm:country ?country }}
  {body}
}}
ORDER BY LCASE(STR(?name)) ?space
LIMIT {PAGE + 1} OFFSET {page * PAGE}"""


def _select(sparql: str) -> list[dict[str, str | None]]:
    rows, _generation = select(sparql, max_rows=10_000)
    return [{k: None if v is None else v.value for k, v in row.items()} for row in rows]


def kinds(lang: str) -> list[tuple[str, str]]:
    """The kinds of space, as (code, label in ``lang``), from the published code list."""
    rows = _select(
        f"""{PREFIXES}SELECT ?code ?label WHERE {{
  ?concept skos:inScheme <{CODE}space-kind> ; skos:notation ?code ; skos:prefLabel ?label .
  FILTER (LANG(?label) = {literal(lang)}) }} ORDER BY ?label"""
    )
    return [(r["code"] or "", r["label"] or "") for r in rows]


def countries() -> list[str]:
    rows = _select(f"{PREFIXES}SELECT DISTINCT ?c WHERE {{ ?s cwm:country ?c }} ORDER BY ?c")
    return [(r["c"] or "").rsplit("/", 1)[-1] for r in rows]


@blueprint.get("/search")
def search_page() -> Response | str:
    lang = reader_language()
    name = request.args.get("q", "").strip()[:200]
    town = request.args.get("town", "").strip()[:200]
    kind_given = request.args.get("kind", "")
    country_given = request.args.get("country", "")
    kind = kind_given if KIND.match(kind_given) else None
    country = country_given if COUNTRY.match(country_given) else None
    try:
        # a store sorts at most max_rows rows (Virtuoso: ResultSetMaxRows): OFFSET + LIMIT of
        # the last page stay within them
        last = (current_app.config["COWORKMED"]["max_rows"] - PAGE - 1) // PAGE
        page = whole_number(request.args, "page", 0, 0, min(MAX_PAGE, last))
        sparql = search_query(name, town, kind, country, page)
        rows = _select(sparql)
        options = kinds(lang)
        known = countries()
    except QueryError as problem:
        return error(problem.status, problem.message)
    results = [
        {**row, "link": local_path(row["space"] or "") or row["space"]} for row in rows[:PAGE]
    ]
    return render_template(
        "search.html",
        lang=lang,
        languages=LANGUAGES,
        results=results,
        more=len(rows) > PAGE,
        page=page,
        q=name,
        town=town,
        kind=kind,
        country=country,
        kinds=options,
        countries=known,
        query_url=url_for("sparql.sparql", query=sparql),
    )
