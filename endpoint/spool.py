"""Where the server keeps an uploaded file while a worker validates or publishes it.

A partner's file may hold personal data (names, e-mail addresses, telephone numbers): it is
kept no longer than its request. Each server keeps its uploads in a private folder of its own,
named after its process (``coworkmed-uploads-<pid>-…``), removed when it stops, even when it
is asked twice to stop at once (``remove_uploads``). A server killed outright (SIGKILL, the
machine's memory killer) removes nothing: the next server to start removes the folders of
servers that are no longer running (``sweep_uploads``). Before, each upload had a folder of
its own in the temporary folder, and a killed server left the partner's file there (17 of 17
kills: stranger 52)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.workers import alive

#: how the folder of a server's uploads is named: the prefix, the server's pid, a dash
PREFIX = "coworkmed-uploads-"
#: how earlier versions named the folder of one upload (no server's pid to tell)
EARLIER = "coworkmed-upload-"
#: how long an earlier version's upload folder is left alone, in seconds: the longest an
#: upload's request may take
EARLIER_KEPT = 3_600

_LOCK = threading.Lock()
_FOLDER: list[Path] = []  # this process's folder, once made


def uploads_folder() -> Path:
    """This process's private folder of uploads (made at the first upload; removed at exit)."""
    with _LOCK:
        if not _FOLDER or not _FOLDER[0].is_dir():
            if not _FOLDER:
                atexit.register(remove_uploads)
            _FOLDER[:] = [Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))]
        return _FOLDER[0]


@contextmanager
def spooled(suffix: str) -> Iterator[Path]:
    """A new file name, ending ``suffix``, in this process's uploads folder; the file and its
    folder are removed when done."""
    with tempfile.TemporaryDirectory(prefix="upload-", dir=uploads_folder()) as folder:
        yield Path(folder) / f"submission{suffix}"


def remove_uploads() -> None:
    """Remove this process's uploads folder and what is in it (at exit, or at a forced stop:
    a request still reading its file gets an error, not the partner's data left behind)."""
    with _LOCK:
        for folder in _FOLDER:
            shutil.rmtree(folder, ignore_errors=True)


def _server_of(folder: Path) -> int | None:
    """The pid of the server that made ``folder`` (``PREFIX``), None when the name has none."""
    number = folder.name.removeprefix(PREFIX).split("-", 1)[0]
    return int(number) if number.isdigit() else None


def _left_behind(folder: Path, now: float) -> bool:
    """Whether ``folder`` holds the uploads of a server that is no longer running."""
    if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
        return False
    if folder.name.startswith(PREFIX):
        server = _server_of(folder)
        return server is not None and server != os.getpid() and not alive(server)
    return now - folder.stat().st_mtime > EARLIER_KEPT


def sweep_uploads(temporary: Path | None = None) -> list[Path]:
    """Remove the uploads folders, in ``temporary`` (the temporary folder), of servers that
    are no longer running (and of earlier versions, left an hour): those removed."""
    place = temporary or Path(tempfile.gettempdir())
    now = time.time()
    removed = []
    for folder in sorted([*place.glob(f"{PREFIX}*"), *place.glob(f"{EARLIER}*")]):
        if _left_behind(folder, now):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
