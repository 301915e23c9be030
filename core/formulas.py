"""Spreadsheet formula injection: a CSV cell (or workbook cell) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return may be run as a formula when the file is opened in a
spreadsheet (OWASP, "CSV Injection"). Every CSV or workbook this project writes for people
(figures, validation reports, templates) goes through ``safe_cell``: such a cell gets a leading
apostrophe, which spreadsheets read as "text". A cell that is only a number (``-5``, ``+3.2e1``,
``-5,9905`` with a decimal comma, as a Spanish template writes a longitude) cannot be a formula
and is left as it is. SPARQL CSV and TSV results are not among them: they
are data read by programs, and the protocol gives the values as they are (issue #20).
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> str:
    """``value`` as a cell text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
