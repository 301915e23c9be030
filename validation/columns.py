"""Layer 2, the table: the mapping's required columns are there (a hint when one looks
misspelt), and every cell could be read (numbers, dates, yes/no, e-mail, phone, postcode,
codes...); and the project's template mapping, whose columns have a header per language.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections import Counter
from collections.abc import Iterable, Set
from functools import cache
from pathlib import Path
from typing import Any

from core import vocabulary
from core.diskcache import fingerprint, remembered
from core.namespaces import PREFIXES
from core.translations import quoted
from core.vocabulary import LANGUAGES
from loaders import mapping as mapping_module
from loaders import personal, tables
from loaders.concepts import default_index
from loaders.load import LoadReport
from loaders.mapping import Mapping, load_mapping
from loaders.mapping import required_fields as mapping_required_fields
from loaders.readers import blank_header_position, is_blank_header, repeat_of
from loaders.values import cldr_locale
from validation.findings import HOW_READ, Finding
from validation.messages import problem_message, ui

TEMPLATE_MAPPING = (Path(__file__).parent / "template" / "mapping.yaml").resolve()


@cache
def template_mapping(lang: str) -> Mapping:
    """The mapping of the project's submission template, reading free text, numbers and dates
    in ``lang`` (a Greek or French template writes "37,9795"); read once per process: the
    template is part of the code."""
    mapping = _template_mapping()
    locale = dataclasses.replace(mapping.locale, language=lang, numbers=cldr_locale(lang, None))
    return dataclasses.replace(mapping, locale=locale)


def _template_mapping() -> Mapping:
    """The template's mapping as read and checked from its file (1 s and more: the schema, the
    code lists), kept in the cache directory while it, the vocabulary and the code that reads
    it are unchanged."""
    loaders = Path(mapping_module.__file__).parent
    key = fingerprint(
        str(TEMPLATE_MAPPING),  # this checkout's: the cache directory is the user's, shared
        TEMPLATE_MAPPING,
        *vocabulary.codelist_files(),
        *sorted(loaders.glob("*.py")),
        loaders / "mapping.schema.json",
        *sorted(loaders.glob("tables/*.yaml")),
    )
    mapping = remembered("template-mapping", key, lambda: load_mapping(TEMPLATE_MAPPING))
    # the template is known by its path (column_header, mapping_name): never another checkout's
    return dataclasses.replace(mapping, path=TEMPLATE_MAPPING)


def column_header(spec: Any, lang: str, mapping: Mapping) -> str:
    """A column's header as the partner would write it (the template has one per language)."""
    if mapping.path == TEMPLATE_MAPPING and len(spec.sources) == len(LANGUAGES):
        return spec.sources[LANGUAGES.index(lang)]
    return spec.sources[0]


def mapping_name(mapping: Mapping) -> str:
    """How a report names a mapping: ``template``, or the folder of a partner's mapping (the
    name a server offers it under), never a path on the machine."""
    return "template" if mapping.path == TEMPLATE_MAPPING else mapping.path.parent.name


def required_fields() -> set[str]:
    """The fields every record must have: those of the space and its address that a shape of
    severity Violation requires (sh:minCount, or a SPARQL constraint that requires its path);
    the mapping reader knows them too (it refuses ``unreadable: leave-out`` on them)."""
    return set(mapping_required_fields())


def expand(prefixed: str) -> str:
    prefix, _, local = prefixed.partition(":")
    return PREFIXES[prefix] + local


def key_counts(rows: Iterable[Any]) -> dict[str, int]:
    """Every column (every key of a JSON record, wherever it first appears) and how many rows
    have it, in the order first met: the records of a JSON file need not have the same keys."""
    # rows are counted by their keys as a whole (a table's rows all have the same), then each
    # set of keys once: the same order as key by key, row after row, and ten times faster
    shapes = Counter(tuple(row.values) for row in rows)
    counts: dict[str, int] = {}
    for keys, rows_with in shapes.items():
        for key in keys:
            counts[key] = counts.get(key, 0) + rows_with
    return counts


