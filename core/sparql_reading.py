"""A second reading of a client's SPARQL text, by another parser: where it calls SERVICE, what it
LOADs, and which graphs it names as graphs.

The server's checks read a text with ``core.sparql_text``, a scanner built to read as pyoxigraph
reads. Five strangers found texts the two read apart (101, 102, 111, 112, 113): a less-than the
scanner took for an IRI, a long string the engine does not end where the scanner did, a
language tag taken for a keyword. Each time a check missed a SERVICE call, a LOAD or a write to
the catalogue that the engine ran. This module reads the text again with rdflib's SPARQL parser
(pyparsing, a grammar of its own that shares no code with the scanner), and the same rules are
applied to what it finds (``endpoint.execution.read_again``, ``triplestore.protected``). A text
now passes only when both readings let it: to hide a call, it must part the engine from both,
the same way. What this reading cannot read is reported (``Unread``), and whoever asked for it
refuses the text rather than trusting the scanner alone.

It runs in a worker, never in the server process: rdflib's parser is slow on large texts (15
to 60 microseconds a byte, ``bench/bench_second_reading.py``) and recursive. IRIs are resolved
here, by RFC 3986 as the engine does (``core.sparql_text.resolve_reference``), not by
rdflib's own ``urljoin``, and a prefixed name's escapes are undone as the engine undoes them;
an IRI that cannot be resolved is None, as a variable is: a rule that needs an IRI refuses it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql import parser
from rdflib.plugins.sparql.parser import Query, UpdateUnit
from rdflib.plugins.sparql.parserutils import Comp, CompValue, ParamValue
from rdflib.term import URIRef, Variable

from core.sparql_text import is_absolute, resolve_reference

#: where a graph is named, by the node of rdflib's parse tree and its keys: read (a WHERE
#: clause's GRAPH, an update's USING) or written (a template's or data's GRAPH, an operation's
#: target, WITH, which names both)
READ_AS_GRAPH: dict[str, tuple[str, ...]] = {
    "GraphGraphPattern": ("term",),
    "UsingClause": ("default", "named"),
}
WRITTEN_AS_GRAPH: dict[str, tuple[str, ...]] = {
    "QuadsNotTriples": ("term",),
    "Modify": ("withClause",),
    "Load": ("graphiri",),
    "Clear": ("graphiri",),
    "Drop": ("graphiri",),
    "Create": ("graphiri",),
    "Add": ("graph",),
    "Move": ("graph",),
    "Copy": ("graph",),
}
#: the targets of CLEAR, DROP, ADD, MOVE and COPY that name no graph, as rdflib gives them
NO_GRAPH = "DEFAULT"
WIDE = ("ALL", "NAMED")
#: a prefixed name's escapes (PN_LOCAL_ESC), which the engine undoes and rdflib keeps
_LOCAL_ESCAPE = re.compile(r"\\(.)")


#: an escape, read left to right as the grammar reads it (``\\`` is one, so ``\\u0041`` holds
#: none): ``\u`` with four hex digits, ``\U`` with eight, or a backslash and one character
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
#: characters that, written as themselves, would end a string, an IRI or a comment where the
#: escape that named them did not: such an escape is given to rdflib as ``\t``, an escape every
#: string takes (and no IRI or name: rdflib then cannot read it, and the text is refused)
_ENDS_A_TOKEN = frozenset("\"'\\\r\n<>")
#: what the grammar's ``\'`` and ``\"`` become in a string for rdflib, whose strings take
#: neither in the other quotes (``"l\'espace"``: stranger 114)
_NEUTRAL = "\\t"
#: a string as the grammar reads it (its four forms, each escape whole) and the white space
#: around a ``^^`` after it or before a language tag, a comment, an IRI, or any other
#: character: ``\'`` is rewritten in strings only, as a prefixed name may hold it
#: (``ex:O\'Brien``, PN_LOCAL_ESC, which rdflib reads too; it was refused, stranger 115), and
#: that white space is left out (rdflib reads ``"x"^^<t>`` and ``"x"@en`` glued only, the
#: grammar spaced too: ``"x" ^^ xsd:string`` was refused, stranger 116). A string read here
#: where the engine reads none, or none where it reads one, only leaves rdflib a text it cannot
#: read: refused
_STRING_ESCAPE = r"""\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
_IRI_CHARACTERS = r"""[^<>"{}|^`\\\x00-\x20]*"""
_SPANS = re.compile(
    rf"""(?P<string>
          \"\"\"[^"\\]*(?:(?:{_STRING_ESCAPE}|"(?!""))[^"\\]*)*\"\"\"
        | '''[^'\\]*(?:(?:{_STRING_ESCAPE}|'(?!''))[^'\\]*)*'''
        | "[^"\\\n\r]*(?:{_STRING_ESCAPE}[^"\\\n\r]*)*"
        | '[^'\\\n\r]*(?:{_STRING_ESCAPE}[^'\\\n\r]*)*' )
      (?P<tail> [\ \t\r\n]*\^\^[\ \t\r\n]* | [\ \t\r\n]+(?=@) )?
      | \#[^\r\n]*
      | <{_IRI_CHARACTERS}(?:\\(?:u[0-9A-Fa-f]{{4}}|U[0-9A-Fa-f]{{8}}){_IRI_CHARACTERS})*>
      | (?:[^"'\#<\\]|\\.)+
      | .""",
    re.S | re.X,
)


