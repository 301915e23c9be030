"""What a load held back, on its own provenance: the load activity (``{base}load/S/V``, in the
version graph) says how many rows it read, how many records the version publishes and how
many it held back, and names each record held back (``cwm:HeldBackRecord``) with its row, its
identifier in the source and the errors that hold it back, in the report's language. So the
dataset page, the load's own page and any SPARQL query show what the build console said."""

from __future__ import annotations

import re

import pyoxigraph as ox

from core.namespaces import CWM, RDF_TYPE, XSD
from core.rdf_bytes import to_bytes
from core.vocabulary import LANGUAGES
from loaders.load import HeldBack
from publishing.per_record import RECORD_IRI
from triplestore.versions import TripleStore
from validation.columns import advice_texts
from validation.findings import Finding, Report
from validation.messages import problem_message
from validation.shapes import shape_texts


def activity_of(base: str, version: str) -> str:
    """The load activity of a dataset version (``loaders.provenance``: the version is
    ``{base}dataset/S/V``, its activity ``{base}load/S/V``)."""
    return f"{base}load/{version.removeprefix(f'{base}dataset/')}"


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _belongs(finding: Finding, held: HeldBack) -> bool:
    """Whether an error is one of those that hold ``held`` back: on its row, or on one of its
    resources (a graph check names the resource, not the row)."""
    if finding.severity != "error":
        return False
    if finding.row is not None:
        return finding.row == held.row and finding.sheet == held.sheet
    found = RECORD_IRI.search(finding.focus or "")
    return found is not None and held.identifier is not None and found.group(1) == held.identifier


#: a partner's cell quoted in a report's sentence (``validation.messages``: «value»)
_QUOTED = re.compile(r"«[^»]*»")
#: an e-mail address anywhere else in it (full-width ＠ too): a domain with a dot after the @,
#: so that the advice's "info@ or office@," keeps its words (stranger 89: "como info@ u … se
#: publica")
_EMAIL = re.compile(r"[^\s«»()<>\"']+[@＠][^\s«»()<>\"',;]*[.．][^\s«»()<>\"']*[^\s«»()<>\"'.,;]")


def without_advice(text: str, lang: str) -> str:
    """A report's sentence without what it advises the partner to do (``advice_texts``): the
    dataset page tells the public why a record is held back, not what to write in the
    template."""
    for advice in advice_texts(lang):
        text = text.replace(f" {advice}", "")
    return text


def without_values(text: str, value: str | None = None) -> str:
    """A report's sentence with the partner's values taken out (each quoted cell, the
    finding's own value, any e-mail address): the reasons a record is held back are published,
    while the record's values are not (a person's e-mail it quoted was)."""
    if value:  # as a whole: a short value ("e") must not take letters out of the sentence's words
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "…", text)
    return _EMAIL.sub("…", _QUOTED.sub("«…»", text))


def sentence(finding: Finding, lang: str, report_language: str) -> str | None:
    """What an error says in ``lang``: the report's own sentence in its language, else the
    sentence of its code (a problem's, or its shape's message) told again in ``lang``; None
    when the code has none in ``lang``. Never the raw code (issue #18, stranger 40: the dataset
    page showed "country-not-in-network — «…» non è tra..." on its Greek page)."""
    shape = shape_texts().get(finding.shape or "")
    name = shape.names.get(lang) if shape is not None else None
    if lang == report_language:
        told: str | None = finding.message
    else:
        told = problem_message(finding.code, lang, value=finding.value, column=finding.column)
        if told is None and shape is not None:
            told = shape.messages.get(lang)
    return f"{name} — {told}" if told and name else told


def reasons(report: Report, held: HeldBack, lang: str | None = None) -> list[str]:
    """The errors that hold a record back, each once, in ``lang`` (default: the report's),
    without the values they quote (``without_values``)."""
    lang = lang or report.language
    texts = (
        without_values(without_advice(told, lang) + (f" ({f.column})" if f.column else ""), f.value)
        for f in report.findings
        if _belongs(f, held) and (told := sentence(f, lang, report.language)) is not None
    )
    return list(dict.fromkeys(texts))


