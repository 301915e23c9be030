"""The submissions recorded in the graph ``{base}submissions`` (``publishing.publish.record``
writes them): who, when, the file's checksum, the version it became, whether it conformed and
its numbers of errors and warnings, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from triplestore.versions import TripleStore


def submissions_graph(base: str) -> str:
    """The graph that records every submission (``SUBMISSIONS`` lists them)."""
    return f"{base}submissions"


SUBMISSIONS = """
SELECT ?submission ?partner ?time ?file ?checksum ?version ?conforms ?errors ?warnings
WHERE {{ GRAPH <{base}submissions> {{
  ?submission a <http://www.w3.org/ns/prov#Activity> ;
      <http://www.w3.org/ns/prov#wasAssociatedWith> ?partner ;
      <http://www.w3.org/ns/prov#startedAtTime> ?time ;
      <http://purl.org/dc/terms/identifier> ?file ;
      <http://spdx.org/rdf/terms#checksumValue> ?checksum ;
      <http://www.w3.org/ns/prov#generated> ?report .
  ?report <http://www.w3.org/ns/shacl#conforms> ?conforms ;
      <https://w3id.org/coworkmed/def/errorCount> ?errors ;
      <https://w3id.org/coworkmed/def/warningCount> ?warnings .
  OPTIONAL {{ ?submission <http://www.w3.org/ns/prov#generated> ?version .
             FILTER NOT EXISTS {{ ?version a <http://www.w3.org/ns/shacl#ValidationReport> }} }}
}} }}
ORDER BY DESC(?time)
"""


def submission_rows(
    solutions: Iterable[dict[str, str | None]], partner: str | None = None
) -> list[dict[str, Any]]:
    """The rows of the SUBMISSIONS query (each a variable -> value mapping), as plain records,
    of one partner if given."""
    rows = []
    for values in solutions:
        who = (values["partner"] or "").rsplit("/", 1)[-1]
        if partner and who != partner:
            continue
        rows.append(
            {
                "submission": values["submission"],
                "partner": who,
                "time": values["time"],
                "file": values["file"],
                "sha256": values["checksum"],
                "version": values.get("version"),
                "conforms": values["conforms"] == "true",
                "errors": int(values["errors"] or 0),
                "warnings": int(values["warnings"] or 0),
            }
        )
    return rows


def list_submissions(
    store: TripleStore, base: str, partner: str | None = None
) -> list[dict[str, Any]]:
    """The submissions recorded in the store, newest first (of one partner, if given)."""
    solutions = store.query(SUBMISSIONS.format(base=base))
    names = [variable.value for variable in solutions.variables]
    values = (
        {name: None if s[name] is None else s[name].value for name in names} for s in solutions
    )
    return submission_rows(values, partner)
