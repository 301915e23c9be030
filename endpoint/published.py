"""Queries the routes run on the published graph, through the app's query pool (so that they
are bounded by the query timeout and read the current snapshot, like any query)."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from flask import current_app

from endpoint.executor import GraphRequest, QueryRequest, QueryResult


def run(request: QueryRequest | GraphRequest) -> QueryResult:
    """Answer ``request`` in a worker (QueryError for a timeout, a busy pool, a bad query)."""
    timeout = current_app.config["COWORKMED"]["query_timeout"]
    return current_app.extensions["coworkmed.pool"].get().run(request, timeout)


def select(sparql: str, max_rows: int, data_only: bool = False) -> tuple[list[dict[str, Any]], int]:
    """The solutions of a SELECT, each a variable -> term (or None) mapping, and the store
    generation they come from. ``data_only``: over the data graphs alone (faster for queries
    about spaces; see ``loaders.cube.data_graphs``)."""
    base = current_app.config["COWORKMED"]["base"] if data_only else None
    result = run(QueryRequest(sparql, {"solutions": "tsv"}, max_rows=max_rows, data_of=base))
    solutions = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.TSV)
    names = [variable.value for variable in solutions.variables]
    return [{name: solution[name] for name in names} for solution in solutions], result.generation
