"""Validation speed: submissions on the project's template, end to end.

    nice .venv/bin/python bench/bench_validate.py [ROWS ...] [--no-compare] [--compare-rows=N]

(BENCH_WARM_RUNS=3: the validations timed with the workers started; their median is printed)

(default: 15 1000 10000)

Generates seeded submissions (11 template columns in French, a few problems sprinkled in;
24 triples and 5 warnings per row: 5,000 rows are the 120,000 triples of the issue's target),
then prints, side by side in one run:

- ``coworkmed validate``'s core end to end (read, transform, table checks, SHACL, cross-record
  checks, the HTML and JSON reports), with the worker processes already started (as in the
  server) and from a cold start (as on the command line), and with the workers started but in
  one process (``split_from=0``: no parts, ``validation.split``), each with its processor time
  (user + system, of this process and the workers: load on a shared machine affects it less);
- ``coworkmed validate FILE`` from a cold command line (a new interpreter, nothing started), as
  a partner runs it, with its processor time;
- peak memory (resident set, ``resource.getrusage``): of this process (the parent, which
  validates in-process with workers started), of the cold command line, and of the confined
  worker that validates an upload as the server does;
- plain pyshacl on the same graph with the same shapes: rdflib parses the N-Triples, then
  ``pyshacl.validate``, as a project without the engine of validation/engine.py would do, and
  ours on that same graph, with their ratio (``--no-compare``: not this part). Plain pyshacl
  needs minutes per thousand rows with these shapes, so this comparison runs on COMPARE_ROWS rows
  (``--compare-rows=N``: on N rows, for a machine too busy for minutes of pyshacl).

The machine may be shared: compare the ratios, measured side by side in one run.
"""

from __future__ import annotations

import csv
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
import pyshacl  # noqa: E402
from rdflib import Graph  # noqa: E402

from core.namespaces import DEFAULT_DATA_BASE  # noqa: E402
from core.settings import settings  # noqa: E402
from core.vocabulary import shapes_graph  # noqa: E402
from core.workers import WorkerFailed, run_confined  # noqa: E402
from validation import pipeline  # noqa: E402
from validation.columns import template_mapping  # noqa: E402
from validation.confined import Confinement, Job, _validate_in_worker  # noqa: E402
from validation.files import MAX_FILE_BYTES  # noqa: E402
from validation.report import render  # noqa: E402
from validation.submission import validate_submission  # noqa: E402

#: rows of the side-by-side comparison with plain pyshacl
COMPARE_ROWS = 1_000
#: validations timed with the workers started, of which the median is printed (one run on a
#: shared machine varies by a quarter): BENCH_WARM_RUNS
WARM_RUNS = max(1, int(os.environ.get("BENCH_WARM_RUNS", "3")))
HEADER = [
    "Identifiant", "Nom", "Type d'espace", "Statut", "Date d'ouverture", "Commune",
    "Code postal", "Pays", "Latitude", "Longitude", "Postes de travail",
]  # fmt: skip
TOWNS = [
    ("Lyon", "69001", 45.767, 4.834), ("Grenoble", "38000", 45.188, 5.724),
    ("Saint-Étienne", "42000", 45.439, 4.387), ("Annecy", "74000", 45.899, 6.129),
    ("Clermont-Ferrand", "63000", 45.777, 3.087), ("Valence", "26000", 44.933, 4.892),
]  # fmt: skip
KINDS = ["coworking", "fab-lab", "tiers-lieu culturel", "makerspace", "living lab"]
STATUS = ["active", "ouvert", "fermé temporairement", "en projet"]


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            town, postcode, lat, lon = rng.choice(TOWNS)
            opened = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2005, 2025)}"
            desks = str(rng.randint(4, 120))
            if n % 997 == 0:
                desks = "beaucoup"  # a cell that cannot be read
            if n % 1499 == 0:
                opened = "31/02/2019"
            writer.writerow(
                [
                    f"F-{n}",
                    f"Espace {n}",
                    "|".join(rng.sample(KINDS, rng.randint(1, 2))),
                    rng.choice(STATUS),
                    opened,
                    town,
                    postcode,
                    "FR",
                    f"{lat + rng.uniform(-0.05, 0.05):.5f}",
                    f"{lon + rng.uniform(-0.05, 0.05):.5f}",
                    desks,
                ]
            )


def _worker_cpu() -> dict[int, float]:
    """Processor seconds (user + system) each validation worker process has used so far."""
    used = {}
    for executor in list(pipeline._POOLS.values()):
        for pid in list(getattr(executor, "_processes", None) or {}):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


@dataclass
class Timed:
    """One validation: seconds, and processor seconds of this process and of each worker."""

    seconds: float
    parent: float
    workers: list[float]

    def __str__(self) -> str:
        busiest = max(self.workers, default=0.0)
        return (
            f"{self.seconds:7.2f} s (processor: {self.parent + sum(self.workers):5.2f} s in all, "
            f"this process {self.parent:5.2f} s + the busiest worker {busiest:5.2f} s)"
        )


