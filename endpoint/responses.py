"""What every response of the endpoint shares: its errors (a page, problem details or plain
text), the headers of reads."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import quote

import pyoxigraph as ox
from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from core.rdf_bytes import to_bytes
from core.translations import language, language_code
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError, clients_status
from endpoint.formats import FORMATS, UnwritableAnswer, checked_xml
from endpoint.negotiation import format_values, negotiate, prefers_html, prefers_problem
from validation.messages import problem_message

#: a response: the app's, or werkzeug's base class (what flask's ``redirect`` is typed to give)
AnyResponse = TypeVar("AnyResponse", bound=BaseResponse)


def read_headers(response: AnyResponse) -> AnyResponse:
    """``Vary: Accept`` and, if configured, CORS: reads may be made from any web page."""
    response.vary.add("Accept")
    origins = current_app.config["COWORKMED"]["cors_origins"]
    if origins:
        response.headers["Access-Control-Allow-Origin"] = origins
    return response


#: the order in which an ``Allow`` header lists methods (the routing's own order is a set's)
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(methods: Iterable[str]) -> str:
    """An ``Allow`` header's value: ``methods`` in ``METHOD_ORDER``, others after them."""
    given = {method.upper() for method in methods}
    known = [method for method in METHOD_ORDER if method in given]
    return ", ".join(known + sorted(given - set(METHOD_ORDER)))


def wants_html() -> bool:
    """Whether the client is a browser: it names HTML and likes it better than any RDF format."""
    return prefers_html(request.headers.get("Accept"))


def error(status: int, message: str, said_in: str = "en") -> Response:
    """A client or server error: for a client that names ``application/problem+json``, RFC
    9457's problem details, titled in the reader's language (``endpoint.site.error_problem``);
    for a browser, an HTML page in the reader's language with the site header
    (``endpoint.site.error_page``); for any other client, one line of plain text.
    ``said_in``: the language of ``message`` (a server's detail is English)."""
    accept = request.headers.get("Accept")
    if prefers_problem(accept):
        from endpoint.site import error_problem

        return read_headers(error_problem(status, message, reader_language(), said_in))
    if prefers_html(accept):
        from endpoint.site import error_page

        return read_headers(error_page(status, message, reader_language(), said_in))
    return read_headers(Response(message + "\n", status=status, mimetype="text/plain"))


def refusal(problem: QueryError) -> Response:
    """The error answer to a client's request that ``problem`` stopped: its status as a client
    is told it (``clients_status``: a time limit is the client's to change), its message, and
    the headers it names (a 415's: what the route takes)."""
    response = error(clients_status(problem.status), problem.message)
    response.headers.update(problem.headers)
    return response


def problem_body(code: str, lang: str, detail: str, kind: str = "refused", **values: Any) -> dict:
    """The JSON problem details of an API error (``Problem`` in the API's description): the
    stable ``code`` as ``error``, what it means in ``lang`` (messages.yaml), the English
    ``detail`` for developers, and ``kind`` as ``status``: ``unreadable`` for a file that could
    not be read, ``refused`` for a request refused (token, partner, mode, rate, store, filter)."""
    message = problem_message(code, lang, **values) or detail
    return {"status": kind, "error": code, "message": message, "detail": detail, "language": lang}


def json_answer(body: Any, status: int = 200) -> Response:
    """``body`` as a JSON answer, written as read (no ASCII escapes)."""
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2), status, mimetype="application/json"
    )


def store_problem_code(status: int) -> str:
    """The problem code of a store that could not answer with ``status``: ``service-busy`` for
    a 503 (busy, or its data being worked out: try again), ``store-error`` otherwise."""
    return "service-busy" if status == 503 else "store-error"


def api_problem(status: int, code: str, lang: str, detail: str, **values: Any) -> Response:
    """An error answer of the API, ``status`` with its ``problem_body`` in ``lang``."""
    return json_answer(problem_body(code, lang, detail, **values), status)


def keeping_language(location: str) -> str:
    """``location`` with the request's ``lang`` parameter, so that a redirect keeps it."""
    asked = language_code(request.args.get("lang"))
    if asked is None:
        return location
    return f"{location}{'&' if '?' in location else '?'}lang={asked}"


