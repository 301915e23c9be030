"""coworkmed load and build, through the command line, against a real store on disk."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from coworkmed.cli import main
from publishing.partners import add_partner
from tests.backends import Published
from tests.loaders.mapping_files import mapping_text, written_source
from triplestore.versions import open_snapshot, published_graphs

ROOT = Path(__file__).parents[2]


@pytest.mark.slow  # measured ~6.5 s
def test_load_writes_the_graph_and_the_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        [
            "load",
            str(ROOT / "examples/partners/fr-aura/mapping.yaml"),
            "--store",
            str(tmp_path / "s"),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    # in the mapping's language when no --lang is given
    assert "fr-aura\u00a0: 8 lignes lues, 8 fiches publiées" in result.output
    # its progress too (stranger 40's run: "Reading the file: 1 row so far" before a French summary)
    assert "Reading the file" not in result.output and "Lecture du fichier" in result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["records_written"] == 8 and body["problems"] == []
    generation, store = open_snapshot(tmp_path / "s")
    assert generation == 1
    graphs = {g.value for g in published_graphs(store, "https://w3id.org/coworkmed/id/")}
    base = "https://w3id.org/coworkmed/id/"
    assert graphs == {body["graph"], f"{base}catalog", f"{base}cube", f"{base}links"}
    assert body["graph"].startswith("https://w3id.org/coworkmed/id/dataset/fr-aura/")


def test_load_reads_the_store_from_the_environment(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "load",
            str(ROOT / "examples/partners/hr-split/mapping.yaml"),
            "--base",
            "https://example.org/x/",
        ],
        env={"COWORKMED_STORE": str(tmp_path / "env-store")},
    )
    assert result.exit_code == 0, result.output
    _generation, store = open_snapshot(tmp_path / "env-store")
    graphs = [g.value for g in published_graphs(store, "https://example.org/x/")]
    assert graphs[2].startswith("https://example.org/x/dataset/hr-split/") and len(graphs) == 4
    assert graphs[3] == "https://example.org/x/links"  # each space's canonical place
    assert graphs[1] == "https://example.org/x/cube"


def test_a_file_given_on_the_command_line_replaces_the_mappings_own(tmp_path: Path) -> None:
    other = tmp_path / "other.tsv"
    rows = (
        (ROOT / "examples/partners/fr-aura/tiers-lieux.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    other.write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "load",
            str(ROOT / "examples/partners/fr-aura/mapping.yaml"),
            str(other),
            "--store",
            str(tmp_path / "s"),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 records published" in result.output


def test_a_load_that_fails_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "mapping.yaml"
    bad.write_text("source: {id: x}\ncolumns: {a: nom}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["load", str(bad), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2  # the source cannot be loaded at all, as its help says
    assert f"{bad}:1:" in result.output


@pytest.mark.slow  # measured ~8 s
def test_build_loads_every_sample(empty: Published) -> None:
    result = CliRunner(env=empty.environment()).invoke(
        main,
        [
            "build",
            "--data",
            str(ROOT / "examples" / "partners"),
            "--store",
            empty.settings["store"],
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.rstrip().splitlines()[-1].startswith("5 sources loaded, 0 failed: 33 records")
    )
    _generation, store = open_snapshot(empty.location)
    graphs = {g.value for g in published_graphs(store, "https://w3id.org/coworkmed/id/")}
    vocabulary = {"https://w3id.org/coworkmed/def/"} | {
        f"https://w3id.org/coworkmed/code/{path.stem}"
        for path in (ROOT / "ontology" / "codelists").glob("*.ttl")
    }
    # the vocabulary, the cube's structure (its own graph, though it holds a concept scheme:
    # a regression), the sources, the catalogue, the cube, the territory (NUTS regions) and the
    # links (canonical places)
    assert "https://w3id.org/coworkmed/def/cube" in graphs
    assert "https://w3id.org/coworkmed/id/territory" in graphs
    assert "https://w3id.org/coworkmed/id/links" in graphs
    assert vocabulary <= graphs and len(graphs) == len(vocabulary) + 1 + 5 + 1 + 1 + 1 + 1
    labels = store.query(
        "ASK { GRAPH <https://w3id.org/coworkmed/code/public> { "
        "?c <http://www.w3.org/2004/02/skos/core#prefLabel> 'mladi'@hr } }"
    )
    assert bool(labels)


def test_build_reports_a_failing_source_and_loads_the_others(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "broken").mkdir(parents=True)
    (data / "broken" / "mapping.yaml").write_text("source: {id: broken}\n", encoding="utf-8")
    (data / "good").mkdir()
    for name in ("mapping.yaml", "coworking-prostori.csv"):
        (data / "good" / name).write_bytes(
            (ROOT / "examples/partners/hr-split" / name).read_bytes()
        )
    result = CliRunner().invoke(
        main, ["build", "--data", str(data), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert "FAILED" in result.output and "1 sources loaded, 1 failed" in result.output


LEFT_OUT = yaml.safe_load((Path(__file__).with_name("left-out-cases.yaml")).read_text("utf-8"))


@pytest.mark.slow  # measured ~4 s a case
@pytest.mark.parametrize("case", LEFT_OUT, ids=lambda c: c["id"])
def test_load_says_the_rows_its_include_filter_left_out(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    source = ROOT / case["mapping"]
    mapping = source
    if "include" in case:
        shutil.copytree(source.parent, tmp_path / "sample")
        mapping = tmp_path / "sample" / "mapping.yaml"
        read = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        read["file"]["include"] = case["include"]
        mapping.write_text(yaml.safe_dump(read, allow_unicode=True), encoding="utf-8")
    store, lang = str(tmp_path / "s"), ["--lang", case["lang"]]
    if case.get("command") == "publish":
        read = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        partners = tmp_path / "partners.toml"
        add_partner(partners, read["source"]["partner"]["id"], "Partner")
        arguments = ["publish", str(mapping.parent / read["file"]["path"]), "--mapping"]
        arguments += [str(mapping), "--partner", read["source"]["partner"]["id"], "--store"]
        arguments += [store, "--partners-file", str(partners), *lang]
    elif case.get("command") == "validate":
        read = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        arguments = ["validate", str(mapping.parent / read["file"]["path"]), "--mapping"]
        arguments += [str(mapping), "--store", store, "--output", str(tmp_path / "r.html"), *lang]
    else:
        arguments = ["load", str(mapping), "--store", store, *lang]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code in (0, 1), result.output
    if case.get("command") == "validate":
        assert case["said"] in (tmp_path / "r.html").read_text(encoding="utf-8")
    elif case["said"] is None:
        assert "include" not in result.output, result.output
    elif case.get("command") == "publish":
        assert case["said"] in result.output.splitlines(), result.output
    else:
        lines = result.output.splitlines()
        (at,) = [n for n, line in enumerate(lines) if line.startswith(f"{read_id(mapping)}")]
        assert lines[at + 1] == case["said"], lines[at : at + 2]


def read_id(mapping: Path) -> str:
    """The source id a mapping names (the load's summary line starts with it)."""
    return str(yaml.safe_load(mapping.read_text(encoding="utf-8"))["source"]["id"])


@pytest.mark.parametrize("partner", ["it-toscana", "el-attiki", "es-valencia"])
def test_the_load_report_holds_the_warnings_it_printed(partner: str, tmp_path: Path) -> None:
    """Stop 54: the JSON report of a load held the loaders' problems only, ``[]`` while the
    checks' warnings were printed; it now holds the checks' report, as publish --report does."""
    report = tmp_path / "report.json"
    mapping = ROOT / f"examples/partners/{partner}/mapping.yaml"
    result = CliRunner().invoke(
        main, ["load", str(mapping), "--store", str(tmp_path / "s"), "--report", str(report), "-q"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(report.read_text(encoding="utf-8"))
    checks = body["report"]
    assert body["published"] and checks["warnings"] > 0 and checks["errors"] == 0
    assert len(checks["findings"]) == checks["warnings"]
    printed = result.output.splitlines()[1]  # "0 errors, N warnings, M rows read"
    assert str(checks["warnings"]) in printed and str(checks["rows"]) in printed


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        ("source: {id: x}\n", "the mapping has mistakes"),
        ("columns: [\n", "mapping"),
        (None, "no such mapping file"),
    ],
    ids=["not-a-mapping", "not-yaml", "missing"],
)
def test_a_load_that_cannot_start_still_writes_its_report(
    mapping: str | None, says: str, tmp_path: Path
) -> None:
    """Stop 54: ``load --report -`` wrote nothing when its mapping could not be read; a script
    reading the report found none. It gets the failure, with exit 2."""
    path = tmp_path / "mapping.yaml"
    if mapping is not None:
        path.write_text(mapping, encoding="utf-8")
    for output in ("-", str(tmp_path / "report.json")):
        result = CliRunner().invoke(
            main, ["load", str(path), "--store", str(tmp_path / "s"), "--report", output]
        )
        assert result.exit_code == 2, result.output
        written = result.stdout if output == "-" else Path(output).read_text(encoding="utf-8")
        body = json.loads(written)
        assert body["published"] is False and says in body["error"]
        assert body["mapping"] == str(path)


ERRORS_MAPPING = mapping_text(
    {"ID": "id", "Nome": "name", "Comune": "city", "Postazioni": "workstations"},
    "it",
    "IT",
    source="it-prova",
    file="spazi.csv",
)


@pytest.mark.parametrize("mode", ["per-record", "all-or-nothing"])
def test_the_load_report_counts_what_was_published(tmp_path: Path, mode: str) -> None:
    """Stranger 81: an all-or-nothing load refused named a version that is not, and a load
    that held a record back said records_written 8 where it printed 7 published; an unchanged
    load spoke English whatever its mapping's language."""
    rows = [["ID", "Nome", "Comune", "Postazioni"], ["P1", "Uno", "Roma", "10"]]
    written_source(tmp_path, ERRORS_MAPPING, [*rows, ["P2", "Due", "Latina", "dodici"]])
    args = ["load", str(tmp_path / "mapping.yaml"), "--store", str(tmp_path / "s"), "-q"]
    args += ["--all-or-nothing"] if mode == "all-or-nothing" else []
    report = tmp_path / "report.json"
    result = CliRunner().invoke(main, [*args, "--report", str(report)])
    body = json.loads(report.read_text(encoding="utf-8"))
    if mode == "all-or-nothing":
        assert result.exit_code == 1, result.output
        assert body["published"] is False and body["graph"] is None
        assert body["records_published"] == 0
    else:
        assert result.exit_code == 0, result.output
        assert body["published"] is True and body["records_published"] == 1
        assert body["records_written"] == 2 and len(body["held_back"]) == 1
        again = CliRunner().invoke(main, args)
        assert again.exit_code == 0 and "invariato" in again.output.lower(), again.output
