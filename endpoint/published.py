"""Queries the routes run on the published graph, through the app's query pool (so that they
are bounded by the query timeout and read the current snapshot, like any query)."""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox
from flask import current_app, g, has_request_context, request
from werkzeug.datastructures import RequestCacheControl
from werkzeug.http import parse_cache_control_header

from core.problems import LoadError
from endpoint.execution import GraphRequest, QueryError, QueryRequest, QueryResult
from endpoint.rooms import WAITING_SHARE, Room, entered
from triplestore.backends import StoreLocation

#: the app extension of its dumps exporter (``endpoint.exporter.DumpExporter``), if it has one
EXPORTER = "coworkmed.exporter"
#: the app extension bounding the readers who wait for an answer being worked out (``Kept``)
WAITING = "coworkmed.waiting"
#: what a reader is told who came while an answer was being worked out and could not wait
BEING_WORKED_OUT = (
    "this page's data is being worked out for the current version of the graph (after a start "
    "or a change); try again in a few seconds"
)


def waiting_room(server_threads: int) -> Room:
    """How many readers may wait at once for answers being worked out: a quarter of the
    server's threads (at least one), so that a burst on one page that is not ready leaves
    the others (a health check, a file, a light query) threads to be answered by."""
    return Room(int(server_threads * WAITING_SHARE), BEING_WORKED_OUT)


def store_location() -> StoreLocation:
    """The store the app publishes (``triplestore.backends.locate`` of its settings)."""
    return current_app.extensions["coworkmed.store"]


def run(request: QueryRequest | GraphRequest) -> QueryResult:
    """Answer the server's own ``request`` in a worker (QueryError for a timeout, a busy pool,
    a bad query); being the server's, it is never stopped early for running long. In a run
    that reads one generation (``AT``), of that generation while its store keeps it."""
    timeout = current_app.config["COWORKMED"]["query_timeout"]
    held = _held()
    if held is not None:
        request = dataclasses.replace(request, at=held[1])
    result = current_app.extensions["coworkmed.pool"].get().run(request, timeout, patient=True)
    read_at(result.generation)
    return result


def run_all(requests: list[QueryRequest]) -> list[QueryResult]:
    """``run`` of each of ``requests``, side by side on as many query workers as the server has
    (``query_workers``), the answers in their order: the figures of a view are a dozen
    queries, which one after another used one worker while the others idled (stop 52: on two
    cores the warm-up's filtered views took 29 to 49 s under writes). The first error raised
    is the caller's, once every request has ended."""
    config = current_app.config["COWORKMED"]
    held = _held()
    if held is not None:
        requests = [dataclasses.replace(each, at=held[1]) for each in requests]
    pool = current_app.extensions["coworkmed.pool"].get()

    def answer(each: QueryRequest) -> QueryResult:
        return pool.run(each, config["query_timeout"], patient=True)

    side_by_side = max(1, min(len(requests), config.get("query_workers", 1)))
    with ThreadPoolExecutor(side_by_side, thread_name_prefix="queries") as threads:
        results = list(threads.map(answer, requests))
    for result in results:
        read_at(result.generation)
    return results


def select_all(
    sparqls: list[str], max_rows: int, data_only: bool = False
) -> list[list[dict[str, Any]]]:
    """``select``'s solutions of each of ``sparqls``, asked side by side (``run_all``)."""
    base = current_app.config["COWORKMED"]["base"] if data_only else None
    asked = [
        QueryRequest(s, {"solutions": "tsv"}, max_rows=max_rows, data_of=base) for s in sparqls
    ]
    return [list(_solutions(result)) for result in run_all(asked)]


def _solutions(result: QueryResult) -> Iterator[dict[str, Any]]:
    """The solutions of a SELECT's TSV answer, each a variable -> term (or None) mapping, read
    as they are asked for."""
    solutions = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.TSV)
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT's results are solutions
    names = [variable.value for variable in solutions.variables]
    return ({name: solution[name] for name in names} for solution in solutions)


def select(sparql: str, max_rows: int, data_only: bool = False) -> tuple[list[dict[str, Any]], int]:
    """The solutions of a SELECT, each a variable -> term (or None) mapping, and the store
    generation they come from. ``data_only``: over the data graphs alone (faster for queries
    about spaces; see ``observatory.cube.data_graphs``)."""
    solutions, number = each_solution(sparql, max_rows, data_only)
    return list(solutions), number


