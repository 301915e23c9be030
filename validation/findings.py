"""What a validation finds and reports: each problem located in the file (``Finding``), and the
outcome of one submission (``Report``: its status, counts, findings and graph).

Every finding names the place (file, sheet, row, column, original value) and says what is wrong
in the partner's language, with the engine's technical message kept as a detail. Violations
(``error``) reject; warnings accept with notice.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from core.names import shown_name
from loaders.load import LoadReport
from validation.messages import problem_message, problem_template, shared_values

#: field of a finding -> the most characters of it a report shows
SHOWN = {"value": 200, "message": 600, "detail": 600, "column": 200}
#: no field of a finding this short is cut (``SHOWN``)
SHORT = min(SHOWN.values())


@dataclass(frozen=True)
class Finding:
    """One problem of a submission, located as precisely as the file allows."""

    layer: str  # file, table, graph, records
    code: str  # a problem code, or the local name of a shape
    severity: str  # error (rejects) or warning
    message: str  # in the partner's language
    detail: str = ""  # the engine's own words (English)
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None
    name: str | None = None  # what kind of problem, for the summary (SHACL: the shape's name)
    focus: str | None = None  # the resource the graph check was about
    shape: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        """A partner's value is shown as far as it helps (``SHOWN``), never whole: a 100 KB
        cell repeated in every finding made a 5 KB file a 300 MB report."""
        if len(self.message or "") + len(self.detail or "") < SHORT and (
            self.value is None or len(self.value) < SHORT
        ):
            if self.column is None or len(self.column) < SHORT:
                return  # nothing to cut (most findings)
        for name, most in SHOWN.items():
            text = getattr(self, name)
            if text is not None and len(text) > most:
                cut = f"{text[:most]}…"  # (it said "(206 characters)" in every language)
                object.__setattr__(self, name, cut)

    def as_dict(self) -> dict[str, Any]:
        """The fields that say something, in their order."""
        return {name: value for name, value in vars(self).items() if value not in (None, "")}


#: a finding's fields, in their order
FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
FOCUS = FIELDS.index("focus")


def packed(finding: Finding) -> tuple[Any, ...]:
    """A finding as the tuple of its fields: a worker sends tens of thousands of findings to
    the parent, and a tuple is pickled and read back in a fraction of an object's time."""
    return tuple(vars(finding).values())


def unpacked(values: tuple[Any, ...]) -> Finding:
    """The finding ``packed`` gave (its fields already checked: not made again)."""
    finding = object.__new__(Finding)
    finding.__dict__.update(zip(FIELDS, values, strict=True))
    return finding


#: a finding's severity (``Report.errors``, ``Report.warnings``: counted in C, not in a loop)
SEVERITY = attrgetter("severity")
#: the problem of a mapping that cannot be used: the file is then not read at all
MAPPING = "bad-mapping"


@dataclass
class Report:
    """The outcome of validating one submission."""

    file: str
    mapping: str
    language: str
    readable: bool = True
    rows: int = 0
    records: int = 0
    triples: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    ntriples: bytes = b""  # the submission's graph, for publishing
    load: LoadReport | None = None

    @property
    def shown_file(self) -> str:
        """The file's name as shown and recorded (``core.names.shown_name``): ``file`` is the
        path the file is read at, which may not be text."""
        return shown_name(self.file)

    @property
    def errors(self) -> int:
        return list(map(SEVERITY, self.findings)).count("error")

    @property
    def warnings(self) -> int:
        return list(map(SEVERITY, self.findings)).count("warning")

    def counts(self) -> tuple[int, int]:
        """The errors and the warnings, counted in one pass (a report's writers need both, and
        its status: each property alone goes through every finding again)."""
        severities = list(map(SEVERITY, self.findings))
        return severities.count("error"), severities.count("warning")

    @property
    def conforms(self) -> bool:
        return self.readable and self.errors == 0

    @property
    def status(self) -> str:
        return self.status_of(*self.counts())

    def status_of(self, errors: int, warnings: int) -> str:
        """``status`` for the ``counts`` already made."""
        if not self.readable:
            return "unreadable"
        if errors:
            return "rejected"
        return "accepted-with-warnings" if warnings else "accepted"

    def headline_of(self, status: str) -> str:
        """The words a reader is shown for ``status`` (a key of the messages' ``ui``): a file
        refused for its mapping's mistakes alone says so, not that the file could not be read,
        whose next step was to save the file again (stranger 85)."""
        refused = {f.code for f in self.findings if f.severity == "error"}
        return "unreadable-mapping" if status == "unreadable" and refused == {MAPPING} else status

    def summary(self) -> list[dict[str, Any]]:
        """Each problem: severity, code, name, column, what it says, how many, the rows it is
        in, a few of its values as written and the first finding as an example; how the file
        was read first (``HOW_READ``), then errors, then the most frequent. A problem is its
        code and its column, whatever the value: the same problem in 612 rows is one line, not
        one line per value (issue #18: CGET's file gave 21 lines of unknown postcodes). When
        its rows say different things (each quoting its value), the line says the problem's
        own sentence and lists the values, so that none is hidden behind the first (issue #21:
        «otvoreno» ×4 hid «svemirska luka»)."""
        groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for key, found in _grouped(self.findings).items():
            # no column and an empty one are one: the first finding of the two groups
            # comes first, and the rows are sorted
            severity, code, column = key
            groups[(severity, code, column or "")] += found
        ordered = sorted(
            groups.items(),
            key=lambda item: (item[0][1] not in HOW_READ, item[0][0] != "error", -len(item[1])),
        )
        return [_summary_item(key, found, self.language) for key, found in ordered]

    def ordered(self) -> list[Finding]:
        """The findings, errors first (in the order found), then warnings."""
        findings = self.findings  # as a stable sort on "not an error" would give them
        return [f for f in findings if f.severity == "error"] + [
            f for f in findings if f.severity != "error"
        ]


