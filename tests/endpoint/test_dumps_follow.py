"""The dumps follow what is published (issue 18, lane fixq): after a publish the server writes
the new generation's dumps in the background, and /dumps/, VoID and DCAT describe only them
(the previous complete set, labelled, while they are being written); older generations' dumps
are pruned. Cases: dumps-cases.yaml. Everything runs on loopback or in the test client."""

from __future__ import annotations

import gzip
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from rdflib import Graph, Namespace, URIRef

from coworkmed.cli import main
from coworkmed.serving import serve_process
from endpoint.app import AFTER_WRITE, create_app
from endpoint.dumps import (
    CHECKSUMS,
    KINDS,
    SOURCE,
    dump_generation,
    export,
    list_dumps,
    served_dumps,
    source_token,
)
from publishing.partners import add_partner
from tests.backends import Published
from triplestore.backends.oxigraph import OxigraphLocation

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
SAMPLE = ROOT / "examples" / "partners" / "fr-aura" / "tiers-lieux.tsv"
FIRST_NAME = "La Ruche des Pentes"
CASES = yaml.safe_load((Path(__file__).parent / "dumps-cases.yaml").read_text("utf-8"))
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
VOID_DUMP = URIRef("http://rdfs.org/ns/void#dataDump")
PUBLIC = "http://localhost"
#: seconds a test waits for the dumps of a generation
PATIENCE = 120


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


# ------------------------------------------------------------- a folder's dumps, as written


def _write_files(folder: Path, files: dict[str, list[str]]) -> None:
    """Dumps named ``stem`` + each kind's suffix (``-unlisted``: not in SHA256SUMS; ``part``: a
    half-written N-Quads file a killed export left)."""
    folder.mkdir(parents=True, exist_ok=True)
    sums = []
    for stem, kinds in files.items():
        for kind in kinds:
            if kind == "part":
                (folder / f"{stem}.nq.gz.part").write_bytes(b"half")
                continue
            name = f"{stem}{KINDS[kind.removesuffix('-unlisted')][0]}"
            (folder / name).write_bytes(name.encode())
            if not kind.endswith("-unlisted"):
                sums.append(f"{'0' * 64}  {name}\n")
    (folder / CHECKSUMS).write_text("".join(sums), encoding="ascii")


@pytest.mark.parametrize("case", CASES["served"], ids=_ids(CASES["served"]))
def test_the_served_set_is_the_current_generations_else_the_previous_complete_one(
    case: dict[str, Any], tmp_path: Path
) -> None:
    _write_files(tmp_path, case["files"])
    if "sources" in case:  # which snapshot (store identity) each generation's dumps came from
        lines = [f"{n} {source_token(i)}\n" for n, i in case["sources"].items()]
        (tmp_path / SOURCE).write_text("".join(lines), encoding="ascii")
    listed = served_dumps(tmp_path, case["generation"], case.get("store"))
    assert listed.of == case["of"]
    assert listed.current == (case["of"] == case["generation"])
    assert {dump_generation(d.name) for d in listed.dumps} == (
        {case["of"]} if case["of"] else set()
    )
    assert sorted(d.kind for d in listed.dumps) == (sorted(KINDS) if case["of"] else [])
    if "day" in case:
        assert listed.day == case["day"] and all(case["day"] in d.name for d in listed.dumps)


@pytest.mark.parametrize("case", CASES["export"], ids=_ids(CASES["export"]))
def test_an_export_keeps_the_newest_generations(
    case: dict[str, Any], published: Published, tmp_path: Path
) -> None:
    _write_files(tmp_path, case["files"])
    exported = export(published.location, BASE, tmp_path, keep=case["keep"])
    now = dump_generation(exported.dumps[0].name)
    remain = {now if g == "now" else g for g in case["remain"]}
    assert {dump_generation(d.name) for d in list_dumps(tmp_path)} == remain
    on_disk = {p.name for p in tmp_path.glob("coworkmed-*")}
    assert on_disk == {d.name for d in list_dumps(tmp_path)}  # no .part, nothing pruned left
    named = (tmp_path / CHECKSUMS).read_text(encoding="ascii")
    assert {line.split("  ")[1] for line in named.splitlines()} == on_disk


# ------------------------------------------------- publishing to a served store, dumps follow


@pytest.fixture
def partners(tmp_path: Path) -> tuple[Path, str]:
    file = tmp_path / "partners.toml"
    return file, add_partner(file, "fr-aura", "AURA")