def each_solution(
    sparql: str, max_rows: int, data_only: bool = False
) -> tuple[Iterator[dict[str, Any]], int]:
    """``select``'s solutions one at a time, read from the answer as they are asked for: a
    caller that keeps less than every row (an index of 100,000 spaces) never holds them all
    as Python objects at once."""
    base = current_app.config["COWORKMED"]["base"] if data_only else None
    result = run(QueryRequest(sparql, {"solutions": "tsv"}, max_rows=max_rows, data_of=base))
    return _solutions(result), result.generation


#: what ``flask.g`` holds in a block that reads one store generation throughout, whatever is
#: published meanwhile (a warm-up run, a kept answer's maker: ``reading_one``): its identity
#: and number, which ``generation``, ``run`` and ``Kept`` then read
AT = "coworkmed_at"


def _held() -> tuple[str, int] | None:
    """The store identity and generation this block reads throughout (``AT``), if it does."""
    held: tuple[str, int] | None = g.get(AT)
    return held


@contextmanager
def reading_one(identity: str, number: int) -> Iterator[None]:
    """Within the block, this context's queries (``run``), answers kept (``Kept``) and
    ``generation`` are of store generation ``number`` (of store ``identity``), its snapshot
    held whatever is published meanwhile (``StoreLocation.hold``), when its store can hold it
    and no outer block reads one already; else of the current one at each query."""
    if _held() is not None:
        yield
        return
    with store_location().hold(number) as kept:
        if not kept:
            yield
            return
        setattr(g, AT, (identity, number))
        try:
            yield
        finally:
            setattr(g, AT, None)


def generation() -> int:
    """The store generation readers see now (what the answers kept per generation key on), or
    the one this run reads (``AT``)."""
    held = _held()
    if held is not None:
        return held[1]
    try:
        return store_location().generation()
    except LoadError as error:
        raise QueryError(503, str(error)) from None


def _asked_control() -> RequestCacheControl | None:
    """The ``Cache-Control`` directives of the request being answered, every field of it read
    and its directive names compared without case (RFC 9111, 5.2: werkzeug's own parsing
    misses ``NO-CACHE``); None outside a request (the warm-up)."""
    if not has_request_context():
        return None
    given = ", ".join(request.headers.getlist("Cache-Control")).lower()
    return parse_cache_control_header(given, cls=RequestCacheControl)


def asks_afresh() -> bool:
    """Whether the request being answered asks for an answer made afresh (``Cache-Control:
    no-cache`` or ``no-store``, ``Pragma: no-cache``); never outside a request (the warm-up)."""
    control = _asked_control()
    return control is not None and _afresh(control)


def _afresh(control: RequestCacheControl) -> bool:
    """``asks_afresh`` of the request's directives ``control`` (``_asked_control``)."""
    pragma = ", ".join(request.headers.getlist("Pragma")).lower()
    return bool(control.no_cache or control.no_store) or "no-cache" in pragma


def accepted_age() -> float | None:
    """How old an answer before (of a state since replaced) the request being answered
    accepts, in seconds: none (0) when it asks for one made afresh (``asks_afresh``), its
    ``Cache-Control: max-age`` when it gives one, else None: any the server gives
    (``Kept``), as RFC 9111 (5.2.1) lets a client bound what a cache gives it."""
    control = _asked_control()
    if control is None:
        return None
    if _afresh(control):
        return 0.0
    return None if control.max_age is None else float(max(control.max_age, 0))


T = TypeVar("T")


def _waited(coming: Future[T]) -> T:
    """The answer another reader is working out, waited for while the app's waiting room
    (``WAITING``) has a place, and for at most the query timeout over the whole request (a
    page reads several answers in turn: each wait takes what the ones before it left): else
    QueryError 503 (try again), never a reader holding a server thread for as long as the
    answers take (stranger 59: 48 readers of one page right after a start held every thread,
    and /health waited 51 s; stranger 60: a page's 503 came after up to 104 s)."""
    timeout = current_app.config["COWORKMED"].get("query_timeout")
    if timeout is not None:  # the deadline of this request's waits, set by its first
        deadline = g.setdefault("coworkmed_waits_until", time.monotonic() + timeout)
        timeout = max(0.0, deadline - time.monotonic())
    # the warm-up is no request: it holds no server thread, and waits outside the room
    room: Room | None = None if g.get(WARMING) else current_app.extensions.get(WAITING)
    with entered(room):
        try:
            return coming.result(timeout=timeout)
        except TimeoutError:
            raise QueryError(503, BEING_WORKED_OUT) from None


