"""Publishing per record (issue #18, "no middle path"): `coworkmed load`, `build`, `publish`
and the submissions API run the checks of `coworkmed validate` and publish the conforming
records; the records with errors are held back, their last published version stays; all or
nothing on demand. The cases are data (per-record/cases.yaml), run through the loader's path
(``load_checked``, as `coworkmed load`) and the submission's (``publish_submission``)."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from flask import Flask

from core.rdf_bytes import to_bytes
from coworkmed.cli import main
from endpoint.app import create_app
from endpoint.resource_page import reasons_in
from publishing.build import load_checked
from publishing.partners import Partner, add_partner
from publishing.publish import current_version, publish_submission
from tests.backends import Published
from triplestore.versions import open_snapshot
from validation.messages import ui
from validation.pipeline import close_pools

HERE = Path(__file__).parent / "per-record"
MAPPING = HERE / "mapping.yaml"
#: a case's file is read with the mapping of its kind
MAPPINGS = {".csv": MAPPING, ".xlsx": HERE / "mapping-xlsx.yaml"}
#: the files read by a mapping of their own (by name)
OWN_MAPPINGS = {
    name: HERE / "mapping-networks.yaml" for name in ("networks.csv", "networks-good.csv")
}
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
BASE = "https://w3id.org/coworkmed/id/"
DATASET = f"{BASE}dataset/per-record"
PARTNER = Partner("per-record", "Per-record test partner", "unused")


@pytest.fixture(autouse=True, scope="module")
def _pools() -> Iterator[None]:
    yield
    close_pools()


def _current(store: Published) -> bytes:
    """The current version of the test partner's dataset, as N-Triples (empty: none)."""
    if not store.location.generation():
        return b""
    _generation, snapshot = open_snapshot(store.location)
    version = current_version(snapshot, BASE, DATASET)
    if version is None:
        return b""
    triples = snapshot.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{version.value}> {{ ?s ?p ?o }} }}"
    )
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES)


def _spaces(graph: bytes) -> int:
    space = b"> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/coworkmed/def/Space>"
    return sum(space in line for line in graph.splitlines())


def _by_load(store: Published, file: str, mode: str) -> tuple[bool, list[Any], bool]:
    mapping = OWN_MAPPINGS.get(file, MAPPINGS[Path(file).suffix])
    with store.location.writer() as target:
        checked = load_checked(mapping, target, BASE, store.location, HERE / file, mode=mode)
    return checked.load.published, checked.load.held_back, checked.load.unchanged


def _by_submission(store: Published, file: str, mode: str) -> tuple[bool, list[Any], bool]:
    mapping = OWN_MAPPINGS.get(file, MAPPINGS[Path(file).suffix])
    outcome = publish_submission(HERE / file, PARTNER, store.location, BASE, mapping, mode=mode)
    return outcome.published, outcome.held_back, outcome.unchanged


