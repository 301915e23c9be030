"""Readers of views asked before, while the data changes: how long they wait, against the same
readers on the same server with no writes, measured in the same run.

    .venv/bin/python bench/bench_reads_under_writes.py [WRITES] [burst]     (default: 12)

Builds the graph of data/ into a temporary store, starts ``coworkmed serve`` on it (loopback, a
free port), asks every view once (the dashboard's figures whole and filtered, in two languages;
the observatory page whole and filtered; a search), then runs 6 readers looping over them: for
20 s with no write (the peer), then while WRITES Graph Store PUTs replace a graph of a few
spaces, one every 0.5 to 6 s, and after them until no answer before (``no-store``: of a
generation before the store's) came for 5 s. Printed for each phase: the reads, their median,
95th percentile and longest time, those over 2 s, the 503s; under writes, how many answers
were answers before, and how long after the last write the last came; then the ratios.
``burst``: the PUTs one after the other, 0.05 to 0.2 s apart (stranger 68's bursts).

Each of the dashboard's figures documents read is also checked whole: its headline and every
figure's coverage count the same places (stranger 68, F1: under bursts, 260 of 390 mixed two
states); and how far behind it is: how long before it was read the state it counts had been
replaced by a write already answered (F2: 200 to 270 s).
Stranger 65: after a write, readers of views they had asked before waited 12 to 61 s, some for
a 503; stop 47: readers of a question the warm-up did not work out waited up to 27 s.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_build import build  # noqa: E402

from coworkmed.serving import start_serving, stop_serving  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench reads under writes update token"
GRAPH = "https://example.org/bench/changing"
CWM = "https://w3id.org/coworkmed/def/"
VIEWS = [
    *(
        f"/api/observatory/figures?{filters}lang={lang}"
        for filters in ("", "country=FRA&", "kind=coworking&", "country=FRA&kind=coworking&")
        for lang in ("en", "fr")
    ),
    "/observatory?lang=en",
    "/observatory?country=FRA&lang=en",
    "/search?q=lab&lang=en",
]
READERS = 6


def asked(base: str, method: str, path: str, body: bytes = b"", **headers: str) -> int:
    """The status of one request (its body read whole)."""
    return answered(base, method, path, body, **headers)[0]


def _exchange(
    base: str, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str, bytes]:
    """One request on a connection of its own: the status, Cache-Control and body."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=300)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.getheader("Cache-Control") or "", answer.read()
    finally:
        connection.close()


def answered(
    base: str, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, bool]:
    """The status of one request (its body read whole), and whether it is an answer before
    (``no-store``: not of the store's generation now)."""
    status, stale, _places = counted(base, method, path, body, **headers)
    return status, stale


def counted(
    base: str, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, bool, set[int]]:
    """``answered``, and the places a figures document of the dashboard counts: its headline's
    and each figure's coverage (one number when it is whole; none for another answer)."""
    status, control, answer = _exchange(base, method, path, body, headers)
    places: set[int] = set()
    if status == 200 and path.startswith("/api/observatory/figures?"):
        document = json.loads(answer)
        places = {document["headline"]["places"]}
        places |= {f["coverage"]["places"] for f in document["figures"] if f["coverage"]}
    return status, "no-store" in control, places


@dataclass
class Documents:
    """What the figures documents read under writes counted: each read's time and places, and
    when each state (the places a write left) was replaced (by the next write's answer)."""

    read: list[tuple[float, set[int]]] = field(default_factory=list)
    replaced: dict[int, float] = field(default_factory=dict)

    def mixed(self) -> int:
        """How many counted two states or more."""
        return sum(len(places) > 1 for _when, places in self.read)

    def behind(self) -> list[float]:
        """For each, how long before it was read its oldest state had been replaced (0: the
        state of the last write answered then)."""
        return [
            max(0.0, when - self.replaced.get(min(places), when))
            for when, places in self.read
            if places
        ]


def read_body(base: str, path: str) -> str:
    """The body of a GET of ``path`` (200 expected), as text."""
    status, _control, body = _exchange(base, "GET", path, b"", {})
    assert status == 200, (status, path)
    return body.decode("utf-8")


def spaces(count: int) -> bytes:
    """A graph of ``count`` spaces in France (every figure of the whole network changes)."""
    return "".join(
        f"<https://example.org/bench/s{i}> a <{CWM}Space> ; "
        f"<{CWM}country> <http://publications.europa.eu/resource/authority/country/FRA> .\n"
        for i in range(count)
    ).encode()


