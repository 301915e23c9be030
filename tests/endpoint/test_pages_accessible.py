"""Every kind of page a visitor meets (``page-types.yaml``), on the graph ``make run`` builds from
the real files of ``data/``, in Chromium, in English and in Greek, at desktop and phone sizes:
no WCAG 2.2 AA violation that axe-core finds, no horizontal scroll, nothing fetched beyond this
server, no script error, the page in the language asked for; a screenshot of each into
``test-artifacts/`` (pages-<type>-<lang>-<size>.png) for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import oxigraph_published
from tests.endpoint.accessibility import SIZES, axe_violations, describe, overflow
from tests.endpoint.browser import browser_page, needs_browser
from tests.real import DefaultBuild

pytestmark = pytest.mark.slow  # one build of the real files, then ~60 pages in Chromium

ROOT = Path(__file__).parents[2]
PAGE_TYPES: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).with_name("page-types.yaml")).read_text(encoding="utf-8")
)
LANGUAGES = ("en", "el")


@pytest.fixture(scope="module")
def live(default_build: DefaultBuild) -> Iterator[str]:
    """The default build (``make run``'s graph, dumps and vocabulary docs), served in a thread;
    a query may take long on a shared machine while the pages are cold."""
    settings = oxigraph_published(default_build.store).config(
        query_workers=2,
        dumps=str(default_build.dumps),
        docs=str(default_build.docs),
        validate_rate=0,
        query_timeout=300,
    )
    app = create_app(settings)
    with serve_in_thread(app) as base:
        yield base
    app.extensions["coworkmed.pool"].close()


@needs_browser
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_page_is_accessible_on_every_screen(
    live: str, kind: str, lang: str, size: str
) -> None:
    case = PAGE_TYPES[kind]
    with browser_page(live, size=SIZES[size], locale=lang) as visit:
        page = visit.page
        # a cold page waits for its queries on a shared machine (the observatory's headline)
        answer = page.goto(live + case["path"].format(lang=lang), timeout=120_000)
        if "upload" in case:
            page.set_input_files("input[type=file]", str(ROOT / case["upload"]))
            with page.expect_navigation(timeout=60_000):
                page.click("form [type=submit]")
        else:
            assert answer is not None and answer.status == case.get("status", 200), kind
        if "ready" in case:
            page.wait_for_selector(case["ready"], state="attached", timeout=120_000)
        page.wait_for_load_state("networkidle")
        visit.screenshot(f"pages-{kind}-{lang}-{size}.png")
        assert page.get_attribute("html", "lang") == lang
        violations = axe_violations(page)
        assert violations == [], f"{kind} ({lang}, {size}):\n{describe(violations)}"
        assert overflow(page) == 0, f"{kind} ({lang}, {size}) scrolls sideways"
        if "status" in case:  # the browser logs the error page's own status, which is expected
            visit.problems.remove(
                f"Failed to load resource: the server responded with a status of {case['status']} "
                "(NOT FOUND)"
            )
        visit.check()
