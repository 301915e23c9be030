"""Queries the engine (pyoxigraph) itself fails on, whatever the service does before: for the
tests that the failure is said as the engine's."""

from __future__ import annotations

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
