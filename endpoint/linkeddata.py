"""Dereferenceable IRIs: every IRI the project mints answers on the server, the 303 way.

The server maps its paths onto the IRI spaces (``IRI_SPACES``): ``/id/...`` onto the configured
data base (``https://w3id.org/coworkmed/id/`` by default, so the same data works on a
developer's machine and behind the persistent-IRI redirect), ``/def/...`` onto the ontology's
namespace and ``/code/...`` onto the code lists'. A resource IRI is not a document:

    GET /id/space/fr-aura/AURA-001        303 See Other, Vary: Accept
        -> /doc/id/space/fr-aura/AURA-001.ttl      (or .jsonld .rdf .nt .html, by Accept)
    GET /doc/id/space/fr-aura/AURA-001.ttl 200, the description in that format
    GET /doc/id/space/fr-aura/AURA-001     200, negotiated, Vary: Accept

A description is what the store says about the resource and about its parts (the IRIs under
it: a space's address, geometry and offers), found by a CONSTRUCT query through the query pool.
Where each other IRI the service publishes is described (the ontology's version IRI, graph
names, VoID's and the catalogue's IRIs, a replaced dataset version) is ``endpoint.dereference``'s;
an IRI the service never published is a 404 at once, for every client, naming the IRI as asked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from core.namespaces import CODE, CWM
from core.rdf_templates import is_iri
from core.translations import words
from core.vocabulary import LANGUAGES
from endpoint.codelist_page import codelist_page, codelist_path
from endpoint.codelist_page import table as codelist_table
from endpoint.dereference import (
    description_query,
    generated_document,
    mentioned,
    pointed_to,
    published_graph,
    stored,
    versioned_document,
)
from endpoint.dumps import replacing
from endpoint.execution import GraphRequest, QueryError, QueryRequest
from endpoint.files import file_answer, file_in
from endpoint.formats import FORMATS
from endpoint.negotiation import (
    accepted,
    asks_html,
    choose,
    format_values,
    negotiate,
    parse_accept,
    prefers_html,
)
from endpoint.parameters import MAX_PAGE, encoded_location, whole_number
from endpoint.published import run
from endpoint.resource_page import resource_page, table
from endpoint.responses import error, keeping_language, read_headers, reader_language
from endpoint.site import table as site_table
from endpoint.urls import IRI_PATH_SAFE, raw_route_tail, rooted
from endpoint.views import code_lists
from loaders.rdf import segment
from publishing.catalogue import territory_dataset

blueprint = Blueprint("linkeddata", __name__)

#: document extension -> the RDF format of ``endpoint.formats`` it is written in (html: the page)
EXTENSIONS = {
    "ttl": "turtle",
    "nt": "ntriples",
    "rdf": "rdfxml",
    "jsonld": "jsonld",
    "nq": "nquads",
    "trig": "trig",
    "n3": "n3",
    "html": None,
}


def iri_spaces() -> dict[str, str]:
    """Server path prefix -> the IRI space it stands for."""
    return {"id": current_app.config["COWORKMED"]["base"], "def": CWM, "code": CODE}


def iri_of(space: str, path: str) -> str | None:
    base = iri_spaces().get(space)
    return None if base is None else base + path


def local_path(iri: str) -> str | None:
    """The server path of an IRI the project mints, as clients reach it (under the public
    URL's own path); None for anyone else's IRI."""
    for space, base in iri_spaces().items():
        if iri.startswith(base):
            return rooted(f"/{space}/{iri[len(base) :]}")
    return None


def describe(iri: str, fmt: str) -> tuple[bytes, str, bool]:
    """The description of ``iri`` in ``fmt``: body, media type, and whether it was cut."""
    max_rows = current_app.config["COWORKMED"]["max_rows"]
    result = run(QueryRequest(description_query(iri), {"graph": fmt}, max_rows=max_rows))
    if result.rows == 0:
        raise QueryError(404, f"nothing is known here about <{iri}>")
    return result.body, result.media_type, result.truncated


def _page(iri: str, document: str) -> str:
    lang = reader_language()
    number = whole_number(request.args, "page", 1, 1, MAX_PAGE)
    settings = current_app.config["COWORKMED"]
    territory = territory_dataset(settings["base"])
    content = resource_page(iri, lang, number, settings["max_rows"], territory=territory)
    if content is None:
        raise QueryError(404, f"nothing is known here about <{iri}>")
    return render_template(
        "resource.html",
        page=content,
        lang=lang,
        languages=LANGUAGES,
        words=words(table()["words"], lang),
        document=rooted(document),
        formats=[(ext, FORMATS["graph"][fmt][1]) for ext, fmt in EXTENSIONS.items() if fmt],
        link=lambda value: local_path(value) or value,
        query_url=url_for("sparql.sparql", query=description_query(iri), format="turtle"),
    )


def iri_path(path: str, fixed: int) -> str:
    """The part of a minted IRI a request's ``path`` (after the route's ``fixed`` segments)
    names, encoded as the IRI is: as the client sent it (``S-001%2Faddress``, which Werkzeug
    decodes to ``S-001/address``, another IRI), else, on a server that keeps no raw request
    line, as it was decoded."""
    return raw_route_tail(fixed, path) or quote(path, safe=IRI_PATH_SAFE)


def _candidates(space: str, path: str) -> list[str]:
    """The paths under ``space`` a request's path may name, the one as written first; then,
    each segment minted anew from its decoded text (``a:b`` or ``%3c`` typed by hand name
    ``a%3Ab``, ``%3C``). QueryError 404 when none can be part of an IRI of this server."""
    base = iri_spaces().get(space)
    if base is None:
        raise QueryError(404, f"/{space}/ is not an IRI space of this server")
    parts = path.split("/")
    if any(part in (".", "..") for part in parts):  # never minted (``%2E%2E`` is): no way out
        raise QueryError(404, "this path cannot be part of an IRI of this server")
    minted = _minted(parts)
    found = (path,) if minted is None else (path, minted)
    valid = [found for found in dict.fromkeys(found) if is_iri(base + found)]
    if not valid:
        raise QueryError(404, "this path cannot be part of an IRI of this server")
    return valid


def _minted(parts: list[str]) -> str | None:
    """The path minted from the text of each segment of ``parts`` (``a:b`` -> ``a%3Ab``), when
    it names that very text: None when a segment is no UTF-8 (``%FF`` is not U+FFFD) or minting
    changes its text (an identifier is minted without the spaces around it: ``2%20`` is not
    ``2``, another IRI)."""
    minted = []
    for part in parts:
        try:
            text = unquote_to_bytes(part).decode("utf-8")
        except UnicodeDecodeError:
            return None
        made = segment(text) if part else part
        if unquote_to_bytes(made).decode("utf-8") != text:
            return None
        minted.append(made)
    return "/".join(minted)


def _document(space: str, path: str) -> tuple[str, str]:
    """The IRI ``path`` (encoded as the IRI is: ``iri_path``) names in ``space`` and the path of
    its document: the first candidate (``_candidates``) the published graph holds triples about
    or points to, else the first; QueryError 404 when it cannot be an IRI."""
    candidates = _candidates(space, path)
    base = iri_spaces()[space]
    chosen = next(
        (found for found in candidates if mentioned(base + found)),
        candidates[0],
    )
    return f"{base}{chosen}", f"/doc/{space}/{chosen}"


def _vocabulary_document(space: str, path: str) -> tuple[str, str] | None:
    """The ontology and the code lists are documents, not things: (graph, documentation page);
    None for any other path (a code list that does not exist is no document)."""
    if space == "def" and path == "":
        return CWM, _ontology_page()
    if space == "code" and path and "/" not in path and codelist_path(path) is not None:
        return CODE + path, f"codelists/{path}.html"
    return None


def _whole_graph(graph: str, page: str) -> BaseResponse:
    """The ontology or a code list: its documentation for a browser, the graph for a client."""
    accept = request.headers.get("Accept")
    if prefers_html(accept):
        # the ontology's documentation not written (``coworkmed vocab docs``): the graph's
        # triples on the query page, drawn live (stranger 110: a 303 to a page that was a 404)
        target = (
            url_for("linkeddata.vocabulary_file", name=page)
            if _page_served(page)
            else _graph_document(graph, "html")
        )
        if target is not None:
            return read_headers(redirect(keeping_language(target), 303))
    chosen = choose(parse_accept(accept), "graph")
    if chosen is None:
        return error(406, "the vocabulary is HTML, Turtle, N-Triples, RDF/XML or JSON-LD")
    try:
        result = run(GraphRequest(graph, chosen[0], 1_000_000))
    except QueryError as problem:
        return error(problem.status, problem.message)
    return read_headers(Response(result.body, mimetype=result.media_type))


def _page_served(page: str) -> bool:
    """Whether ``vocabulary_file`` serves ``page``: a code list's page (drawn live), or a page
    ``coworkmed vocab docs`` wrote."""
    if page.startswith("codelists/"):
        return True
    folder = _docs_folder()
    return folder is not None and (folder / page).is_file()


def _ontology_page() -> str:
    """The ontology's documentation in the reader's language (pyLODE, one page per language)."""
    lang = reader_language()
    return "ontology.html" if lang == "en" else f"ontology.{lang}.html"


@blueprint.get("/def/")
def ontology() -> BaseResponse:
    """The ontology's namespace: its documentation (pyLODE) or the whole ontology."""
    return _whole_graph(CWM, _ontology_page())


