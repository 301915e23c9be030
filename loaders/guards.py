"""Checks on a file from outside before a parser reads it, so that it cannot make the service
read its own files or use memory and time without bound:

- XML (RDF/XML): no external entities (XXE: ``<!ENTITY x SYSTEM "file:///etc/passwd">``), no
  entity defined with other entities (the "billion laughs"), and the text that internal entities
  expand to bounded by a multiple of the file's own size;
- archives (XLSX and ODS workbooks are ZIP files): no more than ``max_unpacked`` bytes once
  unpacked, counted while really unpacking (the sizes a ZIP declares may lie), so a zip bomb is
  refused before a reader inflates it.

Each check raises ``UnsafeFile`` with a message that says what was found and where.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

#: an entity declaration; group 1 its name, group 2 the rest up to ``>``
_ENTITY = re.compile(rb"<!ENTITY\s+%?\s*([^\s>]+)\s+([^>]*)>", re.DOTALL)
_EXTERNAL = re.compile(rb"^(SYSTEM|PUBLIC)\b")
_VALUE = re.compile(rb"""^(?:"([^"]*)"|'([^']*)')""")
#: how many times larger than the file its entities may make it
EXPANSION = 10
_CHUNK = 1 << 20


#: the ``max_unpacked`` of the request being served, when a server has its own (else the setting)
UNPACKED_LIMIT: ContextVar[int | None] = ContextVar("unpacked_limit", default=None)


@contextmanager
def unpacked_limit(limit: int) -> Iterator[None]:
    """Within this block, archives may unpack to at most ``limit`` bytes."""
    token = UNPACKED_LIMIT.set(limit)
    try:
        yield
    finally:
        UNPACKED_LIMIT.reset(token)


class UnsafeFile(ValueError):
    """A file refused before parsing; the message says why."""


class DamagedFile(UnsafeFile):
    """A file that is not what it claims to be (a broken archive)."""


def check_xml(data: bytes, name: str = "the XML") -> None:
    """Refuse XML whose entities reach outside it or expand beyond ``EXPANSION`` x its size."""
    values: dict[bytes, bytes] = {}
    for match in _ENTITY.finditer(data):
        entity, rest = match.group(1), match.group(2).strip()
        line = data.count(b"\n", 0, match.start()) + 1
        if _EXTERNAL.match(rest):
            raise UnsafeFile(
                f"{name}, line {line}: entity {entity.decode(errors='replace')} refers to an "
                "outside resource (external entities are not read)"
            )
        value = _VALUE.match(rest)
        text = (value.group(1) or value.group(2) or b"") if value else b""
        if b"&" in text or b"%" in text:
            raise UnsafeFile(
                f"{name}, line {line}: entity {entity.decode(errors='replace')} is defined with "
                "other entities (nested entities are not expanded)"
            )
        values[entity] = text
    if not values:
        return
    expanded = sum(data.count(b"&" + entity + b";") * len(text) for entity, text in values.items())
    if expanded > EXPANSION * max(len(data), 1024):
        raise UnsafeFile(
            f"{name}: its entities would expand to {expanded} bytes, more than {EXPANSION} "
            "times the file"
        )


def check_archive(path: Path, max_unpacked: int) -> None:
    """Refuse a ZIP archive (an XLSX or ODS workbook) that unpacks to more than
    ``max_unpacked`` bytes, or whose members are not what they declare."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for member in archive.infolist():
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > max_unpacked:
                            raise UnsafeFile(
                                f"{path.name}: unpacks to more than {max_unpacked} bytes "
                                f"(at {member.filename}); refused as a possible zip bomb"
                            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as error:
        raise DamagedFile(f"{path.name}: not a readable workbook archive ({error})") from None
    except NotImplementedError as error:  # a compression method Python does not know
        raise DamagedFile(f"{path.name}: {error}") from None
