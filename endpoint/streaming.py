"""Large SPARQL answers streamed, not held whole in the server's memory.

A query worker (``endpoint.execution.serve``) writes an answer larger than ``stream_above``
bytes to a file the server named in its own folder (``endpoint.spool.answer_file``) instead
of sending its bytes through the pipe; the server opens it, removes its name at once (the open
file keeps the data) and sends it in chunks; when the worker is stopped while it writes, the
server removes what it wrote. Only ``/sparql`` asks for it
(``QueryRequest.stream_above``): the server's own queries read their answers whole. An external
store's answers are in the server's memory already and are sent as they are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # the worker imports this module from endpoint.execution
    from endpoint.execution import QueryResult

#: bytes read at once from a spooled answer
CHUNK = 256 * 1024
#: the first bytes of a spooled answer, where a cut result's note goes (the head of SPARQL
#: results: the variables, at most a few thousand by the query limits of ``endpoint.sparql``)
HEAD = 1024 * 1024


def spooled(answer: QueryResult, above: int, path: str | None) -> QueryResult:
    """``answer`` with its body in the new file ``path`` (which the server named in its own
    folder, and removes if the worker is stopped while it writes: ``endpoint.spool``) when it
    is larger than ``above`` bytes (``above`` 0 or no ``path``: never)."""
    if above <= 0 or path is None or len(answer.body) <= above:
        return answer
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(handle, "wb") as written:
        written.write(answer.body)
    return replace(answer, body=b"", spool=path)


def _chunks(handle: IO[bytes], first: Callable[[bytes], bytes]) -> Iterator[bytes]:
    with handle:
        yield first(handle.read(HEAD))
        while chunk := handle.read(CHUNK):
            yield chunk


def opened(
    result: QueryResult, first: Callable[[bytes], bytes]
) -> tuple[bytes | Iterator[bytes], Callable[[], None] | None]:
    """The body of ``result`` (its bytes, or its spooled file read in chunks) and what closes
    it once the response is done (also when the body is never sent: HEAD, 304); ``first``
    rewrites the first bytes (a cut result's note)."""
    if result.spool is None:
        return first(result.body), None
    handle = open(result.spool, "rb")  # noqa: SIM115 -- closed by the response
    os.unlink(result.spool)
    return _chunks(handle, first), handle.close
