"""Checks on a file from outside before a parser reads it, so that it cannot make the service
read its own files or use memory and time without bound:

- XML (RDF/XML): no entity or notation declared, no external DTD (which covers external
  entities, XXE: ``<!ENTITY x SYSTEM "file:///etc/passwd">``, and the "billion laughs"), decided
  on what an XML parser (expat) reads, in whatever encoding the file is, not on a pattern;
- archives (XLSX and ODS workbooks are ZIP files): no more than ``max_unpacked`` bytes once
  unpacked, counted while really unpacking (the sizes a ZIP declares may lie), so a zip bomb is
  refused before a reader inflates it.

Each check raises ``UnsafeFile`` with a message that says what was found and where.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from xml.parsers import expat

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


class _Seen(Exception):
    """Raised by an expat handler to stop reading: ``refusal`` None means the document's
    prolog is over (its root element starts) with nothing to refuse."""

    def __init__(self, refusal: str | None) -> None:
        super().__init__(refusal)
        self.refusal = refusal


def _stop(refusal: str | None) -> Callable[..., None]:
    def handler(*_args: object) -> None:
        raise _Seen(refusal)

    return handler


#: expat handler -> why a document that makes expat call it is refused (None: its root starts)
_XML_REFUSALS: dict[str, str | None] = {
    "EntityDeclHandler": "declares entities (no entity is expanded here)",
    "UnparsedEntityDeclHandler": "declares entities (no entity is expanded here)",
    "NotationDeclHandler": "declares notations",
    "ExternalEntityRefHandler": "refers to an outside resource (nothing is fetched here)",
    "StartElementHandler": None,
}


def _doctype(name: str, system_id: str | None, public_id: str | None, _internal: int) -> None:
    if system_id or public_id:
        raise _Seen(f"is an outside resource ({system_id or public_id}), which is not read here")


def check_xml(data: bytes, name: str = "the XML") -> None:
    """Refuse XML whose prolog declares entities or notations or names an external DTD, as an
    XML parser (expat, which reads the encodings XML allows: UTF-8, UTF-16 with its BOM,
    ISO-8859-1...) sees it; XML expat cannot read is refused too. Nothing is expanded or
    fetched: expat stops at the first declaration, or at the root element."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    for handler, refusal in _XML_REFUSALS.items():
        setattr(parser, handler, _stop(refusal))
    parser.StartDoctypeDeclHandler = _doctype
    try:
        parser.Parse(data, True)
    except _Seen as seen:
        if seen.refusal is not None:
            line = parser.CurrentLineNumber
            raise UnsafeFile(f"{name}, line {line}: its DTD {seen.refusal}") from None
        return
    except expat.ExpatError as error:
        raise UnsafeFile(f"{name} is not well-formed XML ({error})") from None
    raise UnsafeFile(f"{name} has no root element")


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
