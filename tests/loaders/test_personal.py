"""Personal data is held back by default (issue #18, item 2): the rules of loaders/personal.py
case by case (personal-cases.yaml), a mapping's ``personal`` and ``public`` column options, and
the real files of ../shared/datasets, whose store must hold no value the detector flags."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.namespaces import CWM, SCHEMA
from loaders import personal, tables
from loaders.load import transform
from loaders.mapping import load_mapping
from publishing.build import load_source
from tests.mappings import write_mapping
from tests.real import REAL_MAPPINGS
from triplestore.versions import open_store, union_ntriples
from validation.messages import problem_message

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
BASE = "https://example.org/id/"
CLOCK = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)
CASES = yaml.safe_load((HERE / "personal-cases.yaml").read_text(encoding="utf-8"))
#: the personal addresses issue 19 found published (CGET, SpotWork, PACA)
ISSUE_19_PERSONAL = (
    "emilie@agence-ugo.fr",
    "jennifer@mycowork.fr",
    "joaquimf@latelierdu26.com",
    "hugo.vial-jaime@hautes-alpes.fr",
    "sguerlava@caprovenceverte.fr",
)
#: role and place addresses of the same files, which stay published
ISSUE_19_ROLES = (
    "contact@artprestig.com",
    "technopole@castres-mazamet.com",
    "vitrolles@france-services.gouv.fr",
)
SHARED_MAPPINGS = [REAL_MAPPINGS[name] for name in sorted(REAL_MAPPINGS)]
CGET = ROOT.parent / "shared" / "datasets" / "real" / "fr_cget_tiers_lieux_2019.csv"


def _held(case: dict[str, Any]) -> str | None:
    """The code a cell is held back with through the loader: ``value`` under the header
    ``column`` mapped to ``field`` (None: published)."""
    with tempfile.TemporaryDirectory() as folder:
        columns = {"ID": "id", "Nom": "name", case["column"]: case["field"]}
        locale = {"language": "en", "country": case["region"]}
        write_mapping(Path(folder), columns, locale, file={"path": "spaces.csv"})
        with open(Path(folder) / "spaces.csv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([list(columns), ["1", "Lieu", case["value"]]])
        mapping = load_mapping(Path(folder) / "mapping.yaml")
        _triples, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    codes = [p.code for p in report.problems if p.column == case["column"]]
    assert len(codes) <= 1, codes
    return codes[0] if codes else None


RULES: dict[str, Callable[[dict[str, Any]], object]] = {
    "email": lambda c: personal.email_reason(
        c["value"],
        tuple(c.get("contacts", ())),
        roles_only=c.get("roles_only", False),
        country=c.get("region"),
    ),
    "phone": lambda c: personal.phone_reason(c["value"], c.get("region")),
    "url": lambda c: personal.url_reason(c["value"], tuple(c.get("contacts", ()))),
    "name": lambda c: personal.name_reason(c["value"]),
    "operator": lambda c: personal.name_reason(c["value"], contact=False),
    "column": lambda c: personal.is_contact_column(c["value"]),
    "text": lambda c: personal.text_reason(c["value"], c.get("region")),
    "field": lambda c: personal.may_name_a_person(tables.fields()[c["value"]]),
    "held": _held,
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['rule']}:{c['value']}")
def test_personal_data_rule(case: dict[str, Any]) -> None:
    assert RULES[case["rule"]](case) == case["expect"]


def test_every_rule_has_cases_both_ways() -> None:
    for rule in RULES:
        answers = {bool(c["expect"]) for c in CASES if c["rule"] == rule}
        assert answers == {True, False}, rule


MAPPING = """
source:
  id: test-personal
  title: Test
  partner: {{id: test, name: Test partner}}
  licence: https://creativecommons.org/licenses/by/4.0/
file: {{path: spaces.csv}}
locale: {{language: fr, country: FR}}
columns:
  ID: id
  Nom: name
  Description: description
  Responsable: {contact}
  Courriel: {email}
  Tel: {phone}
