"""What every response of the endpoint shares: plain-text errors, the headers of reads."""

from __future__ import annotations

from flask import Response, current_app, request

from loaders.vocabulary import LANGUAGES
from validation.messages import language


def read_headers(response: Response) -> Response:
    """``Vary: Accept`` and, if configured, CORS: reads may be made from any web page."""
    response.vary.add("Accept")
    origins = current_app.config["COWORKMED"]["cors_origins"]
    if origins:
        response.headers["Access-Control-Allow-Origin"] = origins
    return response


def error(status: int, message: str) -> Response:
    """A client or server error, as one line of plain text."""
    return read_headers(Response(message + "\n", status=status, mimetype="text/plain"))


def reader_language() -> str:
    """The reader's language: ``lang`` in the query or form, else Accept-Language, else English."""
    return language(request.values.get("lang") or request.accept_languages.best_match(LANGUAGES))
