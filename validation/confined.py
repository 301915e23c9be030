"""Validating an upload where a crash costs nothing: in a fresh confined worker process.

The whole job runs there: reading the file (the workbook reader, the CSV and JSON parsers),
mapping it to RDF, SHACL and the checks across records. The worker (``core.workers``) has
no network and a memory cap (``validation_memory``), and is stopped at ``validation_timeout``.
It validates in one process (no pool of its own: a daemon process may not start
multiprocessing children, and measured on the shared 2-core machine, parts validated in forks
of it were slower than in-process); it starts warm, the fork server having built what every
validation reads (``validation.preload``). The caps of ``loaders.caps`` are set in it too.

What the server process does itself is only what reads its own trusted data: the mapping
file, and the places already published (layer 4), handed to the worker as values. When
publishing, the worker returns the report with the submission's graph (N-Triples written by
the loaders, its size bounded by the caps) and the server writes it: the store, its lock and
its snapshots belong to the server process, and an external store would otherwise need a
worker with network.

A worker that dies (a crash, the kernel's OOM killer, the memory cap) or runs out of time
gives an unreadable report that says so in the partner's language; the next upload gets a new
worker, so nothing needs healing.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import isolation_required
from core.translations import language
from core.workers import Limits, WorkerFailed, preload, run_confined
from linking.places import Place
from loaders.caps import TableCaps, table_caps
from loaders.guards import unpacked_limit
from loaders.mapping import Mapping
from validation.columns import mapping_name
from validation.findings import Finding, Report, hide_paths
from validation.messages import problem_message
from validation.pipeline import WORKER_NICENESS
from validation.submission import validate_submission

#: the caches of a validation, so that each upload's worker starts warm
preload("validation.preload")

MEGABYTE = 1 << 20


@dataclass(frozen=True)
class Confinement:
    """What one validation worker may use, and the caps of what it may read."""

    memory_mb: int
    timeout: float
    caps: TableCaps
    max_unpacked: int
    #: a worker that cannot be cut from the network does not run (``worker_isolation``)
    must_cut: bool = False

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> Confinement:
        """From resolved settings (``core.settings.settings``)."""
        return cls(
            values["validation_memory"],
            values["validation_timeout"],
            TableCaps.from_settings(values),
            values["max_unpacked"],
            isolation_required(values),
        )

    @property
    def limits(self) -> Limits:
        return Limits(memory=self.memory_mb * MEGABYTE, must_cut=self.must_cut)


@dataclass(frozen=True)
class Job:
    """One validation, as the worker receives it."""

    path: Path
    lang: str
    base: str
    max_bytes: int
    mapping: Mapping
    published: list[Place]
    shown: str  # the file's name as the partner knows it


def _validate_in_worker(job: Job, confinement: Confinement) -> Report:
    """The worker's side: every step of the validation, under the caps, at a lower processor
    priority than the server's readers."""
    os.nice(WORKER_NICENESS)
    with table_caps(confinement.caps), unpacked_limit(confinement.max_unpacked):
        report = validate_submission(
            job.path,
            lang=job.lang,
            base=job.base,
            max_bytes=job.max_bytes,
            workers=1,
            mapping=job.mapping,
            published=job.published,
        )
    return hide_paths(report, Path(job.path.name), job.shown)


def failed_report(job: Job, confinement: Confinement, error: WorkerFailed) -> Report:
    """The report of an upload whose worker gave no answer: unreadable, in the partner's
    language, with how the worker ended as the detail."""
    lang = language(job.lang)
    values = {"memory": confinement.memory_mb, "seconds": f"{confinement.timeout:g}"}
    message = problem_message("worker-limits", lang, **values) or str(error)
    finding = Finding("file", "worker-limits", "error", message, detail=f"the worker: {error}")
    report = Report(str(job.path), mapping_name(job.mapping), lang)
    report.readable, report.findings = False, [finding]
    return report


def validate_confined(job: Job, confinement: Confinement) -> Report:
    """Validate ``job`` in a fresh confined worker; its report, or the report that says the
    file could not be read within the limits."""
    try:
        report = run_confined(
            _validate_in_worker, (job, confinement), confinement.limits, confinement.timeout
        )
    except WorkerFailed as error:
        return failed_report(job, confinement, error)
    return dataclasses.replace(report, file=str(job.path))


def _answer() -> bool:
    return True


#: seconds a worker that answered vouches for the next health checks
READY_SECONDS = 10.0
_last_ready: list[float] = []


def validation_ready(timeout: float = 10.0) -> tuple[bool, str]:
    """Whether a confined validation worker can be started and answer (for ``/health``), and
    if not, why; a success is trusted for ``READY_SECONDS``, a failure never."""
    if _last_ready and time.monotonic() - _last_ready[-1] < READY_SECONDS:
        return True, "ok"
    try:
        run_confined(_answer, (), Limits(), timeout)
    except Exception as error:  # whatever stops a worker from starting: the fork server, fds
        _last_ready.clear()
        return False, f"{type(error).__name__}: {error}"
    _last_ready[:] = [time.monotonic()]
    return True, "ok"
