"""The graphs only ``coworkmed build``/``load`` and the server itself write: one definition for
every door that writes (SPARQL Update: ``protected_update``; the Graph Store Protocol can call
``protected_graph`` for the graph it is asked to write).

- the ontology, the indicators cube's structure and the code lists: every graph under the
  ontology's or the code lists' namespace (a new "code list" could not be slipped in either);
- the catalogue ``{base}catalog``, the indicators cube ``{base}cube`` and the submissions'
  record ``{base}submissions``;
- every dataset version ``{base}dataset/...`` (current or not);
- the published default graph and its upkeep (``triplestore.merge.HIDDEN``);
- and, from wide ``CLEAR``/``DROP`` only (they may be written by name), what the build and each
  commit derive: ``{base}territory``, ``{base}sources``, ``{base}links`` (``DERIVED_GRAPHS``).

An update may not name these graphs as graphs (after GRAPH, WITH, INTO, TO, USING, ADD, MOVE,
COPY..., as an IRI, a prefixed name or a relative IRI, in any spelling the parser accepts, glued
to the keyword too: ``core.sparql_text`` resolves them as it does), and may not
read or write where only its evaluation would tell: ``GRAPH ?var`` (a template may write any
graph, a WHERE clause reads every graph, replaced versions included),
``CLEAR``/``DROP`` of ``ALL`` or ``NAMED`` run, but on the unprotected graphs only (the update's
worker rewrites them with the store's graphs, ``guard_update``, and checks the result again).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator

from core import sparql_reading, sparql_text
from core.namespaces import CODE, CWM
from core.problems import LoadError
from triplestore.backends import TripleStore
from triplestore.merge import HIDDEN

#: the graphs only ``coworkmed build``/``load``/``publish`` write (never the Graph Store Protocol
#: or SPARQL Update): (IRI or IRI prefix, whether any IRI under it counts, what it is); ``{base}``
#: is the data base. Readers may read them; ``protected_graph`` tells a write that names one.
PROTECTED_GRAPHS: tuple[tuple[str, bool, str], ...] = (
    (CWM, True, "the ontology (and the indicators cube's structure)"),
    (CODE, True, "a code list"),
    ("{base}catalog", False, "the catalogue"),
    ("{base}cube", False, "the indicators cube"),
    ("{base}submissions", False, "the record of partner submissions"),
    ("{base}dataset/", True, "a dataset version"),
    *((name, False, "the published default graph's upkeep") for name in HIDDEN.values()),
)
#: graphs the build and each commit derive: a token holder may write them by name, but a wide
#: ``CLEAR``/``DROP`` (``ALL``, ``NAMED``) spares them (it wiped them: issue #20)
DERIVED_GRAPHS = ("{base}territory", "{base}sources", "{base}links")
#: namespaces whose IRIs are also the vocabulary's terms (classes, properties, concepts): an IRI
#: under them is a protected graph only where it stands as a graph, not as a term of a triple
TERM_NAMESPACES = (CWM, CODE)


def protected_graph(graph: str | None, base: str, as_graph: bool = True) -> str | None:
    """What ``graph`` is when only the loader may write it (``PROTECTED_GRAPHS``), else None
    (None: the default graph, which clients may write). ``as_graph`` False: the IRI is only
    mentioned (it may be a term), so IRIs under ``TERM_NAMESPACES`` count only when equal to
    the namespace itself."""
    if graph is None:
        return None
    for name, prefix, what in PROTECTED_GRAPHS:
        iri = name.format(base=base)
        below = prefix and graph.startswith(iri) and (as_graph or name not in TERM_NAMESPACES)
        if graph == iri or below:
            return what
    return None


#: CLEAR/DROP targets that name no graph: every named graph (and the default one for ALL)
WIDE_TARGETS = ("ALL", "NAMED")
#: a graph that is never there, for an operation left with nothing to do
NOTHING = "urn:coworkmed:nothing"


class ProtectedGraphs(LoadError):
    """An update that would write a graph only the loader writes (answer 403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="protected-graph")


