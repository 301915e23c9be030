"""A lexical look at SPARQL text, for what pyoxigraph's API does not offer.

pyoxigraph parses queries and updates itself, but it cannot (1) refuse federation: ``SERVICE``
and ``LOAD`` would make this server fetch URLs, or (2) apply the protocol's ``using-graph-uri``
and ``using-named-graph-uri`` to an update. Both only need the keywords that sit outside
strings, IRIs, comments, prefixed names and variables, and the brace depth at which they sit;
the text is then handed to pyoxigraph, which reports every syntax error itself.

The tokens follow the SPARQL 1.1 grammar (section 19.8) where a check depends on them: a comment
ends at CR or LF; a short string cannot hold CR or LF, and its escapes are ECHAR and UCHAR only;
keywords are case-insensitive. pyoxigraph's parser has no separate lexer, so it reads
``SERVICE:p`` as the keyword SERVICE and the prefixed name ``:p``: the prefix of a prefixed name
counts as a keyword too (``keywords``). Where the scanner and the parser could still disagree,
the scanner errs towards seeing a keyword (a refusal), never towards hiding one; and query and
update workers have no network when no SERVICE peer is set (``core.workers.confined_thread``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

#: SPARQL's PN_CHARS_BASE (SPARQL 1.1 Query 19.8), as a character class's contents: names take
#: these besides ``\w``, which lacks some (U+3001 "、" and the rest of U+3001-U+D7FF that are
#: not letters: ``c、:catalog`` was read as ``c``, ``、`` and ``:catalog``, and an update named
#: the catalogue past the protected graphs' check, stranger 101)
PN_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)

#: one token each; every other non-blank character is ``punct``. Names take what SPARQL's
#: PN_CHARS take beyond ``\w``: ``PN_BASE``, U+00B7, the combining marks U+0300-U+036F, U+203F
#: and U+2040 (``?o·x`` was read as ``?o`` and a ``·``: a key went on another variable,
#: stranger 50).
#: Strings and IRIs are read as runs of plain characters between escapes (the same language as
#: one character or escape at a time, which took 57 ms for a 600 KB string literal). A run of
#: name characters that no ":" follows is one token (``run``, read as a word): a prefixed name
#: was looked for from each of its letters to its end, quadratic on "ééé…" or "a.a.a…" (256 KB
#: took 108 s of the server's processor, stranger 87); a word inside it is still found
#: (``inside``), and a name that a ":" follows is a prefixed name, as before
_TOKEN = re.compile(
    r"""
      (?P<comment> \#[^\r\n]*)
    | (?P<string> \"\"\"[^"\\]*(?:(?:\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})
                               |"(?!""))[^"\\]*)*\"\"\"
              | '''[^'\\]*(?:(?:\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})
                               |'(?!''))[^'\\]*)*'''
              | "[^"\\\n\r]*(?:\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})[^"\\\n\r]*)*"
              | '[^'\\\n\r]*(?:\\(?:[tbnrf\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})[^'\\\n\r]*)*'
      )
    | (?P<iri> <[^<>"{}|^`\\\x00-\x20]*
               (?:\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})[^<>"{}|^`\\\x00-\x20]*)*>)
    | (?P<lang> @[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)
    | (?P<var> [?$][\w{B}\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<run> (?:[^\W\d]|[{B}])[\w{B}.\u00B7\u0300-\u036F\u203F\u2040-]*+(?!:))
    | (?P<pname> (?:(?:[^\W\d_]|[{B}])[\w{B}.\u00B7\u0300-\u036F\u203F\u2040-]*)?
                 :[\w{B}.:%\u00B7\u0300-\u036F\u203F\u2040-]*+
                  (?:\\.[\w{B}.:%\u00B7\u0300-\u036F\u203F\u2040-]*+)*+)
    | (?P<word> [A-Za-z_]\w*)
    | (?P<open> \{)
    | (?P<close> \})
    | (?P<nest> [(\[])
    | (?P<unnest> [)\]])
    | (?P<datatype> \^\^)
    | (?P<operator> &&|\|\||[-+*/|^!<>=])
    | (?P<number> \d+\.\d*[eE][+-]?\d+ | \d+(?:\.\d+)?(?:[eE][+-]?\d+)? | \.\d+(?:[eE][+-]?\d+)?)
    | (?P<punct> \S)
    """.replace("{B}", PN_BASE),
    re.VERBOSE | re.DOTALL,
)
#: the kind of a token by its group in ``_TOKEN``, where they differ: a run of name
#: characters is read as a word
_KIND = {"run": "word"}
#: tokens that keyword checks pass over (``skip`` was the old name for all of them)
_OPAQUE = ("string", "iri", "var", "pname")


class Token(NamedTuple):
    """One token (a named tuple: a request's text makes hundreds, each check reads them)."""

    kind: str  # a group name of _TOKEN
    text: str
    start: int
    end: int
    depth: int  # braces around it


class Keyword(NamedTuple):
    word: str  # upper case
    start: int
    end: int
    depth: int  # braces around it


@dataclass(frozen=True)
class Block:
    start: int  # the opening brace
    end: int  # just after the closing brace


#: how many texts the readings below remember, and the longest text remembered: a query asked
#: again (a dashboard, a notebook run again, a benchmark cycling its queries) is checked and
#: rewritten without reading its text again (a 2 KB text was about 1 ms of the server's
#: processor time per request; the observatory's figures are two dozen texts, each read by
#: several checks and rewrites before the store gets it). Longer texts are read each time: what
#: is remembered stays under about 60 MB whatever clients send (a text of n characters makes
#: at most n tokens; tests/core/test_remembered_texts.py measures it).
REMEMBERED_TEXTS = 64
REMEMBERED_CHARS = 4_096


class _Held(threading.local):
    """The readings of the one long text a thread's operation is about (``one_text``)."""

    text: str | None = None
    readings: dict[tuple[object, ...], object] | None = None


_held = _Held()


@contextmanager
def one_text() -> Iterator[None]:
    """While inside, the readings of the first text longer than ``REMEMBERED_CHARS`` that this
    thread reads are remembered too, and forgotten on leaving: the checks and rewrites of one
    request (or one query in a worker) read a long text once, not once each. A 350 KB query (a
    60,000-item IN list) was read eleven times by the server's checks and again by the worker's
    rewrites: 3.7 s, against 0.2 s in the engine (stranger 86). What is held lives as long as
    the operation, as each reading did: no more texts are kept between requests."""
    before = _held.text, _held.readings
    _held.text, _held.readings = None, {}
    try:
        yield
    finally:
        _held.text, _held.readings = before
        _paired.__dict__.clear()  # nor the pairs of its last token list


def forget_text() -> None:
    """Drop the readings ``one_text`` holds so far, and hold the next long text read: the
    checks of a request are done, and its engine may run for minutes, during which a
    pathological text's tokens (150 MB for 1 MB of ``1,1,1…``) were held for nothing."""
    if _held.readings is not None:
        _held.text, _held.readings = None, {}
    _paired.__dict__.clear()


def _held_reading(
    function: Callable[..., R], args: tuple[object, ...], kwargs: dict[str, object]
) -> R:
    """``function(*args, **kwargs)`` of a long text, remembered while ``one_text`` holds it."""
    readings, text = _held.readings, args[0]
    if readings is None:
        return function(*args, **kwargs)
    if _held.text is None:
        _held.text = str(text)
    if text is not _held.text and text != _held.text:
        return function(*args, **kwargs)
    key = (function, *args[1:], *sorted(kwargs.items()))
    if key not in readings:
        readings[key] = function(*args, **kwargs)
    return readings[key]  # type: ignore[return-value]


def remembered(function: Callable[P, R], texts: int = REMEMBERED_TEXTS) -> Callable[P, R]:
    """``function`` (of a text, then other hashable arguments) with its answers for the last
    ``texts`` texts of at most ``REMEMBERED_CHARS`` characters remembered, and for one longer
    text while ``one_text`` holds it."""
    kept: Callable[..., R] = functools.lru_cache(maxsize=texts)(function)

    @functools.wraps(function)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        text = args[0]
        if not isinstance(text, str):
            return function(*args, **kwargs)
        if len(text) <= REMEMBERED_CHARS:
            return kept(*args, **kwargs)
        return _held_reading(function, args, kwargs)

    return read


def _may_hold(text: str, *words: str) -> bool:
    """Whether a token of ``text`` may read as one of ``words`` (upper case), the test a reading
    of words makes (``token.text.upper() == word``) done at once on the whole text: a text
    without any of them is not read token by token for them (a 350 KB query was, several
    times). ``str.upper`` maps each character alone, so the upper case of a token is a part of
    the text's."""
    upper = text.upper()
    return any(word in upper for word in words)


def tokens(text: str, start: int = 0) -> list[Token]:
    """The tokens of ``text`` from ``start``, comments left out, with their brace depth (the
    last few texts are remembered: each check of a request reads the same text)."""
    return list(_tokens(text, start))


def _kind(match: re.Match[str]) -> str:
    """The kind of the token ``match`` found (the name of its group in ``_TOKEN``)."""
    group = match.lastgroup or "punct"
    return _KIND.get(group, group)


@remembered
def _tokens(text: str, start: int) -> tuple[Token, ...]:
    found, depth = [], 0
    for match in _TOKEN.finditer(text, start):
        kind = _kind(match)
        if kind == "comment":
            continue
        if kind == "close":
            depth = max(0, depth - 1)
        found += _name_and_dots(Token(kind, match.group(), match.start(), match.end(), depth))
        if kind == "open":
            depth += 1
    return tuple(found)


def _name_and_dots(token: Token) -> list[Token]:
    """``token``, and the dots that end it as tokens of their own when it is a name: a name
    never ends with a dot (SPARQL's PN_LOCAL, PN_PREFIX; an escaped ``\\.`` is its own), so
    the engine reads ``service:childcare.{`` as the name, a dot and a group, not a SERVICE call
    (stranger 101)."""
    if token.kind not in ("pname", "word") or not token.text.endswith("."):
        return [token]
    kept = token.text.rstrip(".")
    if kept.endswith("\\"):  # an escaped dot ends the name
        kept += "."
    if not kept or (token.kind == "pname" and ":" not in kept):
        return [token]
    end = token.start + len(kept)
    dots = [Token("punct", ".", at, at + 1, token.depth) for at in range(end, token.end)]
    return [token._replace(text=kept, end=end), *dots]


#: a prefix that reads as a keyword (``SERVICE:p`` is SERVICE and ``:p``; ``SERVICE、:p`` is
#: SERVICE and ``、:p``, stranger 101)
_BARE_PREFIX = re.compile(r"[A-Za-z_][^:]*")


def _as_keyword(token: Token) -> Keyword | None:
    """The keyword a token is, or starts with: a prefixed name ``SERVICE:p`` is read by
    pyoxigraph as the keyword and ``:p``."""
    if token.kind == "word":
        return Keyword(token.text.upper(), token.start, token.end, token.depth)
    if token.kind == "pname":
        prefix = token.text.partition(":")[0]
        if _BARE_PREFIX.fullmatch(prefix):
            return Keyword(prefix.upper(), token.start, token.start + len(prefix), token.depth)
    return None


def keywords(text: str) -> list[Keyword]:
    """The bare words of ``text`` (keywords and function names), with their brace depth; the
    prefix of a prefixed name counts as a word (see the module's note)."""
    return list(_keywords(text))


@remembered
def _keywords(text: str) -> tuple[Keyword, ...]:
    return tuple(k for k in map(_as_keyword, _tokens(text, 0)) if k is not None)


def term_after(text: str, position: int) -> Token | None:
    """The first token of ``text`` at or after ``position``, comments skipped (after a keyword
    written as the prefix of a prefixed name, ``SERVICE:p``, it is the ``:p`` part)."""
    for match in _TOKEN.finditer(text, position):
        kind = _kind(match)
        if kind != "comment":
            return Token(kind, match.group(), match.start(), match.end(), 0)
    return None


# ------------------------------------------------------------------ IRIs, as the parser sees them


#: a character of an IRI written as its code point (``<http://a/\u0063atalog>``)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _character(escape: re.Match[str]) -> str:
    """The character a ``\\u``/``\\U`` escape names; U+FFFD for a number no character has
    (past U+10FFFF: ``chr`` raised, a 500, stranger 102) or a surrogate (``\\uD800``: no text
    holding it could be written as UTF-8, a 500, stranger 104): the engine refuses such a
    text."""
    number = int(escape.group(1) or escape.group(2), 16)
    if number > sys.maxunicode or 0xD800 <= number <= 0xDFFF:
        return "\ufffd"
    return chr(number)


#: an IRI with a scheme: absolute, not resolved
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def is_absolute(iri: str) -> bool:
    """Whether ``iri`` has a scheme: it is taken as written, not resolved against a base."""
    return _ABSOLUTE.match(iri) is not None


def _join(base: str | None, iri: str) -> str:
    """``iri`` (as written between ``<>``) resolved against ``base``."""
    iri = _UCHAR.sub(_character, iri)
    if is_absolute(iri) or not base:  # as written: resolving would normalise it (resolve
        return iri  # "..") where the parser may not; a peer must match
    return resolve_reference(base, iri)


#: the five parts of a URI reference (RFC 3986, appendix B), empty ones told from absent ones
_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)


def resolve_reference(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` as RFC 3986 (section 5.2) says, as the query
    engine does: nothing normalised or dropped (urljoin dropped an empty ";" or "?", so the
    scanner missed "<x;>" and "<x?>"). Where the engine (oxiri) reads otherwise, as it reads:
    a reference with a scheme or an authority keeps its dot segments (``//h/def/../x`` is not
    ``//h/x``: the scanner checked a graph outside the vocabulary's namespace where the engine
    wrote one inside it, stranger 102), and see ``_remove_dots`` for an IRI with none."""
    scheme, authority, path, query, fragment = _PARTS.match(reference).groups()  # type: ignore[union-attr]
    b_scheme, b_authority, b_path, b_query, _ = _PARTS.match(base).groups()  # type: ignore[union-attr]
    if scheme is None:
        scheme = b_scheme
        if authority is None:
            if path == "":
                path, query = b_path, query if query is not None else b_query
            else:
                rooted = b_authority is not None
                if path.startswith("/"):
                    path = _remove_dots(path, rooted)
                else:
                    directory = b_path[: b_path.rfind("/") + 1] if "/" in b_path else ""
                    directory = "/" if rooted and not b_path else directory
                    path = _merged(directory, path, rooted)
            authority = b_authority
    text = f"{scheme}:" if scheme is not None else ""
    text += f"//{authority}" if authority is not None else ""
    text += path
    text += f"?{query}" if query is not None else ""
    return text + (f"#{fragment}" if fragment is not None else "")


def _merged(directory: str, reference: str, rooted: bool) -> str:
    """The path of ``reference`` (a relative path) under the base's ``directory`` (up to its
    last "/"), as the engine (oxiri) merges them: the directory as it is, dot segments and all,
    and the reference's "." and ".." applied to it (``http://h/a/./b/`` and ``../g`` give
    ``http://h/a/./g``: the scanner removed the base's dots too, checked another graph than the
    engine wrote and took a change for none, stranger 104)."""
    if not directory:
        return _remove_dots(reference, rooted)
    seed = [piece for piece in _PIECES.findall(directory[:-1]) if piece]
    return _remove_dots("/" + reference, rooted, seed)


#: a path's segments, each with the "/" before it (the first of a rootless path without one)
_PIECES = re.compile(r"(?:^|/)[^/]*")


def _remove_dots(path: str, rooted: bool = True, seed: list[str] | None = None) -> str:
    """RFC 3986 section 5.2.4: "." and ".." segments removed. The input is read by a position,
    not cut at each step (each cut copied the rest: a 1 MB IRI of "./" took 13 s and a chain
    of BASE declarations 39 s, in the server's process, stranger 87). ``seed``: segments
    already out, each with its "/" (``_merged``). ``rooted`` False: the
    IRI has no authority, and the engine (oxiri) leaves no "/" for a ".." with nothing before
    it, or after a segment that began without one (``_keeps_root``)."""
    output: list[str] = list(seed or [])
    at, end = 0, len(path)
    while at < end:
        if path.startswith("../", at):
            at += 3
        elif path.startswith("./", at):
            at += 2
        elif path.startswith("/./", at):
            at += 2  # the input now starts with that "/"
        elif path.startswith("/../", at):
            at += 3
            if not _keeps_root(output, rooted):
                at += 1  # and the "/" it would leave goes too
        elif at + 2 == end and path.startswith("/.", at):
            output.append("/")
            at = end
        elif at + 3 == end and path.startswith("/..", at):
            if _keeps_root(output, rooted):
                output.append("/")
            at = end
        elif end - at <= 2 and path[at:] in (".", ".."):
            at = end
        else:
            cut = path.find("/", at + 1 if path[at] == "/" else at)
            cut = end if cut < 0 else cut
            output.append(path[at:cut])
            at = cut
    return "".join(output)


def _keeps_root(output: list[str], rooted: bool) -> bool:
    """For a "/.." segment of ``_remove_dots``: the last segment of ``output`` removed, and
    whether the "/" that replaces it stays. Always with an authority (RFC 3986); without one,
    as the engine reads it: only when the segment removed began with "/" (``urn:a`` and
    ``/../x`` give ``urn:x``, ``urn:/a/../x`` gives ``urn:/x``, ``urn:a/../x`` ``urn:x``)."""
    removed = output.pop() if output else ""
    return rooted or removed.startswith("/")


@dataclass(frozen=True)
class Prologue:
    """The BASE and PREFIX declarations in force from ``position`` on."""

    position: int
    base: str | None
    prefixes: dict[str, str]


def prologues(text: str, base: str | None = None) -> list[Prologue]:
    """Each state of the declarations of ``text``, in order (``base``: the IRI the request's
    relative IRIs resolve against). An update's later operations keep earlier declarations.
    (The last few answers are remembered: a request's checks read the same text.)"""
    return list(_prologues(text, base))


def _prologues_of(text: str, base: str | None) -> tuple[Prologue, ...]:
    states = [Prologue(0, base, {})]
    if not _may_hold(text, "BASE", "PREFIX"):
        return tuple(states)
    found = _tokens(text, 0)
    for declared in _declarations(found):
        if declared.word == "VERSION":
            continue
        current, iri = states[-1], found[declared.end]
        value = _join(current.base, iri.text[1:-1])
        if declared.prefix is None:
            states.append(Prologue(iri.end, value, current.prefixes))
        else:
            prefixes = {**current.prefixes, declared.prefix: value}
            states.append(Prologue(iri.end, current.base, prefixes))
    return tuple(states)


class Declaration(NamedTuple):
    """A declaration of a text's tokens: the index of the name it declares (``name``; its
    keyword for a BASE or a VERSION) and of the token that ends it (``end``: an IRI, or the
    string of a VERSION), the prefix declared (None for BASE and VERSION), and which it is
    (``word``: BASE, PREFIX or VERSION)."""

    name: int
    end: int
    prefix: str | None
    word: str


def _declarations(found: tuple[Token, ...]) -> list[Declaration]:
    """Each declaration of ``found`` as the engine reads them: ``BASE <iri>``, ``PREFIX p:
    <iri>``, SPARQL 1.2's ``VERSION "1.2"``, and PREFIX glued to the name it declares where a
    declaration can stand (first, after another one, after the ``;`` that ends an update's
    operation): ``PREFIXp:<iri>``, and ``PREFIX:<iri>``, which declares the empty prefix
    (stranger 102: not read as one, ``:catalog`` named no graph to the scanner, and the
    catalogue was cleared)."""
    declared: list[Declaration] = []
    index, may_stand = 0, True
    while index < len(found):
        token = found[index]
        after = found[index + 1] if index + 1 < len(found) else None
        later = found[index + 2] if index + 2 < len(found) else None
        if _names(token, "BASE") and _kind_of(after) == "iri":
            declared.append(Declaration(index, index + 1, None, "BASE"))
            index, may_stand = index + 2, True
        elif _names(token, "PREFIX") and after is not None and _declares(after):
            if _kind_of(later) == "iri":
                declared.append(Declaration(index + 1, index + 2, after.text[:-1], "PREFIX"))
                index, may_stand = index + 3, True
            else:
                index, may_stand = index + 2, False
        elif _names(token, "VERSION") and _kind_of(after) == "string":
            declared.append(Declaration(index, index + 1, None, "VERSION"))
            index += 2  # among the declarations: one may follow, as after any other
        elif may_stand and _glued_prefix(token) and _kind_of(after) == "iri":
            prefix = token.text[len("PREFIX") : -1]
            declared.append(Declaration(index, index + 1, prefix, "PREFIX"))
            index, may_stand = index + 2, True
        else:
            may_stand = token.text == ";" and token.depth == 0
            index += 1
    return declared


def _kind_of(token: Token | None) -> str:
    return "" if token is None else token.kind


def _declares(token: Token) -> bool:
    """Whether ``token`` is a prefix as a declaration names it (``p:``)."""
    return token.kind == "pname" and token.text.endswith(":")


#: each state holds every prefix declared before it (a text's states grow with the square of
#: its declarations): fewer texts are remembered
_prologues = remembered(_prologues_of, texts=8)


def declarations(text: str) -> int:
    """How many BASE and PREFIX declarations ``text`` makes, as ``prologues`` reads them (each
    state of its declarations holds every prefix before it: their memory grows with the square
    of their number, and a chain of BASE makes each longer to resolve; 8,600 declarations took
    1 GB of the server's memory, stranger 87)."""
    if not _may_hold(text, "BASE", "PREFIX"):
        return 0
    return sum(
        1
        for token in _tokens(text, 0)
        if (token.kind == "word" and token.text.upper() in ("BASE", "PREFIX"))
        or _glued_prefix(token)
    )


def _glued_prefix(token: Token) -> bool:
    """Whether ``token`` may be a prefix declaration glued to its keyword (``PREFIXc:``, and
    ``PREFIX:`` for the empty prefix), outside braces; it is one where a declaration can
    stand (``_declarations``)."""
    return (
        token.kind == "pname"
        and token.depth == 0
        and token.text.endswith(":")
        and token.text[:6].upper() == "PREFIX"
    )


def _after(token: Token, cut: int) -> Token:
    """The prefixed name that ``token`` holds after its first ``cut`` characters (a keyword
    glued to it: ``GRAPHc:g`` after 5 is ``c:g``)."""
    return Token("pname", token.text[cut:], token.start + cut, token.end, token.depth)


def names_after_keyword(token: Token, words: tuple[str, ...]) -> list[Token]:
    """The prefixed names a prefixed name ``token`` may be read as when one of ``words`` is
    glued to its start: pyoxigraph reads ``GRAPHc:g`` as the keyword GRAPH and ``c:g``, and
    ``GRAPH:g`` as GRAPH and ``:g`` (its parser needs no boundary after a keyword). Each split
    after which the prefix so far ends with one of ``words`` gives one reading (erring towards
    seeing the keyword)."""
    if token.kind != "pname":
        return []
    prefix = token.text.partition(":")[0].upper()
    return [_after(token, cut) for cut in range(1, len(prefix) + 1) if prefix[:cut].endswith(words)]


def resolve(token: Token, states: list[Prologue]) -> str | None:
    """The absolute IRI an ``iri`` or ``pname`` token names (None: an undeclared prefix, or
    not an IRI at all), by the declarations in force where it stands."""
    state = next(s for s in reversed(states) if s.position <= token.start)
    if token.kind == "iri":
        return _join(state.base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _colon, local = token.text.partition(":")
        namespace = state.prefixes.get(prefix)
        return None if namespace is None else namespace + re.sub(r"\\(.)", r"\1", local)
    return None


@dataclass(frozen=True)
class DatasetClauses:
    """A query's own dataset: the IRIs of its FROM and of its FROM NAMED clauses."""

    default: tuple[str, ...]
    named: tuple[str, ...]


@remembered
def dataset_clauses(text: str, base: str | None = None) -> DatasetClauses | None:
    """The FROM and FROM NAMED clauses of the query ``text`` (None: it has none), their IRIs
    resolved by its declarations. Only the keyword FROM counts, where a dataset clause stands
    (before the WHERE clause, outside braces and parentheses, after a DESCRIBE's resources): a
    prefixed name ``from:name`` in an expression, an ORDER BY or a DESCRIBE's list, or a
    variable ``?from``, is no dataset clause. Read as pyoxigraph reads them: it
    needs no boundary after a keyword (``FROMNAMED<g>``, ``FROM:g``, ``FROM NAMED:g``), and after
    FROM a prefixed name whose prefix is declared is a name (``FROM named:g``). A clause whose
    IRI cannot be resolved (an undeclared prefix) names the empty string, which no graph is."""
    clauses, _spans = _dataset_scan(text, base)
    if not clauses[False] and not clauses[True]:
        return None
    return DatasetClauses(tuple(clauses[False]), tuple(clauses[True]))


def edited(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` of ``edits`` made (ranges of the text as
    given, none overlapping another; taken in the text's order), joined once: a copy of the
    whole text per edit was quadratic (50,000 relative IRIs in a 195 KB query took 15.7 s to
    make absolute, in the server's own process, before any time limit counted)."""
    pieces: list[str] = []
    done = 0
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0]):
        pieces += [text[done:start], replacement]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


@remembered
def without_dataset_clauses(text: str) -> str:
    """``text`` with its FROM and FROM NAMED clauses taken out (read as ``dataset_clauses``
    reads them), for a store given the dataset by the protocol's parameters instead: Virtuoso
    merged a query's FROM with the protocol's default-graph-uri, which replaces it."""
    _clauses, spans = _dataset_scan(text, None)
    return edited(text, [(start, end, " ") for start, end in spans])


def _dataset_scan(
    text: str, base: str | None
) -> tuple[dict[bool, list[str]], list[tuple[int, int]]]:
    """The IRIs of the FROM (False) and FROM NAMED (True) clauses of ``text``, and where each
    clause stands (from its FROM to its graph's name)."""
    clauses: dict[bool, list[str]] = {False: [], True: []}  # named? -> IRIs
    spans: list[tuple[int, int]] = []
    if not _may_hold(text, "FROM"):
        return clauses, spans
    found = [token for token in tokens(text) if token.depth == 0]
    states = prologues(text, base)
    expecting: bool | None = None  # after FROM: whether NAMED was read
    opened = 0  # where the FROM being read starts
    declared = False  # the token is a prefix declared by the PREFIX before it
    nesting = 0  # parentheses and brackets open around the token
    describing = False  # the token is in a DESCRIBE's list of resources
    previous: Token | None = None
    for token in found:
        before, previous = previous, token
        if token.kind == "open" and not _names(before, "CONSTRUCT"):
            break  # the WHERE clause: no dataset clause follows it (ORDER BY from:f(?x))
        nesting += {"nest": 1, "unnest": -1}.get(token.kind, 0)
        if nesting > 0:  # an expression's: (STR(from:name) AS ?p)
            continue
        if describing:
            describing = _described(token, states)
            if describing:
                describing = token.text != "*"  # DESCRIBE * lists nothing more
                continue
        describing = _names(token, "DESCRIBE")
        if expecting is not None:
            named, name = _source(token, states, expecting)
            if name is not None:
                clauses[named].append(name)
                spans.append((opened, token.end))
            expecting = True if named and name is None else None
            continue
        if declared or token.kind not in ("word", "pname"):
            declared = False
            continue
        declared = _names(token, "PREFIX")
        glued = _FROM_GLUED.match(token.text)
        if glued is None:
            continue
        expecting, opened = False, token.start + glued.start(1)  # (ASK stays: ASKFROMx:g)
        if token.kind == "word":  # FROM, FROMNAMED, ASKFROM: the graph's name follows
            rest = token.text[glued.end() :].upper()
            expecting = None if rest not in ("", "NAMED") else rest == "NAMED"
        else:  # FROM:g, FROMx:g, FROMNAMED:g, FROMNAMEDx:g, ASKFROMx:g
            named, name = _source(_after(token, glued.end()), states, False)
            if name is not None:
                clauses[named].append(name)
                spans.append((opened, token.end))
                expecting = None
            else:
                expecting = named
    return clauses, spans


#: FROM at the start of a word or a prefixed name, which needs no boundary after it (the
#: engine reads ``FROMx:g`` as FROM and ``x:g``, ``FROMNAMEDx:g`` as FROM NAMED and ``x:g``,
#: stranger 101), and after ASK glued before it (``ASKFROMx:g``)
_FROM_GLUED = re.compile(r"(?:ASK)?(FROM)", re.IGNORECASE)


def _names(token: Token | None, word: str) -> bool:
    """Whether ``token`` is the bare word ``word`` (upper case), in any case."""
    return token is not None and token.kind == "word" and token.text.upper() == word


def _described(token: Token, states: list[Prologue]) -> bool:
    """Whether ``token``, in a DESCRIBE's list of resources, is one more of them: a variable,
    an IRI, ``*``, or a prefixed name the engine reads as a name. It reads the list as long as
    it can, so ``from:g`` is a resource there when its prefix is declared, and ``FROM :g`` when
    not (pyoxigraph 0.5; stranger 99: ``DESCRIBE from:2`` was read as FROM and described
    nothing)."""
    if token.kind in ("var", "iri") or token.text == "*":
        return True
    return token.kind == "pname" and resolve(token, states) is not None


def _source(token: Token, states: list[Prologue], named: bool) -> tuple[bool, str | None]:
    """What ``token`` is after FROM (``named``: after FROM NAMED): (named, the graph's IRI, ""
    when it cannot be resolved), (True, None) for the word NAMED, (False, None) for anything
    else. A prefixed name whose prefix is declared is a name; else ``NAMED:g`` is NAMED and
    ``:g``."""
    if token.kind == "iri":
        return named, resolve(token, states) or ""
    if _names(token, "NAMED") and not named:
        return True, None
    if token.kind != "pname":
        return False, None
    resolved = resolve(token, states)
    prefix = token.text.partition(":")[0]
    if resolved is None and not named and prefix.upper().startswith("NAMED"):
        return True, resolve(_after(token, 5), states) or ""
    return named, resolved or ""


def block_at(text: str, start: int) -> Block | None:
    """The brace block opening at or after ``start`` (skipping strings and IRIs), if closed.
    Read from the text's one reading (a reading from each ``start`` was a whole new one: an
    update of 3,000 WHERE blocks was read 3,000 times, stranger 87)."""
    found = _tokens(text, 0)
    depth, opened = 0, None
    first = bisect.bisect_left(found, start, key=lambda token: token.start)
    for token in itertools.islice(found, first, None):
        if token.kind == "open":
            opened = token.start if opened is None else opened
            depth += 1
        elif token.kind == "close" and opened is not None:
            depth -= 1
            if depth == 0:
                return Block(opened, token.end)
    return None


#: the keywords that make the server fetch a URL
FETCHING = ("SERVICE", "LOAD")


def inside(word: str, token: Token) -> list[Keyword]:
    """Every place ``word`` appears inside the bare word (or prefix) ``token`` starts with:
    pyoxigraph's parser needs no boundary after a keyword (``SERVICESILENT`` is SERVICE
    SILENT, ``trueSERVICE`` is true SERVICE), so a keyword may hide inside a longer word."""
    keyword = _as_keyword(token)
    return [] if keyword is None or word not in keyword.word else _found(word, keyword)


def _found(word: str, keyword: Keyword) -> list[Keyword]:
    """Each place ``word`` appears in ``keyword`` (its text is in upper case)."""
    return [
        Keyword(word, keyword.start + at.start(), keyword.start + at.end(), keyword.depth)
        for at in re.finditer(word, keyword.word)
    ]


@remembered
def words_inside(text: str, words: tuple[str, ...]) -> tuple[Keyword, ...]:
    """Every place one of ``words`` appears in the bare words of ``text``, even inside a longer
    word (``inside``), in the order of the text (the last few answers are remembered: each
    check of a request reads the same text)."""
    upper = text.upper()
    if not any(word in upper for word in words):  # in no word of the text either: no reading
        return ()
    found: list[Keyword] = []
    for keyword in _keywords(text):
        found += [k for word in words if word in keyword.word for k in _found(word, keyword)]
    return tuple(sorted(found, key=lambda k: k.start))


#: tokens after which a ``<`` cannot be "less than": an operator, an opening bracket, a
#: separator, a group's start
_BEFORE_AN_IRI = frozenset({"(", "[", ",", "{", ".", ";"})
#: words that end an operand: the boolean literals (a language tag's end is one too)
_OPERAND_WORDS = frozenset({"TRUE", "FALSE"})


#: signs that stand alone only where a string or an escape could not be read: no valid text
#: holds one outside strings, IRIs and comments
_STRAY = frozenset({'"', "'", "\\"})


@remembered
def stray_quote(text: str) -> Token | None:
    """The first quote or backslash of ``text`` that begins no string and no escape SPARQL
    reads (``"\"\"\"…\\q\"\"\""``: an escape no string may hold; ``\\u12``: one cut short),
    or None. The scanner read such a long string whole, where the engine, whose long-string
    rule fails on it, read ``""`` and went on reading the lines after it as the query: a
    SERVICE call, a LOAD, a write to the catalogue ran unchecked (stranger 112). The scanner
    now reads strings as the grammar does, and what is left is refused: the engine refuses
    it too, or reads it otherwise."""
    return next(
        (token for token in _tokens(text, 0) if token.kind == "punct" and token.text in _STRAY),
        None,
    )


#: the characters of an IRI that, read as a less-than and what follows, begin a comment or a
#: string (which hide what comes after the ``>``) or open or close a bracket (which moves what
#: comes after into or out of the expression)
_HIDING = frozenset("#'()")


@remembered
def ambiguous_less_than(text: str) -> Token | None:
    """The first ``<…>`` that the scanner reads as an IRI where the engine may read "less
    than": in parentheses, holding a character of ``_HIDING``, after a token that may end an
    operand (anything but an operator, an opening bracket, a separator, or a word other than
    ``true``, ``false`` and a language tag: ``_certain_iri``), outside data and templates
    (VALUES, INSERT DATA, CONSTRUCT { }: no expression there). Read as an IRI, it hid what the
    engine read after it:
    - a ``)``: ``FILTER(?a<?b)SERVICE:x#>`` hid the SERVICE call, the ``>`` given by a comment
      (a FROM clause too; stranger 101; after ``false``, ``"a"@en`` or ``EXISTS{}``, 102);
    - a ``#`` or a ``'``: ``FILTER(1<2#>\"\"\"`` is ``1 < 2`` and a comment to the engine, and
      the start of a long string to the scanner, which hid the lines up to its end from every
      check: a SERVICE call to any host, a write to the catalogue, a variable the ORDER BY key
      missed (stranger 111);
    - a ``(``: ``FILTER(1<(2>3) && …)`` is one expression to the engine, and ended at ``3)`` to
      the scanner.
    An IRI holding one of them in a collection after a term reads so too (``(?a <x#y>)``): a
    prefixed name, or the IRI first, is read alike by both. Parentheses are counted within
    their braces (a pattern in ``FILTER(NOT EXISTS { … })`` has no expression around it,
    stranger 112). An IRI holding one of them right after a ``<`` is refused wherever it
    stands: ``<<(#>`` is a triple term's start and a comment to the engine (stranger 112)."""
    nesting = 0  # the parentheses open around the token, within its braces
    braces: list[tuple[bool, int]] = []  # each brace open: data or a template; nesting before
    values = False
    found = _tokens(text, 0)
    for index, token in enumerate(found):
        before = found[index - 1] if index else None
        if token.text == "{":
            word = before.text.upper() if before is not None and before.kind == "word" else ""
            data = values or word in _NOT_PLANNED or (bool(braces) and braces[-1][0])
            braces.append((data, nesting))
            nesting, values = 0, False  # a pattern in EXISTS { }: no expression around it
        elif token.text == "}":
            if braces:
                nesting = braces.pop()[1]
        elif token.kind == "word" and token.text.upper() == "VALUES":
            values = True
        elif token.text in ("(", ")"):
            nesting = max(0, nesting + (1 if token.text == "(" else -1))
        elif token.kind == "iri" and before is not None and before.text == "<":
            # ``<<(#>``: the engine reads ``<<(``, a triple term, and a comment, where the
            # scanner read "<" and an IRI (stranger 112); ``?o<<urn:x>`` is read alike
            if before.end == token.start and not _HIDING.isdisjoint(token.text):
                return token
        elif token.kind == "iri" and nesting > 0 and before is not None:
            in_data = bool(braces) and braces[-1][0]
            if not in_data and not _HIDING.isdisjoint(token.text):
                if not _certain_iri(found, index):
                    return token
    return None


def _certain_iri(found: tuple[Token, ...], index: int) -> bool:
    """Whether the ``<`` that starts ``found[index]`` can only start an IRI, by the token
    before it."""
    previous = found[index - 1]
    if previous.text == ">" and index > 1 and found[index - 2].text == ">":
        return False  # the end of a triple term, ``<<( … )>>``: an operand (stranger 104)
    if previous.kind in ("operator", "datatype") or previous.text in _BEFORE_AN_IRI:
        return True
    if previous.kind != "word" or previous.text.upper() in _OPERAND_WORDS:
        return False
    # a language tag (``"a"@en``) is a token of its own (``lang``), not a word: an operand's
    # end, above; a word after "-" may be what is left of one the scanner cut
    tag = index > 1 and found[index - 2].text in ("@", "-")
    return not tag


def fetching_keywords(text: str) -> list[Keyword]:
    """Each SERVICE and LOAD of ``text``, even inside a longer word (see ``inside``); in the
    prefix of a prefixed name, only where the engine reads a keyword there (``_fetches``)."""
    return list(_fetching_keywords(text))


@remembered
def _fetching_keywords(text: str) -> tuple[Keyword, ...]:
    if not _may_hold(text, *FETCHING):
        return ()
    listed = _tokens(text, 0)
    declarations = _declarations(listed)
    names = {declared.name for declared in declarations if declared.prefix is not None}
    ends = {declared.end for declared in declarations}
    found: list[Keyword] = []
    for index, token in enumerate(listed):
        keyword = _as_keyword(token)
        if keyword is None:
            continue
        following = listed[index + 1] if index + 1 < len(listed) else None
        previous = listed[index - 1] if index > 0 else None
        declared = index in names  # a prefix being declared (``PREFIX load:``) calls nothing
        first = previous is None or previous.text == ";" or index - 1 in ends
        for word in FETCHING:
            if word in keyword.word and not declared and _fetches(word, token, first, following):
                found += _found(word, keyword)
    return tuple(sorted(found, key=lambda k: k.start))


@remembered
def neutral_prefixes(text: str) -> str:
    """``text`` with each prefix it declares renamed ``ns1``, ``ns2``... (a name the text does
    not hold), in its declarations and in each prefixed name: the same query, for a store
    that misreads a prefix named as a keyword (Virtuoso 7.2 answered ``PREFIX select:``,
    ``ask:`` or ``describe:`` with results it could not write, or wrong ones)."""
    listed = _tokens(text, 0)
    declarations = _declarations(listed)
    declared: dict[str, str] = {}
    lowered = text.lower()
    number = 0
    for declaration in declarations:
        name = declaration.prefix
        while name and name not in declared:
            number += 1
            if f"ns{number}:" not in lowered:
                declared[name] = f"ns{number}"
    # a declaration glued to its keyword (``PREFIXselect:<iri>``, read by the engine) is
    # written apart, as every store reads it
    glued = {
        declaration.name: declaration.prefix
        for declaration in declarations
        if declaration.prefix is not None
        and listed[declaration.name].text != f"{declaration.prefix}:"  # not ``PREFIX p:``
    }
    edits = []
    for index, token in enumerate(listed):
        if index in glued:
            prefix = glued[index] or ""
            edits.append((token.start, token.end, f"PREFIX {declared.get(prefix, prefix)}:"))
        elif token.kind == "pname" and (prefix := token.text.partition(":")[0]) in declared:
            edits.append((token.start, token.start + len(prefix), declared[prefix]))
    return edited(text, edits) if edits else text


def _fetches(word: str, token: Token, first: bool, following: Token | None) -> bool:
    """Whether ``word`` (SERVICE or LOAD) in ``token`` may be read by the engine as that
    keyword (a prefix being declared, ``PREFIX load:``, never is). In a bare word, always. In
    the prefix of a prefixed name (``service:x``), the rest of the name would be what it
    names, so: SERVICE only when a group (``{``) follows, as a SERVICE's endpoint is followed
    (else the name is a name: ``?s cwm:service service:childcare``), and LOAD only where an
    update's operation starts (``first``: first, after ``;`` or after the prologue), outside
    braces (stranger 99: both were refused as calls, in valid queries of this project's own
    code lists; stranger 101: ``DESCRIBE <iri> load:2`` too)."""
    if token.kind != "pname":
        return True
    if word == "SERVICE":
        return following is not None and following.kind == "open"
    return token.depth == 0 and first


def remote_access(text: str) -> str | None:
    """The first keyword that would make the server fetch a URL (SERVICE, LOAD), if any."""
    return next((k.word for k in fetching_keywords(text)), None)


def skip_silent(text: str, target: Token | None) -> Token | None:
    """The token after an optional SILENT (``SILENT:p`` is SILENT and ``:p``; ``SILENT<x>``
    and ``SILENTx`` too: no boundary is needed after it)."""
    if target is not None and target.kind in ("word", "pname"):
        if target.text[:6].upper() == "SILENT":
            return term_after(text, target.start + 6)
    return target


def service_targets(text: str, base: str | None = None) -> list[str | None]:
    """What each ``SERVICE`` of ``text`` calls: the endpoint's absolute IRI when written as an
    IRI (relative ones resolved by BASE, else ``base``) or a declared prefixed name; None for
    a variable, an undeclared prefix or anything else (only the evaluation would settle it)."""
    states = prologues(text, base)
    targets: list[str | None] = []
    for keyword in fetching_keywords(text):
        if keyword.word == "SERVICE":
            target = skip_silent(text, term_after(text, keyword.end))
            targets.append(resolve(target, states) if target is not None else None)
    return targets


#: Virtuoso's built-in function namespaces: they reach its files and SQL (``bif:file_to_string``)
VENDOR_FUNCTIONS = (
    "bif:",
    "sql:",
    "http://www.openlinksw.com/schemas/bif#",
    "http://www.openlinksw.com/schemas/sql#",
)


@remembered
def store_own_syntax(text: str, base: str | None = None) -> str | None:
    """The first token of ``text`` (outside strings and comments) that is a store's own
    syntax, which standard SPARQL does not have and this service does not allow, or None:
    - a name in a store's own function namespace (``VENDOR_FUNCTIONS``), as written, or once
      resolved by BASE and PREFIX (``base``: the request's own base IRI), and after a ``::``;
    - a function called by an IRI that is not an XSD cast (``_other_function``);
    - a store's pragma (``_pragma``);
    - a FROM in brackets, which Virtuoso reads (it read the service's state and its own
      graphs, strangers 104 and 105) and SPARQL has not.
    (It was ``vendor_call``: it had come to find more than calls.)"""
    states = prologues(text, base)
    found = tokens(text)
    brackets: list[str] = []  # the brackets open around each token
    # the depths (how many brackets are open) where a solution modifier began: what follows
    # it there is expressions (a subquery's ``ORDER BY``, ``GROUP BY``, ``HAVING``: stranger
    # 107, ``fn:doc`` there ended Virtuoso's process)
    modifying: set[int] = set()
    for index, token in enumerate(found):
        innermost = brackets[-1] if brackets else ""
        nested_from = _names(token, "FROM") and bool(brackets)
        expression = innermost in ("", "(") or len(brackets) in modifying
        if (
            _pragma(token, states)
            or nested_from
            or _other_function(found, index, expression, states)
        ):
            return token.text
        if _names(token, "BY") or _names(token, "HAVING"):
            modifying.add(len(brackets))
        if token.text in "({[":
            brackets.append(token.text)
            modifying.discard(len(brackets))
        elif token.text in ")}]" and brackets:
            modifying.discard(len(brackets))
            brackets.pop()
        if token.kind in ("iri", "pname"):
            names = (token.text.lower().lstrip("<"), (resolve(token, states) or "").lower())
            # each part after a "::", which Virtuoso reads as a cast of its own
            # (``<LONG::bif:http_get>`` fetched a URL, stranger 104)
            parts = [part.lstrip() for name in names for part in name.split("::")]
            if any(part.startswith(VENDOR_FUNCTIONS) for part in parts):
                return token.text
    return None


#: the functions a query may call by IRI: the XSD casts (SPARQL 1.1, 17.5); no other is
#: standard, and Virtuoso runs any IRI called as one of its procedures (``fn:doc`` took its
#: process down, stranger 105)
STANDARD_FUNCTIONS = ("http://www.w3.org/2001/XMLSchema#",)


def _other_function(
    found: Sequence[Token], index: int, expression: bool, states: list[Prologue]
) -> bool:
    """Whether ``found[index]`` is an IRI or prefixed name called as a function (followed by
    "(") that is not one of ``STANDARD_FUNCTIONS``. ``expression``: whether it stands where
    expressions are: in parentheses, outside all brackets (a condition of ORDER BY, GROUP BY,
    HAVING: ``ORDER BY ?s fn:doc(…)``, stranger 106), or after a subquery's solution
    modifier (stranger 107). A name before "(" is called there and right after FILTER; among
    triples (in braces, a property list) it is a predicate before a collection
    (``NOT EXISTS { ?s <p> (1 2) }`` was refused, stranger 106)."""
    token = found[index]
    if token.kind not in ("iri", "pname") or index + 1 >= len(found):
        return False
    if found[index + 1].text != "(":
        return False
    previous = found[index - 1] if index > 0 else None
    called = expression or _names(previous, "FILTER")
    name = resolve(token, states) or ""
    return called and not name.startswith(STANDARD_FUNCTIONS)


def _pragma(token: Token, states: list[Prologue]) -> bool:
    """Whether ``token`` may be read by a store as one of its pragmas, ``DEFINE`` (Virtuoso's
    ``define input:default-graph-uri <g>`` chose the graphs a query read: the service's state,
    Virtuoso's own, unpublished dataset versions, stranger 103): the bare word, or a name
    beginning with it whose prefix is not declared (``DEFINEinput:x``)."""
    if token.kind == "word":
        return token.text.upper() == "DEFINE"
    if token.kind != "pname" or not token.text.upper().startswith("DEFINE"):
        return False
    prefix = token.text.partition(":")[0]
    return all(prefix not in state.prefixes for state in states)


#: constructs that pyoxigraph's parser (or evaluator) nests one level deeper each time they are
#: chained, without any bracket, and their weight: ``CHAIN_UNIT`` over how many of them in one
#: chain overflow a worker's 8 MB stack (measured with pyoxigraph 0.5.13, one subprocess per
#: chain length: UNION 6,554, OPTIONAL 6,225, MINUS 2,662, FILTER 9,472, GRAPH 6,554, SERVICE
#: 6,543, VALUES 6,656; BIND did not overflow at 52,428 but its evaluation outlived 60 s);
#: and the separators of a chain of triple patterns: "." 8,320, ";" 8,250, "," 8,202 (";"
#: between update operations did not overflow at 26,842, nor "," in an IN list or CONCAT's
#: arguments at 200,000: those are not counted)
CHAIN_UNIT = 10_000
CHAINED: dict[str, int] = {
    "UNION": 2,
    "OPTIONAL": 2,
    "MINUS": 4,
    "FILTER": 2,
    "GRAPH": 2,
    "SERVICE": 2,
    "VALUES": 2,
    "BIND": 1,
}
#: separators that chain triple patterns (``?s ?p ?o . ?s ?p ?o . …``), with their weights
CHAINING_SIGNS: dict[str, int] = {".": 2, ";": 2, ",": 2}
_CHAINED = re.compile("|".join(sorted(CHAINED, key=len, reverse=True)))


@dataclass(frozen=True)
class Size:
    """How complex a query or update is, lexically: parsers recurse on these measures."""

    depth: int  # the deepest nesting of braces, parentheses and brackets
    operators: int  # operator signs (paths, arithmetic, comparisons, logic)
    chained: int = 0  # the weights of the chaining keywords (even glued) and signs
    terms: int = 0  # the terms of its graph patterns, and their groups (``measure``)


#: the words after which a group is data or a template, not a pattern the engine plans: it and
#: the groups in it count nothing (``INSERT DATA { … }``, ``CONSTRUCT { … }``, a VALUES block)
_NOT_PLANNED = {"DATA", "CONSTRUCT", "INSERT", "DELETE"}
#: the kinds of token that are terms of a pattern (and ``_term_word``, a blank node ``[ ]``)
_TERMS = {"var", "iri", "pname", "string", "number"}
#: a collection's item is two triple patterns to the engine (``rdf:first`` and ``rdf:rest``,
#: each with a blank node of its own): six terms (stranger 117: ``(true … ×5000)`` counted two
#: terms, and its 10,000 patterns ended the worker; 290 numbers, counted 292, were planned in
#: 17 s)
COLLECTION_ITEM_TERMS = 6


def _term_word(token: Token) -> bool:
    """Whether ``token`` is a word that stands for a term: ``a`` (``rdf:type``, lower case
    only), ``true`` or ``false`` (``[] a []`` ×600 counted no term, and outgrew its worker's
    memory, stranger 117)."""
    return token.kind == "word" and (token.text == "a" or token.text.upper() in ("TRUE", "FALSE"))


#: the words after which a group's terms are no patterns: a sub-query's projection and its
#: solution modifiers (and ``ORDER BY``, ``GROUP BY``, glued or not: any word ending in BY)
_NOT_PATTERNS = {"SELECT", "HAVING", "LIMIT", "OFFSET"}


@dataclass
class _Bracket:
    """A bracket ``measure`` reads: "{", "[", "(", "list" (a collection) or "path" (a property
    path's group), whether the terms it holds count, and whether it is data or a template, or
    within one."""

    kind: str
    counts: bool
    data: bool = False


def _signed_number(found: Sequence[Token], index: int) -> bool:
    """Whether ``found[index]`` is the sign of the number glued to it (``-5``: one token to the
    engine, INTEGER_NEGATIVE)."""
    sign, after = found[index], found[index + 1] if index + 1 < len(found) else None
    return (
        sign.text in "+-"
        and after is not None
        and after.kind == "number"
        and (after.start == sign.end)
    )


#: the signs of a property path between its steps or before one
_PATH_SIGNS = frozenset({"/", "|", "^", "!"})
#: a path's modifiers after a step
_PATH_MODIFIERS = frozenset({"*", "+", "?"})


def _path_group(found: Sequence[Token], index: int) -> bool:
    """Whether the ``(`` at ``found[index]``, among patterns, groups a property path rather
    than opening a collection: a path's sign before it, in it (outside its inner brackets) or
    after its ``)``, or a modifier after that (``?s (<p>|<q>)+ ?o``, ``^(<p>/<q>)``). Counted as
    collections, six terms an IRI, a listing of 14 ``cwm:x/(skos:prefLabel|rdfs:label)`` was
    "too complex", stranger 118. A group without a sign, ``?s (<p>) ?o``, is taken for one."""
    before = found[index - 1] if index else None
    if before is not None and before.kind == "operator" and before.text in _PATH_SIGNS:
        return True
    depth = 0
    for at in range(index, len(found)):
        token = found[at]
        if token.kind in ("open", "nest"):
            depth += 1
        elif token.kind in ("close", "unnest"):
            depth -= 1
            if depth == 0:
                after = found[at + 1] if at + 1 < len(found) else None
                return after is not None and after.text in _PATH_SIGNS | _PATH_MODIFIERS
        elif depth == 1 and token.kind == "operator" and token.text in _PATH_SIGNS:
            return True
    return False


def _called(found: Sequence[Token], index: int) -> bool:
    """Whether the ``(`` at ``found[index]`` holds the arguments of a function a FILTER calls
    by its IRI (``FILTER xsd:boolean(?t)``: no collection)."""
    return (
        index >= 2
        and found[index - 1].kind in ("iri", "pname")
        and found[index - 2].kind == "word"
        and found[index - 2].text.upper() == "FILTER"
    )


@remembered
def measure(text: str) -> Size:
    """The ``Size`` of ``text`` (strings, IRIs and comments do not count), in one walk over its
    tokens.

    - **Operators** count wherever they stand (the parser recurses on them), but a number's
      sign, which counts in an expression only (``FILTER(?a -5 -5 …)`` is a chain of
      subtractions; ``VALUES ?x { -5 }``, a triple's object ``-5`` are one token to the
      engine: 1,001 coordinates west of Greenwich counted 2,002 operators and were "too
      complex", stranger 116), and a literal's ``^^`` is none (stranger 115).
    - A sign of ``CHAINING_SIGNS`` counts between patterns only: not between a function's
      arguments, nor in data and templates (``INSERT DATA``, ``DELETE DATA``, an ``INSERT``
      or ``CONSTRUCT`` template, a VALUES block), which the engine reads without recursing
      (30,000 triples in 0.1 s with pyoxigraph 0.5.13, where 3,000 triple patterns in a WHERE
      overflowed its stack: ``INSERT DATA`` of 1,000 triples was "too complex", stranger 116).
      Chaining keywords count everywhere, glued or not.
    - **Terms**: how many terms the graph patterns hold (a triple pattern three, a pair of a
      property list two, a blank node ``[ ]`` one, a typed literal one, each item of a
      collection ``COLLECTION_ITEM_TERMS``), and how many
      groups (but a UNION's branches, one): the engine plans the join of a query's patterns,
      groups merged, in a time that grows faster than their number (100 triple patterns about
      one subject 0.8 s, 150 of them 3.8 s, 300 that share no variable more than 20 s; 300
      ``GRAPH ?g {}`` 32 s; measured with pyoxigraph 0.5.13 on an empty store, strangers 108 and
      109: a 3 KB text held a query slot for its time limit). Counted over the whole text, as
      the engine merges groups (99 patterns in each of many groups were planned as one join).
      Data and templates count nothing (``_NOT_PLANNED``, a VALUES block), nor expressions (in
      parentheses after a word: FILTER, BIND, a function)."""
    deepest = operators = chained = terms = 0
    # each bracket around the token: its kind, and whether the terms it holds count (not in
    # data, a template or an expression, nor a sub-query's projection or solution modifiers)
    opened: list[_Bracket] = []
    previous: Token | None = None
    values = False
    found = tokens(text)
    for index, token in enumerate(found):
        kind = token.kind
        inner = opened[-1] if opened else _Bracket("", counts=False)
        patterned = inner.kind in ("{", "[", "list", "path") and inner.counts
        each = COLLECTION_ITEM_TERMS if inner.kind == "list" else 1  # what a term counts here
        if kind in ("word", "pname"):
            keyword = _as_keyword(token)
            if keyword is not None:
                chained += sum(CHAINED[word] for word in _CHAINED.findall(keyword.word))
        if kind in ("open", "nest"):
            if token.text == "{":
                word = previous.text.upper() if previous and previous.kind == "word" else ""
                data = values or word in _NOT_PLANNED or inner.data
                terms += patterned and word != "UNION"
                opened.append(_Bracket("{", counts=not data, data=data))
                values = False
            elif token.text == "[":  # a blank node: a term
                terms += each if patterned else 0
                opened.append(_Bracket("[", counts=inner.counts, data=inner.data))
            else:  # "(": a collection or a path's group among patterns, else an expression
                listed = (
                    patterned
                    and (previous is None or previous.kind != "word" or _term_word(previous))
                    and not _called(found, index)
                )
                if listed and (inner.kind == "path" or _path_group(found, index)):
                    opened.append(_Bracket("path", counts=True, data=inner.data))
                else:
                    terms += each if listed else 0  # a collection's head node
                    kind_of = "list" if listed else "("
                    opened.append(_Bracket(kind_of, counts=listed, data=inner.data))
            deepest = max(deepest, len(opened))
        elif kind in ("close", "unnest"):
            if opened:
                opened.pop()
        elif kind == "operator":
            expression = inner.kind == "(" and not inner.data
            operators += expression or not _signed_number(found, index)
        elif kind == "punct":
            if not inner.data and inner.kind not in ("(", "list"):
                chained += CHAINING_SIGNS.get(token.text, 0)
        elif (kind in _TERMS or _term_word(token)) and patterned:
            if not (previous and previous.kind == "datatype"):  # of its literal: one term
                terms += each
        elif kind == "word":
            word = token.text.upper()
            values = values or word == "VALUES"
            if inner.kind == "{" and (word in _NOT_PATTERNS or word.endswith("BY")):
                inner.counts = False  # a sub-query's projection, its solution modifiers
        previous = token
    return Size(deepest, operators, chained, terms)


class DatasetConflict(ValueError):
    """using-graph-uri/using-named-graph-uri given for an update that sets its own dataset."""


def declares_dataset(update: str) -> bool:
    """Whether ``update`` names its own dataset (a USING or WITH clause)."""
    return any(k.word in ("USING", "WITH") for k in keywords(update) if k.depth == 0)


def with_using(update: str, default: list[str], named: list[str]) -> str:
    """``update`` with the protocol's using-graph-uri (``default``) and using-named-graph-uri
    (``named``) applied to each of its operations that has a WHERE clause, as USING clauses.

    ``DELETE WHERE { P }`` cannot carry USING, so it becomes ``DELETE { P } USING … WHERE { P }``,
    which means the same. Raises DatasetConflict when the update has USING or WITH itself.
    """
    if not default and not named:
        return update
    top = [k for k in keywords(update) if k.depth == 0]
    clash = next((k for k in top if k.word in ("USING", "WITH")), None)
    if clash:
        raise DatasetConflict(
            f"the update sets its dataset with {clash.word} (at character {clash.start}); "
            "it cannot also be given using-graph-uri or using-named-graph-uri"
        )
    using = " ".join(
        [f"USING <{iri}>" for iri in default] + [f"USING NAMED <{iri}>" for iri in named]
    )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in order
    for previous, keyword in zip([None, *top], top, strict=False):
        if keyword.word != "WHERE":
            continue
        if (
            previous is not None
            and previous.word == "DELETE"
            and not update[previous.end : keyword.start].strip()
        ):
            block = block_at(update, keyword.end)
            if block is None:
                continue  # unclosed: pyoxigraph will report the syntax error
            pattern = update[block.start : block.end]
            edits.append((previous.start, block.end, f"DELETE {pattern} {using} WHERE {pattern}"))
        else:
            edits.append((keyword.start, keyword.start, f"{using} "))
    return edited(update, edits)


#: what in a prefixed name's local part a store may not read (Virtuoso 7.2: ``e:a\\.b``,
#: ``e:a%41``, ``e:a:b`` were a 400 there, stranger 106 and 107)
_UNREAD_IN_LOCAL = ("\\", "%", ":")


def plain_spelling(text: str, base: str | None = None) -> str:
    """``text`` spelled as a store that reads less than SPARQL allows reads it, with the same
    meaning (Virtuoso 7.2, stranger 107): an integer followed at once by the "." that ends a
    triple is written apart from it (``?s ?p 1. ?s ?p ?o``: Virtuoso read ``1.`` as a
    decimal, a 400), and a prefixed name whose local part holds an escape, a "%" or a ":" is
    written as the IRI it names (``base``: the request's base IRI, for a relative PREFIX)."""
    if not any(mark in text for mark in (".", *_UNREAD_IN_LOCAL[:2])) and text.count(":") < 2:
        return text
    found = tokens(text)
    states: list[Prologue] | None = None
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(found):
        after = found[index + 1] if index + 1 < len(found) else None
        if token.kind == "number" and after is not None and after.text == "." == text[token.end]:
            if token.text.isdigit():
                edits.append((token.end, token.end, " "))
        elif token.kind == "pname" and any(
            mark in token.text.partition(":")[2] for mark in _UNREAD_IN_LOCAL
        ):
            states = prologues(text, base) if states is None else states
            named = resolve(token, states)
            if named is not None:
                edits.append((token.start, token.end, f"<{named}>"))
    return edited(text, edits) if edits else text


#: the update operations that fail on a graph that is there or not, unless SILENT
_MAY_FAIL = ("CREATE", "DROP", "CLEAR", "ADD", "MOVE", "COPY")


def silent_operations(update: str) -> str:
    """``update`` with SILENT after each operation of ``_MAY_FAIL`` that has none: each of its
    operations then runs on an empty store, none stopping the ones after it (the reading of
    an update for an external store plans them all, stranger 108)."""
    found = tokens(update)
    edits = [
        (token.end, token.end, " SILENT")
        for index, token in enumerate(found)
        if token.kind == "word"
        and not token.depth
        and token.text.upper() in _MAY_FAIL
        and not _names(found[index + 1] if index + 1 < len(found) else None, "SILENT")
    ]
    return edited(update, edits) if edits else update


def update_operations(update: str) -> int:
    """How many operations the update ``update`` holds: one more than the ``;`` between them
    (outside braces; a last ``;`` ends the update and begins none)."""
    found = tokens(update)
    between = [index for index, token in enumerate(found) if token.text == ";" and not token.depth]
    return len(between) + 1 - (1 if between and between[-1] == len(found) - 1 else 0)


def graph_operations_for(update: str, managed: list[str], default: str, none: str) -> str:
    """``update`` as an external store should run it, when the service's graphs are only some of
    the store's (``managed``) and a named graph (``default``) stands in for its default graph:

    - ``CLEAR``/``DROP`` of ``ALL``, ``NAMED`` or ``DEFAULT`` apply to those graphs only, one
      by one (on the store, ALL would also take other applications' and the store's own);
    - ``CLEAR``/``DROP GRAPH`` of a managed graph is SILENT (Virtuoso refuses to drop a graph
      that was loaded rather than created, though it exists);
    - ``ADD``, ``MOVE`` and ``COPY`` from or to ``DEFAULT`` use the stand-in.

    ``none``: an empty graph, for an operation left with nothing to do."""
    top = [k for k in keywords(update) if k.depth == 0]
    edits: list[tuple[int, int, str]] = []
    for index, keyword in enumerate(top):
        if keyword.word in ("CLEAR", "DROP"):
            rest = top[index + 1 : index + 3]
            if rest and rest[0].word == "SILENT":
                rest = rest[1:]
            if not rest:
                continue
            target = rest[0]
            graphs = {
                "DEFAULT": [default],
                "NAMED": managed,
                "ALL": [*managed, default],
            }.get(target.word)
            if graphs is not None:
                operation = "CLEAR" if target.word == "DEFAULT" else keyword.word
                steps = [f"{operation} SILENT GRAPH <{g}>" for g in graphs or [none]]
                edits.append((keyword.start, target.end, " ;\n".join(steps)))
            elif target.word == "GRAPH":
                named = term_after(update, target.end)
                if named and named.kind == "iri" and named.text[1:-1] in managed:
                    edits.append((keyword.start, target.end, f"{keyword.word} SILENT GRAPH"))
        elif keyword.word in ("ADD", "MOVE", "COPY"):
            for other in top[index + 1 : index + 5]:
                if other.word == "DEFAULT":
                    edits.append((other.start, other.end, f"<{default}>"))
    for start, end, replacement in sorted(edits, reverse=True):
        update = update[:start] + replacement + update[end:]
    return update


def without_comments(text: str) -> str:
    """``text`` without its comments, each left as its line's end: what a store is sent, so
    that it cannot read a comment otherwise than the engine and the scanner do (Virtuoso ends
    one at LF only, where SPARQL ends it at CR too: a lone CR let a text be a long string to
    the checks and code to Virtuoso, which read the service's state and fetched a URL,
    stranger 106). The comments are what lies between the text's tokens (its one reading);
    a text without "#" is given back as it is."""
    if "#" not in text:
        return text
    found = _tokens(text, 0)
    ends, starts = [0, *(t.end for t in found)], [*(t.start for t in found), len(text)]
    gaps = zip(ends, starts, strict=True)
    edits = [
        (match.start(), match.end(), "")
        for start, end in gaps
        if "#" in text[start:end]
        for match in _COMMENT.finditer(text, start, end)
    ]
    return edited(text, edits)


#: a comment, in the text between two tokens
_COMMENT = re.compile(r"#[^\r\n]*")


def blank_data_as_template(update: str) -> str:
    """``update`` with each ``INSERT DATA`` whose data hold a blank node (``_:b``, ``[ ]``, a
    collection) written as ``INSERT { ... } WHERE {}``, which means the same: new blank nodes,
    once. Virtuoso 7.2 refused blank nodes in INSERT DATA ("not allowed in a constant clause"),
    a 400 for a valid update."""
    top = [k for k in keywords(update) if k.depth == 0]
    found = _tokens(update, 0)
    edits: list[tuple[int, int, str]] = []
    for keyword, data in itertools.pairwise(top):
        if keyword.word != "INSERT" or data.word != "DATA":
            continue
        block = block_at(update, data.end)
        if block is None:
            continue
        first = bisect.bisect_left(found, block.start, key=lambda token: token.start)
        last = bisect.bisect_left(found, block.end, key=lambda token: token.start)
        if any(_blank(token, update) for token in found[first:last]):
            edits += [(data.start, data.end, ""), (block.end, block.end, " WHERE {}")]
    return edited(update, edits)


def _blank(token: Token, text: str) -> bool:
    """Whether ``token`` (in ``text``) makes a blank node in data: ``_:`` or an opening
    bracket or parenthesis (a property list, a collection)."""
    if token.kind == "nest":
        return True
    return token.text == "_" and text.startswith(":", token.end)


#: characters an IRI written between ``<>`` cannot hold as they are (SPARQL's IRIREF)
_NOT_IN_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20]')


@remembered
def absolute_iris(text: str, base: str | None) -> str:
    """``text`` with every relative IRI written as the absolute IRI it names (by the BASE and
    PREFIX declarations in force where it stands, and ``base`` before any BASE) and without
    its BASE declarations: the same query for a store that would resolve them otherwise
    (Virtuoso refused a second BASE declaration, and a service's own put before a query's)."""
    states = prologues(text, base)
    edits: list[tuple[int, int, str]] = []
    found = _tokens(text, 0)
    for index, token in enumerate(found):
        if _names(token, "BASE") and index + 1 < len(found):
            after = found[index + 1]
            if after.kind == "iri":
                edits.append((token.start, after.end, " "))
        elif token.kind == "iri" and not is_absolute(token.text[1:]):
            if edits and edits[-1][1] == token.end:  # a BASE declaration's own IRI
                continue
            absolute = resolve(token, states)
            if absolute is not None and is_absolute(absolute):
                escaped = _NOT_IN_IRIREF.sub(lambda m: f"\\u{ord(m.group()):04X}", absolute)
                edits.append((token.start, token.end, f"<{escaped}>"))
    return edited(text, edits)


def empty_graph_patterns(query: str, named: list[str]) -> str:
    """``query`` with each ``GRAPH`` over an empty pattern (``GRAPH ?g { }``, ``GRAPH <g> {}``)
    written as what it means for a dataset whose named graphs are ``named``: ``VALUES ?g`` of
    those graphs, one empty solution for a graph among them, none for another. Virtuoso 7.2
    answered them from the quads it holds: no graph for ``GRAPH ?g {}``, true for a graph
    outside the dataset."""
    edits: list[tuple[int, int, str]] = []
    for keyword in keywords(query):
        if keyword.word != "GRAPH" or keyword.end - keyword.start != len("GRAPH"):
            continue
        term = term_after(query, keyword.end)
        if term is None or term.kind not in ("var", "iri"):
            continue
        opened = term_after(query, term.end)
        if opened is None or opened.kind != "open":
            continue
        closed = term_after(query, opened.end)
        if closed is None or closed.kind != "close":
            continue
        if term.kind == "var":
            graphs = " ".join(f"<{graph}>" for graph in named)
            meaning = f"VALUES {term.text} {{ {graphs} }}"
        else:
            meaning = "{ }" if term.text[1:-1] in named else "{ FILTER(false) }"
        edits.append((keyword.start, closed.end, meaning))
    return edited(query, edits)


def graphs_outside_dataset(query: str, named: set[str], nothing: str) -> str:
    """``query`` with every ``GRAPH <iri>`` (an absolute IRI, outside strings and comments)
    whose graph is not one of the dataset's ``named`` graphs turned into ``GRAPH <nothing>``,
    an empty graph of the dataset. The answer is the same by the standard, and Virtuoso 7.2
    then gets it right: given a graph outside the dataset, it answered ASK with true and a
    UNION with one empty solution."""
    edits = []
    for keyword in keywords(query):
        if keyword.word != "GRAPH":
            continue
        found = term_after(query, keyword.end)
        if found and found.kind == "iri" and ":" in found.text and found.text[1:-1] not in named:
            edits.append((found.start + 1, found.end - 1, nothing))
    return edited(query, edits)


#: words of a query that need every solution before the first can be given (or reach out)
_WHOLE_RESULT = {
    "GROUP", "ORDER", "DISTINCT", "REDUCED", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE",
    "GROUP_CONCAT", "SERVICE", "MINUS", "EXISTS",
}  # fmt: skip
_NUMBER_AFTER = re.compile(r"\s*(\d+)")


#: functions whose value changes from one evaluation to the next
VOLATILE = ("NOW", "RAND", "UUID", "STRUUID")


def volatile(query: str) -> bool:
    """Whether ``query`` calls a function that gives another value each time it runs (NOW,
    RAND, UUID, STRUUID, even glued to a word before it): its answer may not be given again."""
    return bool(words_inside(query, VOLATILE))


#: what makes a property path a closure (``*``, ``+``: every node's reach; ``?``: every node
#: at length zero), which the engine works out before its first solution, whatever the LIMIT
#: (``SELECT * { ?s (!<urn:x>)* ?o } LIMIT 3``, 38 bytes, outgrew its worker's memory cap in
#: 6.5 s: ten at once held the light lane, and a light query waited 24 s, stranger 116); a
#: ``*`` after SELECT (or REDUCED) projects, and is no path
_CLOSURE_SIGNS = {"*", "+", "?"}
_PROJECTING = {"SELECT", "REDUCED"}


def _closure(query: str) -> bool:
    """Whether ``query`` may hold a path closure: a ``*``, ``+`` or lone ``?`` outside strings,
    IRIs and comments, but a projection's ``*`` (arithmetic and a number's sign are taken for
    one too: such a query is only not light)."""
    found = tokens(query)
    for index, token in enumerate(found):
        if token.text not in _CLOSURE_SIGNS or token.kind not in ("operator", "punct"):
            continue
        before = found[index - 1] if index else None
        if token.text == "*" and before is not None and before.kind == "word":
            if before.text.upper().endswith(tuple(_PROJECTING)):
                continue
        return True
    return False


def looks_light(query: str, most_rows: int = 1_000) -> bool:
    """Whether ``query`` looks cheap from its text: an ASK or a DESCRIBE, or a result cut by a
    LIMIT of at most ``most_rows``, with no grouping, sorting, aggregate, DISTINCT, MINUS or
    EXISTS (each needs every solution before the first), and no path closure (``_closure``). A
    guess: a query that looks light and is not still meets the time limits."""
    found = keywords(query)
    heavy = re.compile("|".join(sorted(_WHOLE_RESULT, key=len, reverse=True)))
    if any(heavy.search(k.word) for k in found):  # glued ones too: SELECTDISTINCT
        return False
    if _closure(query):
        return False
    if any(k.word in ("ASK", "DESCRIBE") and k.depth == 0 for k in found):
        return True
    for keyword in found:
        if keyword.word == "LIMIT" and keyword.depth == 0:
            number = _NUMBER_AFTER.match(query, keyword.end)
            return number is not None and int(number.group(1)) <= most_rows
    return False


#: words that are SPARQL 1.2's alone (1.1 has no such keyword or function): what each is
SPARQL_12_WORDS = {
    "VERSION": "the VERSION declaration",
    "TRIPLE": "the TRIPLE function",
    "ISTRIPLE": "the isTRIPLE function",
    "SUBJECT": "the SUBJECT function",
    "PREDICATE": "the PREDICATE function",
    "OBJECT": "the OBJECT function",
    "LANGDIR": "the LANGDIR function",
    "HASLANG": "the hasLANG function",
    "HASLANGDIR": "the hasLANGDIR function",
    "STRLANGDIR": "the STRLANGDIR function",
}
#: adjacent characters that only SPARQL 1.2 gives a meaning to: what they are
SPARQL_12_MARKS = {
    "<<": "a triple term or reified triple (<< >>)",
    "{|": "an annotation ({| |})",
    "~": "a reifier (~)",
}


#: a language tag with a base direction after a string (``"a"@en--ltr``): SPARQL 1.2's alone,
#: no SPARQL 1.1 LANGTAG (version=1.1 let it through: stranger 48)
DIRECTIONAL_TAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*--[a-zA-Z]+")


def sparql_12_feature(text: str) -> str | None:
    """The first SPARQL 1.2 construct of ``text`` outside its strings, IRIs and comments (a
    request that names version 1.1 may not use one), or None."""
    found = tokens(text)
    for token, after in zip(found, [*found[1:], None] if found else [], strict=True):
        if token.kind == "word" and token.text.upper() in SPARQL_12_WORDS:
            return SPARQL_12_WORDS[token.text.upper()]
        if token.kind == "string" and DIRECTIONAL_TAG.match(text, token.end):
            return "a language tag with a base direction (@lang--dir)"
        glued = after is not None and after.start == token.end and after.kind != "iri"
        pair = token.text + (after.text[:1] if glued and after is not None else "")
        for mark, what in SPARQL_12_MARKS.items():
            if pair.startswith(mark):
                return what
    return None


# ------------------------------------------------------------------ ORDER BY, in a total order


#: the key set before each ORDER BY condition ``{e}``: whether it is a number. Oxigraph compared
#: a number with a string, a language-tagged string or a gYear in no consistent order: a sort of
#: such a column aborted its worker (a Rust panic, "does not correctly implement a total order")
#: or, on a few rows, put 10 before 9 (stranger 48). With the key, numbers are sorted among
#: themselves, after every other term (SPARQL 1.1 15.1 leaves the order of literals of different
#: types to the engine; an unbound value, whose key is an error, still comes first, and blank
#: nodes and IRIs before literals). One key: each costs the sort. A second one parting dates,
#: times and durations from other literals (``DATATYPE(e) IN (xsd:dateTime, ...)``: their sort
#: beside strings aborts too, stranger 51) made the 33 bench queries 1.119x as long summed, one
#: held-back query 3.1x: not set; that fault is told as the engine's (``endpoint.execution``).
ORDER_KEYS = ("isNumeric({e})",)
#: words that end a solution modifier's list of order conditions though a "(" may follow
_AFTER_ORDER = {"LIMIT", "OFFSET", "VALUES"}


def _after_word(found: list[Token], word: str, kind: str) -> list[Token]:
    """The tokens of ``kind`` that stand right after the bare ``word`` (upper case) in
    ``found``: the variable of each ``AS ?v``, the string of each ``VERSION "1.2"``."""
    return [
        following
        for token, following in zip(found, found[1:], strict=False)
        if token.kind == "word" and token.text.upper() == word and following.kind == kind
    ]


#: what closes each bracket a token may open
_CLOSES = {"(": ")", "{": "}"}


def _closing(found: list[Token], at: int) -> int | None:
    """The index of the ")" or "}" that closes the "(" or "{" at ``at``, or None."""
    return _pairs(found).get(at)


class _Paired(threading.local):
    """The bracket pairs and the SELECTs of the last token list a thread looked at
    (``_pairs``, ``_selects``)."""

    found: list[Token] | None = None
    pairs: dict[int, int] | None = None
    selects_of: list[Token] | None = None
    selects: dict[int, list[int]] | None = None


_paired = _Paired()


def _selects(found: list[Token]) -> dict[int, list[int]]:
    """The indices of the SELECTs of ``found`` by brace depth, in order, in one pass (the last
    list's are kept): each ORDER BY looked back for its SELECT through the whole text, and a
    text of 12,800 "ORDER BY(" was quadratic (stranger 87)."""
    if _paired.selects_of is found and _paired.selects is not None:
        return _paired.selects
    selects: dict[int, list[int]] = {}
    for index, token in enumerate(found):
        if token.text.upper() == "SELECT":
            selects.setdefault(token.depth, []).append(index)
    _paired.selects_of, _paired.selects = found, selects
    return selects


def _pairs(found: list[Token]) -> dict[int, int]:
    """Each "(" and "{" of ``found`` (by index) with the index of what closes it, each kind of
    bracket counted apart, in one pass over the list (the last list's pairs are kept): each
    unclosed "ORDER BY (" was looked for to the text's end, quadratic in the server and again
    in the worker until its time limit (stranger 87)."""
    if _paired.found is found and _paired.pairs is not None:
        return _paired.pairs
    opened: dict[str, list[int]] = {opening: [] for opening in _CLOSES}
    closes = {closing: opening for opening, closing in _CLOSES.items()}
    pairs: dict[int, int] = {}
    for index, token in enumerate(found):
        if token.text in opened:
            opened[token.text].append(index)
        elif token.text in closes and opened[closes[token.text]]:
            pairs[opened[closes[token.text]].pop()] = index
    _paired.found, _paired.pairs = found, pairs
    return pairs


def _order_condition(found: list[Token], at: int) -> tuple[int, str, int, int] | None:
    """The order condition starting at token ``at``: the index after it, its direction, and
    the tokens of the expression it sorts by (``found[start:end]``: ``?v`` of ``?v`` or
    ``DESC(?v)``, ``(?v)`` of ``ASC((?v))``); None when no condition starts there."""
    token = found[at]
    after = found[at + 1] if at + 1 < len(found) else None
    opens = after is not None and after.text == "("
    word = token.text.upper() if token.kind == "word" else ""
    if token.kind == "var":
        return at + 1, "ASC", at, at + 1
    if word in ("ASC", "DESC") and opens:
        end = _closing(found, at + 1)
        return None if end is None else (end + 1, word, at + 2, end)
    exists = at + (word == "NOT")  # EXISTS { } and NOT EXISTS { }: calls without brackets
    if word in ("EXISTS", "NOT") and exists + 1 < len(found):
        if found[exists].text.upper() == "EXISTS" and found[exists + 1].text == "{":
            end = _closing(found, exists + 1)
            return None if end is None else (end + 1, "ASC", at, end + 1)
    if token.text == "(" or (
        opens and token.kind in ("word", "pname", "iri") and word not in _AFTER_ORDER
    ):
        end = _closing(found, at if token.text == "(" else at + 1)
        return None if end is None else (end + 1, "ASC", at, end + 1)
    return None


#: functions whose value is a number on every row, or on none (or an error, which sorts first
#: as an unbound value does): ``isNumeric`` of them is the same on every row, a key on it would
#: only cost the sort. COALESCE, IF, MIN, MAX, SAMPLE and STRDT are not among them: they give
#: back whatever their arguments hold (``ORDER BY COALESCE(?o, "")`` aborted the engine)
ONE_KIND = frozenset(
    {
        # numbers
        "ABS", "AVG", "CEIL", "COUNT", "DAY", "FLOOR", "HOURS", "MINUTES", "MONTH", "RAND",
        "ROUND", "SECONDS", "STRLEN", "SUM", "YEAR",
        # strings, IRIs, blank nodes, booleans, dates and durations: never a number
        "BNODE", "BOUND", "CONCAT", "CONTAINS", "DATATYPE", "ENCODE_FOR_URI", "GROUP_CONCAT",
        "IRI", "ISBLANK", "ISIRI", "ISLITERAL", "ISNUMERIC", "ISURI", "LANG", "LANGMATCHES",
        "LCASE", "MD5", "NOW", "REGEX", "REPLACE", "SAMETERM", "SHA1", "SHA256", "SHA384",
        "SHA512", "STR", "STRAFTER", "STRBEFORE", "STRENDS", "STRLANG", "STRSTARTS", "STRUUID",
        "SUBSTR", "TIMEZONE", "TZ", "UCASE", "URI", "UUID",
    }
)  # fmt: skip
#: the functions of ``ONE_KIND`` whose value is a number (the others' never is)
NUMBER_KIND = frozenset(
    {
        "ABS", "AVG", "CEIL", "COUNT", "DAY", "FLOOR", "HOURS", "MINUTES", "MONTH", "RAND",
        "ROUND", "SECONDS", "STRLEN", "SUM", "YEAR",
    }
)  # fmt: skip
#: literal words that stand for one value
_CONSTANT_WORDS = {"TRUE", "FALSE"}
#: the operators whose value is a boolean (``!=``, ``<=`` and ``>=`` are read as two of them)
_BOOLEAN_OPERATORS = {"&&", "||", "!", "=", "<", ">"}
#: what ``_sort_kind`` says of an expression: a number on every row it has a value, or on none
NUMBER, OTHER = "number", "other"


def _sort_kind(
    found: list[Token],
    start: int,
    end: int,
    selected: dict[str, list[tuple[int, int]]],
    computed: dict[str, str],
) -> str | None:
    """``NUMBER`` if the expression ``found[start:end]`` is a number on every row where it has a
    value, ``OTHER`` if on none, None if it may be either, by its form alone: a constant; a
    comparison, ``&&``, ``||``, ``!`` or ``IN`` outside brackets (a boolean); a call of a
    function of ``ONE_KIND``; a variable its query's projection computes (``selected``:
    ``(COUNT(*) AS ?n)``) from such an expression, or one the whole text only computes so
    (``computed``: ``BIND(LCASE(?e) AS ?d)``, ``_computed``). Arithmetic is not (a date plus a
    duration is a date, a duration times a number a duration), nor any other variable: a
    pattern or VALUES may hold any term, and one computed elsewhere holds what its expression
    gives (``BIND(?o AS ?v)``), or a pattern of another branch binds it too."""
    while end - start > 1 and found[start].text == "(" and _closing(found, start) == end - 1:
        start, end = start + 1, end - 1  # (expression): the expression
    if end - start == 1:
        token = found[start]
        if token.kind == "var":
            spans = selected.get(token.text[1:])
            if not spans:
                return computed.get(token.text[1:])
            kinds = {_sort_kind(found, s, e, {}, computed) for s, e in spans}
            return kinds.pop() if len(kinds) == 1 else None
        if token.kind == "number":
            return NUMBER
        return (
            OTHER
            if token.kind in ("string", "iri", "pname")
            or (token.kind == "word" and token.text.upper() in _CONSTANT_WORDS)
            else None
        )
    pairs, at = _pairs(found), start
    while at < end:  # the tokens outside its brackets, each bracket passed over at once
        token = found[at]
        if token.text in _BOOLEAN_OPERATORS or token.text.upper() == "IN":
            return OTHER
        at = pairs.get(at, at) + 1
    head = found[start]
    word = head.text.upper() if head.kind == "word" else ""
    if word in ("EXISTS", "NOT"):
        return OTHER  # EXISTS { } and NOT EXISTS { }: a boolean
    if word in ONE_KIND and found[start + 1].text == "(" and _closing(found, start + 1) == end - 1:
        return NUMBER if word in NUMBER_KIND else OTHER
    return None


#: the words whose brackets hold an expression, where a variable is read, never bound
_EXPRESSION_WORDS = {"FILTER", "BIND"}
#: the words that begin a solution modifier (GROUP BY, HAVING, ORDER BY), and those after them
_MODIFIER_WORDS = {"GROUP", "HAVING", "ORDER"}
_AFTER_MODIFIERS = {"LIMIT", "OFFSET", "VALUES"}


def _read_only(found: list[Token]) -> set[int]:
    """The indices of the variables of ``found`` that stand where a variable is only read: in
    the brackets of a FILTER or BIND (``FILTER(...)``, ``FILTER regex(...)``), a projection
    (SELECT to its pattern) or the solution modifiers (GROUP BY, HAVING, ORDER BY, up to LIMIT,
    OFFSET or VALUES), each at its own brace depth (an ``EXISTS { }`` in them is a pattern).
    Anywhere else (a triple, a collection, VALUES, GRAPH, a template) a variable may be bound.
    In time linear in the tokens (but for a logarithm): where each region ends is found by one
    pass back, and a variable's region by bisection, not by reading each region's tokens (30,000
    SELECTs took 145 s so)."""
    pairs, count = _pairs(found), len(found)
    group_end = [count] * count  # the "}" closing the braces around each token
    braces: list[int] = []
    for index, token in enumerate(found):
        if token.text == "}" and braces:
            braces.pop()
        if braces:
            group_end[index] = pairs.get(braces[-1], count)
        if token.text == "{":
            braces.append(index)
    regions: dict[int, list[tuple[int, int]]] = {}  # by depth: where each region starts, ends
    stops: dict[str, dict[int, int]] = {"SELECT": {}, "MODIFIER": {}}  # the next stop by depth
    for index in range(count - 1, -1, -1):
        token = found[index]
        word = token.text.upper() if token.kind == "word" else ""
        end: int | None = None
        if word in _EXPRESSION_WORDS:
            at = index + 1
            if word == "FILTER" and at < count and found[at].kind in ("word", "iri", "pname"):
                at += 1  # FILTER regex(...), FILTER <urn:f>(...)
            if at < count and found[at].text == "(":
                end = pairs.get(at)
        elif word == "SELECT" or word in _MODIFIER_WORDS:
            kind = "SELECT" if word == "SELECT" else "MODIFIER"
            end = min(stops[kind].get(token.depth, count), group_end[index])
        if end is not None:
            regions.setdefault(token.depth, []).append((index, end))
        if token.text == "{" or word in ("WHERE", "FROM"):
            stops["SELECT"][token.depth] = index
        if token.text == ";" or word in _AFTER_MODIFIERS:
            stops["MODIFIER"][token.depth] = index
    merged: dict[int, tuple[list[int], list[int]]] = {}  # by depth: starts, ends, in order
    for depth, found_regions in regions.items():
        starts, ends = merged.setdefault(depth, ([], []))
        for start, end in sorted(found_regions):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
    read: set[int] = set()
    for index, token in enumerate(found):
        if token.kind == "var" and token.depth in merged:
            starts, ends = merged[token.depth]
            at = bisect.bisect_right(starts, index) - 1
            if at >= 0 and index < ends[at]:
                read.add(index)
    return read


def _computed(found: list[Token]) -> dict[str, str]:
    """The variables of ``found`` that are only computed, each with its kind (``_sort_kind``): every
    place it stands in is either where it is read (``_read_only``) or after the AS of an
    expression, and every such expression is of that one kind. ``BIND(LCASE(?e) AS ?d)`` makes
    ``?d`` a string or nothing on every row; ``BIND(STRLEN(?e) AS ?d)`` in another branch, a
    VALUES or a triple naming ``?d`` too would put numbers beside other terms."""
    read = _read_only(found)
    kinds: dict[str, set[str | None]] = {}
    enclosing: list[int] = []  # the "(" around each token, innermost last
    counted: set[int] = set()  # the brackets whose AS was read: a second AS in one is an error
    for index, token in enumerate(found):
        if token.text == "(":
            enclosing.append(index)
        elif token.text == ")" and enclosing:
            enclosing.pop()
        if token.kind != "var":
            continue
        name = token.text[1:]
        before = found[index - 1] if index else None
        if before is not None and before.kind == "word" and before.text.upper() == "AS":
            named = enclosing[-1] if enclosing and enclosing[-1] not in counted else None
            if named is not None:
                counted.add(named)
            kind = None if named is None else _sort_kind(found, named + 1, index - 1, {}, {})
            kinds.setdefault(name, set()).add(kind)
        elif index not in read:
            kinds.setdefault(name, set()).add(None)
    computed: dict[str, str] = {}
    for name, found_kinds in kinds.items():
        only = found_kinds.pop() if len(found_kinds) == 1 else None
        if only is not None:
            computed[name] = only
    return computed


def _projected(found: list[Token], order: int) -> dict[str, list[tuple[int, int]]]:
    """The variables the projection of the query whose ``ORDER BY`` stands at token ``order``
    computes (its SELECT, at the same brace depth, before it), each with the tokens of its
    expressions (``(COUNT(*) AS ?n)``: ``COUNT(*)``). SPARQL lets no such variable be bound in
    the query's pattern too (a group's ``?o`` is no longer there after GROUP BY; otherwise
    Oxigraph refuses the query): its ORDER BY sees only what the expression gives."""
    at_depth = _selects(found).get(found[order].depth, [])
    before = bisect.bisect_left(at_depth, order)
    select = at_depth[before - 1] if before else None
    selected: dict[str, list[tuple[int, int]]] = {}
    if select is None:  # CONSTRUCT, DESCRIBE: no projection
        return selected
    at = select + 1
    brackets: list[int] = []  # the "(" open around the token, innermost last
    named: set[int] = set()  # those whose AS was read: a second AS in one is an error
    while at + 1 < len(found) and found[at].kind != "open":
        word = found[at].text.upper()
        if word in ("WHERE", "FROM"):
            break
        if word == "(":
            brackets.append(at)
        elif word == ")" and brackets:
            brackets.pop()
        elif word == "AS" and found[at + 1].kind == "var" and brackets:
            if brackets[-1] not in named:  # in one pass: each AS looked back for its "(" to
                named.add(brackets[-1])  # the projection's start (stranger 111: 15 s)
                selected.setdefault(found[at + 1].text[1:], []).append((brackets[-1] + 1, at))
        at += 1
    return selected


def _spaced_order_by(query: str) -> str:
    """``query`` with ORDER and BY written apart, and BY apart from its first condition:
    pyoxigraph reads ``ORDERBY ?o`` and ``ORDER BYASC(?o)`` as the clause, where a reading of
    words saw none (no key: stranger 50). A prefixed name ``orderby:x`` is left as it is (a
    pattern may use it; it could only start a call of an IRI's function there)."""
    if not _may_hold(query, "ORDER"):
        return query
    found = tokens(query)
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(found):
        upper = token.text.upper()
        if token.kind == "word" and upper.startswith("ORDERBY"):
            edits.append((token.start + 5, token.start + 5, " "))
            if len(upper) > 7:
                edits.append((token.start + 7, token.start + 7, " "))
        elif token.kind == "word" and upper == "ORDER" and index + 1 < len(found):
            after = found[index + 1]
            glued = after.kind == "word" and len(after.text) > 2
            if after.text[:2].upper() == "BY" and (glued or after.text[2:3] == ":"):
                edits.append((after.start + 2, after.start + 2, " "))
    return edited(query, edits) if edits else query


def _order_clauses(
    query: str, word: str = "ORDER"
) -> Iterator[tuple[list[Token], int, list[tuple[int, str, int, int]]]]:
    """Each ``word`` BY clause of ``query`` (ORDER BY, or GROUP BY; ORDER BY written apart:
    ``_spaced_order_by``): the tokens, the index of its first word, and its conditions
    (``_order_condition``: index after, direction, the expression's tokens) with the index each
    starts at."""
    if not _may_hold(query, word):
        return
    found = tokens(query)
    index = 0
    while index + 1 < len(found):
        here, after = found[index], found[index + 1]
        if not (here.text.upper() == word and after.text.upper() == "BY"):
            index += 1
            continue
        order, conditions = index, []
        index += 2
        while index < len(found) and (condition := _order_condition(found, index)) is not None:
            end, direction, first, last = condition
            conditions.append((index, direction, first, last))
            index = end
        yield found, order, conditions


def lists(text: str) -> dict[str, int]:
    """How long the lists an operation may make the engine read one after another are, which
    the nesting and chain counts (``measure``) do not see: its order conditions, group
    conditions, expressions named by AS (projections, GROUP BY, BIND) and graphs named by FROM
    and FROM NAMED. The engine's stack overflowed on about 3,000 order or group conditions and
    2,750 projected expressions, and 54,800 FROM NAMED took a worker 23 s to refuse (stranger
    51)."""
    return dict(_lists(text))


@remembered
def _lists(text: str) -> tuple[tuple[str, int], ...]:
    spaced = _spaced_order_by(text)
    scanned = _dataset_scan(text, None)[0]
    orders = [c for _f, _o, c in _order_clauses(spaced, "ORDER")]
    groups = [c for _f, _o, c in _order_clauses(spaced, "GROUP")]
    return (
        # a query has one ORDER BY and one GROUP BY at most, each sub-query one more: 25,000
        # unclosed "ORDER BY(" had no condition to count, and each was rewritten (stranger 87)
        ("ORDER BY and GROUP BY clauses", len(orders) + len(groups)),
        ("order conditions", sum(map(len, orders))),
        ("group conditions", sum(map(len, groups))),
        ("expressions named by AS", len(_after_word(tokens(text), "AS", "var"))),
        ("graphs named by FROM", len(scanned[False]) + len(scanned[True])),
    )


def _blank_labels_renamed(found: list[Token], first: int, last: int, text: str, key: str) -> str:
    """``text``, the expression ``found[first:last]`` as written, with each blank node label
    ``_:b`` written ``_:k{key}_b``: the copy a key makes of it would use the label in a second
    pattern, which SPARQL forbids (the keyed text was refused, and the query ran unkeyed:
    stranger 50)."""
    base = found[first].start
    edits = [
        (label.start + 1 - base, label.start + 1 - base, f"k{key}_")
        for under, label in zip(found[first : last - 1], found[first + 1 : last], strict=True)
        if under.text == "_"
        and label.kind == "pname"
        and label.text.startswith(":")
        and label.start == under.end
    ]
    return edited(text, edits)


@remembered
def total_order(query: str) -> str:
    """``query`` with ``ORDER_KEYS`` set before each of its order conditions, in the
    condition's direction, sub-queries' too, unless the condition is one kind by its form
    (``_sort_kind``: ``STR(?o)``, ``DESC(?n)`` of ``(COUNT(*) AS ?n)``). Keyed: a variable a
    pattern or VALUES binds, one computed from what may be anything (``BIND(?o AS ?v)``,
    ``(SAMPLE(?o) AS ?m)`` held what ``?o`` held and aborted the engine as ``?o`` did), and an
    expression that may give back numbers beside other terms (``(?o)``, ``COALESCE(?o, "")``,
    ``IF(...)``). ``EXISTS { }`` without brackets is a condition too
    (it ended the rewriting of its clause: ``ORDER BY EXISTS { } ?o`` left ``?o`` unkeyed).
    ORDER and BY written glued are read apart (``_spaced_order_by``); a key's copy of a blank
    node label is another label (``_blank_labels_renamed``)."""
    query = _spaced_order_by(query)
    inserts: list[tuple[int, int, str]] = []
    # read once, when the first clause needs it; none when SERVICE is called: a peer may
    # answer any variable, beside what the query computes (stranger 111)
    computed: dict[str, str] | None = {} if remote_access(query) is not None else None
    for found, order, conditions in _order_clauses(query):
        selected = _projected(found, order)
        computed = _computed(found) if computed is None else computed
        for at, direction, first, last in conditions:
            if last > first and _sort_kind(found, first, last, selected, computed) is None:
                written = query[found[first].start : found[last - 1].end]
                copies = [  # each copy with its own blank node labels
                    _blank_labels_renamed(found, first, last, written, f"{len(inserts)}x{n}")
                    for n in range(len(ORDER_KEYS))
                ]
                keys = [
                    f"{direction}({key.format(e=copy)}) "
                    for key, copy in zip(ORDER_KEYS, copies, strict=True)
                ]
                inserts.append((found[at].start, found[at].start, "".join(keys)))
    return edited(query, inserts)


def declared_versions(text: str) -> list[str]:
    """The versions ``text`` declares (SPARQL 1.2's ``VERSION "1.2"``, outside its strings and
    comments), as written between the quotes."""
    return list(_declared_versions(text))


@remembered
def _declared_versions(text: str) -> tuple[str, ...]:
    found = _after_word(tokens(text), "VERSION", "string")
    return tuple(string.text.strip("\"'") for string in found)


def undeclared_prefix(text: str) -> str | None:
    """The first prefix ``text`` uses in a prefixed name (``foo:bar``) without declaring it,
    or None (a blank node's ``_:b`` is no prefixed name). For the message of a query the engine
    refused ("Prefix not found"): a guess, never a reason to refuse one."""
    states = prologues(text)
    found = tokens(text)
    for index, token in enumerate(found):
        if token.kind != "pname":
            continue
        if index and found[index - 1].text == "_" and found[index - 1].end == token.start:
            continue  # a blank node label
        after_prefix = index and found[index - 1].text.upper() == "PREFIX"
        if resolve(token, states) is None and not after_prefix:
            return token.text.partition(":")[0]
    return None


#: what SPARQL 1.1 18.5.1.7 says GROUP_CONCAT joins with when no SEPARATOR is given
DEFAULT_SEPARATOR = '; SEPARATOR=" "'


def explicit_separators(query: str) -> str:
    """``query`` with each ``GROUP_CONCAT(...)`` that gives no SEPARATOR given the default one,
    a single space: Virtuoso refused GROUP_CONCAT without one (a 400 for a standard query,
    stranger 49). A text that does not name it is given back unread (every query to the store
    passes here)."""
    if "GROUP_CONCAT" not in query.upper():
        return query
    found = tokens(query)
    inserts = []
    for index, token in enumerate(found[:-1]):
        if token.kind != "word" or token.text.upper() != "GROUP_CONCAT":
            continue
        if found[index + 1].text != "(" or (end := _closing(found, index + 1)) is None:
            continue
        inside = found[index + 2 : end]
        if not any(t.kind == "word" and t.text.upper() == "SEPARATOR" for t in inside):
            inserts.append(found[end].start)
    return edited(query, [(position, position, DEFAULT_SEPARATOR) for position in inserts])
