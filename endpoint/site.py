"""The shared frame of every HTML page (``site.yaml``): the site header with its menu and
language switcher, the footer, the reader's language kept in a cookie, the error pages browsers
get, and the home page's headline figures.

The reader's language is the ``lang`` parameter, else the ``lang`` cookie (set by a page asked
for with ``?lang=``), else Accept-Language (``endpoint.responses.reader_language``).
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask import Flask, Response, g, render_template, request, url_for

from core.namespaces import CWM, DCAT
from core.translations import in_language, language_code, load_catalogue, punctuated, words
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.negotiation import PROBLEM_JSON
from endpoint.published import Kept, generation, select
from endpoint.urls import public_path, request_path, rooted
from validation.messages import counted

TABLE = Path(__file__).with_name("site.yaml")
#: the cookie that keeps the reader's language, and how long (seconds)
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600

#: headline figure of the home page -> its SPARQL (a count ``?n``) and whether it reads the data
#: graphs alone (``endpoint.published.select``)
HEADLINES: dict[str, tuple[str, bool]] = {
    "spaces": (f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{CWM}Space> }}", True),
    "places": (f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{CWM}Place> }}", False),
    "sources": (
        f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d <{DCAT}hasCurrentVersion> ?v }}",
        False,
    ),
    "countries": (f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?s <{CWM}country> ?c }}", True),
}

_KEPT = Kept(size=16, again={"headlines": lambda: headline_counts()})


def table() -> Any:
    """The catalogue of the frame (``site.yaml``)."""
    return load_catalogue(TABLE)


def cookie_language() -> str | None:
    """The language kept in the reader's cookie, when it is one of the six."""
    kept = request.cookies.get(COOKIE)
    return kept if kept in LANGUAGES else None


def switch_url(code: str) -> str:
    """This page in language ``code``: the same path and query string, ``lang`` replaced."""
    kept = [(name, value) for name, value in request.args.items(multi=True) if name != "lang"]
    return f"{rooted(request_path())}?{urlencode([*kept, ('lang', code)])}"


def frame(lang: str) -> dict[str, Any]:
    """What the site header and footer show, in ``lang``."""
    catalogue = table()
    asked = language_code(request.args.get("lang"))
    keep: dict[str, Any] = {"lang": asked} if asked else {}
    menu = [
        {
            "id": entry["id"],
            "url": url_for(entry["route"], **keep),
            "label": in_language(entry["label"], lang),
            "current": request.endpoint == entry["route"],
        }
        for entry in catalogue["menu"]
    ]
    languages = [
        {"code": code, "name": catalogue["language_names"][code], "url": switch_url(code)}
        for code in LANGUAGES
    ]
    return {"words": words(catalogue["words"], lang), "menu": menu, "languages": languages}


def remember_language(response: Response) -> Response:
    """Keep a valid ``?lang=`` of an HTML page in the reader's cookie (SameSite=Lax), on its
    200 and on a 304 that stands for it (the 200's headers, RFC 9110 15.4.5: stranger 96, L2,
    its 304 lost the ``no-cache="Set-Cookie"`` the 200 carries)."""
    asked = language_code(request.args.get("lang"))
    if asked and asked != request.cookies.get(COOKIE):
        redirected = 300 <= response.status_code < 400 and response.status_code != 304
        page = response.mimetype == "text/html" or (
            response.status_code == 304
            and str(g.get("coworkmed_stands_for", "")).startswith("text/html")
        )
        if page or redirected:
            response.set_cookie(
                COOKIE,
                asked,
                max_age=COOKIE_AGE,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure,
                path=public_path() + "/",  # this service's only, under a public URL with a path
            )
            # a shared cache may keep the page, not give its cookie to others (RFC 9111
            # 5.2.2.4; stranger 92: Set-Cookie on a "public" answer)
            if response.cache_control.public:
                said = response.headers["Cache-Control"]
                response.headers["Cache-Control"] = f'{said}, no-cache="Set-Cookie"'
    return response


def install(app: Flask) -> None:
    """The frame's template helpers and the language cookie, on ``app``."""

    @app.context_processor
    def site_frame() -> dict[str, Any]:
        return {
            "site_frame": frame,
            "reader_lang": _page_language,
            "mark": punctuated,
            "counted": counted,
            "credited": told_attribution,
        }

    app.after_request(remember_language)


