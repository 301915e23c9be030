"""The front door and the shared frame: the home page with the graph's headline figures, one
site header on every HTML page, the reader's language kept in a cookie and across redirects,
browser views of the catalogue, VoID and dumps (RDF for RDF clients), dumps served with Range,
error pages in the reader's language, the vocabulary's page; in Chromium, the pages at desktop
and phone sizes with no horizontal scroll and the vocabulary styled (cases: front-cases.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, RDF
from werkzeug.http import http_date, parse_date

from core.translations import in_language, load_catalogue
from core.vocabulary import LANGUAGES
from coworkmed.cli import SERVED_PAGES
from endpoint.app import create_app
from endpoint.dumps import export, list_dumps
from endpoint.site import TABLE
from tests.backends import Published
from tests.endpoint.accessibility import SIZES, axe_violations, describe, overflow
from tests.endpoint.browser import browser_page, needs_browser

CASES = yaml.safe_load((Path(__file__).with_name("front-cases.yaml")).read_text(encoding="utf-8"))
BASE = "https://w3id.org/coworkmed/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SITE = load_catalogue(TABLE)


@pytest.fixture(scope="module")
def app(
    published: Published, docs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    dumps = tmp_path_factory.mktemp("dumps")
    export(published.location, BASE, dumps)
    app = create_app(published.config(query_workers=1, dumps=str(dumps), docs=str(docs)))
    yield app
    app.extensions["coworkmed.pool"].close()


def count(client: FlaskClient, sparql: str) -> int:
    answer = client.get("/sparql", query_string={"query": sparql}, headers={"Accept": "text/csv"})
    return int(answer.get_data(as_text=True).splitlines()[1])


@pytest.mark.slow  # the vocabulary's documentation is built once for the module (pyLODE)
@pytest.mark.parametrize("case", CASES["framed_pages"], ids=lambda case: case["path"])
def test_every_page_has_the_site_frame_in_its_language(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    answer = client.get(case["path"], headers={"Accept": BROWSER})
    page = answer.get_data(as_text=True)
    assert answer.status_code == case.get("status", 200), page[:300]
    lang = case["lang"]
    assert f'<html lang="{lang}">' in page
    assert page.count('<header class="site-header">') == 1 and page.count("<main") == 1
    assert page.count("<footer") == 1 and 'href="#content"' in page
    for entry in SITE["menu"]:
        assert f">{in_language(entry['label'], lang)}</a>" in page, entry["id"]
    for code in LANGUAGES:
        assert f">{SITE['language_names'][code]}</a>" in page
        assert re.search(rf'href="[^"]*lang={code}"[^>]*hreflang="{code}"', page), code


@pytest.mark.slow
def test_the_home_page_leads_everywhere_with_the_graphs_figures(client: FlaskClient) -> None:
    page = client.get("/?lang=en").get_data(as_text=True)
    spaces = count(
        client, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a <https://w3id.org/coworkmed/def/Space> }"
    )
    assert re.search(rf'id="headline-spaces"><strong>{spaces:,}</strong>', page)
    for path in (
        "/observatory",
        "/search",
        "/validate",
        "/vocabulary/",
        "/catalog",
        "/dumps/",
        "/query",
        "/sparql",
    ):
        assert f'href="{path}' in page, path


@pytest.mark.slow
def test_the_language_is_kept_in_a_cookie_and_across_redirects(client: FlaskClient) -> None:
    chosen = client.get("/?lang=el")
    cookie = chosen.headers["Set-Cookie"]
    assert cookie.startswith("lang=el;") and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    later = client.get("/catalog", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    assert '<html lang="el">' in later.get_data(as_text=True)
    assert {"Accept-Language", "Cookie"} <= set(later.vary)
    # the switcher keeps the rest of the query string
    search = client.get("/search?q=ruche&lang=fr").get_data(as_text=True)
    assert 'href="/search?q=ruche&amp;lang=hr"' in search
    # a 303 from a thing's IRI to its document keeps lang
    moved = client.get("/id/space/fr-aura/AURA-001?lang=hr", headers={"Accept": BROWSER})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("?lang=hr")
    ontology = client.get("/def/?lang=it", headers={"Accept": BROWSER})
    assert ontology.headers["Location"] == "/vocabulary/ontology.it.html?lang=it"


@pytest.mark.parametrize(
    "case", CASES["reader_language"], ids=lambda c: f"{c['query']} {c['cookie']}"
)
def test_a_lang_that_names_no_language_is_ignored(
    client: FlaskClient, case: dict[str, Any]
) -> None:
    client.delete_cookie("lang")
    if case["cookie"]:
        client.set_cookie("lang", case["cookie"])
    headers = {"Accept": BROWSER, **({"Accept-Language": case["accept"]} if case["accept"] else {})}
    page = client.get(f"/search?{case['query']}", headers=headers).get_data(as_text=True)
    assert f'<html lang="{case["lang"]}">' in page
    client.delete_cookie("lang")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES["views"], ids=lambda c: f"{c['path']} {c['accept']}")
def test_browsers_get_pages_and_rdf_clients_rdf(client: FlaskClient, case: dict[str, Any]) -> None:
    headers = {"Accept": case["accept"]} if case["accept"] else {}
    answer = client.get(case["path"], headers=headers)
    assert answer.status_code == 200 and answer.mimetype == case["type"]
    assert "Accept" in answer.vary


@pytest.mark.slow
def test_the_catalogue_page_lists_every_dataset_with_its_licence(client: FlaskClient) -> None:
    rdf = client.get("/catalog", headers={"Accept": "application/n-triples"})
    graph = Graph().parse(data=rdf.get_data(as_text=True), format="nt")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    licences = {str(graph.value(dataset, DCTERMS.license)) for dataset in datasets}
    page = client.get("/catalog?format=html&lang=en").get_data(as_text=True)
    assert licences and all(f'rel="license" href="{licence}"' in page for licence in licences)
    assert page.count('class="dataset-card"') == len(datasets) > 1


def _fetched(client: FlaskClient, url: str) -> Any:
    """The answer to a GET of ``url``, read whole and closed (a dump's answer holds its file
    open until it is)."""
    with client.get(url) as answer:
        answer.get_data()
    return answer


@pytest.mark.slow
def test_the_dumps_page_reads_and_downloads_resume(app: Flask, client: FlaskClient) -> None:
    page = client.get("/dumps/?lang=fr").get_data(as_text=True)
    dumps = list_dumps(Path(app.config["COWORKMED"]["dumps"]))
    assert dumps and "bytes" not in page
    sizes = re.findall(r'<td class="number">[\d\u202f ,]+\u00a0(ko|Mo|o)</td>', page)
    assert len(sizes) == len(dumps)
    with client.get(f"/dumps/{dumps[0].name}", headers={"Range": "bytes=0-9"}) as part:
        assert part.status_code == 206 and len(part.data) == 10
    # regression (stranger 42): once a dump was downloaded whole and its answer kept, a Range
    # got the kept 200 and its whole body, and a resumed download failed; every order of
    # ranges and whole downloads, a part from the start, the middle and the end
    whole = _fetched(client, f"/dumps/{dumps[0].name}").data
    for ranged, expected in (
        ("bytes=0-9", whole[:10]),
        ("bytes=5-", whole[5:]),
        ("bytes=-7", whole[-7:]),
    ):
        _fetched(client, f"/dumps/{dumps[0].name}")  # kept whole, again
        with client.get(f"/dumps/{dumps[0].name}", headers={"Range": ranged}) as part:
            assert part.status_code == 206 and part.data == expected, ranged


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ranged", "status"),
    [("bytes=0-9", 206), ("bytes=5-", 206), ("bytes=-7", 206), ("bytes=0-0,-1", 200)],
)
def test_a_part_of_a_dump_carries_what_its_whole_answer_does(
    app: Flask, client: FlaskClient, ranged: str, status: int
) -> None:
    """Regression (issue #20): a 206 carried neither the ETag, the Last-Modified, the caching
    policy nor the Vary of the 200 (RFC 9110 15.3.7: a 206 sends each that a 200 would), and
    If-Range with the 200's own date gave the whole file again. Several ranges at once, which
    werkzeug answered 416 though they can be satisfied, get the whole file."""
    url = f"/dumps/{list_dumps(Path(app.config['COWORKMED']['dumps']))[0].name}"
    whole = _fetched(client, url)
    assert whole.headers["Accept-Ranges"] == "bytes"  # a download may be resumed
    with client.get(url, headers={"Range": ranged}) as part:
        assert part.status_code == status
        assert status == 206 or part.data == whole.data
    # a suffix longer than the file is the whole file, as a part (stranger 47: 416), and a 416
    # says the length (RFC 9110 14.4)
    with client.get(url, headers={"Range": f"bytes=-{len(whole.data) + 1}"}) as part:
        assert part.status_code == 206 and part.data == whole.data
    with client.get(url, headers={"Range": f"bytes={len(whole.data)}-"}) as beyond:
        assert beyond.status_code == 416
        assert beyond.headers["Content-Range"] == f"bytes */{len(whole.data)}"
        for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
            assert part.headers.get(header) == whole.headers.get(header), header
    # If-Range (a download resumed by a client that checks the file did not change): the
    # part with the 200's date or its tag (strong: stranger 92, it was weak and never held);
    # the whole file with an earlier date, a later one, the tag made weak or another tag
    said, tag = whole.headers["Last-Modified"], whole.headers["ETag"]
    earlier = http_date(parse_date(said) - dt.timedelta(days=1))  # type: ignore[operator]
    later = http_date(parse_date(said) + dt.timedelta(seconds=1))  # type: ignore[operator]
    cases = ((said, 206), (earlier, 200), (later, 200), (tag, 206), (f"W/{tag}", 200))
    cases += (('"0123"', 200),)
    for condition, status in cases:  # a later date is not the 200's (stranger 47: 206)
        headers = {"Range": "bytes=0-9", "If-Range": condition}
        with client.get(url, headers=headers) as answer:
            assert answer.status_code == status, condition
            assert answer.data == (whole.data[:10] if status == 206 else whole.data)
            assert answer.headers.get("ETag") == whole.headers.get("ETag"), condition


@pytest.mark.parametrize("lang", ["en", "fr", "el"])
def test_a_dumps_tag_is_its_checksum_whatever_is_asked(
    app: Flask, client: FlaskClient, lang: str
) -> None:
    """Stranger 92: a dump's tag was weak, of the store's generation and of the reader's
    language, so it changed at every write and in each language while the bytes stayed the
    same. Now it is the file's SHA-256 (as SHA256SUMS gives it), strong: a 304 to any client
    that has the bytes, and the checksums file's own tag is strong too."""
    dumps = list_dumps(Path(app.config["COWORKMED"]["dumps"]))
    for listed in dumps:
        headers = {"Accept-Language": lang, "Cookie": f"lang={lang}"}
        with client.get(f"/dumps/{listed.name}", headers=headers) as answer:
            assert answer.status_code == 200
            assert answer.headers["ETag"] == f'"{listed.sha256}"'
            assert "Accept-Language" not in answer.headers.get("Vary", "")
            assert "ETag" in answer.headers["Access-Control-Expose-Headers"]
        # the conditions of RFC 9110 13.2.2 against a strong tag and the file's date (a dump
        # is left out of test_caching's reads, whose tags are the store's weak ones)
        said, earlier = answer.headers["Last-Modified"], "Sun, 06 Nov 1994 08:49:37 GMT"
        for condition, status in [
            ({"If-None-Match": f'"{listed.sha256}"'}, 304),
            ({"If-None-Match": f'W/"{listed.sha256}"'}, 304),  # a weak comparison for GET
            ({"If-None-Match": '"other"'}, 200),
            ({"If-Modified-Since": said}, 304),
            ({"If-Match": f'"{listed.sha256}"'}, 200),  # strong: it holds (weak tags never did)
            ({"If-Match": '"other"'}, 412),
            ({"If-Unmodified-Since": earlier}, 412),
        ]:
            with client.get(f"/dumps/{listed.name}", headers=condition) as again:
                assert again.status_code == status, condition
                if status == 304:
                    assert again.headers["ETag"] == f'"{listed.sha256}"' and not again.data
    with client.get("/dumps/SHA256SUMS") as checksums:
        assert checksums.status_code == 200 and not checksums.headers["ETag"].startswith("W/")


@pytest.mark.parametrize("case", CASES["dump_urls"], ids=lambda case: case["path"])
def test_a_kept_dump_url_leads_to_the_newest_dump(
    app: Flask, client: FlaskClient, case: dict[str, Any]
) -> None:
    answer = _fetched(client, case["path"])
    assert answer.status_code == case["status"], answer.data
    if "to" not in case:  # it may be a dump being written: no cache keeps the 404
        assert answer.headers["Cache-Control"] == "no-cache"
        return
    newest = next(
        d for d in list_dumps(Path(app.config["COWORKMED"]["dumps"])) if d.kind == case["to"]
    )
    where = f"{case['path'].rsplit('/', 1)[0]}/{newest.name}"  # a file's URL, or a dump's IRI
    if case["status"] == 302:
        assert answer.headers["Location"].endswith(where)
        with client.get(answer.headers["Location"]) as led:
            assert led.status_code == 200
    else:
        assert answer.headers["Link"] == f'<{where}>; rel="latest-version"'
        assert newest.name in answer.get_data(as_text=True)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: f"{c['method']} {c['path']}")
