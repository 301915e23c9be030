"""Reinterpreted values that a later check of the same record contradicts (issue #18): a postcode
"0018" read as 00018 (Roma) in a record whose coordinates are in Viterbo is not published as
00018. The pairs are data (``loaders/tables/reinterpretations.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from core.problems import Problem
from loaders import tables


@dataclass(frozen=True)
class Reading:
    """What a notice's reading gives, and what contradicts it (a row of the table)."""

    notice: str
    field: str
    #: each contradicting check's code -> the code of the warning that the value is left out
    contradicted_by: dict[str, str]


@dataclass(frozen=True)
class Contradiction:
    """A notice of a reinterpreted value, the check of the same record that contradicts it, and
    the reading they are of."""

    notice: Problem
    check: Problem
    reading: Reading


@cache
def readings() -> dict[str, Reading]:
    """The table, by notice code."""
    return {
        code: Reading(
            notice=code,
            field=row["field"],
            contradicted_by=dict(row["contradicted_by"]),
        )
        for code, row in tables.table("reinterpretations").items()
    }


def contradictions(problems: list[Problem]) -> list[Contradiction]:
    """Each notice among one record's ``problems`` whose reading a check among them contradicts
    (same sheet, row and field), with the first such check."""
    table = readings()
    found = []
    for notice in problems:
        reading = table.get(notice.code)
        if reading is None or notice.field != reading.field:
            continue
        check = next(
            (
                problem
                for problem in problems
                if problem.code in reading.contradicted_by
                and problem.field == reading.field
                and (problem.sheet, problem.row) == (notice.sheet, notice.row)
            ),
            None,
        )
        if check is not None:
            found.append(Contradiction(notice, check, reading))
    return found


def told_once(problems: list[Problem], found: list[Contradiction]) -> list[Problem]:
    """One record's ``problems`` with each contradicted reading told once (issue #18: a withheld
    postcode gave three warnings, the notice, the check and the withholding): the notice and
    every check of its row and field that contradicts it make way for the one warning that the
    value is left out (``withheld``), in the notice's place."""
    replaced: dict[int, Problem | None] = {}
    for contradiction in found:
        notice, reading = contradiction.notice, contradiction.reading
        for problem in problems:
            if (
                problem.code in reading.contradicted_by
                and problem.field == reading.field
                and (problem.sheet, problem.row) == (notice.sheet, notice.row)
            ):
                replaced.setdefault(id(problem), None)
        replaced[id(notice)] = withheld(contradiction)
    kept = [replaced.get(id(problem), problem) for problem in problems]
    return [problem for problem in kept if problem is not None]


def withheld(contradiction: Contradiction) -> Problem:
    """The warning that a value is left out, on the cell of the notice: the value as written,
    as read, and the check's own values (the region each implies)."""
    notice, check = contradiction.notice, contradiction.check
    field = contradiction.reading.field
    result = dict(notice.params or ()).get("result", "")
    return Problem(
        contradiction.reading.contradicted_by[check.code],
        f"{notice.value} was read as {result}, but {check.reason}: the {field} is left out",
        row=notice.row,
        column=notice.column,
        value=notice.value,
        field=field,
        sheet=notice.sheet,
        severity="warning",
        params=(("result", result), *(check.params or ())),
    )
