"""SHACL validation of a submission: the bulk engine, and pyshacl in workers when needed.

Every property shape the engine of ``validation.engine`` can run (all the project's shapes but
those with a constraint it does not know) is checked in the calling process over the whole
graph in Oxigraph, with the SPARQL-based constraints (``validation.shapes``): in bulk, far faster
than pyshacl node by node. pyshacl (``validation.pyshacl_run``) runs only the shapes left to it,
and only when one of them has a focus node in the submission: then the triples are split by
record (a space, its address, geometry, offers, operator and source record stay together;
shared resources such as networks go to every part) and each part is validated in a pool of
worker processes. ``Pipeline`` sends each chunk of records to a worker as soon as the loaders
have produced it and a shape left to pyshacl applies, so that reading and validating overlap
(``validation.submission``); ``validate`` does the same for a finished graph. Below
``PARALLEL_FROM`` triples, or with one worker (as in the server's confined workers,
``validation.confined``), it all runs in the calling process.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import re
import threading
import zlib
from collections.abc import Iterable

import pyoxigraph as ox

from core.workers import die_with_parent, preload, watch_owner, worker_context
from validation import engine
from validation.pyshacl_run import shapes_for_worker, validate_part
from validation.shapes import Result, run_sparql_checks

preload("validation.pipeline")

#: below this many triples a submission is validated in the calling process
PARALLEL_FROM = 20_000

RECORD_SUBJECT = re.compile(rb"^<[^>]*/(?:space|operator|record)/[^/>]+/([^/>]+)")


def partition(ntriples: bytes, parts: int) -> list[bytes]:
    """Split N-Triples lines by record (the key in space/S/K..., operator/S/K, record/S/K);
    lines about anything else (networks, the dataset) go to every part."""
    buckets: list[list[bytes]] = [[] for _ in range(parts)]
    for line in ntriples.splitlines():
        if not line.strip():
            continue
        match = RECORD_SUBJECT.match(line)
        if match:
            buckets[zlib.crc32(match.group(1)) % parts].append(line)
        else:
            for bucket in buckets:
                bucket.append(line)
    return [b"\n".join(bucket) + b"\n" for bucket in buckets]


_POOLS: dict[int, concurrent.futures.ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """Worker processes, started once (forkserver: safe from a threaded server, quick to fork)."""
    with _POOLS_LOCK:
        return _start_pool(workers)


#: validation workers yield the processors to queries and pages: an upload may take a second
#: longer under load, a reader should not
WORKER_NICENESS = 5


def _start_worker() -> None:
    """A worker's start: end it when the process that started the pool is gone (a process
    killed with SIGKILL shuts nothing down, and a worker's parent is the fork server, which
    may outlive it), then load the shapes."""
    if not die_with_parent():
        os._exit(0)
    watch_owner()
    os.nice(WORKER_NICENESS)
    shapes_for_worker()


def _start_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    if workers not in _POOLS:
        context = worker_context()
        _POOLS[workers] = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
        )
        atexit.register(close_pools)
    return _POOLS[workers]


def close_pools() -> None:
    """Stop the worker processes (commands and tests call it when done; also at exit)."""
    with _POOLS_LOCK:
        while _POOLS:
            _POOLS.popitem()[1].shutdown(cancel_futures=True)


#: triples per chunk of records sent to a worker while the rest of the file is transformed
CHUNK_TRIPLES = 20_000


class Pipeline:
    """Validates a submission's graph while the loaders are still producing it: each chunk of
    whole records goes to a worker process as soon as it is ready, so that transforming and
    validating overlap. A submission that fits in one chunk is validated in the calling process
    (no process to wait for)."""

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.waiting: list[bytes] = []
        self.running: list[concurrent.futures.Future[list[Result]]] = []
        #: whether a shape left to pyshacl has a focus node in what came so far
        self.pyshacl = False

    def add(self, chunk: bytes) -> None:
        self.waiting.append(chunk)
        if not self.pyshacl:
            self.pyshacl = engine.may_need_pyshacl(chunk)
        if self.pyshacl and self.workers > 1 and (self.running or len(self.waiting) > 1):
            executor = pool(self.workers)
            self.running += [executor.submit(validate_part, part) for part in self.waiting]
            self.waiting = []

    def results(self, store: ox.Store) -> list[Result]:
        """Every SHACL result; ``store`` holds the whole graph (for the bulk checks)."""
        found = run_sparql_checks(store) + engine.run(store)
        if not engine.needs_pyshacl(store):
            self.cancel()
            return found
        if not self.running:
            return found + in_order(validate_part(b"".join(self.waiting)))
        parts = [future.result() for future in self.running]
        return found + in_order(result for part in parts for result in part)

    def cancel(self) -> None:
        for future in self.running:
            future.cancel()


def in_order(results: Iterable[Result]) -> list[Result]:
    """pyshacl's results, each once, in one order whatever the parts the graph was validated
    in (pyshacl's own order follows its graph's)."""
    unique = dict.fromkeys(results)
    return sorted(
        unique, key=lambda r: (r.focus, r.path or "", r.shape, r.value or "", r.severity, r.detail)
    )


def validate(ntriples: bytes, store: ox.Store, workers: int = 2) -> list[Result]:
    """Every SHACL result for a submission: ``ntriples`` is its graph, ``store`` the same graph
    loaded in pyoxigraph (for the SPARQL-based constraints)."""
    results = run_sparql_checks(store) + engine.run(store)
    if not engine.needs_pyshacl(store):
        return results
    if workers <= 1 or ntriples.count(b"\n") < PARALLEL_FROM:
        return results + in_order(validate_part(ntriples))
    parts = partition(ntriples, workers)
    found: Iterable[list[Result]] = pool(workers).map(validate_part, parts)
    return results + in_order(result for part in found for result in part)