def unknown_language() -> str | None:
    """The ``lang`` the request gives when it names none of the six languages (its first 20
    characters), else None (no ``lang``, or one of the six as a reader may write it)."""
    given = _lang_given()
    return given[:20] if given and language_code(given) is None else None


def language_refused() -> Response | None:
    """The API's 400 ``unknown-language`` when ``lang`` names none of the six languages (told
    in the reader's other language: cookie, Accept-Language, else English), else None."""
    given = unknown_language()
    if given is None:
        return None
    detail = f"lang: one of {', '.join(LANGUAGES)}, not {given!r}"
    languages = ", ".join(LANGUAGES)
    lang = reader_language()
    return api_problem(400, "unknown-language", lang, detail, value=given, languages=languages)


#: the problem code of an HTTP error the API's routing gives (an unknown path, a method the
#: path does not take); any other is ``api-request-refused``
API_HTTP_ERRORS = {404: "api-not-found", 405: "api-method-not-allowed"}


def api_http_problem(status: int, allowed: list[str], detail: str) -> Response:
    """An HTTP error raised under ``/api/`` (``abort``, routing) as the API's problem details in
    the reader's language, as every other error of the API (issue #18: plain English text)."""
    code = API_HTTP_ERRORS.get(status, "api-request-refused")
    path = request.path[:200]
    values = {"value": path, "method": request.method[:20], "http": status}
    lang = reader_language()  # a form that cannot be read: lang= of the query alone
    return api_problem(status, code, lang, detail, allowed=", ".join(allowed), **values)


def _lang_given() -> str | None:
    """``lang`` in the query or the form; in the query alone when the body cannot be read (too
    large, cut off): the error page of a body beyond ``max_body`` read it for its language,
    failed again, and its client got a 500 (stranger 57)."""
    try:
        return request.values.get("lang")
    except HTTPException:
        return request.args.get("lang")


def reader_language(query_only: bool = False) -> str:
    """The reader's language: ``lang`` in the query or form (``query_only``: in the query, the
    body left unread, as an error handler must), else the ``lang`` cookie a page asked for with
    ``?lang=`` set, else Accept-Language, else English (then the answer varies by
    Accept-Language and Cookie: ``endpoint.protocol.language_vary``)."""
    chosen = language_code(request.args.get("lang") if query_only else _lang_given())
    if not chosen:
        g.language_from_header = True
        kept = request.cookies.get("lang")
        chosen = kept if kept in LANGUAGES else None
    return language(chosen, request.headers.get("Accept-Language"))


def rdf_answer(
    what: str,
    make: Callable[[], list[ox.Triple]],
    prefixes: dict[str, str] | None = None,
    named: list[str] | None = None,
) -> Response:
    """The triples ``make`` gives, in the RDF format the request names or accepts (406 when
    none; a query that fails answers its own error), Turtle with ``prefixes``. ``named``: the
    format-naming values to use (the SPARQL service description's ``format=``/``output=``, read
    from the body too), else the query string's ``format=``; they win over Accept."""
    values = named if named is not None else format_values(request.args)
    chosen = negotiate(request.headers.get("Accept"), values)["graph"]
    if chosen is None:
        # the formats there are, from the table (four were named, seven served: stranger 48)
        offered = ", ".join(media for _fmt, media in FORMATS["graph"].values())
        return error(406, f"{what} is RDF, which can be had as: {offered}")
    name, media_type = chosen
    try:
        triples = make()
    except QueryError as problem:
        return error(problem.status, problem.message)
    fmt = FORMATS["graph"][name][0]
    written = to_bytes(triples, fmt, prefixes if prefixes and fmt == ox.RdfFormat.TURTLE else None)
    try:
        body = checked_xml(written, fmt, media_type, "graph")
    except UnwritableAnswer as problem:
        return error(406, str(problem))
    return read_headers(Response(body, mimetype=media_type))


def attachment(response: Response, filename: str) -> Response:
    """``response`` as a file the browser saves as ``filename`` (which may come from a client:
    the header gets an ASCII name of letters, digits, dots, hyphens and underscores, and the
    name itself percent-encoded, RFC 6266)."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename).lstrip(".") or "download"
    encoded = quote(filename, safe="")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"
    )
    return response