def description(report: Report, held: list[HeldBack], version: str, base: str) -> list[ox.Triple]:
    """The counts of the load and its held-back records, as triples on its activity."""
    activity = ox.NamedNode(activity_of(base, version))
    rows = report.load.rows_read if report.load else report.rows
    kept = sum(h.kept for h in held)
    published = max(report.records - sum(h.identifier is not None for h in held), 0) + kept
    triples = [
        ox.Triple(activity, ox.NamedNode(CWM + "rowsRead"), _integer(rows)),
        ox.Triple(
            activity,
            ox.NamedNode(CWM + "rowsLeftOut"),
            _integer(report.load.rows_skipped if report.load else 0),
        ),
        ox.Triple(activity, ox.NamedNode(CWM + "recordsPublished"), _integer(published)),
        ox.Triple(activity, ox.NamedNode(CWM + "recordsHeldBack"), _integer(len(held))),
    ]
    for number, record in enumerate(held, 1):
        node = ox.NamedNode(f"{activity.value}/held-back/{record.row or number}")
        triples += [
            ox.Triple(activity, ox.NamedNode(CWM + "heldBack"), node),
            ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(CWM + "HeldBackRecord")),
        ]
        if record.row is not None:
            triples.append(ox.Triple(node, ox.NamedNode(CWM + "rowNumber"), _integer(record.row)))
        if record.sheet:
            triples.append(
                ox.Triple(node, ox.NamedNode(CWM + "sheetName"), ox.Literal(record.sheet))
            )
        if record.source_identifier:
            identifier = ox.Literal(record.source_identifier)
            triples.append(ox.Triple(node, ox.NamedNode(CWM + "sourceIdentifier"), identifier))
        for lang in LANGUAGES:  # each reason in the six languages, for the page's reader
            for text in reasons(report, record, lang):
                reason = ox.Literal(text, language=lang)
                triples.append(ox.Triple(node, ox.NamedNode(CWM + "heldBackReason"), reason))
    return triples


#: the records a version's load held back (``description``), with their numbers of reasons
#: (in one language: each reason is told in the six)
HELD_IN_VERSION = """
SELECT ?row ?sheet ?identifier (MAX(?told) AS ?reasons) WHERE {
  { SELECT ?record ?row ?sheet ?identifier (COUNT(DISTINCT ?reason) AS ?told) WHERE {
      GRAPH $version {
        ?load <$cwmheldBack> ?record .
        OPTIONAL { ?record <$cwmrowNumber> ?row }
        OPTIONAL { ?record <$cwmsheetName> ?sheet }
        OPTIONAL { ?record <$cwmsourceIdentifier> ?identifier }
        OPTIONAL { ?record <$cwmheldBackReason> ?reason } } }
    GROUP BY ?record ?row ?sheet ?identifier (LANG(?reason)) } }
GROUP BY ?record ?row ?sheet ?identifier ORDER BY ?row"""


def held_in_version(store: TripleStore, version: ox.NamedNode | None) -> list[HeldBack]:
    """The records the load of ``version`` held back, as its provenance names them (``errors``:
    the number of its reasons): what a file loaded again unchanged holds back, unread."""
    if version is None:
        return []
    sparql = HELD_IN_VERSION.replace("$version", f"<{version.value}>").replace("$cwm", CWM)
    return [
        HeldBack(
            int(s["row"].value) if s["row"] is not None else None,
            s["sheet"].value if s["sheet"] is not None else None,
            s["identifier"].value if s["identifier"] is not None else None,
            int(s["reasons"].value),
        )
        for s in store.query(sparql)
    ]


def held_back_ntriples(report: Report, held: list[HeldBack], version: str, base: str) -> bytes:
    return to_bytes(description(report, held, version, base), ox.RdfFormat.N_TRIPLES)
