"""Files as answers (assets, static files, vocabulary files, dumps), their conditions weighed in
the order RFC 9110 13.2.2 gives, then one range of bytes.

werkzeug's ``send_file`` weighs them itself, and got five things wrong (stranger 47):
``If-Match: *`` failed (412, with the whole file as body and a public caching policy);
``If-Unmodified-Since`` was never weighed; a Range was served before the other conditions (206
where 412 or 304 was due); an If-Range date later than the file's was taken for its date; a
suffix range longer than the file (``bytes=-99999``) was a 416, where the RFC serves the whole
file as the part (14.1.2). Here ``send_file`` only opens and slices the file.

A Range reaching a view is one range of bytes, with an If-Range that is a strong tag or one
HTTP-date if any (``endpoint.conditional`` dropped the others: the whole file is sent).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from flask import Response, abort, current_app, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.security import safe_join

from endpoint.caching import precondition_failed
from endpoint.conditional import FAILED, NOT_MODIFIED, read_http_date, weigh


def file_tag(found: os.stat_result) -> str:
    """The strong tag of a file (without quotes) from its ``stat``: modification time, size."""
    return f"{found.st_mtime_ns:x}-{found.st_size:x}"


#: what a 304 carries of its 200 (RFC 9110 15.4.5)
NOT_MODIFIED_KEEPS = ("ETag", "Last-Modified", "Cache-Control", "Expires", "Vary")


def _not_modified(whole: Response) -> Response:
    """The 304 of the 200 ``whole`` (closed): its headers of ``NOT_MODIFIED_KEEPS``, no body."""
    whole.close()
    response = Response(status=304)
    for name in NOT_MODIFIED_KEEPS:
        if name in whole.headers:
            response.headers[name] = whole.headers[name]
    del response.headers["Content-Type"]
    return response


def _range_holds(tag: str | None, modified: int, exact: bool) -> bool:
    """Whether the request's If-Range (if any) names this very file: its strong tag, or exactly
    its date (RFC 9110 13.1.5: a later date is not the file's), when that date names it alone
    (``exact``: a date shared with the version before is weak and never holds)."""
    given = request.headers.get("If-Range")
    if given is None:
        return True
    if given.startswith('"'):
        return tag is not None and given == f'"{tag}"'
    return exact and read_http_date(given) == modified


def file_answer(
    path: Path,
    mimetype: str | None = None,
    max_age: int | None = None,
    *,
    modified: int | None = None,
    exact: bool = True,
    weighed: bool = False,
    tag: str | None = None,
) -> Response:
    """``path`` as the answer to this GET or HEAD. ``modified``: its Last-Modified when it is
    not the file's own (a dump's: its generation's), ``exact`` whether that date names the file
    alone (``endpoint.conditional.changed_after``); ``weighed``: its conditions and validators
    are ``endpoint.caching``'s (a dump: weak tags of the store generation), and only the Range
    is served here; ``tag``: its strong tag when it is not the file's own (a dump's: its
    SHA-256). A 416 says the file's length (``Content-Range: bytes */length``)."""
    found = path.stat()
    # never later than now (RFC 9110 8.8.2.1): a file's time or its generation's may be ahead
    # of a clock stepped back
    date = min(int(found.st_mtime) if modified is None else modified, math.floor(time.time()))
    tag = None if weighed else (tag or file_tag(found))
    response = send_file(
        path,
        mimetype=mimetype,
        etag=tag or False,
        last_modified=date,
        max_age=max_age,
        conditional=False,
    )
    response.headers.pop("Content-Disposition", None)  # the URL names the file
    response.headers["Accept-Ranges"] = "bytes"
    status = None if tag is None else weigh(request, tag, date, strong=True)
    if status == FAILED:
        response.close()
        return precondition_failed()
    if status == NOT_MODIFIED:
        return _not_modified(response)
    if "Range" not in request.headers or not _range_holds(tag, date, exact):
        return response
    size = found.st_size
    asked = request.range
    if asked is None:  # the one Range kept that werkzeug cannot read: a suffix of no bytes
        response.close()  # (``conditional.NO_BYTES``), which no file satisfies
        raise RequestedRangeNotSatisfiable(length=size)
    start, stop = asked.ranges[0]
    # a suffix longer than the file is the whole file (RFC 9110 14.1.2)
    start, stop = (max(0, size + start), size) if start < 0 else (start, min(stop or size, size))
    if start >= size:
        response.close()
        raise RequestedRangeNotSatisfiable(length=size)
    # werkzeug slices the file, asked for exactly that part with no condition left to weigh
    environ = {k: v for k, v in request.environ.items() if not k.startswith("HTTP_IF_")}
    environ["HTTP_RANGE"] = f"bytes={start}-{stop - 1}"
    response.make_conditional(environ, accept_ranges=True, complete_length=size)
    return response


def file_in(folder: Path, name: str, max_age: int | None = None) -> Response:
    """The file ``name`` of ``folder`` (404 when there is none, or the name leaves it)."""
    found = safe_join(str(folder.resolve()), name)
    if found is None or not Path(found).is_file():
        abort(404)
    return file_answer(Path(found), max_age=max_age)


def static_file(filename: str) -> Response:
    """Flask's ``static`` route, its conditions weighed here (``file_answer``)."""
    folder = current_app.static_folder
    if folder is None:
        abort(404)
    return file_in(Path(folder), filename, current_app.get_send_file_max_age(filename))
