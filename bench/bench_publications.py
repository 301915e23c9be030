"""Partners' publications through the server (``POST /api/submissions``): what the server
process keeps of each, against a peer measured side by side in the same run on the same
server: as many Graph Store PUTs of a graph of about the same size (each written in a worker
of its own since stranger 59: what a write through the server costs the server at least).

    .venv/bin/python bench/bench_publications.py [COUNT]     (default: 16)

Builds the graph of data/ into a temporary store, starts ``coworkmed serve`` on it (loopback,
a free port), then sends COUNT publications by fr-aura of its example file with its first
record renamed in turn (each a new version: 201), then COUNT PUTs. Printed: the server
process's resident memory (VmRSS) before and after each series, its growth per write (over
the whole series, its first quarter and its last: whether it levels off), and the ratio of the
two; and each series' times, the median of its first quarter and of its last, and
their ratio (whether writes slow down as they accumulate: stranger 64 saw publications go from
4 s to 6-22 s). Stranger 63: each publication left about 40 MB in the server (82 -> 803 MB
over 16 publications), the PUTs nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_build import build  # noqa: E402

from coworkmed.serving import start_serving, stop_serving  # noqa: E402
from publishing.partners import add_partner  # noqa: E402
from tests.clients import multipart  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "partners" / "fr-aura" / "tiers-lieux.tsv"
TOKEN = "bench publications update token"


def resident_mb(pid: int) -> float:
    """The resident memory of process ``pid``, in MB."""
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def renamed(number: int) -> bytes:
    """The example file with its first record's name ending in ``number``: a new version."""
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split("\t")
    cells[1] = f"{cells[1]} {number}"
    return ("\n".join([lines[0], "\t".join(cells), *lines[2:]]) + "\n").encode()


def sent(request: urllib.request.Request) -> int:
    """The status of ``request``'s answer."""
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def publication(base: str, token: str, number: int) -> int:
    body, kind = multipart(SAMPLE.name, renamed(number), {"mapping": "fr-aura"})
    headers = {"Content-Type": kind, "Authorization": f"Bearer {token}"}
    return sent(urllib.request.Request(f"{base}/api/submissions", body, headers, method="POST"))


def put(base: str, number: int) -> int:
    triples = "".join(
        f'<https://example.org/bench/s{i}> <https://example.org/bench/p> "v{number}" .\n'
        for i in range(400)
    )
    headers = {"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"}
    url = f"{base}/store?graph=https://example.org/bench/g"
    return sent(urllib.request.Request(url, triples.encode(), headers, method="PUT"))


def series(name: str, pid: int, count: int, write: object) -> tuple[float, float]:
    """Send ``count`` writes (``write(number)``), print the server's memory and the writes'
    times, and its growth per write over the first quarter and the last (whether it levels
    off: stranger 69 saw +40 MB over 112 PUTs and did not run long enough to tell); its growth
    per write in MB, and the ratio of the last quarter's median time to the
    first's."""
    assert callable(write)
    before = resident_mb(pid)
    statuses, seconds, resident = [], [], [before]
    for number in range(count):
        began = time.monotonic()
        statuses.append(write(number))
        seconds.append(time.monotonic() - began)
        resident.append(resident_mb(pid))
    after = resident[-1]
    each = (after - before) / count
    shown = " ".join(f"{status}x{n}" for status, n in sorted(Counter(statuses).items()))
    print(f"{name:14} {before:7.1f} -> {after:7.1f} MB   {each:+6.2f} MB each   {shown}")
    quarter = max(1, count // 4)
    # whether it levels off: the growth per write over the first quarter and over the last
    grew_first = (resident[quarter] - resident[0]) / quarter
    grew_last = (resident[-1] - resident[-1 - quarter]) / quarter
    print(
        f"{'':14} {grew_first:+6.2f} MB each over the first quarter, {grew_last:+6.2f} over the "
        f"last; most {max(resident):7.1f} MB"
    )
    first, last = statistics.median(seconds[:quarter]), statistics.median(seconds[-quarter:])
    print(
        f"{'':14} {first:6.2f} s first quarter (median), {last:6.2f} s last, "
        f"x{last / first:.2f}   each: {' '.join(f'{t:.1f}' for t in seconds)}"
    )
    return each, last / first


def main(arguments: list[str]) -> None:
    count = int(arguments[0]) if arguments else 16
    with tempfile.TemporaryDirectory(prefix="bench-publications-") as folder:
        store = Path(folder) / "store"
        build(ROOT / "data", store)
        token = add_partner(Path(folder) / "partners.toml", "fr-aura", "AURA")
        env = {
            "COWORKMED_PARTNERS_FILE": str(Path(folder) / "partners.toml"),
            "COWORKMED_MAPPINGS": str(ROOT / "examples" / "partners"),
            "COWORKMED_UPDATE_TOKEN": TOKEN,
            "COWORKMED_WRITE_RATE": "0",
            "COWORKMED_DUMPS_REFRESH": "0",
        }
        server, base = start_serving(store, env, start_timeout=120)
        try:
            put(base, -1)  # the first write of each kind starts what every later one shares
            publication(base, token, -1)
            print(f"{count} writes of each kind, the server process's resident memory:")
            published, slower = series(
                "publications", server.pid, count, lambda n: publication(base, token, n)
            )
            putting, put_slower = series("PUTs (peer)", server.pid, count, lambda n: put(base, n))
        finally:
            stop_serving(server)
        ratio = published / putting if putting > 0.05 else float("nan")
        print(f"growth per publication / per PUT: {ratio:.2f} (n/a when the PUTs grew nothing)")
        print(f"growth per publication - per PUT: {published - putting:+.2f} MB")
        print(f"last/first quarter's time: publications x{slower:.2f}, PUTs x{put_slower:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