def _found(update: str, words: tuple[str, ...]) -> list[tuple[str, sparql_text.Token]]:
    """Each of ``words`` in ``update`` (even glued to another word: pyoxigraph needs no
    boundary after a keyword) with the token after it (past SILENT)."""
    found = []
    for token in sparql_text.tokens(update):
        for word in words:
            for keyword in sparql_text.inside(word, token):
                after = sparql_text.skip_silent(update, sparql_text.term_after(update, keyword.end))
                if after is not None:
                    found.append((word, after))
    return found


def _reading_blocks(update: str) -> list[tuple[int, int]]:
    """The spans of the WHERE clauses of ``update`` that are only read: a top-level block right
    after the word WHERE, unless that WHERE comes right after DELETE (``DELETE WHERE``: its
    pattern is also what it deletes). Anything glued or odd is not a WHERE here."""
    found = sparql_text.tokens(update)
    spans = []
    for index, token in enumerate(found):
        if token.kind != "open" or token.depth != 0 or index == 0:
            continue
        owner = found[index - 1]
        before = found[index - 2] if index > 1 else None
        if owner.kind == "word" and owner.text.upper() == "WHERE":
            if before is None or before.kind != "word" or before.text.upper() != "DELETE":
                block = sparql_text.block_at(update, token.start)
                spans.append((token.start, block.end if block else len(update)))
    return spans


def _named_by_using(update: str, starts: list[int]) -> set[int]:
    """Those of ``starts`` (positions in ``update``) whose operation sets its named graphs with
    ``USING NAMED`` before them (the protocol's using-named-graph-uri becomes that): its
    ``GRAPH ?var`` then reads only those graphs, each checked by name. One pass over the
    text's top-level words (a pass per block was quadratic: 3,000 WHERE blocks, 20 s of the
    server's processor, stranger 87)."""
    named: set[int] = set()
    waiting = collections.deque(sorted(starts))
    previous, using = "", False  # the last top-level word, and USING NAMED seen in this operation
    for token in sparql_text.tokens(update):
        while waiting and waiting[0] <= token.start:
            start = waiting.popleft()
            if using:
                named.add(start)
        if token.depth != 0:
            continue
        if token.text == ";":
            previous, using = "", False
        elif token.kind == "word":
            word = token.text.upper()
            using = using or (previous == "USING" and word == "NAMED")
            previous = word
    named.update(start for start in waiting if using)
    return named


def graph_variable(update: str) -> str | None:
    """``GRAPH ?var`` in ``update``, as written, unless in a WHERE clause that is only read and
    whose operation names its graphs (``USING NAMED``): in a template it may write any graph; in
    a WHERE clause without USING NAMED it reads every graph of the store, replaced dataset
    versions included (an update's WHERE is not limited to what readers see)."""
    blocks = _reading_blocks(update)
    named = _named_by_using(update, [a for a, _b in blocks])
    allowed = [(a, b) for a, b in blocks if a in named]
    for _word, after in _found(update, ("GRAPH",)):
        if after.kind == "var" and not any(a <= after.start < b for a, b in allowed):
            return f"GRAPH {after.text}"
    return None


def wide_operation(update: str) -> str | None:
    """``CLEAR``/``DROP`` ``ALL``/``NAMED`` in ``update``, in any spelling."""
    for word, after in _found(update, ("CLEAR", "DROP")):
        if after.kind in ("word", "pname") and after.text.upper().startswith(WIDE_TARGETS):
            return f"{word} {after.text}"
    return None


#: the words after which an IRI stands as a graph (GRAPH, WITH, INTO, TO, USING [NAMED],
#: FROM, and the first graph of ADD/MOVE/COPY [SILENT]); glued to another word too. And
#: Virtuoso's own (an external store is sent the text as it is): ``MODIFY <g>``, ``INSERT IN
#: <g>``, ``GRAPH IDENTIFIED BY <g>`` wrote the catalogue and the service's state, stranger 104
GRAPH_WORDS = (
    "GRAPH",
    "WITH",
    "INTO",
    "TO",
    "USING",
    "NAMED",
    "FROM",
    "ADD",
    "MOVE",
    "COPY",
    "SILENT",
    "MODIFY",
    "IN",
    "BY",
)


