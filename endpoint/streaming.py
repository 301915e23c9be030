"""Large SPARQL answers streamed, not held whole in the server's memory.

A query worker (``endpoint.execution.serve``) writes an answer larger than ``stream_above``
bytes to a temporary file instead of sending its bytes through the pipe; the server opens it,
removes its name at once (the open file keeps the data; nothing is left behind whatever
happens next) and sends it in chunks. Only ``/sparql`` asks for it
(``QueryRequest.stream_above``): the server's own queries read their answers whole. An external
store's answers are in the server's memory already and are sent as they are.
"""

from __future__ import annotations

import os
import tempfile
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


def spooled(answer: QueryResult, above: int) -> QueryResult:
    """``answer`` with its body in a temporary file when it is larger than ``above`` bytes
    (``above`` 0: never)."""
    if above <= 0 or len(answer.body) <= above:
        return answer
    with tempfile.NamedTemporaryFile(prefix="coworkmed-answer-", delete=False) as handle:
        handle.write(answer.body)
    return replace(answer, body=b"", spool=handle.name)


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