#: the app extension of its warm-up (``WarmUp``, ``endpoint.warm``), which works out each new
#: generation's answers: while it runs a reader gets the answer before
WARM_UP = "coworkmed.warm-up"


class WarmUp(Protocol):
    """An app's warm-up as ``Kept`` sees it (``endpoint.warm.Warmer``)."""

    def start(self) -> object:
        """Work the current generation's answers out (now, or once the run under way ends)."""
        ...

    def running(self) -> bool:
        """Whether a run is under way or asked for, or a write of the server is under way
        (``writing``)."""
        ...

    def behind(self, generation: int) -> bool:
        """Whether the store's generation ``generation`` is newer than the one its last run
        started on (a generation published beside the server: ``Kept`` starts it)."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Around a write of the server: ``running`` meanwhile; a run starts as it ends when
        the store's generation changed."""
        ...


#: what ``flask.g`` holds when the request's answer holds any of the generation before (it is
#: neither kept nor validated: ``endpoint.caching``)
STALE = "coworkmed_stale"
#: where each app keeps its writes under way (``WritesUnderWay``)
WRITES_UNDER_WAY = "coworkmed.writes-under-way"


class WritesUnderWay:
    """The writes an app has under way, and how many it has begun. An external store has no
    snapshot: its readers see a write's triples as the store takes them, before the write
    publishes a generation, so an answer read meanwhile may hold part of it under the
    generation before (stranger 98: on Virtuoso one tag named two answers for the 20 s of a
    write). ``endpoint.caching`` gives such an answer no validator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._under_way = 0
        self._begun = 0

    @contextmanager
    def under_way(self) -> Iterator[None]:
        """Around one write."""
        with self._lock:
            self._under_way += 1
            self._begun += 1
        try:
            yield
        finally:
            with self._lock:
                self._under_way -= 1

    def state(self) -> tuple[int, int]:
        """How many writes are under way, and how many were ever begun."""
        with self._lock:
            return self._under_way, self._begun


def writes_under_way() -> WritesUnderWay:
    """The current app's ``WritesUnderWay`` (made once, with the app: ``endpoint.caching``)."""
    found: WritesUnderWay = current_app.extensions[WRITES_UNDER_WAY]
    return found


#: what ``flask.g`` holds when the request's answer holds any of the generation before: since
#: when the oldest of them is (``time.monotonic``; ``Kept``: an answer made of them is as old)
STALE_SINCE = "coworkmed_stale_since"
#: what ``flask.g`` holds in the warm-up's own thread: it works the new answers out
WARMING = "coworkmed_warming"
#: what ``flask.g`` holds: the generations the request's answers were read from (``read_at``)
READ = "coworkmed_read"
#: the questions a ``Kept`` remembers the warm-up working out, at most
WARMED_MOST = 1024
#: how long an answer before of a question the warm-up does not work out is given while it
#: runs, in seconds, when the app sets no ``query_timeout``
BEFORE_FRESH = 30.0
#: the questions a ``Kept`` holds for the warm-up to ask again (``Kept.ask_again``), at most:
#: the ones readers were given an answer before of last
WANTED_MOST = 32
#: how many times ``BEFORE_FRESH`` (or ``query_timeout``) an answer before of a question held
#: for the warm-up to ask again is given while it runs, at most: past that, its reader works
#: it out (a warm-up too busy to come to it)
WANTED_FRESH = 4
#: what ``flask.g`` holds while the warm-up asks a question again (``Kept.ask_again``): its
#: answers are not of the questions it works out at each run (``Kept._warmed``)
ASKING_AGAIN = "coworkmed_asking_again"
#: the generations per store place whose first asking ``Kept`` remembers (``_replaced_at``)
SEEN_GENERATIONS = 512
#: the ``Kept`` that can ask their questions again (``ask_again``)
_ASKING: weakref.WeakSet[Kept] = weakref.WeakSet()


def _aside(key: tuple[Any, ...], place: str) -> tuple[Any, ...]:
    """What a kept answer's key ``(identity, base, what, generation, ...)`` is aside as: its
    store's place, base, what and the rest, the generation left out (the identity names the
    generation's snapshot)."""
    return (place, key[1], key[2], *key[4:])