def _docs_folder() -> Path | None:
    """The folder of the vocabulary's documentation, when ``coworkmed vocab docs`` wrote it."""
    folder = Path(current_app.config["COWORKMED"]["docs"])
    return folder if (folder / "index.html").is_file() else None


def _no_docs() -> Response:
    folder = current_app.config["COWORKMED"]["docs"]
    return error(404, f"no vocabulary documentation in {folder}: run coworkmed vocab docs")


@blueprint.get("/vocabulary/")
def vocabulary_index() -> Response:
    """The vocabulary's front page, in the reader's language: the ontology's documentation in
    each language and the code lists by their labels (read from the vocabulary's files)."""
    lang = reader_language()
    # without the documentation written (``coworkmed vocab docs``), the ontology's links lead
    # to what is drawn live: its IRI (the query page listing it, for a browser) and its graph
    # (stranger 111: three links to pages that were 404s)
    documented = _docs_folder() is not None
    body = render_template(
        "vocabulary.html",
        lang=lang,
        documented=documented,
        whole="coworkmed.ttl" if documented else url_for("graphstore.indirect", graph=CWM),
        words=words(site_table()["vocabulary"], lang),
        ontology_pages=[
            {
                "code": code,
                "name": site_table()["language_names"][code],
                "page": "ontology.html" if code == "en" else f"ontology.{code}.html",
            }
            for code in LANGUAGES
        ],
        own_page=_ontology_page() if documented else url_for("linkeddata.ontology"),
        code_lists=code_lists(lang),
    )
    return read_headers(Response(body, mimetype="text/html"))


