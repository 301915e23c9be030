"""Terms to N-Triples text, written directly for speed (no intermediate rdflib graph)."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import quote

from core.namespaces import PREFIXES, XSD
from loaders.values import Iri, Lit, Price, Term

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')


@cache
def expand(name: str) -> str:
    """``cwm:floorArea`` -> the full IRI."""
    prefix, local = name.split(":", 1)
    return PREFIXES[prefix] + local


@cache
def p(name: str) -> str:
    """A predicate (or class) as N-Triples, from its prefixed name."""
    return f"<{expand(name)}>"


def iri(value: str) -> str:
    return f"<{value}>"


def literal(lexical: str, datatype: str | None = None, language: str | None = None) -> str:
    text = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], lexical)
    if language:
        return f'"{text}"@{language}'
    if datatype and datatype != XSD + "string":
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def term(value: Term) -> str:
    if isinstance(value, Iri):
        return f"<{value.value}>"
    assert not isinstance(value, Price), "a price is written as its offer's properties"
    lit: Lit = value
    return literal(lit.lexical, lit.datatype, lit.language)


def segment(text: str) -> str:
    """A piece of a minted IRI: the source's own identifier, percent-encoded where needed (a
    ``/`` too, so that ``../other/1`` stays one segment of its own source's IRIs); an
    identifier of dots only (``.``, ``..``) has them encoded, as every client would otherwise
    resolve it away (``.../hr-split/..`` is ``.../``)."""
    encoded = quote(text.strip(), safe="-._~")
    return encoded.replace(".", "%2E") if encoded and not encoded.strip(".") else encoded


class Triples:
    """N-Triples lines being written for one load."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.lines.append(f"{subject} {predicate} {obj} .\n")

    def data(self) -> bytes:
        return "".join(self.lines).encode("utf-8")

    def take(self) -> bytes:
        """The lines written so far, as bytes, forgetting them (for streaming in chunks)."""
        data = self.data()
        self.count += len(self.lines)
        self.lines = []
        return data

    def __len__(self) -> int:
        """How many triples were written, taken or not."""
        return self.count + len(self.lines)
