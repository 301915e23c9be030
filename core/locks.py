"""A file lock held by one process at a time (``fcntl.flock``), released by the system if the
holder dies: around a read, change and write of a file several commands or servers may change
at once."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def held(lock: Path) -> Iterator[None]:
    """Hold the lock file ``lock`` (made if there is none) for the block, waiting for it."""
    with lock.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
