"""The server's dumps follow what is published: after every change, the dumps of the new store
generation are written in the background.

A ``DumpExporter`` is one thread per app. It wakes when the app publishes (``wake``: a
submission through the API), when a page that lists the dumps finds them behind, and every
``dumps_refresh`` seconds (a write through another server to an external store). A ``coworkmed
publish``, ``load`` or ``build`` run beside the server (another process, the same store
directory) replaces the store's ``current`` pointer: the exporter looks at that file's identity
(``os.stat``: inode, size and modification time) every ``WATCH`` seconds, and wakes when it
changed, so that the dumps follow within about a second, not after ``dumps_refresh``.

When the store's generation has no dumps yet, it runs
``endpoint.dumps.export`` in a worker process, never in a request; one export at a time. A
newer generation supersedes a running older one: the old export is stopped (a killed export
leaves only ``*.part`` files, which the next one removes) and the new one starts. After each
export only the dumps of the newest ``dumps_keep`` generations stay.

Until the new dumps are complete, the previous complete set stays listed and served, labelled
with its generation and day (``endpoint.dumps.served_dumps``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core.problems import LoadError
from core.workers import owned_process
from endpoint.dumps import Exported, export, served_dumps
from triplestore.backends import StoreLocation

LOG = logging.getLogger(__name__)
#: seconds between two looks at the store while an export runs (is it superseded?)
POLL = 0.2
#: seconds between two looks at the store's marker file (a publish by another process)
WATCH = 0.5


@dataclass(frozen=True)
class ExportRun:
    """One export the exporter ran: the generation, how it ended (``written``, ``unchanged``,
    ``superseded``, ``failed``) and how long it took."""

    generation: int
    outcome: str
    seconds: float


def _export_job(location: StoreLocation, base: str, folder: Path, keep: int) -> None:
    """An export in its worker process (its outcome is in the folder; its exit status says
    whether it failed)."""
    exported: Exported = export(location, base, folder, keep=keep)
    LOG.info("dumps: %s", ", ".join(dump.name for dump in exported.dumps))


class DumpExporter:
    """Keeps ``folder`` holding the dumps of the store's current generation (see the module)."""

    def __init__(
        self, location: StoreLocation, base: str, folder: Path, keep: int, every: float
    ) -> None:
        self._arguments = (location, base, folder, max(keep, 1))
        self._location = location
        self._folder = folder
        self._every = every
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._writing = 0
        self._marker = location.marker()
        self._seen = _identity(self._marker)
        self.runs: list[ExportRun] = []
        self._woken.set()  # a first look as it starts: dumps a publish left behind are written
        self._thread = threading.Thread(target=self._loop, name="dumps-exporter", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the store now (something was published, or a reader found the dumps behind)."""
        self._woken.set()

    def writing(self) -> int:
        """The generation whose dumps are being written now (0: none)."""
        with self._lock:
            return self._writing

    def close(self) -> None:
        """Stop the thread (a running export is stopped with it)."""
        self._stopped.set()
        self._woken.set()
        self._thread.join(timeout=10)

    def _generation(self) -> int:
        try:
            return self._location.generation()
        except LoadError as problem:
            LOG.warning("dumps: the store cannot be read (%s)", problem)
            return 0

    def _behind(self) -> int:
        """The store's generation when its dumps are not written yet, else 0."""
        generation = self._generation()
        if not generation:
            return 0
        if served_dumps(self._folder, generation, self._location.identity()).current:
            return 0
        return generation

    def _wait(self) -> None:
        """Until woken, the marker file changes (a publish by another process), or ``every``
        seconds have passed (for ever when it is 0)."""
        deadline = time.monotonic() + self._every if self._every > 0 else None
        while not self._woken.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return
            step = left if self._marker is None else min(WATCH, left or WATCH)
            if self._woken.wait(step):
                return
            if self._marker is not None and _identity(self._marker) != self._seen:
                return

    def _nudged(self) -> bool:
        """Whether something may have been published since the last look: woken, or the marker
        file changed."""
        return self._woken.is_set() or (
            self._marker is not None and _identity(self._marker) != self._seen
        )

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wait()
            self._woken.clear()
            self._seen = _identity(self._marker)
            try:
                while not self._stopped.is_set() and (generation := self._behind()):
                    if not self._export(generation):
                        break  # failed: tried again at the next wake or look
            except Exception:  # the dumps folder unreadable, no process to be had: not the end
                LOG.exception("dumps: the look at the store failed; tried again at the next")

    def _export(self, generation: int) -> bool:
        """Export ``generation`` in a worker process; False when it failed."""
        started = time.monotonic()
        process = owned_process(_export_job, self._arguments, f"export-g{generation}")
        with self._lock:
            self._writing = generation
        process.start()
        outcome = ""
        while process.is_alive() and not outcome:
            process.join(POLL)
            if self._stopped.is_set():
                outcome = "stopped"
            elif self._nudged() and self._generation() > generation:
                outcome = "superseded"  # a newer generation: its export replaces this one
        if outcome:
            process.kill()
        process.join()
        if not outcome:
            outcome = "written" if process.exitcode == 0 else "failed"
        seconds = time.monotonic() - started
        with self._lock:
            self._writing = 0
            self.runs.append(ExportRun(generation, outcome, seconds))
        log = LOG.warning if outcome == "failed" else LOG.info
        log("dumps of generation %d: %s after %.1f s", generation, outcome, seconds)
        return outcome != "failed"


def _identity(marker: Path | None) -> tuple[int, ...]:
    """What tells a file replaced or rewritten apart (inode, size, modification time in ns);
    () when there is none or it cannot be read (the store is not published yet)."""
    if marker is None:
        return ()
    try:
        found = os.stat(marker)
    except OSError:
        return ()
    return (found.st_ino, found.st_size, found.st_mtime_ns)