def _codelist(stem: str) -> Response | None:
    """A code list's page in the reader's language, drawn live from its file; None if no code
    list has that name."""
    lang = reader_language()
    content = codelist_page(stem, lang)
    if content is None:
        return None
    body = render_template(
        "codelist.html",
        codes=content,
        lang=lang,
        words=words(codelist_table()["words"], lang),
        link=lambda value: local_path(value) or value,
    )
    return read_headers(Response(body, mimetype="text/html"))


@blueprint.get("/vocabulary/<path:name>")
def vocabulary_file(name: str) -> Response:
    """A code list's page (drawn live, in the reader's language) and its Turtle, or the
    vocabulary's other documentation, as ``coworkmed vocab docs`` wrote it."""
    where, _, file = name.rpartition("/")
    stem, _, extension = file.rpartition(".")
    if where == "codelists" and extension == "html" and (page := _codelist(stem)):
        return page
    if where == "codelists" and extension == "ttl" and (path := codelist_path(stem)):
        return read_headers(file_answer(path, mimetype="text/turtle", max_age=3600))
    folder = _docs_folder()
    if folder is None:
        return _no_docs()
    return file_in(folder, name, max_age=3600)


#: what a client that accepts no format a description is written in is told (406)
NOT_ACCEPTABLE = "descriptions are HTML, Turtle, N-Triples, RDF/XML or JSON-LD"


def _document_extension() -> str | None:
    """The extension of the document a request without one is answered in: the one its
    ``Accept`` prefers (``_wanted_extension``), else HTML if it takes HTML at all, else None.
    HTML was answered to every Accept that named no RDF format: ``text/html;q=0``, ``*/*;q=0``,
    ``image/png`` (stranger 110), where the resource's IRI answered 406."""
    wanted = _wanted_extension()
    if wanted is not None or format_values(request.args):  # a format named: that one or none
        return wanted
    ranges = parse_accept(request.headers.get("Accept"))
    return "html" if accepted(ranges, "text/html")[0] > 0 else None


def _wanted_extension() -> str | None:
    """The document extension the request asks for: the one its ``format=`` or ``output=``
    names, as /sparql, VoID and the catalogue read them (they were ignored here: stranger 110),
    else the one its ``Accept`` prefers: ``html`` for a browser, an RDF format's; None when it
    names or accepts none of them."""
    values = format_values(request.args)
    if asks_html(values):
        return "html"
    accept = request.headers.get("Accept")
    if values:
        chosen = negotiate(None, values)["graph"]
    elif prefers_html(accept):
        return "html"
    else:
        chosen = choose(parse_accept(accept), "graph")
    return None if chosen is None else next(e for e, n in EXTENSIONS.items() if n == chosen[0])