#: a signed decimal standing as a term (after white space or a bracket, a comma, a semicolon:
#: never inside a name), which rdflib cannot read outside an expression ("Not a number":
#: ``schema:longitude -9.1393`` in an update was refused, stranger 118); given to it as a
#: double, a number all the same
_SIGNED_DECIMAL = re.compile(r"(?<=[\s(,;{\[])([+-][0-9]*\.[0-9]+)(?![0-9eE.])")


def _for_rdflib(text: str) -> str:
    r"""``text`` as rdflib's grammar should be given it to read it as the engine does. rdflib
    expands every ``\u`` escape before parsing, in strings and comments too, and a ``\u0022``
    ended its string where the engine's went on; it also took eight digits after ``\u``, and
    its strings refuse ``\'`` in double quotes and ``\"`` in single ones, which the grammar
    allows (stranger 114: valid texts refused). Here an escape naming a character is that
    character (an IRI holds it as the engine resolves it), unless the character would end a
    token, and ``\'`` and ``\"`` in a string are ``\t``; a CR is a LF: no string, IRI or comment
    ends elsewhere than the engine ends it; a signed decimal is a double (``_SIGNED_DECIMAL``)."""

    def given(escape: re.Match[str], quoted: bool) -> str:
        digits = escape.group(1) or escape.group(2)
        if digits is None:
            return _NEUTRAL if quoted and escape.group(3) in "'\"" else escape.group(0)
        number = int(digits, 16)
        if number > sys.maxunicode or 0xD800 <= number <= 0xDFFF or chr(number) in _ENDS_A_TOKEN:
            return _NEUTRAL
        return chr(number)

    def span(found: re.Match[str]) -> str:
        string = found.group("string")
        if string is None:
            return _ESCAPE.sub(lambda escape: given(escape, False), found.group(0))
        tail = "^^" if "^" in (found.group("tail") or "") else ""
        return _ESCAPE.sub(lambda escape: given(escape, True), string) + tail

    # a comment ends at CR as at LF for the engine (SPARQL's EOL), at LF only for rdflib: an
    # operation after "# x\r" was not read (a CLEAR of the ontology, in the protected cases);
    # a CR stands nowhere else a LF could not
    return _SIGNED_DECIMAL.sub(r"\1e0", _SPANS.sub(span, text).replace("\r", "\n"))


class _Service(Comp):
    """rdflib's SERVICE pattern, without the copy of the call's text it makes for its own
    engine, which this reading does not run: for each SERVICE it searched the whole text again
    from its start (quadratic), where a "#" in a string began a comment for it (a valid text
    was refused), and it recursed without end on a SERVICE inside another."""

    def postParse(self, instring: str, loc: int, tokenList: ParseResults) -> CompValue:  # noqa: N802, N803 - pyparsing's names
        found = CompValue(self.name)
        for token in tokenList:
            if isinstance(token, ParamValue):
                if token.isList:
                    found.setdefault(token.name, []).append(token.tokenList)
                else:
                    found[token.name] = token.tokenList
        return found


class Unread(ValueError):
    """rdflib's parser could not read the text (its words)."""


#: what a client refused as unread is told of this reading
UNREAD_NOTE = (
    "it reads SPARQL 1.1, not 1.2, and refuses a few spellings 1.1 allows: see docs/security.md"
)


@dataclass
class Reading:
    """What one query, or one operation of an update, names. A variable, or an IRI that does
    not resolve, is None."""

    #: the endpoints of its SERVICE calls
    services: list[str | None] = field(default_factory=list)
    #: the graphs its WHERE clauses and USING read by name
    read: list[str | None] = field(default_factory=list)
    #: the graphs it writes: in templates and data, and its target (WITH, INTO, TO, CLEAR...)
    written: list[str | None] = field(default_factory=list)
    #: CLEAR or DROP of ALL or NAMED
    wide: list[str] = field(default_factory=list)
    #: LOAD operations
    loads: int = 0
    #: whether it names its named graphs (USING NAMED): a WHERE clause then reads only those
    named_using: bool = False