@pytest.fixture
def served_app(
    request: pytest.FixtureRequest, writable: Published, partners: tuple[Path, str], tmp_path: Path
) -> Iterator[Flask]:
    """An app over a copy of the samples that writes dumps itself (dumps_refresh), whose folder
    holds the dumps of the store's first generation (written before it started)."""
    folder = tmp_path / "dumps"
    export(writable.location, BASE, folder)
    app = create_app(
        writable.config(
            query_workers=1,
            partners_file=str(partners[0]),
            mappings=str(ROOT / "examples" / "partners"),
            dumps=str(folder),
            dumps_refresh=0.3,
            dumps_keep=request.param,
            public_url=PUBLIC,
        )
    )
    yield app
    app.extensions["coworkmed.exporter"].close()
    app.extensions["coworkmed.pool"].close()


def _renamed(name: str, folder: Path) -> Path:
    """fr-aura's sample with its first space renamed ``name`` (``same``: the sample itself)."""
    if name == "same":
        return SAMPLE
    path = folder / f"{name.replace(' ', '-')}.tsv"
    path.write_bytes(SAMPLE.read_bytes().replace(FIRST_NAME.encode(), name.encode(), 1))
    return path


def _publish(app: Flask, door: str, file: Path, token: str, store: Published) -> None:
    if door == "api":
        data = {"file": (io.BytesIO(file.read_bytes()), file.name), "mapping": "fr-aura"}
        answer = app.test_client().post(
            "/api/submissions", data=data, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code in (200, 201), answer.get_json()
        return
    settings = app.config["COWORKMED"]
    mapping = ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml"
    ran = CliRunner().invoke(
        main,
        ["publish", str(file), "--partner", "fr-aura", "--mapping", str(mapping), "--quiet"],
        env={**store.environment(), "COWORKMED_PARTNERS_FILE": settings["partners_file"]},
    )
    assert ran.exit_code == 0, ran.output


def _wait_current(app: Flask) -> int:
    """The store's generation, once its dumps are written (fails after PATIENCE seconds)."""
    folder = Path(app.config["COWORKMED"]["dumps"])
    location = app.extensions["coworkmed.store"]
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        generation = location.generation()
        if served_dumps(folder, generation).current:
            return generation
        time.sleep(0.2)
    raise AssertionError(f"no dumps of generation {location.generation()} in {PATIENCE} s")


def _publish_cases() -> list[Any]:
    return [pytest.param(case, case["keep"], id=case["name"]) for case in CASES["publishes"]]


@pytest.mark.parametrize(("case", "served_app"), _publish_cases(), indirect=["served_app"])
def test_dumps_void_and_dcat_follow_what_is_published(
    case: dict[str, Any],
    served_app: Flask,
    writable: Published,
    partners: tuple[Path, str],
    tmp_path: Path,
) -> None:
    before = _wait_current(served_app)
    names = []
    for step in case["steps"]:
        _publish(served_app, step["door"], _renamed(step["name"], tmp_path), partners[1], writable)
        names.append(step["name"])
        if step.get("wait"):
            _wait_current(served_app)
    generation = _wait_current(served_app)
    assert (generation > before) == any(name != "same" for name in names)
    folder = Path(served_app.config["COWORKMED"]["dumps"])
    current = {d.name for d in list_dumps(folder) if dump_generation(d.name) == generation}
    assert len(current) == len(KINDS)
    kept = {dump_generation(d.name) for d in list_dumps(folder)}
    fewest, most = case["generations"]
    assert fewest <= len(kept) <= most, kept
    (nquads,) = (name for name in current if name.endswith(".nq.gz"))
    content = gzip.decompress((folder / nquads).read_bytes()).decode()
    last = names[-1] if names[-1] != "same" else FIRST_NAME
    assert last in content
    assert not [name for name in names[:-1] if name != "same" and name in content]
    _check_descriptions(served_app, current, generation)


def _check_descriptions(app: Flask, current: set[str], generation: int) -> None:
    """/dumps/, VoID and DCAT list exactly ``current``, labelled with ``generation``."""
    client = app.test_client()
    urls = {f"{PUBLIC}/dumps/{name}" for name in current}
    page = client.get("/dumps/?lang=en").get_data(as_text=True)
    listed = {name for name in list_dumps(Path(app.config["COWORKMED"]["dumps"]))}
    assert {d.name for d in listed if d.name in page} == current
    assert f"generation {generation}," in page
    void = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    assert {str(o) for o in void.objects(None, VOID_DUMP)} == urls
    catalog = Graph().parse(
        data=client.get("/catalog", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    files = {d: str(url) for d, url in catalog.subject_objects(DCAT.downloadURL)}
    assert set(files.values()) == urls
    for distribution in files:
        assert str(catalog.value(distribution, OWL.versionInfo)) == f"g{generation}"
        assert catalog.value(distribution, DCTERMS.modified) is not None


# ------------------------------------- a publish by another process wakes the server's exporter

#: seconds within which a publish by another process starts the export of its generation (the
#: server looks at the store's marker every WATCH seconds; its refresh below is ten minutes)
WOKEN_WITHIN = 2.0


@pytest.mark.slow  # a server process, two exports
def test_a_publish_from_the_command_line_wakes_the_servers_exporter(
    store_path: Path, partners: tuple[Path, str], tmp_path: Path
) -> None:
    """``coworkmed publish`` run beside a server did not wake its exporter: the dumps stayed
    behind for ``dumps_refresh`` seconds (30 by default; issue 18, lane fixu). The server now
    watches the store's ``current`` pointer."""
    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    folder = tmp_path / "dumps"
    env = {"COWORKMED_DUMPS": str(folder), "COWORKMED_DUMPS_REFRESH": "600"}
    location = OxigraphLocation(store)
    with serve_process(store, env):
        _wait_for_dumps(folder, location.generation(), PATIENCE)  # its first look, at start
        mapping = ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml"
        renamed = _renamed("Ruche Epsilon Un", tmp_path)
        ran = CliRunner().invoke(
            main,
            ["publish", str(renamed), "--partner", "fr-aura", "--mapping", str(mapping)]
            + ["--store", str(store), "--quiet"],
            env={"COWORKMED_PARTNERS_FILE": str(partners[0])},
        )
        assert ran.exit_code == 0, ran.output
        generation = location.generation()
        started = time.monotonic()
        # the export's first file (a .part, or a whole dump) appears soon after the publish
        while not any(f"-g{generation}" in path.name for path in folder.iterdir()):
            assert time.monotonic() - started < WOKEN_WITHIN, "the exporter was not woken"
            time.sleep(0.05)
        _wait_for_dumps(folder, generation, PATIENCE)


def _wait_for_dumps(folder: Path, generation: int, patience: float) -> None:
    deadline = time.monotonic() + patience
    while not (folder.is_dir() and served_dumps(folder, generation).current):
        assert time.monotonic() < deadline, f"no dumps of generation {generation}"
        time.sleep(0.1)


# ----------------------------------------- only a write wakes the exporter, never a query

TOKEN = "correct horse battery staple"


@pytest.mark.parametrize("case", CASES["wakes"], ids=_ids(CASES["wakes"]))
def test_only_a_write_that_succeeded_wakes_the_exporter(
    case: dict[str, Any], writable: Published, tmp_path: Path
) -> None:
    app = create_app(
        writable.config(
            query_workers=1,
            update_token=TOKEN,
            dumps=str(tmp_path / "dumps"),
            dumps_refresh=600,
            mappings=str(ROOT / "examples" / "partners"),
        )
    )
    exporter = app.extensions["coworkmed.exporter"]
    woken: list[bool] = []
    followers = app.extensions[AFTER_WRITE]  # what follows a write: the exporter's look too
    followers[followers.index(exporter.wake)] = lambda: woken.append(True)  # counted only
    try:
        headers = {"Authorization": f"Bearer {TOKEN}"} if case.get("token") else {}
        if "type" in case:
            headers["Content-Type"] = case["type"]
        data: Any = case.get("form", case.get("body", "").encode())
        if "upload" in case:  # the partner's sample, with its mapping
            data = {
                "file": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name),
                "mapping": case["upload"],
            }
        answer = app.test_client().open(
            case["path"], method=case["method"], headers=headers, data=data
        )
        assert answer.status_code == case["status"], answer.get_data(as_text=True)
        assert bool(woken) == case["wakes"]
    finally:
        exporter.close()
        app.extensions["coworkmed.pool"].close()


def test_a_look_that_fails_leaves_the_exporter_looking(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of stop 46: an error of the exporter's own look (the dumps folder unreadable, no
    process to be had) ended its thread, and no dumps were written again until a restart."""
    from endpoint import exporter as exporter_module

    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    location = OxigraphLocation(store)
    looks: list[int] = []

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        looks.append(1)
        if len(looks) == 1:
            raise PermissionError("the dumps folder cannot be read")
        return served_dumps(*args, **kwargs)

    monkeypatch.setattr(exporter_module, "served_dumps", failing_once)
    exporter = exporter_module.DumpExporter(location, BASE, tmp_path / "dumps", 2, 0)
    try:
        deadline = time.monotonic() + 10
        while not looks and time.monotonic() < deadline:
            time.sleep(0.05)
        exporter.wake()
        _wait_for_dumps(tmp_path / "dumps", location.generation(), PATIENCE)
        deadline = time.monotonic() + PATIENCE  # the run is told once its worker has ended
        while not exporter.runs and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [run.outcome for run in exporter.runs] == ["written"]
    finally:
        exporter.close()
