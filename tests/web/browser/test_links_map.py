"""The member–household link map (党员联户) in a browser, at 1366 px and on a 390 px phone:
the town's households as dots in their member's colour, lines to the members' homes, the
members with their load beside it, no base layer (the demo runs offline), no English words
on the Chinese page, nothing wider than the screen; and a member's own list on the phone."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, labels, sign_in

pytestmark = pytest.mark.browser

#: Where the screenshots are copied for a person to look at.
SHOTS = Path("/tmp/links_shots")
ENGLISH = re.compile(r"\b(household|households|member|members|Link|linked|mean distance)\b", re.I)


def keep(page: Page, path: Path) -> None:
    """The full page and what the screen shows, copied to :data:`SHOTS`."""
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    page.screenshot(path=str(SHOTS / f"screen-{path.name}"))


def test_the_link_map_at_desk_and_phone_widths(page: Page, shot: Callable[[Page, str], Path]) -> None:
    sign_in(page, "town")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/links")
        page.wait_for_selector("#links-map[data-ready=true]")
        n = int(page.locator("#links-map").get_attribute("data-households") or 0)
        assert n > 100
        assert page.locator("#links-map path.link-dot").count() == n
        assert page.locator("#links-map .leaflet-huying-links-pane path").count() > 0
        assert page.locator("#links-map .member-home").count() > 0
        assert page.locator("#links-map .leaflet-tile").count() == 0  # no base layer unless configured
        assert page.locator("#link-members tbody tr").count() > 0
        expect(page.locator("#link-figures")).to_contain_text("户已联系")
        text = labels(page)
        assert not ENGLISH.search(text), ENGLISH.search(text)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        keep(page, shot(page, f"links-map-{width}"))

    # a community, chosen from the sub-areas: its links drawn close enough to follow each line
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/links")
    with page.expect_navigation():
        page.locator("#link-children button[type=submit]").click()
    page.wait_for_selector("#links-map[data-ready=true]")
    assert page.locator("#links-map .leaflet-huying-links-pane path").count() > 0
    keep(page, shot(page, "links-community-1366"))

    sign_in(page, "gridworker")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/links/mine")
    assert page.locator("#my-linked li").count() > 0
    expect(page.locator("#my-linked li").first).to_contain_text("距您住处")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    keep(page, shot(page, "links-mine-390"))