#: prologue word -> the tokens its declaration takes (PREFIX p: <iri>, BASE <iri>)
PROLOGUE = {"PREFIX": 2, "BASE": 1}


def named_protected(update: str, base: str, base_iri: str | None) -> str | None:
    """The first protected graph ``update`` names as a graph (``graphs_named``), with what it
    is. The same IRI as a term of a triple names no graph: a user graph may say that a record
    was derived from a dataset version, or link to the catalogue."""
    for graph in graphs_named(update, base_iri):
        what = protected_graph(graph, base)
        if what is not None:
            return f"<{graph}> is {what}"
    return None


def graphs_named(update: str, base_iri: str | None) -> Iterator[str]:
    """Each graph ``update`` names as a graph: an IRI or a prefixed name after one of
    ``GRAPH_WORDS``, glued to it or not, resolved as the parser resolves it (a name that does
    not resolve is left out: the parser refuses it). With the default graph, these are all
    the graphs an update this module lets run may write (``GRAPH ?var`` is refused, wide
    CLEAR/DROP are written out graph by graph first)."""
    states = sparql_text.prologues(update, base_iri)
    previous, declaring = "", 0
    for token in sparql_text.tokens(update):
        if token.kind == "word":
            previous = token.text.upper()
            declaring = PROLOGUE.get(previous, 0)  # a declaration's IRI names no graph
            continue
        as_graph = previous.endswith(GRAPH_WORDS)
        previous = ""
        if declaring:
            declaring -= 1
            continue
        # a name stands as a graph after a graph word, also one glued to its start
        # (``GRAPHc:g``, ``GRAPH:g``: pyoxigraph reads the keyword and ``c:g``)
        readings = sparql_text.names_after_keyword(token, GRAPH_WORDS)
        if as_graph and token.kind in ("iri", "pname"):
            readings.append(token)
        for reading in readings:
            graph = sparql_text.resolve(reading, states)
            if graph:
                yield graph


def protected_update(update: str, base: str, base_iri: str | None) -> str | None:
    """Why ``update`` may not run here (a message for a 403), or None. ``base``: the data base;
    ``base_iri``: what its relative IRIs resolve against. ``CLEAR``/``DROP ALL|NAMED`` pass:
    the update's worker limits them to the unprotected graphs (``guard_update``)."""
    variable = graph_variable(update)
    if variable is not None:
        return (
            f"{variable} could read or write graphs readers do not see or only the loader "
            "writes (replaced dataset versions, the vocabulary, the catalogue, the cube, the "
            "submissions' record): name each graph"
        )
    named = named_protected(update, base, base_iri)
    if named is not None:
        return f"{named}: only the loader writes it; an update may not name it (to read it either)"
    return None