def check_columns(
    headers: list[str],
    mapping: Mapping,
    lang: str,
    counts: dict[str, int] | None = None,
    total: int = 0,
) -> tuple[list[Finding], set]:
    """Required columns missing (and the fields they leave empty), unknown or misspelt ones;
    ``counts``: how many of the ``total`` rows have each column (a key only some JSON records
    have is reported once, with that count)."""
    findings, missing = [], set()
    known = set(mapping.used_columns)
    required = required_fields()
    for spec in mapping.columns:
        if spec.field in required and not any(source in headers for source in spec.sources):
            column = column_header(spec, lang, mapping)
            message = problem_message("missing-column", lang, column=column) or ""
            findings.append(
                Finding(
                    "table",
                    "missing-column",
                    "error",
                    message,
                    detail=f"none of the columns {list(spec.sources)} is in the file",
                    column=column,
                    field=spec.field,
                )
            )
            missing.add(spec.field)
    candidates = suggested_headers(headers, mapping, lang)
    lacking = {
        source for spec in mapping.columns if spec.field in missing for source in spec.sources
    }
    written = tuple(headers)
    # a JSON key holding mapped keys, null in some records ("geocoding": null beside
    # "geocoding.latitude"): used (its records are told the values they lack)
    parents = {key.rsplit(".", depth)[0] for key in known for depth in range(1, key.count(".") + 1)}
    for position, header in enumerate(written, start=1):
        if header in known or header in parents or not header.strip():
            continue
        if repeat_of(written, position) in known:  # "Name,Name": told as duplicate-column
            continue
        close = closest_header(header, candidates, lacking)
        count = (counts or {}).get(header, total)
        code = "misspelt-column" if close else "unused-key" if count < total else "unknown-column"
        # a blank header is named in the reader's language, in the message and in the report's
        # column and value cells too (stranger 79: "column 10" in an Italian report)
        blank = is_blank_header(header, position)
        shown = ui("blank-header", lang).format(position=position) if blank else header
        message = (
            problem_message(
                code,
                lang,
                value=shown,
                column=close,
                count=count,
                total=total,
            )
            or ""
        )
        findings.append(Finding("table", code, "warning", message, column=shown, value=shown))
    return findings, missing


def suggested_headers(headers: list[str], mapping: Mapping, lang: str) -> list[str]:
    """The headers a column the mapping does not know may be a misspelling of: with the
    template, those of the language the file's headers are written in (the most of them; the
    report's on a tie), so that a Croatian file is not told "did you mean «Adresse»?" (stranger
    89); with a partner's mapping, its own."""
    if not is_template(mapping):
        expected = [column_header(spec, lang, mapping) for spec in mapping.columns]
        return list(dict.fromkeys([*expected, *sorted(mapping.used_columns)]))
    written = set(headers)
    by_language = {
        language: [column_header(spec, language, mapping) for spec in mapping.columns]
        for language in LANGUAGES
    }
    chosen = max(
        LANGUAGES,
        key=lambda language: (len(written & set(by_language[language])), language == lang),
    )
    return by_language[chosen]


def closest_header(
    header: str, candidates: list[str], lacking: Set[str] = frozenset()
) -> str | None:
    """The header ``header`` likely means: the closest of ``candidates`` (difflib, as written,
    then without accents and case), else the one it begins, word for word, when it begins one
    alone, or one alone of the required columns the file lacks (``lacking``): "Vrsta" for
    "Vrsta prostora", which the file lacks, rather than "Vrsta područja"."""
    close = difflib.get_close_matches(header, candidates, n=1, cutoff=0.75)
    if close:
        return close[0]
    folded = tables.fold(header)
    if not folded:
        return None
    by_folded = {tables.fold(c): c for c in reversed(candidates)}  # the first kept
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.75)
    if close:  # "Telephóne" for "Téléphone": accents and case aside
        return by_folded[close[0]]
    begun = [c for c in candidates if tables.fold(c).startswith(f"{folded} ")]
    if len(begun) > 1:
        begun = [c for c in begun if c in lacking]
    return begun[0] if len(begun) == 1 else None


