"""A public URL with a path (``public_url: https://host/cwm``, the service behind a proxy that
serves it under ``/cwm``): the redirects the service answers and the links its pages carry all
start with that path, whether the proxy passes the path on with its prefix or takes it off
(stranger 57: Werkzeug's slash redirects, the 303s of Linked Data and the pages' links lost it).
Asked of a live server (waitress, as ``coworkmed serve`` runs it) over a socket; the cases are in
``public-path-cases.yaml``."""

from __future__ import annotations

import http.client
import re
import socket
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from flask import Flask
from werkzeug.urls import iri_to_uri

from core.settings import SettingsError, settings
from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from endpoint.dumps import export
from endpoint.urls import PublicHost, root_of
from tests.backends import Published

CASES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "public-path-cases.yaml").read_text(encoding="utf-8")
)
BASE = "https://w3id.org/coworkmed/id/"
HOST = "https://data.coworkmed.example"
#: how a proxy passes a request for /cwm/x on: with its prefix, or without it
PROXIES = ("kept", "taken off")


class Public:
    """A public URL with a path, as the service writes it (``root``: its path encoded once)."""

    def __init__(self, given: str) -> None:
        self.root = root_of({"public_url": given, "port": 80})
        self.prefix = urlsplit(self.root).path
        assert self.prefix and self.root.startswith(HOST)

    def sent(self, proxy: str, path: str) -> str:
        """What a proxy of kind ``proxy`` sends on for ``path`` (from the application's root)."""
        return (self.prefix if proxy == "kept" else "") + path

    def within(self, public_path: str) -> str:
        """The path from the application's root of a path under the public URL."""
        assert public_path.startswith(self.prefix + "/"), public_path
        return public_path.removeprefix(self.prefix)


@pytest.fixture(scope="module", params=list(CASES["publics"].values()), ids=list(CASES["publics"]))
def public(request: pytest.FixtureRequest) -> Public:
    return Public(request.param)


