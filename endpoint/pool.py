"""Scheduling queries, bounded in time, on either store backend (``triplestore.backends``).

Embedded store (``QueryPool``): pyoxigraph cannot cancel a running query, so each query runs in
a worker process (``endpoint.execution``) that is killed (and replaced) when the query outlives
its timeout. Workers read the store's current snapshot, never the primary database, and move to
a newer snapshot before the next query once one is published. A slow query occupies one worker;
the others go on: long ones are set aside, and a light lane keeps light queries moving.

External store (``RemotePool``): the store runs the query; the request to it is bounded by the
timeout, and a store that is down or failing gives 503. At most ``workers`` queries are sent at
once; the published graphs are asked again only when the generation moves.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar, cast

from core.problems import LoadError
from core.sparql_text import REMEMBERED_CHARS, forget_text, looks_light
from core.workers import (
    NOT_CUT,
    NOT_CUT_SAID,
    KeptWorker,
    Limits,
    NoWorkers,
    WorkerCrashed,
    WorkerTimedOut,
    describe_end,
    processor_seconds,
    started_worker,
)
from endpoint.execution import (
    EXHAUSTED,
    HANDLERS,
    NO_LIMITS,
    TIME_LIMIT,
    TIMED_OUT,
    GraphRequest,
    Published,
    QueryError,
    QueryRequest,
    QueryResult,
    engine_failed,
    parse_error,
    serve,
)
from endpoint.rooms import Room, entered
from triplestore.backends import StoreLocation
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.backends.sparql import (
    UNREADABLE,
    RemoteStoreError,
    Rewriting,
    SparqlLocation,
    SparqlStore,
    StoreUnavailable,
    unreadable_answer,
)

LOG = logging.getLogger(__name__)


class _Worker:
    def __init__(self, location: OxigraphLocation, base: str, limits: Limits) -> None:
        # ``errors``: what the worker says on standard error (the engine's words when it aborts)
        self.process, self.connection, self.errors = started_worker(
            serve, (location, base, limits), duplex=True
        )
        self.pid = cast(int, self.process.pid)  # a started process has its id
        self.set_aside = False  # its query ran long: another worker took its place
        self.lane = "any"  # "any" query, or only "light" ones

    def ended(self) -> str:
        """Why the worker ended before its answer, in words for the client (its error output
        goes to the server's when it is stopped: ``stop``)."""
        reason, _signal = describe_end(self.process.exitcode)
        fault = self.errors.fault()
        if fault is None:
            return f"{EXHAUSTED}{reason}; it has been replaced. Simplify the query"
        return f"{engine_failed(fault)} The worker has been replaced."

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()
        self.errors.forward("a query worker")


#: how much nicer than the server a worker whose query ran longer than ``long_after`` seconds is
SET_ASIDE = 10
#: the nicest a process can be
LOWEST = 19
#: how often a light query waiting for a worker looks at the other lane, in seconds
LANE_POLL = 0.005
#: the processor seconds a query may use in the light lane: one that uses more was not what it
#: looked (a path closure, a cross product under a LIMIT that finds no row: ten 38-byte
#: queries held the lane, and a light ASK waited 24 to 29 s, stranger 116). It is set aside
#: as a long query is, and the lane has a fresh worker; with no room aside, it is stopped and
#: asked again of the other workers with what is left of its time. Its text is remembered
#: (``NOT_LIGHT_KEPT``). Each text that is not light costs the lane that once: eight at once
#: held a light query 4 to 6 s at half a second each (stranger 117), six regular expressions
#: under a LIMIT 1.6 to 3.6 s at a quarter (stranger 118)
LIGHT_SECONDS = 0.1
#: how many texts a pool remembers that were not light (asked again, they go to the others)
NOT_LIGHT_KEPT = 1024


class _NotLight(Exception):
    """A query in the light lane used its ``LIGHT_SECONDS``."""


#: what a query is answered when the server stops while it runs or waits for a worker
STOPPING = "the server is stopping; try again in a moment"
#: what a query whose client left is answered (no one reads it: for the log and the metrics)
GONE = "the client closed its connection before the answer: the query was stopped"
#: how often a query's wait for its worker looks whether its client is still there, in seconds
GONE_POLL = 0.25


class ClientGone(Exception):
    """The client of a query closed its connection before the answer."""


def _poll(worker: _Worker, seconds: float, gone: Callable[[], bool] | None) -> bool:
    """Whether ``worker`` answers within ``seconds``; ClientGone as soon as ``gone`` (the
    client's connection is closed, looked at every ``GONE_POLL`` seconds) says so first."""
    if gone is None:
        return worker.connection.poll(seconds)
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if worker.connection.poll(max(0.0, min(GONE_POLL, left))):
            return True
        if gone():
            raise ClientGone
        if left <= GONE_POLL:
            return False


class _QueryClock:
    """The processor seconds a worker has used since this clock was made (the time waited
    where /proc cannot tell)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._wall = time.monotonic()
        self._start = processor_seconds(pid)

    def __call__(self) -> float:
        if self._start is not None:
            now = processor_seconds(self._pid)
            if now is not None:
                return now - self._start
        return time.monotonic() - self._wall


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class QueryPool:
    """``workers`` worker processes; ``run`` lends one to a query for at most ``timeout``
    seconds, then kills and replaces it if the query is still running.

    Heavy queries cannot starve the rest. A query still running after ``long_after`` seconds
    is set aside: its process is demoted to a lower processor priority (the system gives the
    processors to everything else first) and a fresh worker takes its place. At most
    ``workers`` queries run set aside; while that many are, a long query keeps its worker (it
    is set aside as soon as one of them ends) and the queries after it wait for a worker. No
    query is stopped before its own time limit: one that waits ``timeout`` seconds for a worker
    gets 503 (try again, ``Retry-After``). A set-aside worker is retired when its query ends
    (its priority cannot be raised again). And one more worker, the light lane, takes only
    queries that look light (``core.sparql_text.looks_light``: ASK, DESCRIBE, a small LIMIT
    without grouping, sorting or a path closure), so that these never wait behind heavy ones;
    one that uses ``LIGHT_SECONDS`` there was not light: it is set aside, or, with no room
    aside, asked again of the others."""

    #: a worker may write a large answer to a file the server names (``endpoint.streaming``)
    spools: ClassVar[bool] = True

    def __init__(
        self,
        location: OxigraphLocation | Path,
        base: str,
        workers: int = 2,
        long_after: float = 0,
        limits: Limits = NO_LIMITS,
        room: Room | None = None,
    ) -> None:
        """``limits``: each worker's memory cap, and whether it may use the network (only
        when SERVICE peers are set). ``room``: how many queries may wait for or hold a
        worker at once (``endpoint.rooms.query_room``); one more is refused at once, 503."""
        location = OxigraphLocation(location) if isinstance(location, Path) else location
        self._limits = limits
        self._room = room
        location.reader()  # fail now, clearly, if nothing was published
        self._location, self._base = location, base
        self._long_after, self._most_aside = long_after, workers
        self._idle: dict[str, queue.Queue[_Worker]] = {"any": queue.Queue(), "light": queue.Queue()}
        self._all: set[_Worker] = set()
        self._aside: list[_Worker] = []  # set aside, oldest first
        #: digests of the texts that were not light (``LIGHT_SECONDS``), the last ones
        self._not_light: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False
        #: workers of each lane that could not be started in place of one that went
        self._missing: Counter[str] = Counter()
        for _ in range(workers):
            self._add("any")
        self._add("light")

    def _add(self, lane: str) -> None:
        """Start a worker for ``lane``; NoWorkers when none can be started, the place then
        counted as missing (``_heal``)."""
        if self._closed:  # a query that ends after close replaces its worker with none
            return
        try:
            worker = _Worker(self._location, self._base, self._limits)
        except NoWorkers:
            with self._lock:
                self._missing[lane] += 1
            raise
        worker.lane = lane
        with self._lock:
            self._all.add(worker)
        self._idle[lane].put(worker)

    def _heal(self) -> None:
        """Start the workers that could not be started in place of others (no process to be
        had for a moment: the memory full): else each such failure left the pool a worker
        short for good, and with none left every query waited its time limit for a 503.
        NoWorkers again when one still cannot be started."""
        while True:
            with self._lock:
                lane = next((name for name, count in self._missing.items() if count), None)
                if lane is None:
                    return
                self._missing[lane] -= 1
            self._add(lane)

    def _refill(self, lane: str) -> None:
        """``_add`` for a worker that went (stopped, crashed, set aside): a failure is logged,
        not the outcome of the query that ended it, and the place is started again by the next
        query (``_heal``)."""
        try:
            self._add(lane)
        except NoWorkers as problem:
            LOG.warning("query pool: no worker started in place of one: %s", problem)

    def idle(self, lane: str = "any") -> int:
        """How many workers of ``lane`` ("any" or "light") wait for a query now."""
        return self._idle[lane].qsize()

    def _take(self, light: bool, timeout: float) -> _Worker:
        """An idle worker for a query (a light one may also have the light lane's), waiting at
        most ``timeout`` seconds (503 after that)."""
        deadline = time.monotonic() + timeout
        lanes = [self._idle["light"], self._idle["any"]] if light else [self._idle["any"]]
        while True:
            if self._closed:
                raise QueryError(503, STOPPING)
            try:
                self._heal()
            except NoWorkers as problem:  # said as every refusal of a query is: 503
                raise QueryError(503, str(problem)) from None
            for lane in lanes:
                with contextlib.suppress(queue.Empty):
                    return lane.get_nowait()
            left = deadline - time.monotonic()
            if left <= 0:
                raise QueryError(
                    503, f"every query worker stayed busy for {timeout:g} s; try again"
                )
            with contextlib.suppress(queue.Empty):  # wait on one lane, look at all again often
                return lanes[-1].get(timeout=min(left, LANE_POLL if light else left))

    def _retire(self, worker: _Worker) -> None:
        """Stop ``worker``, unless ``close`` has taken it already (it stops it then: two threads
        closing one pipe at once fail with EBADF)."""
        with self._lock:
            owned = worker in self._all
            self._all.discard(worker)
            if worker in self._aside:
                self._aside.remove(worker)
        if owned:
            worker.stop()

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        if not worker.set_aside:  # a set-aside worker was replaced when it was set aside
            self._refill(worker.lane)

    def _set_aside(self, worker: _Worker) -> bool:
        """Set ``worker``'s long query aside, at a lower priority, with a fresh worker in its
        place, unless ``workers`` queries are aside already: then it keeps its place in its
        lane (False), so that the pool never has more than ``most_processes`` workers and no
        query is stopped before its time limit (the queries after it wait for a worker)."""
        with self._lock:
            if len(self._aside) >= self._most_aside:
                return False
            self._aside.append(worker)
            worker.set_aside = True
        lower = min(LOWEST, os.getpriority(os.PRIO_PROCESS, 0) + SET_ASIDE)  # below the server's
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.setpriority(os.PRIO_PROCESS, worker.pid, lower)
        threading.Thread(target=self._refill, args=(worker.lane,), daemon=True).start()
        return True

    def _answered(
        self,
        worker: _Worker,
        timeout: float,
        gone: Callable[[], bool] | None = None,
        not_light: Callable[[], None] | None = None,
    ) -> bool:
        """Whether ``worker`` answers within ``timeout`` seconds; set aside once its query has
        used ``long_after`` seconds of processor time (tried again every ``long_after`` while
        the aside set is full). Processor time, not time waited: with more queries than
        processors, every query waits its turn, and setting each aside then only started
        processes (8 clients on two cores: about a third fewer answers a second). ClientGone
        when ``gone`` says the client closed its connection first (``_poll``). A query of the
        light lane that has used ``LIGHT_SECONDS`` was not light (``not_light`` is told): it is
        set aside as a long one is, the lane given a fresh worker, or, with no room aside,
        _NotLight."""
        deadline = time.monotonic() + timeout
        light = worker.lane == "light"
        most = LIGHT_SECONDS if light else self._long_after
        if 0 < most < timeout:
            used = _QueryClock(worker.pid)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return _poll(worker, 0, gone)
                spent = used()
                if spent < most:
                    wait = most - spent
                elif self._set_aside(worker):  # the light lane has a fresh worker too
                    if light and not_light is not None:
                        not_light()
                    break
                elif light:  # no room aside: stopped, and asked again of the others
                    raise _NotLight
                else:  # the aside set is full: look again after ``long_after``
                    wait = self._long_after
                if _poll(worker, min(wait, left), gone):
                    return True
        return _poll(worker, max(0.0, deadline - time.monotonic()), gone)

    def run(
        self,
        request: QueryRequest | GraphRequest,
        timeout: float,
        patient: bool = False,
        gone: Callable[[], bool] | None = None,
    ) -> QueryResult:
        """Answer ``request`` in a worker within ``timeout`` seconds. ``patient``: the server's
        own query (pages, figures); no query is stopped before ``timeout`` now, so it only
        names the caller. ``gone``: whether the client closed its connection (waitress's
        ``waitress.client_disconnected``): its query is stopped then and its worker replaced,
        not left to run to the time limit for no one (stranger 48: four abandoned heavy
        queries held every worker, and a light one waited 28.9 s)."""
        with entered(self._room):
            return self._run(request, timeout, gone)

    def _light(self, request: QueryRequest | GraphRequest) -> bool:
        """Whether ``request`` may have the light lane: it looks light, and its text was not
        found otherwise there before."""
        if not isinstance(request, QueryRequest) or not looks_light(request.sparql):
            return False
        with self._lock:
            return _digest(request.sparql) not in self._not_light

    def _not_light_again(self, request: QueryRequest | GraphRequest) -> None:
        if isinstance(request, QueryRequest):
            with self._lock:
                self._not_light[_digest(request.sparql)] = None
                while len(self._not_light) > NOT_LIGHT_KEPT:
                    self._not_light.popitem(last=False)

    def _run(
        self,
        request: QueryRequest | GraphRequest,
        timeout: float,
        gone: Callable[[], bool] | None,
        light: bool | None = None,
    ) -> QueryResult:
        """``light``: whether it may have the light lane (None: ``_light``)."""
        begun = time.monotonic()
        light = self._light(request) if light is None else light
        forget_text()  # read: its readings are not held while the engine runs
        worker = self._take(light, timeout)
        while not worker.process.is_alive():  # killed while idle (the system ran out of memory)
            self._replace(worker)
            if worker.process.exitcode == NOT_CUT:  # each one in its place would end so too
                raise QueryError(503, NOT_CUT_SAID)
            worker = self._take(light, timeout)
        try:
            worker.connection.send(request)
            if not self._answered(worker, timeout, gone, lambda: self._not_light_again(request)):
                self._replace(worker)
                raise QueryError(
                    TIMED_OUT, f"the query was stopped after {timeout:g} s (the time limit)"
                )
            answer = worker.connection.recv()
        except ClientGone:
            self._replace(worker)
            raise QueryError(400, GONE) from None
        except _NotLight:  # stopped in the light lane, asked again of the others
            self._replace(worker)
            self._not_light_again(request)
            left = timeout - (time.monotonic() - begun)
            if left <= 0:
                said = f"the query was stopped after {timeout:g} s (the time limit)"
                raise QueryError(TIMED_OUT, said) from None
            try:
                return self._run(request, left, gone, light=False)
            except QueryError as error:  # its time limit is the one it was given
                if error.status != TIMED_OUT:
                    raise
                said = f"the query was stopped after {timeout:g} s (the time limit)"
                raise QueryError(TIMED_OUT, said) from None
        except (EOFError, OSError, BrokenPipeError):
            if self._closed:  # the server stops: it stopped the worker
                raise QueryError(503, STOPPING) from None
            worker.process.join(timeout=5)  # its exit code and last words, before it goes
            said = worker.ended()
            self._replace(worker)
            if worker.process.exitcode == NOT_CUT:  # not the query's doing
                raise QueryError(503, NOT_CUT_SAID) from None
            raise QueryError(400, said) from None
        if worker.set_aside:
            self._retire(worker)
        else:
            self._idle[worker.lane].put(worker)
        if answer[0] == "error":
            raise QueryError(answer[1], answer[2])
        return answer[1]

    @property
    def most_processes(self) -> int:
        """The most worker processes this pool runs at once: its lanes' and those aside."""
        return 2 * self._most_aside + 1

    def processes(self) -> int:
        """How many of its worker processes are alive now."""
        with self._lock:
            return sum(worker.process.is_alive() for worker in self._all)

    def problem(self) -> str | None:
        """Why the pool cannot serve now (no live worker), or None."""
        return None if self._closed or self.processes() else "no query worker is alive"

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


#: how many query texts an external store's pool remembers the engine read
READ_KEPT = 4096
#: the longest the engine's reading of a new text may take, in seconds, within the query's
#: time limit. The reading makes every row the query builds from no data (a doubling CONCAT
#: chain ended Virtuoso: stranger 108); a query that builds millions so (three VALUES of 1,000
#: values) held its slot for the whole time limit before Virtuoso was asked, and three such
#: clients kept light queries waiting 19 s (stranger 109, I). A reading of the service's own
#: queries, or a researcher's, takes milliseconds.
READING_SECONDS = 5.0
#: what a query whose reading took longer is told (``READING_SECONDS``)
NOT_READ = (
    "the query was not read within {seconds:g} s: this service first reads a query by making "
    "the rows it builds from no data (VALUES, BIND), and this one builds too many of them"
)
#: the longest text an external store's pool rewrites in the server's process: the texts the
#: scanner remembers across requests (a few milliseconds, then remembered); a longer one is
#: rewritten in the slot's worker, within the query's time limit (stranger 107: the rewrites
#: of a 1 MB text took 10 to 13 s of the server's processor, past the time limit, in a slot)
REWRITTEN_HERE = REMEMBERED_CHARS


def _rewriting(reader: KeptWorker, deadline: float) -> Rewriting:
    """How a query's text is rewritten for an external store: in this process when it is
    short, else in ``reader`` within what is left of the query's time (``deadline``)."""

    def rewrite(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        if len(args[0]) <= REWRITTEN_HERE:
            return function(*args)
        return reader.call(function, args, max(0.0, deadline - time.monotonic()))

    return rewrite


class RemotePool:
    """Queries answered by an external store, at most ``workers`` at once, each given at most
    ``timeout`` seconds (the same ``run`` as ``QueryPool``)."""

    #: its answers are in the server's memory as they come: none is written to a file
    spools: ClassVar[bool] = False

    def __init__(
        self,
        location: SparqlLocation,
        base: str,
        workers: int = 2,
        long_after: float = 0,
        limits: Limits = NO_LIMITS,
        room: Room | None = None,
        reading_seconds: float = READING_SECONDS,
    ) -> None:
        """``long_after`` is not used: the external store schedules and bounds its own
        queries; ``limits``: those of the worker that reads each new query first
        (``_standard``), within ``reading_seconds``. ``room``: as ``QueryPool``'s."""
        self._location, self._base = location, base
        self._room = room
        self._reading_seconds = reading_seconds
        reading = replace(limits, network=False)
        #: a worker of its own for each slot, kept from one reading to the next (``_standard``)
        self._readers: queue.SimpleQueue[KeptWorker] = queue.SimpleQueue()
        for _ in range(max(1, workers)):
            self._readers.put(KeptWorker(reading))
        #: digests of the texts the engine read (the last ``READ_KEPT``): not read again
        self._read: OrderedDict[bytes, None] = OrderedDict()
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._lock = threading.Lock()
        self._closed = False
        self._published: tuple[int, Published] = (0, Published([], []))

    def _current(self, timeout: float) -> tuple[int, SparqlStore, Published]:
        """The store, its generation and its published graphs (asked again when it moves)."""
        store = self._location.client(timeout)
        generation = store.generation(self._location.state_seconds)
        if generation == 0:
            raise QueryError(503, f"{self._location.describe()}: nothing has been published yet")
        with self._lock:
            known, published = self._published
        if known != generation:
            # the merge the last commit kept as default graph (``triplestore.merge``)
            published = Published.of(store, self._base)
            with self._lock:
                self._published = (generation, published)
        return generation, store, published

    def run(
        self,
        request: QueryRequest | GraphRequest,
        timeout: float,
        patient: bool = False,
        gone: Callable[[], bool] | None = None,
    ) -> QueryResult:
        """``gone`` is not used: the external store runs the query to its own time limit (an
        HTTP client cannot take back a request it sent)."""
        with entered(self._room):
            return self._run(request, timeout)

    def _standard(
        self, request: QueryRequest | GraphRequest, reader: KeptWorker, timeout: float
    ) -> None:
        """QueryError (400) unless the engine's parser reads the query: the external store is
        sent standard SPARQL only, read first in ``reader``, the worker without network its
        slot keeps (``execution.parse_error``; a text read once is not read again). A new
        text cost a process start, about 20 ms, when each reading had a worker of its own."""
        if not isinstance(request, QueryRequest):
            return
        key = hashlib.sha256(f"{request.base_iri}\0{request.sparql}".encode()).digest()
        with self._lock:
            if key in self._read:
                self._read.move_to_end(key)
                return
        said = reader.call(
            parse_error, (request.sparql, request.base_iri, False, request.peers), timeout
        )
        if said is not None:
            raise QueryError(400, said.told(request.sparql))
        with self._lock:
            self._read[key] = None
            while len(self._read) > READ_KEPT:
                self._read.popitem(last=False)

    def _run(self, request: QueryRequest | GraphRequest, timeout: float) -> QueryResult:
        if not self._slots.acquire(timeout=timeout):
            raise QueryError(503, f"every query slot stayed busy for {timeout:g} s; try again")
        reader = self._readers.get()  # one per slot, and this request holds a slot
        deadline = time.monotonic() + timeout
        reading = min(timeout, self._reading_seconds)
        read = False
        try:
            # in its slot: its reading may cost what a query costs (an ASK is answered on the
            # empty store it is read with), and ran beside the slots (stranger 106: 8 workers)
            self._standard(request, reader, reading)
            read = True
            # the store has what is left of the query's time (it had the whole time again
            # after the reading, and a slot was held for twice it, stranger 108)
            left = round(deadline - time.monotonic(), 1)
            if left <= 0:
                raise QueryError(TIME_LIMIT, f"the query was not read within {timeout:g} s")
            generation, store, published = self._current(left)
            store.rewriting = _rewriting(reader, deadline)
            return HANDLERS[type(request)](store, published, request, generation)
        except WorkerTimedOut:  # its reading or its rewriting, in ``reader``
            said = (
                NOT_READ.format(seconds=reading)
                if not read and reading < timeout
                else f"the query was not read within {timeout:g} s"
            )
            raise QueryError(TIME_LIMIT, said) from None
        except WorkerCrashed as crashed:  # the engine's words, when it panicked
            said = (
                f"{EXHAUSTED}{crashed}" if crashed.fault is None else engine_failed(crashed.fault)
            )
            raise QueryError(400, said) from None
        except NoWorkers as problem:
            raise QueryError(503, str(problem)) from None
        except StoreUnavailable as error:
            raise QueryError(503, str(error)) from None
        except RemoteStoreError as error:
            raise QueryError(error.status, str(error)) from None
        except LoadError as error:
            raise QueryError(400, f"the query cannot be evaluated: {error}") from None
        except SyntaxError as error:  # read as its results are written (``write_solutions``)
            raise QueryError(UNREADABLE, str(unreadable_answer(error))) from None
        finally:
            self._readers.put(reader)
            self._slots.release()
            if self._closed:  # closed while it ran: ``close`` did not find its reader to stop
                self.close()

    def problem(self) -> str | None:
        """None: the external store's own state is what /health reports."""
        return None

    def close(self) -> None:
        """Stop the reading workers (the store's connections are not kept)."""
        self._closed = True
        with contextlib.suppress(queue.Empty):
            while True:
                self._readers.get_nowait().stop()


#: store backend -> the pool that answers its queries
POOLS: dict[type, type] = {OxigraphLocation: QueryPool, SparqlLocation: RemotePool}


def make_pool(
    location: StoreLocation,
    base: str,
    workers: int,
    long_after: float = 0,
    limits: Limits = NO_LIMITS,
    room: Room | None = None,
) -> QueryPool | RemotePool:
    """The query pool for the store at ``location`` (``long_after``, ``limits``, ``room``: see
    ``QueryPool``)."""
    return POOLS[type(location)](location, base, workers, long_after, limits, room)
