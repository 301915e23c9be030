"""The hostile suite against a real `coworkmed serve`, with light readers beside it.

    .venv/bin/python bench/bench_hostile.py [SPACES] [SECONDS] [READERS]   (default: 2000 60 4)

Builds a store of SPACES generated spaces (bench_load.py), starts `coworkmed serve` on loopback
with an update token, and runs two phases side by side in one run:

1. baseline: READERS clients sending light queries (one space's facts, LIMIT 50) for
   SECONDS / 4 seconds;
2. attack: the same readers, plus ATTACKERS clients that share out every case of
   tests/hostile/*.yaml
   over HTTP, round after round, for SECONDS seconds (bounded: MAX_ROUNDS rounds; cases that
   need the test fixture's own data, partner tokens or settings are left out and counted).

Meanwhile the resident memory (RSS) of the server process and of every process below it (the
fork server, query and validation workers) is sampled every 50 ms. Prints the peak RSS of the
server alone and of the whole process tree, the most processes seen at once, the readers'
p50/p95/p99 in both phases and their ratio, and the attackers' answers by status (-503: a long
operation turned away while others are read, with Retry-After; counted apart, as a client sends it
again). Target: no 5xx (a stopped query is 422); server RSS < 500 MB; light p95 < 1 s
during the attack.
"""

from __future__ import annotations

import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_load import build_store  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402
from tests.clients import multipart  # noqa: E402
from tests.test_hostile import CASES, MAKERS  # noqa: E402

TOKEN = "bench-hostile-update-token"
MAX_ROUNDS = 1_000
#: clients sending the hostile cases at once
ATTACKERS = 6
SAMPLE_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Request:
    case: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _data(spec: dict[str, Any]) -> bytes:
    made = MAKERS[spec["make"]]() if "make" in spec else (ROOT / spec["path"]).read_bytes()
    return made.encode() if isinstance(made, str) else made


def as_request(case: dict[str, Any]) -> Request | None:
    """A hostile case as an HTTP request, or None when it needs the test fixture (its hostile
    spaces, partner tokens or an app with settings of its own)."""
    spec = case["request"]
    text = repr(spec)
    if "settings" in case or "{space" in text or spec.get("token") not in (None, "update", "wrong"):
        return None
    headers = {k: str(v) for k, v in spec.get("headers", {}).items()}
    if "token" in spec:
        headers["Authorization"] = f"Bearer {TOKEN if spec['token'] == 'update' else 'wrong'}"
    query = {k: str(v) for k, v in spec.get("query", {}).items()}
    body: bytes | None = None
    if "file" in spec:
        body, headers["Content-Type"] = multipart(spec["file"]["name"], _data(spec["file"]), query)
        query = {}
    elif "make" in spec:
        made = _data(spec)
        if spec["make"] == "huge_query_parameter":
            query["query"] = made.decode()
        else:
            body = made
    elif "body" in spec:
        body = str(spec["body"]).encode()
    if body is not None and "file" not in spec and spec.get("content_type"):
        headers["Content-Type"] = spec["content_type"]
    path = urllib.parse.quote(spec["path"], safe="/%:@?=&")
    if query:
        path += "?" + urllib.parse.urlencode(query)
    return Request(case["id"], spec.get("method", "GET"), path, body, headers)


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class Sampler(threading.Thread):
    """Peak RSS of the server and of its whole process tree, sampled until stopped."""

    def __init__(self, server: int) -> None:
        super().__init__(daemon=True)
        self.server, self.done = server, threading.Event()
        self.peak_server = self.peak_tree = self.most_processes = 0

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            pids = tree(self.server)
            self.peak_server = max(self.peak_server, rss(self.server))
            self.peak_tree = max(self.peak_tree, sum(rss(pid) for pid in pids))
            self.most_processes = max(self.most_processes, len(pids))