def end_to_end(path: Path, split_from: int | None = None) -> tuple[Timed, object]:
    """The validation, report included, timed."""
    start, cpu, before = time.perf_counter(), time.process_time(), _worker_cpu()
    report = validate_submission(path, lang="fr", split_from=split_from)
    render(report, "html")
    render(report, "json")
    after = _worker_cpu()
    workers = [used - before.get(pid, 0.0) for pid, used in after.items()]
    timed = Timed(time.perf_counter() - start, time.process_time() - cpu, workers)
    return timed, report


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _measured_worker(job: Job, confinement: Confinement) -> tuple[object, float]:
    """In the confined worker: the validation, and the worker's peak memory."""
    report = _validate_in_worker(job, confinement)
    return report, _peak_mb(resource.RUSAGE_SELF)


def confined(path: Path) -> tuple[float, float]:
    """As the server does it: the whole validation in a fresh confined worker; seconds and
    the worker's peak memory (MB); NaN for a worker stopped at its limits (on a busy machine,
    ``validation_timeout``), with the reason on standard error."""
    start = time.perf_counter()
    mapping = template_mapping("fr")
    job = Job(path, "fr", DEFAULT_DATA_BASE, MAX_FILE_BYTES, mapping, [], path.name)
    limits = Confinement.from_settings(settings())
    try:
        report, peak = run_confined(_measured_worker, (job, limits), limits.limits, limits.timeout)
    except WorkerFailed as error:
        print(f"  (the confined worker gave no answer: {error})", file=sys.stderr)
        return math.nan, math.nan
    render(report, "html")
    render(report, "json")
    assert report.readable, report.findings
    return time.perf_counter() - start, peak


def cold_command(path: Path) -> tuple[float, float, float]:
    """``coworkmed validate`` in a new interpreter; seconds and its peak memory (MB), measured
    by GNU time's %M: a child forked from this large process would count the parent's pages
    resident before its exec (``wait4``'s figure is the parent's), time's own child does not;
    and its processor seconds (user + system, its worker processes included when they ended)."""
    command = [sys.executable, "-m", "coworkmed.cli", "validate", str(path), "--lang", "fr"]
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as peak:
        timed = ["/usr/bin/time", "-f", "%M %U %S", "-o", peak.name, *command]
        start = time.perf_counter()
        subprocess.run(timed, cwd=ROOT, capture_output=True, check=False)
        seconds = time.perf_counter() - start
        kilobytes, user, system = peak.read().strip().splitlines()[-1].split()
    return seconds, float(kilobytes) / 1024, float(user) + float(system)


def plain_pyshacl(ntriples: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    data = Graph().parse(data=ntriples, format="nt")
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes_graph())
    results = len(set(report.subjects(None, None)))
    return time.perf_counter() - start, results


def ours_on_graph(ntriples: bytes) -> float:
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    pipeline.validate(ntriples, store)
    return time.perf_counter() - start


def main() -> None:
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    sizes = [int(a) for a in sys.argv[1:] if a not in flags] or [15, 1_000, 10_000]
    compare_rows = COMPARE_ROWS
    for flag in flags:
        if flag.startswith("--compare-rows="):
            compare_rows = int(flag.split("=", 1)[1])
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            path = Path(tmp) / f"soumission-{rows}.csv"
            generate(path, rows)
            pipeline.close_pools()
            cold, report = end_to_end(path)
            del report  # the cold run's report is not alive during the next one
            warm = []
            for _run in range(WARM_RUNS):
                timed, report = end_to_end(path)
                warm.append(timed)
            one, _report = end_to_end(path, split_from=0)
            print(
                f"{rows} rows, {report.records} records, {report.triples} triples, "
                f"{report.errors} errors, {report.warnings} warnings"
            )
            ordered = sorted(warm, key=lambda timed: timed.seconds)
            print(f"  end to end, report included, workers started : {ordered[len(ordered) // 2]}")
            if len(ordered) > 1:
                print(
                    f"    (median of {len(ordered)} runs; fastest {ordered[0].seconds:.2f} s, "
                    f"slowest {ordered[-1].seconds:.2f} s)"
                )
            print(f"  the same in one process (no split in parts)  : {one}")
            print(f"  end to end, report included, cold start      : {cold}")
            first, (again, worker_peak) = confined(path), confined(path)
            command, command_peak, command_cpu = cold_command(path)
            print(f"  in a confined worker, as the server does     : {again:7.2f} s")
            print(f"  the same, the fork server starting with it   : {first[0]:7.2f} s")
            print(f"  coworkmed validate, cold command line        : {command:7.2f} s"
                  f" (processor {command_cpu:5.2f} s)")  # fmt: skip
            print(
                f"  peak memory: parent {_peak_mb(resource.RUSAGE_SELF):.0f} MB, confined worker "
                f"{worker_peak:.0f} MB, command line {command_peak:.0f} MB"
            )
        if "--no-compare" in flags:
            return
        small = Path(tmp) / "petite.csv"
        generate(small, compare_rows)
        _timed, small_report = end_to_end(small)
        ours = ours_on_graph(small_report.ntriples)
        plain, _results = plain_pyshacl(small_report.ntriples)
        pipeline.close_pools()
        triples = small_report.triples
        print(f"{compare_rows} rows, {triples} triples, SHACL only, same graph and shapes:")
        print(f"  plain pyshacl (rdflib parse + pyshacl.validate)         : {plain:7.2f} s")
        print(f"  validation.pipeline (parse, engine, pyshacl if needed)  : {ours:7.2f} s")
        print(f"  ratio ours / plain                                      : {ours / plain:7.3f}")


if __name__ == "__main__":
    main()
