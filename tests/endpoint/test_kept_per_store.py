"""What the service keeps per store generation is kept per store too: two stores in one process
may be at the same generation (kept-per-store.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint.caching import FirstSeen
from endpoint.published import Kept
from triplestore.backends import StoreLocation
from triplestore.backends.oxigraph import OxigraphLocation
from triplestore.backends.sparql import SparqlLocation

CASES = yaml.safe_load((Path(__file__).parent / "kept-per-store.yaml").read_text("utf-8"))


def _location(store: dict[str, Any], folder: Path) -> StoreLocation[Any]:
    if "oxigraph" in store:
        return OxigraphLocation(folder / store["oxigraph"])
    url = store["virtuoso"]
    options = {k: store[k] for k in ("namespace", "timeout") if k in store}
    return SparqlLocation(url, url, url.replace("/sparql", "/crud"), **options)


def _app(location: StoreLocation[Any], base: str) -> Flask:
    app = Flask(__name__)
    app.extensions["coworkmed.store"] = location
    app.config["COWORKMED"] = {"base": base}
    return app


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_answers_kept_at_one_generation_are_the_stores_own(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, second = (_location(case[k], tmp_path) for k in ("first", "second"))
    kept, seen = Kept(), FirstSeen()
    bases = [case[k].get("base", "https://w3id.org/coworkmed/id/") for k in ("first", "second")]
    with _app(first, bases[0]).app_context():
        assert kept.get(("choices", 2), lambda: "first's") == "first's"
    with _app(second, bases[1]).app_context():
        got = kept.get(("choices", 2), lambda: "second's")
    assert got == ("first's" if case["same"] else "second's")
    # Last-Modified, the clock held still: a store's generation 2 seen in the second of its own
    # generation 1 shares its date weakly (it may stand for either), another place's does not
    monkeypatch.setattr("endpoint.caching.time.time", lambda: 1_800_000_000.5)
    earlier = seen.time(first.place(), f"{first.identity()} 1")
    later = seen.time(second.place(), f"{second.identity()} 2")
    assert earlier.seconds == later.seconds == 1_800_000_000 and earlier.exact
    assert later.exact is not case.get("same_store", case["same"])
