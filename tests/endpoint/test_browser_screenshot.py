"""The page tests' screenshot helper: Chromium's transient "Unable to capture screenshot" is
asked again (CI of stop 48 failed an accessibility test on it), any other error is not, and a
refusal that lasts is still an error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error

from tests.endpoint import browser
from tests.endpoint.browser import Visit


@dataclass
class Refusing:
    """A page (or locator) whose first ``refusals`` screenshots fail with ``message``."""

    refusals: int
    message: str = (
        "Page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot"
    )
    asked: list[dict[str, Any]] = field(default_factory=list)
    paused: list[float] = field(default_factory=list)

    def screenshot(self, **options: Any) -> None:
        self.asked.append(options)
        if len(self.asked) <= self.refusals:
            raise Error(self.message)
        Path(options["path"]).write_bytes(b"png")

    def wait_for_timeout(self, milliseconds: float) -> None:
        self.paused.append(milliseconds)


CASES = [
    # (what, refusals, message, asked, raised)
    ("taken at once", 0, browser.UNCAPTURED, 1, False),
    ("refused once, then taken", 1, browser.UNCAPTURED, 2, False),
    ("refused twice, then taken", 2, browser.UNCAPTURED, 3, False),
    ("refused every time", 9, browser.UNCAPTURED, 3, True),
    (
        "another error is not asked again",
        9,
        "Target page, context or browser has been closed",
        1,
        True,
    ),
]


@pytest.fixture(autouse=True)
def _artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "ARTIFACTS", tmp_path)


@pytest.mark.parametrize(
    ("refusals", "message", "asked", "raised"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("door", ["page", "window", "element"])
def test_a_screenshot_refused_for_a_while_is_asked_again(
    tmp_path: Path, door: str, refusals: int, message: str, asked: int, raised: bool
) -> None:
    page = Refusing(refusals if door != "element" else 0)
    element = Refusing(refusals, message)
    if door != "element":
        page.message = message
    visit = Visit(page)
    options: dict[str, Any] = (
        {"of": element} if door == "element" else {"full_page": door == "page"}
    )
    if raised:
        with pytest.raises(Error, match=message):
            visit.screenshot("shot.png", **options)
    else:
        visit.screenshot("shot.png", **options)
        assert (tmp_path / "shot.png").read_bytes() == b"png"
    target = element if door == "element" else page
    assert len(target.asked) == asked
    assert len(page.paused) == asked - 1  # a pause before each asking again
    if door != "element":
        assert {o["full_page"] for o in target.asked} == {door == "page"}