class ReadOtherwise(LoadError):
    """An update that the second reading (``core.sparql_reading``) refuses for what it calls,
    or cannot read (answer 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="read-otherwise")


def read_again(update: str, base: str, base_iri: str | None) -> list[sparql_reading.Reading]:
    """Each operation of ``update`` as a second parser reads it (rdflib's, which shares nothing
    with ``core.sparql_text``), once it has passed this module's rules as the scanner read it;
    the same rules applied again to what this reading found. ProtectedGraphs when it names a
    protected graph as a graph, a graph by a variable (where ``graph_variable`` refuses one),
    or another number of wide CLEAR/DROP than the scanner found (``guard_update`` writes out
    those it finds, graph by graph); ReadOtherwise when it cannot read it: the update is
    refused, not trusted to one reading. Strangers 111 to 113 wrote the catalogue through
    texts the scanner read otherwise than the engine."""
    try:
        readings = sparql_reading.read_update(update, base_iri)
    except sparql_reading.Unread as unread:
        raise ReadOtherwise(
            "an update is read a second time, by rdflib's SPARQL 1.1 parser, to check what it "
            f"writes; that reading stopped: {unread} ({sparql_reading.UNREAD_NOTE}); nothing "
            "was changed"
        ) from None
    wide = [target for reading in readings for target in reading.wide]
    if len(wide) != len(wide_operations(update)):
        raise ProtectedGraphs(
            f"CLEAR|DROP {' '.join(wide) or 'ALL|NAMED'} was read otherwise by the server's two "
            "readings: write CLEAR|DROP [SILENT] ALL|NAMED, each its own operation"
        )
    for reading in readings:
        if None in reading.written or (None in reading.read and not reading.named_using):
            raise ProtectedGraphs(
                "a graph named by a variable (or by a name that does not resolve) could read or "
                "write graphs readers do not see or only the loader writes: name each graph"
            )
        for graph in [*reading.written, *reading.read]:
            what = protected_graph(graph, base)
            if what is not None:
                raise ProtectedGraphs(
                    f"<{graph}> is {what}: only the loader writes it; an update may not name it "
                    "(to read it either)"
                )
    return readings


def refuse_foreign(store: TripleStore, graphs: Iterable[str]) -> None:
    """ProtectedGraphs when one of ``graphs`` is not this service's to write
    (``TripleStore.foreign_graphs``)."""
    foreign = store.foreign_graphs(graphs)
    if foreign:
        raise ProtectedGraphs(
            f"<{foreign[0]}> is not a graph of this service (the triple store's own, or this "
            "service's record of what it publishes): a write may not name it"
        )


def wide_operations(update: str) -> list[tuple[sparql_text.Keyword, sparql_text.Keyword]]:
    """Each ``CLEAR``/``DROP`` [``SILENT``] ``ALL``/``NAMED`` of ``update`` (as separate words):
    its keyword and its target."""
    top = [k for k in sparql_text.keywords(update) if k.depth == 0]
    found = []
    for index, keyword in enumerate(top):
        if keyword.word not in ("CLEAR", "DROP"):
            continue
        rest = top[index + 1 : index + 3]
        if rest and rest[0].word == "SILENT":
            rest = rest[1:]
        if rest and rest[0].word in WIDE_TARGETS:
            found.append((keyword, rest[0]))
    return found


def limit_wide_operations(update: str, graphs: list[str]) -> str:
    """``update`` with each wide operation (``wide_operations``) turned into the same operation
    on each of ``graphs`` (for ALL: and DEFAULT)."""
    edits: list[tuple[int, int, str]] = []
    for keyword, target in wide_operations(update):
        steps = [f"{keyword.word} SILENT GRAPH <{g}>" for g in graphs or [NOTHING]]
        if target.word == "ALL":
            steps.append("CLEAR DEFAULT")
        edits.append((keyword.start, target.end, " ;\n".join(steps)))
    return sparql_text.edited(update, edits)


def guard_update(update: str, base: str, base_iri: str | None, graphs: list[str]) -> str:
    """``update`` as it may run on a store whose named graphs are ``graphs``: wide CLEAR/DROP
    limited to the unprotected ones, and to those the update itself names as graphs (an
    operation before a ``DROP NAMED`` may create one: ``INSERT { GRAPH <g> { … } } WHERE { } ;
    DROP NAMED`` left ``<g>``, stranger 115; each step is SILENT, one not there is nothing);
    raises ProtectedGraphs for what is refused (checked again on the text that will run,
    whatever the server's own check let through)."""
    derived = {name.format(base=base) for name in DERIVED_GRAPHS}
    named = set(graphs) | set(graphs_named(update, base_iri)) if wide_operations(update) else graphs
    unprotected = sorted(g for g in named if protected_graph(g, base) is None and g not in derived)
    limited = limit_wide_operations(update, unprotected)
    reason = protected_update(limited, base, base_iri)
    wide = wide_operation(limited)
    if wide is not None:
        reason = f"{wide} is not allowed as written: write CLEAR|DROP [SILENT] ALL|NAMED"
    if reason is not None:
        raise ProtectedGraphs(reason)
    return limited
