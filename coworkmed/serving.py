"""Real servers on loopback that leave nothing running: `coworkmed serve` as a child process
(benchmarks, scripts), or an application served by waitress in a thread (tests); and how
`coworkmed serve` stops when it is asked to (``stop_on_signals``)."""

from __future__ import annotations

import _thread
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.receiver import ChunkedReceiver
from waitress.server import BaseWSGIServer, create_server
from waitress.task import WSGITask
from waitress.utilities import (
    BadRequest,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    ServerNotImplemented,
)

from core.workers import GROUP_SIGNALS

#: seconds between two looks for idle connections to close (waitress cleanup_interval)
IDLE_CHECK = 2


def server_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The waitress options of a server with ``settings`` (resolved ``core.settings``): its
    threads, and connections that idle ones cannot exhaust (issue #20: 99 kept-alive idle
    connections froze the server, waitress's default limit being 100 and its idle timeout
    120 s). Connections are watched with poll, not select, which cannot go past 1024. A
    connection is read on while its request is answered (one request ahead), so that a client
    that closes it is seen (``waitress.client_disconnected``: its query is stopped,
    ``endpoint.pool``)."""
    return {
        "threads": settings["server_threads"],
        "connection_limit": settings["server_connections"],
        "channel_timeout": settings["server_idle"],
        "cleanup_interval": min(IDLE_CHECK, settings["server_idle"]),
        "asyncore_use_poll": True,
        "channel_request_lookahead": 1,
        # what a connection holds in memory before it spools to a file: a request's body
        # (waitress: 512 KB; 990 connections sending part of one took the server to 1 GB,
        # stranger 91), and an answer not yet sent (waitress: 1 MB)
        "inbuf_overflow": 65_536,
        "outbuf_overflow": 262_144,
    }


#: the environment variable that confines the ports of the servers tests and benches start
#: (``18540-18549``: machines where several runs share loopback); unset, any free port
PORTS_VARIABLE = "COWORKMED_TEST_PORTS"


def free_port() -> int:
    """A loopback port free now: the first free one of ``COWORKMED_TEST_PORTS`` (``LOW-HIGH``)
    when it is set, else one the system gives."""
    low, _, high = os.environ.get(PORTS_VARIABLE, "").strip().partition("-")
    high = high or low
    ports = range(int(low), int(high) + 1) if low.isdigit() and high.isdigit() else range(1)
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError(f"no free port in {PORTS_VARIABLE}={os.environ[PORTS_VARIABLE]}")


#: what a server started to be measured or tested does not do unless ``env`` asks: write the
#: store's dumps in the background (an export competes with what is timed, and writes into
#: the working directory's dumps/)
QUIET = {"COWORKMED_DUMPS_REFRESH": "0"}


#: the signals that stop `coworkmed serve` as Ctrl-C does (``stop_on_signals``): those sent to a
#: whole process group too, which its workers leave (``core.workers.leave_the_group``)
STOP_SIGNALS = tuple(sorted(GROUP_SIGNALS))


@dataclass(frozen=True)
class Drain:
    """How a server asked to stop lets what it is doing finish first: ``begin`` stops it
    taking work (it stops listening; requests still coming on open connections are told it
    stops, 503; queries running are stopped), ``idle`` says when no request is left running,
    arriving or unanswered, and ``seconds`` is the longest it waits for that, but for a write:
    while ``writing`` says one runs, it waits on, and then up to ``ANSWER_TIME`` for its answer
    to be sent. A write cut off by the wait had often been committed: its client got no answer,
    and the next server published it all the same (stranger 54). A write's own time limits
    bound it (``query_timeout``; its publication, ``triplestore.versions.PUBLISHING_TIME``)."""

    begin: Callable[[], None]
    idle: Callable[[], bool]
    seconds: float
    writing: Callable[[], bool] = bool  # bool(): False, no write to wait for


#: how often a draining server looks whether it is idle, in seconds
DRAIN_POLL = 0.05
#: how long a draining server past its ``stop_wait`` waits for a write's answer to be sent once
#: the write is done, in seconds (5 s was too short on a loaded machine: CI of stop 48, a
#: SPARQL Update's client got no answer, its write committed)
ANSWER_TIME = 15.0


class _Stopping:
    """What ``stop_on_signals`` knows: the steps of a forced stop, the drain, what happened."""

    def __init__(self) -> None:
        self.reset(())

    def reset(self, forced: tuple[Callable[[], None], ...]) -> None:
        self.forced = forced
        self.drain: Drain | None = None
        self.asked = False  # a stop signal came
        self.drained = False  # the drain is over: the next signal (our own) ends the loop


_STOPPING = _Stopping()


def _stop(signal_number: int, _frame: FrameType | None) -> None:
    if _STOPPING.drained:
        raise SystemExit(0)
    if not _STOPPING.asked:
        _STOPPING.asked = True
        drain = _STOPPING.drain
        if drain is None:
            raise SystemExit(0)
        drain.begin()
        threading.Thread(target=_drain, args=(drain,), name="drain", daemon=True).start()
        return
    for step in _STOPPING.forced:  # asked twice: stopped at once, leaving no partner's file
        step()
    signal.signal(signal_number, signal.SIG_DFL)
    os.kill(os.getpid(), signal_number)


def _drain(drain: Drain) -> None:
    """Wait until ``drain`` is idle (or its time is up, and no write runs), then end the
    server's loop: a stop signal of our own, to the main thread, which raises SystemExit there."""
    deadline = time.monotonic() + drain.seconds
    while not drain.idle():
        if drain.writing():
            deadline = max(deadline, time.monotonic() + ANSWER_TIME)
        elif time.monotonic() >= deadline:
            break
        time.sleep(DRAIN_POLL)
    _STOPPING.drained = True
    _thread.interrupt_main(signal.SIGTERM)


