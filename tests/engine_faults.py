"""Queries the engine (pyoxigraph) itself fails on, whatever the service does before: for the
tests that the failure is said as the engine's."""

from __future__ import annotations

import random

#: dateTimes with and without a time zone, which XSD leaves unordered within 14 hours: the
#: engine's sort of them panics ("does not correctly implement a total order"), whatever key
#: ``total_order`` sets (none of them is a number; stranger 50)
ZONES = ["+14:00", "Z", "+14:00", "+09:00", "+09:00", "", "Z", "-14:00", "Z", "", "+09:00"]
ZONES += ["-05:00", "+14:00", "Z", "", "-05:00", "", "", "-05:00", "", "-14:00"]
HOURS = ["02T19", "02T04", "03T00", "03T14", "01T10", "03T22", "03T12", "03T14", "02T05"]
HOURS += ["01T01", "01T16", "01T22", "03T03", "01T21", "03T13", "02T06", "02T10", "01T22"]
HOURS += ["02T01", "02T04", "01T13"]
MIXED_ZONES = (
    "SELECT ?o { VALUES ?o { "
    + " ".join(
        f'"2020-01-{hour}:00:00{zone}"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
        for hour, zone in zip(HOURS, ZONES, strict=True)
    )
    + " } } ORDER BY ?o"
)


def temporal_beside_strings(kind: str, seed: int) -> str:
    """300 values, about 40 % plain strings that read like the others (``"2000-01-01T05"``),
    the rest dateTimes with a time zone (``dateTime``) or durations (``dayTimeDuration``), as
    stranger 51 drew them: the engine's sort of them aborted (a string beside a date, time or
    duration is no number: ``isNumeric`` alone did not part them)."""
    draw = random.Random(seed)
    xsd = "^^<http://www.w3.org/2001/XMLSchema#{}>"
    values = []
    for _ in range(300):
        if draw.random() < 0.4:
            shape = "2000-01-01T%02d" if kind == "dateTime" else "PT%d"
            values.append(f'"{shape % draw.randint(1, 23)}"')
        elif kind == "dateTime":
            zone = draw.randint(-14, 14)
            written = "Z" if zone == 0 else f"{zone:+03d}:00"
            hour, minute = draw.randint(0, 23), draw.randint(0, 59)
            values.append(f'"2000-01-01T{hour:02d}:{minute:02d}:00{written}"' + xsd.format(kind))
        else:
            shape = draw.choice(["PT%dS", "PT%dM", "PT%dH"])
            bound = {"PT%dS": 7200, "PT%dM": 120, "PT%dH": 3}[shape]
            values.append(f'"{shape % draw.randint(0, bound)}"' + xsd.format(kind))
    return " ".join(values)
