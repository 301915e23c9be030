"""axe-core is run on a settled page (``tests.endpoint.accessibility.SETTLED``): once the finite
CSS animations and transitions under way are over, not while they go on (a full-page screenshot
resizes the window and back; CI saw one ``target-size`` measured mid-change in about ten runs),
and without waiting for an animation that never ends."""

from __future__ import annotations

import time

import pytest

from tests.endpoint.accessibility import SETTLED
from tests.endpoint.browser import browser_page, needs_browser

pytestmark = pytest.mark.slow  # Chromium

PAGE = """<!doctype html><html lang="en"><head><title>t</title><style>
@keyframes fade {{ from {{ opacity: .2 }} to {{ opacity: 1 }} }}
main {{ animation: fade {seconds}s {count}; }}
</style></head><body><main><a href="#x">x</a></main></body></html>"""


@needs_browser
@pytest.mark.parametrize(
    ("seconds", "count", "least", "most"),
    [(1.5, "1", 0.5, 9.0), (0.5, "2", 0.3, 9.0), (0.8, "infinite", 0.0, 3.0), (0.0, "1", 0.0, 3.0)],
    ids=["once", "twice", "for-ever-not-waited-for", "none"],
)
def test_the_page_is_settled_before_it_is_checked(
    seconds: float, count: str, least: float, most: float
) -> None:
    with browser_page("http://127.0.0.1:9") as visit:
        visit.page.set_content(PAGE.format(seconds=seconds, count=count))
        began = time.monotonic()
        visit.page.evaluate(SETTLED)
        took = time.monotonic() - began
        assert least <= took <= most, took
        running = visit.page.evaluate(
            "() => document.getAnimations().filter(a => a.playState === 'running').length"
        )
        assert running == (1 if count == "infinite" else 0)