def stop_on_signals(*forced: Callable[[], None]) -> None:
    """Make SIGTERM (what ``kill``, systemd and container runtimes send), SIGHUP and Ctrl-C
    stop this server: waitress leaves its loop, and what the program registered to do at its
    exit is done (query workers stopped, their files and the fork server's folder removed,
    connections to an external store closed). Killed at once, as before, each left a file per
    query worker and a folder in the temporary folder (hundreds in a day of tests). Once
    ``drain_with`` is called, the server first finishes what it is doing (``Drain``). A second
    such signal stops it at once, after the ``forced`` steps (removing uploads: a partner's
    file was left in the temporary folder, stranger 52)."""
    _STOPPING.reset(forced)
    for number in STOP_SIGNALS:
        signal.signal(number, _stop)


def drain_with(drain: Drain) -> None:
    """From now on, a stop signal lets the server finish what it is doing first (``Drain``):
    a write or an upload running when it was asked to stop was cut off, its client got no
    answer, and a committed write was published only by the next server (stranger 52)."""
    _STOPPING.drain = drain


class KeepAliveTask(WSGITask):
    """waitress's answer to one request, but one that has no body (1xx, 204, 304) or is sent in
    chunks (a streamed SPARQL answer) keeps its HTTP/1.1 connection: waitress closed it, for
    want of a Content-Length, which such an answer never needs (RFC 9112 6.3: it ends with its
    header, or with its last chunk), so every revalidation (304), CORS preflight and write
    (204) cost its client a new connection, and the requests a client had sent behind a
    streamed answer were lost unanswered (stranger 73, M5). The connection is still closed
    when the client asks for it, for HTTP/1.0 and for every other reason waitress has (an
    error once the answer has begun). And the answer to a HEAD ends with its header: waitress
    sent the last chunk of a body it did not send (stranger 73, M4: 5 stray bytes, which on a
    kept connection would begin the next answer)."""

    _heading = False  # between the start and the end of build_response_header

    def build_response_header(self) -> bytes:
        self._heading = True
        try:
            return bytes(super().build_response_header())
        finally:
            self._heading = False
            if getattr(self.request, "command", None) == "HEAD":
                self.chunked_response = False  # no body, so no last chunk either

    def set_close_on_finish(self) -> None:
        if not (self._heading and self._ends_by_itself()):
            super().set_close_on_finish()

    def _ends_by_itself(self) -> bool:
        """Whether this answer ends by itself (no body, or the last of its chunks) and its
        connection is one the client keeps."""
        asked = str(getattr(self.request, "headers", {}).get("CONNECTION", ""))
        ends = not self.has_body or self.chunked_response
        # the option close, not any option with those letters (stranger 97: "x-closer")
        return ends and self.version == "1.1" and "close" not in connection_options(asked)


