"""A leader reads the 10-minute service circle of a town for 长者饭堂 and asks for 3 new
sites: the map is drawn (grids coloured by the share within the circle, centres, the proposed
sites numbered), the legend in words, the table of sites with the households they bring in;
at 1366 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, labels, sign_in
from tests.web.scene import HUMEN_TOWN

pytestmark = pytest.mark.browser
RAW = re.compile(r"elder_canteen|under_\d+|\d{9,}")


def test_the_coverage_map_renders_with_proposed_sites(
        page: Page, phone_page: Page, shot: Callable[[Page, str], Path]) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "leader")
    page.goto(f"/circle?node={HUMEN_TOWN}")
    expect(page.locator("#circle-map[data-ready=true]")).to_be_visible()
    page.locator("#propose-p").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="生成建议").click()
    el = page.locator("#circle-map[data-ready=true]")
    expect(el).to_be_visible()
    assert int(el.get_attribute("data-features") or 0) >= 1
    assert el.get_attribute("data-sites") == "3"
    expect(page.locator(".site-marker")).to_have_count(3)
    assert page.locator("path.centre-dot").count() >= 1
    expect(page.locator("#circle-legend")).to_contain_text("全部在服务圈内")
    expect(page.locator("#proposal")).to_contain_text("已是最优方案")
    expect(page.locator("#proposal-sites tbody tr")).to_have_count(3)
    # the map is not blank: its grids are filled in colours of the scale
    fills = page.evaluate("""() => Array.from(document.querySelectorAll('#circle-map path.leaflet-interactive'))
        .map(p => p.getAttribute('fill')).filter(Boolean)""")
    assert len(set(fills)) >= 2
    assert not RAW.search(labels(page)), RAW.findall(labels(page))
    shot(page, "1-circle-1366")

    sign_in(phone_page, "leader")
    phone_page.goto(f"/circle?node={HUMEN_TOWN}&p=3")
    expect(phone_page.locator("#circle-map[data-ready=true]")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "2-circle-390")