#: the notices of how the file was read (the sheet, the row of the column names), which come
#: first in a summary: they explain the rest (stranger 79: a title row's hint came after 20
#: lines of columns without a header, which it explained, and was cut off)
HOW_READ = frozenset({"sheet-chosen", "header-row-found", "title-row"})
#: what a summary line is made of: a finding's severity, code and column (not its value)
_SUMMARY_KEY = attrgetter("severity", "code", "column")
#: the most distinct values a summary line shows as examples
VALUES_SHOWN = 3


def _summary_item(key: tuple[str, str, str], found: list[Finding], lang: str) -> dict[str, Any]:
    """One line of ``Report.summary``: the findings of one code in one column."""
    severity, code, column = key
    message = _group_message(code, found, lang)
    values = _value_counts(found)
    return {
        "severity": severity,
        "code": code,
        "name": found[0].name or message,
        "column": column or None,
        "message": message,
        "count": len(found),
        "rows": sorted({f.row for f in found if f.row is not None}),
        "values": _written_values(values),
        "distinct_values": len(values),
        "example": found[0],
    }


def _group_message(code: str, found: list[Finding], lang: str) -> str:
    """What a summary line says: its findings' message when they all say the same, else the
    problem's sentence with its per-row places left as "…" (a SHACL shape's name, or the
    first message, for a code without a sentence)."""
    messages = set(map(attrgetter("message"), found))
    if len(messages) == 1:
        return found[0].message
    template = problem_template(code, lang)
    shared = shared_values(template, messages) if template is not None else {}
    sentence = problem_message(code, lang, **shared) or found[0].name or found[0].message
    # a place left at the sentence's end is its end: "…", not "…." (stranger 89)
    sentence = re.sub(r"…\.(?=\s|$)", "…", sentence)
    tail = shared_sentences(messages)
    return f"{sentence} {tail}" if tail and tail not in sentence else sentence


#: what ends a sentence (the Greek question mark is ";")
_SENTENCE_END = re.compile(r"[.?!;] ")


def shared_sentences(messages: set[str]) -> str:
    """The whole sentences every message ends with ("A postcode of ES has 5 digits.", the
    allowed values), after the sentence where they differ (the value): said once by the line
    that groups them; empty when they share none."""
    reversed_tail = os.path.commonprefix([message[::-1] for message in messages])
    tail = reversed_tail[::-1]
    # where the tail begins at a sentence's end, the messages' own last sentence ends it
    ends = {message[: len(message) - len(tail)][-1:] for message in messages}
    start = f".{tail}" if ends and all(e and e in ".?!;" for e in ends) else tail
    end = _SENTENCE_END.search(start)
    return start[end.end() :] if end else ""


def _value_counts(found: list[Finding]) -> dict[str, int]:
    """A group's distinct values as written, in the order found, each with how many findings
    have it (a missing value is no example)."""
    counts: dict[str, int] = {}
    for finding in found:
        if finding.value is not None and finding.value != "":
            counts[finding.value] = counts.get(finding.value, 0) + 1
    return counts


def _written_values(counts: dict[str, int], most: int = VALUES_SHOWN) -> list[dict[str, Any]]:
    """The first ``most`` of ``_value_counts``, as the summary gives them."""
    return [{"value": value, "count": count} for value, count in list(counts.items())[:most]]


def _grouped(findings: list[Finding]) -> dict[tuple[Any, ...], list[Finding]]:
    """The findings by ``_SUMMARY_KEY`` (each group in their order; the groups in the order of
    their first finding), the keys made in C."""
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    for key, finding in zip(map(_SUMMARY_KEY, findings), findings, strict=True):
        found = groups.get(key)
        if found is None:
            groups[key] = [finding]
        else:
            found.append(finding)
    return groups


def hide_paths(report: Report, path: Path, shown: str) -> Report:
    """The report with the file's place on this machine (its folder, its full name, as given
    and resolved) replaced by ``shown`` in every message: readers name the file they read."""
    places = sorted({str(path), str(path.resolve())}, key=len, reverse=True)

    def clean(text: str | None) -> str | None:
        for place in places:
            text = text.replace(place, shown) if text else text
        return text

    # each distinct message and detail looked at once (52,000 findings say a few thousand things)
    texts = set(map(attrgetter("message"), report.findings))
    texts |= set(map(attrgetter("detail"), report.findings))
    named = {text for text in texts if text and any(place in text for place in places)}
    if not named:
        return report
    report.findings = [
        dataclasses.replace(f, message=clean(f.message) or "", detail=clean(f.detail) or "")
        if f.message in named or f.detail in named
        else f
        for f in report.findings
    ]
    return report