def cell_message(problem: Any, lang: str) -> str | None:
    """The sentence of a cell's problem; one that names another problem as its cause
    (``because``: an unreadable cell left out) says that one's sentence as its ``why``."""
    params = dict(problem.params or ())
    because = params.pop("because", None)
    codelist, close = params.pop("codelist", None), params.pop("close", None)
    hint = params.pop("hint", None)  # a sentence of the ui (validation/messages.yaml) to add
    if because is not None:
        why = (
            problem_message(because, lang, **params, value=problem.value, column=problem.column)
            or problem.reason
        )
        params["why"] = why
    message = problem_message(
        problem.code, lang, **params, value=problem.value, column=problem.column
    )
    if message is None:
        return None
    hints = term_hints(codelist, close, lang) if codelist is not None else []
    if hint is not None:
        hints.append(ui(hint, lang).format_map(params))
    return " ".join([message, *hints])


#: a code list this short is listed whole beside a term it does not hold
LISTED_CODES = 20


def term_hints(codelist: str, close: str | None, lang: str) -> list[str]:
    """What to write instead of a term no concept of ``codelist`` has, in ``lang``: the concept
    it likely means (``close``, ``ConceptIndex.closest``) and the list's labels when it is short
    (``LISTED_CODES``)."""
    index = default_index()
    hints = []
    if close is not None:
        hints.append(
            ui("term-close", lang).format(label=quoted(index.label(codelist, close, lang), lang))
        )
    labels = index.labels(codelist, lang)
    if len(labels) <= LISTED_CODES:
        hints.append(ui("term-allowed", lang).format(labels=", ".join(labels)))
    return hints


#: problems whose translated message says all there is (the sheet read, the row of the
#: headers): the report gives no English detail beside it
TOLD_IN_FULL = HOW_READ


def personal_advice(code: str, lang: str, template: bool) -> str | None:
    """What a partner can do about a value held back as personal data (``code``), by how the
    file is read: a mapping can mark its column public; the template has none, and its advice
    is the code's own (``public_advice`` in ``loaders/tables/personal.yaml``: a mobile number is
    told to give the organisation's number, a name its name); None for a code without advice."""
    advice = personal.rules().public_advice
    if code not in advice:
        return None
    told = "personal-advice-mapping" if not template else advice[code]
    return None if told is None else problem_message(told, lang)


def advice_texts(lang: str) -> list[str]:
    """Every advice ``personal_advice`` may add to a message in ``lang``: what the partner is
    told to do, which the public does not need (``publishing.held_back``)."""
    codes = {"personal-advice-mapping", *personal.rules().public_advice.values()}
    texts = (problem_message(code, lang) for code in sorted(c for c in codes if c))
    return [text for text in texts if text]


def is_template(mapping: Mapping) -> bool:
    return mapping.path == TEMPLATE_MAPPING


def _told_in_full(code: str) -> bool:
    """Whether a problem's translated message says all there is (``TOLD_IN_FULL``, and a value
    held back as personal data, whose English reason speaks of the mapping)."""
    return code in TOLD_IN_FULL or code in personal.rules().reasons


def cell_findings(report: LoadReport, lang: str, template: bool = False) -> list[Finding]:
    """The loader's problems as findings in ``lang``; ``template``: the file is read with the
    template (``personal_advice``)."""
    findings = []
    for problem in report.problems:
        message = cell_message(problem, lang)
        advice = personal_advice(problem.code, lang, template)
        if message and advice:
            message = f"{message} {advice}"
        findings.append(
            Finding(
                "table",
                problem.code,
                "warning" if problem.severity == "warning" else "error",
                message or problem.reason,
                # the English reason of a value held back speaks of the mapping: the message
                # says all, with the advice for the partner's way of reading the file
                detail="" if message and _told_in_full(problem.code) else problem.reason,
                sheet=problem.sheet,
                row=problem.row,
                column=shown_column(problem.column, lang),
                value=problem.value,
                field=problem.field,
            )
        )
    return findings


def shown_column(column: str | None, lang: str) -> str | None:
    """A column as the report names it: one whose header cell is blank, "column 4" as the
    reader named it, in ``lang`` (stranger 80: a cell's warning in such a column said "column
    4" in a Greek report)."""
    position = blank_header_position(column) if column else None
    return column if position is None else ui("blank-header", lang).format(position=position)