@pytest.mark.parametrize("path", [_by_load, _by_submission], ids=["load", "publish"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_per_record_publishing(empty: Published, case: dict[str, Any], path: Any) -> None:
    mode = case.get("mode", "per-record")
    for file in case["files"][:-1]:
        published, held, _unchanged = path(empty, file, mode)
        assert published, f"{file} publishes"
    before = _current(empty)
    published, held, unchanged = path(empty, case["files"][-1], mode)
    assert published is case["published"]
    assert unchanged is case.get("unchanged", False)
    assert [h.row for h in held] == case["held"]
    assert [h.row for h in held if h.kept] == case["kept"]
    graph = _current(empty)
    if not published:
        assert graph == before, "nothing published: the current version stays as it was"
    assert _spaces(graph) == case["spaces"]
    text = graph.decode("utf-8")
    for value in case.get("present", []):
        assert f'"{value}' in text, value
    for value in case.get("absent", []):
        assert f'"{value}' not in text, value
    for value in case.get("nowhere", []):  # not in a literal, an IRI or the provenance
        assert value not in text, [line for line in text.splitlines() if value in line]
    if published and "provenance" in case:
        _check_provenance(graph, case["provenance"], case["held"])


def _check_provenance(graph: bytes, expected: dict[str, int], held: list[int]) -> None:
    """Issue 19: the version's load activity says the rows read, the records published and
    held back, and names each held-back record with its row and at least one reason."""
    store = ox.Store()
    store.load(graph, ox.RdfFormat.N_TRIPLES)
    cwm = "https://w3id.org/coworkmed/def/"
    (counts,) = list(
        store.query(
            f"SELECT ?rows ?published ?held WHERE {{ ?load <{cwm}rowsRead> ?rows ; "
            f"<{cwm}recordsPublished> ?published ; <{cwm}recordsHeldBack> ?held }}"
        )
    )
    assert {name: int(counts[name].value) for name in ("rows", "published", "held")} == expected
    described = store.query(
        f"SELECT ?row (COUNT(?reason) AS ?reasons) WHERE {{ ?load <{cwm}heldBack> ?record . "
        f"?record a <{cwm}HeldBackRecord> ; <{cwm}rowNumber> ?row ; <{cwm}heldBackReason> ?reason "
        f"FILTER (STRSTARTS(STR(?record), STR(?load))) }} GROUP BY ?row ORDER BY ?row"
    )
    assert [(int(r["row"].value), int(r["reasons"].value) > 0) for r in described] == [
        (row, True) for row in held
    ]


def test_the_load_command_says_which_rows_were_held_back(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = tmp_path / "report.json"
    run = CliRunner().invoke(
        main,
        ["load", str(MAPPING), str(HERE / "partner-15.csv"), "--store", str(store)]
        + ["--report", str(report)],
    )
    assert run.exit_code == 0, run.output
    assert "15 rows read, 11 records published, 4 held back" in run.output
    assert "Held back (errors to fix), by row:" in run.output
    for row, identifier in [(5, "P-04"), (8, "P-07"), (11, "P-10"), (14, "P-13")]:
        assert f"Row {row} ({identifier}): error ×1" in run.output
    # each kind of error with what is wrong and where (validation.report.console_lines)
    assert "error ×1: workstations — " in run.output and "(Row 5, Workstations, «-4»)" in run.output
    held = json.loads(report.read_text(encoding="utf-8"))["held_back"]
    assert [h["row"] for h in held] == [5, 8, 11, 14]
    for again in (["--force"], []):  # without --force: the same file as the current version
        strict = CliRunner().invoke(  # (stranger 76: "unchanged", 0 errors, exit 0)
            main,
            ["load", str(MAPPING), str(HERE / "partner-15.csv"), "--store", str(store)]
            + [*again, "--all-or-nothing", "--report", str(report)],
        )
        assert strict.exit_code == 1, strict.output
        assert "nothing published" in strict.output
        said = json.loads(report.read_text(encoding="utf-8"))
        assert said["errors"] == 4 and not said["published"] and not said["unchanged"]


def test_the_publish_command_says_which_rows_were_held_back(tmp_path: Path) -> None:
    store, partners = tmp_path / "store", tmp_path / "partners.toml"
    add_partner(partners, "per-record", "Per-record test partner")
    common = ["--partner", "per-record", "--mapping", str(MAPPING), "--store", str(store)]
    common += ["--partners-file", str(partners), "--lang", "fr"]
    good = CliRunner().invoke(main, ["publish", str(HERE / "partner-15-good.csv"), *common])
    assert good.exit_code == 0, good.output
    page = tmp_path / "report.html"
    run = CliRunner().invoke(
        main, ["publish", str(HERE / "partner-15.csv"), *common, "--report", str(page)]
    )
    assert run.exit_code == 0, run.output
    # the report's next step says what the mode does: per record, the records without errors
    assert ui("next-rejected-per-record", "fr") in html.unescape(page.read_text("utf-8"))
    assert "Retenus (erreurs à corriger), par ligne :" in run.output
    assert "(P-04)\u00a0: erreur ×1\u202f; sa dernière version publiée reste en ligne" in run.output
    assert "Publié : 11 fiches ; retenues : 4." in run.output
    # the report says what was published too, not only its validation's "rejected" (stranger 75)
    assert ui("published-in-part", "fr") in html.unescape(page.read_text("utf-8"))
    assert ui("rejected", "fr") not in html.unescape(page.read_text("utf-8"))
    assert "Publié : 11 fiches ; retenues : 4." in html.unescape(page.read_text("utf-8"))
    again = CliRunner().invoke(
        main, ["publish", str(HERE / "partner-15.csv"), *common, "--report", str(page)]
    )
    assert again.exit_code == 0, again.output  # the same file: unchanged, and still held back
    assert "Inchangé" in again.output and "Publié" not in again.output
    assert (
        "(P-04)\u00a0: erreur ×1\u202f; sa dernière version publiée reste en ligne" in again.output
    )
    # its report says what the current version is, as the first did, not "rejected"
    assert ui("published-in-part", "fr") in html.unescape(page.read_text("utf-8"))
    assert ui("rejected", "fr") not in html.unescape(page.read_text("utf-8"))
    assert "Toujours à corriger\u00a0: 4 fiches, avec les mêmes erreurs qu'avant." in again.output
    strict = CliRunner().invoke(
        main,
        ["publish", str(HERE / "partner-15.csv"), *common, "--all-or-nothing"]
        + ["--report", str(page)],
    )
    assert strict.exit_code == 1, strict.output
    assert "Rien n'a été publié : 4 erreurs" in strict.output
    strict_page = html.unescape(page.read_text("utf-8"))
    assert "Rien n'a été publié : 4 erreurs" in strict_page
    assert ui("next-rejected-all-or-nothing", "fr") in strict_page
    assert ui("rejected", "fr") in strict_page
    assert ui("next-rejected-per-record", "fr") not in strict_page


def test_a_bad_publish_mode_setting_is_an_error_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COWORKMED_PUBLISH_MODE", "some-records")
    run = CliRunner().invoke(
        main, ["load", str(MAPPING), str(HERE / "partner-15.csv"), "--store", str(tmp_path)]
    )
    assert run.exit_code == 78 and "per-record or all-or-nothing" in run.output, run.output


@pytest.fixture
def api(empty: Published, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    partners = tmp_path / "partners.toml"
    token = add_partner(partners, "per-record", "Per-record test partner")
    mappings = tmp_path / "mappings"
    shutil.copytree(HERE, mappings / "per-record")
    app = create_app(
        empty.config(query_workers=1, partners_file=str(partners), mappings=str(mappings))
    )
    yield app, token
    app.extensions["coworkmed.pool"].close()


def test_the_api_answers_published_or_held_back_per_record(api: tuple[Flask, str]) -> None:
    app, token = api
    client = app.test_client()

    def publish(file: str, **fields: str) -> Any:
        data = {"file": ((HERE / file).open("rb"), file), "mapping": "per-record", **fields}
        return client.post(
            "/api/submissions", data=data, headers={"Authorization": f"Bearer {token}"}
        )

    first = publish("partner-15-good.csv")
    assert first.status_code == 201, first.get_json()
    response = publish("partner-15.csv")
    body = response.get_json()
    assert response.status_code == 201, body
    assert body["published"] and [h["row"] for h in body["held_back"]] == [5, 8, 11, 14]
    records = {record["row"]: record for record in body["records"]}
    assert len(records) == 15 and sum(r["published"] for r in records.values()) == 11
    assert records[5] == {
        "row": 5,
        "identifier": "P-04",
        "published": False,
        "errors": 1,
        "old_version_kept": True,
    }
    assert records[2]["published"] and "errors" not in records[2]
    # stranger 37: the same file again (200, unchanged), in other bytes (CRLF), or refused all
    # or nothing (422): each held-back record's old version is still what the store holds
    for again, fields, status in [
        ("partner-15.csv", {}, 200),
        ("partner-15-crlf.csv", {}, 200),
        ("partner-15.csv", {"mode": "all-or-nothing"}, 422),
    ]:
        answer = publish(again, **fields)
        assert answer.status_code == status, answer.get_json()
        assert answer.get_json()["unchanged"] is (status == 200)
        held = [r for r in answer.get_json()["records"] if "errors" in r]
        assert sum(r["published"] for r in answer.get_json()["records"]) == 11 * (status == 200)
        assert [(r["row"], r["old_version_kept"]) for r in held] == [
            (row, True) for row in (5, 8, 11, 14)
        ]
        assert all(h["kept"] for h in answer.get_json()["held_back"])
    strict = publish("partner-15.csv", mode="all-or-nothing")
    assert strict.status_code == 422 and not strict.get_json()["published"]
    assert not any(r["published"] for r in strict.get_json()["records"])
    assert publish("partner-15.csv", mode="some").status_code == 400
    everything_bad = publish("all-bad.csv")
    assert everything_bad.status_code == 422, everything_bad.get_json()


LANGUAGE_CASES = yaml.safe_load(
    (HERE.parent / "held-back-language-cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", LANGUAGE_CASES, ids=lambda case: case["file"])
def test_the_held_back_reasons_are_in_the_pages_language(
    empty: Published, case: dict[str, Any]
) -> None:
    outcome = publish_submission(
        HERE / case["file"], PARTNER, empty.location, BASE, MAPPING, case["report"]
    )
    assert outcome.published and outcome.held_back
    app = create_app(empty.config(query_workers=1))
    try:
        client = app.test_client()
        for lang, rows in case["pages"].items():
            answer = client.get(
                "/doc/id/dataset/per-record.html",
                query_string={"lang": lang},
                headers={"Accept": "text/html"},
            )
            assert answer.status_code == 200
            page = html.unescape(answer.get_data(as_text=True))
            for row, texts in rows.items():
                cells = re.search(rf">{row}</a></td>.*?</tr>", page, re.S)
                assert cells is not None, (lang, row)
                for text in texts:
                    assert text in cells.group(0), (lang, row, cells.group(0))
            for text in case["nowhere"]:
                assert text not in page, (lang, text)
    finally:
        app.extensions["coworkmed.pool"].close()


LEGACY_CASES = yaml.safe_load(
    (HERE.parent / "legacy-reason-cases.yaml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("case", LEGACY_CASES, ids=lambda case: case["reasons"][0][0][:30])
def test_a_reason_is_shown_without_its_raw_code(case: dict[str, Any]) -> None:
    told = [ox.Literal(text, language=lang) for text, lang in case["reasons"]]
    assert reasons_in(told, case["lang"]) == case["shown"]


def test_a_row_repeating_an_identifier_is_named_by_it_as_written(tmp_path: Path) -> None:
    """A row that repeats another's identifier is held back under a key of its own
    ("P-02-7"), and was named so to the partner, who never wrote it (strangers 88, 89: "Ligne 6
    (AURA-002-6)"). It is named by the identifier its row gives, with its row."""
    store, report = tmp_path / "store", tmp_path / "report.json"
    run = CliRunner().invoke(
        main,
        ["load", str(MAPPING), str(HERE / "duplicate-identifier.csv"), "--store", str(store)]
        + ["--report", str(report)],
    )
    assert run.exit_code == 0, run.output
    assert "Row 7 (P-02): error ×1" in run.output
    assert "P-02-7" not in run.output
    (held,) = json.loads(report.read_text(encoding="utf-8"))["held_back"]
    assert held["row"] == 7 and held["written"] == "P-02"