def server_pid(port: int) -> int:
    """The `coworkmed serve` process listening on ``port``."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    words = cmdline.read().split(b"\0")
            except OSError:
                continue
            if b"serve" in words and str(port).encode() in words:
                return int(entry)
    raise RuntimeError(f"no coworkmed serve on port {port}")


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, float]:
    """The status of ``request`` and how long its answer took; ``BUSY`` for a 503 that says when
    to try again (Retry-After): a long operation turned away while others are read, which a
    client sends again, not a failure of the case."""
    start = time.perf_counter()
    # header values go as UTF-8 bytes: hostile cases send non-Latin-1 tokens
    headers = {name: value.encode("utf-8") for name, value in request.headers.items()}
    connection.request(request.method, request.path, request.body, headers)
    response = connection.getresponse()
    response.read()
    retry = response.status == 503 and response.getheader("Retry-After") is not None
    return BUSY if retry else response.status, time.perf_counter() - start


#: the status ``send`` gives a 503 with Retry-After
BUSY = -503


class Run:
    def __init__(self, base: str, spaces: int) -> None:
        address = urllib.parse.urlsplit(base)
        self.host, self.port, self.spaces = address.hostname or "", address.port or 0, spaces
        self.lock = threading.Lock()
        self.slowest: dict[str, float] = {}  # case -> its slowest answer, in seconds

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def reader(self, seed: int, until: float, latencies: list[float], statuses: Counter) -> None:
        rng, connection = random.Random(seed), self.connection()
        while time.monotonic() < until:
            iri = f"https://w3id.org/coworkmed/id/space/bench/B-{rng.randrange(self.spaces)}"
            query = urllib.parse.urlencode({"query": f"SELECT ?p ?o {{ <{iri}> ?p ?o }} LIMIT 50"})
            request = Request("light", "GET", f"/sparql?{query}")
            request.headers["Accept"] = "application/sparql-results+json"
            try:
                status, seconds = send(connection, request)
            except (OSError, http.client.HTTPException):
                status, seconds = 0, 0.0
                connection.close()
                connection = self.connection()
            with self.lock:
                latencies.append(seconds)
                statuses[status] += 1

    def attacker(
        self, requests: list[Request], until: float, answers: Counter, slowest: dict[str, float]
    ) -> None:
        connection = self.connection()
        for _ in range(MAX_ROUNDS):
            for request in requests:
                if time.monotonic() >= until:
                    return
                start = time.perf_counter()
                try:
                    status, _seconds = send(connection, request)
                except (OSError, ValueError, http.client.HTTPException):
                    status = 0
                    connection.close()
                    connection = self.connection()
                seconds = time.perf_counter() - start
                with self.lock:
                    answers[(request.case, status)] += 1
                    slowest[request.case] = max(slowest.get(request.case, 0.0), seconds)

    def phase(
        self, readers: int, seconds: float, attack: list[Request]
    ) -> tuple[list[float], Counter, Counter]:
        latencies: list[float] = []
        statuses: Counter = Counter()
        answers: Counter = Counter()
        self.slowest.clear()
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self.reader, args=(n, until, latencies, statuses))
            for n in range(readers)
        ]
        if attack:
            for n in range(ATTACKERS):  # each its share of the cases, in its own order
                part = attack[n::ATTACKERS][:: 1 if n % 2 else -1]
                threads.append(
                    threading.Thread(
                        target=self.attacker, args=(part, until, answers, self.slowest)
                    )
                )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies, statuses, answers


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values) or [0.0]

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return at(0.5), at(0.95), at(0.99)


def main() -> None:
    spaces = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    readers = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    attack = [r for r in map(as_request, CASES) if r is not None]
    print(f"{len(attack)} of {len(CASES)} hostile cases sent over HTTP (the rest need the fixture)")
    with tempfile.TemporaryDirectory() as tmp:
        store, triples, _load = build_store(Path(tmp), spaces, vocabulary=True)
        print(f"{spaces} spaces, {triples} triples")
        env = {
            "COWORKMED_UPDATE_TOKEN": TOKEN,
            "COWORKMED_MAPPINGS": str(ROOT / "examples" / "partners"),
        }
        with serve_process(store, env) as base:
            run = Run(base, spaces)
            sampler = Sampler(server_pid(run.port))
            sampler.start()
            run.phase(2, 3, [])  # warm-up: workers open the snapshot
            alone, alone_statuses, _ = run.phase(readers, seconds / 4, [])
            baseline_server, baseline_tree = sampler.peak_server, sampler.peak_tree
            during, during_statuses, answers = run.phase(readers, seconds, attack)
            sampler.done.set()
    mb = 1_048_576
    print(f"\npeak RSS, baseline: server {baseline_server / mb:.0f} MB, ", end="")
    print(f"server and workers {baseline_tree / mb:.0f} MB")
    print(f"peak RSS, under attack: server {sampler.peak_server / mb:.0f} MB, ", end="")
    print(f"server and workers {sampler.peak_tree / mb:.0f} MB, ", end="")
    print(f"most processes at once {sampler.most_processes}")
    print("\nlight queries   count   p50 ms   p95 ms   p99 ms  statuses")
    for name, values, statuses in (
        ("alone", alone, alone_statuses),
        ("under attack", during, during_statuses),
    ):
        p50, p95, p99 = percentiles(values)
        line = f"{name:<14} {len(values):>6} {p50:8.1f} {p95:8.1f} {p99:8.1f}"
        print(f"{line}  {dict(statuses)}")
    if alone and during:
        ratio50 = statistics.median(during) / statistics.median(alone)
        ratio95 = percentiles(during)[1] / max(percentiles(alone)[1], 1e-9)
        print(f"ratio under attack / alone: p50 {ratio50:.2f}, p95 {ratio95:.2f}")
    by_status = Counter()
    for (_case, status), count in answers.items():
        by_status[status] += count
    print(f"\nattack requests: {sum(answers.values())}, ", end="")
    print(f"by status {dict(sorted(by_status.items()))}")
    busy = sorted({case for (case, status), _ in answers.items() if status == BUSY})
    print(f"cases turned away while busy (503 with Retry-After): {len(busy)} {busy}")
    failing = sorted({case for (case, status), _ in answers.items() if status >= 500 or not status})
    print(f"cases answered 5xx or not at all: {len(failing)} {failing}")
    slow = sorted(run.slowest.items(), key=lambda item: -item[1])[:5]
    print("slowest cases (s): " + ", ".join(f"{case} {seconds:.1f}" for case, seconds in slow))
    print(f"cases sent at least once: {len(run.slowest)} of {len(attack)}")


if __name__ == "__main__":
    main()
