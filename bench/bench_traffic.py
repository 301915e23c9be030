"""Load test: concurrent clients with a mixed workload against `coworkmed serve` on loopback.

    .venv/bin/python bench/bench_traffic.py [SPACES] [CLIENTS] [SECONDS]   (default: 10000 16 60)

Builds a store from the seeded inventory of bench_load.py (SPACES spaces, with the vocabulary),
starts the server with its default settings (2 query workers, query_long 1 s, query_timeout
30 s), then runs two phases side by side in one run:

1. baseline: CLIENTS clients sending only light requests (light queries, resource pages) for
   SECONDS / 4 seconds;
2. mixed: CLIENTS clients for SECONDS seconds, each request drawn (seeded) from the workload
   below: light queries, heavy aggregates, runaway queries (they would run for minutes: they
   must be stopped, not starve the rest), resource pages, the dashboard's API, validation
   uploads.

Bounded in time (SECONDS, and 60 s per request) and in count (MAX_REQUESTS per client). Prints,
per kind of request: count, answers by status, p50/p95/p99/max latency; the light requests'
latency while a heavy or runaway query was running, against the baseline (the ratio); and the
number of 5xx answers (target: 0; a heavy or runaway query stopped at the time limit is 422).
Target (issue #9): no 5xx; light queries stay fast while heavy ones run; heavy ones time out
rather than starve the rest.
"""

from __future__ import annotations

import http.client
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import build_store  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402
from endpoint.execution import TIME_LIMIT  # noqa: E402
from validation.template import write_template  # noqa: E402

PREFIXES = "PREFIX cwm: <https://w3id.org/coworkmed/def/> PREFIX schema: <https://schema.org/> "
MAX_REQUESTS = 100_000
#: kind -> (weight in the mixed phase, whether the baseline sends it, is it heavy)
KINDS = {
    "light query": (30, True, False),
    "resource page": (25, True, False),
    "dashboard api": (15, False, False),
    "validation upload": (10, False, False),
    "heavy aggregate": (15, False, True),
    "runaway query": (5, False, True),
}
HEAVY = """SELECT ?country ?kind (COUNT(?s) AS ?spaces) (AVG(?w) AS ?workstations)
  WHERE { ?s a cwm:Space ; cwm:country ?country ; cwm:spaceKind ?kind ; schema:name ?n .
          OPTIONAL { ?s cwm:workstations ?w } FILTER(!CONTAINS(?n, "zzz")) }
  GROUP BY ?country ?kind ORDER BY DESC(?spaces)"""
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FILTERS = ["", "country=FRA", "territory=rural", "country=FRA&territory=urban"]


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _query(text: str) -> Request:
    query = urllib.parse.urlencode({"query": PREFIXES + text})
    return Request("GET", f"/sparql?{query}", headers={"Accept": "application/sparql-results+json"})


def _upload(csv_bytes: bytes) -> Request:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="spaces.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return Request("POST", "/api/validate", body, headers)


