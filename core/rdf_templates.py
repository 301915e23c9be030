"""Fixed RDF written as Turtle templates, in files beside the code that fills them.

A template is Turtle with ``$name`` placeholders where terms go. ``fill`` replaces each one by
an RDF term (an IRI, a blank node, a literal, or a comma-separated list of them), never by
text: each term is written in its N-Triples form, escaped by pyoxigraph, and the result is
parsed as Turtle. So whatever a value holds (quotes, '>' or newlines from a partner's file
name), what a template makes is the triples it shows, and nothing else. A SPARQL update
template (``.ru``) is filled the same way by ``update``, and returned as text to run.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from core.rdf_bytes import to_bytes

Term = ox.NamedNode | ox.BlankNode | ox.Literal
#: what a placeholder is filled with: one term, or an object list of several
Value = Term | Sequence[Term]


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI, as pyoxigraph reads one: what may be written
    between ``<>`` into a SPARQL text as a single term (no ``>``, space or brace in it)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


@cache
def _template(path: Path) -> string.Template:
    return string.Template(path.read_text(encoding="utf-8"))


def _written(value: Value) -> str:
    """A value as Turtle: a term in its N-Triples form, a list of terms separated by commas."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return str(value)
    if not value:
        raise ValueError("a template placeholder needs at least one term")
    return ", ".join(str(term) for term in value)


def fill(template: Path, **values: Value) -> list[ox.Triple]:
    """The triples of the Turtle ``template`` with each ``$name`` replaced by ``values[name]``
    (every placeholder must be given one: KeyError otherwise), in the template's order."""
    text = _template(template).substitute({name: _written(v) for name, v in values.items()})
    return [quad.triple for quad in ox.parse(text, format=ox.RdfFormat.TURTLE)]


def update(template: Path, **values: Value) -> str:
    """The SPARQL update ``template`` (a ``.ru`` file) with each ``$name`` replaced by
    ``values[name]`` written as RDF terms, as in ``fill`` (KeyError if one is not given)."""
    return _template(template).substitute({name: _written(v) for name, v in values.items()})


def ntriples(triples: list[ox.Triple]) -> str:
    """Triples as N-Triples text (one per line), to write inside an ``INSERT DATA``."""
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES).decode("utf-8")
