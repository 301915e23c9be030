"""The Flask application factory: settings, the query pool, the blueprints."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, abort, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, ServiceUnavailable

from core.problems import LoadError
from core.settings import settings
from core.sparql_text import one_text
from core.workers import Limits, NoWorkers
from endpoint import caching
from endpoint.auth import WriteLimiter
from endpoint.conditional import ExactConditions
from endpoint.context import current_request, end_turn, take_turn
from endpoint.execution import NO_LIMITS, QueryError, worker_limits
from endpoint.files import static_file
from endpoint.pool import STOPPING, QueryPool, RemotePool, make_pool
from endpoint.protocol import (
    cors_answer,
    is_write,
    language_vary,
    malformed,
    no_body_type,
    preflight,
    retry_later,
    server_wide,
)
from endpoint.published import EXPORTER, WAITING, waiting_room
from endpoint.responses import (
    allowed_methods,
    api_http_problem,
    api_problem,
    error,
    reader_language,
    wants_html,
)
from endpoint.rooms import VALIDATING, Room, query_room, validation_room
from endpoint.security import secure
from endpoint.site import install as install_site
from endpoint.site import page_language_header
from endpoint.urls import PublicHost, root_of, without_prefix
from triplestore.backends import StoreLocation, locate
from triplestore.versions import recover
from validation.confined import validation_ready


class LazyPool:
    """The query pool, started at the first query (so that an app that only answers errors or
    the service description starts no process), stopped at exit."""

    def __init__(
        self,
        location: StoreLocation,
        base: str,
        workers: int,
        long_after: float,
        limits: Limits = NO_LIMITS,
        room: Room | None = None,
    ) -> None:
        self._arguments = (location, base, workers, long_after, limits, room)
        self._pool: QueryPool | RemotePool | None = None
        self._lock = threading.Lock()
        self._closed = False

    def get(self) -> QueryPool | RemotePool:
        """The pool, started at the first query (QueryError 503 when the store has nothing to
        read then: its folder removed while it is built again; it was a 500)."""
        with self._lock:
            if self._closed:  # the server stops: no pool is started again
                raise QueryError(503, STOPPING)
            if self._pool is None:
                try:
                    self._pool = make_pool(*self._arguments)
                except (LoadError, NoWorkers) as problem:
                    raise QueryError(503, str(problem)) from None
                atexit.register(self.close)
            return self._pool

    def problem(self) -> str | None:
        """Why the query pool cannot serve, or None (also when it is not started yet)."""
        with self._lock:
            pool = self._pool
        return None if pool is None else pool.problem()

    def close(self) -> None:
        """Stop the pool's workers (a query running is told the server stops, 503), for good."""
        with self._lock:
            self._closed = True
            if self._pool is not None:
                self._pool.close()
                self._pool = None


#: the app's extension that says the server stops (``begin_stop``)
STOPPING_KEY = "coworkmed.stopping"
#: seconds a client told the server stops is asked to wait before it tries again
STOPPING_RETRY = 5


def begin_stop(app: Flask) -> None:
    """The server stops: every request from now on is answered 503 (try again, with
    ``Retry-After``), and queries running are stopped (503); writes, uploads and other
    requests already past this point finish and are answered (``coworkmed.serving.Drain``)."""
    app.extensions[STOPPING_KEY].set()
    app.extensions["coworkmed.pool"].close()


class Metrics:
    """Requests served (queries, updates, Graph Store requests), errors, timeouts and query
    latency, since the process started."""

    KINDS = ("query", "update", "graph_store")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts = dict.fromkeys(self.KINDS, 0)
        self.errors = self.timeouts = 0
        self.seconds: list[float] = []

    def record(self, seconds: float, status: int, kind: str = "query") -> None:
        with self._lock:
            self.counts[kind] += 1
            self.errors += status >= 400
            if kind != "query":
                return
            self.timeouts += status == 504
            self.seconds = (self.seconds + [seconds])[-1000:]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            ordered = sorted(self.seconds)

        def pick(q: float) -> float | None:
            return round(ordered[int(q * (len(ordered) - 1))], 4) if ordered else None

        return {
            "queries": self.counts["query"],
            "updates": self.counts["update"],
            "graph_store_requests": self.counts["graph_store"],
            "errors": self.errors,
            "timeouts": self.timeouts,
            "latency_seconds": {"p50": pick(0.5), "p95": pick(0.95), "max": pick(1.0)},
        }


