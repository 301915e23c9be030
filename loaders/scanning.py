"""A lexical look at SPARQL text, for what pyoxigraph's API does not offer.

pyoxigraph parses queries and updates itself, but it cannot (1) refuse federation: ``SERVICE``
and ``LOAD`` would make this server fetch URLs, or (2) apply the protocol's ``using-graph-uri``
and ``using-named-graph-uri`` to an update. Both only need the keywords that sit outside
strings, IRIs, comments, prefixed names and variables, and the brace depth at which they sit;
the text is then handed to pyoxigraph, which reports every syntax error itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: tokens that may contain keyword-like text or braces, tried in this order; then words, braces
_TOKEN = re.compile(
    r"""
      (?P<skip> \#[^\n]*
              | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\n]|\\.)*"
              | '(?:[^'\\\n]|\\.)*'
              | <[^<>"{}|^`\\\x00-\x20]*>
              | [?$]\w+
              | (?:[A-Za-z_][\w.-]*)?:(?:[\w.:%-]|\\.)*
      )
    | (?P<word> [A-Za-z_]\w*)
    | (?P<open> \{)
    | (?P<close> \})
    | (?P<nest> [(\[])
    | (?P<unnest> [)\]])
    | (?P<operator> &&|\|\||[-+*/|^!<>=])
    """,
    re.VERBOSE | re.DOTALL,
)


#: ``<iri>`` right after a keyword
_IRI_AFTER = re.compile(r"\s*<([^<>\s]*)>")
#: a bare word right after a keyword
_WORD_AFTER = re.compile(r"\s*([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Keyword:
    word: str  # upper case
    start: int
    end: int
    depth: int  # braces around it


@dataclass(frozen=True)
class Block:
    start: int  # the opening brace
    end: int  # just after the closing brace


def keywords(text: str) -> list[Keyword]:
    """The bare words of ``text`` (keywords and function names), with their brace depth."""
    found, depth = [], 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            found.append(Keyword(match.group().upper(), match.start(), match.end(), depth))
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
    return found


def block_at(text: str, start: int) -> Block | None:
    """The brace block opening at or after ``start`` (skipping strings and IRIs), if closed."""
    depth, opened = 0, None
    for match in _TOKEN.finditer(text, start):
        if match.lastgroup == "open":
            opened = match.start() if opened is None else opened
            depth += 1
        elif match.lastgroup == "close" and opened is not None:
            depth -= 1
            if depth == 0:
                return Block(opened, match.end())
    return None


def remote_access(text: str) -> str | None:
    """The first keyword that would make the server fetch a URL (SERVICE, LOAD), if any."""
    return next((k.word for k in keywords(text) if k.word in ("SERVICE", "LOAD")), None)


def service_targets(text: str) -> list[str | None]:
    """What each ``SERVICE`` of ``text`` calls: the endpoint's IRI when written in full, else
    None (a variable or a prefixed name, which only the query's evaluation would settle)."""
    targets: list[str | None] = []
    for keyword in keywords(text):
        if keyword.word != "SERVICE":
            continue
        after = _WORD_AFTER.match(text, keyword.end)
        end = after.end() if after and after.group(1).upper() == "SILENT" else keyword.end
        iri = _IRI_AFTER.match(text, end)
        targets.append(iri.group(1) if iri else None)
    return targets


#: Virtuoso's built-in function namespaces: they reach its files and SQL (``bif:file_to_string``)
VENDOR_FUNCTIONS = (
    "bif:",
    "sql:",
    "http://www.openlinksw.com/schemas/bif#",
    "http://www.openlinksw.com/schemas/sql#",
)


def vendor_call(text: str) -> str | None:
    """The first name of ``text`` (outside strings and comments) in a store's own function
    namespace, which standard SPARQL does not have and this service does not allow."""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.lastgroup == "skip" and token.lower().lstrip("<").startswith(VENDOR_FUNCTIONS):
            return token
    return None


@dataclass(frozen=True)
class Size:
    """How complex a query or update is, lexically: parsers recurse on both measures."""

    depth: int  # the deepest nesting of braces, parentheses and brackets
    operators: int  # operator signs (paths, arithmetic, comparisons, logic)


def measure(text: str) -> Size:
    """The ``Size`` of ``text`` (strings, IRIs and comments do not count)."""
    depth = deepest = operators = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("open", "nest"):
            depth += 1
            deepest = max(deepest, depth)
        elif kind in ("close", "unnest"):
            depth = max(0, depth - 1)
        elif kind == "operator":
            operators += 1
    return Size(deepest, operators)


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
        shorthand = previous is not None and previous.word == "DELETE"
        if shorthand and not update[previous.end : keyword.start].strip():
            block = block_at(update, keyword.end)
            if block is None:
                continue  # unclosed: pyoxigraph will report the syntax error
            pattern = update[block.start : block.end]
            edits.append((previous.start, block.end, f"DELETE {pattern} {using} WHERE {pattern}"))
        else:
            edits.append((keyword.start, keyword.start, f"{using} "))
    for start, end, replacement in reversed(edits):
        update = update[:start] + replacement + update[end:]
    return update


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
                named = _IRI_AFTER.match(update, target.end)
                if named and named.group(1) in managed:
                    edits.append((keyword.start, target.end, f"{keyword.word} SILENT GRAPH"))
        elif keyword.word in ("ADD", "MOVE", "COPY"):
            for other in top[index + 1 : index + 5]:
                if other.word == "DEFAULT":
                    edits.append((other.start, other.end, f"<{default}>"))
    for start, end, replacement in sorted(edits, reverse=True):
        update = update[:start] + replacement + update[end:]
    return update


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
        found = _IRI_AFTER.match(query, keyword.end)
        if found and ":" in found.group(1) and found.group(1) not in named:
            edits.append((found.start(1), found.end(1)))
    for start, end in reversed(edits):
        query = query[:start] + nothing + query[end:]
    return query


#: words of a query that need every solution before the first can be given (or reach out)
_WHOLE_RESULT = {
    "GROUP", "ORDER", "DISTINCT", "REDUCED", "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE",
    "GROUP_CONCAT", "SERVICE", "MINUS", "EXISTS",
}  # fmt: skip
_NUMBER_AFTER = re.compile(r"\s*(\d+)")


def looks_light(query: str, most_rows: int = 1_000) -> bool:
    """Whether ``query`` looks cheap from its text: an ASK or a DESCRIBE, or a result cut by a
    LIMIT of at most ``most_rows``, with no grouping, sorting, aggregate, DISTINCT, MINUS or
    EXISTS (each needs every solution before the first). A guess: a query that looks light and
    is not still meets the time limits."""
    found = keywords(query)
    if _WHOLE_RESULT & {k.word for k in found}:
        return False
    if any(k.word in ("ASK", "DESCRIBE") and k.depth == 0 for k in found):
        return True
    for keyword in found:
        if keyword.word == "LIMIT" and keyword.depth == 0:
            number = _NUMBER_AFTER.match(query, keyword.end)
            return number is not None and int(number.group(1)) <= most_rows
    return False
