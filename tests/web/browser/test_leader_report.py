"""A leader on /leader clicks 下载报告 and gets the town's PDF; the report as a page is
photographed at 1366 and 390 pixels wide (the screenshots are the test's artefacts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.web.browser.helpers import Page, expect, sign_in
from tests.web.scene import HUMEN_TOWN

pytestmark = pytest.mark.browser


def test_a_leader_downloads_a_towns_report_and_reads_it_on_a_desk_and_a_phone(
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
