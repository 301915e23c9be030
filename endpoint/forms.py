"""URL-encoded parameters (a URL's query string, a form's body) decoded as werkzeug decodes
them, at the speed of a codec written in C.

Python's ``urllib.parse.unquote`` works through a text escape by escape: a 2 KB SPARQL query
sent as a form holds about 700 of them (every ``?``, ``:``, ``{``, ``<``, line break...), which
took 130-150 microseconds to decode, and /sparql decoded each request's body twice (once to
check its UTF-8, once for its fields): about 0.4 ms of the 1 ms our server added to a query
answered by Virtuoso in about 1 ms (issue #20). Here each ``%XX`` is turned into a ``\\xXX``
escape (a backslash already there is doubled first, so it stays itself) and Python's
``unicode_escape`` codec decodes the whole text at once. A text it cannot read that way (a
``%`` not followed by two hexadecimal digits) is decoded by ``urllib`` as before: the answer is
the same, only slower. ``tests/endpoint/test_forms.py`` compares both on tricky cases and on
random texts."""

from __future__ import annotations

import urllib.parse
from typing import IO, Any

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler)
from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property

from endpoint.execution import QueryError

#: what werkzeug does with bytes that are not UTF-8 once percent-decoded: it writes them
#: percent-encoded again (``%FF``), rather than U+FFFD
KEEP_ENCODED = "werkzeug.url_quote"
URLENCODED = "application/x-www-form-urlencoded"


def percent_decoded(raw: bytes) -> bytes:
    """``raw`` with each ``%XX`` replaced by the byte it stands for, as
    ``urllib.parse.unquote_to_bytes`` gives it (``+`` is left as it is)."""
    if b"%" not in raw:
        return raw
    escaped = raw.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
    try:
        return escaped.decode("unicode_escape").encode("latin-1")
    except UnicodeDecodeError:  # a "%" without two hexadecimal digits: kept as it is
        return urllib.parse.unquote_to_bytes(raw)


def unquoted(text: str) -> str:
    """One name or value of a URL-encoded text, decoded (``+`` is a space) as
    ``urllib.parse.unquote`` decodes it with werkzeug's error handler (``KEEP_ENCODED``)."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    return percent_decoded(text.encode("utf-8")).decode("utf-8", KEEP_ENCODED)


def pairs(text: str) -> list[tuple[str, str]]:
    """The names and values of a URL-encoded text, in order, as
    ``urllib.parse.parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")``
    gives them (werkzeug's reading of a query string and of a form's body)."""
    found = []
    for field in text.split("&"):
        if field:
            name, _equals, value = field.partition("=")
            found.append((unquoted(name), unquoted(value)))
    return found


def check_encoded(raw: bytes, where: str, codec: str = "utf-8") -> None:
    """400 unless each field of the URL-encoded ``raw`` is UTF-8 (or ``codec``, which it
    includes: a form labelled ASCII) once percent-decoded (werkzeug keeps such a byte
    percent-encoded: a query would run on text nobody sent, ``%FF`` would name what ``%25FF``
    names)."""
    for field in raw.split(b"&"):
        try:
            percent_decoded(field.replace(b"+", b" ")).decode(codec)
        except UnicodeDecodeError as problem:
            said = "UTF-8" if codec == "utf-8" else codec.upper()
            raise QueryError(
                400,
                f"the {where} is not {said} once percent-decoded (byte {problem.start} of "
                f"{field[:60]!r})",
            ) from None


class FastFormDataParser(FormDataParser):
    """werkzeug's form parser, with a URL-encoded body read by ``pairs`` (multipart bodies as
    werkzeug reads them)."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        if mimetype != URLENCODED:
            return super().parse(stream, mimetype, content_length, options)
        try:  # as werkzeug: a body that is not UTF-8 is an empty form (unless not silent)
            fields = pairs(stream.read().decode())
        except ValueError:
            if not self.silent:
                raise
            fields = []
        return stream, self.cls(fields), self.cls()


class FastRequest(Request):
    """Flask's request, its URL parameters and form fields decoded by ``pairs``."""

    form_data_parser_class = FastFormDataParser

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return self.parameter_storage_class(pairs(self.query_string.decode()))
