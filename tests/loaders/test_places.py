"""Each place in its territory: NUTS-3 region by point in polygon, else by postcode, a warning
naming both when they disagree, and the municipality's degree of urbanisation, driven by
place-cases.yaml; and CGET's real records (../shared/datasets)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, URIRef

from core.namespaces import CODE, CWM, LOCN, NUTS_CODE
from core.translations import quoted
from loaders.load import transform
from loaders.mapping import load_mapping
from tests.loaders.mapping_files import mapping_text, written_source
from validation.messages import problem_message

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "place-cases.yaml").read_text(encoding="utf-8"))
BASE = "https://example.org/id/"
LANGUAGES = ("en", "fr", "it", "es", "el", "hr")
CLOCK = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
COLUMNS = ("id", "country", "postcode", "city", "lat", "lon", "code", "nuts")
MAPPING = """\
source:
  id: places
  title: {en: "Places"}
  partner: {id: test, name: "Test partner"}
  licence: https://creativecommons.org/licenses/by/4.0/
file:
  path: spaces.csv
locale:
  language: en
columns:
  id: id
  country: country
  postcode: postcode
  city: city
  lat: latitude
  lon: longitude
  code: municipality_code
  nuts: nuts
constants:
  kinds: coworking
  name: A third place
"""


def _load(tmp_path: Path, case: dict[str, Any]) -> tuple[Graph, list[Any]]:
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(
        [COLUMNS, [str(case.get(column, "")) for column in COLUMNS]]
    )
    (tmp_path / "spaces.csv").write_text(text.getvalue(), encoding="utf-8")
    mapping = load_mapping(tmp_path / "mapping.yaml")
    data, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    return Graph().parse(data=data, format="nt"), report.problems


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_place(tmp_path: Path, case: dict[str, Any]) -> None:
    graph, problems = _load(tmp_path, case)
    regions = {str(o) for o in graph.objects(None, URIRef(CWM + "nutsRegion"))}
    assert regions == ({NUTS_CODE + case["region"]} if case.get("region") else set())
    degrees = {str(o) for o in graph.objects(None, URIRef(CWM + "degreeOfUrbanisation"))}
    expected = {f"{CODE}degree-of-urbanisation/{case['degree']}"} if "degree" in case else set()
    assert degrees == expected
    assert [p.code for p in problems] == case.get("problems", []), problems
    if case.get("warnings_only"):
        assert {p.severity for p in problems} == {"warning"}, problems
    if "postcode_published" in case:
        postcodes = {str(o) for o in graph.objects(None, URIRef(LOCN + "postCode"))}
        published = case["postcode_published"]
        assert postcodes == ({published} if published else set()), problems
    if "municipality" in case:
        linked = {str(o) for o in graph.objects(None, URIRef(CWM + "municipality"))}
        town = case["municipality"]
        assert linked == ({f"https://sws.geonames.org/{town}/"} if town else set()), problems
    if "withheld" in case:
        warning = problems[-1]
        assert warning.severity == "warning"
        params = dict(warning.params or ())
        for lang in LANGUAGES:
            text = problem_message(warning.code, lang, value=warning.value, **params)
            assert text is not None
            for name in case["withheld"]:
                assert name in text, (lang, text)
    for name in case.get("names", []):
        assert name in problems[0].reason
        assert name in dict(problems[0].params or ()).values()


COUNTRY_CASES = yaml.safe_load((HERE / "country-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", COUNTRY_CASES, ids=lambda c: c["id"])
def test_a_record_outside_the_network_is_told_once(
    tmp_path: Path, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One error, naming the country as written (or the coordinates) and the network's
    countries, in each language (issue #18)."""
    monkeypatch.setenv("COWORKMED_NETWORK_COUNTRIES", case["network"])
    _graph, problems = _load(tmp_path, case)
    errors = [p for p in problems if p.severity == "error"]
    assert [[p.code, p.column, p.value] for p in errors] == case["errors"], problems
    network = ", ".join(case["network"].split())
    for error in errors:
        params = dict(error.params or ())
        for lang in LANGUAGES:
            text = problem_message(error.code, lang, value=error.value, **params) or ""
            assert quoted(error.value, lang) in text and network in text, (lang, text)


CGET_MAPPING = HERE / "real" / "cget-territory.yaml"
#: CGET's own records (ID) and where they are: NUTS-3 region, its urban-rural type, the commune's
#: degree of urbanisation
CGET_PLACES = {
    "2": ("FR101", "predominantly-urban", "cities"),  # Anticafé, Paris 10e
    "1089": ("FRJ14", "predominantly-rural", "rural-areas"),  # MSAP de Langogne, Lozère
    "1": ("FRG01", "predominantly-urban", "cities"),  # ADE Coworking, Nantes
}


@pytest.mark.shared("datasets/real")
def test_cget_records_are_set_in_their_territory() -> None:
    from loaders import nuts

    mapping = load_mapping(CGET_MAPPING)
    data, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    graph = Graph().parse(data=data, format="nt")
    rows = graph.query(
        f"""SELECT ?id ?region ?degree WHERE {{
          ?space <http://www.w3.org/ns/prov#wasDerivedFrom> ?record .
          ?record <{CWM}sourceIdentifier> ?id .
          OPTIONAL {{ ?space <{CWM}nutsRegion> ?region }}
          OPTIONAL {{ ?space <{CWM}degreeOfUrbanisation> ?degree }}
        }}"""
    )
    found = {str(r[0]): (r[1], r[2]) for r in rows}  # type: ignore[index]
    types = {code: r.types for code, r in nuts.regions(("FR",)).items()}
    urban_rural = {"1": "predominantly-urban", "2": "intermediate", "3": "predominantly-rural"}
    for ident, (region, kind, degree) in CGET_PLACES.items():
        got_region, got_degree = found[ident]
        assert str(got_region) == NUTS_CODE + region, ident
        assert urban_rural[types[region]["urban_rural"]] == kind, ident
        assert str(got_degree) == f"{CODE}degree-of-urbanisation/{degree}", ident
    placed = sum(1 for region, _ in found.values() if region is not None)
    with_degree = sum(1 for _, degree in found.values() if degree is not None)
    assert len(found) > 1400
    assert placed / len(found) > 0.99, placed
    assert with_degree / len(found) > 0.99, with_degree
    disagreements = [p for p in report.problems if p.code == "postcode-not-at-coordinates"]
    assert all(", FR" in p.reason for p in disagreements)


@pytest.mark.parametrize(
    ("coverage", "told"),
    [(["ES61"], []), (["ES6"], []), (["FR101", "ES7"], ["ES617", "ES611"]), ("ES", [])],
    ids=["its-region", "above", "elsewhere", "country"],
)
def test_a_place_outside_the_coverage_is_told(
    tmp_path: Path, coverage: Any, told: list[str]
) -> None:
    """Stranger 82: a Spanish source covering FR101 and ES7 made Paris 0 per 100,000, and its
    places in Andalusia counted nowhere, and nothing was said: each such place is told."""
    mapping = yaml.safe_load(
        mapping_text({"id": "id", "name": "name", "lat": "latitude", "lon": "longitude"},
                     country="ES", source="es-prova")
    )  # fmt: skip
    mapping["source"]["coverage"] = coverage
    rows = [["id", "name", "lat", "lon"], ["A", "Málaga", "36.7202", "-4.4203"],
            ["B", "Almería", "36.8381", "-2.4597"]]  # fmt: skip
    path = written_source(tmp_path, yaml.safe_dump(mapping, allow_unicode=True), rows)
    loaded = load_mapping(path)
    _data, report = transform(loaded, loaded.file_path(), BASE, lambda: CLOCK)
    outside = [p for p in report.problems if p.code == "outside-coverage"]
    assert [p.value for p in outside] == told, report.problems
    for problem in outside:
        assert problem.severity == "warning"
        assert problem_message(problem.code, "es", **dict(problem.params or ()))
