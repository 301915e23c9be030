"""Bounds on how many of the server's threads one kind of work may hold at once.

The server answers with a fixed number of threads (``server_threads``, waitress). A request
that waits for a query worker, or for an answer another request is working out, holds its
thread while it waits; without a bound, a burst of such requests held every thread and a
health check, a file or a kept answer queued behind them (strangers 59 and 60: ``/health``
waited 13 to 51 s). A room has a number of places; a request that finds it full is refused at
once with 503 and ``Retry-After`` (``endpoint.protocol.retry_later``), never queued.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from endpoint.execution import QueryError


class Room:
    """At most ``places`` holders at once (at least one); ``entered`` refuses one more."""

    def __init__(self, places: int, full: str) -> None:
        """``full``: what a request refused is told (a 503's message)."""
        self.places = max(1, places)
        self._free = threading.BoundedSemaphore(self.places)
        self.full = full

    @contextmanager
    def entered(self, refusal: Exception | None = None) -> Iterator[None]:
        """Hold a place for the block; when none is free, raise ``refusal`` at once (by
        default QueryError 503 with the room's message)."""
        if not self._free.acquire(blocking=False):
            raise refusal if refusal is not None else QueryError(503, self.full)
        try:
            yield
        finally:
            self._free.release()


def entered(room: Room | None) -> AbstractContextManager[None]:
    """``room.entered()``, or no bound when there is no room."""
    return nullcontext() if room is None else room.entered()


#: of the server's threads, the share that may wait for, or hold, a query worker at once
#: (``query_room``), and the share that may wait for an answer another request works out
#: (``published.waiting_room``): a quarter of them is always left for everything else
QUERYING_SHARE, WAITING_SHARE = 1 / 2, 1 / 4

#: what a query refused because the query room is full is told
QUERYING_FULL = (
    "the service is answering as many queries as it takes at once ({places}); "
    "try again in a few seconds"
)


#: the app extension of the room of the uploads being validated (``validation_workers``)
VALIDATING = "coworkmed.validating"
#: what an upload refused because that room is full is told (in English; a partner reads it
#: in their language: ``validations-busy`` in validation/messages.yaml)
VALIDATING_FULL = "{places} uploads are being validated, the most at once; try again"


def validation_room(validation_workers: int) -> Room:
    """The room of the uploads being validated: ``validation_workers`` places."""
    places = max(1, validation_workers)
    return Room(places, VALIDATING_FULL.format(places=places))


def query_room(server_threads: int) -> Room:
    """The room of the requests that wait for or hold a query worker (or a query slot of an
    external store): half of the server's threads."""
    places = max(1, int(server_threads * QUERYING_SHARE))
    return Room(places, QUERYING_FULL.format(places=places))
