"""Build time of the default graph: ``coworkmed build --data data`` (the real inventory `make
run` builds) beside ``coworkmed build --data examples/partners`` (the five invented samples the
build used to read), each from a cold command line into an empty store.

    nice .venv/bin/python bench/bench_build.py [--runs N]

Prints, for each folder, the records published per source, the rows held back, the triples, the
best wall time of N runs (default 1), the real places after clustering (canonical places) and
the records they gather, and the observatory served over the built store (``coworkmed serve``
on loopback): the dashboard page and all its figures, cold (first request) and warm (median of
5); then the ratios of the real graph to the samples' graph. The machine may be shared: compare
the ratios, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coworkmed.serving import serve_process  # noqa: E402

COWORKMED = Path(sys.executable).parent / "coworkmed"
FOLDERS = {
    "real (data/)": ROOT / "data",
    "samples (examples/partners/)": ROOT / "examples" / "partners",
}
#: the per-source line of the build's output
SOURCE_LINE = re.compile(
    r"^(?P<source>[\w-]+): (?P<rows>[\d,]+) rows read, (?P<records>[\d,]+) records published"
)
TOTAL_LINE = re.compile(r"^\d+ sources loaded.*$", re.MULTILINE)


def build(data: Path, store: Path) -> tuple[float, str]:
    """One cold ``coworkmed build`` of ``data`` into the empty ``store``: seconds and output."""
    clock = time.perf_counter()
    done = subprocess.run(
        [str(COWORKMED), "build", "--data", str(data), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"build of {data} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout


PLACES = """SELECT (COUNT(DISTINCT ?place) AS ?places) (COUNT(DISTINCT ?record) AS ?records)
WHERE { ?record <https://w3id.org/coworkmed/def/canonicalPlace> ?place }"""
#: what a visitor of the observatory asks for first
PAGES = {
    "dashboard page": "/observatory?lang=fr",
    "all figures": "/api/observatory/figures?lang=fr",
}


def fetch(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        response.read()
    return time.perf_counter() - start


def served(store: Path) -> dict[str, float]:
    """Places after clustering, and the observatory's pages cold and warm, over ``store``."""
    figures: dict[str, float] = {}
    with serve_process(store) as base:
        url = f"{base}/sparql?query={urllib.parse.quote(PLACES)}"
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            row = json.load(response)["results"]["bindings"][0]
        figures["places"] = float(row["places"]["value"])
        figures["records"] = float(row["records"]["value"])
        for name, path in PAGES.items():
            figures[f"{name} cold"] = fetch(base + path)
            figures[f"{name} warm"] = statistics.median(fetch(base + path) for _ in range(5))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    runs = parser.parse_args().runs
    best: dict[str, float] = {}
    observed: dict[str, dict[str, float]] = {}
    for name, data in FOLDERS.items():
        times = []
        for run in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                seconds, output = build(data, Path(tmp) / "store")
                times.append(seconds)
                if run == 0:
                    observed[name] = served(Path(tmp) / "store")
        best[name] = min(times)
        print(f"{name}: {best[name]:.1f} s (best of {runs})")
        for line in output.splitlines():
            if match := SOURCE_LINE.match(line):
                source, rows, records = match["source"], match["rows"], match["records"]
                print(f"  {source}: {rows} rows, {records} records published")
        total = TOTAL_LINE.search(output)
        print(f"  {total.group(0) if total else '?'}")
        seen = observed[name]
        print(f"  {seen['records']:.0f} records, {seen['places']:.0f} places after clustering")
        for page in PAGES:
            cold, warm = seen[f"{page} cold"], seen[f"{page} warm"]
            print(f"  observatory, {page}: cold {cold:.2f} s, warm {warm:.3f} s")
    (real, samples), (real_seen, samples_seen) = best.values(), observed.values()
    print(f"ratio real / samples: build {real / samples:.1f}x")
    for page in PAGES:
        for when in ("cold", "warm"):
            ratio = real_seen[f"{page} {when}"] / samples_seen[f"{page} {when}"]
            print(f"ratio real / samples: observatory {page} {when} {ratio:.1f}x")


if __name__ == "__main__":
    main()