@pytest.mark.parametrize("lang", ["en", "el"])
def test_errors_are_pages_for_browsers_and_text_for_clients(
    client: FlaskClient, case: dict[str, Any], lang: str
) -> None:
    status = case["status"]
    page = client.open(
        case["path"], method=case["method"], headers={"Accept": BROWSER, "Accept-Language": lang}
    )
    assert page.status_code == status and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    title = in_language(SITE["errors"][str(status)]["title"], lang)
    assert f"<h1>{title}</h1>" in text and '<header class="site-header">' in text
    plain = client.open(case["path"], method=case["method"])
    assert plain.status_code == status and plain.mimetype == "text/plain"
    # problem details of type about:blank are titled by the status's phrase (RFC 9457 4.2.1;
    # stranger 94: "Page not found", "No longer here", "Time limit reached")
    asked = {"Accept": "application/problem+json", "Accept-Language": lang}
    problem = client.open(case["path"], method=case["method"], headers=asked).get_json()
    assert problem["type"] == "about:blank" and problem["status"] == status
    assert problem["title"] == in_language(SITE["errors"][str(status)]["phrase"], lang)


#: RFC 9110 section 15's reason phrases, as the RFC writes them
PHRASES = yaml.safe_load(Path(__file__).with_name("status-phrases.yaml").read_text("utf-8"))