def read_loop(
    base: str,
    until: threading.Event,
    times: list[float],
    refused: list[int],
    before: list[float],
    slow: list[tuple[float, str]],
    documents: Documents,
) -> None:
    """Ask the views in random order until ``until`` is set; when each answer before came, each
    read over 2 s with its view, and each figures document's places."""
    while not until.is_set():
        began = time.monotonic()
        view = random.choice(VIEWS)
        status, stale, places = counted(base, "GET", view)
        times.append(time.monotonic() - began)
        if places:
            documents.read.append((time.monotonic(), places))
        if times[-1] > 2:
            slow.append((times[-1], view))
        if status == 503:
            refused.append(status)
        if stale:
            before.append(time.monotonic())


def phase(base: str, writes: int, pauses: list[float]) -> tuple[list[float], int]:
    """The readers' times and 503s while ``writes`` PUTs are made, each a pause of ``pauses``
    after the one before (none: 20 s of reads), then until no answer before came for 5 s; with
    writes, prints how many answers were answers before, and the last one's time after the last
    write (how long the readers were given answers of before it), and how whole and how far
    behind the figures documents were."""
    times: list[float] = []
    refused: list[int] = []
    before: list[float] = []
    slow: list[tuple[float, str]] = []
    documents = Documents()
    until = threading.Event()
    everything = (base, until, times, refused, before, slow, documents)
    readers = [threading.Thread(target=read_loop, args=everything) for _ in range(READERS)]
    base_places = places_now = min(counted(base, "GET", VIEWS[0])[2])
    for reader in readers:
        reader.start()
    if writes == 0:
        time.sleep(20)
    for number in range(writes):
        url = f"/store?graph={urllib.parse.quote(GRAPH, safe='')}"
        status = asked(
            base,
            "PUT",
            url,
            spaces(3 * number + 4),
            **{"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
        assert status in (201, 204), status
        written = time.monotonic()
        documents.replaced[places_now] = written
        places_now = base_places + 3 * number + 4
        if number < writes - 1:
            time.sleep(random.choice(pauses))
    if writes:  # until no answer before came for 5 s (at most 300 s): fresh again
        time.sleep(5)
        while time.monotonic() - max(before, default=0.0) < 5 and time.monotonic() - written < 300:
            time.sleep(0.5)
    until.set()
    for reader in readers:
        reader.join()
    last_places = counted(base, "GET", VIEWS[0])[2]
    assert not writes or last_places == {places_now}, (last_places, places_now)
    if writes:
        last = f"{max(before) - written:.1f} s after the last write" if before else "none"
        print(f"answers before (no-store): {len(before)} of {len(times)}; the last {last}")
        behind = sorted(documents.behind())
        print(
            f"figures documents: {len(documents.read)}, of two states or more: "
            f"{documents.mixed()}; behind (read after their state was replaced): "
            f"p50 {statistics.median(behind):.1f} s, p95 {behind[int(len(behind) * 0.95)]:.1f} s, "
            f"most {behind[-1]:.1f} s"
        )
    for seconds, view in sorted(slow, reverse=True)[:5]:
        print(f"  over 2 s: {seconds:6.2f} s  {view}")
    return times, len(refused)


def summary(name: str, times: list[float], refused: int | None = None) -> tuple[float, float]:
    """Print a phase's figures (its 503s, when counted); its 95th percentile and longest time."""
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95)]
    slow = sum(t > 2 for t in ordered)
    print(
        f"{name:16} {len(ordered):6d} reads   p50 {statistics.median(ordered):6.3f} s   "
        f"p95 {p95:6.3f} s   max {ordered[-1]:6.2f} s   over 2 s: {slow:4d}"
        + ("" if refused is None else f"   503: {refused}")
    )
    return p95, ordered[-1]


def main(arguments: list[str]) -> None:
    writes = int(arguments[0]) if arguments else 12
    burst = "burst" in arguments[1:]
    pauses = [0.05, 0.1, 0.2] if burst else [0.5, 2, 6]
    random.seed(20)
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as folder:
        store = Path(folder) / "store"
        build(ROOT / "data", store)
        env = {
            "COWORKMED_UPDATE_TOKEN": TOKEN,
            "COWORKMED_WRITE_RATE": "0",
            "COWORKMED_DUMPS_REFRESH": "0",
        }
        server, base = start_serving(store, env, start_timeout=120)
        try:
            for view in VIEWS:  # each asked before (and worked out once)
                assert asked(base, "GET", view) == 200, view
            quiet, quiet_refused = phase(base, 0, pauses)
            changing, changing_refused = phase(base, writes, pauses)
        finally:
            stop_serving(server)
    print(
        f"{READERS} readers over {len(VIEWS)} views asked before; {writes} PUTs in the second, "
        f"{pauses} s apart"
    )
    quiet_p95, quiet_max = summary("no writes (peer)", quiet, quiet_refused)
    changing_p95, changing_max = summary("under writes", changing, changing_refused)
    print(f"p95 under writes / no writes: {changing_p95 / quiet_p95:.1f}")
    print(f"longest under writes / no writes: {changing_max / quiet_max:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
