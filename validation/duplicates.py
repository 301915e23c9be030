"""Layer 4, across records: the same space twice in a submission, or a space another partner
has already published nearby under the same name, by the ``duplicate`` rule of the one
same-place rule (``linking.places``). The places already published are given by the caller,
which reads its store (``linking.places.PLACES``, ``published_places``).
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path

import pyoxigraph as ox
import yaml

from linking import places
from linking.places import PLACES, Place, same_place
from loaders import tables
from loaders.readers import written
from validation.columns import is_template
from validation.findings import Finding
from validation.messages import problem_message
from validation.trace import Trace

#: the rule of ``linking.places.RULES`` that says two records are the same space
DUPLICATE = "duplicate"
#: a finding -> the patterns of the codes of its row's findings that it says more fully or
#: makes moot (one fact, one message, issue #18): ``superseded.yaml``
SUPERSEDES: dict[str, tuple[str, ...]] = {
    code: tuple(patterns)
    for code, patterns in yaml.safe_load(
        (Path(__file__).with_name("superseded.yaml")).read_text(encoding="utf-8")
    ).items()
}


#: (whose the file is known, both places have coordinates) -> the problem a space already
#: published is: "another partner" only when the file is a partner's (anonymous validation, with
#: the template, may be that partner's own file), "nearby" only when both have a point
#: (strangers 89, 90)
ALREADY_PUBLISHED: dict[tuple[bool, bool], str] = {
    (True, True): "already-published",
    (True, False): "already-published-unlocated",
    (False, True): "already-published-anonymous",
    (False, False): "already-published-anonymous-unlocated",
}


def record_finding(code: str, place: Place, message: str, column: str | None) -> Finding:
    """A finding about a record, at the row the place was read from."""
    return Finding(
        "records",
        code,
        "warning",
        message,
        row=place.row,
        column=column,
        value=place.name,
        focus=place.iri,
    )


def across_records(
    mine: list[Place],
    published: list[Place],
    lang: str,
    columns: dict[str, str | None],
    whose_known: bool = True,
) -> list[Finding]:
    """Each place of ``mine`` that is the same as an earlier one of ``mine`` or as one of
    ``published`` (``columns``: the field -> the column that holds it; ``whose_known``: the
    file is a partner's, read with its mapping, not an anonymous one read with the template)."""
    findings = []
    column = columns.get("name")
    by_name: dict[str, list[Place]] = defaultdict(list)
    for place in sorted(mine, key=lambda p: p.row or 0):
        same = (p for p in by_name[tables.fold(place.name)] if same_place(p, place, DUPLICATE))
        earlier = next(same, None)
        if earlier is not None:
            message = problem_message("duplicate-record", lang, other=earlier.row) or ""
            findings.append(record_finding("duplicate-record", place, message, column))
        by_name[tables.fold(place.name)].append(place)
    others: dict[str, list[Place]] = defaultdict(list)
    for place in published:
        others[tables.fold(place.name)].append(place)
    for place in mine:
        alike = others.get(tables.fold(place.name), [])
        match = next((p for p in alike if same_place(p, place, DUPLICATE)), None)
        if match is not None:
            located = places.metres(place, match) < math.inf  # both have a point
            code = ALREADY_PUBLISHED[whose_known, located]
            message = problem_message(code, lang, other=match.iri) or ""
            findings.append(record_finding(code, place, message, column))
    return findings


def superseded(findings: list[Finding]) -> list[Finding]:
    """``findings`` without those that another finding of the same row says more fully or makes
    moot (``SUPERSEDES``); a superseding finding is always kept."""
    gone = [
        ((finding.sheet, finding.row), SUPERSEDES[finding.code])
        for finding in findings
        if finding.code in SUPERSEDES and finding.row is not None
    ]
    if not gone:
        return findings
    patterns: dict[tuple[str | None, int | None], list[str]] = defaultdict(list)
    for place, codes in gone:
        patterns[place].extend(codes)

    def moot(finding: Finding) -> bool:
        codes = patterns.get((finding.sheet, finding.row), ())
        return finding.code not in SUPERSEDES and any(fnmatchcase(finding.code, c) for c in codes)

    return [finding for finding in findings if not moot(finding)]


def submission_places(
    store: ox.Store, records: dict[str, tuple[int, str | None]], base: str
) -> list[Place]:
    """The spaces of a submission's graph (``store``), each with the row it was read from
    (``records``: record key -> row and sheet, ``validation.trace.record_rows``)."""
    found = []
    solutions = store.query(PLACES)
    assert isinstance(solutions, ox.QuerySolutions)  # PLACES is a SELECT query
    for solution in solutions:
        key = solution["s"].value.rsplit("/", 1)[-1]
        found.append(places.place(solution, base, records.get(key, (None, None))[0]))
    return found


def record_findings(mine: list[Place], trace: Trace, published: list[Place]) -> list[Finding]:
    """Layer 4 for the spaces of the submission (``mine``, ``submission_places``), with the
    cell as the partner wrote it."""
    columns = {"name": trace.column_of("name")}
    findings = []
    whose_known = not is_template(trace.mapping)
    for finding in across_records(mine, published, trace.lang, columns, whose_known):
        row = trace.rows.get(finding.row or -1)
        cell = row.values.get(finding.column) if row and finding.column else None
        shown = finding if cell is None else dataclasses.replace(finding, value=written(cell))
        sheet = trace.records.get((finding.focus or "").rsplit("/", 1)[-1], (None, None))[1]
        findings.append(dataclasses.replace(shown, sheet=sheet) if sheet else shown)
    return findings
