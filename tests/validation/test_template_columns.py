"""Every column of the submission template, left out or left empty, on every way in: the command
line's validate (exit 0 or 1, no traceback) and the web page and API (no 5xx); the identifier,
which the template calls optional, also through load and publish. Driven by the template's own
column list (``validation.template.template_columns``), so that a column added later is tried too.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from coworkmed.cli import main
from endpoint.app import create_app
from publishing.partners import add_partner
from validation.columns import TEMPLATE_MAPPING
from validation.template import template_columns

COLUMNS = template_columns("en")
#: how a column is taken away: left out of the file, or there with every cell empty
MODES = ("absent", "empty")
#: the identifier: left out, empty everywhere, empty in one row of three
ID_MODES = ("absent", "empty", "some-empty")


def submission(folder: Path, field: str, mode: str) -> Path:
    """Three rows of the template's examples (three spaces), with the column of ``field`` taken
    away as ``mode`` says."""
    path = folder / f"{field}-{mode}.csv"
    headers = [c.header for c in COLUMNS if not (c.field == field and mode == "absent")]
    rows = []
    for number in range(3):
        values = {c.header: c.example for c in COLUMNS}
        values["Identifier"], values["Name"] = f"S-{number}", f"Space number {number}"
        values["Latitude"] = f"45.77{number}"
        for column in COLUMNS:
            if column.field == field and (mode == "empty" or number == 1):
                values[column.header] = ""
        rows.append([values[h] for h in headers])
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headers, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("field", [c.field for c in COLUMNS])
def test_a_missing_column_is_a_finding_not_a_crash(field: str, mode: str, tmp_path: Path) -> None:
    path = submission(tmp_path, field, mode)
    code, output = _run(
        "validate", str(path), "--format", "json", "--output", str(tmp_path / "r.json")
    )
    assert code in (0, 1), output


@pytest.fixture(scope="module")
def app(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("columns")
    shutil.copytree(store_path, folder / "store")
    partners = folder / "partners.toml"
    tokens = {mode: add_partner(partners, f"acme-{mode}", "Acme") for mode in ID_MODES}
    app = create_app(
        {
            "store": str(folder / "store"),
            "query_workers": 1,
            "partners_file": str(partners),
            "validate_rate": 0,  # every column twice: more than one client's minute allows
        }
    )
    app.config["tokens"] = tokens
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _upload(path: Path) -> dict:
    return {"file": (io.BytesIO(path.read_bytes()), path.name)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("field", [c.field for c in COLUMNS])
def test_the_web_answers_every_missing_column(
    field: str, mode: str, client: FlaskClient, tmp_path: Path
) -> None:
    path = submission(tmp_path, field, mode)
    answer = client.post("/api/validate", data=_upload(path))
    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.json is not None and answer.json["status"] != "unreadable"


@pytest.mark.parametrize("mode", ID_MODES)
def test_records_without_identifier_are_named_from_their_content(
    mode: str, client: FlaskClient, app: Flask, tmp_path: Path
) -> None:
    path = submission(tmp_path, "id", mode)
    page = client.post("/validate", data=_upload(path))
    assert page.status_code == 200
    published = client.post(
        "/api/submissions",
        data=_upload(path),
        headers={"Authorization": f"Bearer {app.config['tokens'][mode]}"},
    )
    assert published.status_code == 201, published.get_data(as_text=True)
    named = {"space-number-0-lyon-69001", "space-number-1-lyon-69001", "space-number-2-lyon-69001"}
    if mode == "some-empty":  # rows 2 and 4 keep their identifiers
        named = {"S-0", "space-number-1-lyon-69001", "S-2"}
    assert set(published.json["changed_records"]["added"]) == named  # never row-N
    warnings = [f for f in published.json["report"]["findings"] if f["code"] == "missing-key"]
    assert {w["value"] for w in warnings} == {key for key in named if not key.startswith("S-")}
    store = str(tmp_path / "store")
    report = tmp_path / "load.json"
    code, output = _run(
        "load", str(TEMPLATE_MAPPING), str(path), "--store", store, "--report", str(report)
    )
    assert code == 0 and "The record has no identifier" in output
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert {p["value"] for p in problems if p["code"] == "missing-key"} == {
        key for key in named if not key.startswith("S-")
    }


def test_the_key_stays_when_rows_move(store_path: Path, tmp_path: Path) -> None:
    """The same records in another order keep their IRIs: nothing added or removed."""
    partners = tmp_path / "partners.toml"
    add_partner(partners, "acme", "Acme")
    store = str(tmp_path / "store")
    shutil.copytree(store_path, store)
    first = submission(tmp_path, "id", "absent")
    lines = first.read_text(encoding="utf-8").splitlines()
    moved = tmp_path / "moved.csv"
    moved.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    common = ["--partner", "acme", "--partners-file", str(partners), "--store", store]
    assert _run("publish", str(first), *common)[0] == 0
    code, output = _run("publish", str(moved), *common)
    assert code == 0 and "0 added, 0 removed, 0 modified" in output, output
