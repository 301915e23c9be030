"""HTML documentation of the vocabulary, generated from the Turtle files.

The ontology page is pyLODE's (OntPub profile). pyLODE's SKOS profile (VocPub) does not list
concepts, so each code list gets a page of its own here: every concept with its code, labels
and definitions in the six languages, its place in the hierarchy and its alignments. Nothing is
loaded from elsewhere (no script, no remote font or asset), and no style is inline: the server's
Content-Security-Policy allows only style sheets it serves, so the style sheets are written as
files beside the pages (``vocabulary.css``, and ``pylode.css`` taken out of pyLODE's page).
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from html import escape
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from rdflib.term import Node

from core import vocabulary
from core.locks import held
from core.namespaces import CWM
from core.translations import in_language, load_catalogue
from endpoint.site import table as site_table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       color: #1b1b1b; line-height: 1.45; }
code { font-size: .9em; background: #f3f3f3; padding: 0 .25em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #d6d6d6; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; width: 4rem; }
section { border-top: 2px solid #0b5d7a; margin-top: 1.5rem; }
.meta { color: #555; overflow-wrap: anywhere; }
td, a { overflow-wrap: anywhere; }
@media (max-width: 40rem) { body { margin: 1rem auto; } table { table-layout: fixed; }
  th { width: 2.5rem; } }
"""


#: the style sheets written beside the pages: ours, and the one taken out of pyLODE's page
STYLE_FILE = "vocabulary.css"
PYLODE_STYLE_FILE = "pylode.css"
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def _page(title: str, body: str, root: str = "") -> str:
    """A page of ours; ``root``: the way from the page's folder to the documentation's root."""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{root}{STYLE_FILE}">\n</head>\n'
        f"<body>\n{body}\n</body>\n</html>\n"
    )


#: added to pyLODE's style sheet: colours with the contrast WCAG 2.1 AA asks for, targets of the
#: size 2.2 asks for (its orange,
#: light blue and grey are too pale on white), and a layout that fits a phone (its table of
#: contents is a fixed column)
PYLODE_OVERRIDES = """
/* CoworkMed: contrast (WCAG 2.1 AA) and small screens */
.cwm-site { padding: .5em 0 1em; font-size: 1.05em; }
.cwm-site a { color: #0b5d7a; }
.sup-c, .sup-col { color: #a34c00; }
.sup-fp { color: #1a5e8a; }
#pylode, #pylode p { color: #595959; }
/* a link standing alone in a list item is a target of its own: at least 24 px high (WCAG 2.2,
   2.5.8; the classes' 17 px lists of super- and subclasses were too close) */
:is(li, dd) > a {
  display: inline-block; min-height: 1.5rem; line-height: 1.5rem;
  max-width: 100%; overflow-wrap: anywhere;
}
@media (max-width: 48rem) {
  body { padding: 1em; }
  #toc { position: static; width: auto; height: auto; }
  #content { width: auto; }
  #pylode { display: none; }
}
"""


#: pyLODE's English words (headings, field names) in the six languages
ONTOLOGY_PAGE = Path(__file__).with_name("ontology-page.yaml")
#: what a phone needs to lay the page out at its width
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


@cache
def page_words() -> dict[str, dict[str, str]]:
    """``ONTOLOGY_PAGE``'s words, read once: pyLODE's English text -> its text per language."""
    words: dict[str, dict[str, str]] = load_catalogue(ONTOLOGY_PAGE)["words"]
    return words


def in_page_language(html: str, language: str) -> str:
    """``html`` (pyLODE's page of the ontology) with pyLODE's own English words (a text node
    that is exactly one of ``page_words``) in ``language``, a viewport for phones and its content
    as the page's main landmark (stranger 43: the Greek page was half English, 980 px wide on a
    phone, without a main landmark)."""
    words = {english: in_language(texts, language) for english, texts in page_words().items()}
    names = "|".join(re.escape(english) for english in sorted(words, key=len, reverse=True))
    html = re.sub(f">({names})<", lambda m: f">{escape(words[m[1]], quote=False)}<", html)
    if 'name="viewport"' not in html:
        html = re.sub(r"(<head[^>]*>)", lambda m: m[1] + "\n" + VIEWPORT, html, count=1, flags=re.I)
    return html.replace('<div id="content">', '<div id="content" role="main">', 1)


def with_language(html: str, language: str) -> str:
    """``html`` with its ``<html>`` element saying which language the page is in."""
    return re.sub(r"<html(?![^>]*\blang=)", f'<html lang="{language}"', html, count=1)