def read_at(number: int) -> None:
    """Note that an answer of this request was read from store generation ``number`` (a query's
    snapshot, an answer kept for that generation)."""
    seen: set[int] | None = g.get(READ)
    if seen is None:
        seen = set()
        setattr(g, READ, seen)
    seen.add(number)


def _fresh_for() -> float:
    """How long an answer before may be given for a question the warm-up works out or one
    just set aside, in seconds: the app's ``query_timeout``, else ``BEFORE_FRESH``."""
    timeout: float | None = current_app.config["COWORKMED"].get("query_timeout")
    return timeout or BEFORE_FRESH


def _read_all(numbers: Iterable[int]) -> None:
    """Note that an answer of this request was read from each of the generations ``numbers``
    (an answer before, or one made of answers of several generations)."""
    for number in numbers:
        read_at(number)


@dataclass(frozen=True)
class Before:
    """An answer of a generation before the one readers see: ``number``, the generation it
    was asked at; ``since``, when it became the one before (``time.monotonic``); ``reads``,
    the generations it was read from: one for an answer of one generation (``whole``), more
    for one made while a change was published, or of answers before of other generations."""

    number: int
    value: Any
    since: float
    reads: frozenset[int]

    @property
    def whole(self) -> bool:
        """Whether it was read from one generation: every part of it agrees."""
        return len(self.reads) <= 1


def read_from() -> frozenset[int]:
    """The generations this request's answers were read from so far: more than one when a
    change was published while it was answered (``endpoint.caching`` validates none of it)."""
    return frozenset(g.get(READ) or ())  # None: a maker's reads set back after it failed


