"""Where the server keeps files it must write for a request: an uploaded file while a worker
validates or publishes it, a large SPARQL answer while it is sent (``endpoint.streaming``).

A partner's file may hold personal data (names, e-mail addresses, telephone numbers), and an
answer may be large: each is kept no longer than its request. Each server keeps them in a
private folder of its own (``coworkmed-server-<pid>-…``), which it holds locked while it runs
and removes when it stops, even when it is asked twice to stop at once (``remove_spool``). A
server killed outright (SIGKILL, the machine's memory killer) removes nothing: the next server
to start removes the folders no running server holds (``sweep_spools``). The lock, not the pid
in the name, tells a running server: a pid means nothing in another pid namespace (a server
that is process 1 of its container; stranger 53 saw a live server's upload removed by a server
outside its namespace, and a container's server never sweep its predecessor's). Before, each
upload had a folder of its own in the temporary folder and a killed server left the partner's
file there (17 of 17 kills: stranger 52), and a query worker killed while writing a large
answer (its client hung up) left the answer there for good (5 of 5: stranger 53)."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: how the folder of a server's files is named: the prefix, the server's pid (for people), a dash
PREFIX = "coworkmed-server-"
#: how the folder of a server's fork server socket is named (``workers_folder``): as short as
#: multiprocessing's own ``pymp-`` folder, as a socket's path is short (``core.workers``)
WORKERS = "cwmw-"
#: how earlier versions named such folders (one per upload, or one per server by pid)
EARLIER = ("coworkmed-upload-", "coworkmed-uploads-")
#: how long an earlier version's folder is left alone, in seconds: the longest an upload's
#: request may take
EARLIER_KEPT = 3_600

_LOCK = threading.Lock()
_HELD: list[tuple[Path, int]] = []  # this process's folder, once made, and its locked descriptor
_SOCKETS: list[tuple[Path, int]] = []  # its fork server's folder, once made, the same way
_REGISTERED: list[bool] = []  # whether remove_spool runs at exit (registered once)


def _locked(folder: Path) -> int:
    """A descriptor of ``folder`` holding its exclusive lock (BlockingIOError: another holds
    it). The system lets the lock go when every process holding it has ended, however."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise
    return handle


def _made(prefix: str) -> tuple[Path, int]:
    """A new private folder named ``prefix…``, locked, and removed at exit (``remove_spool``,
    registered once however many folders are made: called with ``_LOCK`` held)."""
    if not _REGISTERED:
        atexit.register(remove_spool)
        _REGISTERED.append(True)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    return folder, _locked(folder)


def spool_folder() -> Path:
    """This process's private folder (made at the first use, locked while the process runs,
    removed at exit)."""
    with _LOCK:
        if not _HELD or not _HELD[0][0].is_dir():
            for _old, handle in _HELD:
                os.close(handle)
            _HELD[:] = [_made(f"{PREFIX}{os.getpid()}-")]
        return _HELD[0][0]


def workers_folder() -> Path:
    """A private folder for this process's fork server (its socket: ``core.workers``), locked
    while the process runs, removed at exit, and swept by the next server when the process was
    killed outright. multiprocessing's own (``pymp-…``) stayed in the temporary folder for good
    after every server killed so: 65 on this machine after a day of tests."""
    with _LOCK:
        if not _SOCKETS:
            _SOCKETS.append(_made(WORKERS))
        return _SOCKETS[0][0]


@contextmanager
def spooled(suffix: str) -> Iterator[Path]:
    """A new file name, ending ``suffix``, in this process's folder; the file and its own
    folder are removed when done."""
    with tempfile.TemporaryDirectory(prefix="upload-", dir=spool_folder()) as folder:
        yield Path(folder) / f"submission{suffix}"


@contextmanager
def answer_file(wanted: bool) -> Iterator[str | None]:
    """Where a query worker may write a large answer (None when not ``wanted``): a name in
    this process's folder, removed when the request fails (the worker was stopped while it
    wrote: its client hung up, its time was up, the server stops). An answer given is
    removed by the server as soon as it opens it (``endpoint.streaming.opened``)."""
    if not wanted:
        yield None
        return
    path = str(spool_folder() / f"answer-{uuid.uuid4().hex}")
    try:
        yield path
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise


def remove_spool() -> None:
    """Remove this process's folder and what is in it (at exit, or at a forced stop: a request
    still reading its file gets an error, not the partner's data left behind)."""
    with _LOCK:
        for held in (_HELD, _SOCKETS):
            for folder, handle in held:
                shutil.rmtree(folder, ignore_errors=True)
                os.close(handle)
            held.clear()


def _left_behind(folder: Path, now: float) -> bool:
    """Whether ``folder`` is one no running server holds (an earlier version's: left an hour)."""
    if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
        return False
    if not folder.name.startswith((PREFIX, WORKERS)):
        return now - folder.stat().st_mtime > EARLIER_KEPT
    try:
        handle = _locked(folder)
    except OSError:
        return False  # held: its server runs (or it cannot be opened: not ours to remove)
    os.close(handle)
    return True


def sweep_spools(temporary: Path | None = None) -> list[Path]:
    """Remove the folders, in ``temporary`` (the temporary folder), that servers no longer
    running left, their files' and their fork servers' (and earlier versions' upload folders,
    left an hour): those removed."""
    place = temporary or Path(tempfile.gettempdir())
    now = time.time()
    found = [*place.glob(f"{PREFIX}*"), *place.glob(f"{WORKERS}*")]
    for earlier in EARLIER:
        found += place.glob(f"{earlier}*")
    removed = []
    for folder in sorted(found):
        if _left_behind(folder, now):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
