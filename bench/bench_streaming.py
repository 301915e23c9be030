"""Peak memory of the server answering a large SELECT, whole (before) and streamed (after), side
by side in one run (issue #20: large results streamed, not buffered in memory whole).

    .venv/bin/python bench/bench_streaming.py [SPACES]        (default: 10000)

The seeded inventory of bench_load.py is loaded into an embedded store; two `coworkmed serve`
processes on loopback answer it: (before) with ``stream_above`` 0, every answer sent through the
worker's pipe and held whole by the server, as before streaming; (after) with the default, an
answer above ``stream_above`` bytes spooled by the worker and streamed in chunks. Both answer
``SELECT * WHERE { ?s ?p ?o }`` over every published triple as SPARQL JSON (``max_rows`` raised
above the triple count), read by the client in chunks and thrown away, REPS times each,
alternately. Printed: the answer's size, seconds per answer, and the server process's own peak
resident memory (VmHWM, /proc; its query workers are processes of their own, not counted) at
rest (after a first small query has started its query pool) and after the answers, with the
ratio of the growths before / after.
"""

from __future__ import annotations

import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backends import load  # noqa: E402
from bench_load import generate  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402
from triplestore.backends.oxigraph import OxigraphLocation  # noqa: E402

REPS = 3
QUERY = "SELECT * WHERE { ?s ?p ?o }"
CHUNK = 1 << 16


def server_pid(port: int) -> str:
    """The process id of the `coworkmed serve` listening on ``port``."""
    return next(
        pid.name
        for pid in Path("/proc").iterdir()
        if pid.name.isdigit()
        and b"serve" in (command := (pid / "cmdline").read_bytes())
        and f"\0{port}\0".encode() in command + b"\0"
    )


def peak_mb(pid: str) -> float:
    """The peak resident memory (VmHWM) of process ``pid``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def answer(base: str) -> tuple[int, float]:
    """The answer's size in bytes, read in chunks, and the seconds it took."""
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": QUERY})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    start, size = time.perf_counter(), 0
    with urllib.request.urlopen(request, timeout=900) as response:
        while chunk := response.read(CHUNK):
            size += len(chunk)
    return size, time.perf_counter() - start


def main(spaces: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = OxigraphLocation(folder / "oxigraph")
        seconds = load(store, generate(folder, spaces))
        print(f"## {spaces} spaces loaded in {seconds:.1f} s")
        env = {
            "COWORKMED_QUERY_WORKERS": "1",
            "COWORKMED_QUERY_TIMEOUT": "900",
            "COWORKMED_QUERY_MEMORY": "0",
            "COWORKMED_MAX_ROWS": "100000000",
        }
        stacks = {"before (whole)": {"COWORKMED_STREAM_ABOVE": "0"}, "after (streamed)": {}}
        with (
            serve_process(store.path, {**env, **stacks["before (whole)"]}) as whole,
            serve_process(store.path, {**env, **stacks["after (streamed)"]}) as streamed,
        ):
            bases = {"before (whole)": whole, "after (streamed)": streamed}
            pids = {name: server_pid(int(base.rsplit(":", 1)[1])) for name, base in bases.items()}
            for base in bases.values():  # at rest: after a first small query (pool started)
                ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
                with urllib.request.urlopen(f"{base}/sparql?{ask}", timeout=900) as response:
                    response.read()
            rest = {name: peak_mb(pid) for name, pid in pids.items()}
            times: dict[str, list[float]] = {name: [] for name in bases}
            sizes: dict[str, int] = {}
            for _ in range(REPS):
                for name, base in bases.items():
                    sizes[name], took = answer(base)
                    times[name].append(took)
            growth = {}
            print(f"answer: {QUERY} as SPARQL JSON, {sizes['after (streamed)'] / 2**20:.1f} MB")
            for name, pid in pids.items():
                peak = peak_mb(pid)
                growth[name] = peak - rest[name]
                print(
                    f"{name:17} server peak {peak:7.1f} MB (at rest {rest[name]:6.1f} MB, "
                    f"growth {growth[name]:7.1f} MB); seconds per answer: "
                    f"{min(times[name]):.2f} best, {max(times[name]):.2f} worst"
                )
            assert sizes["before (whole)"] == sizes["after (streamed)"], sizes
            ratio = growth["before (whole)"] / max(growth["after (streamed)"], 0.1)
            speed = min(times["before (whole)"]) / min(times["after (streamed)"])
            print(
                f"peak growth before / after: {ratio:.1f}x; best time before / after: {speed:.2f}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
