"""A client's own query, update or write stopped at a time limit is 422, saying so, whichever
door it came through (``endpoint.execution.TIME_LIMIT``; stranger 92: it was 504), driven by
``time-limit-cases.yaml``. The queries and updates run for real against a 1-second limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from core.workers import WorkerTimedOut
from tests.backends import app_on_a_copy
from triplestore.backends.sparql import RemoteStoreError

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "time-limit-cases.yaml").read_text(encoding="utf-8"))
TOKEN = "token-of-the-time-limit-test"
#: a cross product of the samples with themselves, three times: minutes of work
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: an update whose pattern is 200^4 rows: an update's pattern reads the store's own default
#: graph, empty here, and may not name graphs by a variable, so its rows come from VALUES
_VALUES = " ".join(str(number) for number in range(200))
HEAVY_UPDATE = (
    "INSERT { <urn:a> <urn:b> ?n } WHERE { { SELECT (COUNT(*) AS ?n) { "
    + " ".join(f"VALUES ?{name} {{ {_VALUES} }}" for name in "wxyz")
    + " } } }"
)
#: what stands for a case's ``stopped``, raised where the write's worker is asked for
RAISED = {
    "worker": lambda: WorkerTimedOut("the worker was stopped after 1 s"),
    "store": lambda: RemoteStoreError(
        504, "the triple store stopped the update at its own time limit: S1T00"
    ),
}
#: where a write's worker is asked for, by the path of the request
WRITERS = {
    "/sparql": "endpoint.sparql.write_in_worker",
    "/store": "endpoint.graphstore.write_in_worker",
}


@pytest.fixture(scope="module")
def app(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The samples in a copy of the embedded store (an update that is stopped changes nothing,
    and the copy keeps the session's store safe if one did), a 1-second time limit."""
    folder = tmp_path_factory.mktemp("time-limit")
    with app_on_a_copy(
        store_path, folder, query_workers=1, query_timeout=1, update_token=TOKEN
    ) as app:
        yield app


def _filled(value: Any) -> Any:
    """``value`` of a case's request, HEAVY and HEAVY_UPDATE put in."""
    if isinstance(value, dict):
        return {key: _filled(item) for key, item in value.items()}
    return {"HEAVY": HEAVY, "HEAVY_UPDATE": HEAVY_UPDATE}.get(value, value)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_clients_request_stopped_at_a_time_limit_is_422(
    app: Flask, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    method, path, arguments = case["ask"]
    if case["stopped"] in RAISED:

        def stopped(*_args: Any, **_keywords: Any) -> Any:
            raise RAISED[case["stopped"]]()

        monkeypatch.setattr(WRITERS[path.split("?")[0]], stopped)
    headers = {"Authorization": f"Bearer {TOKEN}", "Cache-Control": "no-cache"}
    if "accept" in case:
        headers["Accept"] = case["accept"]
    response = app.test_client().open(
        path, method=method.upper(), headers=headers, **_filled(arguments)
    )
    said = response.get_data(as_text=True)
    assert response.status_code == 422, said
    for text in case["says"]:
        assert text in said, said
    # the service goes on answering, and nothing was written
    asked = app.test_client().get("/sparql", query_string={"query": "ASK { <urn:a> ?p ?o }"})
    assert asked.status_code == 200 and b"false" in asked.data, asked.data
