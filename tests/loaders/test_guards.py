"""The RDF/XML guard decides on what an XML parser (expat) sees, in any encoding XML allows,
and the loader's graphs are named once (``triplestore.protected.protected_graph``)."""

from __future__ import annotations

import pytest

from loaders.guards import UnsafeFile, check_xml
from triplestore.protected import protected_graph

ROOT = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">'
    '<rdf:Description rdf:about="http://e/x"><ex:p>{value}</ex:p></rdf:Description></rdf:RDF>'
)
#: documents refused, and a word of the reason
REFUSED = {
    "entity": ('<!DOCTYPE r [<!ENTITY a "x">]>', "&a;", "declares entities"),
    "entity-without-a-space": ('<!DOCTYPE r [<!ENTITYa "x">]>', "&a;", "not well-formed"),
    "entity-tab-separated": ('<!DOCTYPE r [<!ENTITY\ta\t"x">]>', "&a;", "declares entities"),
    "entity-newline-separated": ('<!DOCTYPE r [<!ENTITY\na\n"x">]>', "&a;", "declares entities"),
    "parameter-entity": ('<!DOCTYPE r [<!ENTITY % p "x"> %p;]>', "v", "declares entities"),
    "parameter-entity-no-space": ('<!DOCTYPE r [<!ENTITY %p "x">]>', "v", "not well-formed"),
    "external-entity": (
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        "&e;",
        "entities",
    ),
    "public-entity": (
        '<!DOCTYPE r [<!ENTITY e PUBLIC "-//x//EN" "http://127.0.0.1:9/e">]>',
        "v",
        "entities",
    ),
    "unparsed-entity": (
        '<!DOCTYPE r [<!NOTATION n SYSTEM "x"><!ENTITY e SYSTEM "y" NDATA n>]>',
        "v",
        "notations",
    ),
    "external-dtd": ('<!DOCTYPE r SYSTEM "http://127.0.0.1:9/dtd">', "v", "outside resource"),
    "public-dtd": (
        '<!DOCTYPE r PUBLIC "-//x//EN" "http://127.0.0.1:9/dtd">',
        "v",
        "outside resource",
    ),
    "billion-laughs": (
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        "&b;",
        "declares entities",
    ),
}
#: documents read as they are
ACCEPTED = {
    "plain": ("", "v"),
    "empty-dtd": ('<!DOCTYPE r [<!-- <!ENTITY a "x"> -->]>', "v"),
    "entity-text-in-cdata": ("", '<![CDATA[<!DOCTYPE r [<!ENTITY a "x">]>]]>'),
    "entity-text-escaped": ("", "&lt;!ENTITY a 'x'&gt;"),
    "predefined-entities": ("", "&amp;&lt;&gt;&quot;&apos;&#233;"),
    "attribute-list": ('<!DOCTYPE r [<!ATTLIST r a CDATA "x">]>', "v"),
    # after the root element no declaration can come: the RDF/XML parser refuses this one
    "undeclared-entity": ("", "&nothing;"),
}
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "iso-8859-1"]


def _document(prolog: str, value: str, encoding: str) -> bytes:
    name = {"utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}.get(encoding, encoding.upper())
    text = f'<?xml version="1.0" encoding="{name}"?>{prolog}{ROOT.format(value=value)}'
    data = text.encode(encoding)
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    return bom + data


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_dtd_with_declarations_is_refused(case: str, encoding: str) -> None:
    prolog, value, reason = REFUSED[case]
    with pytest.raises(UnsafeFile, match=reason):
        check_xml(_document(prolog, value, encoding))


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("case", ACCEPTED, ids=list(ACCEPTED))
def test_plain_xml_is_accepted(case: str, encoding: str) -> None:
    check_xml(_document(*ACCEPTED[case], encoding))


def test_a_huge_document_is_judged_on_its_prolog_only() -> None:
    """The check stops at the root element: a long body costs it nothing."""
    check_xml(_document("", "v" * 50_000_000, "utf-8"))


@pytest.mark.parametrize(
    ("graph", "what"),
    [
        ("https://w3id.org/coworkmed/def/", "ontology"),
        ("https://w3id.org/coworkmed/def/cube", "ontology"),
        ("https://w3id.org/coworkmed/code/space-kind", "code list"),
        ("https://w3id.org/coworkmed/id/catalog", "catalogue"),
        ("https://w3id.org/coworkmed/id/cube", "cube"),
        ("https://w3id.org/coworkmed/id/submissions", "submissions"),
        ("https://w3id.org/coworkmed/id/dataset/fr-aura/1", "dataset version"),
        ("https://w3id.org/coworkmed/id/dataset/", "dataset version"),
    ],
)
def test_the_loaders_graphs_are_protected(graph: str, what: str) -> None:
    assert what in (protected_graph(graph, "https://w3id.org/coworkmed/id/") or "")


@pytest.mark.parametrize(
    "graph",
    [
        None,
        "http://example.org/g",
        "https://w3id.org/coworkmed/id/graph/1",
        "https://w3id.org/coworkmed/id/catalogue",
        "https://w3id.org/coworkmed/def",  # not the ontology's namespace: another IRI
    ],
)
def test_other_graphs_are_not(graph: str | None) -> None:
    assert protected_graph(graph, "https://w3id.org/coworkmed/id/") is None
