"""Answers the first visitors would otherwise wait for, worked out when the server starts and
again after each of its writes.

The home page, the observatory page and search each keep what they read per store generation
(``endpoint.published.Kept``); after a build the first reader of each would wait for queries
that scan the whole graph (the observatory's headline and coverage, search's index): seconds on
a quiet machine, a minute on a busy one. ``warm_up`` asks them once, in a thread, as soon as the
server starts; a reader who comes earlier waits for the same answers, no longer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from flask import Flask, g

from core.vocabulary import LANGUAGES
from endpoint import observatory, search, site
from endpoint.app import STOPPING_KEY
from endpoint.execution import QueryError
from endpoint.published import WARM_UP, WARMING, ask_again, reading_one

#: what is worked out at start, in this order: the pages a visitor opens first
STEPS: dict[str, Callable[[], object]] = {
    "home page figures": site.headline_counts,
    "observatory filters": lambda: [observatory.filter_choices(lang) for lang in LANGUAGES],
    "observatory headline": lambda: observatory.view_headline({}),
    "observatory sources": lambda: observatory.sources_shown({}),
    "territory credit": observatory.territory_credit,  # the page credits it too
    "observatory coverage": lambda: observatory.coverage({}),
    # the dashboard's figures, read by its page from the API: once, then labelled in each
    # language (stranger 63: the first reader after a write's warm-up waited 10 to 80 s)
    "observatory figures": lambda: [observatory.figures({}, lang) for lang in LANGUAGES],
    # after a change, the filtered views readers asked for last (none at start)
    "observatory views asked before": observatory.views_again,
    # the other questions readers were given an answer before of while this run went on (the
    # API's headline in one language, the map's points, a filtered view not asked last): the
    # ones held later are asked in the next run, which holding one starts (``Kept``)
    "questions asked meanwhile": ask_again,
    "search index": search.index,
    "search words and facets": search.prepared,
    "search kinds": lambda: [search.kind_labels(lang) for lang in LANGUAGES],
}


#: how many times in all a warm-up run works out a step refused for now, and the seconds
#: between two rounds
ROUNDS, AGAIN_AFTER = 3, 5.0

#: the app extension of its warmer (``Warmer``), once ``warm_up`` started it
WARMER = "coworkmed.warmer"


class Warmer:
    """Works out ``STEPS`` for an app's store in a background thread, at start and again as
    each write of this server makes a new generation (``writing``): its answers the
    next reader would otherwise wait for (stranger 60: 33-73 s for the observatory after each
    PUT). Asked again while it runs, it runs once more when it is done."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        self._writes = 0  # the server's writes under way
        self._started_on = 0  # the store generation its last run started on

    def start(self) -> threading.Thread:
        """Work ``STEPS`` out (now, or again once the run under way is done); the thread."""
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
                self._thread.start()
            return self._thread

    def running(self) -> bool:
        """Whether a run is under way or asked for, or a write of the server is under way
        (``Kept`` gives the answers before then)."""
        with self._lock:
            return self._thread is not None or self._writes > 0

    def behind(self, generation: int) -> bool:
        """Whether ``generation`` is newer than the one its last run started on."""
        with self._lock:
            return generation > self._started_on

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around a write of the server (``endpoint.writes``): ``running`` meanwhile, and a run
        started as it ends, before it answers, when it made a new generation (or published
        one an earlier write left), whether it succeeded or not."""
        location = self._app.extensions["coworkmed.store"]
        before = location.generation()
        with self._lock:
            self._writes += 1
        try:
            yield
        finally:
            try:  # a store that cannot tell its generation now must not leave the write counted
                if location.generation() != before:
                    self.start()  # before the write counts no more: no moment without a run
            finally:
                with self._lock:
                    self._writes -= 1

    def wait(self, timeout: float) -> None:
        """Wait until no run is under way (or ``timeout`` seconds)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                # one generation throughout, whatever is published meanwhile (stranger 68, F1:
                # under writes a run's answers were each of another generation, so that a
                # document read of them mixed several, and no run left a whole generation)
                identity, started_on = self._app.extensions["coworkmed.store"].state()
                with self._lock:
                    self._started_on = max(self._started_on, started_on)
                self._steps((identity, started_on))
            except Exception:  # a step that failed otherwise: the run ends, the next still comes
                self._app.logger.exception("warm-up: a step failed; readers will work it out")

    def _steps(self, state: tuple[str, int] | None = None) -> None:
        """Each step once, reading store generation ``state`` (identity, number) throughout
        (``published.reading_one``; None: the current one at each query); a step refused for
        now (503: the query room full, a burst of readers) again after ``AGAIN_AFTER`` seconds,
        at most ``ROUNDS`` times in all (stranger 61: on a cold start under a burst the warm-up
        was refused and left its steps to the readers)."""
        app, left = self._app, list(STEPS)
        for round_ in range(ROUNDS):
            if round_:
                app.extensions[STOPPING_KEY].wait(AGAIN_AFTER)
            refused = []
            with app.app_context(), reading(state):
                setattr(g, WARMING, True)  # it works each answer out, never the one before
                for name in left:
                    if app.extensions[STOPPING_KEY].is_set():
                        return  # the server stops: what is left would start a pool as it ends
                    try:
                        STEPS[name]()
                    except QueryError as problem:
                        app.logger.warning("warm-up: %s not ready: %s", name, problem.message)
                        if problem.status == 503:
                            refused.append(name)
            if not refused:
                return
            left = refused


def reading(state: tuple[str, int] | None) -> AbstractContextManager[None]:
    """``published.reading_one`` of ``state``, or nothing when there is none."""
    return nullcontext() if state is None else reading_one(*state)


def warm_up(app: Flask) -> threading.Thread:
    """Work out ``STEPS`` for ``app``'s store in a background thread (started, returned), and
    again as each of its writes makes a new generation (``Warmer.writing``, around the
    writes of ``endpoint.writes``); a step the store cannot answer now is logged and left for
    the first reader. Called before the app serves."""
    warmer = app.extensions.get(WARMER)
    if warmer is None:
        warmer = app.extensions[WARMER] = Warmer(app)
        app.extensions[WARM_UP] = warmer  # which starts it after each write of the server
    return warmer.start()