def make_request(kind: str, rng: random.Random, spaces: int, upload: bytes) -> Request:
    number = rng.randrange(spaces)
    if kind == "light query":
        iri = f"https://w3id.org/coworkmed/id/space/bench/B-{number}"
        return _query(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50")
    if kind == "resource page":
        return Request("GET", f"/doc/id/space/bench/B-{number}", headers={"Accept": "text/html"})
    if kind == "dashboard api":
        return Request("GET", f"/api/observatory/figures?{rng.choice(FILTERS)}")
    if kind == "validation upload":
        return _upload(upload)
    if kind == "heavy aggregate":
        return _query(HEAVY.replace("zzz", f"zzz{number}"))  # not answered from any cache
    return _query(RUNAWAY.replace("?i", f"?i{number}"))


@dataclass
class Answer:
    kind: str
    status: int
    seconds: float
    heavy_running: bool


class Traffic:
    """Clients sharing a count of heavy queries in flight."""

    def __init__(self, base: str, spaces: int, upload: bytes) -> None:
        address = urllib.parse.urlsplit(base)
        self.host, self.port = address.hostname, address.port
        self.spaces, self.upload = spaces, upload
        self.heavy_in_flight = 0
        self.lock = threading.Lock()
        self.answers: list[Answer] = []

    def client(self, seed: int, kinds: list[str], weights: list[int], until: float) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        for _ in range(MAX_REQUESTS):
            if time.monotonic() >= until:
                break
            kind = rng.choices(kinds, weights)[0]
            heavy = KINDS[kind][2]
            request = make_request(kind, rng, self.spaces, self.upload)
            with self.lock:
                running = self.heavy_in_flight > 0
                self.heavy_in_flight += heavy
            start = time.perf_counter()
            try:
                connection.request(request.method, request.path, request.body, request.headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0  # no answer at all
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            seconds = time.perf_counter() - start
            with self.lock:
                self.heavy_in_flight -= heavy
                self.answers.append(Answer(kind, status, seconds, running))
        connection.close()

    def run(self, clients: int, seconds: float, baseline: bool) -> list[Answer]:
        kinds = [k for k, (_w, light, _h) in KINDS.items() if light or not baseline]
        weights = [KINDS[k][0] for k in kinds]
        self.answers = []
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self.client, args=(seed, kinds, weights, until))
            for seed in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.answers


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"{at(0.5):8.1f} {at(0.95):8.1f} {at(0.99):8.1f} {ordered[-1] * 1000:8.1f}"


def report(title: str, answers: list[Answer], seconds: float) -> None:
    print(f"\n{title}: {len(answers)} requests in {seconds:g} s ({len(answers) / seconds:.1f}/s)")
    columns = " ".join(f"{c:>8}" for c in ("p50 ms", "p95 ms", "p99 ms", "max ms"))
    print(f"{'kind':<20} {'count':>6}  {columns}  statuses")
    by_kind: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_kind[answer.kind].append(answer)
    for kind in KINDS:
        rows = by_kind.get(kind)
        if rows:
            statuses = dict(sorted(Counter(a.status for a in rows).items()))
            line = f"{kind:<20} {len(rows):>6}  {percentiles([a.seconds for a in rows])}"
            print(f"{line}  {statuses}")


def main() -> None:
    spaces = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store, triples, load_seconds = build_store(folder, spaces, vocabulary=True)
        print(f"{spaces} spaces, {triples} triples, loaded in {load_seconds:.1f} s")
        template = write_template(folder / "upload.csv", "en", "csv", filled=True)[0]
        upload = template.read_bytes()
        with serve_process(store) as base:
            traffic = Traffic(base, spaces, upload)
            # warm up: the workers open the snapshot, the dashboard's answers are computed
            traffic.run(2, 5, baseline=True)
            baseline = traffic.run(clients, seconds / 4, baseline=True)
            mixed = traffic.run(clients, seconds, baseline=False)
    report(f"baseline, {clients} clients, light requests only", baseline, seconds / 4)
    report(f"mixed, {clients} clients", mixed, seconds)

    light = {"light query", "resource page"}
    alone = [a.seconds for a in baseline if a.kind == "light query"]
    during = [a.seconds for a in mixed if a.kind == "light query" and a.heavy_running]
    print("\nlight queries (p50 p95 p99 max, ms):")
    print(f"  baseline, alone:               {percentiles(alone)}  ({len(alone)})")
    print(f"  mixed, while a heavy one ran:  {percentiles(during)}  ({len(during)})")
    if alone and during:
        p95 = lambda xs: sorted(xs)[int(0.95 * len(xs))]  # noqa: E731
        print(
            f"  ratio of p50: {statistics.median(during) / statistics.median(alone):.2f}, "
            f"of p95: {p95(during) / p95(alone):.2f}"
        )

    def by_design(answer: Answer) -> bool:  # a heavy or runaway query stopped
        return KINDS[answer.kind][2] and answer.status == TIME_LIMIT

    unexpected = [a for a in mixed if (a.status >= 500 or a.status == 0) and not by_design(a)]
    stopped = Counter(a.kind for a in mixed if by_design(a))
    print(f"heavy and runaway queries stopped with {TIME_LIMIT} (by design): {dict(stopped)}")
    print(
        f"other 5xx or no answer: {len(unexpected)} "
        f"{dict(Counter((a.kind, a.status) for a in unexpected))}"
    )
    light_errors = [a for a in mixed if a.kind in light and a.status != 200]
    print(f"light requests not answered 200: {len(light_errors)}")


if __name__ == "__main__":
    main()