#: a request that has been arriving for longer than this (seconds) must have come at least
#: ``ARRIVAL_RATE`` bytes a second, headers and body, or its connection is closed: a client
#: sending a byte every few seconds held a connection, and 1,000 of them every one, so that no
#: one else was answered (slowloris: stranger 91)
ARRIVAL_GRACE = 5.0
ARRIVAL_RATE = 1024
#: an answer whose client has read none of it for this long (seconds) closes its connection:
#: waitress only closes idle connections that run no request, and 33 clients that asked for
#: long answers and read none held all 32 threads (stranger 91)
SEND_STALL = 60.0


def too_slow(started: float, arrived: int, now: float) -> bool:
    """Whether a request that began to arrive at ``started`` and has brought ``arrived`` bytes
    by ``now`` comes too slowly to be waited for (``ARRIVAL_GRACE``, ``ARRIVAL_RATE``)."""
    elapsed = now - started
    return elapsed > ARRIVAL_GRACE and arrived < ARRIVAL_RATE * elapsed


#: a chunked body may spend this many bytes on its framing (chunk-size lines, their
#: extensions, line ends, trailer) beyond ``CHUNK_FRAMING_SHARE`` of its data. waitress reads
#: chunks in its main loop, which serves every connection, at some 5 microseconds of CPU a
#: chunk, and copies a line it has not finished at every read: 20 MB of one-byte chunks or of
#: one endless chunk-size line held it 17 and 26 s (stranger 91). 384 KB is some 64,000
#: chunks (0.3 s): a client that sends a file a line per chunk (28 to 40 bytes a line in the
#: real JSON files of data/) is read up to about 2 MB (stranger 93: a flat 16 KB refused a
#: 414 KB file sent so); beyond, chunks must average some 200 bytes or more
#: (``bench/bench_chunks.py``)
CHUNK_FRAMING = 393_216
CHUNK_FRAMING_SHARE = 1 / 32


def framing_exceeded(consumed: int, data: int) -> bool:
    """Whether a chunked body that has brought ``consumed`` bytes, ``data`` of them its data,
    spends more on its framing than it may (``CHUNK_FRAMING``, ``CHUNK_FRAMING_SHARE``)."""
    return consumed - data > CHUNK_FRAMING + data * CHUNK_FRAMING_SHARE


class BoundedChunks(ChunkedReceiver):
    """waitress's reader of a chunked body, refusing one whose framing outweighs its data
    (``framing_exceeded``: 400), or one whose chunk-size line says more than ``max_body`` (413,
    as soon as the line is read: waitress read the chunk's bytes up to the limit first,
    stranger 96); the request is answered and its connection closed."""

    consumed = 0

    def __init__(self, buf: Any, max_body: int) -> None:
        super().__init__(buf)
        self.max_body = max_body

    def received(self, s: bytes) -> int:
        taken = int(super().received(s))
        self.consumed += taken
        if self.error is not None:
            return taken
        if len(self.buf) + self.chunk_remainder >= self.max_body:
            self.error = RequestEntityTooLarge(f"a chunk says more than max_body ({self.max_body})")
            self.all_chunks_received = True
        elif framing_exceeded(self.consumed, len(self.buf)):
            self.error = BadRequest(
                "the chunks of this body are too small, or a chunk line too long"
            )
            self.all_chunks_received = True
        return taken


#: the values of the Transfer-Encoding fields of a request's head
_TRANSFER_ENCODING = re.compile(rb"(?im)^transfer-encoding[ \t]*:[ \t]*([^\r\n]*)")


def connection_options(field: str) -> set[str]:
    """The options a ``Connection`` field lists (a comma-separated list of tokens, in any
    case)."""
    return {option.strip(" \t").lower() for option in field.split(",")} - {""}


class URITooLong(BadRequest):
    """waitress's refusal of a request whose target alone is longer than it reads."""

    code = 414
    reason = "URI Too Long"