@pytest.mark.parametrize("status", [key for key in SITE["errors"] if key.isdigit()])
def test_each_error_has_its_rfc_9110_phrase(status: str) -> None:
    assert SITE["errors"][status]["phrase"]["en"] == PHRASES[int(status)]


@pytest.mark.slow
@pytest.mark.parametrize("path", SERVED_PAGES.values())
def test_every_page_serve_names_answers(client: FlaskClient, path: str) -> None:
    answer = client.get(path, headers={"Accept": BROWSER}, follow_redirects=True)
    assert answer.status_code == 200 and answer.mimetype == "text/html"


SHOWN = [
    "/",
    "/catalog",
    "/dumps/",
    "/.well-known/void",
    "/vocabulary/",
    "/vocabulary/ontology.html",
    "/vocabulary/codelists/space-kind.html",
    "/no/such/page",
]


@pytest.mark.slow
@needs_browser
@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("lang", ["en", "el"])
def test_the_pages_are_accessible_and_fit_a_phone(live: str, lang: str, size: str) -> None:
    """axe-core finds no WCAG 2.2 AA violation, nothing is wider than the window, and the
    screenshots land in test-artifacts/."""
    width, height = SIZES[size]
    with browser_page(live, (width, height), locale=lang) as visit:
        for path in SHOWN:
            separator = "&" if "?" in path else "?"
            visit.page.goto(f"{live}{path}{separator}lang={lang}")
            name = re.sub(r"\W+", "-", path).strip("-") or "home"
            visit.screenshot(f"front-{name}-{lang}-{width}.png")
            violations = axe_violations(visit.page)
            assert violations == [], f"{path}:\n{describe(violations)}"
            assert overflow(visit.page) == 0, path
        visit.problems[:] = [p for p in visit.problems if "404" not in p]  # the error page's own