class Kept:
    """Answers kept by key, at most ``size`` of them, the least recently used dropped first.
    Keys hold the store generation, so an answer is used again only while the data it was
    computed from is what readers see (the store changes only on load, publish or write).
    One answer is worked out once: readers who ask for it while it is being worked out (the
    warm-up and the first visitors, a burst after a publish) wait for that one, rather than
    each reading the whole graph again and holding a copy of it in memory at the same time;
    a few at most, each for at most the query timeout (``_waited``).

    After a change, a reader who asks for an answer being worked out, or who comes while the
    warm-up runs, gets the one of the generation before at once (``g.coworkmed_stale``: it is
    not kept nor validated, ``endpoint.caching``) rather than waiting (stranger 61: 37 to 43 s
    for the observatory after each write at 20,000 spaces). The one before is the answer set
    aside once a newer generation's was kept, or, until then, the one still kept (stranger 63:
    the readers who came before the first newer answer was kept waited 45 to 80 s, one for a
    504), or the newest given since without being kept (``_set_aside``). An answer aside goes
    when its question's new answer is kept (or when more than ``size`` are aside): a question
    the warm-up does not work out again (a filtered view no one asked for lately) keeps it
    after the warm-up's run, for the readers who come while its first reader works the new one
    out (stranger 64: they waited for it, up to ``query_timeout``).

    A maker reads every answer it uses itself, never one read before it and handed to it: what
    a maker reads is tracked (an answer before, another generation), what it is handed is not,
    and an answer made of answers before handed to it was kept as the new generation's
    (stranger 67: the figures' coverage, 16 generations old, tagged and 304'd)."""

    def __init__(
        self,
        size: int = 256,
        weigh: Callable[[Any], int] | None = None,
        most: int = 0,
        gives_before: bool = True,
        again: Mapping[str, Callable[..., object]] | None = None,
    ) -> None:
        """At most ``size`` answers; with ``weigh``, also at most ``most`` of their weights
        summed (an answer whose size grows with the data, as the map's points: their number),
        one heavier than ``most`` alone given to its readers but not kept. ``gives_before``:
        whether a reader may get the answer of the generation before after a change (not for
        what a write or a check must read as it is now). ``again``: for a kind of question
        (``what``, the key's first item), how to ask it again, given the rest of its key after
        the generation (the public function that asks it): while the warm-up runs, a reader of
        such a question is given the answer before, and the warm-up asks it again
        (``ask_again``)."""
        self._size, self._weigh, self._most = size, weigh, most
        self._gives_before = gives_before
        self._again = dict(again or {})
        #: the questions readers were given an answer before of while the warm-up ran, for it
        #: to ask again (by place, base, what and the rest of the key), oldest first
        self._wanted: OrderedDict[tuple[Any, ...], None] = OrderedDict()
        if self._again:
            _ASKING.add(self)
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._weights: dict[tuple[Any, ...], int] = {}
        self._born: dict[tuple[Any, ...], tuple[str, int]] = {}  # its store's place, generation
        self._weighed = 0
        self._coming: dict[tuple[Any, ...], Future[Any]] = {}
        #: the newest answer given before of each question (by place, base, what and the rest
        #: of the key) whose answer of the current generation is not kept: its generation and
        #: the answer, oldest first, at most ``size`` of them (and ``most`` of their weight)
        self._before: OrderedDict[tuple[Any, ...], Before] = OrderedDict()
        #: the key of the answer kept for each place, base, what and the rest of the key
        self._newest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        #: the questions the warm-up works out (by place, base, what and the rest of the key)
        self._warmed: set[tuple[Any, ...]] = set()
        #: when each generation of each place was first asked for (``time.monotonic``): a
        #: generation's answers are as old as the time the next one was first asked for
        #: (``_replaced_at``), at most ``SEEN_GENERATIONS`` per place
        self._asked_at: dict[str, OrderedDict[int, float]] = {}

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """The answer kept for ``key`` (``(what, generation, ...)``, of the app's store: two apps
        in one process, each on its own store, may be at the same generation:
        ``StoreLocation.identity``), or the one ``make`` gives, then kept; while ``make`` runs,
        another reader of ``key`` waits for its answer (or its error) rather than calling
        ``make`` too. Keeping an answer drops the store's answers of older generations (they
        would never be read again: the server grew by each generation's search index and
        answers, stranger 60)."""
        location = store_location()
        held = _held()
        identity = location.identity() if held is None else held[0]
        # the app's base too: two apps on one store may publish it under two bases
        key = (identity, current_app.config["COWORKMED"]["base"], *key)
        place = location.place()
        aside = _aside(key, place)  # the question, whatever the generation
        warm_up: WarmUp | None = current_app.extensions.get(WARM_UP)
        warming = warm_up is not None and warm_up.running()
        with self._lock:
            self._asked(place, key[3])
            if key in self._kept:
                self._kept.move_to_end(key)
                read_at(key[3])
                return self._kept[key]
            coming = self._coming.get(key)
            before = self._before_of(key, aside)
            if (
                before is not None
                and not (coming or warming)
                and warm_up is not None
                and not g.get(WARMING)
                and warm_up.behind(key[3])
            ):
                # a generation published beside the server, seen first by this reader: the
                # warm-up works it out, and this reader gets the one before (stranger 65: the
                # first reader of the figures after a publish beside waited 5 s for them)
                warm_up.start()
                warming = True
            # the one before, while another works the new one out, or while the warm-up runs
            # (``WARM_UP``) when it works this question out or the one before is recent, to
            # any reader but the warm-up itself (``WARMING``); an answer before older than
            # ``query_timeout`` of a question it does not work out is worked out by its reader
            # (stranger 66: under steady writes the warm-up ran for good, and the readers of
            # such a question got one answer, minutes old, for as long), unless the warm-up
            # can ask it again (``again``): it is held for it (``_want``), the one before given
            # for ``WANTED_FRESH`` times as long (stop 47: readers of such questions waited
            # up to 27 s under steady writes, behind the warm-up's queries); and one of a
            # question it works out for no longer either (stranger 72: under writes the
            # warm-up came to the search and the home page's counts late, and they were given
            # 160 to 257 s old)
            warmed = aside in self._warmed
            age = time.monotonic() - before.since if before is not None else 0.0
            # no older than its reader accepts (``Cache-Control: no-cache`` or ``max-age``):
            # past that, it waits for the current one or works it out (stranger 70: with
            # ``no-cache``, 504 of 657 answers under writes were up to 37 s behind). A maker
            # of an answer kept for one generation, that generation held (an inner part of a
            # document: its readers get the whole document before meanwhile), accepts none:
            # the parts given to it were answers before of other generations (stranger 71:
            # the figures' headline of one state and a figure of a state 302 s older). The
            # request's headers are read only when there is an answer before, not at each
            # answer of each request.
            if before is not None:
                accepted = 0.0 if _held() is not None else accepted_age()
                if accepted is not None and age >= accepted:
                    before = None
            fresh_for = _fresh_for()
            recent = age < fresh_for
            asked_again = warm_up is not None and key[2] in self._again
            bounded = age < fresh_for * WANTED_FRESH
            wanted = asked_again and bounded
            if (
                before is not None
                and (
                    (coming and bounded) or (warming and ((warmed and bounded) or recent or wanted))
                )
                and not g.get(WARMING)
            ):
                # held for the warm-up to ask again, one it worked out before too: it works
                # out each run the questions of its steps, not the ones it was asked again
                # once, which were then given their answer before for as long as writes came
                # (stranger 69: a CSV 417 s old where the bound is 120 s)
                if asked_again and (wanted or warmed) and coming is None and warm_up is not None:
                    self._want(aside, warm_up)
                setattr(g, STALE, True)
                setattr(g, STALE_SINCE, min(g.get(STALE_SINCE) or before.since, before.since))
                _read_all(before.reads)
                return before.value
            mine = coming is None
            if coming is None:
                coming = self._coming[key] = Future()
        if not mine:
            value, stale, reads, oldest = _waited(coming)
            setattr(g, STALE, g.get(STALE) or stale)
            if oldest is not None:
                setattr(g, STALE_SINCE, min(g.get(STALE_SINCE) or oldest, oldest))
            _read_all(reads)
            return value
        outer, outer_read, outer_since = g.get(STALE, False), g.get(READ), g.get(STALE_SINCE)
        setattr(g, STALE, False)  # whether ``make`` is given any answer of the one before
        setattr(g, READ, set())  # the generations ``make`` reads from
        setattr(g, STALE_SINCE, None)  # since when the oldest answer before it is given is
        try:
            # its queries of the key's generation, whatever is published while it runs
            # (stranger 68: under writes a document's parts were of several generations, and a
            # view made across a write was given, never kept, so its next reader made it again)
            with reading_one(key[0], key[3]):
                value = make()
        except BaseException as problem:
            setattr(g, STALE, outer)
            setattr(g, READ, outer_read)
            setattr(g, STALE_SINCE, outer_since)
            with self._lock:
                del self._coming[key]
            coming.set_exception(problem)
            raise
        # an answer made of answers of the generation before is given, never kept (stranger
        # 62: a view's headline made of them was kept as the new generation's, until the next
        # write, validated and 304'd); nor one read from another generation than its key's, a
        # change published while it was made (stranger 64: the figures of one generation kept
        # with a headline count of the next, and validated)
        read = frozenset(g.get(READ) or ())
        stale = bool(g.get(STALE)) or bool(read - {key[3]})
        made_since: float | None = g.get(STALE_SINCE)
        reads = read or frozenset({key[3]})
        with self._lock:
            del self._coming[key]
            if g.get(WARMING) and not g.get(ASKING_AGAIN):  # one of the warm-up's steps
                # (at most a few hundred), not one it asks again once: its answer before is
                # given for as long as writes come (stranger 69, 70: 138 to 417 s old)
                if len(self._warmed) >= WARMED_MOST:
                    self._warmed.clear()  # its next run names them again
                self._warmed.add(aside)
            whole = None if len(reads) <= 1 else self._whole_before(key, aside)
            if whole is not None:  # made of parts of several generations: the whole one
                # before, of one generation, rather than one document whose parts disagree
                # (stranger 67, F4: the figures' headline of the new generation, rows of the
                # old), while it is no older than an answer before may be given
                value, reads, made_since = whole.value, whole.reads, whole.since
            moved_on = not stale and self._keep(key, value, place)
            if stale and whole is None:  # given, not kept: the one before for the readers of
                # later generations, as old as the oldest answer before it is made of
                # (stranger 67: made again and again of answers minutes old under writes, it
                # counted as new each time, and answers 311 s old were given where
                # ``WANTED_FRESH`` allows 120)
                self._set_aside(aside, key[3], value, made_since, reads)
        setattr(g, STALE, outer or stale)
        setattr(g, READ, set(outer_read or ()) | reads)
        since = [t for t in (outer_since, made_since) if t is not None]
        setattr(g, STALE_SINCE, min(since, default=None))
        coming.set_result((value, stale, reads, made_since))
        if moved_on and warm_up is not None and warm_up.behind(key[3]) and not g.get(WARMING):
            # a generation this server did not write (a publish beside it): the warm-up works
            # its answers out, as after its own writes
            warm_up.start()
        return value

    def _want(self, aside: tuple[Any, ...], warm_up: WarmUp) -> None:
        """Hold question ``aside`` for the warm-up to ask again, at most ``WANTED_MOST`` (the
        ones given last), and have it run once more (the lock held)."""
        if aside in self._wanted:
            self._wanted.move_to_end(aside)
            return
        self._wanted[aside] = None
        while len(self._wanted) > WANTED_MOST:
            self._wanted.popitem(last=False)
        warm_up.start()  # once the run under way is done: it asks the questions held then

    def ask_again(self) -> int:
        """Ask again, for the store's generation now, the questions of the app's store and base
        its readers were given an answer before of while the warm-up ran (``again``): those
        held when called, one at a time, the last given first; how many were asked. Run by the
        warm-up (``endpoint.warm``); a question the store cannot answer now, or whose asking
        fails otherwise, is logged and left to its next reader, the others still asked."""
        place, base = store_location().place(), current_app.config["COWORKMED"]["base"]
        with self._lock:
            held = [q for q in self._wanted if q[:2] == (place, base)]
        asked = 0
        for question in reversed(held):
            with self._lock:
                if question not in self._wanted:
                    continue  # pushed out by newer ones meanwhile
                del self._wanted[question]
            asked += 1
            setattr(g, ASKING_AGAIN, True)
            try:
                self._again[question[2]](*question[3:])
            except QueryError as problem:
                current_app.logger.warning(
                    "warm-up: %s asked again not ready: %s", question[2], problem.message
                )
            except Exception:  # a bug of one kind of question: the others are still asked
                current_app.logger.exception("warm-up: %s asked again failed", question[2])
            finally:
                setattr(g, ASKING_AGAIN, False)
        return asked

    def _asked(self, place: str, number: int) -> None:
        """Note when generation ``number`` of ``place`` was first asked for (the lock held)."""
        seen = self._asked_at.setdefault(place, OrderedDict())
        if number not in seen:
            seen[number] = time.monotonic()
            while len(seen) > SEEN_GENERATIONS:
                seen.popitem(last=False)

    def _replaced_at(self, place: str, numbers: Iterable[int]) -> float | None:
        """When the oldest of generations ``numbers`` of ``place`` was replaced
        (``time.monotonic``): when a newer one was published, as its store says
        (``StoreLocation.replaced_at``), or, earlier, when a newer one was first asked for of
        this ``Kept``; None when neither is known (the lock held). The generations are noted in
        the order first asked, so the first newer one noted is the earliest. Stranger 71: by
        the asking alone, an answer of a ``Kept`` whose questions no one asked for minutes
        counted as replaced when they were asked again, and was given up to 302 s after its
        state was, where the bound is 120 s (and ``max-age=30`` got one 78 s old)."""
        oldest = min(numbers, default=None)
        if oldest is None:
            return None
        seen: Mapping[int, float] = self._asked_at.get(place, {})
        asked = next((at for number, at in seen.items() if number > oldest), None)
        published = store_location().replaced_at(oldest)
        if published is None:
            return asked
        since = time.monotonic() - max(0.0, time.time() - published)
        return since if asked is None else min(asked, since)

    def _before_of(self, key: tuple[Any, ...], aside: tuple[Any, ...]) -> Before | None:
        """The newest answer of a generation before ``key``'s for its question (``aside``), still
        kept or set aside (its ``since``: when its state was replaced, else when it was set
        aside, or now for one still kept); None when there is none (the
        lock held). Not an older one set aside while a newer one is kept (stranger 64: a search
        index ten generations old, for minutes)."""
        if not self._gives_before:
            return None
        found: list[Before] = []
        older = self._newest.get(aside)
        if older is not None and older[3] < key[3]:
            found.append(
                Before(older[3], self._kept[older], time.monotonic(), frozenset({older[3]}))
            )
        given = self._before.get(aside)
        if given is not None and given.number < key[3]:
            found.append(given)
            self._before.move_to_end(aside)  # asked: the last aside to go (stranger 66)
        newest = max(found, key=lambda answer: answer.number, default=None)
        if newest is None:
            return None
        # as old as the state it shows: since its oldest generation was replaced, not since it
        # was set aside (stranger 70: an answer kept for a generation no one asked for again,
        # set aside only when a later one's answers were kept, was given 138 to 192 s after
        # its state was replaced, where the bound is 120 s)
        replaced = self._replaced_at(aside[0], newest.reads or {newest.number})
        if replaced is not None and replaced < newest.since:
            return dataclasses.replace(newest, since=replaced)
        return newest

    def _whole_before(self, key: tuple[Any, ...], aside: tuple[Any, ...]) -> Before | None:
        """The answer before of ``key``'s question when it is of one generation (``whole``)
        and recent enough to be given (``WANTED_FRESH`` times ``query_timeout``), else None
        (the lock held)."""
        before = self._before_of(key, aside)
        if before is None or not before.whole:
            return None
        return before if time.monotonic() - before.since < _fresh_for() * WANTED_FRESH else None

    def _set_aside(
        self,
        aside: tuple[Any, ...],
        number: int,
        value: Any,
        since: float | None = None,
        reads: frozenset[int] | None = None,
    ) -> None:
        """Set ``value`` (of generation ``number``, the one before since ``since``: now when
        not said; read from ``reads``: ``number`` alone when not said) aside as its question's
        answer before, unless a newer one is, or one of the same generation read from one
        generation when it is not; then drop the oldest set aside while there are more than
        ``size`` or they weigh more than ``most`` (the lock held): under writes one after the
        other, an answer read across a change is never kept, and was never given again, so
        that readers of a view it had answered waited for its next one (stranger 65: 12 to
        61 s, and 503s)."""
        if not self._gives_before:
            return
        made = Before(
            number,
            value,
            time.monotonic() if since is None else since,
            frozenset({number}) if reads is None else reads,
        )
        given = self._before.get(aside)
        if given is not None and (
            given.number > number or (given.number == number and given.whole > made.whole)
        ):
            return
        self._before[aside] = made
        self._before.move_to_end(aside)
        weigh = self._weigh
        while len(self._before) > self._size or (
            weigh is not None and sum(weigh(b.value) for b in self._before.values()) > self._most
        ):
            self._before.popitem(last=False)

    def _keep(self, key: tuple[Any, ...], value: Any, place: str) -> bool:
        """Keep ``value``, set the answers of ``place``'s older generations aside, then drop
        the least recently used while there are too many or they weigh too much (the lock
        held); whether older answers were set aside (a newer generation is read)."""
        number = key[3]  # (identity, base, what, generation, ...)
        aside = _aside(key, place)
        newest = self._newest.get(aside)
        if newest is not None and newest[3] > number:
            # a run reading an older generation (``AT``) than an answer a reader kept since:
            # given to it, not kept in the newer one's place
            return False
        # least recently used first, as kept: ``asked`` gives them in that order
        older = [k for k in self._kept if self._born[k][0] == place and self._born[k][1] < number]
        for old in older:  # aside until their questions are answered anew
            self._set_aside(_aside(old, place), self._born[old][1], self._kept[old])
            self._drop(old)
        weight = 0 if self._weigh is None else self._weigh(value)
        if weight > self._most and self._weigh is not None:
            return bool(older)
        self._weighed += weight - self._weights.get(key, 0)
        self._kept[key], self._weights[key], self._born[key] = value, weight, (place, number)
        self._newest[aside] = key
        given = self._before.get(aside)
        if given is not None and given.number <= number:  # its question is answered anew
            del self._before[aside]
        while len(self._kept) > self._size or self._weighed > self._most:
            self._drop(next(iter(self._kept)))
        return bool(older)

    def _drop(self, key: tuple[Any, ...]) -> None:
        aside = _aside(key, self._born[key][0])
        if self._newest.get(aside) == key:
            del self._newest[aside]
        del self._kept[key], self._born[key]
        self._weighed -= self._weights.pop(key)

    def asked(self, what: str) -> list[tuple[Any, ...]]:
        """What readers asked about ``what`` of the app's store and base, kept or aside (an
        answer before): the rest of each key after its generation, least recently used first,
        each once (``endpoint.warm`` works the last ones out again after a change)."""
        place, base = store_location().place(), current_app.config["COWORKMED"]["base"]
        with self._lock:
            aside = [k[3:] for k in self._before if k[:3] == (place, base, what)]
            kept = [
                k[4:] for k in self._kept if k[1:3] == (base, what) and self._born[k][0] == place
            ]
        return list(dict.fromkeys([*aside, *kept]))

    def weight(self) -> int:
        """What the answers kept weigh together (0 when they are not weighed)."""
        with self._lock:
            return self._weighed


def ask_again() -> int:
    """Ask again the questions the app's readers were given an answer before of while the
    warm-up ran, in every ``Kept`` that can (``Kept.ask_again``): how many were asked."""
    return sum(kept.ask_again() for kept in list(_ASKING))