def with_site_links(html: str, language: str) -> str:
    """``html`` (an ontology page in ``language``) with, at the top of its body, the way back to
    the site (home, the vocabulary) and to the same page in the other languages, in
    ``language`` (``endpoint/site.yaml``)."""
    site = site_table()
    menu = {entry["id"]: in_language(entry["label"], language) for entry in site["menu"]}
    others = " · ".join(
        f'<a href="{ontology_page_name(code)}" hreflang="{code}" lang="{code}">'
        f"{escape(site['language_names'][code])}</a>"
        for code in vocabulary.LANGUAGES
        if code != language
    )
    name = escape(in_language(site["words"]["menu"], language))
    nav = (
        f'<nav class="cwm-site" aria-label="{name}">'
        f'<a href="../?lang={language}">{escape(site["words"]["site"][language])}</a> · '
        f'<a href="./?lang={language}">{escape(menu["vocabulary"])}</a> · '
        f"{others}</nav>"
    )
    return re.sub(r"(<body[^>]*>)", lambda m: m[1] + "\n" + nav, html, count=1, flags=re.I)


def without_inline_style(html: str, sheet: str) -> tuple[str, str]:
    """``html`` with its ``<style>`` elements replaced by one link to ``sheet``, and their text
    (the content of that sheet)."""
    styles = INLINE_STYLE.findall(html)
    link = f'<link rel="stylesheet" href="{sheet}">'
    replaced = INLINE_STYLE.sub("", html)
    replaced = re.sub(r"</head>", link + "\n</head>", replaced, count=1, flags=re.IGNORECASE)
    return replaced, "\n".join(style.strip() for style in styles) + "\n"


def _in_language(graph: Graph, subject: Node, predicate: Node, language: str) -> list[str]:
    return sorted(
        str(o)
        for o in graph.objects(subject, predicate)
        if getattr(o, "language", None) == language
    )


def label(graph: Graph, subject: Node, language: str = "en") -> str:
    """The preferred label of ``subject`` in ``language``, falling back to English, then the IRI."""
    for lang in (language, "en"):
        found = _in_language(graph, subject, SKOS.prefLabel, lang)
        if found:
            return found[0]
    return str(subject)


def _anchor(concept: Node) -> str:
    return escape(str(concept).rsplit("/", 1)[-1])


def _link(iri: Node) -> str:
    return f'<a href="{escape(str(iri))}">{escape(str(iri))}</a>'


def _concept_html(graph: Graph, concept: Node) -> str:
    rows = []
    for language in vocabulary.LANGUAGES:
        labels = _in_language(graph, concept, SKOS.prefLabel, language)
        alternatives = _in_language(graph, concept, SKOS.altLabel, language)
        definitions = _in_language(graph, concept, SKOS.definition, language)
        alt = (
            f'<br><span class="meta">also: {escape(", ".join(alternatives))}</span>'
            if alternatives
            else ""
        )
        rows.append(
            f'<tr lang="{language}"><th>{language}</th><td>{escape(", ".join(labels))}{alt}</td>'
            f"<td>{escape(' '.join(definitions))}</td></tr>"
        )
    facts = [f"IRI {_link(concept)}"]
    facts += [
        f"code <code>{escape(str(code))}</code>" for code in graph.objects(concept, SKOS.notation)
    ]
    facts += [
        f'narrower than <a href="#{_anchor(b)}">{escape(label(graph, b))}</a>'
        for b in sorted(graph.objects(concept, SKOS.broader), key=str)
    ]
    facts += [
        f"source code <code>{escape(str(h))}</code>"
        for h in sorted(graph.objects(concept, SKOS.hiddenLabel), key=str)
    ]
    for predicate, name in ((SKOS.exactMatch, "exact match"), (SKOS.closeMatch, "close match")):
        facts += [f"{name} {_link(m)}" for m in sorted(graph.objects(concept, predicate), key=str)]
    return (
        f'<section id="{_anchor(concept)}"><h2>{escape(label(graph, concept))}</h2>'
        f'<p class="meta">{" · ".join(facts)}</p>'
        f"<table><tr><th>lang</th><th>label</th><th>definition</th></tr>{''.join(rows)}</table></section>"
    )


def codelist_html(path: Path) -> tuple[Node, str]:
    """The IRI of the concept scheme in ``path`` and its HTML page."""
    graph = Graph().parse(path, format="turtle")
    scheme = next(graph.subjects(RDF.type, SKOS.ConceptScheme))
    concepts = sorted(graph.subjects(SKOS.inScheme, scheme), key=lambda c: label(graph, c).lower())
    titles = " · ".join(
        f'<span lang="{lang}">{escape(label(graph, scheme, lang))}</span>'
        for lang in vocabulary.LANGUAGES
    )
    definition = " ".join(_in_language(graph, scheme, SKOS.definition, "en"))
    licence = graph.value(scheme, DCTERMS.license)
    body = (
        '<p><a href="../index.html">CoworkMed vocabulary</a></p>'
        f"<h1>{escape(label(graph, scheme))}</h1>"
        f'<p class="meta">{titles}</p><p>{escape(definition)}</p>'
        f'<p class="meta">IRI {_link(scheme)} · {len(concepts)} concepts · Turtle: '
        f'<a href="{escape(path.name)}">{escape(path.name)}</a>'
        + (f" · licence {_link(licence)}" if licence else "")
        + "</p>"
        + "".join(_concept_html(graph, concept) for concept in concepts)
    )
    return scheme, _page(label(graph, scheme), body, root="../")


