"""Conditional and range request headers made exact before any code reads them: one WSGI
middleware (``ExactConditions``) for every route, those ``endpoint.caching`` answers and those
werkzeug's ``send_file`` answers (assets, vocabulary files, parts of dumps) alike.

werkzeug reads these headers leniently, and a lenient reading answers what the client did not
ask. RFC 9110 says what each must be, and what to do when it is not:

- ``If-Modified-Since``, ``If-Unmodified-Since`` (13.1.3, 13.1.4): one HTTP-date, else the
  condition is ignored. werkzeug read a list (``date, date``, or the header sent twice) as its
  first date, a date followed by anything, one with a numeric zone or none: a 304 or a 412 for
  a condition that should have been ignored. A valid one is passed on rewritten as an
  IMF-fixdate, the one form every reader reads alike (two-digit years included).
- ``Range`` (14.2): one range of bytes is served as a part; a range unit other than bytes, a
  ranges-specifier that cannot be read, or several ranges (``bytes=0-0,-1``: werkzeug answered
  this satisfiable request 416) are ignored, and the whole representation is sent.
- ``If-Range`` (13.1.5): a strong entity tag or one HTTP-date, else it does not match and the
  Range is ignored: werkzeug took ``W/"tag"`` for the strong ``"tag"``, and anything else for a
  tag. Without a Range it is ignored.

An HTTP-date is one of three forms, each matched whole: the IMF-fixdate, and the obsolete RFC 850
and asctime dates, which a recipient must still accept (5.6.7).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from werkzeug.http import parse_range_header

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = f"(?P<month>{'|'.join(MONTHS)})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
#: the three forms of an HTTP-date (RFC 9110 5.6.7), each matched whole, digits ASCII only:
#: the IMF-fixdate, then the obsolete RFC 850 and asctime dates
FORMS = (
    re.compile(rf"{_DAY}, (?P<day>\d{{2}}) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT", re.ASCII),
    re.compile(rf"{_LONG_DAY}, (?P<day>\d{{2}})-{_MONTH}-(?P<year>\d{{2}}) {_TIME} GMT", re.ASCII),
    re.compile(rf"{_DAY} {_MONTH} (?P<day> \d|\d{{2}}) {_TIME} (?P<year>\d{{4}})", re.ASCII),
)
#: a two-digit year further ahead than this is a past one (RFC 9110 5.6.7)
AHEAD_YEARS = 50


def full_year(digits: str, now: datetime) -> int:
    """The year a date's ``digits`` name: four as they are; two (RFC 850) in this century, or
    the last one when that is more than ``AHEAD_YEARS`` ahead of ``now``."""
    year = int(digits)
    if len(digits) != 2:
        return year
    year += now.year - now.year % 100
    return year - 100 if year > now.year + AHEAD_YEARS else year


def read_http_date(text: str | None, now: datetime | None = None) -> float | None:
    """The seconds since the epoch that ``text`` names when it is one HTTP-date, else None (no
    header, a list, a date in another form, a day the month does not have)."""
    if text is None:
        return None
    value = text.strip(" \t")
    found = next((m for form in FORMS if (m := form.fullmatch(value))), None)
    if found is None:
        return None
    year = full_year(found["year"], now or datetime.now(UTC))
    parts = (MONTHS.index(found["month"]) + 1, int(found["day"]))
    clock = (int(found["hour"]), int(found["minute"]), int(found["second"]))
    try:
        return datetime(year, *parts, *clock, tzinfo=UTC).timestamp()
    except ValueError:  # 31 February, 25 o'clock, a leap second
        return None


@functools.lru_cache(maxsize=64)
def http_date(seconds: int) -> str:
    """``seconds`` since the epoch as an IMF-fixdate (the same few generations' dates, again and
    again: remembered)."""
    return format_datetime(datetime.fromtimestamp(seconds, UTC), usegmt=True)


#: the conditions that hold one HTTP-date, as WSGI names them
DATE_CONDITIONS = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
#: a strong entity tag (RFC 9110 8.8.3): a weak one never matches If-Range
STRONG_TAG = re.compile(r'"[\x21\x23-\x7e\x80-\xff]*"')


def exact_date(text: str) -> str | None:
    """``text`` as an IMF-fixdate when it is one HTTP-date, else None (a fraction of a second
    cannot be written: an HTTP-date has none)."""
    seconds = read_http_date(text)
    return None if seconds is None else http_date(int(seconds))


def one_byte_range(text: str) -> bool:
    """Whether ``text`` (a Range) asks for one range of bytes that can be read."""
    asked = parse_range_header(text)
    return asked is not None and asked.units.lower() == "bytes" and len(asked.ranges) == 1


def if_range_usable(text: str) -> bool:
    """Whether ``text`` (an If-Range) is something the answer's validators can match: a strong
    tag or one HTTP-date."""
    value = text.strip(" \t")
    return STRONG_TAG.fullmatch(value) is not None or read_http_date(value) is not None


def exact_conditions(environ: dict[str, Any]) -> None:
    """Rewrite ``environ``'s conditional and range headers in place as RFC 9110 says they are
    read (the module's text): drop those to ignore, write valid dates as IMF-fixdates."""
    for key in DATE_CONDITIONS:
        if key in environ and (date := exact_date(environ[key])) is not None:
            environ[key] = date
        else:
            environ.pop(key, None)
    condition = environ.get("HTTP_IF_RANGE")
    if "HTTP_RANGE" in environ and not (
        one_byte_range(environ["HTTP_RANGE"]) and (condition is None or if_range_usable(condition))
    ):
        del environ["HTTP_RANGE"]  # the whole representation
    if "HTTP_RANGE" not in environ:
        environ.pop("HTTP_IF_RANGE", None)
    elif condition is not None and (date := exact_date(condition)) is not None:
        environ["HTTP_IF_RANGE"] = date


class ExactConditions:
    """The WSGI middleware that applies ``exact_conditions`` to each request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        exact_conditions(environ)
        return self.app(environ, start_response)