class BoundedParser(HTTPRequestParser):
    """waitress's request parser, reading chunked bodies with ``BoundedChunks``; a request
    that says both a length and chunks is answered, then its connection closed (RFC 9112
    6.1: what follows may be another request smuggled in; stranger 93: it was kept open), and
    one that says chunked twice is a 400 (it was read). A target longer than the headers may
    be is a 414 (it was a 431, for headers; stranger 96, L4), and a transfer coding other than
    chunked a 400 (waitress's 501: no input gets a 5xx here)."""

    #: whether the request line has ended among the bytes received (``received``)
    line_ended = False

    def received(self, data: bytes) -> int:
        line_ended = self.line_ended or b"\n" in data.lstrip(b"\r\n")
        taken = int(super().received(data))
        self.line_ended = line_ended
        if isinstance(self.error, RequestHeaderFieldsTooLarge):
            # waitress read no version (it said 1.0): the server's own (RFC 9112 2.3)
            self.version = "1.1"
            if not line_ended:
                self.error = URITooLong(
                    "the request target is longer than this server reads: send a long query by POST"
                )
        elif isinstance(self.error, ServerNotImplemented):  # an unknown transfer coding
            self.error = BadRequest(f"{self.error.body} This server reads chunked alone.")
        return taken

    def parse_header(self, header_plus: bytes) -> None:
        header_plus = self._read_version(header_plus)
        codings = b",".join(_TRANSFER_ENCODING.findall(header_plus)).lower().split(b",")
        if [c.strip(b" \t") for c in codings].count(b"chunked") > 1:  # RFC 9112 6.1
            raise ParsingError("chunked is applied to a body once (Transfer-Encoding)")
        super().parse_header(header_plus)
        headers: Any = self.headers  # (types-waitress: read-only)
        # "close" among the connection's options, not only as the whole field (RFC 9110 7.6.1,
        # RFC 9112 9.6; stranger 96: "TE, close", libwww-perl's, kept it open for more requests)
        if "close" in connection_options(headers.get("CONNECTION", "")):
            headers["CONNECTION"] = "close"
            self.connection_close = True
        if isinstance(self.body_rcv, ChunkedReceiver):  # nothing of the body read yet
            self.body_rcv = BoundedChunks(self.body_rcv.buf, self.adj.max_request_body_size)
            if "CONTENT_LENGTH" in headers:
                headers["CONNECTION"] = "close"

    def _read_version(self, header_plus: bytes) -> bytes:
        """``header_plus`` with its request line's HTTP version read first, so that waitress's
        own refusals of the request (a method in lower case, a field it cannot read) answer in
        it, not in HTTP/1.0 (stranger 96, L3). A 1.x later than 1.1 is read as 1.1, the
        highest this server speaks (RFC 9112 2.3: waitress served "HTTP/1.2" as 1.0, and read
        neither its chunks nor its Connection as 1.1's); another major version (``HTTP/2.0``,
        an HTTP/2 preface sent in the clear, ``HTTP/0.9``) or none is a 400 (RFC 9112 2.3
        would allow a 505; no input gets a 5xx here)."""
        line, ends, rest = header_plus.partition(b"\r\n")
        found = _REQUEST_VERSION.search(line)
        self.version = "1.0" if found is not None and found.group() == b" HTTP/1.0" else "1.1"
        if found is None or found["major"] != b"1":
            named = found.group()[1:].decode("latin-1") if found else "no HTTP version"
            raise ParsingError(f"this server speaks HTTP/1.1, and the request line says {named}")
        if found["minor"] not in (b"0", b"1"):
            return line[: found.start()] + b" HTTP/1.1" + ends + rest
        return header_plus


#: the HTTP version at the end of a request line
_REQUEST_VERSION = re.compile(rb" HTTP/(?P<major>[0-9])\.(?P<minor>[0-9])$")


def stalled(channel: Any, now: float) -> bool:
    """Whether ``channel`` runs a request whose answer waits to be sent and has sent nothing
    for ``SEND_STALL`` seconds (its client does not read). Counted from the last byte the
    connection moved, or the answer's last write if later: a request that waited that long for
    a thread had its answer closed between its headers and its body (``last_written``)."""
    waiting = bool(channel.requests) and channel.total_outbufs_len > 0
    moved = max(channel.last_activity, channel.last_written)
    return waiting and now - moved > SEND_STALL


