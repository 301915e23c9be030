"""Conditional and range request headers made exact before any code reads them: one WSGI
middleware (``ExactConditions``) for every route, those ``endpoint.caching`` answers and those
werkzeug's ``send_file`` answers (assets, vocabulary files, parts of dumps) alike.

werkzeug reads these headers leniently, and a lenient reading answers what the client did not
ask. RFC 9110 says what each must be, and what to do when it is not:

- ``If-Modified-Since``, ``If-Unmodified-Since`` (13.1.3, 13.1.4): one HTTP-date, else the
  condition is ignored. werkzeug read a list (``date, date``, or the header sent twice) as its
  first date, a date followed by anything, one with a numeric zone or none: a 304 or a 412 for
  a condition that should have been ignored. A valid one is passed on rewritten as an
  IMF-fixdate, the one form every reader reads alike (two-digit years included). An
  ``If-Modified-Since`` later than the server's clock is ignored (``AHEAD_IGNORED``).
- ``If-None-Match`` (13.1.2): ``*`` or a list of quoted entity tags, else no condition
  (werkzeug took a bare word for a tag, and answered 304 to a tag written without quotes).
- ``Range`` (14.2): of a GET alone (a HEAD with a Range got a 206 saying 2 bytes: stranger 96);
  one range of bytes is served as a part (a suffix of no bytes, ``bytes=-0``,
  is kept: it is a 416, 14.1.1); a range unit other than bytes, a
  ranges-specifier that cannot be read (``bytes = 0-4``), or several ranges (``bytes=0-0,-1``:
  werkzeug answered this satisfiable request 416) are ignored: the whole representation.
- ``If-Range`` (13.1.5): a strong entity tag or one HTTP-date, else it does not match and the
  Range is ignored: werkzeug took ``W/"tag"`` for the strong ``"tag"``, and anything else for a
  tag. Without a Range it is ignored.

An HTTP-date is one of three forms, each matched whole: the IMF-fixdate, and the obsolete RFC 850
and asctime dates, which a recipient must still accept (5.6.7).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from werkzeug.http import parse_range_header
from werkzeug.sansio.request import Request

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
#: a date with a two-digit year further ahead than this is in the century before (RFC 9110
#: 5.6.7: "more than 50 years in the future"), compared date to date, not year to year
AHEAD = timedelta(days=365.2425 * 50)


def read_http_date(text: str | None, now: datetime | None = None) -> float | None:
    """The seconds since the epoch that ``text`` names when it is one HTTP-date, else None (no
    header, a list, a date in another form, a day the month does not have). A two-digit year
    (RFC 850) is in ``now``'s century, or the one before when that is more than 50 years ahead
    of ``now`` (the current time when not given)."""
    if text is None:
        return None
    found = next((m for form in FORMS if (m := form.fullmatch(text.strip(" \t")))), None)
    if found is None:
        return None
    year = int(found["year"])
    if len(found["year"]) != 2:
        named = _instant(year, found)
    else:
        now = now or datetime.now(UTC)
        named = _instant(year + now.year - now.year % 100, found)
        if named is not None and named > now + AHEAD:
            named = _instant(year + now.year - now.year % 100 - 100, found)
    return None if named is None else named.timestamp()


def _instant(year: int, found: re.Match[str]) -> datetime | None:
    """The instant a date ``found`` names in ``year``; None for no such day or time. A leap
    second (``23:59:60``, which the grammar allows) is the second after ``23:59:59``."""
    second = int(found["second"])
    if second > 60:
        return None
    try:
        month = MONTHS.index(found["month"]) + 1
        clock = (int(found["hour"]), int(found["minute"]), min(second, 59))
        start = datetime(year, month, int(found["day"]), *clock, tzinfo=UTC)
    except ValueError:  # 31 February, 25 o'clock, year 0
        return None
    return start + timedelta(seconds=second - clock[2])


@functools.lru_cache(maxsize=64)
def http_date(seconds: int) -> str:
    """``seconds`` since the epoch as an IMF-fixdate (the same few generations' dates, again and
    again: remembered)."""
    return format_datetime(datetime.fromtimestamp(seconds, UTC), usegmt=True)


#: the conditions that hold one HTTP-date, as WSGI names them
DATE_CONDITIONS = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
#: the condition whose date is ignored when the server's clock has not reached it: no
#: Last-Modified this server gave is later than its Date, and RFC 9110 13.1.3 reads the date by
#: the origin server's clock (RFC 2616 14.25: "a date which is later than the server's current
#: time is invalid"; stranger 96, L6: a date a year ahead was a 304, whatever changed before it)
AHEAD_IGNORED = "HTTP_IF_MODIFIED_SINCE"
_STRONG = r'"[\x21\x23-\x7e\x80-\xff]*"'
#: a strong entity tag (RFC 9110 8.8.3): a weak one never matches If-Range
STRONG_TAG = re.compile(_STRONG)
#: what If-None-Match may hold: "*" or entity tags, quoted (werkzeug took a bare word for one)
TAG_LIST = re.compile(rf"\*|(?:W/)?{_STRONG}(?:[ \t]*,[ \t]*(?:W/)?{_STRONG})*")
#: one range of bytes (RFC 9110 14.1.1): the unit in any case, no space about "=", ASCII digits
ONE_RANGE = re.compile(r"(?i:bytes)=(?:\d+-\d*|-\d+)", re.ASCII)
#: a suffix of no bytes: one range, never satisfiable (RFC 9110 14.1.1), which werkzeug cannot
#: read (stranger 94: ``bytes=-0`` was dropped, and the whole file sent)
NO_BYTES = re.compile(r"(?i:bytes)=-0+", re.ASCII)


def exact_date(text: str) -> str | None:
    """``text`` as an IMF-fixdate when it is one HTTP-date, else None (a fraction of a second
    cannot be written: an HTTP-date has none)."""
    seconds = read_http_date(text)
    return None if seconds is None else http_date(int(seconds))


def one_byte_range(text: str) -> bool:
    """Whether ``text`` (a Range) asks for one range of bytes that can be read (its last byte
    not before its first), satisfiable or not (a suffix of no bytes: ``NO_BYTES``)."""
    value = text.strip(" \t")
    if NO_BYTES.fullmatch(value) is not None:
        return True
    return ONE_RANGE.fullmatch(value) is not None and parse_range_header(value) is not None


def exact_conditions(environ: dict[str, Any]) -> None:
    """Rewrite ``environ``'s conditional and range headers in place as RFC 9110 says they are
    read (the module's text): drop those to ignore, write valid dates as IMF-fixdates."""
    for key in DATE_CONDITIONS:
        seconds = read_http_date(environ.get(key))
        if seconds is None or (key == AHEAD_IGNORED and seconds > time.time()):
            environ.pop(key, None)
        else:
            environ[key] = http_date(int(seconds))
    tags = environ.get("HTTP_IF_NONE_MATCH")
    if tags is not None and TAG_LIST.fullmatch(tags.strip(" \t")) is None:
        del environ["HTTP_IF_NONE_MATCH"]  # no list of tags: no condition
    if "HTTP_RANGE" in environ and not (
        environ.get("REQUEST_METHOD") == "GET"  # the one method ranges are defined for
        and one_byte_range(environ["HTTP_RANGE"])
        and _exact_if_range(environ)
    ):
        del environ["HTTP_RANGE"]  # the whole representation
    if "HTTP_RANGE" not in environ:
        environ.pop("HTTP_IF_RANGE", None)


def _exact_if_range(environ: dict[str, Any]) -> bool:
    """Whether ``environ``'s If-Range, if any, is something the answer's validators can match:
    a strong tag (kept as it is) or one HTTP-date (written as an IMF-fixdate)."""
    condition = environ.get("HTTP_IF_RANGE")
    if condition is None or STRONG_TAG.fullmatch(condition.strip(" \t")) is not None:
        return True
    date = exact_date(condition)
    if date is not None:
        environ["HTTP_IF_RANGE"] = date
    return date is not None


#: what the conditions of a GET or HEAD call for (``weigh``): the answer, 304 or 412
NOT_MODIFIED, FAILED = 304, 412


def changed_after(modified: float, since: float, *, exact: bool = True) -> bool:
    """Whether an answer dated ``modified`` may have changed after the date ``since`` (both in
    seconds): it was dated later, or the same second when that date does not name it alone
    (``exact`` false: another state was dated that second before it)."""
    return modified > since or (modified == since and not exact)


def weigh(
    request: Request,
    tag: str,
    modified: float,
    *,
    strong: bool,
    exists: bool = True,
    exact: bool = True,
) -> int | None:
    """The 412 or 304 that the conditions of ``request`` (a GET, HEAD, or a query sent by POST
    (stranger 92: a POST weighed none, its answer carrying a tag), its headers made exact
    by ``exact_conditions``) call for, in the order of RFC 9110 13.2.2 (steps 1 to 4), else
    None: the answer. ``tag`` (without quotes) and ``modified`` (seconds) are the answer's
    validators; ``strong``: whether ``tag`` is a strong one (a file's bytes) or a weak one (an
    answer that may be written with other bytes: gzip or not); ``exists``: whether the answer is
    there (``*`` names only an answer that is); ``exact``: whether ``modified`` names this answer
    alone (``changed_after``).

    1. ``If-Match`` compares strongly: ``*``, or ``tag`` when it is strong, holds; else 412.
    2. Without it, ``If-Unmodified-Since`` fails (412) when the answer changed after the date.
    3. ``If-None-Match`` compares weakly: ``*`` or ``tag`` holds, and is a 304 (a 412 for a
       query sent by POST: RFC 9110 13.1.2).
    4. Without it, ``If-Modified-Since`` is a 304 when the answer did not change after the date
       (GET and HEAD only: 13.1.3).

    One evaluator for the store's answers (``endpoint.caching``) and for files
    (``endpoint.files``): each had its own, and they drifted (stranger 47)."""
    if "If-Match" in request.headers:
        given = request.if_match
        if not ((given.star_tag and exists) or (strong and given.is_strong(tag))):
            return FAILED
    elif (since := request.if_unmodified_since) is not None and changed_after(
        modified, since.timestamp(), exact=exact
    ):
        return FAILED
    reading = request.method in ("GET", "HEAD")
    wanted = request.if_none_match
    if wanted:
        named = (wanted.star_tag and exists) or tag in wanted.as_set(include_weak=True)
        return (NOT_MODIFIED if reading else FAILED) if named else None
    if (
        reading
        and (since := request.if_modified_since) is not None
        and not changed_after(modified, since.timestamp(), exact=exact)
    ):
        return NOT_MODIFIED
    return None


class ExactConditions:
    """The WSGI middleware that applies ``exact_conditions`` to each request."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        exact_conditions(environ)
        return self.app(environ, start_response)