@pytest.fixture(scope="module")
def app(
    published: Published, public: Public, docs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    dumps = tmp_path_factory.mktemp("dumps")
    export(published.location, BASE, dumps)
    settings = {"dumps": str(dumps), "docs": str(docs), "public_url": public.root}
    found = create_app(published.config(query_workers=1, **settings))
    yield found
    found.extensions["coworkmed.pool"].close()


@pytest.fixture(scope="module")
def served(app: Flask) -> Iterator[str]:
    with serve_in_thread(app) as base:
        yield base


def ask(served: str, path: str, accept: str = "*/*") -> http.client.HTTPResponse:
    """GET ``path`` (as the proxy sends it on) of the live server, no redirect followed."""
    address = urlsplit(served)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", path, headers={"Accept": accept, "Accept-Language": "en"})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


class Links(HTMLParser):
    """Every href, src and action of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src", "action") and v is not None]


def page_links(served: str, path: str) -> list[str]:
    """The links of the page at ``path`` (as the proxy sends it on), resolved against the
    page's public URL."""
    address = urlsplit(served)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", path, headers={"Accept": "text/html", "Accept-Language": "en"})
    answer = connection.getresponse()
    body = answer.read().decode("utf-8")
    connection.close()
    assert answer.status == 200, (path, answer.status)
    parser = Links()
    parser.feed(body)
    return parser.found


@pytest.mark.parametrize("proxy", PROXIES)
@pytest.mark.parametrize("case", CASES["redirects"], ids=lambda case: case["name"])
def test_every_redirect_stays_under_the_public_path(
    served: str, public: Public, proxy: str, case: dict[str, Any]
) -> None:
    answer = ask(served, public.sent(proxy, case["path"]), case.get("accept", "text/html"))
    assert answer.status == case["status"]
    expected = case["location"].replace("^", public.root, 1).replace("$", public.prefix, 1)
    assert answer.getheader("Location") == expected


@pytest.mark.parametrize("proxy", PROXIES)
@pytest.mark.parametrize("page", CASES["pages"])
def test_every_link_of_a_page_stays_under_the_public_path_and_answers(
    served: str, public: Public, proxy: str, page: str
) -> None:
    # a link may be an IRI (``/données/``, as url_for writes it): a browser encodes it
    links = [iri_to_uri(link) for link in page_links(served, public.sent(proxy, page))]
    ours = [urlsplit(u) for u in (urljoin(public.root + page, link) for link in links)]
    ours = [link for link in ours if f"{link.scheme}://{link.netloc}" == HOST]
    assert ours, f"{page} links to nothing of its own"
    strayed = [link.geturl() for link in ours if not link.path.startswith(public.prefix + "/")]
    assert not strayed, f"{page} links outside {public.prefix}: {strayed}"
    for link in {link._replace(fragment="") for link in ours}:
        sent = public.sent(proxy, public.within(link.path))
        sent += f"?{link.query}" if link.query else ""
        assert ask(served, sent).status < 400, (page, link.geturl())


@pytest.mark.parametrize("proxy", PROXIES)
def test_the_map_links_each_place_under_the_public_path(
    served: str, public: Public, proxy: str, app: Flask
) -> None:
    client = app.test_client()
    points = client.get(public.sent(proxy, "/api/observatory/points")).get_json()["points"]
    assert points and all(point[2].startswith(public.prefix + "/id/") for point in points)
    sent = public.sent(proxy, public.within(points[0][2]))
    assert ask(served, sent, "text/html").status == 303


def test_the_published_urls_carry_the_public_path_once(app: Flask, public: Public) -> None:
    client = app.test_client()
    text = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(True)
    assert f"<{public.root}/sparql>" in text and f"<{public.root}/catalog>" in text
    assert f"{public.prefix}{public.prefix}/" not in text


@pytest.mark.parametrize("case", CASES["roots"], ids=lambda case: case["given"])
def test_a_public_url_is_written_with_its_path_encoded_once_or_refused(
    case: dict[str, str],
) -> None:
    given = {"public_url": case["given"], "host": "127.0.0.1", "port": 8000}
    if "error" in case:
        with pytest.raises(SettingsError, match=re.escape(case["error"])):
            settings(given)
    else:
        assert root_of(settings(given)) == case["root"]


@pytest.mark.parametrize("case", CASES["proxied"], ids=lambda c: f"{c['public']} {c['sent']}")
def test_the_app_sees_the_path_within_its_root_however_the_proxy_sends_it(
    case: dict[str, str],
) -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        return []

    host = PublicHost(app, root_of({"public_url": case["public"], "port": 80}))
    host({"PATH_INFO": case["sent"], "SCRIPT_NAME": ""}, lambda *_: None)
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == (case["root"], case["path"])


def test_the_api_description_names_the_public_url_as_its_server(app: Flask, public: Public) -> None:
    """Regression (stranger 58): with no ``servers``, an OpenAPI client resolved the API's
    paths against the host's root, outside a public URL with a path."""
    described = app.test_client().get("/api/openapi.json").get_json()
    assert described["servers"] == [{"url": public.root}]


def test_the_language_cookie_is_this_services_only(served: str, public: Public) -> None:
    """Regression (stranger 58): the ``lang`` cookie was set for the whole host (``Path=/``):
    another application under it read it, and set one this service then obeyed."""
    answer = ask(served, public.sent("kept", "/?lang=fr"), "text/html")
    cookie = answer.getheader("Set-Cookie") or ""
    assert cookie.startswith("lang=fr;") and f"Path={public.prefix}/" in cookie, cookie


@pytest.mark.parametrize("proxy", PROXIES)
@pytest.mark.parametrize(("path", "asked"), [("/api/validate", True), ("/sparql", False)])
def test_an_upload_through_either_proxy_is_asked_for_and_a_query_as_large_is_not(
    served: str, public: Public, proxy: str, path: str, asked: bool
) -> None:
    """2 MB with ``Expect: 100-continue``: an upload's path, with the public path before it
    or not, is asked for its body; a query of that size is refused (413) at once."""
    address = urlsplit(served)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(
            f"POST {iri_to_uri(public.sent(proxy, path))} HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        first = connection.recv(64)
    assert first.startswith(b"HTTP/1.1 100 Continue" if asked else b"HTTP/1.1 413 ")
