"""The data folder's catalogue table (data/catalogue.csv): every copy in data/ is byte for byte
the file of ../shared/datasets it names, under a licence that allows redistribution, with its
attribution; the build refuses a folder whose table does not hold (catalogue-cases.yaml); no
file without such a licence is in data/."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from publishing import catalogue

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared" / "datasets" / "real"
CASES = yaml.safe_load((HERE / "catalogue-cases.yaml").read_text(encoding="utf-8"))
ROWS = catalogue.read_table(DATA)
#: the real files whose licence does not allow copying them into data/
NOT_COPIED = [
    "fr_neonomade_coworking.tsv",  # no licence stated (a scraped directory)
    "med_okw_fablabs_io_facilities.json",  # CC BY-SA covers the OKW schema, not fablabs.io's data
    "world_hackerspaces_exchanges.geojson",  # GPLv3 is the repository's; the wiki's content: none
]


def test_the_default_data_folder_holds() -> None:
    assert ROWS and catalogue.check(DATA) == []
    assert {row.source for row in ROWS} == {m.parent.name for m in DATA.glob("*/mapping.yaml")}


@pytest.mark.shared("datasets/real")
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.source)
def test_each_copy_is_the_shared_file_byte_for_byte(row: catalogue.Row) -> None:
    assert (DATA / row.source / row.file).read_bytes() == (SHARED / row.file).read_bytes()


@pytest.mark.shared("datasets/real")
def test_no_file_without_a_redistribution_licence_is_in_data() -> None:
    kept = {catalogue.sha256(path) for path in DATA.rglob("*") if path.is_file()}
    for name in NOT_COPIED:
        assert catalogue.sha256(SHARED / name) not in kept, name
        assert not list(DATA.rglob(name)), name


def _folder(tmp_path: Path, case: dict[str, Any]) -> Path:
    """data/osm-lisbon and its row in a folder of their own, changed as ``case`` says."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "osm-lisbon", data / "osm-lisbon")
    row = {**next(r for r in ROWS if r.source == "osm-lisbon").__dict__, **case.get("row", {})}
    with open(data / catalogue.TABLE, "w", encoding="utf-8", newline="") as handle:
        if "header" in case:
            handle.write(case["header"] + "\n")
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if "header" not in case:
            writer.writeheader()
        writer.writerow(row)
    mapping_path = data / "osm-lisbon" / "mapping.yaml"
    mapping = yaml.safe_load(mapping_path.read_text(encoding="utf-8"))
    mapping["source"].update(case.get("mapping", {}))
    mapping_path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    copy = data / "osm-lisbon" / row["file"]
    change = case.get("file", {})
    if "append" in change:
        copy.write_bytes(copy.read_bytes() + change["append"].encode())
    if change.get("remove"):
        copy.unlink()
    if "folder" in case:
        shutil.copytree(DATA / "osm-lisbon", data / case["folder"])
    return data


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_the_build_refuses_a_table_that_does_not_hold(tmp_path: Path, case: dict[str, Any]) -> None:
    assert catalogue.check(_folder(tmp_path, {})) == []  # the folder as copied holds
    problems = catalogue.check(_folder(tmp_path / "changed", case))
    assert any(case["expect"] in problem for problem in problems), problems


def test_build_stops_before_loading_when_the_table_does_not_hold(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coworkmed.cli import main

    data = _folder(tmp_path, {"file": {"append": "x"}})
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--store", str(store)])
    assert result.exit_code == 1
    assert "the catalogue table does not match" in result.output and "SHA-256" in result.output
    assert "rows read" not in result.output