class KeepAliveChannel(HTTPChannel):
    """waitress's connection, answering with ``KeepAliveTask``; a request whose client waits
    for ``100 Continue`` before it sends a body larger than its path takes (``body_limit``) is
    answered at once without it (the app's 413, the connection then closed): waitress asked
    for any body, and its client sent it whole only to be refused (strangers 74 and 76). Its
    requests are read by ``BoundedParser``."""

    task_class = KeepAliveTask
    parser_class = BoundedParser
    #: the largest body a request to a path may carry (None: any)
    body_limit: Callable[[str], int] | None = None
    #: when the request arriving began to, and the bytes it has brought (``too_slow``)
    arriving_since = 0.0
    arrived = 0
    #: when the last write of an answer began (waitress's clock, ``stalled``)
    last_written = 0.0
    #: whether ``received`` is reading: a body is asked for (``send_continue``) from there, or
    #: from waitress's ``service`` once the requests before it on the connection are answered
    receiving = False

    def received(self, data: bytes) -> bool:
        """Read ``data``, unless the request it belongs to comes too slowly (``too_slow``):
        then the connection is closed."""
        now = time.monotonic()
        if self.request is None:  # these bytes begin a request
            self.arriving_since, self.arrived = now, 0
        self.arrived += len(data)
        if self.request is not None and too_slow(self.arriving_since, self.arrived, now):
            self.will_close = True
            return False
        self.receiving = True
        try:
            return bool(super().received(data))
        finally:
            self.receiving = False

    def write_soon(self, data: Any) -> Any:
        """waitress's write of part of an answer, noting when it began (``stalled``): the
        write waits while the client reads none of what is already waiting."""
        self.last_written = time.time()  # waitress's clock (last_activity)
        return super().write_soon(data)

    def send_continue(self) -> None:
        request: Any = self.request  # (types-waitress: headers read-only, a request or None)
        if request.body_rcv is None and request.error is None:  # no body (no length, nor
            # chunks): nothing to ask for. waitress sent 100 and waited for a body, so the
            # request was never answered, and the next one on the connection was read as its
            # body's end, with its header fields, Authorization included (stranger 96, H1)
            request.expect_continue = False
            return
        if request.error is not None:  # answered at once, its body never asked for: waitress
            request.expect_continue = False  # asked, then read the body as a new request
            return  # and failed on it unanswered (stranger 77: an invalid Content-Length)
        limit = self.body_limit
        if limit is not None and request.content_length > limit(request.path):
            request.expect_continue = False
            request.headers["CONNECTION"] = "close"  # the body may follow, unasked
            request.completed = True  # the app refuses it by its length, before reading it
            if not self.receiving:  # asked for by ``service``: nothing else queues it, and it
                self._queue(request)  # was never answered (stranger 97, M1)
            return
        # its body arrives from now on: waiting for the requests before it was not its client's
        # slowness (``too_slow`` counted it, and closed the connection unanswered: stranger 97)
        self.arriving_since, self.arrived = time.monotonic(), 0
        super().send_continue()

    def _queue(self, request: Any) -> None:
        """Have ``request``, read whole, answered in its turn, as waitress's ``received`` does
        (the requests lock held: ``service`` holds it as it asks for a body)."""
        self.sent_continue = False
        waiting: Any = self.requests  # (types-waitress: a read-only sequence)
        waiting.append(request)
        if len(waiting) == 1:
            server: Any = self.server  # (types-waitress: tasks, where waitress gives channels)
            server.add_task(self)
        self.request = None


def make_server(app: Any, **options: Any) -> Any:
    """waitress's server of ``app`` (``options``: create_server's), whose connections are
    ``KeepAliveChannel``s, refusing the bodies the app's ``BODY_LIMIT`` does not take."""
    from endpoint.app import BODY_LIMIT  # here: the server's module starts without the app

    server = create_server(app, **options)
    limit = getattr(app, "extensions", {}).get(BODY_LIMIT)
    attributes = {"body_limit": None if limit is None else staticmethod(limit)}
    channel_class = type("Channel", (KeepAliveChannel,), attributes)
    for channel in _channels(server):
        if isinstance(channel, BaseWSGIServer):
            channel.channel_class = channel_class
            _close_stalled(channel)
    return server


def _close_stalled(listener: Any) -> None:
    """Have the idle-connection sweep of waitress's ``listener`` close the connections whose
    answers are ``stalled`` too."""
    sweep = listener.maintenance

    def maintenance(now: float) -> None:
        sweep(now)
        for channel in list(listener.active_channels.values()):
            if stalled(channel, now):  # closed here: its socket, full, is never writable
                channel.will_close = True  # again, so waitress would never close it
                channel.handle_close()

    listener.maintenance = maintenance


def stop_listening(server: Any) -> None:
    """Close the sockets waitress's ``server`` listens at (connections open stay open)."""
    for channel in list(_channels(server)):
        if isinstance(channel, BaseWSGIServer):
            # the listening socket only: the server's own close() closes its trigger too, which
            # wakes the loop to send what requests still running write
            wasyncore.dispatcher.close(channel)


