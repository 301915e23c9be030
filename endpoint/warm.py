"""Answers the first visitors would otherwise wait for, worked out when the server starts.

The home page, the observatory page and search each keep what they read per store generation
(``endpoint.published.Kept``); after a build the first reader of each would wait for queries
that scan the whole graph (the observatory's headline and coverage, search's index): seconds on
a quiet machine, a minute on a busy one. ``warm_up`` asks them once, in a thread, as soon as the
server starts; a reader who comes earlier waits for the same answers, no longer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from core.vocabulary import LANGUAGES
from endpoint import observatory, search, site
from endpoint.app import STOPPING_KEY
from endpoint.execution import QueryError

#: what is worked out at start, in this order: the pages a visitor opens first
STEPS: dict[str, Callable[[], object]] = {
    "home page figures": site.headline_counts,
    "observatory filters": lambda: [observatory.filter_choices(lang) for lang in LANGUAGES],
    "observatory headline": lambda: observatory.view_headline({}),
    "observatory sources": lambda: observatory.sources_shown({}),
    "observatory coverage": lambda: observatory.coverage({}),
    "search index": search.index,
    "search words and facets": search.prepared,
    "search kinds": lambda: [search.kind_labels(lang) for lang in LANGUAGES],
}


def warm_up(app: Flask) -> threading.Thread:
    """Work out ``STEPS`` for ``app``'s store in a background thread (started, returned); a
    step the store cannot answer now is logged and left for the first reader."""

    def run() -> None:
        with app.app_context():
            for name, step in STEPS.items():
                if app.extensions[STOPPING_KEY].is_set():
                    return  # the server stops: what is left would start a pool as it ends
                try:
                    step()
                except QueryError as problem:
                    app.logger.warning("warm-up: %s not ready: %s", name, problem.message)

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread
