"""A partner's mapping says the territory its source covers (``source.coverage``: NUTS codes),
which the per-100,000 figures count as covered, as the catalogue table's coverage is for the
project's own sources (stranger 79: a new partner's places, published through ``partner add``
and the API, were "no source yet" in every region, with no way to say its territory)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask

from coworkmed.cli import main
from endpoint.app import create_app
from publishing.partners import add_partner

ROOT = Path(__file__).parents[2]
TOSCANA = ROOT / "examples/partners/it-toscana"
#: the NUTS-3 regions of Tuscany the sample's places are in
PLACED = {"ITI12", "ITI14", "ITI15", "ITI16", "ITI17", "ITI18", "ITI19", "ITI1A"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store built from one source of data/ (Lisbon), and a partners file naming it-toscana."""
    folder = tmp_path_factory.mktemp("coverage")
    data = folder / "data"
    shutil.copytree(ROOT / "data" / "osm-lisbon", data / "osm-lisbon")
    rows = (ROOT / "data" / "catalogue.csv").read_text(encoding="utf-8").splitlines()
    kept = [rows[0], *(r for r in rows[1:] if r.startswith("osm-lisbon,"))]
    (data / "catalogue.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    made = CliRunner().invoke(main, ["build", "--data", str(data), "--store", str(folder / "s")])
    assert made.exit_code == 0, made.output
    add_partner(folder / "partners.toml", "it-toscana", "Toscana")
    yield folder


def _published(folder: Path, coverage: Any) -> None:
    """Publish the Tuscan sample as it-toscana with its mapping saying ``coverage`` (None:
    nothing)."""
    mapping = yaml.safe_load((TOSCANA / "mapping.yaml").read_text(encoding="utf-8"))
    if coverage is not None:
        mapping["source"]["coverage"] = coverage
    mapping["file"]["path"] = str(TOSCANA / mapping["file"]["path"])
    written = folder / "mapping.yaml"
    written.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    done = CliRunner().invoke(
        main,
        ["publish", str(TOSCANA / "spazi-coworking.xlsx"), "--partner", "it-toscana",
         "--mapping", str(written), "--store", str(folder / "s"),
         "--partners-file", str(folder / "partners.toml"), "-q"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output


def _rates(app: Flask) -> dict[str, Any]:
    """Figure 13 for it-toscana's places: each Italian NUTS-3 region's places, None when no
    source covers it."""
    answer = app.test_client().get("/api/observatory/figures?lang=en&source=it-toscana")
    figure = next(f for f in answer.get_json()["figures"] if f["id"] == "13-nuts3-per-100k")
    return {
        row[0].rsplit("/", 1)[-1]: row[1]
        for row in figure["rows"]
        if row[0].rsplit("/", 1)[-1].startswith("IT")
    }


# each in turn, over the one before: coverage given as a list, a text, a country, then none
@pytest.mark.parametrize(
    ("coverage", "covered"),
    [
        (["ITI1"], "ITI1"),
        ("ITI14 ITI17", ("ITI14", "ITI17")),
        ("IT", "IT"),
        (None, ()),
    ],
    ids=["region-list", "provinces-text", "country", "none"],
)
def test_the_regions_a_mapping_covers_are_counted(
    built: Path, coverage: Any, covered: str | tuple[str, ...]
) -> None:
    _published(built, coverage)
    app = create_app({"store": str(built / "s"), "query_workers": 1})
    try:
        rates = _rates(app)
    finally:
        app.extensions["coworkmed.pool"].close()
    assert rates
    for region, places in rates.items():
        if region.startswith(covered) if covered else False:
            assert places == (1 if region in PLACED else 0), (region, rates)
        else:
            assert places is None, (region, rates)  # "no source yet", never 0