"""
ROWS = [
    ["ID", "Nom", "Description", "Responsable", "Courriel", "Tel"],
    [
        "1",
        "La Cordée",
        "Au cœur de la ville",
        "Jeanne Martin",
        "jeanne.martin@cordee.example.fr",
        "06 12 34 56 78",
    ],
    [
        "2",
        "Le Hub",
        "Appelez Paul au 07 81 23 45 67",
        "Mairie de Florac",
        "contact@hub.example.fr",
        "01 45 67 89 01",
    ],
    ["3", "Le Lab", "Un fablab", "Paul Durand", "pdurand@lab.example.fr", "+33 6 98 76 54 32"],
]


def _load(tmp_path: Path, contact: str, email: str = "email", phone: str = "phone") -> Any:
    (tmp_path / "mapping.yaml").write_text(
        MAPPING.format(contact=contact, email=email, phone=phone), encoding="utf-8"
    )
    with open(tmp_path / "spaces.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(ROWS)
    mapping = load_mapping(tmp_path / "mapping.yaml")
    return transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)


def test_personal_values_are_held_back_with_a_warning_naming_row_and_column(
    tmp_path: Path,
) -> None:
    ntriples, report = _load(tmp_path, "operator_name")
    text = ntriples.decode("utf-8")
    held = {(p.row, p.column, p.code) for p in report.problems}
    assert held == {
        (2, "Responsable", "personal-name"),
        (2, "Courriel", "personal-email"),
        (2, "Tel", "personal-phone"),
        (3, "Description", "personal-phone"),
        (4, "Responsable", "personal-name"),
        (4, "Courriel", "personal-email"),  # pdurand: holds the contact's name
        (4, "Tel", "personal-phone"),
    }
    assert all(p.severity == "warning" for p in report.problems)
    assert {p.value for p in report.problems} >= {"Jeanne Martin", "06 12 34 56 78"}
    for value in ("Jeanne", "jeanne.martin", "+33612345678", "Paul", "pdurand", "+33698765432"):
        assert value not in text
    # what is an organisation's is published
    for value in ("Mairie de Florac", "contact@hub.example.fr", "+33145678901", "Au cœur"):
        assert value in text


def test_a_personal_column_is_read_but_never_published(tmp_path: Path) -> None:
    ntriples, report = _load(tmp_path, "{personal: true}")
    assert "Jeanne" not in ntriples.decode("utf-8")
    assert "Mairie de Florac" not in ntriples.decode("utf-8")
    assert "Responsable" not in {p.column for p in report.problems}
    # the contact's name, read from the personal column, still names their address
    assert (4, "Courriel") in {(p.row, p.column) for p in report.problems}


def test_public_columns_are_published_as_they_are(tmp_path: Path) -> None:
    ntriples, report = _load(
        tmp_path,
        "{field: operator_name, public: true}",
        "{field: email, public: true}",
        "{field: phone, public: true}",
    )
    text = ntriples.decode("utf-8")
    for value in ("Jeanne Martin", "jeanne.martin@cordee.example.fr", "+33612345678"):
        assert value in text
    assert {p.column for p in report.problems} == {"Description"}  # not marked public


def _flagged(literal: str) -> str | None:
    return (
        personal.email_reason(literal)
        if "@" in literal
        else personal.phone_reason(literal)
        if literal.startswith("+")
        else None
    )


@pytest.mark.shared("datasets/real")
def test_the_store_holds_no_personal_data_from_the_real_files(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    for mapping in SHARED_MAPPINGS:
        load_source(mapping, store, BASE, now=lambda: CLOCK)
    dump = union_ntriples(store, BASE).decode("utf-8")
    emails = [line.split('"')[1] for line in dump.splitlines() if "schema.org/email>" in line]
    phones = [line.split('"')[1] for line in dump.splitlines() if "schema.org/telephone>" in line]
    assert emails and phones  # the check has something to look at
    assert [value for value in emails + phones if _flagged(value)] == []
    # web addresses: no e-mail nor name of a person in one (the real files' dozens of social
    # networks' pages are organisations', and stay published)
    urls = [line.split()[2].strip("<>") for line in dump.splitlines() if "schema.org/url>" in line]
    assert sum("facebook.com/" in url or "twitter.com/" in url for url in urls) >= 30
    assert [url for url in urls if personal.url_reason(url)] == []
    with open(CGET, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    personal_emails = {
        address.strip()
        for row in rows
        for address in row["MAIL"].split(" ou ")
        if address.strip() and personal.email_reason(address.strip(), (row["CONTACT"],))
    }
    # full names (a lone first name such as "Julian" may be part of a place's name)
    names = {
        name
        for row in rows
        if (name := " ".join(row["CONTACT"].split())) and " " in name and personal.name_reason(name)
    }
    # 28 since the place words: cyberbasesalviac@gmail.com, maisonemploi.langogne@ are places
    assert len(personal_emails) >= 25 and len(names) >= 40
    for value in personal_emails | names:
        assert value not in dump, value
    # every graph of the store (the dumps are made from it), not only the published union
    every_graph = "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    whole = "\n".join(str(solution["o"]) for solution in store.query(every_graph))
    for value in personal_emails:
        assert value not in whole, value
    # issue 19, MEDIUM 4: a first name alone, a first name and an initial, a hyphenated
    # surname, an initial and a surname in a staff column; role addresses stay published
    for value in ISSUE_19_PERSONAL:
        assert value not in whole, value
    for value in ISSUE_19_ROLES:
        assert f'"{value}"' in dump, value
    # regression: OSM's contact:street / contact:city are the place's address, not a person
    assert '"33 Rue Censier"' in dump  # and its contact:housenumber, as France writes it


#: the header of the column mapped to the operator's name, by rule of personal-cases.yaml, and
#: the code of a name held back there (a contact column's, or an operator's name's)
OPERATOR_HEADERS = {
    "name": ("Contact", "personal-name"),
    "operator": ("Structure", "personal-name-operator"),
}


@pytest.mark.parametrize("rule", sorted(OPERATOR_HEADERS))
def test_a_persons_name_in_an_operators_column_is_held_back(tmp_path: Path, rule: str) -> None:
    """Issue 18 (lane fixh): a contact column mapped to operator_name published a person's name
    written beside a role or an organisation ("Laurine FOUILLAC (service civique)"); the
    cases of personal-cases.yaml, through the loader, with a contact and a plain header."""
    cases = [c for c in CASES if c["rule"] == rule]
    header, code = OPERATOR_HEADERS[rule]
    columns = {"ID": "id", "Nom": "name", header: "operator_name"}
    french = {"language": "fr", "country": "FR"}
    write_mapping(tmp_path, columns, french, source_id="test-operator", file={"path": "spaces.csv"})
    with open(tmp_path / "spaces.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["ID", "Nom", header]]
            + [[str(n), f"Lieu {n}", c["value"]] for n, c in enumerate(cases)]
        )
    mapping = load_mapping(tmp_path / "mapping.yaml")
    ntriples, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    text = ntriples.decode("utf-8")
    held = {p.row for p in report.problems if p.code == code and p.column == header}
    for row, case in enumerate(cases, start=2):
        assert (row in held) == bool(case["expect"]), case["value"]
        assert (f'"{case["value"]}"' in text) == (not case["expect"]), case["value"]


CGET_NAIVE = HERE / "real" / "cget-naive.yaml"


@pytest.mark.shared("datasets/real")
def test_no_contact_name_of_the_real_file_reaches_the_store_through_a_naive_mapping(
    tmp_path: Path,
) -> None:
    """Issue 18 (lane fixh): CGET's CONTACT column mapped to the operator's name (not declared
    personal) published 2 of its 52 contact cells, one a person's name beside a role. Every
    cell that names a person is held back; no word of one is any operator's name in the store;
    what is published of the column names an organisation in every part."""
    store = open_store(tmp_path / "store")
    load_source(CGET_NAIVE, store, BASE, now=lambda: CLOCK)
    every_graph = "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    whole = "\n".join(str(solution["o"]) for solution in store.query(every_graph))
    operators = f"SELECT ?n WHERE {{ GRAPH ?g {{ ?o a <{CWM}Operator> ; <{SCHEMA}name> ?n }} }}"
    published = {solution["n"].value for solution in store.query(operators)}
    with open(CGET, encoding="utf-8") as handle:
        cells = [" ".join(r["CONTACT"].split()) for r in csv.DictReader(handle)]
    contacts = [cell for cell in cells if cell]
    assert len(contacts) == 52  # the file's contact cells: the test has them all
    people = [cell for cell in contacts if personal.name_reason(cell)]
    assert len(people) >= 51
    for cell in people:
        assert f'"{cell}"' not in whole, cell
        for part in personal.name_parts(cell):
            for token in part:
                assert not any(token.written in name.split() for name in published), cell
    assert published & set(contacts)  # the check has something to look at
    for name in published & set(contacts):  # an organisation's, every part of it
        assert all(personal.names_an_organisation(p) for p in personal.name_parts(name) if p)


VALUE_CASES = yaml.safe_load((HERE / "value-cases.yaml").read_text(encoding="utf-8"))
#: e-mail cells holding a name beside the address, or several addresses (value-cases.yaml)
EMAIL_CELLS = [
    c
    for c in VALUE_CASES
    if c["field"] == "email" and c.get("problem") in ("email-with-text", "several-emails")
]


@pytest.mark.parametrize("unreadable", ["hold-back", "leave-out"])
def test_an_email_cell_with_a_name_or_several_addresses_is_never_published(
    tmp_path: Path, unreadable: str
) -> None:
    """Issue 18 (lane fixh): "Marie DURAND <marie.durand@lieu2.fr>" or "contact@x.fr;
    jean.dupont@x.fr" were only "not an e-mail address"; they say what to do, in the partner's
    language, and nothing of the cell (a person's name and address) reaches the graph."""
    (tmp_path / "mapping.yaml").write_text(
        MAPPING.format(
            contact="{personal: true}",
            email=f"{{field: email, unreadable: {unreadable}}}",
            phone="phone",
        ),
        encoding="utf-8",
    )
    with open(tmp_path / "spaces.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [ROWS[0]]
            + [[str(n), f"Lieu {n}", "", "", c["raw"], ""] for n, c in enumerate(EMAIL_CELLS)]
        )
    mapping = load_mapping(tmp_path / "mapping.yaml")
    ntriples, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    text = ntriples.decode("utf-8")
    told = {p.row: (p.code, p.params) for p in report.problems if p.column == "Courriel"}
    for row, case in enumerate(EMAIL_CELLS, start=2):
        code = told[row][0] if unreadable == "hold-back" else dict(told[row][1] or ())["because"]
        assert code == case["problem"], case["raw"]
        for address in case["raw"].replace("<", " ").replace(">", " ").split():
            if "@" in address:
                assert address.strip(';,()"') not in text, case["raw"]
    assert "mailto:" not in text and "@" not in text.replace("@fr", "")
    for lang in ("en", "fr", "it", "es", "el", "hr"):
        for code in ("email-with-text", "several-emails"):
            message = problem_message(code, lang, value="x")
            assert message and "x" in message, (code, lang)


#: the web-address cases of personal-cases.yaml, through the loader
URL_CASES = [c for c in CASES if c["rule"] == "url"]


@pytest.mark.parametrize("public", [False, True])
def test_a_web_address_naming_a_person_is_held_back_naming_row_and_column(
    tmp_path: Path, public: bool
) -> None:
    """Issue 18 (lane fixl): a person's profile (facebook.com/marie.durand) was published
    through the website column. Every web address of personal-cases.yaml in a website column:
    a person's is held back with the warning of its case, naming row and column; an
    organisation's is published; a column the mapping marks ``public`` publishes them all."""
    website = {"field": "website", "public": True} if public else "website"
    columns = {"ID": "id", "Nom": "name", "Site": website}
    french = {"language": "fr", "country": "FR"}
    write_mapping(tmp_path, columns, french, source_id="test-url", file={"path": "spaces.csv"})
    with open(tmp_path / "spaces.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["ID", "Nom", "Site"]]
            + [[str(n), f"Lieu {n}", c["value"]] for n, c in enumerate(URL_CASES)]
        )
    mapping = load_mapping(tmp_path / "mapping.yaml")
    ntriples, report = transform(mapping, mapping.file_path(), BASE, lambda: CLOCK)
    text = ntriples.decode("utf-8")
    held = {p.row: p.code for p in report.problems if p.code.startswith("personal-")}
    assert {p.column for p in report.problems if p.code.startswith("personal-")} <= {"Site"}
    expected = {row: c["expect"] for row, c in enumerate(URL_CASES, start=2) if c["expect"]}
    assert held == ({} if public else expected)
    published = {line.split()[0] for line in text.splitlines() if "schema.org/url>" in line}
    for row, case in enumerate(URL_CASES, start=2):
        space = f"<{BASE}space/test-url/{row - 2}>"
        assert (space in published) == (public or not case["expect"]), case["value"]
    assert any("facebook.com/LaCordeeLyon" in line for line in text.splitlines())
    assert ("facebook.com/marie.durand" in text) == public
    assert ("giorgos.papadopoulos" in text) == public


def test_every_personal_data_warning_speaks_the_six_languages() -> None:
    for code in personal.rules().reasons:
        for lang in ("en", "fr", "it", "es", "el", "hr"):
            message = problem_message(code, lang)
            assert message and (lang == "en" or message != problem_message(code, "en")), code