@pytest.mark.slow
@needs_browser
def test_the_vocabulary_is_styled_and_the_skip_link_comes_first(live: str) -> None:
    with browser_page(live) as visit:
        # the style sheet taken out of pyLODE's page applies (the CSP blocked it inline)
        visit.page.goto(f"{live}/vocabulary/ontology.html")
        style = "getComputedStyle(document.getElementById('pylode')).position"
        assert visit.page.evaluate(style) == "fixed"
        # keyboard: the skip link is the first stop and leads to the content
        visit.page.goto(f"{live}/?lang=el")
        visit.page.keyboard.press("Tab")
        assert visit.page.evaluate("document.activeElement.getAttribute('href')") == "#content"
        visit.page.keyboard.press("Enter")
        assert visit.page.evaluate("document.activeElement.id") == "content"
        visit.check()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dumps_page_says_share_alike_only_of_a_share_alike_licence(
    client: FlaskClient, lang: str
) -> None:
    """The sample partners' sources are under CC BY: the page said "one source is under the
    ODbL, which is share-alike" of them all the same (stranger 89). The real build, with
    OpenStreetMap's ODbL, says it (``test_attribution``)."""
    said = load_catalogue(TABLE)["views"]
    page = client.get(f"/dumps/?lang={lang}").get_data(as_text=True)
    for key in ("dumps_licence", "dumps_attribution"):
        assert escape(in_language(said[key], lang)) in page, key
    assert escape(in_language(said["dumps_share_alike"], lang)) not in page
    assert "ODbL" not in page


