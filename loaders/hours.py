"""Opening hours in OpenStreetMap's ``opening_hours`` syntax ("Mo-Fr 09:00-12:00,14:00-18:30;
Sa 08:30-12:00"), as France's "médiation numérique" standard writes them: checked with
opening-hours-py (a parser of the whole OSM grammar) and published as written; whether the
space opens at weekends is derived from them for the observatory to count."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import opening_hours

from core.problems import ValueProblem
from loaders.values import XSD, ColumnSpec, Context, Lit, Term, as_text

#: the most characters of an opening-hours value (the longest real ones are a few hundred)
MAX_OPENING_HOURS = 1000
#: a weekend in each month of a reference year: seasonal hours ("Jun-Aug Sa 10:00-12:00")
#: open on some of them; the year only fixes the calendar (no public holidays are known)
_WEEKENDS = tuple(
    dt.datetime(2026, month, 1) + dt.timedelta(days=(5 - dt.date(2026, month, 1).weekday()) % 7)
    for month in range(1, 13)
)


def parse_opening_hours(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = as_text(raw)
    if not text:
        return []
    if len(text) > MAX_OPENING_HOURS:
        raise ValueProblem(
            "not-opening-hours", f"opening hours of more than {MAX_OPENING_HOURS} characters"
        )
    _parsed(text)
    return [Lit(text)]


@lru_cache(maxsize=4096)
def _parsed(text: str) -> opening_hours.OpeningHours:
    try:
        return opening_hours.OpeningHours(text)
    # the stub of opening-hours-py 2.1 does not declare ParserError, which it raises
    except (opening_hours.ParserError, ValueError):  # type: ignore[attr-defined]
        raise ValueProblem(
            "not-opening-hours",
            "not opening hours in the OpenStreetMap syntax (Mo-Fr 09:00-18:00; Sa 09:00-12:00)",
        ) from None


@lru_cache(maxsize=4096)
def opens_at_weekend(text: str) -> bool:
    """Whether hours that parse open on a Saturday or Sunday of some month of the year."""
    hours = _parsed(text)
    return any(
        state == opening_hours.State.OPEN
        for saturday in _WEEKENDS
        for _start, _end, state, _comment in hours.intervals(
            saturday, saturday + dt.timedelta(days=2)
        )
    )


def weekend_terms(text: str) -> list[Term]:
    """cwm:opensAtWeekend for hours already checked by ``parse_opening_hours``."""
    return [Lit("true" if opens_at_weekend(text) else "false", XSD + "boolean")]
