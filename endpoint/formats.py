"""Result formats: which pyoxigraph writer and media type each format name of each kind of
result uses, and the writing of solutions under a row cap.

Results are written by pyoxigraph's own writers. SPARQL CSV and TSV are data, the values as they
are: no cell gets the apostrophe the observatory's spreadsheet downloads put before a formula
(``core.formulas``), which would change the value a SPARQL client reads. A row cap keeps at
most ``max_rows`` solutions: pyoxigraph writes them as SPARQL TSV, whose cells are N-Triples
terms, the text is cut after ``max_rows`` lines and parsed back by pyoxigraph to be written in
the requested format.
"""

from __future__ import annotations

import csv
import io
import re
from typing import IO, Any, cast
from xml.parsers import expat

import pyoxigraph as ox

from core.rdf_bytes import results_bytes

#: result kind -> format name -> (pyoxigraph format, media type)
FORMATS: dict[str, dict[str, tuple[Any, str]]] = {
    "solutions": {
        "json": (ox.QueryResultsFormat.JSON, "application/sparql-results+json"),
        "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
        "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
        "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
    },
    "graph": {
        "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
        "ntriples": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
        "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
        "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
        # a graph is a dataset of one (default) graph: N-Quads and TriG write it as such
        "nquads": (ox.RdfFormat.N_QUADS, "application/n-quads"),
        "trig": (ox.RdfFormat.TRIG, "application/trig"),
        "n3": (ox.RdfFormat.N3, "text/n3"),
    },
}
FORMATS["boolean"] = FORMATS["solutions"]

#: the XML formats, whose writers pyoxigraph lets write what XML 1.0 cannot hold (``xml_fault``)
XML_FORMATS = frozenset({ox.QueryResultsFormat.XML, ox.RdfFormat.RDF_XML})
#: a character XML 1.0 cannot hold (its production Char), as UTF-8: the C0 controls but tab,
#: line feed and carriage return, and U+FFFE, U+FFFF
_NOT_XML_CHAR = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
#: a start tag whose name has a prefix and nothing after it: how pyoxigraph's RDF/XML writer
#: writes a property whose IRI ends in no XML name ("http://ex.org/", "http://ex.org/1")
_NAMELESS_TAG = re.compile(rb"<([^\s<>/!?:]+):[\s/>][^>]*?xmlns:\1=\"([^\"]*)\"")


def xml_fault(body: bytes, names_from_data: bool = True) -> str | None:
    """Why ``body``, written by an XML writer, is no well-formed XML, in words for the client
    (a value holding a control character, a property RDF/XML cannot name, else what expat,
    the parser of Python and of rdflib, finds); None when it is. pyoxigraph wrote such XML,
    answered 200 (stranger 92: expat and rdflib refused it; stranger 93: a property ending in
    "⁰a", which no pattern here caught). ``names_from_data``: whether the data names its
    elements (RDF/XML's properties; SPARQL's XML results have names of their own, and are not
    parsed again: 2.7 times the time of writing them)."""
    char = _NOT_XML_CHAR.search(body)
    if char is not None:
        code = ord(char.group().decode("utf-8"))
        return f"a value holds the character U+{code:04X}, which XML 1.0 cannot carry"
    if not names_from_data:  # names of its own: none nameless, none for expat to doubt
        return None
    tag = _NAMELESS_TAG.search(body)
    if tag is not None:
        iri = tag.group(2).decode("utf-8", "replace")
        return f"a property IRI (<{iri}>) does not end in a name RDF/XML can write"
    try:
        expat.ParserCreate().Parse(body, True)
    except expat.ExpatError as problem:
        said = expat.ErrorString(problem.code)
        return f"it would not be well-formed XML ({said}, line {problem.lineno})"
    return None


def checked_xml(body: bytes, fmt: Any, media_type: str, kind: str) -> bytes:
    """``body`` when it is not written in XML or is well-formed (``xml_fault``); else
    ``UnwritableAnswer``, naming the formats of the answer's ``kind`` there are. A carriage
    return pyoxigraph wrote as it is becomes a character reference: an XML reader turns a
    raw one into a line feed (XML 1.0 2.11; stranger 93: "a\r\nb" was read "a\nb")."""
    if fmt not in XML_FORMATS:
        return body
    body = body.replace(b"\r", b"&#13;")  # never in pyoxigraph's markup, only in values
    fault = xml_fault(body, names_from_data=fmt == ox.RdfFormat.RDF_XML)
    if fault is None:
        return body
    others = ", ".join(media for f, media in FORMATS[kind].values() if f != fmt)
    raise UnwritableAnswer(
        f"this answer cannot be written as {media_type}: {fault}; ask for: {others}"
    )


class UnwritableAnswer(Exception):
    """An answer its format cannot write (406): the words say why, and what to ask for."""


