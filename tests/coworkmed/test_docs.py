"""The generated documentation: complete, escaped, and self-contained."""

from __future__ import annotations

import pickle
import re
from html import escape
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from core import vocabulary
from core.namespaces import CWM
from coworkmed import docs
from coworkmed.docs import drop_if_unreadable

REMOTE_ASSET = re.compile(
    r"<(script|img|iframe)[^>]+src=[\"']https?:|<link[^>]+href=[\"']https?:|url\([\"']?https?:|@import",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("site")
    docs.build_docs(output)
    return output


@pytest.mark.slow  # ~10 s a language (pyLODE)
@pytest.mark.parametrize("language", vocabulary.LANGUAGES)
def test_ontology_page_lists_every_term_in_its_language(site: Path, language: str) -> None:
    html = (site / docs.ontology_page_name(language)).read_text(encoding="utf-8")
    graph = Graph().parse(vocabulary.ONTOLOGY_FILE)
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in graph.subjects(RDF.type, kind):
            if str(term).startswith(CWM):
                label = next(o for o in graph.objects(term, RDFS.label) if o.language == language)
                assert escape(str(label), quote=False) in html, term
    other = "Space" if language != "en" else "Espace"
    assert f">{other}<" not in html, "labels of other languages leak into the page"


def test_projection_falls_back_to_english() -> None:
    projection = docs.ontology_in_language("de")
    labels = {o.language for o in projection.objects(URIRef(CWM + "Space"), RDFS.label)}
    assert labels == {"en"}


@pytest.mark.parametrize("path", vocabulary.codelist_files(), ids=lambda p: p.stem)
def test_code_list_page_shows_every_concept_in_every_language(site: Path, path: Path) -> None:
    html = (site / "codelists" / f"{path.stem}.html").read_text(encoding="utf-8")
    graph = Graph().parse(path)
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        for label in graph.objects(concept, SKOS.prefLabel):
            assert escape(str(label)) in html, (concept, label.language)


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    for page in site.rglob("*.html"):
        assert not REMOTE_ASSET.search(page.read_text(encoding="utf-8")), page


def test_code_list_page_escapes_its_text(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://example.org/s> a skos:ConceptScheme ;\n"
        '    skos:prefLabel "<script>alert(1)</script>"@en .\n'
        "<https://example.org/c> skos:inScheme <https://example.org/s> ;\n"
        '    skos:prefLabel "\\"><img src=x onerror=alert(1)>"@en .\n',
        encoding="utf-8",
    )
    _scheme, html = docs.codelist_html(hostile)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("content", "dropped"),
    [
        (pickle.dumps({"a": 1}), False),
        (pickle.dumps(list(range(1000)))[:-40], True),  # cut short: two writers at once
        (b"\x80\x04\x95garbage", True),
        (b"", True),
    ],
    ids=["sound", "cut-short", "garbage", "empty"],
)
def test_an_unreadable_pylode_cache_is_dropped(
    tmp_path: Path, content: bytes, dropped: bool
) -> None:
    """Regression: two test workers wrote pyLODE's refs.pickle at once, and every later run
    (tests, `make run`) failed on the corrupt file."""
    cache = tmp_path / "refs.pickle"
    cache.write_bytes(content)
    assert drop_if_unreadable(cache) is dropped
    assert cache.exists() is not dropped


#: what the way back to the site says in each language: the vocabulary's menu label
VOCABULARY_LABEL = {
    "en": "Vocabulary",
    "fr": "Vocabulaire",
    "it": "Vocabolario",
    "es": "Vocabulario",
    "el": "Λεξιλόγιο",
    "hr": "Rječnik",
}


@pytest.mark.parametrize("language", vocabulary.LANGUAGES)
def test_an_ontology_page_leads_back_to_the_site_and_its_other_languages(language: str) -> None:
    """Regression (issue #21): pyLODE's pages had no way back to the site nor to the other
    languages."""
    page = docs.with_site_links('<html lang="x"><body class="b"><h1>O</h1></body></html>', language)
    nav = re.search(r'<body class="b">\n<nav class="cwm-site" aria-label="[^"]+">(.*?)</nav>', page)
    assert nav, page
    assert f'<a href="../?lang={language}">CoworkMed</a>' in nav[1]
    assert f'<a href="./?lang={language}">{VOCABULARY_LABEL[language]}</a>' in nav[1]
    others = re.findall(r'href="(ontology[^"]*\.html)" hreflang="(\w+)"', nav[1])
    assert {code for _page, code in others} == set(vocabulary.LANGUAGES) - {language}
    assert all(page_ == docs.ontology_page_name(code) for page_, code in others)


@pytest.mark.slow  # pyLODE's pages, built once for the module
@pytest.mark.parametrize("language", [code for code in vocabulary.LANGUAGES if code != "en"])
def test_an_ontology_page_speaks_its_language_and_fits_a_phone(site: Path, language: str) -> None:
    """Regression (stranger 43): the Greek ontology page said "Metadata", "Classes", "Domain",
    "Sub Class Of"... in English, was laid out 980 px wide on a phone and had no main landmark.
    No text node of the page is one of pyLODE's English words (but where the language writes it
    alike: "Description", "Classes" in French); a viewport; one main landmark."""
    html = (site / docs.ontology_page_name(language)).read_text(encoding="utf-8")
    texts = set(re.findall(r">([^<>]+)<", html))
    english = {word for word, said in docs.page_words().items() if said[language] != said["en"]}
    assert texts & english == set()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count('role="main"') == 1
