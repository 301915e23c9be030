"""Data derived from large packaged tables, kept on disk between runs of the command line.

Some indexes take seconds to build and never change between runs (the GeoNames town index:
a 30 MB JSON file read, 120,000 names folded): a cold ``coworkmed validate`` of a 15-row file
would spend most of its time there. ``remembered`` builds such a value once and keeps it in the
user's cache directory (``$XDG_CACHE_HOME/coworkmed``, else ``~/.cache/coworkmed``) in
``marshal`` form (plain data only: dicts, sets, tuples, strings and numbers; nothing in it can
run code), under a key that names everything it was built from, so that a new version of a
table or of the code that builds it builds it again. A cache that cannot be read or written is
built in memory, as before; the value is the same either way.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

log = logging.getLogger(__name__)


def cache_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coworkmed"


def fingerprint(*parts: str | bytes | Path) -> bytes:
    """A key for ``remembered``: each part as given, a file by its contents."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(part.read_bytes())
        else:
            digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.digest()


def remembered(name: str, key: bytes, build: Callable[[], T]) -> T:
    """``build()``, or what it returned the last time it was called with ``name`` and ``key``."""
    path = cache_directory() / f"{name}-{key.hex()[:24]}.marshal"
    try:
        with open(path, "rb") as handle:
            return cast(T, marshal.load(handle))
    except FileNotFoundError:
        log.debug("%s: built once, then kept in %s", name, path)
    except (OSError, EOFError, ValueError, TypeError) as error:
        log.warning("%s: cannot read %s (%s); building it again", name, path, error)
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        partial.write_bytes(marshal.dumps(cast(Any, value)))
        os.replace(partial, path)
    except (OSError, ValueError) as error:
        log.warning("%s: cannot keep it in %s (%s)", name, path, error)
    return value