def server_idle(server: Any) -> bool:
    """Whether waitress's ``server`` has no request running, waiting or arriving, and nothing
    left to send on any connection. A request still arriving (an upload's body) is answered,
    503 if it came after the stop: it was reset, and its client could not tell whether it was
    carried out (stranger 54)."""
    tasks = server.task_dispatcher
    with tasks.lock:
        if tasks.active_count or tasks.queue:
            return False
    return not any(_busy(channel) for channel in _channels(server))


def _busy(channel: Any) -> bool:
    """Whether a waitress ``channel`` has a request arriving, or an answer left to send."""
    arriving = getattr(channel, "request", None) is not None
    return arriving or bool(getattr(channel, "total_outbufs_len", 0))


def _channels(server: Any) -> list[Any]:
    """The channels of waitress's ``server`` (one or several listening sockets)."""
    return list((getattr(server, "map", None) or server._map).values())


def start_serving(
    store: Path | str,
    env: Mapping[str, str] | None = None,
    start_timeout: float = 60,
    own_group: bool = False,
    within: Sequence[str] = (),
) -> tuple[subprocess.Popen[bytes], str]:
    """Start `coworkmed serve` over ``store`` (a directory or an external store's URL, whose
    other settings ``env`` gives), wait until /health answers; the process (its standard error
    a pipe) and its base URL (``http://127.0.0.1:PORT``). ``own_group``: in a process group of
    its own, as a shell starts a command (a signal may then be sent to the group); ``within``:
    a command that runs it (its arguments last), in the same process (it execs it)."""
    port = free_port()
    command = [*within, sys.executable, "-m", "coworkmed.cli", "serve"]
    command += ["--store", str(store), "--port", str(port)]
    server = subprocess.Popen(
        command,
        env={**os.environ, **QUIET, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        process_group=0 if own_group else None,
    )
    assert server.stderr is not None  # stderr=subprocess.PIPE
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while True:
        if server.poll() is not None:
            said = server.stderr.read().decode()
            server.stderr.close()
            raise RuntimeError(f"coworkmed serve exited: {said}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):
                return server, base
        except OSError:
            if time.monotonic() > deadline:
                stop_serving(server, signal.SIGKILL)
                raise RuntimeError("coworkmed serve did not answer /health in time") from None
            time.sleep(0.2)


#: how long a server asked to stop has before it is killed, in seconds
STOP_TIMEOUT = 30


def stop_serving(server: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> tuple[int, str]:
    """Stop ``server`` (``start_serving``'s) with the signal ``how``, kill it if it has not ended
    within ``STOP_TIMEOUT`` seconds; its exit status and what it wrote on standard error (read
    while it stops: a full pipe would hold it)."""
    server.send_signal(how)
    try:
        _out, said = server.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        server.kill()
        _out, said = server.communicate()
    return server.returncode, (said or b"").decode("utf-8", "replace")


def process_family(pid: int) -> list[int]:
    """Process ``pid`` and every process under it (its children, theirs...): a server, its fork
    server and workers, as systemd's default stop finds them and as their memory is counted.
    A process that ends while /proc is read is left out."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            if entry.name.isdigit():
                stat = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
                parents[int(entry.name)] = int(stat[1])
    found, last = [pid], [pid]
    while last:
        last = [child for child, parent in parents.items() if parent in last]
        found += last
    return found


@contextmanager
def serve_process(
    store: Path | str, env: Mapping[str, str] | None = None, start_timeout: float = 60
) -> Iterator[str]:
    """``start_serving``, yield the base URL, and stop the server on exit (``stop_serving``)."""
    server, base = start_serving(store, env, start_timeout)
    try:
        yield base
    finally:
        stop_serving(server)


@contextmanager
def serve_in_thread(app: Any, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` with waitress on a free loopback port in a thread; yield the base URL
    (``http://127.0.0.1:PORT``). On exit every connection is closed from inside the server's
    own loop (closing the listener alone would leave kept-alive connections and the loop
    running), then its worker threads are stopped."""
    # Any: types-waitress lacks effective_port and _map, and types trigger as an int
    server: Any = make_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:  # the loop ended already and closed its trigger (EBADF): close here
            wasyncore.close_all(server._map)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
