"""A real browser for page tests: Debian's Chromium driven by Playwright, with every request
intercepted. A request that would leave the machine is recorded and refused; console errors
and page errors are recorded too. Without Chromium the tests that use it are skipped, unless
COWORKMED_REQUIRE_BROWSER is set (``.ci/run`` sets it after installing Chromium): then they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = bool(os.environ.get("COWORKMED_REQUIRE_BROWSER"))
#: Chromium flags for a quiet headless run on a closed network (no sync, updates, telemetry)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]

#: Chromium's transient refusal to take a screenshot, and how many times one is asked for
UNCAPTURED = "Unable to capture screenshot"
SCREENSHOT_TRIES = 3

T = TypeVar("T")
_without_chromium = pytest.mark.skipif(
    CHROMIUM is None and not REQUIRE_BROWSER,
    reason="Chromium is not installed (apt-get install chromium)",
)


def needs_browser(test: T) -> T:
    """Mark ``test`` as a browser test (the full suite's tier), skipped without Chromium unless
    COWORKMED_REQUIRE_BROWSER is set."""
    return pytest.mark.browser(_without_chromium(test))


@dataclass
class Visit:
    page: Any
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def screenshot(
        self, name: str, *, full_page: bool = True, of: Any = None, tries: int = SCREENSHOT_TRIES
    ) -> None:
        """Save a screenshot as ``name`` in test-artifacts/: of the whole page, of the window
        (``full_page=False``) or of one element (``of``, a locator). Chromium now and then
        answers "Unable to capture screenshot" on a loaded machine (its compositor had no frame
        ready); that one error is tried again, after a pause, up to ``tries`` times in all."""
        ARTIFACTS.mkdir(exist_ok=True)
        from playwright.sync_api import Error

        path = str(ARTIFACTS / name)
        for attempt in range(1, tries + 1):
            try:
                if of is None:
                    self.page.screenshot(path=path, full_page=full_page)
                else:
                    of.screenshot(path=path)
                return
            except Error as error:
                if UNCAPTURED not in str(error) or attempt == tries:
                    raise
                self.page.wait_for_timeout(500 * attempt)

    def check(self) -> None:
        """Nothing left the machine and the page had no error."""
        assert self.outside == [], f"the page tried to reach beyond this server: {self.outside}"
        assert self.problems == [], f"errors in the page: {self.problems}"


@contextmanager
def browser_page(
    live: str, size: tuple[int, int] = (1280, 900), locale: str = "en-GB"
) -> Iterator[Visit]:
    """A fresh Chromium page that may only talk to ``live`` (the server under test), of ``size``
    (width, height in CSS pixels) and with the browser's language ``locale``."""
    assert CHROMIUM, "COWORKMED_REQUIRE_BROWSER is set but Chromium is not installed"
    from playwright.sync_api import Route, sync_playwright

    local = urlsplit(live).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(
                viewport={"width": size[0], "height": size[1]}, locale=locale
            )
            visit = Visit(context.new_page())

            def guard(route: Route) -> None:
                url = urlsplit(route.request.url)
                if url.scheme in ("data", "blob") or url.netloc == local:
                    route.continue_()
                else:
                    visit.outside.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            visit.page.on("console", lambda m: m.type == "error" and visit.problems.append(m.text))
            visit.page.on("pageerror", lambda e: visit.problems.append(str(e)))
            yield visit
        finally:
            browser.close()