#: the tabular formats SPARQL defines no ASK result in -> (header, line end): an ASK answers a
#: one-column table, as Jena and others write it (``_askResult`` then ``true`` or ``false``)
ASK_TABLES: dict[Any, tuple[str, str]] = {
    ox.QueryResultsFormat.CSV: ("_askResult", "\r\n"),
    ox.QueryResultsFormat.TSV: ("?_askResult", "\n"),
}


def write_boolean(answer: ox.QueryBoolean, fmt: Any) -> bytes:
    """An ASK answer written in ``fmt``; in CSV and TSV a one-column table (``ASK_TABLES``)."""
    if fmt in ASK_TABLES:
        header, end = ASK_TABLES[fmt]
        return f"{header}{end}{str(bool(answer)).lower()}{end}".encode("ascii")
    return results_bytes(answer, fmt)


class _Enough(Exception):
    """Raised by ``_Lines`` once it holds more lines than it may."""


class _Lines(io.RawIOBase):
    """A sink for pyoxigraph's TSV writer that keeps the bytes written and stops the writer
    (``_Enough``) once they hold more than ``most`` lines: a huge result is never written
    whole."""

    def __init__(self, most: int) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.lines = 0
        self.most = most
        self.full = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.chunks.append(chunk)
        self.lines += chunk.count(b"\n")
        if self.lines > self.most:
            self.full = True
            raise _Enough
        return len(chunk)


def write_solutions(results: ox.QuerySolutions, max_rows: int, fmt: Any) -> tuple[bytes, int, bool]:
    """At most ``max_rows`` solutions written in ``fmt``: the body, the rows kept, and whether
    there were more. pyoxigraph writes them as SPARQL TSV (one line per solution: newlines in
    values are escaped), cut after ``max_rows``, then parses that back to write ``fmt``; no
    term becomes a Python object."""
    sink = _Lines(max_rows + 1)  # the header line and max_rows solutions, then one more
    try:
        results.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except (_Enough, OSError):
        if not sink.full:
            raise
    lines = b"".join(sink.chunks).split(b"\n")[:-1]  # the text ends with a line end
    truncated = len(lines) > max_rows + 1
    kept = lines[: max_rows + 1]
    tsv = b"".join(line + b"\n" for line in kept)
    reparsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    if fmt == ox.QueryResultsFormat.CSV and _IRI_WITH_COMMA.search(tsv):
        body = csv_fields_quoted(cast(ox.QuerySolutions, reparsed))
    else:
        body = results_bytes(reparsed, fmt)
    if fmt == ox.QueryResultsFormat.CSV:
        body = empty_rows_quoted(body)
    return body, len(kept) - 1, truncated


#: an IRI of SPARQL TSV results that holds a comma (a literal's text is quoted there)
_IRI_WITH_COMMA = re.compile(rb"<[^<>\t\n]*,[^<>\t\n]*>")


def _csv_text(term: Any) -> str:
    """A term as SPARQL CSV writes it: an IRI and a literal's lexical form bare, a blank node
    ``_:label``, a triple term as pyoxigraph writes it."""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def csv_fields_quoted(solutions: ox.QuerySolutions) -> bytes:
    """SPARQL CSV written field by field by Python's ``csv``, each field quoted where RFC 4180
    asks (a comma, a quote, a line end): pyoxigraph's writer leaves an IRI holding a comma
    bare (stranger 86: ``http://e.example/a,b`` made a row one column longer than its header).
    Used only for results holding such an IRI."""
    names = [variable.value for variable in solutions.variables]
    written = io.StringIO()
    table = csv.writer(written, lineterminator="\r\n")
    table.writerow(names)
    for solution in solutions:
        table.writerow(["" if solution[n] is None else _csv_text(solution[n]) for n in names])
    return written.getvalue().encode("utf-8")


#: in CSV, a quoted field (kept whole: a line end inside it is its text) or a line end
_CSV_PARTS = re.compile(rb'"(?:[^"]|"")*"|\r\n')


def empty_rows_quoted(body: bytes) -> bytes:
    """CSV results with each row that is nothing (one variable, its value empty or unbound)
    written ``""``, the empty field quoted (RFC 4180). An empty line is no row to many readers
    (pandas by default, Python's ``csv``): they saw fewer rows than the JSON, XML and TSV of
    the same results give (stranger 48). Results of several variables have commas on every
    row; nothing is changed in them."""
    header = body.partition(b"\r\n")[0]
    if not header or b"," in header or b"\r\n\r\n" not in body:
        return body
    pieces, done, line_start = [], 0, len(header) + 2
    for part in _CSV_PARTS.finditer(body, line_start):
        if part.group() != b"\r\n":
            continue
        if part.start() == line_start:  # nothing since the last line end: an empty row
            pieces += [body[done : part.start()], b'""']
            done = part.start()
        line_start = part.end()
    return b"".join([*pieces, body[done:]])
