"""The cost of the record checks of stop 54 (the town against the record's region, rows of
totals, streets that read as sentences, NUTS codes against the reference, contacts in Greek
letters), against the same transformation by another checkout (the peer).

    nice .venv/bin/python bench/bench_load_checks.py PEER_CHECKOUT [N] [RUNS]

(N default: 10000 spaces; RUNS default: 5) Writes ``bench_load.py``'s seeded inventory of N
spaces once, then transforms it (file -> N-Triples: the loaders, where the checks are; no store)
RUNS times with this checkout's code and RUNS times with PEER_CHECKOUT's (a ``git worktree`` of
an older commit), taking turns, each in a process of its own. Each process times its own
transformation (its start-up and imports are not counted). Printed, side by side: the seconds
of each (min, median, max), the ratio of the medians, the triples and problems each made.

The machine may be shared: compare the ratio, measured side by side in one run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_load import generate  # noqa: E402

#: what each process runs: the transformation of the mapping given, timed, its figures as JSON
TIMED = """
import datetime as dt, json, sys, time
from pathlib import Path
from loaders.load import transform
from loaders.mapping import load_mapping
mapping = load_mapping(Path(sys.argv[1]))
clock = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
began = time.perf_counter()
data, report = transform(mapping, mapping.file_path(), "https://w3id.org/coworkmed/id/",
                         lambda: clock)
seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "triples": data.count(b"\\n"),
                  "problems": len(report.problems)}))
"""


def transformed(tree: Path, mapping: Path) -> dict[str, float]:
    """The figures of one transformation of ``mapping`` by the code of ``tree``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("COWORKMED_")}
    env |= {"PYTHONPATH": str(tree), "COWORKMED_UPLOAD_ROWS": os.environ["COWORKMED_UPLOAD_ROWS"],
            "COWORKMED_UPLOAD_CELLS": os.environ["COWORKMED_UPLOAD_CELLS"]}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(mapping)],
        cwd=tree, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(arguments: list[str]) -> None:
    if not arguments:
        raise SystemExit(__doc__)
    peer = Path(arguments[0]).resolve()
    rows = int(arguments[1]) if len(arguments) > 1 else 10_000
    runs = int(arguments[2]) if len(arguments) > 2 else 5
    trees = {"this checkout": ROOT, "peer": peer}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="bench-checks-") as folder:
        mapping = generate(Path(folder), rows)
        for tree in trees.values():  # the caches each checkout builds on first use
            transformed(tree, mapping)
        for _ in range(runs):
            for name, tree in trees.items():
                figures[name].append(transformed(tree, mapping))
    print(f"transformation of {rows:,} spaces, {runs} runs each, taking turns")
    medians = {}
    for name, found in figures.items():
        seconds = [f["seconds"] for f in found]
        medians[name] = statistics.median(seconds)
        print(
            f"  {name:14} median {medians[name]:6.2f} s  (min {min(seconds):.2f}, "
            f"max {max(seconds):.2f})  {int(found[-1]['triples']):,} triples, "
            f"{int(found[-1]['problems']):,} problems"
        )
    print(f"  ratio this/peer: {medians['this checkout'] / medians['peer']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
