"""The store backends side by side (issue #8): the observatory workload on the seeded inventory
against (a) pyoxigraph in process, (b) our endpoint on Oxigraph, (c) our endpoint on Virtuoso,
(d) Virtuoso's own /sparql, all in one run on this machine.

    .venv/bin/python bench/bench_backends.py [SPACES ...]        (default: 10000 100000)

For each size: the seeded inventory of bench_load.py is loaded by our loader into each store
(timed: vocabulary, data and the indicators cube); a private Virtuoso (coworkmed.virtuoso) and
two `coworkmed serve` processes on loopback are started. The workload is the dashboard's twelve
figure queries (observatory/figures/*.rq) and researchers' queries held back from the dashboard
(bench/held-back/*.rq: joins over addresses and kinds, OPTIONAL listings, string filters, HAVING,
paths over skos:broader, bounding boxes), asked:

- (a) in process, pyoxigraph over the same published data as /sparql (the merge of the
  published graphs each commit keeps, ``triplestore.merge``, as default graph; the published
  graphs as named graphs);
- (b, c) through the observatory API, /api/observatory/figures/<id>.csv: what the dashboard
  and other observatories use (kept per store generation: the first request is the cold one);
- (b, c) through our /sparql, the raw SPARQL protocol, each request made afresh
  (``Cache-Control: no-cache``: the engine answers it, not the answers the server keeps per
  store generation, ``endpoint.caching``), and
- (d) through Virtuoso's /sparql, over the merge of the published graphs the store keeps
  (``triplestore.merge``, as default-graph-uri: the whole store holds the data twice, in the
  published graphs and in their merge), the one graph our /sparql on Virtuoso queries too;
- (e) through the least a Python front on waitress can do in front of Virtuoso
  (``least_proxy.py``: the form sent on, the store's bytes given back, nothing checked or
  read): (e) - (d) is the HTTP hop any Python front adds, (c) - (e) our own work per request;
- (f) the same forwarding as one Flask view (``least_proxy.py ... flask``): (f) - (e) is
  Flask's own cost per request, and (f)/(d) the floor of any Flask front, ours included.

The held-back queries are asked of (a), (b) /sparql, (c) /sparql and (d) only (the API answers
the dashboard's figures alone). Printed for each set: per-query and summed ratios (b)/(a) and
(c)/(d), and the 8-client throughput of the /sparql stacks over it.

    BENCH_REPS=5 BENCH_SLOW_REPS=3 BENCH_SECONDS=10 ...   (a shorter run)

Printed: p50 and p95 per query and stack (REPS times each, SLOW_REPS for the slow stacks), the
ratios the targets are about, throughput with 1 and 8 concurrent clients (requests in a fixed
time; our /sparql both afresh and with the answers it keeps, "kept"), load times, and the peak
memory (VmHWM) of the endpoint serving the graph on Oxigraph (its process and query workers).
Two bounds are printed beside the targets they bound: the most queries per second the engine
alone could answer, in process on every core with no HTTP at all, against half of (d)'s 8-client
rate; and (e)/(d), the part of the 1.2 allowed to (c)/(d) that the hop alone takes.
A request answered with an error is printed and left out.
Targets: (b) API p50 <= (d) p50; (c) /sparql p50 <= 1.2 x (d) p50; (b) /sparql p50 <= 1.2 x (a)
p50; 8 clients on (b) /sparql: no error and at least half of (d)'s requests per second; Oxigraph
endpoint < 500 MB.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402
from bench_load import BASE, generate  # noqa: E402

from coworkmed.serving import free_port, process_family, serve_process  # noqa: E402
from coworkmed.virtuoso import Virtuoso, running_virtuoso  # noqa: E402
from observatory.figures import figure_sparql, table, with_filters  # noqa: E402
from publishing.build import load_source, publish_vocabulary  # noqa: E402
from triplestore.backends import StoreLocation  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation, OxigraphStore  # noqa: E402
from triplestore.merge import hidden_graphs, merge_graph, reading_default  # noqa: E402
from triplestore.versions import open_snapshot, published_graphs  # noqa: E402

REPS = int(os.environ.get("BENCH_REPS", "15"))
#: the stacks that take seconds per query on the large graph, timed fewer times
SLOW = ("a in process", "b /sparql on Oxigraph")
SLOW_REPS = int(os.environ.get("BENCH_SLOW_REPS", "5"))
#: seconds each throughput run lasts
THROUGHPUT_SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
#: the researchers' queries held back from the dashboard
HELD_BACK = Path(__file__).resolve().parent / "held-back"


def held_back() -> dict[str, str]:
    """The held-back queries by name (their file's stem)."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(HELD_BACK.glob("*.rq"))}


JSON = "application/sparql-results+json"


def load(location: StoreLocation, mapping: Path) -> float:
    """Seconds our loader takes to publish the vocabulary and the inventory (with its cube)."""
    start = time.perf_counter()
    with location.writer() as store:
        publish_vocabulary(store)
        load_source(mapping, store, BASE, location)
    return time.perf_counter() - start


class Refused(Exception):
    """A request of the workload answered with an error."""


#: asks our server for an answer made afresh, not one it kept (``endpoint.caching``)
AFRESH = {"Cache-Control": "no-cache"}


def fetch(url: str, data: bytes | None = None, accept: str = "*/*", fresh: bool = False) -> float:
    """Seconds one request takes; ``fresh``: made afresh (``Cache-Control: no-cache``)."""
    start = time.perf_counter()
    headers = {"Accept": accept, **(AFRESH if fresh else {})}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            response.read()
    except urllib.error.HTTPError as error:
        with error:
            said = error.read().decode("utf-8", "replace")[:300]
        raise Refused(f"{url}: {error.code} {said}") from None
    return time.perf_counter() - start


@contextmanager
def least_proxy(
    query_url: str, default_graph: str, flask: bool = False, start_timeout: float = 30
) -> Iterator[str]:
    """Start ``least_proxy.py`` in front of ``query_url`` on a free loopback port (``flask``: as
    one Flask view), wait until it listens, yield its URL; stop it on exit."""
    port = free_port()
    script = Path(__file__).resolve().parent / "least_proxy.py"
    command = [sys.executable, str(script), str(port), query_url, default_graph]
    command += ["flask"] if flask else []
    proxy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proxy.stderr is not None  # stderr=subprocess.PIPE
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proxy.poll() is not None:
                raise RuntimeError(f"least_proxy.py exited: {proxy.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("least_proxy.py did not listen in time") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        proxy.stderr.close()


def warmed(server: str) -> None:
    """Wait until ``server`` has worked out what it works out at start (``endpoint.warm``: the
    home page, observatory and search read the whole graph once): until then it competes with
    the stacks timed for the processors, and (a), timed first, was up to twice as slow."""
    for path in ("/", "/observatory", "/search"):
        fetch(f"{server}{path}", accept="text/html")


def sparql_post(
    endpoint: str, query: str, fresh: bool = True, default: str | None = None
) -> Callable[[], float]:
    """One POST of ``query`` (``default``: the protocol's default-graph-uri); ``fresh`` (the
    default): the engine answers each time, no answer our server kept (what the p50s and
    ratios are about)."""
    fields = [("query", query), *([("default-graph-uri", default)] if default else [])]
    body = urllib.parse.urlencode(fields).encode()
    return lambda: fetch(endpoint, body, JSON, fresh)


def sample(call: Callable[[], float], reps: int, what: str) -> list[float]:
    """``reps`` timings of ``call``; a refusal is printed and left out."""
    times = []
    for _ in range(reps):
        try:
            times.append(call())
        except Refused as refused:
            print(f"  refused ({what}): {refused}")
    return times or [float("nan")]


def interleaved(
    makers: dict[str, Callable[[str], Callable[[], float]]], keys: list[str]
) -> dict[str, dict[str, list[float]]]:
    """Each query's timings on every stack, the stacks taken in turn at each repetition, so
    that a busy spell of the shared machine falls on every stack of a query, not on one
    stack's run (timed stack after stack, per-query ratios swung both ways by up to 2x):
    REPS times each, SLOW_REPS for the slow stacks; a refused query is NaN on that stack."""
    by_query: dict[str, dict[str, list[float]]] = {name: {} for name in makers}
    for key in keys:
        calls = {name: make(key) for name, make in makers.items()}
        for rep in range(REPS):
            for name, call in calls.items():
                if rep < (SLOW_REPS if name in SLOW else REPS):
                    by_query[name].setdefault(key, []).extend(sample(call, 1, f"{name}, {key}"))
        for name in makers:
            found = [t for t in by_query[name][key] if not math.isnan(t)]
            by_query[name][key] = found or [float("nan")]
    return by_query


#: the smallest query there is: its time through a stack is that stack's fixed cost per query
#: (the round trip, the request's checks, a worker's turn), what a tiny query pays whatever
FLOOR = "SELECT (1 AS ?one) {}"


def floor(makers: dict[str, Callable[[str], Callable[[], float]]]) -> None:
    """The fixed cost per query of each stack: p50 of FLOOR, 3 x REPS times."""
    timed = {
        name: sample(make(FLOOR), 3 * REPS, f"{name}, {FLOOR}") for name, make in makers.items()
    }
    print(f"fixed cost per query (p50 of {FLOOR!r}, {3 * REPS} times), ms: " + ", ".join(
        f"{name} {p(times, 0.5) * 1000:.2f}" for name, times in timed.items()))  # fmt: skip


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def throughput(calls: list[Callable[[], float]], clients: int) -> tuple[float, int, int, float]:
    """Requests per second, done, errors and p50 (s) of ``clients`` threads cycling ``calls``
    for THROUGHPUT_SECONDS."""
    deadline = time.monotonic() + THROUGHPUT_SECONDS
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        index = offset
        while time.monotonic() < deadline:
            try:
                seconds = calls[index % len(calls)]()
                with lock:
                    times.append(seconds)
            except (OSError, Refused):
                with lock:
                    errors[0] += 1
            index += 1

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    return len(times) / elapsed, len(times), errors[0], statistics.median(times or [0.0])


def status(pid: str) -> dict[str, str]:
    """A process's status fields (none for one that ended while /proc was read)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def command(pid: Path) -> bytes:
    """A process's command line (empty for one that ended while /proc was read)."""
    try:
        return (pid / "cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def server_family(port: int) -> list[str]:
    """The process ids of the `coworkmed serve` on ``port`` and of every process under it
    (children, their children...)."""
    server = next(
        pid.name
        for pid in Path("/proc").iterdir()
        if pid.name.isdigit()
        and b"serve" in (cmd := command(pid))
        and f"\0{port}\0".encode() in cmd + b"\0"
    )
    return [str(pid) for pid in process_family(int(server))]


def peak_memory_mb(port: int) -> tuple[float, float, float, float]:
    """Memory (MB) of the `coworkmed serve` on ``port`` and every process under it, from
    /proc: the sum of their peaks (VmHWM: an upper bound, as pages a fork shares count in each),
    the sum of their resident memory now (VmRSS) and of their proportional share of it now
    (Pss: shared pages divided among the processes sharing them), and the part of that share
    that is the files they map (Pss_File: the store's files RocksDB reads, which the kernel keeps
    as its page cache and may drop, against Pss_Anon, the processes' own). The query workers are
    started by a fork server, the server's child: they are its grandchildren (this counted the
    server's children alone before, and missed them)."""

    def proportional_kb(pid: str, field: str) -> int:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return 0
        return sum(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))

    family = server_family(port)

    def total(field: str) -> float:
        return sum(int(status(pid).get(field, "0").split()[0]) for pid in family) / 1024

    def share(field: str) -> float:
        return sum(proportional_kb(pid, field) for pid in family) / 1024

    return total("VmHWM"), total("VmRSS"), share("Pss"), share("Pss_File")


def run(spaces: int) -> None:
    figures = list(table()["figures"])
    queries = {f: with_filters(figure_sparql(f), {}) for f in figures}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mapping = generate(folder, spaces)
        oxigraph = OxigraphLocation(folder / "oxigraph")
        with running_virtuoso(folder / "virtuoso", memory_mb=3072, max_query_seconds=900) as vt:
            loaded = {"oxigraph": load(oxigraph, mapping), "virtuoso": load(vt.location(), mapping)}
            _generation, snapshot = open_snapshot(oxigraph)
            published = published_graphs(snapshot, BASE)
            assert isinstance(snapshot, OxigraphStore)
            raw = snapshot.raw
            # a snapshot holds the published graphs and their merge (triplestore.merge), which
            # /sparql queries as its default graph: (a) asks the same dataset
            names = {g.value for g in raw.named_graphs()}
            assert names - {g.value for g in published} <= hidden_graphs(BASE)
            merged = reading_default(snapshot, BASE, published)
            assert merged == [ox.NamedNode(merge_graph(BASE))]
            count = "SELECT (COUNT(*) AS ?n) {{ GRAPH <{}> {{ ?s ?p ?o }} }}"
            triples = sum(
                int(next(iter(snapshot.query(count.format(g.value))))[0].value) for g in published
            )
            ox_s, vt_s = loaded["oxigraph"], loaded["virtuoso"]
            print(f"\n## {spaces} spaces, {triples} published triples")
            print(
                f"load (vocabulary, data, cube) with our loader: Oxigraph {ox_s:.1f} s, "
                f"Virtuoso {vt_s:.1f} s (ratio {vt_s / ox_s:.2f})"
            )

            def direct(query: str) -> Callable[[], float]:
                def call() -> float:
                    start = time.perf_counter()
                    list(raw.query(query, default_graph=merged, named_graphs=published))
                    return time.perf_counter() - start

                return call

            env = {"COWORKMED_QUERY_WORKERS": "2", "COWORKMED_QUERY_TIMEOUT": "900"}
            virtuoso_env = {
                **env,
                **{f"COWORKMED_{k.upper()}": v for k, v in vt.settings().items()},
            }  # noqa: E501
            with (
                serve_process(oxigraph.path, env) as ours_ox,
                serve_process(vt.sparql, virtuoso_env) as ours_vt,
                least_proxy(vt.sparql, merge_graph(BASE)) as least,
                least_proxy(vt.sparql, merge_graph(BASE), flask=True) as least_flask,
            ):
                for server in (ours_ox, ours_vt):
                    warmed(server)
                floor(
                    {
                        "a in process": direct,
                        "b /sparql on Oxigraph": lambda q: sparql_post(f"{ours_ox}/sparql", q),
                        "c /sparql on Virtuoso": lambda q: sparql_post(f"{ours_vt}/sparql", q),
                        "d Virtuoso /sparql": lambda q: sparql_post(
                            vt.sparql, q, default=merge_graph(BASE)
                        ),
                        "e least proxy": lambda q: sparql_post(least, q),
                        "f least Flask proxy": lambda q: sparql_post(least_flask, q),
                    }
                )
                report(figures, queries, direct, ours_ox, ours_vt, vt, (least, least_flask))
                researchers(held_back(), direct, ours_ox, ours_vt, vt)
                port = int(ours_ox.rsplit(":", 1)[1])
                peak, now, share, mapped = peak_memory_mb(port)
                print(
                    "endpoint on Oxigraph, memory of the server and every process under it "
                    f"(query workers, fork server): peaks summed {peak:.0f} MB, resident now "
                    f"{now:.0f} MB, proportional share now {share:.0f} MB (target < 500 MB), "
                    f"of which the store's files mapped {mapped:.0f} MB and the processes' own "
                    f"{share - mapped:.0f} MB"
                )


def report(
    figures: list[str],
    queries: dict[str, str],
    direct: Callable[[str], Callable[[], float]],
    ours_ox: str,
    ours_vt: str,
    vt: Virtuoso,
    least: tuple[str, str],
) -> None:
    stacks: dict[str, Callable[[str], Callable[[], float]]] = {
        "a in process": lambda f: direct(queries[f]),
        "b API on Oxigraph": lambda f: lambda: fetch(f"{ours_ox}/api/observatory/figures/{f}.csv"),
        "c API on Virtuoso": lambda f: lambda: fetch(f"{ours_vt}/api/observatory/figures/{f}.csv"),
        "b /sparql on Oxigraph": lambda f: sparql_post(f"{ours_ox}/sparql", queries[f]),
        "c /sparql on Virtuoso": lambda f: sparql_post(f"{ours_vt}/sparql", queries[f]),
        "d Virtuoso /sparql": lambda f: sparql_post(
            vt.sparql, queries[f], default=merge_graph(BASE)
        ),
        "e least proxy": lambda f: sparql_post(least[0], queries[f]),
        "f least Flask proxy": lambda f: sparql_post(least[1], queries[f]),
    }
    api = [name for name in stacks if name.endswith(("API on Oxigraph", "API on Virtuoso"))]
    # the first request after the publish
    cold = {(name, figure): stacks[name](figure)() for name in api for figure in figures}
    by_query = interleaved(stacks, figures)
    names = list(stacks)
    print(
        f"\np50 / p95 per query, ms ({REPS} times each, {SLOW_REPS} for {' and '.join(SLOW)}; "
        "API: warm, kept per store generation)"
    )
    print(f"{'figure':<18}" + "".join(f"{n:>24}" for n in names))
    for figure in figures:
        cells = ""
        for n in names:
            median, high = p(by_query[n][figure], 0.5), p(by_query[n][figure], 0.95)
            cells += f"{median * 1000:>11.1f} /{high * 1000:>10.1f}"
        print(f"{figure:<18}{cells}")
    answered = [f for f in figures if not any(math.isnan(by_query[n][f][0]) for n in names)]
    if len(answered) < len(figures):
        print(f"(sums and ratios over the {len(answered)} figures every stack answered)")
    totals = {n: sum(p(by_query[n][f], 0.5) for f in answered) for n in names}
    print(f"{'sum of p50':<18}" + "".join(f"{totals[n] * 1000:>24.1f}" for n in names))
    cold_ox = sum(cold[("b API on Oxigraph", f)] for f in figures)
    cold_vt = sum(cold[("c API on Virtuoso", f)] for f in figures)
    print(f"API cold (first request after a publish), all figures: Oxigraph {cold_ox:.2f} s, "
          f"Virtuoso {cold_vt:.2f} s")  # fmt: skip
    d = totals["d Virtuoso /sparql"]
    print("\nratios of summed p50 (target in brackets):")
    ox_api, vt_api = totals["b API on Oxigraph"], totals["c API on Virtuoso"]
    vt_sparql, ox_sparql = totals["c /sparql on Virtuoso"], totals["b /sparql on Oxigraph"]
    for label, ratio, target in [
        ("(b) our API on Oxigraph / (d) Virtuoso's /sparql", ox_api / d, "<= 1"),
        ("(c) our /sparql on Virtuoso / (d) Virtuoso's /sparql", vt_sparql / d, "<= 1.2"),
        ("(c) our API on Virtuoso / (d) Virtuoso's /sparql", vt_api / d, ""),
        ("(b) our /sparql on Oxigraph / (a) in process", ox_sparql / totals["a in process"], ""),
    ]:
        print(f"  {label}: {ratio:.3f}" + (f" ({target})" if target else ""))
    per_query = [
        p(by_query["c /sparql on Virtuoso"][f], 0.5) / p(by_query["d Virtuoso /sparql"][f], 0.5)
        for f in answered
    ]
    print(f"  (c)/(d) /sparql per query: median {statistics.median(per_query):.2f}, "
          f"max {max(per_query):.2f}")  # fmt: skip
    hop_and_work(by_query, answered)
    ratios(by_query, answered)
    print(f"\nthroughput, {THROUGHPUT_SECONDS} s per run, clients cycling the figures:")
    print(f"{'stack':<34}{'clients':>8}{'req/s':>9}{'done':>7}{'errors':>8}{'p50 ms':>9}")
    rates = {}
    for name, calls in _throughput_stacks(stacks, queries, figures, ours_ox, ours_vt):
        for clients in (1, 8):
            rate, done, errors, median = throughput(calls, clients)
            rates[name, clients] = (rate, errors)
            print(f"{name:<34}{clients:>8}{rate:>9.1f}{done:>7}{errors:>8}{median * 1000:>9.1f}")
    (ours, errors), (virtuoso, _) = (rates[n, 8] for n in ("b /sparql on Oxigraph", HOP[1]))
    print(f"  8 clients: (b) /sparql on Oxigraph (afresh) / (d) Virtuoso's /sparql req/s "
          f"{ours / virtuoso:.2f} (target >= 0.5), errors {errors} (target 0)")  # fmt: skip
    engine_bound(len(answered), totals["a in process"], virtuoso)


def engine_bound(queries: int, summed: float, virtuoso: float) -> None:
    """Print about the most queries per second any server on pyoxigraph can answer: every core
    answering them in process, one after the other, no HTTP, no server (``queries``: how many,
    ``summed``: the sum of their p50s in process), against (d)'s 8-client rate ``virtuoso``."""
    cores = os.cpu_count() or 1
    bound = cores * queries / summed
    print(f"  bound: the engine alone, in process on all {cores} cores with no HTTP, answers "
          f"about {bound:.1f} queries/s ({cores} x {queries} queries / summed p50 of (a)): "
          f"{bound / virtuoso:.2f} of (d)'s rate")  # fmt: skip


#: the stacks ``hop_and_work`` sets apart
HOP = ("c /sparql on Virtuoso", "d Virtuoso /sparql", "e least proxy", "f least Flask proxy")


def hop_and_work(by_query: dict[str, dict[str, list[float]]], answered: list[str]) -> None:
    """What (c) adds to (d), per query: the hop any Python front adds ((e) - (d)), Flask's own
    cost ((f) - (e)) and our own work past Flask ((c) - (f)); and what our work could take for
    (c)/(d) to be 1.2."""
    c, d, e, f = (sum(p(by_query[name][q], 0.5) for q in answered) for name in HOP)
    each = 1000 / max(1, len(answered))
    print(
        f"  (e) least Python proxy on Virtuoso / (d) Virtuoso's /sparql: {e / d:.3f} (the "
        f"hop alone); (f) least Flask proxy / (d): {f / d:.3f} (the floor of a Flask front)"
    )
    print(f"  per query (c) adds {(c - d) * each:.2f} ms to (d): the hop "
          f"{(e - d) * each:.2f} ms, Flask {(f - e) * each:.2f} ms, our own work past Flask "
          f"{(c - f) * each:.2f} ms; at (c)/(d) = 1.2 our work past Flask could take "
          f"{(1.2 * d - f) * each:.2f} ms")  # fmt: skip


def _throughput_stacks(
    stacks: dict[str, Callable[[str], Callable[[], float]]],
    queries: dict[str, str],
    names: list[str],
    ours_ox: str,
    ours_vt: str,
) -> list[tuple[str, list[Callable[[], float]]]]:
    """The stacks asked by many clients: each as timed (our /sparql afresh), and our /sparql
    again with the answers it keeps per store generation (clients repeating the same queries,
    as dashboards and notebooks do)."""
    # (e) is a floor for the p50s only: its throughput is not what any target is about
    measured = [name for name in list(stacks)[1:] if name not in HOP[2:]]
    timed = [(name, [stacks[name](q) for q in names]) for name in measured]
    kept = [
        (f"{label} /sparql, kept", [sparql_post(f"{url}/sparql", queries[q], False) for q in names])
        for label, url in (("b", ours_ox), ("c", ours_vt))
    ]
    return [*timed, *kept]


def ratios(by_query: dict[str, dict[str, list[float]]], answered: list[str]) -> None:
    """Per query and summed p50 ratios (b)/(a) and (c)/(d) of /sparql (target 1.2); where the
    least proxy was timed (the figures), (e)/(d) too: a query whose (e)/(d) is above 1.2 is one
    no Python front on waitress can bring within 1.2 of (d), the hop alone taking more."""
    pairs = [
        ("b /sparql on Oxigraph", "a in process", "(b)/(a)"),
        ("c /sparql on Virtuoso", "d Virtuoso /sparql", "(c)/(d)"),
    ]
    if HOP[2] in by_query:
        pairs.append((HOP[2], HOP[1], "(e)/(d)"))
    print(f"\n/sparql p50 ratios per query (target <= 1.2), and ms added: {'':<8}" + "".join(
        f"{label:>10}" for _o, _b, label in pairs) + "".join(
        f"{label + ' ms':>12}" for _o, _b, label in pairs))  # fmt: skip
    for name in answered:
        medians = [(p(by_query[o][name], 0.5), p(by_query[b][name], 0.5)) for o, b, _l in pairs]
        cells = "".join(f"{ours / peer:>10.2f}" for ours, peer in medians)
        cells += "".join(f"{(ours - peer) * 1000:>+12.1f}" for ours, peer in medians)
        print(f"  {name:<40}{cells}")
    summed = "".join(
        f"{sum(p(by_query[o][n], 0.5) for n in answered) / sum(p(by_query[b][n], 0.5) for n in answered):>10.2f}"  # noqa: E501
        for o, b, _label in pairs
    )
    print(f"  {'summed p50':<40}{summed}")
    if HOP[2] in by_query:
        bound = [
            n for n in answered if p(by_query[HOP[2]][n], 0.5) > 1.2 * p(by_query[HOP[1]][n], 0.5)
        ]
        print(f"  queries whose hop alone, (e)/(d), is above 1.2: {len(bound)} of {len(answered)}")


def researchers(
    queries: dict[str, str],
    direct: Callable[[str], Callable[[], float]],
    ours_ox: str,
    ours_vt: str,
    vt: Virtuoso,
) -> None:
    """The held-back researchers' queries on (a), (b) and (c) /sparql, and (d)."""
    stacks: dict[str, Callable[[str], Callable[[], float]]] = {
        "a in process": lambda q: direct(queries[q]),
        "b /sparql on Oxigraph": lambda q: sparql_post(f"{ours_ox}/sparql", queries[q]),
        "c /sparql on Virtuoso": lambda q: sparql_post(f"{ours_vt}/sparql", queries[q]),
        "d Virtuoso /sparql": lambda q: sparql_post(
            vt.sparql, queries[q], default=merge_graph(BASE)
        ),
    }
    by_query = interleaved(stacks, list(queries))
    print(f"\nheld-back researchers' queries, p50 ms ({REPS} times each, {SLOW_REPS} for the slow)")
    print(f"{'query':<26}" + "".join(f"{n:>24}" for n in stacks))
    for query in queries:
        cells = "".join(f"{p(by_query[n][query], 0.5) * 1000:>24.1f}" for n in stacks)
        print(f"{query:<26}{cells}")
    answered = [q for q in queries if not any(math.isnan(by_query[n][q][0]) for n in stacks)]
    totals = {n: sum(p(by_query[n][q], 0.5) for q in answered) for n in stacks}
    print(f"{'sum of p50':<26}" + "".join(f"{totals[n] * 1000:>24.1f}" for n in stacks))
    ratios(by_query, answered)
    print(f"\nthroughput, {THROUGHPUT_SECONDS} s per run, clients cycling the held-back queries:")
    print(f"{'stack':<34}{'clients':>8}{'req/s':>9}{'done':>7}{'errors':>8}{'p50 ms':>9}")
    rates = {}
    for name, calls in _throughput_stacks(stacks, queries, list(queries), ours_ox, ours_vt):
        rate, done, errors, median = throughput(calls, 8)
        rates[name] = (rate, errors)
        print(f"{name:<34}{8:>8}{rate:>9.1f}{done:>7}{errors:>8}{median * 1000:>9.1f}")
    virtuoso = rates["d Virtuoso /sparql"][0]
    for name, what in (("b /sparql on Oxigraph", "afresh"), ("b /sparql, kept", "kept answers")):
        rate, errors = rates[name]
        print(f"  8 clients: (b) /sparql on Oxigraph ({what}) / (d) Virtuoso's /sparql req/s "
              f"{rate / virtuoso:.2f} (target >= 0.5), errors {errors} (target 0)")  # fmt: skip
    engine_bound(len(answered), totals["a in process"], virtuoso)


if __name__ == "__main__":
    # a plain kill ends the run through its cleanups: the servers it started are stopped
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    for size in sizes:
        run(size)