def _value(node: CompValue, key: str) -> Any:
    """The value of ``node`` at ``key``, None when it has none (``CompValue.get`` gives back
    the key itself)."""
    return dict.get(node, key)


class _Names:
    """The BASE and PREFIX declarations read so far, in their order (an update's carry on from
    one operation to the next)."""

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.prefixes: dict[str, str] = {}

    def declare(self, prologue: ParseResults | list[Any]) -> None:
        for declaration in prologue:
            iri = self.iri(_value(declaration, "iri"))
            if declaration.name == "Base":
                self.base = iri
            elif declaration.name == "PrefixDecl" and iri is not None:
                self.prefixes[_value(declaration, "prefix") or ""] = iri

    def iri(self, term: object) -> str | None:
        """``term`` as the engine resolves it, or None (a variable, an undeclared prefix, a
        relative IRI without a base)."""
        if isinstance(term, CompValue) and term.name == "pname":
            namespace = self.prefixes.get(_value(term, "prefix") or "")
            local = _LOCAL_ESCAPE.sub(r"\1", _value(term, "localname") or "")
            return None if namespace is None else namespace + local
        if not isinstance(term, URIRef) or isinstance(term, Variable):
            return None
        if is_absolute(term):
            return str(term)
        return None if self.base is None else resolve_reference(self.base, str(term))


def _nodes(tree: object) -> Iterator[CompValue]:
    """Every node of rdflib's parse ``tree``, depth first (no recursion: the text's nesting is
    bounded by the server's checks, this walk needs no bound)."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)


def _named(node: CompValue, keys: tuple[str, ...]) -> Iterator[object]:
    for key in keys:
        value = _value(node, key)
        yield from value if isinstance(value, list | ParseResults) else [value]


def _reading(tree: object, names: _Names) -> Reading:
    found = Reading()
    for node in _nodes(tree):
        if node.name == "ServiceGraphPattern":
            found.services.append(names.iri(_value(node, "term")))
        elif node.name == "Load":
            found.loads += 1
        found.named_using |= node.name == "UsingClause" and _value(node, "named") is not None
        for table, into in ((READ_AS_GRAPH, found.read), (WRITTEN_AS_GRAPH, found.written)):
            for term in _named(node, table.get(node.name, ())):
                keyword = isinstance(term, str) and not isinstance(term, URIRef | Variable)
                if term is None or (keyword and term == NO_GRAPH):
                    continue
                if keyword and term in WIDE:
                    found.wide.append(str(term))
                else:
                    into.append(names.iri(term))
    return found


#: the Python frames rdflib's parser may stack: pyparsing takes about 30 a bracket, and the
#: server lets 64 brackets nest (``endpoint.sparql.LIMITS``); at Python's 1,000 a FILTER of 32
#: nested parentheses was not read
PARSER_FRAMES = 20_000


def _parsed(parse: Any, text: str) -> Any:
    """``text`` as rdflib's ``parse`` reads it, its SERVICE pattern read by ``_Service``. rdflib
    raises a bare Exception of its own for some texts (an undeclared prefix, a bad escape):
    every failure of its reading is Unread."""
    frames = sys.getrecursionlimit()
    sys.setrecursionlimit(max(frames, PARSER_FRAMES))
    service = parser.ServiceGraphPattern
    kind, service.__class__ = service.__class__, _Service  # for this reading only
    try:
        return parse(_for_rdflib(text))
    except ParseException as error:
        raise Unread(f"{error.msg} at line {error.lineno}, column {error.col}") from None
    except RecursionError:
        raise Unread("nested too deep for the second reading") from None
    except Exception as error:  # noqa: BLE001 - rdflib's own failures are plain Exception
        raise Unread(str(error) or type(error).__name__) from None
    finally:
        service.__class__ = kind
        sys.setrecursionlimit(frames)


def read_query(text: str, base_iri: str | None = None) -> Reading:
    """What the query ``text`` calls and names, read by rdflib (Unread when it cannot)."""
    prologue, query = _parsed(lambda given: Query.parse_string(given, parse_all=True), text)
    names = _Names(base_iri)
    names.declare(prologue)
    return _reading(query, names)


def read_update(text: str, base_iri: str | None = None) -> list[Reading]:
    """What each operation of the update ``text`` calls and names, read by rdflib (Unread when
    it cannot)."""
    parsed = _parsed(lambda given: UpdateUnit.parse_string(given, parse_all=True)[0], text)
    names = _Names(base_iri)
    readings = []
    for prologue, operation in zip(
        parsed.get("prologue", []), parsed.get("request", []), strict=False
    ):
        names.declare(prologue)
        readings.append(_reading(operation, names))
    return readings