#: pyLODE caches its background ontologies in pickles inside its own package folder, written in
#: place and without a lock: two processes writing at once (two test workers, two builds) leave a
#: corrupt file that breaks every later run. One process at a time uses pyLODE (this lock), and
#: a cache that cannot be read is removed first, so that pyLODE rebuilds it.
#: The lock is named for the user (another user's file of the same name in a shared temporary
#: folder could not be opened).
PYLODE_LOCK = Path(tempfile.gettempdir()) / f"coworkmed-pylode-{os.getuid()}.lock"
PYLODE_CACHES = ("refs.pickle", "refs_titles.pickle")


def drop_if_unreadable(cache: Path) -> bool:
    """Remove ``cache`` when it is a pickle that cannot be read back; say whether it was."""
    if not cache.is_file():
        return False
    try:
        with open(cache, "rb") as handle:
            pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, IndexError, KeyError):
        cache.unlink(missing_ok=True)
        return True
    return False


@contextmanager
def _pylode() -> Iterator[type]:
    """pyLODE's ``OntPub``, for this process alone while the block runs, with sound caches."""
    with held(PYLODE_LOCK):
        ontpub = _import_ontpub()
        from pylode import utils

        for name in PYLODE_CACHES:
            drop_if_unreadable(utils.RDF_FOLDER / name)
        yield ontpub


def _import_ontpub() -> type:
    """Import pyLODE's OntPub without letting its import-time logging.basicConfig(DEBUG) stick."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    return OntPub


def ontology_in_language(language: str) -> Graph:
    """The ontology as seen by a reader of ``language``, for tools that are not language-aware.

    Each statement keeps its text in ``language``, or in English where that language has none;
    the bare declarations of reused terms (which carry no text of ours) are left out.
    """
    source = Graph().parse(vocabulary.ONTOLOGY_FILE, format="turtle")
    projection = Graph()
    for prefix, namespace in source.namespaces():
        projection.bind(prefix, namespace)
    for s, p, o in source:
        if isinstance(s, URIRef) and not str(s).startswith(CWM):
            continue
        tag = getattr(o, "language", None)
        if tag is None or tag == language:
            projection.add((s, p, o))
        elif tag == "en" and not _in_language(source, s, p, language):
            projection.add((s, p, o))
    return projection


def ontology_html(language: str = "en") -> str:
    """pyLODE's documentation of the ontology, in ``language``."""
    with _pylode() as ontpub:
        return str(ontpub(ontology_in_language(language)).make_html())


def ontology_page_name(language: str) -> str:
    return "ontology.html" if language == "en" else f"ontology.{language}.html"


def build_docs(output: Path) -> list[Path]:
    """Write the ontology page, one page per code list (with its Turtle) and an index."""
    (output / "codelists").mkdir(parents=True, exist_ok=True)
    written = [output / "coworkmed.ttl", output / STYLE_FILE, output / PYLODE_STYLE_FILE]
    written[0].write_bytes(vocabulary.ONTOLOGY_FILE.read_bytes())
    written[1].write_text(STYLE, encoding="utf-8")
    for language in vocabulary.LANGUAGES:
        page = output / ontology_page_name(language)
        html, sheet = without_inline_style(ontology_html(language), PYLODE_STYLE_FILE)
        html = with_site_links(in_page_language(with_language(html, language), language), language)
        page.write_text(html, encoding="utf-8")
        # the same for every language
        written[2].write_text(sheet + PYLODE_OVERRIDES, encoding="utf-8")
        written.append(page)
    languages = " · ".join(
        f'<a href="{ontology_page_name(lang)}" hreflang="{lang}">{lang}</a>'
        for lang in vocabulary.LANGUAGES
    )
    items = []
    for path in vocabulary.codelist_files():
        scheme, html = codelist_html(path)
        page = output / "codelists" / f"{path.stem}.html"
        page.write_text(html, encoding="utf-8")
        (output / "codelists" / path.name).write_bytes(path.read_bytes())
        written += [page, output / "codelists" / path.name]
        title = label(Graph().parse(path, format="turtle"), scheme)
        items.append(f'<li><a href="codelists/{escape(page.name)}">{escape(title)}</a></li>')
    index = output / "index.html"
    index.write_text(
        _page(
            "CoworkMed vocabulary",
            (
                "<h1>CoworkMed vocabulary</h1>"
                f'<ul><li>Ontology: {languages} (<a href="coworkmed.ttl">Turtle</a>)</li></ul>'
                f"<h2>Code lists</h2><ul>{''.join(items)}</ul>"
            ),
        ),
        encoding="utf-8",
    )
    return [index, *written]
