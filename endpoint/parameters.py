"""Request parameters turned into numbers, and paths turned into ``Location`` headers, in one
place: an odd value (Unicode digits, signs, spaces, thousands of digits, control characters) is
a 400 with a message, never a 500, and a path cannot put a line break into a header."""

from __future__ import annotations

import re
from urllib.parse import quote

from werkzeug.datastructures import MultiDict

from endpoint.execution import QueryError

#: the highest page number a paged route (search, resource pages) accepts
MAX_PAGE = 10_000
#: a whole number as a client writes it in a URL: ASCII digits only, no sign, no spaces
_WHOLE = re.compile(r"[0-9]{1,9}")
#: the characters a path keeps as they are in a ``Location`` (everything else is %-encoded)
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class BadNumber(QueryError):
    """A number parameter refused (400): the English message for developers, and ``code`` and
    ``values`` naming it for a reader's message in their language (``problems`` in
    validation/messages.yaml: ``bad-whole-number``, ``repeated-parameter``)."""

    def __init__(self, message: str, code: str, **values: str) -> None:
        super().__init__(400, message)
        self.code, self.values = code, values


def whole_number(
    args: MultiDict[str, str], name: str, default: int, lowest: int, highest: int
) -> int:
    """The parameter ``name`` of ``args`` as a whole number from ``lowest`` to ``highest``
    (``default`` when it is absent or empty, as a form leaves it); QueryError 400 with a
    message for anything else (``BadNumber``, which a page may say in the reader's language)."""
    values = [value for value in args.getlist(name) if value != ""]
    if not values:
        return default
    text = values[-1] if len(values) == 1 else None
    if text is None:
        shown = ", ".join(f"«{value[:20]}»" for value in values[:5])
        raise BadNumber(f"give {name} once", "repeated-parameter", name=name, values=shown)
    if not _WHOLE.fullmatch(text) or not lowest <= int(text) <= highest:
        shown = text if len(text) <= 20 else f"{text[:20]}... ({len(text)} characters)"
        raise BadNumber(
            f"{name} must be a whole number from {lowest} to {highest}, not {shown!r}",
            "bad-whole-number",
            name=name,
            value=shown,
            lowest=str(lowest),
            highest=str(highest),
        )
    return int(text)


def local_location(path: str) -> str:
    """A path of this server as a ``Location`` header may carry it: percent-encoded, so that
    no control character (CR, LF, NUL) or space reaches the header, and starting with a single
    ``/`` (``//host`` would send the client to another host)."""
    encoded = quote(path, safe=_PATH_SAFE)
    return "/" + encoded.lstrip("/")


def encoded_location(path: str) -> str:
    """``local_location`` of a path already percent-encoded once (an IRI's own ``%2F``, ``%3C``):
    its ``%XX`` are kept, not encoded a second time."""
    encoded = quote(path, safe=_PATH_SAFE + "%")
    return "/" + encoded.lstrip("/")
