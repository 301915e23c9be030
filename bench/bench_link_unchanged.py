"""``coworkmed link`` on a store whose links have not changed, against the same command of
another checkout (the peer: before stranger 75, it published a new generation each time).

    nice .venv/bin/python bench/bench_link_unchanged.py PEER_CHECKOUT [RUNS]

(RUNS default: 5) Builds the graph of data/ into a temporary store once (not timed), then
runs ``coworkmed link`` on it RUNS times with this checkout's code and RUNS times with
PEER_CHECKOUT's (a ``git worktree`` of an older commit), taking turns, each as a process as an
operator's cron job runs it. Printed, side by side: the seconds of each (min, median, max), the
ratio of the medians, and how many store generations each run published (the store's
``current`` file): every generation renews what readers keep and makes new dumps.

The machine may be shared: compare the ratio, measured side by side in one run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "from coworkmed.cli import main; main()"


def generation(store: Path) -> int:
    """The store's current generation (its ``current`` file)."""
    return int((store / "current").read_text(encoding="ascii").split()[0])


def coworkmed(tree: Path, *args: str) -> float:
    """Run ``coworkmed ARGS`` with the code of ``tree``; its seconds (it must succeed)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("COWORKMED_")}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", COMMAND, *args],
        cwd=tree, env=env | {"PYTHONPATH": str(tree)}, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - began


def main(arguments: list[str]) -> None:
    if not arguments:
        raise SystemExit(__doc__)
    peer, runs = Path(arguments[0]).resolve(), int(arguments[1]) if len(arguments) > 1 else 5
    trees = {"this checkout": ROOT, "peer": peer}
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    published: dict[str, int] = {name: 0 for name in trees}
    with tempfile.TemporaryDirectory(prefix="bench-link-") as folder:
        store = Path(folder) / "store"
        coworkmed(ROOT, "build", "--data", str(ROOT / "data"), "--store", str(store))
        coworkmed(ROOT, "link", "--store", str(store))  # the links as the build left them
        for _ in range(runs):
            for name, tree in trees.items():
                before = generation(store)
                seconds[name].append(coworkmed(tree, "link", "--store", str(store)))
                published[name] += generation(store) - before
    print(f"coworkmed link on a store whose links are unchanged, {runs} runs each")
    for name, times in seconds.items():
        print(
            f"  {name:14} min {min(times):6.2f} s  median {statistics.median(times):6.2f} s  "
            f"max {max(times):6.2f} s   generations published: {published[name]} of {runs}"
        )
    ratio = statistics.median(seconds["this checkout"]) / statistics.median(seconds["peer"])
    print(f"  ratio of the medians (this checkout / peer): {ratio:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
