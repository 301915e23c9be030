"""The SPARQL 1.1 Protocol at /sparql: request forms, dataset, negotiation, errors.

Queries come by GET (``query`` parameter), by POST as a form, or by POST with the query as an
``application/sparql-query`` body; ``default-graph-uri`` and ``named-graph-uri`` set the
dataset (by default: the union of the current graphs). A GET without a query answers the
service description. Client mistakes are 4xx with a message, never a 500.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, request

from endpoint.executor import QueryError, QueryRequest
from endpoint.negotiation import formats_for
from endpoint.service import service_description

blueprint = Blueprint("sparql", __name__)

QUERY_CONTENT_TYPES = ("application/sparql-query", "application/x-www-form-urlencoded")


def _error(status: int, message: str) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    return _read_headers(response)


def _read_headers(response: Response) -> Response:
    response.vary.add("Accept")
    origins = current_app.config["COWORKMED"]["cors_origins"]
    if origins:
        response.headers["Access-Control-Allow-Origin"] = origins
    return response


def _query_and_dataset() -> tuple[str | None, list[str], list[str]]:
    """The query and its dataset, from whichever request form was used (or a 4xx)."""
    if request.method == "POST" and request.mimetype == "application/sparql-update":
        raise QueryError(403, "SPARQL Update is not enabled on this service")
    if request.method == "GET":
        fields = request.args
    elif request.mimetype == "application/x-www-form-urlencoded":
        fields = request.form
    elif request.mimetype == "application/sparql-query":
        fields = request.args
    else:
        given = request.mimetype or "no content type"
        raise QueryError(415, f"POST a query as {' or '.join(QUERY_CONTENT_TYPES)}, not {given}")
    if "update" in fields:
        raise QueryError(403, "SPARQL Update is not enabled on this service")
    queries = fields.getlist("query")
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        if queries:
            raise QueryError(400, "a query in the body and another in the URL: send one")
        queries = [request.get_data(as_text=True)]
    if len(queries) > 1:
        raise QueryError(400, "several query parameters: send exactly one query")
    default_graphs = fields.getlist("default-graph-uri")
    named_graphs = fields.getlist("named-graph-uri")
    return (queries[0] if queries else None), default_graphs, named_graphs


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    try:
        query, default_graphs, named_graphs = _query_and_dataset()
    except QueryError as error:
        return _error(error.status, error.message)
    if query is None:
        if request.method == "POST":
            return _error(400, "no query: give it as the query parameter or as the body")
        return _read_headers(service_description(request.base_url, request.headers.get("Accept")))
    formats = formats_for(request.headers.get("Accept"), request.args.get("format"))
    settings = current_app.config["COWORKMED"]
    query_request = QueryRequest(
        query,
        formats,
        tuple(default_graphs) if default_graphs or named_graphs else None,
        tuple(named_graphs) if default_graphs or named_graphs else None,
        settings["max_rows"],
    )
    metrics = current_app.extensions["coworkmed.metrics"]
    start = time.perf_counter()
    try:
        result = (
            current_app.extensions["coworkmed.pool"]
            .get()
            .run(query_request, settings["query_timeout"])
        )
    except QueryError as error:
        metrics.record(time.perf_counter() - start, error.status)
        return _error(error.status, error.message)
    metrics.record(time.perf_counter() - start, 200)
    response = Response(result.body, mimetype=result.media_type)
    if result.truncated:
        response.headers["Result-Truncated"] = (
            f"only the first {result.rows} results are given (max_rows)"
        )
    response.headers["Store-Generation"] = str(result.generation)
    return _read_headers(response)


@blueprint.route("/sparql", methods=["PUT", "DELETE", "PATCH"])
def wrong_method() -> Response:
    response = _error(405, "the SPARQL protocol uses GET and POST")
    response.headers["Allow"] = "GET, POST"
    return response
