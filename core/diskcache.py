"""Data derived from large packaged tables, kept on disk between runs of the command line.

Some indexes take seconds to build and never change between runs (the GeoNames town index:
a 30 MB JSON file read, 120,000 names folded): a cold ``coworkmed validate`` of a 15-row file
would spend most of its time there. ``RememberedTable`` builds such a table once into an SQLite
file in the user's cache directory (``$XDG_CACHE_HOME/coworkmed``, else ``~/.cache/coworkmed``)
and reads it a few rows at a time, under a key that names everything it was built from, so that
a new version of a table or of the code that builds it builds it again. A cache that cannot be
read or written is built in memory; the rows are the same either way. (Earlier versions kept
whole values in ``marshal`` files; entries of that name and form are forgotten like the rest.)
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coworkmed"


def fingerprint(*parts: str | bytes | Path) -> bytes:
    """A key for ``RememberedTable``: each part as given, a file by its contents."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(part.read_bytes())
        else:
            digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.digest()


#: an entry of another key unused for this long is removed when a new one is written: each is
#: megabytes, and an older table or code rarely comes back; two checkouts of different code on
#: one machine each keep theirs while both are in use
FORGET_AFTER_SECONDS = 7 * 24 * 3600


def _used(path: Path) -> None:
    """Mark an entry as just used (its modification time), so that it is not forgotten."""
    try:
        os.utime(path)
    except OSError as error:
        log.debug("cannot mark %s as used (%s)", path, error)


def _forget_others(path: Path, name: str) -> None:
    """Remove the entries of ``name`` built from other keys and unused for
    ``FORGET_AFTER_SECONDS``."""
    entry = re.compile(rf"{re.escape(name)}-[0-9a-f]{{24}}\.(?:marshal|sqlite|pickle)")
    for other in path.parent.iterdir():
        if other == path or not entry.fullmatch(other.name):
            continue
        try:
            stale = time.time() - other.stat().st_mtime > FORGET_AFTER_SECONDS
        except OSError:
            continue
        if stale:
            try:
                other.unlink()
            except OSError as error:
                log.debug("%s: cannot remove %s (%s)", name, other, error)


class RememberedTable:
    """A table built once into an SQLite file in the cache directory, then read a few rows at a
    time: a command that looks up fifteen towns reads fifteen rows, not a 120,000-name index.

    ``schema`` creates the table and its indexes; ``build`` gives its rows (``insert`` puts one
    in). The file is opened read-only, once per process (a connection is never shared with a
    forked worker); a cache that cannot be written is built in memory for this process.
    """

    def __init__(
        self,
        name: str,
        key: bytes,
        schema: str,
        insert: str,
        build: Callable[[], Iterable[tuple[Any, ...]]],
    ) -> None:
        self.name, self.schema, self.insert, self.build = name, schema, insert, build
        self.path = cache_directory() / f"{name}-{key.hex()[:24]}.sqlite"
        self._connection: tuple[int, sqlite3.Connection] | None = None
        self._lock = threading.Lock()

    def ready(self) -> None:
        """Build the file when it is missing (what a fork server does before its workers)."""
        if self.path.exists():
            _used(self.path)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.partial")
            partial.unlink(missing_ok=True)
            with closing(sqlite3.connect(partial)) as connection:
                self._fill(connection)
            os.replace(partial, self.path)
            _forget_others(self.path, self.name)
        except (OSError, sqlite3.Error) as error:
            log.warning("%s: cannot keep it in %s (%s)", self.name, self.path, error)

    def _fill(self, connection: sqlite3.Connection) -> None:
        connection.executescript(self.schema)
        connection.executemany(self.insert, self.build())
        connection.commit()

    def _open(self) -> sqlite3.Connection:
        self.ready()
        try:
            uri = f"{self.path.as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.execute("SELECT 1 FROM sqlite_master").fetchall()
            return connection
        except sqlite3.Error as error:
            log.warning("%s: cannot read %s (%s); built in memory", self.name, self.path, error)
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        self._fill(connection)
        return connection

    def rows(self, query: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The rows of ``query`` with ``parameters``."""
        with self._lock:
            if self._connection is None or self._connection[0] != os.getpid():
                self._connection = (os.getpid(), self._open())
            return self._connection[1].execute(query, parameters).fetchall()


def remembered(name: str, key: bytes, build: Callable[[], T]) -> T:
    """A small value built once into a pickle file in the cache directory under ``key`` (a
    ``fingerprint`` of everything it is built from, its code included), then read back: what
    a cold command would otherwise rebuild from the vocabulary's files each time (the concept
    index, the template's mapping). Only plain data the project made is kept there; a file
    that cannot be read or written is built again, with the same value."""
    path = cache_directory() / f"{name}-{key.hex()[:24]}.pickle"
    try:
        with open(path, "rb") as handle:
            kept: T = pickle.load(handle)
    except FileNotFoundError:
        log.debug("%s: not kept yet in %s", name, path)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as error:
        log.debug("%s: cannot read %s (%s)", name, path, error)
    else:
        _used(path)
        return kept
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        with open(partial, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
        _forget_others(path, name)
    except (OSError, pickle.PicklingError) as error:
        log.debug("%s: cannot keep it in %s (%s)", name, path, error)
    return value
