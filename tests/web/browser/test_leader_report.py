"""A leader on /leader clicks 下载报告 and gets the town's PDF; the report as a page is
photographed at 1366 and 390 pixels wide (the screenshots are the test's artefacts); then
the leader opens the town's wall screen from the same page (the city's wall is tested in
depth by test_leader_wall_screen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_TOWN

pytestmark = pytest.mark.browser


def test_a_leader_downloads_a_towns_report_and_opens_its_wall_screen(
        page: Page, shot: Callable[[Page, str], Path]) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "leader")
    page.goto(f"/leader?node={HUMEN_TOWN}&period=year")
    link = page.locator("#report-download")
    expect(link).to_have_text("下载报告")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("虎门镇") and download.suggested_filename.endswith("工作报告.pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.locator("#report-view").click()
    expect(page.locator("h1.doc-name")).to_have_text("虎门镇")
    for heading in ("减负强能", "一贯到底", "强化联动", "统筹服务"):
        expect(page.locator("h2", has_text=heading)).to_be_visible()
    expect(page.locator("#trend-chart svg")).to_be_visible()
    shot(page, "report-1366")
    # nothing wider than the window on a phone: the tables scroll inside their box
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "report-390")

    # back on the town's page: the wall screen of the same town, for the operations room
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/leader?node={HUMEN_TOWN}&period=year")
    with page.expect_popup() as popup:
        page.locator("#wall-link").click()
    wall = popup.value
    wall.set_viewport_size({"width": 1920, "height": 1080})
    wall.wait_for_selector("#wall-map[data-ready=true]")
    expect(wall.locator("#wall h1")).to_contain_text("虎门镇")
    expect(wall.locator(".tiles.rates .tile")).to_have_count(5)
    assert wall.locator("#wall-rankings li").count() > 0, "the town's communities are ranked"
    assert wall.locator("form, button, input, nav").count() == 0
    shot(wall, "wall-town-1920")
