"""Accessibility checks of a page open in Chromium (``tests.endpoint.browser``): axe-core's
WCAG 2.2 A and AA rules (2.1's and 2.2's own: target size), and the width test of a phone
(nothing wider than the screen).

axe-core comes from npm (``endpoint/web/package.json``, a development dependency: the server never
serves it) and is read from ``node_modules``. It is evaluated through the browser's debugging
protocol, which a page's Content-Security-Policy does not govern, so the page is audited with its
own strict policy in force.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parents[2] / "endpoint" / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: the rule sets of WCAG 2.2 level AA: 2.1 AA (the Web Accessibility Directive's standard,
#: EN 301 549) and what 2.2 adds (2.5.8, a target at least 24 px, or spaced as much)
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: name -> (width, height): the sizes every page type is audited at
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@cache
def _axe_source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run `make setup` (npm ci)")
    return AXE.read_text(encoding="utf-8")


#: waits until the page's finite CSS animations and transitions are over (the dashboard's
#: fade while it loads, the map's zoom) and two frames are drawn: a full-page screenshot
#: resizes the window and back, and axe measured targets mid-change now and then (CI: one
#: ``target-size`` on ``:root``, "partially obscured, 50px by 0.3px", in about ten runs)
SETTLED = """async () => {
    const finite = document.getAnimations().filter(
        a => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
    await Promise.all(finite.map(a => a.finished.catch(() => null)));
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.2 AA violations axe-core finds in ``page`` (a Playwright page, loaded), once
    its layout is settled (``SETTLED``)."""
    page.evaluate(SETTLED)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))
            }));
        }""",
        WCAG_22_AA,
    )
    return violations


def describe(violations: list[dict[str, Any]], nodes: int = 3) -> str:
    """The violations as lines a developer can act on: rule, impact, help, the first elements."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:nodes]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    {node['target']}: {summary[:300]}")
        if len(violation["nodes"]) > nodes:
            lines.append(f"    … and {len(violation['nodes']) - nodes} more")
    return "\n".join(lines)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
    width: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return max(width, 0)