def operation_size(sent: Request) -> int:
    """How long, in bytes, the operation a request to /sparql carries may be: its query string
    for a GET or HEAD, else its body (read, at most the body limit, when it was sent in chunks
    with no length). The query string of a POST is not counted: it may name a dataset, and a
    query or update there is refused unread (``endpoint.sparql``)."""
    if sent.method in ("GET", "HEAD"):
        return len(sent.query_string)
    if sent.content_length is not None:
        return sent.content_length
    return len(sent.get_data(cache=True))


#: the app extensions holding the turns of long operations (``large_texts_in_turn``) and the
#: room of those that wait for one
LARGE_TEXTS = "coworkmed.large_texts"
LARGE_WAITERS = "coworkmed.large_waiters"
#: an operation longer than this (bytes) is a long one; how many are read at once; how long
#: one waits for its turn, in seconds; and when to try again after none came
LARGE_TEXT = 16_384
LARGE_AT_ONCE = 2
#: the most long operations that wait for a turn at once: each waits in a server thread, and
#: a flood of 1 MB texts held every thread waiting, /health with them (stranger 91); beyond,
#: 503 at once
LARGE_WAITING = 4
LARGE_WAIT = 10.0
LARGE_RETRY = 5
LARGE_BUSY = "the service is reading other long operations: send this one again in a few seconds"


