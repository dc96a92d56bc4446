"""Flow 1: a resident on a phone reports a problem with a photo, placed at the phone's
location, and sees the case code and its status."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.web.browser.helpers import Page, expect, sign_in, tiny_png
from tests.web.scene import HUMEN_GRID, point_in

pytestmark = pytest.mark.browser


def test_a_resident_reports_a_problem_with_a_photo_from_a_phone(
    phone_page: Page, city_session: Session, shot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    page = phone_page
    lon, lat = point_in(city_session, HUMEN_GRID)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat})
    sign_in(page, "resident")
    expect(page).to_have_url(re.compile(r"/report$"))
    page.wait_for_selector("#report-map[data-ready=true]")
    shot(page, "1-report-form")

    page.get_by_label("遇到了什么问题？").fill("小区门口的路灯坏了")
    page.get_by_label("详细描述").fill("晚上一片漆黑，老人出入不安全。")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#place-text")).to_have_attribute("data-located", "true")
    expect(page.locator("#place-text")).to_contain_text("虎门")
    page.locator("select[name=category]").select_option("01")
    photo = tmp_path / "light.png"
    photo.write_bytes(tiny_png())
    page.locator("input[name=photo]").set_input_files(str(photo))
    shot(page, "2-report-filled")
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()

    expect(page.locator("#reported")).to_be_visible()
    code = page.locator("#case-code").inner_text()
    assert re.fullmatch(r"441900-\d{4}-\d{6}", code), code
    expect(page.locator("#reported")).to_contain_text(code)
    expect(page.locator("#case-status")).to_have_text("待分派")
    expect(page.locator(".photos img")).to_have_count(1)
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") == 8
    # On a phone the page fits the screen: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "3-reported")

    page.get_by_role("link", name="我的诉求").click()
    expect(page.locator(f'#my-reports li[data-code="{code}"]')).to_contain_text("待分派")