def _graph_document(iri: str, extension: str) -> str | None:
    """Where a published named graph that is nothing else (``{base}links``, ``{base}cube``,
    ``{base}territory``...) is read: its triples through the Graph Store Protocol for an RDF
    client, the query page listing them for a browser; None when ``iri`` names no published
    graph (the query's named graphs are the published ones)."""
    if not published_graph(iri):
        return None
    if extension == "html":
        listing = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 100"
        return url_for("pages.query_page", query=listing)
    return url_for("graphstore.indirect", graph=iri)


def _local(path: str | None) -> str | None:
    """``path`` (from the application's root) as clients reach it, or None."""
    return None if path is None else rooted(path)


def _described_at(space: str, path: str, extension: str) -> str:
    """Where the IRI ``path`` (encoded as the IRI is) names in ``space`` is described, for a
    client wanting ``extension`` (``endpoint.dereference``: its own document, the document
    served whole it is a version of, the generated document that holds it, its graph's
    triples, or its own document giving what points to it); QueryError 404 when the service never
    published it, naming the IRI as asked."""
    iri, document = _document(space, path)
    own = rooted(encoded_location(f"{document}.{extension}"))
    if stored(iri):
        return own
    ways: tuple[Callable[[], str | None], ...] = (
        lambda: _local(versioned_document(iri)),
        lambda: _local(generated_document(iri_spaces()["id"], iri)),
        lambda: _graph_document(iri, extension),
        lambda: own if pointed_to(iri) else None,
    )
    for way in ways:
        found = way()
        if found is not None:
            return found
    raise QueryError(404, f"nothing is known here about <{iri}>")


def _gone_dump(space: str, path: str) -> Response | None:
    """410 for the IRI of a dump of an older generation (an older catalogue's distribution),
    naming the newest of its kind, also in ``Link: rel="latest-version"`` (RFC 5829), as its
    file's URL is answered (``endpoint.dumps``); None for any other IRI."""
    name = path.removeprefix("dump/")
    newest = replacing(name) if space == "id" and name != path and "/" not in name else None
    if newest is None:
        return None
    iri = f"{iri_spaces()['id']}dump/{newest}"
    answer = error(
        410, f"the dumps of older generations are removed; the newest of its kind is <{iri}>"
    )
    answer.headers["Link"] = f'<{rooted(f"/id/dump/{quote(newest)}")}>; rel="latest-version"'
    return answer


@blueprint.get("/<any(id, def, code):space>/<path:path>")
def resource(space: str, path: str) -> BaseResponse:
    """The IRI of a thing: 303 to the document that describes it, in the format asked for."""
    whole = _vocabulary_document(space, path)
    if whole is not None:
        return _whole_graph(*whole)
    extension = _wanted_extension()
    try:  # an IRI that names nothing is a 404 whatever the format asked (stranger 72)
        location = _described_at(space, iri_path(path, 1), extension or "ttl")
    except QueryError as problem:
        return _gone_dump(space, path) or error(problem.status, problem.message)
    if extension is None:
        return error(406, NOT_ACCEPTABLE)
    return read_headers(redirect(keeping_language(location), 303))


@blueprint.get("/doc/<any(id, def, code):space>/<path:path>")
def document(space: str, path: str) -> Response:
    """A document describing one resource: by its extension, or negotiated."""
    written = iri_path(path, 2)
    stem, _, extension = written.rpartition(".")
    if extension not in EXTENSIONS or not stem:
        stem, extension = written, ""
    try:
        iri, document_path = _document(space, stem)
        wanted = extension or _document_extension()
        if wanted is None:  # a 404 first for an IRI never published, as its IRI answers
            _described_at(space, stem, "ttl")
            return error(406, NOT_ACCEPTABLE)
        fmt = EXTENSIONS[wanted]
        if fmt is None:  # html
            return read_headers(Response(_page(iri, document_path), mimetype="text/html"))
        body, media_type, truncated = describe(iri, fmt)
    except QueryError as problem:
        return error(problem.status, problem.message)
    response = Response(body, mimetype=media_type)
    if truncated:
        response.headers["Result-Truncated"] = "the description is longer than max_rows"
    return read_headers(response)