class Service(Flask):
    """The service's Flask application: each view and hook is asked once whether it is a
    coroutine (``ensure_sync``, the extension point Flask documents for it), not at each of its
    calls: Flask asked it of the 15 a query passes through, at every query (issue 20)."""

    #: the most functions remembered: the app's views and hooks are far fewer; a function made
    #: per request (``after_this_request``) is asked each time once they are remembered
    MOST_SYNCED = 512

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Each request, with the readings of its long operation text held while it is
        answered (``core.sparql_text.one_text``: the checks read it once, not once each)."""
        with one_text():
            return super().wsgi_app(environ, start_response)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        found = self._synced.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(self._synced) < self.MOST_SYNCED:
                self._synced[func] = found
        return found


#: the app extension listing what follows each write that succeeded (``after_a_write``): the
#: dump exporter's look at the store (the warm-up starts earlier, as the write ends:
#: ``endpoint.warm.Warmer.writing``)
AFTER_WRITE = "coworkmed.after_write"


def after_a_write(response: Response) -> Response:
    """After a write that succeeded, what follows one (``AFTER_WRITE``) starts: the exporter
    looks at the store at once (a new generation gets its dumps without waiting for its next
    look). Only after a write
    (``endpoint.protocol.is_write``): each query sent by POST woke the exporter, and its look
    at the store and the dumps folder competed with the next queries for the processors
    (issue 20)."""
    if response.status_code < 300 and is_write():
        for follow in current_app.extensions[AFTER_WRITE]:
            follow()
    return response


#: what a 405 says on a route whose methods a protocol fixes (elsewhere, werkzeug's words)
NOT_ALLOWED = {"/sparql": "the SPARQL protocol uses GET and POST"}


#: the app extension saying the largest body a request to a path may carry, which the server
#: refuses before its client sends it (``coworkmed.serving.KeepAliveChannel``)
BODY_LIMIT = "coworkmed.body_limit"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new application; ``config`` overrides settings by name (see core.settings)."""
    from endpoint.dumps import blueprint as dumps
    from endpoint.exporter import DumpExporter
    from endpoint.forms import FastRequest
    from endpoint.graphstore import blueprint as graphstore
    from endpoint.linkeddata import blueprint as linkeddata
    from endpoint.observatory import blueprint as observatory
    from endpoint.pages import blueprint as pages
    from endpoint.search import blueprint as search
    from endpoint.sparql import blueprint as sparql
    from endpoint.submissions import UPLOAD_PATHS
    from endpoint.submissions import blueprint as submissions
    from endpoint.void import blueprint as void

    app = Service(__name__)
    app.request_class = FastRequest  # parameters and forms decoded faster (endpoint.forms)
    app.view_functions["static"] = static_file  # its conditions weighed as RFC 9110 orders them
    given = dict(config or {})
    store = given.get("store")
    location = None if store is None or isinstance(store, str | Path) else store
    if location is not None:  # a StoreLocation given as it is (tests, embedding)
        given["store"] = location.describe()
    resolved = settings(given)
    # conditional and range headers read as RFC 9110 says, for every route (endpoint.conditional)
    exact = ExactConditions(app.wsgi_app)
    public = PublicHost(exact, root_of(resolved))
    app.wsgi_app = public  # type: ignore[method-assign]
    app.config["COWORKMED"] = resolved
    app.config["MAX_CONTENT_LENGTH"] = max(resolved["max_body"], resolved["max_upload"])
    location = location or locate(resolved["store"], resolved)
    recover(location, resolved["base"])  # a write killed before its snapshot: published now
    app.extensions["coworkmed.store"] = location
    app.extensions["coworkmed.pool"] = LazyPool(
        location,
        resolved["base"],
        resolved["query_workers"],
        resolved["query_long"],
        worker_limits(resolved),
        query_room(resolved["server_threads"]),
    )
    app.extensions["coworkmed.metrics"] = Metrics()
    app.extensions[WAITING] = waiting_room(resolved["server_threads"])
    app.extensions[VALIDATING] = validation_room(resolved["validation_workers"])
    app.extensions["coworkmed.writes"] = WriteLimiter(resolved["write_rate"])
    app.extensions["coworkmed.validations"] = WriteLimiter(resolved["validate_rate"])
    app.extensions[AFTER_WRITE] = []
    if resolved["dumps_refresh"] > 0:  # the dumps follow what is published (endpoint.exporter)
        exporter = DumpExporter(
            location,
            resolved["base"],
            Path(resolved["dumps"]),
            resolved["dumps_keep"],
            resolved["dumps_refresh"],
        )
        app.extensions[EXPORTER] = exporter
        app.extensions[AFTER_WRITE].append(exporter.wake)
        atexit.register(exporter.close)
    app.register_blueprint(sparql)
    app.register_blueprint(graphstore)
    app.register_blueprint(pages)
    app.register_blueprint(submissions)
    app.register_blueprint(linkeddata)
    app.register_blueprint(void)
    app.register_blueprint(dumps)
    app.register_blueprint(search)
    app.register_blueprint(observatory)

    app.extensions[STOPPING_KEY] = stopping = threading.Event()

    app.before_request(malformed)  # first: no other hook weighs a request with no target

    @app.before_request
    def refused_when_stopping() -> None:
        if stopping.is_set():
            raise ServiceUnavailable(STOPPING, retry_after=STOPPING_RETRY)

    prefix = public.prefix  # the public URL's path (a proxy may pass it on)

    def body_limit_at(path: str) -> int:
        """The largest body a request to ``path`` may carry: submissions may be larger than
        queries and updates. A path as the server receives it, before the app, may start with
        the public URL's path (stranger 77: any path ending as an upload's took 20 MB)."""
        uploads = without_prefix(path, prefix) in UPLOAD_PATHS
        return int(resolved["max_upload" if uploads else "max_body"])

    # the server refuses a body larger than this before its client sends it (100 Continue)
    app.extensions[BODY_LIMIT] = body_limit_at

    @app.before_request
    def body_limit() -> None:
        request = current_request()
        request.max_content_length = body_limit_at(request.path)
        if (request.content_length or 0) > request.max_content_length:
            abort(413)  # before any parsing: a refused upload leaves no temporary file

    large = app.extensions[LARGE_TEXTS] = threading.BoundedSemaphore(LARGE_AT_ONCE)
    waiting = app.extensions[LARGE_WAITERS] = Room(LARGE_WAITING, LARGE_BUSY)

    @app.before_request
    def large_texts_in_turn() -> None:
        """An operation longer than ``LARGE_TEXT`` (``operation_size``: in a query string, a
        form or a body) waits for one of the ``LARGE_AT_ONCE`` turns, at most ``LARGE_WAIT``
        seconds, then is a 503: the server reads an operation's text in its own process, and a
        long text holds its tokens while it is checked (1 MB of "{}": 168 MB; 16 at once took it
        to 2.2 GB, stranger 87). Bodies alone took turns at first: 256 KB query strings and
        chunked bodies, which say no length, did not."""
        request = current_request()
        if request.path != "/sparql" or operation_size(request) <= LARGE_TEXT:
            return
        if not large.acquire(blocking=False):
            busy = ServiceUnavailable(LARGE_BUSY, retry_after=LARGE_RETRY)
            with waiting.entered(busy):  # a few wait; the others are told to come back
                if not large.acquire(timeout=LARGE_WAIT):
                    raise busy
        take_turn(large.release)  # given back once its text is checked (``end_turn``)

    @app.teardown_request
    def large_text_answered(_error: BaseException | None) -> None:
        end_turn()

    install_site(app)
    app.after_request(secure)
    caching.install(app)
    app.before_request(server_wide)
    app.before_request(preflight)
    app.after_request(cors_answer)
    app.after_request(no_body_type)
    app.after_request(retry_later)
    app.after_request(language_vary)
    app.after_request(after_a_write)
    app.after_request(page_language_header)  # registered last, run first: before caching

    @app.get("/health")
    def health() -> tuple[Response, int]:
        try:
            generation = location.generation()
        except LoadError as error:
            return jsonify(status="store unavailable", message=str(error), generation=None), 503
        ready, why = validation_ready()
        if not ready:
            return jsonify(status="validation unavailable", message=why, generation=generation), 503
        status = 200 if generation else 503
        pool = app.extensions["coworkmed.pool"].problem()
        if pool is not None and generation:
            return jsonify(
                status="query pool cannot serve", message=pool, generation=generation
            ), 503
        return jsonify(
            status="ok" if generation else "nothing published", generation=generation
        ), status

    @app.get("/metrics")
    def metrics() -> Response:
        kept = app.extensions.get(caching.APP_ANSWERS)
        return jsonify(
            {
                **app.extensions["coworkmed.metrics"].snapshot(),
                "kept_answers": kept.state() if kept is not None else None,
            }
        )

    @app.errorhandler(413)
    def too_large(_error: Exception) -> Response:
        if request.path.startswith("/api/"):
            limit = f"{request.max_content_length} bytes"
            detail = f"the request body is larger than {limit}"
            lang = reader_language(query_only=True)
            return api_problem(413, "too-large", lang, detail, limit=limit)
        return error(413, f"the request body is larger than {request.max_content_length} bytes")

    @app.errorhandler(HTTPException)
    def http_error(problem: HTTPException) -> Response | HTTPException:
        """An error a route raised (``abort``): the error page for a browser, one line of plain
        text for any other client."""
        if problem.code is None or problem.code < 400:
            return problem
        detail = str(problem.description or "")
        if isinstance(problem, MethodNotAllowed):
            detail = NOT_ALLOWED.get(request.path, detail)
        if request.path.startswith("/api/"):
            allowed = sorted(getattr(problem, "valid_methods", None) or [])
            answer = api_http_problem(problem.code, allowed, detail)
        else:
            answer = error(problem.code, "" if wants_html() else detail)
        for name, value in problem.get_headers():
            # Content-Range: a 416's "bytes */length", what a resuming client reads (stranger 47)
            if name in ("Retry-After", "Content-Range"):
                answer.headers[name] = value
        if isinstance(problem, MethodNotAllowed) and problem.valid_methods:
            answer.headers["Allow"] = allowed_methods(problem.valid_methods)
        return answer

    @app.errorhandler(NoWorkers)
    def no_workers(problem: NoWorkers) -> Response | HTTPException:
        """Workers cannot be started (a validation, a Graph Store upload): 503 saying why, not
        a 500."""
        return http_error(ServiceUnavailable(str(problem)))

    return app