#: the language an HTML page says it is in, near its start (``templates/base.html``)
_HTML_LANG = re.compile(rb'<html lang="([a-z]{2,3})"')


def page_language_header(response: Response) -> Response:
    """``Content-Language`` on an HTML page: the language its ``<html lang>`` says (stranger
    92: the pages in six languages said none; the problem details did). Run before the
    answer is kept or compressed (``endpoint.app``)."""
    if response.mimetype != "text/html" or "Content-Language" in response.headers:
        return response
    if response.is_streamed or response.direct_passthrough:
        return response
    said = _HTML_LANG.search(response.get_data()[:1024])
    if said is not None:
        response.headers["Content-Language"] = said.group(1).decode("ascii")
    return response


def told_attribution(text: str, lang: str) -> str:
    """A credit as ``lang`` writes it: the project's own (``site.yaml`` ``attributions``, whose
    ``en`` is the text in the data) in that language; a source's as its publisher wrote it."""
    for entry in load_catalogue(TABLE)["attributions"]:
        if entry["en"] == text:
            return in_language(entry, lang)
    return text


def _page_language() -> str:
    from endpoint.responses import reader_language

    return reader_language()


def data_links(lang: str) -> list[dict[str, str]]:
    """The ways to the data (``site.yaml`` ``data_links``): url and label in ``lang``."""
    return [
        {"url": url_for(link["route"]), "label": in_language(link["label"], lang)}
        for link in table()["data_links"]
    ]


def headline_counts() -> dict[str, int] | None:
    """The home page's headline figures, counted once per store generation; None when the
    store cannot answer now."""
    try:
        return _KEPT.get(("headlines", generation()), _count_headlines)
    except QueryError:
        return None


def _count_headlines() -> dict[str, int]:
    counts = {}
    for name, (sparql, data_only) in HEADLINES.items():
        rows, _generation = select(sparql, max_rows=1, data_only=data_only)
        counts[name] = int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0
    return counts


def number(value: float, lang: str) -> str:
    """A number written the way readers of ``lang`` write it."""
    return format_decimal(value, locale=lang)


def _error_texts(status: int, lang: str) -> tuple[str, str]:
    """The title of an error page of ``status`` and what to do, in ``lang`` (site.yaml's
    ``errors``: the status's own, else the ``other`` ones)."""
    texts = table()["errors"]
    chosen = texts.get(str(status), texts["other"])
    return in_language(chosen["title"], lang), in_language(chosen["text"], lang)


def status_phrase(status: int, lang: str) -> str:
    """The reason phrase of ``status`` (RFC 9110 section 15) in ``lang``: site.yaml's
    ``phrase``, else the English one Python knows."""
    known = table()["errors"].get(str(status))
    if known is not None:
        return in_language(known["phrase"], lang)
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status Python does not name
        return in_language(table()["errors"]["other"]["title"], lang)


def error_problem(status: int, message: str, lang: str, said_in: str = "en") -> Response:
    """An error as RFC 9457 problem details: its ``title`` and ``text`` (what to do) in
    ``lang``, as the error page says them, ``detail`` the server's ``message`` (in
    ``said_in``, named by ``detail_language``); ``Content-Language`` is ``lang``. Its type
    is ``about:blank``, so its ``title`` is the status's phrase (RFC 9457 4.2.1, stranger 94:
    titles of its own, "Time limit reached", called for a type of their own)."""
    _title, text = _error_texts(status, lang)
    body = {
        "type": "about:blank",
        "title": status_phrase(status, lang),
        "status": status,
        "detail": message,
        "text": text,
        "language": lang,
        "detail_language": said_in,
    }
    written = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    response = Response(written, status=status, mimetype=PROBLEM_JSON)
    response.headers["Content-Language"] = lang
    return response


def error_page(status: int, message: str, lang: str, said_in: str = "en") -> Response:
    """An error as an HTML page in ``lang``, with the site header; ``message`` is in
    ``said_in`` (a server's detail is English; a refusal said in the reader's language is not)."""
    texts = table()["errors"]
    title, text = _error_texts(status, lang)
    body = render_template(
        "error.html",
        lang=lang,
        status=status,
        title=title,
        text=text,
        details=in_language(texts["details"], lang),
        home=in_language(texts["home"], lang),
        message=message,
        said_in=said_in,
    )
    g.error_page = True
    return Response(body, status=status, mimetype="text/html")
