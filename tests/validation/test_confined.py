"""Validation in a confined worker (validation.confined): the report comes back as in-process,
named as the partner sent it; a worker that dies or runs out of time gives an unreadable report
in the partner's language; /health says when no worker can start; a submission without (or
with an empty) identifier column is read; no report shows a path of the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.workers import WorkerCrashed
from loaders.caps import TableCaps
from tests.hostile_files import MAKERS
from validation import confined
from validation.columns import template_mapping
from validation.confined import Confinement, Job, validate_confined, validation_ready
from validation.report import render
from validation.submission import validate_submission

CONFINEMENT = Confinement(1024, 60, TableCaps(10_000, 500_000, 100), 64 * 1024 * 1024)
ROOT = Path(__file__).parents[2]


def _job(path: Path, lang: str = "en") -> Job:
    return Job(
        path, lang, "https://w3id.org/coworkmed/", 1 << 20, template_mapping(lang), [], "mine.csv"
    )


@pytest.mark.slow  # measured ~46 s
def test_a_confined_report_is_the_in_process_one(tmp_path: Path) -> None:
    path = tmp_path / "submission.csv"
    path.write_bytes(MAKERS["empty_identifier_csv"]())
    confined_report = validate_confined(_job(path), CONFINEMENT)
    local = validate_submission(path, mapping=template_mapping("en"), published=[])
    assert confined_report.status == local.status == "rejected"
    assert confined_report.records == local.records == 2
    assert [f.code for f in confined_report.findings] == [f.code for f in local.findings]
    assert "missing-key" in {f.code for f in confined_report.findings}


@pytest.mark.parametrize("maker", ["big_field_csv", "big_integer_json"])
def test_no_machine_path_in_any_report_format(maker: str, tmp_path: Path) -> None:
    suffix = "json" if "json" in maker else "csv"
    path = tmp_path / f"submission.{suffix}"
    path.write_bytes(MAKERS[maker]())
    report = validate_confined(_job(path), CONFINEMENT)
    assert report.status == "unreadable"
    assert report.file == str(path)  # for publishing; the server names it as sent (below)
    report.file = "mine.csv"
    for fmt in ("html", "json", "csv", "ttl"):
        text = render(report, fmt).decode("utf-8")
        # the CSV report names no file (the English detail that did is the JSON's alone)
        assert "mine.csv" in text or fmt in ("ttl", "csv")
        for place in (str(tmp_path), "submission.", str(ROOT), "mapping.yaml"):
            assert place not in text, f"{place} in the {fmt} report"


def test_a_worker_past_its_time_gives_a_report_in_the_partners_language(tmp_path: Path) -> None:
    path = tmp_path / "submission.csv"
    path.write_bytes(MAKERS["no_identifier_csv"]())
    hurried = Confinement(1024, 0.01, CONFINEMENT.caps, CONFINEMENT.max_unpacked)
    report = validate_confined(_job(path, "fr"), hurried)
    assert report.status == "unreadable"
    finding = json.loads(render(report, "json"))["findings"][0]
    assert finding["code"] == "worker-limits"
    assert "dans les limites de ce service" in finding["message"]
    assert "still working" in finding["detail"]


def test_a_worker_past_its_memory_gives_a_report(tmp_path: Path) -> None:
    path = tmp_path / "submission.csv"
    path.write_bytes(MAKERS["no_identifier_csv"]())
    starved = Confinement(64, 60, CONFINEMENT.caps, CONFINEMENT.max_unpacked)
    report = validate_confined(_job(path), starved)
    assert [f.code for f in report.findings] == ["worker-limits"]


def test_health_says_when_no_worker_can_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise WorkerCrashed("it exited with status 1", None)

    monkeypatch.setattr(confined, "_last_ready", [])
    monkeypatch.setattr(confined, "run_confined", broken)
    ready, why = validation_ready()
    assert not ready and "WorkerCrashed" in why


def test_health_says_when_workers_start() -> None:
    confined._last_ready.clear()
    assert validation_ready() == (True, "ok")


def test_the_health_route_reports_validation_that_cannot_serve(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from endpoint import app as app_module
    from tests.backends import oxigraph_published

    app = app_module.create_app(oxigraph_published(store_path).config())
    try:
        client = app.test_client()
        assert client.get("/health").status_code == 200
        monkeypatch.setattr(app_module, "validation_ready", lambda: (False, "WorkerCrashed: x"))
        answer = client.get("/health")
        assert answer.status_code == 503
        assert answer.get_json()["status"] == "validation unavailable"
    finally:
        app.extensions["coworkmed.pool"].close()
