"""Writes applied in a confined worker (``triplestore.versions.write_confined``): a SPARQL
Update and a Graph Store write each open the primary database, change it and publish it (the
merge, the cube, the links) in a worker process of their own, never in the server's. Done in
the server's threads, each write left its memory in the thread's allocator arena: about 35 MB
more per write, never given back (stranger 59: 53 MB to 330 MB after eight one-triple PUTs).
Here: the worker's limits, and what its failure tells the client."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Any, TypeVar

from flask import current_app

from core.workers import Limits, WorkerCrashed, WorkerFailed, WorkerTimedOut, run_confined
from endpoint.execution import (
    TIME_LIMIT,
    clients_status,
    engine_failed,
    update_read_again,
    worker_limits,
)
from endpoint.published import WARM_UP, WarmUp, store_location, writes_under_way
from triplestore.backends import StoreLocation
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.backends.sparql import RemoteStoreError
from triplestore.versions import (
    PUBLISHING_TIME,
    Left,
    Unchanged,
    left_by,
    write_confined,
    writes_held,
)

T = TypeVar("T")


def write_limits(location: StoreLocation, settings: Mapping[str, Any]) -> Limits:
    """The write worker's limits: the query workers' memory cap while it reads and applies the
    change (an update's text is untrusted), ``write_memory`` once the change is committed, to
    publish it (the merge, the cube, the links: they grow with the store; under the query cap
    no write could be published at 20,000 spaces, stranger 60); the network only when an
    external store must be reached, or SERVICE peers are set."""
    limits = worker_limits(settings)
    return replace(
        limits,
        network=limits.network or not isinstance(location, OxigraphLocation),
        then_memory=settings["write_memory"] * 2**20,
    )


def write_failure(
    problem: WorkerFailed, timeout: float, what: str, limit: str = "query_timeout"
) -> tuple[int, str]:
    """The status and message of a write (``what``: "update", "write") whose worker failed
    (``timeout`` seconds: the setting ``limit``):
    before its change was committed nothing changed (400 for a worker it exhausted,
    ``TIME_LIMIT`` for one stopped at its time limit: asked again, it would be stopped again);
    after, the change is in the store but not published yet (503: the next write, or the
    server's next start, publishes it)."""
    if problem.passed:
        return 503, (
            f"the {what} was applied, but publishing it failed ({problem}): it will be "
            "published with the next write or when the server starts again"
        )
    if isinstance(problem, StoreMayGoOn):
        return TIME_LIMIT, (
            f"the {what} was stopped after {timeout:g} s ({limit}) while the triple store "
            f"worked on it: {MAY_GO_ON}"
        )
    if isinstance(problem, WorkerTimedOut):
        return (
            TIME_LIMIT,
            f"the {what} was stopped after {timeout:g} s ({limit}); nothing was changed",
        )
    if isinstance(problem, WorkerCrashed) and problem.fault is not None:
        return 400, f"{engine_failed(problem.fault, what)} Nothing was changed."
    return 400, f"the {what} exhausted its worker: {problem}; nothing was changed"


#: what a write the external store may still apply is said to be (``StoreMayGoOn``)
MAY_GO_ON = (
    "the store may still apply it, and readers may see what it saves before the next write "
    "is published; look before sending it again"
)


#: what a client is told of an update of several operations an external store refused one of
PARTLY_APPLIED = (
    "the store applies an update's operations one at a time and keeps those it did before "
    "one it refuses: the operations before the refused one may have been applied. They are "
    "not published now (readers see the data as it was); the next write publishes them with "
    "its own: look before sending it again"
)


def remote_failure(problem: RemoteStoreError, what: str, operations: int = 1) -> tuple[int, str]:
    """The status and message of a write (``what``; an update of ``operations`` operations)
    the external store refused or did not answer in time: nothing was changed, unless this
    service stopped waiting while the store worked on it (``unfinished``), or the update had
    several operations (Virtuoso kept an ``INSERT DATA`` whose update it refused at a later
    ``DROP GRAPH``, and it was said "nothing was changed", stranger 107)."""
    status = clients_status(problem.status)
    if problem.unfinished:
        return status, f"{problem}: the {what} was sent, and {MAY_GO_ON}"
    if operations > 1:
        return status, f"{problem}; {PARTLY_APPLIED}"
    return status, f"{problem}; nothing was changed"


class StoreMayGoOn(WorkerTimedOut):
    """A write stopped at its time limit while an external store worked on what it was sent:
    the store goes on with a request whose sender is gone, so it may still apply it
    (``MAY_GO_ON``). It was said "nothing was changed" (a Virtuoso update answered past the
    limit was saved)."""


class SettledWrite(Exception):  # noqa: N818  (what happened: ``settled_answer`` says it)
    """A write stopped at its time limit before it said its change was committed, which may
    be (``Left``, ``left``), and published since as ``generation`` (``write_in_worker``)."""

    def __init__(self, failed: WorkerTimedOut, left: Left, generation: int) -> None:
        super().__init__(str(failed))
        self.failed, self.left, self.generation = failed, left, generation


def write_in_worker(
    change: Callable[..., T],
    args: tuple[Any, ...],
    publication: bool = False,
    graphs: Sequence[str] | None = None,
) -> tuple[T, int]:
    """``change(store, *args)`` on the app's store and its publication, in a write worker of
    its own (``write_limits``, bound by ``query_timeout`` until the change is committed); what
    it returned and the new generation. ``publication``: a partner's (``publication_in_worker``).
    Raises what ``write_confined`` raises, or SettledWrite for a worker stopped at its time
    limit once its change was begun (the embedded store's mark: its commit may be done, its
    word of it not), whose store was then looked at and published at once (``settle``): it
    said "nothing was changed", and the change showed at the next write (stranger 94).
    ``graphs``: those the change writes ("" for the default graph; None: it may write any, as
    a SPARQL Update)."""
    settings, location = current_app.config["COWORKMED"], store_location()
    limits, timeout = write_limits(location, settings), settings["query_timeout"]
    if publication:  # its change reads no untrusted text
        limits = replace(limits, memory=limits.then_memory)
        timeout = settings["validation_timeout"]
    # a change committed and not published before this write would be taken for its own
    before = location.pending()
    with write_turn(), readers_told(), writes_under_way().under_way():
        try:
            return write_confined(location, change, args, settings["base"], limits, timeout)
        except WorkerTimedOut as failed:  # a kill may land after the commit (a crash does not:
            # the engine crashes while it works, before it commits, and the transaction is lost)
            if failed.passed or before:
                raise
            if location.marker() is None:  # an external store: the kill does not stop it
                raise StoreMayGoOn(str(failed)) from None
            if not location.pending():
                raise
            left, generation = settle(location, graphs, limits)
            raise SettledWrite(failed, left, generation) from None


def update_read(text: str, base_iri: str) -> tuple[int, str] | None:
    """The status and words of a refusal of the update ``text``, or None: read in a worker of
    its own, without network, before the update takes its turn to write
    (``execution.update_read_again``: by the engine for an external store, which is sent the
    text as it is, and by a second parser for every store). The second reading took 35 s for a
    924 KB update, and held every other write meanwhile when it ran in the write's own worker
    (stranger 114)."""
    settings = current_app.config["COWORKMED"]
    limits = replace(worker_limits(settings), network=False)
    work = (
        text,
        base_iri,
        settings["base"],
        tuple(settings["service_peers"].split()),
        store_location().marker() is None,
    )
    return run_confined(update_read_again, work, limits, settings["query_timeout"])


def write_turn() -> AbstractContextManager[None]:
    """This app's turn to write: no other write of this process meanwhile, waited for
    ``store_lock_wait`` seconds at most (``triplestore.versions.writes_held``; WritesAhead, a
    StoreBusy, after that). Re-entrant: a route that weighs a request's conditions holds it
    around them and the write (``write_in_worker`` takes it again)."""
    return writes_held(current_app.config["COWORKMED"]["store_lock_wait"])


def settle(
    location: StoreLocation, graphs: Sequence[str] | None, limits: Limits
) -> tuple[Left, int]:
    """What a stopped write left in the store (``triplestore.versions.left_by``), published at
    once, in a worker of its own with the memory and the time of a publication (it reads the
    store, no client's text); when it left nothing, readers keep their generation."""
    memory = replace(limits, memory=limits.then_memory)
    base = current_app.config["COWORKMED"]["base"]
    work = (location, graphs, base)
    try:
        return write_confined(location, left_by, work, base, memory, PUBLISHING_TIME)
    except Unchanged:
        return Left(False), location.generation()


def settled_answer(settled: SettledWrite, what: str) -> tuple[int, str]:
    """The status and message of a write ``settled``: 200 when its change is in the store (it
    was committed past the time limit; 201 when it made a graph), else ``TIME_LIMIT``, saying
    nothing was changed."""
    limit = current_app.config["COWORKMED"]["query_timeout"]
    left, generation = settled.left, settled.generation
    if left.applied:
        return 201 if left.created else 200, (
            f"the {what} was applied: it was saved as its time limit ({limit:g} s, "
            f"query_timeout) passed, and it is published (generation {generation})"
        )
    return write_failure(settled.failed, limit, what)


def publication_in_worker(change: Callable[..., T], args: tuple[Any, ...]) -> tuple[T, int]:
    """``write_in_worker`` for a partner's publication (``publishing.publish.Writer``): its
    change reads no untrusted text (the file was read and validated in a worker of its own),
    so it has the publication's memory cap (``write_memory``) from the start, and
    ``validation_timeout`` seconds, as the validation had. Run in the server's threads, each
    publication left about 40 MB in the server process, never given back (stranger 63: 471 to
    830 MB over 16 publications of 8 records)."""
    return write_in_worker(change, args, publication=True)


def readers_told() -> AbstractContextManager[None]:
    """Around a write of the server: its readers get the answers before from the moment it
    starts (the new generation shows at its end, before its answer is sent), and the warm-up
    runs as soon as it has made one (``WarmUp.writing``). Started once the write had
    answered, the warm-up left a moment when the readers of the new generation each worked
    its answers out (stranger 63's readers, at 15,000 spaces: 60 to 72 s)."""
    warm_up: WarmUp | None = current_app.extensions.get(WARM_UP)
    return nullcontext() if warm_up is None else warm_up.writing()
