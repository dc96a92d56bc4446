"""A leader opens the wall screen of the city (大屏) on the operations room's 1920×1080
display: the headline figures, the rankings, the map and the trend drawn, nothing to click,
nothing scrolling; and on a 1366×768 screen, all of it still on one screen. The pages are
photographed (the screenshots are the test's artefacts, in /tmp/wall-*.png when
``HUYING_SHOTS`` names a folder)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, sign_in

pytestmark = pytest.mark.browser
#: Raw codes a person must not read on the wall: node codes, enum keys.
RAW = re.compile(r"\d{9,}|none_open|upto_\d+|over_50|open_now|overdue_now|composite|_rate")


def _keep(path: Path) -> None:
    folder = os.environ.get("HUYING_SHOTS")
    if folder:
        shutil.copy(path, Path(folder) / path.name)


def test_a_leader_opens_the_wall_screen(page: Page, shot: Callable[[Page, str], Path]) -> None:
    sign_in(page, "leader")
    for width in (390, 1366):  # the cockpit's indicator panel and ranking, on a phone and a laptop
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/leader?rank=satisfaction_rate")
        expect(page.locator("#indicators tr[data-indicator]")).not_to_have_count(0)
        expect(page.locator("#indicator-ranking")).to_have_attribute("data-rank", "satisfaction_rate")
        _keep(shot(page, f"leader-{width}"))
    with page.expect_popup() as popup:
        page.locator("#wall-link").click()
    wall = popup.value
    for width, height in ((1920, 1080), (1366, 768)):
        wall.set_viewport_size({"width": width, "height": height})
        wall.reload()
        wall.wait_for_selector("#wall-map[data-ready=true]")
        wall.wait_for_selector("#wall-trend[data-ready=true]")
        assert int(wall.locator("#wall-map").get_attribute("data-features") or 0) > 0
        expect(wall.locator(".tiles.rates .tile")).to_have_count(5)
        expect(wall.locator(".tiles.counts .tile")).to_have_count(4)
        assert wall.locator("#wall-rankings li").count() > 0, "the towns are ranked"
        assert wall.locator("a, button, input, select, textarea, nav, form").count() == \
            wall.locator(".leaflet-control-attribution a").count()
        # one screen: nothing below the fold, nothing cut on the right
        size = wall.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        assert size[0] <= width and size[1] <= height, size
        for box in wall.locator(".tile, .panel").evaluate_all(
                "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.right, r.bottom]; })"):
            assert box[0] <= width + 1 and box[1] <= height + 1, box
        # every ranked place shown whole inside its panel (none clipped by the panel's edge)
        bottom = wall.locator("#wall-rankings").evaluate("e => e.getBoundingClientRect().bottom")
        for li in wall.locator("#wall-rankings li").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().bottom)"):
            assert li <= bottom, (li, bottom)
        text = wall.locator("#wall").inner_text()
        assert not RAW.search(text), RAW.findall(text)
        _keep(shot(wall, f"wall-{width}"))
    assert wall.locator('meta[http-equiv="refresh"]').get_attribute("content")
