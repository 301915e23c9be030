"""A submission validated in parts, one run of rows per worker process (``validation.split``),
gives the same report, byte for byte, as in one process: on every submission of cases.yaml,
the partners' examples, rows whose identifiers and names come back in the other part, and a
generated 3,000-row file. Only the JSON's ``seconds`` may differ."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

import pytest
import yaml
from rdflib import BNode, Graph

from loaders import tables
from validation.columns import template_mapping
from validation.findings import Report, packed
from validation.pipeline import close_pools
from validation.report import FORMATS, render
from validation.shapes import Result
from validation.submission import validate_submission
from validation.trace import Trace, packed_finding, shape_finding

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.load((HERE / "cases.yaml").read_text(encoding="utf-8"), Loader=tables.StringKeysLoader)
EXAMPLES = sorted((ROOT / "examples" / "partners").glob("*/mapping.yaml"))
#: the template's columns in English (networks: nodes that every part has)
HEADER = ["Identifier", "Name", "Kind of space", "Status", "Town", "Country", "Latitude"]
HEADER += ["Longitude", "Workstations", "Networks"]


def _clock() -> dt.datetime:
    return dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


#: the JSON and Turtle reports, which the HTML report links as data: URIs
LINKED = re.compile(rb"data:(application/json|text/turtle);base64,[A-Za-z0-9+/=]+")


def _rendered(report: Report) -> dict[str, object]:
    """The report in every format, as compared: the JSON without ``seconds``; the Turtle (whose
    blank nodes are named anew each time) as its sorted triples; neither inside the HTML."""
    shown: dict[str, object] = {fmt: render(report, fmt) for fmt in FORMATS}
    data = json.loads(render(report, "json"))
    data.pop("seconds")
    shown["json"] = json.dumps(data, sort_keys=True).encode()
    # its triples with every blank node alike, sorted: rdflib's isomorphism test took over ten
    # minutes on the 3,000-row report (the N-Triples are compared byte for byte beside it)
    graph = Graph().parse(data=render(report, "ttl"), format="turtle")
    shown["ttl"] = sorted(
        tuple("_" if isinstance(term, BNode) else term.n3() for term in triple) for triple in graph
    )
    shown["html"] = LINKED.sub(rb"data:\1", render(report, "html"))
    return shown


def _both(path: Path, mapping: Path | None, lang: str) -> tuple[Report, Report]:
    whole = validate_submission(path, mapping, lang, now=_clock, split_from=0)
    parts = validate_submission(path, mapping, lang, now=_clock, split_from=1)
    return whole, parts


def _cases() -> list[tuple[str, Path, Path | None, str]]:
    found = []
    for name, case in sorted(CASES.items()):
        base = HERE if case["file"].startswith("submissions/") else ROOT
        mapping = ROOT / case["mapping"] if "mapping" in case else None
        found.append((name, base / case["file"], mapping, case["lang"]))
    for mapping in EXAMPLES:
        data = [f for f in mapping.parent.iterdir() if f.name != "mapping.yaml"]
        found.append((mapping.parent.name, data[0], mapping, "en"))
    return found


def _generated(path: Path, rows: int, repeat: int) -> Path:
    """A template file of ``rows`` rows whose names come back every ``repeat`` rows, and
    identifiers every ``2 * repeat`` (0: never), a few cells wrong."""
    rng = random.Random(18)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            key, name = (n % (2 * repeat), n % repeat) if repeat else (n, n)
            desks = "many" if n % 97 == 0 else str(rng.randint(1, 80))
            writer.writerow(
                [f"K-{key}", f"Hub {name}", rng.choice(["coworking", "fab lab", "rocket"]),
                 "open", "Lyon", "FR", f"{45.75 + rng.uniform(-0.02, 0.02):.5f}",
                 f"{4.84 + rng.uniform(-0.02, 0.02):.5f}", desks,
                 rng.choice(["Réseau Sud", "Tiers-Lieux AURA", ""])]
            )  # fmt: skip
    return path


@pytest.fixture(scope="module", autouse=True)
def _workers():
    yield
    close_pools()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "path", "mapping", "lang"), _cases(), ids=lambda v: str(v))
def test_a_submission_in_parts_has_the_report_of_one_process(
    name: str, path: Path, mapping: Path | None, lang: str
) -> None:
    whole, parts = _both(path, mapping, lang)
    assert _rendered(parts) == _rendered(whole), name
    assert parts.ntriples == whole.ntriples


@pytest.mark.parametrize("repeat", [7, pytest.param(25, marks=pytest.mark.slow)])
def test_identifiers_and_names_that_come_back_in_another_part(repeat: int, tmp_path: Path) -> None:
    """The second part has keys and names of the first: it is done again knowing them (a
    duplicate-key error and a shared-name warning name the first part's row)."""
    path = _generated(tmp_path / "repeats.csv", 60, repeat)
    whole, parts = _both(path, None, "en")
    codes = {f.code for f in whole.findings}
    assert {"duplicate-key", "shared-name"} <= codes, codes
    assert _rendered(parts) == _rendered(whole)


@pytest.mark.slow
def test_a_generated_file_of_3000_rows(tmp_path: Path) -> None:
    path = _generated(tmp_path / "big.csv", 3000, 0)
    whole, parts = _both(path, None, "fr")
    assert whole.errors > 0 and whole.records == 3000
    assert _rendered(parts) == _rendered(whole)


@pytest.mark.parametrize("length", [5, 199, 200, 601, 5000])
def test_a_worker_sends_the_fields_of_the_finding_the_parent_would_make(length: int) -> None:
    """A worker sends each traced result as the fields of its finding, made without the
    finding, which cuts long texts: the same fields, long texts cut alike."""
    trace = Trace(template_mapping("en"), [], {}, {}, "en")
    space = "https://w3id.org/coworkmed/id/space/submission/S-1"
    text = "é" * length
    result = Result(space, "https://schema.org/name", f'"{text}"', "shape/x", "error", text)
    assert packed_finding(result, trace, "en") == packed(shape_finding(result, trace, "en"))
