"""What reading a query first costs on an external store: each new query text is read by the
engine's parser in a worker without network (``execution.parse_error`` in
``RemotePool._standard``), before Virtuoso is sent it (stranger 105: Virtuoso's own syntax
read the service's state and ended its process). Three ways side by side: in the worker each
query slot keeps (``core.workers.KeptWorker``, what the server does); in a fresh worker for
each text (``run_confined``, what it did before); and the peer, the same parse in this
process, which the server may not do (a parser crash would cost the server).

    nice .venv/bin/python bench/bench_remote_reading.py [ROUNDS]     (default: 20)

For the held-back queries (``bench/held-back/*.rq``, a researcher's kind of query): the median
of ROUNDS of each way, in milliseconds, and their ratios to the peer. A text read once is
remembered (the last 4,096): a query asked again costs nothing more.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.workers import KeptWorker, Limits, run_confined, start_fork_server  # noqa: E402
from endpoint.execution import parse_error  # noqa: E402

HERE = Path(__file__).resolve().parent
BASE = "http://127.0.0.1/sparql"


def timed(function: object, *arguments: object) -> float:
    start = time.perf_counter()
    function(*arguments)  # type: ignore[operator]
    return time.perf_counter() - start


def main(arguments: list[str]) -> None:
    rounds = int(arguments[0]) if arguments else 20
    start_fork_server()
    limits = Limits(memory=768 * 2**20)
    texts = [path.read_text(encoding="utf-8") for path in sorted((HERE / "held-back").glob("*.rq"))]
    reader = KeptWorker(limits)
    kept: list[float] = []
    fresh: list[float] = []
    here: list[float] = []
    try:
        assert (
            reader.call(parse_error, ("ASK {}", BASE), 30) is None
        )  # started, as a slot's is after its first
        for _round in range(rounds):
            for text in texts:
                assert run_confined(parse_error, (text, BASE), limits, 30) is None, text[:80]
                kept.append(timed(reader.call, parse_error, (text, BASE), 30))
                fresh.append(timed(run_confined, parse_error, (text, BASE), limits, 30))
                here.append(timed(parse_error, text, BASE))
    finally:
        reader.stop()
    peer = statistics.median(here)
    print(f"{len(texts)} held-back queries x {rounds} rounds")
    for name, times in (("kept worker (the server)", kept), ("fresh worker (before)", fresh)):
        middle = statistics.median(times)
        print(
            f"read in a {name}: median {middle * 1000:.2f} ms, longest "
            f"{max(times) * 1000:.1f} ms; ratio to in process {middle / peer:.1f}"
        )
    print(f"read in process (peer): median {peer * 1000:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
