"""The request being served, as the object itself rather than Flask's proxy to it.

Each reading of ``flask.request.<attribute>`` looks the request up again in the context
(werkzeug's ``LocalProxy``): about 120 lookups a query, some 0.5 µs each, in the hooks and the
view a query passes through (issue 20). A function that reads the request several times takes
the object once with ``current_request``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Request, g, request


def current_request() -> Request:
    """The request being served (the object ``flask.request`` stands for)."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found


#: the request's turn among long operations (``endpoint.app``: the function that gives it back)
LARGE_TURN = "coworkmed_large_turn"


def take_turn(give_back: Callable[[], object]) -> None:
    """The request holds a turn among long operations, given back by ``give_back``."""
    setattr(g, LARGE_TURN, give_back)


def end_turn() -> None:
    """Give back the request's turn among long operations, if it holds one: its text is
    checked (its engine may run for minutes, which needs no turn), or the request is over."""
    give_back = g.pop(LARGE_TURN, None)
    if give_back is not None:
        give_back()
