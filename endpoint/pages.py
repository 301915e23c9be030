"""The query page: YASGUI, served from this server (installed from npm, never from a CDN), with
the example queries of ``endpoint/queries``.

Front-end packages are installed by ``npm ci --prefix endpoint/web`` (``make setup`` does it);
``ASSETS`` lists the files of theirs that the page uses. Without them the page says how to get
them (503) rather than half-working.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal
from flask import Blueprint, Response, abort, current_app, render_template, url_for

from core.translations import in_language, load_catalogue, words
from core.vocabulary import LANGUAGES
from endpoint.files import file_answer
from endpoint.linkeddata import iri_spaces
from endpoint.responses import reader_language
from endpoint.site import data_links, headline_counts, number
from endpoint.site import table as site_table
from endpoint.urls import external_url, rooted

HERE = Path(__file__).parent
QUERIES_DIR = HERE / "queries"
#: the query page's words and its examples' titles, in the six languages
QUERY_PAGE = HERE / "query-page.yaml"
WEB_DIR = HERE / "web"
#: asset name in URLs -> file installed by npm (endpoint/web/package.json pins the versions)
ASSETS = {
    "yasgui.min.js": "node_modules/@triply/yasgui/build/yasgui.min.js",
    "yasgui.min.js.map": "node_modules/@triply/yasgui/build/yasgui.min.js.map",
    "yasgui.min.css": "node_modules/@triply/yasgui/build/yasgui.min.css",
    "leaflet.js": "node_modules/leaflet/dist/leaflet.js",
    "leaflet.js.map": "node_modules/leaflet/dist/leaflet.js.map",
    "leaflet.css": "node_modules/leaflet/dist/leaflet.css",
    "topojson-client.min.js": "node_modules/topojson-client/dist/topojson-client.min.js",
    "countries-50m.json": "node_modules/world-atlas/countries-50m.json",
    "chart.umd.min.js": "node_modules/chart.js/dist/chart.umd.min.js",
    "chart.umd.min.js.map": "node_modules/chart.js/dist/chart.umd.min.js.map",
    "leaflet.markercluster.js": "node_modules/leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster.js.map": (
        "node_modules/leaflet.markercluster/dist/leaflet.markercluster.js.map"
    ),
    "MarkerCluster.css": "node_modules/leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": (
        "node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css"
    ),
}
HEADER = re.compile(r"^#\s*(\w+):\s*(.+)$")

blueprint = Blueprint("pages", __name__)


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    description: str
    query: str


def read_example(path: Path) -> Example:
    """An example query file: ``# title:`` and ``# description:`` comments, then the query."""
    text = path.read_text(encoding="utf-8")
    fields = {}
    for line in text.splitlines():
        match = HEADER.match(line)
        if not match:
            break
        fields[match.group(1)] = match.group(2).strip()
    missing = {"title", "description"} - set(fields)
    if missing:
        raise ValueError(f"{path}: the header lacks {', '.join(sorted(missing))}")
    body = "\n".join(line for line in text.splitlines() if not HEADER.match(line)).strip()
    slug = path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
    return Example(slug, fields["title"], fields["description"], body + "\n")


@cache
def examples() -> tuple[Example, ...]:
    """The example queries, in file order."""
    return tuple(read_example(path) for path in sorted(QUERIES_DIR.glob("*.rq")))


def missing_assets() -> list[str]:
    return [name for name, file in ASSETS.items() if not (WEB_DIR / file).is_file()]


@blueprint.get("/")
def home() -> str:
    """The front door: what this is, the graph's headline figures, the ways in."""
    lang = reader_language()
    counts = headline_counts()
    return render_template(
        "home.html",
        lang=lang,
        words=words(site_table()["home"], lang),
        counts=None
        if counts is None
        else {name: number(value, lang) for name, value in counts.items()},
        data_links=data_links(lang),
    )


def localised_examples(lang: str) -> list[dict[str, str]]:
    """The example queries with their titles and descriptions in ``lang`` (``QUERY_PAGE``; the
    query itself stays as written, in English)."""
    catalogue = load_catalogue(QUERY_PAGE)
    titles, descriptions = catalogue["examples"], catalogue["descriptions"]
    return [
        {
            **asdict(example),
            "title": in_language(titles[example.slug], lang)
            if example.slug in titles
            else example.title,
            "description": in_language(descriptions[example.slug], lang)
            if example.slug in descriptions
            else example.description,
        }
        for example in examples()
    ]


def local_pages() -> list[tuple[str, str]]:
    """IRI space -> the path of this server's pages for it, for the page's script to link the
    results' IRIs here rather than to their IRI space's host."""
    return [(base, rooted(f"/{space}/")) for space, base in iri_spaces().items()]


@blueprint.get("/query")
def query_page() -> Response | str:
    if missing_assets():
        return Response(
            "the query page needs its front-end files: run `npm ci --prefix endpoint/web` "
            "(make setup does it)\n",
            503,
            mimetype="text/plain",
        )
    lang = reader_language()
    said = words(load_catalogue(QUERY_PAGE)["words"], lang)
    rows = format_decimal(current_app.config["COWORKMED"]["max_rows"], locale=lang)
    return render_template(
        "query.html",
        lang=lang,
        languages=LANGUAGES,
        words=said,
        # where a result cut at max_rows links (``endpoint.truncation``: /sparql#max_rows)
        row_limit=said["row-limit"].format(rows=rows),
        results_counted=load_catalogue(QUERY_PAGE)["counted"]["results"][lang],
        # shown: the public URL; used by the page: the path, which the browser resolves
        # against the page it loaded (a test server's port, a proxy's prefix)
        public_endpoint=external_url("sparql.sparql"),
        endpoint=url_for("sparql.sparql"),
        examples=localised_examples(lang),
        local_pages=local_pages(),
    )


@blueprint.get("/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    path = WEB_DIR / ASSETS[name]
    if not path.is_file():
        abort(503)
    return file_answer(path, max_age=86400)
