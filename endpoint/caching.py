"""HTTP caching and compression of the answers: validators from the store generation, 304s,
Cache-Control, gzip.

The store generation changes exactly when the published data changes, so it makes exact and
cheap validators. A read's ETag is weak (``W/"g{generation}-{digest}"``): equal tags promise
the same data, not always the same bytes (blank node labels; an external store may order
unordered solutions differently). The digest covers everything else that changes the answer:
the request's path, query string and body, ``Accept``, ``Accept-Language``, the public host, the
dumps folder for the answers that list dumps, and the app (``app_token``: a digest of its code,
templates, words and settings, so that every server of the same release and settings gives the
same tags, behind a load balancer or after a restart); a gzip-encoded answer has its own tag
(``-gzip``). ``Last-Modified`` is
when this process first saw the generation (never earlier than its publication; each generation
strictly later than the one before), so ``If-Modified-Since`` never hides a newer generation.

``If-None-Match`` is answered before the view runs (a 304 costs no query); ``If-Modified-Since``
once the view has answered 200. Reads are ``public`` with a short ``max-age``
(``cache_max_age``); writes, submissions and any request with a token are ``no-store``.

The server also keeps whole answers (``KeptAnswers``, ``answer_memory`` MB) by the same tag: the
same read at the same generation (a SPARQL query sent by GET or POST, a Linked Data page, a
figure) is answered from memory, without a query. The tag changes with the data, so a kept
answer is never stale; a request with ``Cache-Control: no-cache`` (or ``Pragma: no-cache``) is
answered afresh, as HTTP asks of a cache.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import re
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as BaseResponse

from core.sparql_text import remote_access, volatile
from endpoint.conditional import FAILED, NOT_MODIFIED, changed_after, http_date, weigh
from endpoint.context import current_request
from endpoint.execution import QueryError
from endpoint.protocol import expose
from endpoint.published import (
    STALE,
    WRITES_UNDER_WAY,
    WritesUnderWay,
    asks_afresh,
    generation,
    read_from,
    writes_under_way,
)
from endpoint.responses import error
from endpoint.urls import public_root, request_path
from triplestore.backends import StoreLocation


@dataclass(frozen=True)
class Policy:
    """How the GET answers of one route are cached."""

    dumps: bool = False  # the answer lists or is a dump: the dumps folder is in its validator
    compress: bool = True  # gzip when the client accepts it (text: RDF, JSON, HTML, CSV)


#: Flask endpoint -> the caching of its reads (routes not listed are left as they are)
READS: dict[str, Policy] = {
    "sparql.sparql": Policy(),
    "linkeddata.ontology": Policy(),
    "linkeddata.resource": Policy(),
    "linkeddata.document": Policy(),
    "dumps.dumps_index": Policy(dumps=True),
    "dumps.catalog": Policy(dumps=True),
    "void.void": Policy(dumps=True),
    "observatory.dashboard": Policy(),
    "observatory.figures_api": Policy(),
    "observatory.points_api": Policy(),
    "observatory.figure_csv": Policy(),
    "observatory.figure_metadata": Policy(),
    "observatory.regions_api": Policy(),
    "search.search_page": Policy(),
    "graphstore.indirect": Policy(),  # Graph Store Protocol reads (its writes: no-store)
    "graphstore.direct": Policy(),
    "submissions.openapi": Policy(),
}
#: Flask endpoints never kept by any cache: state of the server, partner submissions
NO_STORE: frozenset[str] = frozenset(
    {
        "health",
        "metrics",
        "submissions.validate_page",
        "submissions.validate_upload",
        "submissions.api_validate",
        "submissions.api_publish",
        "submissions.api_submissions",
    }
)
#: query or form parameters that carry a token: the answer is that token holder's
TOKEN_PARAMETERS = ("token", "access_token")
#: headers a cached read answer varies on (besides those a route adds)
VARY = ("Accept-Encoding",)
#: where each app keeps its own token: its code, templates and settings (max_rows, store...)
#: are part of every answer it writes, and change only when it is made again
APP_TOKEN = "coworkmed.cache_token"


@dataclass(frozen=True)
class Dated:
    """When a published state was first seen (``seconds`` since the epoch, whole), whether that
    date names it alone (``exact``), and the second it was asked for now (``now``: the answer's
    ``Date``). A date is exact for the newest state of its store when no other state was
    served in that second or after: else it is a weak validator (RFC 9110 8.8.2.2), which may
    stand for a state before too, so ``If-Modified-Since`` with it is no 304,
    ``If-Unmodified-Since`` with it fails and ``If-Range`` with it does not hold."""

    seconds: int
    exact: bool
    now: int


#: how many published states ``FirstSeen`` remembers the dates of, at most
SEEN_MOST = 4096


class FirstSeen:
    """When this process first saw each published state of each store: a Last-Modified never
    earlier than the publication and never later than the clock (so never later than the
    answer's Date, RFC 9110 8.8.2.1). States seen in one second share its date, and a state
    before may still be served in the second the newest was first seen, or after it (a
    request under way): its ``Date`` then names that second too. The newest state's date is
    exact only when no other state was served in its second or after (``Dated``), so that
    neither its Last-Modified nor an earlier answer's Date, given as If-Modified-Since at
    one-second resolution, hides a newer state (stranger 68: a 304 for the Date of the last
    answer before a write). Before, each state was dated a second after the one before, ahead
    of the clock when states came faster than one a second (stranger 67, F7: a Last-Modified
    6 s later than its Date). A newest state dated weakly is dated again, exactly, the second
    after the last one another state was served, once that second has come."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: each state's date, the first seen first: at most ``SEEN_MOST`` (it grew by one per
        #: state for the process's life)
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._newest: dict[str, str] = {}  # each place's newest state
        self._served: dict[str, int] = {}  # the last second it was served
        self._others: dict[str, int] = {}  # the last second another state than it was served

    def time(self, place: str, state: str) -> Dated:
        """The Last-Modified of ``state`` (a store's identity and generation, or anything else
        that changes the answers) of the store at ``place``, served now."""
        with self._lock:
            now = math.floor(time.time())
            key = (place, state)
            newest = self._newest.get(place)
            if key not in self._seen:
                last = -1 if newest is None else self._seen[(place, newest)]
                if newest is not None:  # it is a state before from now on
                    self._others[place] = max(self._others.get(place, -1), self._served[place])
                # the clock may step back: never dated before a state seen before it
                self._seen[key] = max(now, last)
                self._newest[place] = newest = state
                self._forget()
            if state == newest:
                self._served[place] = now
            else:  # a state before, served still (a request under way)
                self._others[place] = max(self._others.get(place, -1), now)
            seconds, others = self._seen[key], self._others.get(place, -1)
            if state == newest and seconds <= others < now:  # its date is weak, and no other
                # state was served since the second after the last: dated then, exactly (not
                # weak for good after a write amid reads, which If-Modified-Since alone could
                # then never confirm), never later than now
                seconds = self._seen[key] = others + 1
            return Dated(seconds, state == newest and others < seconds, now)

    def _forget(self) -> None:
        """Drop the states first seen first while more than ``SEEN_MOST`` are remembered, never
        a place's newest (the lock held). One served again later (a request under way for
        thousands of states) is dated as first seen then: weakly, or it is the newest."""
        newest = {(place, state) for place, state in self._newest.items()}
        for key in list(self._seen)[: max(0, len(self._seen) - SEEN_MOST)]:
            if key not in newest:
                del self._seen[key]


SEEN = FirstSeen()


@dataclass(frozen=True)
class Validators:
    etag: str  # the opaque tag, without W/ and quotes
    modified: int  # seconds since the epoch
    exact: bool  # the date names this answer's state alone (``Dated``)
    now: int  # the second they were worked out: the answer's Date
    gzip: bool  # the answer is sent gzip-encoded
    generation: int  # the store generation the tag is for


@dataclass(frozen=True)
class KeptAnswer:
    headers: list[tuple[str, str]]
    body: bytes

    @functools.cached_property
    def weight(self) -> int:
        """About the bytes it holds (counted once: keeping and dropping it read it)."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


#: where each app keeps its whole answers
APP_ANSWERS = "coworkmed.kept_answers"
#: headers a kept answer does not keep: the hooks after the view set them again for the request
#: that reads it (the language cookie), or the server does (its Date)
NOT_KEPT = frozenset({"set-cookie", "date"})
#: the most a POST body may weigh to be looked up before the view (larger: answered afresh)
MOST_LOOKED_UP = 256 * 1024


class KeptAnswers:
    """Whole 200 answers of public reads by validator tag (``g{generation}-{digest}``), at most
    ``limit`` bytes, the least recently used dropped first; an answer larger than an eighth of
    the limit is not kept, and the answers of older generations go when a newer one is kept."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, KeptAnswer] = OrderedDict()
        self._size = 0
        self._newest = 0
        self.hits = 0

    def __contains__(self, tag: object) -> bool:
        """Whether an answer is kept under ``tag`` (not counted as a hit)."""
        with self._lock:
            return tag in self._kept

    def get(self, tag: str) -> KeptAnswer | None:
        with self._lock:
            found = self._kept.get(tag)
            if found is not None:
                self._kept.move_to_end(tag)
                self.hits += 1
            return found

    def keep(self, tag: str, number: int, answer: KeptAnswer) -> None:
        """Keep ``answer`` under ``tag``, computed at generation ``number``."""
        if answer.weight > self._limit // 8 or number < self._newest:
            return
        with self._lock:
            if number > self._newest:
                self._newest = number
                self._kept.clear()
                self._size = 0
            old = self._kept.pop(tag, None)
            self._size += answer.weight - (old.weight if old is not None else 0)
            self._kept[tag] = answer
            while self._size > self._limit and self._kept:
                self._size -= self._kept.popitem(last=False)[1].weight

    def state(self) -> dict[str, int]:
        """What is kept now, and how often a kept answer was given (for /metrics)."""
        with self._lock:
            return {"answers": len(self._kept), "bytes": self._size, "hits": self.hits}


def _kept(found: Validators) -> Response | None:
    """The answer kept for ``found``'s tag, as a response, if any."""
    answers: KeptAnswers | None = current_app.extensions.get(APP_ANSWERS)
    if answers is None or asks_afresh():
        return None
    if "Range" in request.headers:  # the view answers a part (206); a kept answer is whole
        return None
    kept = answers.get(found.etag)
    if kept is None:
        return None
    g.coworkmed_kept = True
    response = Response(kept.body, headers=Headers(kept.headers))
    # dated as this request's validators say, not as when it was kept: its state may have been
    # dated again since (``FirstSeen``), and the same tag then carried two dates (CI at f9ce837)
    _dated(response, found)
    return response


def _known(found: Validators) -> bool:
    """Whether an answer is kept for ``found``'s tag (a 200 was given to this request)."""
    answers: KeptAnswers | None = current_app.extensions.get(APP_ANSWERS)
    return answers is not None and found.etag in answers


#: the methods whose answers are kept (``_keep``)
KEPT_METHODS = ("GET", "HEAD", "POST")


def _keep(response: BaseResponse, found: Validators) -> None:
    """Keep ``response`` (a 200 read, its headers set) under ``found``'s tag, when it is whole
    in memory (not streamed) and was read by GET, HEAD or POST. A HEAD's answer is made as a
    GET's, with its body (the server leaves it out as it sends it): link checkers and monitors
    ask by HEAD, and each asked the engine again (stranger 92: 0.5 s a HEAD, 1 ms a GET)."""
    request = current_request()
    answers: KeptAnswers | None = current_app.extensions.get(APP_ANSWERS)
    if answers is None or g.get("coworkmed_kept") or request.method not in KEPT_METHODS:
        return
    if g.get("coworkmed_volatile"):  # NOW(), RAND()...: another answer each time
        return
    if response.is_streamed or response.direct_passthrough:
        return
    data = response.get_data()
    if response.content_length is not None and response.content_length != len(data):
        return  # not the whole body: never given for it
    headers = [(n, v) for n, v in response.headers.items() if n.lower() not in NOT_KEPT]
    answers.keep(found.etag, found.generation, KeptAnswer(headers, data))


def _private() -> bool:
    """Whether the request carries a token (its answer is that token holder's own)."""
    request = current_request()
    return "Authorization" in request.headers or any(
        name in request.args for name in TOKEN_PARAMETERS
    )


def _cached_read(status: int | None = None) -> Policy | None:
    """The policy of this request when it is a public read of a listed route, else None: a GET
    or HEAD, or (once answered: ``status``) a SPARQL query sent by POST, which /sparql answers
    200 (an update answers 204). The request's body is never read here: it may be refused."""
    request = current_request()
    policy = READS.get(request.endpoint or "")
    if policy is None or _private():
        return None
    if request.method in ("GET", "HEAD"):
        return policy
    if request.endpoint == "sparql.sparql" and request.method == "POST" and status == 200:
        return policy
    return None


def accepts_gzip() -> bool:
    """Whether to answer in gzip (RFC 9110 12.5.3): the client weighs it above 0 (``x-gzip`` is
    gzip, ``*`` stands for a coding it does not name) and no less than no coding at all, when
    it weighs that (``identity``, or ``*``; not named, no coding is taken but not preferred).
    ``gzip;q=0.5, identity`` got gzip, and ``x-gzip`` none (stranger 48)."""
    weights: dict[str, float] = {}
    for coding, weight in request.accept_encodings:
        weights[coding.lower()] = max(weight, weights.get(coding.lower(), 0))
    star = weights.get("*")
    named = [weights[name] for name in ("gzip", "x-gzip") if name in weights]
    gzip_weight = max(named) if named else (star or 0)
    identity = weights.get("identity", star or 0)
    return gzip_weight > 0 and gzip_weight >= identity


def _dumps_files() -> list[tuple[str, int, int]]:
    """The dumps folder's files: name, size, modification time (ns); none without the folder.
    A file the exporter removes while it is read is left out (it is gone), and so are the
    files an export is writing (``*.part``, never listed: the listing's ETag changed at each
    request while an export ran, stranger 62) and the export's lock."""
    folder = Path(current_app.config["COWORKMED"]["dumps"])
    if not folder.is_dir():
        return []
    files = []
    for path in folder.iterdir():
        if path.name.endswith(".part") or path.name.startswith("."):
            continue
        try:
            found = path.stat()
        except FileNotFoundError:
            continue
        files.append((path.name, found.st_size, found.st_mtime_ns))
    return sorted(files)


def _listed(files: list[tuple[str, int, int]]) -> bytes:
    """The dumps folder's files (``_dumps_files``) as the validators read them: once a request
    (they were written out twice, for the tag and for the date)."""
    return repr(files).encode("utf-8")


def _request_parts(policy: Policy, identity: str, dumps: bytes) -> Iterable[bytes]:
    """What, besides the generation, decides the answer's bytes (``identity``: the store's;
    ``dumps``: the dumps folder's files, for an answer that lists them: ``_listed``)."""
    request = current_request()
    yield current_app.extensions[APP_TOKEN]
    # the store itself: one built again in its place counts its generations from 1 again
    yield identity.encode("utf-8")
    # the service's public URL: the host every request is seen as addressed to
    # (``endpoint.urls.PublicHost``), worked out once, not from the request at each one
    yield public_root().encode("utf-8")
    yield request_path().encode("utf-8")
    yield request.query_string
    for header in ("Accept", "Accept-Language"):
        yield request.headers.get(header, "").encode("utf-8")
    yield request.cookies.get("lang", "").encode("utf-8")  # the reader's kept language
    if request.method == "POST":  # a query answered 200: the view has read its body
        # the whole media type (a ``version`` or ``charset`` the view refuses) and the body's
        # encoding: a kept answer was given to a request the view would refuse (stranger 44)
        for header in ("Content-Type", "Content-Encoding"):
            yield request.headers.get(header, "").encode("utf-8")
        yield request.get_data(cache=True)  # with the Content-Type: the form's fields too
    if policy.dumps:
        yield dumps


def validators(policy: Policy, number: int) -> Validators:
    """The validators of this request's answer at generation ``number``."""
    store = current_app.extensions["coworkmed.store"]
    identity = store.identity()
    dumps = _listed(_dumps_files()) if policy.dumps else b""
    # each part led by its length, hashed in one call
    hashed = b"".join(
        len(part).to_bytes(8, "big") + part for part in _request_parts(policy, identity, dumps)
    )
    digest = hashlib.blake2b(hashed, digest_size=12)
    compressed = policy.compress and accepts_gzip()
    tag = f"g{number}-{target_part()}-{digest.hexdigest()}" + ("-gzip" if compressed else "")
    dated = _first_seen(store, identity, number, dumps if policy.dumps else None)
    return Validators(tag, dated.seconds, dated.exact, dated.now, compressed, number)


def _first_seen(
    store: StoreLocation[Any],
    identity: str,
    number: int,
    dumps: bytes | None = None,
) -> Dated:
    """The Last-Modified of generation ``number`` of ``store`` (``identity``: its identity).
    An answer that lists the dumps (``dumps``: the files, ``_listed``) changes with them too:
    they are written after the generation is published (stranger 44: If-Modified-Since got 304
    for the listing before the dumps), so its states (a generation and its dumps) are dated in a
    sequence of their own, which the other answers' dates do not wait for."""
    if dumps is None:
        return SEEN.time(store.place(), f"{identity} {number}")
    listed = hashlib.blake2b(dumps, digest_size=8).hexdigest()
    return SEEN.time(f"{store.place()} listing", f"{identity} {number} {listed}")


def _dated(response: BaseResponse, found: Validators) -> None:
    """The ``Last-Modified`` and ``Date`` of an answer with the validators ``found``."""
    # never later than the Date: a state is never dated before the one before it, so after the
    # clock stepped back its date may be ahead of it (RFC 9110 8.8.2.1: send the Date then)
    response.headers["Last-Modified"] = http_date(min(found.modified, found.now))
    # the second the validators were worked out, which ``FirstSeen`` counts as this state's
    # serving: the server's own Date would be the request's start, maybe a second before the
    # state was first seen (stranger 68: a Last-Modified a second later than the Date)
    response.headers["Date"] = http_date(found.now)


def _read_headers(response: BaseResponse, found: Validators) -> None:
    """The validators, the public caching policy and ``Vary`` of a read answer."""
    response.headers["ETag"] = f'W/"{found.etag}"'
    _dated(response, found)
    max_age = current_app.config["COWORKMED"]["cache_max_age"]
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    for header in VARY:
        response.vary.add(header)


def not_modified(found: Validators) -> Response:
    """A 304: the validators and caching headers a 200 would carry, no body (its ``Vary``: the
    headers the answer is chosen by; the language only when no ``lang`` parameter chose it)."""
    response = Response(status=304)
    _read_headers(response, found)
    response.headers["Store-Generation"] = str(found.generation)  # as its 200 (stranger 110)
    answers: KeptAnswers | None = current_app.extensions.get(APP_ANSWERS)
    kept = None if answers is None else answers.get(found.etag)
    said = None if kept is None else Headers(kept.headers).get("Vary")
    if kept is not None:  # the type of the 200 it stands for (``site.remember_language``)
        g.coworkmed_stands_for = Headers(kept.headers).get("Content-Type", "")
    if said is not None:  # exactly what the 200 said (RFC 9110 15.4.5; stranger 42)
        response.headers["Vary"] = said
    else:  # no 200 of it kept here: what the answer may have been chosen by
        response.vary.add("Accept")
        if "lang" not in request.args:
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
    del response.headers["Content-Type"]
    return response


def if_match_never_holds() -> bool:
    """Whether the request's ``If-Match`` names tags only: it fails whatever the store holds
    (this service's tags are weak, and ``If-Match`` compares strongly), for reads and writes
    alike (a write answers 412 at once, not after the writes before it: stranger 46, 28 s
    behind a long update)."""
    return "If-Match" in request.headers and not request.if_match.star_tag


def unmodified_since_fails() -> bool:
    """Whether the request's ``If-Unmodified-Since`` (without ``If-Match``, which replaces it)
    fails: the store's current generation was first seen after the date (weakly dated: at
    it, or after)."""
    if request.if_unmodified_since is None or "If-Match" in request.headers:
        return False
    store = current_app.extensions["coworkmed.store"]
    number = generation()
    since = request.if_unmodified_since.timestamp()
    dated = _first_seen(store, store.identity(), number) if number else Dated(0, True, 0)
    return changed_after(dated.seconds, since, exact=dated.exact)


#: the entity tags this service gives (``validators``): the generation, the resource they name
#: (``target_part``), the digest of the request (12 bytes), whether the answer is gzip-encoded
ISSUED_TAG = re.compile(r"g(?P<generation>[0-9]+)-(?P<target>[0-9a-f]{8})-[0-9a-f]{24}(?:-gzip)?")


def target_part() -> str:
    """The resource this request's answer represents, whatever form it was asked in (format,
    language, encoding), as a tag's second part: the request's path and, for the Graph Store,
    the graph it names (``graph``, or ``default``). A write's If-None-Match weighs the tags of
    its own target alone (stranger 93, N1: a /sparql answer's tag, or another graph's, refused a
    PUT); a tag of the target in another format still names its current representation."""
    request = current_request()
    graph = request.args.get("graph", "\0default" if "default" in request.args else "")
    named = f"{public_root()} {request_path()} {graph}".encode()
    return hashlib.blake2b(named, digest_size=4).hexdigest()


def write_precondition_fails(exists: Callable[[], bool], represented: bool = True) -> bool:
    """RFC 9110 13.2.2 for a write (a Graph Store PUT, POST or DELETE, a SPARQL Update): whether
    a condition the client set is false, so that the write must not be made (412). ``exists``:
    whether the target has data now (asked only for ``*``). ``If-Match``: ``*`` holds when the
    target exists; a tag never does (this service's tags are weak: the strong comparison fails
    them). ``If-Unmodified-Since`` (without ``If-Match``): the store's current generation was
    first seen after the date (per store, not per graph: a write may be refused when another
    graph changed). ``If-None-Match``: ``*`` fails when the target exists; a tag fails when the
    target exists and the tag is one this service gives for the store's current generation
    and for this target (``target_part``: the client's copy is the current one): a tag of a
    graph not there, of another resource, or a tag this service never gives (``W/"g8-x"``),
    can name no current representation, and the write is made (stranger 92: a PUT creating a
    graph was refused 412; stranger 93: so was a PUT with a /sparql answer's tag).
    ``represented``: whether the target has a representation a tag could name (a graph has; a
    SPARQL Update's dataset has none, so no tag names it: stranger 93). Before this, writes
    ignored them (stranger 44, M3: a stale If-Match overwrote a graph)."""
    if "If-Match" in request.headers:  # step 1; when it holds, on to step 3
        if if_match_never_holds() or not exists():
            return True
    elif unmodified_since_fails():  # step 2, only without If-Match
        return True
    given = request.if_none_match  # step 3
    if given.star_tag:
        return exists()
    if given:
        current, target = str(generation()), target_part()
        issued = (ISSUED_TAG.fullmatch(tag) for tag in given.as_set(include_weak=True))
        named = represented and any(
            m is not None and m["generation"] == current and m["target"] == target for m in issued
        )
        return named and exists()
    return False


def precondition_failed() -> Response:
    """A 412: a condition the client set on its request is false; nothing was done."""
    response = error(
        412,
        "a condition of the request is false (If-Match: this service's tags are weak, only * "
        "passes; If-None-Match; If-Unmodified-Since): nothing was done",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _named(found: Validators) -> bool:
    """Whether ``If-None-Match`` names this answer before the view (weak comparison, as GET and
    HEAD use): one of its tags, given with a 200 to this very request, or ``*`` when a 200 of
    it is kept. ``*`` answered 304 before the view for a request the view answers 404, 400 or
    406, with the generation's tag (stranger 47)."""
    given = request.if_none_match  # (werkzeug's contains_weak holds for "*" too)
    if not given:
        return False
    return found.etag in given.as_set(include_weak=True) or (given.star_tag and _known(found))


def _conditioned(found: Validators) -> Response | None:
    """The 412 or 304 the conditions of this read (GET, HEAD, a query sent by POST) call for,
    its answer being there with ``found``'s validators (``endpoint.conditional.weigh``), else
    None."""
    status = weigh(request, found.etag, found.modified, strong=False, exact=found.exact)
    if status == FAILED:
        return precondition_failed()
    return not_modified(found) if status == NOT_MODIFIED else None


def _looked_up() -> bool:
    """Whether this POST may be looked up among the kept answers before the view: a query to
    /sparql whose body is small and whose length is known (the body is read for its tag)."""
    request = current_request()
    return (
        request.method == "POST"
        and request.endpoint == "sparql.sparql"
        and request.content_length is not None
        and request.content_length <= MOST_LOOKED_UP
    )


def changes_each_run(query: str) -> bool:
    """Whether the answer of ``query`` changes at each run (NOW(), RAND()...), or with a peer's
    data (SERVICE), not with this store's generation: it is never kept nor validated."""
    return volatile(query) or remote_access(query) == "SERVICE"


def _changes_each_run() -> bool:
    """Whether this is a query sent by GET whose answer ``changes_each_run`` (``endpoint.sparql``
    says so of every query once it reads it): its answer carries no validator, so no condition
    can name it (``If-None-Match: *`` got a 304 with the generation's tag before the view could
    say so: stranger 45)."""
    if request.endpoint != "sparql.sparql" or request.method not in ("GET", "HEAD"):
        return False
    text = request.args.get("query")
    return text is not None and changes_each_run(text)


def answer_from_cache() -> Response | None:
    """Before the view: the kept answer when there is one (GET, and a small POST to /sparql);
    for a GET or HEAD whose answer is there (kept, or named by ``If-None-Match``), the 412 or
    304 its conditions call for."""
    request = current_request()
    g.coworkmed_writes_seen = writes_under_way().state()  # (``read_during_a_write``)
    posted = _looked_up()
    policy = _cached_read(200 if posted else None)
    if policy is None or request.method not in ("GET", "HEAD", "POST"):
        return None
    if request.method == "POST" and not posted:
        return None
    if _changes_each_run():  # no validator names its answer: the view answers, afresh
        return None
    try:
        number = generation()
    except QueryError:
        return None  # the view answers the store's problem itself
    if number == 0:
        return None
    found = validators(policy, number)
    g.coworkmed_validators = found
    if request.method == "POST":  # a query's kept answer: its conditions count; else the
        kept = _kept(found)  # view says whether it is a query, and they count after it
        return kept if kept is None else _conditioned(found) or kept
    # the answer is there when a tag names it, or when it is kept: its conditions count (the
    # view's own answers have theirs weighed after it: ``cache_headers``)
    if _named(found):
        return _conditioned(found)
    kept = _kept(found)
    return kept if kept is None else _conditioned(found) or kept


def _answer_generation(response: BaseResponse) -> int | None:
    """The generation the answer was computed from, when the view said so."""
    given = response.headers.get("Store-Generation", "")
    return int(given) if given.isdigit() else None


def said_generation(response: BaseResponse) -> None:
    """Say in ``Store-Generation`` which store generations the answer was read from (more than
    one, in order: one made while a change was published), when the view read any and did not
    say it: an answer of the generation before, given while the new one is worked out, said
    nothing of which state it showed (stranger 83: stale for about 1.5 s after a publish)."""
    read = read_from()
    if read and "Store-Generation" not in response.headers:
        response.headers["Store-Generation"] = ", ".join(str(n) for n in sorted(read))


def cache_headers(response: BaseResponse) -> BaseResponse:
    """After the view: no-store for writes and private answers; validators, the public policy,
    a 304 for ``If-Modified-Since``, and gzip for reads answered 200."""
    request = current_request()
    if response.status_code == 304 or g.get("coworkmed_kept"):
        return response
    said_generation(response)
    policy = _cached_read(response.status_code)
    if policy is None:
        # an answer before, of a state since replaced, on a page without validators (the
        # home page's counts): no cache may keep it (stranger 71: the home page gave one
        # 130 s old with no Cache-Control at all, where every other answer before is no-store)
        if (
            request.method not in ("GET", "HEAD")
            or _private()
            or request.endpoint in NO_STORE
            or g.get(STALE)
        ):
            response.headers["Cache-Control"] = "no-store"
        return response
    expose(response)
    if response.status_code not in (200, 206):  # 206: a part of a dump (``endpoint.dumps``)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response
    # another answer at each run, made of answers of the generation before while the new
    # one's are worked out (``published.Kept``), or read from more than one generation (a
    # change published while it was answered): no validator can name it
    unnamed = bool(g.get("coworkmed_volatile") or g.get(STALE) or read_during_a_write())
    found = None
    if not unnamed:
        found, read = request_validators(), read_from()
        number = _answer_generation(response)
        if number is None and len(read) == 1:  # every answer the view read is of one generation
            (number,) = read
        if number is not None and (found is None or found.generation != number):
            found = validators(policy, number)
        unnamed = found is not None and bool(read - {found.generation})
    if unnamed:
        # no tag nor date names it: If-Match never holds, and If-Unmodified-Since is weighed
        # against the store's current state (stranger 70: 200s with a state changed since the
        # date given, where 412 is said)
        if if_match_never_holds() or unmodified_since_fails():  # a read: GET, HEAD, a query
            return precondition_failed()
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Accept-Encoding")
        if policy.compress and accepts_gzip():
            compress(response)
        return response
    if found is None:
        return response
    # preconditions once the view answered 200: a request the view refuses or does not find
    # (400, 404, 303...) gets that answer, whatever its conditions (RFC 9110 13.2.1; they
    # were evaluated before: stranger 45)
    if (conditioned := _conditioned(found)) is not None:  # GET, HEAD, or a query by POST
        return conditioned  # the view answered 200: "*" names it (a tag would have before)
    _read_headers(response, found)
    if response.status_code == 206:  # a part: the headers its 200 carries (RFC 9110 15.3.7),
        return response  # as it is (the part of those very bytes), never kept
    if found.gzip:
        compress(response)
    _keep(response, found)
    return response


def read_during_a_write() -> bool:
    """Whether this answer was read while a write of this app was under way on a store whose
    readers see a write as it is made (an external store: it has no snapshot, and no marker
    file), from before the view to now: it may hold part of the write under the generation
    before, which no tag may name (``published.WritesUnderWay``; stranger 98)."""
    store: StoreLocation[Any] = current_app.extensions["coworkmed.store"]
    if store.marker() is not None:
        return False
    now = writes_under_way().state()
    start: tuple[int, int] = g.get("coworkmed_writes_seen") or now
    return start[0] > 0 or now[0] > 0 or now[1] != start[1]


def request_validators() -> Validators | None:
    """The validators of this request's answer, worked out before its view
    (``answer_from_cache``), if they were."""
    found: Validators | None = g.get("coworkmed_validators")
    return found


#: gzip's level: fast, most of the gain on RDF and JSON text
LEVEL = 6


def _gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` gzip-encoded as they come."""
    encoder = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for chunk in chunks:
        out = encoder.compress(chunk)
        if out:
            yield out
    yield encoder.flush()


def compress(response: BaseResponse) -> None:
    """``response`` gzip-encoded: at once when its body is in memory, else as it streams."""
    if "Content-Encoding" in response.headers:
        return
    if response.is_streamed:
        response.response = _gzip_stream(response.iter_encoded())
        response.direct_passthrough = False
        del response.headers["Content-Length"]
    else:
        response.set_data(gzip.compress(response.get_data(), LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"


#: the folders of the project whose files make an answer's bytes: code, templates, words,
#: queries, vocabulary and shapes
ANSWER_SOURCES = (
    "core", "coworkmed", "endpoint", "linking", "loaders", "observatory", "ontology",
    "publishing", "shapes", "triplestore", "validation",
)  # fmt: skip
#: the files of those folders that do not (installed front-end packages, caches)
NOT_SOURCES = {"node_modules", "__pycache__"}
#: the settings left out of the token: secrets, whose digest every ETag would carry
SECRETS = frozenset({"store_user", "store_password", "update_token"})


@functools.cache
def _sources_digest(root: Path) -> bytes:
    """A digest of every file of ``ANSWER_SOURCES`` under ``root``, by path and content."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in ANSWER_SOURCES:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and not NOT_SOURCES & set(path.relative_to(root).parts):
                digest.update(str(path.relative_to(root)).encode("utf-8") + b"\0")
                digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    return digest.digest()


def app_token(resolved: Mapping[str, Any]) -> bytes:
    """What the validators of an app's answers take from the app itself: its release's code and
    files and its settings (``resolved``, secrets left out). The same for every process serving
    the same release with the same settings: a tag one gave is a tag another answers 304 to
    (stranger 86: each process drew a random token, so two servers behind one load balancer,
    or one server restarted, never answered another's If-None-Match)."""
    shown = sorted((k, repr(v)) for k, v in resolved.items() if k not in SECRETS)
    digest = hashlib.blake2b(repr(shown).encode("utf-8"), digest_size=16)
    digest.update(_sources_digest(Path(__file__).resolve().parents[1]))
    return digest.hexdigest().encode("ascii")


def install(app: Flask) -> None:
    """Answer conditional reads before the views, and set the caching headers after them."""
    app.extensions[APP_TOKEN] = app_token(app.config["COWORKMED"])
    app.extensions[WRITES_UNDER_WAY] = WritesUnderWay()  # (``read_during_a_write``)
    limit = app.config["COWORKMED"]["answer_memory"] * 2**20
    if limit > 0:
        app.extensions[APP_ANSWERS] = KeptAnswers(limit)
    app.before_request(answer_from_cache)
    app.after_request(cache_headers)
