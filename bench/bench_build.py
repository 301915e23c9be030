"""Build time of the default graph: ``coworkmed build --data data`` (the real inventory `make
run` builds) beside ``coworkmed build --data examples/partners`` (the five invented samples the
build used to read), each from a cold command line into an empty store.

    nice .venv/bin/python bench/bench_build.py [--runs N]

Prints, for each folder, the records published per source, the rows held back, the triples, the
best wall time of N runs (default 1), and the ratio of the real build to the samples' build.
The machine may be shared: compare the ratio, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COWORKMED = Path(sys.executable).parent / "coworkmed"
FOLDERS = {
    "real (data/)": ROOT / "data",
    "samples (examples/partners/)": ROOT / "examples" / "partners",
}
#: the per-source line of the build's output
SOURCE_LINE = re.compile(
    r"^(?P<source>[\w-]+): (?P<rows>\d+) rows read, (?P<records>\d+) records published"
)
TOTAL_LINE = re.compile(r"^\d+ sources loaded.*$", re.MULTILINE)


def build(data: Path) -> tuple[float, str]:
    """One cold ``coworkmed build`` of ``data`` into an empty store: seconds and output."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        done = subprocess.run(
            [str(COWORKMED), "build", "--data", str(data), "--store", str(Path(tmp) / "store")],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"build of {data} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    runs = parser.parse_args().runs
    best: dict[str, float] = {}
    for name, data in FOLDERS.items():
        times = []
        for _ in range(runs):
            seconds, output = build(data)
            times.append(seconds)
        best[name] = min(times)
        print(f"{name}: {best[name]:.1f} s (best of {runs})")
        for line in output.splitlines():
            if match := SOURCE_LINE.match(line):
                source, rows, records = match["source"], match["rows"], match["records"]
                print(f"  {source}: {rows} rows, {records} records published")
        total = TOTAL_LINE.search(output)
        print(f"  {total.group(0) if total else '?'}")
    real, samples = best.values()
    print(f"ratio real / samples: {real / samples:.1f}x")


if __name__ == "__main__":
    main()