def test_the_projects_own_credits_are_its_data_in_english() -> None:
    """Each credit of ``site.yaml`` ``attributions`` is shown for the text the data holds (its
    ``en``): a change to the data's text would leave the pages saying it in English only."""
    from publishing.catalogue import TERRITORY_ATTRIBUTION

    entries = load_catalogue(TABLE)["attributions"]
    assert [entry["en"] for entry in entries] == [TERRITORY_ATTRIBUTION]
    assert all(set(entry) == set(LANGUAGES) for entry in entries)


@pytest.mark.parametrize("path", ["/dumps/", "/catalog", "/observatory", "/"])
def test_a_croatian_date_that_ends_a_sentence_ends_it_once(client: FlaskClient, path: str) -> None:
    """A Croatian date ends with a full stop ("6. prosinca 2026."): a sentence ending with one
    said "2026.." (stranger 89)."""
    page = client.get(path, query_string={"lang": "hr"}, headers={"Accept": "text/html"})
    text = re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))
    assert not re.search(r"[0-9]{4}\.\.(?!\.)", text), re.findall(r".{40}[0-9]{4}\.\..{10}", text)


@pytest.mark.parametrize(
    ("path", "first", "then"),
    [
        ("/vocabulary/codelists/space-kind.html", ">télécentre rural<", ">tiers-lieu culturel<"),
        ("/vocabulary/codelists/public.html", ">étudiants<", ">seniors<"),
        ("/observatory", ">étudiants<", ">seniors<"),
    ],
)
def test_a_french_list_sorts_accented_words_among_the_others(
    client: FlaskClient, path: str, first: str, then: str
) -> None:
    """Stranger 88: "étudiants" after "seniors", "télécentre rural" after "tiers-lieu": lists
    were sorted by code point (``core.translations.collation_key``)."""
    page = client.get(path, query_string={"lang": "fr"}).get_data(as_text=True)
    assert first in page and then in page, (first, then)
    assert page.index(first) < page.index(then)


def test_the_catalogue_page_names_each_licence(client: FlaskClient) -> None:
    """A dataset's licence is named ("CC BY 4.0"), linked to its IRI, as its own page names it
    (stranger 90: the Greek catalogue showed the bare IRI)."""
    page = client.get("/catalog", query_string={"lang": "el"}, headers={"Accept": "text/html"})
    body = page.get_data(as_text=True)
    cc_by = "https://creativecommons.org/licenses/by/4.0/"
    assert f'<a rel="license" href="{cc_by}">CC BY 4.0</a>' in body
    assert f'href="{cc_by}">{cc_by}</a>' not in body
